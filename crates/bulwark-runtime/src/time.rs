//! Event times as Falco prints them (UTC, nanoseconds), and the civil-date arithmetic behind them, in one place
//! for every source and output: `%evt.time`, `evt.time.iso8601`, the JSON `time`, audit `stageTimestamp`s.

/// The proleptic Gregorian date of a day count since 1970-01-01: (year, month, day) — Howard Hinnant's
/// days-to-civil algorithm.
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of [`civil_from_days`]).
#[must_use]
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `10:21:34.123456789` (UTC), as Falco's `%evt.time`.
#[must_use]
pub fn clock_ns(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}.{frac:09}", s / 3600, s / 60 % 60, s % 60)
}

/// `2026-12-07T10:21:34.123456789Z`, as Falco's `evt.time.iso8601` and its JSON `time`.
#[must_use]
pub fn rfc3339_ns(ns: i64) -> String {
    let (y, m, d) = civil_from_days(ns.div_euclid(1_000_000_000).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}T{}Z", clock_ns(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_dates() {
        // 2018-10-25 is day 17,829 (the audit traces' date); 2000-03-01 day 11,017.
        assert_eq!(civil_from_days(17_829), (2018, 10, 25));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for d in [-719_468, -1, 0, 59, 60, 11_016, 17_829, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(dd)), d);
        }
        let ns = 1_709_296_496_000_000_007; // 2024-03-01T12:34:56.000000007Z
        assert_eq!(clock_ns(ns), "12:34:56.000000007");
        assert_eq!(rfc3339_ns(ns), "2024-03-01T12:34:56.000000007Z");
        assert_eq!(rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
    }
}
