//! Vulnerable JS Library (ZAP 10003, the retire.js add-on's rule): a JavaScript library whose name and version are
//! recognised from a script URL (`jquery-1.8.3.min.js`, `/jquery/1.8.3/`, `jquery@1.8.3`) or from its banner
//! (`/*! jQuery v1.8.3`), looked up in the vulnerability DB (npm advisories). See README.md.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::is_javascript;
use crate::rules::{Alert, Confidence, KnownVuln, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct VulnerableJsLibrary;

static INFO: RuleInfo = RuleInfo {
    id: 10003,
    name: "Vulnerable JS Library",
    status: RuleStatus::Release,
    cwe: 1395,
    wasc: 0,
    description: "The page uses a version of a JavaScript library with known vulnerabilities.",
    solution: "Upgrade the library to a version without known vulnerabilities (at least the first fixed version \
               listed).",
    references: &["https://owasp.org/Top10/A06_2021-Vulnerable_and_Outdated_Components/"],
};

/// A version: three numeric parts and an optional pre-release (`3.0.0-rc.1`).
const VER: &str = r"([0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)";

/// (npm package, names used in file names and CDN paths, banner regexes with the version as group 1).
const LIBRARIES: &[(&str, &[&str], &[&str])] = &[
    ("jquery", &["jquery"], &[r"jQuery (?:JavaScript Library )?v(VER)"]),
    ("jquery-ui", &["jquery-ui", "jqueryui"], &[r"jQuery UI - v(VER)"]),
    ("angular", &["angular", "angular.js", "angularjs"], &[r"AngularJS v(VER)"]),
    ("bootstrap", &["bootstrap"], &[r"Bootstrap v(VER)"]),
    ("lodash", &["lodash", "lodash.js"], &[r"@license[\s*]+[Ll]odash\s+(VER)", r"(?s)Lodash <https://lodash\.com/>.{0,4000}?var VERSION = '(VER)'"]),
    ("moment", &["moment", "moment.js"], &[r"//! moment\.js\s*//! version : (VER)"]),
    ("handlebars", &["handlebars", "handlebars.js"], &[r"(?i)handlebars v(VER)"]),
    ("vue", &["vue", "vue.js"], &[r"Vue\.js v(VER)"]),
    ("react", &["react"], &[r"@license React v(VER)[\s*]*react(?:\.|\b[^-])"]),
    ("react-dom", &["react-dom"], &[r"@license React v(VER)[\s*]*react-dom"]),
    ("dompurify", &["dompurify"], &[r"DOMPurify (VER)"]),
];

struct Lib {
    package: &'static str,
    url: Regex,
    banners: Vec<Regex>,
}

static LIBS: LazyLock<Vec<Lib>> = LazyLock::new(|| {
    LIBRARIES
        .iter()
        .map(|(package, names, banners)| {
            let names = names.iter().map(|n| regex::escape(n)).collect::<Vec<_>>().join("|");
            // `/name-1.2.3.min.js`, `/name.1.2.3.js`, `/name/1.2.3/…`, `/name@1.2.3/…` (jsDelivr, unpkg).
            let url = format!(r"(?i)/(?:{names})(?:[-.]v?{VER}(?:\.min)?\.js|/v?{VER}/|@{VER})");
            Lib {
                package,
                url: Regex::new(&url).expect("library url regex"),
                banners: banners
                    .iter()
                    .map(|b| Regex::new(&b.replace("VER", &VER[1..VER.len() - 1])).expect("banner regex"))
                    .collect(),
            }
        })
        .collect()
});

/// A library found: npm package, version, the text that shows it.
pub(crate) type Found = (&'static str, String, String);

/// Libraries named by a URL's path.
pub(crate) fn from_url(url: &str) -> Vec<Found> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    LIBS.iter()
        .filter_map(|l| {
            let c = l.url.captures(path)?;
            let v = c.iter().skip(1).flatten().next()?;
            Some((l.package, v.as_str().to_string(), c.get(0)?.as_str().to_string()))
        })
        .collect()
}

/// Libraries named by a banner in script text.
pub(crate) fn from_text(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for l in LIBS.iter() {
        if let Some(c) = l.banners.iter().find_map(|re| re.captures(text)) {
            // Evidence: the banner up to and including the version.
            let (Some(whole), Some(ver)) = (c.get(0), c.get(1)) else { continue };
            let evidence = &text[whole.start()..ver.end()];
            out.push((l.package, ver.as_str().to_string(), evidence.to_string()));
        }
    }
    out
}

/// ZAP's retire.js rule maps an advisory's severity to the risk; the highest wins.
fn risk_of(vulns: &[KnownVuln]) -> Risk {
    vulns
        .iter()
        .map(|v| match v.severity.as_deref().map(str::to_ascii_uppercase).as_deref() {
            Some("CRITICAL" | "HIGH") => Risk::High,
            Some("LOW") => Risk::Low,
            _ => Risk::Medium,
        })
        .max()
        .unwrap_or(Risk::Medium)
}

impl PassiveRule for VulnerableJsLibrary {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Some(db) = cx.vulns else { return };
        let mut found: Vec<Found> = Vec::new();
        if is_javascript(msg) {
            found.extend(from_url(&msg.url));
            found.extend(from_text(cx.text));
        } else if msg.is_html()
            && let Some(doc) = cx.doc
        {
            let body = cx.text;
            for t in doc.tags_named("script") {
                if let Some(src) = t.attr("src") {
                    found.extend(from_url(src));
                } else if let Some(code) = t.content.clone().and_then(|r| body.get(r)) {
                    found.extend(from_text(code));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (package, version, evidence) in found {
            if !seen.insert((package, version.clone())) {
                continue;
            }
            let vulns = db.npm(package, &version);
            if vulns.is_empty() {
                continue;
            }
            let mut a = Alert::new(&INFO, msg, risk_of(&vulns), Confidence::Medium);
            a.param = package.to_string();
            a.evidence = evidence;
            let ids: Vec<String> = vulns
                .iter()
                .map(|v| {
                    let aliases = if v.aliases.is_empty() { String::new() } else { format!(" ({})", v.aliases.join(", ")) };
                    let fixed = v.fixed.as_ref().map(|f| format!(", fixed in {f}")).unwrap_or_default();
                    format!("{}{aliases}{fixed}: {}", v.id, v.summary)
                })
                .collect();
            a.other_info = format!("{package} {version} has known vulnerabilities:\n{}", ids.join("\n"));
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::Document;
    use crate::rules::VulnLookup;
    use crate::rules::testing::{msg, MsgExt};

    /// A small advisory table, cited from GitHub's advisory database:
    /// - GHSA-gxr4-xjj5-5px2 (CVE-2020-11022), npm jquery >= 1.2.0, < 3.5.0, Moderate.
    /// - GHSA-jf85-cpcp-j695 (CVE-2019-10744), npm lodash < 4.17.12, Critical.
    struct Table;

    fn parts(v: &str) -> (u64, u64, u64) {
        let mut it = v.split(['.', '-']).map(|p| p.parse::<u64>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    impl VulnLookup for Table {
        fn npm(&self, package: &str, version: &str) -> Vec<KnownVuln> {
            let v = parts(version);
            let adv = |id: &str, cve: &str, sev: &str, fixed: &str, summary: &str| KnownVuln {
                id: id.into(),
                aliases: vec![cve.into()],
                severity: Some(sev.into()),
                summary: summary.into(),
                fixed: Some(fixed.into()),
            };
            match package {
                "jquery" if ((1, 2, 0)..(3, 5, 0)).contains(&v) => {
                    vec![adv("GHSA-gxr4-xjj5-5px2", "CVE-2020-11022", "MODERATE", "3.5.0", "Potential XSS vulnerability in jQuery")]
                }
                "lodash" if v < (4, 17, 12) => {
                    vec![adv("GHSA-jf85-cpcp-j695", "CVE-2019-10744", "CRITICAL", "4.17.12", "Prototype Pollution in lodash")]
                }
                _ => Vec::new(),
            }
        }
    }

    fn run_db(m: &HttpMessage) -> Vec<Alert> {
        let doc = m.is_html().then(|| Document::parse(&m.body));
        let origins = [String::from("https://app.example.com")];
        let text = m.body_text();
        let cx = ScanContext { doc: doc.as_ref(), text: &text, vulns: Some(&Table), secrets: None, origins: &origins };
        let mut out = Vec::new();
        VulnerableJsLibrary.scan(m, &cx, &mut out);
        out
    }

    #[test]
    fn recognises_urls_and_banners() {
        let f = from_url("https://code.jquery.com/jquery-1.8.3.min.js");
        assert_eq!(f, vec![("jquery", "1.8.3".to_string(), "/jquery-1.8.3.min.js".to_string())]);
        assert_eq!(from_url("https://cdnjs.cloudflare.com/ajax/libs/jquery/1.8.3/jquery.min.js")[0].1, "1.8.3");
        assert_eq!(from_url("https://cdn.jsdelivr.net/npm/jquery@3.4.1/dist/jquery.min.js")[0].1, "3.4.1");
        assert_eq!(from_url("/js/jquery-ui-1.12.1.min.js")[0].0, "jquery-ui");
        assert!(from_url("/js/jquery-ui-1.12.1.min.js").iter().all(|f| f.0 != "jquery"));
        assert_eq!(from_url("https://cdnjs.cloudflare.com/ajax/libs/angular.js/1.5.8/angular.min.js")[0].0, "angular");
        assert_eq!(from_url("https://unpkg.com/react@16.13.1/umd/react.production.min.js")[0].0, "react");
        assert!(from_url("/static/app-1.2.3.js").is_empty());
        let banners = [
            ("/*! jQuery v1.8.3 jquery.com | jquery.org/license */", "jquery", "1.8.3"),
            ("/*!\n * jQuery JavaScript Library v1.8.3\n", "jquery", "1.8.3"),
            ("/*! jQuery UI - v1.12.1 - 2016-09-14", "jquery-ui", "1.12.1"),
            ("/**\n * @license AngularJS v1.5.8\n", "angular", "1.5.8"),
            ("/*!\n * Bootstrap v3.3.7 (http://getbootstrap.com)", "bootstrap", "3.3.7"),
            ("/**\n * @license\n * lodash 4.17.4 <https://lodash.com/>", "lodash", "4.17.4"),
            ("//! moment.js\n//! version : 2.18.1\n", "moment", "2.18.1"),
            ("/**!\n\n @license\n handlebars v4.0.11\n", "handlebars", "4.0.11"),
            ("/*!\n * Vue.js v2.5.16\n", "vue", "2.5.16"),
            ("/** @license React v16.13.1\n * react.production.min.js\n", "react", "16.13.1"),
            ("/** @license React v16.13.1\n * react-dom.production.min.js\n", "react-dom", "16.13.1"),
            ("/*! @license DOMPurify 2.0.7 | (c) Cure53", "dompurify", "2.0.7"),
        ];
        for (text, package, version) in banners {
            let f = from_text(text);
            assert_eq!(f.len(), 1, "{text:?} {f:?}");
            assert_eq!((f[0].0, f[0].1.as_str()), (package, version), "{text:?}");
        }
    }

    /// jQuery 1.8.3 from a script URL and from a served file's banner; lodash 4.17.4 (Critical → High).
    #[test]
    fn fires_on_vulnerable_versions() {
        let m = msg("https://app.example.com/", 200)
            .header("Content-Type", "text/html")
            .body("<html><head><script src=\"https://code.jquery.com/jquery-1.8.3.min.js\"></script></head></html>");
        let a = run_db(&m);
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].plugin_id, a[0].name.as_str(), a[0].risk), (10003, "Vulnerable JS Library", Risk::Medium));
        assert_eq!(a[0].evidence, "/jquery-1.8.3.min.js");
        assert!(a[0].other_info.contains("GHSA-gxr4-xjj5-5px2") && a[0].other_info.contains("CVE-2020-11022"));
        let m = msg("https://app.example.com/js/vendor.js", 200)
            .header("Content-Type", "application/javascript")
            .body("/*! jQuery v1.8.3 jquery.com | jquery.org/license */\n(function(e,t){})(window);");
        let a = run_db(&m);
        assert_eq!((a.len(), a[0].evidence.as_str()), (1, "jQuery v1.8.3"));
        let m = msg("https://app.example.com/js/lodash.js", 200)
            .header("Content-Type", "application/javascript")
            .body("/**\n * @license\n * lodash 4.17.4 <https://lodash.com/>\n */");
        assert_eq!(run_db(&m)[0].risk, Risk::High);
    }

    /// Fixed versions, unknown libraries, and no vulnerability DB.
    #[test]
    fn quiet_cases() {
        let m = msg("https://app.example.com/js/jquery-3.7.1.min.js", 200)
            .header("Content-Type", "application/javascript")
            .body("/*! jQuery v3.7.1 | (c) OpenJS Foundation and other contributors */");
        assert!(run_db(&m).is_empty());
        let m = msg("https://app.example.com/app.js", 200).header("Content-Type", "application/javascript").body("console.log(1)");
        assert!(run_db(&m).is_empty());
        let m = msg("https://app.example.com/js/jquery-1.8.3.min.js", 200).header("Content-Type", "application/javascript");
        assert!(crate::rules::testing::run(&VulnerableJsLibrary, &m).is_empty());
    }
}
