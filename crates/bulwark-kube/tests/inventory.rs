//! The inventory against a local API server serving the recorded objects of tests/fixtures (see its README):
//! paging with a 410 on a stale continue token, owners, environments, a watch with events, bookmarks, a
//! dropped connection and an ERROR 410, and the credentials and bad answers a real server can give.

mod support;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bulwark_kube::{
    Change, Client, ClientOptions, Environments, Inventory, InventoryOptions, KubeError, Kubeconfig,
};
use serde_json::json;
use support::apiserver::{
    ApiServer, Auth, Cluster, End, Reply, bearer, bookmark, event, fixture, status, with_rv,
};
use support::tls::{tls, tls_for};

const A: &str = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const B: &str = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
const E: &str = "sha256:e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A kubeconfig with one context `test` for `server`; `user` is the YAML of the user entry.
fn kubeconfig(dir: &Path, server: &str, ca_pem: Option<&str>, user: &str) -> PathBuf {
    let ca = ca_pem.map_or(String::new(), |c| {
        format!("    certificate-authority-data: {}\n", b64(c))
    });
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {server}\n{ca}contexts:\n- name: test\n  context:\n    cluster: recorded\n    user: me\nusers:\n- name: me\n  user:\n{user}"
    );
    let p = dir.join("config");
    std::fs::write(&p, text).unwrap();
    p
}

fn environments() -> Environments {
    Environments::parse(
        b"namespaces:\n  - match: \"jx-*-pr-*\"\n    environment: preview\n",
        Path::new("environments.yaml"),
    )
    .unwrap()
}

fn inventory(config: &Path, opts: ClientOptions) -> Result<Inventory, KubeError> {
    let cfg = Kubeconfig::load(Some(config), None, None)?.resolve(None)?;
    let client = Client::new(cfg, opts)?;
    Ok(Inventory::new(
        client,
        InventoryOptions {
            environments: environments(),
            backoff: Duration::from_millis(10),
            ..InventoryOptions::default()
        },
    ))
}

fn summary(p: &bulwark_kube::Placement) -> String {
    format!(
        "{} {} {}/{} {} {} {}",
        p.environment.as_deref().unwrap_or("-"),
        p.namespace,
        p.workload_kind,
        p.workload_name,
        p.container,
        p.image,
        p.digest.as_deref().unwrap_or("-")
    )
}

#[test]
fn list_pages_restarts_on_410_and_names_workloads() {
    let t = tls(&[]);
    let mut cluster = Cluster::recorded();
    cluster.gone_on_continue = 1;
    let server = ApiServer::start(Some(t.server.clone()), bearer("s3cret"), cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(
        d.path(),
        &server.url,
        Some(&t.ca_pem),
        "    token: s3cret\n",
    );
    let mut inv = inventory(&cfg, ClientOptions::default()).unwrap();
    let placements = inv.list().unwrap();
    let got: Vec<String> = placements.iter().map(summary).collect();
    assert_eq!(
        got,
        vec![
            format!(
                "preview jx-acme-web-pr-7 Pod/web-debug web ghcr.io/acme/web:pr-7 sha256:{}",
                "d4".repeat(32)
            ),
            format!(
                "production production CronJob/nightly nightly-29430180 ghcr.io/acme/report:3.1 sha256:{}",
                "c3".repeat(32)
            ),
            format!("production production Deployment/search search ghcr.io/acme/search:2.0 {B}"),
            format!("staging staging Deployment/payments payments ghcr.io/acme/payments:1.4 {A}"),
        ]
    );
    let pay = placements
        .iter()
        .find(|p| p.workload_name == "payments")
        .unwrap();
    assert_eq!(pay.cluster, "recorded");
    assert_eq!(
        pay.image_id.as_deref(),
        Some(format!("ghcr.io/acme/payments@{A}").as_str())
    );
    assert_eq!(
        pay.labels.get("app").map(String::as_str),
        Some("app").map(|_| "payments")
    );
    assert!(
        !pay.labels.contains_key("pod-template-hash"),
        "revision labels are dropped"
    );
    // Requests as kubectl/client-go send them: pages of `limit`, a continue token, the list restarted from
    // the first page after its continue token expired (410), one GET per owner.
    let targets = server.targets();
    let pods: Vec<&String> = targets
        .iter()
        .filter(|t| t.starts_with("/api/v1/pods"))
        .collect();
    assert_eq!(
        pods,
        vec![
            "/api/v1/pods?limit=500",
            "/api/v1/pods?continue=page-1&limit=500",
            "/api/v1/pods?limit=500",
            "/api/v1/pods?continue=page-1&limit=500",
        ]
    );
    assert!(
        targets.contains(
            &"/apis/apps/v1/namespaces/staging/replicasets/payments-6d4cf56db6".to_owned()
        ),
        "{targets:?}"
    );
    assert!(
        targets.contains(&"/apis/batch/v1/namespaces/production/jobs/nightly-29430180".to_owned()),
        "{targets:?}"
    );
    assert_eq!(inv.stats().list_restarts, 1);
    assert_eq!(inv.stats().owner_gets, 3);
    assert_eq!(inv.resource_version(), Some("300"));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer s3cret"))
    );
}

