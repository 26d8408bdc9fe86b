//! Trivy's JSON report (`trivy … -f json`, schema version 2): `Results[]`, each with a `Target` and its
//! `Vulnerabilities`, `Misconfigurations` (status `FAIL` only; `--include-non-failures` adds passes) and
//! `Secrets`. Field names follow Trivy's `pkg/types/report.go` and `pkg/types/vulnerability.go`.

use std::collections::BTreeMap;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location};
use serde::Deserialize;
use serde_json::Value;

use crate::{ConsolidateError, Sink, cut, severity_word};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Report {
    results: Option<Vec<TResult>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TResult {
    target: String,
    vulnerabilities: Option<Vec<Vuln>>,
    misconfigurations: Option<Vec<Misconf>>,
    secrets: Option<Vec<Secret>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vuln {
    #[serde(rename = "VulnerabilityID")]
    id: String,
    #[serde(rename = "PkgName")]
    pkg_name: String,
    #[serde(rename = "PkgPath")]
    pkg_path: Option<String>,
    #[serde(rename = "InstalledVersion")]
    installed: String,
    #[serde(rename = "FixedVersion")]
    fixed: Option<String>,
    #[serde(rename = "Severity")]
    severity: String,
    #[serde(rename = "Title")]
    title: Option<String>,
    #[serde(rename = "Description")]
    description: Option<String>,
    #[serde(rename = "PrimaryURL")]
    primary_url: Option<String>,
    #[serde(rename = "PkgIdentifier")]
    pkg_identifier: Option<PkgIdentifier>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PkgIdentifier {
    #[serde(rename = "PURL")]
    purl: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Misconf {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "AVDID")]
    avd_id: Option<String>,
    title: String,
    message: String,
    severity: String,
    status: String,
    resolution: Option<String>,
    #[serde(rename = "PrimaryURL")]
    primary_url: Option<String>,
    cause_metadata: Option<Cause>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Cause {
    resource: Option<String>,
    start_line: Option<u32>,
    end_line: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Secret {
    #[serde(rename = "RuleID")]
    rule_id: String,
    category: Option<String>,
    severity: String,
    title: String,
    start_line: Option<u32>,
    end_line: Option<u32>,
    #[serde(rename = "Match")]
    matched: Option<String>,
}

pub(crate) fn read(report: Report, sink: &mut Sink<'_>) -> Result<(), ConsolidateError> {
    for r in report.results.unwrap_or_default() {
        let target: Arc<str> = Arc::from(cut(&r.target, 4096));
        for v in r.vulnerabilities.unwrap_or_default() {
            let mut p = BTreeMap::new();
            p.insert("packageName".into(), Value::String(v.pkg_name.clone()));
            p.insert(
                "installedVersion".into(),
                Value::String(v.installed.clone()),
            );
            if let Some(f) = v.fixed.filter(|f| !f.is_empty()) {
                p.insert("fixedVersion".into(), Value::String(f));
            }
            if let Some(purl) = v.pkg_identifier.and_then(|i| i.purl) {
                p.insert("purl".into(), Value::String(purl));
            }
            let title = v
                .title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| v.id.clone());
            let message = format!(
                "{} in {} {}{}",
                v.id,
                v.pkg_name,
                v.installed,
                v.description
                    .map(|d| format!(": {}", cut(&d, 4096)))
                    .unwrap_or_default()
            );
            let path = v.pkg_path.filter(|p| !p.is_empty()).map(Arc::from);
            sink.push(
                "trivy",
                Finding {
                    kind: FindingKind::Vulnerability,
                    id: cut(&v.id, 512).into(),
                    name: None,
                    severity: severity_word(&v.severity),
                    title: cut(&title, 1000).into(),
                    message: message.into(),
                    location: Location {
                        path: path.or_else(|| Some(target.clone())),
                        ..Location::default()
                    },
                    evidence: None,
                    references: v.primary_url.into_iter().collect(),
                    properties: p,
                    shared_properties: None,
                },
            )?;
        }
        for m in r.misconfigurations.unwrap_or_default() {
            if !m.status.eq_ignore_ascii_case("FAIL") {
                continue;
            }
            let cause = m.cause_metadata.unwrap_or_default();
            let mut p = BTreeMap::new();
            if let Some(a) = m.avd_id {
                p.insert("avdId".into(), Value::String(a));
            }
            if let Some(res) = m.resolution {
                p.insert("remediation".into(), Value::String(cut(&res, 4096)));
            }
            sink.push(
                "trivy",
                Finding {
                    kind: FindingKind::Misconfiguration,
                    id: cut(&m.id, 512).into(),
                    name: None,
                    severity: severity_word(&m.severity),
                    title: cut(&m.title, 1000).into(),
                    message: Arc::from(cut(&m.message, 64 << 10)),
                    location: Location {
                        path: Some(target.clone()),
                        line: cause.start_line.filter(|&l| l >= 1),
                        end_line: cause.end_line.filter(|&l| l >= 1),
                        resource: cause.resource.filter(|r| !r.is_empty()).map(Arc::from),
                        ..Location::default()
                    },
                    evidence: None,
                    references: m.primary_url.into_iter().collect(),
                    properties: p,
                    shared_properties: None,
                },
            )?;
        }
        for s in r.secrets.unwrap_or_default() {
            let mut p = BTreeMap::new();
            if let Some(c) = s.category {
                p.insert("category".into(), Value::String(c));
            }
            sink.push(
                "trivy",
                Finding {
                    kind: FindingKind::Secret,
                    id: cut(&s.rule_id, 512).into(),
                    name: None,
                    severity: severity_word(&s.severity),
                    title: cut(&s.title, 1000).into(),
                    message: Arc::from(format!("{} in {}", s.title, r.target)),
                    location: Location {
                        path: Some(target.clone()),
                        line: s.start_line.filter(|&l| l >= 1),
                        end_line: s.end_line.filter(|&l| l >= 1),
                        ..Location::default()
                    },
                    // Trivy masks the secret in `Match` already.
                    evidence: s.matched.map(|m| cut(&m, 200)),
                    references: Vec::new(),
                    properties: p,
                    shared_properties: None,
                },
            )?;
        }
    }
    Ok(())
}
