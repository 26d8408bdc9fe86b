//! The live source on this machine's kernel: exec events of real processes arrive with the fields `/proc` and
//! the kernel give them, within 100 ms.

mod live_support;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use bulwark_runtime::live::LiveOptions;
use live_support::watch;

#[test]
fn a_shell_running_cat_on_etc_shadow_is_seen_with_its_fields() {
    let w = watch(LiveOptions::default(), None);
    let cwd = tempfile::tempdir().unwrap();
    // cat reads /etc/shadow, then its stdin: it stays alive until the test closes the pipe, so /proc is there.
    let mut sh = Command::new("/bin/sh")
        .args(["-c", "/bin/cat /etc/shadow -"])
        .current_dir(cwd.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let sh_pid = i64::from(sh.id());
    let cat = w
        .wait_for(Duration::from_secs(5), |s| {
            s.name == "cat" && s.ppid == sh_pid
        })
        .expect("the exec of cat");
    sh.stdin.take().unwrap().write_all(b"").unwrap();
    sh.wait().unwrap();
    let latency_ms = (cat.sink_ns - cat.time_ns) as f64 / 1e6;
    println!("exec → sink latency: {latency_ms:.3} ms");
    assert_eq!(cat.evt_type, "execve");
    assert_eq!(cat.evt_dir, "<");
    // Debian's merged /usr: /bin is a link to usr/bin, so the kernel's path of the executable is /usr/bin/cat.
    let real = std::fs::canonicalize("/bin/cat").unwrap();
    assert_eq!(cat.exepath, real.to_str().unwrap());
    assert_eq!(cat.args, "/etc/shadow -");
    assert_eq!(cat.pname, "sh");
    // The effective uid of this test process, from the kernel.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let euid: i64 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(cat.uid, euid);
    let want_cwd = format!("{}/", std::fs::canonicalize(cwd.path()).unwrap().display());
    assert_eq!(cat.cwd, want_cwd);
    assert!(!cat.upper && !cat.memfd);
    assert!(latency_ms < 100.0, "latency {latency_ms} ms");
    let (drops, stats) = w.finish();
    println!("{drops:?} {stats:?}");
    assert!(drops.events >= 2, "{drops:?}");
}

#[test]
fn a_copied_binary_run_from_a_temp_dir_is_seen_at_its_path() {
    let w = watch(LiveOptions::default(), None);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("mycat");
    std::fs::copy("/bin/cat", &copy).unwrap();
    let mut child = Command::new(&copy)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = i64::from(child.id());
    let seen = w
        .wait_for(Duration::from_secs(5), |s| s.pid == pid)
        .expect("the exec of the copy");
    drop(child.stdin.take());
    child.wait().unwrap();
    let latency_ms = (seen.sink_ns - seen.time_ns) as f64 / 1e6;
    println!("exec → sink latency: {latency_ms:.3} ms");
    assert_eq!(
        seen.exepath,
        std::fs::canonicalize(&copy).unwrap().to_str().unwrap()
    );
    assert_eq!(seen.name, "mycat");
    assert_eq!(seen.args, "-");
    assert_eq!(seen.ppid, i64::from(std::process::id()));
    assert!(latency_ms < 100.0, "latency {latency_ms} ms");
    w.finish();
}
