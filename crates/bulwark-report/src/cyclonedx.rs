//! `cyclonedx`: a CycloneDX 1.6 JSON BOM.
//!
//! The target is `metadata.component` (a `container` for images); the OS and every package are `components`; the
//! target depends on each of them; `vulnerabilities` carries the findings of kind vulnerability. Bulwark facts
//! without a CycloneDX field (layer, package type, source package…) are `properties` named `bulwark:…`.

use std::borrow::Cow;
use std::io::Write;
use std::rc::Rc;

use bulwark_types::{FindingKind, Package, Severity};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use crate::util::{SeqOf, UniqueIds, describe_layer, report_uuid, sha256_hex};
use crate::{Report, ReportError, TargetKind, link, spdx_license};

const SPEC_VERSION: &str = "1.6";

fn prop(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Unknown => "unknown",
        Severity::Info => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// CycloneDX `licenses`: one expression when the package states a single compound SPDX expression, else one
/// `license` per string, by `id` when it is a known SPDX id and by `name` otherwise (the schema enumerates ids).
fn licenses(p: &Package) -> Option<Value> {
    let stated: Vec<&str> = p
        .licenses
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    if stated.is_empty() {
        return None;
    }
    if let [single] = stated.as_slice()
        && let Some(expr) = spdx_license::normalize_expression(single, false)
        && spdx_license::is_compound(&expr)
    {
        return Some(json!([{ "expression": expr }]));
    }
    let list: Vec<Value> = stated
        .iter()
        .map(|l| match spdx_license::canonical_id(l) {
            Some(id) => json!({ "license": { "id": id } }),
            None => json!({ "license": { "name": l } }),
        })
        .collect();
    Some(Value::Array(list))
}

fn layer_properties(props: &mut Vec<Value>, prefix: &str, layer: &bulwark_types::LayerRef) {
    props.push(prop(&format!("{prefix}:index"), layer.index.to_string()));
    if let Some(d) = &layer.digest {
        props.push(prop(&format!("{prefix}:digest"), d.to_string()));
    }
    if let Some(d) = &layer.diff_id {
        props.push(prop(&format!("{prefix}:diffID"), d.to_string()));
    }
    if let Some(c) = &layer.created_by {
        props.push(prop(&format!("{prefix}:createdBy"), c.to_string()));
    }
}

fn component(p: &Package, bom_ref: &str) -> Value {
    let mut c = Map::new();
    c.insert("bom-ref".into(), bom_ref.into());
    c.insert("type".into(), "library".into());
    c.insert("name".into(), p.name.clone().into());
    if !p.version.is_empty() {
        c.insert("version".into(), p.version.clone().into());
    }
    if let Some(l) = licenses(p) {
        c.insert("licenses".into(), l);
    }
    if !p.purl.is_empty() {
        c.insert("purl".into(), p.purl.clone().into());
    }
    if p.dev {
        c.insert("scope".into(), "optional".into());
    }
    let mut props = vec![prop("bulwark:package:type", p.package_type.as_str())];
    if let Some(s) = &p.source_name {
        props.push(prop("bulwark:package:sourceName", s.clone()));
    }
    if let Some(s) = &p.source_version {
        props.push(prop("bulwark:package:sourceVersion", s.clone()));
    }
    if let Some(a) = &p.arch {
        props.push(prop("bulwark:package:arch", a.clone()));
    }
    if let Some(f) = &p.found_in {
        props.push(prop("bulwark:package:foundIn", f.clone()));
    }
    if let Some(d) = p.direct {
        props.push(prop("bulwark:package:direct", d.to_string()));
    }
    if p.dev {
        props.push(prop("bulwark:package:dev", "true"));
    }
    if let Some(l) = &p.layer {
        layer_properties(&mut props, "bulwark:layer", l);
    }
    if let Some(l) = &p.last_changed_layer {
        layer_properties(&mut props, "bulwark:lastChangedLayer", l);
    }
    c.insert("properties".into(), Value::Array(props));
    Value::Object(c)
}

fn target_component(report: &Report, bom_ref: &str) -> Value {
    let t = &report.target;
    let kind = match t.kind {
        TargetKind::Image => "container",
        TargetKind::Filesystem
        | TargetKind::Rootfs
        | TargetKind::Manifests
        | TargetKind::Sbom
        | TargetKind::Url => "application",
        TargetKind::Node => "platform",
    };
    let mut c = Map::new();
    c.insert("bom-ref".into(), bom_ref.into());
    c.insert("type".into(), kind.into());
    c.insert("name".into(), t.name.clone().into());
    let mut props = vec![prop(
        "bulwark:target:kind",
        format!("{:?}", t.kind).to_ascii_lowercase(),
    )];
    if let Some(img) = &t.image {
        // The image's identity is its digest; the manifest digest is what a registry resolves.
        if let Some(d) = img.manifest_digest.as_ref().or(img.config_digest.as_ref()) {
            c.insert("version".into(), d.clone().into());
        }
        let hashes: Vec<Value> = img
            .config_digest
            .as_deref()
            .and_then(sha256_hex)
            .map(|h| json!({ "alg": "SHA-256", "content": h }))
            .into_iter()
            .collect();
        if !hashes.is_empty() {
            c.insert("hashes".into(), Value::Array(hashes));
        }
        if let Some(purl) = crate::util::oci_purl(t) {
            c.insert("purl".into(), purl.into());
        }
        if let Some(d) = &img.manifest_digest {
            props.push(prop("bulwark:image:manifestDigest", d.clone()));
        }
        if let Some(d) = &img.config_digest {
            props.push(prop("bulwark:image:configDigest", d.clone()));
        }
        for tag in &img.repo_tags {
            props.push(prop("bulwark:image:repoTag", tag.clone()));
        }
        if let Some(a) = &img.architecture {
            props.push(prop("bulwark:image:architecture", a.clone()));
        }
        if let Some(o) = &img.os {
            props.push(prop("bulwark:image:os", o.clone()));
        }
        if let Some(c) = &img.created {
            props.push(prop("bulwark:image:created", c.clone()));
        }
        for l in &img.layers {
            props.push(prop("bulwark:image:layer", describe_layer(l)));
        }
    }
    c.insert("properties".into(), Value::Array(props));
    Value::Object(c)
}

fn vulnerability(
    report: &Report,
    f: &bulwark_types::Finding,
    package_refs: &[Rc<str>],
    root_ref: &str,
) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), f.id.clone().into());
    let source = if f.id.starts_with("CVE-") {
        Some(json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{}", f.id) }))
    } else if f.id.starts_with("GHSA-") {
        Some(json!({ "name": "GitHub", "url": format!("https://github.com/advisories/{}", f.id) }))
    } else {
        f.properties
            .get("dataSource")
            .and_then(Value::as_str)
            .map(|s| json!({ "name": s }))
    };
    if let Some(s) = source {
        v.insert("source".into(), s);
    }
    v.insert(
        "ratings".into(),
        json!([{ "severity": severity(f.severity) }]),
    );
    if !f.title.is_empty() {
        v.insert("description".into(), f.title.clone().into());
    }
    if !f.message.is_empty() {
        v.insert("detail".into(), f.message.to_string().into());
    }
    if let Some(fixed) = link::fixed_version(f) {
        v.insert(
            "recommendation".into(),
            format!("Upgrade to {fixed} or later.").into(),
        );
    }
    let advisories: Vec<Value> = f
        .references
        .iter()
        .filter(|r| {
            (r.starts_with("https://") || r.starts_with("http://"))
                && !r.contains(char::is_whitespace)
        })
        .map(|r| json!({ "url": r }))
        .collect();
    if !advisories.is_empty() {
        v.insert("advisories".into(), Value::Array(advisories));
    }
    let pkg = link::package_of(report, f);
    let target_ref = pkg.map_or(root_ref, |i| &*package_refs[i]);
    let mut affect = Map::new();
    affect.insert("ref".into(), target_ref.into());
    if let Some(ver) = link::installed_version(f)
        .map(str::to_owned)
        .or_else(|| pkg.map(|i| report.packages[i].version.clone()))
    {
        affect.insert(
            "versions".into(),
            json!([{ "version": ver, "status": "affected" }]),
        );
    }
    v.insert("affects".into(), json!([affect]));
    let mut props = Vec::new();
    if let Some(n) = link::package_name(f).or_else(|| pkg.map(|i| report.packages[i].name.as_str()))
    {
        props.push(prop("bulwark:vulnerability:packageName", n));
    }
    if let Some(iv) = link::installed_version(f) {
        props.push(prop("bulwark:vulnerability:installedVersion", iv));
    }
    if let Some(fixed) = link::fixed_version(f) {
        props.push(prop("bulwark:vulnerability:fixedVersion", fixed));
    }
    props.push(prop("bulwark:vulnerability:severity", f.severity.as_str()));
    let loc = f.location.to_string();
    if !loc.is_empty() {
        props.push(prop("bulwark:vulnerability:location", loc));
    }
    v.insert("properties".into(), Value::Array(props));
    Value::Object(v)
}

