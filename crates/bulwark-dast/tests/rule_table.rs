//! Every registered rule against ZAP's rule table (`../shared/fixtures/upstream/zap/passive-scan-rules.tsv`,
//! read at test time from zaproxy/zap-extensions at the commit its README names): the plugin id exists, the rule
//! name is ZAP's exactly, the add-on status matches, and the CWE is one the ZAP class sets. Ids are unique, and
//! every rule has its folder `src/rules/r<id>_<name>/` with a README.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bulwark_dast::HttpMessage;
use bulwark_dast::rules::{self, RuleStatus};
use bulwark_dast::testing::judge_all;

fn table_path() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
            PathBuf::from,
        )
        .join("upstream/zap/passive-scan-rules.tsv")
}

struct Row {
    name: String,
    status: String,
    cwes: Vec<u32>,
    risks: Vec<String>,
    confidences: Vec<String>,
}

fn zap_table() -> BTreeMap<u32, Row> {
    let path = table_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header line").split('\t').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let (id, name, status, cwe) = (col("pluginId"), col("name"), col("status"), col("cwe"));
    let (risk, confidence) = (col("risk"), col("confidence"));
    let list = |v: &str| v.split('|').map(str::to_string).collect::<Vec<_>>();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let row = Row {
                name: f[name].to_string(),
                status: f[status].to_string(),
                cwes: f[cwe]
                    .split(',')
                    .filter_map(|c| c.trim().parse().ok())
                    .collect(),
                risks: list(f[risk]),
                confidences: list(f[confidence]),
            };
            (f[id].parse().expect("numeric pluginId"), row)
        })
        .collect()
}

/// Rules beyond ZAP's passive table, each documented in its README: 10003 "Vulnerable JS Library" (the rule of
/// ZAP's retire.js add-on, "Retire JS" in zaproxy's docs/scanners.md) and Bulwark's 1000001 "Secret in Response"
/// and 1000002 "Email Address Disclosure" (ids outside ZAP's registry).
const BEYOND_ZAP_TABLE: &[u32] = &[10003, 1_000_001, 1_000_002];

