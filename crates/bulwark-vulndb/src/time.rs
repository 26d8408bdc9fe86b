//! Dates without a date-time dependency: the DB only needs "seconds since the epoch" ↔ RFC 3339 (UTC).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch → `2026-11-23T19:05:35Z`.
#[must_use]
pub fn rfc3339(secs: u64) -> String {
    bulwark_types::time::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
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
