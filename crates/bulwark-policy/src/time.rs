//! Instants as seconds since the Unix epoch (UTC), parsed from `YYYY-MM-DD` or RFC 3339, without a date-time
//! dependency. Expiry and "days since" arithmetic need no more.

use bulwark_types::time::{days_from_civil, days_in_month, now_unix};
use std::fmt;

/// A point in time, whole seconds since 1970-01-01T00:00:00Z. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Instant {
    /// `YYYY-MM-DD` (midnight UTC) or RFC 3339 (`2026-12-31T23:59:59Z`, `…+02:00`, fractional seconds ignored).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("invalid date or time '{text}' (expected YYYY-MM-DD or RFC 3339)");
        let s = text.trim();
        // ASCII only, so that every slice below is on a character boundary.
        if !s.is_ascii() {
            return Err(bad());
        }
        let (date, rest) = if s.len() > 10 {
            let (d, r) = s.split_at(10);
            (d, Some(r))
        } else {
            (s, None)
        };
        let bytes = date.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad());
        }
        let (year, month, day) = (
            digits(&date[0..4]).ok_or_else(bad)?,
            digits(&date[5..7]).ok_or_else(bad)?,
            digits(&date[8..10]).ok_or_else(bad)?,
        );
        if day < 1 || day > days_in_month(year, month) {
            return Err(bad());
        }
        let mut secs = days_from_civil(year, month, day) * 86_400;
        if let Some(rest) = rest {
            let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?;
            if rest.len() < 8 || rest.as_bytes()[2] != b':' || rest.as_bytes()[5] != b':' {
                return Err(bad());
            }
            let (hours, minutes, seconds) = (
                digits(&rest[0..2]).ok_or_else(bad)?,
                digits(&rest[3..5]).ok_or_else(bad)?,
                digits(&rest[6..8]).ok_or_else(bad)?,
            );
            if hours > 23 || minutes > 59 || seconds > 60 {
                return Err(bad());
            }
            secs += hours * 3600 + minutes * 60 + seconds;
            let mut zone = &rest[8..];
            if let Some(frac) = zone.strip_prefix('.') {
                let n = frac.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 {
                    return Err(bad());
                }
                zone = &frac[n..];
            }
            match zone {
                "Z" | "z" => {}
                z if z.len() == 6
                    && (z.starts_with('+') || z.starts_with('-'))
                    && &z[3..4] == ":" =>
                {
                    let off = digits(&z[1..3]).ok_or_else(bad)? * 3600
                        + digits(&z[4..6]).ok_or_else(bad)? * 60;
                    secs -= if z.starts_with('+') { off } else { -off };
                }
                _ => return Err(bad()),
            }
        }
        Ok(Self(secs))
    }

    /// The system clock.
    #[must_use]
    pub fn now() -> Instant {
        Instant(now_unix())
    }

    /// The evaluation time for an entry point: `given` (the CLI's `--now`), else the environment variable `var`
    /// (tests pin the clock with it; the CLI is expected to use `BULWARK_NOW`), else the system clock. A value
    /// that does not parse is an error, never silently the current time.
    pub fn resolve(given: Option<&str>, var: &str) -> Result<Instant, String> {
        if let Some(g) = given {
            return Instant::parse(g);
        }
        match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Instant::parse(&v).map_err(|e| format!("{var}: {e}")),
            _ => Ok(Instant::now()),
        }
    }

    /// Whole days from `earlier` to `self` (negative when `earlier` is later), rounded down.
    #[must_use]
    pub fn days_since(self, earlier: Instant) -> i64 {
        (self.0 - earlier.0).div_euclid(86_400)
    }

    /// The next midnight UTC after the day this instant falls on: when an expiry given as a date ends.
    #[must_use]
    pub fn end_of_day(self) -> Instant {
        Instant((self.0.div_euclid(86_400) + 1) * 86_400)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bulwark_types::time::rfc3339(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::Instant;

    #[test]
    fn parses_dates_and_times() {
        // Values from `date -u -d 2026-12-31 +%s` and `date -u -d 2026-12-31T10:00:00+02:00 +%s`.
        assert_eq!(Instant::parse("2026-12-31").unwrap().0, 1_798_675_200);
        assert_eq!(
            Instant::parse("2026-12-31T10:00:00+02:00").unwrap().0,
            1_798_704_000
        );
        assert_eq!(Instant::parse("1970-01-01T00:00:01.5Z").unwrap().0, 1);
        assert_eq!(
            Instant::parse("2024-02-29").unwrap().to_string(),
            "2024-02-29T00:00:00Z"
        );
        for bad in [
            "2026-12-3é",
            "2026-12-31Té0:00:00Z",
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "2026-12-31T25:00:00Z",
            "2026-12-31T10:00:00",
            "x",
        ] {
            assert!(Instant::parse(bad).is_err(), "{bad}");
        }
        let d = Instant::parse("2026-12-31").unwrap();
        assert_eq!(d.end_of_day(), Instant::parse("2027-01-01").unwrap());
        assert_eq!(
            Instant::parse("2027-01-10T12:00:00Z")
                .unwrap()
                .days_since(d),
            10
        );
        // --now wins over the environment; an unset variable is the clock.
        assert_eq!(
            Instant::resolve(Some("2026-12-31"), "BULWARK_TEST_UNSET_NOW").unwrap(),
            d
        );
        let now = Instant::resolve(None, "BULWARK_TEST_UNSET_NOW").unwrap();
        assert!(now > Instant::parse("2026-01-01").unwrap());
        assert!(Instant::resolve(Some("tomorrow"), "X").is_err());
    }
}
