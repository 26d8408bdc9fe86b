//! A blocking client for the OCI distribution API that pulls an image into Bulwark's
//! content-addressed blob cache (`<cache_dir>/blobs/sha256/<hex>`).
//!
//! Every blob (manifests, config, layers) is verified against its sha256 digest while it
//! streams into a temporary file in the cache, and only then renamed into place; layers are
//! stored as they come (gzip, zstd or plain tar) and never decompressed here.
//!
//! ```no_run
//! use bulwark_registry::{pull, PullOptions, Reference};
//!
//! let reference: Reference = "127.0.0.1:5000/alpine:3.14".parse()?;
//! let mut opts = PullOptions::default();
//! opts.platform = "linux/arm64/v8".parse()?;
//! opts.progress = Some(Box::new(|e| eprintln!("{} {}/{}", e.digest, e.done, e.total)));
//! let image = pull(&reference, &opts)?;
//! for layer in &image.layers {
//!     println!("{} {} {}", layer.digest, layer.media_type, layer.path.display());
//! }
//! # Ok::<(), bulwark_registry::RegistryError>(())
//! ```
//!
//! Pushing ([`Pusher`]): blobs (a `HEAD` skips what the registry has, then a monolithic `POST` + `PUT` upload,
//! or a chunked one above [`CHUNKED_THRESHOLD`]) and manifests (`PUT`), over the same transport and auth as
//! pulls; and what signing needs to read back: raw manifests, blobs, the tag listing (with `Link`
//! pagination) and the OCI 1.1 referrers API with its tag-schema fallback ([`Pusher::referrers`],
//! [`Pusher::push_referrer`]).
//!
//! Auth: anonymous, basic, and the bearer-token challenge flow; credentials come from
//! [`PullOptions::username`]/[`PullOptions::password`], else from the Docker config file's
//! `auths` entries. Credential helpers (`credsStore`, `credHelpers`) are not supported.
//!
//! Transport: HTTPS (rustls with aws-lc-rs, Mozilla's roots from `webpki-roots`), except
//! plain HTTP when [`PullOptions::insecure`] is set, or for `localhost`, `127.0.0.1` and
//! `[::1]` when no [`PullOptions::ca_file`] is given (a CA bundle means the registry speaks
//! TLS). `ca_file` (or else `SSL_CERT_FILE`) *replaces* the built-in roots with the
//! certificates of a PEM bundle.

mod artifact;
mod auth;
mod cache;
mod client;
mod digest;
mod error;
mod manifest;
mod platform;
mod push;
mod reference;

use std::collections::HashSet;
use std::fmt;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use artifact::{
    MAX_REFERRERS, MAX_TAGS, OciDescriptor, OciIndex, ReferrerFields, TAG_PAGE_SIZE, TagPage,
    parse_link_next, parse_referrer_fields, parse_referrers_index, parse_tag_page, referrers_tag,
    valid_tag,
};
pub use auth::{
    Challenge, Credentials, credentials_from_docker_config, docker_config_path, parse_challenges,
};
pub use cache::{BlobCache, default_cache_dir};
pub use digest::Digest;
pub use error::RegistryError;
pub use manifest::{
    Compression, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, MANIFEST_ACCEPT, OCI_INDEX, OCI_MANIFEST,
};
pub use platform::Platform;
pub use push::{
    CHUNK_SIZE, CHUNKED_THRESHOLD, PushOptions, PushedBlob, PushedReferrer, Pusher, RawManifest,
    Referrers, ReferrersSource,
};
pub use reference::{DOCKER_HUB, DOCKER_HUB_API, Reference};

use cache::StoreError;
use client::{Client, ClientConfig};
use manifest::{Descriptor, Manifest, select_platform};

