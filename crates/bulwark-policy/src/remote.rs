//! Remote bundles: OCI artifacts in a registry and `.tar.gz` files behind an HTTPS URL, verified, and cached by
//! digest so that a registry outage can fall back to the last good copy when the user opts in.
//!
//! **Sources.** `oci://REGISTRY/REPO:TAG` or `oci://REGISTRY/REPO@sha256:HEX`; the same reference without
//! `oci://` (as conftest and Kyverno write them) is accepted when no file or directory of that name exists and
//! its first component looks like a registry host (has a `.` or a `:`, or is `localhost`). `https://…` with the
//! archive's sha256 in the fragment, `https://host/bundle.tar.gz#sha256=HEX` (a URL alone does not pin
//! content; the fragment never reaches the server). Plain `http://` is accepted for loopback hosts only.
//!
//! **The OCI artifact** is an OCI image manifest as the image-spec's artifact guidelines describe it:
//! `artifactType` [`ARTIFACT_TYPE`], the empty config (`application/vnd.oci.empty.v1+json`, `{}`) and one layer
//! of media type [`LAYER_MEDIA_TYPE`] holding the bundle `.tar.gz`. Vendor types under `vnd.bulwark` keep
//! other tools from mistaking it for an image or an OPA bundle, and the `+gzip` suffix says how the layer is
//! compressed. A plain `application/vnd.oci.image.layer.v1.tar+gzip` layer is read too.
//!
//! **Signatures** are stored the way `cosign sign --key` stores them (sigstore/cosign `specs/SIGNATURE_SPEC.md`):
//! the tag `sha256-<manifest hex>.sig` in the same repository holds an image manifest whose layer is a
//! simple-signing payload ([`SIMPLE_SIGNING`]) naming the bundle manifest's digest, with the base64 signature
//! over the payload in the [`SIGNATURE_ANNOTATION`] annotation. With a public key, a bundle is accepted only
//! when one such layer's payload names the pulled manifest's digest (type `cosign container image signature`)
//! and its signature verifies; anything else refuses the bundle. HTTPS bundles are signed by a detached
//! signature at `<URL>.sig` (raw or base64) over the `.tar.gz`, as `cosign sign-blob` and `openssl dgst -sign`
//! make them.
//!
//! **Cache.** OCI blobs go to `<cache>/oci/blobs/sha256/<hex>`, HTTPS archives to `<cache>/https/<hex>.tar.gz`,
//! both written to a temporary file and renamed into place. After a successful load, the last good copy of a
//! source is recorded in `<cache>/last-good/<sha256 of the source>.json` (digests and signature). With
//! [`LoadOptions::offline_ok`], a source that cannot be reached (connection refused, timeout, HTTP 5xx) is
//! loaded from that record, re-verified from the cached bytes (digests, and the signature when a key is
//! given), and [`crate::BundleInfo::offline`] says so. A source that answers but fails verification is never
//! replaced by the cache: a tampered registry is not an offline one.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bulwark_registry::{Digest, PullOptions, Pusher, Reference, RegistryError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::bundle::{Bundle, BundleError, LoadOptions, files_from_dir, files_from_tar_gz};
use crate::model::Offline;

/// `artifactType` of a Bulwark policy bundle manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.bulwark.policy.bundle.v1";
/// Media type of the bundle layer (a gzip-compressed tar of the bundle's files).
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.bulwark.policy.bundle.layer.v1.tar+gzip";
/// The OCI empty descriptor's media type, used for the bundle manifest's config (`{}`).
pub const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
/// The OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// cosign's simple-signing payload layer.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer annotation holding cosign's base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// `critical.type` of a cosign signature payload.
pub const COSIGN_TYPE: &str = "cosign container image signature";
const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const OCI_IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Manifests and signature payloads larger than this are refused.
const MAX_SMALL_BYTES: usize = 1 << 20;

