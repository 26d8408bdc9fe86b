//! Read a stored SBOM back into packages, for `bulwark scan sbom FILE`: CycloneDX 1.2–1.6 JSON and SPDX 2.2/2.3
//! JSON, from Bulwark itself (everything its renderers write comes back) or from other tools (syft, trivy, …).
//!
//! ```
//! let json = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
//!   {"type":"library","name":"musl","version":"1.2.2-r3",
//!    "purl":"pkg:apk/alpine/musl@1.2.2-r3?arch=x86_64&distro=alpine-3.14.0"}]}"#;
//! let sbom = bulwark_sbom::parse_sbom(json, "bom.json")?;
//! assert_eq!(sbom.packages[0].package_type, bulwark_types::PackageType::Apk);
//! assert_eq!(sbom.packages[0].arch.as_deref(), Some("x86_64"));
//! let distro = sbom.distro.unwrap();
//! assert_eq!((distro.id.as_str(), distro.version_id.as_deref()), ("alpine", Some("3.14.0")));
//! # Ok::<(), bulwark_sbom::SbomError>(())
//! ```
//!
//! Packages are recognised by their purl; the purl type gives the [`PackageType`] (deb, apk, rpm, pypi, npm,
//! golang, cargo, maven, gem, composer, nuget). Components with other purl types, or with none, are skipped and
//! counted in a warning diagnostic.

mod cyclonedx;
mod spdx;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use bulwark_types::{Diagnostic, Distro, Location, Package, PackageType};

use bulwark_types::Purl;

/// Largest SBOM read.
pub const MAX_SBOM_BYTES: u64 = 512 << 20;
/// Most packages kept from one SBOM; the rest are dropped with an error diagnostic.
pub const MAX_PACKAGES: usize = 1_000_000;

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("failed to read SBOM {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is larger than the {max} bytes allowed for an SBOM")]
    TooLarge { file: String, max: u64 },
    #[error("{file}:{line}:{column}: invalid SBOM JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Unsupported { file: String, message: String },
}

/// The SBOM standard a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    CycloneDx,
    Spdx,
    /// Bulwark's own JSON report (`bulwark sbom -f json`, `scan … -f json`).
    BulwarkJson,
}

/// What an SBOM says was installed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sbom {
    pub format: SbomFormat,
    /// `1.6` for CycloneDX, `SPDX-2.3` for SPDX.
    pub spec_version: String,
    /// The tool that wrote it (`syft 1.18.1`), when the document says.
    pub tool: Option<String>,
    /// What the SBOM describes (`metadata.component.name`, the SPDX described package's name).
    pub target_name: Option<String>,
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    /// Skipped components and other oddities; warnings unless packages were lost.
    pub diagnostics: Vec<Diagnostic>,
}

/// Read an SBOM file, detecting CycloneDX or SPDX.
pub fn read_sbom(path: impl AsRef<Path>) -> Result<Sbom, SbomError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let io = |source| SbomError::Io {
        file: file.clone(),
        source,
    };
    // Only a regular file is opened: a FIFO blocks the open (red team #20), a device never ends.
    let not_regular = || {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a socket or a device); refusing to read it",
        ))
    };
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(not_regular());
    }
    let f = std::fs::File::open(path).map_err(io)?;
    if !f.metadata().map_err(io)?.is_file() {
        return Err(not_regular());
    }
    let mut buf = Vec::new();
    f.take(MAX_SBOM_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            file,
            max: MAX_SBOM_BYTES,
        });
    }
    parse_sbom(&buf, &file)
}

#[derive(serde::Deserialize)]
struct Probe {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    #[serde(rename = "schemaVersion")]
    schema_version: Option<serde_json::Value>,
    tool: Option<ProbeTool>,
}

#[derive(serde::Deserialize)]
struct ProbeTool {
    name: Option<String>,
    version: Option<String>,
}

/// The parts of Bulwark's JSON report that an inventory needs.
#[derive(serde::Deserialize)]
struct BulwarkReport {
    target: Option<BulwarkTarget>,
    os: Option<Distro>,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct BulwarkTarget {
    name: Option<String>,
}

fn parse_bulwark(bytes: &[u8], source: &str, tool: Option<String>) -> Result<Sbom, SbomError> {
    let r: BulwarkReport = serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
    if r.packages.len() > MAX_PACKAGES {
        return Err(SbomError::Unsupported {
            file: source.into(),
            message: format!("more than {MAX_PACKAGES} packages"),
        });
    }
    Ok(Sbom {
        format: SbomFormat::BulwarkJson,
        spec_version: "1".into(),
        tool,
        target_name: r.target.and_then(|t| t.name),
        packages: r.packages,
        distro: r.os,
        diagnostics: Vec::new(),
    })
}

/// Parse SBOM JSON, detecting the format; `source` names the file in errors and diagnostics.
pub fn parse_sbom(bytes: &[u8], source: &str) -> Result<Sbom, SbomError> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
    let bulwark_tool = probe
        .tool
        .filter(|t| t.name.as_deref() == Some("bulwark") && probe.schema_version.is_some())
        .map(|t| format!("bulwark {}", t.version.unwrap_or_default()));
    match (probe.bom_format, probe.spdx_version) {
        (Some(_), _) => cyclonedx::parse(bytes, source),
        (None, Some(_)) => spdx::parse(bytes, source),
        (None, None) if bulwark_tool.is_some() => parse_bulwark(bytes, source, bulwark_tool),
        (None, None) => Err(SbomError::Unsupported {
            file: source.into(),
            message:
                "neither a CycloneDX BOM (no bomFormat), an SPDX document (no spdxVersion) nor a \
                      Bulwark JSON report; only JSON encodings are supported"
                    .into(),
        }),
    }
}

