//! The Helm chart's ClusterRole with `rbac.inventory=true` grants what the Kubernetes watch reads: get, list and
//! watch on every kind of `bulwark_kube::CONTEXT_RESOURCES` (the risk-context feed) and on pods and namespaces
//! (placements), and nothing on Secrets or ConfigMaps. Checked against the code's own list so that a kind added
//! to the feed without a grant fails here rather than as a 403 warning in a cluster.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn render_cluster_role() -> Value {
    use serde::Deserialize as _;
    let helm = bulwark_k8s::find_tool("helm").unwrap_or_else(|| {
        panic!("helm is missing (../shared/tools/install-peers.sh): run .ci/install-deps.sh")
    });
    let out = Command::new(helm)
        .args([
            "template",
            "bulwark",
            "deploy/helm/bulwark",
            "--namespace",
            "bulwark",
            "--set",
            "rbac.inventory=true",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .find(|v| v["kind"] == "ClusterRole")
        .expect("a ClusterRole")
}

/// Whether some rule grants `verb` on `group`/`resource`.
fn granted(role: &Value, group: &str, resource: &str, verb: &str) -> bool {
    let has = |v: &Value, want: &str| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x == want || x == "*"))
    };
    role["rules"].as_array().unwrap().iter().any(|r| {
        has(&r["apiGroups"], group) && has(&r["resources"], resource) && has(&r["verbs"], verb)
    })
}

#[test]
fn the_inventory_cluster_role_grants_every_watched_kind_and_no_secret() {
    let role = render_cluster_role();
    let mut wanted: Vec<(String, String)> = bulwark_kube::CONTEXT_RESOURCES
        .iter()
        .map(|r| {
            let group = r
                .api
                .strip_prefix("apis/")
                .and_then(|g| g.rsplit_once('/'))
                .map_or(String::new(), |(g, _)| g.to_owned());
            (group, r.plural.to_owned())
        })
        .collect();
    wanted.push((String::new(), "pods".into()));
    wanted.push((String::new(), "namespaces".into()));
    assert!(wanted.contains(&("networking.k8s.io".into(), "ingresses".into())));
    for (group, resource) in &wanted {
        for verb in ["get", "list", "watch"] {
            assert!(
                granted(&role, group, resource, verb),
                "{verb} {group}/{resource} is not granted: {role:#}"
            );
        }
    }
    for secret in ["secrets", "configmaps"] {
        for verb in ["get", "list", "watch"] {
            assert!(
                !granted(&role, "", secret, verb),
                "{verb} {secret}: {role:#}"
            );
        }
    }
}
