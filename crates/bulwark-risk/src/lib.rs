//! Explainable risk in context: one score (0.0–10.0) per vulnerability finding in a workload, and one per
//! workload, each built from factors that show their evidence, plus the CISA SSVC decision. The formula, every
//! factor and weight are in `docs/risk.md`.
//!
//! ```
//! use bulwark_k8s::{scan, Input, ScanOptions};
//! use bulwark_risk::{contexts, score, ContextOptions, Date};
//!
//! let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25\n";
//! let opts = ScanOptions { collect_posture: true, ..ScanOptions::default() };
//! let k8s = scan(&[Input::Bytes { name: "pod.yaml".into(), data: yaml.to_vec() }], &opts).unwrap();
//! let ctx = &contexts(&k8s, &ContextOptions::default()).unwrap()[0];
//! let f: bulwark_types::Finding = serde_json::from_str(r#"{"kind": "vulnerability", "id": "CVE-2024-0001",
//!     "severity": "CRITICAL", "title": "overflow", "location": {},
//!     "properties": {"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "kev": true}}"#).unwrap();
//! let r = score(&f, ctx, Date::parse("2026-12-07").unwrap());
//! assert!(r.score > 9.0);
//! // Exploited (KEV), automatable (AV:N/AC:L/PR:N/UI:N), total impact (C:H/I:H), medium mission & well-being.
//! assert_eq!(r.ssvc.decision.as_str(), "act");
//! assert!(r.factors.iter().any(|f| f.name == "kev"));
//! ```

#![forbid(unsafe_code)]

mod context;
mod date;
pub mod ssvc;

use std::sync::Arc;

use bulwark_types::{Finding, Severity};
use serde::Serialize;

pub use context::{
    ContextError, ContextOptions, DANGEROUS_CAPABILITIES, ENVIRONMENT_LABELS, Facts, RbacReach,
    SENSITIVE_HOST_PATHS, WorkloadContext, classify_rbac, contexts, prevalence_of_environment,
};
pub use date::Date;
pub use ssvc::{
    Automatable, Decision, Exploitation, MissionPrevalence, MissionWellBeing, PublicWellBeing,
    Ssvc, TechnicalImpact,
};

/// The five groups a factor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    Exploitability,
    Exposure,
    BlastRadius,
    Relevance,
    Age,
}

/// One factor of a score: a multiplier and why it applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub group: Group,
    /// Stable kebab name (`kev`, `internet-exposed`, `read-only-rootfs-blocks-write`); listed in docs/risk.md.
    pub name: &'static str,
    /// The multiplier applied to the base (1.0: shown for the explanation, no effect).
    pub effect: f64,
    /// What was seen, and where (object, field, file and line; or the finding's property).
    pub evidence: Vec<Arc<str>>,
}

/// The risk of one finding in one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// 0.0–10.0, one decimal.
    pub score: f64,
    /// The starting value: the CVSS base score, else the severity's value (docs/risk.md).
    pub base: f64,
    pub ssvc: Ssvc,
    pub factors: Vec<Factor>,
}

/// Tri-state facts (relevance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Known {
    Yes,
    No,
    Unknown,
}

/// The score at or above which a finding counts as high risk in [`score_workload`].
pub const HIGH_RISK: f64 = 7.0;

/// The metrics of a CVSS vector that the score reads; `None` when the finding has no valid vector.
#[derive(Debug, Clone, Copy, Default)]
struct Metrics {
    /// N, A, L, P
    av: Option<u8>,
    /// L, H
    ac: Option<u8>,
    /// N, L, H (v2 `Au:N` → N, `Au:S` → L, `Au:M` → H)
    pr: Option<u8>,
    /// N, R (v4: N, P, A)
    ui: Option<u8>,
    /// v4 attack requirements (N, P)
    at: Option<u8>,
    /// impact on confidentiality and integrity is total/high
    c_high: bool,
    i_high: bool,
}

/// The metrics and base score of a vector, remembered per thread: reports repeat a few hundred distinct vectors
/// over many thousand findings. Bounded: the memo is emptied when it reaches 4,096 vectors.
fn metrics_and_score(vector: &str) -> Option<(Metrics, f64)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    type Memo = HashMap<Box<str>, Option<(Metrics, f64)>>;
    thread_local! {
        static MEMO: RefCell<Memo> = RefCell::new(HashMap::new());
    }
    MEMO.with(|memo| {
        if let Some(hit) = memo.borrow().get(vector) {
            return *hit;
        }
        let value = bulwark_cvss::parse(vector)
            .ok()
            .map(|c| (metrics(vector), c.score()));
        let mut memo = memo.borrow_mut();
        if memo.len() >= 4096 {
            memo.clear();
        }
        memo.insert(vector.into(), value);
        value
    })
}

