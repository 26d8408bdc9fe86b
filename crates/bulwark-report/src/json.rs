//! `json`: the serde serialisation of [`Report`] itself, pretty-printed; or the same document with the findings
//! taken from an iterator as they are written ([`render_json_streamed`]).

use std::cell::RefCell;
use std::io::Write;

use bulwark_types::Finding;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::{Report, ReportError};

pub fn render_json(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// The `json` document of `report`, with its findings drawn from `findings` while they are written instead of
/// from `report.findings` (which is ignored), and the keys of `extra` (a struct or map) after the report's own.
/// Byte for byte what [`render_json`] writes for the same findings, plus `extra`: a scan whose findings do not
/// fit in memory streams them (red team #16: 100,000 Pods make 1.5 million findings).
pub fn render_json_streamed<I, E>(
    report: &Report,
    findings: I,
    extra: &E,
    w: &mut dyn Write,
) -> Result<(), ReportError>
where
    I: Iterator<Item = Finding>,
    E: Serialize,
{
    #[derive(Serialize)]
    #[serde(bound = "I: Iterator<Item = Finding>, E: Serialize")]
    struct Doc<'a, I: Iterator<Item = Finding>, E: Serialize> {
        #[serde(flatten)]
        report: Head<'a, I>,
        #[serde(flatten)]
        extra: &'a E,
    }
    let doc = Doc {
        report: Head {
            report,
            findings: RefCell::new(Some(findings)),
        },
        extra,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// The report's keys in [`Report`]'s order and with its `skip_serializing_if` rules; the findings from the
/// iterator (taken on first use: a document is serialised once).
struct Head<'a, I> {
    report: &'a Report,
    findings: RefCell<Option<I>>,
}

struct Seq<'a, I>(&'a RefCell<Option<I>>);

impl<I: Iterator<Item = Finding>> Serialize for Seq<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let it = self.0.borrow_mut().take();
        s.collect_seq(it.into_iter().flatten())
    }
}

impl<I: Iterator<Item = Finding>> Serialize for Head<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.report;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schemaVersion", &r.schema_version)?;
        m.serialize_entry("tool", &r.tool)?;
        m.serialize_entry("createdAt", &r.created_at)?;
        m.serialize_entry("target", &r.target)?;
        if let Some(os) = &r.os {
            m.serialize_entry("os", os)?;
        }
        m.serialize_entry("packages", &r.packages)?;
        m.serialize_entry("findings", &Seq(&self.findings))?;
        m.serialize_entry("diagnostics", &r.diagnostics)?;
        if let Some(db) = &r.vulnerability_db {
            m.serialize_entry("vulnerabilityDb", db)?;
        }
        if !r.license_files.is_empty() {
            m.serialize_entry("licenseFiles", &r.license_files)?;
        }
        if let Some(o) = &r.omitted {
            m.serialize_entry("omitted", o)?;
        }
        if let Some(v) = &r.verdict {
            m.serialize_entry("verdict", v)?;
        }
        if let Some(t) = &r.totals {
            m.serialize_entry("totals", t)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LicenseFile, Omitted, Target, TargetKind, VulnDbInfo};
    use bulwark_types::{
        Diagnostic, Distro, FindingKind, Location, Package, PackageType, Severity,
    };

    fn finding(i: usize) -> Finding {
        Finding {
            kind: FindingKind::Misconfiguration,
            id: format!("BW-{i}").into(),
            name: None,
            severity: Severity::High,
            title: "t".into(),
            message: "m".into(),
            location: Location::file("a.yaml").with_line(u32::try_from(i).unwrap(), Some(1)),
            evidence: None,
            references: vec![],
            properties: std::collections::BTreeMap::new(),
            shared_properties: None,
        }
    }

    /// Every key of `Report`, set and unset: the streamed document must not drift from the derived one when a
    /// field is added to `Report`.
    #[test]
    fn streamed_is_the_derived_document_byte_for_byte() {
        let bare = Report::new(Target {
            kind: TargetKind::Manifests,
            name: "m".into(),
            image: None,
        });
        let mut full = bare.clone();
        full.os = Some(Distro {
            id: "debian".into(),
            ..Distro::default()
        });
        full.packages
            .push(Package::new(PackageType::Npm, "a", "1.0.0"));
        full.diagnostics
            .push(Diagnostic::warning("w", Location::file("x")));
        full.vulnerability_db = Some(VulnDbInfo {
            path: "db".into(),
            built_at: "2026-01-01T00:00:00Z".into(),
            age_days: 1,
            sources: vec!["osv".into()],
        });
        full.license_files.push(LicenseFile {
            path: "LICENSE".into(),
            licenses: vec!["MIT".into()],
        });
        full.omitted = Some(Omitted {
            filtered: 1,
            suppressed: 2,
            filters: vec!["--severity HIGH".into()],
        });
        full.verdict = Some(serde_json::json!({"decision": "fail", "results": []}));
        full.totals = Some(serde_json::json!({"pass": 3, "fail": 1, "warn": 0, "info": 0}));
        for mut r in [bare, full] {
            for n in [0, 3] {
                r.findings = (0..n).map(finding).collect();
                let mut derived = Vec::new();
                render_json(&r, &mut derived).unwrap();
                let mut streamed = Vec::new();
                let empty = std::collections::BTreeMap::<String, u8>::new();
                let mut head = r.clone();
                head.findings.clear();
                render_json_streamed(&head, (0..n).map(finding), &empty, &mut streamed).unwrap();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    String::from_utf8(derived).unwrap()
                );
            }
        }
    }
}
