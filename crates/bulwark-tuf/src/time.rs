//! TUF's `expires`: `YYYY-MM-DDTHH:MM:SSZ` (UTC), as seconds since the Unix epoch.

/// Parses `2030-01-01T00:00:00Z` (an optional fraction of a second is accepted and dropped).
#[must_use]
pub fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, mo, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = &s[19..];
    let rest = match rest.strip_prefix('.') {
        Some(f) => f.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    if rest != "Z"
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&day)
        || hour > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    Some(days_from_civil(year, mo, day) * 86400 + hour * 3600 + mi * 60 + sec)
}

/// Howard Hinnant's `days_from_civil`.
#[allow(clippy::many_single_char_names)] // y, m, d: Hinnant's names.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch, now.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_tuf_dates() {
        // date -u -d 2030-01-01T00:00:00Z +%s
        assert_eq!(super::parse("2030-01-01T00:00:00Z"), Some(1_893_456_000));
        assert_eq!(super::parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            super::parse("2024-02-29T12:34:56.789Z"),
            Some(1_709_210_096)
        );
        assert_eq!(super::parse("2030-01-01T00:00:00+01:00"), None);
        assert_eq!(super::parse("2030-13-01T00:00:00Z"), None);
        assert_eq!(super::parse("garbage"), None);
    }
}
