//! `bulwark dast --namespace`: the targets of a preview namespace, from manifests or the Kubernetes API, and
//! the routing of DAST findings to their owners.
//!
//! Manifests are read as `bulwark scan k8s` reads them (bulwark-k8s: files and directories of YAML streams and
//! JSON, `List` objects unpacked, errors with file and line); an object without `metadata.namespace` belongs
//! to `--namespace`, as `kubectl apply -n` would place it, and objects of other namespaces are dropped.
//! Without `--manifests` the namespace's Ingresses, HTTPRoutes, Gateways, Services and workloads are listed
//! through the API (bulwark-kube's paged lists, kubeconfig as kubectl reads it, else the in-cluster service
//! account). Discovery itself is `bulwark_dast::preview::discover`.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use bulwark_dast::preview::{self, DiscoverOptions, PreviewTarget};
use bulwark_kube::{
    Client, ClientOptions, KubeError, ObjectChange, ObjectWatch, ObjectWatchOptions, Resource,
};
use bulwark_owners::{FindingContext, WorkloadContext};
use bulwark_types::Finding;
use serde_json::Value;

use crate::cmd::dast::DastArgs;

/// The URLs to scan for `--namespace` (with `--manifests` or the API), each naming what serves it. Notes on
/// what could not be used (a rule without a host, a Service that is not there) are printed as warnings.
pub(crate) fn targets(args: &DastArgs) -> Result<Vec<PreviewTarget>> {
    let Some(ns) = args.namespace.as_deref() else {
        bail!("--namespace is required to find a preview's targets");
    };
    if let Some(t) = &args.service_url {
        check_template(t)?;
    }
    let objects = if args.manifests.is_empty() {
        from_api(ns, args.kubeconfig.as_deref())?
    } else {
        from_manifests(ns, &args.manifests)?
    };
    let found = preview::discover(
        &objects,
        ns,
        &DiscoverOptions {
            service_url: args.service_url.clone(),
        },
    );
    for n in &found.notes {
        eprintln!("bulwark: warning: {n}");
    }
    if found.targets.is_empty() {
        bail!(
            "namespace {ns}: no Ingress host, HTTPRoute hostname or HTTP Service to scan ({} objects read{})",
            objects.len(),
            if args.manifests.is_empty() {
                " from the API"
            } else {
                " from --manifests"
            }
        );
    }
    Ok(found.targets)
}

/// A `--service-url` template: an http(s) URL with only the known placeholders.
fn check_template(t: &str) -> Result<()> {
    const KNOWN: &[&str] = &["scheme", "service", "namespace", "port", "port_name"];
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else {
            bail!("--service-url {t:?}: '{{' without '}}'");
        };
        let name = &rest[i + 1..i + j];
        if !KNOWN.contains(&name) {
            bail!(
                "--service-url {t:?}: unknown placeholder {{{name}}} (known: {{scheme}}, {{service}}, {{namespace}}, \
                 {{port}}, {{port_name}})"
            );
        }
        rest = &rest[i + j + 1..];
    }
    if !["http://", "https://", "{scheme}://"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        bail!("--service-url {t:?}: must start with http://, https:// or {{scheme}}://");
    }
    Ok(())
}

/// The objects of `ns` in manifest files and directories.
fn from_manifests(ns: &str, paths: &[PathBuf]) -> Result<Vec<Value>> {
    let inputs: Vec<bulwark_k8s::Input> = paths
        .iter()
        .map(|p| bulwark_k8s::Input::Path(p.clone()))
        .collect();
    let opts = bulwark_k8s::ScanOptions {
        run_rules: false,
        ..bulwark_k8s::ScanOptions::default()
    };
    let manifests = bulwark_k8s::load(&inputs, &opts)?;
    let checker = manifests.checker(&opts);
    // Parse errors are diagnostics of the (rule-less) pass: a broken file is an error naming file and line,
    // not a silently smaller namespace.
    let errors: Vec<String> = checker
        .findings()
        .finish()
        .diagnostics
        .into_iter()
        .filter(|d| d.level == bulwark_types::DiagnosticLevel::Error)
        .map(|d| format!("{}: {}", d.location, d.message))
        .collect();
    if !errors.is_empty() {
        bail!("cannot read the manifests:\n  {}", errors.join("\n  "));
    }
    Ok(checker
        .object_values()
        .filter_map(|(_, mut o)| {
            match o.pointer("/metadata/namespace").and_then(Value::as_str) {
                Some(n) if n != ns => return None,
                Some(_) => {}
                None => {
                    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
                        meta.insert("namespace".into(), Value::String(ns.to_owned()));
                    }
                }
            }
            Some(o)
        })
        .collect())
}

