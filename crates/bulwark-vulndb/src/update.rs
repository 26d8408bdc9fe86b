//! `bulwark db update`: download a prebuilt DB (or the upstream feeds and build one), verify its sha256, and
//! replace the current DB atomically. On any failure the current DB is left as it was.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use ureq::Agent;
use ureq::tls::{TlsConfig, TlsProvider};

use crate::Error;
use crate::builder::{BuildOptions, BuildReport, FeedInput, FeedKind, build};
use crate::signature::PublicKey;
use crate::store::VulnDb;

/// Where Bulwark fetches its prebuilt DB from when the user names no other source: an OCI artifact whose
/// layer is signed with [`BUILTIN_PUBLIC_KEY_PEM`](crate::signature::BUILTIN_PUBLIC_KEY_PEM). The tag is the
/// DB schema major (`SCHEMA_VERSION`), so an older Bulwark keeps pulling the schema it reads.
pub const DEFAULT_DB_REPOSITORY: &str = "ghcr.io/bulwark-security/bulwark-db:1";

/// A DB built less than this long ago is fresh: scans do not fetch a new one. The published DB is rebuilt
/// every 6 hours; a day (Trivy's `NextUpdate` interval) keeps a scan from downloading more than once a day.
pub const UPDATE_INTERVAL: Duration = Duration::from_hours(24);

/// A DB installed (downloaded or built here) less than this long ago is not fetched again even when it was
/// built long ago, so that a mirror that stopped publishing is not asked on every scan (Trivy waits an hour).
pub const RECHECK_INTERVAL: Duration = Duration::from_hours(1);

/// Whether a scan should fetch the DB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// No DB file.
    Missing,
    /// A DB that cannot be used (corrupt, another schema): it must be replaced.
    Unusable(String),
    /// Built more than [`UPDATE_INTERVAL`] ago and installed more than [`RECHECK_INTERVAL`] ago.
    Stale { age: Duration },
    /// Recent enough.
    Fresh,
}

/// Decides whether the DB at `path` should be fetched again, from its metadata's build time and the file's
/// modification time (set when it was installed).
#[must_use]
pub fn freshness(path: &Path, now: std::time::SystemTime) -> Freshness {
    if !path.exists() {
        return Freshness::Missing;
    }
    let db = match VulnDb::open(path) {
        Ok(db) => db,
        Err(e) => return Freshness::Unusable(e.to_string()),
    };
    let age = db.meta().age(now);
    if age < UPDATE_INTERVAL {
        return Freshness::Fresh;
    }
    let installed = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| now.duration_since(m).ok());
    if installed.is_some_and(|d| d < RECHECK_INTERVAL) {
        return Freshness::Fresh;
    }
    Freshness::Stale { age }
}

