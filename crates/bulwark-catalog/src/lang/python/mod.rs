//! Python: installed distributions (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and single-file
//! `*.egg-info`, anywhere: `site-packages`, Debian's `dist-packages`), and the lockfiles `requirements*.txt`
//! (pinned `==`/`===` only; `-r`/`-c` includes are read by the directory walker when they are themselves
//! requirements files), `Pipfile.lock`, `poetry.lock`, `uv.lock` and `pdm.lock`.
//!
//! Names are reported as the metadata spells them (as `pip list` does); purls use the PEP 503 normalised
//! name.

use bulwark_types::{Package, PackageType};
use serde::Deserialize;

use crate::lang::{Descriptor, Input, Output, Parser, file_name, json, text, toml_lite};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "python",
    package_type: PackageType::Python,
    version_scheme: "pep440",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    let name = file_name(path);
    let p = |name, parse| Some(Parser { name, parse });
    if (name == "METADATA" && path.ends_with(".dist-info/METADATA"))
        || (name == "PKG-INFO" && path.ends_with(".egg-info/PKG-INFO"))
        || name.ends_with(".egg-info")
    {
        return p("python_metadata", parse_metadata);
    }
    match name {
        "Pipfile.lock" => p("pipfile_lock", parse_pipfile_lock),
        "poetry.lock" | "uv.lock" | "pdm.lock" => p("python_toml_lock", parse_toml_lock),
        _ if std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
            && (name.starts_with("requirements") || name.starts_with("constraints")) =>
        {
            p("requirements", parse_requirements)
        }
        _ => None,
    }
}

/// PEP 503 normalisation: lowercase, runs of `-_.` become `-`.
#[must_use]
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Parses core metadata (RFC 822 headers, up to the first blank line).
pub fn parse_metadata(input: &Input<'_>, out: &mut Output) {
    let text = String::from_utf8_lossy(input.data);
    let (mut name, mut version) = (None, None);
    let (mut license, mut expr) = (None::<String>, None::<String>);
    let mut classifiers = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k {
            "Name" => name = Some(v.to_string()),
            "Version" => version = Some(v.to_string()),
            "License" => license = Some(v.to_string()),
            "License-Expression" => expr = Some(v.to_string()),
            "Classifier" => {
                if let Some(l) = v.strip_prefix("License :: ") {
                    classifiers.push(l.rsplit(" :: ").next().unwrap_or(l).to_string());
                }
            }
            _ => {}
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        out.warn(
            input.path,
            Some(1),
            "package metadata without Name or Version",
        );
        return;
    };
    let mut p = Package::new(PackageType::Python, name, version);
    p.licenses = if let Some(e) = expr {
        vec![e]
    } else if let Some(l) = license.filter(|l| !l.is_empty() && l != "UNKNOWN" && l.len() <= 100) {
        vec![l]
    } else {
        classifiers
    };
    out.add(p, input.path);
}

/// Parses a requirements file: pinned requirements only.
pub fn parse_requirements(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        // A comment starts at '#' at line start or after whitespace.
        let line = match raw.find(" #").or_else(|| raw.starts_with('#').then_some(0)) {
            Some(c) => &raw[..c],
            None => raw,
        };
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        requirement(l.trim(), start, input.path, out);
    }
    if !logical.is_empty() {
        requirement(logical.trim(), start, input.path, out);
    }
}

fn requirement(l: &str, line: usize, path: &str, out: &mut Output) {
    if l.is_empty()
        || l.starts_with('-')
        || l.contains("://")
        || l.starts_with('.')
        || l.starts_with('/')
    {
        // Options (-r, -c, -e, --hash, --index-url) and URLs/paths carry no pinned version.
        return;
    }
    // Drop environment markers and per-requirement options (--hash=…).
    let spec = l.split(';').next().unwrap_or("");
    let spec = spec.split(" --").next().unwrap_or("").trim();
    let Some(idx) = spec.find("==") else {
        return;
    };
    let (name, ver) = (&spec[..idx], &spec[idx..]);
    let ver = ver.trim_start_matches('=').trim();
    let name = name.split('[').next().unwrap_or("").trim();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid_name || ver.is_empty() || ver.contains([',', '*', ' ']) {
        if !valid_name || ver.is_empty() {
            out.warn(path, Some(line), format!("malformed requirement '{l}'"));
        }
        return;
    }
    let mut p = Package::new(PackageType::Python, name, ver);
    p.direct = None;
    out.add(p, path);
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: std::collections::BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: std::collections::BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
}

