//! Cross-object facts: exposure attached to workload findings, RBAC reaching a workload's service account,
//! kubesec-style scores and compliance summaries.

use std::fmt::Write as _;

use bulwark_k8s::{Framework, ScanOptions, scan_bytes};

const APP: &str = r"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
      - name: c
        image: web:1.0
        securityContext:
          privileged: true
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules:
- apiGroups: ['']
  resources: [secrets]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- kind: ServiceAccount
  name: web
";

#[test]
fn exposure_and_rbac_reach_are_attached() {
    let r = scan_bytes("app.yaml", APP.as_bytes(), &ScanOptions::default());
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "BW-K8S-0002")
        .expect("privileged");
    assert_eq!(f.location.line, Some(14));
    let exposure: Vec<&str> = f.properties["exposure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        exposure
            .iter()
            .any(|e| e.starts_with("LoadBalancer (Service web-lb)")),
        "{exposure:?}"
    );
    assert!(
        exposure
            .iter()
            .any(|e| e.starts_with("Ingress (via Service web)")),
        "{exposure:?}"
    );
    // The finding names the service account; what RBAC grants it is stored once, in the scan.
    assert_eq!(f.properties["serviceAccount"], "shop/web");
    assert!(!f.properties.contains_key("serviceAccountRbac"));
    let rbac = &r.service_accounts["shop/web"];
    assert_eq!(
        rbac,
        &["RoleBinding web-reader -> Role reader: get,list on secrets"]
    );
    let workload = r
        .workloads
        .iter()
        .find(|w| w.resource == "Deployment/shop/web")
        .unwrap();
    assert_eq!(workload.service_account, "shop/web");
    // The Role itself is flagged for reading Secrets.
    assert!(r.findings.iter().any(|f| f.id == "BW-K8S-0036"));
    // Selector of both Services matches the Deployment's pods.
    assert!(!r.findings.iter().any(|f| f.id == "BW-K8S-0042"));
    // No NetworkPolicy in shop.
    assert!(
        r.findings
            .iter()
            .any(|f| f.id == "BW-K8S-0041" && f.location.line == Some(2))
    );
}

/// Red-team case 73: N Pods of one service account and N RoleBindings of it. The account's N permission lines
/// are stored once, not copied into each of the Pods' findings (which made 158 KB of YAML take 1.1 GB).
#[test]
fn rbac_reach_is_stored_once_per_service_account() {
    let n = 300;
    let mut yaml = String::new();
    for i in 0..n {
        let _ = write!(
            yaml,
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n---\n"
        );
    }
    for i in 0..n {
        let _ = write!(
            yaml,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: rb{i}}}\nsubjects: [{{kind: ServiceAccount, name: default}}]\nroleRef: {{kind: ClusterRole, name: r{i}, apiGroup: rbac.authorization.k8s.io}}\n---\n"
        );
    }
    let r = scan_bytes("rb.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert_eq!(r.service_accounts.len(), 1);
    let reach = &r.service_accounts["default/default"];
    assert_eq!(reach.len(), n);
    assert_eq!(
        reach[7],
        "RoleBinding rb7 -> ClusterRole r7 (not in the input)"
    );
    assert_eq!(r.workloads.len(), n);
    assert!(
        r.workloads
            .iter()
            .all(|w| w.service_account == "default/default")
    );
    let pod_findings: Vec<_> = r
        .findings
        .iter()
        .filter(|f| {
            f.location
                .resource
                .as_deref()
                .is_some_and(|x| x.starts_with("Pod/"))
        })
        .collect();
    assert!(pod_findings.len() >= n);
    for f in pod_findings {
        assert_eq!(f.properties["serviceAccount"], "default/default");
        let size = serde_json::to_string(&f.properties).unwrap().len();
        assert!(size < 2000, "{size} bytes of properties on one finding");
    }
}

#[test]
fn scores_rank_hardened_above_privileged() {
    let r = scan_bytes("app.yaml", APP.as_bytes(), &ScanOptions::default());
    let bad = r
        .workloads
        .iter()
        .find(|w| w.resource == "Deployment/shop/web")
        .unwrap();
    assert!(bad.score < -30, "{bad:?}");
    assert_eq!(bad.exposure.len(), 2);
    let hardened = "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  serviceAccountName: h\n  automountServiceAccountToken: false\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile: {type: RuntimeDefault}\n  containers:\n  - name: c\n    image: h:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    securityContext:\n      allowPrivilegeEscalation: false\n      readOnlyRootFilesystem: true\n      capabilities: {drop: [ALL]}\n    resources:\n      limits: {cpu: 100m, memory: 64Mi}\n      requests: {cpu: 100m, memory: 64Mi}\n    livenessProbe: {tcpSocket: {port: 8080}}\n    readinessProbe: {tcpSocket: {port: 8080}}\n";
    let r = scan_bytes("h.yaml", hardened.as_bytes(), &ScanOptions::default());
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_ref()).collect();
    assert_eq!(
        ids,
        ["BW-K8S-0041"],
        "only the missing NetworkPolicy remains"
    );
    assert!(r.workloads[0].score > 0, "{:?}", r.workloads[0]);
}

#[test]
fn compliance_summaries() {
    let r = scan_bytes("app.yaml", APP.as_bytes(), &ScanOptions::default());
    let c = r.compliance(Framework::PssBaseline);
    assert!(
        c.controls
            .iter()
            .any(|x| x.control == "Privileged Containers" && x.failed)
    );
    assert!(
        c.controls
            .iter()
            .any(|x| x.control == "Host Namespaces" && !x.failed)
    );
    assert_eq!(c.passed + c.failed, c.controls.len());
    let c = r.compliance(Framework::Cis);
    assert!(c.controls.iter().any(|x| x.control == "5.2.2" && x.failed));
    assert!(c.controls.iter().any(|x| x.control == "5.1.2" && x.failed));
    let restricted = r.compliance(Framework::PssRestricted);
    assert!(restricted.controls.len() > c.controls.len() / 3);
}
