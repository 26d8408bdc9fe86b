//! Opening images: docker-archive, OCI layout directory, oci-archive, a registry pull already in the blob
//! cache. Each becomes an [`Image`]: its config, its layers in order, and a way to open each layer blob.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_types::LayerRef;
use rayon::prelude::*;
use serde::Deserialize;

use crate::SourceError;
use crate::digest::{sha256_digest, sha256_hex};
use crate::fs::ImageFs;
use crate::layer::{LayerContents, ReadOptions, Verify};

/// Largest manifest, index or config we read (real ones are a few KiB).
const MAX_JSON_BYTES: u64 = 16 << 20;

/// Where blobs live.
#[derive(Debug, Clone)]
enum Store {
    /// A directory with `blobs/<alg>/<hex>`.
    Dir(PathBuf),
    /// Members of a tar file, by normalised name: (offset, size).
    Tar {
        path: PathBuf,
        members: HashMap<String, (u64, u64)>,
    },
    /// Explicit files, by digest (a registry pull into the cache).
    Files(HashMap<String, PathBuf>),
}

impl Store {
    fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, SourceError> {
        match self {
            Self::Dir(root) => Ok(Box::new(open_regular(&root.join(name))?)),
            Self::Tar { path, members } => {
                let &(offset, size) = members.get(name).ok_or_else(|| {
                    SourceError::format(path.display().to_string(), format!("no member '{name}'"))
                })?;
                let mut f = File::open(path).map_err(|e| SourceError::io(path, e))?;
                f.seek(SeekFrom::Start(offset))
                    .map_err(|e| SourceError::io(path, e))?;
                Ok(Box::new(f.take(size)))
            }
            Self::Files(map) => {
                let p = map
                    .get(name)
                    .ok_or_else(|| SourceError::format(name, "blob not in the cache"))?;
                Ok(Box::new(open_regular(p)?))
            }
        }
    }

    /// The blob as a file range, for stores backed by files (all of them today).
    fn section(&self, name: &str) -> Result<crate::layer::Section, SourceError> {
        let (path, start, len) = match self {
            Self::Dir(root) => (root.join(name), 0, None),
            Self::Tar { path, members } => {
                let &(offset, size) = members.get(name).ok_or_else(|| {
                    SourceError::format(path.display().to_string(), format!("no member '{name}'"))
                })?;
                (path.clone(), offset, Some(size))
            }
            Self::Files(map) => (
                map.get(name)
                    .cloned()
                    .ok_or_else(|| SourceError::format(name, "blob not in the cache"))?,
                0,
                None,
            ),
        };
        if !matches!(self, Self::Tar { .. }) {
            // Refused before the open: opening a FIFO blocks.
            ensure_regular(&path)?;
        }
        crate::layer::Section::new(&path, start, len).map_err(|e| SourceError::io(&path, e))
    }

    /// Whether the store has an entry by that name. A FIFO or device in a layout directory "exists": opening it
    /// is then refused with an error that says what it is, rather than calling it missing.
    fn exists(&self, name: &str) -> bool {
        match self {
            Self::Dir(root) => root.join(name).exists(),
            Self::Tar { members, .. } => members.contains_key(name),
            Self::Files(map) => map.contains_key(name),
        }
    }

    fn read_all(&self, name: &str) -> Result<Vec<u8>, SourceError> {
        let mut buf = Vec::new();
        self.open(name)?
            .take(MAX_JSON_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| SourceError::io(name, e))?;
        if buf.len() as u64 > MAX_JSON_BYTES {
            return Err(SourceError::format(
                name,
                format!("larger than {MAX_JSON_BYTES} bytes"),
            ));
        }
        Ok(buf)
    }

    /// Reads a blob by digest and checks it.
    fn read_blob(&self, digest: &str, image: &str) -> Result<Vec<u8>, SourceError> {
        let name = self.blob_name(digest)?;
        if !self.exists(&name) {
            return Err(SourceError::MissingBlob {
                image: image.to_string(),
                digest: digest.to_string(),
            });
        }
        let bytes = self.read_all(&name)?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(SourceError::DigestMismatch {
                what: "blob",
                name: format!("{image}@{digest}"),
                expected: digest.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }

    fn blob_name(&self, digest: &str) -> Result<String, SourceError> {
        let hex = sha256_hex(digest)?;
        Ok(match self {
            Self::Files(_) => digest.to_string(),
            _ => format!("blobs/sha256/{hex}"),
        })
    }
}

/// The parts of an image config we use. Unknown fields are ignored; the raw JSON is kept on [`Image`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub config: serde_json::Value,
    #[serde(default)]
    pub rootfs: RootFs,
    #[serde(default)]
    pub history: Vec<History>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub empty_layer: bool,
}

/// One layer blob and how to check it.
#[derive(Debug, Clone)]
pub struct Layer {
    pub info: LayerRef,
    name: String,
    verify: Verify,
}

/// An opened image: metadata plus lazily read layers.
#[derive(Debug, Clone)]
pub struct Image {
    /// What the user asked for (path, `path:tag`, reference).
    pub name: String,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    pub repo_tags: Vec<String>,
    pub config: ImageConfig,
    /// The config blob as stored.
    pub config_raw: Vec<u8>,
    pub layers: Vec<Layer>,
    store: Store,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Debug, Deserialize, Clone)]
