//! Native audits on a synthetic host root: expectations from GNU stat / procps / find semantics for the files the
//! test creates with known modes.

use bulwark_node::audit::{Auditor, Pipeline, RootAuditor, Script, recognise, resolve};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::time::Duration;

fn write(root: &Path, rel: &str, body: &str, mode: u32) {
    let p = root.join(rel.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, body).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

fn proc(root: &Path, pid: u32, args: &[&str], comm: Option<&str>) {
    let mut cmdline = Vec::new();
    for a in args {
        cmdline.extend_from_slice(a.as_bytes());
        cmdline.push(0);
    }
    let dir = root.join(format!("proc/{pid}"));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("cmdline"), cmdline).unwrap();
    fs::write(dir.join("status"), "Name:\tx\nPPid:\t1\nUid:\t0\t0\t0\t0\n").unwrap();
    if let Some(c) = comm {
        fs::write(dir.join("comm"), format!("{c}\n")).unwrap();
    }
}

/// A node root: manifests with modes, passwd/group naming the test user's ids, a /proc with three processes.
fn node() -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let meta = fs::metadata(r).unwrap();
    let (uid, gid) = (meta.uid(), meta.gid());
    write(
        r,
        "/etc/passwd",
        &format!("root:x:0:0::/root:/bin/sh\nkube:x:{uid}:{gid}::/:/bin/false\n"),
        0o644,
    );
    write(
        r,
        "/etc/group",
        &format!("root:x:0:\nkubegrp:x:{gid}:\n"),
        0o644,
    );
    write(
        r,
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "kind: Pod\n",
        0o600,
    );
    write(
        r,
        "/etc/kubernetes/manifests/etcd.yaml",
        "kind: Pod\n",
        0o644,
    );
    write(r, "/etc/kubernetes/pki/ca.crt", "c", 0o644);
    write(r, "/etc/kubernetes/pki/ca.key", "k", 0o600);
    write(r, "/etc/kubernetes/pki/etcd/server.key", "k", 0o640);
    write(
        r,
        "/var/lib/kubelet/config.yaml",
        "authentication:\n  anonymous:\n    enabled: false\n",
        0o644,
    );
    proc(r, 1, &["/sbin/init"], Some("systemd"));
    proc(
        r,
        812,
        &[
            "kube-apiserver",
            "--anonymous-auth=false",
            "--authorization-mode=Node,RBAC",
        ],
        Some("kube-apiserver"),
    );
    proc(
        r,
        900,
        &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
        None,
    );
    proc(r, 901, &["grep", "kube-apiserver"], Some("grep"));
    (t, format!("{uid}:{gid}"))
}

fn run(a: &RootAuditor, cmd: &str) -> bulwark_node::audit::AuditOutput {
    a.run(cmd)
}

#[test]
fn stat_permissions_and_owner_under_root() {
    let (t, ids) = node();
    let a = RootAuditor::new(t.path());
    let o = run(
        &a,
        "/bin/sh -c 'if test -e /etc/kubernetes/manifests/kube-apiserver.yaml; then stat -c permissions=%a /etc/kubernetes/manifests/kube-apiserver.yaml; fi'",
    );
    assert_eq!(o.stdout, "permissions=600\n");
    assert_eq!(o.error, None);
    assert!(!o.used_shell);
    let o = run(
        &a,
        "/bin/sh -c 'if test -e /etc/kubernetes/manifests/etcd.yaml; then stat -c %U:%G /etc/kubernetes/manifests/etcd.yaml; fi'",
    );
    // Running as root, uid 0 is named by passwd's first line (root), else by the kube line.
    let want = if ids == "0:0" {
        "root:root\n"
    } else {
        "kube:kubegrp\n"
    };
    assert_eq!(o.stdout, want);
    let o = run(
        &a,
        "stat -c \"permissions=%a %n\" /etc/kubernetes/manifests/etcd.yaml",
    );
    assert_eq!(
        o.stdout,
        "permissions=644 /etc/kubernetes/manifests/etcd.yaml\n"
    );
}

