//! OpenVEX documents (<https://github.com/openvex/spec>, v0.2.0; v0.0.x string forms are accepted too).

use std::path::Path;

use serde::Deserialize;

use crate::{EvalError, read_bounded};
use bulwark_types::Purl;

/// Largest VEX document read.
const MAX_VEX_BYTES: u64 = 64 << 20;

/// The four OpenVEX statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAffected => "not_affected",
            Self::Affected => "affected",
            Self::Fixed => "fixed",
            Self::UnderInvestigation => "under_investigation",
        }
    }

    /// `not_affected` and `fixed` suppress findings; the others keep them.
    #[must_use]
    pub fn suppresses(self) -> bool {
        matches!(self, Self::NotAffected | Self::Fixed)
    }
}

/// A loaded OpenVEX document.
#[derive(Debug, Clone)]
pub struct Vex {
    /// The file name, as given, for messages.
    pub source: String,
    pub statements: Vec<VexStatement>,
}

#[derive(Debug, Clone)]
pub struct VexStatement {
    /// 1-based position in the document's `statements`.
    pub index: usize,
    /// `vulnerability.name` (or the v0.0.x string).
    pub vulnerability: String,
    pub aliases: Vec<String>,
    /// Product and subcomponent identifiers the statement names, flattened, for messages.
    pub products: Vec<String>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    /// When the statement was last made or updated (its own `last_updated`/`timestamp`, else the document's),
    /// as seconds since the Unix epoch; statements without any sort first.
    pub timestamp: Option<i64>,
    pub(crate) product_specs: Vec<Product>,
}

/// A product with its subcomponents, purls parsed (identifiers that are not purls are `None`).
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub(crate) purls: Vec<Purl>,
    pub(crate) subcomponents: Vec<Purl>,
}

/// The scanned artifact, to decide whether a `pkg:oci/…` product is this image.
#[derive(Debug, Clone, Default)]
pub(crate) struct TargetId {
    /// Manifest and config digests (`sha256:…`).
    pub(crate) digests: Vec<String>,
    /// Lower-cased image names (last path component of the reference and repo tags).
    pub(crate) names: Vec<String>,
    /// False when the report carries no image identity (an SBOM or directory scan): `pkg:oci` products are
    /// then taken on trust.
    pub(crate) known: bool,
}

impl TargetId {
    fn is(&self, p: &Purl) -> bool {
        if !self.known {
            return true;
        }
        match &p.version {
            Some(d) => self.digests.iter().any(|x| x.eq_ignore_ascii_case(d)),
            None => self.names.iter().any(|n| n.eq_ignore_ascii_case(&p.name)),
        }
    }
}

/// How a statement relates to one finding's package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    Covers,
    /// A `pkg:oci` product names another image.
    OtherImage,
    No,
}

impl VexStatement {
    /// Does the statement name this vulnerability (by name or alias, case-insensitive)?
    pub(crate) fn names(&self, id: &str) -> bool {
        self.vulnerability.eq_ignore_ascii_case(id)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }

    /// Does the statement cover a package? A product without subcomponents covers the package it names, or
    /// every package when it is the scanned image (`pkg:oci`). A product with subcomponents covers the
    /// subcomponents it lists, provided an image product is the scanned image.
    pub(crate) fn covers(&self, purl: Option<&Purl>, target: &TargetId) -> Coverage {
        let mut other_image = false;
        for p in &self.product_specs {
            let oci: Vec<&Purl> = p.purls.iter().filter(|x| x.ty == "oci").collect();
            let is_target = oci.iter().any(|x| target.is(x));
            if !oci.is_empty() && !is_target {
                other_image = true;
                continue;
            }
            let hit = if p.subcomponents.is_empty() {
                is_target || purl.is_some_and(|f| p.purls.iter().any(|x| x.matches(f)))
            } else {
                purl.is_some_and(|f| p.subcomponents.iter().any(|x| x.matches(f)))
            };
            if hit {
                return Coverage::Covers;
            }
        }
        if other_image {
            Coverage::OtherImage
        } else {
            Coverage::No
        }
    }

    /// All purls the statement names (products and subcomponents), excluding images.
    pub(crate) fn package_purls(&self) -> impl Iterator<Item = &Purl> {
        self.product_specs
            .iter()
            .flat_map(|p| p.purls.iter().chain(&p.subcomponents))
            .filter(|p| p.ty != "oci")
    }
}

#[derive(Deserialize)]
struct RawDoc {
    #[serde(rename = "@context")]
    context: Option<String>,
    timestamp: Option<String>,
    last_updated: Option<String>,
    #[serde(default)]
    statements: Vec<RawStatement>,
}

