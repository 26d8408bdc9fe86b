//! Read the installed-package database of an RPM-based image (Fedora, RHEL, CBL-Mariner,
//! SUSE, ...) from bytes, without extracting the image and without the `rpm` tool.
//!
//! Three storage formats exist:
//!
//! | format | file | used by |
//! |---|---|---|
//! | [`DbFormat::Sqlite`] | `rpmdb.sqlite` (+ `rpmdb.sqlite-wal`) | rpm ≥ 4.16: Fedora 33+, RHEL 9, CBL-Mariner 2 |
//! | [`DbFormat::BerkeleyDb`] | `Packages` (BerkeleyDB hash) | RHEL ≤ 8, CentOS, Amazon Linux 2 |
//! | [`DbFormat::Ndb`] | `Packages.db` | SUSE / openSUSE 15.3+ |
//!
//! They live under `/var/lib/rpm/` or `/usr/lib/sysimage/rpm/` (see [`DB_PATHS`]). All three
//! store the same thing, one rpm header blob per installed package, which [`parse_header`]
//! turns into an [`RpmPackage`].
//!
//! ```
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/rpmdb");
//! # if !std::path::Path::new(dir).exists() { return Ok(()); }
//! let bytes = std::fs::read(format!("{dir}/libuuid/Packages"))?;
//! let (format, packages) = bulwark_rpmdb::read_packages(&bytes, None)?;
//! assert_eq!(format, bulwark_rpmdb::DbFormat::BerkeleyDb);
//! assert_eq!(packages[0].name, "libuuid");
//! assert_eq!(packages[0].evr(), "2.32.1-42.el8_8");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is listed
//!
//! Exactly what `rpm -qa` lists, including the `gpg-pubkey` pseudo-packages that `rpm
//! --import` creates for each trusted signing key (they have no ARCH and no SOURCERPM).
//! Trivy and Syft drop them; a caller that wants that can filter on
//! [`RpmPackage::is_gpg_pubkey`].
//!
//! # Hostile input
//!
//! Every offset, count and page number is checked against the input before use: page chains
//! are walked with a visited set, allocations are bounded by the input's length, and any
//! inconsistency is an [`RpmDbError`], never a panic or an endless loop.

mod bdb;
mod error;
mod header;
mod ndb;
mod sqlite;

use std::fmt;

pub use bdb::read_bdb;
pub use error::RpmDbError;
pub use header::parse_header;
pub use ndb::read_ndb;
pub use sqlite::read_sqlite;

/// The storage format of an rpm database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbFormat {
    /// `rpmdb.sqlite`, rpm ≥ 4.16's default.
    Sqlite,
    /// BerkeleyDB hash `Packages`, rpm < 4.16.
    BerkeleyDb,
    /// SUSE's native `Packages.db`.
    Ndb,
}

impl fmt::Display for DbFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DbFormat::Sqlite => "SQLite",
            DbFormat::BerkeleyDb => "BerkeleyDB",
            DbFormat::Ndb => "NDB",
        })
    }
}

impl DbFormat {
    /// Recognises a database by its first bytes.
    #[must_use]
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"SQLite format 3\0") {
            Some(DbFormat::Sqlite)
        } else if bytes.starts_with(b"RpmP") {
            Some(DbFormat::Ndb)
        } else if bdb::is_hash_db(bytes) {
            Some(DbFormat::BerkeleyDb)
        } else {
            None
        }
    }

    /// The format a database file's name implies, for picking files out of an image.
    #[must_use]
    pub fn from_file_name(name: &str) -> Option<Self> {
        match name.rsplit('/').next()? {
            "rpmdb.sqlite" => Some(DbFormat::Sqlite),
            "Packages" => Some(DbFormat::BerkeleyDb),
            "Packages.db" => Some(DbFormat::Ndb),
            _ => None,
        }
    }
}

