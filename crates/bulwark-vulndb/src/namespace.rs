//! Namespaces: which advisories apply to which packages.
//!
//! OS advisories live in `<distro id>:<release>` (`debian:12`, `alpine:3.14`, `almalinux:9`, `ubuntu:22.04`);
//! language advisories in their OSV ecosystem (`PyPI`, `npm`, `Go`, `crates.io`, …). The two sets never
//! overlap, which is what keeps matches inside one ecosystem.

use bulwark_types::Distro;

/// Debian codenames → release numbers (the tracker keys releases by codename).
pub const DEBIAN_CODENAMES: &[(&str, &str)] = &[
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The DB namespace of an OSV ecosystem string, or `None` when Bulwark has no version scheme for it.
///
/// `Debian:12` → `debian:12`, `Alpine:v3.14` → `alpine:3.14`, `AlmaLinux:9` → `almalinux:9`,
/// `Rocky Linux:9` → `rocky:9`, `Ubuntu:22.04:LTS` → `ubuntu:22.04`, `Ubuntu:Pro:18.04:LTS` → `ubuntu-pro:18.04`,
/// `PyPI` → `PyPI`.
#[must_use]
pub fn osv_namespace(ecosystem: &str) -> Option<String> {
    bulwark_version::Scheme::for_osv_ecosystem(ecosystem)?;
    let mut parts = ecosystem.split(':');
    let base = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    let os = |id: &str, release: &str| Some(format!("{id}:{release}"));
    match base {
        "Debian" => os("debian", rest.first()?),
        "Alpine" => os("alpine", rest.first()?.trim_start_matches('v')),
        "AlmaLinux" => os("almalinux", rest.first()?),
        "Rocky Linux" => os("rocky", rest.first()?),
        "Red Hat" => None,
        "Ubuntu" => match rest.as_slice() {
            ["Pro", release, ..] => os("ubuntu-pro", release),
            [release, ..] => os("ubuntu", release),
            [] => None,
        },
        "Wolfi" | "Chainguard" => Some(base.to_ascii_lowercase()),
        _ if rest.is_empty() => Some(base.to_owned()),
        // Other OS ecosystems with a release (openSUSE, Mageia, openEuler): lowercased, kept apart.
        _ => Some(ecosystem.to_ascii_lowercase()),
    }
}

/// The namespace of a distro's own advisories, from os-release: `debian`/`12` → `debian:12`, `alpine`/`3.14.0`
/// → `alpine:3.14`, `almalinux`/`9.4` → `almalinux:9`.
#[must_use]
pub fn distro_namespace(distro: &Distro) -> Option<String> {
    let id = distro.id.to_ascii_lowercase();
    let version = distro.version_id.as_deref().map_or("", str::trim);
    let major = || version.split('.').next().filter(|s| !s.is_empty());
    match id.as_str() {
        "debian" => {
            let release = major().map(str::to_owned).or_else(|| {
                let code = distro.codename.as_deref()?;
                DEBIAN_CODENAMES
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, v)| (*v).to_owned())
            })?;
            Some(format!("debian:{release}"))
        }
        "ubuntu" if !version.is_empty() => Some(format!("ubuntu:{version}")),
        "alpine" => {
            let mut it = version.split('.');
            let (maj, min) = (it.next()?, it.next()?);
            Some(format!("alpine:{maj}.{min}"))
        }
        "almalinux" | "rocky" | "rhel" | "centos" | "ol" | "amzn" | "fedora" => {
            Some(format!("{id}:{}", major()?))
        }
        "wolfi" | "chainguard" => Some(id),
        _ if !version.is_empty() => Some(format!("{id}:{version}")),
        _ => None,
    }
}

/// The package name as stored and looked up: PyPI names per PEP 503, case-insensitive ecosystems lowercased,
/// everything else as written.
#[must_use]
pub fn normalize_name(namespace: &str, name: &str) -> String {
    match namespace {
        "PyPI" => {
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
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
        "NuGet" | "Packagist" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: Some(v.into()),
            ..Distro::default()
        }
    }

    #[test]
    fn namespaces() {
        assert_eq!(osv_namespace("Debian:12").as_deref(), Some("debian:12"));
        assert_eq!(
            osv_namespace("Alpine:v3.14").as_deref(),
            Some("alpine:3.14")
        );
        assert_eq!(osv_namespace("AlmaLinux:9").as_deref(), Some("almalinux:9"));
        assert_eq!(
            osv_namespace("Ubuntu:22.04:LTS").as_deref(),
            Some("ubuntu:22.04")
        );
        assert_eq!(
            osv_namespace("Ubuntu:Pro:18.04:LTS").as_deref(),
            Some("ubuntu-pro:18.04")
        );
        assert_eq!(osv_namespace("PyPI").as_deref(), Some("PyPI"));
        assert_eq!(osv_namespace("crates.io").as_deref(), Some("crates.io"));
        assert_eq!(osv_namespace("Bogus"), None);
        assert_eq!(
            distro_namespace(&distro("debian", "12")).as_deref(),
            Some("debian:12")
        );
        assert_eq!(
            distro_namespace(&distro("alpine", "3.14.0")).as_deref(),
            Some("alpine:3.14")
        );
        assert_eq!(
            distro_namespace(&distro("almalinux", "9.4")).as_deref(),
            Some("almalinux:9")
        );
        assert_eq!(
            distro_namespace(&distro("ubuntu", "22.04")).as_deref(),
            Some("ubuntu:22.04")
        );
        let sid = Distro {
            id: "debian".into(),
            codename: Some("bookworm".into()),
            ..Distro::default()
        };
        assert_eq!(distro_namespace(&sid).as_deref(), Some("debian:12"));
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("PyPI", "Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize_name("PyPI", "requests"), "requests");
        assert_eq!(normalize_name("npm", "@Scope/Pkg"), "@Scope/Pkg");
    }
}
