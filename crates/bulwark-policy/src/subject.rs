//! What is judged: a [`Report`] (image, filesystem, manifests, SBOM) with optional image facts and
//! signatures, or a Kubernetes object (with, optionally, the report of what it runs).

use bulwark_report::{Report, TargetKind};
use serde::{Deserialize, Serialize};

/// A borrowed subject: evaluation never copies the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub report: Option<&'a Report>,
    /// A Kubernetes object (or the `object` of an AdmissionReview request).
    pub object: Option<&'a serde_json::Value>,
    pub image: Option<&'a ImageFacts>,
    /// `None`: signatures were not looked up, so signature rules are skipped (and say so). `Some(&[])`: looked
    /// up, none found.
    pub signatures: Option<&'a [Signature]>,
}

/// Facts about an image that the report does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageFacts {
    /// The reference the image was pulled or deployed by (`registry.example.com/web/app:1.2`); defaults to the
    /// report's target name for image scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Manifest digest, when the report has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The base image (`docker.io/library/debian:12@sha256:…`), from the Dockerfile's final `FROM` or the
    /// `org.opencontainers.image.base.name` / `.base.digest` annotations. The labels of the same names are read
    /// when this is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_image: Option<String>,
    /// Files the image's layers left in the merged file system (directories excluded), for the file-path
    /// policy. `None`: not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<ImageFile>>,
    /// Namespace the image runs in (deploy and runtime stages), for mappings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// One file of the merged image file system and the layer that last wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageFile {
    /// Image-root-relative with a leading `/`.
    pub path: String,
    /// Index of the layer, 0 = bottom.
    pub layer: usize,
}

/// A verified signature or attestation on the subject's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Signature {
    /// `signature` or `attestation`.
    pub kind: String,
    /// in-toto predicate type, for attestations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Key id or certificate identity (subject alternative name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Whether the signature was verified; unverified ones never satisfy a rule.
    pub verified: bool,
}

/// An owned subject, as stored in a conformance case or sent between processes: `{"report": …, "object": …,
/// "image": …, "signatures": […]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubjectData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Vec<Signature>>,
}

impl SubjectData {
    #[must_use]
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            report: self.report.as_ref(),
            object: self.object.as_ref(),
            image: self.image.as_ref(),
            signatures: self.signatures.as_deref(),
        }
    }
}

fn str_at<'v>(v: &'v serde_json::Value, path: &[&str]) -> Option<&'v str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

impl<'a> Subject<'a> {
    /// A subject for a report alone.
    #[must_use]
    pub fn report(report: &'a Report) -> Self {
        Self {
            report: Some(report),
            ..Self::default()
        }
    }

    /// A subject for a Kubernetes object alone.
    #[must_use]
    pub fn object(object: &'a serde_json::Value) -> Self {
        Self {
            object: Some(object),
            ..Self::default()
        }
    }

    /// The image reference, normalised (`alpine` → `docker.io/library/alpine:latest`).
    #[must_use]
    pub fn image_reference(&self) -> Option<String> {
        if let Some(r) = self.image.and_then(|i| i.reference.as_deref()) {
            return Some(normalize_reference(r));
        }
        let report = self.report?;
        (report.target.kind == TargetKind::Image).then(|| normalize_reference(&report.target.name))
    }