/// Where rpm keeps its package database inside an image, most specific first.
///
/// For the SQLite entries the caller should also pass the sibling `rpmdb.sqlite-wal`, when the
/// image has one, to [`read_sqlite`]. If several exist (a converted image can keep a stale
/// `Packages` next to `rpmdb.sqlite`), prefer the earliest in this list.
pub const DB_PATHS: &[(&str, DbFormat)] = &[
    ("usr/lib/sysimage/rpm/rpmdb.sqlite", DbFormat::Sqlite),
    ("var/lib/rpm/rpmdb.sqlite", DbFormat::Sqlite),
    ("usr/lib/sysimage/rpm/Packages.db", DbFormat::Ndb),
    ("var/lib/rpm/Packages.db", DbFormat::Ndb),
    ("usr/lib/sysimage/rpm/Packages", DbFormat::BerkeleyDb),
    ("var/lib/rpm/Packages", DbFormat::BerkeleyDb),
];

/// Detects the format of `db` and reads every package from it. `wal` is only used for SQLite.
///
/// # Errors
/// [`RpmDbError::UnknownFormat`] when the bytes carry no known signature, otherwise whatever
/// the format's reader returns.
pub fn read_packages(
    db: &[u8],
    wal: Option<&[u8]>,
) -> Result<(DbFormat, Vec<RpmPackage>), RpmDbError> {
    let format = DbFormat::detect(db).ok_or(RpmDbError::UnknownFormat)?;
    let packages = match format {
        DbFormat::Sqlite => read_sqlite(db, wal)?,
        DbFormat::BerkeleyDb => read_bdb(db)?,
        DbFormat::Ndb => read_ndb(db)?,
    };
    Ok((format, packages))
}

/// One installed package, as read from its rpm header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RpmPackage {
    /// `%{NAME}`.
    pub name: String,
    /// `%{EPOCH}`; `None` when the header has no EPOCH tag (rpm's `%{EPOCHNUM}` prints 0).
    pub epoch: Option<u32>,
    /// `%{VERSION}`.
    pub version: String,
    /// `%{RELEASE}`.
    pub release: String,
    /// `%{ARCH}`; `None` for `gpg-pubkey` pseudo-packages.
    pub arch: Option<String>,
    /// `%{SOURCERPM}`, e.g. `bash-5.1.8-2.cm2.src.rpm`; `None` for source-less entries.
    pub source_rpm: Option<String>,
    /// `%{LICENSE}`, as the packager wrote it (not necessarily SPDX).
    pub license: Option<String>,
    /// `%{VENDOR}`.
    pub vendor: Option<String>,
    /// `%{SIZE}` (installed size in bytes; `LONGSIZE` when present).
    pub size: Option<u64>,
    /// Installed file paths in header order, as `rpm -ql` lists them (`%ghost` files included).
    pub files: Vec<String>,
    /// `%{PROVIDENAME}` entries (capabilities, sonames, `config(...)`).
    pub provides: Vec<String>,
    /// `%{MODULARITYLABEL}` for packages from a modular stream (RHEL 8 AppStream, Fedora).
    pub modularity_label: Option<String>,
}

/// Name, version and release of a source rpm, parsed from a file name such as
/// `bash-5.1.8-2.cm2.src.rpm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRpm {
    /// `bash`.
    pub name: String,
    /// `5.1.8`.
    pub version: String,
    /// `2.cm2`.
    pub release: String,
}

impl SourceRpm {
    /// Parses `name-version-release.arch.rpm` (the arch is normally `src` or `nosrc`).
    #[must_use]
    pub fn parse(file_name: &str) -> Option<Self> {
        let stem = file_name.strip_suffix(".rpm")?;
        let (nvr, _arch) = stem.rsplit_once('.')?;
        let (nv, release) = nvr.rsplit_once('-')?;
        let (name, version) = nv.rsplit_once('-')?;
        if name.is_empty() || version.is_empty() || release.is_empty() {
            return None;
        }
        Some(SourceRpm {
            name: name.to_owned(),
            version: version.to_owned(),
            release: release.to_owned(),
        })
    }
}