/// The BOM, serialised as a stream: components, dependencies and vulnerabilities are made one at a time while
/// they are written, so rendering needs the report plus the ids, never a tree of the whole document. Keys come in
/// the sorted order a `serde_json::Map` gives them (the tests check that the output stays in that form).
struct Bom<'a> {
    report: &'a Report,
    root_ref: Rc<str>,
    /// The operating-system component and its ref.
    os: Option<(Rc<str>, Value)>,
    /// One unique ref per package, in report order.
    package_refs: Vec<Rc<str>>,
}

impl<'a> Bom<'a> {
    fn new(report: &'a Report) -> Self {
        let mut ids = UniqueIds::default();
        let root_ref = ids.claim(&format!("target:{}", report.target.name), "#");
        let os = report.os.as_ref().map(|os| {
            let os_ref = ids.claim(
                &format!("os:{}@{}", os.id, os.version_id.as_deref().unwrap_or("")),
                "#",
            );
            let mut c = Map::new();
            c.insert("bom-ref".into(), (*os_ref).into());
            c.insert("type".into(), "operating-system".into());
            c.insert("name".into(), os.id.clone().into());
            if let Some(v) = &os.version_id {
                c.insert("version".into(), v.clone().into());
            }
            if let Some(p) = &os.pretty_name {
                c.insert("description".into(), p.clone().into());
            }
            let mut props = Vec::new();
            if let Some(cn) = &os.codename {
                props.push(prop("bulwark:os:codename", cn.clone()));
            }
            if !os.id_like.is_empty() {
                props.push(prop("bulwark:os:idLike", os.id_like.join(" ")));
            }
            if !props.is_empty() {
                c.insert("properties".into(), Value::Array(props));
            }
            (os_ref, Value::Object(c))
        });
        let package_refs = report
            .packages
            .iter()
            .map(|p| {
                if p.purl.is_empty() {
                    ids.claim(
                        &format!("pkg:{}/{}@{}", p.package_type, p.name, p.version),
                        "#",
                    )
                } else {
                    ids.claim(&p.purl, "#")
                }
            })
            .collect();
        Self {
            report,
            root_ref,
            os,
            package_refs,
        }
    }

