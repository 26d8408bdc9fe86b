//! `bulwark db build`: feeds on disk → one DB file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::Error;
use crate::feeds::{self, Parsed};
use crate::store::{SourceInfo, Writer};

/// The format of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// OSV JSON: a record, a directory of records, an osv.dev `all.zip`, or JSON lines (`.jsonl`, `.ndjson`).
    Osv,
    /// The Debian security tracker JSON.
    Debian,
    /// Alpine secdb JSON: a file or a directory tree (`v3.14/main.json`, …).
    Secdb,
    /// NVD JSON 2.0: a file or a directory of yearly feeds (CVSS enrichment only).
    Nvd,
    /// EPSS CSV.
    Epss,
    /// CISA KEV JSON.
    Kev,
}

impl FeedKind {
    /// What a feed of this kind holds, for messages.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            FeedKind::Osv => "OSV",
            FeedKind::Debian => "Debian security tracker",
            FeedKind::Secdb => "Alpine secdb",
            FeedKind::Nvd => "NVD JSON 2.0",
            FeedKind::Epss => "EPSS CSV",
            FeedKind::Kev => "CISA KEV",
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Osv => "osv",
            FeedKind::Debian => "debian",
            FeedKind::Secdb => "secdb",
            FeedKind::Nvd => "nvd",
            FeedKind::Epss => "epss",
            FeedKind::Kev => "kev",
        }
    }
}

/// One input of a build. Any file may be gzipped (`.gz`).
#[derive(Debug, Clone)]
pub struct FeedInput {
    pub kind: FeedKind,
    pub path: PathBuf,
    /// Where the feed came from, when not the path (a download URL); recorded in the DB.
    pub origin: Option<String>,
}

impl FeedInput {
    #[must_use]
    pub fn new(kind: FeedKind, path: impl Into<PathBuf>) -> Self {
        FeedInput {
            kind,
            path: path.into(),
            origin: None,
        }
    }
}

/// Options of [`build`].
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Recorded as the build time (tests set it to make an old DB).
    pub built_at: SystemTime,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            built_at: SystemTime::now(),
        }
    }
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub sources: Vec<SourceInfo>,
    /// Advisories stored.
    pub vulns: u64,
    /// Package rules stored.
    pub affected: u64,
    /// First problems per source (`source: what`).
    pub problems: Vec<String>,
    /// Size of the written file.
    pub bytes: u64,
}

/// Builds a DB from `inputs` at `out`, atomically: the file appears complete or not at all. Malformed records
/// are skipped and counted; a feed that cannot be read at all is an error.
pub fn build(inputs: &[FeedInput], out: &Path, opts: &BuildOptions) -> Result<BuildReport, Error> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::atomic::sweep_stale(out);
    let tmp = crate::atomic::temp_path(out);
    // Created empty (SQLite starts a new DB in an empty file) and locked for the build, so that a concurrent
    // update does not take it for a dead process's leftover.
    let lock = crate::atomic::create_locked(&tmp).map_err(|e| Error::io(out, e))?;
    let result = build_into(inputs, &tmp, opts);
    match result {
        Ok(mut report) => {
            crate::atomic::persist(&tmp, out)?;
            drop(lock);
            report.bytes = std::fs::metadata(out).map_or(0, |m| m.len());
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn build_into(inputs: &[FeedInput], tmp: &Path, opts: &BuildOptions) -> Result<BuildReport, Error> {
    let mut w = Writer::create(tmp)?;
    let mut report = BuildReport::default();
    for input in inputs {
        let parsed = read_feed(input)?;
        if parsed.records == 0 && parsed.withdrawn == 0 && parsed.unsupported == 0 {
            // An empty DB that passes every scan is worse than no DB: a feed that yields nothing is an error.
            let first = parsed
                .problems
                .first()
                .map_or_else(String::new, |p| format!("; first problem: {p}"));
            return Err(Error::Feed {
                path: input.path.clone(),
                reason: format!(
                    "no {} records in it ({} skipped){first}",
                    input.kind.label(),
                    parsed.skipped
                ),
            });
        }
        let mut name = source_name(input);
        // Two inputs with one file name (two `alpine-secdb` trees) stay apart in the metadata.
        let base = name.clone();
        let mut n = 1;
        while report.sources.iter().any(|s| s.name == name) {
            n += 1;
            name = format!("{base}#{n}");
        }
        for p in &parsed.problems {
            report.problems.push(format!("{name}: {p}"));
        }
        for v in &parsed.vulns {
            w.add_vuln(v)?;
        }
        for a in &parsed.affected {
            w.add_affected(a)?;
        }
        for e in parsed.enrichment {
            w.add_enrichment(e);
        }
        // Go's vulndb stamps `modified` as 0001-01-01; a date before the epoch is no date.
        let date = parsed.date.filter(|d| d.as_str() >= "1970").or_else(|| {
            std::fs::metadata(&input.path)
                .and_then(|m| m.modified())
                .ok()
                .map(crate::time::rfc3339_of)
        });
        report.sources.push(SourceInfo {
            name,
            kind: input.kind.as_str().into(),
            location: input
                .origin
                .clone()
                .unwrap_or_else(|| input.path.display().to_string()),
            date,
            records: parsed.records,
            skipped: parsed.skipped,
            withdrawn: parsed.withdrawn,
            unsupported: parsed.unsupported,
        });
    }
    report.vulns = w.vulns;
    report.affected = w.affected;
    w.finish(&report.sources, opts.built_at)?;
    Ok(report)
}

fn source_name(input: &FeedInput) -> String {
    let file = input
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{}:{file}", input.kind.as_str())
}

/// Largest file or archive entry read (the real NVD yearly feeds are ~100 MB uncompressed; Debian's ~80 MB).
const MAX_BYTES: u64 = 1 << 30;

fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    let gz = path.extension().is_some_and(|e| e == "gz");
    let r: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    r.take(MAX_BYTES)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(path, e))?;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn stem_ends(path: &Path, exts: &[&str]) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    exts.iter().any(|e| name.ends_with(e))
}

