//! Node.js: installed packages (`node_modules/**/package.json`, nested and scoped, and Debian's
//! `/usr/share/nodejs` and `/usr/lib/nodejs`), `package-lock.json` / `npm-shrinkwrap.json` v1–v3, `yarn.lock`
//! (classic and berry) and `pnpm-lock.yaml` v6–v9.
//!
//! Dev dependencies are marked where the lockfile records it (npm `dev`/`devOptional`, pnpm v6–v8 `dev`,
//! pnpm v9 importers' `devDependencies` for direct ones). Direct dependencies are those of the root package
//! (npm) or of an importer (pnpm).

pub mod yarn;

use std::collections::{BTreeMap, HashSet};

use bulwark_types::yaml::{MAX_DEPTH as MAX_YAML_DEPTH, depth_over as yaml_depth_over};
use bulwark_types::{Package, PackageType};
use serde::Deserialize;

use crate::lang::{Descriptor, Input, Output, Parser, file_name, json};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "node",
    package_type: PackageType::Npm,
    version_scheme: "npm",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    let p = |name, parse| Some(Parser { name, parse });
    match file_name(path) {
        "package.json" if installed(path) => p("package_json", parse_package_json),
        "package-lock.json" | "npm-shrinkwrap.json" => {
            // npm v7+ also writes node_modules/.package-lock.json: the installed package.json files are read.
            p("package_lock", parse_package_lock)
        }
        "yarn.lock" => p("yarn_lock", yarn::parse),
        "pnpm-lock.yaml" => p("pnpm_lock", parse_pnpm_lock),
        _ => None,
    }
}

/// `…/node_modules/[@scope/]name/package.json` or a Debian nodejs directory's top-level package.
fn installed(path: &str) -> bool {
    let path = format!("/{}", path.trim_start_matches('/'));
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let parts: Vec<&str> = dir.rsplit('/').take(3).collect();
    let in_dir = |d: &str| d == "node_modules";
    match parts.as_slice() {
        [_, scope, nm, ..] if scope.starts_with('@') && in_dir(nm) => true,
        [_, nm, ..] if in_dir(nm) => true,
        _ => [
            "/usr/share/nodejs/",
            "/usr/lib/nodejs/",
            "/usr/lib/node_modules/",
        ]
        .iter()
        .any(|base| {
            dir.strip_prefix(base).is_some_and(|rest| {
                let n = rest.split('/').count();
                n == 1 || (n == 2 && rest.starts_with('@'))
            })
        }),
    }
}

#[derive(Deserialize)]
struct PackageJson {
    name: Option<String>,
    version: Option<String>,
    license: Option<serde_json::Value>,
    licenses: Option<serde_json::Value>,
    #[serde(default)]
    private: bool,
}

fn license_strings(v: Option<&serde_json::Value>, out: &mut Vec<String>) {
    match v {
        Some(serde_json::Value::String(s)) if !s.is_empty() => out.push(s.clone()),
        Some(serde_json::Value::Object(o)) => {
            if let Some(serde_json::Value::String(s)) = o.get("type") {
                out.push(s.clone());
            }
        }
        Some(serde_json::Value::Array(a)) => {
            for x in a {
                license_strings(Some(x), out);
            }
        }
        _ => {}
    }
}

/// Parses an installed package's package.json.
pub fn parse_package_json(input: &Input<'_>, out: &mut Output) {
    let Some(pj) = json::<PackageJson>(input, out) else {
        return;
    };
    let (Some(name), Some(version)) = (pj.name, pj.version) else {
        // Helper package.json files (`{"type": "module"}`) inside packages have no identity.
        return;
    };
    if pj.private && version.is_empty() {
        return;
    }
    let mut p = Package::new(PackageType::Npm, name, version);
    license_strings(pj.license.as_ref(), &mut p.licenses);
    license_strings(pj.licenses.as_ref(), &mut p.licenses);
    out.add(p, input.path);
}

#[derive(Deserialize)]
struct Lock {
    #[serde(rename = "lockfileVersion", default)]
    version: u32,
    #[serde(default)]
    packages: BTreeMap<String, LockPackage>,
    #[serde(default)]
    dependencies: BTreeMap<String, LockDep>,
}

