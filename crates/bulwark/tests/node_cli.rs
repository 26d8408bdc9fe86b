//! `bulwark bench node`, `bulwark bench host` and `bulwark probe` through the real binary: synthetic host roots
//! written here, a recording HTTP server on 127.0.0.1 answering as an anonymous kubelet, and kube-bench's own cfg
//! (`BULWARK_KUBE_BENCH_CFG`, default the shared fixtures path; the `bench node` tests skip when it is absent).
//!
//! Expectations come from the checks' definitions: sshd_config(5) for `PermitRootLogin`, kube-bench's cis-1.10
//! node.yaml for 4.2.1 (`--anonymous-auth` / `authentication.anonymous.enabled` must be `false`), kube-bench's
//! `--json` keys (`Controls`, `Totals`, `total_pass`, …) and its `--exit-code` flag.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::bulwark;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    let mut dir = p.parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    // Directories 0755 up to the root: the world-writable check must not see a temporary directory's mode.
    while dir.starts_with(root) {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        if !dir.pop() {
            break;
        }
    }
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
}

fn finding_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["id"].as_str().unwrap_or("").to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// bench host

/// A root every host check passes: sshd hardened, the six sysctls at their safe values, auditd's config present,
/// /tmp and /dev/shm mounted nodev,nosuid, no world-writable file in the system directories.
fn hardened_host(root: &Path, sshd: &str) {
    write(root, "etc/hostname", "host-1\n");
    write(root, "etc/ssh/sshd_config", sshd);
    for (key, v) in [
        ("kernel/randomize_va_space", "2"),
        ("fs/suid_dumpable", "0"),
        ("net/ipv4/conf/all/accept_redirects", "0"),
        ("net/ipv4/conf/all/send_redirects", "0"),
        ("net/ipv4/conf/all/accept_source_route", "0"),
        ("net/ipv4/tcp_syncookies", "1"),
    ] {
        write(root, &format!("proc/sys/{key}"), &format!("{v}\n"));
    }
    write(
        root,
        "etc/audit/auditd.conf",
        "log_file = /var/log/audit/audit.log\n",
    );
    write(
        root,
        "proc/1/mounts",
        "/dev/sda1 / ext4 rw,relatime 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev,noexec 0 0\n\
         tmpfs /dev/shm tmpfs rw,nosuid,nodev,noexec 0 0\n",
    );
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "usr/lib", "lib"] {
        write(root, &format!("{d}/placeholder"), "x\n");
    }
}

const SSHD_HARDENED: &str =
    "PermitRootLogin no\nPermitEmptyPasswords no\nX11Forwarding no\nMaxAuthTries 4\n";

