//! The best-practices group is off by default and runs when included; the API-version rules follow the target
//! Kubernetes version and see kinds the model does not build; dangling references need the referenced kind in
//! the input.

use bulwark_k8s::{ScanOptions, pss, scan_bytes};

const ONE_REPLICA: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
";

fn names(r: &bulwark_k8s::K8sScan) -> Vec<&str> {
    r.findings
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect()
}

#[test]
fn best_practices_only_when_included() {
    let r = scan_bytes("d.yaml", ONE_REPLICA.as_bytes(), &ScanOptions::default());
    assert!(!names(&r).contains(&"low-replica-count"), "{:?}", names(&r));
    assert!(!names(&r).contains(&"missing-priority-class"));
    let opts = ScanOptions {
        include: vec!["best-practices".into()],
        ..ScanOptions::default()
    };
    let r = scan_bytes("d.yaml", ONE_REPLICA.as_bytes(), &opts);
    let n = names(&r);
    assert!(n.contains(&"low-replica-count"), "{n:?}");
    assert!(n.contains(&"missing-priority-class"), "{n:?}");
    // The default rules still run alongside.
    assert!(n.contains(&"missing-resource-limits"), "{n:?}");
    // One optional rule by name.
    let opts = ScanOptions {
        include: vec!["low-replica-count".into()],
        ..ScanOptions::default()
    };
    let n: Vec<String> = names(&scan_bytes("d.yaml", ONE_REPLICA.as_bytes(), &opts))
        .into_iter()
        .map(str::to_string)
        .collect();
    assert!(n.iter().any(|x| x == "low-replica-count"));
    assert!(!n.iter().any(|x| x == "missing-priority-class"));
}

#[test]
fn unknown_group_is_an_error() {
    let opts = ScanOptions {
        include: vec!["best-practise".into()],
        ..ScanOptions::default()
    };
    let e = bulwark_k8s::scan(&[], &opts).unwrap_err();
    assert!(e.to_string().contains("best-practices"), "{e}");
}

const PDB_V1BETA1: &str = "apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: zk}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: zookeeper}}
";

#[test]
fn api_versions_follow_the_target() {
    let at = |v: &str| {
        let opts = ScanOptions {
            k8s_version: pss::Version::parse(v).unwrap(),
            ..ScanOptions::default()
        };
        let r = scan_bytes("pdb.yaml", PDB_V1BETA1.as_bytes(), &opts);
        r.findings
            .iter()
            .map(|f| (f.id.clone(), f.severity.to_string(), f.location.line))
            .collect::<Vec<_>>()
    };
    // policy/v1beta1 PodDisruptionBudget: deprecated in v1.21, removed in v1.25 (migration guide).
    assert!(at("v1.20").is_empty());
    assert_eq!(
        at("v1.21"),
        vec![("BW-K8S-0086".into(), "LOW".into(), Some(1))]
    );
    assert_eq!(
        at("v1.24"),
        vec![("BW-K8S-0086".into(), "LOW".into(), Some(1))]
    );
    assert_eq!(
        at("v1.25"),
        vec![("BW-K8S-0085".into(), "HIGH".into(), Some(1))]
    );
    assert_eq!(
        at("latest"),
        vec![("BW-K8S-0085".into(), "HIGH".into(), Some(1))]
    );
    // A PodDisruptionBudget is read by the best-practices rules, so it counts as a checked object; a kind the
    // model does not build (PodSecurityPolicy) gets the API-version rules but is not counted.
    let r = scan_bytes("pdb.yaml", PDB_V1BETA1.as_bytes(), &ScanOptions::default());
    assert_eq!(r.objects, 1);
    let psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {privileged: true}\n";
    let r = scan_bytes("psp.yaml", psp.as_bytes(), &ScanOptions::default());
    assert_eq!(r.objects, 0);
    assert_eq!(
        r.findings.iter().map(|f| f.id.as_ref()).collect::<Vec<_>>(),
        ["BW-K8S-0085"]
    );
}

#[test]
fn service_account_reference_needs_accounts_in_the_input() {
    let pod = "apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ci}
spec:
  serviceAccountName: runner
  containers:
  - name: c
    image: x
";
    let id = |r: &bulwark_k8s::K8sScan| r.findings.iter().any(|f| f.id == "BW-K8S-0084");
    assert!(!id(&scan_bytes(
        "p.yaml",
        pod.as_bytes(),
        &ScanOptions::default()
    )));
    let with_other_sa = format!(
        "{pod}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: builder, namespace: ci}}\n"
    );
    let r = scan_bytes("p.yaml", with_other_sa.as_bytes(), &ScanOptions::default());
    assert!(id(&r));
    let f = r.findings.iter().find(|f| f.id == "BW-K8S-0084").unwrap();
    assert_eq!(f.location.line, Some(5));
    // In another namespace the account does not count.
    let other_ns = format!(
        "{pod}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: runner, namespace: dev}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: x, namespace: ci}}\n"
    );
    assert!(id(&scan_bytes(
        "p.yaml",
        other_ns.as_bytes(),
        &ScanOptions::default()
    )));
}

#[test]
fn replica_rules_see_custom_workloads_by_kind_but_not_a_knative_service() {
    let opts = ScanOptions {
        include: vec!["low-replica-count".into()],
        ..ScanOptions::default()
    };
    // An OpenShift DeploymentConfig and an Argo Rollout carry `replicas` as a Deployment does.
    for (api, kind) in [
        ("apps.openshift.io/v1", "DeploymentConfig"),
        ("argoproj.io/v1alpha1", "Rollout"),
    ] {
        let y = ONE_REPLICA
            .replace("apps/v1", api)
            .replace("kind: Deployment", &format!("kind: {kind}"));
        let r = scan_bytes("d.yaml", y.as_bytes(), &opts);
        assert!(
            names(&r).contains(&"low-replica-count"),
            "{kind}: {:?}",
            names(&r)
        );
    }
    // A custom resource named like a core kind is not that kind.
    let y = ONE_REPLICA
        .replace("apps/v1", "example.com/v1")
        .replace("kind: Deployment", "kind: StatefulSet");
    let r = scan_bytes("d.yaml", y.as_bytes(), &opts);
    assert!(!names(&r).contains(&"low-replica-count"), "{:?}", names(&r));
    assert!(
        names(&r).contains(&"missing-resource-limits"),
        "{:?}",
        names(&r)
    );
}
