//! Calendar days, enough for ages in days (no time zones: dates are UTC days).

use bulwark_types::time::days_from_civil;
use serde::Serialize;

/// A day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Date(pub i64);

impl Date {
    /// `YYYY-MM-DD`, or the date part of an RFC 3339 timestamp (`2024-05-01T10:00:00Z`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.get(..10)?;
        let mut it = s.split('-');
        let y: i64 = it.next()?.parse().ok()?;
        let m: i64 = it.next()?.parse().ok()?;
        let d: i64 = it.next()?.parse().ok()?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1..=9999).contains(&y) {
            return None;
        }
        Some(Self(days_from_civil(y, m, d)))
    }

    /// The UTC day of a Unix time in seconds.
    #[must_use]
    pub fn from_unix(secs: i64) -> Self {
        Self(secs.div_euclid(86_400))
    }

    /// Days from `earlier` to `self`.
    #[must_use]
    pub fn days_since(self, earlier: Self) -> i64 {
        self.0 - earlier.0
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn known_days() {
        // 2000-03-01 is day 11017 (date -d 2000-03-01 +%s / 86400).
        assert_eq!(Date::parse("1970-01-01"), Some(Date(0)));
        assert_eq!(Date::parse("2000-03-01"), Some(Date(11_017)));
        assert_eq!(Date::parse("2024-02-29T12:00:00Z"), Some(Date(19_782)));
        assert_eq!(Date::parse("2024-13-01"), None);
        assert_eq!(Date::parse("bad"), None);
    }
}
