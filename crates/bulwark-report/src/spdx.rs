//! `spdx-json`: an SPDX 2.3 JSON document.
//!
//! The document DESCRIBES one root package for the target (purpose `CONTAINER` for an image), which CONTAINS the
//! operating system and every package. License strings that are valid SPDX expressions go into `licenseDeclared`
//! as they are; any other string becomes a `LicenseRef-` declared in `hasExtractedLicensingInfos`, so the document
//! never states an expression a validator would reject and never silently drops what the package declared.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::rc::Rc;

use bulwark_types::Package;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::util::{SeqOf, UniqueIds, describe_layer, report_uuid, sha256_hex};
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
    by_text: BTreeMap<String, Rc<str>>,
    ids: UniqueIds,
}

impl ExtractedLicenses {
    fn reference(&mut self, text: &str) -> Rc<str> {
        if let Some(id) = self.by_text.get(text) {
            return Rc::clone(id);
        }
        let id = self
            .ids
            .claim(&format!("LicenseRef-{}", sanitize_id(text)), "-");
        self.by_text.insert(text.to_owned(), Rc::clone(&id));
        id
    }

    /// `hasExtractedLicensingInfos` entries, by license text.
    fn entries(&self) -> impl Iterator<Item = Value> + '_ {
        self.by_text.iter().map(|(text, id)| {
            json!({
                "licenseId": **id,
                "name": text,
                "extractedText": text,
                "comment": "License as stated in the package metadata; not an SPDX license expression.",
            })
        })
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
            None => extracted.reference(l).to_string(),
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
        TargetKind::Sbom | TargetKind::Url | TargetKind::Node => "OTHER",
    };
    o.insert("primaryPackagePurpose".into(), purpose.into());
    Value::Object(o)
}

/// The document, serialised as a stream: packages and relationships are made one at a time while they are
/// written, so rendering needs the report plus the ids, never a tree of the whole document. Keys come in the
/// sorted order a `serde_json::Map` gives them (the tests check that the output stays in that form).
struct Document<'a> {
    report: &'a Report,
    kind: &'static str,
    root_id: Rc<str>,
    /// The operating-system package and its id.
    os: Option<(Rc<str>, Value)>,
    /// One unique id per package, in report order.
    package_ids: Vec<Rc<str>>,
    /// Filled before anything is written: `hasExtractedLicensingInfos` sorts before `packages`.
    extracted: RefCell<ExtractedLicenses>,
}

const DOC_ID: &str = "SPDXRef-DOCUMENT";

impl<'a> Document<'a> {
    fn new(report: &'a Report) -> Self {
        let mut ids = UniqueIds::default();
        ids.claim(DOC_ID, "-");
        let kind = match report.target.kind {
            TargetKind::Image => "Image",
            _ => "Target",
        };
        let root_id = ids.claim(
            &format!("SPDXRef-{kind}-{}", sanitize_id(&report.target.name)),
            "-",
        );
        let os = report.os.as_ref().map(|os| {
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
                "SPDXID": *os_id,
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
            (os_id, o)
        });
        let package_ids = report
            .packages
            .iter()
            .map(|p| {
                ids.claim(
                    &format!(
                        "SPDXRef-Package-{}-{}-{}",
                        p.package_type,
                        sanitize_id(&p.name),
                        sanitize_id(&p.version)
                    ),
                    "-",
                )
            })
            .collect();
        // Every license reference, in package order, before the packages that use them are written.
        let mut extracted = ExtractedLicenses::default();
        for p in &report.packages {
            license_declared(p, &mut extracted);
        }
        Self {
            report,
            kind,
            root_id,
            os,
            package_ids,
            extracted: RefCell::new(extracted),
        }
    }
}

#[derive(Serialize)]
struct Relationship<'r> {
    #[serde(rename = "relatedSpdxElement")]
    related: &'r str,
    #[serde(rename = "relationshipType")]
    kind: &'static str,
    #[serde(rename = "spdxElementId")]
    element: &'r str,
}

