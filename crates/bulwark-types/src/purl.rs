//! Package URLs: parsing (type, namespace, name, version and qualifiers, percent-decoded) and matching, shared
//! by every crate that reads purls back (SBOM input, ignore files, VEX) (<https://github.com/package-url/purl-spec>).

use std::collections::BTreeMap;

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath`; `None` when it is not a purl.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.trim().strip_prefix("pkg:")?.trim_start_matches('/');
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (path, version) = match rest.rsplit_once('@') {
            // An '@' inside the path (npm scopes are encoded as %40, but be lenient) only counts after the name.
            Some((p, v)) if !v.contains('/') => (p, Some(decode(v))),
            _ => (rest, None),
        };
        let (ty, path) = path.split_once('/')?;
        let ty = ty.to_ascii_lowercase();
        let path = path.trim_end_matches('/');
        let (namespace, name) = match path.rsplit_once('/') {
            Some((ns, n)) => (
                Some(ns.split('/').map(decode).collect::<Vec<_>>().join("/")),
                decode(n),
            ),
            None => (None, decode(path)),
        };
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        let mut qualifiers = BTreeMap::new();
        if let Some(q) = query {
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                if let Some((k, v)) = pair.split_once('=') {
                    qualifiers.insert(k.to_ascii_lowercase(), decode(v));
                }
            }
        }
        Some(Self {
            ty,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
        })
    }

    fn norm_name(&self) -> String {
        if self.ty == "pypi" {
            self.name.to_ascii_lowercase().replace(['_', '.'], "-")
        } else {
            self.name.clone()
        }
    }

    /// Does `self`, as a pattern, match `target`? Type, namespace and name must be equal; the version only when
    /// the pattern has one; each qualifier of the pattern only when the target has that qualifier too.
    #[must_use]
    pub fn matches(&self, target: &Purl) -> bool {
        self.ty == target.ty
            && self.namespace.as_deref().map(str::to_ascii_lowercase)
                == target.namespace.as_deref().map(str::to_ascii_lowercase)
            && self.norm_name() == target.norm_name()
            && self
                .version
                .as_ref()
                .is_none_or(|v| target.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| target.qualifiers.get(k).is_none_or(|tv| tv == v))
    }
}

#[cfg(test)]
mod tests {
    use super::Purl;

    #[test]
    fn parses_and_decodes() {
        let p =
            Purl::parse("pkg:deb/debian/libstdc%2B%2B6@1%3A12.2.0-14?arch=amd64&distro=debian-12")
                .unwrap();
        assert_eq!(p.ty, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(p.name, "libstdc++6");
        assert_eq!(p.version.as_deref(), Some("1:12.2.0-14"));
        assert_eq!(p.qualifiers["arch"], "amd64");
        let n = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(n.namespace.as_deref(), Some("@babel"));
        assert_eq!(n.name, "core");
        assert!(Purl::parse("pkg:").is_none());
        assert!(Purl::parse("openssl").is_none());
    }

    #[test]
    fn matching() {
        let t = Purl::parse("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
            .unwrap();
        for yes in [
            "pkg:deb/debian/openssl",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2",
            "pkg:deb/debian/openssl@3.0.11-1%7Edeb12u2?arch=amd64",
            "pkg:deb/debian/openssl?foo=bar",
        ] {
            assert!(Purl::parse(yes).unwrap().matches(&t), "{yes}");
        }
        for no in [
            "pkg:deb/debian/openssl@3.0.10",
            "pkg:deb/debian/openssl?arch=arm64",
            "pkg:deb/ubuntu/openssl",
            "pkg:apk/alpine/openssl",
        ] {
            assert!(!Purl::parse(no).unwrap().matches(&t), "{no}");
        }
        let py = Purl::parse("pkg:pypi/Foo_Bar@1.0").unwrap();
        assert!(Purl::parse("pkg:pypi/foo-bar").unwrap().matches(&py));
    }
}
