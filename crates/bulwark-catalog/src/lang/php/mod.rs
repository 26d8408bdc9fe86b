//! PHP: `composer.lock` (`packages`, and `packages-dev` as dev) and the installed list
//! `vendor/composer/installed.json` (Composer 1: an array; Composer 2: `{"packages": […],
//! "dev-package-names": […]}`).

use bulwark_types::{Package, PackageType};
use serde::Deserialize;

use crate::lang::{Descriptor, Input, Output, Parser, file_name, json};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "php",
    package_type: PackageType::Composer,
    version_scheme: "composer",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    let p = |name, parse| Some(Parser { name, parse });
    match file_name(path) {
        "composer.lock" => p("composer_lock", parse_composer_lock),
        "installed.json" if path.ends_with("composer/installed.json") => {
            p("composer_installed", parse_installed)
        }
        _ => None,
    }
}

#[derive(Deserialize)]
struct ComposerPackage {
    name: String,
    version: String,
    /// An array of SPDX ids, or (in hand-written files) one string.
    #[serde(default)]
    license: serde_json::Value,
}

#[derive(Deserialize)]
struct ComposerLock {
    #[serde(default)]
    packages: Vec<ComposerPackage>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<ComposerPackage>,
}

fn add(c: &ComposerPackage, dev: bool, path: &str, out: &mut Output) {
    let mut p = Package::new(PackageType::Composer, &c.name, &c.version);
    match &c.license {
        serde_json::Value::String(l) => p.licenses.push(l.clone()),
        serde_json::Value::Array(a) => {
            p.licenses
                .extend(a.iter().filter_map(|l| l.as_str().map(str::to_string)));
        }
        _ => {}
    }
    p.dev = dev;
    out.add(p, path);
}

/// Parses composer.lock.
pub fn parse_composer_lock(input: &Input<'_>, out: &mut Output) {
    let Some(lock) = json::<ComposerLock>(input, out) else {
        return;
    };
    for c in &lock.packages {
        add(c, false, input.path, out);
    }
    for c in &lock.packages_dev {
        add(c, true, input.path, out);
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V2 {
        packages: Vec<ComposerPackage>,
        #[serde(default, rename = "dev-package-names")]
        dev: Vec<String>,
    },
    V1(Vec<ComposerPackage>),
}

/// Parses vendor/composer/installed.json.
pub fn parse_installed(input: &Input<'_>, out: &mut Output) {
    let Some(i) = json::<Installed>(input, out) else {
        return;
    };
    let (packages, dev) = match i {
        Installed::V2 { packages, dev } => (packages, dev),
        Installed::V1(p) => (p, Vec::new()),
    };
    for c in &packages {
        add(c, dev.contains(&c.name), input.path, out);
    }
}
