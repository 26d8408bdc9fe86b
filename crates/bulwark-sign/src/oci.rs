//! Where signatures and attestations live on a registry, in the two layouts cosign reads and writes
//! (see `docs/layouts.md` for every media type, annotation and tag, and where each was read):
//!
//! - **cosign's tag layout**: an OCI image manifest tagged `sha256-<hex>.sig` (signatures: simple-signing
//!   payloads with the `dev.cosignproject.cosign/signature` annotation) or `sha256-<hex>.att` (attestations:
//!   DSSE envelopes with the `predicateType` annotation) in the image's repository. Writing appends a layer to
//!   what is there, as cosign does, and skips a signature cosign would call a duplicate.
//! - **an OCI 1.1 referrer** holding a Sigstore bundle (cosign v3's default): a manifest of `artifactType`
//!   `application/vnd.dev.sigstore.bundle.v0.3+json` whose `subject` is the image, found through the
//!   referrers API or its tag-schema fallback (`sha256-<hex>`), which [`bulwark_registry::Pusher`] maintains.
//!
//! Everything is bytes in, bytes out: payloads, signatures, envelopes and bundles are made and checked
//! elsewhere (`simplesigning`, `dsse`, `bundle`, `verify`). Every read is bounded (layers per manifest, bytes
//! per layer, referrers per image), and a bad manifest is an error naming its tag or digest.

use std::collections::BTreeMap;

use bulwark_registry::{
    DOCKER_MANIFEST, Digest, OCI_MANIFEST, OciDescriptor, PushOptions, Pusher, Reference,
    RegistryError,
};
use serde::{Deserialize, Serialize};

/// Media type of a simple-signing payload layer (cosign `pkg/types/media.go`).
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Media type of a DSSE envelope layer (cosign `pkg/types/media.go`, `DssePayloadType`).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Media type and `artifactType` of a Sigstore bundle v0.3 (sigstore-go `MediaTypeString("0.3")`).
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// What every Sigstore bundle media type starts with (`…bundle+json;version=0.1`, `…bundle.v0.3+json`); cosign's
/// reader (`pkg/oci/remote/signatures.go`, `Bundle`) accepts a layer whose media type has this prefix.
pub const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// Config media type of cosign's `.sig`/`.att` manifests (go-containerregistry `types.OCIConfigJSON`).
pub const OCI_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Config media type of a referrer (the OCI image spec's empty descriptor).
pub const OCI_EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The empty config blob, `{}`.
pub const EMPTY_CONFIG: &[u8] = b"{}";

/// The signature annotation of a `.sig` layer (cosign `pkg/oci/static/signature.go`).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// PEM certificate of a keyless signature.
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// PEM chain of that certificate.
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Rekor bundle (JSON) of a signature.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// RFC 3161 timestamp (JSON) of a signature.
pub const RFC3161_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";
/// The predicate type of a `.att` layer (cosign `cmd/cosign/cli/attest/attest.go`).
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// What a bundle referrer's bundle holds (`dsse-envelope`; cosign `pkg/oci/remote/write.go`).
pub const BUNDLE_CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
/// The predicate type of a bundle referrer's statement (cosign `BundlePredicateType`).
pub const BUNDLE_PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// When a bundle referrer was written (RFC 3339, UTC, seconds).
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// The predicate type cosign v3 gives the statement of a signature in a bundle (`CosignSignPredicateType`).
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";

/// A `.sig`/`.att` manifest with more layers than this is refused (cosign's own `maxLayers`,
/// `pkg/oci/mutate/signatures.go`).
pub const MAX_LAYERS: usize = 1000;
/// A simple-signing payload larger than this is refused (real ones are a few hundred bytes).
pub const MAX_PAYLOAD_BYTES: u64 = 1024 * 1024;
/// A DSSE envelope or a bundle larger than this is refused (an SBOM predicate can be a few MiB).
pub const MAX_ENVELOPE_BYTES: u64 = 32 * 1024 * 1024;
/// A `.sig`/`.att` config blob larger than this is refused (cosign's is a few hundred bytes per layer).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// The layers of one `.sig`/`.att` manifest may declare at most this many bytes in all (checked before any
/// layer is downloaded).
pub const MAX_TOTAL_LAYER_BYTES: u64 = 128 * 1024 * 1024;
/// An image with more bundle referrers than this is refused.
pub const MAX_BUNDLE_REFERRERS: usize = 256;

/// What went wrong, naming the tag or digest that was being read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OciError {
    /// The registry failed, or served something that failed its digest or size check.
    #[error("{what}: {error}")]
    Registry { what: String, error: RegistryError },
    /// A manifest, config or layer does not have the layout it should.
    #[error("{what}: {reason}")]
    Layout { what: String, reason: String },
}

fn reg(what: &str) -> impl FnOnce(RegistryError) -> OciError + '_ {
    move |error| OciError::Registry {
        what: what.to_owned(),
        error,
    }
}

