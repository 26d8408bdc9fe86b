//! Exceptions: the `bulwark.dev/ignore` annotation (in `lib.rs`) and ignore files with expiry.
//!
//! Ignore file format, one entry per line (`#` starts a comment):
//!
//! ```text
//! # rule (id or name)  [resource pattern]            [exp:YYYY-MM-DD]  reason…
//! BW-K8S-0002          DaemonSet/kube-system/cilium  exp:2027-01-31    CNI needs privileges
//! latest-image-tag     Deployment/dev/*                                dev namespace tracks latest
//! ```
//!
//! The resource pattern matches `Kind/namespace/name` (or `Kind/name`); `*` matches any run of characters.
//! An entry past its expiry date no longer applies and produces a warning.

/// One line of an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub rule: String,
    pub resource: Option<String>,
    /// Days since 1970-01-01 of the last day the entry applies.
    pub expires: Option<i64>,
    pub line: u32,
    pub reason: String,
}

impl IgnoreEntry {
    #[must_use]
    pub fn matches(&self, id: &str, name: &str, resource: &str) -> bool {
        (self.rule.eq_ignore_ascii_case(id) || self.rule == name || self.rule == "all")
            && self.resource.as_deref().is_none_or(|p| glob(p, resource))
    }

    #[must_use]
    pub fn expired(&self, today: i64) -> bool {
        self.expires.is_some_and(|e| today > e)
    }
}

/// Parses an ignore file. Errors name the line.
pub fn parse(text: &str) -> Result<Vec<IgnoreEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let l = raw.split_once('#').map_or(raw, |(a, _)| a).trim();
        if l.is_empty() {
            continue;
        }
        let mut toks = l.split_whitespace();
        let rule = toks.next().unwrap_or_default().to_string();
        let mut e = IgnoreEntry {
            rule,
            resource: None,
            expires: None,
            line,
            reason: String::new(),
        };
        let mut reason = Vec::new();
        for t in toks {
            if let Some(d) = t.strip_prefix("exp:") {
                e.expires =
                    Some(parse_date(d).ok_or_else(|| {
                        format!("line {line}: bad date '{d}' (expected YYYY-MM-DD)")
                    })?);
            } else if e.resource.is_none() && reason.is_empty() && t.contains('/') {
                e.resource = Some(t.to_string());
            } else {
                reason.push(t);
            }
        }
        e.reason = reason.join(" ");
        out.push(e);
    }
    Ok(out)
}

/// `YYYY-MM-DD` to days since 1970-01-01 (proleptic Gregorian).
#[must_use]
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days-from-civil (Howard Hinnant).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today in days since 1970-01-01 (UTC).
#[must_use]
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(i64::MAX)
}

fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let mut rest = s;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            let Some(pos) = rest.find(p) else {
                return false;
            };
            rest = &rest[pos + p.len()..];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let e = parse("# c\nBW-K8S-0002 DaemonSet/kube-system/* exp:2027-01-31 CNI needs it\nlatest-image-tag dev only\n").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].line, 2);
        assert!(e[0].matches(
            "BW-K8S-0002",
            "privileged-container",
            "DaemonSet/kube-system/cilium"
        ));
        assert!(!e[0].matches(
            "BW-K8S-0002",
            "privileged-container",
            "DaemonSet/default/cilium"
        ));
        assert!(e[1].matches("BW-K8S-0022", "latest-image-tag", "Pod/x"));
        assert_eq!(e[1].reason, "dev only");
        assert!(!e[0].expired(parse_date("2027-01-31").unwrap()));
        assert!(e[0].expired(parse_date("2027-02-01").unwrap()));
        assert!(parse("x exp:2027-13-01").is_err());
    }

    #[test]
    fn dates() {
        // `date -u -d 2000-02-29 +%s` / 86400 = 11016
        assert_eq!(parse_date("2000-02-29"), Some(11_016));
        assert_eq!(parse_date("1970-01-01"), Some(0));
    }
}
