//! Cases from ZAP's ContentSecurityPolicyScanRuleUnitTest (method named above each), and CSP3 examples.

use super::*;
use crate::rules::headers::run_with_tags;
use crate::rules::testing::{MsgExt, msg, run};

const REASONABLE_POLICY: &str = "default-src 'self'; script-src 'self' storage.googleapis.com cdn.temasys.io \
    cdn.tiny.cloud *.google-analytics.com; style-src 'self' *.googleapis.com; font-src 'self' data: \
    *.googleapis.com fonts.gstatic.com; frame-ancestors 'none'; worker-src 'self'; form-action 'none'";
const REASONABLE_META_POLICY: &str = "default-src 'self'; script-src 'self' storage.googleapis.com \
    cdn.temasys.io cdn.tiny.cloud *.google-analytics.com; style-src 'self' *.googleapis.com; font-src 'self' \
    data: *.googleapis.com fonts.gstatic.com; worker-src 'self'; form-action 'none'";

fn page() -> HttpMessage {
    msg("https://www.example.com/test/", 200)
        .header("Server", "Apache-Coyote/1.1")
        .header("Content-Type", "text/html;charset=ISO-8859-1")
        .body("<html></html>")
}

fn with(policy: &str) -> Vec<Alert> {
    run(&Rule, &page().header("Content-Security-Policy", policy))
}

fn refs(a: &[Alert]) -> Vec<&str> {
    a.iter().map(|a| a.alert_ref.as_str()).collect()
}

fn meta(content: &str, header: Option<&str>) -> Vec<Alert> {
    let mut m = page().body(&format!(
        r#"<html><head><meta http-equiv="Content-Security-Policy" content="{content}"></head></html>"#
    ));
    if let Some(h) = header {
        m = m.header("Content-Security-Policy", h);
    }
    let tags: &[(&str, &[(&str, &str)])] = &[(
        "meta",
        &[
            ("http-equiv", "Content-Security-Policy"),
            ("content", content),
        ],
    )];
    run_with_tags(&Rule, &m, tags)
}

// shouldNotAlertOnReasonableCsp, shouldNotAlertOnReasonableMetaCsp, shouldNotNpeOrAlertOnInvalidMetaCsp
#[test]
fn reasonable_policies_pass() {
    assert!(with(REASONABLE_POLICY).is_empty());
    assert!(meta(REASONABLE_META_POLICY, None).is_empty());
    assert!(meta(&format!("{REASONABLE_META_POLICY},"), None).is_empty());
}

// shouldNotRaiseAlertOnNonHtmlAtMediumThreshold
#[test]
fn non_html_is_not_judged() {
    let m = msg("https://www.example.com/a.png", 200)
        .header("Content-Type", "image/png")
        .header("Content-Security-Policy", "report-uri /__cspreport__");
    assert!(run(&Rule, &m).is_empty());
}

// shouldAlertWhenCspContainsSyntaxIssues
#[test]
fn syntax_errors_are_notices_and_the_directive_is_dropped() {
    let policy = "default-src: 'none'; report_uri /__cspreport__";
    let a = with(policy);
    assert_eq!(
        refs(&a),
        ["10055-3", "10055-13", "10055-4", "10055-5", "10055-6"]
    );
    assert_eq!(a[0].name, "CSP: Notices");
    assert_eq!(
        a[0].other_info,
        "Errors:\nDirective name default-src: contains characters outside the range ALPHA / DIGIT / \"-\"\n\
         Directive name report_uri contains characters outside the range ALPHA / DIGIT / \"-\"\n"
    );
    assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
    assert_eq!(a[0].evidence, policy);
    assert_eq!(
        a[1].name,
        "CSP: Failure to Define Directive with No Fallback"
    );
    assert!(a[1].other_info.ends_with("frame-ancestors, form-action"));
    assert_eq!(a[1].risk, Risk::Medium);
    // shouldNotAlertOnValidSyntaxWhenCspContainsSyntaxIssues
    let a = with("default-src: 'none'; report_uri /__cspreport__; frame-ancestors 'none'");
    assert_eq!(a.len(), 5);
    assert!(!a[1].other_info.contains("frame-ancestors"));
}

