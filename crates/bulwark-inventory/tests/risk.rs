//! Risk in context for what runs (`rank_workloads`), on a real SQLite store: the expectations come from the
//! definitions in docs/risk.md and issue #16, not from the scorer's output.
//! - the same CVE in a privileged, internet-exposed pod with no NetworkPolicy ranks above the same CVE in a
//!   non-root, read-only, isolated, internal pod;
//! - a workload whose object was never stored is still ranked, on Kubernetes' defaults, and says so;
//! - what the match said (EPSS, KEV) is read from the stored details: a KEV finding outranks the same CVSS
//!   without it.

#![allow(clippy::needless_pass_by_value)] // json!() values built inline at each call

use bulwark_store::{FindingRow, Placement, Store};
use bulwark_types::Severity;
use serde_json::json;

const NOW: i64 = 1_780_000_000; // 2026-05-28

fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}

fn row(vuln: &str, details: serde_json::Value) -> FindingRow {
    FindingRow {
        vuln_id: vuln.into(),
        purl: "pkg:deb/debian/openssl@3.0.1".into(),
        package_name: "openssl".into(),
        package_version: "3.0.1".into(),
        severity: Severity::Critical,
        fixed_version: Some("3.0.2".into()),
        layer_index: Some(0),
        layer_digest: None,
        layer_created_by: None,
        owner_team: None,
        owner_rule: None,
        details: Some(details.to_string()),
    }
}

fn placement(ns: &str, kind: &str, name: &str, d: &str) -> Placement {
    Placement {
        cluster: "prod-eu".into(),
        environment: Some("production".into()),
        namespace: ns.into(),
        workload_kind: kind.into(),
        workload_name: name.into(),
        container: "app".into(),
        digest: d.into(),
        image_ref: Some(format!("registry.example/{name}:1")),
    }
}

fn deployment(ns: &str, name: &str, pod_spec: serde_json::Value) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"), "resourceVersion": "10"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}
        }
    })
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).unwrap();
    (dir, store)
}

/// A remote, unauthenticated, no-interaction CVE with a public fix: the same finding in both images.
fn network_cve() -> serde_json::Value {
    json!({"title": "heap overflow", "cvssScore": 9.8,
           "cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "epss": 0.2, "kev": false})
}

#[test]
fn exposed_privileged_outranks_isolated_hardened_and_unknown_is_flagged() {
    let (_dir, s) = open();
    let (exposed, hardened, unknown) = (digest(1), digest(2), digest(3));
    for d in [&exposed, &hardened, &unknown] {
        s.put_image(d, &[], b"{}", &[], NOW).unwrap();
        s.apply_findings(d, "v1", NOW, &[row("CVE-2026-1000", network_cve())])
            .unwrap();
    }
    s.upsert_placements(
        &[
            placement("shop", "Deployment", "web", &exposed),
            placement("payments", "Deployment", "ledger", &hardened),
            placement("batch", "Deployment", "report", &unknown),
        ],
        NOW,
    )
    .unwrap();
    let objects = vec![
        // Privileged, root, writable root filesystem, behind a LoadBalancer, no NetworkPolicy in its namespace.
        deployment(
            "shop",
            "web",
            json!({"containers": [{"name": "app", "image": "registry.example/web:1",
            "securityContext": {"privileged": true}}]}),
        ),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "web", "namespace": "shop", "uid": "uid-svc", "resourceVersion": "11"},
               "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 443}]}}),
        // Non-root, read-only root filesystem, nothing added, no Service, isolated both ways.
        deployment(
            "payments",
            "ledger",
            json!({
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
            "automountServiceAccountToken": false,
            "containers": [{"name": "app", "image": "registry.example/ledger:1",
                "securityContext": {"readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false,
                                     "capabilities": {"drop": ["ALL"]}}}]}),
        ),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "deny-all", "namespace": "payments", "uid": "uid-np", "resourceVersion": "12"},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
    ];
    let written = s.upsert_objects("prod-eu", &objects, NOW).unwrap();
    assert!(written.refused.is_empty(), "{:?}", written.refused);

    let ranked = bulwark_inventory::rank_workloads(&s, None, NOW).unwrap();
    let names: Vec<&str> = ranked.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(ranked.len(), 3, "{names:?}");
    let get = |n: &str| ranked.iter().find(|w| w.name == n).unwrap();
    let (web, ledger, report) = (get("web"), get("ledger"), get("report"));
    assert!(
        web.risk.score > ledger.risk.score,
        "exposed+privileged {} must outrank isolated+hardened {}",
        web.risk.score,
        ledger.risk.score
    );
    assert_eq!(names[0], "web", "{names:?}");
    assert!(web.context_known && ledger.context_known);
    assert!(!report.context_known, "no object stored for batch/report");
    // Kubernetes' defaults (root allowed, writable root fs, no isolation) stand in for the unknown one: it
    // cannot rank below the hardened, isolated workload.
    assert!(
        report.risk.score >= ledger.risk.score,
        "{} < {}",
        report.risk.score,
        ledger.risk.score
    );
    // The explanation names the evidence from the stored objects.
    let text = serde_json::to_string(&web.risk.factors).unwrap();
    assert!(text.contains("LoadBalancer"), "{text}");
    // The findings come from the image the workload runs: relevance must say so, not discount them.
    for w in [web, ledger, report] {
        let t = serde_json::to_string(&w.risk.factors).unwrap();
        assert!(!t.contains("not-in-running-image"), "{}: {t}", w.name);
    }
    assert!(text.to_lowercase().contains("privileged"), "{text}");
    let text = serde_json::to_string(&ledger.risk.factors).unwrap();
    assert!(text.contains("deny-all"), "{text}");
}

#[test]
fn stored_details_carry_kev_and_epss_into_the_score() {
    let (_dir, s) = open();
    let (kev, plain) = (digest(1), digest(2));
    for d in [&kev, &plain] {
        s.put_image(d, &[], b"{}", &[], NOW).unwrap();
    }
    let base = json!({"title": "t", "cvssScore": 7.5, "cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"});
    let mut k = base.clone();
    k["kev"] = json!(true);
    k["kevDateAdded"] = json!("2026-01-10");
    k["epss"] = json!(0.9);
    let mut p = base;
    p["kev"] = json!(false);
    p["epss"] = json!(0.001);
    s.apply_findings(&kev, "v1", NOW, &[row("CVE-2026-2000", k)])
        .unwrap();
    s.apply_findings(&plain, "v1", NOW, &[row("CVE-2026-2000", p)])
        .unwrap();
    s.upsert_placements(
        &[
            placement("a", "Deployment", "with-kev", &kev),
            placement("a", "Deployment", "without", &plain),
        ],
        NOW,
    )
    .unwrap();
    let ranked = bulwark_inventory::rank_workloads(&s, Some("prod-eu"), NOW).unwrap();
    assert_eq!(ranked[0].name, "with-kev", "{ranked:#?}");
    assert!(ranked[0].risk.score > ranked[1].risk.score);
    let ssvc = ranked[0].risk.decision.map(bulwark_risk::Decision::as_str);
    assert!(matches!(ssvc, Some("act" | "attend")), "{ssvc:?}");
    // Another cluster has nothing.
    assert!(
        bulwark_inventory::rank_workloads(&s, Some("other"), NOW)
            .unwrap()
            .is_empty()
    );
}
