//! `bulwark report compliance` over the binary's own scans of repository fixtures. Expected statuses come from
//! the standards' definitions and the fixtures' known facts, not from a first run:
//! - PCI DSS v4.0 Req. 6.3.3 (critical or high-security patches within one month; KEV first): salt 3000.1 is
//!   affected by CVE-2020-11651 (PYSEC-2020-102, fixed in 3000.2), which is in CISA's KEV catalog; the
//!   bookworm-app image carries HIGH vulnerabilities with Debian fixes (vuln_scan.rs's expectations).
//! - Req. 2.2.1 (hardening standards): `privileged: true` (CIS 5.2.2, PSS baseline) and an image whose config
//!   has no `User` (runs as root, Docker's documented default).
//! - Req. 8.6.2 (no hard-coded credentials): a GitHub personal access token in a config file.
//! - Requirements no scanner could assess (runtime, DAST) are `not-assessed`; organisational ones `manual`.

// Short names (r for a report, c for a control, t for a temp dir) keep the assertions readable.
#![allow(clippy::many_single_char_names)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{bulwark, fixtures, image, validate};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let v = |rel: &str| fixtures().join("vulndata").join(rel);
        common::build_db(
            "compliance.db",
            &[
                ("--osv", v("osv/PyPI-all.zip")),
                ("--osv", common::vulndb_testdata("osv-npm")),
                (
                    "--debian",
                    common::vulndb_testdata("debian/bookworm-app-tracker.json"),
                ),
                ("--kev", v("kev/known_exploited_vulnerabilities.json")),
            ],
        )
    })
}

/// Runs a scan with `-f json -o OUT` and returns OUT; the scan's own exit status is not under test.
fn scan(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut a = args.to_vec();
    let o = out.display().to_string();
    a.extend_from_slice(&["-q", "-f", "json", "-o", &o]);
    let run = bulwark(&a);
    assert!(
        out.is_file(),
        "bulwark {a:?} wrote nothing ({:?}): {}",
        run.status.code(),
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

struct Scans {
    _dir: tempfile::TempDir,
    k8s: PathBuf,
    image: PathBuf,
    sbom: PathBuf,
    fs: PathBuf,
}

fn scans() -> &'static Scans {
    static S: OnceLock<Scans> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = db().display().to_string();
        let manifest =
            repo().join("crates/bulwark-k8s/src/rules/privileged_container/cases/bad.yaml");
        let k8s = scan(
            dir.path(),
            "k8s.json",
            &["scan", "k8s", manifest.to_str().unwrap()],
        );
        let image = scan(
            dir.path(),
            "image.json",
            &[
                "scan",
                "image",
                "--db",
                &d,
                &image("bookworm-app-mini.docker.tar"),
            ],
        );
        let sbom_file = repo().join("crates/bulwark-compliance/testdata/salt-3000.1.cdx.json");
        let sbom = scan(
            dir.path(),
            "sbom.json",
            &["scan", "sbom", "--db", &d, sbom_file.to_str().unwrap()],
        );
        // A project directory: a config file holding a token (a generated fake from the secrets corpus) and a
        // Dockerfile without USER.
        let src = dir.path().join("project");
        std::fs::create_dir(&src).unwrap();
        std::fs::copy(
            repo().join("crates/bulwark-secrets/testdata/corpus/positives/github-pat.txt"),
            src.join("settings.env"),
        )
        .unwrap();
        std::fs::write(
            src.join("Dockerfile"),
            "FROM debian:12\nRUN apt-get update\nCMD [\"app\"]\n",
        )
        .unwrap();
        let fs = scan(
            dir.path(),
            "fs.json",
            &["scan", "fs", "--db", &d, src.to_str().unwrap()],
        );
        Scans {
            _dir: dir,
            k8s,
            image,
            sbom,
            fs,
        }
    })
}