/// The metrics of a vector the CVSS parser accepted.
fn metrics(vector: &str) -> Metrics {
    let mut m = Metrics::default();
    let v4 = vector.starts_with("CVSS:4.0/");
    for part in vector
        .trim_matches(|c| c == '(' || c == ')')
        .split('/')
        .skip_while(|p| p.starts_with("CVSS:"))
    {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let b = v.as_bytes().first().copied();
        match k {
            "AV" => m.av = b,
            "AC" => m.ac = b,
            "PR" => m.pr = b,
            "Au" => {
                m.pr = match v {
                    "N" => Some(b'N'),
                    "S" => Some(b'L'),
                    _ => Some(b'H'),
                }
            }
            "UI" => m.ui = b,
            "AT" => m.at = b,
            "C" | "VC" if !(v4 && k == "C") => m.c_high = matches!(v, "H" | "C"),
            "I" | "VI" if !(v4 && k == "I") => m.i_high = matches!(v, "H" | "C"),
            _ => {}
        }
    }
    m
}

fn prop_f64(f: &Finding, key: &str) -> Option<f64> {
    f.property(key).and_then(serde_json::Value::as_f64)
}

fn prop_str<'f>(f: &'f Finding, key: &str) -> Option<&'f str> {
    f.property(key).and_then(serde_json::Value::as_str)
}

fn severity_value(s: Severity) -> f64 {
    match s {
        Severity::Critical => 9.0,
        Severity::High => 7.5,
        Severity::Medium | Severity::Unknown => 5.0,
        Severity::Low => 2.5,
        Severity::Info => 0.5,
    }
}

/// Keywords (lower case) in a finding's title, message or evidence that say the exploit writes files.
pub const FILESYSTEM_WRITE_KEYWORDS: &[&str] = &[
    "arbitrary file write",
    "write arbitrary file",
    "arbitrary file creation",
    "arbitrary file overwrite",
    "file overwrite",
    "overwrite arbitrary",
    "overwrite files",
    "writes arbitrary",
    "zip slip",
    "zipslip",
    "tar slip",
    "symlink attack",
    "symlink following",
    "insecure temporary file",
    "unrestricted upload",
    "arbitrary file upload",
];

/// CWEs whose exploitation needs a file to be written (read from the `cwes` property when a matcher sets it).
pub const FILESYSTEM_WRITE_CWES: &[&str] = &[
    "CWE-73",  // External Control of File Name or Path
    "CWE-59",  // Improper Link Resolution Before File Access
    "CWE-61",  // UNIX Symbolic Link Following
    "CWE-377", // Insecure Temporary File
    "CWE-378", // Creation of Temporary File With Insecure Permissions
    "CWE-379", // Creation of Temporary File in Directory with Incorrect Permissions
    "CWE-434", // Unrestricted Upload of File with Dangerous Type
];

/// Why the exploit needs a filesystem write, if the finding says so (keyword or CWE).
fn needs_filesystem_write(f: &Finding) -> Option<String> {
    if let Some(cwes) = f.property("cwes").and_then(serde_json::Value::as_array) {
        for c in cwes.iter().filter_map(serde_json::Value::as_str) {
            if FILESYSTEM_WRITE_CWES
                .iter()
                .any(|w| w.eq_ignore_ascii_case(c))
            {
                return Some(format!("{c} (exploitation writes a file)"));
            }
        }
    }
    for text in [&*f.title, &*f.message, f.evidence.as_deref().unwrap_or("")] {
        if text.is_empty() {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        if let Some(k) = FILESYSTEM_WRITE_KEYWORDS
            .iter()
            .find(|k| lower.contains(*k))
        {
            return Some(format!("keyword \"{k}\" in the advisory text"));
        }
    }
    None
}

fn shared(list: &[Arc<str>]) -> Vec<Arc<str>> {
    list.to_vec()
}

/// Evidence that is the same text for every finding: allocated once per process.
macro_rules! fixed {
    ($s:literal) => {{
        static TEXT: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from($s));
        vec![Arc::clone(&TEXT)]
    }};
}