struct Platform {
    architecture: String,
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

/// An OCI index or a manifest; umoci writes both without `mediaType`, so the shape decides.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexOrManifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// The platform to pick from a multi-arch index: `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSpec {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Default for PlatformSpec {
    fn default() -> Self {
        Self {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
        }
    }
}

impl std::str::FromStr for PlatformSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut it = s.split('/');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(os), Some(arch), variant, None) if !os.is_empty() && !arch.is_empty() => {
                Ok(Self {
                    os: os.into(),
                    arch: arch.into(),
                    variant: variant.map(str::to_string),
                })
            }
            _ => Err(format!(
                "invalid platform '{s}' (expected os/arch[/variant], e.g. linux/amd64)"
            )),
        }
    }
}

impl std::fmt::Display for PlatformSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl Image {
    /// Opens an OCI image layout directory. `tag` selects by `org.opencontainers.image.ref.name`.
    pub fn open_oci_dir(
        dir: &Path,
        tag: Option<&str>,
        platform: &PlatformSpec,
    ) -> Result<Self, SourceError> {
        let store = Store::Dir(dir.to_path_buf());
        let name = match tag {
            Some(t) => format!("{}:{t}", dir.display()),
            None => dir.display().to_string(),
        };
        Self::open_oci(store, name, tag, platform)
    }

    /// Opens a docker-archive (`docker save`, legacy or OCI-in-tar) or an oci-archive tar file.
    pub fn open_archive(
        path: &Path,
        tag: Option<&str>,
        platform: &PlatformSpec,
    ) -> Result<Self, SourceError> {
        let members = index_tar(path)?;
        let store = Store::Tar {
            path: path.to_path_buf(),
            members,
        };
        let name = match tag {
            Some(t) => format!("{}:{t}", path.display()),
            None => path.display().to_string(),
        };
        if store.exists("manifest.json") {
            Self::open_docker_archive(store, name, tag)
        } else if store.exists("index.json") {
            Self::open_oci(store, name, tag, platform)
        } else {
            Err(SourceError::format(
                path.display().to_string(),
                "neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)",
            ))
        }
    }

    /// An image pulled into the blob cache: the manifest and config bytes, and each layer's file.
    pub fn from_pulled(
        name: String,
        manifest_digest: String,
        config_digest: String,
        config_raw: Vec<u8>,
        layer_files: Vec<(String, PathBuf)>,
    ) -> Result<Self, SourceError> {
        let config: ImageConfig = serde_json::from_slice(&config_raw)
            .map_err(|e| SourceError::format(format!("{name} config"), e.to_string()))?;
        let digests: Vec<String> = layer_files.iter().map(|(d, _)| d.clone()).collect();
        let store = Store::Files(layer_files.into_iter().collect());
        let layers = build_layers(
            &config,
            digests
                .iter()
                .map(|d| (d.clone(), Some(d.clone())))
                .collect(),
            true,
        );
        Ok(Self {
            name,
            manifest_digest: Some(manifest_digest),
            config_digest: Some(config_digest),
            repo_tags: Vec::new(),
            config,
            config_raw,
            layers,
            store,
        })
    }

