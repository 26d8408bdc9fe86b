//! Grype's JSON report (`grype … -o json`): `matches[]`, each a `vulnerability` (id, severity, description,
//! urls, fix), its `relatedVulnerabilities` (the CVE a GHSA stands for) and the `artifact` (name, version, type,
//! purl, locations). Field names follow Grype's `grype/presenter/models` (`Document`, `Match`).

use std::collections::BTreeMap;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location};
use serde::Deserialize;
use serde_json::Value;

use crate::{ConsolidateError, Sink, cut, cve_of, severity_word};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Report {
    matches: Option<Vec<Match>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Match {
    vulnerability: Vuln,
    related_vulnerabilities: Option<Vec<Related>>,
    artifact: Artifact,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Vuln {
    id: String,
    severity: String,
    description: Option<String>,
    urls: Option<Vec<String>>,
    data_source: Option<String>,
    fix: Option<Fix>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fix {
    versions: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Related {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Artifact {
    name: String,
    version: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    purl: Option<String>,
    locations: Option<Vec<ArtifactLocation>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation {
    path: Option<String>,
}

pub(crate) fn read(report: Report, sink: &mut Sink<'_>) -> Result<(), ConsolidateError> {
    for m in report.matches.unwrap_or_default() {
        let v = m.vulnerability;
        let a = m.artifact;
        let related: Vec<String> = m
            .related_vulnerabilities
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.id)
            .collect();
        // Grype names a GitHub-sourced match by its GHSA and lists the CVE as related; the CVE is the id other
        // tools use, so it is the finding's id and the GHSA an alias.
        let cve = cve_of(std::iter::once(v.id.as_str()).chain(related.iter().map(String::as_str)))
            .map(str::to_owned);
        let id = cve.clone().unwrap_or_else(|| v.id.clone());
        let mut p = BTreeMap::new();
        p.insert("packageName".into(), Value::String(a.name.clone()));
        p.insert("installedVersion".into(), Value::String(a.version.clone()));
        if let Some(f) = v.fix.and_then(|f| f.versions).filter(|v| !v.is_empty()) {
            p.insert("fixedVersion".into(), Value::String(f.join(", ")));
        }
        if let Some(purl) = a.purl.filter(|p| !p.is_empty()) {
            p.insert("purl".into(), Value::String(purl));
        }
        if let Some(t) = a.kind {
            p.insert("packageType".into(), Value::String(t));
        }
        let aliases: Vec<Value> = std::iter::once(v.id.clone())
            .chain(related)
            .filter(|x| *x != id)
            .map(Value::String)
            .collect();
        if !aliases.is_empty() {
            p.insert("aliases".into(), Value::Array(aliases));
        }
        let path = a
            .locations
            .unwrap_or_default()
            .into_iter()
            .find_map(|l| l.path)
            .map(|p| Arc::from(cut(&p, 4096)));
        let message = format!(
            "{id} in {} {}{}",
            a.name,
            a.version,
            v.description
                .map(|d| format!(": {}", cut(&d, 4096)))
                .unwrap_or_default()
        );
        let mut references: Vec<String> = v.data_source.into_iter().collect();
        references.extend(v.urls.unwrap_or_default().into_iter().take(16));
        sink.push(
            "grype",
            Finding {
                kind: FindingKind::Vulnerability,
                id: cut(&id, 512).into(),
                name: None,
                severity: severity_word(&v.severity),
                title: cut(&id, 512).into(),
                message: message.into(),
                location: Location {
                    path,
                    ..Location::default()
                },
                evidence: None,
                references,
                properties: p,
                shared_properties: None,
            },
        )?;
    }
    Ok(())
}
