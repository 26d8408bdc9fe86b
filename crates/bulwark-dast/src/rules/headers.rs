//! The registry of header, cookie, transport and cross-origin rules (helper "rules-headers" owns this file), and
//! the small helpers those rules share: status classes as ZAP counts them, `Set-Cookie` parsing, HTTP dates,
//! `<meta http-equiv>` lookup and alert variants.
//!
//! Every rule runs at ZAP's default (MEDIUM) alert threshold; where ZAP behaves differently at LOW or HIGH, the
//! rule's README says what the MEDIUM behaviour is.

use std::sync::Arc;

use super::{Alert, Confidence, PassiveRule, Risk, RuleInfo, ScanContext};
use crate::html::Tag;
// The clock of the cookie rules' expiry checks (Expires before now).
use crate::message::HttpMessage;
use bulwark_types::time::now_unix as now_secs;

#[path = "r10010_cookie_no_http_only/mod.rs"]
mod r10010_cookie_no_http_only;
#[path = "r10011_cookie_without_secure/mod.rs"]
mod r10011_cookie_without_secure;
#[path = "r10015_cache_control/mod.rs"]
mod r10015_cache_control;
#[path = "r10019_content_type_missing/mod.rs"]
mod r10019_content_type_missing;
#[path = "r10020_anti_clickjacking/mod.rs"]
mod r10020_anti_clickjacking;
#[path = "r10021_x_content_type_options/mod.rs"]
mod r10021_x_content_type_options;
#[path = "r10024_info_in_url/mod.rs"]
mod r10024_info_in_url;
#[path = "r10025_info_in_referrer/mod.rs"]
mod r10025_info_in_referrer;
#[path = "r10028_off_site_redirect/mod.rs"]
mod r10028_off_site_redirect;
#[path = "r10029_cookie_poisoning/mod.rs"]
mod r10029_cookie_poisoning;
#[path = "r10030_user_controllable_charset/mod.rs"]
mod r10030_user_controllable_charset;
#[path = "r10034_heartbleed/mod.rs"]
mod r10034_heartbleed;
#[path = "r10035_strict_transport_security/mod.rs"]
mod r10035_strict_transport_security;
#[path = "r10036_server_header/mod.rs"]
mod r10036_server_header;
#[path = "r10037_x_powered_by/mod.rs"]
mod r10037_x_powered_by;
#[path = "r10038_csp_missing/mod.rs"]
mod r10038_csp_missing;
#[path = "r10039_x_backend_server/mod.rs"]
mod r10039_x_backend_server;
#[path = "r10044_big_redirect/mod.rs"]
mod r10044_big_redirect;
#[path = "r10049_content_cacheability/mod.rs"]
mod r10049_content_cacheability;
#[path = "r10050_retrieved_from_cache/mod.rs"]
mod r10050_retrieved_from_cache;
#[path = "r10052_x_chrome_logger_data/mod.rs"]
mod r10052_x_chrome_logger_data;
#[path = "r10054_cookie_same_site/mod.rs"]
mod r10054_cookie_same_site;
#[path = "r10055_csp/mod.rs"]
mod r10055_csp;
#[path = "r10056_x_debug_token/mod.rs"]
mod r10056_x_debug_token;
#[path = "r10061_x_aspnet_version/mod.rs"]
mod r10061_x_aspnet_version;
#[path = "r10063_permissions_policy/mod.rs"]
mod r10063_permissions_policy;
#[path = "r10098_cross_domain_misconfiguration/mod.rs"]
mod r10098_cross_domain_misconfiguration;
#[path = "r10105_weak_authentication/mod.rs"]
mod r10105_weak_authentication;
#[path = "r3_session_id_in_url/mod.rs"]
mod r3_session_id_in_url;
#[path = "r90004_site_isolation/mod.rs"]
mod r90004_site_isolation;
#[path = "r90005_fetch_metadata/mod.rs"]
mod r90005_fetch_metadata;
#[path = "r90033_loosely_scoped_cookie/mod.rs"]
mod r90033_loosely_scoped_cookie;

