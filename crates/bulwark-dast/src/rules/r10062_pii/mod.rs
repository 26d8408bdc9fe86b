//! PII Disclosure (ZAP 10062): credit card numbers (issuer patterns plus the Luhn check) in the visible text or
//! the scripts of an HTML, JSON or XML response. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::{is_css, is_image, path_has_ext, visible_text};
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct Pii;

static INFO: RuleInfo = RuleInfo {
    id: 10062,
    name: "PII Disclosure",
    status: RuleStatus::Release,
    cwe: 359,
    wasc: 13,
    description: "The response contains personally identifiable information: a number that passes the Luhn check \
                  and has the shape of a payment card number.",
    solution: "Do not return card numbers (or other personal data) in responses; mask them (last four digits) \
               when they must be shown.",
    references: &["https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure"],
};

/// Card issuers and their number shapes (IIN ranges and lengths).
static CARDS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("American Express", r"^3[47][0-9]{13}$"),
        ("DinersClub", r"^3(?:0[0-5]|[68][0-9])[0-9]{11}$"),
        ("Discover", r"^6(?:011|5[0-9]{2})[0-9]{12}$"),
        ("Jcb", r"^(?:2131|1800|35[0-9]{3})[0-9]{11}$"),
        ("Maestro", r"^(?:5[0678][0-9]{2}|6304|6390|67[0-9]{2})[0-9]{8,15}$"),
        (
            "Mastercard",
            r"^(?:5[1-5][0-9]{2}|222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}$",
        ),
        ("Visa", r"^4[0-9]{12}(?:[0-9]{3})?$"),
    ]
    .into_iter()
    .map(|(n, r)| (n, Regex::new(r).expect("card regex")))
    .collect()
});

/// Runs of digit groups of three or more, separated by white space.
static SEQUENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:[0-9]{3,}\s*)+").expect("sequence regex"));

/// The Luhn (mod 10) check.
pub(crate) fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Scientific notation around the number (`2.41111111111111111e-2`).
fn is_sci(containing: &str) -> bool {
    if !containing.contains(['e', 'E']) {
        return false;
    }
    let kept: String = containing
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, 'e' | 'E' | '-'))
        .collect();
    kept.parse::<f32>().is_ok()
}

