//! The admission feed: an allowed CREATE/UPDATE of a Pod or of a workload with a pod template becomes placements.
//!
//! On the request path [`admitted`] only reads the object: the workload (from the owner references, as the
//! watch attributes pods), the namespace and each container whose image carries a digest (`…@sha256:`). A
//! Pod's ReplicaSet owner is named `<deployment>-<pod-template-hash>` by the Deployment controller, so a
//! ReplicaSet owner whose name ends in the pod's `pod-template-hash` label is read as that Deployment; a
//! ReplicaSet or Job object is attributed to its controller (a Deployment, a CronJob). The environment comes
//! from the environments file by namespace (a review carries no namespace labels), else from the namespace's
//! live placements (the watch's, from the labels), so that a re-admission does not write it away.
//!
//! The writer task drains the queue in batches of up to [`BATCH`] and writes each batch on the blocking pool
//! with one `Store` kept between batches; a failed batch is retried twice (1 s, 2 s later) with a new
//! connection, then given up and counted, while new events keep being dropped at the full queue.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bulwark_kube::Environments;
use bulwark_store::{Placement, Store};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::FeedHandle;
use crate::{Request, log};

/// Containers read from one object at most (a pod has a handful; the rest of a hostile object is ignored).
pub const MAX_CONTAINERS: usize = 64;
/// Longest image reference kept (a reference is a registry host, a repository of at most 255 characters, a
/// tag and a digest: well under this).
pub const MAX_IMAGE: usize = 1024;
/// Longest namespace, workload or container name kept (Kubernetes names are at most 253 characters).
pub const MAX_NAME: usize = 253;
/// Admission events written in one batch at most.
pub const BATCH: usize = 256;

/// What an admitted object runs: the workload and its digest-pinned containers, and the object itself as the
/// store keeps it (trimmed by `bulwark_store::trim_object`; `None` when it has no name yet, a pod made by a
/// controller from `generateName`, or when it is refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub namespace: String,
    pub workload_kind: String,
    pub workload_name: String,
    pub containers: Vec<Container>,
    pub object: Option<bulwark_store::StoredObject>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    /// The reference as written in the spec.
    pub image: String,
    /// `sha256:…` from the reference.
    pub digest: String,
}

/// Where the pod spec of an object of this kind is: a Pod's own spec, a CronJob's job template's pod template,
/// any other object's `spec.template.spec` (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
/// ReplicationController, and custom workloads with a pod template such as Argo Rollouts).
fn pod_spec<'a>(kind: &str, object: &'a Value) -> Option<&'a Value> {
    let p = match kind {
        "Pod" => "/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => "/spec/template/spec",
    };
    object.pointer(p).filter(|s| s.is_object())
}

fn short(s: &str, max: usize) -> Option<String> {
    (!s.is_empty() && s.len() <= max).then(|| s.to_owned())
}

/// The controller owner reference (`controller: true`), else the first one: as the watch reads owners.
fn controller_of(object: &Value) -> Option<(&str, &str)> {
    let refs = object.pointer("/metadata/ownerReferences")?.as_array()?;
    let r = refs
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .or_else(|| refs.first())?;
    Some((r.get("kind")?.as_str()?, r.get("name")?.as_str()?))
}