pub(super) fn rules() -> Vec<Arc<dyn PassiveRule>> {
    vec![
        Arc::new(r3_session_id_in_url::Rule),
        Arc::new(r10010_cookie_no_http_only::Rule),
        Arc::new(r10011_cookie_without_secure::Rule),
        Arc::new(r10015_cache_control::Rule),
        Arc::new(r10019_content_type_missing::Rule),
        Arc::new(r10020_anti_clickjacking::Rule),
        Arc::new(r10021_x_content_type_options::Rule),
        Arc::new(r10024_info_in_url::Rule),
        Arc::new(r10025_info_in_referrer::Rule),
        Arc::new(r10028_off_site_redirect::Rule),
        Arc::new(r10029_cookie_poisoning::Rule),
        Arc::new(r10030_user_controllable_charset::Rule),
        Arc::new(r10034_heartbleed::Rule),
        Arc::new(r10035_strict_transport_security::Rule),
        Arc::new(r10036_server_header::Rule),
        Arc::new(r10037_x_powered_by::Rule),
        Arc::new(r10038_csp_missing::Rule),
        Arc::new(r10039_x_backend_server::Rule),
        Arc::new(r10044_big_redirect::Rule),
        Arc::new(r10049_content_cacheability::Rule),
        Arc::new(r10050_retrieved_from_cache::Rule),
        Arc::new(r10052_x_chrome_logger_data::Rule),
        Arc::new(r10054_cookie_same_site::Rule),
        Arc::new(r10055_csp::Rule),
        Arc::new(r10056_x_debug_token::Rule),
        Arc::new(r10061_x_aspnet_version::Rule),
        Arc::new(r10063_permissions_policy::Rule),
        Arc::new(r10098_cross_domain_misconfiguration::Rule),
        Arc::new(r10105_weak_authentication::Rule),
        Arc::new(r90004_site_isolation::Rule),
        Arc::new(r90005_fetch_metadata::Rule),
        Arc::new(r90033_loosely_scoped_cookie::Rule),
    ]
}

// ---- alerts ----

/// An alert of one of a rule's variants: its own name and `alertRef` `<id>-<n>`.
fn variant(
    info: &RuleInfo,
    msg: &HttpMessage,
    n: u32,
    name: &str,
    risk: Risk,
    confidence: Confidence,
) -> Alert {
    let mut a = Alert::new(info, msg, risk, confidence);
    a.alert_ref = format!("{}-{n}", info.id);
    name.clone_into(&mut a.name);
    a
}

// ---- statuses and content types, as ZAP's helpers classify them ----

/// 3xx (ZAP's `HttpStatusCode.isRedirection`; no Location needed).
fn is_redirection(msg: &HttpMessage) -> bool {
    (300..400).contains(&msg.status)
}

/// 4xx or 5xx (ZAP's `isClientError` / `isServerError`).
fn is_error(msg: &HttpMessage) -> bool {
    (400..600).contains(&msg.status)
}

/// 2xx (ZAP's `isSuccess`).
fn is_success(msg: &HttpMessage) -> bool {
    (200..300).contains(&msg.status)
}

/// ZAP's `isHtml`: a Content-Type that names HTML (`text/html`, `application/xhtml+xml`).
fn is_html(msg: &HttpMessage) -> bool {
    msg.header("content-type")
        .is_some_and(|ct| contains_ci(ct, "html"))
}

/// ZAP's `isText`: a textual Content-Type (text/*, HTML, XML, JSON, JavaScript).
fn is_text(msg: &HttpMessage) -> bool {
    msg.header("content-type").is_some_and(|ct| {
        ["text", "html", "xml", "json", "javascript"]
            .iter()
            .any(|k| contains_ci(ct, k))
    })
}

/// ZAP's `ResourceIdentificationUtils.isJavaScript`: a JavaScript Content-Type, or a `.js` path.
fn is_javascript(msg: &HttpMessage) -> bool {
    if msg
        .header("content-type")
        .is_some_and(|ct| contains_ci(ct, "javascript") || contains_ci(ct, "ecmascript"))
    {
        return true;
    }
    url::Url::parse(&msg.url).is_ok_and(|u| {
        u.path()
            .rsplit('.')
            .next()
            .is_some_and(|e| e.eq_ignore_ascii_case("js"))
    })
}

/// ZAP's `isImage`: an image Content-Type, or a request path with an image extension.
fn is_image(msg: &HttpMessage) -> bool {
    const EXT: [&str; 10] = [
        "png", "jpg", "jpeg", "gif", "ico", "bmp", "webp", "svg", "tif", "tiff",
    ];
    msg.header("content-type")
        .is_some_and(|ct| contains_ci(ct, "image/"))
        || url::Url::parse(&msg.url).is_ok_and(|u| {
            u.path()
                .rsplit_once('.')
                .is_some_and(|(_, e)| EXT.iter().any(|x| e.eq_ignore_ascii_case(x)))
        })
}