    /// Refs of everything the target contains: the OS, then every package.
    fn dependents(&self) -> impl Iterator<Item = &str> {
        self.os
            .iter()
            .map(|(r, _)| &**r)
            .chain(self.package_refs.iter().map(|r| &**r))
    }

    fn metadata(&self) -> Value {
        let report = self.report;
        let mut metadata = json!({
                "tools": { "components": [{
                    "type": "application",
                    "name": report.tool.name,
                    "version": report.tool.version,
                }]},
                "component": target_component(report, &self.root_ref),
        });
        // The schema checks `date-time`; a malformed created_at is left out rather than failing validation.
        if let Some(ts) = crate::util::utc_seconds(&report.created_at) {
            metadata["timestamp"] = ts.into();
        }
        metadata
    }
}

/// `dependencies`: the target depends on every component; each component has an entry of its own.
struct Dependencies<'b, 'a>(&'b Bom<'a>);

impl Serialize for Dependencies<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Root<'r, D> {
            #[serde(rename = "dependsOn")]
            depends_on: D,
            #[serde(rename = "ref")]
            of: &'r str,
        }
        #[derive(Serialize)]
        struct Leaf<'r> {
            #[serde(rename = "ref")]
            of: &'r str,
        }
        let bom = self.0;
        let mut seq = s.serialize_seq(None)?;
        seq.serialize_element(&Root {
            depends_on: SeqOf(|| bom.dependents()),
            of: &bom.root_ref,
        })?;
        for of in bom.dependents() {
            seq.serialize_element(&Leaf { of })?;
        }
        seq.end()
    }
}

impl Serialize for Bom<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let is_vuln = |f: &&bulwark_types::Finding| f.kind == FindingKind::Vulnerability;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json")?;
        m.serialize_entry("bomFormat", "CycloneDX")?;
        m.serialize_entry(
            "components",
            &SeqOf(|| {
                self.os.iter().map(|(_, c)| Cow::Borrowed(c)).chain(
                    report
                        .packages
                        .iter()
                        .zip(&self.package_refs)
                        .map(|(p, r)| Cow::Owned(component(p, r))),
                )
            }),
        )?;
        m.serialize_entry("dependencies", &Dependencies(self))?;
        m.serialize_entry("metadata", &self.metadata())?;
        m.serialize_entry("serialNumber", &format!("urn:uuid:{}", report_uuid(report)))?;
        m.serialize_entry("specVersion", SPEC_VERSION)?;
        m.serialize_entry("version", &1)?;
        if report.findings.iter().any(|f| is_vuln(&f)) {
            m.serialize_entry(
                "vulnerabilities",
                &SeqOf(|| {
                    report
                        .findings
                        .iter()
                        .filter(is_vuln)
                        .map(|f| vulnerability(report, f, &self.package_refs, &self.root_ref))
                }),
            )?;
        }
        m.end()
    }
}

