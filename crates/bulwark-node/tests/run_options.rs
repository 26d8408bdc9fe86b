//! The runner's choices and its bad input: `--check`/`--skip`, targets chosen from the running components,
//! benchmark and version selection, version detection, unknown benchmarks and targets, a malformed check file
//! (file:line), an unreadable file and symlinks pointing out of the root.

#[path = "../examples/synthetic_root.rs"]
mod synthetic_root;

use bulwark_node::State;
use bulwark_node::detect::kubernetes_version;
use bulwark_node::run::{CheckResult, NodeOptions, NodeRun, run_node};
use std::path::{Path, PathBuf};

fn upstream() -> Option<PathBuf> {
    let cfg = PathBuf::from(
        std::env::var("BULWARK_KUBE_BENCH_CFG")
            .unwrap_or_else(|_| "/work/shared/fixtures/upstream/kube-bench/cfg".into()),
    );
    cfg.is_dir().then_some(cfg)
}

fn kind_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    synthetic_root::write(dir.path());
    dir
}

fn checks(run: &NodeRun) -> Vec<&CheckResult> {
    run.sections
        .iter()
        .flat_map(|s| s.groups.iter().flat_map(|g| g.checks.iter()))
        .collect()
}

fn find<'a>(run: &'a NodeRun, id: &str) -> &'a CheckResult {
    checks(run)
        .into_iter()
        .find(|c| c.check.id == id)
        .unwrap_or_else(|| panic!("{id} not run"))
}

fn targets(run: &NodeRun) -> Vec<String> {
    run.sections
        .iter()
        .map(|s| s.controls.target.clone())
        .collect()
}

/// Removes the processes whose argv[0] ends with one of `names`.
fn kill(root: &Path, names: &[&str]) {
    for e in std::fs::read_dir(root.join("proc")).unwrap().flatten() {
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let argv0 =
            String::from_utf8_lossy(cmd.split(|b| *b == 0).next().unwrap_or_default()).into_owned();
        if names.iter().any(|n| argv0.rsplit('/').next() == Some(*n)) {
            std::fs::remove_dir_all(e.path()).unwrap();
        }
    }
}

macro_rules! cfg_or_skip {
    () => {
        match upstream() {
            Some(c) => c,
            None => {
                eprintln!("skipped: kube-bench's cfg is absent");
                return;
            }
        }
    };
}

#[test]
fn check_filter_keeps_listed_checks_and_groups() {
    let cfg = cfg_or_skip!();
    let root = kind_root();
    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    o.checks = vec!["1.2.20".into(), "4.1".into()];
    let run = run_node(&o).unwrap();
    let ids: Vec<&str> = checks(&run).iter().map(|c| c.check.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1.2.20", "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.7", "4.1.8",
            "4.1.9", "4.1.10"
        ]
    );
    // Groups and sections left without checks: groups dropped, sections kept empty (kube-bench's shape).
    let groups: Vec<&str> = run
        .sections
        .iter()
        .flat_map(|s| s.groups.iter().map(|g| g.id.as_str()))
        .collect();
    assert_eq!(groups, ["1.2", "4.1"]);
    assert_eq!(
        find(&run, "1.2.20").outcome.state,
        State::Fail,
        "--profiling is not set in kind"
    );
}

#[test]
fn skip_turns_checks_and_groups_into_info() {
    let cfg = cfg_or_skip!();
    let root = kind_root();
    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    o.skip = vec!["1.2.20".into(), "1.4".into()];
    let run = run_node(&o).unwrap();
    for id in ["1.2.20", "1.4.1", "1.4.2"] {
        let c = find(&run, id);
        assert_eq!(c.outcome.state, State::Info, "{id}");
        assert_eq!(c.outcome.reason, "Test marked as skip");
    }
    assert_eq!(
        find(&run, "1.2.21").outcome.state,
        State::Fail,
        "not skipped"
    );
    assert_eq!(run.totals().info, 3);
}

#[test]
fn targets_follow_the_running_components() {
    let cfg = cfg_or_skip!();
    // A worker: only the kubelet (and kube-proxy) run.
    let root = kind_root();
    kill(
        root.path(),
        &[
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "etcd",
        ],
    );
    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    assert_eq!(targets(&run_node(&o).unwrap()), ["node", "policies"]);

    // The scheduler missing is enough for kube-bench's isMaster to say no; etcd still runs.
    let root = kind_root();
    kill(root.path(), &["kube-scheduler"]);
    let o = NodeOptions {
        root: root.path().into(),
        ..o
    };
    assert_eq!(
        targets(&run_node(&o).unwrap()),
        ["etcd", "node", "policies"]
    );

    // Nothing runs: only the policies.
    let root = kind_root();
    std::fs::remove_dir_all(root.path().join("proc")).unwrap();
    let o = NodeOptions {
        root: root.path().into(),
        ..o
    };
    assert_eq!(targets(&run_node(&o).unwrap()), ["policies"]);

    // Given targets run whatever runs; `worker` reads as `node`; order is kube-bench's.
    let o = NodeOptions {
        targets: vec!["policies".into(), "worker".into(), "master".into()],
        ..o
    };
    assert_eq!(
        targets(&run_node(&o).unwrap()),
        ["master", "node", "policies"]
    );
}

