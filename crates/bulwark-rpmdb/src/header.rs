//! The rpm header blob as the databases store it: no lead and no 8-byte header magic,
//! just `il` (index entry count) and `dl` (data length), both big-endian `u32`, then `il`
//! 16-byte index entries (tag, type, offset, count) and `dl` bytes of data.
//!
//! Every offset and count is checked against the blob before it is used, so a hostile blob
//! yields [`RpmDbError::Header`] and never a panic or an allocation larger than the blob.

use crate::{RpmDbError, RpmPackage};

// Tag numbers from rpm's `rpmtag.h`.
const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_SIZE: u32 = 1009;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_OLDFILENAMES: u32 = 1027;
const TAG_SOURCERPM: u32 = 1044;
const TAG_PROVIDENAME: u32 = 1047;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;
const TAG_LONGSIZE: u32 = 5009;
const TAG_MODULARITYLABEL: u32 = 5096;

// Data types from rpm's `rpmtag.h`.
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm itself refuses headers with more index entries than this (`HEADER_TAGS_MAX`).
const MAX_INDEX_ENTRIES: usize = 0xffff;
const INDEX_ENTRY_LEN: usize = 16;
const PREAMBLE_LEN: usize = 8;

fn err(msg: impl Into<String>) -> RpmDbError {
    RpmDbError::Header(msg.into())
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[derive(Clone, Copy)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: usize,
    count: usize,
}

struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, RpmDbError> {
        let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
            return Err(err(format!(
                "blob of {} bytes is shorter than the 8-byte preamble",
                blob.len()
            )));
        };
        let il = il as usize;
        let dl = dl as usize;
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(err(format!("index entry count {il} is out of range")));
        }
        // Checked before anything is allocated: the blob must hold every entry and the data.
        let data_start = PREAMBLE_LEN + il * INDEX_ENTRY_LEN;
        let needed = data_start
            .checked_add(dl)
            .ok_or_else(|| err("data length overflows"))?;
        if needed > blob.len() {
            return Err(err(format!(
                "{il} index entries and {dl} data bytes need {needed} bytes, blob has {}",
                blob.len()
            )));
        }
        let data = &blob[data_start..needed];
        let mut entries = Vec::with_capacity(il);
        for i in 0..il {
            let at = PREAMBLE_LEN + i * INDEX_ENTRY_LEN;
            let field = |n: usize| be_u32(blob, at + 4 * n).unwrap_or(0);
            let offset = field(2);
            // Offsets are signed in rpm; a negative one reads as a huge u32 and fails below.
            if offset as usize > dl {
                return Err(err(format!(
                    "tag {} has offset {offset} beyond the {dl}-byte data store",
                    field(0)
                )));
            }
            entries.push(Entry {
                tag: field(0),
                kind: field(1),
                offset: offset as usize,
                count: field(3) as usize,
            });
        }
        Ok(Header { entries, data })
    }

    /// The entry for `tag`. Entries appended after the immutable region at install time
    /// ("dribble" entries) replace region ones, so the last occurrence wins.
    fn find(&self, tag: u32) -> Option<Entry> {
        self.entries.iter().rev().find(|e| e.tag == tag).copied()
    }

    /// `count` NUL-terminated strings starting at the entry's offset.
    fn strings(&self, e: Entry) -> Result<Vec<&'a str>, RpmDbError> {
        let data: &'a [u8] = self.data;
        let mut rest = &data[e.offset..];
        // Each string takes at least its NUL byte, which bounds the allocation by the blob.
        if e.count > rest.len() {
            return Err(err(format!(
                "tag {} claims {} strings in {} bytes",
                e.tag,
                e.count,
                rest.len()
            )));
        }
        let mut out = Vec::with_capacity(e.count);
        for _ in 0..e.count {
            let nul = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| err(format!("tag {} has an unterminated string", e.tag)))?;
            let s = std::str::from_utf8(&rest[..nul])
                .map_err(|_| err(format!("tag {} is not UTF-8", e.tag)))?;
            out.push(s);
            rest = &rest[nul + 1..];
        }
        Ok(out)
    }

    fn string(&self, tag: u32) -> Result<Option<String>, RpmDbError> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        match e.kind {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY => {
                // An I18N string holds one string per locale; the first is the "C" locale,
                // which is what `rpm -q --qf` prints without a configured language.
                let first = Entry {
                    count: e.count.min(1),
                    ..e
                };
                Ok(self.strings(first)?.first().map(|s| (*s).to_owned()))
            }
            other => Err(err(format!(
                "tag {tag} has type {other}, expected a string"
            ))),
        }
    }

    fn string_array(&self, tag: u32) -> Result<Vec<&'a str>, RpmDbError> {
        match self.find(tag) {
            None => Ok(Vec::new()),
            Some(e) if matches!(e.kind, TYPE_STRING_ARRAY | TYPE_STRING | TYPE_I18NSTRING) => {
                self.strings(e)
            }
            Some(e) => Err(err(format!(
                "tag {tag} has type {}, expected a string array",
                e.kind
            ))),
        }
    }

    fn u32_array(&self, tag: u32) -> Result<Vec<u32>, RpmDbError> {
        let Some(e) = self.find(tag) else {
            return Ok(Vec::new());
        };
        if e.kind != TYPE_INT32 {
            return Err(err(format!(
                "tag {tag} has type {}, expected int32",
                e.kind
            )));
        }
        let bytes = &self.data[e.offset..];
        if e.count > bytes.len() / 4 {
            return Err(err(format!(
                "tag {tag} claims {} int32 values in {} bytes",
                e.count,
                bytes.len()
            )));
        }
        Ok(bytes
            .chunks_exact(4)
            .take(e.count)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn first_u64(&self, tag: u32) -> Result<Option<u64>, RpmDbError> {
        let Some(e) = self.find(tag) else {
            return Ok(None);
        };
        let width = match e.kind {
            TYPE_INT32 => 4,
            TYPE_INT64 => 8,
            other => {
                return Err(err(format!(
                    "tag {tag} has type {other}, expected an integer"
                )));
            }
        };
        if e.count == 0 {
            return Ok(None);
        }
        let b = self
            .data
            .get(e.offset..e.offset + width)
            .ok_or_else(|| err(format!("tag {tag} runs past the data store")))?;
        Ok(Some(if width == 4 {
            u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        }))
    }

    /// Installed file paths in header order, as `rpm -ql` lists them.
    fn files(&self) -> Result<Vec<String>, RpmDbError> {
        let basenames = self.string_array(TAG_BASENAMES)?;
        if basenames.is_empty() {
            // Headers built before rpm 4.0's compressed file lists.
            return Ok(self
                .string_array(TAG_OLDFILENAMES)?
                .into_iter()
                .map(str::to_owned)
                .collect());
        }
        let dirnames = self.string_array(TAG_DIRNAMES)?;
        let dirindexes = self.u32_array(TAG_DIRINDEXES)?;
        if dirindexes.len() != basenames.len() {
            return Err(err(format!(
                "{} basenames but {} dirindexes",
                basenames.len(),
                dirindexes.len()
            )));
        }
        basenames
            .iter()
            .zip(&dirindexes)
            .map(|(base, &di)| {
                let dir = dirnames.get(di as usize).ok_or_else(|| {
                    err(format!(
                        "dirindex {di} is out of range ({} dirnames)",
                        dirnames.len()
                    ))
                })?;
                Ok(format!("{dir}{base}"))
            })
            .collect()
    }
}

/// Parses one header blob as stored in an rpm database into an [`RpmPackage`].
///
/// # Errors
/// [`RpmDbError::Header`] for a truncated or inconsistent blob (offsets or counts beyond its
/// end, a string without its NUL, a tag of the wrong type); [`RpmDbError::MissingTag`] when
/// NAME, VERSION or RELEASE is absent.
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, RpmDbError> {
    let h = Header::parse(blob)?;
    let required = |tag, name| h.string(tag)?.ok_or(RpmDbError::MissingTag(name));
    let epoch = match h.first_u64(TAG_EPOCH)? {
        None => None,
        Some(e) => Some(u32::try_from(e).map_err(|_| err("EPOCH does not fit in 32 bits"))?),
    };
    let size = match h.first_u64(TAG_LONGSIZE)? {
        Some(s) => Some(s),
        None => h.first_u64(TAG_SIZE)?,
    };
    Ok(RpmPackage {
        name: required(TAG_NAME, "NAME")?,
        epoch,
        version: required(TAG_VERSION, "VERSION")?,
        release: required(TAG_RELEASE, "RELEASE")?,
        arch: h.string(TAG_ARCH)?,
        source_rpm: h.string(TAG_SOURCERPM)?,
        license: h.string(TAG_LICENSE)?,
        vendor: h.string(TAG_VENDOR)?,
        size,
        files: h.files()?,
        provides: h
            .string_array(TAG_PROVIDENAME)?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        modularity_label: h.string(TAG_MODULARITYLABEL)?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, count, data) entries; test helper only.
    pub(crate) fn build(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, count, bytes) in entries {
            if *kind == TYPE_INT32 {
                while !data.len().is_multiple_of(4) {
                    data.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    pub(crate) fn s(v: &str) -> (u32, Vec<u8>) {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        (1, b)
    }

    pub(crate) fn str_entry(tag: u32, v: &str) -> (u32, u32, u32, Vec<u8>) {
        let (n, b) = s(v);
        (tag, TYPE_STRING, n, b)
    }

    pub(crate) fn minimal(name: &str) -> Vec<u8> {
        build(&[
            str_entry(TAG_NAME, name),
            str_entry(TAG_VERSION, "1.0"),
            str_entry(TAG_RELEASE, "1"),
        ])
    }

    fn strs(v: &[&str]) -> Vec<u8> {
        v.iter().flat_map(|s| s.bytes().chain([0])).collect()
    }

    #[test]
    fn parses_files_epoch_and_strings() {
        let blob = build(&[
            str_entry(TAG_NAME, "bash"),
            (TAG_EPOCH, TYPE_INT32, 1, 2u32.to_be_bytes().to_vec()),
            str_entry(TAG_VERSION, "5.1"),
            str_entry(TAG_RELEASE, "2.cm2"),
            str_entry(TAG_ARCH, "x86_64"),
            (TAG_LICENSE, TYPE_I18NSTRING, 1, strs(&["GPLv3+"])),
            (
                TAG_DIRNAMES,
                TYPE_STRING_ARRAY,
                2,
                strs(&["/usr/bin/", "/etc/"]),
            ),
            (
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                2,
                strs(&["bash", "bashrc"]),
            ),
            (
                TAG_DIRINDEXES,
                TYPE_INT32,
                2,
                [0u32.to_be_bytes(), 1u32.to_be_bytes()].concat(),
            ),
        ]);
        let p = parse_header(&blob).unwrap();
        assert_eq!(p.name, "bash");
        assert_eq!(p.epoch, Some(2));
        assert_eq!(p.evr(), "2:5.1-2.cm2");
        assert_eq!(p.license.as_deref(), Some("GPLv3+"));
        assert_eq!(p.files, ["/usr/bin/bash", "/etc/bashrc"]);
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source_rpm, None);
    }

    #[test]
    fn gpg_pubkey_has_no_arch() {
        let p = parse_header(&minimal("gpg-pubkey")).unwrap();
        assert!(p.is_gpg_pubkey());
        assert_eq!(p.arch, None);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let good = minimal("x");
        // Every truncation of a valid blob is an error, never a panic.
        for len in 0..good.len() {
            assert!(parse_header(&good[..len]).is_err(), "len {len}");
        }
        // Entry count far larger than the blob.
        let mut huge = good.clone();
        huge[0..4].copy_from_slice(&0xffff_u32.to_be_bytes());
        assert!(matches!(parse_header(&huge), Err(RpmDbError::Header(_))));
        // Data length overflowing.
        let mut dl = good.clone();
        dl[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_header(&dl).is_err());
        // Offset beyond the data store (the first entry's offset field).
        let mut off = good.clone();
        off[16..20].copy_from_slice(&0x7fff_ffff_u32.to_be_bytes());
        assert!(parse_header(&off).is_err());
        // Negative offset.
        let mut neg = good.clone();
        neg[16..20].copy_from_slice(&(-4i32).to_be_bytes());
        assert!(parse_header(&neg).is_err());
        // A string array whose count exceeds the bytes.
        let arr = build(&[
            str_entry(TAG_NAME, "x"),
            str_entry(TAG_VERSION, "1"),
            str_entry(TAG_RELEASE, "1"),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, u32::MAX, strs(&["a"])),
        ]);
        assert!(parse_header(&arr).is_err());
        // Unterminated string.
        let unterminated = build(&[(TAG_NAME, TYPE_STRING, 1, b"abc".to_vec())]);
        assert!(parse_header(&unterminated).is_err());
        // Dirindex out of range.
        let di = build(&[
            str_entry(TAG_NAME, "x"),
            str_entry(TAG_VERSION, "1"),
            str_entry(TAG_RELEASE, "1"),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, 1, strs(&["/"])),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, 1, strs(&["a"])),
            (TAG_DIRINDEXES, TYPE_INT32, 1, 7u32.to_be_bytes().to_vec()),
        ]);
        assert!(parse_header(&di).is_err());
        // Int32 array longer than the data.
        let ints = build(&[(TAG_EPOCH, TYPE_INT32, 1000, vec![0; 4])]);
        assert!(parse_header(&ints).is_err());
        // Missing NAME.
        let noname = build(&[str_entry(TAG_VERSION, "1")]);
        assert!(matches!(
            parse_header(&noname),
            Err(RpmDbError::MissingTag("NAME"))
        ));
        // Garbage.
        assert!(parse_header(b"\x00\x00\x00\x01garbage-garbage-garbage").is_err());
    }
}
