//! `bulwark scan k8s` end to end: the corpus renders to SARIF and JUnit that pass the validators, lines point at
//! the offending field, and `--fail-on` gates.

mod common;

use common::{bulwark, fixtures, validate};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
";

#[test]
fn sarif_and_junit_of_the_corpus_validate() {
    let t = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("k8s-corpus/rendered");
    for (fmt, kind, file) in [
        ("sarif", "sarif", "k8s.sarif"),
        ("junit", "junit", "k8s.xml"),
    ] {
        let out = t.path().join(file);
        let o = bulwark(&[
            "scan",
            "k8s",
            "-q",
            "-f",
            fmt,
            "-o",
            out.to_str().unwrap(),
            corpus.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        validate(kind, &out);
    }
}

#[test]
fn finding_points_at_the_privileged_line_and_gates() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("pod.yaml");
    std::fs::write(&f, POD).unwrap();
    let o = bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--fail-on",
        "high",
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "privileged is HIGH or above: the gate fails"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let priv_ = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "privileged-container")
        .expect("finding");
    assert_eq!(priv_["location"]["line"], 10);
    let o = bulwark(&["scan", "k8s", "-q", "-f", "json", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "no gate, no failure");
}

/// Kinds other scanners' fixtures showed missing: an Argo Rollout is checked like a Deployment, an OpenShift SCC,
/// a ConfigMap key and a NodePort Service are findings, and a custom resource that keeps its pod spec where the
/// scanner does not read it is a warning naming file, document and kind (not silence, not an error).
#[test]
fn custom_workloads_scc_configmap_and_exposure() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("mixed.yaml");
    std::fs::write(
        &f,
        "apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo, namespace: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: argoproj/rollouts-demo:blue
        securityContext:
          privileged: true
---
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: consumer, namespace: web}
spec:
  jobTargetRef:
    template:
      spec:
        containers:
        - name: c
          image: busybox:1.36
---
apiVersion: security.openshift.io/v1
kind: SecurityContextConstraints
metadata: {name: too-open}
allowPrivilegedContainer: true
allowPrivilegeEscalation: false
runAsUser: {type: MustRunAsRange}
seLinuxContext: {type: MustRunAs}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: web}
data:
  db_password: hunter2
---
apiVersion: v1
kind: Service
metadata: {name: demo, namespace: web}
spec:
  type: NodePort
  ports:
  - port: 80
",
    )
    .unwrap();
    let path = f.to_str().unwrap();
    let o = bulwark(&["scan", "k8s", "-f", "json", "--fail-on", "critical", path]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a privileged Rollout is critical: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("mixed.yaml:20")
            && stderr.contains("document 2")
            && stderr.contains("ScaledJob"),
        "{stderr}"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let at = |name: &str| -> Vec<(u64, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["name"] == name)
            .map(|x| {
                (
                    x["location"]["line"].as_u64().unwrap(),
                    x["location"]["resource"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        at("privileged-container"),
        [(11, "Rollout/web/demo".to_string())],
        "the ScaledJob's containers are not checked, the Rollout's are"
    );
    assert_eq!(
        at("scc-privileged-container"),
        [(27, "SecurityContextConstraints/too-open".to_string())]
    );
    assert!(at("scc-relaxed-pod-constraints").is_empty());
    assert_eq!(
        at("secret-in-config-map"),
        [(36, "ConfigMap/web/settings".to_string())]
    );
    assert_eq!(
        at("node-port-service"),
        [(42, "Service/web/demo".to_string())]
    );
    let diags = r["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["level"], "warning");
    // Warnings alone do not fail the scan.
    let o = bulwark(&["scan", "k8s", "-q", "-f", "json", path]);
    assert_eq!(o.status.code(), Some(0));
}
