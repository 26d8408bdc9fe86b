//! Full Path Disclosure (ZAP 110009, alpha): an absolute server file-system path (Unix system directories, macOS
//! volumes, Windows drive paths) in the body of a non-2xx response. See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_binary_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct FullPathDisclosure;

static INFO: RuleInfo = RuleInfo {
    id: 110_009,
    name: "Full Path Disclosure",
    status: RuleStatus::Alpha,
    cwe: 209,
    wasc: 13,
    description: "An error response shows the full path of a file on the server, which tells an attacker how the \
                  server is laid out and where to aim path traversal or file inclusion.",
    solution: "Serve generic error pages and keep file-system paths out of responses.",
    references: &["https://owasp.org/www-community/attacks/Full_Path_Disclosure"],
};

static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:/bin/|/usr/|/mnt/|/proc/|/sbin/|/dev/|/lib/|/tmp/|/opt/|/home/|/var/|/root/|/etc/|/Applications/|/Volumes/|/System/|/Users/|/Developer/|/Library/|[a-z]:(?:\\Program Files\\|\\Users\\|\\Windows\\|\\ProgramData\\|\\Progra~1\\).*)",
    )
    .expect("path regex")
});

impl PassiveRule for FullPathDisclosure {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if (200..300).contains(&msg.status) || is_binary_type(msg) {
            return;
        }
        if let Some(m) = PATH.find(cx.text) {
            let mut a = Alert::new(&INFO, msg, Risk::Low, Confidence::Low);
            a.evidence = m.as_str().to_string();
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(status: u16, body: &str) -> Vec<Alert> {
        run(&FullPathDisclosure, &msg("http://example.com/", status).header("Content-Type", "text/html").body(body))
    }

    /// FullPathDisclosureScanRuleUnitTest.shouldRaiseLowRiskAlertWhen{Windows,UnixBased}FullPathIsDisclosed,
    /// shouldRaiseAlertWhenDefaultPathIsExposed.
    #[test]
    fn fires_on_paths_in_error_pages() {
        let a = page(404, "<pre>Error: Failed to lookup view &quot;no&quot; in views directory &quot;D:\\Progra~1\\testingServer/public&quot;<br>");
        assert_eq!((a.len(), a[0].risk, a[0].confidence), (1, Risk::Low, Confidence::Low));
        let a = page(404, "<pre>Error: Failed to lookup view &quot;no&quot; in views directory &quot;/home/Software/testingServer/&quot;<br>");
        assert_eq!(a.len(), 1);
        for p in [
            "c:\\Program Files\\", "f:\\Users\\", "c:\\Windows\\", "c:\\ProgramData\\", "c:\\Progra~1\\", "/bin/",
            "/usr/", "/proc/", "/tmp/", "/home/", "/var/", "/etc/", "/Applications/", "/Volumes/", "/Users/",
        ] {
            let a = page(404, &format!("Error : Cant find{p}"));
            assert_eq!(a.len(), 1, "{p}");
            assert_eq!(a[0].evidence, p);
        }
    }

    /// shouldNotRaiseAnyAlertsWhenResponseIsSuccess, shouldNotRaiseAlertsWhenHtmlTagsLookLikeUnixPath,
    /// shouldNotAlertOnPlainPathUrl.
    #[test]
    fn quiet_cases() {
        assert!(page(200, "/home/servers/").is_empty());
        let body = "\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot GET /</pre>\n</body>\n</html>\n";
        assert!(page(404, body).is_empty());
        assert!(page(404, "<html><body><a href='/student/dashboard/en-us.'>Dashboard</a></body></html>").is_empty());
    }
}
