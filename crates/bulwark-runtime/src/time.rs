//! Event times as Falco prints them (UTC, nanoseconds), and the civil-date arithmetic behind them, in one place
//! for every source and output: `%evt.time`, `evt.time.iso8601`, the JSON `time`, audit `stageTimestamp`s.

/// The civil-date arithmetic is the workspace's one calendar, re-exported for the sources and outputs here.
pub use bulwark_types::time::{civil_from_days, days_from_civil};

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
    fn falco_times() {
        // 2018-10-25 is day 17,829 (the audit traces' date).
        assert_eq!(civil_from_days(17_829), (2018, 10, 25));
        let ns = 1_709_296_496_000_000_007; // 2024-03-01T12:34:56.000000007Z
        assert_eq!(clock_ns(ns), "12:34:56.000000007");
        assert_eq!(rfc3339_ns(ns), "2024-03-01T12:34:56.000000007Z");
        assert_eq!(rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
    }
}