#[test]
fn bench_host_hardened_root_passes_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    hardened_host(dir.path(), SSHD_HARDENED);
    let root = dir.path().to_str().unwrap();
    let out = bulwark(&["bench", "host", "--root", root]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    // 4 sshd + 6 sysctl + world-writable + auditd + 2 mounts.
    for id in [
        "H.1.1", "H.1.2", "H.1.3", "H.1.4", "H.2.1", "H.2.6", "H.3.1", "H.4.1", "H.5.1", "H.5.2",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("[PASS] ") && l.contains(&format!(" {id} "))),
            "{id} not PASS in\n{text}"
        );
    }
    assert!(!text.contains("[FAIL]"), "{text}");
    assert!(text.contains("== Summary host =="), "{text}");
    assert!(text.contains("14 checks PASS"), "{text}");
    assert!(text.contains("0 checks FAIL"), "{text}");

    let out = bulwark(&["bench", "host", "--root", root, "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "node");
    assert!(finding_ids(&report).is_empty(), "{report}");
}

#[test]
fn bench_host_weak_sshd_fails_with_its_id() {
    let dir = tempfile::tempdir().unwrap();
    // sshd_config(5): the first value of a keyword wins, so the later `no` does not help.
    hardened_host(
        dir.path(),
        "PermitRootLogin yes\nPermitRootLogin no\nPermitEmptyPasswords no\nX11Forwarding no\nMaxAuthTries 4\n",
    );
    let root = dir.path().to_str().unwrap();
    let out = bulwark(&["bench", "host", "--root", root]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.lines().any(|l| l.starts_with("[FAIL] H.1.1 ")),
        "{text}"
    );
    assert!(text.contains("PermitRootLogin yes"), "{text}");
    assert!(text.contains("1 checks FAIL"), "{text}");

    let report_file = dir.path().join("host.json");
    let out = bulwark(&[
        "bench",
        "host",
        "--root",
        root,
        "-f",
        "json",
        "-o",
        report_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    let ids = finding_ids(&report);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(
        ids[0].starts_with("BW-HOST-") && ids[0].contains("H.1.1"),
        "{ids:?}"
    );
}

#[test]
fn bench_host_root_that_is_not_a_directory_exits_2() {
    let out = bulwark(&["bench", "host", "--root", "/nonexistent/bulwark-root"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/bulwark-root"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------------------------
// probe

type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

const POD_LIST: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"web-0","namespace":"default"},"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}]}"#;

/// A plain-HTTP server on 127.0.0.1 answering as a kubelet with anonymous access (`/pods` gives a PodList,
/// kubelet's read-only port), recording every request line and its headers.
fn anonymous_kubelet() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let recorded = recorded.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end().to_string();
                    let mut headers = Vec::new();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 {
                            break;
                        }
                        let header = header.trim_end().to_string();
                        if header.is_empty() {
                            break;
                        }
                        headers.push(header);
                    }
                    recorded.lock().unwrap().push((line.clone(), headers));
                    let path = line.split(' ').nth(1).unwrap_or("");
                    let (status, body) = match path {
                        "/pods" | "/runningpods/" => ("200 OK", POD_LIST),
                        "/healthz" => ("200 OK", "ok"),
                        _ => ("404 Not Found", "404 page not found"),
                    };
                    let stream = reader.get_mut();
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.flush();
                }
            });
        }
    });
    (port, seen)
}

fn assert_only_get(seen: &Seen) {
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty(), "no request reached the server");
    for (line, headers) in seen.iter() {
        assert!(line.starts_with("GET "), "not a GET: {line}");
        for h in headers {
            let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
            assert!(
                !matches!(
                    name.as_str(),
                    "authorization" | "cookie" | "proxy-authorization"
                ),
                "credentials sent: {h}"
            );
        }
    }
}

#[test]
fn probe_finds_an_anonymous_kubelet_with_get_requests_only() {
    let (port, seen) = anonymous_kubelet();
    let target = format!("127.0.0.1:{port}");
    let out = bulwark(&["probe", &target, "-f", "json", "--request-timeout", "3s"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "node");
    let ids = finding_ids(&report);
    assert!(
        ids.iter()
            .any(|i| i.starts_with("BW-PROBE-") && i.contains("KUBELET-READONLY")),
        "{ids:?}"
    );
    assert_only_get(&seen);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|(l, _)| l.starts_with("GET /pods ")),
        "the kubelet's /pods was not asked"
    );

    // The text output says the same, one line per exposure.
    let (port, seen) = anonymous_kubelet();
    let out = bulwark(&["probe", &format!("127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("PROBE-KUBELET-READONLY"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}/pods")), "{text}");
    assert_only_get(&seen);
}

