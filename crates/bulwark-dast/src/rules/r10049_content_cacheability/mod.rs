//! 10049 Content Cacheability (beta): says, for each response, what a shared cache may do with it under RFC 9111:
//! not store it (10049-1 "Non-Storable Content"), store it but not serve it without revalidation (10049-2
//! "Storable but Non-Cacheable Content"), or store and serve it (10049-3 "Storable and Cacheable Content"). All
//! informational. Directives are split on commas and spaces as RFC 9111 §5.2 lists them.

use super::variant;
use crate::httpdate;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10049,
    name: "Content Cacheability",
    status: RuleStatus::Beta,
    cwe: 524,
    wasc: 13,
    description: "How a shared cache (proxy, CDN) may treat the response: whether it may store it, and whether it \
                  may serve the stored copy to other users.",
    solution: "Mark user-specific or sensitive responses Cache-Control: no-store (or private); let public static \
               content be cached.",
    references: &["https://www.rfc-editor.org/rfc/rfc9111"],
};

const YEAR: i64 = 365 * 86_400;
/// Status codes cacheable by default (RFC 9110 §15.1).
const HEURISTIC_STATUS: [u16; 11] = [200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501];

pub(super) struct Rule;

fn tokens<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    values
        .flat_map(|v| v.split([',', ' ', '\t']))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn has(tokens: &[&str], name: &str) -> bool {
    tokens.iter().any(|t| t.eq_ignore_ascii_case(name))
}

fn with_prefix<'a>(tokens: &[&'a str], prefix: &str) -> Vec<&'a str> {
    tokens
        .iter()
        .copied()
        .filter(|t| t.len() > prefix.len() && t[..prefix.len()].eq_ignore_ascii_case(prefix))
        .collect()
}

fn alert(msg: &HttpMessage, n: u32, evidence: &str, other: &str) -> Alert {
    let name = match n {
        1 => "Non-Storable Content",
        2 => "Storable but Non-Cacheable Content",
        _ => "Storable and Cacheable Content",
    };
    let mut a = variant(&INFO, msg, n, name, Risk::Informational, Confidence::Medium);
    evidence.clone_into(&mut a.evidence);
    other.clone_into(&mut a.other_info);
    a
}

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        out.push(judge(msg));
    }
}