    fn open_oci(
        store: Store,
        name: String,
        tag: Option<&str>,
        platform: &PlatformSpec,
    ) -> Result<Self, SourceError> {
        let index_bytes = store.read_all("index.json")?;
        let index: IndexOrManifest = serde_json::from_slice(&index_bytes)
            .map_err(|e| SourceError::format(format!("{name}: index.json"), e.to_string()))?;
        let manifests = index.manifests.unwrap_or_default();
        let chosen = match tag {
            Some(t) => manifests
                .iter()
                .find(|d| {
                    d.annotations
                        .get("org.opencontainers.image.ref.name")
                        .is_some_and(|n| n == t || n.ends_with(&format!(":{t}")))
                })
                .ok_or_else(|| {
                    SourceError::Select(format!(
                        "{name}: no manifest tagged '{t}' (tags: {})",
                        tags(&manifests)
                    ))
                })?,
            None if manifests.len() == 1 => &manifests[0],
            None if manifests.is_empty() => {
                return Err(SourceError::Select(format!(
                    "{name}: index.json lists no manifests"
                )));
            }
            None => {
                // Several entries: a platform choice when they carry platforms, else the user must name a tag.
                if manifests.iter().all(|d| d.platform.is_some()) {
                    pick_platform(&manifests, platform, &name)?
                } else {
                    return Err(SourceError::Select(format!(
                        "{name}: several images; choose one with {name}:TAG (tags: {})",
                        tags(&manifests)
                    )));
                }
            }
        };
        let mut digest = chosen.digest.clone();
        let mut tag_names: Vec<String> = chosen
            .annotations
            .get("org.opencontainers.image.ref.name")
            .map(|t| vec![t.clone()])
            .unwrap_or_default();
        // Follow nested indexes (multi-arch) down to one manifest.
        for _ in 0..8 {
            let bytes = store.read_blob(&digest, &name)?;
            let doc: IndexOrManifest = serde_json::from_slice(&bytes).map_err(|e| {
                SourceError::format(format!("{name}: blob {digest}"), e.to_string())
            })?;
            if let Some(ms) = doc.manifests {
                let next = pick_platform(&ms, platform, &name)?;
                digest.clone_from(&next.digest);
                continue;
            }
            let (Some(cfg), Some(layers)) = (doc.config, doc.layers) else {
                return Err(SourceError::format(
                    format!("{name}: blob {digest}"),
                    format!("not an image manifest (mediaType {:?})", doc.media_type),
                ));
            };
            let config_raw = store.read_blob(&cfg.digest, &name)?;
            let config: ImageConfig = serde_json::from_slice(&config_raw).map_err(|e| {
                SourceError::format(format!("{name}: config {}", cfg.digest), e.to_string())
            })?;
            for l in &layers {
                let n = store.blob_name(&l.digest)?;
                if !store.exists(&n) {
                    return Err(SourceError::MissingBlob {
                        image: format!("{name} (manifest {digest})"),
                        digest: l.digest.clone(),
                    });
                }
                if l.media_type
                    .as_deref()
                    .is_some_and(|m| m.contains("nondistributable") || m.contains("foreign"))
                {
                    // Foreign layers (Windows base layers) are not shipped; nothing to read.
                }
            }
            let layer_list = layers
                .iter()
                .map(|l| Ok((store.blob_name(&l.digest)?, Some(l.digest.clone()))))
                .collect::<Result<Vec<_>, SourceError>>()?;
            let built = build_layers(&config, layer_list, true);
            tag_names.retain(|t| !t.is_empty());
            return Ok(Self {
                name,
                manifest_digest: Some(digest),
                config_digest: Some(cfg.digest),
                repo_tags: tag_names,
                config,
                config_raw,
                layers: built,
                store,
            });
        }
        Err(SourceError::format(
            name,
            "index nesting deeper than 8 levels",
        ))
    }

