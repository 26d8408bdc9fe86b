//! The DEP-5 parser, the normalizer and the policy on the copyright files of the shared bookworm-app image.
//! Truth: `testdata/bookworm-app-copyright.json`, written by python-debian (`testdata/generate.sh`).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bulwark_license::{
    Expression, LicenseItem, Policy, PolicyConfig, dep5, evaluate, normalize_dep5,
};
use bulwark_types::{Package, PackageType};

struct Truth {
    copyright: Option<String>,
    machine_readable: bool,
    licenses: Vec<String>,
}

fn truth() -> BTreeMap<String, Truth> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/bookworm-app-copyright.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| {
            let t = Truth {
                copyright: e["copyright"].as_str().map(str::to_string),
                machine_readable: e["machineReadable"].as_bool().unwrap(),
                licenses: e["licenses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
            };
            (k.clone(), t)
        })
        .collect()
}

/// Copyright file contents by path (image-root-relative), read from the OCI layout by bulwark-source.
fn copyright_files() -> Option<bulwark_source::ImageFs> {
    let dir = common::fixtures().join("images/oci-mini");
    if !dir.exists() {
        common::missing("shared/fixtures/images/oci-mini");
        return None;
    }
    let image = bulwark_source::Image::open_oci_dir(
        &dir,
        Some("bookworm-app"),
        &bulwark_source::PlatformSpec::default(),
    )
    .unwrap();
    let wanted = |p: &str| p.starts_with("usr/share/doc/") && p.ends_with("/copyright");
    Some(
        image
            .read_fs(&bulwark_source::ReadOptions {
                wanted: &wanted,
                ..bulwark_source::ReadOptions::default()
            })
            .unwrap(),
    )
}

fn read(fs: &bulwark_source::ImageFs, path: &str) -> String {
    String::from_utf8_lossy(&fs.read(path).unwrap().unwrap()).into_owned()
}

#[test]
fn dep5_short_names_match_python_debian() {
    let Some(fs) = copyright_files() else { return };
    let truth = truth();
    let mut checked = 0;
    for (name, t) in &truth {
        let Some(path) = &t.copyright else { continue };
        let c = dep5::parse(&read(&fs, path));
        assert_eq!(c.machine_readable, t.machine_readable, "{name}");
        let ours: BTreeSet<String> = c.declared().into_iter().collect();
        let theirs: BTreeSet<String> = t.licenses.iter().cloned().collect();
        assert_eq!(ours, theirs, "{name}: {path}");
        checked += 1;
    }
    assert_eq!(
        checked, 133,
        "every package with a copyright file in the mini image"
    );
    assert_eq!(truth.values().filter(|t| t.machine_readable).count(), 105);
}

/// Every short name of every machine-readable file becomes a valid SPDX expression; the ones the SPDX list
/// has are listed ids, and the list of those left as `LicenseRef-` is pinned here so a regression shows.
#[test]
fn every_short_name_normalizes_to_a_valid_spdx_expression() {
    let names: BTreeSet<String> = truth()
        .into_values()
        .flat_map(|t| t.licenses)
        .filter(|s| !s.is_empty())
        .collect();
    let mut refs = BTreeSet::new();
    let mut listed = 0;
    for n in &names {
        let e = normalize_dep5(n).unwrap();
        let text = e.to_string();
        assert_eq!(
            Expression::parse(&text).unwrap_or_else(|err| panic!("{n} → {text}: {err}")),
            e,
            "{n}"
        );
        for r in e.requirements() {
            match &r.license {
                LicenseItem::Spdx(_) => listed += 1,
                LicenseItem::Ref(s) => {
                    refs.insert(s.clone());
                }
            }
        }
    }
    // Ground truth for these checks: the names themselves (the DEP-5 standard short names and SPDX ids).
    let e = |s: &str| normalize_dep5(s).unwrap().to_string();
    assert_eq!(e("GPL-2"), "GPL-2.0-only");
    assert_eq!(e("LGPL-2.1+"), "LGPL-2.1-or-later");
    assert_eq!(e("BSD-3-clause"), "BSD-3-Clause");
    assert_eq!(e("Expat"), "MIT");
    assert_eq!(
        e("GPL-2+ with Libtool exception and GPL-3+ with Libtool exception and GPL-3+"),
        "GPL-2.0-or-later WITH Libtool-exception AND GPL-3.0-or-later WITH Libtool-exception AND GPL-3.0-or-later"
    );
    assert_eq!(
        e("FSF-unlimited and GPL-2+ with Autoconf exception"),
        "LicenseRef-FSF-unlimited AND GPL-2.0-or-later WITH Autoconf-exception-2.0"
    );
    assert!(listed > 180, "{listed}");
    eprintln!(
        "{} distinct short names; LicenseRefs: {refs:?}",
        names.len()
    );
    assert!(refs.len() <= 78, "{} LicenseRefs: {refs:?}", refs.len());
    for must_be_listed in [
        "Zlib",
        "curl",
        "X11",
        "ISC",
        "Beerware",
        "FSFULLR",
        "FSFAP",
        "Latex2e",
        "OLDAP-2.8",
        "Sleepycat",
        "BSD-4-Clause-UC",
        "RSA-MD",
        "MS-PL",
    ] {
        assert!(
            !refs
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&format!("LicenseRef-{must_be_listed}"))),
            "{must_be_listed}"
        );
    }
}

