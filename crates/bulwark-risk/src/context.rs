//! The deployment context of one workload, built from a [`bulwark_k8s::K8sScan`] (the same cross-object
//! analysis the CLI and the server run): exposure, NetworkPolicy isolation, blast radius, mission hints.

use std::collections::HashSet;
use std::sync::Arc;

use bulwark_k8s::posture::{Evidence, WorkloadPosture};
use bulwark_k8s::{K8sScan, WorkloadScore};
use serde::Serialize;

use crate::date::Date;
use crate::ssvc::{MissionPrevalence, PublicWellBeing};

/// What the workload's service account can do, classified from the RBAC summaries of the scan (the most
/// powerful class wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RbacReach {
    /// No RBAC in the input grants the account anything.
    None,
    /// Grants, none of them in the classes below.
    Limited,
    /// Can create or exec into pods or pod controllers (`create` on pods, pods/exec, deployments, …): a way to
    /// run code with other accounts' privileges.
    PodCreate,
    /// Can read Secrets (`get`, `list`, `watch` or `*` on secrets).
    Secrets,
    /// `*` verbs on `*` resources, `cluster-admin`, or `escalate`/`bind`/`impersonate`.
    ClusterAdminLike,
}

/// A fact of the context with its evidence (shared: every finding of the workload points at the same text).
pub type Facts = Vec<Arc<str>>;

/// The context of one workload (see the module docs). Every list holds the evidence of one fact; empty means
/// "absent from the input".
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadContext {
    /// `Kind/namespace/name`.
    pub resource: String,
    pub namespace: String,
    pub images: Vec<String>,
    /// Ways in from outside the cluster: LoadBalancer, NodePort, Ingress, hostNetwork, hostPort.
    pub internet_exposure: Facts,
    /// Services of type ClusterIP that select the pods (reachable inside the cluster).
    pub cluster_services: Facts,
    /// NetworkPolicies isolating the pods' ingress / egress.
    pub ingress_isolation: Facts,
    pub egress_isolation: Facts,
    pub privileged: Facts,
    /// Added capabilities considered dangerous (see [`DANGEROUS_CAPABILITIES`]) and the others.
    pub dangerous_capabilities: Facts,
    pub other_capabilities: Facts,
    pub host_namespaces: Facts,
    pub may_run_as_root: Facts,
    pub allow_privilege_escalation: Facts,
    pub writable_root_filesystem: Facts,
    pub read_only_root_filesystem: Facts,
    pub host_paths: Facts,
    /// hostPath volumes on paths that give the node away (see [`SENSITIVE_HOST_PATHS`]).
    pub sensitive_host_paths: Facts,
    pub secrets: Facts,
    pub service_account: String,
    pub rbac: RbacReach,
    pub rbac_evidence: Facts,
    /// `automountServiceAccountToken: false` on the pod: RBAC reach is not usable from inside.
    pub token_not_mounted: bool,
    pub mission_prevalence: MissionPrevalence,
    pub public_well_being: PublicWellBeing,
    pub mission_evidence: Arc<str>,
    /// When the workload's newest image was built, if the caller knows (image config `created`).
    pub image_created: Option<Date>,
    /// Runtime data (packages seen loaded or executed); `None` until a runtime sensor provides it.
    #[serde(skip)]
    pub runtime: Option<HashSet<String>>,
}

/// Capabilities that let a compromised container reach the node or other workloads.
pub const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "DAC_OVERRIDE",
    "BPF",
    "PERFMON",
];

/// hostPath prefixes that give control of the node or its container runtime.
pub const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/log",
    "/home",
    "/boot",
    "/dev",
];

/// What the caller knows that the manifests do not say.
#[derive(Debug, Clone, Default)]
pub struct ContextOptions {
    /// The environment of every workload (`production`, `staging`, `dev`): wins over namespace labels.
    pub environment: Option<String>,
    /// Public well-being impact of a compromise; default [`PublicWellBeing::Minimal`] unless a namespace label
    /// `bulwark.dev/public-well-being` says otherwise.
    pub public_well_being: Option<PublicWellBeing>,
}

/// Namespace labels read for the environment, in order.
pub const ENVIRONMENT_LABELS: &[&str] = &[
    "bulwark.dev/environment",
    "environment",
    "env",
    "app.kubernetes.io/environment",
];

/// Mission prevalence of an environment name: production-like → essential, staging-like → support,
/// development-like → minimal; `None` for names not recognised.
#[must_use]
pub fn prevalence_of_environment(env: &str) -> Option<MissionPrevalence> {
    let e = env.to_ascii_lowercase();
    match e.as_str() {
        "prod" | "production" | "prd" | "live" => Some(MissionPrevalence::Essential),
        "staging" | "stage" | "stg" | "qa" | "uat" | "preprod" | "pre-production" => {
            Some(MissionPrevalence::Support)
        }
        "dev" | "development" | "test" | "testing" | "sandbox" | "ci" | "local" => {
            Some(MissionPrevalence::Minimal)
        }
        _ => None,
    }
}

