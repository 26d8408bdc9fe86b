//! Baselines learned from capture files (`runtime replay CAPTURE --baseline-image D --store S`): the network
//! destinations a capture connects to are learned, a locked baseline alerts on a destination it has not learned,
//! once, and the store shares the result with `runtime baseline show`.
//!
//! The expected destinations are those the capture README (`../shared/fixtures/upstream/scap/README.md`) and
//! upstream's `test/libsinsp_e2e/ipv6.cpp` describe for each capture, not this code's output: curl_google does a
//! DNS query to `2001:4860:4860::8888:53` over UDP and HTTP to `2607:f8b0:4004:802::2004:80` over TCP;
//! test_ipv6_client connects to `::1:2345` and to `2001:4860:4860::8888:53`; single_ipv6_conn's client connects
//! to `2001:db8::3:1234` over TCP.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scap(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/upstream/scap")
        .join(name)
}

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/upstream/falco-rules/falco_rules.yaml")
}

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn replay(capture: &str, store: Option<&Path>) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.args(["runtime", "replay"])
        .arg(scap(capture))
        .arg("--rules")
        .arg(rules());
    c.args([
        "-f",
        "falco-json",
        "--baseline-image",
        DIGEST,
        "--baseline-container",
        "client",
    ]);
    if let Some(s) = store {
        c.arg("--store").arg(s);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bulwark(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deviations(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["rule"] == "Baseline Deviation")
        .map(|v| {
            let out = v["output"].as_str().unwrap();
            let at = out.find("net=").expect("a network deviation") + 4;
            out[at..].split(' ').next().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn a_capture_teaches_its_destinations_and_a_locked_baseline_flags_new_ones_once() {
    if !scap("curl_google.scap").exists() {
        eprintln!("skipped: ../shared/fixtures/upstream/scap is not here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.db");
    let s = store.to_str().unwrap();

    // Learning: no deviation, exit 0 (no stable rule fires on this capture).
    let (code, stdout, stderr) = replay("curl_google.scap", Some(&store));
    assert_eq!(code, 0, "{stderr}");
    assert!(deviations(&stdout).is_empty());
    let shown = bulwark(&["runtime", "baseline", "show", "--store", s]);
    let mut nets: Vec<&str> = shown
        .lines()
        .filter_map(|l| l.trim().strip_prefix("net"))
        .map(str::trim)
        .collect();
    nets.sort_unstable();
    assert_eq!(
        nets,
        [
            "[2001:4860:4860::8888]:53/udp",
            "[2607:f8b0:4004:802::2004]:80/tcp"
        ],
        "{shown}"
    );
    assert!(shown.contains("learning"), "{shown}");

    bulwark(&[
        "runtime", "baseline", "lock", "--image", DIGEST, "--store", s,
    ]);

    // Locked: test_ipv6_client's DNS server is known, ::1:2345 is new.
    let (code, stdout, stderr) = replay("test_ipv6_client.scap", Some(&store));
    assert_eq!(code, 1, "a deviation is an alert: {stderr}");
    assert_eq!(deviations(&stdout), ["[::1]:2345/udp"], "{stdout}");
    // single_ipv6_conn's client connects somewhere new over TCP; reported once although the capture holds it once
    // per connect attempt.
    let (_, stdout, _) = replay("single_ipv6_conn.scap", Some(&store));
    assert_eq!(deviations(&stdout), ["[2001:db8::3]:1234/tcp"], "{stdout}");
    // The capture it learned from deviates in nothing, and locking kept the entries.
    let (code, stdout, _) = replay("curl_google.scap", Some(&store));
    assert_eq!((code, deviations(&stdout).len()), (0, 0));
    let shown = bulwark(&["runtime", "baseline", "show", "--store", s]);
    assert!(
        shown.contains("locked") && !shown.contains("::1]:2345"),
        "a locked baseline learns nothing: {shown}"
    );

    // Without a store there is nothing locked to deviate from.
    let (code, stdout, _) = replay("test_ipv6_client.scap", None);
    assert_eq!((code, deviations(&stdout).len()), (0, 0));
}