/// Manifests and indexes larger than this are refused (hostile or broken registries).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Image configs larger than this are refused; real ones are a few KiB to a few hundred.
pub const MAX_CONFIG_BYTES: u64 = 32 * 1024 * 1024;
/// Layers declaring more than this are refused before any byte is downloaded: the largest layers seen in
/// practice (CUDA and model images) are a few GiB, and a registry that declares a terabyte would otherwise
/// fill the disk (red team #10). [`PullOptions::max_layer_bytes`] changes it.
pub const MAX_LAYER_BYTES: u64 = 32 << 30;
/// The default overall deadline of a pull ([`PullOptions::deadline`]); `BULWARK_PULL_TIMEOUT` (seconds, or a
/// number with `s`, `m` or `h`) overrides it.
pub const DEFAULT_PULL_DEADLINE: Duration = Duration::from_hours(1);
/// An index may point at another index this many times before we give up.
const MAX_INDEX_DEPTH: usize = 2;

/// What a blob is, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Manifest,
    Config,
    Layer,
}

/// Where a blob is in its download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressState {
    /// The download begins (`done` is 0).
    Started,
    /// More bytes arrived.
    Downloading,
    /// Verified and in the cache.
    Finished,
    /// Already in the cache; nothing downloaded.
    Cached,
}

/// One progress report, for drawing a bar per blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressEvent {
    pub digest: String,
    pub kind: BlobKind,
    pub state: ProgressState,
    pub done: u64,
    pub total: u64,
}

/// The progress callback type.
pub type ProgressFn = Box<dyn Fn(ProgressEvent) + Send + Sync>;

/// How to pull. `PullOptions::default()` pulls `linux/amd64` into [`default_cache_dir`],
/// anonymously unless the Docker config has credentials for the registry.
pub struct PullOptions {
    /// Which manifest of a multi-arch index to pull.
    pub platform: Platform,
    /// Root of the cache; blobs go to `<cache_dir>/blobs/sha256/<hex>`.
    pub cache_dir: PathBuf,
    /// Speak plain HTTP to the registry (as Docker's "insecure registries").
    pub insecure: bool,
    /// PEM bundle of CA certificates to trust instead of the built-in roots. Also switches
    /// loopback registries from plain HTTP to HTTPS.
    pub ca_file: Option<PathBuf>,
    /// Explicit credentials; they take precedence over the Docker config file.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Docker config file to read credentials from; `None` means `$DOCKER_CONFIG/config.json`
    /// or `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
    /// After the pull, evict least recently used blobs until the cache is at most this big
    /// (the blobs of the image just pulled are never evicted).
    pub max_cache_bytes: Option<u64>,
    pub progress: Option<ProgressFn>,
    /// Accept layers of any media type, as OCI artifacts (a vulnerability DB, a signature) have them;
    /// compression then comes from a `+gzip`/`+zstd` suffix. Image pulls leave this off, so that an
    /// unknown layer type is refused before anything is downloaded.
    pub artifact: bool,
    /// The whole pull (every request and body) must finish within this; a registry that drips one byte
    /// every few seconds never trips a per-read timeout, only this. `None`: no deadline.
    pub deadline: Option<Duration>,
    /// Layers (and other blobs) declaring more bytes than this are refused before the download.
    pub max_layer_bytes: u64,
}

/// `BULWARK_PULL_TIMEOUT`: `90`, `90s`, `10m`, `2h`; `0` turns the deadline off.
fn deadline_from_env() -> Option<Duration> {
    let Some(v) = std::env::var_os("BULWARK_PULL_TIMEOUT").filter(|v| !v.is_empty()) else {
        return Some(DEFAULT_PULL_DEADLINE);
    };
    let v = v.to_string_lossy();
    let v = v.trim();
    let (num, unit) = match v.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => v.split_at(i),
        None => (v, "s"),
    };
    let secs: u64 = match (num.parse::<u64>(), unit) {
        (Ok(n), "s") => n,
        (Ok(n), "m") => n.saturating_mul(60),
        (Ok(n), "h") => n.saturating_mul(3600),
        // Unreadable: keep the default rather than pulling without a deadline.
        _ => return Some(DEFAULT_PULL_DEADLINE),
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            platform: Platform::default(),
            cache_dir: default_cache_dir(),
            insecure: false,
            ca_file: None,
            username: None,
            password: None,
            docker_config: None,
            max_cache_bytes: None,
            progress: None,
            artifact: false,
            deadline: deadline_from_env(),
            max_layer_bytes: MAX_LAYER_BYTES,
        }
    }
}