fn one(s: impl Into<Arc<str>>) -> Vec<Arc<str>> {
    vec![s.into()]
}

/// The soft cap: linear up to 7, then approaching 10 (docs/risk.md, "Formula").
fn squash(raw: f64) -> f64 {
    let s = if raw <= 7.0 {
        raw.max(0.0)
    } else {
        7.0 + 3.0 * (1.0 - (-(raw - 7.0) / 4.0).exp())
    };
    (s * 10.0).round() / 10.0
}

/// The risk of `finding` (a vulnerability) in the workload `ctx`, on day `now`.
#[must_use]
pub fn score(finding: &Finding, ctx: &WorkloadContext, now: Date) -> Risk {
    let mut factors: Vec<Factor> = Vec::with_capacity(12);
    let mut push = |group, name, effect, evidence| {
        factors.push(Factor {
            group,
            name,
            effect,
            evidence,
        });
    };
    let parsed = prop_str(finding, "cvssVector").and_then(metrics_and_score);
    let m = parsed.map(|(m, _)| m);
    let base = prop_f64(finding, "cvssScore")
        .filter(|s| (0.0..=10.0).contains(s))
        .or(parsed.map(|(_, s)| s))
        .unwrap_or_else(|| severity_value(finding.severity));

    // Exploitability: threat.
    let kev = finding.property("kev").and_then(serde_json::Value::as_bool) == Some(true);
    let epss = prop_f64(finding, "epss").filter(|e| (0.0..=1.0).contains(e));
    if kev {
        let since = prop_str(finding, "kevDateAdded").unwrap_or("an unknown date");
        push(
            Group::Exploitability,
            "kev",
            1.5,
            one(format!(
                "in CISA KEV (added {since}): exploited in the wild"
            )),
        );
    } else if let Some(e) = epss {
        let (name, effect) = if e >= 0.5 {
            ("epss-high", 1.3)
        } else if e >= 0.1 {
            ("epss-elevated", 1.1)
        } else if e >= 0.01 {
            ("epss-low", 0.9)
        } else {
            ("epss-very-low", 0.6)
        };
        push(
            Group::Exploitability,
            name,
            effect,
            one(format!(
                "EPSS {e}: probability of exploitation in the next 30 days"
            )),
        );
    } else {
        push(
            Group::Exploitability,
            "epss-unknown",
            1.0,
            fixed!("no EPSS score and not in KEV"),
        );
    }
    // Exploitability: fix.
    if let Some(fixed) = prop_str(finding, "fixedVersion") {
        push(
            Group::Exploitability,
            "fix-available",
            1.1,
            one(format!("fixed in {fixed}: remediation is an upgrade")),
        );
    }
    // Exploitability: requirements from the vector.
    if let Some(m) = m {
        if m.ui.is_some_and(|u| u != b'N') {
            push(
                Group::Exploitability,
                "user-interaction",
                0.85,
                fixed!("CVSS UI: a user must take part; server workloads seldom have one"),
            );
        }
        if m.pr == Some(b'H') && matches!(m.av, Some(b'L' | b'P')) {
            if ctx.may_run_as_root.is_empty() && ctx.privileged.is_empty() {
                push(
                    Group::Exploitability,
                    "privileges-not-granted",
                    0.7,
                    one(
                        "CVSS AV:L/PR:H needs high privileges in the container; every container runs as \
                         non-root (runAsNonRoot: true or a non-zero runAsUser)",
                    ),
                );
            } else {
                let mut ev =
                    fixed!("CVSS AV:L/PR:H needs high privileges; the container may have them:");
                ev.extend(shared(&ctx.may_run_as_root));
                ev.extend(shared(&ctx.privileged));
                push(Group::Exploitability, "privileges-available", 1.0, ev);
            }
        }
    }
    if let Some(why) = needs_filesystem_write(finding) {
        if ctx.writable_root_filesystem.is_empty() && !ctx.read_only_root_filesystem.is_empty() {
            let mut ev = one(format!(
                "exploitation needs a filesystem write ({why}); readOnlyRootFilesystem is true, so the \
                 root filesystem cannot be written (mounted writable volumes can):"
            ));
            ev.extend(shared(&ctx.read_only_root_filesystem));
            push(
                Group::Exploitability,
                "read-only-rootfs-blocks-write",
                0.5,
                ev,
            );
        } else {
            let mut ev = one(format!(
                "exploitation needs a filesystem write ({why}); the root filesystem is writable:"
            ));
            ev.extend(shared(&ctx.writable_root_filesystem));
            push(Group::Exploitability, "writable-rootfs", 1.0, ev);
        }
    }

    // Exposure.
    let av = m.and_then(|m| m.av);
    match av {
        Some(b'L') => push(
            Group::Exposure,
            "local-vector",
            1.0,
            fixed!(
                "CVSS AV:L: needs code running in the container; network exposure does not apply"
            ),
        ),
        Some(b'P') => push(
            Group::Exposure,
            "physical-vector",
            0.5,
            fixed!("CVSS AV:P: needs physical access to the node"),
        ),
        _ => {
            if !ctx.internet_exposure.is_empty() {
                push(
                    Group::Exposure,
                    "internet-exposed",
                    1.2,
                    shared(&ctx.internet_exposure),
                );
            } else if ctx.ingress_isolation.is_empty() {
                let mut ev = one(format!(
                    "not exposed outside the cluster, but no NetworkPolicy isolates ingress in namespace {}: \
                     every pod can connect",
                    ctx.namespace
                ));
                ev.extend(shared(&ctx.cluster_services));
                push(Group::Exposure, "cluster-reachable", 0.9, ev);
            } else {
                push(
                    Group::Exposure,
                    "ingress-isolated",
                    0.7,
                    shared(&ctx.ingress_isolation),
                );
            }
        }
    }
    if ctx.egress_isolation.is_empty() {
        push(
            Group::Exposure,
            "egress-open",
            1.05,
            fixed!(
                "no NetworkPolicy isolates egress: a compromised pod can call out and exfiltrate"
            ),
        );
    } else {
        push(
            Group::Exposure,
            "egress-isolated",
            0.95,
            shared(&ctx.egress_isolation),
        );
    }

    // Blast radius.
    if !ctx.privileged.is_empty() {
        push(
            Group::BlastRadius,
            "privileged",
            1.3,
            shared(&ctx.privileged),
        );
    } else if !ctx.dangerous_capabilities.is_empty() {
        push(
            Group::BlastRadius,
            "dangerous-capabilities",
            1.15,
            shared(&ctx.dangerous_capabilities),
        );
    } else if !ctx.other_capabilities.is_empty() {
        push(
            Group::BlastRadius,
            "added-capabilities",
            1.05,
            shared(&ctx.other_capabilities),
        );
    }
    if !ctx.host_namespaces.is_empty() {
        push(
            Group::BlastRadius,
            "host-namespaces",
            1.1,
            shared(&ctx.host_namespaces),
        );
    }
    if !ctx.sensitive_host_paths.is_empty() {
        push(
            Group::BlastRadius,
            "sensitive-host-path",
            1.3,
            shared(&ctx.sensitive_host_paths),
        );
    } else if !ctx.host_paths.is_empty() {
        push(
            Group::BlastRadius,
            "host-path",
            1.15,
            shared(&ctx.host_paths),
        );
    }
    if ctx.may_run_as_root.is_empty() {
        push(
            Group::BlastRadius,
            "non-root",
            0.9,
            fixed!("every container runs as non-root"),
        );
    } else {
        push(
            Group::BlastRadius,
            "may-run-as-root",
            1.1,
            shared(&ctx.may_run_as_root),
        );
    }
    if ctx.token_not_mounted && ctx.rbac != RbacReach::None {
        push(
            Group::BlastRadius,
            "rbac-token-not-mounted",
            1.0,
            one(format!(
                "service account {} has RBAC grants, but automountServiceAccountToken: false",
                ctx.service_account
            )),
        );
    } else {
        let (name, effect) = match ctx.rbac {
            RbacReach::ClusterAdminLike => ("rbac-cluster-admin-like", 1.3),
            RbacReach::Secrets => ("rbac-secrets", 1.15),
            RbacReach::PodCreate => ("rbac-pod-create", 1.15),
            RbacReach::Limited => ("rbac-limited", 1.0),
            RbacReach::None => ("rbac-none", 1.0),
        };
        let ev = if ctx.rbac_evidence.is_empty() {
            one(format!(
                "no RBAC in the input grants service account {}",
                ctx.service_account
            ))
        } else {
            shared(&ctx.rbac_evidence)
        };
        push(Group::BlastRadius, name, effect, ev);
    }
    if !ctx.secrets.is_empty() {
        push(
            Group::BlastRadius,
            "secrets-mounted",
            1.05,
            shared(&ctx.secrets),
        );
    }

    // Relevance.
    let package = prop_str(finding, "packageName").unwrap_or("the package");
    let in_image = match prop_str(finding, "image") {
        Some(img) if ctx.images.iter().any(|i| i == img) => Known::Yes,
        Some(_) => Known::No,
        None => Known::Unknown,
    };
    match in_image {
        Known::No => push(
            Group::Relevance,
            "not-in-running-image",
            0.3,
            one(format!(
                "{package} is in image {}, which no container of {} runs",
                prop_str(finding, "image").unwrap_or_default(),
                ctx.resource
            )),
        ),
        Known::Yes => push(
            Group::Relevance,
            "in-running-image",
            1.0,
            one(format!(
                "{package} is in image {}, run by {}",
                prop_str(finding, "image").unwrap_or_default(),
                ctx.resource
            )),
        ),
        Known::Unknown => {}
    }
    match &ctx.runtime {
        None => push(
            Group::Relevance,
            "loaded-unknown",
            1.0,
            fixed!("no runtime data: whether the package is loaded or executed is unknown"),
        ),
        Some(loaded) if loaded.contains(package) => push(
            Group::Relevance,
            "loaded",
            1.1,
            one(format!("runtime data: {package} is loaded or executed")),
        ),
        Some(_) => push(
            Group::Relevance,
            "not-loaded",
            0.6,
            one(format!(
                "runtime data: {package} was not seen loaded or executed"
            )),
        ),
    }

    // Age.
    if let Some(created) = ctx.image_created {
        let days = now.days_since(created);
        let (name, effect) = if days > 365 {
            ("image-older-than-a-year", 1.1)
        } else if days > 180 {
            ("image-older-than-six-months", 1.05)
        } else {
            ("image-recent", 1.0)
        };
        push(
            Group::Age,
            name,
            effect,
            one(format!("image built {days} days ago")),
        );
    }
    // The fix's age: its date when a source records it (the keys a policy's `daysSinceFixAtLeast` reads), else
    // the advisory's publication when it already names a fixed version — a fix is at most that old, and the
    // evidence says which date was used.
    let fix_date = ["fixDate", "fixPublished", "fixedAt", "fixedDate"]
        .iter()
        .find_map(|k| prop_str(finding, k).and_then(Date::parse).map(|d| (*k, d)));
    let published = prop_str(finding, "fixedVersion")
        .and_then(|_| prop_str(finding, "published"))
        .and_then(Date::parse);
    match (fix_date, published) {
        (Some((key, since)), _) => {
            let days = now.days_since(since);
            if days > 90 {
                push(
                    Group::Age,
                    "fix-older-than-90-days",
                    1.1,
                    one(format!("a fix has been available for {days} days ({key})")),
                );
            }
        }
        (None, Some(since)) => {
            let days = now.days_since(since);
            if days > 90 {
                push(
                    Group::Age,
                    "fix-older-than-90-days",
                    1.1,
                    one(format!(
                        "the advisory naming a fixed version was published {days} days ago (no fix date recorded)"
                    )),
                );
            }
        }
        (None, None) => {}
    }

    let raw = factors.iter().fold(base, |acc, f| acc * f.effect);
    let ssvc = ssvc_of(finding, m, kev, epss, ctx);
    Risk {
        score: squash(raw),
        base,
        ssvc,
        factors,
    }
}

