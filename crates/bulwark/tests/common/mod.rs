//! Helpers shared by the CLI integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    )
}

pub fn image(name: &str) -> String {
    fixtures().join("images").join(name).display().to_string()
}

pub fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .output()
        .expect("run bulwark")
}

/// Runs bulwark and parses stdout as JSON, failing the test with stderr on a non-zero exit.
pub fn json(args: &[&str]) -> serde_json::Value {
    let out = bulwark(args);
    assert!(
        out.status.success(),
        "bulwark {args:?} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

pub fn truth(name: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/truth")
        .join(name);
    let mut v: Vec<String> = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// `name\tversion\tarch\tsource\tsourceVersion` for each OS package of a report, sorted.
pub fn inventory(report: &serde_json::Value) -> Vec<String> {
    let s = |p: &serde_json::Value, k: &str| p[k].as_str().unwrap_or("").to_string();
    let mut v: Vec<String> = report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| matches!(p["type"].as_str(), Some("dpkg" | "apk" | "rpm")))
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                s(p, "name"),
                s(p, "version"),
                s(p, "arch"),
                s(p, "sourceName"),
                s(p, "sourceVersion")
            )
        })
        .collect();
    v.sort();
    v
}

/// Line-by-line difference, for readable assertion failures.
pub fn diff(expected: &[String], actual: &[String]) -> String {
    let missing: Vec<&String> = expected.iter().filter(|e| !actual.contains(e)).collect();
    let extra: Vec<&String> = actual.iter().filter(|a| !expected.contains(a)).collect();
    format!("missing {missing:#?}\nunexpected {extra:#?}")
}

/// Fails with the pip line when the validators are not installed.
pub fn validate(kind: &str, file: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../bulwark-report/tests/validators/validate_{kind}.py"
    ));
    let python = std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .arg(&script)
        .arg(file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{kind} validation of {} failed ({:?}):\n{}{}",
        file.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
pub mod inventory;
pub mod oci;
pub mod server;

/// Runs a prepared command (arguments, directory, environment and stdin set by the caller) with its output
/// captured, draining both pipes while it runs so a large report cannot block it. A run still going at
/// `deadline` is killed and fails the test: a hang is a failure, not a stalled CI.
pub fn output_within(mut cmd: Command, deadline: std::time::Duration) -> Output {
    use std::io::Read;
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run bulwark");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {deadline:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}

/// `crates/bulwark-vulndb/testdata/<rel>`: the small hand-made and generated feeds.
pub fn vulndb_testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-vulndb/testdata")
        .join(rel)
}

/// Builds a vulnerability DB named `name` in cargo's scratch space for integration tests from `feeds`
/// (`("--osv", path)`, …) with `bulwark db build`, failing the test with its stderr if the build fails.
pub fn build_db(name: &str, feeds: &[(&str, PathBuf)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(name);
    let mut args = vec![
        "db".to_string(),
        "build".into(),
        "-q".into(),
        "-o".into(),
        db.display().to_string(),
    ];
    for (flag, path) in feeds {
        args.push((*flag).to_string());
        args.push(path.display().to_string());
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = bulwark(&a);
    assert!(
        out.status.success(),
        "db build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}