impl fmt::Debug for PullOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PullOptions")
            .field("platform", &self.platform)
            .field("cache_dir", &self.cache_dir)
            .field("insecure", &self.insecure)
            .field("ca_file", &self.ca_file)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("docker_config", &self.docker_config)
            .field("max_cache_bytes", &self.max_cache_bytes)
            .field("artifact", &self.artifact)
            .field("deadline", &self.deadline)
            .field("max_layer_bytes", &self.max_layer_bytes)
            .field(
                "progress",
                &self.progress.as_ref().map(|_| "Fn(ProgressEvent)"),
            )
            .finish()
    }
}

/// A pulled image: everything is in the cache, manifest and config also in memory.
#[derive(Debug, Clone)]
pub struct PulledImage {
    pub reference: Reference,
    /// Digest of the image manifest (for a multi-arch image: the chosen platform's one).
    pub manifest_digest: String,
    pub manifest_media_type: String,
    pub manifest: Vec<u8>,
    /// Digest of the index the manifest was chosen from, if there was one.
    pub index_digest: Option<String>,
    /// The platform of the chosen index entry, if there was an index.
    pub platform: Option<Platform>,
    pub config_digest: String,
    pub config: Vec<u8>,
    /// In manifest order (base layer first).
    pub layers: Vec<PulledLayer>,
}

/// One layer blob in the cache, compressed as the registry served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledLayer {
    pub digest: String,
    pub media_type: String,
    pub compression: Compression,
    pub size: u64,
    pub path: PathBuf,
    /// The descriptor's annotations (`org.opencontainers.image.title`, a signature, …).
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// Pulls `reference` into `opts.cache_dir` and returns where everything is.
///
/// Blobs already in the cache are not downloaded again; a tag is always resolved against the
/// registry (tags move), a digest reference whose manifest is cached makes no request for it.
pub fn pull(reference: &Reference, opts: &PullOptions) -> Result<PulledImage, RegistryError> {
    let client = connect(
        reference,
        &Access {
            insecure: opts.insecure,
            ca_file: opts.ca_file.as_deref(),
            username: opts.username.as_deref(),
            password: opts.password.as_deref(),
            docker_config: opts.docker_config.as_deref(),
            deadline: opts.deadline,
        },
    )?;
    let mut puller = Puller {
        client,
        cache: {
            let cache = BlobCache::open(&opts.cache_dir)?;
            cache.remove_stale_temps();
            cache
        },
        reference,
        opts,
        keep: HashSet::new(),
    };
    let image = puller.run()?;
    if let Some(max) = opts.max_cache_bytes {
        puller.cache.evict(max, &puller.keep)?;
    }
    Ok(image)
}

/// How to reach a registry, as pulls and pushes are both told.
pub(crate) struct Access<'a> {
    pub(crate) insecure: bool,
    pub(crate) ca_file: Option<&'a std::path::Path>,
    pub(crate) username: Option<&'a str>,
    pub(crate) password: Option<&'a str>,
    pub(crate) docker_config: Option<&'a std::path::Path>,
    pub(crate) deadline: Option<std::time::Duration>,
}

/// A client for `reference`'s registry: credentials resolved, TLS set up, the deadline started now.
pub(crate) fn connect(reference: &Reference, a: &Access<'_>) -> Result<Client, RegistryError> {
    let credentials =
        resolve_credentials(&reference.registry, a.username, a.password, a.docker_config)?;
    Client::new(
        reference,
        ClientConfig {
            insecure: a.insecure,
            ca_file: a.ca_file,
            credentials,
            deadline: a.deadline.map(|d| (Instant::now() + d, d)),
        },
    )
}