/// A `file://` URL or a plain path → the local path; `None` for `http(s)://` and other URLs.
#[must_use]
pub fn local_path(url: &str) -> Option<PathBuf> {
    if let Some(rest) = url.strip_prefix("file://") {
        // `file:///x`, `file://localhost/x`; percent-escapes as RFC 8089 allows.
        let rest = rest.strip_prefix("localhost").unwrap_or(rest);
        return Some(PathBuf::from(percent_decode(rest)));
    }
    if url.contains("://") {
        return None;
    }
    Some(PathBuf::from(url))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hexval = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hexval(b[i + 1]), hexval(b[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Progress callback: `(what, bytes so far, total if known)`.
pub type Progress<'a> = &'a dyn Fn(&str, u64, Option<u64>);

/// Default upstream feeds for `bulwark db update --from-feeds` (see docs/vulnerability-data.md).
pub const DEFAULT_OSV_BASE: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// OSV ecosystems downloaded by default (`<base>/<ecosystem>/all.zip`).
pub const DEFAULT_OSV_ECOSYSTEMS: &[&str] = &[
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
    "RubyGems",
    "Packagist",
    "NuGet",
    "AlmaLinux",
    "Rocky Linux",
    "Ubuntu",
];
pub const DEFAULT_DEBIAN_URL: &str = "https://security-tracker.debian.org/tracker/data/json";
pub const DEFAULT_SECDB_BASE: &str = "https://secdb.alpinelinux.org";
/// Alpine releases whose secdb is downloaded by default.
pub const DEFAULT_ALPINE_RELEASES: &[&str] = &[
    "v3.14", "v3.15", "v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21", "v3.22",
];
pub const DEFAULT_EPSS_URL: &str = "https://epss.cyentia.com/epss_scores-current.csv.gz";
pub const DEFAULT_KEV_URL: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

/// The feed list that `--from-feeds` uses when the user names none.
#[must_use]
pub fn default_feeds() -> Vec<(FeedKind, String)> {
    let mut feeds: Vec<(FeedKind, String)> = DEFAULT_OSV_ECOSYSTEMS
        .iter()
        .map(|e| {
            (
                FeedKind::Osv,
                format!("{DEFAULT_OSV_BASE}/{}/all.zip", e.replace(' ', "%20")),
            )
        })
        .collect();
    feeds.push((FeedKind::Debian, DEFAULT_DEBIAN_URL.into()));
    for r in DEFAULT_ALPINE_RELEASES {
        for repo in ["main", "community"] {
            feeds.push((
                FeedKind::Secdb,
                format!("{DEFAULT_SECDB_BASE}/{r}/{repo}.json"),
            ));
        }
    }
    feeds.push((FeedKind::Epss, DEFAULT_EPSS_URL.into()));
    feeds.push((FeedKind::Kev, DEFAULT_KEV_URL.into()));
    feeds
}

/// Each download must finish within this (a server dripping a byte every few seconds never trips the per-read
/// timeout). `BULWARK_PULL_TIMEOUT` (`90`, `90s`, `10m`, `2h`; `0` for none) overrides it, as for image pulls.
pub const DEFAULT_DOWNLOAD_DEADLINE: Duration = Duration::from_hours(1);

fn download_deadline() -> Option<Duration> {
    let Some(v) = std::env::var_os("BULWARK_PULL_TIMEOUT").filter(|v| !v.is_empty()) else {
        return Some(DEFAULT_DOWNLOAD_DEADLINE);
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
        _ => return Some(DEFAULT_DOWNLOAD_DEADLINE),
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

fn agent() -> Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_mins(2)))
        .timeout_global(download_deadline())
        .build()
        .new_agent()
}

/// What the user reads when a download ran out of time.
const TIMED_OUT: &str = "timed out (the download must finish within BULWARK_PULL_TIMEOUT, 1 hour by default, \
                         and the server must send data at least every 2 minutes)";

/// A ureq error as a download error; a timeout says which limits apply.
fn net_err(url: &str, e: ureq::Error) -> Error {
    if matches!(e, ureq::Error::Timeout(_)) {
        download_err(url, TIMED_OUT)
    } else {
        download_err(url, e)
    }
}

fn download_err(url: &str, reason: impl std::fmt::Display) -> Error {
    Error::Download {
        url: url.to_owned(),
        reason: reason.to_string(),
    }
}

/// Downloads `url` to `dest`, hashing as it goes; returns the hex sha256. `Ok(None)` for a 404.
/// `shown` is the path that errors name (the DB being replaced, not a temporary file).
fn fetch_to(
    agent: &Agent,
    url: &str,
    dest: &Path,
    shown: &Path,
    progress: Option<Progress<'_>>,
) -> Result<Option<String>, Error> {
    let resp = agent.get(url).call().map_err(|e| net_err(url, e))?;
    let status = resp.status().as_u16();
    if status == 404 {
        return Ok(None);
    }
    if status != 200 {
        return Err(download_err(url, format!("HTTP {status}")));
    }
    let total = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut reader = resp.into_body().into_reader();
    let mut file = crate::atomic::create_locked(dest).map_err(|e| Error::io(shown, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            let ureq_timeout = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<ureq::Error>())
                .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)));
            if ureq_timeout || e.kind() == std::io::ErrorKind::TimedOut {
                download_err(url, TIMED_OUT)
            } else {
                download_err(url, e)
            }
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(|e| Error::io(shown, e))?;
        done += n as u64;
        if let Some(p) = progress {
            p(url, done, total);
        }
    }
    if let Some(t) = total
        && t != done
    {
        return Err(download_err(url, format!("got {done} of {t} bytes")));
    }
    file.flush().map_err(|e| Error::io(shown, e))?;
    Ok(Some(hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `sha256:abc…`, `abc…  file` → `abc…` (lowercase); `None` if it is not 64 hex digits.
#[must_use]
pub fn parse_digest(text: &str) -> Option<String> {
    let first = text.split_whitespace().next()?;
    let hexpart = first.strip_prefix("sha256:").unwrap_or(first);
    (hexpart.len() == 64 && hexpart.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hexpart.to_ascii_lowercase())
}

/// The digest a download must have: the one given, or the `<url>.sha256` sidecar. `Ok(None)` when there is
/// neither.
fn expected_digest(agent: &Agent, url: &str, given: Option<&str>) -> Result<Option<String>, Error> {
    if let Some(g) = given {
        return parse_digest(g)
            .map(Some)
            .ok_or_else(|| download_err(url, format!("{g:?} is not a sha256 digest")));
    }
    let sidecar = format!("{url}.sha256");
    let resp = agent
        .get(&sidecar)
        .call()
        .map_err(|e| download_err(&sidecar, e))?;
    match resp.status().as_u16() {
        404 => Ok(None),
        200 => {
            let text = resp
                .into_body()
                .with_config()
                .limit(4096)
                .read_to_string()
                .map_err(|e| download_err(&sidecar, e))?;
            parse_digest(&text)
                .map(Some)
                .ok_or_else(|| download_err(&sidecar, "the sidecar holds no sha256 digest"))
        }
        s => Err(download_err(&sidecar, format!("HTTP {s}"))),
    }
}

fn check(url: &str, expected: Option<&str>, actual: &str) -> Result<(), Error> {
    match expected {
        Some(e) if e != actual => Err(Error::Digest {
            url: url.to_owned(),
            expected: e.to_owned(),
            actual: actual.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// What an update did.
#[derive(Debug, Clone)]
pub struct UpdateReport {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// Set when the DB was built from feeds.
    pub build: Option<BuildReport>,
}

/// Downloads a prebuilt DB from `url` (plain or `.gz`), checks it against `sha256` (or the `<url>.sha256`
/// sidecar; one of them is required), opens it and runs SQLite's integrity check, then replaces `dest`
/// atomically.
pub fn update_from_url(
    url: &str,
    sha256: Option<&str>,
    dest: &Path,
    progress: Option<Progress<'_>>,
) -> Result<UpdateReport, Error> {
    update_from_url_with(
        url,
        &Verification {
            sha256,
            ..Verification::default()
        },
        dest,
        progress,
    )
}

/// What a downloaded DB must satisfy besides opening cleanly.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verification<'a> {
    /// Expected sha256 of the download (hex or `sha256:hex`); for URLs, the `<url>.sha256` sidecar otherwise.
    pub sha256: Option<&'a str>,
    /// When set, the download must carry a valid signature by this key.
    pub key: Option<&'a PublicKey>,
    /// Where the signature is: a file path or URL (for URLs, the `<url>.sig` sidecar otherwise).
    pub signature: Option<&'a str>,
}

/// [`update_from_url`] with a signature check when `verify.key` is set. A `file://` URL or a plain path is
/// installed from disk: its digest is checked when one is given or a `<path>.sha256` sidecar exists, and its
/// signature (`verify.signature`, else `<path>.sig`) when a key is set.
pub fn update_from_url_with(
    url: &str,
    verify: &Verification<'_>,
    dest: &Path,
    progress: Option<Progress<'_>>,
) -> Result<UpdateReport, Error> {
    if let Some(path) = local_path(url) {
        return install_local(&path, verify, dest);
    }
    let agent = agent();
    let expected = expected_digest(&agent, url, verify.sha256)?.ok_or_else(|| {
        download_err(
            url,
            "no digest: serve a <url>.sha256 sidecar or pass --sha256",
        )
    })?;
    let signature = match verify.key {
        Some(_) => Some(read_signature(&agent, url, verify.signature)?),
        None => None,
    };
    let download = crate::atomic::download_path(dest);
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::atomic::sweep_stale(dest);
    let result = (|| {
        fetch_to(&agent, url, &download, dest, progress)?
            .ok_or_else(|| download_err(url, "HTTP 404"))?;
        let gz = Path::new(url.split('?').next().unwrap_or(url))
            .extension()
            .is_some_and(|e| e == "gz");
        install_file(
            &download,
            &Install {
                name: url,
                sha256: &expected,
                gzip: gz,
                signature: verify.key.zip(signature.as_deref()),
            },
            dest,
        )
    })();
    let _ = std::fs::remove_file(&download);
    result
}

/// A downloaded DB file and what it must satisfy, for [`install_file`].
#[derive(Debug, Clone, Copy)]
pub struct Install<'a> {
    /// The URL or reference it came from, for messages.
    pub name: &'a str,
    /// Expected sha256 of the file as downloaded (hex, or `sha256:hex`).
    pub sha256: &'a str,
    /// The file is gzip-compressed.
    pub gzip: bool,
    /// A key and the signature over the file as downloaded.
    pub signature: Option<(&'a PublicKey, &'a [u8])>,
}

/// Checks a downloaded DB file (digest, then signature), decompresses it next to `dest`, opens it and runs
/// SQLite's integrity check, then renames it over `dest`. On any failure `dest` is untouched. `src` is only
/// read (it may be a registry cache blob).
pub fn install_file(src: &Path, spec: &Install<'_>, dest: &Path) -> Result<UpdateReport, Error> {
    let expected = parse_digest(spec.sha256).ok_or_else(|| {
        download_err(
            spec.name,
            format!("{:?} is not a sha256 digest", spec.sha256),
        )
    })?;
    let actual = sha256_file(src)?;
    check(spec.name, Some(&expected), &actual)?;
    if let Some((key, sig)) = spec.signature {
        let bytes = std::fs::read(src).map_err(|e| Error::io(src, e))?;
        key.verify(&bytes, sig, spec.name)?;
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::atomic::sweep_stale(dest);
    let tmp = crate::atomic::temp_path(dest);
    let invalid = |reason: String| Error::Invalid {
        what: spec.name.to_owned(),
        reason,
    };
    let result = (|| {
        let f = crate::atomic::open_regular(src)?;
        let packed = f.metadata().map_err(|e| Error::io(src, e))?.len();
        let mut r: Box<dyn Read> = if spec.gzip {
            Box::new(flate2::read::GzDecoder::new(f))
        } else {
            Box::new(f)
        };
        // The SQLite header comes first: a file that is not a SQLite DB is refused before anything is
        // written, and the header's page count bounds what may be inflated (with the ratio and size caps below,
        // for headers that do not vouch for a size).
        let mut header = [0u8; 100];
        read_full(&mut r, &mut header).map_err(|e| invalid(e.to_string()))?;
        let h = crate::store::SqliteHeader::parse(&header).map_err(invalid)?;
        let mut bound = MAX_DB_BYTES;
        if spec.gzip {
            bound = bound.min(
                packed
                    .saturating_mul(MAX_INFLATE_RATIO)
                    .max(MIN_INFLATE_BOUND),
            );
        }
        if let Some(size) = h.size() {
            if size > bound {
                return Err(invalid(format!(
                    "its header declares {size} bytes, more than the {bound}-byte limit"
                )));
            }
            bound = size;
        }
        let mut w = crate::atomic::create_locked(&tmp).map_err(|e| Error::io(dest, e))?;
        w.write_all(&header).map_err(|e| Error::io(dest, e))?;
        let copied = std::io::copy(&mut r.take(bound - 100 + 1), &mut w).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput
                || e.kind() == std::io::ErrorKind::InvalidData
                || e.kind() == std::io::ErrorKind::UnexpectedEof
            {
                invalid(e.to_string())
            } else {
                Error::io(dest, e)
            }
        })? + 100;
        if copied > bound {
            return Err(invalid(format!(
                "it inflates past {bound} bytes (its header, or the size and ratio limits for a download)"
            )));
        }
        w.sync_all().map_err(|e| Error::io(dest, e))?;
        let db = VulnDb::open(&tmp).map_err(|e| match e {
            Error::Corrupt { reason, .. } | Error::Foreign { reason, .. } => invalid(reason),
            Error::Schema {
                found, expected, ..
            } => invalid(format!(
                "schema version {found}, this Bulwark reads version {expected}"
            )),
            Error::Io { source, .. } => Error::io(dest, source),
            other => other,
        })?;
        db.verify().map_err(|e| match e {
            Error::Corrupt { reason, .. } => invalid(reason),
            other => other,
        })?;
        drop(db);
        crate::atomic::persist(&tmp, dest)?;
        drop(w);
        Ok(UpdateReport {
            path: dest.to_owned(),
            sha256: actual.clone(),
            bytes: copied,
            build: None,
        })
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

/// No DB we publish comes near this; a larger one is refused rather than written to disk.
const MAX_DB_BYTES: u64 = 16 << 30;
/// A compressed DB inflates about 5 to 10 times; past this ratio a gzip download is a bomb.
const MAX_INFLATE_RATIO: u64 = 100;
/// The ratio limit does not apply below this size, so that a tiny DB (a test's) of mostly empty pages installs.
const MIN_INFLATE_BOUND: u64 = 64 << 20;

/// Fills `buf`; a stream shorter than it is an error that says so.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("{done} bytes, shorter than a SQLite header"),
                ));
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `db update --url file://…` / a path: a DB file on disk, plain or gzip (sniffed).
fn install_local(
    src: &Path,
    verify: &Verification<'_>,
    dest: &Path,
) -> Result<UpdateReport, Error> {
    let name = src.display().to_string();
    let meta = std::fs::metadata(src).map_err(|e| Error::io(src, e))?;
    if meta.is_dir() {
        return Err(download_err(&name, "is a directory, not a DB file"));
    }
    if !meta.is_file() {
        return Err(download_err(
            &name,
            "is not a regular file (a FIFO or a device cannot be a DB file)",
        ));
    }
    let sidecar = |ext: &str| {
        let mut p = src.as_os_str().to_owned();
        p.push(ext);
        PathBuf::from(p)
    };
    let expected =
        if let Some(g) = verify.sha256 {
            Some(
                parse_digest(g)
                    .ok_or_else(|| download_err(&name, format!("{g:?} is not a sha256 digest")))?,
            )
        } else {
            let side = sidecar(".sha256");
            match crate::atomic::read_small(&side, 4096) {
                Ok(text) => Some(parse_digest(&String::from_utf8_lossy(&text)).ok_or_else(
                    || download_err(&side.display().to_string(), "holds no sha256 digest"),
                )?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Error::io(side, e)),
            }
        };
    let actual = sha256_file(src)?;
    check(&name, expected.as_deref(), &actual)?;
    let signature = match verify.key {
        Some(key) => {
            let at = verify
                .signature
                .map_or_else(|| sidecar(".sig"), PathBuf::from);
            let sig = crate::atomic::read_small(&at, 64 * 1024).map_err(|e| Error::Signature {
                what: name.clone(),
                reason: format!(
                    "a public key ({}) is configured but the signature {} cannot be read: {e}",
                    key.source,
                    at.display()
                ),
            })?;
            Some(sig)
        }
        None => None,
    };
    let mut magic = [0u8; 2];
    let gzip = crate::atomic::open_regular(src)
        .ok()
        .and_then(|mut f| f.read_exact(&mut magic).ok())
        .is_some()
        && magic == [0x1f, 0x8b];
    install_file(
        src,
        &Install {
            name: &name,
            sha256: &actual,
            gzip,
            signature: verify.key.zip(signature.as_deref()),
        },
        dest,
    )
}

/// The signature for `url`: from `given` (a path or URL) or the `<url>.sig` sidecar, which must exist.
fn read_signature(agent: &Agent, url: &str, given: Option<&str>) -> Result<Vec<u8>, Error> {
    let location = given.map_or_else(|| format!("{url}.sig"), str::to_owned);
    if !location.starts_with("http://") && !location.starts_with("https://") {
        return crate::atomic::read_small(Path::new(&location), 64 * 1024)
            .map_err(|e| Error::io(Path::new(&location), e));
    }
    let resp = agent
        .get(&location)
        .call()
        .map_err(|e| download_err(&location, e))?;
    match resp.status().as_u16() {
        200 => resp
            .into_body()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .map_err(|e| download_err(&location, e)),
        s => Err(Error::Signature {
            what: url.to_owned(),
            reason: format!(
                "a public key is configured but the signature {location} could not be fetched (HTTP {s})"
            ),
        }),
    }
}

/// The DB's target name in a TUF repository when the URL names none (`tuf+https://HOST/PATH#TARGET`).
pub const DEFAULT_TUF_TARGET: &str = "bulwark.db.gz";

/// `db update --db-repository tuf+https://HOST/PATH[#TARGET] [--tuf-root ROOT.json]`: refreshes the
/// repository's trusted metadata (kept in `<DB dir>/tuf/<repository>/`, see bulwark-tuf), downloads the DB
/// target (default [`DEFAULT_TUF_TARGET`]; plain or gzip) within its signed length, checks its hashes, and
/// installs it as [`install_file`] does. Any TUF refusal (rollback, freeze, bad signatures, a target that does
/// not match) leaves `dest` untouched.
pub fn update_from_tuf(
    url: &str,
    root: Option<&Path>,
    dest: &Path,
    progress: Option<Progress<'_>>,
) -> Result<UpdateReport, Error> {
    let tuf_err = |e: bulwark_tuf::TufError| Error::Tuf {
        repository: url.to_owned(),
        reason: e.to_string(),
    };
    let (repo, target) = bulwark_tuf::Repository::parse(url).map_err(tuf_err)?;
    let target = target.unwrap_or_else(|| DEFAULT_TUF_TARGET.to_owned());
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let mut client = bulwark_tuf::Client::open(repo, &dir.join("tuf"), root).map_err(tuf_err)?;
    client.refresh().map_err(tuf_err)?;
    let found = client.find_target(&target).map_err(tuf_err)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    crate::atomic::sweep_stale(dest);
    let download = crate::atomic::download_path(dest);
    let result = (|| {
        let mut file = crate::atomic::create_locked(&download).map_err(|e| Error::io(dest, e))?;
        let shown = client.target_url(&found);
        let mut w = ProgressWriter {
            inner: &mut file,
            done: 0,
            total: found.info.length,
            name: &shown,
            progress,
        };
        client
            .download_target(&found, &mut w, MAX_DB_BYTES)
            .map_err(tuf_err)?;
        file.flush().map_err(|e| Error::io(dest, e))?;
        let mut magic = [0u8; 2];
        let gzip = crate::atomic::open_regular(&download)
            .ok()
            .and_then(|mut f| f.read_exact(&mut magic).ok())
            .is_some()
            && magic == [0x1f, 0x8b];
        let sha256 = match found.sha256() {
            Some(h) => h.to_owned(),
            None => sha256_file(&download)?,
        };
        install_file(
            &download,
            &Install {
                name: &format!("{url} (target {target})"),
                sha256: &sha256,
                gzip,
                signature: None,
            },
            dest,
        )
    })();
    let _ = std::fs::remove_file(&download);
    result
}

struct ProgressWriter<'a, 'p> {
    inner: &'a mut std::fs::File,
    done: u64,
    total: u64,
    name: &'a str,
    progress: Option<Progress<'p>>,
}

impl Write for ProgressWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        if let Some(p) = self.progress {
            p(self.name, self.done, Some(self.total));
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One feed to download for [`update_from_feeds`].
#[derive(Debug, Clone)]
pub struct FeedUrl {
    pub kind: FeedKind,
    pub url: String,
    /// Expected sha256; without it, a `<url>.sha256` sidecar is used when the server has one.
    pub sha256: Option<String>,
}

/// Downloads every feed (verifying digests where known), builds a DB and replaces `dest` atomically.
pub fn update_from_feeds(
    feeds: &[FeedUrl],
    dest: &Path,
    progress: Option<Progress<'_>>,
) -> Result<UpdateReport, Error> {
    let agent = agent();
    let name = dest
        .file_name()
        .map_or_else(|| "bulwark.db".into(), |n| n.to_string_lossy().into_owned());
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.feeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    crate::atomic::sweep_stale(dest);
    // Held until the feeds are built: marks the scratch directory as in use (see `atomic::sweep_stale`).
    let _lock = crate::atomic::create_locked(&dir.join(".lock")).map_err(|e| Error::io(&dir, e))?;
    let result = (|| {
        let mut inputs = Vec::new();
        for (i, f) in feeds.iter().enumerate() {
            let expected = expected_digest(&agent, &f.url, f.sha256.as_deref())?;
            // Keep the URL's file name (its extension says zip, gz, jsonl); the index keeps names unique.
            let base = f
                .url
                .rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .unwrap_or("feed");
            let base = base.split('?').next().unwrap_or(base);
            let sub = dir.join(format!("{i:03}"));
            std::fs::create_dir_all(&sub).map_err(|e| Error::io(&sub, e))?;
            let file = sub.join(if f.kind == FeedKind::Debian && !base.contains('.') {
                "debian.json".to_owned()
            } else {
                base.to_owned()
            });
            let actual = fetch_to(&agent, &f.url, &file, &file, progress)?
                .ok_or_else(|| download_err(&f.url, "HTTP 404"))?;
            check(&f.url, expected.as_deref(), &actual)?;
            // Alpine files carry their release in `distroversion`; the URL's parent is the hint otherwise.
            let path = if f.kind == FeedKind::Secdb {
                let release = f.url.rsplit('/').nth(1).unwrap_or("v0").to_owned();
                let rdir = sub.join(&release);
                std::fs::create_dir_all(&rdir).map_err(|e| Error::io(&rdir, e))?;
                let moved = rdir.join(base);
                std::fs::rename(&file, &moved).map_err(|e| Error::io(&moved, e))?;
                moved
            } else {
                file
            };
            inputs.push(FeedInput {
                kind: f.kind,
                path,
                origin: Some(f.url.clone()),
            });
        }
        let report = build(&inputs, dest, &BuildOptions::default())?;
        Ok(UpdateReport {
            path: dest.to_owned(),
            sha256: String::new(),
            bytes: report.bytes,
            build: Some(report),
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, Error> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(hex(&h.finalize()))
}