/// ZAP's `isCss`: a CSS Content-Type, or a `.css` path.
fn is_css(msg: &HttpMessage) -> bool {
    msg.header("content-type")
        .is_some_and(|ct| contains_ci(ct, "text/css"))
        || url::Url::parse(&msg.url).is_ok_and(|u| {
            u.path()
                .rsplit('.')
                .next()
                .is_some_and(|e| e.eq_ignore_ascii_case("css"))
        })
}

/// The request's parameters as ZAP's `getUrlParams` and `getFormParams` give them: the query, then an
/// `application/x-www-form-urlencoded` body, percent-decoded.
fn params(msg: &HttpMessage) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = url::Url::parse(&msg.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let form = msg.request_headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && contains_ci(v, "x-www-form-urlencoded")
    });
    if form && !msg.request_body.is_empty() {
        out.extend(
            url::form_urlencoded::parse(&msg.request_body)
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    out
}

/// `host[:port]` of a URL as written (the port only when it is explicit and not the scheme's default).
fn authority(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// ASCII case-insensitive substring test without allocating.
fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// The host of the request URL, lower-cased (ZAP's `getHostName`).
fn host_of(msg: &HttpMessage) -> Option<String> {
    url::Url::parse(&msg.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

// ---- personal data in URLs (10024, 10025) ----

/// Words that mark a parameter or URL as carrying credentials or session state (the list ZAP ships for 10024
/// and 10025).
const SENSITIVE_WORDS: [&str; 10] = [
    "user",
    "username",
    "pass",
    "password",
    "pwd",
    "token",
    "ticket",
    "session",
    "jsessionid",
    "sessionid",
];

static EMAIL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,4}\b").expect("static regex")
});
/// Card numbers by issuer prefix and length (Visa, Mastercard, Discover, Amex, Diners, JCB).
static CREDIT_CARD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})\b",
    )
    .expect("static regex")
});
static US_SSN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b").expect("static regex")
});

/// The Luhn check digit test (ISO/IEC 7812-1 Annex B).
fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

// ---- <meta http-equiv> ----

/// The first `<meta http-equiv="NAME">` of the page (case-insensitive), when the page was parsed.
fn meta_http_equiv<'a>(cx: &ScanContext<'a>, name: &str) -> Option<&'a Tag> {
    cx.doc?.tags.iter().filter(|t| t.name == "meta").find(|t| {
        t.attr("http-equiv")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(name))
    })
}

/// A tag as it appears in the body (from its `<` to the next `>`), for evidence; rebuilt from its attributes
/// when the offset does not point at it.
fn tag_source(msg: &HttpMessage, tag: &Tag) -> String {
    let rest = msg.body.get(tag.offset..).unwrap_or_default();
    if rest.first() == Some(&b'<')
        && let Some(end) = rest.iter().position(|&b| b == b'>')
    {
        return String::from_utf8_lossy(&rest[..=end]).into_owned();
    }
    tag_text(tag)
}

/// A tag written back as text (`<meta http-equiv="…" content="…">`).
fn tag_text(tag: &Tag) -> String {
    let mut s = format!("<{}", tag.name);
    for (k, v) in &tag.attrs {
        s.push(' ');
        s.push_str(k);
        s.push_str("=\"");
        s.push_str(v);
        s.push('"');
    }
    s.push('>');
    s
}

// ---- cookies ----

/// One `Set-Cookie` (or `Set-Cookie2`) header value, split as RFC 6265 §5.2 does: the name-value pair up to
/// the first `;`, then attributes.
#[derive(Debug, Clone, Copy)]
struct SetCookie<'a> {
    name: &'a str,
    attrs: &'a str,
}

impl<'a> SetCookie<'a> {
    fn parse(raw: &'a str) -> Self {
        let (pair, attrs) = raw.split_once(';').unwrap_or((raw, ""));
        // RFC 6265 §5.2 step 4: a pair without '=' is a value with an empty name.
        let name = pair.split_once('=').map_or("", |(n, _)| n);
        Self {
            name: name.trim(),
            attrs,
        }
    }

    /// Attributes as (name, value) pairs, trimmed; a bare attribute has value `""`.
    fn attributes(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.attrs.split(';').filter_map(|av| {
            let (k, v) = av.split_once('=').unwrap_or((av, ""));
            let k = k.trim();
            (!k.is_empty()).then(|| (k, v.trim()))
        })
    }

