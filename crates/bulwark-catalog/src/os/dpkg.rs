//! dpkg: `var/lib/dpkg/status` and the `status.d/` directory of distroless images, with file lists from
//! `var/lib/dpkg/info/<pkg>[:<arch>].list`, and licenses from `usr/share/doc/<pkg>/copyright` (DEP-5 when
//! machine-readable, read by `bulwark-license`). A package without a copyright file of its own (its doc
//! directory is a symlink the image does not carry) takes the licenses of a package built from the same source
//! package, because Debian writes one copyright file per source package.

use bulwark_source::{ImageFs, Snapshot};
use bulwark_types::{Diagnostic, Distro, Location, Package, PackageType};

use super::{Attribution, stanza};
use crate::purl::purl;

pub const STATUS: &str = "var/lib/dpkg/status";
pub const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
const DOC: &str = "usr/share/doc/";

/// Whether the dpkg cataloger needs `path` (no leading `/`).
#[must_use]
pub fn wanted(path: &str) -> bool {
    path == STATUS
        || path
            .strip_prefix(STATUS_D)
            .is_some_and(|f| !f.contains('/') && !f.ends_with(".md5sums"))
        || path.strip_prefix(INFO).is_some_and(|f| {
            !f.contains('/') && f.strip_suffix(".list").is_some_and(|n| !n.is_empty())
        })
        || path
            .strip_prefix(DOC)
            .and_then(|f| f.strip_suffix("/copyright"))
            .is_some_and(|n| !n.is_empty() && !n.contains('/'))
}

/// A package as one status stanza describes it.
#[derive(Debug, Clone)]
pub struct DpkgEntry {
    pub name: String,
    pub version: String,
    pub arch: Option<String>,
    pub source_name: Option<String>,
    pub source_version: Option<String>,
    pub line: u32,
}

/// Statuses whose files are on disk (`dpkg-query` reports them; `not-installed` and `config-files` have no
/// files).
fn files_present(status: Option<&str>) -> bool {
    match status.and_then(|s| s.split_whitespace().nth(2)) {
        // distroless status.d stanzas carry no Status field: their presence means installed.
        None => status.is_none(),
        Some(s) => !matches!(s, "not-installed" | "config-files"),
    }
}

/// Parses a status file. Malformed lines and stanzas without a name or version become warnings at `path`.
///
/// dpkg keeps one record per package name and architecture: a later stanza for the same pair replaces the
/// earlier one (`dpkg-query --admindir` lists one `r:amd64` for a status file that repeats it with
/// `Multi-Arch: same`, with the last stanza's version and status), and without `Multi-Arch: same` dpkg refuses
/// the file ("multiple non-coinstallable package instances present"). So repeats collapse into one package
/// here too, the last stanza winning, with one warning per file: a status file that repeats one stanza 40,000
/// times is one package, not 40,000 identical ones for every later stage to carry.
pub fn parse_status(text: &str, path: &str, diags: &mut Vec<Diagnostic>) -> Vec<DpkgEntry> {
    let (stanzas, errors) = stanza::parse(text);
    for e in errors {
        diags.push(Diagnostic::warning(
            e.message,
            Location::file(format!("/{path}")).with_line(e.line, None),
        ));
    }
    // One slot per (name, architecture), in order of first appearance; each holds the last stanza.
    let mut slots: Vec<stanza::Stanza<'_>> = Vec::new();
    let mut index: std::collections::HashMap<(String, Option<String>), usize> =
        std::collections::HashMap::new();
    let mut repeats = 0usize;
    let mut first_repeat: Option<(String, u32, u32)> = None;
    for s in stanzas {
        let Some(name) = s.get("Package") else {
            if files_present(s.get("Status")) {
                diags.push(Diagnostic::warning(
                    "stanza without Package or Version; skipped",
                    Location::file(format!("/{path}")).with_line(s.line, None),
                ));
            }
            continue;
        };
        // dpkg folds package names to lower case.
        let key = (
            name.to_ascii_lowercase(),
            s.get("Architecture").map(str::to_string),
        );
        if let Some(&i) = index.get(&key) {
            repeats += 1;
            if first_repeat.is_none() {
                let shown = match &key.1 {
                    Some(a) => format!("{}:{a}", key.0),
                    None => key.0.clone(),
                };
                first_repeat = Some((shown, s.line, slots[i].line));
            }
            slots[i] = s;
        } else {
            index.insert(key, slots.len());
            slots.push(s);
        }
    }
    if let Some((pkg, line, earlier)) = first_repeat {
        diags.push(Diagnostic::warning(
            format!(
                "{repeats} stanza(s) repeat a package and architecture listed before (first: {pkg} at line \
                 {line}, listed at line {earlier}); dpkg keeps one instance of each, so the last stanza is used"
            ),
            Location::file(format!("/{path}")).with_line(line, None),
        ));
    }
    let mut out = Vec::new();
    for s in slots {
        if !files_present(s.get("Status")) {
            continue;
        }
        let (Some(name), Some(version)) = (s.get("Package"), s.get("Version")) else {
            diags.push(Diagnostic::warning(
                "stanza without Package or Version; skipped",
                Location::file(format!("/{path}")).with_line(s.line, None),
            ));
            continue;
        };
        // `Source: glibc (2.36-9+deb12u4)`; without parentheses the source version is the binary version.
        let (source_name, source_version) = match s.get("Source") {
            Some(src) => match src.split_once('(') {
                Some((n, v)) => (
                    n.trim().to_string(),
                    v.trim_end_matches(')').trim().to_string(),
                ),
                None => (src.trim().to_string(), version.to_string()),
            },
            None => (name.to_string(), version.to_string()),
        };
        out.push(DpkgEntry {
            name: name.to_string(),
            version: version.to_string(),
            arch: s.get("Architecture").map(str::to_string),
            source_name: Some(source_name),
            source_version: Some(source_version),
            line: s.line,
        });
    }
    out
}

