//! Compliance summaries: which controls of a framework the scanned manifests pass or fail.
//!
//! A control is the framework's own unit (a PSS control, a CIS recommendation id, an NSA guide section, …). It is
//! *checked* when at least one rule maps to it, and *failed* when any of those rules has a finding.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use bulwark_types::Finding;
use serde::Serialize;

use crate::pss::{Level, Version};
use crate::rule::RuleMeta;
use crate::rules::RULES;

/// Properties, as a finding carries them.
pub(crate) type Properties = BTreeMap<String, serde_json::Value>;

/// Rule id, PSS level of the hit, PSS version in force.
type PropertiesKey = (&'static str, Option<Level>, Version);

/// The properties every finding of a rule shares: `frameworks` (its CIS, NSA, NIST SP 800-190 and PCI DSS
/// mappings) and `pss` (its Pod Security control, at the level of the hit and the version in force). Built
/// once per rule, level and version for the life of the process, and shared by every finding through
/// [`Finding::shared_properties`]: 100,000 Pods make 1.5 million findings, which held 1.5 million copies, and the
/// admission webhook's requests do not build them again. Bounded: rules × 3 levels × the PSS versions in use.
#[derive(Debug, Default)]
pub(crate) struct RuleProperties;

type Built = HashMap<PropertiesKey, Option<Arc<Properties>>>;

static BUILT: std::sync::LazyLock<RwLock<Built>> = std::sync::LazyLock::new(RwLock::default);

impl RuleProperties {
    /// The shared properties of a finding of `m` at PSS `level` (its control's level, or the hit's), `None`
    /// when the rule maps to nothing.
    #[allow(clippy::unused_self)] // a handle on the process-wide cache, kept where the checker passes it
    pub(crate) fn get(
        &self,
        m: &RuleMeta,
        level: Option<Level>,
        version: Version,
    ) -> Option<Arc<Properties>> {
        let key = (m.id, level, version);
        if let Some(p) = BUILT
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return p.clone();
        }
        let mut built = BUILT.write().unwrap_or_else(PoisonError::into_inner);
        built
            .entry(key)
            .or_insert_with(|| {
                let p = rule_properties(m, level, version);
                (!p.is_empty()).then(|| Arc::new(p))
            })
            .clone()
    }
}

fn rule_properties(m: &RuleMeta, level: Option<Level>, version: Version) -> Properties {
    let mut properties = Properties::new();
    if let (Some(p), Some(level)) = (m.pss, level) {
        properties.insert(
            "pss".into(),
            serde_json::json!({"level": level.as_str(), "control": p.control, "version": version.to_string()}),
        );
    }
    let mut frameworks = serde_json::Map::new();
    for (k, v) in [
        ("cis", m.cis),
        ("nsa", m.nsa),
        ("nist-800-190", m.nist),
        ("pci-dss", m.pci),
    ] {
        if !v.is_empty() {
            frameworks.insert(k.into(), serde_json::json!(v));
        }
    }
    if !frameworks.is_empty() {
        properties.insert("frameworks".into(), serde_json::Value::Object(frameworks));
    }
    properties
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    PssBaseline,
    PssRestricted,
    Cis,
    Nsa,
    Nist800190,
    PciDss,
}

