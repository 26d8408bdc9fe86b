//! `bulwark runtime watch` on this machine's kernel, with a SQLite store holding an SBOM fixture (coreutils and
//! dash, file lists from this machine's dpkg lists): learning, lock, a deviation for a new binary, drift for a
//! copied binary no package owns; the learned baseline lands in the store, and `runtime baseline` shows, locks
//! and resets it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DIGEST: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

fn bulwark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
}

/// ns since the epoch of `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (days from the civil date, proleptic Gregorian).
fn iso_ns(text: &str) -> i64 {
    let n = |a: usize, b: usize| text[a..b].parse::<i64>().unwrap();
    let (y, m, day) = (n(0, 4), n(5, 7), n(8, 10));
    let days = bulwark_types::time::days_from_civil(y, m, day);
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

    // The workload: one shell (the root of the watched tree, so that processes other tests start at the same
    // time are not watched) that waits for a line, then runs, each living about 150 ms so that /proc is there:
    // learning (sleep, sh, sleep inside it), locked (sleep twice: known; cat: new; the copy: new and owned by
    // no package).
    let mut workload = Command::new("/bin/sh")
        .args([
            "-c",
            "read go; /bin/sleep 0.15; /bin/sh -c '/bin/sleep 0.15; exit 0'; /bin/sleep 0.15; \
             /bin/sleep 0.15 | /bin/cat -; \"$1\" 0.15",
            "sh",
        ])
        .arg(&copy)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let root = workload.id().to_string();
    let mut w = bulwark()
        .args(["runtime", "watch", "--store", &store, "--pid-tree", &root])
        .args(["--host-image", DIGEST, "--host-container", "app"])
        .args([
            "--learn-for",
            "0",
            "--learn-events",
            "3",
            "--max-events",
            "7",
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
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());

    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = w.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "watch did not stop after 7 events");
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
        // Their parent is the workload shell, /bin/sh: the kernel names it `sh`.
        assert_eq!(a["output_fields"]["proc.pname"], "sh");
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
    assert!(rest.contains("\"events\":7"), "{rest}");

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

fn documents(yaml: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| serde_json::Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn helm_template(sets: &[&str]) -> Vec<serde_json::Value> {
    let helm = bulwark_k8s::find_tool("helm")
        .expect("helm is missing (../shared/tools/install-peers.sh): run .ci/install-deps.sh");
    let mut cmd = Command::new(helm);
    cmd.args([
        "template",
        "bulwark",
        "deploy/helm/bulwark",
        "--namespace",
        "bulwark",
    ])
    .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    for s in sets {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    documents(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn the_chart_renders_the_watch_daemonset_only_when_enabled_with_what_the_connector_needs() {
    let off = helm_template(&[]);
    assert!(!off.iter().any(|d| d["kind"] == "DaemonSet"));
    let on = helm_template(&["runtimeWatch.enabled=true", "runtimeWatch.learnEvents=5"]);
    let ds: Vec<_> = on.iter().filter(|d| d["kind"] == "DaemonSet").collect();
    assert_eq!(ds.len(), 1);
    let pod = &ds[0]["spec"]["template"]["spec"];
    assert_eq!(pod["hostPID"], true);
    assert_eq!(pod["hostNetwork"], true);
    let c = &pod["containers"][0];
    assert_eq!(
        c["securityContext"]["capabilities"]["drop"],
        serde_json::json!(["ALL"])
    );
    assert_eq!(
        c["securityContext"]["capabilities"]["add"],
        serde_json::json!(["NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"])
    );
    assert_eq!(c["securityContext"]["privileged"], false);
    assert_eq!(c["securityContext"]["runAsUser"], 0);
    // The webhook's Deployment (and so its Service and PodDisruptionBudget) never selects the watch pods.
    let deploy = on.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let wanted = deploy["spec"]["selector"]["matchLabels"]
        .as_object()
        .unwrap();
    let labels = ds[0]["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .unwrap();
    assert!(wanted.iter().any(|(k, v)| labels.get(k) != Some(v)));
    // The rendered arguments are ones `bulwark` accepts: run them for a moment on this node.
    let args: Vec<String> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(&args[..2], ["runtime", "watch"]);
    assert!(args.contains(&"--learn-events=5".to_owned()));
    let out = bulwark()
        .args(&args)
        .args(["--duration", "200ms"])
        .env_remove("BULWARK_STORE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"syscall_event_drops\""));
}

/// A cgroup v1 `pids` group named as Docker names a container's (`/docker/<64 hex>`), removed on drop.
struct DockerCgroup {
    dir: std::path::PathBuf,
    id: String,
}

impl DockerCgroup {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let id = format!("{:032x}{:032x}", nanos, u128::from(std::process::id()));
        let dir = std::path::Path::new("/sys/fs/cgroup/pids/docker").join(&id);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (the test needs root and the cgroup v1 pids hierarchy)",
                dir.display()
            )
        });
        DockerCgroup { dir, id }
    }
}

impl Drop for DockerCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn a_container_found_by_its_cgroup_gets_pod_and_digest_from_the_store() {
    const WEB: &str = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let sbom = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bulwark-runtime/tests/fixtures/sbom-coreutils-dash.json"
    ))
    .unwrap();
    let cg = DockerCgroup::new();
    {
        let s = bulwark_store::Store::open(&store).unwrap();
        s.put_image(WEB, &[], &sbom, &[], 1).unwrap();
        s.put_containers(
            &[bulwark_store::ContainerRecord {
                container_id: cg.id.clone(),
                cluster: "prod".into(),
                namespace: "shop".into(),
                pod: "web-1".into(),
                pod_uid: "0a1b2c3d-1111-2222-3333-444455556666".into(),
                container: "web".into(),
                image: "registry.example/web:1".into(),
                digest: WEB.into(),
                workload_kind: "Deployment".into(),
                workload_name: "web".into(),
            }],
            1,
        )
        .unwrap();
    }
    let copy = dir.path().join("dropped");
    std::fs::copy("/bin/sleep", &copy).unwrap();
    // The workload shell joins the container's cgroup, waits for a line, then runs an owned binary and the copy.
    let mut workload = Command::new("/bin/sh")
        .args([
            "-c",
            "echo $$ > \"$2/cgroup.procs\"; read go; /bin/sleep 0.15; \"$1\" 0.15",
            "sh",
        ])
        .arg(&copy)
        .arg(&cg.dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let root = workload.id().to_string();
    let mut w = bulwark()
        .args(["runtime", "watch", "--store", &store, "--pid-tree", &root])
        .args([
            "--learn-for",
            "0",
            "--learn-events",
            "100",
            "--max-events",
            "2",
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
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());
    let out = w.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(out.status.success(), "{rest}");
    let alerts: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Learning: no deviation; the copy is drift, and the alert names the container, pod and image.
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a["rule"], "Drift: Unowned Binary Executed");
    let f = &a["output_fields"];
    assert_eq!(f["proc.exepath"], canon(copy.to_str().unwrap()).as_str());
    assert_eq!(f["container.id"], &cg.id[..12]);
    assert_eq!(f["container.name"], "web");
    assert_eq!(f["container.image.digest"], WEB);
    assert_eq!(f["k8s.ns.name"], "shop");
    assert_eq!(f["k8s.pod.name"], "web-1");
    // The baseline is the container's: (digest, container name), still learning.
    let b = bulwark_store::Store::open(&store)
        .unwrap()
        .baselines(Some(WEB), Some("web"))
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].state, "learning");
    assert_eq!(b[0].events, 2);
}

