//! Civil dates and Unix time without a date-time dependency: the proleptic Gregorian calendar (Howard Hinnant's
//! `days_from_civil` / `civil_from_days`), the system clock as seconds since the epoch, and RFC 3339 (UTC) for
//! output. Every crate that turns a date into seconds or back uses these, so there is one calendar to trust.
//!
//! ```
//! use bulwark_types::time::{civil_from_days, days_from_civil, rfc3339};
//! assert_eq!(days_from_civil(2000, 3, 1), 11_017);
//! assert_eq!(civil_from_days(11_017), (2000, 3, 1));
//! assert_eq!(rfc3339(951_868_800), "2000-03-01T00:00:00Z");
//! ```

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil). The month is 1-12 and
/// the day 1-31; the caller validates them (see [`days_in_month`]), out-of-range values give a meaningless day.
#[must_use]
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month 1-12, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's
/// civil-from-days), the inverse of [`days_from_civil`].
#[must_use]
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // month 1..=12, day 1..=31 by construction
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Whether `year` is a Gregorian leap year.
#[must_use]
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1-12) of `year`; 0 for a month out of range, so `day <= days_in_month(…)`
/// validates both.
#[must_use]
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Seconds since the Unix epoch of a UTC date and time of day (no range checks, as [`days_from_civil`]).
#[must_use]
pub fn unix_from_civil(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
) -> i64 {
    days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
}

/// The system clock as whole seconds since the Unix epoch (0 for a clock before 1970).
#[must_use]
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Seconds since the Unix epoch → `2026-11-23T18:40:05Z` (proleptic Gregorian calendar).
#[must_use]
pub fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// An RFC 3339 date-time → (seconds since the epoch, nanoseconds). Accepted: `YYYY-MM-DD`, a `T`, `t` or space
/// separator (RFC 3339 section 5.6 allows the space), `hh:mm:ss` with a leap second `60`, an optional fraction
/// of one or more digits (digits past the ninth are dropped), and `Z`, `z` or `±hh:mm`. The date is checked
/// against the calendar (no 30 February). `None` for anything else, including surrounding whitespace. This is
/// the one RFC 3339 parser of the workspace: certificates' trust roots, attestation predicates, VEX documents,
/// Kubernetes audit events and the server's query parameters all read time through it.
#[must_use]
pub fn parse_rfc3339_nanos(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            if *sign == b'-' {
                -(oh * 3600 + om * 60)
            } else {
                oh * 3600 + om * 60
            }
        }
        _ => return None,
    };
    Some((
        unix_from_civil(year, month, day, hour, minute, second) - offset,
        nanos,
    ))
}

