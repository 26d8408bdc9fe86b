//! A kind-like node root (the control-plane node of a kind v0.11.1 cluster, `kindest/node:v1.21.1`, the cluster
//! kube-bench's `integration/testdata/Expected_output.data` was recorded on), written under a directory:
//! `/proc/<pid>/{cmdline,comm,status}` of the control plane, etcd, the kubelet and a few neighbours with the flags
//! kubeadm v1.21 and kind's kubeadm config give them, the static pod manifests, the kubeconfigs, the PKI, the kubelet
//! config and its systemd units, `/var/lib/etcd`, `/etc/passwd` and `/etc/group`, with kubeadm's modes (owners are
//! root's; `chown` is tried so a root run gets them whatever the umask). Where each input comes from: the crate
//! README's "Runner" section.
//!
//! Shared by the tests (`#[path = "../examples/synthetic_root.rs"] mod synthetic_root;`) and `bench/node.sh`:
//! `cargo run --release -p bulwark-node --example synthetic_root -- DIR`.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The node's address on kind's docker network.
const IP: &str = "172.18.0.2";

/// The processes: pid, parent, command line.
fn processes() -> Vec<(u32, u32, Vec<String>)> {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    vec![
        (1, 0, words("/sbin/init")),
        (95, 1, words("/usr/local/bin/containerd")),
        (
            196,
            1,
            words(&format!(
                "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf \
                 --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml \
                 --container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock \
                 --fail-swap-on=false --node-ip={IP} --node-labels= \
                 --provider-id=kind://docker/kind/kind-control-plane --fail-swap-on=false --cgroup-root=/kubelet"
            )),
        ),
        (
            331,
            250,
            words(&format!(
                "kube-apiserver --advertise-address={IP} --allow-privileged=true --authorization-mode=Node,RBAC \
                 --client-ca-file=/etc/kubernetes/pki/ca.crt --enable-admission-plugins=NodeRestriction \
                 --enable-bootstrap-token-auth=true --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt \
                 --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt \
                 --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key \
                 --etcd-servers=https://127.0.0.1:2379 --insecure-port=0 \
                 --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt \
                 --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key \
                 --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname \
                 --proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt \
                 --proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key \
                 --requestheader-allowed-names=front-proxy-client \
                 --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt \
                 --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
                 --requestheader-username-headers=X-Remote-User --runtime-config= --secure-port=6443 \
                 --service-account-issuer=https://kubernetes.default.svc.cluster.local \
                 --service-account-key-file=/etc/kubernetes/pki/sa.pub \
                 --service-account-signing-key-file=/etc/kubernetes/pki/sa.key \
                 --service-cluster-ip-range=10.96.0.0/16 --tls-cert-file=/etc/kubernetes/pki/apiserver.crt \
                 --tls-private-key-file=/etc/kubernetes/pki/apiserver.key"
            )),
        ),
        (
            338,
            251,
            words(
                "kube-controller-manager --allocate-node-cidrs=true \
                 --authentication-kubeconfig=/etc/kubernetes/controller-manager.conf \
                 --authorization-kubeconfig=/etc/kubernetes/controller-manager.conf --bind-address=127.0.0.1 \
                 --client-ca-file=/etc/kubernetes/pki/ca.crt --cluster-cidr=10.244.0.0/16 --cluster-name=kind \
                 --cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt \
                 --cluster-signing-key-file=/etc/kubernetes/pki/ca.key --controllers=*,bootstrapsigner,tokencleaner \
                 --enable-hostpath-provisioner=true --kubeconfig=/etc/kubernetes/controller-manager.conf \
                 --leader-elect=true --port=0 --requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt \
                 --root-ca-file=/etc/kubernetes/pki/ca.crt \
                 --service-account-private-key-file=/etc/kubernetes/pki/sa.key \
                 --service-cluster-ip-range=10.96.0.0/16 --use-service-account-credentials=true",
            ),
        ),
        (
            345,
            252,
            words(
                "kube-scheduler --authentication-kubeconfig=/etc/kubernetes/scheduler.conf \
                 --authorization-kubeconfig=/etc/kubernetes/scheduler.conf --bind-address=127.0.0.1 \
                 --kubeconfig=/etc/kubernetes/scheduler.conf --leader-elect=true --port=0",
            ),
        ),
        (
            352,
            253,
            words(&format!(
                "etcd --advertise-client-urls=https://{IP}:2379 --cert-file=/etc/kubernetes/pki/etcd/server.crt \
                 --client-cert-auth=true --data-dir=/var/lib/etcd --initial-advertise-peer-urls=https://{IP}:2380 \
                 --initial-cluster=kind-control-plane=https://{IP}:2380 --key-file=/etc/kubernetes/pki/etcd/server.key \
                 --listen-client-urls=https://127.0.0.1:2379,https://{IP}:2379 \
                 --listen-metrics-urls=http://127.0.0.1:2381 --listen-peer-urls=https://{IP}:2380 \
                 --name=kind-control-plane --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt \
                 --peer-client-cert-auth=true --peer-key-file=/etc/kubernetes/pki/etcd/peer.key \
                 --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt --snapshot-count=10000 \
                 --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"
            )),
        ),
        (
            610,
            560,
            words(
                "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf \
                 --hostname-override=kind-control-plane",
            ),
        ),
        (655, 561, words("/bin/kindnetd")),
        (820, 700, words("/coredns -conf /etc/coredns/Corefile")),
    ]
}