fn layout(what: &str, reason: impl Into<String>) -> OciError {
    OciError::Layout {
        what: what.to_owned(),
        reason: reason.into(),
    }
}

/// The signed image: its repository and its manifest's digest, media type and size (the `subject` of a
/// referrer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Registry and repository (tag and digest are not used).
    pub reference: Reference,
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
}

impl Target {
    /// `sha256-<hex>.sig`
    #[must_use]
    pub fn signature_tag(&self) -> String {
        format!("sha256-{}.sig", self.digest.hex())
    }

    /// `sha256-<hex>.att`
    #[must_use]
    pub fn attestation_tag(&self) -> String {
        format!("sha256-{}.att", self.digest.hex())
    }

    /// The descriptor of the image manifest, as a referrer's `subject`.
    #[must_use]
    pub fn descriptor(&self) -> OciDescriptor {
        OciDescriptor {
            media_type: self.media_type.clone(),
            size: self.size,
            digest: self.digest.to_string(),
            annotations: BTreeMap::new(),
            artifact_type: None,
        }
    }

    fn name(&self, tag: &str) -> String {
        format!(
            "{}/{}:{tag}",
            self.reference.registry, self.reference.repository
        )
    }
}

/// One layer of a `.sig` or `.att` manifest, with its blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLayer {
    pub media_type: String,
    pub digest: String,
    /// The simple-signing payload (`.sig`) or the DSSE envelope JSON (`.att`), verified against `digest`.
    pub payload: Vec<u8>,
    /// `dev.cosignproject.cosign/signature` (base64; empty for attestations, whose signature is in the
    /// envelope).
    pub signature: String,
    pub annotations: BTreeMap<String, String>,
}

impl SignatureLayer {
    /// The PEM certificate of a keyless signature, if any.
    #[must_use]
    pub fn certificate(&self) -> Option<&str> {
        self.annotations
            .get(CERTIFICATE_ANNOTATION)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The PEM chain of that certificate, if any.
    #[must_use]
    pub fn chain(&self) -> Option<&str> {
        self.annotations
            .get(CHAIN_ANNOTATION)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The Rekor bundle JSON, if any.
    #[must_use]
    pub fn rekor_bundle(&self) -> Option<&str> {
        self.annotations.get(BUNDLE_ANNOTATION).map(String::as_str)
    }

    /// The `predicateType` annotation of an attestation.
    #[must_use]
    pub fn predicate_type(&self) -> Option<&str> {
        self.annotations
            .get(PREDICATE_TYPE_ANNOTATION)
            .map(String::as_str)
    }
}

/// A Sigstore bundle found as an OCI 1.1 referrer of the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleReferrer {
    /// The referrer manifest's digest.
    pub manifest_digest: String,
    /// The bundle JSON, verified against its layer digest.
    pub bundle: Vec<u8>,
    /// `dev.sigstore.bundle.predicateType`
    pub predicate_type: Option<String>,
    /// `dev.sigstore.bundle.content` (`dsse-envelope`)
    pub content: Option<String>,
    /// `org.opencontainers.image.created`
    pub created: Option<String>,
    /// Every annotation of the referrer manifest.
    pub annotations: BTreeMap<String, String>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The tag written (`sha256-<hex>.sig`/`.att`), or the referrer's digest.
    pub reference: String,
    /// The manifest now under that tag (for a skipped duplicate: the one that was there).
    pub manifest_digest: Digest,
    /// Layers in that manifest.
    pub layers: usize,
    /// False when the signature was already there (nothing pushed).
    pub appended: bool,
    /// For a referrer: the `sha256-<hex>` fallback index was updated (the registry has no referrers API).
    pub fallback_updated: bool,
}

/// Decides whether an existing signature (`payload`, decoded signature bytes) was made by the signer
/// (cosign's duplicate detector verifies it with the signer's key).
pub type DupeCheck<'a> = &'a dyn Fn(&[u8], &[u8]) -> bool;

/// A `.sig`/`.att` manifest as read: media type, config descriptor and layers (at most [`MAX_LAYERS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagManifest {
    pub media_type: String,
    pub config: OciDescriptor,
    pub layers: Vec<OciDescriptor>,
}

