use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Which package database or ecosystem a package came from.
///
/// OS package types are matched against their distro's advisories; library types against OSV ranges of
/// [`PackageType::osv_ecosystem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageType {
    Dpkg,
    Apk,
    Rpm,
    Python,
    Npm,
    Go,
    Cargo,
    Maven,
    Gem,
    Composer,
    Nuget,
}

impl PackageType {
    /// True for packages owned by the operating system's package manager.
    #[must_use]
    pub fn is_os(self) -> bool {
        matches!(self, Self::Dpkg | Self::Apk | Self::Rpm)
    }

    /// The ecosystem name as OSV spells it, for library packages.
    #[must_use]
    pub fn osv_ecosystem(self) -> Option<&'static str> {
        Some(match self {
            Self::Python => "PyPI",
            Self::Npm => "npm",
            Self::Go => "Go",
            Self::Cargo => "crates.io",
            Self::Maven => "Maven",
            Self::Gem => "RubyGems",
            Self::Composer => "Packagist",
            Self::Nuget => "NuGet",
            Self::Dpkg | Self::Apk | Self::Rpm => return None,
        })
    }

    /// The purl type (<https://github.com/package-url/purl-spec>).
    #[must_use]
    pub fn purl_type(self) -> &'static str {
        match self {
            Self::Dpkg => "deb",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::Python => "pypi",
            Self::Npm => "npm",
            Self::Go => "golang",
            Self::Cargo => "cargo",
            Self::Maven => "maven",
            Self::Gem => "gem",
            Self::Composer => "composer",
            Self::Nuget => "nuget",
        }
    }

    /// The version scheme packages of this type are compared with (bulwark-version's scheme names).
    #[must_use]
    pub fn version_scheme(self) -> &'static str {
        match self {
            Self::Dpkg => "dpkg",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::Python => "pep440",
            Self::Npm | Self::Cargo => "semver",
            Self::Go => "go",
            Self::Maven => "maven",
            Self::Gem => "rubygems",
            Self::Composer => "composer",
            Self::Nuget => "nuget",
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dpkg => "dpkg",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::Python => "python",
            Self::Npm => "npm",
            Self::Go => "go",
            Self::Cargo => "cargo",
            Self::Maven => "maven",
            Self::Gem => "gem",
            Self::Composer => "composer",
            Self::Nuget => "nuget",
        }
    }
}

impl std::fmt::Display for PackageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One image layer, as a package or finding refers to it. The strings are shared: every package of a layer
/// names it, and a million packages each holding their own copies of two digests took 300 MB (red team #16).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerRef {
    /// Position in the image, 0 = bottom layer.
    pub index: usize,
    /// Digest of the blob as stored (compressed), when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Arc<str>>,
    /// Digest of the uncompressed tar (the config's `rootfs.diff_ids`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Arc<str>>,
    /// The history `created_by` command of the layer, when the config records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Arc<str>>,
}

/// The operating system of an image or root filesystem, from `os-release` and friends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Distro {
    /// `ID` from os-release: `debian`, `alpine`, `rhel`, `almalinux`, `sles`, …
    pub id: String,
    /// `VERSION_ID`: `12`, `3.14.0`, `9.4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split on spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// One installed or declared package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    #[serde(rename = "type")]
    pub package_type: PackageType,
    pub name: String,
    /// The ecosystem as OSV spells it (`PyPI`, `npm`…), for language packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The version scheme used to match the package (`dpkg`, `pep440`, `semver`…).
    #[serde(default)]
    pub version_scheme: String,
    /// Full version as the package manager prints it (dpkg `epoch:upstream-revision`, rpm `epoch:version-release`).
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Source package name (dpkg `Source:`, rpm `SOURCERPM` name, apk origin); equals `name` when the database
    /// records none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Declared licenses, as the metadata states them (normalisation to SPDX happens later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// `licenses` as one SPDX expression (normalized by bulwark-license; the dpkg cataloger sets it from the
    /// copyright file). `None` when not computed: consumers normalize `licenses` themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_expression: Option<String>,
    /// Package URL.
    pub purl: String,
    /// The file the package was read from (the package database or the lockfile), image-root-relative with a
    /// leading `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// The layer that introduced the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// The last layer that changed the package (upgrade, reinstall), when it differs from `layer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_layer: Option<LayerRef>,
    /// Installed files, where the database lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Direct dependency of the project (`Some(true)`), transitive (`Some(false)`), or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
    /// Development-only dependency, where the lockfile says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

impl Package {
    /// A package with only its type, name and version set; the purl is filled in by the cataloger.
    #[must_use]
    pub fn new(
        package_type: PackageType,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Self {
            package_type,
            name: name.into(),
            ecosystem: package_type.osv_ecosystem().map(str::to_string),
            version_scheme: package_type.version_scheme().to_string(),
            version: version.into(),
            arch: None,
            source_name: None,
            source_version: None,
            licenses: Vec::new(),
            license_expression: None,
            purl: String::new(),
            found_in: None,
            layer: None,
            last_changed_layer: None,
            files: Vec::new(),
            direct: None,
            dev: false,
        }
    }

    /// Source package name, falling back to the binary name.
    #[must_use]
    pub fn source_or_name(&self) -> &str {
        self.source_name.as_deref().unwrap_or(&self.name)
    }
}
