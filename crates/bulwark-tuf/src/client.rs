//! The client: fetches metadata in the order of the specification's client workflow, feeds it to the
//! [`TrustedSet`], persists what was verified, and downloads targets within their signed length.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::metadata::TargetFile;
use crate::trusted::TrustedSet;
use crate::{TufError, hex};

/// A TUF repository: metadata under `<base>/metadata/`, targets under `<base>/targets/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The URL as the user wrote it, without the fragment (`tuf+https://…`).
    pub url: String,
    pub metadata_url: String,
    pub targets_url: String,
}

fn is_loopback(url: &str) -> bool {
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

impl Repository {
    /// `tuf+https://HOST/PATH[#TARGET]` (`tuf+http://` for loopback hosts only, `tuf+file:///DIR` for a copy
    /// on disk). Returns the repository and the fragment, the target name, when there is one.
    pub fn parse(url: &str) -> Result<(Self, Option<String>), TufError> {
        let bad = |reason: &str| TufError::Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let inner = url
            .strip_prefix("tuf+")
            .ok_or_else(|| bad("a TUF repository URL starts with tuf+https://"))?;
        let (base, fragment) = match inner.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (inner, None),
        };
        if base.starts_with("http://") {
            if !is_loopback(base) {
                return Err(bad(
                    "plain http:// is accepted for 127.0.0.1, [::1] and localhost only; use tuf+https://",
                ));
            }
        } else if !base.starts_with("https://") && !base.starts_with("file://") {
            return Err(bad("use tuf+https://HOST/PATH (or tuf+file:///DIR)"));
        }
        if base.contains('?') {
            return Err(bad("a TUF repository URL has no query"));
        }
        let base = base.trim_end_matches('/');
        let target = fragment.filter(|f| !f.is_empty()).map(str::to_owned);
        if let Some(t) = &target
            && (t.starts_with('/') || t.split('/').any(|c| c.is_empty() || c == "." || c == ".."))
        {
            return Err(bad(
                "the target name (after #) is a relative path without . or .. components",
            ));
        }
        Ok((
            Self {
                url: format!("tuf+{base}"),
                metadata_url: format!("{base}/metadata"),
                targets_url: format!("{base}/targets"),
            },
            target,
        ))
    }

    /// The cache subdirectory of this repository: a readable part and a digest of the URL.
    #[must_use]
    pub fn cache_id(&self) -> String {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        let mut readable: String = rest
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        readable.truncate(60);
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.url.as_bytes());
        format!("{readable}-{}", &hex(d.as_ref())[..16])
    }
}

/// Download bounds for metadata whose length nothing signed gives (python-tuf's defaults).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_root_bytes: u64,
    pub max_timestamp_bytes: u64,
    pub max_snapshot_bytes: u64,
    pub max_targets_bytes: u64,
    /// Root versions fetched in one refresh.
    pub max_root_rotations: u64,
    /// Targets roles visited when looking a target up.
    pub max_delegations: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_root_bytes: 512_000,
            max_timestamp_bytes: 16_384,
            max_snapshot_bytes: 2_000_000,
            max_targets_bytes: 5_000_000,
            max_root_rotations: 256,
            max_delegations: 32,
        }
    }
}

/// The versions trusted after a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    pub root: u64,
    pub timestamp: u64,
    pub snapshot: u64,
    pub targets: u64,
}

/// A target found in trusted metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub info: TargetFile,
    /// The role that listed it (`targets` or a delegated role).
    pub role: String,
}

impl Target {
    /// The hex sha256 the metadata lists, if any.
    #[must_use]
    pub fn sha256(&self) -> Option<&str> {
        self.info.hashes.get("sha256").map(String::as_str)
    }
}

enum Got {
    Found(Vec<u8>),
    NotFound,
}

/// A TUF client for one repository.
pub struct Client {
    repo: Repository,
    dir: PathBuf,
    agent: Option<ureq::Agent>,
    trusted: TrustedSet,
    limits: Limits,
    refreshed: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("repo", &self.repo)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn agent(loopback: bool) -> ureq::Agent {
    use ureq::tls::{TlsConfig, TlsProvider};
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    let mut b = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_mins(2)))
        .timeout_global(Some(Duration::from_hours(1)));
    if loopback {
        b = b.proxy(None);
    }
    b.build().new_agent()
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TufError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| TufError::io(dir, e))?;
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
        return Err(TufError::io(path, e));
    }
    Ok(())
}