    fn has_attr(&self, name: &str) -> bool {
        self.attributes().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// The last `name=value` segment of an attribute as written (trimmed), for evidence (`Domain = .a.com`).
    fn attr_raw(&self, name: &str) -> Option<&'a str> {
        self.attrs
            .split(';')
            .rfind(|av| {
                av.split_once('=')
                    .map_or(*av, |(k, _)| k)
                    .trim()
                    .eq_ignore_ascii_case(name)
            })
            .map(str::trim)
    }

    /// Evidence for the cookie as ZAP gives it: `Set-Cookie: <name>`.
    fn evidence(&self) -> String {
        format!("Set-Cookie: {}", self.name)
    }

    /// The last value of an attribute (RFC 6265: the last one wins).
    fn attr(&self, name: &str) -> Option<&'a str> {
        self.attributes()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .last()
            .map(|(_, v)| v)
    }

    /// Whether the cookie deletes itself: `Max-Age` ≤ 0, or an `Expires` date before `now` (seconds since the
    /// epoch). `Max-Age` wins over `Expires` (RFC 6265 §5.3 step 3).
    fn is_expired(&self, now: i64) -> bool {
        if let Some(ma) = self.attr("max-age")
            && let Ok(n) = ma.trim_matches('"').parse::<i64>()
        {
            return n <= 0;
        }
        self.attr("expires")
            .and_then(crate::httpdate::parse)
            .is_some_and(|t| t < now)
    }
}

/// Every `Set-Cookie` and `Set-Cookie2` value of the response, in that order (as ZAP reads them).
fn set_cookies(msg: &HttpMessage) -> impl Iterator<Item = SetCookie<'_>> + '_ {
    msg.headers("set-cookie")
        .chain(msg.headers("set-cookie2"))
        .map(SetCookie::parse)
}

/// Test helpers: run a rule with a page whose tags the test gives (the HTML tokenizer is another module's).
#[cfg(test)]
fn run_with_tags(
    rule: &dyn PassiveRule,
    m: &HttpMessage,
    tags: &[(&str, &[(&str, &str)])],
) -> Vec<Alert> {
    let text = m.body_text();
    let doc = crate::html::Document {
        tags: tags
            .iter()
            .map(|(name, attrs)| Tag {
                name: (*name).to_string(),
                attrs: attrs
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                    .collect(),
                offset: text.find(&format!("<{name}")).unwrap_or(usize::MAX),
                content: None,
            })
            .collect(),
        ..crate::html::Document::default()
    };
    let origins = [String::new()];
    let cx = ScanContext {
        doc: Some(&doc),
        text: &text,
        vulns: None,
        secrets: None,
        origins: &origins,
    };
    let mut out = Vec::new();
    rule.scan(m, &cx, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_attributes_are_case_insensitive_and_last_wins() {
        let c = SetCookie::parse("id=a3fWa; Path=/; secure; SAMESITE=Lax; samesite=Strict");
        assert_eq!(c.name, "id");
        assert!(c.has_attr("Secure"));
        assert!(!c.has_attr("HttpOnly"));
        assert_eq!(c.attr("SameSite"), Some("Strict"));
        // A value that contains the attribute name is not the attribute.
        assert!(!SetCookie::parse("a=HttpOnly").has_attr("httponly"));
        assert!(SetCookie::parse("a=b; Max-Age=0").is_expired(1_000));
        assert!(SetCookie::parse("a=b; Expires=Thu, 01 Jan 1970 00:00:01 GMT").is_expired(1_000));
        assert!(
            !SetCookie::parse("a=b; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:01 GMT")
                .is_expired(1_000)
        );
        // Malformed input does not panic.
        for raw in ["", ";", "=;=;", "\u{0}; Expires=\u{ff}", "a; max-age=-"] {
            let c = SetCookie::parse(raw);
            let _ = (c.has_attr("x"), c.is_expired(0));
        }
    }

    #[test]
    fn luhn_accepts_test_card_numbers_only() {
        // Published test numbers (Visa, Mastercard, Amex).
        for n in ["4111111111111111", "5555555555554444", "378282246310005"] {
            assert!(luhn(n), "{n}");
        }
        assert!(!luhn("4111111111111112"));
        assert!(!luhn(""));
        assert!(!luhn("41x1"));
    }

    #[test]
    fn contains_ci_matches_any_case() {
        assert!(contains_ci("Text/HTML; charset=utf-8", "html"));
        assert!(!contains_ci("image/png", "html"));
    }
}
