//! apk: `lib/apk/db/installed`, one `K:value` stanza per package.

use bulwark_source::ImageFs;
use bulwark_types::{Diagnostic, Distro, Location, Package, PackageType};

use crate::purl::purl;

pub const INSTALLED: &str = "lib/apk/db/installed";

#[must_use]
pub fn wanted(path: &str) -> bool {
    path == INSTALLED
}

/// A package as the installed database records it.
#[derive(Debug, Clone, Default)]
pub struct ApkEntry {
    pub name: String,
    pub version: String,
    pub arch: Option<String>,
    pub origin: Option<String>,
    pub license: Option<String>,
    pub files: Vec<String>,
    pub line: u32,
}

/// Parses the installed database. Lines that are not `K:value` become warnings with their line number.
pub fn parse_installed(text: &str, path: &str, diags: &mut Vec<Diagnostic>) -> Vec<ApkEntry> {
    let mut out = Vec::new();
    let mut cur = ApkEntry::default();
    let mut dir = String::new();
    let flush = |cur: &mut ApkEntry, out: &mut Vec<ApkEntry>, diags: &mut Vec<Diagnostic>| {
        let e = std::mem::take(cur);
        if e.name.is_empty() && e.version.is_empty() {
            return;
        }
        if e.name.is_empty() || e.version.is_empty() {
            diags.push(Diagnostic::warning(
                "package without P: or V:; skipped",
                Location::file(format!("/{path}")).with_line(e.line, None),
            ));
            return;
        }
        out.push(e);
    };
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.is_empty() {
            flush(&mut cur, &mut out, diags);
            dir.clear();
            continue;
        }
        let Some((k, v)) = line.split_once(':').filter(|(k, _)| k.len() == 1) else {
            diags.push(Diagnostic::warning(
                format!("not a 'K:value' line: {line:.60?}"),
                Location::file(format!("/{path}")).with_line(lineno, None),
            ));
            continue;
        };
        if cur.line == 0 {
            cur.line = lineno;
        }
        match k {
            "P" => cur.name = v.to_string(),
            "V" => cur.version = v.to_string(),
            "A" => cur.arch = Some(v.to_string()),
            "o" => cur.origin = Some(v.to_string()),
            "L" => cur.license = Some(v.to_string()).filter(|s| !s.is_empty()),
            "F" => dir = v.to_string(),
            "R" => cur.files.push(if dir.is_empty() {
                format!("/{v}")
            } else {
                format!("/{dir}/{v}")
            }),
            _ => {}
        }
    }
    flush(&mut cur, &mut out, diags);
    out
}

pub fn catalog(fs: &ImageFs, distro: Option<&Distro>, diags: &mut Vec<Diagnostic>) -> Vec<Package> {
    let history = fs.history(INSTALLED);
    let n = history.len();
    let mut snapshots = Vec::with_capacity(n);
    for (i, snap) in history.iter().enumerate() {
        let entries = snap.content.as_ref().map(|c| {
            let mut sink = Vec::new();
            let d = if i + 1 == n { &mut *diags } else { &mut sink };
            parse_installed(&String::from_utf8_lossy(c), INSTALLED, d)
        });
        snapshots.push((snap.layer, entries));
    }
    let attributed = super::attribute(
        snapshots,
        |e: &ApkEntry| e.name.clone(),
        |e| e.version.clone(),
    );
    let distro_q = distro
        .and_then(|d| d.version_id.clone())
        .unwrap_or_default();
    attributed
        .into_iter()
        .map(|(e, attr)| {
            let mut p = Package::new(PackageType::Apk, &e.name, &e.version);
            let arch = e.arch.clone().unwrap_or_default();
            let origin = e.origin.as_deref().filter(|o| *o != e.name).unwrap_or("");
            p.purl = purl(
                "apk",
                Some("alpine"),
                &e.name,
                &e.version,
                &[("arch", &arch), ("distro", &distro_q), ("upstream", origin)],
            );
            p.arch = e.arch;
            p.source_name = Some(e.origin.unwrap_or_else(|| e.name.clone()));
            p.source_version = Some(e.version.clone());
            p.licenses = e.license.into_iter().collect();
            p.files = e.files;
            p.found_in = Some(format!("/{INSTALLED}"));
            attr.apply(&mut p, fs);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_packages_and_files() {
        let text = "C:Q1abc=\nP:musl\nV:1.2.2-r3\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:libc.musl-x86_64.so.1\nR:ld-musl-x86_64.so.1\n\nP:busybox\nV:1.33.1-r2\no:busybox\nbroken\n";
        let mut d = Vec::new();
        let e = parse_installed(text, INSTALLED, &mut d);
        assert_eq!(e.len(), 2);
        assert_eq!(
            e[0].files,
            vec!["/lib/libc.musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"]
        );
        assert_eq!(e[0].license.as_deref(), Some("MIT"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].location.line, Some(14));
    }
}
