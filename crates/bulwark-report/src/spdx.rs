//! `spdx-json`: an SPDX 2.3 JSON document.
//!
//! The document DESCRIBES one root package for the target (purpose `CONTAINER` for an image), which CONTAINS the
//! operating system and every package. License strings that are valid SPDX expressions go into `licenseDeclared`
//! as they are; any other string becomes a `LicenseRef-` declared in `hasExtractedLicensingInfos`, so the document
//! never states an expression a validator would reject and never silently drops what the package declared.

use std::collections::BTreeMap;
use std::io::Write;

use bulwark_types::Package;
use serde_json::{Map, Value, json};

use crate::util::{UniqueIds, describe_layer, report_uuid, sha256_hex};
use crate::{Report, ReportError, TargetKind, spdx_license};

const NOASSERTION: &str = "NOASSERTION";

/// Keeps the characters an SPDX id allows (`[A-Za-z0-9.-]`) and turns every other run into one `-`.
pub(crate) fn sanitize_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// SPDX wants `YYYY-MM-DDThh:mm:ssZ` exactly; reports may carry fractional seconds or an offset.
fn spdx_timestamp(created_at: &str) -> String {
    crate::util::utc_seconds(created_at).unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// SPDX rejects empty names.
fn non_empty(name: &str) -> String {
    if name.trim().is_empty() {
        "unnamed".to_owned()
    } else {
        name.to_owned()
    }
}

/// A purl that spdx-tools' PACKAGE-MANAGER/purl check accepts (`pkg:type/…name`, no whitespace).
fn is_valid_purl(p: &str) -> bool {
    p.strip_prefix("pkg:")
        .is_some_and(|rest| rest.contains('/') && !rest.starts_with('/'))
        && !p.contains(char::is_whitespace)
}

/// Collects `LicenseRef-`s for license strings that are not SPDX expressions.
#[derive(Default)]
struct ExtractedLicenses {
    by_text: BTreeMap<String, String>,
    ids: UniqueIds,
}

impl ExtractedLicenses {
    fn reference(&mut self, text: &str) -> String {
        if let Some(id) = self.by_text.get(text) {
            return id.clone();
        }
        let id = self
            .ids
            .claim(&format!("LicenseRef-{}", sanitize_id(text)), "-");
        self.by_text.insert(text.to_owned(), id.clone());
        id
    }

    fn to_json(&self) -> Vec<Value> {
        self.by_text
            .iter()
            .map(|(text, id)| {
                json!({
                    "licenseId": id,
                    "name": text,
                    "extractedText": text,
                    "comment": "License as stated in the package metadata; not an SPDX license expression.",
                })
            })
            .collect()
    }
}

fn license_declared(p: &Package, extracted: &mut ExtractedLicenses) -> String {
    let parts: Vec<String> = p
        .licenses
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .map(|l| match spdx_license::normalize_expression(l, false) {
            Some(expr) if spdx_license::is_compound(&expr) && p.licenses.len() > 1 => {
                format!("({expr})")
            }
            Some(expr) => expr,
            None => extracted.reference(l),
        })
        .collect();
    if parts.is_empty() {
        NOASSERTION.to_owned()
    } else {
        parts.join(" AND ")
    }
}

fn package_comment(p: &Package) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(l) = &p.layer {
        parts.push(format!("introduced in {}", describe_layer(l)));
    }
    if let Some(l) = &p.last_changed_layer {
        parts.push(format!("last changed in {}", describe_layer(l)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn package(p: &Package, spdx_id: &str, extracted: &mut ExtractedLicenses) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), non_empty(&p.name).into());
    o.insert("SPDXID".into(), spdx_id.into());
    if !p.version.is_empty() {
        o.insert("versionInfo".into(), p.version.clone().into());
    }
    o.insert("supplier".into(), NOASSERTION.into());
    o.insert("downloadLocation".into(), NOASSERTION.into());
    o.insert("filesAnalyzed".into(), false.into());
    if let Some(f) = &p.found_in {
        o.insert(
            "sourceInfo".into(),
            format!(
                "acquired package info from {} database: {f}",
                p.package_type
            )
            .into(),
        );
    }
    o.insert("licenseConcluded".into(), NOASSERTION.into());
    o.insert(
        "licenseDeclared".into(),
        license_declared(p, extracted).into(),
    );
    o.insert("copyrightText".into(), NOASSERTION.into());
    if let Some(c) = package_comment(p) {
        o.insert("comment".into(), c.into());
    }
    let mut attributions = Vec::new();
    if let Some(l) = &p.layer {
        attributions.push(Value::String(format!("bulwark:layer:index={}", l.index)));
        if let Some(d) = &l.diff_id {
            attributions.push(Value::String(format!("bulwark:layer:diffID={d}")));
        }
        if let Some(d) = &l.digest {
            attributions.push(Value::String(format!("bulwark:layer:digest={d}")));
        }
    }
    if !attributions.is_empty() {
        o.insert("attributionTexts".into(), Value::Array(attributions));
    }
    if is_valid_purl(&p.purl) {
        o.insert(
            "externalRefs".into(),
            json!([{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl }]),
        );
    }
    o.insert("primaryPackagePurpose".into(), "LIBRARY".into());
    Value::Object(o)
}

fn root_package(report: &Report, spdx_id: &str) -> Value {
    let t = &report.target;
    let mut o = Map::new();
    o.insert("name".into(), non_empty(&t.name).into());
    o.insert("SPDXID".into(), spdx_id.into());
    if let Some(d) = t
        .image
        .as_ref()
        .and_then(|i| i.manifest_digest.as_ref().or(i.config_digest.as_ref()))
    {
        o.insert("versionInfo".into(), d.clone().into());
    }
    o.insert("supplier".into(), NOASSERTION.into());
    o.insert("downloadLocation".into(), NOASSERTION.into());
    o.insert("filesAnalyzed".into(), false.into());
    if let Some(h) = t
        .image
        .as_ref()
        .and_then(|i| i.config_digest.as_deref())
        .and_then(sha256_hex)
    {
        o.insert(
            "checksums".into(),
            json!([{ "algorithm": "SHA256", "checksumValue": h }]),
        );
    }
    o.insert("licenseConcluded".into(), NOASSERTION.into());
    o.insert("licenseDeclared".into(), NOASSERTION.into());
    o.insert("copyrightText".into(), NOASSERTION.into());
    if let Some(purl) = crate::util::oci_purl(t) {
        o.insert(
            "externalRefs".into(),
            json!([{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl }]),
        );
    }
    if let Some(img) = &t.image {
        let mut lines: Vec<String> = img.layers.iter().map(describe_layer).collect();
        if let Some(d) = &img.manifest_digest {
            lines.insert(0, format!("manifest digest {d}"));
        }
        if let Some(d) = &img.config_digest {
            lines.insert(0, format!("config digest {d}"));
        }
        if !lines.is_empty() {
            o.insert("comment".into(), lines.join("\n").into());
        }
    }
    let purpose = match t.kind {
        TargetKind::Image => "CONTAINER",
        TargetKind::Filesystem | TargetKind::Rootfs | TargetKind::Manifests => "SOURCE",
        TargetKind::Sbom => "OTHER",
    };
    o.insert("primaryPackagePurpose".into(), purpose.into());
    Value::Object(o)
}

/// Builds the document as a JSON value (exposed to the crate's tests).
pub(crate) fn document(report: &Report) -> Value {
    let mut ids = UniqueIds::default();
    let doc_id = "SPDXRef-DOCUMENT";
    ids.claim(doc_id, "-");
    let kind = match report.target.kind {
        TargetKind::Image => "Image",
        _ => "Target",
    };
    let root_id = ids.claim(
        &format!("SPDXRef-{kind}-{}", sanitize_id(&report.target.name)),
        "-",
    );
    let mut packages = vec![root_package(report, &root_id)];
    let mut relationships = vec![
        json!({ "spdxElementId": doc_id, "relationshipType": "DESCRIBES", "relatedSpdxElement": root_id }),
    ];

    if let Some(os) = &report.os {
        let version = os.version_id.as_deref().unwrap_or("");
        let os_id = ids.claim(
            &format!(
                "SPDXRef-OperatingSystem-{}",
                sanitize_id(&format!("{}-{version}", os.id))
            ),
            "-",
        );
        let mut o = json!({
            "name": os.id,
            "SPDXID": os_id,
            "supplier": NOASSERTION,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": false,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": NOASSERTION,
            "copyrightText": NOASSERTION,
            "primaryPackagePurpose": "OPERATING-SYSTEM",
        });
        if !version.is_empty() {
            o["versionInfo"] = version.into();
        }
        if let Some(p) = &os.pretty_name {
            o["description"] = p.clone().into();
        }
        packages.push(o);
        relationships.push(json!({ "spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": os_id }));
    }

    let mut extracted = ExtractedLicenses::default();
    for p in &report.packages {
        let id = ids.claim(
            &format!(
                "SPDXRef-Package-{}-{}-{}",
                p.package_type,
                sanitize_id(&p.name),
                sanitize_id(&p.version)
            ),
            "-",
        );
        packages.push(package(p, &id, &mut extracted));
        relationships.push(json!({ "spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
    }

    let name = &report.target.name;
    // Unique per report: the UUID hashes the whole report, created_at included. The base is the project's
    // repository URL (an `.invalid` placeholder until it has a real one); SPDX never dereferences it.
    let namespace = format!(
        "{}/spdx/{}/{}-{}",
        crate::util::project_url(),
        kind.to_ascii_lowercase(),
        sanitize_id(name),
        report_uuid(report)
    );
    let mut doc = Map::new();
    doc.insert("spdxVersion".into(), "SPDX-2.3".into());
    doc.insert("dataLicense".into(), "CC0-1.0".into());
    doc.insert("SPDXID".into(), doc_id.into());
    doc.insert("name".into(), non_empty(name).into());
    doc.insert("documentNamespace".into(), namespace.into());
    doc.insert(
        "creationInfo".into(),
        json!({
            "created": spdx_timestamp(&report.created_at),
            "creators": [format!("Tool: {}-{}", report.tool.name, report.tool.version)],
        }),
    );
    doc.insert("packages".into(), Value::Array(packages));
    doc.insert("relationships".into(), Value::Array(relationships));
    let extracted = extracted.to_json();
    if !extracted.is_empty() {
        doc.insert("hasExtractedLicensingInfos".into(), Value::Array(extracted));
    }
    Value::Object(doc)
}

/// Renders `report` as an SPDX 2.3 JSON document.
pub fn render_spdx_json(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, &document(report))?;
    w.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use bulwark_types::PackageType;

    use super::*;
    use crate::Target;

    #[test]
    fn sanitize_keeps_only_spdx_id_chars() {
        assert_eq!(sanitize_id("libstdc++6"), "libstdc-6");
        assert_eq!(sanitize_id("1:2.3~rc1-4+b2"), "1-2.3-rc1-4-b2");
        assert_eq!(sanitize_id("@types/node"), "types-node");
        assert_eq!(sanitize_id("+++"), "x");
        assert_eq!(sanitize_id("ünïcode"), "n-code");
    }

    #[test]
    fn spdx_ids_unique_and_well_formed() {
        let mut r = Report::new(Target {
            kind: TargetKind::Image,
            name: "img".into(),
            image: None,
        });
        // Two names that sanitise to the same id, and the same package twice.
        for name in ["libstdc++6", "libstdc--6", "libstdc++6"] {
            r.packages
                .push(Package::new(PackageType::Dpkg, name, "1:2.3~rc1-4+b2"));
        }
        let doc = document(&r);
        let ids: Vec<&str> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["SPDXID"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 4);
        let mut dedup = ids.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(dedup.len(), 4);
        for id in ids {
            let rest = id.strip_prefix("SPDXRef-").unwrap();
            assert!(
                rest.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
                "{id}"
            );
        }
    }

    #[test]
    fn licenses_declared_or_extracted() {
        let mut ex = ExtractedLicenses::default();
        let mut p = Package::new(PackageType::Dpkg, "x", "1");
        assert_eq!(license_declared(&p, &mut ex), "NOASSERTION");
        p.licenses = vec![
            "MIT OR Apache-2.0".into(),
            "GPL-2+".into(),
            "bsd-3-clause".into(),
        ];
        assert_eq!(
            license_declared(&p, &mut ex),
            "(MIT OR Apache-2.0) AND LicenseRef-GPL-2 AND BSD-3-Clause"
        );
        p.licenses = vec!["GPL 2+".into()];
        // A different text that sanitises alike gets its own ref; the same text reuses one.
        assert_eq!(license_declared(&p, &mut ex), "LicenseRef-GPL-2-2");
        p.licenses = vec!["GPL-2+".into()];
        assert_eq!(license_declared(&p, &mut ex), "LicenseRef-GPL-2");
        assert_eq!(ex.to_json().len(), 2);
    }

    #[test]
    fn timestamps_are_second_precision_utc() {
        assert_eq!(
            spdx_timestamp("2026-11-23T18:40:05Z"),
            "2026-11-23T18:40:05Z"
        );
        assert_eq!(
            spdx_timestamp("2026-11-23T18:40:05.123+00:00"),
            "2026-11-23T18:40:05Z"
        );
    }

    #[test]
    fn namespace_differs_per_report() {
        let mut a = Report::new(Target {
            kind: TargetKind::Image,
            name: "img".into(),
            image: None,
        });
        a.created_at = "2026-11-23T18:40:05Z".into();
        let mut b = a.clone();
        b.created_at = "2026-11-23T18:40:06Z".into();
        assert_ne!(
            document(&a)["documentNamespace"],
            document(&b)["documentNamespace"]
        );
        assert_eq!(
            document(&a)["documentNamespace"],
            document(&a.clone())["documentNamespace"]
        );
    }
}