/// Puts `risk` (the score) and `ssvc` (the decision name) on the finding: the properties policy rules select on
/// (`riskAtLeast`, `ssvc` in `bulwark-policy`).
pub fn annotate(finding: &mut Finding, risk: &Risk) {
    finding
        .properties
        .insert("risk".into(), serde_json::json!(risk.score));
    finding.properties.insert(
        "ssvc".into(),
        serde_json::json!(risk.ssvc.decision.as_str()),
    );
}

/// Reference hosts and path parts that point at a public exploit (a proof of concept).
pub const EXPLOIT_REFERENCE_MARKERS: &[&str] = &[
    "exploit-db.com",
    "packetstormsecurity",
    "/exploit",
    "-poc",
    "/poc",
    "_poc",
];

fn ssvc_of(
    f: &Finding,
    m: Option<Metrics>,
    kev: bool,
    epss: Option<f64>,
    ctx: &WorkloadContext,
) -> Ssvc {
    let exploitation = if kev {
        Exploitation::Active
    } else if epss.is_some_and(|e| e >= 0.1)
        || f.references.iter().any(|r| {
            let r = r.to_ascii_lowercase();
            EXPLOIT_REFERENCE_MARKERS.iter().any(|k| r.contains(k))
        })
    {
        Exploitation::Poc
    } else {
        Exploitation::None
    };
    let automatable = match m {
        Some(m)
            if m.av == Some(b'N')
                && m.ac == Some(b'L')
                && m.pr == Some(b'N')
                && m.ui.is_none_or(|u| u == b'N')
                && m.at.is_none_or(|a| a == b'N') =>
        {
            Automatable::Yes
        }
        _ => Automatable::No,
    };
    let technical_impact = match m {
        Some(m) if m.c_high && m.i_high => TechnicalImpact::Total,
        None if f.severity == Severity::Critical => TechnicalImpact::Total,
        _ => TechnicalImpact::Partial,
    };
    let mission_well_being =
        ssvc::mission_well_being(ctx.mission_prevalence, ctx.public_well_being);
    Ssvc {
        exploitation,
        automatable,
        technical_impact,
        mission_prevalence: ctx.mission_prevalence,
        public_well_being: ctx.public_well_being,
        mission_well_being,
        decision: ssvc::decide(
            exploitation,
            automatable,
            technical_impact,
            mission_well_being,
        ),
    }
}

