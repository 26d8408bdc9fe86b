//! `bulwark rule` from the user's side: every id that real scans put in their JSON reports (Kubernetes
//! manifests; an image with its configuration checks and license policies; a directory with a Dockerfile,
//! secrets, malware and an unlicensed package; manifests with secrets) has a page; `rule all` lists them in
//! aligned columns by family; unknown ids exit 2 with suggestions; advisories point to `--explain`; and the
//! checked-in `docs/rules/` is what `bulwark rule --write-docs` generates.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{bulwark, fixtures, image};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a scan that must end in 0 or 1 (findings, or a gate) and returns its JSON report.
fn report(args: &[&str]) -> serde_json::Value {
    let out = bulwark(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "bulwark {args:?} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bulwark {args:?}: not a JSON report: {e}"))
}

/// `(kind, id)` of every finding of a report.
fn ids(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Built from two halves so that this source file itself is not the test file.
fn eicar() -> String {
    format!(
        "{}{}",
        r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STAN", "DARD-ANTIVIRUS-TEST-FILE!$H+H*"
    )
}

/// A repository with a Dockerfile that breaks most Dockerfile rules (one per line, as hadolint's and the CIS
/// Docker Benchmark's examples do), a credential in it, the EICAR test file and an unlicensed package.
fn repo_with_problems(dir: &Path) {
    // Split so that this source is not itself a finding of a secret scan.
    let pat = format!("ghp_{}", "Ky9Pf34qY6Nb3wWD25RQ4F5ZR3qa7y3gm1IL");
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "FROM debian:latest\n\
             ENV GITHUB_TOKEN={pat}\n\
             ADD https://example.com/tool.tar.gz /opt/\n\
             RUN apt-get update && apt-get install -y curl sudo\n\
             RUN curl -fsSL https://example.com/install.sh | sh\n\
             RUN sudo make install\n\
             EXPOSE 22\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("eicar.com"), eicar()).unwrap();
    // An installed npm package that declares no license.
    std::fs::create_dir_all(dir.join("node_modules/left-pad")).unwrap();
    std::fs::write(
        dir.join("node_modules/left-pad/package.json"),
        r#"{"name":"left-pad","version":"1.3.0"}"#,
    )
    .unwrap();
}

/// Every `(kind, id)` from the reports of real scans over the shared fixtures and this test's inputs.
fn ids_from_real_reports() -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    let ingress = fixtures().join("k8s-corpus/rendered/ingress-nginx");
    all.extend(ids(&report(&[
        "scan",
        "k8s",
        ingress.to_str().unwrap(),
        "-f",
        "json",
    ])));
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/k8s_secrets/manifests.yaml");
    all.extend(ids(&report(&[
        "scan",
        "k8s",
        manifests.to_str().unwrap(),
        "-f",
        "json",
    ])));
    let img = image("oci-mini:bookworm-app");
    for license in [
        ["--deny-license", "GPL-3.0-only"],
        ["--allow-license", "MIT"],
    ] {
        all.extend(ids(&report(&[
            "scan",
            "image",
            &img,
            "--no-vulns",
            "-q",
            "-f",
            "json",
            license[0],
            license[1],
        ])));
    }
    let dir = tempfile::tempdir().unwrap();
    repo_with_problems(dir.path());
    let hsb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-malware/testdata/eicar.hsb");
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("licenses.yaml");
    std::fs::write(&policy, "unlicensed: true\n").unwrap();
    all.extend(ids(&report(&[
        "scan",
        "fs",
        dir.path().to_str().unwrap(),
        "--no-vulns",
        "--malware-rules",
        hsb.to_str().unwrap(),
        "--license-policy",
        policy.to_str().unwrap(),
        "-q",
        "-f",
        "json",
    ])));
    all
}