/// Whether `name` is a Job name the CronJob controller makes: `<cronjob>-<scheduled time in minutes>`.
fn cronjob_job_name(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(base, minutes)| {
        !base.is_empty() && minutes.len() >= 8 && minutes.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The workload an admitted object belongs to, named as the watch names it.
fn workload(kind: &str, name: &str, object: &Value) -> Option<(String, String)> {
    let owner = controller_of(object);
    let (k, n) = match (kind, owner) {
        ("Pod", Some(("ReplicaSet", rs))) => {
            let hash = object
                .pointer("/metadata/labels/pod-template-hash")
                .and_then(Value::as_str)
                .unwrap_or("");
            match rs.strip_suffix(hash).and_then(|d| d.strip_suffix('-')) {
                Some(d) if !hash.is_empty() && !d.is_empty() => ("Deployment", d),
                _ => ("ReplicaSet", rs),
            }
        }
        // The pod of a CronJob's Job (the controller names it `<cronjob>-<scheduled minute>`, 8 digits or
        // more): the pod cannot tell the CronJob, so it is left to the Job's own review and to the watch, which
        // both name `CronJob/<name>`; recording it would leave a `Job/…` row beside theirs, live until the next
        // re-list. Any other Job's pod is that Job.
        ("Pod", Some(("Job", j))) if cronjob_job_name(j) => return None,
        ("Pod", Some(owner)) => owner,
        ("ReplicaSet", Some(("Deployment", d))) => ("Deployment", d),
        ("Job", Some(("CronJob", c))) => ("CronJob", c),
        _ => (kind, name),
    };
    Some((short(k, MAX_NAME)?, short(n, MAX_NAME)?))
}

/// The placements-to-be and the object of an answered review: `None` when it is not a CREATE/UPDATE of an
/// object with a pod spec or when it names no workload; also when no container has a digest (each such
/// container is counted in `without_digest`) and there is no object to store.
///
/// The object is trimmed here, on the request path, so that the queue holds bounded objects (256 KiB at most,
/// a few KiB for real ones); an object that `trim_object` refuses is logged as a warning naming it.
pub fn admitted(request: &Request, without_digest: &AtomicU64) -> Option<Admitted> {
    if !matches!(request.operation.as_str(), "CREATE" | "UPDATE")
        || request
            .sub_resource
            .as_deref()
            .is_some_and(|s| !s.is_empty())
    {
        return None;
    }
    let object = &request.object;
    let kind = if request.kind.kind.is_empty() {
        object.get("kind").and_then(Value::as_str).unwrap_or("")
    } else {
        request.kind.kind.as_str()
    };
    let spec = pod_spec(kind, object)?;
    let meta = |k: &str| {
        object
            .pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let namespace = request
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| meta("namespace"));
    let namespace = short(namespace, MAX_NAME)?;
    // A pod created by a controller has only generateName here; its owner names the workload.
    let name = request
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| meta("name"));
    let (workload_kind, workload_name) = workload(kind, name, object)?;
    let mut containers = Vec::new();
    let mut missing = 0u64;
    let listed = ["initContainers", "containers"]
        .into_iter()
        .flat_map(|list| {
            spec.get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        });
    // A bound on the work as well as on what is kept: an object of 100,000 tag-only containers is looked at
    // no further than its first few hundred.
    for c in listed.take(MAX_CONTAINERS * 4) {
        if containers.len() >= MAX_CONTAINERS {
            break;
        }
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let Some(name) = c
            .get("name")
            .and_then(Value::as_str)
            .and_then(|n| short(n, MAX_NAME))
        else {
            continue;
        };
        match bulwark_kube::model::digest_of(image).filter(|_| image.len() <= MAX_IMAGE) {
            Some(digest) => containers.push(Container {
                name,
                image: image.to_owned(),
                digest,
            }),
            None => missing += 1,
        }
    }
    if missing > 0 {
        without_digest.fetch_add(missing, Ordering::Relaxed);
    }
    let object = stored_object(request, kind, name, &namespace);
    (!containers.is_empty() || object.is_some()).then_some(Admitted {
        namespace,
        workload_kind,
        workload_name,
        containers,
        object,
    })
}

/// The admitted object trimmed for the store, with the review's name, namespace and kind where the object
/// leaves them out.
fn stored_object(
    request: &Request,
    kind: &str,
    name: &str,
    namespace: &str,
) -> Option<bulwark_store::StoredObject> {
    if name.is_empty() || !request.object.is_object() {
        return None;
    }
    let mut object = request.object.clone();
    let gvk = &request.kind;
    let api_version = if gvk.group.is_empty() {
        gvk.version.clone()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    };
    let defaults = [
        ("/kind", kind.to_owned()),
        ("/apiVersion", api_version),
        ("/metadata/name", name.to_owned()),
        ("/metadata/namespace", namespace.to_owned()),
    ];
    for (pointer, value) in defaults {
        if value.is_empty() || object.pointer(pointer).and_then(Value::as_str).is_some() {
            continue;
        }
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let target = if parent.is_empty() {
            Some(&mut object)
        } else {
            if !object.get("metadata").is_some_and(Value::is_object) {
                object["metadata"] = json!({});
            }
            object.pointer_mut(parent)
        };
        if let Some(Value::Object(m)) = target {
            m.insert(key.to_owned(), Value::String(value));
        }
    }
    match bulwark_store::trim_object(&object) {
        Ok(t) => Some(t),
        Err(e) => {
            log(
                json!({"level": "warn", "event": "admission-object-refused", "warning": e.to_string()}),
            );
            None
        }
    }
}

/// Where and as what the writer records placements.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) location: String,
    pub(crate) cluster: String,
    pub(crate) environments: Environments,
}