/// Runs `watch -f FORMAT` over a shell that runs `binary` once, with `--host-image` and the SBOM fixture; returns
/// stdout.
fn watch_one(format: &str, binary: &std::path::Path) -> String {
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
    let mut workload = Command::new("/bin/sh")
        .args(["-c", "read go; \"$1\" 0.15", "sh"])
        .arg(binary)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let root = workload.id().to_string();
    let mut w = bulwark()
        .args([
            "runtime",
            "watch",
            "-f",
            format,
            "--store",
            &store,
            "--pid-tree",
            &root,
        ])
        .args([
            "--host-image",
            DIGEST,
            "--max-events",
            "1",
            "--duration",
            "60s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(w.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());
    let out = w.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn table_and_json_formats_print_the_same_alert() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("tool");
    std::fs::copy("/bin/sleep", &copy).unwrap();
    let path = canon(copy.to_str().unwrap());
    let table = watch_one("table", &copy);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1, "{table}");
    // `<ISO time>  Critical  <rule>: <output>`
    let (time, rest) = lines[0].split_once("  ").unwrap();
    assert!(time.ends_with('Z') && time.len() == 30, "{time}");
    assert!(
        rest.starts_with("Critical  Drift: Unowned Binary Executed: "),
        "{rest}"
    );
    assert!(rest.contains(&format!("proc.exepath={path} ")), "{rest}");
    let json = watch_one("json", &copy);
    let a: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(a["rule"], "Drift: Unowned Binary Executed");
    assert_eq!(a["priority"], "Critical");
    assert_eq!(a["source"], "syscall");
    assert!(a["time_ns"].as_i64().unwrap() > 1_700_000_000_000_000_000);
    assert_eq!(a["output_fields"]["proc.exepath"], path.as_str());
}
