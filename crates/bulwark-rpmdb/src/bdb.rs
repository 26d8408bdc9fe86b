//! Read-only BerkeleyDB hash databases (the pre-4.16 `Packages` file), either byte order.
//!
//! ```text
//! page 0, hash metadata: magic 0x061561 at 12, version at 16, page size at 20,
//!   last page at 32, max bucket at 72, high/low mask at 76/80, spares[32] at 96
//! every other page, 26-byte header: page number at 8, prev/next page at 12/16,
//!   entry count at 20, free-area offset at 22 (bytes used, on overflow pages), type at 25
//! hash page (type 2 or 13): entry offsets (u16) from byte 26, alternating key, value;
//!   item at an offset: 1 = inline data (length from the neighbouring offset),
//!   3 = off-page: page number at +4, total length at +8 of an overflow chain
//! overflow page (type 7): payload from byte 26, its length at 22, next page at 16
//! ```
//!
//! Packages are found as rpm's own read-only backend finds them: bucket by bucket from 0 to
//! max bucket, each bucket's page chain in order. Every page is visited at most once, so
//! cyclic or shared chains are reported instead of looped over.

use crate::{DbFormat, RpmDbError, RpmPackage, parse_records};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

fn err(msg: impl Into<String>) -> RpmDbError {
    RpmDbError::Bdb(msg.into())
}

#[derive(Clone, Copy)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u32(self, bytes: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }

    fn u16(self, bytes: &[u8], at: usize) -> Option<usize> {
        let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(usize::from(match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }))
    }
}

fn magic_endian(bytes: &[u8], magic: u32) -> Option<Endian> {
    let b: [u8; 4] = bytes.get(12..16)?.try_into().ok()?;
    if u32::from_le_bytes(b) == magic {
        Some(Endian::Little)
    } else if u32::from_be_bytes(b) == magic {
        Some(Endian::Big)
    } else {
        None
    }
}

pub(crate) fn is_hash_db(bytes: &[u8]) -> bool {
    magic_endian(bytes, HASH_MAGIC).is_some()
}

struct Db<'a> {
    bytes: &'a [u8],
    e: Endian,
    page_size: usize,
    /// Number of pages the file really holds (`last_pgno + 1`, checked against the length).
    pages: usize,
    /// One flag per page: set once the page has been read, to detect cycles.
    visited: Vec<bool>,
}

impl<'a> Db<'a> {
    /// Returns page `pgno` after checking it exists, is of type `want` and was not seen yet.
    fn page(&mut self, pgno: u32, want: &[u8]) -> Result<&'a [u8], RpmDbError> {
        let n = pgno as usize;
        if n == 0 || n >= self.pages {
            return Err(err(format!(
                "page {pgno} is outside the file's {} pages",
                self.pages
            )));
        }
        if std::mem::replace(&mut self.visited[n], true) {
            return Err(err(format!("page chain revisits page {pgno} (cycle)")));
        }
        let bytes: &'a [u8] = self.bytes;
        let page = &bytes[n * self.page_size..(n + 1) * self.page_size];
        if self.e.u32(page, 8) != Some(pgno) {
            return Err(err(format!("page {pgno} is labelled as another page")));
        }
        if !want.contains(&page[25]) {
            return Err(err(format!(
                "page {pgno} has type {}, expected {want:?}",
                page[25]
            )));
        }
        Ok(page)
    }

    /// Follows an overflow chain of `len` bytes starting at page `pgno`.
    fn overflow(&mut self, mut pgno: u32, len: usize) -> Result<Vec<u8>, RpmDbError> {
        // A chain can carry at most the bytes of the pages it uses, so a length larger than
        // the whole file is a lie; checking first keeps the allocation bounded by the input.
        if len == 0 || len > self.bytes.len() {
            return Err(err(format!("overflow item claims {len} bytes")));
        }
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let page = self.page(pgno, &[P_OVERFLOW])?;
            let used = self.e.u16(page, 22).unwrap_or(0);
            if PAGE_HEADER + used > self.page_size || used > len - out.len() {
                return Err(err(format!("overflow page {pgno} has a bad length {used}")));
            }
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + used]);
            pgno = self.e.u32(page, 16).unwrap_or(0);
            if used == 0 && out.len() < len {
                return Err(err(format!("overflow page {pgno} is empty")));
            }
        }
        Ok(out)
    }

    /// The item stored at `off` on a hash page, `len` bytes long.
    fn item(&mut self, page: &'a [u8], off: usize, len: usize) -> Result<Item<'a>, RpmDbError> {
        let data = page
            .get(off..off + len)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| err(format!("hash item at {off} (+{len}) is outside its page")))?;
        match data[0] {
            H_KEYDATA => Ok(Item::Inline(&data[1..])),
            H_OFFPAGE if len >= 12 => {
                let pgno = self.e.u32(data, 4).unwrap_or(0);
                let total = self.e.u32(data, 8).unwrap_or(0) as usize;
                Ok(Item::Owned(self.overflow(pgno, total)?))
            }
            other => Err(err(format!("unsupported hash item type {other}"))),
        }
    }
}