pub use cyclonedx::parse as parse_cyclonedx;
pub use spdx::parse as parse_spdx;

fn json_error(source: &str, e: &serde_json::Error) -> SbomError {
    SbomError::Json {
        file: source.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// The [`PackageType`] of a purl type.
#[must_use]
pub fn package_type_of_purl(ty: &str) -> Option<PackageType> {
    Some(match ty {
        "deb" => PackageType::Dpkg,
        "apk" => PackageType::Apk,
        "rpm" => PackageType::Rpm,
        "pypi" => PackageType::Python,
        "npm" => PackageType::Npm,
        "golang" => PackageType::Go,
        "cargo" => PackageType::Cargo,
        "maven" => PackageType::Maven,
        "gem" => PackageType::Gem,
        "composer" => PackageType::Composer,
        "nuget" => PackageType::Nuget,
        _ => return None,
    })
}

fn package_type_named(s: &str) -> Option<PackageType> {
    ALL_TYPES.iter().copied().find(|t| t.as_str() == s)
}

const ALL_TYPES: [PackageType; 11] = [
    PackageType::Dpkg,
    PackageType::Apk,
    PackageType::Rpm,
    PackageType::Python,
    PackageType::Npm,
    PackageType::Go,
    PackageType::Cargo,
    PackageType::Maven,
    PackageType::Gem,
    PackageType::Composer,
    PackageType::Nuget,
];

/// What a component says about itself, before it becomes a [`Package`].
#[derive(Debug, Default)]
pub(crate) struct Facts<'a> {
    pub(crate) purl: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    pub(crate) version: Option<&'a str>,
    /// A package type stated by the writer (Bulwark's `bulwark:package:type`, SPDX ids).
    pub(crate) stated_type: Option<PackageType>,
    /// Source package, as another tool states it (trivy `SrcName`, SPDX `sourceInfo`).
    pub(crate) source_name: Option<String>,
    pub(crate) source_version: Option<String>,
}

/// Why a component did not become a package.
pub(crate) enum Skip {
    NoPurl,
    OtherType(String),
}

/// Build a package from a purl and the component's own name and version.
///
/// Names: the component's name for OS and Python packages; `namespace/name` for npm, Go and Composer and
/// `group:artifact` for Maven (Bulwark's catalogers use these). Versions: the component's version, else the
/// purl's, with a purl `epoch` qualifier prefixed as dpkg and rpm print it.
pub(crate) fn package_from(f: &Facts<'_>) -> Result<Package, Skip> {
    let Some(purl_str) = f.purl.filter(|p| !p.trim().is_empty()) else {
        return Err(Skip::NoPurl);
    };
    let Some(p) = Purl::parse(purl_str) else {
        return Err(Skip::OtherType("invalid purl".into()));
    };
    let Some(ty) = f.stated_type.or_else(|| package_type_of_purl(&p.ty)) else {
        return Err(Skip::OtherType(p.ty));
    };
    let purl_name = || match (ty, p.namespace.as_deref()) {
        (PackageType::Npm | PackageType::Go | PackageType::Composer, Some(ns)) => {
            format!("{ns}/{}", p.name)
        }
        (PackageType::Maven, Some(ns)) => format!("{ns}:{}", p.name),
        _ => p.name.clone(),
    };
    let name = match (ty, f.name.filter(|n| !n.is_empty())) {
        (PackageType::Npm | PackageType::Go | PackageType::Composer | PackageType::Maven, _)
            if f.stated_type.is_none() =>
        {
            purl_name()
        }
        (_, Some(n)) => n.to_string(),
        (_, None) => purl_name(),
    };
    let version = if let Some(v) = f.version.filter(|v| !v.is_empty()) {
        v.to_string()
    } else {
        let v = p.version.clone().unwrap_or_default();
        match p.qualifiers.get("epoch").filter(|e| *e != "0") {
            Some(e) if !v.is_empty() && !v.contains(':') => format!("{e}:{v}"),
            _ => v,
        }
    };
    let mut pkg = Package::new(ty, name, version);
    pkg.purl = purl_str.to_string();
    pkg.arch = p.qualifiers.get("arch").cloned();
    let (src_name, src_version) = upstream(ty, &p);
    pkg.source_name = src_name.or_else(|| f.source_name.clone());
    pkg.source_version = src_version.or_else(|| f.source_version.clone());
    if ty == PackageType::Apk {
        // As the apk cataloger does: the origin defaults to the package itself.
        if pkg.source_name.is_none() {
            pkg.source_name = Some(pkg.name.clone());
        }
        if pkg.source_version.is_none() {
            pkg.source_version = Some(pkg.version.clone());
        }
    }
    Ok(pkg)
}

/// Source package from the purl `upstream` qualifier: `name` or `name@version` (deb, apk), or the source RPM
/// file name `name-version-release.src.rpm` (rpm).
fn upstream(ty: PackageType, p: &Purl) -> (Option<String>, Option<String>) {
    let Some(up) = p.qualifiers.get("upstream").filter(|u| !u.is_empty()) else {
        return (None, None);
    };
    if ty == PackageType::Rpm {
        let nvr = up
            .strip_suffix(".src.rpm")
            .or_else(|| up.strip_suffix(".nosrc.rpm"))
            .unwrap_or(up);
        if let Some((nv, release)) = nvr.rsplit_once('-')
            && let Some((name, version)) = nv.rsplit_once('-')
        {
            let epoch = p.qualifiers.get("epoch").filter(|e| *e != "0");
            let v = match epoch {
                Some(e) => format!("{e}:{version}-{release}"),
                None => format!("{version}-{release}"),
            };
            return (Some(name.to_string()), Some(v));
        }
        return (Some(nvr.to_string()), None);
    }
    match up.split_once('@') {
        Some((n, v)) => (Some(n.to_string()), Some(v.to_string())),
        None => (Some(up.clone()), None),
    }
}

/// A distro from a purl `distro` qualifier: `debian-12`, `alpine-3.14.0`, `fedora-25`, or a bare version
/// (`3.14.0`, as apk purls from Bulwark and trivy carry) with the purl namespace as the id.
pub(crate) fn distro_from_purl(purl: &str) -> Option<Distro> {
    let p = Purl::parse(purl)?;
    if !matches!(p.ty.as_str(), "deb" | "apk" | "rpm") {
        return None;
    }
    let q = p.qualifiers.get("distro")?.trim();
    if q.is_empty() {
        return None;
    }
    let bytes = q.as_bytes();
    let split = (1..bytes.len()).find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit());
    let (id, version) = match split {
        Some(i) => (q[..i - 1].to_string(), Some(q[i..].to_string())),
        None if bytes[0].is_ascii_digit() => (p.namespace.clone()?, Some(q.to_string())),
        // A codename (`distro=bookworm`, as some deb purls carry).
        None => {
            return Some(Distro {
                id: p.namespace.clone()?,
                codename: Some(q.to_string()),
                ..Distro::default()
            });
        }
    };
    Some(Distro {
        id: id.to_ascii_lowercase(),
        version_id: version,
        ..Distro::default()
    })
}