/// Reads a cached file, `None` when absent or larger than `max`.
fn read_cached(path: &Path, max: u64) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut buf = Vec::new();
    f.take(max + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= max).then_some(buf)
}

/// Percent-encodes everything but unreserved characters (and `/` when `keep_slash`).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

impl Client {
    /// Opens the trusted state of `repo` under `cache_root/<repository id>/`. The trusted root is the newer of
    /// the cached one and `bootstrap` (the root the user gives, e.g. `--tuf-root`); either must exist.
    pub fn open(
        repo: Repository,
        cache_root: &Path,
        bootstrap: Option<&Path>,
    ) -> Result<Self, TufError> {
        Self::open_at(
            repo,
            cache_root,
            bootstrap,
            crate::time::now(),
            Limits::default(),
        )
    }

    /// [`Client::open`] with the time and download bounds given.
    pub fn open_at(
        repo: Repository,
        cache_root: &Path,
        bootstrap: Option<&Path>,
        now: i64,
        limits: Limits,
    ) -> Result<Self, TufError> {
        let dir = cache_root.join(repo.cache_id());
        let cached = read_cached(&dir.join("root.json"), limits.max_root_bytes)
            .and_then(|b| TrustedSet::new(&b, now).ok());
        let given = match bootstrap {
            Some(p) => {
                let bytes =
                    read_cached(p, limits.max_root_bytes).ok_or_else(
                        || match std::fs::metadata(p) {
                            Err(e) => TufError::io(p, e),
                            Ok(_) => TufError::meta(
                                p.display().to_string(),
                                format!(
                                    "larger than {} bytes, or unreadable",
                                    limits.max_root_bytes
                                ),
                            ),
                        },
                    )?;
                Some(TrustedSet::new(&bytes, now).map_err(|e| match e {
                    TufError::Metadata { reason, .. } => {
                        TufError::meta(p.display().to_string(), reason)
                    }
                    other => other,
                })?)
            }
            None => None,
        };
        let trusted = match (cached, given) {
            (Some(c), Some(g)) => {
                if g.root_version() > c.root_version() {
                    g
                } else {
                    c
                }
            }
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => {
                return Err(TufError::NoTrustedRoot {
                    repository: repo.url.clone(),
                    cache: dir.display().to_string(),
                });
            }
        };
        let loopback = is_loopback(&repo.metadata_url);
        let local = repo.metadata_url.starts_with("file://");
        Ok(Self {
            repo,
            dir,
            agent: (!local).then(|| agent(loopback)),
            trusted,
            limits,
            refreshed: false,
        })
    }

    /// Where this repository's trusted metadata is kept.
    #[must_use]
    pub fn cache_dir(&self) -> &Path {
        &self.dir
    }

    #[must_use]
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    #[must_use]
    pub fn trusted(&self) -> &TrustedSet {
        &self.trusted
    }

