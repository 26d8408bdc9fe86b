//! Calendar dates for ignore-entry expiry.

use std::fmt;

/// A proleptic Gregorian calendar date (`YYYY-MM-DD`). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A valid date, or `None` (month 13, February 30th…).
    #[must_use]
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(Self { year, month, day })
    }

    /// Today in UTC, from the system clock.
    #[must_use]
    pub fn today_utc() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        Self::from_unix_days(secs.div_euclid(86_400))
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    #[must_use]
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Self {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month: m as u32,
            day: d as u32,
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