#[test]
fn watch_follows_events_bookmarks_drops_and_relists_on_410() {
    let mut cluster = Cluster::recorded();
    let pay2 = {
        let mut p = fixture("pod-payments.json");
        p["metadata"]["name"] = json!("payments-6d4cf56db6-zz9pq");
        with_rv(p, "301")
    };
    let search_new = {
        let mut p = fixture("pod-search.json");
        p["status"]["containerStatuses"][0]["imageID"] = json!(format!("ghcr.io/acme/search@{E}"));
        with_rv(p, "302")
    };
    let seen_rv = Arc::new(Mutex::new(Vec::new()));
    let rv = seen_rv.clone();
    let (p2, sn) = (pay2.clone(), search_new.clone());
    cluster.watches.push(Box::new(move |r| {
        rv.lock().unwrap().push(r.target.clone());
        Reply::Stream(
            vec![
                event("ADDED", p2.clone()),
                event("MODIFIED", sn.clone()),
                bookmark("310"),
            ],
            End::Drop,
        )
    }));
    let rv = seen_rv.clone();
    cluster.watches.push(Box::new(move |r| {
        rv.lock().unwrap().push(r.target.clone());
        Reply::Stream(
            vec![
                event("DELETED", with_rv(pay2.clone(), "311")),
                event("DELETED", with_rv(fixture("pod-web-debug.json"), "312")),
                event(
                    "ERROR",
                    status(410, "Expired", "too old resource version: 300 (312)"),
                ),
            ],
            End::Clean,
        )
    }));
    let rv = seen_rv.clone();
    cluster.watches.push(Box::new(move |r| {
        rv.lock().unwrap().push(r.target.clone());
        Reply::Stream(vec![], End::Clean)
    }));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let mut inv = inventory(&cfg, ClientOptions::default()).unwrap();
    let mut changes = Vec::new();
    let mut resyncs = 0;
    inv.watch(Some(Instant::now() + Duration::from_secs(20)), &mut |c| {
        if matches!(c, Change::Resync { .. }) {
            resyncs += 1;
        }
        changes.push(c);
        if resyncs == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    let kinds: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::Resync { placements, .. } => format!("resync {}", placements.len()),
            Change::Upsert { placement } => format!(
                "upsert {} {}",
                placement.workload_name,
                placement.digest.as_deref().unwrap_or("-")
            ),
            Change::Remove { key } => format!("remove {} {}", key.workload_name, key.image),
            Change::Containers { containers, .. } => format!("containers {}", containers.len()),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "resync 4".to_owned(),
            // The second payments pod runs the same digest: no change. The search pod's new digest is a new
            // placement, and the old one is gone.
            format!("upsert search {E}"),
            format!("remove search {B}"),
            // Deleting one of two payments pods changes nothing; deleting the only web-debug pod removes it.
            format!("remove web-debug sha256:{}", "d4".repeat(32)),
            // ERROR 410: the list again, complete.
            "resync 4".to_owned(),
        ]
    );
    let w = seen_rv.lock().unwrap().clone();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with(
            "/api/v1/pods?allowWatchBookmarks=true&resourceVersion=300&timeoutSeconds="
        ),
        "{w:?}"
    );
    assert!(w[0].ends_with("&watch=true"));
    // Re-opened after the drop from the bookmark's resourceVersion.
    assert!(w[1].contains("&resourceVersion=310&"), "{w:?}");
    let s = inv.stats();
    assert_eq!(
        (s.lists, s.relists_gone, s.watch_breaks, s.bookmarks),
        (2, 1, 1, 1)
    );
    assert_eq!(s.owner_gets, 3, "owners are cached across events and lists");
}

