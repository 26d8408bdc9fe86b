//! SPDX 2.2 / 2.3 JSON: packages with a purl external reference; the `OPERATING-SYSTEM` package; Bulwark's
//! `attributionTexts`, `sourceInfo` and layer comments; trivy's `sourceInfo` ("built package from: NAME VER").

use std::collections::BTreeMap;

use bulwark_types::{Diagnostic, Distro, LayerRef, Location, Package, PackageType};
use serde::Deserialize;

use crate::{
    Facts, Sbom, SbomError, SbomFormat, Skipped, cap, distro_from_packages, json_error, non_empty,
    package_from, package_type_named,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    spdx_version: String,
    creation_info: Option<CreationInfo>,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
    #[serde(default, rename = "documentDescribes")]
    document_describes: Vec<String>,
    #[serde(default)]
    relationships: Vec<Relationship>,
    #[serde(default)]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
}

#[derive(Deserialize)]
struct CreationInfo {
    #[serde(default)]
    creators: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    #[serde(rename = "relationshipType")]
    kind: String,
    related_spdx_element: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    name: Option<String>,
    extracted_text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: Option<String>,
    version_info: Option<String>,
    source_info: Option<String>,
    license_declared: Option<String>,
    comment: Option<String>,
    description: Option<String>,
    primary_package_purpose: Option<String>,
    #[serde(default)]
    attribution_texts: Vec<String>,
    #[serde(default)]
    external_refs: Vec<ExternalRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_type: String,
    reference_locator: String,
}

impl SpdxPackage {
    fn purl(&self) -> Option<&str> {
        self.external_refs
            .iter()
            .find(|r| r.reference_type == "purl")
            .map(|r| r.reference_locator.as_str())
    }

    fn attribution(&self, key: &str) -> Option<&str> {
        self.attribution_texts.iter().find_map(|t| {
            t.strip_prefix(key)
                .and_then(|r| r.strip_prefix('='))
                .filter(|v| !v.is_empty())
        })
    }
}

/// Parse SPDX JSON; `source` names the file in errors and diagnostics.
pub fn parse(bytes: &[u8], source: &str) -> Result<Sbom, SbomError> {
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
    let mut diagnostics = Vec::new();
    if !matches!(doc.spdx_version.as_str(), "SPDX-2.2" | "SPDX-2.3") {
        diagnostics.push(Diagnostic::warning(
            format!(
                "spdxVersion '{}' is not one Bulwark was tested with (SPDX-2.2, SPDX-2.3)",
                doc.spdx_version
            ),
            Location::file(source),
        ));
    }
    let creators = doc
        .creation_info
        .as_ref()
        .map(|c| c.creators.as_slice())
        .unwrap_or_default();
    let tool = creators
        .iter()
        .find_map(|c| c.strip_prefix("Tool: "))
        .map(|t| match t.rsplit_once('-') {
            Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => format!("{n} {v}"),
            _ => t.to_string(),
        });
    let from_bulwark = creators.iter().any(|c| c.starts_with("Tool: bulwark-"));
    let extracted: BTreeMap<&str, &str> = doc
        .has_extracted_licensing_infos
        .iter()
        .filter_map(|e| {
            let text = e.name.as_deref().or(e.extracted_text.as_deref())?;
            Some((e.license_id.as_str(), text))
        })
        .collect();

    // What the document describes: documentDescribes (2.2) or DESCRIBES relationships.
    let described: Vec<&str> = doc
        .document_describes
        .iter()
        .map(String::as_str)
        .chain(
            doc.relationships
                .iter()
                .filter(|r| r.kind == "DESCRIBES" && r.spdx_element_id == "SPDXRef-DOCUMENT")
                .map(|r| r.related_spdx_element.as_str()),
        )
        .collect();
    let target_name = doc
        .packages
        .iter()
        .find(|p| described.contains(&p.spdx_id.as_str()))
        .and_then(|p| p.name.clone());

    let mut packages = Vec::new();
    let mut distro = None;
    let mut skipped = Skipped::default();
    for sp in &doc.packages {
        match sp.primary_package_purpose.as_deref() {
            Some("OPERATING-SYSTEM") => {
                if distro.is_none()
                    && let Some(id) = non_empty(sp.name.as_deref())
                {
                    distro = Some(Distro {
                        id: id.to_ascii_lowercase(),
                        version_id: non_empty(sp.version_info.as_deref()).map(String::from),
                        pretty_name: non_empty(sp.description.as_deref()).map(String::from),
                        ..Distro::default()
                    });
                }
                continue;
            }
            Some("CONTAINER" | "FILE" | "DEVICE" | "FIRMWARE") => continue,
            _ => {}
        }
        // The described root (an image, a directory) is not an installed package.
        if described.contains(&sp.spdx_id.as_str()) && sp.purl().is_none() {
            continue;
        }
        match spdx_package(sp, from_bulwark, &extracted) {
            Ok(p) => packages.push(p),
            Err(skip) => skipped.add(skip, sp.name.as_deref().unwrap_or("(unnamed)")),
        }
    }
    skipped.diagnostics(source, &mut diagnostics);
    cap(&mut packages, source, &mut diagnostics);
    let distro = distro.or_else(|| distro_from_packages(&packages));
    Ok(Sbom {
        format: SbomFormat::Spdx,
        spec_version: doc.spdx_version,
        tool,
        target_name,
        packages,
        distro,
        diagnostics,
    })
}

