//! .NET: NuGet's `packages.lock.json` (per target framework; `Direct`, `Transitive`, `CentralTransitive`;
//! `Project` entries are the solution's own) and the runtime's `*.deps.json` (`libraries` of type
//! `package`).

use std::collections::BTreeMap;

use bulwark_types::{Package, PackageType};
use serde::Deserialize;

use crate::lang::{Descriptor, Input, Output, Parser, file_name, json};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "dotnet",
    package_type: PackageType::Nuget,
    version_scheme: "nuget",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    let name = file_name(path);
    if name == "packages.lock.json" {
        Some(Parser {
            name: "nuget_lock",
            parse: parse_packages_lock,
        })
    } else if name.ends_with(".deps.json") {
        Some(Parser {
            name: "deps_json",
            parse: parse_deps_json,
        })
    } else {
        None
    }
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, LockEntry>>,
}

#[derive(Deserialize)]
struct LockEntry {
    #[serde(rename = "type", default)]
    kind: String,
    resolved: Option<String>,
}

/// Parses packages.lock.json.
pub fn parse_packages_lock(input: &Input<'_>, out: &mut Output) {
    let Some(lock) = json::<Lock>(input, out) else {
        return;
    };
    for deps in lock.dependencies.values() {
        for (name, e) in deps {
            let Some(v) = &e.resolved else { continue };
            if e.kind == "Project" {
                continue;
            }
            let mut p = Package::new(PackageType::Nuget, name, v);
            p.direct = Some(e.kind == "Direct");
            out.add(p, input.path);
        }
    }
    crate::lang::dedup(&mut out.packages);
}

#[derive(Deserialize)]
struct Deps {
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type", default)]
    kind: String,
}

/// Parses *.deps.json.
pub fn parse_deps_json(input: &Input<'_>, out: &mut Output) {
    let Some(deps) = json::<Deps>(input, out) else {
        return;
    };
    for (key, lib) in &deps.libraries {
        if lib.kind != "package" {
            continue;
        }
        let Some((name, v)) = key.split_once('/') else {
            out.warn(
                input.path,
                None,
                format!("library key '{key}' is not name/version"),
            );
            continue;
        };
        out.add(Package::new(PackageType::Nuget, name, v), input.path);
    }
}