#[test]
fn missing_file_if_wrapper_is_empty_and_else_branch_runs() {
    let (t, _) = node();
    let a = RootAuditor::new(t.path());
    let o = run(
        &a,
        "/bin/sh -c 'if test -e /etc/nope; then stat -c %U:%G /etc/nope; fi' ",
    );
    assert_eq!((o.stdout.as_str(), o.error), ("", None));
    let o = run(
        &a,
        r#"/bin/sh -c "if test -e /etc/nope; then stat -c %U:%G /etc/nope; else echo \"File not found\"; fi""#,
    );
    assert_eq!(o.stdout, "File not found\n");
    // A bare stat of a missing file is an error, as stat's exit status says.
    let o = run(&a, "stat -c %a /etc/nope");
    assert!(o.error.unwrap().contains("No such file"));
}

#[test]
fn find_xargs_stat_with_name_filter() {
    let (t, ids) = node();
    let a = RootAuditor::new(t.path());
    let o = run(
        &a,
        "find /etc/kubernetes/pki/ -name '*.key' | xargs stat -c permissions=%a",
    );
    // ca.key 600, etcd/server.key 640, in name order.
    assert_eq!(o.stdout, "permissions=600\npermissions=640\n");
    let o = run(
        &a,
        "find /etc/kubernetes/pki/ -name '*.crt' | xargs stat -c permissions=%a",
    );
    assert_eq!(o.stdout, "permissions=644\n");
    let o = run(&a, "find /etc/kubernetes/pki/");
    assert_eq!(
        o.stdout,
        "/etc/kubernetes/pki/\n/etc/kubernetes/pki/ca.crt\n/etc/kubernetes/pki/ca.key\n/etc/kubernetes/pki/etcd\n/etc/kubernetes/pki/etcd/server.key\n"
    );
    let o = run(&a, "find /etc/kubernetes/pki/ | xargs stat -c %u:%g");
    assert_eq!(o.stdout.lines().count(), 5);
    assert!(o.stdout.lines().all(|l| l == ids));
    // The etcd form whose inner quotes close the outer ones: the glob is still the find pattern.
    let o = run(
        &a,
        "/bin/sh -c 'if test -e /etc/kubernetes/manifests/etcd.yaml; then find /etc/kubernetes/manifests/etcd.yaml -name '*etcd*' | xargs stat -c permissions=%a; fi'",
    );
    assert_eq!(o.stdout, "permissions=644\n");
    let o = run(&a, "find /etc/kubernetes -type f -mindepth 2 -name 'ca.*'");
    assert_eq!(
        o.stdout,
        "/etc/kubernetes/pki/ca.crt\n/etc/kubernetes/pki/ca.key\n"
    );
}

#[test]
fn ps_grep_reads_proc_cmdlines() {
    let (t, _) = node();
    let a = RootAuditor::new(t.path());
    let o = run(&a, "/bin/ps -ef | grep kube-apiserver | grep -v grep");
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    assert!(o.stdout.contains(" 812 "));
    assert!(
        o.stdout
            .ends_with("kube-apiserver --anonymous-auth=false --authorization-mode=Node,RBAC\n")
    );
    assert!(o.stdout.starts_with("root"));
    let o = run(&a, "/bin/ps -ef | /bin/grep etcd | /bin/grep -v grep");
    assert_eq!((o.stdout.as_str(), o.error), ("", None));
}

#[test]
fn ps_by_command_name() {
    let (t, _) = node();
    let a = RootAuditor::new(t.path());
    // kubelet has no comm file: the name comes from argv[0]'s base name.
    let o = run(&a, "/bin/ps -fC kubelet");
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("UID"));
    assert!(lines[1].ends_with("/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml"));
    // systemd's argv[0] is /sbin/init but its comm says systemd.
    assert_eq!(run(&a, "ps -fC init").stdout.lines().count(), 1);
    assert_eq!(run(&a, "ps -fC systemd").stdout.lines().count(), 2);
}

#[test]
fn cat_and_ls() {
    let (t, _) = node();
    let a = RootAuditor::new(t.path());
    let o = run(&a, "/bin/cat /var/lib/kubelet/config.yaml");
    assert_eq!(
        o.stdout,
        "authentication:\n  anonymous:\n    enabled: false\n"
    );
    let o = run(
        &a,
        "/bin/sh -c 'if test -e /etc/kubeproxy; then cat /etc/kubeproxy; fi'",
    );
    assert_eq!((o.stdout.as_str(), o.error), ("", None));
    let o = run(&a, "cat /etc/missing.conf");
    assert!(o.error.unwrap().contains("No such file"));
    assert_eq!(
        run(&a, "ls /etc/kubernetes/manifests").stdout,
        "etcd.yaml\nkube-apiserver.yaml\n"
    );
}

