//! Bounds on tar extension members, checked from the 512-byte headers as the stream goes past and before the
//! `tar` crate reads a member's body.
//!
//! The `tar` crate reads the body of a PAX extended header (`x`, `g`) or a GNU long name or link (`L`, `K`)
//! into one buffer, whatever size the header declares: a 200 MiB PAX `path` (200 KiB of gzip) cost a gigabyte
//! before any check on the parsed names could run (red team #15). [`HeaderGuard`] sits between the decoder and
//! the `tar` crate and follows the same layout the crate follows: a header block, the GNU sparse extension
//! blocks a `S` header announces, then the body rounded up to 512 bytes, whose size is the header's (octal or
//! base-256) unless a PAX `size` record overrides it; the first all-zero header ends the archive. When a header
//! declares an extension body over the limit, the read that completes the header fails, so the `tar` crate
//! never sees it.

use std::io::{self, Read, Seek, SeekFrom};

/// Largest PAX extended header body accepted for one member (its records: path, link, times, xattrs…).
pub const MAX_PAX_BYTES: u64 = 1 << 20;
/// Largest GNU long name or long link body accepted: a name of `MAX_PATH_BYTES` and its NUL.
pub const MAX_LONG_NAME_BYTES: u64 = crate::layer::MAX_PATH_BYTES as u64 + 1;
/// Most GNU sparse extension blocks accepted after one header (21 regions each): the `tar` crate keeps a
/// record per region, so an endless chain of them is memory too. 16,384 blocks map 344,064 regions.
pub const MAX_SPARSE_EXTENSIONS: u64 = 16 << 10;

const BLOCK: u64 = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The block at `next` is a member header.
    Header,
    /// The block at `next` is a GNU sparse extension; then comes a body of this many bytes.
    SparseExtension { body: u64 },
    /// The end-of-archive block was seen (or the `tar` crate will stop at this header): bytes pass unchecked.
    Done,
}

/// A reader over a tar stream that refuses oversized extension members from their headers. See the module
/// documentation.
pub struct HeaderGuard<R> {
    inner: R,
    /// Offset in the tar stream of the next byte `inner` yields.
    pos: u64,
    /// Offset of the next header or extension block; the bytes before it belong to a body.
    next: u64,
    want: Want,
    /// The header or extension block being gathered, `len` bytes of it so far.
    block: Box<[u8; BLOCK as usize]>,
    len: usize,
    /// Members (headers) seen, and the name and offset of the last, for naming it in an error.
    members: u64,
    name: String,
    at: u64,
    extensions: u64,
    /// The body of a PAX `x` header being gathered (it is under [`MAX_PAX_BYTES`]): its `size` record, if any,
    /// overrides the size of the member it describes.
    pax: Option<(Vec<u8>, u64)>,
    /// The `size` record of the last PAX `x` header, for the next member that is not an extension itself.
    pax_size: Option<u64>,
}

