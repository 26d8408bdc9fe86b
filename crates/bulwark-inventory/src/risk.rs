//! Risk in context for what runs: every running workload's open vulnerability findings scored by
//! `bulwark-risk` in the context its stored Kubernetes objects give it (exposure, isolation, blast radius,
//! mission), one cross-object analysis per cluster — the same analysis `bulwark scan k8s --images` runs on
//! manifests.
//!
//! A workload whose objects are not stored (placements from an older server, a feed without object access) is
//! analysed as a minimal object of its kind holding only its containers and images: Kubernetes' defaults for
//! everything it does not say (root allowed, writable root filesystem, no isolation unless a NetworkPolicy of
//! the namespace selects every pod). That overstates rather than understates, and the row says so
//! ([`RankedWorkload::context_known`]).

use std::collections::{BTreeMap, HashMap};

use bulwark_store::{PlacementFilter, Store};
use bulwark_types::{Finding, FindingKind, Location};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Error;

/// One running workload, ranked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedWorkload {
    pub cluster: String,
    pub environment: Option<String>,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    /// The digests its containers run now.
    pub digests: Vec<String>,
    /// Whether its own object was stored (else Kubernetes' defaults stood in for it: see the module docs).
    pub context_known: bool,
    pub risk: bulwark_risk::WorkloadRisk,
}

#[derive(Default)]
struct Workload {
    environment: Option<String>,
    containers: BTreeMap<String, String>,
    digests: Vec<String>,
    /// digest → the image as the pod spec writes it (what the context's `images` hold).
    refs: BTreeMap<String, String>,
}

/// Every running workload (of `cluster`, or all), highest risk first (then by cluster, namespace, kind and
/// name). `now` (Unix seconds) dates the ages the score reads.
pub fn rank_workloads(
    store: &Store,
    cluster: Option<&str>,
    now: i64,
) -> Result<Vec<RankedWorkload>, Error> {
    let placements = store.placements(&PlacementFilter {
        cluster: cluster.map(str::to_owned),
        ..PlacementFilter::default()
    })?;
    let mut by_cluster: BTreeMap<String, BTreeMap<(String, String, String), Workload>> =
        BTreeMap::new();
    for p in placements {
        let p = p.placement;
        let w = by_cluster
            .entry(p.cluster.clone())
            .or_default()
            .entry((
                p.namespace.clone(),
                p.workload_kind.clone(),
                p.workload_name.clone(),
            ))
            .or_default();
        if w.environment.is_none() {
            w.environment.clone_from(&p.environment);
        }
        w.containers
            .insert(p.container.clone(), p.image_ref.clone().unwrap_or_default());
        if !w.digests.contains(&p.digest) {
            w.digests.push(p.digest.clone());
        }
        if let Some(r) = &p.image_ref {
            w.refs.entry(p.digest.clone()).or_insert_with(|| r.clone());
        }
    }

    let date = bulwark_risk::Date::from_unix(now);
    let mut findings_of: HashMap<String, Vec<Finding>> = HashMap::new();
    let mut out = Vec::new();
    for (cluster, workloads) in by_cluster {
        let mut objects = store.cluster_objects(&cluster)?;
        let stored: std::collections::HashSet<String> =
            objects.iter().filter_map(resource_of).collect();
        let mut known = HashMap::new();
        for ((ns, kind, name), w) in &workloads {
            let resource = format!("{kind}/{ns}/{name}");
            let is_known = stored.contains(&resource);
            if !is_known {
                objects.push(stand_in(kind, ns, name, &w.containers));
            }
            known.insert(resource, is_known);
        }
        let scan = analyse(&objects);
        let by_resource: HashMap<&str, &bulwark_k8s::WorkloadScore> = scan
            .workloads
            .iter()
            .map(|w| (w.resource.as_str(), w))
            .collect();
        for ((ns, kind, name), w) in workloads {
            let resource = format!("{kind}/{ns}/{name}");
            let Some(score) = by_resource.get(resource.as_str()) else {
                continue; // not a kind the analysis knows as a workload
            };
            let opts = bulwark_risk::ContextOptions {
                environment: w.environment.clone(),
                public_well_being: None,
            };
            let Ok(ctx) = bulwark_risk::WorkloadContext::from_workload(score, &scan, &opts) else {
                continue; // the scan was made with posture: cannot happen
            };
            let mut findings = Vec::new();
            for d in &w.digests {
                if !findings_of.contains_key(d) {
                    let fs = store
                        .open_findings_with_details(d)?
                        .into_iter()
                        .map(|(f, details)| to_finding(&f, details.as_deref()))
                        .collect();
                    findings_of.insert(d.clone(), fs);
                }
                // The finding names the image as this workload's pod spec does, so relevance ("the package
                // is in an image the workload runs") compares like with like.
                let image = w.refs.get(d).unwrap_or(d);
                findings.extend(findings_of[d].iter().cloned().map(|mut f| {
                    f.properties.insert("image".into(), json!(image));
                    f
                }));
            }
            out.push(RankedWorkload {
                risk: bulwark_risk::score_workload(&findings, &ctx, date),
                context_known: known.get(&resource).copied().unwrap_or(false),
                cluster: cluster.clone(),
                environment: w.environment,
                namespace: ns,
                kind,
                name,
                digests: w.digests,
            });
        }
    }
    out.sort_by(|a, b| {
        b.risk.score.total_cmp(&a.risk.score).then_with(|| {
            (&a.cluster, &a.namespace, &a.kind, &a.name).cmp(&(
                &b.cluster,
                &b.namespace,
                &b.kind,
                &b.name,
            ))
        })
    });
    Ok(out)
}