fn facts(list: &[Evidence]) -> Facts {
    list.iter().map(|e| Arc::from(e.at.as_str())).collect()
}

fn label<'l>(labels: &'l [(String, String)], key: &str) -> Option<&'l str> {
    labels
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Classifies RBAC summary lines of `bulwark-k8s` (`ClusterRoleBinding b -> ClusterRole r: get,list on
/// secrets`). Returns the class and the lines that gave it.
#[must_use]
pub fn classify_rbac(lines: &[String]) -> (RbacReach, Facts) {
    let mut best = RbacReach::None;
    let mut evidence: Facts = Vec::new();
    for line in lines {
        let grant = line.split_once(" -> ").map_or(line.as_str(), |(_, g)| g);
        let class = classify_grant(grant);
        if class > best {
            best = class;
            evidence.clear();
        }
        if class == best && class != RbacReach::None {
            evidence.push(Arc::from(line.as_str()));
        }
    }
    (best, evidence)
}

fn classify_grant(grant: &str) -> RbacReach {
    let (role, rule) = grant.split_once(": ").unwrap_or((grant, ""));
    match role.split_whitespace().nth(1) {
        Some("cluster-admin") => return RbacReach::ClusterAdminLike,
        // The built-in user-facing roles, usually bound without their definition in the input: `admin` and
        // `edit` read Secrets and create pods (Kubernetes docs, "User-facing roles").
        Some("admin" | "edit") if rule.is_empty() => return RbacReach::Secrets,
        _ => {}
    }
    let Some((verbs, resources)) = rule.split_once(" on ") else {
        return RbacReach::Limited;
    };
    let verbs: Vec<&str> = verbs.split(',').map(str::trim).collect();
    let resources: Vec<&str> = resources.split(',').map(str::trim).collect();
    let verb = |v: &str| verbs.iter().any(|x| *x == v || *x == "*");
    let resource = |r: &str| resources.iter().any(|x| *x == r || *x == "*");
    if (verbs.contains(&"*") && resources.contains(&"*"))
        || verbs
            .iter()
            .any(|v| matches!(*v, "escalate" | "bind" | "impersonate"))
    {
        RbacReach::ClusterAdminLike
    } else if resource("secrets") && (verb("get") || verb("list") || verb("watch")) {
        RbacReach::Secrets
    } else if (verb("create")
        && [
            "pods",
            "deployments",
            "daemonsets",
            "statefulsets",
            "jobs",
            "cronjobs",
            "replicasets",
        ]
        .iter()
        .any(|r| resource(r)))
        || (resource("pods/exec") && (verb("create") || verb("get")))
    {
        RbacReach::PodCreate
    } else {
        RbacReach::Limited
    }
}

/// Why no context could be built.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "no posture recorded for workload {0}: scan the manifests with ScanOptions::collect_posture set"
    )]
    NoPosture(String),
}