const fn res(kind: &'static str, api: &'static str, plural: &'static str) -> Resource {
    Resource {
        kind,
        api,
        plural,
        namespaced: true,
    }
}

/// What is listed, and whether the kind is needed (an error stops) or optional (a 403 or 404 is a warning:
/// workloads are then not named; the Gateway API may not be installed).
const LISTED: &[(Resource, bool)] = &[
    (
        res("Ingress", "apis/networking.k8s.io/v1", "ingresses"),
        true,
    ),
    (res("Service", "api/v1", "services"), true),
    (
        res(
            "HTTPRoute",
            "apis/gateway.networking.k8s.io/v1",
            "httproutes",
        ),
        false,
    ),
    (
        res("Gateway", "apis/gateway.networking.k8s.io/v1", "gateways"),
        false,
    ),
    (res("Deployment", "apis/apps/v1", "deployments"), false),
    (res("StatefulSet", "apis/apps/v1", "statefulsets"), false),
    (res("DaemonSet", "apis/apps/v1", "daemonsets"), false),
    (res("ReplicaSet", "apis/apps/v1", "replicasets"), false),
    (res("Job", "apis/batch/v1", "jobs"), false),
    (res("CronJob", "apis/batch/v1", "cronjobs"), false),
    (res("Pod", "api/v1", "pods"), false),
];

/// The objects of `ns` listed through the API.
fn from_api(ns: &str, kubeconfig: Option<&Path>) -> Result<Vec<Value>> {
    let cfg = cluster_config(kubeconfig)?;
    let mut objects = Vec::new();
    for &(resource, needed) in LISTED {
        // One client per kind, as the server's context watches have (an ObjectWatch owns its client).
        let client = Client::new(cfg.clone(), ClientOptions::default())
            .context("cannot set up the Kubernetes client")?;
        let mut list = ObjectWatch::new(
            client,
            resource,
            ObjectWatchOptions {
                namespace: Some(ns.to_owned()),
                ..ObjectWatchOptions::default()
            },
        );
        let mut got = Vec::new();
        let r = list.list(&mut |change| {
            match change {
                ObjectChange::ListStart { .. } => got.clear(),
                ObjectChange::Page { objects, .. } => got.extend(objects),
                _ => {}
            }
            ControlFlow::Continue(())
        });
        match r {
            Ok(_) => objects.append(&mut got),
            Err(KubeError::Status { status, .. }) if !needed && matches!(status, 403 | 404) => {
                let why = if status == 404 {
                    "not served by this cluster"
                } else {
                    "forbidden"
                };
                eprintln!(
                    "bulwark: warning: cannot list {} in namespace {ns} ({why}); {}",
                    resource.plural,
                    if resource.kind == "HTTPRoute" || resource.kind == "Gateway" {
                        "Gateway API routes are not scanned"
                    } else {
                        "workloads of that kind are not named"
                    }
                );
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot list {} in namespace {ns}", resource.plural)));
            }
        }
    }
    Ok(objects)
}

/// The cluster to reach: `--kubeconfig`, else `$KUBECONFIG` or `~/.kube/config` (as kubectl), else the
/// in-cluster service account when `KUBERNETES_SERVICE_HOST` is set.
fn cluster_config(explicit: Option<&Path>) -> Result<bulwark_kube::ClusterConfig> {
    let env = std::env::var("KUBECONFIG").ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let in_cluster_host = std::env::var("KUBERNETES_SERVICE_HOST").ok();
    let have_file = explicit.is_some()
        || env.as_deref().is_some_and(|s| !s.is_empty())
        || home
            .as_ref()
            .is_some_and(|h| h.join(".kube/config").exists());
    if !have_file && in_cluster_host.is_some() {
        return Ok(bulwark_kube::config::in_cluster(
            in_cluster_host.as_deref(),
            std::env::var("KUBERNETES_SERVICE_PORT").ok().as_deref(),
            Path::new(bulwark_kube::config::SERVICE_ACCOUNT_DIR),
        )?);
    }
    Ok(bulwark_kube::Kubeconfig::load(explicit, env.as_deref(), home.as_deref())?.resolve(None)?)
}

