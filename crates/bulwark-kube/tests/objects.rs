//! The risk-context lists and watches (`ObjectWatch`) against the local API server (`support/apiserver.rs`)
//! serving kubectl-made objects (`fixtures/context`, see `fixtures/README.md`): a list in pages with its
//! items' kind restored (the API server leaves kind and apiVersion out of list items), a watch from the list's
//! resourceVersion with ADDED, MODIFIED, BOOKMARK, a dropped stream re-opened from the bookmark, DELETED, an
//! ERROR 410 that forces a complete re-list, and a 403 on a kind the server may not read.

mod support;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bulwark_kube::{
    CONTEXT_RESOURCES, Client, ClientOptions, KubeError, Kubeconfig, ObjectChange, ObjectWatch,
    ObjectWatchOptions, Resource,
};
use serde_json::{Value, json};
use support::apiserver::{
    ApiServer, Auth, Cluster, End, Reply, bookmark, event, fixture, status, with_rv,
};

type WatchReply = Box<dyn FnMut(&support::apiserver::Req) -> Reply + Send>;

fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: recorded\n    user: me\nusers:\n- name: me\n  user: {{}}\n"
    );
    let p = dir.join("config");
    std::fs::write(&p, text).unwrap();
    p
}

fn resource(kind: &str) -> Resource {
    *CONTEXT_RESOURCES.iter().find(|r| r.kind == kind).unwrap()
}

fn object_watch(config: &Path, kind: &str) -> ObjectWatch {
    let cfg = Kubeconfig::load(Some(config), None, None)
        .unwrap()
        .resolve(None)
        .unwrap();
    let client = Client::new(cfg, ClientOptions::default()).unwrap();
    ObjectWatch::new(
        client,
        resource(kind),
        ObjectWatchOptions {
            page_size: 2,
            backoff: Duration::from_millis(10),
            ..ObjectWatchOptions::default()
        },
    )
}

/// As a list item: the API server leaves out kind and apiVersion.
fn item(file: &str) -> Value {
    let mut o = fixture(&format!("context/{file}"));
    let m = o.as_object_mut().unwrap();
    m.remove("kind");
    m.remove("apiVersion");
    o
}

fn name(o: &Value) -> String {
    format!(
        "{}/{}",
        o["kind"].as_str().unwrap_or("?"),
        o["metadata"]["name"].as_str().unwrap_or("?")
    )
}

fn summary(c: &ObjectChange) -> String {
    match c {
        ObjectChange::ListStart { kind } => format!("start {kind}"),
        ObjectChange::Page { objects, .. } => {
            let names: Vec<String> = objects.iter().map(name).collect();
            format!("page {}", names.join(" "))
        }
        ObjectChange::ListDone { kind } => format!("done {kind}"),
        ObjectChange::Upsert { object } => format!(
            "upsert {} {} {}",
            name(object),
            object["metadata"]["resourceVersion"].as_str().unwrap_or(""),
            object["spec"]["type"].as_str().unwrap_or("")
        ),
        ObjectChange::Delete { object } => format!(
            "delete {} {}",
            name(object),
            object["metadata"]["resourceVersion"].as_str().unwrap_or("")
        ),
    }
}