#[derive(Deserialize, Default)]
struct LockPackage {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default, rename = "devOptional")]
    dev_optional: bool,
    #[serde(default)]
    link: bool,
    license: Option<serde_json::Value>,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct LockDep {
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, LockDep>,
}

/// Parses package-lock.json: the `packages` map (v2, v3) or the nested `dependencies` (v1).
pub fn parse_package_lock(input: &Input<'_>, out: &mut Output) {
    let Some(lock) = json::<Lock>(input, out) else {
        return;
    };
    if lock.packages.is_empty() {
        fn walk(deps: &BTreeMap<String, LockDep>, top: bool, path: &str, out: &mut Output) {
            for (name, d) in deps {
                if let Some(v) = &d.version {
                    // v1 `version` is a URL or `file:` for non-registry packages; keep registry versions.
                    if !v.contains(':') || v.starts_with("npm:") {
                        let v = v.rsplit('@').next().unwrap_or(v);
                        let mut p = Package::new(PackageType::Npm, name, v);
                        p.dev = d.dev;
                        p.direct = top.then_some(true);
                        out.add(p, path);
                    }
                }
                walk(&d.dependencies, false, path, out);
            }
        }
        let _ = lock.version;
        walk(&lock.dependencies, true, input.path, out);
    } else {
        let root = lock.packages.get("").map_or_else(HashSet::new, |r| {
            r.dependencies
                .keys()
                .chain(r.dev_dependencies.keys())
                .chain(r.optional_dependencies.keys())
                .chain(r.peer_dependencies.keys())
                .cloned()
                .collect::<HashSet<_>>()
        });
        for (key, e) in &lock.packages {
            if key.is_empty() || e.link || !key.contains("node_modules/") {
                // The root, workspace links and workspace members (their node_modules entries are links).
                continue;
            }
            let name = e.name.clone().unwrap_or_else(|| {
                key.rsplit_once("node_modules/")
                    .map_or(key.as_str(), |(_, n)| n)
                    .to_string()
            });
            let Some(version) = e.version.clone() else {
                continue;
            };
            let mut p = Package::new(PackageType::Npm, &name, version);
            p.dev = e.dev || e.dev_optional;
            // Direct: a top-level install location whose name the root package depends on.
            p.direct = Some(key.matches("node_modules/").count() == 1 && root.contains(&name));
            license_strings(e.license.as_ref(), &mut p.licenses);
            out.add(p, input.path);
        }
    }
}

#[derive(Deserialize)]
struct PnpmLock {
    #[serde(rename = "lockfileVersion")]
    version: Option<serde_json::Value>,
    #[serde(default)]
    importers: BTreeMap<String, PnpmImporter>,
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    packages: BTreeMap<String, PnpmPackage>,
}

#[derive(Deserialize, Default)]
struct PnpmImporter {
    #[serde(default)]
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct PnpmPackage {
    name: Option<String>,
    version: Option<String>,
    dev: Option<bool>,
}

/// `/name@1.0.0(peer@2)` (v6–v8), `name@1.0.0(peer)` (v9) or `/name/1.0.0_peer` (v5) → (name, version).
fn pnpm_key(key: &str, v5: bool) -> Option<(String, String)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    let k = k.split('(').next()?;
    if v5 {
        let (name, ver) = k.rsplit_once('/')?;
        return Some((name.to_string(), ver.split('_').next()?.to_string()));
    }
    let at = k.get(1..)?.find('@')? + 1;
    Some((k[..at].to_string(), k[at + 1..].to_string()))
}

/// A pnpm dependency value: `1.2.3`, `1.2.3(peer@1)` or `{specifier, version}`.
fn pnpm_version(v: &serde_json::Value) -> Option<String> {
    let s = match v {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(o) => o.get("version")?.as_str()?,
        _ => return None,
    };
    Some(s.split('(').next()?.to_string())
}