    /// The image's manifest (else config) digest.
    #[must_use]
    pub fn image_digest(&self) -> Option<&'a str> {
        if let Some(d) = self.image.and_then(|i| i.digest.as_deref()) {
            return Some(d);
        }
        let img = self.report?.target.image.as_ref()?;
        img.manifest_digest
            .as_deref()
            .or(img.config_digest.as_deref())
    }

    /// The image config's `config` object (`User`, `Labels`, `ExposedPorts`…).
    #[must_use]
    pub fn image_config(&self) -> Option<&'a serde_json::Value> {
        let c = &self.report?.target.image.as_ref()?.config;
        (!c.is_null()).then_some(c)
    }

    #[must_use]
    pub fn namespace(&self) -> Option<&'a str> {
        self.kube_object()
            .and_then(|o| str_at(o, &["metadata", "namespace"]))
            .or_else(|| {
                self.review_request()
                    .and_then(|r| str_at(r, &["namespace"]))
            })
            .filter(|ns| !ns.is_empty())
            .or_else(|| self.image.and_then(|i| i.namespace.as_deref()))
    }

    /// The object's labels.
    #[must_use]
    pub fn labels(&self) -> Option<&'a serde_json::Map<String, serde_json::Value>> {
        self.kube_object()?
            .get("metadata")?
            .get("labels")?
            .as_object()
    }

    /// The `request` of an `admission.k8s.io` `AdmissionReview` subject.
    fn review_request(&self) -> Option<&'a serde_json::Value> {
        let o = self.object?;
        let is_review = str_at(o, &["kind"]) == Some("AdmissionReview")
            && str_at(o, &["apiVersion"]).is_some_and(|a| a.starts_with("admission.k8s.io/"));
        if is_review { o.get("request") } else { None }
    }

    /// The Kubernetes object: the object itself, or a review's object (its old object on DELETE).
    fn kube_object(&self) -> Option<&'a serde_json::Value> {
        match self.review_request() {
            Some(r) => r
                .get("object")
                .filter(|v| !v.is_null())
                .or_else(|| r.get("oldObject").filter(|v| !v.is_null())),
            None => self.object,
        }
    }

    /// `Kind/namespace/name` (or `Kind/name`) of the object.
    #[must_use]
    pub fn object_resource(&self) -> Option<String> {
        let o = self.kube_object()?;
        let kind = str_at(o, &["kind"]).unwrap_or("Object");
        let name = str_at(o, &["metadata", "name"])
            .or_else(|| str_at(o, &["metadata", "generateName"]))
            .unwrap_or("");
        Some(match str_at(o, &["metadata", "namespace"]) {
            Some(ns) => format!("{kind}/{ns}/{name}"),
            None => format!("{kind}/{name}"),
        })
    }

    pub(crate) fn info(&self) -> crate::model::SubjectInfo {
        let digest = self.image_digest().map(str::to_string);
        // An object is the subject even when a report of what it runs comes with it.
        if let Some(res) = self.object_resource() {
            return crate::model::SubjectInfo {
                kind: "kubernetes-object".into(),
                name: res,
                digest,
            };
        }
        if let Some(r) = self.report {
            let kind = match r.target.kind {
                TargetKind::Image => "image",
                TargetKind::Filesystem => "filesystem",
                TargetKind::Rootfs => "rootfs",
                TargetKind::Manifests => "manifests",
                TargetKind::Sbom => "sbom",
                TargetKind::Url => "url",
                TargetKind::Node => "node",
            };
            return crate::model::SubjectInfo {
                kind: kind.into(),
                name: r.target.name.clone(),
                digest,
            };
        }
        crate::model::SubjectInfo {
            kind: "image".into(),
            name: self
                .image
                .and_then(|i| i.reference.clone())
                .unwrap_or_default(),
            digest,
        }
    }
}

/// Docker's reference normalisation: a missing registry is `docker.io`, a one-part Docker Hub name is under
/// `library/`, a missing tag (without a digest) is `latest`. `registry/repository:tag[@digest]`.
#[must_use]
pub fn normalize_reference(r: &str) -> String {
    normalize(r, true)
}

/// An image pattern of a mapping or exception, normalised like a reference but without a default tag:
/// `registry.example.com/web/*` selects every tag of those repositories.
pub(crate) fn normalize_pattern(r: &str) -> String {
    normalize(r, false)
}

/// The reference without its tag and digest (`docker.io/library/alpine`), which tagless patterns match.
pub(crate) fn repository_of(normalized: &str) -> &str {
    let no_digest = normalized.split('@').next().unwrap_or(normalized);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].rfind(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    }
}

fn normalize(r: &str, default_tag: bool) -> String {
    let (name_tag, digest) = match r.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (r, None),
    };
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    let (registry, repo) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    let repo = if registry == "docker.io" && !repo.contains('/') {
        format!("library/{repo}")
    } else {
        repo
    };
    let mut out = format!("{registry}/{repo}");
    match (tag, digest) {
        (Some(t), _) => {
            out.push(':');
            out.push_str(t);
        }
        (None, None) if default_tag => out.push_str(":latest"),
        (None, _) => {}
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_reference as n;

    #[test]
    fn patterns() {
        use super::{normalize_pattern as p, repository_of};
        assert_eq!(
            p("registry.example.com/web/*"),
            "registry.example.com/web/*"
        );
        assert_eq!(p("nginx"), "docker.io/library/nginx");
        assert_eq!(
            repository_of("docker.io/library/nginx:1.25@sha256:ab"),
            "docker.io/library/nginx"
        );
        assert_eq!(repository_of("localhost:5000/app"), "localhost:5000/app");
    }

    #[test]
    fn references() {
        // As `docker pull` names them.
        assert_eq!(n("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(n("bitnami/nginx:1.25"), "docker.io/bitnami/nginx:1.25");
        assert_eq!(n("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(
            n("registry.example.com/web/app@sha256:ab"),
            "registry.example.com/web/app@sha256:ab"
        );
        assert_eq!(
            n("registry.example.com:443/web/app:1@sha256:ab"),
            "registry.example.com:443/web/app:1@sha256:ab"
        );
    }
}