const KUBELET_CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: cgroupfs
cgroupRoot: /kubelet
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
cpuManagerReconcilePeriod: 0s
evictionHard:
  imagefs.available: 0%
  nodefs.available: 0%
  nodefs.inodesFree: 0%
evictionPressureTransitionPeriod: 0s
failSwapOn: false
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageGCHighThresholdPercent: 100
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
";

const KUBEADM_DROPIN: &str = "[Service]
Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"
Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
";

const KUBELET_SERVICE: &str = "[Unit]
Description=kubelet: The Kubernetes Node Agent
[Service]
ExecStart=/usr/bin/kubelet
Restart=always
[Install]
WantedBy=multi-user.target
";

fn file(root: &Path, path: &str, body: &[u8], mode: u32) {
    let real = root.join(path.trim_start_matches('/'));
    if let Some(dir) = real.parent() {
        std::fs::create_dir_all(dir).expect("create a directory of the synthetic root");
    }
    std::fs::write(&real, body).expect("write a file of the synthetic root");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(mode)).expect("chmod");
    // Root-owned as on the node; only root can give files away, so a non-root run keeps its own uid.
    let _ = std::os::unix::fs::chown(&real, Some(0), Some(0));
}

fn dir(root: &Path, path: &str, mode: u32) {
    let real = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(&real).expect("create a directory of the synthetic root");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(mode)).expect("chmod");
    let _ = std::os::unix::fs::chown(&real, Some(0), Some(0));
}

/// A static pod manifest: kubeadm's shape, the command as the process runs it, the image tag of the release.
fn manifest(name: &str, image: &str, args: &[String]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: {name}\n    tier: control-plane\n  \
         name: {name}\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n"
    );
    for a in args {
        let _ = writeln!(s, "    - {a}");
    }
    let _ = write!(
        s,
        "    image: {image}\n    imagePullPolicy: IfNotPresent\n    name: {name}\n  hostNetwork: true\n  \
         priorityClassName: system-node-critical\n"
    );
    s
}

const KUBECONFIG: &str = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: c3ludGhldGlj
    server: https://kind-control-plane:6443
  name: kind
contexts:
- context:
    cluster: kind
    user: synthetic
  name: synthetic@kind
current-context: synthetic@kind
kind: Config
users:
- name: synthetic
  user:
    client-certificate-data: c3ludGhldGlj
    client-key-data: c3ludGhldGlj
";