#[test]
fn unknown_target_and_benchmark_name_what_exists() {
    let cfg = cfg_or_skip!();
    let root = kind_root();
    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    o.targets = vec!["managedservices".into()];
    let e = run_node(&o).unwrap_err().to_string();
    assert!(
        e.contains("managedservices") && e.contains("master, node, controlplane, etcd, policies"),
        "{e}"
    );

    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-9.9".into());
    let e = run_node(&o).unwrap_err().to_string();
    assert!(e.contains("cis-9.9"), "{e}");
    for b in [
        "cis-1.10",
        "cis-1.11",
        "cis-1.12",
        "cis-1.20",
        "cis-1.9",
        "eks-stig-kubernetes-v1r6",
    ] {
        assert!(e.contains(b), "{b} missing from: {e}");
    }

    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    o.version = Some("1.21".into());
    assert!(run_node(&o).unwrap_err().to_string().contains("not both"));
}

#[test]
fn version_maps_through_version_mapping() {
    let cfg = cfg_or_skip!();
    let root = kind_root();
    let mut o = NodeOptions::new(root.path(), &cfg);
    o.checks = vec!["4.2.1".into()];
    for (v, b) in [
        ("1.28", "cis-1.10"),
        ("v1.31.4", "cis-1.11"),
        ("1.34", "cis-1.12"),
        ("1.36.2", "cis-1.12"),
    ] {
        o.version = Some(v.into());
        let run = run_node(&o).unwrap();
        assert_eq!(run.benchmark, b, "{v}: {}", run.chosen_by);
    }
}

#[test]
fn version_detected_from_manifest_then_binary() {
    let root = kind_root();
    let (v, from) = kubernetes_version(root.path()).unwrap();
    assert_eq!(v, "1.21");
    assert!(from.contains("kube-apiserver.yaml"), "{from}");

    // kubeadm's newer registry and a digest: the tag is still read.
    let m = root
        .path()
        .join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let text = std::fs::read_to_string(&m).unwrap().replace(
        "k8s.gcr.io/kube-apiserver:v1.21.1",
        "registry.k8s.io:5000/kube-apiserver:v1.31.2@sha256:0123",
    );
    std::fs::write(&m, text).unwrap();
    assert_eq!(kubernetes_version(root.path()).unwrap().0, "1.31");

    // No manifests (a worker): the string the linker left in the running kubelet's binary.
    std::fs::remove_dir_all(root.path().join("etc/kubernetes/manifests")).unwrap();
    let (v, from) = kubernetes_version(root.path()).unwrap();
    assert_eq!(v, "1.21");
    assert!(
        from.contains("/usr/bin/kubelet") && from.contains("pid 196"),
        "{from}"
    );

    // k3s: one binary, version with a suffix, found from the running process.
    std::fs::remove_file(root.path().join("usr/bin/kubelet")).unwrap();
    kill(root.path(), &["kubelet"]);
    let bin = root.path().join("usr/local/bin/k3s");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    let mut bytes = b"\x7fELF\0dep\tgithub.com/x/y\tv1.9.9\th1:abc\n\0v1.28.3+k3s1\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xAAu8, 3 << 20));
    bytes.extend_from_slice(b"\0v1.28.3+k3s1\0");
    std::fs::write(&bin, bytes).unwrap();
    let p = root.path().join("proc/4000");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("cmdline"), b"/usr/local/bin/k3s\0server\0").unwrap();
    std::fs::write(p.join("comm"), b"k3s-server\n").unwrap();
    let (v, from) = kubernetes_version(root.path()).unwrap();
    assert_eq!(v, "1.28");
    assert!(from.contains("k3s"), "{from}");

    // Nothing: None, and the runner falls back to kube-bench's 1.18 → cis-1.6, which this cfg does not have.
    std::fs::remove_file(&bin).unwrap();
    assert_eq!(kubernetes_version(root.path()), None);
    if let Some(cfg) = upstream() {
        let e = run_node(&NodeOptions::new(root.path(), &cfg))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1.18") && e.contains("cis-1.6") && e.contains("cis-1.20"),
            "{e}"
        );
    }
}