/// A remote bundle source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An OCI artifact; `text` is the reference as given (without `oci://`).
    Oci { reference: Reference, text: String },
    /// An archive behind a URL, pinned by its sha256 (lower-case hex).
    Https { url: String, sha256: String },
    /// A target of a TUF repository, `tuf+https://HOST/PATH#TARGET` (bulwark-tuf): `url` without the
    /// fragment; `root` is the root.json trusted on first use (then the trusted metadata in
    /// `<cache>/tuf/` is used, and root rotations are followed from it).
    Tuf {
        url: String,
        target: String,
        root: Option<PathBuf>,
    },
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Source {
    /// `Some` for `oci://…`, `https://…`, loopback `http://…`, and a bare registry reference that is not an
    /// existing path; `None` for everything else (a local path).
    pub fn parse(source: &str) -> Result<Option<Self>, BundleError> {
        let bad = |why: String| BundleError::Source(format!("{source}: {why}"));
        if source.starts_with("tuf+") {
            let (repo, target) = bulwark_tuf::Repository::parse(source)
                .map_err(|e| BundleError::Source(e.to_string()))?;
            let target = target.ok_or_else(|| {
                bad("name the bundle's target after '#': tuf+https://HOST/PATH#TARGET".into())
            })?;
            return Ok(Some(Self::Tuf {
                url: repo.url,
                target,
                root: None,
            }));
        }
        if let Some(text) = source.strip_prefix("oci://") {
            let reference: Reference = text
                .parse()
                .map_err(|e: RegistryError| bad(e.to_string()))?;
            return Ok(Some(Self::Oci {
                reference,
                text: text.to_owned(),
            }));
        }
        if source.starts_with("https://") || source.starts_with("http://") {
            if source.starts_with("http://") && !is_loopback_url(source) {
                return Err(bad(
                    "plain http:// is accepted for 127.0.0.1, [::1] and localhost only; use https://".into(),
                ));
            }
            let (url, fragment) = source.split_once('#').unwrap_or((source, ""));
            let sha256 = fragment
                .split('&')
                .find_map(|kv| kv.strip_prefix("sha256="))
                .map(str::to_ascii_lowercase)
                .ok_or_else(|| {
                    bad("an HTTPS bundle must be pinned by its sha256: append #sha256=<hex of the .tar.gz>".into())
                })?;
            if !is_hex64(&sha256) {
                return Err(bad(format!("'{sha256}' is not a sha256 (64 hex digits)")));
            }
            return Ok(Some(Self::Https {
                url: url.to_owned(),
                sha256,
            }));
        }
        if Path::new(source).exists() || !source.contains('/') {
            return Ok(None);
        }
        let first = source.split('/').next().unwrap_or("");
        let looks_like_registry =
            first.contains('.') || first.contains(':') || first == "localhost";
        let archive_name = {
            let lower = source.to_ascii_lowercase();
            #[allow(clippy::case_sensitive_file_extension_comparisons)]
            let a = lower.ends_with(".tar.gz") || lower.ends_with(".tgz");
            a
        };
        if !looks_like_registry || archive_name || first == "." || first == ".." {
            return Ok(None);
        }
        match source.parse::<Reference>() {
            Ok(reference) => Ok(Some(Self::Oci {
                reference,
                text: source.to_owned(),
            })),
            Err(_) => Ok(None),
        }
    }

    /// The source as written in messages and the last-good record: `oci://…` or the URL with its fragment.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::Oci { text, .. } => format!("oci://{text}"),
            Self::Https { url, sha256 } => format!("{url}#sha256={sha256}"),
            Self::Tuf { url, target, .. } => format!("{url}#{target}"),
        }
    }

    /// A short bundle name: the repository's last component, or the file name without `.tar.gz`.
    fn name(&self) -> String {
        let last = match self {
            Self::Oci { reference, .. } => {
                reference.repository.rsplit('/').next().unwrap_or("bundle")
            }
            Self::Https { url, .. } => url.rsplit('/').next().unwrap_or("bundle"),
            Self::Tuf { target, .. } => target.rsplit('/').next().unwrap_or("bundle"),
        };
        let n = last.trim_end_matches(".tar.gz").trim_end_matches(".tgz");
        if n.is_empty() {
            "bundle".into()
        } else {
            n.into()
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The artifact formats (pure parsers; `fuzz/fuzz_targets/policy_oci.rs` runs them).

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    schema_version: u32,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    artifact_type: Option<String>,
    config: DescriptorJson,
    #[serde(default)]
    layers: Vec<DescriptorJson>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorJson {
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// The bundle layer a bundle manifest points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleLayer {
    pub digest: String,
    pub size: u64,
}

fn check_digest(d: &str) -> Result<(), String> {
    match d.strip_prefix("sha256:") {
        Some(h) if is_hex64(h) => Ok(()),
        _ => Err(format!("'{d}' is not a sha256 digest")),
    }
}

/// Reads a bundle manifest: an OCI image manifest whose `artifactType` (or config media type) is
/// [`ARTIFACT_TYPE`] and which has exactly one layer, the bundle archive.
pub fn parse_bundle_manifest(bytes: &[u8]) -> Result<BundleLayer, String> {
    if bytes.len() > MAX_SMALL_BYTES {
        return Err("the manifest is larger than 1 MiB".into());
    }
    let m: ManifestJson =
        serde_json::from_slice(bytes).map_err(|e| format!("not an OCI image manifest: {e}"))?;
    if m.schema_version != 2 {
        return Err(format!("schemaVersion {} (expected 2)", m.schema_version));
    }
    if let Some(t) = m.media_type.as_deref().filter(|t| *t != OCI_MANIFEST) {
        return Err(format!("media type {t} (expected {OCI_MANIFEST})"));
    }
    let kind = m.artifact_type.as_deref().unwrap_or(&m.config.media_type);
    if kind != ARTIFACT_TYPE {
        return Err(format!(
            "artifact type {kind} is not a Bulwark policy bundle ({ARTIFACT_TYPE})"
        ));
    }
    let [layer] = m.layers.as_slice() else {
        return Err(format!(
            "a bundle manifest has exactly one layer, this one has {}",
            m.layers.len()
        ));
    };
    if layer.media_type != LAYER_MEDIA_TYPE && layer.media_type != OCI_LAYER_GZIP {
        return Err(format!(
            "layer media type {} (expected {LAYER_MEDIA_TYPE})",
            layer.media_type
        ));
    }
    check_digest(&layer.digest)?;
    Ok(BundleLayer {
        digest: layer.digest.clone(),
        size: layer.size,
    })
}

/// One signature of a cosign signature manifest: the payload blob and the base64 signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLayer {
    pub payload_digest: String,
    pub payload_size: u64,
    pub signature: String,
}

/// Reads a cosign signature manifest (the `sha256-<hex>.sig` tag): its simple-signing layers that carry a
/// signature annotation. Other layers are ignored, as cosign ignores them.
pub fn parse_signature_manifest(bytes: &[u8]) -> Result<Vec<SignatureLayer>, String> {
    if bytes.len() > MAX_SMALL_BYTES {
        return Err("the signature manifest is larger than 1 MiB".into());
    }
    let m: ManifestJson = serde_json::from_slice(bytes)
        .map_err(|e| format!("the signature manifest is not an OCI image manifest: {e}"))?;
    let mut out = Vec::new();
    for l in m.layers.iter().filter(|l| l.media_type == SIMPLE_SIGNING) {
        let Some(sig) = l.annotations.get(SIGNATURE_ANNOTATION) else {
            continue;
        };
        check_digest(&l.digest)?;
        out.push(SignatureLayer {
            payload_digest: l.digest.clone(),
            payload_size: l.size,
            signature: sig.clone(),
        });
    }
    if out.is_empty() {
        return Err(format!(
            "the signature manifest has no {SIMPLE_SIGNING} layer with a {SIGNATURE_ANNOTATION} annotation"
        ));
    }
    Ok(out)
}

#[derive(Debug, Serialize, Deserialize)]
struct SimpleSigning {
    critical: Critical,
    #[serde(default)]
    optional: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// The simple-signing payload cosign signs for `manifest_digest` (`docker_reference` is `registry/repo`; cosign
/// verifiers ignore it).
#[must_use]
pub fn simple_signing_payload(docker_reference: &str, manifest_digest: &str) -> Vec<u8> {
    let p = SimpleSigning {
        critical: Critical {
            identity: Identity {
                docker_reference: docker_reference.to_owned(),
            },
            image: Image {
                docker_manifest_digest: manifest_digest.to_owned(),
            },
            kind: COSIGN_TYPE.to_owned(),
        },
        optional: None,
    };
    serde_json::to_vec(&p).unwrap_or_default()
}

/// Reads a simple-signing payload: the manifest digest it signs. The type must be cosign's.
pub fn parse_simple_signing(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_SMALL_BYTES {
        return Err("the signature payload is larger than 1 MiB".into());
    }
    let p: SimpleSigning = serde_json::from_slice(bytes)
        .map_err(|e| format!("the signature payload is not simple-signing JSON: {e}"))?;
    if p.critical.kind != COSIGN_TYPE {
        return Err(format!(
            "the signature payload's type is '{}', not '{COSIGN_TYPE}'",
            p.critical.kind
        ));
    }
    check_digest(&p.critical.image.docker_manifest_digest)?;
    Ok(p.critical.image.docker_manifest_digest)
}

// ---------------------------------------------------------------------------------------------------------
// The cache.

/// The last good copy of a source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LastGood {
    source: String,
    /// The OCI manifest digest, or `sha256:` of the archive.
    artifact: String,
    fetched_at: String,
    /// The simple-signing payload (OCI) that verified, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    /// The signature that verified (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn io_err(path: &Path, e: std::io::Error) -> BundleError {
    BundleError::Io {
        path: path.display().to_string(),
        source: e,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path, e));
    }
    Ok(())
}

