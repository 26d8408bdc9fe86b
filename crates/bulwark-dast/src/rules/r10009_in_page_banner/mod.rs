//! In Page Banner Information Leak (ZAP 10009): a server version banner (Tomcat, Apache, nginx, Jetty, Squid) in
//! the body of an error response. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_binary_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct InPageBanner;

static INFO: RuleInfo = RuleInfo {
    id: 10009,
    name: "In Page Banner Information Leak",
    status: RuleStatus::Release,
    cwe: 497,
    wasc: 13,
    description: "The server writes its product and version into the page (typically a default error page), which \
                  lets an attacker pick exploits for that version.",
    solution: "Serve custom error pages and hide versions (Apache `ServerSignature Off` and `ServerTokens Prod`, \
               nginx `server_tokens off`, Tomcat's `server` attribute).",
    references: &["https://owasp.org/www-project-web-security-testing-guide/v41/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/"],
};

/// Banners in ZAP's order; the first that matches is the evidence.
static BANNERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)Tomcat/[0-9]\.[0-9]\.[0-9]{1,2}",
        r"(?i)Apache/[0-9]\.[0-9]\.[0-9]{1,2}",
        r"(?i)nginx/[0-9]\.[0-9]{1,2}\.[0-9]{1,2}",
        r"(?i)Jetty://[0-9]\.[0-9]{1,2}",
        r"(?i)squid/[0-9]\.[0-9]{1,2}",
    ]
    .iter()
    .map(|r| Regex::new(r).expect("banner regex"))
    .collect()
});

impl PassiveRule for InPageBanner {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        // MEDIUM threshold: client and server errors only (ZAP adds 2xx pages at LOW).
        if !(400..600).contains(&msg.status) || is_binary_type(msg) {
            return;
        }
        let body = cx.text;
        if let Some(m) = BANNERS.iter().find_map(|re| re.find(body)) {
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::High);
            a.evidence = m.as_str().to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(status: u16, banner: &str) -> Vec<Alert> {
        run(&InPageBanner, &msg("http://example.com", status).body(&format!("<html><body>{banner}</body></html>")))
    }

    /// InPageBannerInfoLeakScanRuleUnitTest.shouldRaiseAlertIfResponseHasRelevantContent (404 with a Squid
    /// banner), and nginx's own default 404 page.
    #[test]
    fn fires_on_error_page_banners() {
        let a = page(404, "Squid/2.5.STABLE4");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "Squid/2.5");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Low, Confidence::High));
        let a = page(404, "<center><h1>404 Not Found</h1></center><hr><center>nginx/1.24.0</center>");
        assert_eq!(a[0].evidence, "nginx/1.24.0");
    }

    /// shouldNotRaiseAlertIfResponseIsRedirect, shouldNotRaiseAlertIfResponseHasRelevantContentWithStatusOk.
    #[test]
    fn quiet_on_redirects_and_ok_pages() {
        assert!(page(307, "Apache/2.4.17").is_empty());
        assert!(page(200, "Apache/2.4.17").is_empty());
        assert!(page(404, "nothing here").is_empty());
    }
}
