//! Red-team regressions for hostile image layers (`../shared/redteam/README.md`; the case numbers are theirs):
//! small inputs generated here, a deadline per run, assertions on what a user sees. CI runs this file under
//! `prlimit --as=1G`.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::oci::{entry, file, gzip, layout, tar};

/// Runs bulwark with a deadline; a run that is still going then is killed and fails the test.
fn run(args: &[&str], deadline: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
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
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bulwark {args:?} still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn sbom_json(img: &Path, deadline: Duration) -> (Output, serde_json::Value) {
    let out = run(
        &["sbom", "-f", "json", "-q", img.to_str().unwrap()],
        deadline,
    );
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}, stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, v)
}

const OS_RELEASE: &str = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

/// A dpkg status file of `n` packages.
fn status(n: usize) -> String {
    use std::fmt::Write as _;
    (0..n).fold(String::new(), |mut s, i| {
        let _ = write!(
            s,
            "Package: pkg{i}\nStatus: install ok installed\nVersion: 1.0-{i}\nArchitecture: amd64\nDescription: x\n\n"
        );
        s
    })
}

/// #2: one layer blob listed many times in the manifest. Each position used to keep its own copy of the
/// wanted files (and the dpkg cataloger parsed one snapshot per position): 300 x 4 MiB is over the 1 GiB
/// address-space cap CI runs this file under. Read once, shared, the positions cost nothing.
#[test]
fn a_blob_listed_many_times_is_read_once() {
    let t = tempfile::tempdir().unwrap();
    let n = 50_000;
    let s = status(n);
    assert!(s.len() > 4 << 20);
    let layer = gzip(&tar(&[
        file("etc/os-release", OS_RELEASE),
        file("var/lib/dpkg/status", &s),
    ]));
    let layers = vec![layer; 300];
    let img = t.path().join("img");
    layout(&img, &layers, &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_mins(1));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), n);
    // The first position brought every package in.
    assert!(pkgs.iter().all(|p| p["layer"]["index"] == 0), "{}", pkgs[0]);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
}

/// #2, the merge side: a blob repeated around another layer still applies at each position, in order. A
/// later copy of the base brings back the file the middle layer deleted.
#[test]
fn a_repeated_blob_applies_at_every_position() {
    let t = tempfile::tempdir().unwrap();
    let base = gzip(&tar(&[
        file("etc/os-release", OS_RELEASE),
        file(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b13\n",
        ),
    ]));
    let wipe = gzip(&tar(&[entry("var/lib/dpkg/.wh.status", b'0', "", b"")]));
    let img = t.path().join("img");
    layout(&img, &[base.clone(), wipe.clone(), base.clone()], &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0));
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 1, "{v:#}");
    assert_eq!(pkgs[0]["layer"]["index"], 2, "{}", pkgs[0]);

    let img2 = t.path().join("img2");
    layout(&img2, &[base.clone(), base, wipe], &[], &[]);
    let (out, v) = sbom_json(&img2, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["packages"].as_array().unwrap().len(), 0, "{v:#}");
}