fn last_good_path(cache: &Path, source: &Source) -> PathBuf {
    cache.join("last-good").join(format!(
        "{}.json",
        hex(&Sha256::digest(source.display().as_bytes()))
    ))
}

fn read_last_good(cache: &Path, source: &Source) -> Option<LastGood> {
    let bytes = std::fs::read(last_good_path(cache, source)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_last_good(cache: &Path, source: &Source, record: &LastGood) -> Result<(), BundleError> {
    let bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    write_atomic(&last_good_path(cache, source), &bytes)
}

/// Reads a cached blob and checks that it hashes to `digest`.
fn read_verified(path: &Path, digest: &str, max: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut buf))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let actual = format!("sha256:{}", hex(&Sha256::digest(&buf)));
    if actual != digest {
        return Err(format!("{} holds {actual}, not {digest}", path.display()));
    }
    Ok(buf)
}

// ---------------------------------------------------------------------------------------------------------
// Loading.

/// A fetched remote bundle and where its archive is cached.
#[derive(Debug)]
pub struct Fetched {
    pub bundle: Bundle,
    /// The cached `.tar.gz`.
    pub archive: PathBuf,
}

/// Why a fetch failed: the source could not be reached (the cache may stand in), or it answered with
/// something that is refused (it may not).
enum Failure {
    Unreachable(String),
    Refused(BundleError),
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        Failure::Refused(e)
    }
}