/// `deny GPL-3.0-only` flags exactly the machine-readable packages whose copyright declares `GPL-3` (or
/// `GPL-3.0`) without `+` and without an alternative: counted here from python-debian's short names, and
/// checked by hand against the copyright files (README.md). `GPL-3+` is GPL-3.0-or-later and is not flagged.
#[test]
fn deny_gpl_3_only_flags_exactly_the_declaring_packages() {
    let Some(fs) = copyright_files() else { return };
    let truth = truth();
    let mut pkgs = Vec::new();
    for (name, t) in &truth {
        let (Some(path), true) = (&t.copyright, t.machine_readable) else {
            continue;
        };
        let l = dep5::package_licenses(&read(&fs, path));
        let mut p = Package::new(PackageType::Dpkg, name, "0");
        p.licenses = l.declared;
        p.license_expression = l.expression.map(|e| e.to_string());
        pkgs.push(p);
    }
    let policy = Policy::from_config(&PolicyConfig {
        deny: vec!["GPL-3.0-only".into()],
        ..PolicyConfig::default()
    })
    .unwrap();
    let flagged: BTreeSet<String> = evaluate(&pkgs, &policy)
        .iter()
        .map(|f| f.properties["packageName"].as_str().unwrap().to_string())
        .collect();
    // Independently of our normalizer: a synopsis that is exactly GPL-3 / GPL-3.0 (none of them has an "or").
    let declaring: BTreeSet<String> = truth
        .iter()
        .filter(|(_, t)| {
            t.machine_readable && t.licenses.iter().any(|l| l == "GPL-3" || l == "GPL-3.0")
        })
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(flagged, declaring);
    let by_hand = [
        "libcap-ng0",
        "libdb5.3",
        "libicu72",
        "libnode108",
        "libpam-modules",
        "libpam-modules-bin",
        "libpam-runtime",
        "libpam0g",
        "libreadline8",
        "libsasl2-2",
        "libsasl2-modules-db",
        "nodejs",
        "python3-wheel",
        "readline-common",
        "sysvinit-utils",
    ];
    assert_eq!(flagged, by_hand.iter().map(|s| (*s).to_string()).collect());

    // Denying GPL-3.0-or-later covers GPL-3 and GPL-3+ alike: every package with either, except where an OR offers
    // another license (findutils "BSD-3-clause and/or GPL-3+", gpgv "GPL-3+ or BSD-3-clause" also have plain GPL-3+).
    let policy = Policy::from_config(&PolicyConfig {
        deny: vec!["GPL-3.0-or-later".into()],
        ..PolicyConfig::default()
    })
    .unwrap();
    let flagged_later: BTreeSet<String> = evaluate(&pkgs, &policy)
        .iter()
        .map(|f| f.properties["packageName"].as_str().unwrap().to_string())
        .collect();
    assert!(flagged_later.is_superset(&flagged));
    for n in ["bash", "coreutils", "grep", "tar", "perl-base", "libnsl2"] {
        assert!(flagged_later.contains(n), "{n}");
    }
    // curl's only GPL-3 mention is "GPL-3+ with Autoconf-data exception": the exception-less entry covers it.
    assert!(flagged_later.contains("curl"));
}