/// Reads and parses one feed input (a file or a directory).
pub fn read_feed(input: &FeedInput) -> Result<Parsed, Error> {
    let path = &input.path;
    let meta = std::fs::metadata(path).map_err(|e| Error::Feed {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if meta.is_file() && input.kind == FeedKind::Osv {
        return read_osv_file(path);
    }
    let files = if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files
    } else {
        vec![path.clone()]
    };
    let mut out = Parsed::default();
    for file in &files {
        let rel = file
            .strip_prefix(path)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .unwrap_or(file)
            .display()
            .to_string();
        match input.kind {
            FeedKind::Osv => {
                if stem_ends(file, &[".zip"]) {
                    out.absorb(read_osv_zip(file)?);
                } else if stem_ends(file, &[".jsonl", ".ndjson"]) {
                    out.absorb(feeds::parse_osv_lines(&read_bytes(file)?));
                } else if stem_ends(file, &[".json"]) {
                    match feeds::parse_osv(&read_bytes(file)?) {
                        Ok(p) => out.absorb(p),
                        Err(e) => out.problem(format!("{rel}: {e}")),
                    }
                }
            }
            FeedKind::Secdb => {
                if !stem_ends(file, &[".json"]) {
                    continue;
                }
                // `v3.14/main.json` → release hint `3.14` for files without `distroversion`.
                let hint = file
                    .parent()
                    .and_then(Path::file_name)
                    .map(|d| d.to_string_lossy().into_owned())
                    .filter(|d| d.starts_with('v'));
                match feeds::parse_secdb(&read_bytes(file)?, hint.as_deref()) {
                    Ok(p) => out.absorb(p),
                    Err(e) => out.problem(format!("{rel}: {e}")),
                }
            }
            FeedKind::Debian => match feeds::parse_debian(&read_bytes(file)?) {
                Ok(p) => out.absorb(p),
                Err(e) => out.problem(format!("{rel}: {e}")),
            },
            FeedKind::Nvd => {
                if !stem_ends(file, &[".json"]) {
                    continue;
                }
                match feeds::parse_nvd(&read_bytes(file)?) {
                    Ok(p) => out.absorb(p),
                    Err(e) => out.problem(format!("{rel}: {e}")),
                }
            }
            FeedKind::Epss => out.absorb(feeds::parse_epss(&read_bytes(file)?)),
            FeedKind::Kev => match feeds::parse_kev(&read_bytes(file)?) {
                Ok(p) => out.absorb(p),
                Err(e) => out.problem(format!("{rel}: {e}")),
            },
        }
    }
    Ok(out)
}

/// One OSV file named on the command line: by extension, else by content; anything else is an error naming
/// the file (a directory walk skips such files instead).
fn read_osv_file(path: &Path) -> Result<Parsed, Error> {
    let bad = |reason: String| Error::Feed {
        path: path.to_owned(),
        reason,
    };
    if stem_ends(path, &[".zip"]) {
        return read_osv_zip(path);
    }
    if stem_ends(path, &[".jsonl", ".ndjson"]) {
        return Ok(feeds::parse_osv_lines(&read_bytes(path)?));
    }
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|e| Error::io(path, e))?;
    if magic[..n].starts_with(b"PK\x03\x04") {
        return read_osv_zip(path);
    }
    let bytes = read_bytes(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let first = text.trim_start().chars().next();
    if first != Some('{') {
        return Err(bad(
            "not an OSV record (JSON), an osv.dev all.zip or OSV JSON lines".into(),
        ));
    }
    match feeds::parse_osv(&bytes) {
        Ok(p) => Ok(p),
        // Several lines each starting with `{`: JSON lines without the extension.
        Err(_) if text.trim().lines().count() > 1 => Ok(feeds::parse_osv_lines(&bytes)),
        Err(e) => Err(bad(format!("not an OSV record: {e}"))),
    }
}

fn read_osv_zip(path: &Path) -> Result<Parsed, Error> {
    let bad = |e: &dyn std::fmt::Display| Error::Feed {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| bad(&e))?;
    let mut out = Parsed::default();
    let mut buf = Vec::new();
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.problem(format!("entry {i}: {e}"));
                continue;
            }
        };
        let name = entry
            .name()
            .map_or_else(|_| format!("entry {i}"), std::borrow::Cow::into_owned);
        if !entry.is_file() || !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        buf.clear();
        if let Err(e) = (&mut entry).take(MAX_BYTES).read_to_end(&mut buf) {
            out.problem(format!("{name}: {e}"));
            continue;
        }
        match feeds::parse_osv(&buf) {
            Ok(p) => out.absorb(p),
            Err(e) => out.problem(format!("{name}: {e}")),
        }
    }
    Ok(out)
}