#[test]
fn client_certificate_from_files_relative_to_the_kubeconfig() {
    let t = tls(&[]);
    let server = ApiServer::start(
        Some(t.server.clone()),
        Auth::ClientCert,
        Cluster::recorded().handler(),
    );
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("certs")).unwrap();
    std::fs::write(d.path().join("certs/me.crt"), &t.client_cert_pem).unwrap();
    std::fs::write(d.path().join("certs/me.key"), &t.client_key_pem).unwrap();
    std::fs::write(d.path().join("certs/ca.crt"), &t.ca_pem).unwrap();
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {}\n    certificate-authority: certs/ca.crt\ncontexts:\n- name: test\n  context: {{cluster: recorded, user: me}}\n- name: anonymous\n  context: {{cluster: recorded}}\nusers:\n- name: me\n  user:\n    client-certificate: certs/me.crt\n    client-key: certs/me.key\n",
        server.url
    );
    std::fs::write(d.path().join("config"), text).unwrap();
    let mut inv = inventory(&d.path().join("config"), ClientOptions::default()).unwrap();
    assert_eq!(inv.list().unwrap().len(), 4);
    assert!(server.requests().iter().all(|r| r.client_cert));

    let cfg = Kubeconfig::load(Some(&d.path().join("config")), None, None).unwrap();
    let mut anon = Inventory::new(
        Client::new(
            cfg.resolve(Some("anonymous")).unwrap(),
            ClientOptions::default(),
        )
        .unwrap(),
        InventoryOptions::default(),
    );
    let e = anon.list().unwrap_err();
    assert!(e.is_unauthorized(), "{e}");
    assert!(e.to_string().contains("HTTP 401: Unauthorized"), "{e}");

    // A server whose certificate the kubeconfig's CA did not sign.
    let other = tls(&[]);
    let mut wrong_ca = std::fs::read_to_string(d.path().join("config")).unwrap();
    wrong_ca = wrong_ca.replace("certs/ca.crt", "other-ca.crt");
    std::fs::write(d.path().join("other-ca.crt"), &other.ca_pem).unwrap();
    std::fs::write(d.path().join("config2"), wrong_ca).unwrap();
    let e = inventory(&d.path().join("config2"), ClientOptions::default())
        .unwrap()
        .list()
        .unwrap_err();
    assert!(
        matches!(e, KubeError::Transport { .. }) && e.to_string().contains("TLS"),
        "{e}"
    );
}

#[test]
fn in_cluster_token_is_reread_when_it_rotates() {
    let t = tls(&[]);
    let auth = bearer("token-1");
    let Auth::Bearer(current) = &auth else {
        unreachable!()
    };
    let current = current.clone();
    let server = ApiServer::start(Some(t.server.clone()), auth, Cluster::recorded().handler());
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("token"), "token-1\n").unwrap();
    std::fs::write(d.path().join("ca.crt"), &t.ca_pem).unwrap();
    std::fs::write(d.path().join("namespace"), "bulwark").unwrap();
    let port = server.addr.port().to_string();
    let cfg = bulwark_kube::config::in_cluster(Some("127.0.0.1"), Some(&port), d.path()).unwrap();
    assert_eq!(cfg.namespace.as_deref(), Some("bulwark"));
    let mut inv = Inventory::new(
        Client::new(cfg, ClientOptions::default()).unwrap(),
        InventoryOptions::default(),
    );
    assert_eq!(inv.list().unwrap().len(), 4);
    // kubelet rotates the projected token: the server accepts only the new one, which is in the file.
    *current.lock().unwrap() = "token-2".to_owned();
    std::fs::write(d.path().join("token"), "token-2\n").unwrap();
    assert_eq!(inv.list().unwrap().len(), 4);
    let last = server.requests().last().unwrap().clone();
    assert_eq!(last.authorization.as_deref(), Some("Bearer token-2"));
    assert_eq!(inv.placements()[0].cluster, "in-cluster");
}