#[test]
fn every_id_in_real_reports_has_a_page() {
    let found = ids_from_real_reports();
    // Each family must have shown up, or this test would pass without checking it.
    let has =
        |kind: &str, pred: &dyn Fn(&str) -> bool| found.iter().any(|(k, id)| k == kind && pred(id));
    assert!(
        has("misconfiguration", &|i| i.starts_with("BW-K8S-")),
        "{found:?}"
    );
    assert!(
        has("misconfiguration", &|i| i.starts_with("BW-IMG-")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(_, i)| i.starts_with("BW-DF-")),
        "{found:?}"
    );
    assert!(has("secret", &|_| true), "{found:?}");
    assert!(has("license", &|i| i == "BW-LIC-0001"), "{found:?}");
    assert!(has("license", &|i| i == "BW-LIC-0002"), "{found:?}");
    assert!(has("license", &|i| i == "BW-LIC-0003"), "{found:?}");
    assert!(
        has("malware", &|i| i == "Eicar-Test-Signature"),
        "{found:?}"
    );
    assert!(has("malware", &|i| i.contains('.')), "{found:?}");

    let mut failures = Vec::new();
    for (kind, id) in &found {
        if kind == "vulnerability" {
            continue;
        }
        let out = bulwark(&["rule", id]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0)
            || !stdout.contains("## What it does")
            || !stdout.contains("## Fix")
            || !stdout.contains(id.as_str())
        {
            failures.push(format!(
                "{kind} {id}: exit {:?}\n{stdout}{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `rule all`: a heading per family and, under it, id, name, severity and title in columns that start at the
/// same offset on every line of the family's block.
#[test]
fn rule_all_lists_every_family_in_aligned_columns() {
    let out = bulwark(&["rule", "all"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .collect();
    for fam in [
        "(k8s)",
        "(image)",
        "(dockerfile)",
        "(secrets)",
        "(license)",
        "(malware)",
    ] {
        assert!(
            headings.iter().any(|h| h.contains(fam)),
            "no {fam} heading in {headings:?}"
        );
    }
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(rows.len() > 100, "{} rows", rows.len());
    // Within each family, every row's columns start where the first row's do: where a non-space follows two
    // spaces.
    let starts = |l: &str| -> Vec<usize> {
        let b = l.as_bytes();
        (2..b.len())
            .filter(|&i| b[i] != b' ' && b[i - 1] == b' ' && b[i - 2] == b' ')
            .collect()
    };
    for block in text.split("\n\n") {
        let block_rows: Vec<&str> = block.lines().filter(|l| l.starts_with("  ")).collect();
        let first = starts(block_rows[0]);
        // Id (at offset 2), name, severity, title.
        assert!(first.len() >= 4 && first[0] == 2, "{:?}", block_rows[0]);
        let cols = &first[..4];
        for r in &block_rows {
            let fields: Vec<&str> = r.split_whitespace().collect();
            for (c, f) in cols[..3].iter().zip(&fields) {
                assert_eq!(&r[*c..*c + f.len()], *f, "misaligned: {r:?}");
                assert_eq!(&r[*c - 2..*c], "  ", "misaligned: {r:?}");
            }
            assert_ne!(r.as_bytes()[cols[3]], b' ', "title misaligned: {r:?}");
            assert_eq!(&r[cols[3] - 2..cols[3]], "  ", "title misaligned: {r:?}");
        }
    }
    // The ids found by real scans are listed (malware signature names from databases are not rules).
    for (kind, id) in ids_from_real_reports() {
        if kind == "vulnerability" || id.contains('.') {
            continue;
        }
        assert!(
            rows.iter()
                .any(|r| r.split_whitespace().next() == Some(id.as_str())),
            "{id} not in `rule all`"
        );
    }
    // One family alone.
    let out = bulwark(&["rule", "license"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  ")).count(),
        3,
        "{text}"
    );
}

#[test]
fn lookup_is_case_insensitive_by_id_and_name() {
    let canonical = bulwark(&["rule", "BW-K8S-0002"]);
    assert_eq!(canonical.status.code(), Some(0));
    for key in [
        "bw-k8s-0002",
        "privileged-container",
        "PRIVILEGED-CONTAINER",
    ] {
        let out = bulwark(&["rule", key]);
        assert_eq!(out.status.code(), Some(0), "{key}");
        assert_eq!(out.stdout, canonical.stdout, "{key}");
    }
    // ClamAV's names for the EICAR file lead to the built-in signature's page.
    let out = bulwark(&["rule", "win.test.eicar_hdb-1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("# eicar-test-file"));
}

#[test]
fn unknown_ids_exit_2_with_close_matches() {
    let out = bulwark(&["rule", "privileged-contianer"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no rule 'privileged-contianer'")
            && err.contains("Did you mean BW-K8S-0002 (privileged-container)"),
        "{err}"
    );
    let out = bulwark(&["rule", "no-such-thing-at-all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bulwark rule all"));
}

#[test]
fn advisories_are_not_rules_and_point_to_explain() {
    for id in ["CVE-2024-3651", "GHSA-jfh8-c2jp-5v3q", "PYSEC-2021-19"] {
        let out = bulwark(&["rule", id]);
        assert_eq!(out.status.code(), Some(2), "{id}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("--explain {id}")), "{id}: {err}");
    }
}

/// Relative path → content of every file under `dir`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn checked_in_docs_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bulwark(&["rule", "--write-docs", tmp.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = tree(tmp.path());
    assert!(
        fresh.contains_key("README.md") && fresh.len() > 100,
        "{} files",
        fresh.len()
    );
    let checked_in = tree(&repo_root().join("docs/rules"));
    let mut problems = Vec::new();
    for (p, text) in &fresh {
        match checked_in.get(p) {
            None => problems.push(format!("missing {p}")),
            Some(old) if old != text => problems.push(format!("differs {p}")),
            Some(_) => {}
        }
    }
    problems.extend(
        checked_in
            .keys()
            .filter(|p| !fresh.contains_key(*p))
            .map(|p| format!("no longer generated {p}")),
    );
    assert!(
        problems.is_empty(),
        "docs/rules is stale: run `cargo run -p bulwark -- rule --write-docs docs/rules` from the repository \
         root and commit the result:\n  {}",
        problems.join("\n  ")
    );
    // Every page is reachable from the index.
    let index = String::from_utf8_lossy(&fresh["README.md"]);
    for p in fresh.keys().filter(|p| *p != "README.md") {
        assert!(
            index.contains(&format!("]({p})")),
            "{p} not linked from README.md"
        );
    }
}

/// Regenerating over an old tree removes pages of rules that no longer exist, and only those.
#[test]
fn write_docs_removes_stale_pages_only() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("k8s")).unwrap();
    std::fs::write(tmp.path().join("k8s/BW-K8S-9999.md"), "# gone\n").unwrap();
    std::fs::write(tmp.path().join("k8s/notes.txt"), "keep\n").unwrap();
    let out = bulwark(&["rule", "--write-docs", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!tmp.path().join("k8s/BW-K8S-9999.md").exists());
    assert!(tmp.path().join("k8s/notes.txt").exists());
    assert!(tmp.path().join("k8s/BW-K8S-0002.md").exists());
}
