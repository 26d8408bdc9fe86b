//! What the coverage additions say, beyond the lines their case files pin: which NetworkPolicy direction is left
//! open, why a pod's token is mounted, and that the new kind rules look only at the API group they are about.

use bulwark_k8s::{ScanOptions, scan_bytes};

fn messages(yaml: &str, rule: &str) -> Vec<String> {
    let opts = ScanOptions {
        only_rules: vec![rule.to_string()],
        ..ScanOptions::default()
    };
    let r = scan_bytes("t.yaml", yaml.as_bytes(), &opts);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r.findings
        .into_iter()
        .map(|f| f.message.to_string())
        .collect()
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: c, image: x}\n";

#[test]
fn network_policy_message_names_the_open_direction() {
    let policy = |types: &str| {
        format!(
            "{WEB}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec:\n  podSelector: {{}}\n{types}"
        )
    };
    let m = messages(WEB, "workload-without-network-policy");
    assert!(m[0].ends_with("for ingress or egress"), "{m:?}");
    let m = messages(
        &policy("  policyTypes: [Ingress]\n"),
        "workload-without-network-policy",
    );
    assert!(m[0].ends_with("for egress"), "{m:?}");
    let m = messages(
        &policy("  policyTypes: [Egress]\n"),
        "workload-without-network-policy",
    );
    assert!(m[0].ends_with("for ingress"), "{m:?}");
    // No policyTypes, egress rules present: both directions (the API server's default).
    let m = messages(
        &policy("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n"),
        "workload-without-network-policy",
    );
    assert!(m.is_empty(), "{m:?}");
    // A policy in another namespace covers nothing here.
    let other = format!(
        "{WEB}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: other}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
    );
    let m = messages(&other, "workload-without-network-policy");
    assert!(m[0].ends_with("for ingress or egress"), "{m:?}");
}

#[test]
fn automount_message_names_the_service_account() {
    let sa = |v: &str| {
        format!(
            "{WEB}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: default, namespace: shop}}\n{v}"
        )
    };
    let m = messages(WEB, "service-account-token-automount");
    assert!(
        m[0].contains("ServiceAccount default is not in the input"),
        "{m:?}"
    );
    let m = messages(
        &sa("automountServiceAccountToken: true\n"),
        "service-account-token-automount",
    );
    assert_eq!(m.len(), 2, "the pod and the ServiceAccount: {m:?}");
    assert!(m.iter().any(|x| x.contains("sets it to true")), "{m:?}");
    let m = messages(&sa(""), "service-account-token-automount");
    assert!(
        m.iter()
            .any(|x| x.contains("neither the pod nor its ServiceAccount default")),
        "{m:?}"
    );
    let m = messages(
        &sa("automountServiceAccountToken: false\n"),
        "service-account-token-automount",
    );
    assert!(m.is_empty(), "{m:?}");
}

#[test]
fn kind_rules_check_only_their_api_group() {
    // A custom resource that happens to be named like a core or OpenShift kind is not that kind.
    let yaml = "apiVersion: example.com/v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  password: hunter2\n---\napiVersion: example.com/v1\nkind: SecurityContextConstraints\nmetadata: {name: s}\nallowPrivilegedContainer: true\n---\napiVersion: example.com/v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n";
    for rule in [
        "secret-in-config-map",
        "scc-privileged-container",
        "node-port-service",
    ] {
        assert!(messages(yaml, rule).is_empty(), "{rule}");
    }
    // The real ones are.
    let yaml = yaml
        .replace(
            "apiVersion: example.com/v1\nkind: ConfigMap",
            "apiVersion: v1\nkind: ConfigMap",
        )
        .replace(
            "example.com/v1\nkind: SecurityContextConstraints",
            "security.openshift.io/v1\nkind: SecurityContextConstraints",
        )
        .replace("example.com/v1\nkind: Service", "v1\nkind: Service");
    for rule in [
        "secret-in-config-map",
        "scc-privileged-container",
        "node-port-service",
    ] {
        assert_eq!(messages(&yaml, rule).len(), 1, "{rule}");
    }
}
