//! Baselines and drift on real exec events: learn, lock, report a new binary once; drift for a binary no
//! package of the SBOM fixture owns, even while learning. The fixture's file lists are this machine's dpkg lists
//! (`/var/lib/dpkg/info/coreutils.list`, `dash.list`).

mod live_support;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use bulwark_runtime::baseline::{
    BaselineKey, BaselineState, Baselines, Drift, EXEC, LearnPolicy, Observation, OwnedFiles, drift,
};
use bulwark_runtime::live::LiveOptions;
use live_support::{Seen, Watch, watch};

fn owned_files() -> OwnedFiles {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sbom-coreutils-dash.json"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let files: Vec<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["files"].as_array().unwrap().iter())
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    OwnedFiles::new(files.iter().map(String::as_str))
}

/// Runs `path args…` and returns its exec event (the child stays alive until its stdin closes or it ends).
fn run(w: &Watch, path: &std::path::Path, args: &[&str]) -> Seen {
    let mut c = Command::new(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = i64::from(c.id());
    let seen = w
        .wait_for(Duration::from_secs(5), |s| s.pid == pid)
        .unwrap_or_else(|| panic!("no exec event for {}", path.display()));
    c.stdin.take().unwrap().write_all(b"").unwrap();
    c.wait().unwrap();
    seen
}

#[test]
fn learning_locks_then_a_new_binary_deviates_and_an_unowned_one_drifts() {
    let w = watch(LiveOptions::default(), None);
    let owned = owned_files();
    assert!(owned.len() > 100);
    let key = BaselineKey {
        image_digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"
            .into(),
        container: "app".into(),
    };
    let mut bs = Baselines::new(LearnPolicy {
        window_ns: None,
        min_events: Some(4),
    });
    let dir = tempfile::tempdir().unwrap();
    let copy_a = dir.path().join("sleep-a");
    let copy_b = dir.path().join("sleep-b");
    std::fs::copy("/bin/sleep", &copy_a).unwrap();
    std::fs::copy("/bin/sleep", &copy_b).unwrap();

    let mut drifts = Vec::new();
    let mut observe = |bs: &mut Baselines, s: &Seen| {
        if let Some(d) = drift(&s.exepath, Some(&owned), s.upper, s.memfd) {
            drifts.push((s.exepath.clone(), d, bs.get(&key).map(|b| b.state)));
        }
        bs.observe(&key, EXEC, &s.exepath, s.time_ns)
    };

    // Learning: sleep (owned by coreutils), sh (dash), then the copy A (drift while learning).
    for (path, args) in [
        ("/bin/sleep", vec!["0.05"]),
        ("/bin/sh", vec!["-c", "exit 0"]),
        ("/bin/sleep", vec!["0.05"]),
    ] {
        let s = run(&w, std::path::Path::new(path), &args);
        assert!(matches!(
            observe(&mut bs, &s).0,
            Observation::Learned { .. }
        ));
    }
    let s = run(&w, &copy_a, &["0.05"]);
    assert_eq!(observe(&mut bs, &s).0, Observation::Learned { new: true });
    assert_eq!(bs.get(&key).unwrap().state, BaselineState::Learning);

    // Locked from here: sleep is known, cat is new (a deviation, reported once), copy B deviates and drifts.
    let s = run(&w, std::path::Path::new("/bin/sleep"), &["0.05"]);
    assert_eq!(observe(&mut bs, &s).0, Observation::Known);
    assert_eq!(bs.get(&key).unwrap().state, BaselineState::Locked);
    let s = run(&w, std::path::Path::new("/bin/cat"), &["-"]);
    let (o, dev) = observe(&mut bs, &s);
    assert_eq!(o, Observation::Deviation);
    assert_eq!(
        dev.unwrap().value,
        std::fs::canonicalize("/bin/cat").unwrap().to_str().unwrap()
    );
    let s = run(&w, std::path::Path::new("/bin/cat"), &["-"]);
    assert_eq!(observe(&mut bs, &s), (Observation::Deviation, None));
    let s = run(&w, &copy_b, &["0.05"]);
    assert_eq!(observe(&mut bs, &s).0, Observation::Deviation);

    let canon = |p: &std::path::Path| std::fs::canonicalize(p).unwrap().display().to_string();
    assert_eq!(
        drifts,
        vec![
            (
                canon(&copy_a),
                Drift::Unowned,
                Some(BaselineState::Learning)
            ),
            (canon(&copy_b), Drift::Unowned, Some(BaselineState::Locked)),
        ]
    );
    w.finish();
}
