//! Package URLs (<https://github.com/package-url/purl-spec>), built by hand: the few rules we need are the
//! percent-encoding of names and versions and sorted qualifiers.

use std::fmt::Write;

/// Percent-encodes a purl segment: everything but unreserved characters (RFC 3986) is encoded.
fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `pkg:type/namespace/name@version?k=v&…`. Qualifiers are sorted by key, and empty values are dropped.
#[must_use]
pub fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        let parts: Vec<String> = ns.split('/').map(|p| encode(p, b"")).collect();
        s.push_str(&parts.join("/"));
        s.push('/');
    }
    s.push_str(&encode(name, b""));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&encode(version, b""));
    }
    let mut q: Vec<&(&str, &str)> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(v, b""));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::purl;

    #[test]
    fn examples_from_the_purl_spec() {
        // https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst (deb, apk, rpm examples).
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "curl",
                "7.50.3-1",
                &[("arch", "i386"), ("distro", "jessie")]
            ),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        assert_eq!(
            purl(
                "rpm",
                Some("fedora"),
                "curl",
                "7.50.3-1.fc25",
                &[("arch", "i386"), ("distro", "fedora-25")]
            ),
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"
        );
        // An epoch's colon is percent-encoded in the version.
        assert_eq!(
            purl("deb", Some("debian"), "libc6", "1:2.36-9", &[]),
            "pkg:deb/debian/libc6@1%3A2.36-9"
        );
        assert_eq!(
            purl("deb", Some("debian"), "libstdc++6", "12.2.0-14", &[]),
            "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14"
        );
    }
}