#[test]
fn services_list_watch_and_relist_on_410() {
    let mut cluster = Cluster::recorded();
    let services = "/api/v1/services".to_owned();
    cluster.objects.lock().unwrap().insert(
        services.clone(),
        vec![
            item("svc-payments.json"),
            item("svc-ledger.json"),
            item("svc-search-production.json"),
        ],
    );
    let mut cache = fixture("context/svc-ledger.json");
    cache["metadata"]["name"] = json!("cache");
    cache["metadata"]["uid"] = json!("svc-cache");
    let cache = with_rv(cache, "501");
    let mut internal = with_rv(fixture("context/svc-payments.json"), "502");
    internal["spec"]["type"] = json!("ClusterIP");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut watches: Vec<WatchReply> = Vec::new();
    {
        let (seen, cache, internal) = (seen.clone(), cache.clone(), internal.clone());
        watches.push(Box::new(move |r| {
            seen.lock().unwrap().push(r.target.clone());
            Reply::Stream(
                vec![
                    event("ADDED", cache.clone()),
                    event("MODIFIED", internal.clone()),
                    bookmark("510"),
                ],
                End::Drop,
            )
        }));
    }
    {
        let (seen, objects) = (seen.clone(), cluster.objects.clone());
        let (cache, internal) = (cache.clone(), internal.clone());
        watches.push(Box::new(move |r| {
            seen.lock().unwrap().push(r.target.clone());
            // What the re-list will find: ledger deleted, cache added, payments made internal.
            objects.lock().unwrap().insert(
                "/api/v1/services".to_owned(),
                vec![
                    internal.clone(),
                    item("svc-search-production.json"),
                    cache.clone(),
                ],
            );
            Reply::Stream(
                vec![
                    event(
                        "DELETED",
                        with_rv(fixture("context/svc-ledger.json"), "511"),
                    ),
                    event(
                        "ERROR",
                        status(410, "Expired", "too old resource version: 511 (600)"),
                    ),
                ],
                End::Clean,
            )
        }));
    }
    cluster.object_watches.insert(services, watches);
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url);
    let mut ow = object_watch(&cfg, "Service");
    let mut got = Vec::new();
    let mut lists = 0;
    ow.watch(Some(Instant::now() + Duration::from_secs(20)), &mut |c| {
        let done = matches!(c, ObjectChange::ListDone { .. });
        got.push(summary(&c));
        lists += usize::from(done);
        if lists == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(
        got,
        [
            "start Service",
            "page Service/payments Service/ledger",
            "page Service/search",
            "done Service",
            "upsert Service/cache 501 ClusterIP",
            "upsert Service/payments 502 ClusterIP",
            "delete Service/ledger 511",
            "start Service",
            "page Service/payments Service/search",
            "page Service/cache",
            "done Service",
        ]
    );
    let w = seen.lock().unwrap().clone();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with(
            "/api/v1/services?allowWatchBookmarks=true&resourceVersion=500&timeoutSeconds="
        ) && w[0].ends_with("&watch=true"),
        "{w:?}"
    );
    // Re-opened after the drop from the bookmark's resourceVersion.
    assert!(w[1].contains("&resourceVersion=510&"), "{w:?}");
    let s = ow.stats();
    assert_eq!(
        (
            s.lists,
            s.pages,
            s.relists_gone,
            s.watch_breaks,
            s.bookmarks
        ),
        (2, 4, 1, 1, 1)
    );
    // The list items got their kind and apiVersion back (`page` above names the kind); a group's kind too.
    let cluster = Cluster::recorded();
    cluster.objects.lock().unwrap().insert(
        "/apis/networking.k8s.io/v1/ingresses".to_owned(),
        vec![item("ing-payments.json")],
    );
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let cfg = kubeconfig(d.path(), &server.url);
    let mut ow = object_watch(&cfg, "Ingress");
    let mut pages = Vec::new();
    let flow = ow
        .list(&mut |c| {
            if let ObjectChange::Page { objects, .. } = c {
                pages.extend(objects);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(flow.is_continue());
    assert_eq!(pages.len(), 1);
    assert_eq!(
        (pages[0]["kind"].as_str(), pages[0]["apiVersion"].as_str()),
        (Some("Ingress"), Some("networking.k8s.io/v1"))
    );
    assert_eq!(ow.resource_version(), Some("500"));
}

#[test]
fn a_forbidden_kind_is_an_error_naming_its_resource() {
    let mut cluster = Cluster::recorded();
    cluster
        .forbidden
        .push("/apis/rbac.authorization.k8s.io/v1/roles".to_owned());
    let server = ApiServer::start(None, Auth::None, cluster.handler());
    let d = tempfile::tempdir().unwrap();
    let cfg = kubeconfig(d.path(), &server.url);
    let mut ow = object_watch(&cfg, "Role");
    let err = ow
        .watch(Some(Instant::now() + Duration::from_secs(5)), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    match &err {
        KubeError::Status {
            status: 403, url, ..
        } => {
            assert!(
                url.contains("/apis/rbac.authorization.k8s.io/v1/roles?limit=2"),
                "{err}"
            );
        }
        other => panic!("{other}"),
    }
    // Another kind on the same server is not affected.
    let mut ow = object_watch(&cfg, "ClusterRole");
    assert!(ow.list(&mut |_| ControlFlow::Continue(())).is_ok());
}
