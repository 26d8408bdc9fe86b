//! Regression tests for the red team's hostile inputs (`../shared/redteam/README.md`; the case numbers are
//! theirs), each with a small input and a deadline, so a hang fails the test instead of stalling CI. CI also
//! runs this file under `prlimit --as=1G`.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs bulwark with a deadline; a run that is still going then is killed and fails the test.
fn run(args: &[&str], dir: &Path, stdin: Stdio, deadline: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args).current_dir(dir).stdin(stdin);
    common::output_within(cmd, deadline)
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx:1.27
    securityContext: {privileged: true}
";

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}, stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (level, message and the file it names).
fn diagnostics(v: &serde_json::Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["level"].as_str().unwrap().to_string(),
                format!(
                    "{} ({})",
                    d["message"].as_str().unwrap(),
                    d["location"]["path"].as_str().unwrap_or_default()
                ),
            )
        })
        .collect()
}

/// #19: a directory symlink loop next to a manifest is a warning; the manifest is still scanned.
#[test]
fn case19_k8s_directory_symlink_loop_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("a")).unwrap();
    let out = run(
        &["scan", "k8s", "-f", "json", "."],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "BW-K8S-0002")
    );
    let d = diagnostics(&v);
    assert!(
        d.iter()
            .any(|(l, m)| l == "warning" && m.contains("symlink loop")),
        "{d:?}"
    );
}

/// #8: a FIFO and a link to /dev/zero named like manifests in a walked directory are skipped with a warning
/// (no hang, no unbounded read); the regular manifest beside them is scanned.
#[test]
fn case8_k8s_special_files_in_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let fifo = dir.path().join("x.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("z.yaml")).unwrap();
    let out = run(
        &["scan", "k8s", "-f", "json", "."],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = diagnostics(&json(&out));
    for name in ["x.yaml", "z.yaml"] {
        assert!(
            d.iter().any(|(l, m)| l == "warning"
                && m.contains("not a regular file")
                && m.contains(name)),
            "{name}: {d:?}"
        );
    }
}

/// #8: `/dev/zero` named on the command line, and as stdin, stop at the size limit with an error.
#[test]
fn case8_k8s_endless_inputs_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for (args, stdin) in [
        (
            vec!["scan", "k8s", "-f", "json", "/dev/zero"],
            Stdio::null(),
        ),
        (
            vec!["scan", "k8s", "-f", "json", "-"],
            Stdio::from(std::fs::File::open("/dev/zero").unwrap()),
        ),
    ] {
        let out = run(&args, dir.path(), stdin, Duration::from_secs(30));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let d = diagnostics(&json(&out));
        assert!(
            d.iter().any(|(l, m)| l == "error" && m.contains("limit")),
            "{args:?}: {d:?}"
        );
    }
}

/// #18: `--kustomize` never fetches a remote resource: the kustomization is refused before kustomize runs,
/// and a local HTTP server named in it sees no request.
#[test]
fn case18_kustomize_remote_resources_are_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        format!("resources:\n- pod.yaml\n- http://127.0.0.1:{port}/remote.yaml\n"),
    )
    .unwrap();
    let out = run(
        &["scan", "k8s", "--kustomize", "."],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("remote") && err.contains("remote.yaml"),
        "{err}"
    );
    assert!(listener.accept().is_err(), "the local server was contacted");
}

/// #7: `-o` never writes through a planted symlink at a predictable temporary name, and two concurrent runs
/// writing different files do not mix their outputs.
#[test]
fn case7_output_is_not_written_through_planted_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(dir.path().join("victim.txt"), "keep me\n").unwrap();
    for planted in [
        "report.bulwark-tmp",
        "report.json.bulwark-tmp",
        ".report.json.bulwark-tmp",
    ] {
        std::os::unix::fs::symlink("victim.txt", dir.path().join(planted)).unwrap();
    }
    let out = run(
        &["scan", "k8s", "-f", "json", "-o", "report.json", "pod.yaml"],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("victim.txt")).unwrap(),
        "keep me\n"
    );
    let meta = std::fs::symlink_metadata(dir.path().join("report.json")).unwrap();
    assert!(meta.is_file());
    // Concurrent runs into sibling files: each gets its own format.
    let a = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "k8s", "-f", "json", "-o", "r.json", "pod.yaml"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let b = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "k8s", "-f", "sarif", "-o", "r.sarif", "pod.yaml"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    for mut c in [a, b] {
        assert!(c.wait().unwrap().success());
    }
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert!(j["findings"].is_array());
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.sarif")).unwrap()).unwrap();
    assert!(s["runs"].is_array());
}

/// #8 (`scan fs` part): a FIFO named `.gitignore`, and a `.gitignore` linked to `/dev/zero`, neither hang nor
/// exhaust memory: like git, only a regular `.gitignore` is read, and with a bound.
#[test]
fn case8_scan_fs_special_gitignore_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo_dir = dir.path().join("a");
    let link_dir = dir.path().join("b/c");
    std::fs::create_dir_all(&fifo_dir).unwrap();
    std::fs::create_dir_all(&link_dir).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(fifo_dir.join(".gitignore"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/dev/zero", link_dir.join(".gitignore")).unwrap();
    std::fs::write(link_dir.join("requirements.txt"), "requests==2.19.0\n").unwrap();
    let out = run(
        &["scan", "fs", "--no-vulns", "-f", "json", "."],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert!(
        v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "requests"),
        "the rest of the tree is scanned"
    );
}

/// #9: a sparse 4 GiB `Dockerfile` (nothing on disk) is not read into memory: a warning names it.
#[test]
fn case9_scan_fs_huge_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("Dockerfile")).unwrap();
    f.set_len(4 << 30).unwrap();
    let out = run(
        &["scan", "fs", "--no-vulns", "-f", "json", "."],
        dir.path(),
        Stdio::null(),
        Duration::from_secs(30),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = diagnostics(&json(&out));
    assert!(
        d.iter()
            .any(|(l, m)| l == "warning" && m.contains("Dockerfile") && m.contains("limit")),
        "{d:?}"
    );
}
