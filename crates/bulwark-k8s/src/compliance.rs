//! Compliance summaries: which controls of a framework the scanned manifests pass or fail.
//!
//! A control is the framework's own unit (a PSS control, a CIS recommendation id, an NSA guide section, …). It is
//! *checked* when at least one rule maps to it, and *failed* when any of those rules has a finding.

use std::collections::BTreeMap;

use bulwark_types::Finding;
use serde::Serialize;

use crate::pss::Level;
use crate::rules::RULES;

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
        let n = findings
            .iter()
            .filter(|f| f.id == m.id)
            .filter(|f| {
                // Under pss-baseline, only hits at baseline level count (procMount with user namespaces is
                // restricted-only).
                framework != Framework::PssBaseline
                    || f.properties
                        .get("pss")
                        .and_then(|p| p.get("level"))
                        .and_then(|l| l.as_str())
                        != Some("restricted")
            })
            .count();
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