impl<R> HeaderGuard<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            pos: 0,
            next: 0,
            want: Want::Header,
            block: Box::new([0; BLOCK as usize]),
            len: 0,
            members: 0,
            name: String::new(),
            at: 0,
            extensions: 0,
            pax: None,
            pax_size: None,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Follows `data`, the bytes at `self.pos`.
    fn track(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() && self.want != Want::Done {
            if self.pos < self.next {
                let n = (self.next - self.pos).min(data.len() as u64) as usize;
                if let Some((buf, want)) = &mut self.pax {
                    let take = (*want - buf.len() as u64).min(n as u64) as usize;
                    buf.extend_from_slice(&data[..take]);
                }
                self.finish_pax();
                self.pos += n as u64;
                data = &data[n..];
                continue;
            }
            let n = (BLOCK as usize - self.len).min(data.len());
            self.block[self.len..self.len + n].copy_from_slice(&data[..n]);
            self.len += n;
            self.pos += n as u64;
            data = &data[n..];
            if self.len == BLOCK as usize {
                self.len = 0;
                self.next = self.pos;
                self.block_done()?;
            }
        }
        Ok(())
    }

    /// Once a PAX body is complete, keeps its `size` record, as the `tar` crate reads it.
    fn finish_pax(&mut self) {
        if let Some((buf, want)) = &self.pax
            && buf.len() as u64 == *want
        {
            self.pax_size = pax_size(buf);
            self.pax = None;
        }
    }

    fn block_done(&mut self) -> io::Result<()> {
        match self.want {
            Want::Done => Ok(()),
            Want::SparseExtension { body } => {
                self.extensions += 1;
                if self.extensions > MAX_SPARSE_EXTENSIONS {
                    return Err(self.refuse(&format!(
                        "GNU sparse map of more than {MAX_SPARSE_EXTENSIONS} extension blocks"
                    )));
                }
                // `isextended` of an extension block, after its 21 regions of 24 bytes.
                if self.block[504] != 1 {
                    self.body(body);
                }
                Ok(())
            }
            Want::Header => self.header(),
        }
    }

    /// The next header comes after a body of `size` bytes (rounded up to a block).
    fn body(&mut self, size: u64) {
        self.want = Want::Header;
        match size
            .checked_add(BLOCK - 1)
            .and_then(|s| self.next.checked_add(s & !(BLOCK - 1)))
        {
            Some(next) => self.next = next,
            // The `tar` crate fails on this header ("size overflow").
            None => self.want = Want::Done,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        let h = &*self.block;
        // As the `tar` crate: the first zero block ends the archive; a bad checksum or size field fails it.
        if h.iter().all(|&b| b == 0) {
            self.want = Want::Done;
            return Ok(());
        }
        self.members += 1;
        self.at = self.next - BLOCK;
        let end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
        self.name = String::from_utf8_lossy(&h[..end])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let sum: u32 = h[..148]
            .iter()
            .chain(&h[156..])
            .map(|&b| u32::from(b))
            .sum::<u32>()
            + 8 * 32;
        let header = tar::Header::from_byte_slice(h);
        let (Ok(cksum), Ok(own_size)) = (header.cksum(), header.entry_size()) else {
            self.want = Want::Done;
            return Ok(());
        };
        if cksum != sum {
            self.want = Want::Done;
            return Ok(());
        }
        let kind = h[156];
        let recognized = header.as_ustar().is_some() || header.as_gnu().is_some();
        let sparse_extended =
            kind == b'S' && header.as_gnu().is_some_and(tar::GnuHeader::is_extended);
        let (limit, what) = match kind {
            b'x' | b'g' => (MAX_PAX_BYTES, "PAX extended header"),
            b'L' => (MAX_LONG_NAME_BYTES, "GNU long name"),
            b'K' => (MAX_LONG_NAME_BYTES, "GNU long link name"),
            _ => (u64::MAX, ""),
        };
        if own_size > limit {
            return Err(self.refuse(&format!(
                "{what} of {own_size} bytes is over the {limit} byte limit"
            )));
        }
        let extension = matches!(kind, b'x' | b'g' | b'L' | b'K');
        // A PAX `size` describes the next member that is not an extension header.
        let size = match self.pax_size {
            Some(s) if !extension => s,
            _ => own_size,
        };
        // The `tar` crate gathers `L`, `K` and `x` (when the header is ustar or GNU) for the member that
        // follows; anything else is a member, which ends what the gathered extensions apply to.
        if !(recognized && matches!(kind, b'x' | b'L' | b'K')) {
            self.pax_size = None;
        }
        if recognized && kind == b'x' {
            self.pax = Some((Vec::with_capacity(own_size as usize), own_size));
            self.finish_pax();
        }
        if sparse_extended {
            self.extensions = 0;
            self.want = Want::SparseExtension { body: size };
            return Ok(());
        }
        self.body(size);
        Ok(())
    }

    fn refuse(&self, why: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "tar member {} ('{}', header at byte {}): {why}",
                self.members, self.name, self.at
            ),
        )
    }
}

/// The `size` record of a PAX body, read as the `tar` crate reads it (the first `size` key; nothing after a
/// malformed record).
fn pax_size(body: &[u8]) -> Option<u64> {
    for record in tar::PaxExtensions::new(body) {
        let record = record.ok()?;
        if record.key() != Ok("size") {
            continue;
        }
        return record.value().ok()?.parse().ok();
    }
    None
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.track(&buf[..n])?;
        Ok(n)
    }
}