/// Loads a remote bundle (see the module documentation).
pub fn load(source: &Source, opts: &LoadOptions) -> Result<Bundle, BundleError> {
    fetch(source, opts).map(|f| f.bundle)
}

/// Fetches, verifies and caches a remote bundle; with [`LoadOptions::offline_ok`], an unreachable source falls
/// back to its last good cached copy.
pub fn fetch(source: &Source, opts: &LoadOptions) -> Result<Fetched, BundleError> {
    let fresh = match source {
        Source::Oci { reference, .. } => fetch_oci(source, reference, opts),
        Source::Https { url, sha256 } => fetch_https(source, url, sha256, opts),
        Source::Tuf { url, target, root } => fetch_tuf(source, url, target, root.as_deref(), opts),
    };
    match fresh {
        Ok(f) => Ok(f),
        Err(Failure::Refused(e)) => Err(e),
        Err(Failure::Unreachable(reason)) if opts.offline_ok => offline(source, opts, &reason),
        Err(Failure::Unreachable(reason)) => Err(BundleError::Fetch {
            source_name: source.display(),
            reason: format!("{reason} (no cached bundle is used without --policy-offline-ok)"),
        }),
    }
}

fn refused(source: &Source, reason: impl Into<String>) -> Failure {
    Failure::Refused(BundleError::Verify {
        source_name: source.display(),
        reason: reason.into(),
    })
}

fn unreachable(e: &RegistryError) -> bool {
    matches!(
        e,
        RegistryError::Transport { .. }
            | RegistryError::Deadline { .. }
            | RegistryError::Download { .. }
    ) || matches!(e, RegistryError::Status { status, .. } if *status >= 500)
}

fn registry_failure(source: &Source, e: RegistryError) -> Failure {
    if unreachable(&e) {
        return Failure::Unreachable(e.to_string());
    }
    match e {
        RegistryError::DigestMismatch { .. } | RegistryError::SizeMismatch { .. } => {
            refused(source, e.to_string())
        }
        other => Failure::Refused(BundleError::Fetch {
            source_name: source.display(),
            reason: other.to_string(),
        }),
    }
}

fn pull_options(opts: &LoadOptions) -> PullOptions {
    let mut p = PullOptions {
        cache_dir: opts.cache_dir.join("oci"),
        insecure: opts.registry.insecure,
        ca_file: opts.registry.ca_file.clone(),
        username: opts.registry.username.clone(),
        password: opts.registry.password.clone(),
        docker_config: opts.registry.docker_config.clone(),
        artifact: true,
        max_layer_bytes: opts.limits.max_archive_bytes,
        ..PullOptions::default()
    };
    if opts.registry.deadline.is_some() {
        p.deadline = opts.registry.deadline;
    }
    p
}

fn sig_tag(manifest_digest: &str) -> String {
    format!("{}.sig", manifest_digest.replace(':', "-"))
}

/// Checks one cosign signature layer: the payload names `manifest_digest` and the signature verifies.
fn check_signature(
    key: &bulwark_signature::PublicKey,
    payload: &[u8],
    signature: &str,
    manifest_digest: &str,
) -> Result<(), String> {
    let signed = parse_simple_signing(payload)?;
    if signed != manifest_digest {
        return Err(format!(
            "the signature is for {signed}, not for the pulled manifest {manifest_digest}"
        ));
    }
    key.verify(payload, signature.as_bytes(), "the signature payload")
        .map_err(|e| e.reason)
}