    fn open_docker_archive(
        store: Store,
        name: String,
        tag: Option<&str>,
    ) -> Result<Self, SourceError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Entry {
            config: String,
            #[serde(default)]
            repo_tags: Option<Vec<String>>,
            layers: Vec<String>,
        }
        let raw = store.read_all("manifest.json")?;
        let entries: Vec<Entry> = serde_json::from_slice(&raw)
            .map_err(|e| SourceError::format(format!("{name}: manifest.json"), e.to_string()))?;
        let entry = match tag {
            Some(t) => entries
                .iter()
                .find(|e| {
                    e.repo_tags.iter().flatten().any(|rt| {
                        rt == t || rt.ends_with(&format!(":{t}")) || rt.ends_with(&format!("/{t}"))
                    })
                })
                .ok_or_else(|| SourceError::Select(format!("{name}: no image tagged '{t}'")))?,
            None => match entries.as_slice() {
                [one] => one,
                [] => {
                    return Err(SourceError::Select(format!(
                        "{name}: manifest.json lists no images"
                    )));
                }
                _ => {
                    return Err(SourceError::Select(format!(
                        "{name}: several images; choose one with {name}:TAG"
                    )));
                }
            },
        };
        let cfg_name = crate::layer::normalize(&entry.config).unwrap_or_default();
        if !store.exists(&cfg_name) {
            return Err(SourceError::MissingBlob {
                image: name,
                digest: entry.config.clone(),
            });
        }
        let config_raw = store.read_all(&cfg_name)?;
        let config_digest = sha256_digest(&config_raw);
        // The legacy layout names the config `<hex>.json` and the OCI-in-tar layout `blobs/sha256/<hex>`:
        // either way the name carries the digest, so check it.
        let stem = cfg_name.clone();
        let stem = stem
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".json");
        if stem.len() == 64 && format!("sha256:{stem}") != config_digest {
            return Err(SourceError::DigestMismatch {
                what: "config",
                name: cfg_name,
                expected: format!("sha256:{stem}"),
                actual: config_digest,
            });
        }
        let config: ImageConfig = serde_json::from_slice(&config_raw)
            .map_err(|e| SourceError::format(format!("{name}: {cfg_name}"), e.to_string()))?;
        let mut layer_list = Vec::new();
        for l in &entry.layers {
            let n = crate::layer::normalize(l).unwrap_or_default();
            if !store.exists(&n) {
                return Err(SourceError::MissingBlob {
                    image: name.clone(),
                    digest: l.clone(),
                });
            }
            layer_list.push((n, None));
        }
        let layers = build_layers(&config, layer_list, false);
        Ok(Self {
            name,
            manifest_digest: None,
            config_digest: Some(config_digest),
            repo_tags: entry.repo_tags.clone().unwrap_or_default(),
            config,
            config_raw,
            layers,
            store,
        })
    }

    /// Streams every layer (in parallel), keeping wanted files, and merges them in order.
    ///
    /// A blob listed at several positions of the manifest is read once: its contents are shared by every
    /// position (applying the same layer again is idempotent), so N copies never cost N reads or N times the
    /// memory of its wanted files.
    pub fn read_fs(&self, opts: &ReadOptions<'_>) -> Result<ImageFs, SourceError> {
        let mut first: HashMap<(&str, &Verify), usize> = HashMap::new();
        let slot: Vec<usize> = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| *first.entry((l.name.as_str(), &l.verify)).or_insert(i))
            .collect();
        let unique: Vec<usize> = (0..self.layers.len()).filter(|&i| slot[i] == i).collect();
        let read: Vec<Arc<LayerContents>> = unique
            .par_iter()
            .map(|&i| {
                let l = &self.layers[i];
                let section = self.store.section(&l.name)?;
                let verify = if opts.verify_digests {
                    &l.verify
                } else {
                    &Verify::Nothing
                };
                crate::layer::read_layer_file(section, &l.info, verify, opts).map(Arc::new)
            })
            .collect::<Result<_, _>>()?;
        let by_first: HashMap<usize, &Arc<LayerContents>> =
            unique.iter().copied().zip(&read).collect();
        let contents: Vec<Arc<LayerContents>> =
            slot.iter().map(|i| Arc::clone(by_first[i])).collect();
        drop(by_first);
        drop(read);
        Ok(ImageFs::merge_shared(
            self.layers.iter().map(|l| l.info.clone()).collect(),
            contents,
        ))
    }
}

/// Pairs layer blobs with diff ids and history; `blob_digest` is the stored blob's digest where known.
fn build_layers(
    config: &ImageConfig,
    blobs: Vec<(String, Option<String>)>,
    verify_blob: bool,
) -> Vec<Layer> {
    let created_by: Vec<Option<String>> = config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.clone())
        .collect();
    blobs
        .into_iter()
        .enumerate()
        .map(|(index, (name, blob_digest))| {
            let diff_id = config.rootfs.diff_ids.get(index).cloned();
            let verify = match (&blob_digest, &diff_id) {
                (Some(d), _) if verify_blob => Verify::Blob(d.clone()),
                (_, Some(d)) => Verify::DiffId(d.clone()),
                _ => Verify::Nothing,
            };
            Layer {
                info: LayerRef {
                    index,
                    digest: blob_digest.map(Into::into),
                    diff_id: diff_id.map(Into::into),
                    created_by: created_by.get(index).cloned().flatten().map(Into::into),
                },
                name,
                verify,
            }
        })
        .collect()
}

fn tags(ms: &[Descriptor]) -> String {
    let t: Vec<&str> = ms
        .iter()
        .filter_map(|d| {
            d.annotations
                .get("org.opencontainers.image.ref.name")
                .map(String::as_str)
        })
        .collect();
    if t.is_empty() {
        "none".into()
    } else {
        t.join(", ")
    }
}