    /// GETs `url`, refusing more than `max` bytes (`bound` says where the bound comes from).
    fn get(&self, url: &str, max: u64, bound: &str) -> Result<Got, TufError> {
        let too_large = || TufError::meta(url, format!("larger than {max} bytes ({bound})"));
        if let Some(path) = url.strip_prefix("file://") {
            let path = Path::new(path);
            return match std::fs::File::open(path) {
                Ok(f) => {
                    let mut buf = Vec::new();
                    f.take(max + 1)
                        .read_to_end(&mut buf)
                        .map_err(|e| TufError::io(path, e))?;
                    if buf.len() as u64 > max {
                        return Err(too_large());
                    }
                    Ok(Got::Found(buf))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Got::NotFound),
                Err(e) => Err(TufError::io(path, e)),
            };
        }
        let agent = self.agent.as_ref().ok_or_else(|| TufError::Url {
            url: url.to_owned(),
            reason: "no HTTP client".into(),
        })?;
        let resp = agent.get(url).call().map_err(|e| TufError::Unreachable {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        match resp.status().as_u16() {
            200 => {}
            403 | 404 => return Ok(Got::NotFound),
            s if s >= 500 => {
                return Err(TufError::Unreachable {
                    url: url.to_owned(),
                    reason: format!("HTTP {s}"),
                });
            }
            s => {
                return Err(TufError::Http {
                    url: url.to_owned(),
                    reason: format!("HTTP {s}"),
                });
            }
        }
        match resp.into_body().into_with_config().limit(max).read_to_vec() {
            Ok(b) => Ok(Got::Found(b)),
            Err(ureq::Error::BodyExceedsLimit(_)) => Err(too_large()),
            Err(e) => Err(TufError::Unreachable {
                url: url.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    fn get_required(&self, url: &str, max: u64, bound: &str) -> Result<Vec<u8>, TufError> {
        match self.get(url, max, bound)? {
            Got::Found(b) => Ok(b),
            Got::NotFound => Err(TufError::Http {
                url: url.to_owned(),
                reason: "not found (HTTP 404)".into(),
            }),
        }
    }

    fn persist(&self, name: &str, bytes: &[u8]) -> Result<(), TufError> {
        write_atomic(&self.dir.join(name), bytes)
    }

    /// The client workflow up to the top-level targets role: root rotation (§5.3), timestamp (§5.4), snapshot
    /// (§5.5), targets (§5.6). Each verified document is persisted before the next step; on an error the
    /// trusted files on disk are the ones verified before it.
    pub fn refresh(&mut self) -> Result<Refreshed, TufError> {
        let limits = self.limits;
        // §5.3: root N+1, N+2, … until the repository has no next version.
        let first = self.trusted.root_version();
        let mut rotated = false;
        for _ in 0..limits.max_root_rotations {
            let Some(next) = self.trusted.root_version().checked_add(1) else {
                break;
            };
            let url = format!("{}/{next}.root.json", self.repo.metadata_url);
            let Got::Found(bytes) =
                self.get(&url, limits.max_root_bytes, "the default maximum for root")?
            else {
                break;
            };
            rotated |= self.trusted.update_root(&bytes)?;
            self.persist("root.json", &bytes)?;
        }
        if self.trusted.root_version() == first {
            // The bootstrap root becomes the persisted one.
            let raw = self.trusted.root().raw.clone();
            self.persist("root.json", &raw)?;
        }
        self.trusted.check_root_expiry()?;
        if rotated {
            // §5.3.11: new timestamp or snapshot keys: forget what the old ones signed.
            for f in ["timestamp.json", "snapshot.json"] {
                let _ = std::fs::remove_file(self.dir.join(f));
            }
        }
        // §5.4: timestamp. The cached one (if it still verifies) is the baseline for rollback checks.
        if let Some(b) = read_cached(&self.dir.join("timestamp.json"), limits.max_timestamp_bytes) {
            let _ = self.trusted.update_timestamp(&b);
        }
        let url = format!("{}/timestamp.json", self.repo.metadata_url);
        let bytes = self.get_required(
            &url,
            limits.max_timestamp_bytes,
            "the default maximum for timestamp",
        )?;
        if self.trusted.update_timestamp(&bytes)? {
            self.persist("timestamp.json", &bytes)?;
        }
        // §5.5: snapshot.
        self.load_snapshot()?;
        // §5.6: targets.
        self.load_targets("targets", None)?;
        self.refreshed = true;
        Ok(self.versions())
    }

    fn versions(&self) -> Refreshed {
        let t = &self.trusted;
        Refreshed {
            root: t.root_version(),
            timestamp: t.timestamp().map_or(0, |x| x.signed.version),
            snapshot: t.snapshot().map_or(0, |x| x.signed.version),
            targets: t.targets().map_or(0, |x| x.signed.version),
        }
    }

    fn load_snapshot(&mut self) -> Result<(), TufError> {
        if let Some(b) = read_cached(
            &self.dir.join("snapshot.json"),
            self.limits.max_snapshot_bytes,
        ) && self.trusted.update_snapshot(&b, true).is_ok()
        {
            return Ok(());
        }
        let meta = self
            .trusted
            .snapshot_meta()
            .cloned()
            .ok_or_else(|| TufError::meta("snapshot", "no trusted timestamp"))?;
        let (max, bound) = match meta.length {
            Some(l) => (l, "the length timestamp lists"),
            None => (
                self.limits.max_snapshot_bytes,
                "the default maximum for snapshot",
            ),
        };
        let name = if self.trusted.root().signed.consistent_snapshot {
            format!("{}.snapshot.json", meta.version)
        } else {
            "snapshot.json".to_owned()
        };
        let url = format!("{}/{name}", self.repo.metadata_url);
        let bytes = self.get_required(&url, max, bound)?;
        self.trusted.update_snapshot(&bytes, false)?;
        self.persist("snapshot.json", &bytes)
    }

    fn role_file(name: &str) -> String {
        if name == "targets" {
            "targets.json".into()
        } else {
            format!("delegated/{}.json", encode(name, false))
        }
    }

    /// Makes role `name` trusted: from the cache when it is the version the snapshot lists, else downloaded.
    fn load_targets(&mut self, name: &str, delegator: Option<&str>) -> Result<(), TufError> {
        let listed = self.trusted.role_meta(name).map(|m| m.version);
        let already = if name == "targets" {
            self.trusted.targets()
        } else {
            self.trusted.delegated(name)
        };
        if already.is_some_and(|t| Some(t.signed.version) == listed) {
            return Ok(());
        }
        let file = Self::role_file(name);
        if let Some(b) = read_cached(&self.dir.join(&file), self.limits.max_targets_bytes)
            && self
                .trusted
                .update_targets(name, delegator, &b, true)
                .is_ok()
        {
            return Ok(());
        }
        let meta = self
            .trusted
            .role_meta(name)
            .cloned()
            .ok_or_else(|| TufError::meta(name, "the trusted snapshot does not list it"))?;
        let (max, bound) = match meta.length {
            Some(l) => (l, "the length snapshot lists"),
            None => (
                self.limits.max_targets_bytes,
                "the default maximum for targets",
            ),
        };
        let enc = encode(name, false);
        let remote = if self.trusted.root().signed.consistent_snapshot {
            format!("{}.{enc}.json", meta.version)
        } else {
            format!("{enc}.json")
        };
        let url = format!("{}/{remote}", self.repo.metadata_url);
        let bytes = self.get_required(&url, max, bound)?;
        self.trusted
            .update_targets(name, delegator, &bytes, false)?;
        self.persist(&file, &bytes)
    }

    /// Looks `path` up in the targets role and its delegations (pre-order depth-first, §5.6.7), refreshing
    /// first if this client has not.
    pub fn find_target(&mut self, path: &str) -> Result<Target, TufError> {
        if !self.refreshed {
            self.refresh()?;
        }
        let mut stack: Vec<(String, Option<String>)> = vec![("targets".into(), None)];
        let mut visited = BTreeSet::new();
        while let Some((role, parent)) = stack.pop() {
            if visited.len() >= self.limits.max_delegations {
                break;
            }
            if !visited.insert(role.clone()) {
                continue;
            }
            self.load_targets(&role, parent.as_deref())?;
            let t = if role == "targets" {
                self.trusted.targets()
            } else {
                self.trusted.delegated(&role)
            }
            .ok_or_else(|| TufError::meta(&role, "not trusted"))?;
            if let Some(info) = t.signed.targets.get(path) {
                return Ok(Target {
                    path: path.to_owned(),
                    info: info.clone(),
                    role,
                });
            }
            if let Some(d) = &t.signed.delegations {
                let mut children = Vec::new();
                for child in &d.roles {
                    if child.covers(path) {
                        children.push((child.name.clone(), Some(role.clone())));
                        if child.terminating {
                            stack.clear();
                            break;
                        }
                    }
                }
                stack.extend(children.into_iter().rev());
            }
        }
        Err(TufError::Target {
            name: path.to_owned(),
            reason: format!(
                "not listed by targets v{} or its delegations",
                self.trusted.targets().map_or(0, |t| t.signed.version)
            ),
        })
    }

    /// The URL of a target: `HASH.NAME` in its directory with consistent snapshots (the sha256 when listed).
    #[must_use]
    pub fn target_url(&self, target: &Target) -> String {
        let path = if self.trusted.root().signed.consistent_snapshot {
            let hash = target
                .info
                .hashes
                .get("sha256")
                .or_else(|| target.info.hashes.values().next())
                .map_or("", String::as_str);
            match target.path.rsplit_once('/') {
                Some((dir, base)) => format!("{dir}/{hash}.{base}"),
                None => format!("{hash}.{}", target.path),
            }
        } else {
            target.path.clone()
        };
        format!("{}/{}", self.repo.targets_url, encode(&path, true))
    }

    /// Streams a target into `out`, reading no more than its signed length (and refusing a target longer than
    /// `max`), then checks its length and hashes. On an error `out` holds unverified bytes: discard them.
    pub fn download_target(
        &self,
        target: &Target,
        out: &mut dyn Write,
        max: u64,
    ) -> Result<u64, TufError> {
        let name = &target.path;
        let len = target.info.length;
        if len > max {
            return Err(TufError::Target {
                name: name.clone(),
                reason: format!("its signed length {len} is over the {max}-byte limit"),
            });
        }
        let url = self.target_url(target);
        let fail = |reason: String| TufError::Target {
            name: name.clone(),
            reason,
        };
        let mut reader: Box<dyn Read> = if let Some(p) = url.strip_prefix("file://") {
            let p = Path::new(p);
            Box::new(std::fs::File::open(p).map_err(|e| TufError::io(p, e))?)
        } else {
            let agent = self
                .agent
                .as_ref()
                .ok_or_else(|| fail("no HTTP client".into()))?;
            let resp = agent.get(&url).call().map_err(|e| TufError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
            match resp.status().as_u16() {
                200 => {}
                s if s >= 500 => {
                    return Err(TufError::Unreachable {
                        url,
                        reason: format!("HTTP {s}"),
                    });
                }
                s => return Err(fail(format!("GET {url}: HTTP {s}"))),
            }
            Box::new(resp.into_body().into_reader())
        };
        let mut digests: Vec<(String, String, aws_lc_rs::digest::Context)> = target
            .info
            .hashes
            .iter()
            .filter_map(|(a, h)| {
                crate::algorithm(a)
                    .map(|alg| (a.clone(), h.clone(), aws_lc_rs::digest::Context::new(alg)))
            })
            .collect();
        if digests.is_empty() {
            return Err(fail(
                crate::check_hashes(b"", &target.info.hashes)
                    .err()
                    .unwrap_or_default(),
            ));
        }
        let mut limited = (&mut reader).take(len + 1);
        let mut buf = vec![0u8; 256 * 1024];
        let mut done = 0u64;
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(TufError::Unreachable {
                        url: url.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            done += n as u64;
            if done > len {
                return Err(fail(format!(
                    "{url} is longer than the {len} bytes its metadata ({}) lists",
                    target.role
                )));
            }
            for (_, _, c) in &mut digests {
                c.update(&buf[..n]);
            }
            out.write_all(&buf[..n])
                .map_err(|e| fail(format!("writing it: {e}")))?;
        }
        if done != len {
            return Err(fail(format!(
                "{url} has {done} bytes, its metadata ({}) lists {len}",
                target.role
            )));
        }
        for (alg, want, c) in digests {
            let got = hex(c.finish().as_ref());
            if !got.eq_ignore_ascii_case(&want) {
                return Err(fail(format!(
                    "its {alg} is {got}, but {} lists {want}",
                    target.role
                )));
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls() {
        let (r, t) =
            Repository::parse("tuf+https://tuf.example.com/bulwark/#db/bulwark.db.gz").unwrap();
        assert_eq!(r.metadata_url, "https://tuf.example.com/bulwark/metadata");
        assert_eq!(r.targets_url, "https://tuf.example.com/bulwark/targets");
        assert_eq!(t.as_deref(), Some("db/bulwark.db.gz"));
        assert!(Repository::parse("tuf+http://127.0.0.1:8080/r").is_ok());
        let e = Repository::parse("tuf+http://example.com/r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("loopback") || e.contains("127.0.0.1"), "{e}");
        assert!(Repository::parse("https://example.com/r").is_err());
        assert!(Repository::parse("tuf+https://h/r#../x").is_err());
        assert_ne!(
            Repository::parse("tuf+https://a/b").unwrap().0.cache_id(),
            Repository::parse("tuf+https://a/c").unwrap().0.cache_id()
        );
    }
}
