//! SUSE's NDB `Packages.db` (rpm's `lib/backend/ndb/rpmpkg.c`). All integers little-endian.
//!
//! ```text
//! file header (32 bytes): "RpmP", version 0, generation, slot page count, next package index
//! slot pages (4096 bytes each, the header takes the first two 16-byte slots of page 0):
//!   slot (16 bytes): "Slot", package index, block offset, block count   (block offset 0 = free)
//! blobs (16-byte blocks, at block offset * 16):
//!   head (16 bytes): "BlbS", package index, generation, blob length
//!   blob length bytes of rpm header, zero padding to a whole block,
//!   tail (12 bytes): adler32 of head+blob+padding, blob length, "BlbE"
//! ```

use crate::{DbFormat, RpmDbError, RpmPackage, parse_records};

const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: usize = 16;
const FILE_HEADER_SIZE: usize = 32;
const BLOB_HEAD_SIZE: usize = 16;
const BLOB_TAIL_SIZE: usize = 12;

fn err(msg: impl Into<String>) -> RpmDbError {
    RpmDbError::Ndb(msg.into())
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // 5552 is the largest run for which the sums cannot overflow a u32 (RFC 1950).
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

struct Slot {
    pkgidx: u32,
    blkoff: u32,
    blkcnt: u32,
}

/// Reads every package from an NDB `Packages.db`, in package-index order.
///
/// Checks what rpm checks when it reads a blob (magics, package index, blob length against
/// block count) and also the adler32 checksum that `rpm --verifydb` checks.
///
/// # Errors
/// [`RpmDbError::Ndb`] for a bad signature, a truncated file, a slot pointing outside the file
/// or into the slot pages, or a blob whose framing or checksum is wrong;
/// [`RpmDbError::Record`] when a blob holds an unparsable header.
pub fn read_ndb(bytes: &[u8]) -> Result<Vec<RpmPackage>, RpmDbError> {
    if bytes.len() < FILE_HEADER_SIZE || !bytes.starts_with(HEADER_MAGIC) {
        return Err(err("missing the \"RpmP\" signature"));
    }
    let version = le_u32(bytes, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(err(format!("unsupported version {version}")));
    }
    let slot_pages = le_u32(bytes, 12).unwrap_or(0) as usize;
    let slot_area = slot_pages
        .checked_mul(PAGE_SIZE)
        .filter(|&n| n > 0 && n <= bytes.len())
        .ok_or_else(|| {
            err(format!(
                "{slot_pages} slot pages do not fit in a file of {} bytes",
                bytes.len()
            ))
        })?;
    let file_blocks = bytes.len() / BLK_SIZE;
    let first_data_block = slot_area / BLK_SIZE;

    let mut slots = Vec::new();
    for at in (FILE_HEADER_SIZE..slot_area).step_by(SLOT_SIZE) {
        if bytes.get(at..at + 4) != Some(SLOT_MAGIC) {
            return Err(err(format!("no slot signature at offset {at}")));
        }
        let field = |n: usize| le_u32(bytes, at + 4 * n).unwrap_or(0);
        let (pkgidx, blkoff, blkcnt) = (field(1), field(2), field(3));
        if blkoff == 0 {
            continue; // free slot
        }
        let end = u64::from(blkoff) + u64::from(blkcnt);
        if pkgidx == 0 || blkcnt == 0 || (blkoff as usize) < first_data_block {
            return Err(err(format!(
                "slot at offset {at} is invalid (package {pkgidx}, block {blkoff}, {blkcnt} blocks)"
            )));
        }
        if end > file_blocks as u64 {
            return Err(err(format!(
                "package {pkgidx} ends at block {end}, past the file's {file_blocks} blocks (truncated?)"
            )));
        }
        slots.push(Slot {
            pkgidx,
            blkoff,
            blkcnt,
        });
    }
    slots.sort_by_key(|s| s.pkgidx);
    if slots.windows(2).any(|w| w[0].pkgidx == w[1].pkgidx) {
        return Err(err("two slots claim the same package index"));
    }

    let blobs = slots
        .iter()
        .map(|s| read_blob(bytes, s).map(|b| (u64::from(s.pkgidx), b)))
        .collect::<Result<Vec<_>, _>>()?;
    parse_records(DbFormat::Ndb, blobs)
}

fn read_blob<'a>(bytes: &'a [u8], slot: &Slot) -> Result<&'a [u8], RpmDbError> {
    let start = slot.blkoff as usize * BLK_SIZE;
    // In bounds: the slot was checked against the file's length.
    let area = &bytes[start..start + slot.blkcnt as usize * BLK_SIZE];
    let pkg = slot.pkgidx;
    if area.len() < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE {
        return Err(err(format!("package {pkg}: blob area too small")));
    }
    if !area.starts_with(BLOB_HEAD_MAGIC) || le_u32(area, 4) != Some(pkg) {
        return Err(err(format!(
            "package {pkg}: bad blob header at offset {start}"
        )));
    }
    let len = le_u32(area, 12).unwrap_or(0) as usize;
    let blocks = (BLOB_HEAD_SIZE + len + BLOB_TAIL_SIZE).div_ceil(BLK_SIZE);
    if blocks != area.len() / BLK_SIZE {
        return Err(err(format!(
            "package {pkg}: blob of {len} bytes does not fill its {} blocks",
            slot.blkcnt
        )));
    }
    let tail_at = area.len() - BLOB_TAIL_SIZE;
    let tail = &area[tail_at..];
    if &tail[8..12] != BLOB_TAIL_MAGIC || le_u32(tail, 4) != Some(len as u32) {
        return Err(err(format!("package {pkg}: bad blob trailer")));
    }
    if le_u32(tail, 0) != Some(adler32(&area[..tail_at])) {
        return Err(err(format!("package {pkg}: adler32 checksum mismatch")));
    }
    Ok(&area[BLOB_HEAD_SIZE..BLOB_HEAD_SIZE + len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::minimal;

    /// An NDB file with one slot page holding `blobs` as packages 1, 2, ...
    fn build(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut f = vec![0u8; PAGE_SIZE];
        f[..4].copy_from_slice(HEADER_MAGIC);
        f[12..16].copy_from_slice(&1u32.to_le_bytes());
        for at in (FILE_HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            f[at..at + 4].copy_from_slice(SLOT_MAGIC);
        }
        for (i, blob) in blobs.iter().enumerate() {
            let pkg = i as u32 + 1;
            let blkoff = (f.len() / BLK_SIZE) as u32;
            let mut area = Vec::new();
            area.extend_from_slice(BLOB_HEAD_MAGIC);
            area.extend_from_slice(&pkg.to_le_bytes());
            area.extend_from_slice(&0u32.to_le_bytes());
            area.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            area.extend_from_slice(blob);
            while !(area.len() + BLOB_TAIL_SIZE).is_multiple_of(BLK_SIZE) {
                area.push(0);
            }
            let sum = adler32(&area);
            area.extend_from_slice(&sum.to_le_bytes());
            area.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            area.extend_from_slice(BLOB_TAIL_MAGIC);
            let blkcnt = (area.len() / BLK_SIZE) as u32;
            f.extend_from_slice(&area);
            let slot = FILE_HEADER_SIZE + i * SLOT_SIZE;
            f[slot + 4..slot + 8].copy_from_slice(&pkg.to_le_bytes());
            f[slot + 8..slot + 12].copy_from_slice(&blkoff.to_le_bytes());
            f[slot + 12..slot + 16].copy_from_slice(&blkcnt.to_le_bytes());
        }
        f
    }

    #[test]
    fn adler32_matches_rfc1950_example() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(&vec![0xff; 100_000]), {
            let (mut a, mut b) = (1u64, 0u64);
            for _ in 0..100_000 {
                a = (a + 255) % 65521;
                b = (b + a) % 65521;
            }
            ((b << 16) | a) as u32
        });
    }

    #[test]
    fn reads_synthetic_db() {
        let f = build(&[minimal("a"), minimal("b")]);
        let names: Vec<_> = read_ndb(&f).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn hostile_ndb_is_an_error() {
        let good = build(&[minimal("a")]);
        let slot = FILE_HEADER_SIZE;
        let set = |at: usize, v: u32| {
            let mut f = good.clone();
            f[at..at + 4].copy_from_slice(&v.to_le_bytes());
            f
        };
        let cases = [
            ("block offset past the end", set(slot + 8, 0x0fff_ffff)),
            ("block offset into the slot pages", set(slot + 8, 1)),
            ("huge block count", set(slot + 12, u32::MAX)),
            ("offset + count overflow", set(slot + 8, u32::MAX)),
            ("wrong package index in blob", set(PAGE_SIZE + 4, 9)),
            ("blob length larger than area", set(PAGE_SIZE + 12, 1 << 30)),
            ("slot pages beyond the file", set(12, 1000)),
            ("slot page count overflow", set(12, u32::MAX)),
            ("zero slot pages", set(12, 0)),
            ("bad version", set(4, 1)),
            ("checksum", set(good.len() - 12, 0)),
            ("corrupted header byte", set(PAGE_SIZE + 16, 0xdead_beef)),
        ];
        for (what, f) in cases {
            assert!(read_ndb(&f).is_err(), "{what}");
        }
        for len in [0, 4, 31, 100, PAGE_SIZE, good.len() - 1] {
            assert!(read_ndb(&good[..len]).is_err(), "truncated to {len}");
        }
    }
}
