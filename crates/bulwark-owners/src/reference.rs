//! Image references as Docker normalizes them (`debian` → `docker.io/library/debian`), so that a pattern and a
//! reference written differently still compare equal.

/// A reference split into its normalized repository, its tag and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) repo: String,
    pub(crate) tag: Option<String>,
    pub(crate) digest: Option<String>,
}

impl Reference {
    pub(crate) fn parse(reference: &str) -> Self {
        let reference = reference.trim();
        let (name, digest) = match reference.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (reference, None),
        };
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match name[slash..].rfind(':') {
            Some(i) => (&name[..slash + i], Some(name[slash + i + 1..].to_string())),
            None => (name, None),
        };
        Self {
            repo: normalize_repo(repo),
            tag,
            digest,
        }
    }

    /// `repo:tag`, or `repo` without a tag.
    pub(crate) fn with_tag(&self) -> String {
        match &self.tag {
            Some(t) => format!("{}:{t}", self.repo),
            None => self.repo.clone(),
        }
    }
}

/// Docker's rule: a first component with a `.` or `:`, or `localhost`, is a registry; otherwise the image is on
/// Docker Hub, and a single-component name is in `library/`. A first component holding a glob character is
/// left alone (`**/debian` means any registry).
pub(crate) fn normalize_repo(repo: &str) -> String {
    let first = repo.split('/').next().unwrap_or("");
    if first.contains(['*', '?']) {
        return repo.to_string();
    }
    let is_registry = repo.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    if is_registry {
        let rest = &repo[first.len()..];
        if first == "index.docker.io" || first == "registry-1.docker.io" {
            return format!("docker.io{rest}");
        }
        return repo.to_string();
    }
    if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_rules() {
        let r = Reference::parse("debian:bookworm");
        assert_eq!(r.repo, "docker.io/library/debian");
        assert_eq!(r.tag.as_deref(), Some("bookworm"));
        let r = Reference::parse("registry.example.com:5000/payments/api:1.2@sha256:ab");
        assert_eq!(r.repo, "registry.example.com:5000/payments/api");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:ab"));
        assert_eq!(
            Reference::parse("bitnami/redis").repo,
            "docker.io/bitnami/redis"
        );
        assert_eq!(Reference::parse("localhost/x").repo, "localhost/x");
        assert_eq!(
            Reference::parse("index.docker.io/library/debian").repo,
            "docker.io/library/debian"
        );
        assert_eq!(normalize_repo("**/debian"), "**/debian");
    }
}
