//! The `html` and `csv` formats, read back by independent parsers: html5lib in strict mode (any parse error
//! fails; `tests/validators/validate_html.py` also refuses scripts, event handlers, external references, tables
//! without captions and headers without scope) and Python's `csv` module (`tests/validators/read_csv.py`).
//!
//! The report is full of hostile strings (HTML, script, quotes, ANSI escapes, formula triggers) in the target
//! name, package names and versions, titles, paths, resources and layer commands. Expected cells are written
//! here from RFC 4180 and OWASP's CSV-injection advice (a leading `=`, `+`, `-`, `@`, tab or CR gets a `'`), and
//! from the rule that control characters are shown as visible escapes (`\e`, `\n`), never from the renderer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_report::{Format, ImageMetadata, RenderOptions, Report, Target, TargetKind, render};
use bulwark_types::{Finding, FindingKind, LayerRef, Location, Package, PackageType, Severity};
use serde_json::{Value, json};

const HOSTILE_TARGET: &str = "evil<script>alert(\"t\")</script>'&\u{1b}[2J:1";
const HOSTILE_PKG: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_VERSION: &str = "1.0\"><b>";
const HOSTILE_TITLE: &str = "</td></tr></table><script>alert(1)</script>";
const HOSTILE_LAYER: &str = "RUN echo \"</code><script>x()</script>\"";
const HOSTILE_PATH: &str = "deploy/<x>.yaml";
const HOSTILE_RESOURCE: &str = "Deployment/default/web\"onmouseover=\"x";

fn finding(
    kind: FindingKind,
    id: &str,
    severity: Severity,
    title: &str,
    props: Value,
    location: Location,
) -> Finding {
    Finding {
        kind,
        id: id.to_owned().into(),
        name: None,
        severity,
        title: title.to_owned().into(),
        message: "message with \u{1b}[31mANSI\u{1b}[0m <b>bold</b>".into(),
        location,
        evidence: None,
        references: vec![],
        shared_properties: None,
        properties: match props {
            Value::Object(m) => m.into_iter().collect::<BTreeMap<_, _>>(),
            other => panic!("properties must be an object: {other}"),
        },
    }
}

fn hostile_report() -> Report {
    let layer = LayerRef {
        index: 1,
        digest: Some(format!("sha256:{}", "b1".repeat(32)).into()),
        diff_id: None,
        created_by: Some(HOSTILE_LAYER.into()),
    };
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: HOSTILE_TARGET.into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(format!("sha256:{}", "a1".repeat(32))),
            layers: vec![layer.clone()],
            ..ImageMetadata::default()
        }),
    });
    r.created_at = "2026-12-01T10:00:00Z".into();
    let mut p = Package::new(PackageType::Npm, HOSTILE_PKG, HOSTILE_VERSION);
    p.purl = "pkg:npm/%3Cimg@1.0".into();
    p.layer = Some(layer);
    p.found_in = Some("/app/package-lock.json".into());
    r.packages = vec![p];
    r.findings = vec![
        // Lower severity but the highest risk: listed first among vulnerabilities.
        finding(
            FindingKind::Vulnerability,
            "CVE-2024-0001",
            Severity::Low,
            HOSTILE_TITLE,
            json!({"packageName": HOSTILE_PKG, "installedVersion": HOSTILE_VERSION, "fixedVersion": "=1+2",
                   "risk": 9.1, "ssvc": "act", "owner": "@team"}),
            Location::default(),
        ),
        finding(
            FindingKind::Vulnerability,
            "CVE-2024-0002",
            Severity::Critical,
            "-2+3",
            json!({"packageName": "pkg,with,commas", "installedVersion": "2", "risk": 3.5, "ssvc": "track"}),
            Location::default(),
        ),
        // No risk: after every scored one, whatever its severity.
        finding(
            FindingKind::Vulnerability,
            "CVE-2024-0003",
            Severity::Critical,
            "line1\nline2 \"quoted\"",
            json!({}),
            Location::default(),
        ),
        finding(
            FindingKind::Misconfiguration,
            "BW-K8S-0001",
            Severity::Medium,
            "\ttabbed, and \u{1b}[1mbold",
            json!({"owner": {"team": "platform"}}),
            Location {
                path: Some(HOSTILE_PATH.into()),
                line: Some(7),
                resource: Some(HOSTILE_RESOURCE.into()),
                ..Location::default()
            },
        ),
        finding(
            FindingKind::Secret,
            "BW-SECRET-0001",
            Severity::High,
            "+SUM(A1)",
            json!({}),
            Location::file("/etc/app.env").with_line(3, None),
        ),
        finding(
            FindingKind::Secret,
            "BW-SECRET-0002",
            Severity::Low,
            "\rcarriage",
            json!({}),
            Location::file("/etc/app.env"),
        ),
    ];
    let verdict: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/verdict.json"),
        )
        .unwrap(),
    )
    .unwrap();
    r.verdict = Some(verdict);
    r
}