/// Parses a `.sig`/`.att` manifest: schemaVersion 2, an OCI or Docker image manifest, at most
/// [`MAX_LAYERS`] layers, each with a sha256 digest. `media_type` is the registry's `Content-Type`.
pub fn parse_tag_manifest(bytes: &[u8], media_type: &str) -> Result<TagManifest, String> {
    #[derive(Deserialize)]
    struct Shape {
        #[serde(rename = "schemaVersion")]
        schema_version: Option<u32>,
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        layers: Option<Vec<serde::de::IgnoredAny>>,
        #[serde(default)]
        manifests: Option<serde::de::IgnoredAny>,
    }
    #[derive(Deserialize)]
    struct Full {
        config: OciDescriptor,
        #[serde(default)]
        layers: Vec<OciDescriptor>,
    }
    let shape: Shape = serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
    if shape.schema_version != Some(2) {
        return Err(format!(
            "not an image manifest: schemaVersion {:?}, expected 2",
            shape.schema_version
        ));
    }
    if shape.manifests.is_some() {
        return Err("an image index, not an image manifest".to_owned());
    }
    let mt = shape
        .media_type
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| media_type.to_owned());
    let mt = if mt.is_empty() {
        OCI_MANIFEST.to_owned()
    } else {
        mt
    };
    if mt != OCI_MANIFEST && mt != DOCKER_MANIFEST {
        return Err(format!("not an image manifest: media type {mt:?}"));
    }
    let n = shape.layers.map_or(0, |l| l.len());
    if n > MAX_LAYERS {
        return Err(format!(
            "{n} layers, more than the limit of {MAX_LAYERS} (cosign's own)"
        ));
    }
    let full: Full = serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
    for d in std::iter::once(&full.config).chain(&full.layers) {
        Digest::parse(&d.digest).map_err(|e| format!("descriptor {}: {e}", d.digest))?;
    }
    Ok(TagManifest {
        media_type: mt,
        config: full.config,
        layers: full.layers,
    })
}

/// cosign's `.sig`/`.att` manifest (go-containerregistry's field order): `schemaVersion`, `mediaType`,
/// `config`, `layers`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageManifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: &'a OciDescriptor,
    layers: &'a [OciDescriptor],
}

/// The manifest bytes of a `.sig`/`.att` tag.
#[must_use]
pub fn tag_manifest_bytes(
    media_type: &str,
    config: &OciDescriptor,
    layers: &[OciDescriptor],
) -> Vec<u8> {
    serde_json::to_vec(&ImageManifest {
        schema_version: 2,
        media_type,
        config,
        layers,
    })
    .unwrap_or_default()
}

/// The config blob cosign writes with a `.sig`/`.att` manifest: go-containerregistry's empty image config
/// (`rootfs.type` `layers`) with one `rootfs.diff_ids` entry (the layer digest: the layers are not compressed)
/// and one empty `history` entry per layer, Go's zero time as `created`.
#[derive(Serialize, Deserialize)]
struct SigConfig {
    #[serde(default)]
    architecture: String,
    #[serde(default = "zero_time")]
    created: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    history: Vec<serde_json::Value>,
    #[serde(default)]
    os: String,
    #[serde(default)]
    rootfs: RootFs,
    #[serde(default = "empty_object")]
    config: serde_json::Value,
    /// Fields another writer put there (`author`, `variant`…), kept when appending.
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    diff_ids: Vec<String>,
}

impl Default for RootFs {
    fn default() -> Self {
        Self {
            kind: "layers".to_owned(),
            diff_ids: Vec::new(),
        }
    }
}

fn zero_time() -> String {
    "0001-01-01T00:00:00Z".to_owned()
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// The config of a `.sig`/`.att` manifest after appending layers with `new_diff_ids` to `base` (the current
/// config, or none for a new tag).
pub fn tag_config_bytes(base: Option<&[u8]>, new_diff_ids: &[String]) -> Result<Vec<u8>, String> {
    let mut config = match base {
        Some(bytes) => serde_json::from_slice::<SigConfig>(bytes)
            .map_err(|e| format!("not an image config: {e}"))?,
        None => SigConfig {
            architecture: String::new(),
            created: zero_time(),
            history: Vec::new(),
            os: String::new(),
            rootfs: RootFs::default(),
            config: empty_object(),
            extra: serde_json::Map::new(),
        },
    };
    for d in new_diff_ids {
        config.rootfs.diff_ids.push(d.clone());
        config
            .history
            .push(serde_json::json!({"created": zero_time()}));
    }
    serde_json::to_vec(&config).map_err(|e| e.to_string())
}

/// A bundle referrer manifest (cosign `WriteReferrer`): `schemaVersion`, `mediaType`, `config` (the empty
/// descriptor with the `artifactType`), `layers`, `annotations`, `subject`, `artifactType`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReferrerManifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: &'a OciDescriptor,
    layers: &'a [OciDescriptor],
    annotations: &'a BTreeMap<String, String>,
    subject: &'a OciDescriptor,
    artifact_type: &'a str,
}

/// The manifest bytes of a bundle referrer of `subject`.
#[must_use]
pub fn bundle_referrer_manifest_bytes(
    subject: &OciDescriptor,
    bundle: &[u8],
    annotations: &BTreeMap<String, String>,
) -> Vec<u8> {
    let mut config = OciDescriptor::of(OCI_EMPTY_MEDIA_TYPE, EMPTY_CONFIG);
    config.artifact_type = Some(BUNDLE_MEDIA_TYPE.to_owned());
    let layers = [OciDescriptor::of(BUNDLE_MEDIA_TYPE, bundle)];
    serde_json::to_vec(&ReferrerManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST,
        config: &config,
        layers: &layers,
        annotations,
        subject,
        artifact_type: BUNDLE_MEDIA_TYPE,
    })
    .unwrap_or_default()
}