#[test]
fn unreadable_file_is_an_error() {
    let (t, _) = node();
    write(t.path(), "/etc/secret.conf", "x", 0o000);
    if fs::read(t.path().join("etc/secret.conf")).is_ok() {
        return; // running as root: mode 000 does not stop reads
    }
    let a = RootAuditor::new(t.path());
    let o = run(&a, "cat /etc/secret.conf");
    assert!(o.error.unwrap().contains("Permission denied"));
    // stat needs no read permission.
    assert_eq!(run(&a, "stat -c %a /etc/secret.conf").stdout, "0\n");
}

#[test]
fn symlinks_never_leave_the_root() {
    let (t, _) = node();
    let r = t.path();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "/secret.txt", "OUTSIDE\n", 0o644);
    let out_file = outside.path().join("secret.txt");
    // An absolute link to a real file outside: resolves to the same path under the root, which does not exist.
    symlink(&out_file, r.join("etc/abs-link")).unwrap();
    // A relative link climbing far above the root: `..` stops at the root.
    let depth = out_file.components().count() + 5;
    let rel = format!(
        "{}{}",
        "../".repeat(depth),
        out_file.to_str().unwrap().trim_start_matches('/')
    );
    symlink(&rel, r.join("etc/rel-link")).unwrap();
    // An absolute link to a root file, as on a real host: /etc/kubelet.conf -> /var/lib/kubelet/config.yaml.
    symlink("/var/lib/kubelet/config.yaml", r.join("etc/kubelet.conf")).unwrap();
    let a = RootAuditor::new(r);
    for p in [
        "/etc/abs-link",
        "/etc/rel-link",
        "/../../../../etc/abs-link",
    ] {
        let o = run(&a, &format!("cat {p}"));
        assert!(!o.stdout.contains("OUTSIDE"), "{p}: {}", o.stdout);
        assert!(o.error.is_some(), "{p}");
        assert!(resolve(r, p, true).unwrap().starts_with(r));
    }
    assert!(
        run(&a, "cat /etc/kubelet.conf")
            .stdout
            .contains("anonymous")
    );
    // stat does not follow the last link (GNU stat without -L): a symlink's mode is 777.
    assert_eq!(run(&a, "stat -c %a /etc/kubelet.conf").stdout, "777\n");
    // A loop is an error, not a hang.
    symlink("/etc/loop-b", r.join("etc/loop-a")).unwrap();
    symlink("/etc/loop-a", r.join("etc/loop-b")).unwrap();
    assert!(
        run(&a, "cat /etc/loop-a")
            .error
            .unwrap()
            .contains("symbolic links")
    );
    // A link to a directory outside is not walked by find.
    symlink(outside.path(), r.join("etc/kubernetes/pki/out")).unwrap();
    let o = run(&a, "find /etc/kubernetes/pki/ | xargs stat -c %n");
    assert!(!o.stdout.contains("secret"));
}

#[test]
fn output_is_bounded() {
    let (t, _) = node();
    write(t.path(), "/etc/big.conf", &"x".repeat(100_000), 0o644);
    let mut a = RootAuditor::new(t.path());
    a.max_output = 1000;
    assert_eq!(run(&a, "cat /etc/big.conf").stdout.len(), 1000);
}