enum Verdict {
    Card(String, &'static str),
    /// A card-shaped number inside a decimal: ZAP stops judging the response.
    Stop,
}

fn judge(text: &str, found: &mut Vec<Verdict>) -> bool {
    for m in SEQUENCE.find_iter(text) {
        // Three characters either side, white space removed (on char boundaries).
        let mut s = m.start();
        for _ in 0..3 {
            if let Some(c) = text[..s].chars().next_back() {
                s -= c.len_utf8();
            }
        }
        let mut e = m.end();
        for _ in 0..3 {
            if let Some(c) = text[e..].chars().next() {
                e += c.len_utf8();
            }
        }
        let containing: String = text[s..e].chars().filter(|c| !c.is_whitespace()).collect();
        if containing.contains('_') {
            continue;
        }
        let candidate: String = m.as_str().chars().filter(|c| !c.is_whitespace()).collect();
        for (name, re) in CARDS.iter() {
            if !re.is_match(&candidate) {
                continue;
            }
            if containing.contains('.') {
                found.push(Verdict::Stop);
                return false;
            }
            if luhn(&candidate) && !is_sci(&containing) {
                found.push(Verdict::Card(m.as_str().trim_end().to_string(), name));
            }
        }
    }
    true
}

impl PassiveRule for Pii {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if is_css(msg) || is_image(msg) {
            return;
        }
        // MEDIUM threshold: HTML, JSON or XML only, and not a PDF.
        let mt = msg.media_type().unwrap_or_default();
        let suitable = mt.contains("html") || mt.contains("json") || mt.contains("xml");
        if !suitable || mt.contains("pdf") || path_has_ext(&msg.url, &[".pdf"]) {
            return;
        }
        let body = cx.text;
        let mut texts = vec![visible_text(body)];
        if let Some(doc) = cx.doc {
            for t in doc.tags_named("script") {
                let end = t.content.as_ref().map_or(t.offset, |r| r.end);
                if let Some(s) = body.get(t.offset..end) {
                    texts.push(s.to_string());
                }
            }
        }
        let mut found = Vec::new();
        for t in texts.iter().filter(|t| !t.trim().is_empty()) {
            if !judge(t, &mut found) {
                break;
            }
        }
        for v in found {
            let Verdict::Card(evidence, name) = v else { break };
            let mut a = Alert::new(&INFO, msg, Risk::High, Confidence::Medium);
            a.evidence = evidence;
            a.other_info = format!("Card type: {name}");
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn html(body: &str) -> Vec<Alert> {
        run(&Pii, &msg("http://example.com/generate/", 200).header("Content-Type", "text/html").body(body))
    }

    /// PiiScanRuleUnitTest.shouldRaiseAlertWhenCreditCardIsDetected (every card of cardData, JSON body).
    #[test]
    fn fires_on_each_card_type_in_json() {
        for card in [
            "370695954010459",
            "370 6959 5401 0459",
            "30538761461899",
            "6011377412263580",
            "3589738566381370",
            "6762355337694692",
            "5264810966944441",
            "5264 8109 66944441",
            "4716186978544330",
            "4716 1869 7854 4330",
        ] {
            let m = msg("https://www.example.com/test/", 200)
                .header("Content-Type", "application/json ")
                .body(&format!("{{\"cc\": \"{card}\"}}"));
            let a = run(&Pii, &m);
            assert_eq!(a.len(), 1, "{card}");
            assert_eq!(a[0].evidence, card);
            assert_eq!(a[0].name, "PII Disclosure");
            assert_eq!(a[0].risk, Risk::High);
        }
    }

    /// shouldNotRaiseAlertWhenNumberDoesntHaveWordBoundaries, …InLeadingLongExponentNumbers,
    /// …InTrailingLongNegativeExponentNumbers, …InPositiveExponentNumbers, shouldNotRaiseAlertInDecimalNumbers.
    #[test]
    fn quiet_on_exponents_and_decimals() {
        for body in [
            "8.46786664623715e-47",
            "2.14111111111111111e-2",
            "2.41111111111111111e-2",
            "2.41111111111111111e2",
            "2.4111111111111111e2",
            "2.4111111111111111",
        ] {
            assert!(html(body).is_empty(), "{body}");
        }
    }

    /// shouldNotRaiseAlertOnResponseContainingCcLikeStyleAttribute and
    /// shouldRaiseAlertOnResponseContainingCcStringInAdditionToCcLikeStyleAttribute.
    #[test]
    fn style_attributes_are_not_text() {
        let style = "<h1 style=\"color:blue;margin-left:85.36370249136206%\">A Blue Heading</h1>";
        assert!(html(style).is_empty());
        let a = html(&format!("{style}\r\nCC: 4111111111111111"));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "4111111111111111");
    }

    /// shouldNotAlertWhenRequestUrlSeemsToBeAPdfFileAtMediumOrHighThreshold, shouldNotRaiseAlertOnCssResponse.
    #[test]
    fn quiet_on_pdf_css_and_plain_text_at_medium() {
        let m = msg("http://example.com/file.PDF", 200)
            .header("Content-Type", "text/html")
            .body("4111 1111 1111 1111");
        assert!(run(&Pii, &m).is_empty());
        let m = msg("http://example.com/a.css", 200)
            .header("Content-Type", "text/css")
            .body("4111 1111 1111 1111");
        assert!(run(&Pii, &m).is_empty());
        let m = msg("http://example.com/", 200)
            .header("Content-Type", "text/plain")
            .body("4111 1111 1111 1111");
        assert!(run(&Pii, &m).is_empty());
        // shouldRaiseAlertsOnPiiWithHtmlOrJsonOrXmlOnNonLowThreshold
        let m = msg("http://example.com/generate/", 200)
            .header("Content-Type", "application/xml")
            .body("4111 1111 1111 1111");
        assert_eq!(run(&Pii, &m).len(), 1);
    }

    /// shouldAlertWhenPiiWithoutUnderscoreIsInScriptBlockRegardlessOfThreshold (CONTENT_SCRIPT_BLOCK_PLACEHOLDER).
    #[test]
    fn fires_in_script_blocks() {
        let body = "<html>\n<head>\n<script>var data = '{\"cc\": \"4111111111111111\"}';</script>\n</head>\n<body>\n<H1>Example heading</H1>\nTotally wonderful content.\n</body>\n</html>";
        let a = html(body);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "4111111111111111");
        assert!(html(&body.replace("4111", "FOO_4111")).is_empty());
    }

    /// shouldNotAlertWhenPiiWithUnderscoreIsInScriptBlockOnNonLowThreshold.
    #[test]
    fn underscore_prefixed_number_is_not_a_card() {
        assert!(html("<p>FOO_4111111111111111</p>").is_empty());
        assert!(!luhn("4111111111111112"));
        assert!(luhn("4111111111111111"));
    }
}