fn fetch_oci(
    source: &Source,
    reference: &Reference,
    opts: &LoadOptions,
) -> Result<Fetched, Failure> {
    let popts = pull_options(opts);
    let image =
        bulwark_registry::pull(reference, &popts).map_err(|e| registry_failure(source, e))?;
    let layer = parse_bundle_manifest(&image.manifest)
        .map_err(|e| Failure::Refused(BundleError::Source(format!("{}: {e}", source.display()))))?;
    let mut record = LastGood {
        source: source.display(),
        artifact: image.manifest_digest.clone(),
        fetched_at: crate::Instant::now().to_string(),
        payload: None,
        signature: None,
    };
    if let Some(key) = &opts.public_key {
        let mut sig_ref = reference.clone();
        sig_ref.tag = Some(sig_tag(&image.manifest_digest));
        sig_ref.digest = None;
        let sig = match bulwark_registry::pull(&sig_ref, &popts) {
            Ok(s) => s,
            Err(RegistryError::NotFound { .. }) => {
                return Err(refused(
                    source,
                    format!(
                        "no signature: the registry has no tag {} for manifest {} (sign it with `bulwark policy push --key`)",
                        sig_tag(&image.manifest_digest),
                        image.manifest_digest
                    ),
                ));
            }
            Err(e) => return Err(registry_failure(source, e)),
        };
        let layers = parse_signature_manifest(&sig.manifest).map_err(|e| refused(source, e))?;
        let mut reasons = Vec::new();
        for l in &layers {
            let Some(pulled) = sig.layers.iter().find(|p| p.digest == l.payload_digest) else {
                continue;
            };
            let payload = read_verified(&pulled.path, &l.payload_digest, MAX_SMALL_BYTES as u64)
                .map_err(|e| refused(source, e))?;
            match check_signature(key, &payload, &l.signature, &image.manifest_digest) {
                Ok(()) => {
                    record.payload = Some(String::from_utf8_lossy(&payload).into_owned());
                    record.signature = Some(l.signature.clone());
                    break;
                }
                Err(e) => reasons.push(e),
            }
        }
        if record.signature.is_none() {
            return Err(refused(
                source,
                format!(
                    "no valid signature for manifest {} with {}: {}",
                    image.manifest_digest,
                    key.source,
                    reasons.join("; ")
                ),
            ));
        }
    }
    let pulled = image
        .layers
        .iter()
        .find(|l| l.digest == layer.digest)
        .ok_or_else(|| refused(source, "the pulled image has no bundle layer"))?;
    let bytes = read_verified(&pulled.path, &layer.digest, opts.limits.max_archive_bytes)
        .map_err(|e| refused(source, e))?;
    let mut bundle = Bundle::from_tar_gz(&bytes, &source.name(), &opts.limits)?;
    bundle.info.artifact = Some(image.manifest_digest.clone());
    write_last_good(&opts.cache_dir, source, &record)?;
    Ok(Fetched {
        bundle,
        archive: pulled.path.clone(),
    })
}

fn https_agent(url: &str) -> Result<ureq::Agent, String> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig, TlsProvider};
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(
            Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        );
    if let Some(bundle) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        let pem = std::fs::read(&bundle)
            .map_err(|e| format!("SSL_CERT_FILE {}: {e}", Path::new(&bundle).display()))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|i| match i {
                Ok(PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!(
                "SSL_CERT_FILE {}: no PEM certificate",
                Path::new(&bundle).display()
            ));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let mut builder = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_mins(10)));
    if is_loopback_url(url) {
        builder = builder.proxy(None);
    }
    Ok(builder.build().new_agent())
}

/// GETs `url` with a body limit; `Ok(None)` on 404.
fn http_get(agent: &ureq::Agent, url: &str, limit: u64) -> Result<Option<Vec<u8>>, Failure> {
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| Failure::Unreachable(format!("GET {url}: {e}")))?;
    let status = resp.status().as_u16();
    match status {
        200 => {}
        404 => return Ok(None),
        s if s >= 500 => return Err(Failure::Unreachable(format!("GET {url}: HTTP {s}"))),
        s => {
            return Err(Failure::Refused(BundleError::Fetch {
                source_name: url.to_owned(),
                reason: format!("GET {url}: HTTP {s}"),
            }));
        }
    }
    match resp
        .into_body()
        .into_with_config()
        .limit(limit)
        .read_to_vec()
    {
        Ok(b) => Ok(Some(b)),
        Err(ureq::Error::BodyExceedsLimit(_)) => Err(Failure::Refused(BundleError::TooLarge {
            what: url.to_owned(),
            limit,
        })),
        Err(e) => Err(Failure::Unreachable(format!("GET {url}: {e}"))),
    }
}

/// The HTTPS agent, made on first use (a cached archive may need none).
fn agent<'a>(
    cell: &'a std::cell::OnceCell<ureq::Agent>,
    source: &Source,
    url: &str,
) -> Result<&'a ureq::Agent, Failure> {
    if let Some(a) = cell.get() {
        return Ok(a);
    }
    let a = https_agent(url).map_err(|e| {
        Failure::Refused(BundleError::Fetch {
            source_name: source.display(),
            reason: e,
        })
    })?;
    Ok(cell.get_or_init(|| a))
}

