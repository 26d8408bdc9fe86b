//! HTTP dates (RFC 9110 §5.6.7): [`parse`] reads the three forms a recipient must accept (IMF-fixdate, the
//! obsolete RFC 850 form and asctime) and the looser dates of cookies, [`format`] writes IMF-fixdate. Both go
//! through the workspace's one calendar, `bulwark_types::time`.

use bulwark_types::time::{civil_from_days, unix_from_civil};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an HTTP date leniently (RFC 6265 §5.1.1: tokens for time, day, month and year in any order, which
/// covers RFC 9110's three forms), as seconds since the epoch. A two-digit year is 1970-2069. `None` when a part
/// is missing or out of range.
#[must_use]
pub fn parse(s: &str) -> Option<i64> {
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for tok in s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|t| !t.is_empty())
    {
        if time.is_none() && tok.contains(':') {
            let mut it = tok.split(':').map(|p| p.parse::<i64>().ok());
            if let (Some(Some(h)), Some(Some(m)), Some(Some(sec))) =
                (it.next(), it.next(), it.next())
            {
                time = Some((h, m, sec));
                continue;
            }
        }
        let digits = tok.bytes().all(|b| b.is_ascii_digit());
        if day.is_none() && digits && tok.len() <= 2 {
            day = tok.parse::<i64>().ok();
        } else if month.is_none() && tok.len() >= 3 && !digits {
            let p = tok.get(..3).unwrap_or("");
            if let Some(i) = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(p)) {
                month = Some(i64::try_from(i).unwrap_or(0) + 1);
            }
        } else if year.is_none() && digits && (2..=4).contains(&tok.len()) {
            year = tok.parse::<i64>().ok();
        }
    }
    let mut year = year?;
    if (70..=99).contains(&year) {
        year += 1900;
    } else if (0..=69).contains(&year) {
        year += 2000;
    }
    let (day, month, (h, m, sec)) = (day?, month?, time?);
    if !(1..=31).contains(&day) || year < 1601 || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(unix_from_civil(year, month, day, h, m, sec))
}

/// Seconds since the epoch → IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
#[must_use]
pub fn format(secs: i64) -> String {
    // 1970-01-01 was a Thursday.
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)],
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    /// RFC 9110 §5.6.7's example: one instant, 784111777 seconds after the epoch, in its three forms.
    const IMF_FIXDATE: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
    const RFC_850: &str = "Sunday, 06-Nov-94 08:49:37 GMT";
    const ASCTIME: &str = "Sun Nov  6 08:49:37 1994";

    #[test]
    fn the_three_rfc_9110_forms() {
        for s in [IMF_FIXDATE, RFC_850, ASCTIME] {
            assert_eq!(parse(s), Some(784_111_777), "{s}");
        }
        assert_eq!(format(784_111_777), IMF_FIXDATE);
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // 2^31 - 1 (2038-01-19T03:14:07Z, a Tuesday) and a leap day (2024-02-29, a Thursday), both ways.
        for (secs, text) in [
            (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"),
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        ] {
            assert_eq!(format(secs), text);
            assert_eq!(parse(text), Some(secs));
        }
        // Month names in any case; RFC 850's two-digit years 70-99 are 19xx, 00-69 20xx (RFC 6265 §5.1.1).
        assert_eq!(parse("sunday, 06-NOV-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(
            parse("Thursday, 29-Feb-24 00:00:00 GMT"),
            Some(1_709_164_800)
        );
    }

    #[test]
    fn malformed_dates_are_none() {
        for bad in [
            "",
            "yesterday",
            "Thu, 99 Jan 1970 00:00:00 GMT",
            "Thu, 01 Jan 1970 24:00:00 GMT",
            "Thu, 01 Foo 1970 00:00:00 GMT",
            "Thu, 01 Jan 1600 00:00:00 GMT",
            "01 Jan 1970",
            "\u{ff}\u{0}:",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