#[test]
fn exec_plugin_token_and_timeout() {
    let server = ApiServer::start(None, bearer("from-plugin"), Cluster::recorded().handler());
    let d = tempfile::tempdir().unwrap();
    let plugin = d.path().join("cred.sh");
    std::fs::write(
        &plugin,
        "#!/bin/sh\ncase \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n[ \"$1\" = slow ] && sleep 30\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$TOKEN\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let user = "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./cred.sh\n      env:\n      - name: TOKEN\n        value: from-plugin\n";
    let cfg = kubeconfig(d.path(), &server.url, None, user);
    assert_eq!(
        inventory(&cfg, ClientOptions::default())
            .unwrap()
            .list()
            .unwrap()
            .len(),
        4
    );

    // A plugin that answers with a client certificate instead of a token (mutual TLS).
    let t = tls(&[]);
    let mtls = ApiServer::start(
        Some(t.server.clone()),
        Auth::ClientCert,
        Cluster::recorded().handler(),
    );
    let cred = json!({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
        "status": {"clientCertificateData": t.client_cert_pem, "clientKeyData": t.client_key_pem}});
    std::fs::write(d.path().join("cred.json"), cred.to_string()).unwrap();
    std::fs::write(&plugin, "#!/bin/sh\ncat \"$(dirname \"$0\")/cred.json\"\n").unwrap();
    let cfg = kubeconfig(
        d.path(),
        &mtls.url,
        Some(&t.ca_pem),
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./cred.sh\n",
    );
    assert_eq!(
        inventory(&cfg, ClientOptions::default())
            .unwrap()
            .list()
            .unwrap()
            .len(),
        4
    );
    assert!(mtls.requests().iter().all(|r| r.client_cert));

    // Output that is not an ExecCredential.
    std::fs::write(&plugin, "#!/bin/sh\necho '{\"kind\":\"Pod\"}'\n").unwrap();
    let e = inventory(&cfg, ClientOptions::default())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("not an ExecCredential"), "{e}");

    std::fs::write(
        &plugin,
        "#!/bin/sh\n[ \"$1\" = slow ] && sleep 30\necho '{}'\n",
    )
    .unwrap();
    let slow = format!("{user}      args: [slow]\n");
    let cfg = kubeconfig(d.path(), &server.url, None, &slow);
    let start = Instant::now();
    let e = inventory(
        &cfg,
        ClientOptions {
            exec_timeout: Duration::from_secs(1),
            ..ClientOptions::default()
        },
    )
    .err()
    .expect("plugin times out");
    assert!(e.to_string().contains("did not finish within 1s"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn bad_answers_are_clear_errors() {
    // A watch line over the bound, then an event that is not JSON, then a stalled list.
    let mut cluster = Cluster::recorded();
    cluster.watches.push(Box::new(|_| {
        Reply::Stream(vec![], End::Raw(vec![b'a'; 5000]))
    }));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let mut inv = inventory(
        &cfg,
        ClientOptions {
            max_line: 1024,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let e = inv
        .watch(None, &mut |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(e.to_string().contains("longer than 1024 bytes"), "{e}");

    let mut cluster = Cluster::recorded();
    cluster.watches.push(Box::new(|_| {
        Reply::Stream(
            vec![json!({"type": "ADDED"})],
            End::Raw(b"{not json".to_vec()),
        )
    }));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let e = inventory(&cfg, ClientOptions::default())
        .unwrap()
        .watch(None, &mut |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("line 1: watch event has no \"object\""),
        "{e}"
    );

    // A watch that sends its headers and then nothing: abandoned after the idle timeout, re-opened, and after
    // `max_watch_failures` in a row, an error.
    let mut cluster = Cluster::recorded();
    cluster
        .watches
        .push(Box::new(|_| Reply::Stall(Duration::from_secs(30))));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let kc = Kubeconfig::load(Some(&cfg), None, None)
        .unwrap()
        .resolve(None)
        .unwrap();
    let opts = ClientOptions {
        watch_idle_timeout: Duration::from_millis(500),
        ..ClientOptions::default()
    };
    let mut inv = Inventory::new(
        Client::new(kc, opts).unwrap(),
        InventoryOptions {
            max_watch_failures: Some(2),
            backoff: Duration::from_millis(10),
            ..InventoryOptions::default()
        },
    );
    let start = Instant::now();
    let e = inv
        .watch(None, &mut |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(
        e.to_string().contains("watch stream broke") && e.to_string().contains("timed out"),
        "{e}"
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(inv.stats().watches, 2);

    let server = ApiServer::start(
        None,
        Auth::None,
        Box::new(|_| Reply::Stall(Duration::from_secs(30))),
    );
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let start = Instant::now();
    let e = inventory(
        &cfg,
        ClientOptions {
            request_timeout: Duration::from_secs(1),
            ..ClientOptions::default()
        },
    )
    .unwrap()
    .list()
    .unwrap_err();
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn tls_server_name_and_insecure_skip_verify() {
    // The server's certificate names only kubernetes.default.svc, as an API server's often does.
    let t = tls_for(&["kubernetes.default.svc"], false);
    let server = ApiServer::start(
        Some(t.server.clone()),
        bearer("s3cret"),
        Cluster::recorded().handler(),
    );
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(
        d.path(),
        &server.url,
        Some(&t.ca_pem),
        "    token: s3cret\n",
    );
    let e = inventory(&cfg, ClientOptions::default())
        .unwrap()
        .list()
        .unwrap_err();
    assert!(e.to_string().contains("TLS"), "{e}");

    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "    certificate-authority-data:",
        "    tls-server-name: kubernetes.default.svc\n    certificate-authority-data:",
    );
    std::fs::write(&cfg, text).unwrap();
    assert_eq!(
        inventory(&cfg, ClientOptions::default())
            .unwrap()
            .list()
            .unwrap()
            .len(),
        4
    );

    // insecure-skip-tls-verify: no CA, no name check.
    let text = format!(
        "clusters:\n- name: c\n  cluster:\n    server: {}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\nusers:\n- name: u\n  user: {{token: s3cret}}\n",
        server.url
    );
    std::fs::write(&cfg, text).unwrap();
    assert_eq!(
        inventory(&cfg, ClientOptions::default())
            .unwrap()
            .list()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn one_namespace_finished_pods_and_relabelled_namespaces() {
    let mut cluster = Cluster::recorded();
    let namespaces = cluster.namespaces.clone();
    cluster.watches.push(Box::new(move |r| {
        assert_eq!(r.path(), "/api/v1/namespaces/production/pods");
        // Between this watch and the next, production is relabelled as `prod-eu`.
        let mut ns = namespaces.lock().unwrap();
        for n in ns.iter_mut() {
            if n["metadata"]["name"] == "production" {
                n["metadata"]["labels"]["bulwark.dev/environment"] = json!("prod-eu");
            }
        }
        let mut done = fixture("pod-nightly.json");
        done["status"]["phase"] = json!("Succeeded");
        Reply::Stream(vec![event("MODIFIED", with_rv(done, "301"))], End::Clean)
    }));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let cfg = Kubeconfig::load(Some(&cfg), None, None)
        .unwrap()
        .resolve(None)
        .unwrap();
    let mut inv = Inventory::new(
        Client::new(cfg, ClientOptions::default()).unwrap(),
        InventoryOptions {
            namespace: Some("production".to_owned()),
            ..InventoryOptions::default()
        },
    );
    let mut seen = Vec::new();
    inv.watch(Some(Instant::now() + Duration::from_secs(20)), &mut |c| {
        seen.push(match &c {
            Change::Resync { placements, .. } => format!(
                "resync {}",
                placements
                    .iter()
                    .map(|p| p.workload_name.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Change::Upsert { placement } => format!(
                "upsert {} {}",
                placement.workload_name,
                placement.environment.as_deref().unwrap_or("-")
            ),
            Change::Remove { key } => format!("remove {}", key.workload_name),
            Change::Containers { containers, .. } => format!("containers {}", containers.len()),
        });
        if seen.len() == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(
        seen,
        vec![
            "resync nightly,search",
            "remove nightly",
            "upsert search prod-eu"
        ]
    );
    assert!(
        server
            .targets()
            .contains(&"/api/v1/namespaces/production".to_owned())
    );
}

#[test]
fn ten_thousand_pods_in_pages_of_500() {
    // 100 Deployments × 100 pods, served as 20 pages: one placement per Deployment, one owner GET each.
    let mut cluster = Cluster::recorded();
    let template = fixture("pod-payments.json");
    cluster.pods = (0..10_000)
        .map(|i| {
            let mut p = template.clone();
            p["metadata"]["name"] = json!(format!("payments-6d4cf56db6-{i}"));
            p["metadata"]["ownerReferences"][0]["name"] =
                json!(format!("payments{}-6d4cf56db6", i % 100));
            p
        })
        .collect();
    cluster.page_cap = 500;
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let mut inv = inventory(&cfg, ClientOptions::default()).unwrap();
    let start = Instant::now();
    let placements = inv.list().unwrap();
    let took = start.elapsed();
    // The owner GETs 404 (no such ReplicaSet recorded): the ReplicaSet names the workload.
    assert_eq!(placements.len(), 100);
    assert!(placements.iter().all(|p| p.workload_kind == "ReplicaSet"));
    // 20 pod pages and the namespace list.
    assert_eq!((inv.stats().pages, inv.stats().owner_gets), (21, 100));
    eprintln!("10,000 pods, 20 pages, 100 owner GETs: {took:?}");
}

/// `(id, runtime, namespace/pod, uid, container, type, image, digest, workload)` of a created container.
fn container_line(c: &bulwark_kube::RunningContainer) -> String {
    format!(
        "{} {} {}/{} {} {} {} {} {} {}/{}",
        &c.container_id[..4],
        c.runtime,
        c.namespace,
        c.pod,
        c.pod_uid,
        c.container,
        c.container_type,
        c.image,
        c.digest.as_deref().map_or("-", |d| &d[7..9]),
        c.workload_kind,
        c.workload_name
    )
}

#[test]
fn container_ids_of_the_recorded_pods() {
    use bulwark_kube::model::running_containers_of_pod;
    // The fixtures' `containerID`s (`<type>://<64 hex>`, README.md) with the pods' metadata.
    let pay = running_containers_of_pod(
        &fixture("pod-payments.json"),
        "c",
        ("Deployment", "payments"),
    );
    assert_eq!(pay.len(), 1);
    assert_eq!(pay[0].container_id, "e1".repeat(32));
    assert_eq!(pay[0].cluster, "c");
    assert_eq!(pay[0].image_id, Some(format!("ghcr.io/acme/payments@{A}")));
    assert_eq!(pay[0].digest.as_deref(), Some(A));
    assert_eq!(
        container_line(&pay[0]),
        "e1e1 docker staging/payments-6d4cf56db6-x7k2p pod-payments-6d4cf56db6-x7k2p payments app ghcr.io/acme/payments:1.4 a1 Deployment/payments"
    );
    let search =
        running_containers_of_pod(&fixture("pod-search.json"), "c", ("Deployment", "search"));
    assert_eq!(
        search.iter().map(container_line).collect::<Vec<_>>(),
        [
            "e2e2 cri-o production/search-7b9c5d8f44-q8wzt pod-search-7b9c5d8f44-q8wzt search app ghcr.io/acme/search:2.0 b2 Deployment/search"
        ]
    );
    let nightly =
        running_containers_of_pod(&fixture("pod-nightly.json"), "c", ("CronJob", "nightly"));
    assert_eq!(
        nightly.iter().map(container_line).collect::<Vec<_>>(),
        [
            "e3e3 containerd production/nightly-29430180-4jx9m pod-nightly-29430180-4jx9m nightly-29430180 app ghcr.io/acme/report:3.1 c3 CronJob/nightly"
        ]
    );

    // Init and ephemeral containers (Pod v1: initContainerStatuses, ephemeralContainerStatuses), a container
    // not created yet (no containerID: waiting), and ids that are not ids.
    let mut p = fixture("pod-web-debug.json");
    let hex = |b: &str| b.repeat(32);
    p["spec"]["initContainers"] =
        json!([{"name": "migrate", "image": format!("ghcr.io/acme/migrate@{E}")}]);
    p["status"]["initContainerStatuses"] = json!([{"name": "migrate", "image": "ghcr.io/acme/migrate",
        "imageID": "", "containerID": format!("containerd://{}", hex("a7")),
        "state": {"terminated": {"exitCode": 0}}}]);
    p["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox:1.36"}]);
    p["status"]["ephemeralContainerStatuses"] = json!([{"name": "debugger", "image": "docker.io/library/busybox:1.36",
        "imageID": format!("docker.io/library/busybox@{B}"), "containerID": format!("cri-o://{}", hex("b8")),
        "state": {"running": {}}}]);
    let statuses = p["status"]["containerStatuses"].as_array_mut().unwrap();
    statuses.push(json!({"name": "sidecar", "image": "envoy", "state": {"waiting": {"reason": "ContainerCreating"}}}));
    statuses.push(json!({"name": "bad", "image": "x", "containerID": "docker://../../etc/passwd"}));
    statuses.push(json!({"name": "empty", "image": "x", "containerID": "docker://"}));
    statuses.push(json!({"name": "huge", "image": "x", "containerID": "a".repeat(10_000)}));
    let got: Vec<String> = running_containers_of_pod(&p, "c", ("Pod", "web-debug"))
        .iter()
        .map(container_line)
        .collect();
    assert_eq!(
        got,
        [
            // The digest of a digest-pinned spec image when the status has no imageID.
            "a7a7 containerd jx-acme-web-pr-7/web-debug pod-web-debug migrate init ghcr.io/acme/migrate@sha256:e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5 e5 Pod/web-debug",
            "e4e4 docker jx-acme-web-pr-7/web-debug pod-web-debug web app ghcr.io/acme/web:pr-7 d4 Pod/web-debug",
            "b8b8 cri-o jx-acme-web-pr-7/web-debug pod-web-debug debugger ephemeral busybox:1.36 b2 Pod/web-debug",
        ]
    );
    // A finished pod runs nothing.
    p["status"]["phase"] = json!("Succeeded");
    assert!(running_containers_of_pod(&p, "c", ("Pod", "web-debug")).is_empty());
}

#[test]
fn watch_reports_container_ids_when_asked() {
    let mut cluster = Cluster::recorded();
    let restarted = {
        let mut p = fixture("pod-payments.json");
        p["status"]["containerStatuses"][0]["containerID"] =
            json!(format!("docker://{}", "f1".repeat(32)));
        p["status"]["containerStatuses"][0]["restartCount"] = json!(1);
        with_rv(p, "301")
    };
    cluster.watches.push(Box::new(move |_| {
        Reply::Stream(
            vec![
                event("MODIFIED", restarted.clone()),
                // Nothing changed for the runtime: not reported again.
                event("MODIFIED", with_rv(restarted.clone(), "302")),
                event("DELETED", with_rv(fixture("pod-search.json"), "303")),
                bookmark("310"),
            ],
            End::Clean,
        )
    }));
    cluster
        .watches
        .push(Box::new(|_| Reply::Stream(vec![], End::Clean)));
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url, None, "    {}\n");
    let cfg = Kubeconfig::load(Some(&cfg), None, None)
        .unwrap()
        .resolve(None)
        .unwrap();
    let mut inv = Inventory::new(
        Client::new(cfg, ClientOptions::default()).unwrap(),
        InventoryOptions {
            containers: true,
            ..InventoryOptions::default()
        },
    );
    let mut seen = Vec::new();
    inv.watch(Some(Instant::now() + Duration::from_secs(20)), &mut |c| {
        seen.push(match &c {
            Change::Resync { placements, .. } => format!("resync {}", placements.len()),
            Change::Upsert { placement } => format!("upsert {}", placement.workload_name),
            Change::Remove { key } => format!("remove {}", key.workload_name),
            Change::Containers {
                cluster,
                containers,
            } => format!(
                "containers {cluster} {}",
                containers
                    .iter()
                    .map(|c| format!("{}:{}", &c.container_id[..2], c.pod))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        });
        if seen.len() == 4 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(
        seen,
        [
            "resync 4",
            // After the list, every pod's (sorted by id).
            "containers recorded e1:payments-6d4cf56db6-x7k2p,e2:search-7b9c5d8f44-q8wzt,e3:nightly-29430180-4jx9m,e4:web-debug",
            // The restart: a new id, the same placement (no upsert).
            "containers recorded f1:payments-6d4cf56db6-x7k2p",
            // The deleted pod: its placement goes, no container change.
            "remove search",
        ]
    );
    assert_eq!(
        inv.containers()
            .iter()
            .map(|c| c.container_id[..2].to_owned())
            .collect::<Vec<_>>(),
        ["e3", "e4", "f1"]
    );
}