/// Parses pnpm-lock.yaml.
pub fn parse_pnpm_lock(input: &Input<'_>, out: &mut Output) {
    if let Some((line, why)) = yaml_depth_over(input.data, MAX_YAML_DEPTH) {
        out.warn(input.path, Some(line), format!("pnpm-lock.yaml {why}"));
        return;
    }
    let lock: PnpmLock = match yaml_serde::from_slice(input.data) {
        Ok(l) => l,
        Err(e) => {
            let line = e.location().map(|l| l.line());
            out.warn(input.path, line, format!("malformed pnpm-lock.yaml: {e}"));
            return;
        }
    };
    let version = match &lock.version {
        Some(serde_json::Value::String(s)) => s.parse::<f64>().unwrap_or(0.0),
        Some(serde_json::Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    };
    let v5 = version < 6.0;
    // (name, version) → dev, for direct dependencies.
    let mut direct: BTreeMap<(String, String), bool> = BTreeMap::new();
    let mut importers: Vec<&PnpmImporter> = lock.importers.values().collect();
    let root = PnpmImporter {
        dependencies: lock.dependencies.clone(),
        dev_dependencies: lock.dev_dependencies.clone(),
        optional_dependencies: BTreeMap::new(),
    };
    importers.push(&root);
    for imp in importers {
        for (dev, deps) in [
            (false, &imp.dependencies),
            (false, &imp.optional_dependencies),
            (true, &imp.dev_dependencies),
        ] {
            for (name, v) in deps {
                if let Some(ver) = pnpm_version(v) {
                    let e = direct.entry((name.clone(), ver)).or_insert(dev);
                    *e &= dev;
                }
            }
        }
    }
    for (key, e) in &lock.packages {
        let Some((name, ver)) = pnpm_key(key, v5) else {
            out.warn(
                input.path,
                None,
                format!("unrecognised pnpm package key '{key}'"),
            );
            continue;
        };
        let name = e.name.clone().unwrap_or(name);
        let ver = e.version.clone().unwrap_or(ver);
        if ver.contains(':') || ver.starts_with("link") {
            continue;
        }
        let d = direct.get(&(name.clone(), ver.clone()));
        let mut p = Package::new(PackageType::Npm, name, ver);
        p.direct = Some(d.is_some());
        p.dev = e.dev.unwrap_or(d.copied().unwrap_or(false));
        out.add(p, input.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_paths() {
        assert!(installed("app/node_modules/lodash/package.json"));
        assert!(installed("node_modules/@babel/core/package.json"));
        assert!(installed("a/node_modules/x/node_modules/y/package.json"));
        assert!(!installed("a/node_modules/x/lib/package.json"));
        assert!(!installed("app/package.json"));
        assert!(installed("usr/share/nodejs/semver/package.json"));
        assert!(!installed("usr/share/nodejs/semver/functions/package.json"));
    }

    #[test]
    fn nesting_is_bounded_before_parsing() {
        let deep = |pre: &str, n: usize| {
            format!(
                "lockfileVersion: '6.0'\n{pre}packages: {}{}\n",
                "[".repeat(n),
                "]".repeat(n)
            )
        };
        // What yaml_serde reads below the limit is still read.
        let mut out = Output::default();
        let ok = format!(
            "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    resolution: {{integrity: x}}\n    x: {}{}\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        parse_pnpm_lock(
            &Input {
                path: "pnpm-lock.yaml",
                data: ok.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(out.packages.len(), 1, "{:?}", out.diags);
        let mut out = Output::default();
        let bad = deep("", 100_000);
        let start = std::time::Instant::now();
        parse_pnpm_lock(
            &Input {
                path: "pnpm-lock.yaml",
                data: bad.as_bytes(),
            },
            &mut out,
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert!(out.packages.is_empty());
        assert_eq!(out.diags.len(), 1);
        assert_eq!(out.diags[0].location.line, Some(2));
        assert!(
            out.diags[0].message.contains("128 levels"),
            "{}",
            out.diags[0].message
        );
    }

    #[test]
    fn pnpm_keys() {
        assert_eq!(
            pnpm_key("/@babel/core@7.0.0(supports-color@5.5.0)", false),
            Some(("@babel/core".into(), "7.0.0".into()))
        );
        assert_eq!(
            pnpm_key("/lodash/4.17.21", true),
            Some(("lodash".into(), "4.17.21".into()))
        );
    }
}