fn compliance(args: &[&str]) -> (Option<i32>, Value, String) {
    let mut a = vec!["report", "compliance"];
    a.extend_from_slice(args);
    let out = bulwark(&a);
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn control<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

fn evidence_ids(c: &Value) -> Vec<String> {
    c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["finding"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn pci_dss_over_every_kind_of_scan() {
    let s = scans();
    let p = |p: &PathBuf| p.display().to_string();
    let (k8s, image, sbom, fs) = (p(&s.k8s), p(&s.image), p(&s.sbom), p(&s.fs));
    let (code, r, err) = compliance(&["--framework", "pci-dss-4.0", &k8s, &image, &sbom, &fs]);
    assert_eq!(code, Some(1), "a failing control fails like a gate: {err}");
    assert_eq!(r["framework"], "pci-dss-4.0");

    // 6.3.3: the KEV vulnerability with a fix is named, with its CVE alias, package and fixed version.
    let c = control(&r, "6.3.3");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["source"], "PCI DSS v4.0 Req. 6.3.3");
    let salt = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["finding"] == "PYSEC-2020-102")
        .unwrap_or_else(|| panic!("CVE-2020-11651 not in the evidence: {c}"));
    assert_eq!(salt["aliases"][0], "CVE-2020-11651");
    assert_eq!(salt["package"], "salt@3000.1");
    assert_eq!(salt["fixedVersion"], "3000.2");
    // …and the image's HIGH vulnerabilities with a Debian fix, with their layer.
    let high_fixed = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "vulnerability" && e["severity"] == "HIGH")
        .filter(|e| e["fixedVersion"].is_string() && e["layer"].is_string())
        .count();
    assert!(high_fixed > 0, "{c}");
    assert!(
        !c["remediation"].as_str().unwrap().is_empty(),
        "remediation given"
    );

    // 2.2.1: the privileged Pod (with its object and file line), the root image, the root Dockerfile.
    let c = control(&r, "2.2.1");
    assert_eq!(c["status"], "fail");
    let ids = evidence_ids(c);
    for id in ["BW-K8S-0002", "BW-IMG-0001", "BW-DF-0001"] {
        assert!(ids.iter().any(|i| i == id), "{id} missing: {ids:?}");
    }
    let pod = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["finding"] == "BW-K8S-0002")
        .unwrap();
    assert!(pod["object"].as_str().unwrap().starts_with("Pod/"), "{pod}");
    assert!(pod["file"].as_str().unwrap().contains("bad.yaml:"), "{pod}");

    // 8.6.2: the token, in the file it was found in.
    let c = control(&r, "8.6.2");
    assert_eq!(c["status"], "fail");
    let tok = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "secret")
        .unwrap_or_else(|| panic!("{c}"));
    assert_eq!(tok["finding"], "github-pat");
    assert!(tok["file"].as_str().unwrap().starts_with("settings.env:"));

    // Malware scanning ran and found nothing: 5.2.2 passes. No runtime or DAST input: not assessed.
    assert_eq!(control(&r, "5.2.2")["status"], "pass");
    assert_eq!(control(&r, "11.5.1")["status"], "not-assessed");
    assert_eq!(control(&r, "6.4.1")["status"], "not-assessed");
    // Organisational requirements are listed for a person, never passed.
    assert_eq!(control(&r, "6.3.1")["status"], "manual");
    assert_eq!(control(&r, "10.2.1")["status"], "manual");
    let t = &r["totals"];
    let sum: u64 = ["pass", "fail", "manual", "notAssessed"]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .sum();
    assert_eq!(sum, t["controls"].as_u64().unwrap());
}

#[test]
fn other_frameworks() {
    let s = scans();
    let k8s = s.k8s.display().to_string();
    let (code, r, err) = compliance(&["--framework", "cis-kubernetes", &k8s]);
    assert_eq!(code, Some(1), "{err}");
    let c = control(&r, "5.2.2");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["source"], "CIS Kubernetes Benchmark v1.9.0 §5.2.2");
    assert!(evidence_ids(c).contains(&"BW-K8S-0002".to_owned()));
    // Only manifests: nothing about images can be assessed from them.
    let (_, r, _) = compliance(&["--framework", "nist-800-190", &k8s]);
    assert_eq!(control(&r, "4.4.3")["status"], "fail");
    assert_eq!(control(&r, "4.1.1")["status"], "not-assessed");
    assert_eq!(control(&r, "4.1.3")["status"], "not-assessed");
    let sbom = s.sbom.display().to_string();
    let (code, r, _) = compliance(&["--framework", "hipaa", &sbom]);
    assert_eq!(code, Some(1));
    let c = control(&r, "164.308(a)(1)(ii)(B)");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["source"], "45 CFR 164.308(a)(1)(ii)(B)");
    assert!(evidence_ids(c).contains(&"PYSEC-2020-102".to_owned()));
    assert_eq!(control(&r, "164.312(b)")["status"], "not-assessed");
    assert_eq!(control(&r, "164.310(a)(1)")["status"], "manual");
}