/// Catalogs dpkg packages from the merged filesystem.
pub fn catalog(fs: &ImageFs, distro: Option<&Distro>, diags: &mut Vec<Diagnostic>) -> Vec<Package> {
    let mut packages = Vec::new();
    let mut sources: Vec<(String, &[Snapshot])> = Vec::new();
    if !fs.history(STATUS).is_empty() {
        sources.push((STATUS.to_string(), fs.history(STATUS)));
    }
    for path in fs.history_paths() {
        if path.starts_with(STATUS_D) && wanted(path) {
            sources.push((path.to_string(), fs.history(path)));
        }
    }
    for (path, history) in sources {
        let attribution = attribute(history, &path, diags);
        // Exactly: growing by doubling holds the old and the new buffer at once.
        packages.reserve_exact(attribution.len());
        for (entry, attr) in attribution {
            packages.push(to_package(fs, distro, &path, entry, &attr));
        }
    }
    licenses_from_same_source(&mut packages);
    packages
}

/// Sets `licenses` (the DEP-5 short names, or the ids detected in a free-form file) and `license_expression`
/// from the package's copyright file, following symlinks inside the image. Returns whether there was one.
fn read_copyright(fs: &ImageFs, p: &mut Package) -> bool {
    let Ok(Some(content)) = fs.read(&format!("{DOC}{}/copyright", p.name)) else {
        return false;
    };
    let l = bulwark_license::dep5::package_licenses(&String::from_utf8_lossy(&content));
    p.licenses = l.declared;
    p.license_expression = l.expression.map(|e| e.to_string());
    true
}

/// Packages without a copyright file take the licenses of a package of the same source that has one.
fn licenses_from_same_source(packages: &mut [Package]) {
    let mut by_source: std::collections::HashMap<String, (Vec<String>, Option<String>)> =
        std::collections::HashMap::new();
    for p in packages.iter() {
        if p.license_expression.is_some() {
            by_source
                .entry(p.source_or_name().to_string())
                .or_insert_with(|| (p.licenses.clone(), p.license_expression.clone()));
        }
    }
    for p in packages.iter_mut() {
        if p.license_expression.is_none()
            && let Some((l, e)) = by_source.get(p.source_or_name())
        {
            p.licenses.clone_from(l);
            p.license_expression.clone_from(e);
        }
    }
}