impl<R: Seek> Seek for HeaderGuard<R> {
    /// The `tar` crate seeks forward over bodies, to the next header; a seek that would skip a header (or go
    /// back) loses the layout and is refused.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(_) => None,
        };
        let allowed = self.want == Want::Done
            || target.is_some_and(|t| t >= self.pos && t <= self.next && self.pax.is_none());
        if !allowed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "tar reader seeked outside the body of a member",
            ));
        }
        let p = self.inner.seek(to)?;
        self.pos = p;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, kind: u8, size_field: &[u8; 12], gnu: bool) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(size_field);
        h[156] = kind;
        if gnu {
            h[257..265].copy_from_slice(b"ustar  \0");
        } else {
            h[257..265].copy_from_slice(b"ustar\x0000");
        }
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    fn octal(n: u64) -> [u8; 12] {
        format!("{n:011o}\0").as_bytes().try_into().unwrap()
    }

    fn member(name: &str, kind: u8, body: &[u8]) -> Vec<u8> {
        let mut m = header(name, kind, &octal(body.len() as u64), false);
        m.extend_from_slice(body);
        m.resize(m.len().div_ceil(512) * 512, 0);
        m
    }

    /// Reads `data` through the guard, `chunk` bytes at a time, into the `tar` crate; the paths it lists.
    fn list(data: &[u8], chunk: usize) -> io::Result<Vec<String>> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.1).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut archive = tar::Archive::new(HeaderGuard::new(Chunks(data, chunk)));
        let mut out = Vec::new();
        for e in archive.entries()? {
            out.push(String::from_utf8_lossy(&e?.path_bytes()).into_owned());
        }
        Ok(out)
    }

    fn end() -> Vec<u8> {
        vec![0; 1024]
    }

    #[test]
    fn oversized_extension_headers_are_refused_from_the_header() {
        for (kind, size, what) in [
            (b'x', MAX_PAX_BYTES + 1, "PAX extended header"),
            (b'g', 200 << 20, "PAX extended header"),
            (b'L', MAX_LONG_NAME_BYTES + 1, "GNU long name"),
            (b'K', 1 << 32, "GNU long link name"),
        ] {
            let mut tar = member("a", b'0', b"hello");
            // Only the header: the body is never read, so it need not exist.
            tar.extend(header("././@LongLink", kind, &octal(size), true));
            for chunk in [1, 7, 512, 1 << 16] {
                let err = list(&tar, chunk).unwrap_err().to_string();
                assert!(
                    err.contains(what)
                        && err.contains(&size.to_string())
                        && err.contains("tar member 2 ('././@LongLink', header at byte 1024)"),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn extension_headers_under_the_limits_pass() {
        let mut tar = member("././@LongLink", b'L', &[b'n'; 4000]);
        tar.extend(member("short", b'0', b"x"));
        tar.extend(member(
            "PaxHeader/x",
            b'x',
            b"28 path=dir/from/pax/record\n",
        ));
        tar.extend(member("y", b'0', b"y"));
        tar.extend(end());
        for chunk in [1, 100, 1 << 20] {
            let paths = list(&tar, chunk).unwrap();
            assert_eq!(paths, ["n".repeat(4000), "dir/from/pax/record".into()]);
        }
    }

    /// A PAX `size` record overrides the size of the next member: the next header is found where the `tar`
    /// crate looks for it, and an oversized one there is refused.
    #[test]
    fn a_pax_size_record_moves_the_next_header() {
        let mut tar = member("PaxHeader/a", b'x', b"13 size=1024\n");
        // The header says 0 bytes; the PAX record says 1024, which hold a fake header the tar crate skips.
        tar.extend(header("a", b'0', &octal(0), false));
        tar.extend(header("fake", b'x', &octal(1 << 30), false));
        tar.extend([0; 512]);
        tar.extend(header("real", b'x', &octal(MAX_PAX_BYTES + 1), false));
        let err = list(&tar, 512).unwrap_err().to_string();
        assert!(err.contains("'real'"), "{err}");
    }

    /// Base-256 sizes (GNU, for members over 8 GiB) are read as the `tar` crate reads them.
    #[test]
    fn base_256_sizes_are_followed() {
        let mut size = [0u8; 12];
        size[0] = 0x80;
        size[11] = 3; // 3 bytes
        let mut tar = header("a", b'0', &size, true);
        tar.extend(b"abc");
        tar.resize(1024, 0);
        tar.extend(header("big", b'L', &octal(1 << 30), true));
        let err = list(&tar, 512).unwrap_err().to_string();
        assert!(err.contains("'big'"), "{err}");
    }

    fn sparse(name: &str, extensions: usize, last_extended: bool) -> Vec<u8> {
        let mut h = header(name, b'S', &octal(3), true);
        let mut put = |at: usize, v: u64| h[at..at + 12].copy_from_slice(&octal(v));
        put(386, 0); // sparse[0].offset
        put(398, 3); // sparse[0].numbytes
        put(483, 3); // realsize
        h[482] = u8::from(extensions > 0);
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        for i in 0..extensions {
            let mut ext = vec![0u8; 512];
            ext[504] = u8::from(i + 1 < extensions || last_extended);
            h.extend(ext);
        }
        h.extend(b"abc");
        h.resize(h.len().div_ceil(512) * 512, 0);
        h
    }

    /// GNU sparse extension blocks come between the header and the body.
    #[test]
    fn sparse_extension_blocks_are_followed() {
        let mut tar = sparse("s", 3, false);
        tar.extend(header("after", b'x', &octal(MAX_PAX_BYTES + 1), false));
        let err = list(&tar, 100).unwrap_err().to_string();
        assert!(
            err.contains("'after'") && err.contains("header at byte 2560"),
            "{err}"
        );

        let mut ok = sparse("s", 2, false);
        ok.extend(member("t", b'0', b"t"));
        ok.extend(end());
        assert_eq!(list(&ok, 512).unwrap(), ["s", "t"]);
    }

    #[test]
    fn an_endless_sparse_map_is_refused() {
        let tar = sparse("s", MAX_SPARSE_EXTENSIONS as usize + 1, true);
        let err = list(&tar, 1 << 16).unwrap_err().to_string();
        assert!(err.contains("GNU sparse map"), "{err}");
    }

    /// After the end-of-archive block nothing is checked (the `tar` crate stops there too).
    #[test]
    fn nothing_is_checked_after_the_end() {
        let mut tar = member("a", b'0', b"a");
        tar.extend(end());
        tar.extend(header("junk", b'x', &octal(1 << 30), false));
        assert_eq!(list(&tar, 512).unwrap(), ["a"]);
    }

    /// The seeking path (uncompressed layers in files) is guarded the same way.
    #[test]
    fn seeking_past_bodies_is_followed() {
        let mut tar = member("a", b'0', &[b'a'; 5000]);
        tar.extend(member("b", b'0', &[b'b'; 700]));
        tar.extend(header("big", b'x', &octal(MAX_PAX_BYTES + 1), false));
        let mut archive = tar::Archive::new(HeaderGuard::new(io::Cursor::new(tar)));
        let err = archive
            .entries_with_seek()
            .unwrap()
            .map(|e| e.map(|_| ()))
            .collect::<io::Result<Vec<()>>>()
            .unwrap_err();
        assert!(err.to_string().contains("'big'"), "{err}");
    }

    type Listing = (Vec<(u64, u64, u64)>, Option<String>);

    /// What the `tar` crate lists: `(header offset, data offset, size)` of each member, then its error.
    fn listing<R: Read>(entries: io::Result<tar::Entries<'_, R>>) -> Listing {
        let mut out = Vec::new();
        let entries = match entries {
            Ok(e) => e,
            Err(e) => return (out, Some(e.to_string())),
        };
        for e in entries {
            match e {
                Ok(mut e) => {
                    let at = (e.raw_header_position(), e.raw_file_position(), e.size());
                    let _ = io::copy(&mut (&mut e).take(1 << 16), &mut io::sink());
                    out.push(at);
                }
                Err(e) => return (out, Some(e.to_string())),
            }
        }
        (out, None)
    }

    fn agree(plain: &Listing, guarded: &Listing) {
        match &guarded.1 {
            Some(e) if e.starts_with("tar member ") => {
                assert_eq!(plain.0[..guarded.0.len()], guarded.0[..]);
            }
            _ => assert_eq!(plain, guarded),
        }
    }

    /// The walker agrees with the `tar` crate on mutated archives (the `tar_headers` fuzz target does this
    /// at scale): same members, same offsets, streamed or seeking, until it refuses a header.
    #[test]
    fn the_walker_agrees_with_the_tar_crate_on_mutated_archives() {
        let mut base = member("PaxHeader/a", b'x', b"13 size=1024\n");
        base.extend(header("a", b'0', &octal(0), false));
        base.extend(vec![7; 1024]);
        base.extend(sparse("s", 2, false));
        base.extend(member("././@LongLink", b'L', &[b'n'; 600]));
        base.extend(member("b", b'0', b"bbb"));
        base.extend(end());
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..3000 {
            let mut data = base.clone();
            if round > 0 {
                for _ in 0..=(next() % 4) {
                    let at = (next() % data.len() as u64) as usize;
                    // Size, type, magic and isextended bytes are where disagreements would hide.
                    data[at] = match next() % 4 {
                        0 => b'0' + (next() % 8) as u8,
                        1 => 0,
                        2 => 0x80,
                        _ => next() as u8,
                    };
                }
            }
            let plain = listing(tar::Archive::new(&data[..]).entries());
            let guarded = listing(tar::Archive::new(HeaderGuard::new(&data[..])).entries());
            agree(&plain, &guarded);
            let plain = listing(tar::Archive::new(io::Cursor::new(&data)).entries_with_seek());
            let guarded = listing(
                tar::Archive::new(HeaderGuard::new(io::Cursor::new(&data))).entries_with_seek(),
            );
            agree(&plain, &guarded);
        }
    }
}
