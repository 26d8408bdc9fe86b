//! OS detection from `etc/os-release` (or `usr/lib/os-release`), then the older release files.

use bulwark_source::ImageFs;
use bulwark_types::Distro;

/// Files OS detection reads; catalogers add them to the wanted set.
pub const RELEASE_FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/system-release",
];

/// Parses os-release `KEY=value` lines (values may be single- or double-quoted, with backslash escapes).
#[must_use]
pub fn parse_os_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "ID" => d.id = v.to_ascii_lowercase(),
            "VERSION_ID" => d.version_id = Some(v),
            "VERSION_CODENAME" => d.codename = Some(v).filter(|s| !s.is_empty()),
            "PRETTY_NAME" => d.pretty_name = Some(v),
            "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

fn unquote(v: &str) -> String {
    let inner = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Detects the distro of a merged filesystem. `None` when no release file identifies it.
#[must_use]
pub fn detect(fs: &ImageFs) -> Option<Distro> {
    let text = |p: &str| {
        fs.read(p)
            .ok()
            .flatten()
            .map(|c| String::from_utf8_lossy(&c).into_owned())
    };
    let mut distro = text("etc/os-release")
        .or_else(|| text("usr/lib/os-release"))
        .and_then(|t| parse_os_release(&t));
    if let Some(d) = distro.as_mut() {
        // Alpine's os-release VERSION_ID is the full release; Debian testing/sid has none: fill from
        // debian_version when missing.
        if d.id == "debian" && d.version_id.is_none() {
            d.version_id = text("etc/debian_version").map(|t| t.trim().to_string());
        }
        return distro;
    }
    if let Some(v) = text("etc/alpine-release") {
        return Some(Distro {
            id: "alpine".into(),
            version_id: Some(v.trim().to_string()),
            ..Distro::default()
        });
    }
    if let Some(v) = text("etc/debian_version") {
        return Some(Distro {
            id: "debian".into(),
            version_id: Some(v.trim().to_string()),
            ..Distro::default()
        });
    }
    for f in [
        "etc/redhat-release",
        "etc/centos-release",
        "etc/system-release",
    ] {
        if let Some(t) = text(f) {
            return parse_redhat_release(&t);
        }
    }
    None
}

/// `CentOS Linux release 7.9.2009 (Core)` → centos 7.9.2009.
fn parse_redhat_release(t: &str) -> Option<Distro> {
    let line = t.lines().next()?.trim();
    let (name, rest) = line.split_once(" release ")?;
    let version = rest.split_whitespace().next()?.to_string();
    let lower = name.to_ascii_lowercase();
    let id = if lower.contains("centos") {
        "centos"
    } else if lower.contains("red hat") {
        "rhel"
    } else if lower.contains("fedora") {
        "fedora"
    } else if lower.contains("rocky") {
        "rocky"
    } else if lower.contains("alma") {
        "almalinux"
    } else if lower.contains("oracle") {
        "ol"
    } else if lower.contains("amazon") {
        "amzn"
    } else {
        return None;
    };
    Some(Distro {
        id: id.into(),
        version_id: Some(version),
        pretty_name: Some(line.to_string()),
        ..Distro::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_os_release() {
        // /usr/lib/os-release of Debian 12 (base-files 12.4+deb12u5).
        let d = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n",
        )
        .unwrap();
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
    }

    #[test]
    fn redhat_release_lines() {
        let d = parse_redhat_release("CentOS Linux release 7.9.2009 (Core)\n").unwrap();
        assert_eq!(
            (d.id.as_str(), d.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        assert!(parse_redhat_release("garbage").is_none());
    }

    #[test]
    fn no_id_is_no_distro() {
        assert!(parse_os_release("NAME=foo\n").is_none());
    }
}