fn spdx_package(
    sp: &SpdxPackage,
    from_bulwark: bool,
    extracted: &BTreeMap<&str, &str>,
) -> Result<Package, crate::Skip> {
    // Bulwark names its package ids `SPDXRef-Package-<type>-<name>-<version>`.
    let stated_type: Option<PackageType> = if from_bulwark {
        sp.spdx_id
            .strip_prefix("SPDXRef-Package-")
            .and_then(|r| r.split('-').next())
            .and_then(package_type_named)
    } else {
        None
    };
    // trivy: "built package from: util-linux 2.38.1-5+deb12u3".
    let (source_name, source_version) = sp
        .source_info
        .as_deref()
        .and_then(|s| s.strip_prefix("built package from: "))
        .map_or((None, None), |rest| match rest.trim().split_once(' ') {
            Some((n, v)) => (Some(n.to_string()), Some(v.trim().to_string())),
            None => (Some(rest.trim().to_string()), None),
        });
    let facts = Facts {
        purl: sp.purl(),
        name: sp.name.as_deref(),
        version: sp.version_info.as_deref(),
        stated_type,
        source_name,
        source_version,
    };
    let mut p = package_from(&facts)?;
    p.licenses = licenses(sp.license_declared.as_deref(), extracted);
    // Bulwark and syft: "acquired package info from <db>: <path>".
    p.found_in = sp
        .source_info
        .as_deref()
        .filter(|s| s.starts_with("acquired package info from "))
        .and_then(|s| s.split_once(": "))
        .map(|(_, path)| path.trim())
        .filter(|path| path.starts_with('/'))
        .map(String::from);
    if from_bulwark {
        p.layer = sp
            .attribution("bulwark:layer:index")
            .and_then(|i| i.parse().ok())
            .map(|index| LayerRef {
                index,
                digest: sp.attribution("bulwark:layer:digest").map(Into::into),
                diff_id: sp.attribution("bulwark:layer:diffID").map(Into::into),
                created_by: None,
            });
        if let Some(comment) = sp.comment.as_deref() {
            apply_layer_comment(&mut p, comment);
        }
    }
    Ok(p)
}

/// Bulwark's comment: `introduced in layer 2 (sha256:0123456789ab): RUN …; last changed in layer 4 (…): RUN …`.
/// The first part restores the introducing layer's `createdBy`; the second the last-changed layer's index and
/// `createdBy` (SPDX carries only a shortened digest for it, which is not restored).
fn apply_layer_comment(p: &mut Package, comment: &str) {
    let (intro, last) = match comment.split_once("; last changed in ") {
        Some((a, b)) => (Some(a), Some(b)),
        None if comment.starts_with("last changed in ") => {
            (None, comment.strip_prefix("last changed in "))
        }
        None => (Some(comment), None),
    };
    if let (Some(intro), Some(layer)) = (
        intro.and_then(|s| s.strip_prefix("introduced in ")),
        p.layer.as_mut(),
    ) {
        layer.created_by = described_layer(intro).1.map(Into::into);
    }
    if let Some(last) = last
        && let (Some(index), created_by) = described_layer(last)
    {
        p.last_changed_layer = Some(LayerRef {
            index,
            created_by: created_by.map(Into::into),
            ..LayerRef::default()
        });
    }
}

/// `layer 2 (sha256:0123456789ab): RUN …` → (2, Some("RUN …")).
fn described_layer(s: &str) -> (Option<usize>, Option<String>) {
    let Some(rest) = s.strip_prefix("layer ") else {
        return (None, None);
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let index = rest[..digits].parse().ok();
    let mut rest = &rest[digits..];
    if let Some(r) = rest.strip_prefix(" (")
        && let Some(end) = r.find(')')
    {
        rest = &r[end + 1..];
    }
    let created_by = rest
        .strip_prefix(": ")
        .filter(|c| !c.is_empty())
        .map(String::from);
    (index, created_by)
}

/// `licenseDeclared` back into the list of stated licenses: top-level `AND` operands, outer parentheses
/// removed, `LicenseRef-…` replaced by the text it stands for.
fn licenses(declared: Option<&str>, extracted: &BTreeMap<&str, &str>) -> Vec<String> {
    let Some(expr) = non_empty(declared) else {
        return Vec::new();
    };
    if matches!(expr, "NOASSERTION" | "NONE") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b' ' if depth == 0 && expr[i..].starts_with(" AND ") => {
                out.push(&expr[start..i]);
                i += 5;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&expr[start..]);
    out.into_iter()
        .map(|t| {
            let t = t.trim();
            let t = t
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(t);
            extracted
                .get(t)
                .map_or_else(|| t.to_string(), |x| (*x).to_string())
        })
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_lists() {
        let ex: BTreeMap<&str, &str> = [("LicenseRef-custom", "Custom Thing")].into();
        assert_eq!(
            licenses(
                Some("MIT AND (GPL-2.0-only OR BSD-3-Clause) AND LicenseRef-custom"),
                &ex
            ),
            ["MIT", "GPL-2.0-only OR BSD-3-Clause", "Custom Thing"]
        );
        assert!(licenses(Some("NOASSERTION"), &ex).is_empty());
        assert_eq!(
            licenses(Some("GPL-2.0-or-later WITH Classpath-exception-2.0"), &ex).len(),
            1
        );
    }

    #[test]
    fn layer_descriptions() {
        assert_eq!(
            described_layer("layer 2 (sha256:0123456789ab): RUN apt-get install -y curl"),
            (Some(2), Some("RUN apt-get install -y curl".into()))
        );
        assert_eq!(described_layer("layer 0"), (Some(0), None));
        assert_eq!(described_layer("nonsense"), (None, None));
    }
}