fn judge(msg: &HttpMessage) -> Alert {
    let method = msg.method.to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "HEAD" | "POST") {
        return alert(msg, 1, &format!("{} ", msg.method), "");
    }
    if !(100..600).contains(&msg.status) {
        return alert(msg, 1, &msg.status.to_string(), "");
    }
    let req = |n: &'static str| {
        msg.request_headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let all = tokens(
        req("pragma")
            .chain(msg.headers("pragma"))
            .chain(req("cache-control"))
            .chain(msg.headers("cache-control")),
    );
    if let Some(t) = all.iter().find(|t| t.eq_ignore_ascii_case("no-store")) {
        return alert(msg, 1, t, "");
    }
    let cc = tokens(msg.headers("cache-control"));
    if let Some(t) = cc.iter().find(|t| t.eq_ignore_ascii_case("private")) {
        return alert(msg, 1, t, "");
    }
    // RFC 9111 §3.5: a response to an authenticated request is stored only with must-revalidate, public or s-maxage.
    if msg.request_header("authorization").is_some()
        && !(has(&cc, "must-revalidate")
            || has(&cc, "public")
            || !with_prefix(&cc, "s-maxage=").is_empty())
    {
        return alert(msg, 1, "Authorization:", "");
    }
    let expires: Vec<&str> = msg.headers("expires").collect();
    let max_age = with_prefix(&cc, "max-age=");
    let s_max_age = with_prefix(&cc, "s-maxage=");
    if expires.is_empty()
        && max_age.is_empty()
        && s_max_age.is_empty()
        && !has(&cc, "public")
        && !HEURISTIC_STATUS.contains(&msg.status)
    {
        return alert(msg, 1, &msg.status.to_string(), "");
    }
    if let Some(t) = cc.iter().find(|t| t.eq_ignore_ascii_case("no-cache")) {
        return alert(msg, 2, t, "");
    }
    // Freshness lifetime (RFC 9111 §4.2.1): s-maxage, then max-age, then Expires − Date, else a heuristic.
    let single = |v: &[&str], p: usize| match v {
        [one] => one[p..]
            .parse::<i64>()
            .ok()
            .map(|n| (n, (*one).to_string())),
        _ => None,
    };
    let mut lifetime = single(&s_max_age, 9).or_else(|| single(&max_age, 8));
    if lifetime.is_none()
        && let [exp] = expires.as_slice()
    {
        let dates: Vec<&str> = msg.headers("date").collect();
        if let [date] = dates.as_slice() {
            lifetime = match (httpdate::parse(exp), httpdate::parse(date)) {
                (Some(e), Some(d)) => Some((e - d, (*exp).to_string())),
                // An invalid Expires means "already expired" (RFC 9111 §5.3).
                (None, _) => Some((0, (*exp).to_string())),
                (Some(_), None) => None,
            };
        }
    }
    let (lifetime, evidence, other) = match lifetime {
        Some((l, e)) => (l, e, ""),
        None => (
            YEAR,
            String::new(),
            "No lifetime is given, so a cache may pick one heuristically; a year is assumed here as the worst case.",
        ),
    };
    if lifetime > 0 {
        return alert(msg, 3, &evidence, other);
    }
    match cc.iter().find(|t| {
        let l = t.to_ascii_lowercase();
        l == "must-revalidate"
            || l == "proxy-revalidate"
            || l.starts_with("s-maxage=")
            || l.starts_with("max-age=")
    }) {
        Some(t) => alert(msg, 2, t, ""),
        None => alert(
            msg,
            3,
            "",
            "The response is stale, but nothing stops a cache from serving it stale (RFC 9111 §4.2.4).",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn one(m: &HttpMessage) -> (String, String) {
        let a = run(&Rule, m);
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Medium)
        );
        (a[0].alert_ref.clone(), a[0].evidence.clone())
    }

    fn get(status: u16) -> HttpMessage {
        msg("https://example.com/", status)
    }

    // CacheableScanRuleUnitTest.shouldRaiseAlertStoreAndCacheableWhenStatusCacheableByDefault,
    // shouldRaiseAlertStoreAndCacheableCacheIsFreshWhenNoLifetimeSpecified
    #[test]
    fn default_cacheable_status_is_storable_and_cacheable() {
        let a = run(&Rule, &get(200));
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].name.as_str()),
            ("10049-3", "Storable and Cacheable Content")
        );
        assert!(a[0].other_info.contains("heuristic"));
    }

    // …WhenCacheIsFreshAndMaxAgeDirectiveIsSet, …S_MaxAgeDirectiveIsSet, …ExpirySpecified,
    // …StatusNonCacheableByDefaultAndCacheIsPublic
    #[test]
    fn fresh_lifetimes() {
        assert_eq!(
            one(&get(200).header("Cache-Control", "max-age=3600")),
            ("10049-3".into(), "max-age=3600".into())
        );
        assert_eq!(
            one(&get(200).header("Cache-Control", "s-maxage=60, max-age=0")).1,
            "s-maxage=60"
        );
        let m = get(200)
            .header("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
            .header("Expires", "Sun, 06 Nov 1994 09:49:37 GMT");
        assert_eq!(
            one(&m),
            ("10049-3".into(), "Sun, 06 Nov 1994 09:49:37 GMT".into())
        );
        assert_eq!(
            one(&get(302).header("Cache-Control", "public")).0,
            "10049-3"
        );
    }

    // RFC 9111 §5.2.2.5, §5.2.2.7, §3.5: no-store, private and Authorization make it non-storable.
    #[test]
    fn non_storable() {
        assert_eq!(
            one(&get(200).header("Cache-Control", "no-store")),
            ("10049-1".into(), "no-store".into())
        );
        assert_eq!(
            one(&get(200).header("Cache-Control", "private,max-age=60")),
            ("10049-1".into(), "private".into())
        );
        assert_eq!(
            one(&get(200).req_header("Authorization", "Basic YTpi")).1,
            "Authorization:"
        );
        // …AuthorizationNeededAndCacheMustRevalidated: storable again.
        let m = get(200)
            .req_header("Authorization", "Basic YTpi")
            .header("Cache-Control", "must-revalidate");
        assert_ne!(one(&m).0, "10049-1");
        let mut m = get(200);
        m.method = "DELETE".into();
        assert_eq!(one(&m), ("10049-1".into(), "DELETE ".into()));
        assert_eq!(one(&get(302)).0, "10049-1");
    }

    // RFC 9111 §5.2.2.4 no-cache; …shouldRaiseAlertStoreAndCacheableWhenStaleRetrieveAllowed
    #[test]
    fn no_cache_and_stale() {
        assert_eq!(
            one(&get(200).header("Cache-Control", "no-cache")),
            ("10049-2".into(), "no-cache".into())
        );
        assert_eq!(
            one(&get(200).header("Cache-Control", "max-age=0")),
            ("10049-2".into(), "max-age=0".into())
        );
        let m = get(200)
            .header("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
            .header("Expires", "0");
        assert_eq!(one(&m).0, "10049-3");
    }
}
