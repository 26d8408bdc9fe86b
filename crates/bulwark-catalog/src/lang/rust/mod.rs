//! Rust: `Cargo.lock` (v1–v4) and binaries built with `cargo auditable` ([`auditable`]).
//!
//! `Cargo.lock` lists every package of the resolved graph, workspace members included (they have no
//! `source`); members are reported too, as `cargo metadata` lists them. Packages that a workspace member
//! depends on are direct.

pub mod auditable;

use std::collections::HashSet;

use bulwark_types::{Package, PackageType};

use crate::lang::{Descriptor, Input, Output, Parser, file_name, text, toml_lite};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "rust",
    package_type: PackageType::Cargo,
    version_scheme: "semver",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    (file_name(path) == "Cargo.lock").then_some(Parser {
        name: "cargo_lock",
        parse: parse_cargo_lock,
    })
}

/// Parses Cargo.lock.
pub fn parse_cargo_lock(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let tables = match toml_lite::parse(text) {
        Ok(t) => t,
        Err((line, e)) => {
            out.warn(input.path, Some(line), format!("malformed Cargo.lock: {e}"));
            return;
        }
    };
    let pkgs: Vec<_> = tables.iter().filter(|t| t.header == "package").collect();
    // Dependencies of workspace members (no source), by name ("name" or "name version").
    let mut direct: HashSet<String> = HashSet::new();
    for t in pkgs.iter().filter(|t| t.get("source").is_none()) {
        for d in toml_lite::strings(t.get("dependencies").unwrap_or("[]")) {
            direct.insert(d.split_whitespace().next().unwrap_or("").to_string());
        }
    }
    for t in pkgs {
        let (Some(name), Some(version)) = (t.get("name"), t.get("version")) else {
            out.warn(input.path, Some(t.line), "package without name or version");
            continue;
        };
        let mut p = Package::new(PackageType::Cargo, name, version);
        if t.get("source").is_some() {
            p.direct = Some(direct.contains(name));
        }
        out.add(p, input.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_members_and_direct() {
        let lock = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"itoa\",\n]\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.11\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ab\"\n\n[[package]]\nname = \"other\"\n";
        let mut out = Output::default();
        parse_cargo_lock(
            &Input {
                path: "Cargo.lock",
                data: lock.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(out.packages.len(), 2);
        assert_eq!(out.packages[1].direct, Some(true));
        assert_eq!(out.packages[1].purl, "pkg:cargo/itoa@1.0.11");
        assert_eq!(out.diags[0].location.line, Some(16));
    }
}