/// Explicit credentials, else the Docker config file's entry for `registry`.
fn resolve_credentials(
    registry: &str,
    username: Option<&str>,
    password: Option<&str>,
    docker_config: Option<&std::path::Path>,
) -> Result<Option<Credentials>, RegistryError> {
    Ok(match username {
        Some(u) => Some(Credentials {
            username: u.to_owned(),
            password: password.unwrap_or_default().to_owned(),
        }),
        None => match docker_config
            .map(std::path::Path::to_path_buf)
            .or_else(docker_config_path)
        {
            Some(path) => credentials_from_docker_config(&path, registry)?,
            None => None,
        },
    })
}

struct Puller<'a> {
    client: Client,
    cache: BlobCache,
    reference: &'a Reference,
    opts: &'a PullOptions,
    keep: HashSet<PathBuf>,
}

struct FetchedManifest {
    bytes: Vec<u8>,
    digest: Digest,
    manifest: Manifest,
}

impl Puller<'_> {
    fn progress(
        &self,
        digest: &Digest,
        kind: BlobKind,
        state: ProgressState,
        done: u64,
        total: u64,
    ) {
        if let Some(cb) = &self.opts.progress {
            cb(ProgressEvent {
                digest: digest.to_string(),
                kind,
                state,
                done,
                total,
            });
        }
    }

    fn run(&mut self) -> Result<PulledImage, RegistryError> {
        let expected = self
            .reference
            .digest
            .as_deref()
            .map(Digest::parse)
            .transpose()?;
        let mut fetched =
            self.manifest(self.reference.manifest_target(), expected.as_ref(), None)?;
        let mut index_digest = None;
        let mut platform = None;
        for depth in 0..=MAX_INDEX_DEPTH {
            let Manifest::Index { manifests, .. } = &fetched.manifest else {
                break;
            };
            if depth == MAX_INDEX_DEPTH {
                return Err(RegistryError::InvalidManifest {
                    url: self.client.url("manifests", &fetched.digest.to_string()),
                    reason: format!("indexes nested deeper than {MAX_INDEX_DEPTH} levels"),
                });
            }
            let chosen = select_platform(manifests, &self.opts.platform).map_err(|available| {
                RegistryError::PlatformNotFound {
                    reference: self.reference.to_string(),
                    wanted: self.opts.platform.to_string(),
                    available: if available.is_empty() {
                        "none".to_owned()
                    } else {
                        available.join(", ")
                    },
                }
            })?;
            let child = Digest::parse(&chosen.digest)?;
            platform = chosen
                .platform
                .as_ref()
                .map(manifest::PlatformJson::to_platform);
            index_digest = Some(fetched.digest.to_string());
            let size = chosen.size;
            fetched = self.manifest(&child.to_string(), Some(&child), Some(size))?;
        }
        let Manifest::Image {
            media_type,
            config,
            layers,
        } = &fetched.manifest
        else {
            // The loop above returns an error rather than leave an index here.
            return Err(RegistryError::InvalidManifest {
                url: self.client.url("manifests", &fetched.digest.to_string()),
                reason: "expected an image manifest".to_owned(),
            });
        };

        // Refuse bad digests and unknown layer types before downloading anything.
        Digest::parse(&config.digest)?;
        let mut kinds = Vec::with_capacity(layers.len());
        for layer in layers {
            Digest::parse(&layer.digest)?;
            if self.opts.artifact {
                kinds.push(Compression::from_artifact_media_type(&layer.media_type));
                continue;
            }
            let compression = Compression::from_media_type(&layer.media_type).ok_or_else(|| {
                RegistryError::UnsupportedLayer {
                    reference: self.reference.to_string(),
                    digest: layer.digest.clone(),
                    media_type: layer.media_type.clone(),
                }
            })?;
            kinds.push(compression);
        }

        let config_url = self.client.url("blobs", &config.digest);
        if config.size > MAX_CONFIG_BYTES {
            return Err(RegistryError::TooLarge {
                url: config_url,
                what: "image config",
                limit: MAX_CONFIG_BYTES,
            });
        }
        let (config_digest, config_path) = self.blob(config, BlobKind::Config)?;
        let config_bytes = std::fs::read(&config_path)
            .map_err(|e| RegistryError::io("reading", &config_path, e))?;

        // Every declared size is checked before the first layer is downloaded.
        if let Some(big) = layers.iter().find(|l| l.size > self.opts.max_layer_bytes) {
            return Err(RegistryError::LayerTooLarge {
                reference: self.reference.to_string(),
                digest: big.digest.clone(),
                declared: big.size,
                limit: self.opts.max_layer_bytes,
            });
        }
        let mut pulled_layers = Vec::with_capacity(layers.len());
        for (layer, compression) in layers.iter().zip(kinds) {
            let (digest, path) = self.blob(layer, BlobKind::Layer)?;
            pulled_layers.push(PulledLayer {
                digest: digest.to_string(),
                media_type: layer.media_type.clone(),
                compression,
                size: layer.size,
                path,
                annotations: layer.annotations.clone(),
            });
        }

        Ok(PulledImage {
            reference: self.reference.clone(),
            manifest_digest: fetched.digest.to_string(),
            manifest_media_type: media_type.clone(),
            manifest: fetched.bytes,
            index_digest,
            platform,
            config_digest: config_digest.to_string(),
            config: config_bytes,
            layers: pulled_layers,
        })
    }

    /// Fetches (or reads from the cache, when the digest is known) a manifest or index,
    /// verifies it and stores it in the cache.
    fn manifest(
        &mut self,
        target: &str,
        expected: Option<&Digest>,
        size: Option<u64>,
    ) -> Result<FetchedManifest, RegistryError> {
        let url = self.client.url("manifests", target);
        if let Some(digest) = expected
            && let Some(path) = self.cache.lookup(digest, size)
        {
            let bytes = read_capped(&path, MAX_MANIFEST_BYTES)
                .map_err(|e| RegistryError::io("reading", &path, e))?;
            if let Some(bytes) = bytes {
                let manifest = Manifest::parse(&bytes, None, &path.display().to_string())?;
                self.progress(
                    digest,
                    BlobKind::Manifest,
                    ProgressState::Cached,
                    bytes.len() as u64,
                    bytes.len() as u64,
                );
                self.keep.insert(path);
                return Ok(FetchedManifest {
                    bytes,
                    digest: digest.clone(),
                    manifest,
                });
            }
        }

        let resp = self.client.get(&url, manifest::MANIFEST_ACCEPT)?;
        let resp = self
            .client
            .check_status(&url, &format!("manifest {target}"), resp)?;
        let content_type = header(&resp, "content-type");
        let header_digest = header(&resp, "docker-content-digest");
        let limit = size.map_or(MAX_MANIFEST_BYTES, |s| s.min(MAX_MANIFEST_BYTES));
        let bytes = match resp
            .into_body()
            .into_with_config()
            .limit(limit)
            .read_to_vec()
        {
            Ok(b) => b,
            Err(ureq::Error::BodyExceedsLimit(_))
                if size.is_some_and(|s| s < MAX_MANIFEST_BYTES) =>
            {
                return Err(RegistryError::SizeMismatch {
                    url,
                    repository: self.client.repository().to_owned(),
                    expected: size.unwrap_or_default(),
                    actual: limit + 1,
                });
            }
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(RegistryError::TooLarge {
                    url,
                    what: "manifest",
                    limit: MAX_MANIFEST_BYTES,
                });
            }
            Err(e) => return Err(self.client.transport_err(&url, e)),
        };
        let actual = Digest::of(&bytes);
        // What we asked for by digest must hash to it; for a tag, the registry's own
        // Docker-Content-Digest claim must hold.
        let claimed = match expected {
            Some(d) => Some(d.to_string()),
            None => header_digest.filter(|h| h.starts_with("sha256:")),
        };
        if let Some(claimed) = claimed
            && claimed != actual.to_string()
        {
            return Err(RegistryError::DigestMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected: claimed,
                actual: actual.to_string(),
            });
        }
        if let Some(s) = size
            && s != bytes.len() as u64
        {
            return Err(RegistryError::SizeMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected: s,
                actual: bytes.len() as u64,
            });
        }
        let manifest = Manifest::parse(&bytes, content_type.as_deref(), &url)?;
        let path = self
            .cache
            .store_bytes(&actual, &bytes)
            .map_err(|e| self.store_error(&url, &actual, bytes.len() as u64, e))?;
        self.progress(
            &actual,
            BlobKind::Manifest,
            ProgressState::Finished,
            bytes.len() as u64,
            bytes.len() as u64,
        );
        self.keep.insert(path);
        Ok(FetchedManifest {
            bytes,
            digest: actual,
            manifest,
        })
    }

    /// Makes sure a blob is in the cache, downloading and verifying it if needed.
    fn blob(
        &mut self,
        desc: &Descriptor,
        kind: BlobKind,
    ) -> Result<(Digest, PathBuf), RegistryError> {
        let digest = Digest::parse(&desc.digest)?;
        if let Some(path) = self.cache.lookup(&digest, Some(desc.size)) {
            self.progress(&digest, kind, ProgressState::Cached, desc.size, desc.size);
            self.keep.insert(path.clone());
            return Ok((digest, path));
        }
        let url = self.client.url("blobs", &digest.to_string());
        let resp = self.client.get(&url, "*/*")?;
        let resp = self
            .client
            .check_status(&url, &format!("blob {digest}"), resp)?;
        self.progress(&digest, kind, ProgressState::Started, 0, desc.size);
        let mut reader = self.client.deadline_reader(resp.into_body().into_reader());
        let total = desc.size;
        let progress = self.opts.progress.as_ref();
        let mut last_report = 0u64;
        let mut on_bytes = |done: u64| {
            // Report every 256 KiB at most, and at the end.
            if let Some(cb) = progress
                && (done - last_report >= 256 * 1024 || done == total)
            {
                last_report = done;
                cb(ProgressEvent {
                    digest: digest.to_string(),
                    kind,
                    state: ProgressState::Downloading,
                    done,
                    total,
                });
            }
        };
        let stored = self
            .cache
            .store(&digest, Some(desc.size), &mut reader, &mut on_bytes);
        let path = stored.map_err(|e| self.store_error(&url, &digest, desc.size, e))?;
        self.progress(&digest, kind, ProgressState::Finished, desc.size, desc.size);
        self.keep.insert(path.clone());
        Ok((digest, path))
    }

    fn store_error(&self, url: &str, expected: &Digest, size: u64, e: StoreError) -> RegistryError {
        let repository = self.client.repository().to_owned();
        match e {
            StoreError::Read(error) => match self.client.deadline_passed() {
                Some(after) => RegistryError::Deadline {
                    url: url.to_owned(),
                    after,
                },
                None => RegistryError::Download {
                    url: url.to_owned(),
                    error,
                },
            },
            StoreError::Size { actual } => RegistryError::SizeMismatch {
                url: url.to_owned(),
                repository,
                expected: size,
                actual,
            },
            StoreError::Mismatch { actual } => RegistryError::DigestMismatch {
                url: url.to_owned(),
                repository,
                expected: expected.to_string(),
                actual: actual.to_string(),
            },
            StoreError::Cache(e) => e,
        }
    }
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads a file if it is at most `limit` bytes; `None` if it is bigger.
fn read_capped(path: &std::path::Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}
