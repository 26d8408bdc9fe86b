//! `bulwark report merge` on real tools' SARIF (semgrep, checkov, trivy) made here from a small fixture repository
//! with deliberate issues (crates/bulwark-consolidate/tests/fixtures/repo): the counts are preserved (each tool's
//! results counted independently with jq), a file merged with itself collapses, the merged SARIF validates
//! against the OASIS SARIF 2.1.0 schema. Then Trivy + Grype JSON naming the same CVE, and hostile inputs:
//! truncated JSON, a tar bomb, and a SARIF log of a million results read in bounded memory.
//!
//! A tool that is not installed skips its part with a printed reason, unless CI=true: then it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn consolidate_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-consolidate/tests/fixtures")
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The tool's executable: `$BULWARK_<NAME>`, then PATH, then the given fallbacks.
fn find_tool(name: &str, fallbacks: &[PathBuf]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(format!("BULWARK_{}", name.to_ascii_uppercase())) {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| fallbacks.iter().find(|p| p.is_file()).cloned())
}

fn home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
}

/// Runs `cmd` with a deadline, failing the test with its output when it neither succeeds nor exits with one of
/// `ok_codes` (checkov exits 1 when it found something).
fn run_tool(mut cmd: Command, ok_codes: &[i32], deadline: Duration) {
    let what = format!("{cmd:?}");
    cmd.stdin(Stdio::null());
    let out = common::output_within(cmd, deadline);
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ok_codes.contains(&code),
        "{what} exited {code}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Results a SARIF log holds that are findings (kind absent, fail, open, review or informational; not pass or
/// notApplicable), counted by jq: independent of the reader under test.
fn jq_count(sarif: &Path) -> usize {
    let out = Command::new("jq")
        .args([
            "[.runs[].results[]? | select((.kind // \"fail\") as $k | ($k != \"pass\" and $k != \"notApplicable\"))] | length",
        ])
        .arg(sarif)
        .output()
        .expect("jq (apt-get install jq)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn merge(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["report", "merge"];
    all.extend_from_slice(args);
    common::json(&all)
}

fn findings(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["findings"].as_array().expect("findings")
}

type Producer = fn(&Path, &Path, &Path) -> Option<PathBuf>;

/// semgrep with the fixture's local rules, offline.
fn semgrep(repo: &Path, rules: &Path, out: &Path) -> Option<PathBuf> {
    let exe = find_tool(
        "semgrep",
        &[PathBuf::from("/opt/bulwark-semgrep-venv/bin/semgrep")],
    )?;
    let sarif = out.join("semgrep.sarif");
    let mut cmd = Command::new(exe);
    cmd.current_dir(repo)
        .args(["scan", "--config"])
        .arg(rules)
        .args([
            "--metrics=off",
            "--disable-version-check",
            "--no-git-ignore",
            "--sarif",
            "-o",
        ])
        .arg(&sarif)
        .arg(".")
        .env("SEMGREP_SEND_METRICS", "off");
    run_tool(cmd, &[0], Duration::from_mins(5));
    Some(sarif)
}

fn checkov(repo: &Path, _rules: &Path, out: &Path) -> Option<PathBuf> {
    let exe = find_tool(
        "checkov",
        &[home().join(".cache/bulwark-peers/bin/checkov")],
    )?;
    let dir = out.join("checkov");
    let mut cmd = Command::new(exe);
    cmd.current_dir(repo)
        .args([
            "-d",
            ".",
            "-o",
            "sarif",
            "--skip-download",
            "--output-file-path",
        ])
        .arg(&dir)
        .env("BC_SKIP_MAPPING", "TRUE");
    run_tool(cmd, &[0, 1], Duration::from_mins(5));
    Some(dir.join("results_sarif.sarif"))
}

fn trivy(repo: &Path, _rules: &Path, out: &Path) -> Option<PathBuf> {
    let exe = find_tool("trivy", &[home().join(".cache/bulwark-peers/bin/trivy")])?;
    let sarif = out.join("trivy.sarif");
    let mut cmd = Command::new(exe);
    cmd.current_dir(repo)
        .args([
            "config",
            "--skip-check-update",
            "--quiet",
            "-f",
            "sarif",
            "-o",
        ])
        .arg(&sarif)
        .arg(".")
        .env("TRIVY_CACHE_DIR", out.join("trivy-cache"));
    run_tool(cmd, &[0], Duration::from_mins(5));
    Some(sarif)
}

#[test]
fn real_tools_sarif_merges_with_counts_preserved_duplicates_collapsed_and_valid_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    // A copy outside the repository: semgrep skips files git does not track and `tests/` paths.
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    for e in std::fs::read_dir(consolidate_fixtures().join("repo")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), repo.join(e.file_name())).unwrap();
    }
    let rules = consolidate_fixtures().join("semgrep-rules.yaml");
    let tools: [(&str, Producer); 3] =
        [("semgrep", semgrep), ("checkov", checkov), ("trivy", trivy)];
    // The three tools run at once (checkov and trivy take 15–25 s each).
    let produced: Vec<(&str, Option<PathBuf>)> = std::thread::scope(|s| {
        let handles: Vec<_> = tools
            .iter()
            .map(|(name, f)| {
                let (repo, rules, out) = (&repo, &rules, tmp.path());
                (*name, s.spawn(move || f(repo, rules, out)))
            })
            .collect();
        handles
            .into_iter()
            .map(|(n, h)| (n, h.join().expect("tool thread")))
            .collect()
    });
    let mut sarifs = Vec::new();
    for (name, sarif) in produced {
        match sarif {
            Some(p) => sarifs.push((name, p)),
            None if under_ci() => {
                panic!("{name} is not installed, and CI=true (see .ci/install-deps.sh)")
            }
            None => eprintln!(
                "skipping {name}: not installed (set BULWARK_{} or put it on PATH)",
                name.to_uppercase()
            ),
        }
    }
    if sarifs.is_empty() {
        return;
    }
    let mut total = 0;
    for (name, sarif) in &sarifs {
        let expected = jq_count(sarif);
        // The fixture has deliberate issues for every tool: an empty result would test nothing.
        assert!(expected >= 2, "{name} found only {expected} results");
        total += expected;
        let s = sarif.to_str().unwrap();
        let alone = merge(&[s]);
        assert_eq!(
            findings(&alone).len(),
            expected,
            "{name}: findings in = findings out"
        );
        let tool_names: Vec<&str> = findings(&alone)
            .iter()
            .map(|f| f["properties"]["sources"][0].as_str().unwrap())
            .collect();
        let driver = std::process::Command::new("jq")
            .args(["-r", ".runs[0].tool.driver.name"])
            .arg(sarif)
            .output()
            .unwrap();
        let driver = String::from_utf8_lossy(&driver.stdout).trim().to_owned();
        assert!(
            tool_names.iter().all(|t| *t == driver),
            "{name}: {tool_names:?} vs {driver}"
        );
        // Merged with itself: every finding collapses, listed once, with both reads counted.
        let twice = merge(&[s, s]);
        assert_eq!(
            findings(&twice).len(),
            expected,
            "{name} merged with itself"
        );
        let diag: Vec<&str> = twice["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert!(
            diag.iter().any(
                |m| m.contains(&format!("{expected} findings from {driver}"))
                    && m.contains(&format!("{expected} of them duplicates"))
            ),
            "{name}: {diag:#?}"
        );
    }
    // All together: no tool repeats another's rule ids, so nothing collapses.
    let all: Vec<&str> = sarifs.iter().map(|(_, p)| p.to_str().unwrap()).collect();
    let merged = merge(&all);
    assert_eq!(findings(&merged).len(), total);
    // The merged SARIF is valid SARIF 2.1.0, with one result per finding.
    let out = tmp.path().join("merged.sarif");
    let mut args = vec![
        "report",
        "merge",
        "-f",
        "sarif",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(&all);
    let o = common::bulwark(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    common::validate("sarif", &out);
    assert_eq!(jq_count(&out), total);
}

#[test]
fn trivy_and_grype_json_for_the_same_cve_collapse_and_every_format_renders() {
    let dir = consolidate_fixtures();
    let trivy = dir.join("trivy-lodash.json");
    let grype = dir.join("grype-lodash.json");
    let (tv, gr) = (trivy.to_str().unwrap(), grype.to_str().unwrap());
    let r = merge(&[tv, gr]);
    let ids: Vec<&str> = findings(&r)
        .iter()
        .map(|finding| finding["id"].as_str().unwrap())
        .collect();
    // Trivy: CVE-2021-23337 and DS002; Grype: CVE-2021-23337 (as GHSA-35jh-r3h4-6jhm) and CVE-2022-24999.
    assert_eq!(ids, ["CVE-2021-23337", "DS002", "CVE-2022-24999"]);
    assert_eq!(
        findings(&r)[0]["properties"]["sources"],
        serde_json::json!(["trivy", "grype"])
    );
    let tmp = tempfile::tempdir().unwrap();
    for fmt in bulwark_report::Format::ALL {
        let out = tmp.path().join(format!("m.{}", fmt.file_extension()));
        let o = common::bulwark(&[
            "report",
            "merge",
            tv,
            gr,
            "-f",
            fmt.as_str(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{fmt}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 0, "{fmt}");
    }
    common::validate("sarif", &tmp.path().join("m.sarif"));
}

#[test]
fn bad_inputs_exit_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let full = std::fs::read(consolidate_fixtures().join("grype-lodash.json")).unwrap();
    let cut = tmp.path().join("cut.json");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let o = common::bulwark(&["report", "merge", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}: invalid Grype JSON: EOF", cut.display())),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    // A tarball whose member claims 8 GiB.
    let mut h = [0u8; 512];
    let name = b"plugins/e2e/results/global/junit_01.xml";
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[124..136].copy_from_slice(b"77777777777\0"); // octal: 8 GiB - 1
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let bomb = tmp.path().join("bomb.tar");
    let mut data = h.to_vec();
    data.extend_from_slice(&[0u8; 1024]);
    std::fs::write(&bomb, data).unwrap();
    let o = common::bulwark(&["report", "merge", bomb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}: tarball refused: entry plugins/e2e/results/global/junit_01.xml: 8589934591 bytes",
            bomb.display()
        )),
        "{err}"
    );

    let unknown = tmp.path().join("x.sarif");
    std::fs::write(&unknown, "not json at all").unwrap();
    let o = common::bulwark(&["report", "merge", unknown.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("x.sarif: not a recognised input"));
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A million results (~100 MB) over 1,000 distinct rule/file pairs: read streaming, deduplicated as read, so the
/// peak memory stays well under the file's size (a tree of it would take about ten times the file).
#[test]
fn a_sarif_log_of_a_million_results_is_read_in_bounded_memory() {
    use std::io::Write as _;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.sarif");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        w.write_all(
            br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bulk"}},"results":["#,
        )
        .unwrap();
        for i in 0..1_000_000u32 {
            if i > 0 {
                w.write_all(b",").unwrap();
            }
            let k = i % 1000;
            write!(
                w,
                r#"{{"ruleId":"R{k}","level":"warning","message":{{"text":"finding number {k} of the bulk tool"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{k}.c"}}}}}}]}}"#
            )
            .unwrap();
        }
        w.write_all(b"]}]}").unwrap();
        w.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 100_000_000, "{size}");
    let out = tmp.path().join("merged.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["report", "merge", "-o"])
        .arg(&out)
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(k) = vm_hwm_kib(child.id()) {
            peak = peak.max(k);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_mins(5),
            "still running after 300 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(status.success());
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(findings(&r).len(), 1000);
    assert!(
        r["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000000 findings from bulk"),
        "{}",
        r["diagnostics"][0]
    );
    eprintln!("peak {peak} KiB for a {size}-byte log");
    if peak > 0 {
        assert!(peak < 96 * 1024, "peak {peak} KiB for a {size}-byte log");
    }
}