/// What the store holds as compliance evidence (`bulwark-compliance`): per cluster, the findings of the
/// Kubernetes checks over its stored objects; and the open findings of the images that run now, each image once.
#[derive(Debug, Default)]
pub struct StoredEvidence {
    /// (cluster, findings of the checks over its objects), by cluster name; only clusters with stored objects.
    pub clusters: Vec<(String, Vec<Finding>)>,
    /// Open vulnerability findings of running images (an image running in several places counted once).
    pub images: Vec<Finding>,
    /// Running images.
    pub image_count: usize,
}

/// Gathers [`StoredEvidence`]: one cross-object analysis per cluster with stored objects, and the open findings
/// of every running digest.
pub fn stored_evidence(store: &Store) -> Result<StoredEvidence, Error> {
    let placements = store.placements(&PlacementFilter::default())?;
    let mut clusters = std::collections::BTreeSet::new();
    let mut digests = std::collections::BTreeSet::new();
    for p in placements {
        clusters.insert(p.placement.cluster);
        digests.insert(p.placement.digest);
    }
    let mut out = StoredEvidence {
        image_count: digests.len(),
        ..StoredEvidence::default()
    };
    for c in clusters {
        let objects = store.cluster_objects(&c)?;
        if objects.is_empty() {
            continue;
        }
        let scan = analyse(&objects);
        out.clusters.push((c, scan.findings));
    }
    for d in &digests {
        out.images.extend(
            store
                .open_findings_with_details(d)?
                .into_iter()
                .map(|(f, details)| to_finding(&f, details.as_deref())),
        );
    }
    Ok(out)
}

/// The cross-object analysis of one cluster's objects, with the posture risk reads.
fn analyse(objects: &[Value]) -> bulwark_k8s::K8sScan {
    let mut stream = Vec::new();
    for o in objects {
        stream.extend_from_slice(b"---\n");
        // serde_json output is valid YAML (flow style); one document per object.
        if serde_json::to_writer(&mut stream, o).is_ok() {
            stream.push(b'\n');
        }
    }
    let opts = bulwark_k8s::ScanOptions {
        collect_posture: true,
        ..bulwark_k8s::ScanOptions::default()
    };
    bulwark_k8s::scan_bytes("inventory", &stream, &opts)
}

/// `Kind/namespace/name` of a stored object, as the analysis names workloads.
fn resource_of(o: &Value) -> Option<String> {
    let kind = o.get("kind")?.as_str()?;
    let name = o.pointer("/metadata/name")?.as_str()?;
    Some(
        match o.pointer("/metadata/namespace").and_then(Value::as_str) {
            Some(ns) => format!("{kind}/{ns}/{name}"),
            None => format!("{kind}/{name}"),
        },
    )
}

/// A minimal object of `kind` with the containers the inventory saw: what stands for a workload whose object
/// was not stored.
fn stand_in(kind: &str, ns: &str, name: &str, containers: &BTreeMap<String, String>) -> Value {
    let spec = json!({
        "containers": containers
            .iter()
            .map(|(c, image)| json!({"name": c, "image": image}))
            .collect::<Vec<_>>(),
    });
    let template = json!({"metadata": {"labels": {"bulwark.dev/stand-in": name}}, "spec": spec});
    let selector = json!({"matchLabels": {"bulwark.dev/stand-in": name}});
    let (api_version, body) = match kind {
        "Pod" => ("v1", json!({"spec": spec})),
        "ReplicationController" => (
            "v1",
            json!({"spec": {"selector": {"bulwark.dev/stand-in": name}, "template": template}}),
        ),
        "CronJob" => (
            "batch/v1",
            json!({"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}),
        ),
        "Job" => ("batch/v1", json!({"spec": {"template": template}})),
        _ => (
            "apps/v1",
            json!({"spec": {"selector": selector, "template": template}}),
        ),
    };
    let mut o = json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
    });
    if let (Some(o), Value::Object(body)) = (o.as_object_mut(), body) {
        o.extend(body);
    }
    o
}

/// A stored finding as the scorer reads it: the row's package and fix, and what the match said (title, CVSS,
/// EPSS, KEV) from its details.
fn to_finding(f: &bulwark_store::Finding, details: Option<&str>) -> Finding {
    let mut properties: BTreeMap<String, Value> = details
        .and_then(|d| serde_json::from_str::<serde_json::Map<String, Value>>(d).ok())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    let title = match properties.remove("title") {
        Some(Value::String(t)) => t,
        _ => format!("{} in {}", f.vuln_id, f.package_name),
    };
    properties.insert("purl".into(), json!(f.purl));
    properties.insert("packageName".into(), json!(f.package_name));
    properties.insert("installedVersion".into(), json!(f.package_version));
    if let Some(v) = &f.fixed_version {
        properties.insert("fixedVersion".into(), json!(v));
    }
    properties.insert("image".into(), json!(f.digest));
    Finding {
        kind: FindingKind::Vulnerability,
        id: f.vuln_id.clone().into(),
        name: None,
        severity: f.severity,
        title: title.into(),
        message: std::sync::Arc::from(""),
        location: Location::default(),
        evidence: None,
        references: Vec::new(),
        properties,
        shared_properties: None,
    }
}