// shouldAlertWithCspWarningNoticesWhenApplicable
#[test]
fn unquoted_keyword_is_a_warning() {
    let a = with("default-src none; report-to csp-endpoint ");
    assert_eq!(refs(&a), ["10055-3", "10055-13"]);
    assert_eq!(
        a[0].other_info,
        "Warnings:\nThis host name is unusual, and likely meant to be a keyword that is missing the required \
         quotes: 'none'.\n"
    );
    assert_eq!(a[0].evidence, "default-src none; report-to csp-endpoint");
    assert_eq!(a[0].risk, Risk::Low);
}

// shouldAlertOnNoFallbackFrameAncestorsDirective, shouldAlertWhenMissingRelevantDirectiveWithoutFallback
#[test]
fn no_fallback_directives() {
    let a = with("frame-ancestors *; default-src 'self'; form-action 'none'");
    assert_eq!(refs(&a), ["10055-13"]);
    assert!(a[0].other_info.ends_with(": frame-ancestors"));
    let p = REASONABLE_POLICY.replace("; form-action 'none'", "");
    assert_eq!(refs(&with(&p)), ["10055-13"]);
}

// shouldAlertOnWildcardConnectSourceDirective
#[test]
fn wildcard_connect_src() {
    let policy = "connect-src *; default-src 'self'; form-action 'none'; frame-ancestors 'self'";
    let a = with(policy);
    assert_eq!(refs(&a), ["10055-4"]);
    assert_eq!(a[0].name, "CSP: Wildcard Directive");
    assert!(a[0].other_info.ends_with("\nconnect-src"));
    assert_eq!(
        (a[0].risk, a[0].confidence),
        (Risk::Medium, Confidence::High)
    );
    // CSP3 §6.7.2.8: a bare scheme matches any host of it.
    let a = with("default-src 'self' https:; form-action 'none'; frame-ancestors 'self'");
    assert_eq!(refs(&a), ["10055-4"]);
}

// shouldRaiseAlertWhenCspIncludesScriptUnsafeInline, …StyleUnsafeInline
#[test]
fn missing_default_src_allows_inline() {
    for policy in ["script-src 'unsafe-inline'", "style-src 'unsafe-inline'"] {
        let a = with(policy);
        assert_eq!(
            refs(&a),
            ["10055-13", "10055-4", "10055-5", "10055-6"],
            "{policy}"
        );
        assert_eq!(a[2].name, "CSP: script-src unsafe-inline");
        assert_eq!(a[3].name, "CSP: style-src unsafe-inline");
    }
}

// shouldRaiseAlertWhenCspIncludesScriptUnsafeEval
#[test]
fn unsafe_eval() {
    let a = with("script-src 'unsafe-eval'");
    assert_eq!(refs(&a), ["10055-13", "10055-4", "10055-6", "10055-10"]);
    assert_eq!(a[3].name, "CSP: script-src unsafe-eval");
}

// shouldRaiseAlertOnSecondCspHasIssueFirstDoesNot, shouldRaiseAlertOnUnsafeInDefaultSrc
#[test]
fn each_header_is_judged() {
    let m = page()
        .header("Content-Security-Policy", REASONABLE_POLICY)
        .header("Content-Security-Policy", "style-src 'unsafe-inline'");
    let a = run(&Rule, &m);
    assert_eq!(refs(&a), ["10055-13", "10055-4", "10055-5", "10055-6"]);
    assert!(a.iter().all(|a| a.evidence == "style-src 'unsafe-inline'"));
    let m = page()
        .header("Content-Security-Policy", REASONABLE_POLICY)
        .header("Content-Security-Policy", "default-src 'unsafe-inline'");
    assert_eq!(refs(&run(&Rule, &m)), ["10055-13", "10055-5", "10055-6"]);
}

// shouldRaiseAlertOnUnsafeHashesInScriptSrc, …InStyleSrc
#[test]
fn unsafe_hashes() {
    let a = with(
        "default-src 'self'; script-src 'unsafe-hashes' 'sha256-jzgBGA4UWFFmpOBq0JpdsySukE1FrEN5bUpoK8Z29fY='",
    );
    assert_eq!(refs(&a), ["10055-13", "10055-7"]);
    let a = with(
        "default-src 'self'; style-src 'unsafe-hashes' 'sha256-xyz4zkCjuC3lZcD2UmnqDG0vurmq12W/XKM5Vd0+MlQ='",
    );
    assert_eq!(refs(&a), ["10055-13", "10055-8"]);
}

