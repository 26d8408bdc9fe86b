//! `bulwark runtime watch --store --owners` on this machine's kernel: the watcher's alerts land in the store's
//! `runtime_alerts` (keyed by source, host, pid, exec time and rule) and are queued for the team
//! that owns what they are about — `/bin/cat`, which the image's SBOM says coreutils installed in layer 0
//! (`ADD rootfs.tar.xz`), goes to that layer's owner; a copied binary no package owns goes to `defaultTeam`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIGEST: &str = "sha256:4444444444444444444444444444444444444444444444444444444444444444";

fn bulwark() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
}

fn canon(p: &str) -> String {
    std::fs::canonicalize(p).unwrap().display().to_string()
}

/// A one-request HTTP receiver on 127.0.0.1: answers 200 and hands over the request (head and body).
fn http_sink() -> (u16, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::Read as _;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let n = c.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed before the head ended");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = c.read(&mut chunk).unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
        c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .unwrap();
        tx.send((head, buf[head_end..head_end + len].to_vec()))
            .unwrap();
    });
    (port, rx)
}

// The rule lines: createdBy at 7, defaultTeam at 5.
const OWNERS: &str = "\
teams:
  platform: {channels: [{type: webhook, name: platform-hook, url: \"http://127.0.0.1:PORT/hook\"}]}
  ops: {channels: [{type: falco, name: ops-falco}]}
  unused: {}
defaultTeam: ops
rules:
  - {team: platform, createdBy: \"ADD rootfs.tar.xz *\"}
";

#[test]
fn watch_stores_alerts_once_and_queues_them_for_the_owner_of_the_files_layer() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let mut sbom: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../bulwark-runtime/tests/fixtures/sbom-coreutils-dash.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // coreutils came in with the base layer.
    sbom["packages"][0]["layer"] =
        serde_json::json!({"index": 0, "createdBy": "ADD rootfs.tar.xz / # buildkit"});
    assert_eq!(sbom["packages"][0]["name"], "coreutils");
    bulwark_store::Store::open(&store)
        .unwrap()
        .put_image(
            DIGEST,
            &[],
            serde_json::to_vec(&sbom).unwrap().as_slice(),
            &[],
            1,
        )
        .unwrap();
    let owners = dir.path().join("owners.yaml");
    let (port, received) = http_sink();
    std::fs::write(&owners, OWNERS.replace("PORT", &port.to_string())).unwrap();
    let copy = dir.path().join("sleepy");
    std::fs::copy("/bin/sleep", &copy).unwrap();

    // Learning: sleep (1 event, then locked); locked: cat (a deviation), the copy (drift and a deviation).
    let mut workload = Command::new("/bin/sh")
        .args([
            "-c",
            "read go; /bin/sleep 0.15; /bin/sleep 0.15 | /bin/cat -; \"$1\" 0.15",
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
        .args(["--owners", owners.to_str().unwrap()])
        .args(["--host-image", DIGEST, "--host-container", "app"])
        .args(["--learn-for", "0", "--learn-events", "1"])
        .args(["--max-events", "4", "--duration", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(w.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    let out = w.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    });
    workload.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(workload.wait().unwrap().success());
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = w.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "watch did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    let printed = reader.join().unwrap();
    assert_eq!(printed.len(), 3, "{printed:?}");

    let s = bulwark_store::Store::open(&store).unwrap();
    let stored = s
        .runtime_alerts(&bulwark_store::RuntimeAlertQuery::default())
        .unwrap();
    assert_eq!(stored.len(), 3, "{stored:#?}");
    let mut rules: Vec<(&str, &str, String)> = stored
        .iter()
        .map(|a| {
            (
                a.rule.as_str(),
                a.priority.as_str(),
                a.output_fields["proc.exepath"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rules.sort();
    let copy_path = canon(copy.to_str().unwrap());
    let mut want = vec![
        ("Baseline Deviation", "WARNING", canon("/bin/cat")),
        ("Baseline Deviation", "WARNING", copy_path.clone()),
        (
            "Drift: Unowned Binary Executed",
            "CRITICAL",
            copy_path.clone(),
        ),
    ];
    want.sort();
    assert_eq!(rules, want);
    for a in &stored {
        // source + host + pid + exec time + rule.
        let pid = a.output_fields["proc.pid"].as_i64().unwrap();
        assert!(
            a.dedupe_key.starts_with("syscall:")
                && a.dedupe_key
                    .ends_with(&format!(":{pid}:{}:{}", a.time_ns, a.rule)),
            "{}",
            a.dedupe_key
        );
    }
    assert!(rest.contains("\"stored\":3"), "{rest}");

    // One notification per alert, on the channels of the owning team.
    let queued = s.notifications(None).unwrap();
    assert_eq!(queued.len(), 3, "{queued:#?}");
    for n in &queued {
        let m: bulwark_notify::Message = serde_json::from_str(&n.payload).unwrap();
        let a = &m.alerts[0];
        let exe = a.output_fields["proc.exepath"].as_str().unwrap();
        assert!(n.dedupe_key.starts_with(&a.dedupe_key), "{}", n.dedupe_key);
        if exe == canon("/bin/cat") {
            assert_eq!(
                (n.team.as_str(), n.channel.as_str()),
                ("platform", "platform-hook"),
                "{a:#?}"
            );
            assert!(
                a.why.starts_with(&format!(
                    "file {exe} is from package pkg:deb/debian/coreutils@9.1-1?arch=amd64 (layer 0, created by \"ADD rootfs.tar.xz / # buildkit\")"
                )),
                "{}",
                a.why
            );
            assert!(a.why.contains("owners.yaml:7"), "{}", a.why);
        } else {
            assert_eq!(n.team, "ops");
            assert!(a.why.contains("defaultTeam"), "{}", a.why);
            assert!(a.why.contains("not in the image's SBOM"), "{}", a.why);
        }
        assert_eq!(a.image.digest, DIGEST);
    }
    // The delivery loop (the server's) sends them: the platform webhook gets the /usr/bin/cat alert as a
    // CloudEvent of type dev.bulwark.runtime.alert; the Falco channel writes falcosidekick-shaped lines.
    let falco = Shared::default();
    let notifier = bulwark_notify::Notifier::new().with_falco_output(falco.clone());
    let ownership = bulwark_owners::load(&owners).unwrap();
    let now = || {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
    };
    let report =
        bulwark_inventory::deliver_due(&s, &notifier, &ownership, "test", 60, &now).unwrap();
    assert_eq!((report.delivered, report.failed), (3, 0), "{report:?}");
    let (head, body) = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
    let ce: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(ce["type"], "dev.bulwark.runtime.alert");
    assert_eq!(ce["subject"], "Baseline Deviation");
    assert_eq!(
        ce["data"]["output_fields"]["proc.exepath"],
        canon("/bin/cat")
    );
    assert_eq!(ce["data"]["team"], "platform");
    let lines = String::from_utf8(falco.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l["source"], "syscall");
        assert_eq!(l["output_fields"]["bulwark.team"], "ops");
        assert!(l["uuid"].as_str().is_some_and(|u| u.len() == 36));
    }
}

#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
