//! Enforcement actions against the local API server (`support/apiserver.rs`), which records each request's method,
//! path, content type and body and answers as kube-apiserver documents it: the deleted Pod for DELETE (a dry run
//! answers the same), the Scale object for a scale PATCH, the created object with 201 for POST, and `Status`
//! objects (`AlreadyExists` 409, `Forbidden` 403, `NotFound` 404) on failure
//! (https://kubernetes.io/docs/reference/using-api/api-concepts/#dry-run,
//! https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#update-replace-scale-of-the-specified-deployment).

mod support;

use std::path::{Path, PathBuf};

use bulwark_kube::actions::{self, QUARANTINE_LABEL, QUARANTINE_POLICY, Workload};
use bulwark_kube::{Client, ClientOptions, Kubeconfig};
use serde_json::{Value, json};
use support::apiserver::{ApiServer, Auth, Reply, fixture, status};

fn client(dir: &Path, server: &str) -> Client {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: recorded\n    user: me\nusers:\n- name: me\n  user: {{}}\n"
    );
    let p: PathBuf = dir.join("config");
    std::fs::write(&p, text).unwrap();
    let cfg = Kubeconfig::load(Some(&p), None, None)
        .unwrap()
        .resolve(None)
        .unwrap();
    Client::new(cfg, ClientOptions::default()).unwrap()
}

fn body(r: &support::apiserver::Req) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn kill_pod_sends_a_delete_with_the_servers_dry_run() {
    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(|r| match (r.method.as_str(), r.path()) {
            ("DELETE", "/api/v1/namespaces/jx-acme-web-pr-7/pods/web-debug") => {
                let mut pod = fixture("pod-web-debug.json");
                pod["metadata"]["deletionTimestamp"] = json!("2026-12-07T10:00:30Z");
                pod["metadata"]["deletionGracePeriodSeconds"] = json!(30);
                Reply::Json(200, pod)
            }
            _ => Reply::Json(404, status(404, "NotFound", "pods \"x\" not found")),
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url);
    let out = actions::kill_pod(&c, "jx-acme-web-pr-7", "web-debug", true).unwrap();
    assert!(out.ok, "{out:?}");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "DELETE");
    assert_eq!(reqs[0].query("dryRun").as_deref(), Some("All"));

    let out = actions::kill_pod(&c, "jx-acme-web-pr-7", "gone", false).unwrap();
    assert!(!out.ok);
    assert_eq!(out.sent[0].status, 404);
    assert!(
        out.sent[0].message.starts_with("NotFound"),
        "{:?}",
        out.sent[0]
    );
    assert_eq!(
        server.requests()[1].query("dryRun"),
        None,
        "a real run sends no dryRun"
    );
}

#[test]
fn scale_to_zero_patches_the_scale_subresource_or_suspends() {
    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(|r| match (r.method.as_str(), r.path()) {
            ("PATCH", "/apis/apps/v1/namespaces/production/deployments/payments/scale") => {
                Reply::Json(
                    200,
                    json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
                       "metadata": {"name": "payments", "namespace": "production"},
                       "spec": {"replicas": 0}, "status": {"replicas": 2, "selector": "app=payments"}}),
                )
            }
            ("PATCH", "/apis/batch/v1/namespaces/production/cronjobs/nightly") => {
                let mut cj = fixture("cronjob-nightly.json");
                cj["spec"]["suspend"] = json!(true);
                Reply::Json(200, cj)
            }
            _ => Reply::Json(403, status(403, "Forbidden", "patch is forbidden")),
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url);
    let deploy = Workload {
        kind: "Deployment".into(),
        name: "payments".into(),
    };
    let out = actions::scale_to_zero(&c, "production", &deploy, true).unwrap();
    assert!(out.ok, "{out:?}");
    let cron = Workload {
        kind: "CronJob".into(),
        name: "nightly".into(),
    };
    assert!(
        actions::scale_to_zero(&c, "production", &cron, false)
            .unwrap()
            .ok
    );
    let sts = Workload {
        kind: "StatefulSet".into(),
        name: "db".into(),
    };
    let out = actions::scale_to_zero(&c, "production", &sts, false).unwrap();
    assert!(!out.ok);
    assert!(out.sent[0].message.contains("Forbidden"));

    let reqs = server.requests();
    assert_eq!(
        reqs[0].content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(body(&reqs[0]), json!({"spec": {"replicas": 0}}));
    assert_eq!(body(&reqs[1]), json!({"spec": {"suspend": true}}));
    assert_eq!(
        reqs[2].path(),
        "/apis/apps/v1/namespaces/production/statefulsets/db/scale"
    );

    let ds = Workload {
        kind: "DaemonSet".into(),
        name: "agent".into(),
    };
    let err = actions::scale_to_zero(&c, "production", &ds, true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("DaemonSet cannot be scaled"), "{err}");
    assert_eq!(server.requests().len(), 3, "nothing sent for a DaemonSet");
}

