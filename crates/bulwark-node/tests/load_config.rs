//! kube-bench's cfg/config.yaml: components, candidates, defaults, mappings and the variables built from them.

use bulwark_node::config::{self, Config};
use std::path::Path;

fn cfg() -> Config {
    Config::load(Path::new(
        "/work/shared/fixtures/upstream/kube-bench/cfg/config.yaml",
    ))
    .unwrap()
}

#[test]
fn targets_components_and_mappings() {
    let c = cfg();
    let names: Vec<&str> = c.targets.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "controlplane",
            "etcd",
            "managedservices",
            "master",
            "node",
            "policies"
        ]
    );
    assert_eq!(
        c.targets["node"].components,
        ["kubelet", "proxy", "kubernetes"]
    );
    let kubelet = &c.targets["node"].settings["kubelet"];
    assert_eq!(kubelet.candidates["bins"], ["hyperkube kubelet", "kubelet"]);
    assert_eq!(
        kubelet.defaults["defaultconf"],
        "/var/lib/kubelet/config.yaml"
    );
    assert!(c.targets["node"].settings["proxy"].optional);
    // Mapping keys stay strings: "1.20" is not the float 1.2.
    assert_eq!(c.benchmark_for("1.20"), Some("cis-1.20"));
    assert_eq!(c.benchmark_for("1.2"), None);
    assert_eq!(c.benchmark_for("1.21.1"), Some("cis-1.20"));
    assert_eq!(c.benchmark_for("v1.28.3"), Some("cis-1.10"));
    assert_eq!(c.benchmark_for("1.34"), Some("cis-1.12"));
    assert_eq!(c.benchmark_for("eks-1.2.0"), Some("eks-1.2.0"));
    assert_eq!(
        c.targets_for("cis-1.12"),
        ["master", "node", "controlplane", "etcd", "policies"]
    );
    assert!(c.targets["policies"].components.is_empty());
}

#[test]
fn variables_as_kube_bench_names_them() {
    let c = cfg();
    let running = |b: &str| b == "kubelet";
    let exists = |p: &str| {
        p == "/etc/kubernetes/kubelet/kubeconfig" || p == "/lib/systemd/system/kubelet.service"
    };
    let v = c.variables("node", &running, &exists);
    assert_eq!(v["kubeletbin"], "kubelet");
    // Found on disk beats the default.
    assert_eq!(v["kubeletkubeconfig"], "/etc/kubernetes/kubelet/kubeconfig");
    assert_eq!(v["kubeletsvc"], "/lib/systemd/system/kubelet.service");
    // The kubelet's confs list its service files too (config.yaml's comment: a kubelet without a config file).
    assert_eq!(v["kubeletconf"], "/lib/systemd/system/kubelet.service");
    // Nothing found: the default.
    let none = c.variables("node", &running, &|_| false);
    assert_eq!(none["kubeletconf"], "/var/lib/kubelet/config.yaml");
    assert_eq!(v["kubeletcafile"], "/etc/kubernetes/pki/ca.crt");
    assert_eq!(v["proxykubeconfig"], "/etc/kubernetes/proxy.conf");
    assert_eq!(v["kubernetesconf"], "/etc/kubernetes/config");
    // No default bin: the first candidate.
    assert_eq!(v["proxybin"], "kube-proxy");
    let m = c.variables("master", &|b| b == "hyperkube apiserver", &|_| false);
    assert_eq!(m["apiserverbin"], "hyperkube apiserver");
    assert_eq!(
        m["apiserverconf"],
        "/etc/kubernetes/manifests/kube-apiserver.yaml"
    );
    assert_eq!(m["schedulerkubeconfig"], "/etc/kubernetes/scheduler.conf");
    let e = c.variables("etcd", &|_| false, &|_| false);
    assert_eq!(e["etcddatadir"], "/var/lib/etcd/default.etcd");
    assert!(c.variables("policies", &|_| true, &|_| true).is_empty());
}

#[test]
fn substitution_and_benchmark_overrides() {
    let c = cfg();
    let v = c.variables("node", &|_| false, &|_| false);
    assert_eq!(
        config::substitute(
            "/bin/sh -c 'if test -e $kubeletconf; then stat -c %a $kubeletconf; fi; echo $d $HOME'",
            &v
        ),
        "/bin/sh -c 'if test -e /var/lib/kubelet/config.yaml; then stat -c %a /var/lib/kubelet/config.yaml; fi; echo $d $HOME'"
    );
    let mut c = cfg();
    let over = Config::load(Path::new(
        "/work/shared/fixtures/upstream/kube-bench/cfg/eks-stig-kubernetes-v1r6/config.yaml",
    ))
    .unwrap();
    assert_eq!(over.settings["AWS_REGION"], "<AWS_REGION>");
    c.merge(over);
    assert_eq!(c.settings["CLUSTER_ARN"], "<AWS_CLUSTER_ARN>");
    assert_eq!(c.benchmark_for("1.32"), Some("cis-1.12"));
}

#[test]
fn errors_name_the_line() {
    let e = Config::parse(
        "master:\n  components:\n    - a\n  a:\n    bins:\n      x: 1\n",
        "c.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("c.yaml:6:"), "{e}");
    let e = Config::parse("version_mapping:\n  - 1\n", "c.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("c.yaml:2:"), "{e}");
}