/// Parses a status file's every snapshot and attributes the final packages to layers. Only the final
/// snapshot's warnings are reported: they concern the image users run.
fn attribute(
    history: &[Snapshot],
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(DpkgEntry, Attribution)> {
    let n = history.len();
    let mut snapshots = Vec::with_capacity(n);
    for (i, snap) in history.iter().enumerate() {
        let entries = snap.content.as_ref().map(|c| {
            let mut sink = Vec::new();
            let d = if i + 1 == n { &mut *diags } else { &mut sink };
            parse_status(&String::from_utf8_lossy(c), path, d)
        });
        snapshots.push((snap.layer, entries));
    }
    super::attribute(
        snapshots,
        |e| (e.name.clone(), e.arch.clone()),
        |e| e.version.clone(),
    )
}

fn to_package(
    fs: &ImageFs,
    distro: Option<&Distro>,
    path: &str,
    e: DpkgEntry,
    attr: &Attribution,
) -> Package {
    let distro_q = distro
        .map(|d| format!("{}-{}", d.id, d.version_id.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let namespace = distro.map_or("debian", |d| d.id.as_str());
    let mut qualifiers: Vec<(&str, &str)> = vec![("distro", &distro_q)];
    if let Some(a) = &e.arch {
        qualifiers.push(("arch", a));
    }
    let upstream = e
        .source_name
        .as_deref()
        .filter(|s| *s != e.name)
        .unwrap_or("");
    qualifiers.push(("upstream", upstream));
    let mut p = Package::new(PackageType::Dpkg, &e.name, &e.version);
    p.purl = purl("deb", Some(namespace), &e.name, &e.version, &qualifiers);
    p.arch = e.arch.clone();
    p.source_name = e.source_name;
    p.source_version = e.source_version;
    p.found_in = Some(format!("/{path}"));
    p.files = file_list(fs, &e.name, e.arch.as_deref());
    read_copyright(fs, &mut p);
    attr.apply(&mut p, fs);
    p
}

fn file_list(fs: &ImageFs, name: &str, arch: Option<&str>) -> Vec<String> {
    let candidates = [
        arch.map(|a| format!("{INFO}{name}:{a}.list")),
        Some(format!("{INFO}{name}.list")),
    ];
    for c in candidates.into_iter().flatten() {
        if let Ok(Some(content)) = fs.read(&c) {
            return String::from_utf8_lossy(&content)
                .lines()
                .filter(|l| !l.is_empty() && *l != "/.")
                .map(str::to_string)
                .collect();
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_and_sources() {
        let text = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\n\nPackage: tzdata\nStatus: purge ok config-files\nVersion: 2024a-0+deb12u1\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b13\nSource: bash\n\nPackage: nover\nStatus: install ok installed\n";
        let mut d = Vec::new();
        let e = parse_status(text, STATUS, &mut d);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].source_name.as_deref(), Some("glibc"));
        assert_eq!(e[1].source_version.as_deref(), Some("5.2.15-2+b13"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].location.line, Some(16), "the stanza starts at line 16");
    }

    /// A status file dpkg accepts with repeated stanzas (`Multi-Arch: same` allows an instance per
    /// architecture), and what `dpkg-query --admindir=DIR -W -f '${db:Status-Status} ${Package}:${Architecture}
    /// ${Version}\n'` lists for it (dpkg 1.21.22): one instance per name and architecture, the last stanza
    /// winning, so the package installed then listed as `config-files` is `config-files` (no files: we skip it).
    /// The test re-asks dpkg-query when it is installed.
    const REPEATS: &str = "Package: r\nStatus: install ok installed\nMaintainer: m\nDescription: d\nVersion: 1.0\nArchitecture: amd64\nMulti-Arch: same\n\nPackage: r\nStatus: install ok installed\nMaintainer: m\nDescription: d\nVersion: 1.0\nArchitecture: i386\nMulti-Arch: same\n\nPackage: r\nStatus: install ok installed\nMaintainer: m\nDescription: d\nVersion: 2.0\nArchitecture: amd64\nMulti-Arch: same\n\nPackage: s\nStatus: install ok installed\nMaintainer: m\nDescription: d\nVersion: 3\nArchitecture: amd64\nMulti-Arch: same\n\nPackage: s\nStatus: deinstall ok config-files\nMaintainer: m\nDescription: d\nVersion: 3\nArchitecture: amd64\nMulti-Arch: same\n\nPackage: r\nStatus: install ok installed\nMaintainer: m\nDescription: d\nVersion: 2.0\nArchitecture: amd64\nMulti-Arch: same\nSource: rsrc\n\n";
    const REPEATS_DPKG_QUERY: &[&str] = &[
        "config-files s:amd64 3",
        "installed r:amd64 2.0",
        "installed r:i386 1.0",
    ];

    #[test]
    fn repeated_stanzas_are_one_package_as_in_dpkg() {
        let mut d = Vec::new();
        let e = parse_status(REPEATS, STATUS, &mut d);
        let mut got: Vec<String> = e
            .iter()
            .map(|e| {
                let arch = e.arch.as_deref().unwrap_or("");
                format!("installed {}:{arch} {}", e.name, e.version)
            })
            .collect();
        got.sort();
        let with_files = |l: &&str| !l.starts_with("config-files");
        let want: Vec<&str> = REPEATS_DPKG_QUERY
            .iter()
            .copied()
            .filter(with_files)
            .collect();
        assert_eq!(got, want);
        // The last stanza's fields win.
        assert_eq!(e[0].source_name.as_deref(), Some("rsrc"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].location.line, Some(17));
        assert!(
            d[0].message.starts_with("3 stanza(s) repeat")
                && d[0]
                    .message
                    .contains("r:amd64 at line 17, listed at line 1"),
            "{}",
            d[0].message
        );

        // 40,000 copies of one stanza: one package.
        let one = "Package: p\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n";
        let mut d = Vec::new();
        assert_eq!(parse_status(&one.repeat(40_000), STATUS, &mut d).len(), 1);
        assert!(
            d[0].message.starts_with("39999 stanza(s)"),
            "{}",
            d[0].message
        );

        let Ok(dir) = tempfile::tempdir() else { return };
        for sub in ["info", "updates"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("status"), REPEATS).unwrap();
        std::fs::write(dir.path().join("available"), "").unwrap();
        let Ok(o) = std::process::Command::new("dpkg-query")
            .arg(format!("--admindir={}", dir.path().display()))
            .args([
                "-W",
                "-f",
                "${db:Status-Status} ${Package}:${Architecture} ${Version}\n",
            ])
            .output()
        else {
            return; // dpkg-query is not installed: the recorded answer stands.
        };
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut real: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        real.sort();
        assert_eq!(real, REPEATS_DPKG_QUERY);
    }

    #[test]
    fn wanted_paths() {
        assert!(wanted("var/lib/dpkg/status"));
        assert!(wanted("var/lib/dpkg/status.d/base"));
        assert!(!wanted("var/lib/dpkg/status.d/base.md5sums"));
        assert!(wanted("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!wanted("var/lib/dpkg/status-old"));
        assert!(wanted("usr/share/doc/libc6/copyright"));
        assert!(!wanted("usr/share/doc/libc6/changelog.gz"));
        assert!(!wanted("usr/share/doc/x/y/copyright"));
        assert!(!wanted("usr/share/doc//copyright"));
    }

    /// Licenses of the shared bookworm-app image against python-debian's reading of the same copyright files
    /// (`crates/bulwark-license/testdata/generate.sh`).
    #[test]
    fn bookworm_app_licenses_match_python_debian() {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let fixtures = std::env::var_os("BULWARK_FIXTURES").map_or_else(
            || root.join("../../../shared/fixtures"),
            std::path::PathBuf::from,
        );
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                root.join("../bulwark-license/testdata/bookworm-app-copyright.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let truth = truth.as_object().unwrap();
        let image = bulwark_source::Image::open_oci_dir(
            &fixtures.join("images/oci-mini"),
            Some("bookworm-app"),
            &bulwark_source::PlatformSpec::default(),
        )
        .unwrap();
        let fs = image
            .read_fs(&bulwark_source::ReadOptions {
                wanted: &crate::wanted,
                ..bulwark_source::ReadOptions::default()
            })
            .unwrap();
        let mut diags = Vec::new();
        let pkgs = catalog(&fs, None, &mut diags);
        assert_eq!(pkgs.len(), truth.len());
        let names = |v: &serde_json::Value| -> std::collections::BTreeSet<String> {
            v["licenses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let mut borrowed = 0;
        for p in &pkgs {
            let t = &truth[&p.name];
            let expr = p
                .license_expression
                .as_deref()
                .unwrap_or_else(|| panic!("{} has no license", p.name));
            assert!(
                bulwark_license::Expression::parse(expr).is_ok(),
                "{}: {expr}",
                p.name
            );
            // Packages whose doc directory is a symlink missing from the mini image: same-source sibling.
            let t = if t["copyright"].is_null() {
                borrowed += 1;
                truth
                    .values()
                    .find(|o| o["source"] == t["source"] && !o["copyright"].is_null())
                    .unwrap_or_else(|| panic!("{}: no same-source package", p.name))
            } else {
                t
            };
            if t["machineReadable"].as_bool().unwrap() {
                let ours: std::collections::BTreeSet<String> = p.licenses.iter().cloned().collect();
                assert_eq!(ours, names(t), "{}", p.name);
            } else if p.licenses.is_empty() {
                assert_eq!(expr, "LicenseRef-unknown", "{}", p.name);
            }
        }
        assert_eq!(
            borrowed, 4,
            "libgcc-s1, libstdc++6, libncursesw6, libpython3.11-stdlib"
        );
        if std::env::var_os("BULWARK_PRINT_LICENSES").is_some() {
            for p in &pkgs {
                let mr = truth[&p.name]["machineReadable"].as_bool().unwrap();
                let e = p.license_expression.as_deref().unwrap_or("");
                println!("{}\t{mr}\t{:?}\t{e}", p.name, p.licenses);
            }
        }
    }
}