#[test]
fn every_rule_matches_zaps_table() {
    let table = zap_table();
    assert!(table.len() >= 60, "the table lists ZAP's 63 passive rules");
    let all = rules::all();
    assert!(!all.is_empty());
    let mut seen = BTreeSet::new();
    for r in &all {
        let info = r.info();
        assert!(
            seen.insert(info.id),
            "plugin id {} registered twice",
            info.id
        );
        if BEYOND_ZAP_TABLE.contains(&info.id) {
            continue;
        }
        let row = table
            .get(&info.id)
            .unwrap_or_else(|| panic!("{} is not a ZAP passive rule id", info.id));
        assert_eq!(info.name, row.name, "name of {}", info.id);
        let status = match info.status {
            RuleStatus::Release => "release",
            RuleStatus::Beta => "beta",
            RuleStatus::Alpha => "alpha",
        };
        assert_eq!(status, row.status, "status of {}", info.id);
        assert!(
            row.cwes.contains(&info.cwe) || (row.cwes.is_empty() && info.cwe == 0),
            "cwe {} of {} not in {:?}",
            info.cwe,
            info.id,
            row.cwes
        );
        assert!(
            !info.description.is_empty() && !info.solution.is_empty(),
            "texts of {}",
            info.id
        );
    }
    // The registry is sorted by id (the order zap-baseline.py -g writes).
    let ids: Vec<u32> = all.iter().map(|r| r.info().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[test]
fn every_rule_has_a_folder_with_a_readme() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for r in rules::all() {
        let id = r.info().id;
        let prefix = format!("r{id}_");
        let folder = folders
            .iter()
            .find(|f| f.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no src/rules/{prefix}*/ folder for rule {id}"));
        let readme = std::fs::read_to_string(dir.join(folder).join("README.md"))
            .unwrap_or_else(|e| panic!("{folder}/README.md: {e}"));
        assert!(
            readme.contains(&id.to_string()),
            "{folder}/README.md does not name rule {id}"
        );
        assert!(dir.join(folder).join("mod.rs").is_file(), "{folder}/mod.rs");
    }
}

fn message(
    url: &str,
    status: u16,
    req: &[(&str, &str)],
    resp: &[(&str, &str)],
    body: &str,
) -> HttpMessage {
    let own = |h: &[(&str, &str)]| {
        h.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    HttpMessage {
        method: "GET".into(),
        url: url.into(),
        status,
        http_version: "HTTP/1.1".into(),
        request_headers: own(req),
        response_headers: own(resp),
        body: body.as_bytes().to_vec(),
        ..HttpMessage::default()
    }
}

/// Messages built to make many rules and variants fire.
fn firing_corpus() -> Vec<HttpMessage> {
    let page = r#"<html><a href="http://other.test/">x</a></html>"#;
    vec![
        message(
            "https://www.a.test/p?jsessionid=ABCDEFGHIJKL&password=x&e=a@b.test&card=4111111111111111&s=000-00-0000&cs=utf-8",
            200,
            &[("Referer", "https://other.test/?password=x&e=a@b.test")],
            &[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Server", "Apache/2.4.1 (OpenSSL/1.0.1e)"),
                ("X-Powered-By", "PHP/5.4"),
                ("X-Backend-Server", "b1"),
                ("X-ChromeLogger-Data", "e30="),
                ("X-Debug-Token", "abc"),
                ("X-AspNet-Version", "4.0"),
                ("Access-Control-Allow-Origin", "*"),
                ("Set-Cookie", "a=utf-8; Domain=a.test"),
                ("Set-Cookie", "b=1; SameSite=None"),
                ("Set-Cookie", "c=1; SameSite=bad"),
                (
                    "Content-Security-Policy",
                    "script-src 'unsafe-inline' 'unsafe-eval' 'unsafe-hashes'; style-src 'unsafe-hashes'; prefetch-src x",
                ),
                (
                    "Content-Security-Policy",
                    "default-src \u{2018}self\u{2019}",
                ),
                ("X-Content-Security-Policy", "default-src 'self'"),
                ("X-WebKit-CSP", "default-src 'self'"),
                ("Content-Security-Policy-Report-Only", "default-src 'self'"),
                ("X-Frame-Options", "ALLOW-FROM x"),
                ("X-Frame-Options", "DENY"),
                ("Strict-Transport-Security", "max-age=0"),
                ("X-Content-Type-Options", "sniff"),
                ("Feature-Policy", "vibrate 'none'"),
                ("X-Cache", "HIT"),
                ("Cross-Origin-Resource-Policy", "same-site"),
                ("Cross-Origin-Embedder-Policy", "unsafe-none"),
                ("Cross-Origin-Opener-Policy", "unsafe-none"),
                ("Cache-Control", "no-cache"),
            ],
            page,
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Content-Type", "text/html"), ("Age", "5")],
            page,
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Strict-Transport-Security", "\"max-age=5\"")],
            "x",
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Strict-Transport-Security", "a"), ("Content-Type", "")],
            "x",
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Strict-Transport-Security", "max-age=1\u{201d}")],
            "x",
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[
                ("Strict-Transport-Security", "max-age=1"),
                ("Strict-Transport-Security", "max-age=1"),
            ],
            "x",
        ),
        message(
            "http://www.a.test/?next=http://evil.test/",
            302,
            &[
                ("Authorization", "Basic YWRtaW46c2VjcmV0"),
                ("Sec-Fetch-Site", "bogus"),
            ],
            &[
                ("Location", "http://evil.test/"),
                ("WWW-Authenticate", "Basic realm=x"),
            ],
            &"<a href=x>".repeat(100),
        ),
        message(
            "http://www.a.test/",
            302,
            &[],
            &[("Location", "/b")],
            r#"<a href="1"></a><a href="2"></a>"#,
        ),
        message(
            "http://www.a.test/;jsessionid=ABCDEFGHIJKL",
            200,
            &[],
            &[],
            "",
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Cache-Control", "no-store")],
            "",
        ),
        message(
            "https://www.a.test/",
            200,
            &[],
            &[("Cache-Control", "max-age=0")],
            "",
        ),
    ]
}

/// Every alert the rules raise over the corpus has a risk, a confidence and a CWE that ZAP's class uses for that
/// plugin id (the table's `risk`, `confidence` and `cwe` columns).
#[test]
fn alert_levels_are_ones_zap_uses() {
    let table = zap_table();
    let origins = [String::from("https://www.a.test")];
    let mut fired = BTreeSet::new();
    for msg in firing_corpus() {
        // As a scan judges it: HTML pages parsed, so the rules that read the page fire too.
        let out = judge_all(&msg, &origins);
        for a in out {
            let row = &table[&a.plugin_id];
            assert!(
                row.risks.iter().any(|r| r == a.risk.as_str()),
                "{} risk {:?} not in {:?}",
                a.alert_ref,
                a.risk,
                row.risks
            );
            assert!(
                row.confidences.iter().any(|c| c == a.confidence.as_str()),
                "{} confidence {:?} not in {:?}",
                a.alert_ref,
                a.confidence,
                row.confidences
            );
            assert!(
                row.cwes.contains(&a.cwe),
                "{} cwe {} not in {:?}",
                a.alert_ref,
                a.cwe,
                row.cwes
            );
            fired.insert(a.alert_ref);
        }
    }
    assert!(
        fired.len() >= 60,
        "only {} alert variants fired: {fired:?}",
        fired.len()
    );
}