/// A bundle referrer manifest as read: its subject digest, bundle layer and annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReferrer {
    pub subject: String,
    pub layer: OciDescriptor,
    pub annotations: BTreeMap<String, String>,
}

/// Parses a bundle referrer manifest: an OCI image manifest with a `subject`, an `artifactType` (or config
/// media type) and exactly one layer whose media types are Sigstore bundle types ([`BUNDLE_MEDIA_TYPE_PREFIX`]).
pub fn parse_bundle_referrer(bytes: &[u8]) -> Result<ParsedReferrer, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Shape {
        schema_version: Option<u32>,
        #[serde(default)]
        artifact_type: Option<String>,
        config: OciDescriptor,
        #[serde(default)]
        layers: Vec<serde_json::Value>,
        #[serde(default)]
        subject: Option<OciDescriptor>,
        #[serde(default)]
        annotations: BTreeMap<String, String>,
    }
    let shape: Shape = serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
    if shape.schema_version != Some(2) {
        return Err("not an image manifest: schemaVersion is not 2".to_owned());
    }
    let kind = shape
        .artifact_type
        .as_deref()
        .unwrap_or(&shape.config.media_type);
    if !kind.starts_with(BUNDLE_MEDIA_TYPE_PREFIX) {
        return Err(format!("artifactType {kind:?}, not a Sigstore bundle"));
    }
    let subject = shape.subject.ok_or_else(|| "no subject".to_owned())?.digest;
    Digest::parse(&subject).map_err(|e| format!("subject: {e}"))?;
    if shape.layers.len() != 1 {
        return Err(format!(
            "{} layers, expected exactly one (the bundle)",
            shape.layers.len()
        ));
    }
    let layer: OciDescriptor =
        serde_json::from_value(shape.layers[0].clone()).map_err(|e| format!("layer: {e}"))?;
    if !layer.media_type.starts_with(BUNDLE_MEDIA_TYPE_PREFIX) {
        return Err(format!(
            "layer media type {:?}, not a Sigstore bundle",
            layer.media_type
        ));
    }
    Digest::parse(&layer.digest).map_err(|e| format!("layer: {e}"))?;
    Ok(ParsedReferrer {
        subject,
        layer,
        annotations: shape.annotations,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (Go's `time.RFC3339` in UTC, as cosign writes `created`).
#[must_use]
pub fn rfc3339_utc(unix: u64) -> String {
    bulwark_types::time::rfc3339(i64::try_from(unix).unwrap_or(i64::MAX))
}

/// A connection to the image's repository, where both layouts are read and written.
#[derive(Debug)]
pub struct Store {
    pusher: Pusher,
}

impl Store {
    /// Opens `reference`'s repository.
    pub fn connect(reference: &Reference, opts: &PushOptions) -> Result<Self, OciError> {
        let what = format!("{}/{}", reference.registry, reference.repository);
        Ok(Self {
            pusher: Pusher::new(reference, opts).map_err(reg(&what))?,
        })
    }

    /// Wraps an open connection.
    #[must_use]
    pub fn new(pusher: Pusher) -> Self {
        Self { pusher }
    }

    /// The underlying connection.
    pub fn pusher(&mut self) -> &mut Pusher {
        &mut self.pusher
    }

    /// Resolves `reference` (a tag or a digest) to the [`Target`] to sign: its manifest's digest, media type
    /// and size as the registry serves them.
    pub fn resolve(&mut self, reference: &Reference) -> Result<Target, OciError> {
        let target = reference.manifest_target().to_owned();
        let what = format!("{}/{}@{target}", reference.registry, reference.repository);
        let raw = self
            .pusher
            .get_manifest(&target, bulwark_registry::MANIFEST_ACCEPT)
            .map_err(reg(&what))?
            .ok_or_else(|| layout(&what, "no such manifest"))?;
        Ok(Target {
            reference: reference.clone(),
            digest: raw.digest,
            media_type: raw.media_type,
            size: raw.bytes.len() as u64,
        })
    }

    fn read_tag(
        &mut self,
        what: &str,
        tag: &str,
    ) -> Result<Option<(TagManifest, bulwark_registry::RawManifest)>, OciError> {
        let accept = format!("{OCI_MANIFEST}, {DOCKER_MANIFEST}");
        let Some(raw) = self.pusher.get_manifest(tag, &accept).map_err(reg(what))? else {
            return Ok(None);
        };
        let parsed = parse_tag_manifest(&raw.bytes, &raw.media_type)
            .map_err(|r| layout(&format!("{what} ({})", raw.digest), r))?;
        Ok(Some((parsed, raw)))
    }

    fn read_layers(
        &mut self,
        target: &Target,
        tag: &str,
        limit: u64,
        keep: &dyn Fn(&OciDescriptor) -> bool,
    ) -> Result<Vec<SignatureLayer>, OciError> {
        let what = target.name(tag);
        let Some((manifest, _)) = self.read_tag(&what, tag)? else {
            return Ok(Vec::new());
        };
        let total: u64 = manifest
            .layers
            .iter()
            .fold(0u64, |t, l| t.saturating_add(l.size));
        if total > MAX_TOTAL_LAYER_BYTES {
            return Err(layout(
                &what,
                format!(
                    "its layers declare {total} bytes in all, more than the {MAX_TOTAL_LAYER_BYTES}-byte limit"
                ),
            ));
        }
        let mut out = Vec::with_capacity(manifest.layers.len());
        for layer in manifest.layers {
            if !keep(&layer) {
                continue;
            }
            let digest = Digest::parse(&layer.digest).map_err(reg(&what))?;
            let layer_what = format!("{what} layer {digest}");
            if layer.size > limit {
                return Err(layout(
                    &layer_what,
                    format!("{} bytes, more than the {limit}-byte limit", layer.size),
                ));
            }
            let payload = self
                .pusher
                .get_blob(&digest, layer.size, limit)
                .map_err(reg(&layer_what))?;
            out.push(SignatureLayer {
                media_type: layer.media_type,
                digest: layer.digest,
                payload,
                signature: layer
                    .annotations
                    .get(SIGNATURE_ANNOTATION)
                    .cloned()
                    .unwrap_or_default(),
                annotations: layer.annotations,
            });
        }
        Ok(out)
    }

    /// The layers under `sha256-<hex>.sig` (none when the tag does not exist), each payload read and checked
    /// against its digest. Layers of any media type are returned; the verifier decides.
    pub fn read_signatures(&mut self, target: &Target) -> Result<Vec<SignatureLayer>, OciError> {
        self.read_layers(target, &target.signature_tag(), MAX_PAYLOAD_BYTES, &|_| {
            true
        })
    }

    /// The layers under `sha256-<hex>.att` (DSSE envelopes), as [`Store::read_signatures`].
    pub fn read_attestations(&mut self, target: &Target) -> Result<Vec<SignatureLayer>, OciError> {
        self.read_layers(
            target,
            &target.attestation_tag(),
            MAX_ENVELOPE_BYTES,
            &|_| true,
        )
    }

    /// [`Store::read_attestations`], downloading only the layers whose `predicateType` annotation is
    /// `predicate_type` (a layer without the annotation is read: the envelope itself says its type).
    pub fn read_attestations_of(
        &mut self,
        target: &Target,
        predicate_type: &str,
    ) -> Result<Vec<SignatureLayer>, OciError> {
        let keep = |l: &OciDescriptor| {
            l.annotations
                .get(PREDICATE_TYPE_ANNOTATION)
                .is_none_or(|t| t == predicate_type)
        };
        self.read_layers(target, &target.attestation_tag(), MAX_ENVELOPE_BYTES, &keep)
    }

    /// Appends one layer to the manifest under `tag`, unless `is_dupe` finds it there.
    fn append(
        &mut self,
        target: &Target,
        tag: &str,
        layer_bytes: &[u8],
        layer: OciDescriptor,
        is_dupe: &dyn Fn(&OciDescriptor) -> bool,
    ) -> Result<Written, OciError> {
        let what = target.name(tag);
        let existing = self.read_tag(&what, tag)?;
        if let Some((manifest, raw)) = &existing {
            if manifest.layers.iter().any(is_dupe) {
                return Ok(Written {
                    reference: tag.to_owned(),
                    manifest_digest: raw.digest.clone(),
                    layers: manifest.layers.len(),
                    appended: false,
                    fallback_updated: false,
                });
            }
            if manifest.layers.len() >= MAX_LAYERS {
                return Err(layout(
                    &what,
                    format!("already {MAX_LAYERS} layers, cosign's limit; not appending"),
                ));
            }
        }
        let (media_type, config_media_type, base_config, mut layers) = match existing {
            None => (
                OCI_MANIFEST.to_owned(),
                OCI_CONFIG_MEDIA_TYPE.to_owned(),
                None,
                Vec::new(),
            ),
            Some((manifest, _)) => {
                let config_what = format!("{what} config {}", manifest.config.digest);
                let digest = Digest::parse(&manifest.config.digest).map_err(reg(&config_what))?;
                let bytes = self
                    .pusher
                    .get_blob(&digest, manifest.config.size, MAX_CONFIG_BYTES)
                    .map_err(reg(&config_what))?;
                // A Docker-typed `.sig` (cosign with COSIGN_DOCKER_MEDIA_TYPES) keeps its Docker config type.
                (
                    manifest.media_type,
                    manifest.config.media_type,
                    Some(bytes),
                    manifest.layers,
                )
            }
        };
        let config = tag_config_bytes(base_config.as_deref(), std::slice::from_ref(&layer.digest))
            .map_err(|r| layout(&format!("{what} config"), r))?;
        let pushed = self.pusher.push_blob(layer_bytes).map_err(reg(&what))?;
        debug_assert_eq!(pushed.digest.to_string(), layer.digest);
        self.pusher.push_blob(&config).map_err(reg(&what))?;
        layers.push(layer);
        let config_desc = OciDescriptor::of(&config_media_type, &config);
        let manifest = tag_manifest_bytes(&media_type, &config_desc, &layers);
        let digest = self
            .pusher
            .push_manifest(tag, &media_type, &manifest)
            .map_err(reg(&what))?;
        Ok(Written {
            reference: tag.to_owned(),
            manifest_digest: digest,
            layers: layers.len(),
            appended: true,
            fallback_updated: false,
        })
    }

    /// Writes a signature in cosign's tag layout: `payload` (a simple-signing payload) as a layer of
    /// `application/vnd.dev.cosign.simplesigning.v1+json` with `dev.cosignproject.cosign/signature` =
    /// `signature_b64` and `extra_annotations` (certificate, chain, Rekor bundle…), appended to the manifest
    /// under `sha256-<hex>.sig`. As cosign's duplicate detector, a layer with the same payload digest, media
    /// type and annotations (the signature aside) whose signature is the same, or that `dupe` accepts
    /// (verifies with the signer's key), is a duplicate: nothing is pushed.
    pub fn write_signature(
        &mut self,
        target: &Target,
        payload: &[u8],
        signature_b64: &str,
        extra_annotations: &BTreeMap<String, String>,
        dupe: Option<DupeCheck<'_>>,
    ) -> Result<Written, OciError> {
        let mut layer = OciDescriptor::of(SIMPLE_SIGNING_MEDIA_TYPE, payload);
        layer.annotations = extra_annotations.clone();
        layer
            .annotations
            .insert(SIGNATURE_ANNOTATION.to_owned(), signature_b64.to_owned());
        let new = layer.clone();
        let is_dupe = |old: &OciDescriptor| {
            if old.digest != new.digest || old.media_type != new.media_type {
                return false;
            }
            let same_annotations = new
                .annotations
                .iter()
                .filter(|(k, _)| k.as_str() != SIGNATURE_ANNOTATION)
                .all(|(k, v)| old.annotations.get(k) == Some(v));
            let Some(old_sig) = old
                .annotations
                .get(SIGNATURE_ANNOTATION)
                .filter(|s| !s.is_empty())
            else {
                return false;
            };
            same_annotations
                && (old_sig == signature_b64
                    || dupe.is_some_and(|check| {
                        bulwark_signature::base64_decode(old_sig)
                            .is_some_and(|sig| check(payload, &sig))
                    }))
        };
        self.append(target, &target.signature_tag(), payload, layer, &is_dupe)
    }

    /// Writes an attestation in cosign's tag layout: `envelope_json` (a DSSE envelope) as a layer of
    /// `application/vnd.dsse.envelope.v1+json` with the annotations cosign sets (`predicateType`, and an empty
    /// `dev.cosignproject.cosign/signature`), appended to the manifest under `sha256-<hex>.att`. An identical
    /// layer (same envelope bytes and annotations) is not appended twice.
    pub fn write_attestation(
        &mut self,
        target: &Target,
        envelope_json: &[u8],
        predicate_type: &str,
    ) -> Result<Written, OciError> {
        let mut layer = OciDescriptor::of(DSSE_MEDIA_TYPE, envelope_json);
        layer.annotations.insert(
            PREDICATE_TYPE_ANNOTATION.to_owned(),
            predicate_type.to_owned(),
        );
        layer
            .annotations
            .insert(SIGNATURE_ANNOTATION.to_owned(), String::new());
        let new = layer.clone();
        let is_dupe = |old: &OciDescriptor| {
            old.digest == new.digest
                && old.media_type == new.media_type
                && old.annotations == new.annotations
        };
        self.append(
            target,
            &target.attestation_tag(),
            envelope_json,
            layer,
            &is_dupe,
        )
    }

    /// Writes a Sigstore bundle as an OCI 1.1 referrer of the image, as cosign v3 does: the empty config
    /// (`{}`), one layer of `application/vnd.dev.sigstore.bundle.v0.3+json`, `subject` = the image, and the
    /// annotations `dev.sigstore.bundle.content` (`dsse-envelope`, or `message-signature` for a bundle that
    /// holds one), `dev.sigstore.bundle.predicateType` and `org.opencontainers.image.created` (now). The
    /// manifest is pushed by digest; without the referrers API, the `sha256-<hex>` index is updated.
    pub fn write_bundle_referrer(
        &mut self,
        target: &Target,
        bundle_json: &[u8],
        predicate_type: &str,
    ) -> Result<Written, OciError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.write_bundle_referrer_at(target, bundle_json, predicate_type, &rfc3339_utc(now))
    }

    /// [`Store::write_bundle_referrer`] with a given `org.opencontainers.image.created`.
    pub fn write_bundle_referrer_at(
        &mut self,
        target: &Target,
        bundle_json: &[u8],
        predicate_type: &str,
        created: &str,
    ) -> Result<Written, OciError> {
        let what = format!(
            "{}/{} bundle referrer of {}",
            target.reference.registry, target.reference.repository, target.digest
        );
        let content = match serde_json::from_slice::<serde_json::Value>(bundle_json) {
            Ok(v) if v.get("messageSignature").is_some() => "message-signature",
            Ok(v) if v.get("dsseEnvelope").is_some() => "dsse-envelope",
            Ok(_) => {
                return Err(layout(
                    &what,
                    "the bundle has neither dsseEnvelope nor messageSignature",
                ));
            }
            Err(e) => return Err(layout(&what, format!("the bundle is not JSON: {e}"))),
        };
        let annotations = BTreeMap::from([
            (BUNDLE_CONTENT_ANNOTATION.to_owned(), content.to_owned()),
            (
                BUNDLE_PREDICATE_TYPE_ANNOTATION.to_owned(),
                predicate_type.to_owned(),
            ),
            (CREATED_ANNOTATION.to_owned(), created.to_owned()),
        ]);
        self.pusher.push_blob(EMPTY_CONFIG).map_err(reg(&what))?;
        self.pusher.push_blob(bundle_json).map_err(reg(&what))?;
        let manifest =
            bundle_referrer_manifest_bytes(&target.descriptor(), bundle_json, &annotations);
        let pushed = self
            .pusher
            .push_referrer(OCI_MANIFEST, &manifest)
            .map_err(reg(&what))?;
        Ok(Written {
            reference: pushed.digest.to_string(),
            manifest_digest: pushed.digest,
            layers: 1,
            appended: true,
            fallback_updated: pushed.fallback_updated,
        })
    }

    /// The Sigstore bundles that refer to the image: the referrers API first, the `sha256-<hex>` index second,
    /// keeping the entries whose `artifactType` is a Sigstore bundle type, then each referrer manifest and its
    /// bundle, all checked against their digests. Strict: a listed bundle referrer whose manifest is missing,
    /// names another subject, or is not a bundle referrer is an error naming it (see
    /// [`Store::scan_bundle_referrers`] for cosign's lenient reading). At most [`MAX_BUNDLE_REFERRERS`].
    pub fn read_bundle_referrers(
        &mut self,
        target: &Target,
    ) -> Result<Vec<BundleReferrer>, OciError> {
        let scan = self.scan_bundle_referrers(target)?;
        match scan.rejected.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(scan.bundles),
        }
    }

    /// [`Store::read_bundle_referrers`], reading as cosign's `GetBundles` does: a listed referrer that cannot be
    /// read as a bundle is set aside (in [`BundleScan::rejected`], with the reason) rather than failing the
    /// others. The listing itself (registry errors, an oversized or malformed referrers index, more than
    /// [`MAX_BUNDLE_REFERRERS`]) is still an error.
    pub fn scan_bundle_referrers(&mut self, target: &Target) -> Result<BundleScan, OciError> {
        self.scan_bundle_referrers_of(target, &|_| true)
    }

    /// [`Store::scan_bundle_referrers`], downloading only the bundles whose predicate type `wanted` accepts:
    /// judged from the listing's annotations when it has them (the referrers API and Bulwark's fallback index
    /// do), else from the referrer manifest's, before the bundle blob is read. `wanted(None)` decides for a
    /// referrer that names no predicate type.
    pub fn scan_bundle_referrers_of(
        &mut self,
        target: &Target,
        wanted: &dyn Fn(Option<&str>) -> bool,
    ) -> Result<BundleScan, OciError> {
        let what = format!(
            "{}/{} referrers of {}",
            target.reference.registry, target.reference.repository, target.digest
        );
        let list = self
            .pusher
            .referrers(&target.digest, None)
            .map_err(reg(&what))?;
        let listed: Vec<OciDescriptor> = list
            .manifests
            .into_iter()
            .filter(|d| {
                d.artifact_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with(BUNDLE_MEDIA_TYPE_PREFIX))
            })
            .filter(|d| {
                d.annotations
                    .get(BUNDLE_PREDICATE_TYPE_ANNOTATION)
                    .is_none_or(|t| wanted(Some(t)))
            })
            .collect();
        if listed.len() > MAX_BUNDLE_REFERRERS {
            return Err(layout(
                &what,
                format!(
                    "{} bundle referrers, more than the limit of {MAX_BUNDLE_REFERRERS}",
                    listed.len()
                ),
            ));
        }
        let mut scan = BundleScan::default();
        for desc in listed {
            match self.bundle_referrer(target, &desc, wanted) {
                Ok(Some(b)) => scan.bundles.push(b),
                Ok(None) => {}
                Err(e) => scan.rejected.push(e),
            }
        }
        Ok(scan)
    }

    fn bundle_referrer(
        &mut self,
        target: &Target,
        desc: &OciDescriptor,
        wanted: &dyn Fn(Option<&str>) -> bool,
    ) -> Result<Option<BundleReferrer>, OciError> {
        let m_what = format!(
            "{}/{}@{}",
            target.reference.registry, target.reference.repository, desc.digest
        );
        let raw = self
            .pusher
            .get_manifest(&desc.digest, OCI_MANIFEST)
            .map_err(reg(&m_what))?
            .ok_or_else(|| {
                layout(
                    &m_what,
                    "listed as a referrer, but the registry has no such manifest",
                )
            })?;
        let parsed = parse_bundle_referrer(&raw.bytes).map_err(|r| layout(&m_what, r))?;
        if parsed.subject != target.digest.to_string() {
            return Err(layout(
                &m_what,
                format!("its subject is {}, not {}", parsed.subject, target.digest),
            ));
        }
        if !wanted(
            parsed
                .annotations
                .get(BUNDLE_PREDICATE_TYPE_ANNOTATION)
                .map(String::as_str),
        ) {
            return Ok(None);
        }
        let layer_digest = Digest::parse(&parsed.layer.digest).map_err(reg(&m_what))?;
        let l_what = format!("{m_what} layer {layer_digest}");
        if parsed.layer.size > MAX_ENVELOPE_BYTES {
            return Err(layout(
                &l_what,
                format!(
                    "{} bytes, more than the {MAX_ENVELOPE_BYTES}-byte limit",
                    parsed.layer.size
                ),
            ));
        }
        let bundle = self
            .pusher
            .get_blob(&layer_digest, parsed.layer.size, MAX_ENVELOPE_BYTES)
            .map_err(reg(&l_what))?;
        Ok(Some(BundleReferrer {
            manifest_digest: raw.digest.to_string(),
            bundle,
            predicate_type: parsed
                .annotations
                .get(BUNDLE_PREDICATE_TYPE_ANNOTATION)
                .cloned(),
            content: parsed.annotations.get(BUNDLE_CONTENT_ANNOTATION).cloned(),
            created: parsed.annotations.get(CREATED_ANNOTATION).cloned(),
            annotations: parsed.annotations,
        }))
    }
}