/// An RFC 3339 date-time → whole seconds since the epoch (the fraction dropped); see [`parse_rfc3339_nanos`].
#[must_use]
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    parse_rfc3339_nanos(text).map(|(secs, _)| secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (year, month, day, days since 1970-01-01), from published values: the epoch itself; 2000-03-01 is
    /// 951868800 s (`date -u -d 2000-03-01 +%s`); 2038-01-19 is the day 2^31 - 1 s (2038-01-19T03:14:07Z) falls
    /// on; 2024-02-29 is 1709164800 s; 0001-01-01 is -62135596800 s (the offset between .NET's and Go's year-1
    /// epoch and Unix time) and 9999-12-31T23:59:59Z is 253402300799 s (the largest RFC 3339 instant), the
    /// bounds a four-digit year allows; 1900-01-01 is -2208988800 s (NTP's era-0 offset), in a century year that
    /// is not a leap year.
    const KNOWN: &[(i64, u32, u32, i64)] = &[
        (1970, 1, 1, 0),
        (2000, 3, 1, 951_868_800 / 86_400),
        (2000, 2, 29, 951_868_800 / 86_400 - 1),
        (2038, 1, 19, 2_147_483_647 / 86_400),
        (2024, 2, 29, 1_709_164_800 / 86_400),
        (1, 1, 1, -62_135_596_800 / 86_400),
        (9999, 12, 31, 253_402_300_799 / 86_400),
        (1969, 12, 31, -1),
        (1900, 1, 1, -2_208_988_800 / 86_400),
    ];

    #[test]
    fn known_days_both_ways() {
        for &(y, m, d, days) in KNOWN {
            assert_eq!(
                days_from_civil(y, i64::from(m), i64::from(d)),
                days,
                "{y}-{m}-{d}"
            );
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
        }
        // 1900-02-28 and 1900-03-01 are adjacent days.
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
    }

    #[test]
    fn every_day_from_year_1_to_9999_round_trips_and_is_consecutive() {
        let (first, last) = (days_from_civil(1, 1, 1), days_from_civil(9999, 12, 31));
        let mut expected = (1, 1, 1);
        for days in first..=last {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (y, m, d) = expected;
            expected = if i64::from(d) < days_in_month(y, i64::from(m)) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
        // 9999 years of 365 days plus 2424 leap days (2499 divisible by 4, less 99 centuries, plus 24 of 400).
        assert_eq!(last - first + 1, 9999 * 365 + 2424);
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(
            is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900) && !is_leap_year(2023)
        );
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 13), 0);
        assert_eq!(days_in_month(2023, 0), 0);
    }

    #[test]
    fn unix_seconds_and_rfc3339() {
        assert_eq!(unix_from_civil(2038, 1, 19, 3, 14, 7), 2_147_483_647);
        assert_eq!(unix_from_civil(9999, 12, 31, 23, 59, 59), 253_402_300_799);
        assert_eq!(unix_from_civil(1, 1, 1, 0, 0, 0), -62_135_596_800);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(2_147_483_647), "2038-01-19T03:14:07Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert!(now_unix() > unix_from_civil(2024, 1, 1, 0, 0, 0));
    }

    #[test]
    fn rfc3339_parsing_against_date() {
        // Truth from GNU date: `date -u -d 2026-12-06T15:45:00Z +%s` = 1796571900,
        // `date -u -d 2018-10-25T13:58:49Z +%s` = 1540475929, `date -u -d 2024-02-29 +%s` = 1709164800,
        // `date -u -d 2023-01-09T00:02:03Z +%s` = 1673222523.
        assert_eq!(parse_rfc3339("2026-12-06T15:45:00Z"), Some(1_796_571_900));
        assert_eq!(parse_rfc3339("2026-12-06t15:45:00z"), Some(1_796_571_900));
        assert_eq!(parse_rfc3339("2026-12-06 15:45:00Z"), Some(1_796_571_900));
        assert_eq!(
            parse_rfc3339("2026-12-06T17:45:00+02:00"),
            Some(1_796_571_900)
        );
        assert_eq!(
            parse_rfc3339("2023-01-08T18:02:03.647787998-06:00"),
            Some(1_673_222_523)
        );
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00.5+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
        // A leap second reads as the next minute's first second, as Go's time.Parse does not, but as the Unix
        // clock does (23:59:60 and the next 00:00:00 share one Unix second).
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
        assert_eq!(
            parse_rfc3339_nanos("2018-10-25T13:58:49.730588Z"),
            Some((1_540_475_929, 730_588_000))
        );
        assert_eq!(
            parse_rfc3339_nanos("2018-10-25T13:58:49.1234567891Z"),
            Some((1_540_475_929, 123_456_789))
        );
        for bad in [
            "",
            "2026-12-06",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-12-06T15:45:00",
            "2026-12-06T15:45:00.Z",
            "2026-12-06T15:45:00+1:00",
            "2026-12-06T15:45:00+0100",
            "2026-12-06T15:45:00+24:00",
            "2026-12-06T25:00:00Z",
            "2026-12-06T15:45:61Z",
            "2026-12-06_15:45:00Z",
            " 2026-12-06T15:45:00Z",
            "2026-12-06T15:45:00Z ",
            "2026-12-06T15:45:00ZZ",
            "+026-12-06T15:45:00Z",
            "２０２６-12-06T15:45:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