#[test]
fn probe_ports_list_applies_to_an_address_and_a_closed_port_is_clean() {
    let (port, seen) = anonymous_kubelet();
    let out = bulwark(&[
        "probe",
        "127.0.0.1",
        "--ports",
        &port.to_string(),
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        finding_ids(&report)
            .iter()
            .any(|i| i.contains("KUBELET-READONLY")),
        "{report}"
    );
    assert_only_get(&seen);

    // A port nobody listens on: nothing exposed, exit 0.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = bulwark(&["probe", &format!("127.0.0.1:{closed}")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 exposures"), "{}", stdout(&out));
}

#[test]
fn probe_refuses_a_16_without_force_and_names_the_flag() {
    let out = bulwark(&["probe", "10.0.0.0/16"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("10.0.0.0/16"), "{err}");
    assert!(out.stdout.is_empty());

    // Larger than a /16: refused even with --force.
    let out = bulwark(&["probe", "10.0.0.0/8", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("10.0.0.0/8"), "{}", stderr(&out));

    // A target that is not one.
    let out = bulwark(&["probe", "http://x/"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------------------------
// bench node

fn kube_bench_cfg() -> Option<PathBuf> {
    let base = PathBuf::from(
        std::env::var("BULWARK_KUBE_BENCH_CFG")
            .unwrap_or_else(|_| "/work/shared/fixtures/upstream/kube-bench/cfg".into()),
    );
    if base.join("config.yaml").is_file() {
        Some(base)
    } else {
        eprintln!("skipped: kube-bench cfg {} absent", base.display());
        None
    }
}

/// A worker node: a kubelet process (`<root>/proc/4242`) started with `--config` and the config file it names,
/// anonymous authentication as `anonymous` says.
fn worker_root(root: &Path, anonymous: bool) {
    write(root, "etc/hostname", "worker-1\n");
    write(
        root,
        "proc/4242/cmdline",
        "/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0--kubeconfig=/etc/kubernetes/kubelet.conf\0",
    );
    write(root, "proc/4242/comm", "kubelet\n");
    write(
        root,
        "proc/4242/status",
        "Name:\tkubelet\nPid:\t4242\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
    );
    write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write(root, "etc/group", "root:x:0:\n");
    write(
        root,
        "var/lib/kubelet/config.yaml",
        &format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    \
             enabled: {anonymous}\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n\
             authorization:\n  mode: Webhook\nreadOnlyPort: 0\nprotectKernelDefaults: true\n"
        ),
    );
    write(
        root,
        "etc/kubernetes/kubelet.conf",
        "apiVersion: v1\nkind: Config\nclusters: []\n",
    );
}

fn node(cfg: &Path, root: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "bench",
        "node",
        "--root",
        root.to_str().unwrap(),
        "--config-dir",
        cfg.to_str().unwrap(),
        "--benchmark",
        "cis-1.10",
        "--targets",
        "node",
    ];
    args.extend_from_slice(extra);
    bulwark(&args)
}

/// `(test_number, status)` of every result in kube-bench's JSON.
fn results(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in v["Controls"].as_array().expect("Controls") {
        for g in c["tests"].as_array().into_iter().flatten() {
            for r in g["results"].as_array().into_iter().flatten() {
                out.push((
                    r["test_number"].as_str().unwrap_or("").to_string(),
                    r["status"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn bench_node_kube_bench_json_has_controls_and_totals() {
    let Some(cfg) = kube_bench_cfg() else { return };
    let dir = tempfile::tempdir().unwrap();
    worker_root(dir.path(), false);
    let out = node(&cfg, dir.path(), &["-f", "kube-bench-json"]);
    // Other node checks fail on this small root (file modes of files it does not hold): exit 1.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kube-bench JSON");
    let controls = v["Controls"].as_array().expect("Controls");
    assert_eq!(controls.len(), 1, "--targets node: one section");
    assert_eq!(controls[0]["id"], "4");
    let totals = &v["Totals"];
    let n = |k: &str| {
        totals[k]
            .as_u64()
            .unwrap_or_else(|| panic!("Totals.{k}: {totals}"))
    };
    let all = results(&v);
    assert_eq!(
        usize::try_from(n("total_pass") + n("total_fail") + n("total_warn") + n("total_info"))
            .unwrap(),
        all.len()
    );
    assert!(
        all.contains(&("4.2.1".to_string(), "PASS".to_string())),
        "{all:?}"
    );
    let fails = all.iter().filter(|(_, s)| s == "FAIL").count();
    assert_eq!(out.status.code(), Some(i32::from(fails > 0)));
    // cis-1.10's 4.1.7 audit builds its path with shell variables and awk: not a native form, so without
    // --allow-shell the run says it needed the shell (stderr here, a diagnostic in the Bulwark report).
    let err = stderr(&out);
    assert!(
        err.contains("need --allow-shell") && err.contains("4.1.7"),
        "{err}"
    );
    let out = node(&cfg, dir.path(), &["-f", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = report["diagnostics"].to_string();
    assert!(
        diags.contains("4.1.7") && diags.contains("--allow-shell"),
        "{diags}"
    );
    // The Bulwark report's findings are the checks that did not pass; its totals count every check, as
    // kube-bench's Totals do (the server reads them for the PASS count).
    for (k, kb) in [
        ("pass", "total_pass"),
        ("fail", "total_fail"),
        ("warn", "total_warn"),
        ("info", "total_info"),
    ] {
        assert_eq!(report["totals"][k].as_u64(), Some(n(kb)), "totals.{k}");
    }
}

#[test]
fn bench_node_exit_codes_follow_the_fails_and_exit_code() {
    let Some(cfg) = kube_bench_cfg() else { return };
    let good = tempfile::tempdir().unwrap();
    worker_root(good.path(), false);
    let bad = tempfile::tempdir().unwrap();
    worker_root(bad.path(), true);

    // --check: only 4.2.1 runs.
    let out = node(
        &cfg,
        good.path(),
        &["--check", "4.2.1", "-f", "kube-bench-json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results(&v), vec![("4.2.1".to_string(), "PASS".to_string())]);
    assert_eq!(v["Totals"]["total_pass"], 1);
    assert_eq!(v["Totals"]["total_fail"], 0);

    let out = node(
        &cfg,
        bad.path(),
        &["--check", "4.2.1", "-f", "kube-bench-json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results(&v), vec![("4.2.1".to_string(), "FAIL".to_string())]);

    let out = node(&cfg, bad.path(), &["--check", "4.2.1", "--exit-code", "7"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stdout(&out).contains("[FAIL] 4.2.1"), "{}", stdout(&out));
    let out = node(&cfg, bad.path(), &["--check", "4.2.1", "--exit-code", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = node(&cfg, good.path(), &["--check", "4.2.1", "--exit-code", "7"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("[PASS] 4.2.1"), "{}", stdout(&out));

    // --skip takes it out again: nothing fails.
    let out = node(
        &cfg,
        bad.path(),
        &[
            "--check",
            "4.2.1,4.2.2",
            "--skip",
            "4.2.1",
            "-f",
            "kube-bench-json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !results(&v)
            .iter()
            .any(|(id, s)| id == "4.2.1" && s != "INFO"),
        "{v}"
    );

    // The Bulwark report: target kind node, named after the node, the FAIL as a finding.
    let out = node(&cfg, bad.path(), &["--check", "4.2.1", "-f", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "node");
    assert_eq!(report["target"]["name"], "worker-1");
    let ids = finding_ids(&report);
    assert!(
        ids.iter()
            .any(|i| i.starts_with("BW-NODE-") && i.ends_with("4.2.1")),
        "{ids:?}"
    );
    let out = node(
        &cfg,
        bad.path(),
        &["--check", "4.2.1", "-f", "json", "--node-name", "n-9"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["target"]["name"], "n-9");
}

/// `--policy` at stage deploy: a rule over the node findings fails (exit 1, verdict in the report); an exception
/// accepting them makes the verdict pass, and the verdict decides: exit 0 although 4.2.1 still FAILs.
#[test]
fn bench_node_policy_verdict_decides_the_exit_code() {
    let Some(cfg) = kube_bench_cfg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    worker_root(&root, true);
    let bundle = dir.path().join("policies");
    write(
        &bundle,
        "rules.yaml",
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: nodes}\nrules:\n  - id: node-cis\n    \
         stages: {deploy: fail}\n    checks: {ids: [\"BW-NODE-*\"]}\n",
    );
    let b = bundle.to_str().unwrap();
    let out = node(
        &cfg,
        &root,
        &["--check", "4.2.1", "--policy", b, "-f", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"]["decision"], "fail", "{report}");

    write(
        &bundle,
        "exceptions.yaml",
        "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: lab-node\n    finding: \"BW-NODE-*\"\n    \
         owner: ops\n    expires: 2999-01-01\n    reason: a lab node\n",
    );
    let out = node(&cfg, &root, &["--check", "4.2.1", "--policy", b]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("[FAIL] 4.2.1"), "{}", stdout(&out));
}

#[test]
fn bench_node_config_dir_that_does_not_exist_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    worker_root(dir.path(), false);
    let missing = dir.path().join("no-such-cfg");
    let out = node(&missing, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    assert!(err.contains("kube-bench"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bench_node_help_says_the_check_files_are_not_shipped() {
    let out = bulwark(&["bench", "node", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(help.contains("does not ship kube-bench's YAML"), "{help}");
    assert!(help.contains("--allow-shell"), "{help}");
    let out = bulwark(&["probe", "--help"]);
    assert!(stdout(&out).contains("PASSIVE"), "{}", stdout(&out));
    assert!(stdout(&out).contains("--force"), "{}", stdout(&out));
}
