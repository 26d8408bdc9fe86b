//! CycloneDX JSON (1.2–1.6): `components` (nested ones too), the `operating-system` component, and the
//! `bulwark:*`, `syft:*` and `aquasecurity:trivy:*` properties that carry what CycloneDX has no field for.

use bulwark_types::{Diagnostic, Distro, LayerRef, Location, Package};
use serde::Deserialize;

use crate::{
    Facts, Sbom, SbomError, SbomFormat, Skipped, cap, distro_from_packages, json_error, non_empty,
    package_from, package_type_named,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "bomFormat")]
    format: String,
    spec_version: Option<String>,
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct Metadata {
    component: Option<Component>,
    tools: Option<Tools>,
}

/// 1.5+ `{components: [...]}` or the older array of tools.
#[derive(Deserialize)]
#[serde(untagged)]
enum Tools {
    Object {
        #[serde(default)]
        components: Vec<Tool>,
    },
    List(Vec<Tool>),
}

#[derive(Deserialize)]
struct Tool {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "type")]
    ty: Option<String>,
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    description: Option<String>,
    #[serde(default)]
    licenses: Vec<LicenseChoice>,
    #[serde(default)]
    properties: Vec<Property>,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct License {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Property {
    name: String,
    value: Option<String>,
}

impl Component {
    fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_deref())
            // Values are kept verbatim (a layer's command may end in a space); only empty ones are absent.
            .filter(|v| !v.is_empty())
    }

    fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.properties
            .iter()
            .filter(move |p| p.name == name)
            .filter_map(|p| non_empty(p.value.as_deref()))
    }

    fn layer(&self, prefix: &str) -> Option<LayerRef> {
        let index = self.prop(&format!("{prefix}:index"))?.parse().ok()?;
        Some(LayerRef {
            index,
            digest: self.prop(&format!("{prefix}:digest")).map(Into::into),
            diff_id: self.prop(&format!("{prefix}:diffID")).map(Into::into),
            created_by: self.prop(&format!("{prefix}:createdBy")).map(Into::into),
        })
    }
}

/// Parse CycloneDX JSON; `source` names the file in errors and diagnostics.
pub fn parse(bytes: &[u8], source: &str) -> Result<Sbom, SbomError> {
    let bom: Bom = serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
    if bom.format != "CycloneDX" {
        return Err(SbomError::Unsupported {
            file: source.into(),
            message: format!("bomFormat is '{}', expected 'CycloneDX'", bom.format),
        });
    }
    let spec_version = bom.spec_version.unwrap_or_default();
    let mut diagnostics = Vec::new();
    if !matches!(spec_version.as_str(), "1.2" | "1.3" | "1.4" | "1.5" | "1.6") {
        diagnostics.push(Diagnostic::warning(
            format!("CycloneDX specVersion '{spec_version}' is not one Bulwark was tested with (1.2–1.6)"),
            Location::file(source),
        ));
    }
    let tool = bom
        .metadata
        .as_ref()
        .and_then(|m| m.tools.as_ref())
        .and_then(|t| {
            let list = match t {
                Tools::Object { components } => components,
                Tools::List(l) => l,
            };
            list.first().map(|t| {
                let name = t.name.clone().unwrap_or_default();
                match &t.version {
                    Some(v) => format!("{name} {v}"),
                    None => name,
                }
            })
        });
    let target_name = bom
        .metadata
        .as_ref()
        .and_then(|m| m.component.as_ref())
        .and_then(|c| c.name.clone());

    let mut packages = Vec::new();
    let mut distro = None;
    let mut skipped = Skipped::default();
    // Top-level components, then any nested under the described component itself (some tools put an
    // application's dependencies there).
    let nested_in_target = bom
        .metadata
        .as_ref()
        .and_then(|m| m.component.as_ref())
        .map(|c| c.components.as_slice())
        .unwrap_or_default();
    let mut stack: Vec<&Component> = nested_in_target
        .iter()
        .rev()
        .chain(bom.components.iter().rev())
        .collect();
    while let Some(c) = stack.pop() {
        stack.extend(c.components.iter().rev());
        match c.ty.as_deref() {
            Some("operating-system") => {
                if distro.is_none() {
                    distro = os_distro(c);
                }
                continue;
            }
            // The image or application itself, files, services: not packages.
            Some("container" | "file" | "firmware" | "device" | "data" | "platform") => continue,
            _ => {}
        }
        match component_package(c) {
            Ok(p) => packages.push(p),
            Err(skip) => skipped.add(skip, c.name.as_deref().unwrap_or("(unnamed)")),
        }
    }
    skipped.diagnostics(source, &mut diagnostics);
    cap(&mut packages, source, &mut diagnostics);
    let distro = distro.or_else(|| distro_from_packages(&packages));
    Ok(Sbom {
        format: SbomFormat::CycloneDx,
        spec_version,
        tool,
        target_name,
        packages,
        distro,
        diagnostics,
    })
}

