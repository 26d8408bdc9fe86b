//! Calendar dates for ignore-entry expiry.

use std::fmt;

/// A proleptic Gregorian calendar date (`YYYY-MM-DD`). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A valid date, or `None` (month 13, February 30th…).
    #[must_use]
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let days = bulwark_types::time::days_in_month(i64::from(year), i64::from(month));
        (day >= 1 && i64::from(day) <= days).then_some(Self { year, month, day })
    }

    /// Today in UTC, from the system clock.
    #[must_use]
    pub fn today_utc() -> Self {
        Self::from_unix_days(bulwark_types::time::now_unix().div_euclid(86_400))
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    #[must_use]
    pub fn from_unix_days(days: i64) -> Self {
        let (y, month, day) = bulwark_types::time::civil_from_days(days);
        Self {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month,
            day,
        }
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    /// Strictly `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid date '{s}' (expected YYYY-MM-DD)");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
            let part = &s[r];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Self::new(i32::try_from(year).map_err(|_| bad())?, month, day).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parse_and_order() {
        let d: Date = "2024-02-29".parse().unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2024-13-01".parse::<Date>().is_err());
        assert!("2024-1-01".parse::<Date>().is_err());
        assert!("+024-01-01".parse::<Date>().is_err());
        assert!("2024-01-01".parse::<Date>().unwrap() < "2024-01-02".parse().unwrap());
    }

    #[test]
    fn unix_days() {
        // `date -u -d @0` and `date -u -d @1795459205` (2026-11-23).
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_unix_days(1_795_459_205 / 86_400).to_string(),
            "2026-11-23"
        );
    }
}
