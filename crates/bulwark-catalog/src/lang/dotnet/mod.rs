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

#[cfg(test)]
mod tests {
    use super::*;

    // Hand-written in the documented formats (no .NET SDK here; see testdata/README.md).
    #[test]
    fn packages_lock_and_deps_json() {
        let lock = r#"{"version": 1, "dependencies": {"net8.0": {
            "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.3, )", "resolved": "13.0.3"},
            "System.Memory": {"type": "Transitive", "resolved": "4.5.5"},
            "MyLib": {"type": "Project"}},
          "net6.0": {"Newtonsoft.Json": {"type": "Direct", "resolved": "13.0.3"}}}}"#;
        let mut out = Output::default();
        parse_packages_lock(
            &Input {
                path: "packages.lock.json",
                data: lock.as_bytes(),
            },
            &mut out,
        );
        let got: Vec<_> = out
            .packages
            .iter()
            .map(|p| (p.purl.as_str(), p.direct))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:nuget/Newtonsoft.Json@13.0.3", Some(true)),
                ("pkg:nuget/System.Memory@4.5.5", Some(false)),
            ]
        );
        let deps = r#"{"libraries": {"app/1.0.0": {"type": "project"},
            "Newtonsoft.Json/13.0.3": {"type": "package", "sha512": "x"}}}"#;
        let mut out = Output::default();
        parse_deps_json(
            &Input {
                path: "app.deps.json",
                data: deps.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].version, "13.0.3");
    }
}