/// The store placements of a batch, one per key (the last event for a container wins).
#[must_use]
pub fn placements(
    batch: &[Admitted],
    cluster: &str,
    environments: &Environments,
) -> Vec<Placement> {
    let mut out: BTreeMap<(String, String, String, String), Placement> = BTreeMap::new();
    let none = BTreeMap::new();
    for a in batch {
        let environment = environments.of(&a.namespace, &none);
        for c in &a.containers {
            out.insert(
                (
                    a.namespace.clone(),
                    a.workload_kind.clone(),
                    a.workload_name.clone(),
                    c.name.clone(),
                ),
                Placement {
                    cluster: cluster.to_owned(),
                    environment: environment.clone(),
                    namespace: a.namespace.clone(),
                    workload_kind: a.workload_kind.clone(),
                    workload_name: a.workload_name.clone(),
                    container: c.name.clone(),
                    digest: c.digest.clone(),
                    image_ref: Some(c.image.clone()),
                },
            );
        }
    }
    out.into_values().collect()
}

fn write_batch(
    store: &mut Option<Store>,
    target: &Target,
    batch: &[Admitted],
) -> Result<Vec<Placement>, bulwark_store::Error> {
    let s = match store {
        Some(s) => s,
        None => store.insert(Store::open(&target.location)?),
    };
    let now = super::now();
    let mut ps = placements(batch, &target.cluster, &target.environments);
    // Where the file names no environment, the namespace's live placements may know it (the watch reads the
    // namespace's labels): kept, not written away by a re-admission.
    let mut known: BTreeMap<String, Option<String>> = BTreeMap::new();
    for p in ps.iter_mut().filter(|p| p.environment.is_none()) {
        if !known.contains_key(&p.namespace) {
            let f = bulwark_store::PlacementFilter {
                cluster: Some(target.cluster.clone()),
                namespace: Some(p.namespace.clone()),
                ..bulwark_store::PlacementFilter::default()
            };
            let env = s
                .placements(&f)?
                .into_iter()
                .find_map(|r| r.placement.environment);
            known.insert(p.namespace.clone(), env);
        }
        p.environment.clone_from(&known[&p.namespace]);
    }
    s.upsert_placements(&ps, now)?;
    // The objects of the batch, the last event per object first-written last (a newer resourceVersion wins).
    let objects: Vec<bulwark_store::StoredObject> =
        batch.iter().filter_map(|a| a.object.clone()).collect();
    s.upsert_trimmed(&target.cluster, &objects, now)?;
    Ok(ps)
}

