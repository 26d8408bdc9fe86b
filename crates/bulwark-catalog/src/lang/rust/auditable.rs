//! Binaries built with `cargo auditable`: the `.dep-v0` section holds zlib-compressed JSON,
//! `{"packages":[{"name","version","source","kind","dependencies":[indices],"root":bool}]}`.
//! Decompression is capped, so a hostile section cannot expand without bound.

use std::io::Read;

use bulwark_types::{Package, PackageType};
use serde::Deserialize;

use crate::lang::Output;
use crate::lang::elf::{Elf, Source};

/// The compressed section and its expansion are capped (real ones are a few kilobytes).
const MAX_SECTION: u64 = 4 << 20;
const MAX_JSON: u64 = 32 << 20;

#[derive(Deserialize)]
struct Info {
    packages: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

/// Reads the `.dep-v0` section of an ELF binary, if it has one.
pub fn from_elf(path: &str, src: &Source<'_>, elf: &Elf, out: &mut Output) {
    let Some(s) = elf.section(".dep-v0") else {
        return;
    };
    match src.read(s.offset, s.size, MAX_SECTION) {
        Ok(data) => parse_section(path, &data, out),
        Err(e) => out.warn(path, None, format!("cargo-auditable data: {e}")),
    }
}

/// Decodes a compressed `.dep-v0` section.
pub fn parse_section(path: &str, compressed: &[u8], out: &mut Output) {
    let mut json = Vec::new();
    let mut z = flate2::read::ZlibDecoder::new(compressed).take(MAX_JSON + 1);
    if let Err(e) = z.read_to_end(&mut json) {
        out.warn(
            path,
            None,
            format!("cargo-auditable data: bad zlib stream: {e}"),
        );
        return;
    }
    if json.len() as u64 > MAX_JSON {
        out.warn(
            path,
            None,
            "cargo-auditable data expands past the limit; skipped",
        );
        return;
    }
    let info: Info = match serde_json::from_slice(&json) {
        Ok(i) => i,
        Err(e) => {
            out.warn(
                path,
                None,
                format!("cargo-auditable data: malformed JSON: {e}"),
            );
            return;
        }
    };
    let direct: Vec<usize> = info
        .packages
        .iter()
        .filter(|p| p.root)
        .flat_map(|p| p.dependencies.iter().copied())
        .collect();
    for (i, d) in info.packages.iter().enumerate() {
        let mut p = Package::new(PackageType::Cargo, &d.name, &d.version);
        if !d.root {
            p.direct = Some(direct.contains(&i));
        }
        // Build dependencies do not ship in the binary, but their code ran at build time: still reported.
        let _ = (&d.source, &d.kind);
        out.add(p, path);
    }
}
