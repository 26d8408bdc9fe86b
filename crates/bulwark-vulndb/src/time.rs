//! Dates without a date-time dependency: the DB only needs "seconds since the epoch" ↔ RFC 3339 (UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch → `2026-11-23T19:05:35Z`.
#[must_use]
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86400).cast_signed();
    let rem = secs % 86400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A `SystemTime` → RFC 3339.
#[must_use]
pub fn rfc3339_of(t: SystemTime) -> String {
    rfc3339(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_460_735), "2026-11-23T19:05:35Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
