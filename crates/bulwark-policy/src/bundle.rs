//! Policy bundles: a directory, a `.tar.gz`, or a git repository (`git+file://…@REF`, `git+https://…@REF`)
//! cloned with the real `git` binary into a cache keyed by commit. The loader reads Bulwark's own documents
//! (policy sets of lifecycle rules, exceptions, mappings, the `bundle.yaml` manifest) and hands every other
//! document (ValidatingAdmissionPolicy, Kyverno, Gatekeeper, `.rego`) to the engines as a [`RawDocument`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::exceptions::{Exception, ExceptionDef, Mapping, MappingDef};
use crate::model::BundleInfo;
use crate::rules::{Rule, RuleDef, Text};
use crate::yamltree::{self, YamlDoc};

/// The `apiVersion` of Bulwark's own documents.
pub const API_VERSION: &str = "policy.bulwark.dev/v1";

/// Bounds on what a bundle may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_files: usize,
    pub max_file_bytes: u64,
    /// All files together, uncompressed.
    pub max_total_bytes: u64,
    /// A `.tar.gz` as stored.
    pub max_archive_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_files: 10_000,
            max_file_bytes: 4 << 20,
            max_total_bytes: 64 << 20,
            max_archive_bytes: 64 << 20,
        }
    }
}

/// How to load a bundle.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Git checkouts go to `<cache_dir>/git/<commit>`.
    pub cache_dir: PathBuf,
    /// Each `git` command is killed after this long.
    pub git_timeout: Duration,
    pub limits: Limits,
    /// Bundles from a registry or an HTTPS URL must carry a signature that verifies with this key.
    pub public_key: Option<bulwark_signature::PublicKey>,
    /// When a registry or URL cannot be reached, use the last good (verified) cached bundle of that source;
    /// its [`BundleInfo::offline`](crate::BundleInfo::offline) says so. A bundle that fails verification is
    /// refused even then.
    pub offline_ok: bool,
    /// How to reach registries (TLS, credentials).
    pub registry: bulwark_registry::PushOptions,
}

impl LoadOptions {
    #[must_use]
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            cache_dir: cache_dir.into(),
            git_timeout: Duration::from_mins(2),
            limits: Limits::default(),
            public_key: None,
            offline_ok: false,
            registry: bulwark_registry::PushOptions::default(),
        }
    }
}

/// Why a bundle could not be loaded. Policy errors name the bundle-relative file, the line and the policy.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("failed to read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} is over the limit of {limit}")]
    TooLarge { what: String, limit: u64 },
    #[error("{path}: {reason}")]
    Unsafe { path: String, reason: String },
    #[error("{file}:{line}: {context}{message}")]
    Policy {
        file: String,
        line: u32,
        /// `policy set 'x', rule 'y': ` or empty.
        context: String,
        message: String,
    },
    #[error("git: {0}")]
    Git(String),
    #[error("{0}")]
    Source(String),
    /// The bundle could not be fetched from its registry or URL (and no cached copy was allowed).
    #[error("{source_name}: {reason}")]
    Fetch { source_name: String, reason: String },
    /// The bundle failed verification (digest, signature): it is refused, and no cached copy replaces it.
    #[error("{source_name}: refused: {reason}")]
    Verify { source_name: String, reason: String },
}

/// Something the loader accepted but that may be a mistake (an unknown key, a document it does not know).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A document for another engine: its kind, where it is, its text and (for YAML) its parsed value.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDocument {
    /// `ValidatingAdmissionPolicy`, `ValidatingPolicy`, `ConstraintTemplate`, a constraint's kind, or `Rego`
    /// for a `.rego` file.
    pub kind: String,
    pub api_version: Option<String>,
    pub name: Option<String>,
    /// Bundle-relative path.
    pub file: String,
    /// 1-based line where the document starts.
    pub line: u32,
    /// The document's own YAML text (one document of a multi-document file), or the whole `.rego` file.
    pub text: String,
    /// The YAML document as JSON (Kubernetes scalar typing), `None` for Rego.
    pub value: Option<serde_json::Value>,
}