fn fetch_https(
    source: &Source,
    url: &str,
    sha256: &str,
    opts: &LoadOptions,
) -> Result<Fetched, Failure> {
    let archive = opts
        .cache_dir
        .join("https")
        .join(format!("{sha256}.tar.gz"));
    let digest = format!("sha256:{sha256}");
    let cached = read_verified(&archive, &digest, opts.limits.max_archive_bytes).ok();
    let cell = std::cell::OnceCell::new();
    // Pinned by digest: a cached copy is the same bytes; only the signature may need the network.
    let bytes = if let Some(b) = cached {
        b
    } else {
        let b = http_get(
            agent(&cell, source, url)?,
            url,
            opts.limits.max_archive_bytes,
        )?
        .ok_or_else(|| {
            Failure::Refused(BundleError::Fetch {
                source_name: source.display(),
                reason: format!("GET {url}: HTTP 404"),
            })
        })?;
        let actual = hex(&Sha256::digest(&b));
        if actual != sha256 {
            return Err(refused(
                source,
                format!("the archive's sha256 is {actual}, not the pinned {sha256}"),
            ));
        }
        b
    };
    let mut record = LastGood {
        source: source.display(),
        artifact: digest.clone(),
        fetched_at: crate::Instant::now().to_string(),
        payload: None,
        signature: None,
    };
    if let Some(key) = &opts.public_key {
        let previous = read_last_good(&opts.cache_dir, source)
            .and_then(|r| r.signature)
            .filter(|s| key.verify(&bytes, s.as_bytes(), url).is_ok());
        let signature = if let Some(s) = previous {
            s
        } else {
            let sig_url = format!("{url}.sig");
            let sig =
                http_get(agent(&cell, source, url)?, &sig_url, 64 * 1024)?.ok_or_else(|| {
                    refused(source, format!("no signature: GET {sig_url} answered 404"))
                })?;
            key.verify(&bytes, &sig, url)
                .map_err(|e| refused(source, format!("{sig_url}: {}", e.reason)))?;
            base64::engine::general_purpose::STANDARD.encode(&sig)
        };
        record.signature = Some(signature);
    }
    let mut bundle = Bundle::from_tar_gz(&bytes, &source.name(), &opts.limits)?;
    bundle.info.artifact = Some(digest);
    write_atomic(&archive, &bytes)?;
    write_last_good(&opts.cache_dir, source, &record)?;
    Ok(Fetched { bundle, archive })
}

/// A bundle that is a TUF target: the repository's metadata is refreshed (bulwark-tuf), the target downloaded
/// within its signed length and checked against its hashes. The archive is cached as HTTPS archives are.
fn fetch_tuf(
    source: &Source,
    url: &str,
    target: &str,
    root: Option<&Path>,
    opts: &LoadOptions,
) -> Result<Fetched, Failure> {
    if opts.public_key.is_some() {
        return Err(Failure::Refused(BundleError::Source(format!(
            "{}: a public key does not apply to a TUF repository: its root.json (--tuf-root) is the trust anchor",
            source.display()
        ))));
    }
    let tuf = |e: bulwark_tuf::TufError| {
        if e.is_unreachable() {
            Failure::Unreachable(e.to_string())
        } else {
            refused(source, e.to_string())
        }
    };
    let (repo, _) = bulwark_tuf::Repository::parse(url).map_err(tuf)?;
    let mut client =
        bulwark_tuf::Client::open(repo, &opts.cache_dir.join("tuf"), root).map_err(tuf)?;
    client.refresh().map_err(tuf)?;
    let found = client.find_target(target).map_err(tuf)?;
    let mut bytes = Vec::new();
    client
        .download_target(&found, &mut bytes, opts.limits.max_archive_bytes)
        .map_err(tuf)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let digest = format!("sha256:{sha256}");
    let mut bundle = Bundle::from_tar_gz(&bytes, &source.name(), &opts.limits)?;
    bundle.info.artifact = Some(digest.clone());
    let archive = opts
        .cache_dir
        .join("https")
        .join(format!("{sha256}.tar.gz"));
    write_atomic(&archive, &bytes)?;
    let record = LastGood {
        source: source.display(),
        artifact: digest,
        fetched_at: crate::Instant::now().to_string(),
        payload: None,
        signature: None,
    };
    write_last_good(&opts.cache_dir, source, &record)?;
    Ok(Fetched { bundle, archive })
}

/// The last good copy of `source`, re-verified from the cache.
fn offline(source: &Source, opts: &LoadOptions, reason: &str) -> Result<Fetched, BundleError> {
    let none = |why: String| BundleError::Fetch {
        source_name: source.display(),
        reason: format!("{reason}; --policy-offline-ok: {why}"),
    };
    let record = read_last_good(&opts.cache_dir, source)
        .ok_or_else(|| none("this source was never fetched into the cache".into()))?;
    let bad = |why: String| BundleError::Verify {
        source_name: source.display(),
        reason: format!("the cached copy fails verification: {why}"),
    };
    let (bytes, archive) = match source {
        Source::Oci { .. } => {
            let cache = bulwark_registry::BlobCache::open(&opts.cache_dir.join("oci"))
                .map_err(|e| none(e.to_string()))?;
            let md = Digest::parse(&record.artifact).map_err(|e| bad(e.to_string()))?;
            let manifest =
                read_verified(&cache.path(&md), &record.artifact, MAX_SMALL_BYTES as u64)
                    .map_err(bad)?;
            let layer = parse_bundle_manifest(&manifest).map_err(bad)?;
            if let Some(key) = &opts.public_key {
                let (Some(payload), Some(sig)) = (&record.payload, &record.signature) else {
                    return Err(bad(format!(
                        "it was fetched without a signature check, and {} is now required",
                        key.source
                    )));
                };
                check_signature(key, payload.as_bytes(), sig, &record.artifact).map_err(bad)?;
            }
            let ld = Digest::parse(&layer.digest).map_err(|e| bad(e.to_string()))?;
            let path = cache.path(&ld);
            let bytes =
                read_verified(&path, &layer.digest, opts.limits.max_archive_bytes).map_err(bad)?;
            (bytes, path)
        }
        Source::Https { .. } | Source::Tuf { .. } => {
            let sha256 = record.artifact.strip_prefix("sha256:").unwrap_or_default();
            let path = opts
                .cache_dir
                .join("https")
                .join(format!("{sha256}.tar.gz"));
            let bytes = read_verified(&path, &record.artifact, opts.limits.max_archive_bytes)
                .map_err(bad)?;
            if let Some(key) = &opts.public_key {
                let Some(sig) = &record.signature else {
                    return Err(bad(format!(
                        "it was fetched without a signature check, and {} is now required",
                        key.source
                    )));
                };
                key.verify(&bytes, sig.as_bytes(), "the cached archive")
                    .map_err(|e| bad(e.reason))?;
            }
            (bytes, path)
        }
    };
    let mut bundle = Bundle::from_tar_gz(&bytes, &source.name(), &opts.limits)?;
    bundle.info.artifact = Some(record.artifact.clone());
    bundle.info.offline = Some(Offline {
        fetched_at: record.fetched_at,
        reason: reason.to_owned(),
    });
    Ok(Fetched { bundle, archive })
}

