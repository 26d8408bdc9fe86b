//! `bulwark scan k8s --images`: the workloads' images are scanned against a DB built from the hand-checked
//! Alpine 3.14 secdb (bulwark-vulndb's testdata), and each image's vulnerabilities are scored in the context of
//! each workload (docs/risk.md). The expectations are orderings from the definitions: the same image in a
//! privileged, internet-exposed pod without NetworkPolicy outranks it in a non-root, read-only, isolated pod.

mod common;

use std::path::Path;

fn manifests(dir: &Path, image: &str) {
    std::fs::write(
        dir.join("app.yaml"),
        format!(
            r"apiVersion: apps/v1
kind: Deployment
metadata: {{name: exposed, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: exposed}}}}
  template:
    metadata: {{labels: {{app: exposed}}}}
    spec:
      containers:
      - name: app
        image: {image}
        securityContext: {{privileged: true}}
---
apiVersion: v1
kind: Service
metadata: {{name: exposed, namespace: shop}}
spec: {{type: LoadBalancer, selector: {{app: exposed}}, ports: [{{port: 80}}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: internal, namespace: back}}
spec:
  selector: {{matchLabels: {{app: internal}}}}
  template:
    metadata: {{labels: {{app: internal}}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
      containers:
      - name: app
        image: {image}
        securityContext: {{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: deny, namespace: back}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: missing, namespace: back}}
spec:
  containers: [{{name: c, image: {missing}}}]
",
            missing = dir.join("no-such-image.tar").display()
        ),
    )
    .unwrap();
    // A hostile name: an ANSI escape (YAML's `\e`) in a workload whose image is missing too.
    std::fs::write(
        dir.join("evil.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"evil\\e[31m\", namespace: back}\nspec:\n  containers: [{name: c, image: /nonexistent/evil.tar}]\n",
    )
    .unwrap();
}

#[test]
fn images_are_scanned_and_workloads_ranked_by_risk_in_context() {
    let image = common::image("alpine314.docker.tar");
    assert!(Path::new(&image).is_file(), "fixture {image}");
    let db = common::build_db(
        "k8s-risk.db",
        &[("--secdb", common::vulndb_testdata("alpine-secdb"))],
    );
    let dir = tempfile::tempdir().unwrap();
    manifests(dir.path(), &image);
    let d = dir.path().to_str().unwrap();
    let db = db.to_str().unwrap();
    let out = common::bulwark(&[
        "scan",
        "k8s",
        d,
        "--images",
        "--db",
        db,
        "--skip-db-update",
        "--sort",
        "risk",
        "-f",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let rows = doc["workloadRisk"].as_array().expect("workloadRisk");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["resource"] == name)
            .unwrap_or_else(|| panic!("no {name} in {rows:?}"))
    };
    let (exposed, internal) = (
        row("Deployment/shop/exposed"),
        row("Deployment/back/internal"),
    );
    // The same image: the same vulnerabilities, found by the DB (alpine 3.14's secdb has advisories for its
    // packages).
    assert!(exposed["findings"].as_u64().unwrap() > 0, "{exposed}");
    assert_eq!(exposed["findings"], internal["findings"]);
    assert!(
        exposed["score"].as_f64().unwrap() > internal["score"].as_f64().unwrap(),
        "{exposed} vs {internal}"
    );
    let names: Vec<&str> = exposed["factors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&"privileged"), "{names:?}");
    assert!(names.contains(&"in-running-image"), "{names:?}");
    // The image config's `created` (2026-11-22 in this fixture, which was rebuilt here without Docker) gives the
    // age factor; which age class depends on today's date, so any of them, but one must be there.
    assert!(
        names.iter().any(|n| matches!(
            *n,
            "image-recent" | "image-older-than-six-months" | "image-older-than-a-year"
        )),
        "{names:?}"
    );
    // An image that cannot be read: a warning naming it, and a workload scored without findings.
    let missing = row("Pod/back/missing");
    assert_eq!(missing["findings"], 0);
    assert_eq!(missing["score"].as_f64(), Some(0.0));
    let warned = doc["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["message"]
            .as_str()
            .unwrap_or("")
            .contains("no-such-image.tar")
    });
    assert!(warned, "{}", doc["diagnostics"]);
    // --sort risk orders the workload list too.
    let order: Vec<&str> = doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["resource"].as_str())
        .collect();
    assert_eq!(
        order[..2],
        ["Deployment/shop/exposed", "Deployment/back/internal"]
    );
    assert_eq!(order.len(), 4);

    // The table shows the ranking.
    let out = common::bulwark(&["scan", "k8s", d, "--images", "--db", db, "--skip-db-update"]);
    let table = String::from_utf8_lossy(&out.stdout);
    // The hostile name is printed without its control character.
    assert!(!table.contains('\x1b'), "{table:?}");
    assert!(table.contains("Pod/back/evil [31m"), "{table}");
    let at = |s: &str| {
        table
            .find(s)
            .unwrap_or_else(|| panic!("{s} not in {table}"))
    };
    // After the findings (which name the workloads too), the risk table, highest first.
    let risk_part = &table[at("Workload risk")..];
    assert!(
        risk_part.find("Deployment/shop/exposed").unwrap()
            < risk_part.find("Deployment/back/internal").unwrap()
    );
}

#[test]
fn sort_by_risk_needs_images() {
    let out = common::bulwark(&["scan", "k8s", ".", "--sort", "risk"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--images"));
}
