//! rpm: the SQLite, BerkeleyDB and NDB package databases under `var/lib/rpm` or `usr/lib/sysimage/rpm`.

use std::collections::BTreeSet;
use std::sync::Arc;

use bulwark_rpmdb::{DB_PATHS, RpmPackage};
use bulwark_source::{ImageFs, Snapshot};
use bulwark_types::{Diagnostic, Distro, Location, Package, PackageType};

use crate::purl::purl;

#[must_use]
pub fn wanted(path: &str) -> bool {
    DB_PATHS
        .iter()
        .any(|(p, _)| path == *p || path.strip_prefix(*p) == Some("-wal"))
}

/// The content of `history` as of `layer` (the last snapshot at or below it).
fn at(history: &[Snapshot], layer: usize) -> Option<Arc<[u8]>> {
    history
        .iter()
        .rev()
        .find(|s| s.layer <= layer)
        .and_then(|s| s.content.clone())
}

pub fn catalog(fs: &ImageFs, distro: Option<&Distro>, diags: &mut Vec<Diagnostic>) -> Vec<Package> {
    // The first database path that exists in the final image wins; converted images can keep a stale one.
    let Some((path, _)) = DB_PATHS
        .iter()
        .find(|(p, _)| fs.read(p).ok().flatten().is_some())
    else {
        return Vec::new();
    };
    let wal_path = format!("{path}-wal");
    let db_hist = fs.history(path);
    let wal_hist = fs.history(&wal_path);
    let layers: BTreeSet<usize> = db_hist.iter().chain(wal_hist).map(|s| s.layer).collect();
    let final_layer = layers.last().copied();
    let mut snapshots = Vec::new();
    for layer in layers {
        let Some(db) = at(db_hist, layer) else {
            snapshots.push((layer, None));
            continue;
        };
        let wal = at(wal_hist, layer);
        match bulwark_rpmdb::read_packages(&db, wal.as_deref()) {
            Ok((_, pkgs)) => snapshots.push((layer, Some(pkgs))),
            Err(e) if Some(layer) == final_layer => {
                let l = fs.layers.get(layer).cloned();
                diags.push(Diagnostic::error(
                    format!("cannot read the rpm database: {e}"),
                    Location {
                        path: Some(format!("/{path}").into()),
                        layer: l.map(Box::new),
                        ..Location::default()
                    },
                ));
                return Vec::new();
            }
            // An unreadable intermediate database only costs attribution precision.
            Err(_) => {}
        }
    }
    let attributed = super::attribute(
        snapshots,
        |p: &RpmPackage| (p.name.clone(), p.arch.clone()),
        RpmPackage::evr,
    );
    let distro_q = distro
        .map(|d| format!("{}-{}", d.id, d.version_id.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let namespace = distro.map_or("rpm", |d| d.id.as_str());
    attributed
        .into_iter()
        .map(|(r, attr)| {
            let evr = r.evr();
            let mut p = Package::new(PackageType::Rpm, &r.name, &evr);
            let epoch = r
                .epoch
                .filter(|e| *e > 0)
                .map(|e| e.to_string())
                .unwrap_or_default();
            let arch = r.arch.clone().unwrap_or_default();
            let src = r.source_rpm.clone().unwrap_or_default();
            p.purl = purl(
                "rpm",
                Some(namespace),
                &r.name,
                &format!("{}-{}", r.version, r.release),
                &[
                    ("arch", &arch),
                    ("epoch", &epoch),
                    ("distro", &distro_q),
                    ("upstream", &src),
                ],
            );
            if let Some(s) = r.source_nvr() {
                p.source_name = Some(s.name);
                p.source_version = Some(match r.epoch.filter(|e| *e > 0) {
                    Some(e) => format!("{e}:{}-{}", s.version, s.release),
                    None => format!("{}-{}", s.version, s.release),
                });
            }
            attr.apply(&mut p, fs);
            p.arch = r.arch;
            p.licenses = r.license.into_iter().collect();
            p.files = r.files;
            p.found_in = Some(format!("/{path}"));
            p
        })
        .collect()
}