fn python() -> String {
    std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `tests/validators/<script> <file>` and returns its JSON line; fails the test with its output otherwise
/// (exit 3: a validator package is missing, with the install line).
fn run(script: &str, file: &Path) -> Value {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators");
    let out = Command::new(python())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(scripts.join(script))
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} rejected {} (exit {:?}):\n{stdout}\n{stderr}",
        file.display(),
        out.status.code()
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

fn render_to(name: &str, report: &Report, format: Format) -> (PathBuf, Vec<u8>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bulwark-report-html-csv");
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = Vec::new();
    render(format, report, &RenderOptions::default(), &mut out).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &out).unwrap();
    (path, out)
}

/// The rows of the table with this caption.
fn table<'a>(page: &'a Value, caption: &str) -> &'a Vec<Value> {
    page["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["caption"] == caption)
        .unwrap_or_else(|| panic!("no table captioned {caption:?} in {:#}", page["tables"]))["rows"]
        .as_array()
        .unwrap()
}

fn cells(row: &Value) -> Vec<&str> {
    row.as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

#[test]
fn html_is_valid_and_every_hostile_string_is_inert_text() {
    let report = hostile_report();
    let (path, bytes) = render_to("hostile.html", &report, Format::Html);
    let raw = String::from_utf8(bytes).unwrap();
    // The validator parses strictly and fails on any <script>, event handler or external reference: an
    // unescaped title, package name or attribute value would add one.
    let page = run("validate_html.py", &path);
    assert!(!raw.contains('\u{1b}'), "a raw ESC reached the page");
    let text = page["text"].as_str().unwrap();
    // What a reader sees is the original text, control characters shown as escapes.
    for s in [
        "evil<script>alert(\"t\")</script>'&\\e[2J:1",
        HOSTILE_PKG,
        HOSTILE_VERSION,
        HOSTILE_TITLE,
        HOSTILE_LAYER,
        HOSTILE_RESOURCE,
    ] {
        assert!(text.contains(s), "{s:?} is not in the page text");
    }
    assert_eq!(
        page["title"],
        "Bulwark report: evil<script>alert(\"t\")</script>'&\\e[2J:1"
    );

    // Summary: counted by hand from hostile_report().
    let sev = table(&page, "Findings by severity");
    let sev: Vec<Vec<&str>> = sev.iter().skip(1).map(cells).collect();
    assert_eq!(
        sev,
        [
            ["CRITICAL", "2"],
            ["HIGH", "1"],
            ["MEDIUM", "1"],
            ["LOW", "2"],
            ["INFO", "0"],
            ["UNKNOWN", "0"]
        ]
    );
    let kinds: Vec<Vec<&str>> = table(&page, "Findings by kind")
        .iter()
        .skip(1)
        .map(cells)
        .collect();
    assert!(kinds.contains(&vec!["vulnerability", "3"]), "{kinds:?}");
    assert!(kinds.contains(&vec!["misconfiguration", "1"]), "{kinds:?}");
    assert!(kinds.contains(&vec!["secret", "2"]), "{kinds:?}");

    // Vulnerabilities: risk 9.1 (LOW), risk 3.5 (CRITICAL), then no risk (CRITICAL).
    let vulns = table(&page, "Vulnerabilities, highest risk first");
    let header = cells(&vulns[0]);
    assert_eq!(
        header,
        [
            "ID",
            "Severity",
            "Risk (SSVC)",
            "Title",
            "Package",
            "Installed",
            "Fixed",
            "Layer",
            "Owner"
        ]
    );
    let ids: Vec<&str> = vulns
        .iter()
        .skip(1)
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"]);
    assert_eq!(
        cells(&vulns[1]),
        [
            "CVE-2024-0001",
            "LOW",
            "9.1 (act)",
            HOSTILE_TITLE,
            HOSTILE_PKG,
            HOSTILE_VERSION,
            "=1+2",
            &format!("1: {HOSTILE_LAYER}"),
            "@team"
        ]
    );
    // Without any risk, the order is by severity.
    let secrets = table(&page, "Secrets, worst severity first");
    let ids: Vec<&str> = secrets
        .iter()
        .skip(1)
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["BW-SECRET-0001", "BW-SECRET-0002"]);
    // Columns empty for every finding of a kind are left out: misconfigurations have no package or layer.
    let mis = table(&page, "Misconfigurations, worst severity first");
    assert_eq!(
        cells(&mis[0]),
        ["ID", "Severity", "Title", "Location", "Owner"]
    );
    assert_eq!(
        cells(&mis[1])[3..],
        [
            &format!("{HOSTILE_PATH}:7 {HOSTILE_RESOURCE}") as &str,
            "platform"
        ]
    );

    // The verdict: decision, rules, exceptions with their expiry (testdata/verdict.json).
    assert!(text.contains("Decision: FAIL at stage build"), "{text}");
    let rules = table(&page, "Policy rules");
    assert!(
        rules
            .iter()
            .any(|r| r[0] == "critical-fixable" && r[1] == "fail" && r[2] == "fail (violation)"),
        "{rules:?}"
    );
    let exc: Vec<Vec<&str>> = table(&page, "Exceptions")
        .iter()
        .skip(1)
        .map(|r| cells(r)[..4].to_vec())
        .collect();
    assert_eq!(
        exc,
        [
            ["SEC-9-test-key", "applied", "2027-03-01", "team-shop"],
            ["SEC-2-legacy", "expired", "2026-10-01", "team-shop"]
        ]
    );
    // Packages, collapsible.
    assert_eq!(page["details"], json!(["1 packages"]));
    let pkgs = table(&page, "Packages found");
    assert_eq!(cells(&pkgs[1])[..2], [HOSTILE_PKG, HOSTILE_VERSION]);
}