impl Framework {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pss-baseline" => Self::PssBaseline,
            "pss-restricted" => Self::PssRestricted,
            "cis" => Self::Cis,
            "nsa" => Self::Nsa,
            "nist-800-190" => Self::Nist800190,
            "pci-dss" => Self::PciDss,
            _ => return None,
        })
    }

    /// The framework's name for people: `Pod Security Standards (restricted)`, `CIS Kubernetes Benchmark v1.9.0`.
    #[must_use]
    pub fn display_name(self) -> &'static str {
        match self {
            Self::PssBaseline => "Pod Security Standards (baseline)",
            Self::PssRestricted => "Pod Security Standards (restricted)",
            Self::Cis => "CIS Kubernetes Benchmark v1.9.0",
            Self::Nsa => "NSA/CISA Kubernetes Hardening Guide v1.2",
            Self::Nist800190 => "NIST SP 800-190 Application Container Security Guide",
            Self::PciDss => "PCI DSS v4.0",
        }
    }

    /// The title of a control that the framework numbers (CIS recommendations, PCI DSS requirements), for a
    /// control id as the rules map it (`5.1.1`); `None` when the id is already a name (PSS controls, NSA
    /// sections, NIST sections with their titles).
    #[must_use]
    pub fn control_title(self, control: &str) -> Option<&'static str> {
        match self {
            Self::Cis => cis_title(control),
            Self::PciDss => pci_title(control),
            Self::PssBaseline | Self::PssRestricted | Self::Nsa | Self::Nist800190 => None,
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// CIS Kubernetes Benchmark v1.9.0, section 5 (Policies): the recommendations the rules map to, titled as the
/// benchmark titles them (as in kube-bench's `cfg/cis-1.9/policies.yaml`), without the Automated/Manual marks.
fn cis_title(id: &str) -> Option<&'static str> {
    Some(match id {
        "5.1.1" => "Ensure that the cluster-admin role is only used where required",
        "5.1.2" => "Minimize access to secrets",
        "5.1.3" => "Minimize wildcard use in Roles and ClusterRoles",
        "5.1.4" => "Minimize access to create pods",
        "5.1.5" => "Ensure that default service accounts are not actively used",
        "5.1.6" => "Ensure that Service Account Tokens are only mounted where necessary",
        "5.1.7" => "Avoid use of system:masters group",
        "5.1.8" => {
            "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster"
        }
        "5.1.9" => "Minimize access to create persistent volumes",
        "5.1.10" => "Minimize access to the proxy sub-resource of nodes",
        "5.1.11" => {
            "Minimize access to the approval sub-resource of certificatesigningrequests objects"
        }
        "5.1.12" => "Minimize access to webhook configuration objects",
        "5.1.13" => "Minimize access to the service account token creation",
        "5.2.1" => {
            "Ensure that the cluster has at least one active policy control mechanism in place"
        }
        "5.2.2" => "Minimize the admission of privileged containers",
        "5.2.3" => {
            "Minimize the admission of containers wishing to share the host process ID namespace"
        }
        "5.2.4" => "Minimize the admission of containers wishing to share the host IPC namespace",
        "5.2.5" => {
            "Minimize the admission of containers wishing to share the host network namespace"
        }
        "5.2.6" => "Minimize the admission of containers with allowPrivilegeEscalation",
        "5.2.7" => "Minimize the admission of root containers",
        "5.2.8" => "Minimize the admission of containers with the NET_RAW capability",
        "5.2.9" => "Minimize the admission of containers with added capabilities",
        "5.2.10" => "Minimize the admission of containers with capabilities assigned",
        "5.2.11" => "Minimize the admission of Windows HostProcess containers",
        "5.2.12" => "Minimize the admission of HostPath volumes",
        "5.2.13" => "Minimize the admission of containers which use HostPorts",
        "5.3.1" => "Ensure that the CNI in use supports NetworkPolicies",
        "5.3.2" => "Ensure that all Namespaces have NetworkPolicies defined",
        "5.4.1" => "Prefer using Secrets as files over Secrets as environment variables",
        "5.4.2" => "Consider external secret storage",
        "5.5.1" => "Configure Image Provenance using ImagePolicyWebhook admission controller",
        "5.7.1" => "Create administrative boundaries between resources using namespaces",
        "5.7.2" => {
            "Ensure that the seccomp profile is set to docker/default in your Pod definitions"
        }
        "5.7.3" => "Apply SecurityContext to your Pods and Containers",
        "5.7.4" => "The default namespace should not be used",
        _ => return None,
    })
}

