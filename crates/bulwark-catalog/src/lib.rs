//! Package catalogers: they read package databases out of an [`ImageFs`] and return [`Package`]s with the
//! layer that introduced each one.
//!
//! ```no_run
//! use bulwark_source::{Image, PlatformSpec, ReadOptions};
//! let image = Image::open_archive("image.tar".as_ref(), None, &PlatformSpec::default()).unwrap();
//! let fs = image.read_fs(&ReadOptions { wanted: &bulwark_catalog::wanted, ..ReadOptions::default() }).unwrap();
//! let catalog = bulwark_catalog::catalog(&fs);
//! println!("{} packages on {:?}", catalog.packages.len(), catalog.distro);
//! ```

pub mod lang;
pub mod os;
pub mod purl;

use bulwark_source::ImageFs;
use bulwark_types::{Diagnostic, Distro, Location, Package};

/// What the catalogers found.
#[derive(Debug, Default)]
pub struct Catalog {
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether any cataloger needs the content of `path` (image path, no leading `/`).
#[must_use]
pub fn wanted(path: &str) -> bool {
    os_wanted(path) || lang::wanted(path)
}

/// Wanted files whose content a root filesystem directory can leave on disk until [`catalog`] reads it, one
/// file at a time ([`bulwark_source::ReadOptions::deferred`]): the language files (metadata, lockfiles,
/// archives, binaries), which the language catalogers read once each. OS package databases and release files
/// are kept in memory: their catalogers look them up by path, and they are small.
#[must_use]
pub fn deferrable(path: &str) -> bool {
    lang::wanted(path) && !os_wanted(path)
}

fn os_wanted(path: &str) -> bool {
    os::release::RELEASE_FILES.contains(&path)
        || os::dpkg::wanted(path)
        || os::apk::wanted(path)
        || os::rpm::wanted(path)
}

/// Runs every cataloger over a merged filesystem.
#[must_use]
pub fn catalog(fs: &ImageFs) -> Catalog {
    let mut c = Catalog {
        distro: os::release::detect(fs),
        ..Catalog::default()
    };
    let distro = c.distro.clone();
    // Moved rather than copied when the list is empty: a million dpkg packages are 450 MB of `Package`s.
    let append = |all: &mut Vec<Package>, more: Vec<Package>| {
        if all.is_empty() {
            *all = more;
        } else {
            all.extend(more);
        }
    };
    append(
        &mut c.packages,
        os::dpkg::catalog(fs, distro.as_ref(), &mut c.diagnostics),
    );
    append(
        &mut c.packages,
        os::apk::catalog(fs, distro.as_ref(), &mut c.diagnostics),
    );
    append(
        &mut c.packages,
        os::rpm::catalog(fs, distro.as_ref(), &mut c.diagnostics),
    );
    let lang = lang::catalog(fs, &c.packages, &mut c.diagnostics);
    append(&mut c.packages, lang);
    if c.distro.is_none() && c.packages.iter().any(|p| p.package_type.is_os()) {
        c.diagnostics.push(Diagnostic::warning(
            "OS packages found but the distro is unknown (no os-release, alpine-release, debian_version or redhat-release); vulnerability matching of OS packages will be skipped",
            Location::file("/etc/os-release"),
        ));
    }
    bulwark_types::sort::stable_sort_by(&mut c.packages, |a, b| {
        (a.package_type, &a.name, &a.version, &a.arch).cmp(&(
            b.package_type,
            &b.name,
            &b.version,
            &b.arch,
        ))
    });
    c
}