#[test]
fn malformed_check_file_names_file_and_line() {
    let cfg = cfg_or_skip!();
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(cfg.join("config.yaml"), copy.path().join("config.yaml")).unwrap();
    let b = copy.path().join("cis-1.20");
    std::fs::create_dir(&b).unwrap();
    for f in [
        "config.yaml",
        "master.yaml",
        "etcd.yaml",
        "controlplane.yaml",
        "policies.yaml",
        "node.yaml",
    ] {
        std::fs::copy(cfg.join("cis-1.20").join(f), b.join(f)).unwrap();
    }
    // Line 5 of node.yaml becomes an unterminated flow sequence.
    let text = std::fs::read_to_string(b.join("node.yaml")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(4, "broken: [unterminated");
    std::fs::write(b.join("node.yaml"), lines.join("\n")).unwrap();
    let root = kind_root();
    let mut o = NodeOptions::new(root.path(), copy.path());
    o.benchmark = Some("cis-1.20".into());
    let e = run_node(&o).unwrap_err();
    let msg = e.to_string();
    let bulwark_node::NodeError::Parse { path, line, .. } = e else {
        panic!("not a parse error: {msg}");
    };
    assert!(path.ends_with("cis-1.20/node.yaml"), "{path}");
    assert!((5..=7).contains(&line), "line {line}: {msg}");
}

#[test]
fn unreadable_file_and_symlinks_out_of_the_root() {
    let cfg = cfg_or_skip!();
    let outside = tempfile::tempdir().unwrap();
    let root = kind_root();
    // Outside the root: a compliant manifest directory and a kubelet config that would pass 4.2.6.
    let out_manifests = outside.path().join("manifests");
    std::fs::create_dir(&out_manifests).unwrap();
    std::fs::copy(
        root.path()
            .join("etc/kubernetes/manifests/kube-apiserver.yaml"),
        out_manifests.join("kube-apiserver.yaml"),
    )
    .unwrap();
    std::fs::write(
        outside.path().join("config.yaml"),
        "protectKernelDefaults: true\n",
    )
    .unwrap();

    // The manifests directory: an absolute link to the outside directory (read as <root>/<that path>).
    let m = root.path().join("etc/kubernetes/manifests");
    std::fs::remove_dir_all(&m).unwrap();
    std::os::unix::fs::symlink(&out_manifests, &m).unwrap();
    // The kubelet config: a relative link climbing out (`..` stops at the root).
    let k = root.path().join("var/lib/kubelet/config.yaml");
    std::fs::remove_file(&k).unwrap();
    let ups = "../".repeat(32);
    let rel = format!(
        "{ups}{}",
        outside
            .path()
            .join("config.yaml")
            .display()
            .to_string()
            .trim_start_matches('/')
    );
    std::os::unix::fs::symlink(&rel, &k).unwrap();
    // An unreadable kubeconfig: a directory where a file is expected (unreadable even for root), mode 000.
    let conf = root.path().join("etc/kubernetes/kubelet.conf");
    std::fs::remove_file(&conf).unwrap();
    std::fs::create_dir(&conf).unwrap();
    std::fs::set_permissions(&conf, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();

    let mut o = NodeOptions::new(root.path(), &cfg);
    o.benchmark = Some("cis-1.20".into());
    let run = run_node(&o).unwrap();
    // Not followed out: the apiserver manifest is absent under the root, so its checks print nothing and fail.
    for id in ["1.1.1", "1.1.2"] {
        let c = find(&run, id);
        assert_eq!(c.outcome.state, State::Fail, "{id}: {:?}", c.outcome);
        assert_eq!(c.outcome.actual, "", "{id}");
    }
    // The kubelet config is not read from outside: protectKernelDefaults stays unset.
    assert_eq!(find(&run, "4.2.6").outcome.state, State::Fail);
    // The kubeconfig is a mode-000 directory: stat still reports it (kube-bench's `stat` would too).
    let c = find(&run, "4.1.5");
    assert!(
        c.outcome.actual.contains("permissions=0"),
        "{:?}",
        c.outcome
    );
    assert_eq!(
        c.outcome.state,
        State::Pass,
        "mode 000 is within 644's bitmask"
    );
    // The rest of the run is unaffected.
    assert_eq!(find(&run, "1.2.20").outcome.state, State::Fail);
    assert_eq!(find(&run, "1.2.7").outcome.state, State::Pass);
    assert_eq!(find(&run, "2.1").outcome.state, State::Pass);
    // Without the kubelet config, anonymous-auth is found nowhere.
    assert_eq!(find(&run, "4.2.1").outcome.state, State::Fail);
}