/// PCI DSS v4.0 requirements the rules map to, with the standard's requirement statements (shortened where the
/// statement runs on).
fn pci_title(id: &str) -> Option<&'static str> {
    Some(match id {
        "1.3.1" => "Inbound traffic to the CDE is restricted",
        "2.2.1" => "Configuration standards are developed, implemented, and maintained",
        "7.2.2" => {
            "Access is assigned to users, including privileged users, based on job classification and function"
        }
        "7.2.5" => {
            "All application and system accounts and related access privileges are assigned and managed"
        }
        "8.6.2" => {
            "Passwords/passphrases for application and system accounts are not hard coded in scripts, configuration files, or source code"
        }
        _ => return None,
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlStatus {
    pub control: String,
    pub rules: Vec<String>,
    pub failed: bool,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Compliance {
    pub framework: Framework,
    pub passed: usize,
    pub failed: usize,
    pub controls: Vec<ControlStatus>,
}

pub(crate) fn summarise(framework: Framework, findings: &[Finding]) -> Compliance {
    let mut t = ComplianceTally::new(framework);
    for f in findings {
        t.add(f);
    }
    t.finish()
}

/// A compliance summary built one finding at a time, for findings that stream past (see
/// [`crate::Checker::findings`]).
#[derive(Debug, Clone)]
pub struct ComplianceTally {
    framework: Framework,
    /// Findings per rule id.
    counts: HashMap<String, usize>,
}

impl ComplianceTally {
    #[must_use]
    pub fn new(framework: Framework) -> Self {
        Self {
            framework,
            counts: HashMap::new(),
        }
    }

    pub fn add(&mut self, f: &Finding) {
        // Under pss-baseline, only hits at baseline level count (procMount with user namespaces is
        // restricted-only).
        if self.framework == Framework::PssBaseline
            && f.property("pss")
                .and_then(|p| p.get("level"))
                .and_then(|l| l.as_str())
                == Some("restricted")
        {
            return;
        }
        if let Some(n) = self.counts.get_mut(&*f.id) {
            *n += 1;
        } else {
            self.counts.insert(f.id.to_string(), 1);
        }
    }

    #[must_use]
    pub fn finish(self) -> Compliance {
        let framework = self.framework;
        let mut controls: BTreeMap<String, ControlStatus> = BTreeMap::new();
        for r in RULES {
            let m = r.meta();
            let ids: Vec<String> = match framework {
                Framework::PssBaseline => m
                    .pss
                    .filter(|p| p.level == Level::Baseline)
                    .map(|p| vec![p.control.to_string()])
                    .unwrap_or_default(),
                Framework::PssRestricted => m
                    .pss
                    .map(|p| vec![p.control.to_string()])
                    .unwrap_or_default(),
                Framework::Cis => m.cis.iter().map(|s| (*s).to_string()).collect(),
                Framework::Nsa => m.nsa.iter().map(|s| (*s).to_string()).collect(),
                Framework::Nist800190 => m.nist.iter().map(|s| (*s).to_string()).collect(),
                Framework::PciDss => m.pci.iter().map(|s| (*s).to_string()).collect(),
            };
            let n = self.counts.get(m.id).copied().unwrap_or(0);
            for id in ids {
                let c = controls.entry(id.clone()).or_insert_with(|| ControlStatus {
                    control: id,
                    rules: Vec::new(),
                    failed: false,
                    findings: 0,
                });
                c.rules.push(m.id.to_string());
                c.findings += n;
                c.failed |= n > 0;
            }
        }
        let controls: Vec<ControlStatus> = controls.into_values().collect();
        let failed = controls.iter().filter(|c| c.failed).count();
        Compliance {
            framework,
            passed: controls.len() - failed,
            failed,
            controls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every numbered control a rule maps to has a title, so the table never shows a bare `5.1.1`.
    #[test]
    fn every_mapped_numbered_control_has_a_title() {
        for r in RULES {
            let m = r.meta();
            for id in m.cis {
                assert!(
                    Framework::Cis.control_title(id).is_some(),
                    "{}: CIS {id}",
                    m.id
                );
            }
            for id in m.pci {
                assert!(
                    Framework::PciDss.control_title(id).is_some(),
                    "{}: PCI DSS {id}",
                    m.id
                );
            }
        }
        assert_eq!(
            Framework::parse("pss-restricted").unwrap().to_string(),
            "Pod Security Standards (restricted)"
        );
    }
}