/// Drains the admission queue into the store until the queue closes.
pub(crate) async fn writer(mut rx: mpsc::Receiver<Admitted>, target: Target, handle: FeedHandle) {
    let target = std::sync::Arc::new(target);
    let mut store: Option<Store> = None;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let c = handle.counters();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let t = target.clone();
            let mut st = store.take();
            let done = tokio::task::spawn_blocking(move || {
                let r = write_batch(&mut st, &t, &batch);
                (st, batch, r)
            })
            .await;
            let Ok((st, b, result)) = done else {
                // The write panicked: the batch is gone with it.
                c.admission_write_errors.fetch_add(1, Ordering::Relaxed);
                log(
                    json!({"level": "error", "event": "admission-feed-failed", "error": "panic while writing"}),
                );
                break;
            };
            batch = b;
            match result {
                Ok(written) => {
                    store = st;
                    c.admission_written
                        .fetch_add(written.len() as u64, Ordering::Relaxed);
                    for p in &written {
                        handle.want_sbom(&p.digest, p.image_ref.as_deref());
                    }
                    break;
                }
                Err(e) => {
                    // A new connection next time: a broken PostgreSQL connection does not heal.
                    drop(st);
                    c.admission_write_errors.fetch_add(1, Ordering::Relaxed);
                    let give_up = attempt >= 3;
                    log(json!({
                        "level": "error", "event": "admission-feed-write-failed", "error": e.to_string(),
                        "objects": batch.len(), "attempt": attempt, "givenUp": give_up,
                    }));
                    if give_up {
                        c.admission_lost
                            .fetch_add(batch.len() as u64, Ordering::Relaxed);
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";

    fn request(kind: &str, op: &str, object: Value) -> Request {
        let mut r = json!({
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": kind}, "operation": op,
            "namespace": object.pointer("/metadata/namespace"),
        });
        r["object"] = object;
        serde_json::from_value(r).unwrap()
    }

    #[test]
    fn pods_and_workloads_become_placements() {
        let n = AtomicU64::new(0);
        // A pod made by a Deployment's ReplicaSet: generateName only, the Deployment named by the hash.
        let pod = json!({"metadata": {"generateName": "payments-7d4b9c-", "namespace": "staging",
            "labels": {"pod-template-hash": "7d4b9c"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "payments-7d4b9c", "controller": true}]},
            "spec": {"initContainers": [{"name": "migrate", "image": format!("r.example/m@{D}")}],
                     "containers": [{"name": "app", "image": format!("r.example/p:1@{D}")},
                                    {"name": "sidecar", "image": "envoy:1.30"}]}});
        let a = admitted(&request("Pod", "CREATE", pod), &n).unwrap();
        assert_eq!(
            (a.workload_kind.as_str(), a.workload_name.as_str()),
            ("Deployment", "payments")
        );
        assert_eq!(
            a.containers
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["migrate", "app"]
        );
        assert_eq!(n.load(Ordering::Relaxed), 1);

        let cron = json!({"metadata": {"name": "nightly", "namespace": "production"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
                {"name": "report", "image": format!("r.example/report@{D}")}]}}}}}});
        let a = admitted(&request("CronJob", "UPDATE", cron), &n).unwrap();
        assert_eq!(
            (a.workload_kind.as_str(), a.workload_name.as_str()),
            ("CronJob", "nightly")
        );
        let job = json!({"metadata": {"name": "nightly-29430180", "namespace": "production",
            "ownerReferences": [{"kind": "CronJob", "name": "nightly", "controller": true}]},
            "spec": {"template": {"spec": {"containers": [{"name": "report", "image": format!("x@{D}")}]}}}});
        let a = admitted(&request("Job", "CREATE", job), &n).unwrap();
        assert_eq!(a.workload_kind, "CronJob");
        // A CronJob's Job's pod: left to the Job's review (the pod cannot tell that a CronJob owns its Job).
        let job_pod = json!({"metadata": {"generateName": "nightly-29430180-", "namespace": "production",
            "ownerReferences": [{"kind": "Job", "name": "nightly-29430180", "controller": true}]},
            "spec": {"containers": [{"name": "report", "image": format!("x@{D}")}]}});
        assert!(admitted(&request("Pod", "CREATE", job_pod), &n).is_none());
        // Any other Job's pod is that Job.
        let migrate_pod = json!({"metadata": {"generateName": "migrate-schema-", "namespace": "production",
            "ownerReferences": [{"kind": "Job", "name": "migrate-schema", "controller": true}]},
            "spec": {"containers": [{"name": "migrate", "image": format!("x@{D}")}]}});
        let a = admitted(&request("Pod", "CREATE", migrate_pod), &n).unwrap();
        assert_eq!(
            (a.workload_kind.as_str(), a.workload_name.as_str()),
            ("Job", "migrate-schema")
        );
        assert!(!cronjob_job_name("backup-2026"));
        assert!(!cronjob_job_name("-29430180"));
        assert!(cronjob_job_name("a-b-29430180"));

        // A ReplicaSet owner without the Deployment's hash label stays a ReplicaSet.
        let pod = json!({"metadata": {"name": "x", "namespace": "a",
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true}]},
            "spec": {"containers": [{"name": "c", "image": format!("x@{D}")}]}});
        let a = admitted(&request("Pod", "CREATE", pod.clone()), &n).unwrap();
        assert_eq!(
            (a.workload_kind.as_str(), a.workload_name.as_str()),
            ("ReplicaSet", "web-abc")
        );

        // Not placements: a DELETE, a status update, a ConfigMap, tags only, a bare pod without a name.
        assert!(admitted(&request("Pod", "DELETE", pod.clone()), &n).is_none());
        let mut status = request("Pod", "UPDATE", pod);
        status.sub_resource = Some("status".into());
        assert!(admitted(&status, &n).is_none());
        let cm = json!({"metadata": {"name": "c", "namespace": "a"}, "data": {}});
        assert!(admitted(&request("ConfigMap", "CREATE", cm), &n).is_none());
        let tags = json!({"metadata": {"name": "t", "namespace": "a"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}});
        // Tags only: no placement, but the object is kept for the workload's risk context.
        let a = admitted(&request("Pod", "CREATE", tags), &n).unwrap();
        assert!(a.containers.is_empty());
        assert_eq!(
            a.object.as_ref().map(|o| (o.kind(), o.name())),
            Some(("Pod", "t"))
        );
        let anonymous = json!({"metadata": {"generateName": "t-", "namespace": "a"},
            "spec": {"containers": [{"name": "c", "image": format!("x@{D}")}]}});
        assert!(admitted(&request("Pod", "CREATE", anonymous), &n).is_none());
    }

    #[test]
    fn an_admitted_deployment_is_stored_trimmed() {
        let n = AtomicU64::new(0);
        // `kubectl create deployment payments --image=… -n staging --dry-run=client -o json`, with an env value,
        // managedFields and a status as an API server would hold them (../bulwark-kube/tests/fixtures/context).
        let mut deploy: Value = serde_json::from_str(include_str!(
            "../../../bulwark-kube/tests/fixtures/context/deploy-payments.json"
        ))
        .unwrap();
        deploy["spec"]["template"]["spec"]["containers"][0]["image"] =
            json!(format!("ghcr.io/acme/payments@{D}"));
        // An admission request's object may leave out kind and apiVersion: the review's kind supplies them.
        deploy.as_object_mut().unwrap().remove("kind");
        deploy.as_object_mut().unwrap().remove("apiVersion");
        let mut req = request("Deployment", "CREATE", deploy);
        req.kind.group = "apps".into();
        let a = admitted(&req, &n).unwrap();
        assert_eq!(a.containers.len(), 1);
        let dir = tempfile::tempdir().unwrap();
        let target = Target {
            location: format!("sqlite:{}", dir.path().join("s.db").display()),
            cluster: "c1".into(),
            environments: Environments::default(),
        };
        let mut store = None;
        write_batch(&mut store, &target, &[a]).unwrap();
        let s = store.unwrap();
        let stored = s
            .object("c1", "Deployment", "staging", "payments")
            .unwrap()
            .unwrap();
        assert_eq!(stored["apiVersion"], "apps/v1");
        assert!(
            stored.get("status").is_none() && stored.pointer("/metadata/managedFields").is_none()
        );
        assert_eq!(
            stored.pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([{"name": "DB_PASSWORD"},
                {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"key": "api-key", "name": "payments-db"}}}]))
        );
        assert!(!stored.to_string().contains("hunter2"));
        assert_eq!(
            s.placements(&bulwark_store::PlacementFilter::default())
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_hostile_object_stays_small() {
        let n = AtomicU64::new(0);
        let many: Vec<Value> = (0..10_000)
            .map(|i| json!({"name": format!("c{i}"), "image": format!("x@{D}")}))
            .collect();
        let long = json!({"name": "long", "image": format!("{}@{D}", "r".repeat(5000))});
        let mut all = vec![long];
        all.extend(many);
        let pod = json!({"metadata": {"name": "p", "namespace": "a"}, "spec": {"containers": all}});
        let a = admitted(&request("Pod", "CREATE", pod), &n).unwrap();
        assert_eq!(a.containers.len(), MAX_CONTAINERS);
        assert!(a.containers.iter().all(|c| c.image.len() < 100));
    }

    #[test]
    fn batches_keep_the_last_event_per_container() {
        let envs = Environments::parse(
            b"namespaces:\n  - match: staging\n    environment: staging\n",
            std::path::Path::new("e.yaml"),
        )
        .unwrap();
        let d2 = D.replace("a1", "b2");
        let ev = |digest: &str| Admitted {
            namespace: "staging".into(),
            workload_kind: "Deployment".into(),
            workload_name: "payments".into(),
            containers: vec![Container {
                name: "app".into(),
                image: format!("r@{digest}"),
                digest: digest.into(),
            }],
            object: None,
        };
        let ps = placements(&[ev(D), ev(&d2)], "c1", &envs);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].digest, d2);
        assert_eq!(ps[0].environment.as_deref(), Some("staging"));
        assert_eq!(ps[0].cluster, "c1");
    }
}