/// The most common distro among OS packages' purls (ties: first seen).
pub(crate) fn distro_from_packages(packages: &[Package]) -> Option<Distro> {
    // (id, version, codename) → (count, first index)
    type Key = (String, Option<String>, Option<String>);
    let mut counts: BTreeMap<Key, (usize, usize)> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        if !p.package_type.is_os() {
            continue;
        }
        if let Some(d) = distro_from_purl(&p.purl) {
            let e = counts
                .entry((d.id, d.version_id, d.codename))
                .or_insert((0, i));
            e.0 += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|((id, version_id, codename), _)| Distro {
            id,
            version_id,
            codename,
            ..Distro::default()
        })
}

/// Collects skipped components into one warning per reason.
#[derive(Default)]
pub(crate) struct Skipped {
    no_purl: Vec<String>,
    other: BTreeMap<String, usize>,
}

impl Skipped {
    pub(crate) fn add(&mut self, skip: Skip, name: &str) {
        match skip {
            Skip::NoPurl => self.no_purl.push(name.to_string()),
            Skip::OtherType(t) => *self.other.entry(t).or_default() += 1,
        }
    }

    pub(crate) fn diagnostics(self, source: &str, out: &mut Vec<Diagnostic>) {
        if !self.no_purl.is_empty() {
            let mut names = self.no_purl;
            let n = names.len();
            names.truncate(5);
            out.push(Diagnostic::warning(
                format!(
                    "skipped {n} component(s) without a package URL (purl), so their ecosystem is unknown: {}{}",
                    names.join(", "),
                    if n > 5 { ", …" } else { "" }
                ),
                Location::file(source),
            ));
        }
        if !self.other.is_empty() {
            let list: Vec<String> = self
                .other
                .iter()
                .map(|(t, n)| format!("{t} ({n})"))
                .collect();
            out.push(Diagnostic::warning(
                format!(
                    "skipped components whose purl type Bulwark does not match: {}",
                    list.join(", ")
                ),
                Location::file(source),
            ));
        }
    }
}