/// `root` CONTAINS `id`.
fn contains<'r>(root: &'r str, id: &'r str) -> Relationship<'r> {
    Relationship {
        related: id,
        kind: "CONTAINS",
        element: root,
    }
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let name = &report.target.name;
        // Unique per report: the UUID hashes the whole report, created_at included. The base is the project's
        // repository URL (an `.invalid` placeholder until it has a real one); SPDX never dereferences it.
        let namespace = format!(
            "{}/spdx/{}/{}-{}",
            crate::util::project_url(),
            self.kind.to_ascii_lowercase(),
            sanitize_id(name),
            report_uuid(report)
        );
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("SPDXID", DOC_ID)?;
        m.serialize_entry(
            "creationInfo",
            &json!({
                "created": spdx_timestamp(&report.created_at),
                "creators": [format!("Tool: {}-{}", report.tool.name, report.tool.version)],
            }),
        )?;
        m.serialize_entry("dataLicense", "CC0-1.0")?;
        m.serialize_entry("documentNamespace", &namespace)?;
        {
            let extracted = self.extracted.borrow();
            if !extracted.by_text.is_empty() {
                m.serialize_entry("hasExtractedLicensingInfos", &SeqOf(|| extracted.entries()))?;
            }
        }
        m.serialize_entry("name", &non_empty(name))?;
        m.serialize_entry(
            "packages",
            &SeqOf(|| {
                std::iter::once(Cow::Owned(root_package(report, &self.root_id)))
                    .chain(self.os.iter().map(|(_, o)| Cow::Borrowed(o)))
                    .chain(
                        report
                            .packages
                            .iter()
                            .zip(&self.package_ids)
                            .map(|(p, id)| {
                                Cow::Owned(package(p, id, &mut self.extracted.borrow_mut()))
                            }),
                    )
            }),
        )?;
        m.serialize_entry(
            "relationships",
            &SeqOf(|| {
                let root: &str = &self.root_id;
                std::iter::once(Relationship {
                    related: root,
                    kind: "DESCRIBES",
                    element: DOC_ID,
                })
                .chain(self.os.iter().map(|(id, _)| contains(root, id)))
                .chain(self.package_ids.iter().map(|id| contains(root, id)))
            }),
        )?;
        m.serialize_entry("spdxVersion", "SPDX-2.3")?;
        m.end()
    }
}

/// Builds the document as a JSON value (for the crate's tests; rendering streams it).
#[cfg(test)]
pub(crate) fn document(report: &Report) -> Value {
    serde_json::to_value(Document::new(report)).expect("an SPDX document is plain JSON")
}

/// Renders `report` as an SPDX 2.3 JSON document.
pub fn render_spdx_json(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, &Document::new(report))?;
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

    /// The streamed output is what pretty-printing a `serde_json::Value` of it gives: every object's keys sorted,
    /// as the document was when it was built as one tree (so the output did not change when it became a stream).
    #[test]
    fn streamed_document_is_in_sorted_key_form() {
        let mut r = Report::new(Target {
            kind: TargetKind::Image,
            name: "img".into(),
            image: None,
        });
        r.os = Some(bulwark_types::Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..bulwark_types::Distro::default()
        });
        for (name, license) in [("a", "GPL-2+"), ("b", "MIT"), ("a", "GPL 2+")] {
            let mut p = Package::new(PackageType::Dpkg, name, "1.0");
            p.licenses = vec![license.into()];
            p.purl = format!("pkg:deb/debian/{name}@1.0");
            r.packages.push(p);
        }
        let mut out = Vec::new();
        render_spdx_json(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let tree: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(text, serde_json::to_string_pretty(&tree).unwrap() + "\n");
        let ids: Vec<&str> = tree["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["SPDXID"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "SPDXRef-Image-img",
                "SPDXRef-OperatingSystem-debian-12",
                "SPDXRef-Package-dpkg-a-1.0",
                "SPDXRef-Package-dpkg-b-1.0",
                "SPDXRef-Package-dpkg-a-1.0-2"
            ]
        );
        assert_eq!(tree["packages"][4]["licenseDeclared"], "LicenseRef-GPL-2-2");
        assert_eq!(
            tree["hasExtractedLicensingInfos"].as_array().unwrap().len(),
            2
        );
        assert_eq!(tree["relationships"].as_array().unwrap().len(), 5);
        assert_eq!(
            tree["relationships"][4],
            json!({"relatedSpdxElement": "SPDXRef-Package-dpkg-a-1.0-2", "relationshipType": "CONTAINS", "spdxElementId": "SPDXRef-Image-img"})
        );
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
        assert_eq!(ex.entries().count(), 2);
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
