//! Image references, parsed and normalised the way Docker does it.

use std::fmt;
use std::str::FromStr;

use crate::{Digest, RegistryError};

/// Docker Hub's name in references.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that actually serves Docker Hub's distribution API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A normalised image reference: `registry/repository[:tag][@digest]`.
///
/// `nginx` becomes `docker.io/library/nginx:latest`; a reference with only a digest keeps
/// `tag: None`. When both are given, the digest decides what is pulled (as in Docker).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`, `localhost`…
    pub registry: String,
    /// Path inside the registry, e.g. `library/nginx`.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<hex>` (validated).
    pub digest: Option<String>,
}

impl Reference {
    /// `host[:port]` to connect to: `registry-1.docker.io` for Docker Hub, else the registry.
    #[must_use]
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What the manifest endpoint is asked for: the digest when known, else the tag.
    #[must_use]
    pub fn manifest_target(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = RegistryError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| RegistryError::InvalidReference {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        if input.is_empty() {
            return Err(err("empty reference"));
        }
        if input.len() > 4096 || input.chars().any(char::is_whitespace) {
            return Err(err("contains whitespace or is too long"));
        }

        let (name_tag, digest) = match input.split_once('@') {
            Some((n, d)) => {
                let digest = Digest::parse(d).map_err(|e| match e {
                    RegistryError::UnsupportedDigest { .. } => e,
                    other => err(&other.to_string()),
                })?;
                (n, Some(digest.to_string()))
            }
            None => (input, None),
        };

        // A tag is a ':' after the last '/', so `host:5000/repo` has none.
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => {
                let i = last_slash + i;
                (&name_tag[..i], Some(&name_tag[i + 1..]))
            }
            None => (name_tag, None),
        };
        if let Some(tag) = tag {
            validate_tag(tag).map_err(|r| err(&r))?;
        }

        let (registry, path) = match name.split_once('/') {
            Some((first, rest)) if looks_like_registry(first) => {
                (first.to_owned(), rest.to_owned())
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned()),
        };
        validate_registry(&registry).map_err(|r| err(&r))?;
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_owned()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        validate_repository(&repository).map_err(|r| err(&r))?;
        if registry.len() + 1 + repository.len() > 255 {
            return Err(err("name longer than 255 characters"));
        }

        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_owned()),
            (None, None) => Some("latest".to_owned()),
            (None, Some(_)) => None,
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }
}

/// Docker's rule: the first component names a registry when it has a `.` or a `:`, is
/// `localhost`, or has upper-case letters (which a repository path may not).
fn looks_like_registry(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.chars().any(|c| c.is_ascii_uppercase())
}

fn validate_tag(tag: &str) -> Result<(), String> {
    let mut bytes = tag.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !first_ok
        || tag.len() > 128
        || !bytes.all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err(format!(
            "invalid tag {tag:?} (1-128 of [A-Za-z0-9_.-], not starting with . or -)"
        ));
    }
    Ok(())
}

fn validate_registry(registry: &str) -> Result<(), String> {
    let bad = || format!("invalid registry host {registry:?}");
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        // [ipv6]:port
        let (addr, after) = rest.split_once(']').ok_or_else(bad)?;
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(bad());
        }
        match after {
            "" => ("ipv6", None),
            p => ("ipv6", Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match registry.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (registry, None),
        }
    };
    if let Some(port) = port
        && (port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host != "ipv6" && !host.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(())
}

fn validate_repository(path: &str) -> Result<(), String> {
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("repository name {path:?} must be lowercase"));
    }
    for component in path.split('/') {
        if !component_ok(component) {
            return Err(format!(
                "invalid repository path component {component:?} in {path:?} \
                 (lowercase letters and digits, separated by '.', '_', '__' or '-')"
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Reference {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn docker_normalisation() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.25", "docker.io/library/nginx:1.25"),
            ("user/repo", "docker.io/user/repo:latest"),
            ("docker.io/nginx", "docker.io/library/nginx:latest"),
            (
                "index.docker.io/library/nginx",
                "docker.io/library/nginx:latest",
            ),
            ("host:5000/repo:tag", "host:5000/repo:tag"),
            ("127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c:latest"),
            ("localhost/x", "localhost/x:latest"),
            ("localhost:5000/x:1", "localhost:5000/x:1"),
            ("ghcr.io/owner/img", "ghcr.io/owner/img:latest"),
            ("[::1]:5000/app:v1", "[::1]:5000/app:v1"),
            ("a.b-c/d__e/f-g.h", "a.b-c/d__e/f-g.h:latest"),
            // Docker reads this as repository `host` with tag `5000`.
            ("host:5000", "docker.io/library/host:5000"),
            ("my_user/my-repo.x", "docker.io/my_user/my-repo.x:latest"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn digests_and_tags() {
        let r = parse(&format!("repo@{D}"));
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(D));
        assert_eq!(r.to_string(), format!("docker.io/library/repo@{D}"));
        assert_eq!(r.manifest_target(), D);

        let r = parse(&format!("host:5000/repo:tag@{D}"));
        assert_eq!(r.registry, "host:5000");
        assert_eq!(r.tag.as_deref(), Some("tag"));
        assert_eq!(r.manifest_target(), D);
        assert_eq!(r.to_string(), format!("host:5000/repo:tag@{D}"));
    }

    #[test]
    fn registry_detection_and_api_host() {
        assert_eq!(parse("nginx").api_host(), "registry-1.docker.io");
        assert_eq!(parse("localhost/x").registry, "localhost");
        assert_eq!(parse("foo/bar").registry, "docker.io");
        assert_eq!(parse("Foo/bar").registry, "Foo");
        assert_eq!(parse("foo.com/bar").api_host(), "foo.com");
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "UPPER",
            "docker.io/Library/nginx",
            "nginx:",
            "nginx:-tag",
            &format!("nginx:{}", "t".repeat(129)),
            "nginx@sha256:abc",
            "nginx@",
            "a//b",
            "/nginx",
            "nginx/",
            "re--po_",
            "re..po",
            "host:port/x",
            "with space",
            "-host.com/x",
            "[zz]:5000/x",
        ] {
            let e = bad.parse::<Reference>();
            assert!(e.is_err(), "{bad:?} parsed as {:?}", e.unwrap());
        }
        let e = "docker.io/Library/nginx".parse::<Reference>().unwrap_err();
        assert!(e.to_string().contains("must be lowercase"), "{e}");
        let e = format!("x@sha512:{}", "a".repeat(128))
            .parse::<Reference>()
            .unwrap_err();
        assert!(matches!(e, RegistryError::UnsupportedDigest { .. }), "{e}");
    }
}
