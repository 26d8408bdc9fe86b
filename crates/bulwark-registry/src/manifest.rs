//! The four manifest formats we accept, and layer media types.

use serde::Deserialize;

use crate::{Platform, RegistryError};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The `Accept` header for manifest requests: all four formats, nothing else (no schema 1).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// How a layer blob is compressed, read from its media type. The blob itself is never
/// decompressed here; the image source layer does that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Recognises Docker's and OCI's tar layer types (including the non-distributable ones).
    #[must_use]
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            "application/vnd.oci.image.layer.v1.tar"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.docker.image.rootfs.diff.tar" => Some(Self::None),
            "application/vnd.oci.image.layer.v1.tar+gzip"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | "application/vnd.docker.image.rootfs.diff.tar.gzip"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Some(Self::Gzip),
            "application/vnd.oci.image.layer.v1.tar+zstd"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
            | "application/vnd.docker.image.rootfs.diff.tar.zstd" => Some(Self::Zstd),
            _ => None,
        }
    }

    /// For an OCI artifact layer of any type: compression from a `+gzip` or `+zstd` suffix, else none.
    #[must_use]
    pub fn from_artifact_media_type(media_type: &str) -> Self {
        Self::from_media_type(media_type).unwrap_or(if media_type.ends_with("+gzip") {
            Self::Gzip
        } else if media_type.ends_with("+zstd") {
            Self::Zstd
        } else {
            Self::None
        })
    }
}