#[test]
fn unrecognised_needs_allow_shell() {
    let (t, _) = node();
    let mut a = RootAuditor::new(t.path());
    let cmd = "echo \"x: $(kubectl auth can-i get secrets)\"";
    assert_eq!(recognise(cmd), None);
    let o = run(&a, cmd);
    assert!(o.error.unwrap().contains("needs --allow-shell"));
    assert!(!o.used_shell);
    a.allow_shell = true;
    a.timeout = Duration::from_millis(300);
    let o = run(&a, "printf 'a\\nb\\n' | wc -l");
    assert_eq!((o.stdout.trim(), o.error, o.used_shell), ("2", None, true));
    let started = std::time::Instant::now();
    let marker = t.path().join("late");
    // An inner shell survives the outer one's death unless the group is killed.
    let o = run(
        &a,
        &format!("sh -c 'sleep 2; touch {}'; true", marker.display()),
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(o.error.unwrap().contains("timed out"));
    // The whole process group was killed: the command after the sleep never ran.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!marker.exists());
    a.max_output = 10;
    a.timeout = Duration::from_secs(5);
    let o = run(&a, "head -c 100000 /dev/zero | tr '\\0' y");
    assert_eq!(o.stdout.len(), 10);
}

#[test]
fn recognised_forms() {
    assert_eq!(
        recognise("/bin/ps -ef | grep kube-apiserver | grep -v grep"),
        Some(Script::Run(Pipeline::PsGrep("kube-apiserver".into())))
    );
    // A regex pattern or a different pipeline is not guessed at.
    assert_eq!(recognise("ps -ef | grep 'kube.*' | grep -v grep"), None);
    assert_eq!(
        recognise("ps -ef | grep kubelet | grep -v grep | wc -l"),
        None
    );
    assert_eq!(recognise("stat -c %y /etc/x"), None);
    assert_eq!(recognise("cat /etc/x > /tmp/y"), None);
    assert_eq!(
        recognise("for f in a b; do stat -c %a $f | wc -l; done"),
        None
    );
}

#[test]
fn for_loop_over_admin_confs() {
    let (t, _) = node();
    write(t.path(), "/etc/kubernetes/admin.conf", "a", 0o600);
    write(t.path(), "/etc/kubernetes/super-admin.conf", "s", 0o640);
    let a = RootAuditor::new(t.path());
    // cis-1.12 1.1.13 as written (after YAML): both files exist.
    let cmd = "for adminconf in /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf; do if test -e $adminconf; then stat -c \"permissions=%a %n\" $adminconf; fi; done\n";
    let o = run(&a, cmd);
    assert!(!o.used_shell);
    assert_eq!(
        o.stdout,
        "permissions=600 /etc/kubernetes/admin.conf\npermissions=640 /etc/kubernetes/super-admin.conf\n"
    );
    fs::remove_file(t.path().join("etc/kubernetes/super-admin.conf")).unwrap();
    assert_eq!(
        run(&a, cmd).stdout,
        "permissions=600 /etc/kubernetes/admin.conf\n"
    );
    // A word list with an expansion is not unrolled.
    assert_eq!(recognise("for f in $(ls /etc); do cat $f; done"), None);
    // Loops do not nest (64 words at each of several levels would be exponential work).
    assert_eq!(
        recognise("for f in a b; do for g in c d; do cat $g; done; done"),
        None
    );
    assert_eq!(
        recognise("for f in a b; do sh -c 'for g in c d; do cat $g; done'; done"),
        None
    );
}

/// Binary audit output (invalid UTF-8, NULs, a multi-byte character cut by the output bound) is read lossily and
/// judged like any text: the flag after the garbage is still found, and nothing panics.
#[test]
fn binary_output_is_judged_as_text() {
    use bulwark_node::State;
    use bulwark_node::config::Variables;
    let (t, _) = node();
    let mut bytes: Vec<u8> = vec![0xff, 0xfe, 0x00, 0xc3, 0x28, 0x1b, b'[', b'2', b'J'];
    bytes.extend_from_slice(b" --anonymous-auth=false ");
    bytes.extend_from_slice("€".repeat(100).as_bytes());
    let p = t.path().join("etc/kubelet.bin");
    fs::write(&p, &bytes).unwrap();
    let mut a = RootAuditor::new(t.path());
    // Cut inside the 3-byte euro sign: the last character is partial.
    a.max_output = bytes.len() - 2;
    let o = run(&a, "cat /etc/kubelet.bin");
    assert_eq!(o.error, None);
    assert!(o.stdout.contains("--anonymous-auth=false"));
    let controls = bulwark_node::controls::parse(
        "controls:\nid: 4\ntext: t\ntype: node\ngroups:\n  - id: 4.2\n    text: g\n    checks:\n      - id: 4.2.1\n        text: c\n        audit: cat /etc/kubelet.bin\n        tests:\n          test_items:\n            - flag: --anonymous-auth\n              compare:\n                op: eq\n                value: false\n        remediation: r\n        scored: true\n",
        "binary.yaml",
    )
    .unwrap();
    let check = &controls.groups[0].checks[0];
    let outcome = bulwark_node::eval::run(check, &Variables::new(), &a);
    assert_eq!(outcome.state, State::Pass, "{outcome:?}");
    // The same check over output that is nothing but noise: the flag is absent, the scored check fails.
    fs::write(&p, [0xffu8, 0x00, 0xfe, 0x80, 0x80].repeat(1000)).unwrap();
    let outcome = bulwark_node::eval::run(check, &Variables::new(), &a);
    assert_eq!(outcome.state, State::Fail, "{outcome:?}");
}