/// The URL an alert finding was raised on: its `url` property, else a location path that is a URL.
fn finding_url(f: &Finding) -> Option<String> {
    f.property("url")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            f.location
                .path
                .as_deref()
                .filter(|p| p.starts_with("http://") || p.starts_with("https://"))
                .map(str::to_owned)
        })
}

/// Names what served each finding: the finding's resource becomes the Ingress (or HTTPRoute, or the Service
/// for a Service URL), with properties `ingress`, `service` and `workloads`. Findings whose URL no target
/// serves are left as they are.
pub(crate) fn attach(findings: &mut [Finding], targets: &[PreviewTarget]) {
    for f in findings.iter_mut() {
        let Some(url) = finding_url(f) else { continue };
        let Some(t) = preview::target_for(&url, targets) else {
            continue;
        };
        if let Some(r) = t.ingress.as_ref().or(t.service.as_ref()) {
            f.location.resource = Some(r.as_str().into());
        }
        if let Some(i) = &t.ingress {
            f.properties
                .insert("ingress".into(), Value::String(i.clone()));
        }
        if let Some(s) = &t.service {
            f.properties
                .insert("service".into(), Value::String(s.clone()));
        }
        f.properties.insert(
            "workloads".into(),
            Value::Array(t.workloads.iter().cloned().map(Value::String).collect()),
        );
    }
}

/// [`attach`], then the owning team of each finding from `owners_file` (as `bulwark owners route` decides it
/// for a workload: `bulwark.dev/owner` annotation or label, then owners.yaml's `annotations:`, `labels:` and
/// `namespace:` rules, then `defaultTeam`), in properties `owner`, `channels` (the team's channel objects)
/// and `ownerRule` (the rule, `file:line`, or the annotation that decided). A finding no target serves is
/// routed by the namespace alone.
pub(crate) fn route(
    findings: &mut [Finding],
    owners_file: &Path,
    targets: &[PreviewTarget],
) -> Result<()> {
    let owners = match bulwark_owners::load(owners_file) {
        Ok(o) => o,
        Err(e @ bulwark_owners::Error::Invalid(_)) => {
            bail!("{} is not a valid owners file:\n{e}", owners_file.display())
        }
        Err(e) => return Err(e.into()),
    };
    attach(findings, targets);
    let namespace = targets.first().map(|t| t.namespace.as_str());
    let empty = BTreeMap::new();
    let mut warned = std::collections::BTreeSet::new();
    for f in findings.iter_mut() {
        let t = finding_url(f).and_then(|u| preview::target_for(&u, targets));
        let cx = FindingContext {
            workload: WorkloadContext {
                namespace: t.map_or(namespace, |t| Some(t.namespace.as_str())),
                labels: Some(t.map_or(&empty, |t| &t.labels)),
                annotations: Some(t.map_or(&empty, |t| &t.annotations)),
            },
            ..FindingContext::default()
        };
        let Some(r) = bulwark_owners::route(&owners, &cx) else {
            continue;
        };
        for w in &r.warnings {
            if warned.insert(w.clone()) {
                eprintln!("bulwark: warning: {w}");
            }
        }
        let rule = if r.rule.line == 0 {
            t.and_then(|t| t.owner_source.clone()).map_or_else(
                || r.rule.pattern.clone(),
                |s| format!("{s}: {}", r.rule.pattern),
            )
        } else {
            format!("{}:{}", r.rule.file, r.rule.line)
        };
        let channels = owners
            .team(&r.team)
            .map(|t| t.channels.clone())
            .unwrap_or_default();
        f.properties.insert("owner".into(), Value::String(r.team));
        f.properties
            .insert("channels".into(), Value::Array(channels));
        f.properties.insert("ownerRule".into(), Value::String(rule));
    }
    Ok(())
}