/// A content descriptor as it appears in manifests and indexes.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub(crate) media_type: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
    #[serde(default)]
    pub(crate) platform: Option<PlatformJson>,
    #[serde(default)]
    pub(crate) annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PlatformJson {
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

impl PlatformJson {
    pub(crate) fn to_platform(&self) -> Platform {
        Platform::new(&self.os, &self.architecture, self.variant.as_deref())
    }
}

/// Any of the four formats; which one is decided by [`Manifest::parse`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    schema_version: Option<u32>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

#[derive(Debug)]
pub(crate) enum Manifest {
    Image {
        media_type: String,
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
    Index {
        manifests: Vec<Descriptor>,
    },
}

impl Manifest {
    /// Parses a manifest body. The kind comes from the `Content-Type` header when it names one
    /// of our four types, else from the body's `mediaType`, else from its shape (umoci and
    /// other tools write OCI manifests without `mediaType`).
    pub(crate) fn parse(
        bytes: &[u8],
        content_type: Option<&str>,
        url: &str,
    ) -> Result<Self, RegistryError> {
        let invalid = |reason: String| RegistryError::InvalidManifest {
            url: url.to_owned(),
            reason,
        };
        let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if raw.schema_version != Some(2) {
            return Err(invalid(format!(
                "schemaVersion {:?} (only 2 is supported; Docker schema 1 is not)",
                raw.schema_version
            )));
        }
        let header = content_type
            .map(|c| c.split(';').next().unwrap_or("").trim())
            .filter(|c| {
                [
                    DOCKER_MANIFEST,
                    DOCKER_MANIFEST_LIST,
                    OCI_MANIFEST,
                    OCI_INDEX,
                ]
                .contains(c)
            });
        let media_type = match (header, raw.media_type.as_deref()) {
            (Some(h), _) => h.to_owned(),
            (None, Some(m)) => m.to_owned(),
            (None, None) if raw.manifests.is_some() => OCI_INDEX.to_owned(),
            (None, None) if raw.config.is_some() => OCI_MANIFEST.to_owned(),
            (None, None) => return Err(invalid("neither layers nor manifests".to_owned())),
        };
        match media_type.as_str() {
            DOCKER_MANIFEST | OCI_MANIFEST => {
                let config = raw
                    .config
                    .ok_or_else(|| invalid("image manifest without config".to_owned()))?;
                let layers = raw
                    .layers
                    .ok_or_else(|| invalid("image manifest without layers".to_owned()))?;
                Ok(Self::Image {
                    media_type,
                    config,
                    layers,
                })
            }
            DOCKER_MANIFEST_LIST | OCI_INDEX => {
                let manifests = raw
                    .manifests
                    .ok_or_else(|| invalid("index without manifests".to_owned()))?;
                Ok(Self::Index { manifests })
            }
            other => Err(RegistryError::UnsupportedManifest {
                url: url.to_owned(),
                media_type: other.to_owned(),
            }),
        }
    }
}

/// Picks the index entry for `wanted`; entries without a platform or with os `unknown`
/// (attestation manifests) are never picked.
pub(crate) fn select_platform<'a>(
    manifests: &'a [Descriptor],
    wanted: &Platform,
) -> Result<&'a Descriptor, Vec<String>> {
    let candidates = manifests.iter().filter_map(|d| {
        let p = d.platform.as_ref()?;
        (p.os != "unknown" && !p.os.is_empty()).then(|| (d, p.to_platform()))
    });
    let mut available = Vec::new();
    for (d, p) in candidates {
        if wanted.matches(&p) {
            return Ok(d);
        }
        available.push(p.to_string());
    }
    Err(available)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shaped like a Docker Hub multi-arch manifest list, plus a BuildKit attestation entry
    // (platform unknown/unknown) that must never be picked.
    const DOCKER_LIST: &str = r#"{
      "schemaVersion": 2,
      "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
      "manifests": [
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
         "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
         "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
         "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
        {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
         "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 566,
         "digest": "sha256:4444444444444444444444444444444444444444444444444444444444444444",
         "platform": {"architecture": "unknown", "os": "unknown"}}
      ]
    }"#;

    #[test]
    fn manifest_list_platform_selection() {
        let Manifest::Index { manifests } =
            Manifest::parse(DOCKER_LIST.as_bytes(), None, "u").unwrap()
        else {
            panic!("not an index");
        };
        let pick =
            |s: &str| select_platform(&manifests, &s.parse().unwrap()).map(|d| &d.digest[7..8]);
        assert_eq!(pick("linux/amd64"), Ok("1"));
        assert_eq!(pick("linux/arm/v7"), Ok("2"));
        assert_eq!(pick("linux/arm64"), Ok("3"));
        assert_eq!(pick("linux/arm64/v8"), Ok("3"));
        assert_eq!(
            pick("linux/s390x"),
            Err(vec![
                "linux/amd64".into(),
                "linux/arm/v7".into(),
                "linux/arm64/v8".into()
            ])
        );
    }

    #[test]
    fn kind_from_header_field_or_shape() {
        let no_type = r#"{"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[]}"#;
        assert!(matches!(
            Manifest::parse(no_type.as_bytes(), None, "u").unwrap(),
            Manifest::Image { ref media_type, .. } if media_type == OCI_MANIFEST
        ));
        assert!(matches!(
            Manifest::parse(no_type.as_bytes(), Some("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"), "u").unwrap(),
            Manifest::Image { ref media_type, .. } if media_type == DOCKER_MANIFEST
        ));
        let helm = r#"{"schemaVersion":2,"mediaType":"application/vnd.cncf.helm.chart","config":{"digest":"sha256:x","size":1},"layers":[]}"#;
        assert!(matches!(
            Manifest::parse(helm.as_bytes(), None, "u"),
            Err(RegistryError::UnsupportedManifest { .. })
        ));
    }

    #[test]
    fn hostile_bodies_are_errors() {
        for body in [
            &b""[..],
            b"null",
            b"[]",
            b"{\"schemaVersion\":1,\"fsLayers\":[]}",
            b"{\"schemaVersion\":2}",
            b"{\"schemaVersion\":2,\"manifests\":[{\"digest\":5}]}",
            b"{\"schemaVersion\":2,\"config\":{\"digest\":\"x\",\"size\":-1},\"layers\":[]}",
            &[0xff, 0xfe, 0x00],
        ] {
            assert!(Manifest::parse(body, None, "u").is_err(), "{body:?}");
        }
    }

    #[test]
    fn layer_media_types() {
        assert_eq!(
            Compression::from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.layer.v1.tar+zstd"),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.layer.v1.tar"),
            Some(Compression::None)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
            None
        );
    }
}