/// Builds the BOM as a JSON value (for the crate's tests; rendering streams it).
#[cfg(test)]
pub(crate) fn bom(report: &Report) -> Value {
    serde_json::to_value(Bom::new(report)).expect("a BOM is plain JSON")
}

/// Renders `report` as a CycloneDX 1.6 JSON BOM.
pub fn render_cyclonedx(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *w, &Bom::new(report))?;
    w.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use bulwark_types::PackageType;

    use super::*;
    use crate::{Target, TargetKind};

    fn report() -> Report {
        let mut r = Report::new(Target {
            kind: TargetKind::Image,
            name: "alpine:3.19".into(),
            image: None,
        });
        for _ in 0..3 {
            let mut p = Package::new(PackageType::Apk, "musl", "1.2.4-r2");
            p.purl = "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64".into();
            p.licenses = vec!["MIT".into()];
            r.packages.push(p);
        }
        let mut p = Package::new(PackageType::Npm, "@types/node", "20.1.0");
        p.licenses = vec!["MIT OR Apache-2.0".into()];
        r.packages.push(p);
        r
    }

    #[test]
    fn bom_refs_are_unique_even_for_duplicate_purls() {
        let bom = bom(&report());
        let mut refs: Vec<&str> = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        refs.push(bom["metadata"]["component"]["bom-ref"].as_str().unwrap());
        let n = refs.len();
        refs.sort_unstable();
        refs.dedup();
        assert_eq!(refs.len(), n);
        // Every component still carries the real purl.
        assert_eq!(
            bom["components"][2]["purl"],
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"
        );
        assert_eq!(
            bom["dependencies"][0]["dependsOn"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn licenses_by_id_name_or_expression() {
        let bom = bom(&report());
        assert_eq!(
            bom["components"][0]["licenses"],
            json!([{ "license": { "id": "MIT" } }])
        );
        assert_eq!(
            bom["components"][3]["licenses"],
            json!([{ "expression": "MIT OR Apache-2.0" }])
        );
        let mut p = Package::new(PackageType::Dpkg, "x", "1");
        p.licenses = vec!["GPL-2+".into(), "bsd-3-clause".into()];
        assert_eq!(
            licenses(&p).unwrap(),
            json!([{ "license": { "name": "GPL-2+" } }, { "license": { "id": "BSD-3-Clause" } }])
        );
    }

    /// The streamed output is what pretty-printing a `serde_json::Value` of it gives: every object's keys sorted,
    /// as the BOM was when it was built as one tree (so the output did not change when it became a stream).
    #[test]
    fn streamed_bom_is_in_sorted_key_form() {
        let mut r = report();
        r.os = Some(bulwark_types::Distro {
            id: "alpine".into(),
            version_id: Some("3.19.1".into()),
            pretty_name: Some("Alpine Linux v3.19".into()),
            ..bulwark_types::Distro::default()
        });
        let mut f = bulwark_types::Finding {
            kind: FindingKind::Vulnerability,
            id: "CVE-2025-0001".into(),
            name: None,
            severity: Severity::High,
            title: "t".into(),
            message: String::new().into(),
            location: bulwark_types::Location::default(),
            evidence: None,
            references: vec!["https://example.com/a".into()],
            shared_properties: None,
            properties: std::collections::BTreeMap::new(),
        };
        f.properties.insert(
            "purl".into(),
            json!("pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"),
        );
        f.properties
            .insert("fixedVersion".into(), json!("1.2.5-r0"));
        r.findings.push(f);
        let mut out = Vec::new();
        render_cyclonedx(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let tree: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(text, serde_json::to_string_pretty(&tree).unwrap() + "\n");
        assert_eq!(
            tree["vulnerabilities"][0]["affects"][0]["ref"],
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"
        );
        assert_eq!(tree["dependencies"].as_array().unwrap().len(), 6);
        assert_eq!(
            tree["dependencies"][5],
            json!({ "ref": "pkg:npm/@types/node@20.1.0" })
        );
        // No vulnerabilities: the key is left out, as before.
        r.findings.clear();
        assert!(bom(&r).get("vulnerabilities").is_none());
    }

    #[test]
    fn serial_number_is_a_uuid_and_stable() {
        let r = report();
        let a = bom(&r)["serialNumber"].as_str().unwrap().to_owned();
        assert_eq!(a, bom(&r)["serialNumber"].as_str().unwrap());
        let u = a.strip_prefix("urn:uuid:").unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
