//! TUF's `expires`: `YYYY-MM-DDTHH:MM:SSZ` (UTC), as seconds since the Unix epoch.

use bulwark_types::time::unix_from_civil;

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
    Some(unix_from_civil(year, mo, day, hour, mi, sec))
}

/// Seconds since the epoch, now.
#[must_use]
pub fn now() -> i64 {
    bulwark_types::time::now_unix()
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
