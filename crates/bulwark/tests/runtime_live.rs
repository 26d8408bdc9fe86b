//! `bulwark runtime watch` on this machine's kernel, with a SQLite store holding an SBOM fixture (coreutils and
//! dash, file lists from this machine's dpkg lists): learning, lock, a deviation for a new binary, drift for a
//! copied binary no package owns; the learned baseline lands in the store, and `runtime baseline` shows, locks
//! and resets it.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DIGEST: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

fn bulwark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
}

/// Runs `path args` with a piped stdin, lets it live 150 ms (so `/proc` is there when the exec is read), then
/// closes its stdin and reaps it.
fn run(path: &std::path::Path, args: &[&str]) {
    let mut c: Child = Command::new(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    drop(c.stdin.take());
    c.wait().unwrap();
}

/// ns since the epoch of `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (days from the civil date, proleptic Gregorian).
fn iso_ns(text: &str) -> i64 {
    let n = |a: usize, b: usize| text[a..b].parse::<i64>().unwrap();
    let (y, m, day) = (n(0, 4), n(5, 7), n(8, 10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) * 1_000_000_000) + n(20, 29)
}

fn canon(p: &str) -> String {
    std::fs::canonicalize(p).unwrap().display().to_string()
}

#[test]
fn watch_learns_locks_reports_deviation_and_drift_and_the_store_keeps_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let sbom = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bulwark-runtime/tests/fixtures/sbom-coreutils-dash.json"
    ))
    .unwrap();
    bulwark_store::Store::open(&store)
        .unwrap()
        .put_image(DIGEST, &[], &sbom, &[], 1)
        .unwrap();
    let copy = dir.path().join("sleepy");
    std::fs::copy("/bin/sleep", &copy).unwrap();

    let me = std::process::id().to_string();
    // proc.pname of the processes this test starts: this process's name as the kernel keeps it.
    let parent_comm = std::fs::read_to_string(format!("/proc/{me}/comm"))
        .unwrap()
        .trim()
        .to_owned();
    let mut w = bulwark()
        .args(["runtime", "watch", "--store", &store, "--pid-tree", &me])
        .args(["--host-image", DIGEST, "--host-container", "app"])
        .args([
            "--learn-for",
            "0",
            "--learn-events",
            "3",
            "--max-events",
            "6",
        ])
        .args(["--duration", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(w.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    // Read alerts as they come, noting when each arrived.
    let out = w.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map(|l| {
                let at = i64::try_from(
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap()
                        .as_nanos(),
                )
                .unwrap();
                (l.unwrap(), at)
            })
            .collect::<Vec<_>>()
    });

    // Learning: three executions (sleep, sleep, sh).
    run("/bin/sleep".as_ref(), &["0.15"]);
    run("/bin/sleep".as_ref(), &["0.15"]);
    run("/bin/sh".as_ref(), &["-c", "read x"]);
    // Locked: sleep is known; cat is new; the copy is new and owned by no package.
    run("/bin/sleep".as_ref(), &["0.15"]);
    run("/bin/cat".as_ref(), &["-"]);
    run(&copy, &["0.15"]);

    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = w.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "watch did not stop after 6 events");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    let lines = reader.join().unwrap();
    let alerts: Vec<(serde_json::Value, i64)> = lines
        .iter()
        .map(|(l, at)| (serde_json::from_str(l).unwrap(), *at))
        .collect();
    let summary: Vec<(String, String)> = alerts
        .iter()
        .map(|(a, _)| {
            (
                a["rule"].as_str().unwrap().to_owned(),
                a["output_fields"]["proc.exepath"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let copy_path = canon(copy.to_str().unwrap());
    assert_eq!(
        summary,
        vec![
            ("Baseline Deviation".to_owned(), canon("/bin/cat")),
            (
                "Drift: Unowned Binary Executed".to_owned(),
                copy_path.clone()
            ),
            ("Baseline Deviation".to_owned(), copy_path),
        ],
        "{lines:?}"
    );
    for (a, at) in &alerts {
        // Falco's json_output shape.
        for k in [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time",
        ] {
            assert!(a.get(k).is_some(), "{k} missing in {a}");
        }
        assert_eq!(a["source"], "syscall");
        let t = a["time"].as_str().unwrap();
        assert!(t.ends_with('Z') && t.len() == 30, "{t}");
        assert_eq!(a["output_fields"]["proc.pname"], parent_comm.as_str());
        let latency_ms = (at - iso_ns(t)) as f64 / 1e6;
        println!(
            "{}: exec → alert line latency {latency_ms:.3} ms",
            a["rule"]
        );
        assert!((0.0..500.0).contains(&latency_ms), "{latency_ms} ms");
    }
    assert_eq!(alerts[1].0["priority"], "Critical");
    assert_eq!(alerts[0].0["priority"], "Warning");
    assert_eq!(alerts[0].0["output_fields"]["proc.cmdline"], "cat -");
    assert!(rest.contains("\"events\":6"), "{rest}");

    // The store has the learned, locked baseline.
    let show = bulwark()
        .args(["runtime", "baseline", "show", "--json", "--store", &store])
        .output()
        .unwrap();
    assert!(show.status.success());
    let bs: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(bs[0]["image_digest"], DIGEST);
    assert_eq!(bs[0]["container"], "app");
    assert_eq!(bs[0]["state"], "locked");
    assert_eq!(bs[0]["events"], 3);
    let mut learned: Vec<&str> = bs[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[1].as_str().unwrap())
        .collect();
    learned.sort_unstable();
    let mut want = vec![canon("/bin/sleep"), canon("/bin/sh")];
    want.sort();
    assert_eq!(learned, want);

    // Reset needs a filter or --all; then the baseline learns again, empty.
    let bad = bulwark()
        .args(["runtime", "baseline", "reset", "--store", &store])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--all"));
    let ok = bulwark()
        .args([
            "runtime", "baseline", "reset", "--image", DIGEST, "--store", &store,
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "reset 1 baseline(s)"
    );
    let show = bulwark()
        .args([
            "runtime",
            "baseline",
            "show",
            "--store",
            &store,
            "--container",
            "app",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains(" app  learning  0 events  0 entries"),
        "{text}"
    );
    let lock = bulwark()
        .args([
            "runtime",
            "baseline",
            "lock",
            "--container",
            "app",
            "--store",
            &store,
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&lock.stdout).trim(),
        "locked 1 baseline(s)"
    );
}