#[test]
fn clean_input_exits_zero_and_bad_input_two() {
    let t = tempfile::tempdir().unwrap();
    // An SBOM of a package no advisory names: every assessed control passes.
    let clean = t.path().join("clean.cdx.json");
    std::fs::write(
        &clean,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
            "metadata":{"component":{"type":"container","name":"clean"}},
            "components":[{"type":"library","name":"bulwark-test-nothing","version":"1.0",
                           "purl":"pkg:pypi/bulwark-test-nothing@1.0"}]}"#,
    )
    .unwrap();
    let d = db().display().to_string();
    let report = scan(
        t.path(),
        "clean.json",
        &["scan", "sbom", "--db", &d, clean.to_str().unwrap()],
    );
    let rp = report.display().to_string();
    let (code, r, err) = compliance(&["--framework", "pci-dss-4.0", &rp]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(control(&r, "6.3.3")["status"], "pass");
    assert_eq!(r["totals"]["fail"], 0);

    // A report whose scan hit an error cannot be trusted: the output is written, the exit is 2.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    v["diagnostics"] = serde_json::json!([{"level": "error", "message": "layer 3 unreadable"}]);
    let broken = t.path().join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&v).unwrap()).unwrap();
    let (code, r, err) = compliance(&["--framework", "pci-dss-4.0", broken.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("broken.json"), "{err}");
    assert_eq!(r["framework"], "pci-dss-4.0");

    // Errors name what is wrong and exit 2.
    let (code, _, err) = compliance(&["--framework", "sox", &rp]);
    assert_eq!(code, Some(2));
    assert!(err.contains("sox") && err.contains("pci-dss-4.0"), "{err}");
    let not_report = t.path().join("not-a-report.json");
    std::fs::write(&not_report, "{\"bomFormat\": \"CycloneDX\"}").unwrap();
    let (code, _, err) = compliance(&["--framework", "pci-dss-4.0", not_report.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not-a-report.json") && err.contains("not a Bulwark JSON report"),
        "{err}"
    );
    let deep = t.path().join("deep.json");
    std::fs::write(&deep, "[".repeat(100_000)).unwrap();
    let (code, _, err) = compliance(&["--framework", "hipaa", deep.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    let (code, _, err) = compliance(&["--framework", "hipaa", "/nonexistent/r.json"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/r.json"), "{err}");
}

/// Hostile strings in resource names, image names and finding titles (HTML, script, ANSI escapes, CSV
/// formulas) come out inert in HTML, CSV and SARIF.
#[test]
fn hostile_strings_are_inert() {
    let t = tempfile::tempdir().unwrap();
    let manifest = t.path().join("evil.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"x<script>alert(1)</script>\"\n  namespace: \"=cmd|' /C calc'!A0\"\nspec:\n  containers:\n  - name: c\n    image: \"evil<img src=x onerror=alert(2)>\"\n    securityContext:\n      privileged: true\n",
    )
    .unwrap();
    let report = scan(
        t.path(),
        "evil.json",
        &["scan", "k8s", manifest.to_str().unwrap()],
    );
    // Titles are the rules' own; a report from elsewhere could carry anything, so inject some.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    v["target"]["name"] = "<iframe src=javascript:alert(3)>\u{1b}[31mred".into();
    for f in v["findings"].as_array_mut().unwrap() {
        f["title"] =
            "=HYPERLINK(\"http://evil\")\u{1b}]8;;http://evil\u{7}<b onmouseover=alert(4)>".into();
    }
    std::fs::write(&report, serde_json::to_vec(&v).unwrap()).unwrap();
    let rp = report.display().to_string();

    let html = t.path().join("r.html");
    let (code, _, err) = compliance(&[
        "--framework",
        "pci-dss-4.0",
        "-f",
        "html",
        "-o",
        html.to_str().unwrap(),
        &rp,
    ]);
    assert_eq!(code, Some(1), "{err}");
    let h = std::fs::read_to_string(&html).unwrap();
    for raw in ["<script", "<img", "<iframe", "<b ", "\u{1b}", "\u{7}"] {
        assert!(!h.contains(raw), "{raw:?} reached the HTML");
    }
    assert!(
        h.contains("x&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the name is shown, escaped"
    );
    assert!(h.contains("&lt;iframe src=javascript:alert(3)&gt;\\e[31mred"));
    assert!(h.contains("default-src 'none'"), "a CSP forbids scripts");

    let csv = t.path().join("r.csv");
    compliance(&[
        "--framework",
        "pci-dss-4.0",
        "-f",
        "csv",
        "-o",
        csv.to_str().unwrap(),
        &rp,
    ]);
    let c = std::fs::read_to_string(&csv).unwrap();
    assert!(!c.contains('\u{1b}'));
    // No cell starts a formula: each cell (RFC 4180, quoted or not) after a comma or line start.
    for line in c.split("\r\n").filter(|l| !l.is_empty()) {
        for cell in split_csv(line) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "formula cell {cell:?} in {line}"
            );
        }
    }
    assert!(c.contains("'=HYPERLINK"), "{c}");

    let sarif = t.path().join("r.sarif");
    compliance(&[
        "--framework",
        "pci-dss-4.0",
        "-f",
        "sarif",
        "-o",
        sarif.to_str().unwrap(),
        &rp,
    ]);
    validate("sarif", &sarif);
    let s: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    let failing: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(failing.contains(&"2.2.1"), "{failing:?}");
    assert!(results.iter().all(|r| r["level"] == "error"));
}

/// RFC 4180 cells of one record (no line breaks inside cells in these tests).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
fn sarif_csv_and_pdf_of_real_scans() {
    let s = scans();
    let t = tempfile::tempdir().unwrap();
    let inputs = [s.k8s.display().to_string(), s.sbom.display().to_string()];
    let out = |ext: &str| t.path().join(format!("pci.{ext}"));
    let run = |fmt: &str| {
        let o = out(fmt).display().to_string();
        let mut a = vec!["--framework", "pci-dss-4.0", "-f", fmt, "-o", &o];
        a.extend(inputs.iter().map(String::as_str));
        compliance(&a)
    };
    let (code, _, err) = run("sarif");
    assert_eq!(code, Some(1), "{err}");
    validate("sarif", &out("sarif"));
    let v: Value = serde_json::from_slice(&std::fs::read(out("sarif")).unwrap()).unwrap();
    let r633 = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "6.3.3")
        .unwrap();
    assert!(
        r633["message"]["text"]
            .as_str()
            .unwrap()
            .contains("PYSEC-2020-102 (CVE-2020-11651)")
    );

    let (code, _, _) = run("csv");
    assert_eq!(code, Some(1));
    let c = std::fs::read_to_string(out("csv")).unwrap();
    assert!(c.starts_with("framework,control,title,source,status,"));
    assert!(c.contains("pci-dss-4.0,6.3.3,"));

    let (code, _, err) = run("pdf");
    assert_eq!(code, Some(1), "{err}");
    let pdf = std::fs::read(out("pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let text = std::process::Command::new("pdftotext")
        .arg(out("pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by .ci/install-deps.sh)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("PCI DSS v4.0"), "{text}");
    assert!(text.contains("6.3.3"), "{text}");
    // Table cells wrap (and pdftotext drops a hyphen at a line end): compare without the line breaks.
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("PYSEC-2020-102"), "{text}");

    // Without Chromium: a clear error naming the binary, exit 2.
    let o = out("none.pdf").display().to_string();
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "report",
            "compliance",
            "--framework",
            "hipaa",
            "-f",
            "pdf",
            "-o",
            &o,
        ])
        .arg(&inputs[0])
        .env("PATH", "/nonexistent")
        .env_remove("BULWARK_CHROMIUM")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("`chromium`"));
}
