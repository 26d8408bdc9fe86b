//! Directory Browsing (ZAP 10033): a server-generated directory listing (Apache and nginx autoindex, IIS
//! directory browsing). See README.md.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_binary_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct DirectoryBrowsing;

static INFO: RuleInfo = RuleInfo {
    id: 10033,
    name: "Directory Browsing",
    status: RuleStatus::Release,
    cwe: 548,
    wasc: 16,
    description: "The server lists the contents of a directory. A listing can reveal scripts, include files, \
                  backups and other files that were never meant to be linked.",
    solution: "Turn directory listings off (Apache `Options -Indexes`, nginx `autoindex off`, IIS \
               `directoryBrowse enabled=\"false\"`).",
    references: &["https://cwe.mitre.org/data/definitions/548.html"],
};

/// Apache's `mod_autoindex` and nginx's `autoindex` title (ZAP labels it "Apache 2").
static INDEX_OF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<title>Index of /[^<]+?</title>").expect("index regex"));
/// IIS's listing: a `[To Parent Directory]` link at the top of a `<pre>`.
static IIS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<pre><A\s+HREF\s*=\s*"/[^>]*">\[To Parent Directory\]</A><br><br>"#).expect("iis regex")
});

impl PassiveRule for DirectoryBrowsing {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        if is_binary_type(msg) {
            return;
        }
        let body = cx.text;
        let (server, evidence) = if let Some(m) = INDEX_OF.find(body) {
            // nginx's listing starts with a `../` link; Apache's has "Parent Directory".
            let server = if body.contains("<a href=\"../\">../</a>") { "nginx" } else { "Apache 2" };
            (server, m.as_str())
        } else if let Some(m) = IIS.find(body) {
            ("Microsoft IIS", m.as_str())
        } else {
            return;
        };
        let mut a = Alert::new(&INFO, msg, Risk::Medium, Confidence::Medium);
        a.evidence = evidence.to_string();
        a.other_info = format!("Web server identified: {server}");
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&DirectoryBrowsing, &msg("http://example.com/", 200).header("Content-Type", "text/html").body(body))
    }

    /// DirectoryBrowsingScanRuleUnitTest.shouldRaiseAlertIfResponseContainsApacheStyleIndex and
    /// shouldRaiseAlertIfResponseContainsIisStyleIndex.
    #[test]
    fn fires_on_apache_and_iis_listings() {
        let a = page("<html><title>Index of /htdocs</title></html>");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, "<title>Index of /htdocs</title>");
        assert_eq!(a[0].other_info, "Web server identified: Apache 2");
        assert_eq!((a[0].risk, a[0].confidence), (Risk::Medium, Confidence::Medium));
        let ev = "<pre><A HREF=\"/\">[To Parent Directory]</A><br><br>";
        let a = page(&format!(
            "<html><head><title>somesite.net - /site/</title> </head><body><H1>somesite.net - /site/</H1><hr>{ev} \
             6/12/2014  3:25 AM        &lt;dir&gt; <A HREF=\"/site/file.ext/\">file.ext</A><br></pre><hr></body></html>"
        ));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, ev);
        assert_eq!(a[0].other_info, "Web server identified: Microsoft IIS");
    }

    /// nginx 1.x `autoindex on` output (same title shape).
    #[test]
    fn fires_on_nginx_autoindex() {
        let a = page("<html>\r\n<head><title>Index of /.git/</title></head>\r\n<body>\r\n<h1>Index of /.git/</h1><hr><pre><a href=\"../\">../</a>\r\n");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].other_info, "Web server identified: nginx");
    }

    /// shouldNotRaiseAlertIfResponseBodyIsEmpty, shouldNotRaiseAlertIfResponseBodyIsIrrelevant.
    #[test]
    fn quiet_on_empty_and_ordinary_pages() {
        assert!(page("").is_empty());
        assert!(page("<html><H1>Some Title</H1></html>").is_empty());
    }
}