/// Parses Pipfile.lock: `default` and `develop` (dev) sections.
pub fn parse_pipfile_lock(input: &Input<'_>, out: &mut Output) {
    let Some(lock) = json::<PipfileLock>(input, out) else {
        return;
    };
    for (dev, section) in [(false, &lock.default), (true, &lock.develop)] {
        for (name, e) in section {
            let Some(v) = e.version.as_deref().and_then(|v| v.strip_prefix("==")) else {
                continue;
            };
            let mut p = Package::new(PackageType::Python, name, v);
            p.dev = dev;
            out.add(p, input.path);
        }
    }
}

/// Parses poetry.lock, uv.lock and pdm.lock (`[[package]]` tables with `name` and `version`).
pub fn parse_toml_lock(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let tables = match toml_lite::parse(text) {
        Ok(t) => t,
        Err((line, e)) => {
            out.warn(input.path, Some(line), format!("malformed lockfile: {e}"));
            return;
        }
    };
    let uv = file_name(input.path) == "uv.lock";
    for t in tables.iter().filter(|t| t.header == "package") {
        let (Some(name), Some(version)) = (t.get("name"), t.get("version")) else {
            if !uv {
                out.warn(input.path, Some(t.line), "package without name or version");
            }
            continue;
        };
        // uv.lock lists the project itself with an editable or virtual source.
        if uv
            && t.get("source")
                .is_some_and(|s| s.contains("editable") || s.contains("virtual"))
        {
            continue;
        }
        let mut p = Package::new(PackageType::Python, name, version);
        // poetry < 1.5 writes category = "dev"; pdm writes groups = ["dev"].
        p.dev = t.get("category") == Some("dev")
            || t.get("groups").is_some_and(|g| {
                let g = toml_lite::strings(g);
                !g.is_empty() && !g.iter().any(|x| x == "default")
            });
        out.add(p, input.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, data: &str) -> Output {
        let mut out = Output::default();
        (parser(path).unwrap().parse)(
            &Input {
                path,
                data: data.as_bytes(),
            },
            &mut out,
        );
        out
    }

    #[test]
    fn requirements_pins_hashes_and_bad_lines() {
        let out = run(
            "requirements-dev.txt",
            "# c\n-r base.txt\nrequests[socks]==2.19.0 ; python_version > '3' \\\n    --hash=sha256:abc\nflask>=2\nurllib3===1.23 # pinned\n==1.0\n",
        );
        let got: Vec<_> = out.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(got, ["pkg:pypi/requests@2.19.0", "pkg:pypi/urllib3@1.23"]);
        assert_eq!(out.diags[0].location.line, Some(7));
    }

    #[test]
    fn metadata_licenses() {
        let out = run(
            "x/Foo_Bar-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n\nName: ignored\n",
        );
        assert_eq!(out.packages[0].purl, "pkg:pypi/foo-bar@1.0");
        assert_eq!(out.packages[0].licenses, ["MIT License"]);
    }
}

#[cfg(test)]
mod pdm_tests {
    use super::*;

    // Hand-written in pdm's format (pdm did not run here; see testdata/README.md).
    #[test]
    fn pdm_groups() {
        let lock = "[metadata]\ngroups = [\"default\", \"dev\"]\n\n[[package]]\nname = \"requests\"\nversion = \"2.31.0\"\ngroups = [\"default\"]\n\n[[package]]\nname = \"pytest\"\nversion = \"7.4.0\"\ngroups = [\"dev\"]\n";
        let mut out = Output::default();
        parse_toml_lock(
            &Input {
                path: "pdm.lock",
                data: lock.as_bytes(),
            },
            &mut out,
        );
        let got: Vec<_> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.dev))
            .collect();
        assert_eq!(got, [("requests", false), ("pytest", true)]);
    }
}