enum Item<'a> {
    Inline(&'a [u8]),
    Owned(Vec<u8>),
}

impl Item<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Item::Inline(b) => b,
            Item::Owned(v) => v,
        }
    }
}

/// Reads every package from a BerkeleyDB hash `Packages` file (either byte order), in the
/// order rpm's read-only BerkeleyDB backend returns them.
///
/// The record with key 0 is skipped: old rpm versions keep a join-key counter there, not a
/// header.
///
/// # Errors
/// [`RpmDbError::Bdb`] for a non-hash or unsupported database, a truncated file, a page
/// number outside the file, a page of the wrong type, a cycle in a page chain, or an
/// overflow item that is shorter than it claims; [`RpmDbError::Record`] when a value holds
/// an unparsable header.
pub fn read_bdb(bytes: &[u8]) -> Result<Vec<RpmPackage>, RpmDbError> {
    let Some(e) = magic_endian(bytes, HASH_MAGIC) else {
        return Err(if magic_endian(bytes, BTREE_MAGIC).is_some() {
            err("a B-tree database, not the hash database rpm's Packages uses")
        } else {
            err("no BerkeleyDB hash signature")
        });
    };
    let meta = |at| {
        e.u32(bytes, at)
            .ok_or_else(|| err("truncated metadata page"))
    };
    let version = meta(16)?;
    if !(8..=10).contains(&version) {
        return Err(err(format!("unsupported hash version {version}")));
    }
    let page_size = meta(20)? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(err(format!("invalid page size {page_size}")));
    }
    let last_pgno = meta(32)? as usize;
    let in_file = bytes.len() / page_size;
    if last_pgno >= in_file {
        return Err(err(format!(
            "last page is {last_pgno}, but the file holds {in_file} pages (truncated?)"
        )));
    }
    let max_bucket = meta(72)?;
    if max_bucket as usize >= in_file {
        return Err(err(format!(
            "{max_bucket} buckets cannot fit in {in_file} pages"
        )));
    }
    let mut spares = [0u32; 32];
    for (i, s) in spares.iter_mut().enumerate() {
        *s = meta(96 + 4 * i)?;
    }

    let mut db = Db {
        bytes,
        e,
        page_size,
        pages: last_pgno + 1,
        visited: vec![false; last_pgno + 1],
    };
    let mut records = Vec::new();
    for bucket in 0..=max_bucket {
        // Bucket b lives on page b + spares[number of bits in b].
        let spare = *spares
            .get((u32::BITS - bucket.leading_zeros()) as usize)
            .ok_or_else(|| err(format!("bucket {bucket} has no spares entry")))?;
        let mut pgno = bucket
            .checked_add(spare)
            .ok_or_else(|| err(format!("bucket {bucket} maps past page 2^32")))?;
        while pgno != 0 {
            let page = db.page(pgno, &[P_HASH, P_HASH_UNSORTED])?;
            let entries = e.u16(page, 20).unwrap_or(0);
            if PAGE_HEADER + 2 * entries > page_size {
                return Err(err(format!("page {pgno} claims {entries} entries")));
            }
            let offset = |i: usize| e.u16(page, PAGE_HEADER + 2 * i).unwrap_or(0);
            for i in (0..entries.saturating_sub(1)).step_by(2) {
                let (koff, voff) = (offset(i), offset(i + 1));
                // Items grow down from the end of the page: an item ends where the previous
                // one starts.
                let kend = if i == 0 { page_size } else { offset(i - 1) };
                if !(voff < koff && koff < kend && kend <= page_size) {
                    return Err(err(format!("page {pgno} has overlapping entries")));
                }
                let key = db.item(page, koff, kend - koff)?;
                if key.bytes().iter().all(|&b| b == 0) {
                    continue;
                }
                // rpm's keys are 4-byte header numbers in the writer's byte order.
                let record = if key.bytes().len() == 4 {
                    u64::from(e.u32(key.bytes(), 0).unwrap_or(0))
                } else {
                    0
                };
                let value = db.item(page, voff, koff - voff)?;
                records.push((record, value));
            }
            pgno = e.u32(page, 16).unwrap_or(0);
        }
    }
    parse_records(
        DbFormat::BerkeleyDb,
        records.iter().map(|(k, v)| (*k, v.bytes())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::minimal;

    const PS: usize = 512;

    fn page(pgno: u32, kind: u8, next: u32) -> Vec<u8> {
        let mut p = vec![0u8; PS];
        p[8..12].copy_from_slice(&pgno.to_le_bytes());
        p[16..20].copy_from_slice(&next.to_le_bytes());
        p[25] = kind;
        p
    }

    /// Little-endian hash db: meta page, bucket 0 on page 1 holding `key` -> an overflow
    /// chain on pages 2 and 3 carrying `blob`.
    fn build(blob: &[u8]) -> Vec<u8> {
        let mut meta = vec![0u8; PS];
        meta[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        meta[16..20].copy_from_slice(&9u32.to_le_bytes());
        meta[20..24].copy_from_slice(&(PS as u32).to_le_bytes());
        meta[25] = 8;
        meta[32..36].copy_from_slice(&3u32.to_le_bytes());
        meta[96..100].copy_from_slice(&1u32.to_le_bytes()); // spares[0] = 1
        let mut hash = page(1, P_HASH, 0);
        hash[20..22].copy_from_slice(&2u16.to_le_bytes());
        let key_off = PS - 5;
        hash[key_off] = H_KEYDATA;
        hash[key_off + 1..PS].copy_from_slice(&7u32.to_le_bytes());
        let val_off = key_off - 12;
        hash[val_off] = H_OFFPAGE;
        hash[val_off + 4..val_off + 8].copy_from_slice(&2u32.to_le_bytes());
        hash[val_off + 8..val_off + 12].copy_from_slice(&(blob.len() as u32).to_le_bytes());
        hash[26..28].copy_from_slice(&(key_off as u16).to_le_bytes());
        hash[28..30].copy_from_slice(&(val_off as u16).to_le_bytes());
        let cap = PS - PAGE_HEADER;
        assert!(blob.len() > cap && blob.len() <= 2 * cap);
        let mut ov1 = page(2, P_OVERFLOW, 3);
        ov1[22..24].copy_from_slice(&(cap as u16).to_le_bytes());
        ov1[PAGE_HEADER..].copy_from_slice(&blob[..cap]);
        let mut ov2 = page(3, P_OVERFLOW, 0);
        let rest = blob.len() - cap;
        ov2[22..24].copy_from_slice(&(rest as u16).to_le_bytes());
        ov2[PAGE_HEADER..PAGE_HEADER + rest].copy_from_slice(&blob[cap..]);
        [meta, hash, ov1, ov2].concat()
    }

    fn big_blob() -> Vec<u8> {
        let name = "x".repeat(600);
        minimal(&name)
    }

    #[test]
    fn reads_synthetic_overflow_chain() {
        let f = build(&big_blob());
        let p = read_bdb(&f).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name.len(), 600);
    }

    #[test]
    fn hostile_bdb_is_an_error() {
        let good = build(&big_blob());
        let set32 = |at: usize, v: u32| {
            let mut f = good.clone();
            f[at..at + 4].copy_from_slice(&v.to_le_bytes());
            f
        };
        let ov1_next = 2 * PS + 16;
        let val_off = PS + PS - 5 - 12;
        let cases = [
            ("overflow chain cycles back", {
                // Page 3 carries 10 bytes fewer than needed and links back to page 2.
                let mut f = set32(3 * PS + 16, 2);
                let used = u16::from_le_bytes([f[3 * PS + 22], f[3 * PS + 23]]) - 10;
                f[3 * PS + 22..3 * PS + 24].copy_from_slice(&used.to_le_bytes());
                f
            }),
            ("overflow chain points at itself", set32(ov1_next, 2)),
            ("overflow chain into the meta page", set32(ov1_next, 0)),
            ("overflow chain past the file", set32(ov1_next, 99)),
            ("bucket chain cycles", set32(PS + 16, 1)),
            (
                "overflow length larger than the file",
                set32(val_off + 8, u32::MAX),
            ),
            (
                "overflow length larger than the chain",
                set32(val_off + 8, 1000),
            ),
            ("last page beyond the file", set32(32, 1000)),
            ("max bucket beyond the file", set32(72, u32::MAX)),
            ("spares overflow", set32(96, u32::MAX)),
            ("page size zero", set32(20, 0)),
            ("page size not a power of two", set32(20, 1000)),
            ("version", set32(16, 99)),
            ("page number mismatch", set32(2 * PS + 8, 5)),
            ("entry count too large", {
                let mut f = good.clone();
                f[PS + 20..PS + 22].copy_from_slice(&0xffffu16.to_le_bytes());
                f
            }),
            ("entry offset outside page", {
                let mut f = good.clone();
                f[PS + 26..PS + 28].copy_from_slice(&0xfff0u16.to_le_bytes());
                f
            }),
        ];
        for (what, f) in cases {
            assert!(read_bdb(&f).is_err(), "{what}");
        }
        for len in [0, 12, 100, PS, 2 * PS, 3 * PS, good.len() - 1] {
            assert!(read_bdb(&good[..len]).is_err(), "truncated to {len}");
        }
    }

    #[test]
    fn big_endian_is_read() {
        // Swap every multi-byte field of the little-endian build into big-endian.
        let le = build(&big_blob());
        let mut be = le.clone();
        let swap32 = |f: &mut Vec<u8>, at: usize| f[at..at + 4].reverse();
        let swap16 = |f: &mut Vec<u8>, at: usize| f[at..at + 2].reverse();
        for at in (12..224).step_by(4) {
            swap32(&mut be, at);
        }
        for pg in 1..4 {
            let base = pg * PS;
            swap32(&mut be, base + 8);
            swap32(&mut be, base + 12);
            swap32(&mut be, base + 16);
            swap16(&mut be, base + 20);
            swap16(&mut be, base + 22);
        }
        swap16(&mut be, PS + 26);
        swap16(&mut be, PS + 28);
        let val_off = PS + PS - 5 - 12;
        swap32(&mut be, val_off + 4);
        swap32(&mut be, val_off + 8);
        swap32(&mut be, PS + PS - 4); // the key
        assert_eq!(DbFormat::detect(&be), Some(DbFormat::BerkeleyDb));
        let p = read_bdb(&be).unwrap();
        assert_eq!(p[0].name.len(), 600);
    }
}