fn os_distro(c: &Component) -> Option<Distro> {
    let id = c
        .prop("syft:distro:id")
        .or(non_empty(c.name.as_deref()))?
        .to_ascii_lowercase();
    let id_like: Vec<String> = c.prop("bulwark:os:idLike").map_or_else(
        || c.props("syft:distro:idLike").map(String::from).collect(),
        |s| s.split_whitespace().map(String::from).collect(),
    );
    Some(Distro {
        id,
        version_id: c
            .prop("syft:distro:versionID")
            .or(non_empty(c.version.as_deref()))
            .map(String::from),
        codename: c
            .prop("bulwark:os:codename")
            .or(c.prop("syft:distro:versionCodename"))
            .map(String::from),
        pretty_name: c
            .prop("syft:distro:prettyName")
            .or(non_empty(c.description.as_deref()))
            .map(String::from),
        id_like,
    })
}

fn component_package(c: &Component) -> Result<Package, crate::Skip> {
    let stated_type = c.prop("bulwark:package:type").and_then(package_type_named);
    let bulwark = stated_type.is_some();
    let facts = Facts {
        purl: c.purl.as_deref(),
        name: c.name.as_deref(),
        version: c.version.as_deref(),
        stated_type,
        // trivy states the source package in properties.
        source_name: c.prop("aquasecurity:trivy:SrcName").map(String::from),
        source_version: c.prop("aquasecurity:trivy:SrcVersion").map(|v| {
            let mut s = String::new();
            if let Some(e) = c.prop("aquasecurity:trivy:SrcEpoch").filter(|e| *e != "0") {
                s.push_str(e);
                s.push(':');
            }
            s.push_str(v);
            if let Some(r) = c.prop("aquasecurity:trivy:SrcRelease") {
                s.push('-');
                s.push_str(r);
            }
            s
        }),
    };
    let mut p = package_from(&facts)?;
    p.licenses = c
        .licenses
        .iter()
        .filter_map(|l| {
            l.expression.clone().or_else(|| {
                l.license
                    .as_ref()
                    .and_then(|x| x.id.clone().or_else(|| x.name.clone()))
            })
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    if bulwark {
        // Bulwark's own properties are the whole truth about these fields.
        p.source_name = c.prop("bulwark:package:sourceName").map(String::from);
        p.source_version = c.prop("bulwark:package:sourceVersion").map(String::from);
        p.arch = c.prop("bulwark:package:arch").map(String::from);
        p.found_in = c.prop("bulwark:package:foundIn").map(String::from);
        p.direct = c
            .prop("bulwark:package:direct")
            .and_then(|d| d.parse().ok());
        p.dev = c.prop("bulwark:package:dev") == Some("true");
        p.layer = c.layer("bulwark:layer");
        p.last_changed_layer = c.layer("bulwark:lastChangedLayer");
    } else {
        // syft lists every evidence file (copyright, dpkg info lists…); the package database is the one
        // Bulwark calls found-in, else the first location.
        let syft_paths: Vec<&str> = c
            .properties
            .iter()
            .filter(|p| p.name.starts_with("syft:location:") && p.name.ends_with(":path"))
            .filter_map(|p| p.value.as_deref())
            .collect();
        let db = syft_paths.iter().copied().find(|p| is_package_db(p));
        p.found_in = db
            .or(syft_paths.first().copied())
            .or(c.prop("aquasecurity:trivy:FilePath"))
            .map(|f| {
                if f.starts_with('/') {
                    f.to_string()
                } else {
                    format!("/{f}")
                }
            });
    }
    Ok(p)
}

/// Paths of the OS package databases Bulwark's catalogers read.
fn is_package_db(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    path == "var/lib/dpkg/status"
        || path.starts_with("var/lib/dpkg/status.d/")
        || path == "lib/apk/db/installed"
        || path.starts_with("var/lib/rpm/")
        || path.starts_with("usr/lib/sysimage/rpm/")
}