/// A named group of lifecycle rules (`kind: PolicySet`).
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub name: String,
    pub file: String,
    pub rules: Vec<Rule>,
}

/// A loaded bundle.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub info: BundleInfo,
    pub policy_sets: Vec<PolicySet>,
    pub exceptions: Vec<Exception>,
    /// In file order; the first mapping that selects a subject decides its policy sets.
    pub mappings: Vec<Mapping>,
    /// Policy sets for subjects no mapping selects (`default:` of a Mappings document).
    pub default_sets: Option<Vec<String>>,
    /// Documents for the CEL and Rego engines, in file order.
    pub documents: Vec<RawDocument>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    #[allow(dead_code)]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicySetDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Metadata,
    #[serde(default)]
    rules: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExceptionsDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<Metadata>,
    #[serde(default)]
    exceptions: Vec<ExceptionDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MappingsDoc {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    metadata: Option<Metadata>,
    #[serde(default)]
    mappings: Vec<MappingDef>,
    #[serde(default)]
    default: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestDoc {
    #[serde(default)]
    #[allow(dead_code)]
    api_version: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    kind: Option<String>,
    name: String,
    #[serde(default)]
    version: Option<Text>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn ignored_pointer(p: &serde_ignored::Path<'_>) -> String {
    match p {
        serde_ignored::Path::Root => String::new(),
        serde_ignored::Path::Seq { parent, index } => {
            format!("{}/{index}", ignored_pointer(parent))
        }
        serde_ignored::Path::Map { parent, key } => {
            format!("{}/{}", ignored_pointer(parent), escape(key))
        }
        serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => ignored_pointer(parent),
    }
}

fn error_pointer(p: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for s in p {
        match s {
            serde_path_to_error::Segment::Seq { index } => {
                out.push('/');
                out += &index.to_string();
            }
            serde_path_to_error::Segment::Map { key } => {
                out.push('/');
                out += &escape(key);
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

/// `policy set 'base', rule 'no-root': ` for a pointer into a document.
fn context_of(doc: &YamlDoc, pointer: &str) -> String {
    let v = &doc.value;
    let mut parts = Vec::new();
    let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
    if let Some(n) = v.pointer("/metadata/name").and_then(|n| n.as_str()) {
        let what = if kind == "PolicySet" {
            "policy set".to_string()
        } else {
            kind.to_string()
        };
        parts.push(format!("{what} '{n}'"));
    }
    let mut segs = pointer.split('/').skip(1);
    if let (Some(list @ ("rules" | "exceptions" | "mappings")), Some(i)) =
        (segs.next(), segs.next())
        && let Some(item) = v
            .get(list)
            .and_then(|l| l.get(i.parse::<usize>().unwrap_or(usize::MAX)))
    {
        let key = if list == "mappings" { "name" } else { "id" };
        let what = &list[..list.len() - 1];
        match item.get(key).and_then(|x| x.as_str()) {
            Some(id) => parts.push(format!("{what} '{id}'")),
            None => parts.push(format!(
                "{what} #{}",
                i.parse::<usize>().map_or(0, |n| n + 1)
            )),
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}: ", parts.join(", "))
    }
}

pub(crate) fn typed<T: DeserializeOwned>(
    doc: &YamlDoc,
    file: &str,
    warnings: &mut Vec<Warning>,
) -> Result<T, BundleError> {
    let mut unknown = Vec::new();
    let mut record = |p: serde_ignored::Path<'_>| unknown.push(ignored_pointer(&p));
    let de = serde_ignored::Deserializer::new(&doc.value, &mut record);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(de);
    match parsed {
        Ok(t) => {
            for p in unknown {
                let key = p
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .replace("~1", "/")
                    .replace("~0", "~");
                warnings.push(Warning {
                    file: file.to_string(),
                    line: doc.line_of(&p),
                    message: format!("{}unknown field `{key}` ignored", context_of(doc, &p)),
                });
            }
            Ok(t)
        }
        Err(e) => {
            let p = error_pointer(e.path());
            let field = p
                .rsplit('/')
                .next()
                .filter(|s| !s.is_empty() && s.parse::<usize>().is_err());
            let message = match field {
                Some(f) => format!(
                    "`{}`: {}",
                    f.replace("~1", "/").replace("~0", "~"),
                    e.inner()
                ),
                None => e.inner().to_string(),
            };
            Err(BundleError::Policy {
                file: file.to_string(),
                line: doc.line_of(&p),
                context: context_of(doc, &p),
                message,
            })
        }
    }
}

/// One file of a bundle, as read.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Bundle-relative, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// `sha256:` of the canonical listing: for each file in byte order of its path, the line
/// `<sha256 hex of its content>  <path>\n` (the output of `sha256sum` over the sorted paths).
#[must_use]
pub fn digest(files: &[BundleFile]) -> String {
    let mut sorted: Vec<&BundleFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let mut listing = Sha256::new();
    for f in sorted {
        let h = Sha256::digest(&f.bytes);
        listing.update(format!("{}  {}\n", hex(&h), f.path).as_bytes());
    }
    format!("sha256:{}", hex(&listing.finalize()))
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write as _;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// Checks a bundle-relative path: relative, no `..`, no empty or `.` components after normalisation.
fn clean_path(raw: &str) -> Result<String, BundleError> {
    let unsafe_path = |reason: &str| BundleError::Unsafe {
        path: raw.to_string(),
        reason: reason.to_string(),
    };
    if raw.starts_with('/') || raw.contains('\\') || raw.contains('\0') {
        return Err(unsafe_path("absolute or unusual path refused"));
    }
    let mut parts = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(unsafe_path("path escapes the bundle")),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(unsafe_path("empty path"));
    }
    Ok(parts.join("/"))
}

impl Bundle {
    /// Loads `source`: `git+file://…@REF` / `git+https://…@REF`, `oci://REGISTRY/REPO[:TAG|@sha256:…]` (or the
    /// same reference without `oci://` when no such path exists), `https://…#sha256=HEX`, a `.tar.gz`/`.tgz`
    /// file, or a directory. Remote bundles are verified and cached as [`crate::remote`] describes.
    pub fn load(source: &str, opts: &LoadOptions) -> Result<Self, BundleError> {
        if let Some(spec) = source.strip_prefix("git+") {
            return crate::git::load(spec, opts);
        }
        if let Some(remote) = crate::remote::Source::parse(source)? {
            return crate::remote::load(&remote, opts);
        }
        let path = Path::new(source);
        let meta = std::fs::metadata(path).map_err(|e| BundleError::Io {
            path: source.to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            return Self::from_dir(path, &opts.limits);
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("bundle");
        let lower = name.to_ascii_lowercase();
        // Lower-cased above: `.TGZ` counts too.
        #[allow(clippy::case_sensitive_file_extension_comparisons)]
        let archive = lower.ends_with(".tar.gz") || lower.ends_with(".tgz");
        if archive {
            let bytes = read_bounded(path, opts.limits.max_archive_bytes)?;
            let stem = name.trim_end_matches(".tar.gz").trim_end_matches(".tgz");
            return Self::from_tar_gz(&bytes, stem, &opts.limits);
        }
        Err(BundleError::Source(format!(
            "{source}: not a directory, a .tar.gz or a git+file:// / git+https:// URL"
        )))
    }

    /// Reads a directory as [`files_from_dir`] does: symbolic links are followed inside it (a Kubernetes
    /// ConfigMap volume reads as its keys) and refused when they escape it; special files are refused; `.git`
    /// is skipped.
    pub fn from_dir(dir: &Path, limits: &Limits) -> Result<Self, BundleError> {
        let files = files_from_dir(dir, limits)?;
        let name = std::fs::canonicalize(dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "bundle".into());
        Self::from_files(files, &name, None)
    }

    /// Reads a gzip-compressed tar: regular files and directories only, no path outside the bundle, bounded.
    pub fn from_tar_gz(bytes: &[u8], name: &str, limits: &Limits) -> Result<Self, BundleError> {
        let files = files_from_tar_gz(bytes, name, limits)?;
        Self::from_files(files, name, None)
    }

    /// Builds a bundle from its files: classifies every document, compiles rules, exceptions and mappings.
    pub fn from_files(
        files: Vec<BundleFile>,
        default_name: &str,
        commit: Option<String>,
    ) -> Result<Self, BundleError> {
        let mut b = Bundle {
            info: BundleInfo {
                name: default_name.to_string(),
                version: None,
                digest: digest(&files),
                commit,
                ..BundleInfo::default()
            },
            ..Bundle::default()
        };
        let mut sorted = files;
        sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        for f in &sorted {
            let lower = f.path.to_ascii_lowercase();
            let ext = std::path::Path::new(&lower)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("");
            if ext == "rego" {
                let text = String::from_utf8(f.bytes.clone()).map_err(|_| BundleError::Policy {
                    file: f.path.clone(),
                    line: 1,
                    context: String::new(),
                    message: "not UTF-8".into(),
                })?;
                b.documents.push(RawDocument {
                    kind: "Rego".into(),
                    api_version: None,
                    name: None,
                    file: f.path.clone(),
                    line: 1,
                    text,
                    value: None,
                });
                continue;
            }
            if ext != "yaml" && ext != "yml" {
                continue;
            }
            let is_manifest = lower == "bundle.yaml" || lower == "bundle.yml";
            b.read_yaml(f, is_manifest)?;
        }
        b.check()?;
        b.warnings.sort();
        Ok(b)
    }

    fn read_yaml(&mut self, f: &BundleFile, is_manifest: bool) -> Result<(), BundleError> {
        let file = f.path.as_str();
        if let Some((line, why)) = bulwark_types::yaml::depth_over(&f.bytes, 64) {
            return Err(BundleError::Policy {
                file: file.into(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                context: String::new(),
                message: why,
            });
        }
        let text = std::str::from_utf8(&f.bytes).map_err(|e| BundleError::Policy {
            file: file.into(),
            line: u32::try_from(f.bytes[..e.valid_up_to()].split(|&c| c == b'\n').count())
                .unwrap_or(1),
            context: String::new(),
            message: "not UTF-8".into(),
        })?;
        let (docs, faults) = yamltree::parse(text);
        if let Some(fault) = faults.first() {
            // Name the policy the broken text belongs to, when a `name:` or `id:` precedes it.
            let context = text
                .lines()
                .take(fault.line as usize)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .find_map(|l| {
                    let t = l.trim_start().trim_start_matches("- ");
                    t.strip_prefix("id:")
                        .or_else(|| t.strip_prefix("name:"))
                        .map(|v| format!("near '{}': ", v.trim().trim_matches(['"', '\''])))
                })
                .unwrap_or_default();
            return Err(BundleError::Policy {
                file: file.into(),
                line: fault.line,
                context,
                message: format!("malformed YAML: {}", fault.message),
            });
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for (i, doc) in docs.iter().enumerate() {
            let Some(obj) = doc.value.as_object() else {
                self.warnings.push(Warning {
                    file: file.into(),
                    line: doc.line,
                    message: "document is not a mapping; ignored".into(),
                });
                continue;
            };
            let api = obj.get("apiVersion").and_then(|v| v.as_str());
            let kind = obj.get("kind").and_then(|v| v.as_str());
            let ours = api.is_some_and(|a| a.starts_with("policy.bulwark.dev/"));
            if ours && api != Some(API_VERSION) {
                return Err(BundleError::Policy {
                    file: file.into(),
                    line: doc.line_of("/apiVersion"),
                    context: String::new(),
                    message: format!(
                        "unknown apiVersion '{}' (expected {API_VERSION})",
                        api.unwrap_or("")
                    ),
                });
            }
            match (ours, kind) {
                (true, Some("PolicySet")) => {
                    let d: PolicySetDoc = typed(doc, file, &mut self.warnings)?;
                    let mut rules = Vec::new();
                    for (n, r) in d.rules.into_iter().enumerate() {
                        let ptr = format!("/rules/{n}");
                        let line = doc.line_of(&ptr);
                        let rule = r
                            .compile(&d.metadata.name, format!("{file}:{line}"))
                            .map_err(|message| BundleError::Policy {
                                file: file.into(),
                                line,
                                context: context_of(doc, &ptr),
                                message,
                            })?;
                        rules.push(rule);
                    }
                    if rules.is_empty() {
                        self.warnings.push(Warning {
                            file: file.into(),
                            line: doc.line,
                            message: format!("policy set '{}' has no rules", d.metadata.name),
                        });
                    }
                    self.policy_sets.push(PolicySet {
                        name: d.metadata.name,
                        file: file.into(),
                        rules,
                    });
                }
                (true, Some("Exceptions")) => {
                    let d: ExceptionsDoc = typed(doc, file, &mut self.warnings)?;
                    for (n, e) in d.exceptions.into_iter().enumerate() {
                        let ptr = format!("/exceptions/{n}");
                        let line = doc.line_of(&ptr);
                        let ex = e.compile(format!("{file}:{line}")).map_err(|message| {
                            BundleError::Policy {
                                file: file.into(),
                                line,
                                context: context_of(doc, &ptr),
                                message,
                            }
                        })?;
                        if ex.expires.is_none() {
                            self.warnings.push(Warning {
                                file: file.into(),
                                line,
                                message: format!("exception '{}' has no expiry", ex.id),
                            });
                        }
                        self.exceptions.push(ex);
                    }
                }
                (true, Some("Mappings")) => {
                    let d: MappingsDoc = typed(doc, file, &mut self.warnings)?;
                    for (n, m) in d.mappings.into_iter().enumerate() {
                        let ptr = format!("/mappings/{n}");
                        let line = doc.line_of(&ptr);
                        self.mappings
                            .push(m.compile(format!("{file}:{line}")).map_err(|message| {
                                BundleError::Policy {
                                    file: file.into(),
                                    line,
                                    context: context_of(doc, &ptr),
                                    message,
                                }
                            })?);
                    }
                    if let Some(d) = d.default {
                        if self.default_sets.is_some() {
                            return Err(BundleError::Policy {
                                file: file.into(),
                                line: doc.line_of("/default"),
                                context: String::new(),
                                message: "a second `default:` for the mappings".into(),
                            });
                        }
                        self.default_sets = Some(d);
                    }
                }
                (true, Some("Bundle")) | (false, None) if is_manifest && i == 0 => {
                    let d: ManifestDoc = typed(doc, file, &mut self.warnings)?;
                    self.info.name = d.name;
                    self.info.version = d.version.map(|v| v.0);
                }
                (true, other) => {
                    let message = if other == Some("Bundle") {
                        "a Bundle manifest belongs in bundle.yaml at the root of the bundle, as its first document"
                            .to_string()
                    } else {
                        format!(
                            "unknown kind '{}' (expected PolicySet, Exceptions, Mappings or Bundle)",
                            other.unwrap_or("")
                        )
                    };
                    return Err(BundleError::Policy {
                        file: file.into(),
                        line: doc.line_of("/kind"),
                        context: String::new(),
                        message,
                    });
                }
                (false, Some(kind)) => {
                    let start = doc.line.saturating_sub(1) as usize;
                    let end = docs.get(i + 1).map_or(lines.len(), |n| {
                        (n.line.saturating_sub(1) as usize).min(lines.len())
                    });
                    // Back up from the next document's first node over its `---` marker and comments.
                    let mut end = end.max(start);
                    while end > start
                        && docs.get(i + 1).is_some()
                        && lines.get(end - 1).is_some_and(|l| {
                            l.starts_with("---")
                                || l.trim_start().starts_with('#')
                                || l.trim().is_empty()
                        })
                    {
                        end -= 1;
                    }
                    self.documents.push(RawDocument {
                        kind: kind.to_string(),
                        api_version: api.map(str::to_string),
                        name: doc
                            .value
                            .pointer("/metadata/name")
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                        file: file.into(),
                        line: doc.line,
                        text: lines
                            .get(start..end)
                            .map(<[&str]>::concat)
                            .unwrap_or_default(),
                        value: Some(doc.value.clone()),
                    });
                }
                (false, None) => self.warnings.push(Warning {
                    file: file.into(),
                    line: doc.line,
                    message: "document has no `kind`; ignored".into(),
                }),
            }
        }
        Ok(())
    }

    /// Cross-document checks: unique rule, exception and policy-set names; mappings name existing sets.
    fn check(&self) -> Result<(), BundleError> {
        let dup = |what: &str, name: &str, first: &str, second: &str| {
            let (file, line) = second.rsplit_once(':').unwrap_or((second, "1"));
            BundleError::Policy {
                file: file.to_string(),
                line: line.parse().unwrap_or(1),
                context: String::new(),
                message: format!("{what} '{name}' is defined twice (first at {first})"),
            }
        };
        let mut sets: BTreeMap<&str, &str> = BTreeMap::new();
        let mut rules: BTreeMap<&str, &str> = BTreeMap::new();
        for s in &self.policy_sets {
            if let Some(first) = sets.insert(&s.name, &s.file) {
                return Err(dup("policy set", &s.name, first, &format!("{}:1", s.file)));
            }
            for r in &s.rules {
                if let Some(first) = rules.insert(&r.id, &r.source) {
                    return Err(dup("rule", &r.id, first, &r.source));
                }
            }
        }
        let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
        for e in &self.exceptions {
            if let Some(first) = ids.insert(&e.id, &e.source) {
                return Err(dup("exception", &e.id, first, &e.source));
            }
        }
        for m in &self.mappings {
            for s in &m.policy_sets {
                if !sets.contains_key(s.as_str()) {
                    let (file, line) = m.source.rsplit_once(':').unwrap_or((&m.source, "1"));
                    return Err(BundleError::Policy {
                        file: file.into(),
                        line: line.parse().unwrap_or(1),
                        context: format!("mapping '{}': ", m.name),
                        message: format!("policy set '{s}' is not in the bundle"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Every rule, in policy-set order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.policy_sets.iter().flat_map(|s| &s.rules)
    }
}

/// The files of a directory, as [`Bundle::from_dir`] reads them, in path order: regular files, `.git` skipped,
/// special files refused. A symbolic link is followed when it resolves inside the directory (its files are
/// listed under the link's name) and refused, naming it, when it escapes or loops.
///
/// Kubernetes ConfigMap and Secret volumes are read as the kubelet writes them (its atomic writer,
/// `pkg/volume/util/atomic_writer.go`): the files of one version are in a hidden `..<timestamp>` directory,
/// `..data` is a symbolic link to it (swapped atomically, by a rename, on update), and each key is a
/// symbolic link `<key>` → `..data/<key>`. Entries whose names start with `..` are the writer's own and are not
/// listed; `..data` is resolved once, at the start, so one load reads one version even when it is swapped
/// during the load (a key link whose file is not in that version is skipped: the writer links a new key
/// before the swap and unlinks a removed one after it).
pub fn files_from_dir(dir: &Path, limits: &Limits) -> Result<Vec<BundleFile>, BundleError> {
    let io = |p: &Path, e| BundleError::Io {
        path: p.display().to_string(),
        source: e,
    };
    let root = std::fs::canonicalize(dir).map_err(|e| io(dir, e))?;
    let link = dir.join("..data");
    let data = match std::fs::symlink_metadata(&link) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = std::fs::canonicalize(&link).map_err(|e| io(&link, e))?;
            if !target.starts_with(&root) || !target.is_dir() {
                return Err(BundleError::Unsafe {
                    path: "..data".into(),
                    reason: format!(
                        "symbolic link to {} is not a directory inside the bundle directory",
                        target.display()
                    ),
                });
            }
            Some(target)
        }
        _ => None,
    };
    let mut w = Walk {
        root,
        data,
        limits,
        shown: dir.display().to_string(),
        files: Vec::new(),
        total: 0,
        stack: Vec::new(),
    };
    let start = w.root.clone();
    w.walk(&start, "")?;
    Ok(w.files)
}

/// The files of a gzip-compressed tar, as [`Bundle::from_tar_gz`] reads them (regular files only, no path
/// outside the bundle, bounded).
pub fn files_from_tar_gz(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
) -> Result<Vec<BundleFile>, BundleError> {
    let io = |e: std::io::Error| BundleError::Io {
        path: format!("{name}.tar.gz"),
        source: e,
    };
    if bytes.len() as u64 > limits.max_archive_bytes {
        return Err(BundleError::TooLarge {
            what: format!("{name}.tar.gz"),
            limit: limits.max_archive_bytes,
        });
    }
    let gz = flate2::read::GzDecoder::new(bytes);
    // The tar stream itself is bounded: headers and padding count against the total too.
    let mut archive = tar::Archive::new(gz.take(limits.max_total_bytes + (1 << 20)));
    let mut files: Vec<BundleFile> = Vec::new();
    let mut total = 0u64;
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let ty = entry.header().entry_type();
        if ty.is_dir() {
            continue;
        }
        if !(ty.is_file() || ty == tar::EntryType::Continuous) {
            return Err(BundleError::Unsafe {
                path: raw,
                reason: format!("{ty:?} entries are refused: a bundle holds regular files only"),
            });
        }
        let path = clean_path(&raw)?;
        let size = entry.size();
        if size > limits.max_file_bytes {
            return Err(BundleError::TooLarge {
                what: path,
                limit: limits.max_file_bytes,
            });
        }
        total += size;
        if total > limits.max_total_bytes {
            return Err(BundleError::TooLarge {
                what: format!("{name}.tar.gz (uncompressed)"),
                limit: limits.max_total_bytes,
            });
        }
        if files.len() >= limits.max_files {
            return Err(BundleError::TooLarge {
                what: format!("{name}.tar.gz file count"),
                limit: limits.max_files as u64,
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if files.iter().any(|f| f.path == path) {
            return Err(BundleError::Unsafe {
                path,
                reason: "the archive holds this path twice".into(),
            });
        }
        files.push(BundleFile { path, bytes: buf });
    }
    Ok(files)
}

pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, BundleError> {
    let io = |e| BundleError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(max + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > max {
        return Err(BundleError::TooLarge {
            what: path.display().to_string(),
            limit: max,
        });
    }
    Ok(buf)
}

/// The state of one directory walk ([`files_from_dir`]).
struct Walk<'a> {
    /// The directory, canonical: every symbolic link must resolve inside it.
    root: PathBuf,
    /// `..data` resolved (a kubelet-written volume).
    data: Option<PathBuf>,
    limits: &'a Limits,
    /// The directory as the user gave it, for messages.
    shown: String,
    files: Vec<BundleFile>,
    total: u64,
    /// The canonical directories being walked (a link to one of them is a loop).
    stack: Vec<PathBuf>,
}

impl Walk<'_> {
    fn walk(&mut self, dir: &Path, rel_dir: &str) -> Result<(), BundleError> {
        let io = |p: &Path, e| BundleError::Io {
            path: p.display().to_string(),
            source: e,
        };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io(dir, e))?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        self.stack.push(dir.to_path_buf());
        for e in entries {
            let p = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            // `..data`, `..<timestamp>`, `..data_tmp`: the kubelet's atomic writer's own entries.
            if name == ".git" || name.starts_with("..") {
                continue;
            }
            let rel = if rel_dir.is_empty() {
                name.into_owned()
            } else {
                format!("{rel_dir}/{name}")
            };
            let ty = e.file_type().map_err(|err| io(&p, err))?;
            if ty.is_dir() {
                self.walk(&p, &rel)?;
            } else if ty.is_file() {
                self.file(&p, &rel)?;
            } else if ty.is_symlink() {
                self.link(&p, &rel)?;
            } else {
                return Err(BundleError::Unsafe {
                    path: rel,
                    reason: "special files are refused: a bundle holds regular files and directories only"
                        .into(),
                });
            }
        }
        self.stack.pop();
        Ok(())
    }

    /// Follows a symbolic link that stays inside the directory.
    fn link(&mut self, p: &Path, rel: &str) -> Result<(), BundleError> {
        let io = |e| BundleError::Io {
            path: p.display().to_string(),
            source: e,
        };
        let target = std::fs::read_link(p).map_err(io)?;
        // A key of a kubelet volume: read it from the version `..data` named at the start.
        let via_data = match (&self.data, target.strip_prefix("..data")) {
            (Some(data), Ok(rest)) if p.parent() == Some(self.root.as_path()) => {
                Some(data.join(rest))
            }
            _ => None,
        };
        let escapes = || BundleError::Unsafe {
            path: rel.to_owned(),
            reason: format!(
                "symbolic link to {} escapes the bundle directory {}",
                target.display(),
                self.shown
            ),
        };
        // Lexically first, so a dangling link out of the directory is named as the escape it is.
        let mut lexical = p.parent().map(Path::to_path_buf).unwrap_or_default();
        for c in target.components() {
            match c {
                std::path::Component::ParentDir => {
                    lexical.pop();
                }
                std::path::Component::CurDir => {}
                std::path::Component::Normal(n) => lexical.push(n),
                std::path::Component::RootDir | std::path::Component::Prefix(_) => {
                    lexical = PathBuf::from(c.as_os_str());
                }
            }
        }
        if !lexical.starts_with(&self.root) {
            return Err(escapes());
        }
        if let Some(v) = &via_data
            && std::fs::symlink_metadata(v).is_err()
        {
            // Not in this version: the writer links a new key before the swap and unlinks a removed one
            // after it.
            return Ok(());
        }
        let resolved = std::fs::canonicalize(via_data.as_deref().unwrap_or(p)).map_err(io)?;
        if !resolved.starts_with(&self.root) {
            return Err(escapes());
        }
        let meta = std::fs::metadata(&resolved).map_err(io)?;
        if meta.is_dir() {
            if self.stack.iter().any(|d| d.starts_with(&resolved)) {
                return Err(BundleError::Unsafe {
                    path: rel.to_owned(),
                    reason: format!("symbolic link to {} makes a loop", target.display()),
                });
            }
            self.walk(&resolved, rel)
        } else if meta.is_file() {
            self.file(&resolved, rel)
        } else {
            Err(BundleError::Unsafe {
                path: rel.to_owned(),
                reason: "symbolic link to a special file: a bundle holds regular files only".into(),
            })
        }
    }

    fn file(&mut self, p: &Path, rel: &str) -> Result<(), BundleError> {
        let bytes = read_bounded(p, self.limits.max_file_bytes)?;
        self.total += bytes.len() as u64;
        if self.total > self.limits.max_total_bytes {
            return Err(BundleError::TooLarge {
                what: format!("{} (all files)", self.shown),
                limit: self.limits.max_total_bytes,
            });
        }
        if self.files.len() >= self.limits.max_files {
            return Err(BundleError::TooLarge {
                what: format!("{} file count", self.shown),
                limit: self.limits.max_files as u64,
            });
        }
        self.files.push(BundleFile {
            path: clean_path(rel)?,
            bytes,
        });
        Ok(())
    }
}