#[test]
fn isolate_labels_then_creates_the_deny_all_policy_once_per_namespace() {
    let created = std::sync::Arc::new(std::sync::Mutex::new(false));
    let seen = created.clone();
    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(move |r| match (r.method.as_str(), r.path()) {
            ("PATCH", "/api/v1/namespaces/jx-acme-web-pr-7/pods/web-debug") => {
                let mut pod = fixture("pod-web-debug.json");
                pod["metadata"]["labels"][QUARANTINE_LABEL] = json!("true");
                Reply::Json(200, pod)
            }
            ("POST", "/apis/networking.k8s.io/v1/namespaces/jx-acme-web-pr-7/networkpolicies") => {
                let mut done = seen.lock().unwrap();
                if *done {
                    Reply::Json(
                        409,
                        status(
                            409,
                            "AlreadyExists",
                            "networkpolicies.networking.k8s.io \"bulwark-quarantine\" already exists",
                        ),
                    )
                } else {
                    *done = true;
                    let mut np: Value = serde_json::from_slice(&r.body).unwrap();
                    np["metadata"]["uid"] = json!("np-1");
                    Reply::Json(201, np)
                }
            }
            _ => Reply::Json(404, status(404, "NotFound", "pods \"ghost\" not found")),
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url);
    let first = actions::isolate(&c, "jx-acme-web-pr-7", "web-debug", false).unwrap();
    let second = actions::isolate(&c, "jx-acme-web-pr-7", "web-debug", false).unwrap();
    assert!(first.ok && second.ok, "{first:?} {second:?}");
    assert_eq!(
        second.sent[1].status, 409,
        "AlreadyExists counts as success"
    );
    let reqs = server.requests();
    assert_eq!(
        body(&reqs[0]),
        json!({"metadata": {"labels": {QUARANTINE_LABEL: "true"}}})
    );
    let np = body(&reqs[1]);
    assert_eq!(np["metadata"]["name"], QUARANTINE_POLICY);
    assert_eq!(
        np["spec"]["podSelector"]["matchLabels"][QUARANTINE_LABEL],
        "true"
    );
    assert_eq!(np["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert_eq!(np["spec"]["ingress"], json!([]));
    assert_eq!(np["spec"]["egress"], json!([]));
    assert!(*created.lock().unwrap());

    let out = actions::isolate(&c, "jx-acme-web-pr-7", "ghost", false).unwrap();
    assert!(!out.ok);
    assert_eq!(out.sent.len(), 1, "no policy when the label failed");
}

#[test]
fn hostile_names_send_nothing() {
    let server = ApiServer::start(None, Auth::None, Box::new(|_| Reply::Json(200, json!({}))));
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url);
    for (ns, pod) in [
        ("default", "../../apis/x"),
        ("Default", "web"),
        ("default", "web?dryRun="),
    ] {
        let err = actions::kill_pod(&c, ns, pod, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a valid Kubernetes name"), "{err}");
        assert!(actions::isolate(&c, ns, pod, false).is_err());
    }
    assert!(server.requests().is_empty());
}