/// Writes the kind-like root under `root` (created if absent).
#[allow(unreachable_pub)]
pub fn write(root: &Path) {
    dir(root, "/", 0o755);
    file(root, "/etc/hostname", b"kind-control-plane\n", 0o644);
    file(
        root,
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
          nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        0o644,
    );
    file(
        root,
        "/etc/group",
        b"root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n",
        0o644,
    );

    let procs = processes();
    for (pid, ppid, args) in &procs {
        let base = args[0].rsplit('/').next().unwrap_or(&args[0]);
        let comm: String = base.chars().take(15).collect();
        let mut cmdline = args.join("\0");
        cmdline.push('\0');
        file(
            root,
            &format!("/proc/{pid}/cmdline"),
            cmdline.as_bytes(),
            0o444,
        );
        file(
            root,
            &format!("/proc/{pid}/comm"),
            format!("{comm}\n").as_bytes(),
            0o444,
        );
        file(
            root,
            &format!("/proc/{pid}/status"),
            format!("Name:\t{comm}\nState:\tS (sleeping)\nPid:\t{pid}\nPPid:\t{ppid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n")
                .as_bytes(),
            0o444,
        );
    }
    let args_of = |name: &str| {
        procs
            .iter()
            .find(|(_, _, a)| a[0] == name)
            .map(|(_, _, a)| a.clone())
            .unwrap_or_default()
    };
    for (name, bin) in [
        ("kube-apiserver", "kube-apiserver"),
        ("kube-controller-manager", "kube-controller-manager"),
        ("kube-scheduler", "kube-scheduler"),
        ("etcd", "etcd"),
    ] {
        let image = if name == "etcd" {
            "k8s.gcr.io/etcd:3.4.13-0".to_string()
        } else {
            format!("k8s.gcr.io/{name}:v1.21.1")
        };
        file(
            root,
            &format!("/etc/kubernetes/manifests/{name}.yaml"),
            manifest(name, &image, &args_of(bin)).as_bytes(),
            0o600,
        );
    }
    for conf in [
        "admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
        "kubelet.conf",
    ] {
        file(
            root,
            &format!("/etc/kubernetes/{conf}"),
            KUBECONFIG.as_bytes(),
            0o600,
        );
    }
    dir(root, "/etc/kubernetes/pki", 0o755);
    dir(root, "/etc/kubernetes/pki/etcd", 0o755);
    let pem = |what: &str| format!("-----BEGIN {what}-----\nc3ludGhldGlj\n-----END {what}-----\n");
    for name in [
        "ca",
        "apiserver",
        "apiserver-kubelet-client",
        "apiserver-etcd-client",
        "front-proxy-ca",
        "front-proxy-client",
        "etcd/ca",
        "etcd/server",
        "etcd/peer",
        "etcd/healthcheck-client",
    ] {
        file(
            root,
            &format!("/etc/kubernetes/pki/{name}.crt"),
            pem("CERTIFICATE").as_bytes(),
            0o644,
        );
        file(
            root,
            &format!("/etc/kubernetes/pki/{name}.key"),
            pem("RSA PRIVATE KEY").as_bytes(),
            0o600,
        );
    }
    file(
        root,
        "/etc/kubernetes/pki/sa.key",
        pem("RSA PRIVATE KEY").as_bytes(),
        0o600,
    );
    file(
        root,
        "/etc/kubernetes/pki/sa.pub",
        pem("PUBLIC KEY").as_bytes(),
        0o644,
    );

    file(
        root,
        "/var/lib/kubelet/config.yaml",
        KUBELET_CONFIG.as_bytes(),
        0o644,
    );
    file(
        root,
        "/var/lib/kubelet/kubeadm-flags.env",
        b"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock\"\n",
        0o644,
    );
    file(
        root,
        "/etc/systemd/system/kubelet.service",
        KUBELET_SERVICE.as_bytes(),
        0o644,
    );
    file(
        root,
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        KUBEADM_DROPIN.as_bytes(),
        0o644,
    );
    dir(root, "/var/lib/etcd", 0o700);
    dir(root, "/var/lib/etcd/member", 0o700);
    file(
        root,
        "/etc/cni/net.d/10-kindnet.conflist",
        b"{\"cniVersion\": \"0.3.1\", \"name\": \"kindnet\", \"plugins\": [{\"type\": \"ptp\"}]}\n",
        0o644,
    );
    // A stand-in for the kubelet binary: what the Go linker leaves of `-X …version.gitVersion=v1.21.1` (a bare
    // NUL-delimited string) among module versions that only occur inside longer strings.
    let mut bin = b"\x7fELF\x02\x01\x01\0synthetic kubelet\0".to_vec();
    bin.extend_from_slice(b"dep\tgithub.com/spf13/cobra\tv1.1.1\th1:synthetic\n");
    bin.extend_from_slice(b"\0\0v1.21.1\0v1.21.1\0\0go1.16.4\0");
    file(root, "/usr/bin/kubelet", &bin, 0o755);
    // The kernel's link to the running binary, as the host names it (read under the root).
    let exe = root.join("proc/196/exe");
    let _ = std::fs::remove_file(&exe);
    std::os::unix::fs::symlink("/usr/bin/kubelet", &exe).expect("symlink /proc/196/exe");
}

#[allow(dead_code)]
fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: synthetic_root DIR");
        std::process::exit(2);
    };
    write(Path::new(&dir));
}
