//! `-f html` and `-f csv` of a real scan, and `bulwark report convert`, on a fixture made here to be hostile: a
//! CycloneDX SBOM whose main component (the report's target) is named with a script and an ANSI escape, a
//! package named `<script>alert(1)</script>`, one with a quote-breaking version (its formula-like name gives way
//! to its purl's, as the SBOM reader prefers the purl),
//! and an OSV advisory for it whose summary is a formula (`=cmd|…`), HTML, quotes and an ANSI escape. The
//! advisory really matches (`bulwark db build --osv`, `bulwark scan sbom --db`), so the strings travel the
//! whole path. Parsers that are not ours read the outputs back: html5lib in strict mode, Python's `csv`, the
//! SARIF/JUnit/CycloneDX validators, Chromium printing to PDF and `pdftotext` reading the PDF.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use common::{bulwark, validate};
use serde_json::{Value, json};

const TARGET: &str = "app<script>alert(4)</script>\u{1b}[2J";
const PKG: &str = "<script>alert(1)</script>";
const FORMULA_PKG: &str = "=HYPERLINK(\"http://x\")";
const SUMMARY: &str = "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> \"quoted\" '\u{1b}[31mred";
/// A fixed clock, so that two runs write byte-identical reports.
const EPOCH: &str = "1796000000";

struct Fixture {
    dir: PathBuf,
    sbom: PathBuf,
    db: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-formats");
        let _ = std::fs::remove_dir_all(&dir);
        let osv = dir.join("osv");
        std::fs::create_dir_all(&osv).unwrap();
        std::fs::copy(
            common::vulndb_testdata("osv-npm/npm-368.json"),
            osv.join("npm-368.json"),
        )
        .unwrap();
        let advisory = json!({
            "id": "EVIL-2026-0001",
            "modified": "2026-01-01T00:00:00Z",
            "published": "2026-01-01T00:00:00Z",
            "aliases": ["CVE-2026-99999"],
            "summary": SUMMARY,
            "details": "</td><script>alert(2)</script>",
            "affected": [{
                "package": {"ecosystem": "npm", "name": PKG},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]
            }],
            "references": [{"type": "ADVISORY", "url": "javascript:alert(3)"}]
        });
        std::fs::write(osv.join("EVIL-2026-0001.json"), advisory.to_string()).unwrap();
        let sbom = json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "version": 1,
            "metadata": {"component": {"type": "application", "name": TARGET}},
            "components": [
                {"type": "library", "name": PKG, "version": "1.0.0",
                 "purl": "pkg:npm/%3Cscript%3Ealert%281%29%3C%2Fscript%3E@1.0.0"},
                {"type": "library", "name": "lodash", "version": "4.17.4", "purl": "pkg:npm/lodash@4.17.4"},
                {"type": "library", "name": FORMULA_PKG, "version": "2.0.0\"><i>", "purl": "pkg:npm/hyper@2.0.0"}
            ]
        });
        let sbom_path = dir.join("hostile.cdx.json");
        std::fs::write(&sbom_path, sbom.to_string()).unwrap();
        let db = dir.join("osv.db");
        let out = bulwark(&[
            "db",
            "build",
            "-q",
            "-o",
            db.to_str().unwrap(),
            "--osv",
            osv.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "db build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Fixture {
            dir,
            sbom: sbom_path,
            db,
        }
    })
}

