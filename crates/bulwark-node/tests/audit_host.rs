//! The host benchmark on synthetic roots: expectations from sshd_config(5) defaults and first-value-wins, the
//! sysctl values the checks name, and file modes the test sets.

use bulwark_node::State;
use bulwark_node::host::{HostResult, run};
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

fn write(root: &Path, rel: &str, body: &str, mode: u32) {
    let p = root.join(rel.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, body).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

fn state(r: &[HostResult], id: &str) -> State {
    r.iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("{id}"))
        .state
}

fn hardened(root: &Path) {
    write(
        root,
        "/etc/ssh/sshd_config",
        "# hardened\nPermitRootLogin no\nMaxAuthTries 3\nMatch User bob\n  PermitRootLogin yes\n",
        0o600,
    );
    for (k, v) in [
        ("kernel/randomize_va_space", "2"),
        ("fs/suid_dumpable", "0"),
        ("net/ipv4/conf/all/accept_redirects", "0"),
        ("net/ipv4/conf/all/send_redirects", "0"),
        ("net/ipv4/conf/all/accept_source_route", "0"),
        ("net/ipv4/tcp_syncookies", "1"),
    ] {
        write(root, &format!("/proc/sys/{k}"), &format!("{v}\n"), 0o644);
    }
    write(
        root,
        "/etc/audit/auditd.conf",
        "log_file = /var/log/audit/audit.log\n",
        0o640,
    );
    write(
        root,
        "/proc/1/mounts",
        "/dev/sda1 / ext4 rw,relatime 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev,noexec 0 0\ntmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n",
        0o444,
    );
    write(root, "/usr/bin/kubectl", "", 0o755);
    fs::create_dir_all(root.join("etc/tmpdir")).unwrap();
    fs::set_permissions(root.join("etc/tmpdir"), fs::Permissions::from_mode(0o1777)).unwrap();
}

#[test]
fn hardened_host_passes_everything() {
    let t = tempfile::tempdir().unwrap();
    hardened(t.path());
    let r = run(t.path());
    let bad: Vec<_> = r.iter().filter(|x| x.state != State::Pass).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(r.len(), 4 + 6 + 1 + 1 + 2);
}

#[test]
fn weak_host_fails_where_it_should() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    hardened(root);
    // First value wins in sshd_config; a missing MaxAuthTries is sshd's default 6.
    write(
        root,
        "/etc/ssh/sshd_config",
        "PermitRootLogin yes\nPermitRootLogin no\nX11Forwarding yes\n",
        0o600,
    );
    write(root, "/proc/sys/kernel/randomize_va_space", "1\n", 0o644);
    fs::remove_file(root.join("proc/sys/net/ipv4/tcp_syncookies")).unwrap();
    write(root, "/usr/bin/evil", "", 0o777);
    write(root, "/etc/cron.d/job", "", 0o666);
    fs::remove_file(root.join("etc/audit/auditd.conf")).unwrap();
    write(
        root,
        "/proc/1/mounts",
        "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\ntmpfs /tmp tmpfs rw,nosuid 0 0\n",
        0o444,
    );
    // A world-writable file outside the root, linked from /usr/bin: not followed.
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "/open", "", 0o777);
    symlink(outside.path().join("open"), root.join("usr/bin/link")).unwrap();
    let r = run(root);
    assert_eq!(state(&r, "H.1.1"), State::Fail);
    assert_eq!(state(&r, "H.1.2"), State::Pass);
    assert_eq!(state(&r, "H.1.3"), State::Fail);
    assert_eq!(state(&r, "H.1.4"), State::Fail);
    assert!(
        r.iter()
            .any(|x| x.id == "H.1.4" && x.detail == "MaxAuthTries 6 (default)")
    );
    assert_eq!(state(&r, "H.2.1"), State::Fail);
    assert_eq!(state(&r, "H.2.6"), State::Warn);
    let ww = r.iter().find(|x| x.id == "H.3.1").unwrap();
    assert_eq!(ww.state, State::Fail);
    assert_eq!(ww.detail, "/etc/cron.d/job (666), /usr/bin/evil (777)");
    assert_eq!(state(&r, "H.4.1"), State::Fail);
    // The later /tmp mount is on top and lacks nodev; /dev/shm is not mounted at all.
    assert_eq!(state(&r, "H.5.1"), State::Fail);
    assert_eq!(state(&r, "H.5.2"), State::Warn);
}

#[test]
fn empty_root_is_info_and_warn_not_a_panic() {
    let t = tempfile::tempdir().unwrap();
    let r = run(t.path());
    assert_eq!(state(&r, "H.1.1"), State::Info);
    assert_eq!(state(&r, "H.2.1"), State::Warn);
    assert_eq!(state(&r, "H.3.1"), State::Pass);
    assert_eq!(state(&r, "H.5.1"), State::Warn);
}

#[test]
fn mount_table_falls_back_to_proc_mounts() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "/proc/mounts",
        "tmpfs /dev/shm tmpfs rw,nodev,nosuid 0 0\ntmpfs /my\\040tmp tmpfs rw 0 0\ntmpfs /tmp tmpfs rw,nodev,nosuid 0 0\n",
        0o444,
    );
    let r = run(t.path());
    assert_eq!(state(&r, "H.5.1"), State::Pass);
    assert_eq!(state(&r, "H.5.2"), State::Pass);
}