#[test]
fn html_of_an_empty_report_is_valid() {
    let r = Report::new(Target {
        kind: TargetKind::Filesystem,
        name: ".".into(),
        image: None,
    });
    let (path, _) = render_to("empty.html", &r, Format::Html);
    let page = run("validate_html.py", &path);
    assert!(page["text"].as_str().unwrap().contains("No findings."));
    assert_eq!(page["details"], json!([]));
}

#[test]
fn csv_reads_back_to_the_same_cells_with_injection_neutralised() {
    let report = hostile_report();
    let (path, bytes) = render_to("hostile.csv", &report, Format::Csv);
    let got = run("read_csv.py", &path);
    // RFC 4180 §2: CRLF record ends; no bare LF anywhere (a line break in a value is shown as `\n`).
    assert_eq!(got["crlf"], true);
    assert_eq!(got["bare_lf"], false);
    assert!(!bytes.contains(&0x1b));
    let rows: Vec<Vec<&str>> = got["rows"].as_array().unwrap().iter().map(cells).collect();
    assert_eq!(
        rows[0],
        [
            "kind",
            "id",
            "severity",
            "risk",
            "ssvc",
            "title",
            "package",
            "installed",
            "fixed",
            "layer",
            "path/resource",
            "line",
            "owner"
        ]
    );
    assert_eq!(rows.len(), 1 + report.findings.len());
    let layer = format!("1: {HOSTILE_LAYER}");
    let expected: Vec<Vec<&str>> = vec![
        vec![
            "vulnerability",
            "CVE-2024-0001",
            "LOW",
            "9.1",
            "act",
            HOSTILE_TITLE,
            HOSTILE_PKG,
            HOSTILE_VERSION,
            "'=1+2",
            &layer,
            "",
            "",
            "'@team",
        ],
        vec![
            "vulnerability",
            "CVE-2024-0002",
            "CRITICAL",
            "3.5",
            "track",
            "'-2+3",
            "pkg,with,commas",
            "2",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "vulnerability",
            "CVE-2024-0003",
            "CRITICAL",
            "",
            "",
            "line1\\nline2 \"quoted\"",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        vec![
            "misconfiguration",
            "BW-K8S-0001",
            "MEDIUM",
            "",
            "",
            "\\ttabbed, and \\e[1mbold",
            "",
            "",
            "",
            "",
            "deploy/<x>.yaml Deployment/default/web\"onmouseover=\"x",
            "7",
            "platform",
        ],
        vec![
            "secret",
            "BW-SECRET-0001",
            "HIGH",
            "",
            "",
            "'+SUM(A1)",
            "",
            "",
            "",
            "",
            "/etc/app.env",
            "3",
            "",
        ],
        vec![
            "secret",
            "BW-SECRET-0002",
            "LOW",
            "",
            "",
            "\\rcarriage",
            "",
            "",
            "",
            "",
            "/etc/app.env",
            "",
            "",
        ],
    ];
    assert_eq!(rows[1..], expected[..]);
    // No cell a spreadsheet would evaluate as a formula.
    for row in &rows {
        for c in row {
            assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
        }
    }
}