impl WorkloadContext {
    /// The context of one workload of `scan` (scanned with [`bulwark_k8s::ScanOptions::collect_posture`]).
    pub fn from_workload(
        w: &WorkloadScore,
        scan: &K8sScan,
        opts: &ContextOptions,
    ) -> Result<Self, ContextError> {
        let p: &WorkloadPosture = w
            .posture
            .as_deref()
            .ok_or_else(|| ContextError::NoPosture(w.resource.clone()))?;
        let mut internet_exposure: Facts = Vec::new();
        for e in &w.exposure {
            internet_exposure.push(Arc::from(format!("{}: exposed via {e}", w.resource)));
        }
        let cluster_services = p
            .services
            .iter()
            .filter(|s| s.value == "ClusterIP")
            .map(|s| Arc::from(s.at.as_str()))
            .collect();
        let mut dangerous_capabilities = Vec::new();
        let mut other_capabilities = Vec::new();
        for c in &p.added_capabilities {
            if DANGEROUS_CAPABILITIES.contains(&c.value.as_str()) {
                dangerous_capabilities.push(Arc::from(c.at.as_str()));
            } else {
                other_capabilities.push(Arc::from(c.at.as_str()));
            }
        }
        let sensitive_host_paths = p
            .host_paths
            .iter()
            .filter(|h| {
                let path = h.value.trim_end_matches('/');
                let path = if path.is_empty() { "/" } else { path };
                SENSITIVE_HOST_PATHS
                    .iter()
                    .any(|s| path == *s || (*s != "/" && path.starts_with(&format!("{s}/"))))
            })
            .map(|h| Arc::from(h.at.as_str()))
            .collect();
        let mut host_namespaces = facts(&p.host_network);
        host_namespaces.extend(facts(&p.host_pid));
        host_namespaces.extend(facts(&p.host_ipc));
        let (rbac, rbac_evidence) = scan
            .service_accounts
            .get(&w.service_account)
            .map_or((RbacReach::None, Vec::new()), |l| classify_rbac(l));
        let labels = &p.namespace_labels;
        let (mission_prevalence, mission_evidence) =
            if let Some(env) = &opts.environment {
                (
                    prevalence_of_environment(env).unwrap_or(MissionPrevalence::Support),
                    format!("environment {env} given by the caller"),
                )
            } else if let Some(m) = label(labels, "bulwark.dev/mission-prevalence").and_then(|v| {
                match v.to_ascii_lowercase().as_str() {
                    "minimal" => Some(MissionPrevalence::Minimal),
                    "support" => Some(MissionPrevalence::Support),
                    "essential" => Some(MissionPrevalence::Essential),
                    _ => None,
                }
            }) {
                (
                    m,
                    format!(
                        "Namespace/{} label bulwark.dev/mission-prevalence",
                        p.namespace
                    ),
                )
            } else if let Some((key, env, m)) = ENVIRONMENT_LABELS.iter().find_map(|k| {
                let v = label(labels, k)?;
                Some((*k, v, prevalence_of_environment(v)?))
            }) {
                (m, format!("Namespace/{} label {key}={env}", p.namespace))
            } else {
                (
                    MissionPrevalence::Support,
                    "no environment known: mission prevalence defaults to support".to_string(),
                )
            };
        let public_well_being = opts.public_well_being.unwrap_or_else(|| {
            match label(labels, "bulwark.dev/public-well-being")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("material") => PublicWellBeing::Material,
                Some("irreversible") => PublicWellBeing::Irreversible,
                _ => PublicWellBeing::Minimal,
            }
        });
        Ok(Self {
            resource: w.resource.clone(),
            namespace: p.namespace.clone(),
            images: p.images.clone(),
            internet_exposure,
            cluster_services,
            ingress_isolation: facts(&p.ingress_policies),
            egress_isolation: facts(&p.egress_policies),
            privileged: facts(&p.privileged),
            dangerous_capabilities,
            other_capabilities,
            host_namespaces,
            may_run_as_root: facts(&p.may_run_as_root),
            allow_privilege_escalation: facts(&p.allow_privilege_escalation),
            writable_root_filesystem: facts(&p.writable_root_filesystem),
            read_only_root_filesystem: facts(&p.read_only_root_filesystem),
            host_paths: facts(&p.host_paths),
            sensitive_host_paths,
            secrets: facts(&p.secrets),
            service_account: w.service_account.clone(),
            rbac,
            rbac_evidence,
            token_not_mounted: p.automount_token == Some(false),
            mission_prevalence,
            public_well_being,
            mission_evidence: Arc::from(mission_evidence),
            image_created: None,
            runtime: None,
        })
    }
}

/// One context per workload resource of `scan`, in the scan's order. `scan` must have been made with
/// [`bulwark_k8s::ScanOptions::collect_posture`]: without it there is nothing to build a context from, and
/// guessing (no privileges, no exposure) would understate the risk.
pub fn contexts(
    scan: &K8sScan,
    opts: &ContextOptions,
) -> Result<Vec<WorkloadContext>, ContextError> {
    scan.workloads
        .iter()
        .map(|w| WorkloadContext::from_workload(w, scan, opts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{RbacReach, classify_rbac};

    fn class(lines: &[&str]) -> RbacReach {
        classify_rbac(&lines.iter().map(|l| (*l).to_string()).collect::<Vec<_>>()).0
    }

    #[test]
    fn rbac_classes_follow_what_the_verbs_allow() {
        assert_eq!(class(&[]), RbacReach::None);
        assert_eq!(
            class(&["ClusterRoleBinding b -> ClusterRole cluster-admin (not in the input)"]),
            RbacReach::ClusterAdminLike
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: * on *"]),
            RbacReach::ClusterAdminLike
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: escalate,bind on roles"]),
            RbacReach::ClusterAdminLike
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: list on secrets"]),
            RbacReach::Secrets
        );
        assert_eq!(
            class(&["RoleBinding b -> ClusterRole edit (not in the input)"]),
            RbacReach::Secrets
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: create on deployments"]),
            RbacReach::PodCreate
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: create on pods/exec"]),
            RbacReach::PodCreate
        );
        assert_eq!(
            class(&["RoleBinding b -> Role r: get,list on configmaps"]),
            RbacReach::Limited
        );
        // The strongest class wins, and its lines are the evidence.
        let lines: Vec<String> = [
            "RoleBinding a -> Role r: get on configmaps",
            "RoleBinding b -> Role s: get on secrets",
        ]
        .iter()
        .map(|l| (*l).to_string())
        .collect();
        let (c, ev) = classify_rbac(&lines);
        assert_eq!(c, RbacReach::Secrets);
        assert_eq!(ev.len(), 1);
        assert!(ev[0].contains("secrets"));
    }
}
