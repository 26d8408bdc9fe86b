//! 10050 Retrieved from Cache: a response a shared cache served: `X-Cache: HIT …` (10050-1) or a valid `Age`
//! header (10050-2, RFC 9111 §5.1). If the content is user-specific, other users may get it.

use super::variant;
use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10050,
    name: "Retrieved from Cache",
    status: RuleStatus::Release,
    cwe: 525,
    wasc: 0,
    description: "The response came from a shared cache. If it holds personal or user-specific data, that data is \
                  being served to other users.",
    solution: "Check that the response holds nothing user-specific; if it does, send Cache-Control: private or \
               no-store.",
    references: &["https://www.rfc-editor.org/rfc/rfc9111#section-5.1"],
};

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for v in msg.headers("x-cache") {
            for part in v.split(',') {
                let part = part.strip_prefix(' ').unwrap_or(part);
                if part
                    .split(' ')
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("hit"))
                {
                    let mut a = variant(
                        &INFO,
                        msg,
                        1,
                        INFO.name,
                        Risk::Informational,
                        Confidence::Medium,
                    );
                    a.evidence = part.to_string();
                    out.push(a);
                    return;
                }
            }
        }
        for v in msg.headers("age") {
            if v.trim().parse::<u64>().is_ok() {
                let mut a = variant(
                    &INFO,
                    msg,
                    2,
                    INFO.name,
                    Risk::Informational,
                    Confidence::Medium,
                );
                a.evidence = format!("Age: {v}");
                a.other_info =
                    "An Age header means an HTTP/1.1 cache served the response (RFC 9111 §5.1)."
                        .into();
                out.push(a);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    // RetrievedFromCacheScanRuleUnitTest.shouldRaiseAlertIfXCacheWasHit, …HitWithServerDetails, …WithMultipleServerDetails
    #[test]
    fn x_cache_hit_fires() {
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Cache", "HIT"),
        );
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].evidence.as_str()),
            ("10050-1", "HIT")
        );
        let a = run(
            &Rule,
            &msg("https://example.com/", 200).header("X-Cache", "HIT from cache.example.com"),
        );
        assert_eq!(a[0].evidence, "HIT from cache.example.com");
        let m = msg("https://example.com/", 200)
            .header("X-Cache", "MISS from a.example.com, HIT from b.example.com");
        assert_eq!(run(&Rule, &m)[0].evidence, "HIT from b.example.com");
    }

    // RetrievedFromCacheScanRuleUnitTest.shouldRaiseAlertIfAgePresentWithValue
    #[test]
    fn age_fires() {
        let a = run(&Rule, &msg("https://example.com/", 200).header("Age", "24"));
        assert_eq!(
            (a[0].alert_ref.as_str(), a[0].evidence.as_str()),
            ("10050-2", "Age: 24")
        );
        assert_eq!(
            (a[0].risk, a[0].confidence),
            (Risk::Informational, Confidence::Medium)
        );
    }

    // …shouldNotRaiseAlertIfResponseHasNoRelevantHeader, …XCacheWasMiss, …XCacheWasEmpty, …AgeWasEmpty
    #[test]
    fn miss_empty_or_absent_passes() {
        for (h, v) in [
            ("X-Cache", "MISS"),
            ("X-Cache", ""),
            ("Age", ""),
            ("Age", "-1"),
            ("Server", "x"),
        ] {
            assert!(
                run(&Rule, &msg("https://example.com/", 200).header(h, v)).is_empty(),
                "{h}: {v}"
            );
        }
    }
}