fn pick_platform<'a>(
    ms: &'a [Descriptor],
    want: &PlatformSpec,
    name: &str,
) -> Result<&'a Descriptor, SourceError> {
    let matches = |p: &Platform| {
        p.os == want.os
            && p.architecture == want.arch
            && (want.variant.is_none() || p.variant == want.variant)
    };
    ms.iter()
        .find(|d| d.platform.as_ref().is_some_and(matches))
        .or_else(|| {
            if ms.len() == 1 && ms[0].platform.is_none() {
                ms.first()
            } else {
                None
            }
        })
        .ok_or_else(|| {
            let avail: Vec<String> = ms
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(|p| {
                    PlatformSpec {
                        os: p.os.clone(),
                        arch: p.architecture.clone(),
                        variant: p.variant.clone(),
                    }
                    .to_string()
                })
                .collect();
            SourceError::Select(format!(
                "{name}: no image for platform {want} (available: {})",
                avail.join(", ")
            ))
        })
}

/// Reads until `buf` is full or the file ends.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Why the first block of a file is not a tar header, or `None` when it is one (ustar/GNU magic, or a
/// pre-POSIX header whose checksum adds up).
fn not_a_tar(head: &[u8]) -> Option<String> {
    if head.is_empty() {
        return Some("the file is empty".into());
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some("it is gzip-compressed; decompress it first (`gunzip`)".into());
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some("it is zstd-compressed; decompress it first (`unzstd`)".into());
    }
    if head.len() < 512 {
        return Some("too short for a tar header".into());
    }
    if &head[257..262] == b"ustar" {
        return None;
    }
    let stored = std::str::from_utf8(&head[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let sum: u32 = head
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(b)
            }
        })
        .sum();
    if stored == Some(sum) {
        None
    } else {
        Some("no tar header at the start of the file".into())
    }
}

/// Errors unless `path` (after symlinks) is a regular file: a FIFO would block the open or the read forever
/// (red team #20) and a device (`/dev/zero`) never ends.
fn ensure_regular(path: &Path) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| SourceError::io(path, e))?;
    if meta.is_dir() {
        return Err(SourceError::format(
            path.display().to_string(),
            "is a directory, not a file",
        ));
    }
    if !meta.is_file() {
        return Err(SourceError::format(
            path.display().to_string(),
            "not a regular file (a FIFO, a socket or a device); refusing to read it",
        ));
    }
    Ok(())
}

/// Opens a regular file for reading; anything else is refused before the open (see [`ensure_regular`]), and the
/// opened handle is checked again in case the path was swapped in between.
fn open_regular(path: &Path) -> Result<File, SourceError> {
    ensure_regular(path)?;
    let f = File::open(path).map_err(|e| SourceError::io(path, e))?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return Err(SourceError::format(
            path.display().to_string(),
            "not a regular file; refusing to read it",
        ));
    }
    Ok(f)
}

/// Indexes the members of a tar file (names → data offset and size) by reading headers only.
fn index_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>, SourceError> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(SourceError::format(
            path.display().to_string(),
            "is a directory, not an image archive",
        ));
    }
    let mut file = open_regular(path)?;
    // Say what the file is instead of handing its bytes to the tar reader, whose errors quote them.
    let mut head = [0u8; 512];
    let n = read_full(&mut file, &mut head).map_err(|e| SourceError::io(path, e))?;
    if let Some(what) = not_a_tar(&head[..n]) {
        return Err(SourceError::format(
            path.display().to_string(),
            format!("not an image archive (a docker-archive or oci-archive tar): {what}"),
        ));
    }
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| SourceError::io(path, e))?;
    let mut archive = tar::Archive::new(crate::HeaderGuard::new(file));
    let mut members = HashMap::new();
    let mut links = Vec::new();
    // The tar crate's messages can quote the member name bytes; keep only the first line, bounded.
    let bad = |e: std::io::Error| {
        let text = e.to_string();
        let text: String = text
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect();
        SourceError::format(
            path.display().to_string(),
            format!("not a readable tar archive: {text}"),
        )
    };
    for entry in archive.entries_with_seek().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(name) = crate::layer::normalize(&name) else {
            continue;
        };
        match entry.header().entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                if let Ok(Some(t)) = entry.link_name() {
                    let t = t.to_string_lossy().into_owned();
                    let dir = crate::layer::split(&name).0.to_string();
                    let target = if entry.header().entry_type() == tar::EntryType::Symlink {
                        crate::layer::normalize(&crate::layer::join(&dir, &t))
                    } else {
                        crate::layer::normalize(&t)
                    };
                    if let Some(target) = target {
                        links.push((name, target));
                    }
                }
            }
            _ => {
                members.insert(name, (entry.raw_file_position(), entry.size()));
            }
        }
    }
    for (name, target) in links {
        if let Some(&v) = members.get(&target) {
            members.insert(name, v);
        }
    }
    Ok(members)
}