// shouldRaiseAlertWhenPolicyContainsNonasciiCharacters
#[test]
fn non_ascii_policy_is_malformed_only() {
    let policy =
        "\"default-src \u{2018}self\u{2019} 'unsafe-eval' 'unsafe-inline' www.example.net;\"";
    let a = with(policy);
    assert_eq!(refs(&a), ["10055-9"]);
    assert_eq!(a[0].name, "CSP: Malformed Policy (Non-ASCII)");
    assert_eq!(a[0].evidence, policy);
    assert!(a[0].other_info.ends_with("\u{2018}\u{2019}"));
}

// shouldAlertOnReasonableCspWhichIncludesPrefetchsrc, shouldAlertOnMetaCspWithPrefetch
#[test]
fn prefetch_src_is_deprecated() {
    let a = with(&format!("{REASONABLE_POLICY}; prefetch-src *"));
    assert_eq!(refs(&a), ["10055-3"]);
    assert_eq!(
        a[0].other_info,
        "Warnings:\nThe prefetch-src directive has been deprecated\n"
    );
    let a = meta(&format!("{REASONABLE_META_POLICY}; prefetch-src *"), None);
    assert_eq!(refs(&a), ["10055-3"]);
}

// shouldAlertWhenHeaderAndMetaBothPresent, shouldAlertOnMetaPolicyWithInvalidDirective
#[test]
fn meta_policies() {
    let a = meta(REASONABLE_META_POLICY, Some(REASONABLE_POLICY));
    assert_eq!(refs(&a), ["10055-12"]);
    assert_eq!(a[0].name, "CSP: Header & Meta");
    let a = meta(
        &format!("{REASONABLE_META_POLICY}; sandbox allow-forms"),
        None,
    );
    assert_eq!(refs(&a), ["10055-11"]);
    assert_eq!(a[0].name, "CSP: Meta Policy Invalid Directive");
}

// shouldNotAlertOnReasonableCspWithTrustedTypes, shouldNotAlertOnValidTrustedTypesPolicies,
// shouldAlertWhenTrustedTypesDirectivesMissingValues, shouldAlertOnWildcardTrustedTypes
#[test]
fn trusted_types() {
    for add in [
        "; require-trusted-types-for 'script'",
        "; trusted-types 'none'",
        "; trusted-types myPolicy 'allow-duplicates'",
    ] {
        assert!(
            with(&format!("{REASONABLE_POLICY}{add}")).is_empty(),
            "{add}"
        );
    }
    let base = "default-src 'self'; frame-ancestors 'none'; form-action 'none'";
    for (add, text) in [
        (
            "; trusted-types",
            "Empty trusted-types directive allows all policy names",
        ),
        (
            "; require-trusted-types-for",
            "The require-trusted-types-for directive requires a value",
        ),
        (
            "; trusted-types *",
            "Wildcard policy names (*) permit any policy name",
        ),
        (
            "; trusted-types * 'allow-duplicates'",
            "Wildcard policy names (*) permit any policy name",
        ),
    ] {
        let a = with(&format!("{base}{add}"));
        assert_eq!(refs(&a), ["10055-3"], "{add}");
        assert!(a[0].other_info.contains(text));
        assert_eq!(a[0].risk, Risk::Low);
    }
}

// shouldRaiseAlertOnLegacyCspHeader
#[test]
fn legacy_headers() {
    for (h, r) in [
        ("X-Content-Security-Policy", "10055-1"),
        ("X-WebKit-CSP", "10055-2"),
    ] {
        let a = run(&Rule, &page().header(h, REASONABLE_POLICY));
        assert_eq!(refs(&a), [r]);
        assert_eq!(a[0].name, format!("CSP: {h}"));
        assert_eq!(a[0].risk, Risk::Low);
        let a = run(
            &Rule,
            &page()
                .header(h, REASONABLE_POLICY)
                .header("Content-Security-Policy", REASONABLE_POLICY),
        );
        assert_eq!(a[0].risk, Risk::Informational);
    }
}

// CSP3 §8.2 ('strict-dynamic') and §6.7.3.3 (a nonce disables 'unsafe-inline'): the backwards-compatible
// policy of the spec's example passes the inline and wildcard checks.
#[test]
fn strict_dynamic_with_nonce_passes() {
    let p = "script-src 'nonce-DhcnhD3khTMePgXwdayK9BsMqXjhguVV' 'strict-dynamic' 'unsafe-inline' https:; \
             default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    assert!(with(p).is_empty());
}