impl RpmPackage {
    /// `epoch:version-release` when the epoch is above 0, else `version-release`: the form
    /// rpm and distribution advisories compare.
    #[must_use]
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(e) if e > 0 => format!("{e}:{}-{}", self.version, self.release),
            _ => format!("{}-{}", self.version, self.release),
        }
    }

    /// The parsed SOURCERPM, when there is one and it has the usual shape.
    #[must_use]
    pub fn source_nvr(&self) -> Option<SourceRpm> {
        SourceRpm::parse(self.source_rpm.as_deref()?)
    }

    /// Source package name and version (without release), e.g. `("util-linux", "2.32.1")`
    /// for `util-linux-2.32.1-42.el8_8.src.rpm`. Use [`source_nvr`](Self::source_nvr) for the
    /// release too.
    #[must_use]
    pub fn source_name_version(&self) -> Option<(String, String)> {
        self.source_nvr().map(|s| (s.name, s.version))
    }

    /// True for the `gpg-pubkey` entries rpm creates for imported signing keys.
    #[must_use]
    pub fn is_gpg_pubkey(&self) -> bool {
        self.name == "gpg-pubkey"
    }
}

/// Parses one header per record; `records` yields (record key, blob) pairs.
fn parse_records<'a>(
    format: DbFormat,
    records: impl IntoIterator<Item = (u64, &'a [u8])>,
) -> Result<Vec<RpmPackage>, RpmDbError> {
    records
        .into_iter()
        .map(|(record, blob)| {
            parse_header(blob).map_err(|e| RpmDbError::Record {
                format,
                record,
                source: Box::new(e),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(epoch: Option<u32>, src: Option<&str>) -> RpmPackage {
        RpmPackage {
            name: "p".into(),
            epoch,
            version: "1.2".into(),
            release: "3.el8".into(),
            arch: Some("x86_64".into()),
            source_rpm: src.map(Into::into),
            license: None,
            vendor: None,
            size: None,
            files: vec![],
            provides: vec![],
            modularity_label: None,
        }
    }

    #[test]
    fn evr_omits_zero_epoch() {
        assert_eq!(pkg(None, None).evr(), "1.2-3.el8");
        assert_eq!(pkg(Some(0), None).evr(), "1.2-3.el8");
        assert_eq!(pkg(Some(1), None).evr(), "1:1.2-3.el8");
    }

    #[test]
    fn source_rpm_parsing() {
        let p = pkg(None, Some("util-linux-2.32.1-42.el8_8.src.rpm"));
        assert_eq!(
            p.source_name_version(),
            Some(("util-linux".into(), "2.32.1".into()))
        );
        assert_eq!(p.source_nvr().unwrap().release, "42.el8_8");
        let p = pkg(None, Some("gcc12-12.2.1+git416-150000.1.5.1.nosrc.rpm"));
        assert_eq!(
            p.source_name_version(),
            Some(("gcc12".into(), "12.2.1+git416".into()))
        );
        for bad in [
            "",
            "(none)",
            "bash.src.rpm",
            "bash-1.src.rpm",
            "-1-2.src.rpm",
        ] {
            assert_eq!(SourceRpm::parse(bad), None, "{bad}");
        }
        assert_eq!(pkg(None, None).source_nvr(), None);
    }

    #[test]
    fn detects_formats() {
        assert_eq!(
            DbFormat::detect(b"SQLite format 3\0..."),
            Some(DbFormat::Sqlite)
        );
        assert_eq!(DbFormat::detect(b"RpmP\0\0\0\0"), Some(DbFormat::Ndb));
        assert_eq!(DbFormat::detect(b"garbage"), None);
        assert!(matches!(
            read_packages(b"garbage", None),
            Err(RpmDbError::UnknownFormat)
        ));
        assert_eq!(
            DbFormat::from_file_name("var/lib/rpm/Packages.db"),
            Some(DbFormat::Ndb)
        );
    }
}