/// Enforce [`MAX_PACKAGES`].
pub(crate) fn cap(packages: &mut Vec<Package>, source: &str, out: &mut Vec<Diagnostic>) {
    if packages.len() > MAX_PACKAGES {
        out.push(Diagnostic::error(
            format!(
                "the SBOM lists {} packages; only the first {MAX_PACKAGES} were read",
                packages.len()
            ),
            Location::file(source),
        ));
        packages.truncate(MAX_PACKAGES);
    }
}

pub(crate) fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(purl: &str) -> Facts<'_> {
        Facts {
            purl: Some(purl),
            ..Facts::default()
        }
    }

    #[test]
    fn purl_types_map_to_package_types() {
        for (purl, ty, name) in [
            ("pkg:deb/debian/bash@5.2", PackageType::Dpkg, "bash"),
            ("pkg:apk/alpine/musl@1.2", PackageType::Apk, "musl"),
            ("pkg:rpm/redhat/bash@5.1-6.el9", PackageType::Rpm, "bash"),
            ("pkg:pypi/requests@2.19.0", PackageType::Python, "requests"),
            (
                "pkg:npm/%40babel/core@7.0.0",
                PackageType::Npm,
                "@babel/core",
            ),
            (
                "pkg:golang/golang.org/x/text@v0.14.0",
                PackageType::Go,
                "golang.org/x/text",
            ),
            ("pkg:cargo/itoa@1.0.11", PackageType::Cargo, "itoa"),
            (
                "pkg:maven/com.google.guava/guava@31.1-jre",
                PackageType::Maven,
                "com.google.guava:guava",
            ),
            ("pkg:gem/nokogiri@1.13.1", PackageType::Gem, "nokogiri"),
            (
                "pkg:composer/monolog/monolog@3.5.0",
                PackageType::Composer,
                "monolog/monolog",
            ),
            (
                "pkg:nuget/Newtonsoft.Json@13.0.1",
                PackageType::Nuget,
                "Newtonsoft.Json",
            ),
        ] {
            let Ok(p) = package_from(&facts(purl)) else {
                panic!("{purl}")
            };
            assert_eq!((p.package_type, p.name.as_str()), (ty, name), "{purl}");
        }
        assert!(matches!(
            package_from(&facts("pkg:generic/openssl@3")),
            Err(Skip::OtherType(t)) if t == "generic"
        ));
        assert!(matches!(package_from(&Facts::default()), Err(Skip::NoPurl)));
    }

    #[test]
    fn epoch_and_upstream() {
        // trivy: the epoch is a qualifier; syft: in the version; syft: upstream=name@version.
        let p = package_from(&facts(
            "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12.15&epoch=1",
        ))
        .ok()
        .unwrap();
        assert_eq!(p.version, "1:1.2.13.dfsg-1");
        let p = package_from(&facts(
            "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2",
        ))
        .ok()
        .unwrap();
        assert_eq!(p.version, "5.2.15-2+b13");
        assert_eq!(p.source_name.as_deref(), Some("bash"));
        assert_eq!(p.source_version.as_deref(), Some("5.2.15-2"));
        let p = package_from(&facts(
            "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&epoch=1&upstream=bash-5.1.8-6.el9.src.rpm",
        ))
        .ok()
        .unwrap();
        assert_eq!(p.version, "1:5.1.8-6.el9");
        assert_eq!(p.source_name.as_deref(), Some("bash"));
        assert_eq!(p.source_version.as_deref(), Some("1:5.1.8-6.el9"));
    }

    #[test]
    fn distro_qualifiers() {
        let d = distro_from_purl("pkg:deb/debian/bash@5?distro=debian-12").unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("debian", Some("12"))
        );
        let d = distro_from_purl("pkg:apk/alpine/musl@1?distro=alpine-3.14.0").unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("alpine", Some("3.14.0"))
        );
        let d = distro_from_purl("pkg:apk/alpine/musl@1?distro=3.14.0").unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("alpine", Some("3.14.0"))
        );
        let d = distro_from_purl("pkg:rpm/opensuse/x@1?distro=opensuse-leap-15.5").unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("opensuse-leap", Some("15.5"))
        );
        let d = distro_from_purl("pkg:deb/debian/x@1?distro=bookworm").unwrap();
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        assert!(distro_from_purl("pkg:npm/x@1?distro=debian-12").is_none());
    }
}