/// One of the findings that drive a workload's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contributor {
    pub id: String,
    pub package: Option<String>,
    pub score: f64,
    pub decision: Decision,
}

/// The risk of one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRisk {
    pub resource: String,
    /// 0.0–10.0, one decimal: the highest finding score, plus 0.05 per other finding at or above [`HIGH_RISK`]
    /// (at most +0.5), capped at 10.
    pub score: f64,
    /// The most urgent SSVC decision among the findings (`None` without findings).
    pub decision: Option<Decision>,
    /// Findings per decision: track, track*, attend, act.
    pub decisions: [usize; 4],
    pub findings: usize,
    /// The five highest-scoring findings, highest first.
    pub top: Vec<Contributor>,
    /// The factors of the top finding (the workload's context as it applies to it).
    pub factors: Vec<Factor>,
}

/// Scores every finding in `ctx` and combines them ([`WorkloadRisk::score`]).
#[must_use]
pub fn score_workload(findings: &[Finding], ctx: &WorkloadContext, now: Date) -> WorkloadRisk {
    let risks: Vec<Risk> = findings.iter().map(|f| score(f, ctx, now)).collect();
    aggregate(findings, &risks, ctx)
}

/// Combines already computed risks (`risks[i]` is the risk of `findings[i]`).
#[must_use]
pub fn aggregate(findings: &[Finding], risks: &[Risk], ctx: &WorkloadContext) -> WorkloadRisk {
    let mut order: Vec<usize> = (0..risks.len().min(findings.len())).collect();
    order.sort_by(|&a, &b| {
        risks[b]
            .score
            .total_cmp(&risks[a].score)
            .then_with(|| risks[b].ssvc.decision.cmp(&risks[a].ssvc.decision))
            .then_with(|| findings[a].id.cmp(&findings[b].id))
    });
    let mut decisions = [0usize; 4];
    for r in risks {
        decisions[r.ssvc.decision as usize] += 1;
    }
    let high = risks.iter().filter(|r| r.score >= HIGH_RISK).count();
    let score = order.first().map_or(0.0, |&i| {
        let extra = (0.05 * high.saturating_sub(1) as f64).min(0.5);
        ((risks[i].score + extra).min(10.0) * 10.0).round() / 10.0
    });
    WorkloadRisk {
        resource: ctx.resource.clone(),
        score,
        decision: risks.iter().map(|r| r.ssvc.decision).max(),
        decisions,
        findings: order.len(),
        top: order
            .iter()
            .take(5)
            .map(|&i| Contributor {
                id: findings[i].id.to_string(),
                package: prop_str(&findings[i], "packageName").map(str::to_string),
                score: risks[i].score,
                decision: risks[i].ssvc.decision,
            })
            .collect(),
        factors: order
            .first()
            .map(|&i| risks[i].factors.clone())
            .unwrap_or_default(),
    }
}