// ---------------------------------------------------------------------------------------------------------
// Pushing.

/// What [`push`] wrote.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `registry/repo:tag`
    pub reference: String,
    pub manifest_digest: String,
    pub layer_digest: String,
    /// The bundle's own digest (over its file listing).
    pub bundle_digest: String,
    /// The cosign signature tag, when signed.
    pub signature_tag: Option<String>,
}

/// A deterministic `.tar.gz` of a directory's bundle files (sorted, mtime 0, mode 0644, owner 0).
pub fn tar_gz_dir(dir: &Path, opts: &LoadOptions) -> Result<Vec<u8>, BundleError> {
    let files = files_from_dir(dir, &opts.limits)?;
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let io = |e| io_err(dir, e);
    for f in &files {
        let mut h = tar::Header::new_ustar();
        h.set_size(f.bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, &f.path, f.bytes.as_slice())
            .map_err(io)?;
    }
    tar.into_inner()
        .and_then(flate2::write::GzEncoder::finish)
        .map_err(io)
}

/// Pushes a bundle (a directory or a `.tar.gz`) to `target` (`oci://REGISTRY/REPO:TAG` or the same without
/// `oci://`) and, with `key`, its cosign signature. The bundle is loaded first: a bundle that does not load
/// is not pushed.
pub fn push(
    bundle: &Path,
    target: &str,
    key: Option<&bulwark_signature::PrivateKey>,
    opts: &LoadOptions,
) -> Result<Pushed, BundleError> {
    let text = target.strip_prefix("oci://").unwrap_or(target);
    let reference: Reference = text
        .parse()
        .map_err(|e: RegistryError| BundleError::Source(format!("{target}: {e}")))?;
    let tag = reference
        .tag
        .clone()
        .filter(|_| reference.digest.is_none())
        .ok_or_else(|| BundleError::Source(format!("{target}: push needs a tag, not a digest")))?;
    let bytes = if bundle.is_dir() {
        tar_gz_dir(bundle, opts)?
    } else {
        crate::bundle::read_bounded(bundle, opts.limits.max_archive_bytes)?
    };
    let name = reference.repository.rsplit('/').next().unwrap_or("bundle");
    let loaded = Bundle::from_files(files_from_tar_gz(&bytes, name, &opts.limits)?, name, None)?;
    let fail = |e: RegistryError| BundleError::Fetch {
        source_name: format!("oci://{text}"),
        reason: e.to_string(),
    };
    let mut pusher = Pusher::new(&reference, &opts.registry).map_err(fail)?;
    let config = pusher.push_blob(b"{}").map_err(fail)?;
    let layer = pusher.push_blob(&bytes).map_err(fail)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": EMPTY_CONFIG, "digest": config.digest.to_string(), "size": config.size},
        "layers": [{
            "mediaType": LAYER_MEDIA_TYPE,
            "digest": layer.digest.to_string(),
            "size": layer.size,
            "annotations": {"org.opencontainers.image.title": format!("{name}.tar.gz")},
        }],
        "annotations": {
            "org.opencontainers.image.title": loaded.info.name,
            "dev.bulwark.policy.bundle.digest": loaded.info.digest,
        },
    });
    let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
    let digest = pusher
        .push_manifest(&tag, OCI_MANIFEST, &manifest)
        .map_err(fail)?
        .to_string();
    let signature_tag = match key {
        None => None,
        Some(k) => {
            let payload = simple_signing_payload(
                &format!("{}/{}", reference.registry, reference.repository),
                &digest,
            );
            let sig = k
                .sign_base64(&payload)
                .map_err(|e| BundleError::Source(e.to_string()))?;
            let payload_blob = pusher.push_blob(&payload).map_err(fail)?;
            // The image config cosign writes for a signature manifest.
            let config = serde_json::json!({
                "architecture": "", "os": "", "config": {}, "created": "0001-01-01T00:00:00Z",
                "history": [{"created": "0001-01-01T00:00:00Z"}],
                "rootfs": {"type": "layers", "diff_ids": [payload_blob.digest.to_string()]},
            });
            let config = pusher
                .push_blob(&serde_json::to_vec(&config).unwrap_or_default())
                .map_err(fail)?;
            let sig_manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_IMAGE_CONFIG, "digest": config.digest.to_string(), "size": config.size},
                "layers": [{
                    "mediaType": SIMPLE_SIGNING,
                    "digest": payload_blob.digest.to_string(),
                    "size": payload_blob.size,
                    "annotations": {SIGNATURE_ANNOTATION: sig},
                }],
            });
            let tag = sig_tag(&digest);
            pusher
                .push_manifest(
                    &tag,
                    OCI_MANIFEST,
                    &serde_json::to_vec(&sig_manifest).unwrap_or_default(),
                )
                .map_err(fail)?;
            Some(tag)
        }
    };
    Ok(Pushed {
        reference: format!("{}/{}:{tag}", reference.registry, reference.repository),
        manifest_digest: digest,
        layer_digest: layer.digest.to_string(),
        bundle_digest: loaded.info.digest,
        signature_tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let s = Source::parse("oci://127.0.0.1:5000/policies/base:v1")
            .unwrap()
            .unwrap();
        assert!(
            matches!(&s, Source::Oci { reference, .. } if reference.repository == "policies/base")
        );
        assert_eq!(s.name(), "base");
        let s = Source::parse("ghcr.io/org/policies@sha256:".to_owned().as_str());
        assert!(s.is_err() || s.unwrap().is_none());
        assert!(matches!(
            Source::parse("ghcr.io/org/policies:v1").unwrap(),
            Some(Source::Oci { .. })
        ));
        // Local-looking paths stay local.
        for local in [
            "policies",
            "some/dir",
            "./x/y",
            "bundle.tar.gz",
            "a.b/c.tar.gz",
        ] {
            assert_eq!(Source::parse(local).unwrap(), None, "{local}");
        }
        let h = format!("https://example.com/b.tar.gz#sha256={}", "a".repeat(64));
        assert!(matches!(
            Source::parse(&h).unwrap(),
            Some(Source::Https { .. })
        ));
        assert!(Source::parse("https://example.com/b.tar.gz").is_err());
        assert!(Source::parse("https://example.com/b.tar.gz#sha256=abc").is_err());
        assert!(
            Source::parse(&format!(
                "http://example.com/b.tar.gz#sha256={}",
                "a".repeat(64)
            ))
            .is_err()
        );
        assert!(
            Source::parse(&format!(
                "http://127.0.0.1:8/b.tar.gz#sha256={}",
                "a".repeat(64)
            ))
            .is_ok()
        );
    }

    #[test]
    fn simple_signing_round_trip_and_refusals() {
        let d = format!("sha256:{}", "b".repeat(64));
        let p = simple_signing_payload("r/x", &d);
        assert_eq!(parse_simple_signing(&p).unwrap(), d);
        // cosign's own example payload shape (SIGNATURE_SPEC.md), with a real-looking digest.
        let cosign = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"testing/manifest"}},"image":{{"Docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":{{"creator":"atomic"}}}}"#
        );
        // The spec's example capitalises the key; cosign itself writes `docker-manifest-digest`.
        assert!(parse_simple_signing(cosign.as_bytes()).is_err());
        let other = String::from_utf8(p)
            .unwrap()
            .replace(COSIGN_TYPE, "atomic container signature");
        assert!(parse_simple_signing(other.as_bytes()).is_err());
        for junk in ["", "{}", "[]", "null", "{\"critical\":1}"] {
            assert!(parse_simple_signing(junk.as_bytes()).is_err(), "{junk}");
        }
    }

    #[test]
    fn bundle_manifests() {
        let layer = format!("sha256:{}", "c".repeat(64));
        let m = serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": ARTIFACT_TYPE,
            "config": {"mediaType": EMPTY_CONFIG, "digest": format!("sha256:{}", "d".repeat(64)), "size": 2},
            "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": layer, "size": 10}],
        });
        let got = parse_bundle_manifest(m.to_string().as_bytes()).unwrap();
        assert_eq!(got.digest, layer);
        let mut image = m.clone();
        image["artifactType"] = serde_json::json!("application/vnd.bulwark.db.v1");
        assert!(parse_bundle_manifest(image.to_string().as_bytes()).is_err());
        let mut two = m.clone();
        two["layers"] = serde_json::json!([m["layers"][0], m["layers"][0]]);
        assert!(parse_bundle_manifest(two.to_string().as_bytes()).is_err());
        let mut bad = m;
        bad["layers"][0]["digest"] = serde_json::json!("sha256:../../etc");
        assert!(parse_bundle_manifest(bad.to_string().as_bytes()).is_err());
    }
}