/// What [`Store::scan_bundle_referrers`] found.
#[derive(Debug, Default)]
pub struct BundleScan {
    pub bundles: Vec<BundleReferrer>,
    /// Listed bundle referrers that could not be read, each error naming the referrer.
    pub rejected: Vec<OciError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        // `date -u -d @951782400 +%FT%TZ` (a leap day).
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        // `date -u -d @1798761599 +%FT%TZ`
        assert_eq!(rfc3339_utc(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn config_is_go_containerregistry_s_empty_image_plus_layers() {
        let d1 = format!("sha256:{}", "1".repeat(64));
        let d2 = format!("sha256:{}", "2".repeat(64));
        let first = tag_config_bytes(None, std::slice::from_ref(&d1)).unwrap();
        assert_eq!(
            String::from_utf8(first.clone()).unwrap(),
            format!(
                r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{{"created":"0001-01-01T00:00:00Z"}}],"os":"","rootfs":{{"type":"layers","diff_ids":["{d1}"]}},"config":{{}}}}"#
            )
        );
        let second = tag_config_bytes(Some(&first), std::slice::from_ref(&d2)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&second).unwrap();
        assert_eq!(v["rootfs"]["diff_ids"], serde_json::json!([d1, d2]));
        assert_eq!(v["history"].as_array().unwrap().len(), 2);
        assert!(tag_config_bytes(Some(b"[]"), &[]).is_err());
        // Fields we do not model survive an append.
        let other = tag_config_bytes(
            Some(br#"{"variant":"v8","rootfs":{"type":"layers"}}"#),
            std::slice::from_ref(&d1),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&other).unwrap();
        assert_eq!(v["variant"], "v8");
        assert_eq!(v["rootfs"]["diff_ids"], serde_json::json!([d1]));
    }

    #[test]
    fn tag_manifest_bounds() {
        let d = format!("sha256:{}", "a".repeat(64));
        let layer = format!(r#"{{"mediaType":"m","size":1,"digest":"{d}"}}"#);
        let m = |n: usize| {
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{layer},"layers":[{}]}}"#,
                vec![layer.as_str(); n].join(",")
            )
        };
        assert_eq!(
            parse_tag_manifest(m(2).as_bytes(), "")
                .unwrap()
                .layers
                .len(),
            2
        );
        assert!(
            parse_tag_manifest(m(MAX_LAYERS + 1).as_bytes(), "")
                .unwrap_err()
                .contains("cosign's own")
        );
        let s = m(1);
        assert!(
            parse_tag_manifest(&s.as_bytes()[..s.len() / 2], "")
                .unwrap_err()
                .contains("not a manifest")
        );
        assert!(parse_tag_manifest(br#"{"schemaVersion":2,"manifests":[]}"#, "").is_err());
        assert!(parse_tag_manifest(s.replace(&d, "sha256:00").as_bytes(), "").is_err());
    }
}