/// `bulwark ARGS` with the fixed clock; fails the test unless it exits 0.
fn run(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bulwark {args:?} exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `bulwark scan sbom` of the fixture in `format`, written to `name`.
fn scan(format: &str, name: &str) -> PathBuf {
    let f = fixture();
    let out = f.dir.join(name);
    run(&[
        "scan",
        "sbom",
        f.sbom.to_str().unwrap(),
        "--db",
        f.db.to_str().unwrap(),
        "-q",
        "-f",
        format,
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

fn convert(report: &Path, format: &str, name: &str) -> PathBuf {
    let out = fixture().dir.join(name);
    run(&[
        "report",
        "convert",
        report.to_str().unwrap(),
        "-f",
        format,
        "-o",
        out.to_str().unwrap(),
    ]);
    out
}

/// Runs `bulwark-report/tests/validators/<script> FILE`, returning its JSON line.
fn python(script: &str, file: &Path) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-report/tests/validators")
        .join(script);
    let py = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(py)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(path)
        .arg(file)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{script} rejected {} ({:?}):\n{}{}",
        file.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_report() -> &'static PathBuf {
    static R: OnceLock<PathBuf> = OnceLock::new();
    R.get_or_init(|| {
        let r = scan("json", "scan.json");
        let v: Value = serde_json::from_slice(&std::fs::read(&r).unwrap()).unwrap();
        // The fixture does what it is for: the hostile advisory matched the hostile package.
        let ids: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["EVIL-2026-0001", "npm-368"], "{v:#}");
        r
    })
}

#[test]
fn html_of_a_real_scan_is_valid_and_hostile_strings_are_inert() {
    let direct = scan("html", "scan.html");
    let converted = convert(json_report(), "html", "converted.html");
    // The same report, rendered by the scan or later from its JSON, is the same page.
    assert_eq!(
        std::fs::read(&direct).unwrap(),
        std::fs::read(&converted).unwrap()
    );
    let raw = std::fs::read_to_string(&converted).unwrap();
    assert!(!raw.contains('\u{1b}'));
    // Strict HTML5 parse; no script, handler or external reference (the advisory's `javascript:` URL is not
    // a link in this page).
    let page = python("validate_html.py", &converted);
    let text = page["text"].as_str().unwrap();
    for s in [
        "app<script>alert(4)</script>\\e[2J",
        PKG,
        "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> \"quoted\" '\\e[31mred",
        "2.0.0\"><i>",
    ] {
        assert!(text.contains(s), "{s:?} is not in the page's text:\n{text}");
    }
    let vulns = page["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["caption"] == "Vulnerabilities, worst severity first")
        .expect("the vulnerabilities table");
    let row: Vec<&str> = vulns["rows"][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        row[..6],
        [
            "EVIL-2026-0001",
            "UNKNOWN",
            "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> \"quoted\" '\\e[31mred",
            PKG,
            "1.0.0",
            "1.0.1"
        ]
    );
    assert_eq!(page["details"], json!(["3 packages"]));
}

#[test]
fn csv_of_a_real_scan_reads_back_with_formulas_neutralised() {
    let direct = scan("csv", "scan.csv");
    let converted = convert(json_report(), "csv", "converted.csv");
    assert_eq!(
        std::fs::read(&direct).unwrap(),
        std::fs::read(&converted).unwrap()
    );
    let got = python("read_csv.py", &converted);
    assert_eq!(got["crlf"], true);
    assert_eq!(got["bare_lf"], false);
    let rows = got["rows"].as_array().unwrap();
    assert_eq!(
        rows[0],
        json!([
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
        ])
    );
    // OWASP: the formula gets a leading `'`; RFC 4180: quotes and commas survive; ESC is shown as `\e`.
    assert_eq!(
        rows[1],
        json!([
            "vulnerability",
            "EVIL-2026-0001",
            "UNKNOWN",
            "",
            "",
            "'=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> \"quoted\" '\\e[31mred",
            PKG,
            "1.0.0",
            "1.0.1",
            "",
            "",
            "",
            ""
        ])
    );
    assert_eq!(rows[2][1], "npm-368");
    assert_eq!(rows.len(), 3);
}

#[test]
fn convert_writes_every_format_a_validator_accepts() {
    let r = json_report();
    validate("sarif", &convert(r, "sarif", "converted.sarif"));
    validate("junit", &convert(r, "junit", "converted.junit.xml"));
    validate("cyclonedx", &convert(r, "cyclonedx", "converted.cdx.json"));
    // Without -o, to stdout; json converts back to the same report.
    let again: Value = serde_json::from_slice(&run(&[
        "report",
        "convert",
        r.to_str().unwrap(),
        "-f",
        "json",
    ]))
    .unwrap();
    let orig: Value = serde_json::from_slice(&std::fs::read(r).unwrap()).unwrap();
    assert_eq!(again, orig);
}

#[test]
fn convert_refuses_malformed_and_hostile_input_with_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let orig: Value = serde_json::from_slice(&std::fs::read(json_report()).unwrap()).unwrap();
    let mut bad_severity = orig.clone();
    bad_severity["findings"][0]["severity"] = json!("\u{1b}[2J<script>");
    let mut v99 = orig.clone();
    v99["schemaVersion"] = json!(99);
    let deep = format!(
        "{{\"schemaVersion\":1,\"tool\":{{\"name\":\"x\",\"version\":\"1\"}},\"createdAt\":\"x\",\
         \"target\":{{\"kind\":\"sbom\",\"name\":\"x\"}},\"verdict\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not-json.json",
            b"<script>alert(1)</script>".to_vec(),
            "not a Bulwark JSON report",
        ),
        ("empty.json", Vec::new(), "not a Bulwark JSON report"),
        (
            "binary.json",
            vec![0xff, 0xfe, 0, 1],
            "not a Bulwark JSON report",
        ),
        (
            "sbom-not-report.json",
            br#"{"bomFormat":"CycloneDX"}"#.to_vec(),
            "not a Bulwark JSON report",
        ),
        (
            "severity.json",
            serde_json::to_vec(&bad_severity).unwrap(),
            "not a Bulwark JSON report",
        ),
        (
            "v99.json",
            serde_json::to_vec(&v99).unwrap(),
            "schema version 99",
        ),
        ("deep.json", deep.into_bytes(), "recursion limit"),
        (
            "evil\u{1b}[31m<b>.json",
            b"[]".to_vec(),
            "not a Bulwark JSON report",
        ),
    ];
    for (name, bytes, why) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out_file = dir.path().join("out.html");
        let out = common::output_within(
            {
                let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
                c.args(["report", "convert", "-f", "html", "-o"])
                    .arg(&out_file)
                    .arg(&path);
                c
            },
            Duration::from_mins(1),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        let shown = bulwark_types_escape(&path.display().to_string());
        assert!(
            err.contains(&shown),
            "{name}: the error does not name the file: {err}"
        );
        assert!(err.contains(why), "{name}: {err}");
        assert!(
            !err.contains('\u{1b}'),
            "{name}: a raw ESC reached the terminal: {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out_file.exists(), "{name}: a report was written");
    }
    let missing = dir.path().join("missing.json");
    let out = bulwark(&["report", "convert", missing.to_str().unwrap(), "-f", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

/// How the CLI shows a control character in an error: ESC as `\e` (bulwark-types' `escape_control`, written out
/// here for the one character the test uses).
fn bulwark_types_escape(s: &str) -> String {
    s.replace('\u{1b}', "\\e")
}

#[test]
fn html_prints_to_pdf_with_chromium() {
    let html = convert(json_report(), "html", "print.html");
    let pdf = fixture().dir.join("print.pdf");
    let _ = std::fs::remove_file(&pdf);
    let profile = tempfile::tempdir().unwrap();
    let mut cmd =
        Command::new(std::env::var("BULWARK_CHROMIUM").unwrap_or_else(|_| "chromium".into()));
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--print-to-pdf={}", pdf.display()))
    .arg(format!("file://{}", html.display()));
    let out = common::output_within(cmd, Duration::from_mins(2));
    assert!(
        pdf.is_file(),
        "chromium (Debian `chromium`, installed by .ci/install-deps.sh) printed no PDF ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by .ci/install-deps.sh)");
    let text = String::from_utf8_lossy(&text.stdout);
    // Cells wrap (and pdftotext drops a hyphen at a line end): compare without whitespace.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for s in ["EVIL-2026-0001", "npm-368", "Findingsbyseverity"] {
        assert!(flat.contains(s), "{s} is not in the PDF:\n{text}");
    }
    // The packages are in a closed <details>, which still prints.
    assert!(flat.contains("lodash4.17.4"), "{text}");
}