#[derive(Deserialize)]
struct RawStatement {
    vulnerability: RawVuln,
    #[serde(default)]
    products: Vec<RawProduct>,
    status: String,
    justification: Option<String>,
    impact_statement: Option<String>,
    timestamp: Option<String>,
    last_updated: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawVuln {
    Name(String),
    Object {
        #[serde(rename = "@id")]
        id: Option<String>,
        name: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawProduct {
    Id(String),
    Object {
        #[serde(rename = "@id")]
        id: Option<String>,
        #[serde(default)]
        identifiers: Option<Identifiers>,
        #[serde(default)]
        subcomponents: Vec<RawProduct>,
    },
}

#[derive(Deserialize)]
struct Identifiers {
    purl: Option<String>,
}

impl RawProduct {
    fn ids(&self) -> Vec<String> {
        match self {
            Self::Id(s) => vec![s.clone()],
            Self::Object {
                id, identifiers, ..
            } => id
                .iter()
                .cloned()
                .chain(identifiers.as_ref().and_then(|i| i.purl.clone()))
                .collect(),
        }
    }

    fn subcomponent_ids(&self) -> Vec<String> {
        match self {
            Self::Id(_) => Vec::new(),
            // Subcomponents are components: nested subcomponents are not part of the format.
            Self::Object { subcomponents, .. } => {
                subcomponents.iter().flat_map(RawProduct::ids).collect()
            }
        }
    }
}

/// Load an OpenVEX JSON document.
pub fn load_vex(path: impl AsRef<Path>) -> Result<Vex, EvalError> {
    let path = path.as_ref();
    let bytes = read_bounded(path, MAX_VEX_BYTES)?;
    parse_vex(&bytes, &path.display().to_string())
}

/// Parse OpenVEX JSON; `source` names the file in errors and diagnostics.
pub fn parse_vex(bytes: &[u8], source: &str) -> Result<Vex, EvalError> {
    let invalid = |message: String| EvalError::Invalid {
        file: source.to_string(),
        line: None,
        message,
    };
    let raw: RawDoc = serde_json::from_slice(bytes).map_err(|e| EvalError::Json {
        file: source.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match raw.context.as_deref() {
        Some(c) if c.starts_with("https://openvex.dev/ns") => {}
        Some(c) => {
            return Err(invalid(format!(
                "not an OpenVEX document: @context is '{c}' (expected https://openvex.dev/ns/v0.2.0)"
            )));
        }
        None => return Err(invalid("not an OpenVEX document: no @context".into())),
    }
    let doc_time = raw
        .last_updated
        .as_deref()
        .or(raw.timestamp.as_deref())
        .and_then(|t| bulwark_types::time::parse_rfc3339(t.trim()));
    let mut statements = Vec::with_capacity(raw.statements.len());
    for (i, s) in raw.statements.into_iter().enumerate() {
        let index = i + 1;
        let status = match s.status.as_str() {
            "not_affected" => VexStatus::NotAffected,
            "affected" => VexStatus::Affected,
            "fixed" => VexStatus::Fixed,
            "under_investigation" => VexStatus::UnderInvestigation,
            other => {
                return Err(invalid(format!(
                    "statement {index}: unknown status '{other}' (expected not_affected, affected, fixed or under_investigation)"
                )));
            }
        };
        let (vulnerability, aliases) = match s.vulnerability {
            RawVuln::Name(n) => (n, Vec::new()),
            RawVuln::Object { id, name, aliases } => {
                match name.or(id).filter(|n| !n.trim().is_empty()) {
                    Some(n) => (n, aliases),
                    None => {
                        return Err(invalid(format!(
                            "statement {index}: vulnerability has no name"
                        )));
                    }
                }
            }
        };
        let mut products = Vec::new();
        let mut product_specs = Vec::new();
        for p in &s.products {
            let ids = p.ids();
            let subs = p.subcomponent_ids();
            product_specs.push(Product {
                purls: ids.iter().filter_map(|i| Purl::parse(i)).collect(),
                subcomponents: subs.iter().filter_map(|i| Purl::parse(i)).collect(),
            });
            products.extend(ids);
            products.extend(subs);
        }
        statements.push(VexStatement {
            index,
            vulnerability: vulnerability.trim().to_string(),
            aliases,
            products,
            status,
            justification: s.justification,
            impact_statement: s.impact_statement,
            timestamp: s
                .last_updated
                .as_deref()
                .or(s.timestamp.as_deref())
                .and_then(|t| bulwark_types::time::parse_rfc3339(t.trim()))
                .or(doc_time),
            product_specs,
        });
    }
    Ok(Vex {
        source: source.to_string(),
        statements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_v020_and_v00_forms() {
        let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
          {"vulnerability":{"name":"CVE-2023-1","aliases":["GHSA-x"]},
           "products":[{"@id":"pkg:oci/app","subcomponents":[{"@id":"pkg:deb/debian/zlib1g"}]}],
           "status":"not_affected","justification":"vulnerable_code_not_present"},
          {"vulnerability":"CVE-2023-2","products":["pkg:apk/alpine/musl"],"status":"fixed"}]}"#;
        let v = parse_vex(doc, "v.json").unwrap();
        assert_eq!(v.statements.len(), 2);
        assert_eq!(
            v.statements[0].products,
            ["pkg:oci/app", "pkg:deb/debian/zlib1g"]
        );
        assert!(v.statements[0].names("ghsa-x"));
        assert_eq!(v.statements[1].status, VexStatus::Fixed);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_vex(b"{\n  \"statements\": [\n    oops\n]}", "v.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("v.json:3"), "{e}");
        let e = parse_vex(br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"status":"maybe"}]}"#, "v.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("maybe") && e.contains("statement 1"), "{e}");
        let e = parse_vex(br#"{"bomFormat":"CycloneDX"}"#, "v.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an OpenVEX"), "{e}");
    }
}
