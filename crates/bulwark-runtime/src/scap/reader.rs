//! The block layer of a capture: gzip or plain input, `type, total_length, body, total_length` blocks, every
//! length checked against the input actually present before anything is kept.

use std::io::{self, BufRead, BufReader, Read};

use crate::event::SourceError;

/// Section header block.
pub(crate) const SHB: u32 = 0x0A0D_0D0A;
/// The section header's byte-order magic.
pub(crate) const SHB_MAGIC: u32 = 0x1A2B_3C4D;
/// Machine info.
pub(crate) const MI: u32 = 0x201;
/// Process list, old layouts (V1..V8 and the `_INT` variants) and V9.
pub(crate) const PL_V1: u32 = 0x202;
pub(crate) const PL_V2: u32 = 0x207;
pub(crate) const PL_V3: u32 = 0x209;
pub(crate) const PL_V4: u32 = 0x210;
pub(crate) const PL_V5: u32 = 0x211;
pub(crate) const PL_V6: u32 = 0x212;
pub(crate) const PL_V7: u32 = 0x213;
pub(crate) const PL_V8: u32 = 0x214;
pub(crate) const PL_V9: u32 = 0x215;
/// File descriptor lists.
pub(crate) const FDL: u32 = 0x203;
pub(crate) const FDL_V2: u32 = 0x218;
/// Events: with and without `nparams` in the header, with flags, and the large-payload variants.
pub(crate) const EV: u32 = 0x204;
pub(crate) const EV_V2: u32 = 0x216;
pub(crate) const EV_V2_LARGE: u32 = 0x221;
pub(crate) const EVF: u32 = 0x208;
pub(crate) const EVF_V2: u32 = 0x217;
pub(crate) const EVF_V2_LARGE: u32 = 0x222;
/// Interface lists.
pub(crate) const IL: u32 = 0x205;
pub(crate) const IL_V2: u32 = 0x219;
/// User lists.
pub(crate) const UL: u32 = 0x206;
pub(crate) const UL_V2: u32 = 0x220;

/// The largest block body we keep in memory (events are at most a few MiB; process lists of big hosts a few
/// MiB). Longer blocks of known types are an error; of unknown types, skipped without being kept.
pub(crate) const MAX_BLOCK: u64 = 64 << 20;

/// Is this a block type the reader interprets (and so keeps in memory)?
pub(crate) fn is_known(ty: u32) -> bool {
    matches!(
        ty,
        SHB | MI
            | PL_V1
            | PL_V2
            | PL_V3
            | PL_V4
            | PL_V5
            | PL_V6
            | PL_V7
            | PL_V8
            | PL_V9
            | FDL
            | FDL_V2
            | EV
            | EV_V2
            | EV_V2_LARGE
            | EVF
            | EVF_V2
            | EVF_V2_LARGE
            | IL
            | IL_V2
            | UL
            | UL_V2
    )
}

/// A short name for a block type, for errors and counts.
#[must_use]
pub fn block_name(ty: u32) -> &'static str {
    match ty {
        SHB => "SHB",
        MI => "MI",
        PL_V1 => "PL_V1",
        PL_V2 => "PL_V2",
        PL_V3 => "PL_V3",
        PL_V4 => "PL_V4",
        PL_V5 => "PL_V5",
        PL_V6 => "PL_V6",
        PL_V7 => "PL_V7",
        PL_V8 => "PL_V8",
        PL_V9 => "PL_V9",
        FDL => "FDL",
        FDL_V2 => "FDL_V2",
        EV => "EV",
        EV_V2 => "EV_V2",
        EV_V2_LARGE => "EV_V2_LARGE",
        EVF => "EVF",
        EVF_V2 => "EVF_V2",
        EVF_V2_LARGE => "EVF_V2_LARGE",
        IL => "IL",
        IL_V2 => "IL_V2",
        UL => "UL",
        UL_V2 => "UL_V2",
        _ => "unknown",
    }
}

/// Counts bytes read and refuses to read past a limit (a gzip bomb ends as an error, not as an endless read).
struct Limited<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.limit {
            return Err(io::Error::other(format!(
                "decompressed input exceeds the limit of {} bytes",
                self.limit
            )));
        }
        let room = usize::try_from(self.limit - self.read).unwrap_or(usize::MAX);
        let n = buf.len().min(room);
        let got = self.inner.read(&mut buf[..n])?;
        self.read += got as u64;
        Ok(got)
    }
}

/// Where a block starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockPos {
    /// 0-based block index.
    pub index: u64,
    /// Byte offset of the block in the (decompressed) stream.
    pub offset: u64,
}

/// Reads blocks one at a time into a reused buffer.
pub(crate) struct BlockReader {
    input: Box<dyn Read>,
    name: String,
    offset: u64,
    index: u64,
    /// The current block's body (known types only).
    pub body: Vec<u8>,
}

impl BlockReader {
    /// Wraps an input, decompressing it when it starts with the gzip magic. `limit` caps the decompressed size.
    pub(crate) fn new(input: Box<dyn Read>, name: &str, limit: u64) -> io::Result<BlockReader> {
        let mut buffered = BufReader::with_capacity(64 * 1024, input);
        let head = buffered.fill_buf()?;
        let input: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(Limited {
                inner: flate2::bufread::MultiGzDecoder::new(buffered),
                read: 0,
                limit,
            })
        } else {
            Box::new(Limited {
                inner: buffered,
                read: 0,
                limit,
            })
        };
        Ok(BlockReader {
            input: Box::new(BufReader::with_capacity(64 * 1024, input)),
            name: name.to_string(),
            offset: 0,
            index: 0,
            body: Vec::new(),
        })
    }

    /// An error at a block.
    pub(crate) fn err(&self, pos: BlockPos, msg: impl std::fmt::Display) -> SourceError {
        SourceError::Read {
            where_: format!("{}: block {} at byte {}", self.name, pos.index, pos.offset),
            message: msg.to_string(),
        }
    }

    fn io_err(&self, pos: BlockPos, e: &io::Error) -> SourceError {
        self.err(pos, format!("read error: {e}"))
    }

    /// Reads up to `buf.len()` bytes; returns how many (fewer only at the end of input).
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// The next block: its type and position; for known types the body is in [`BlockReader::body`]. `None` at
    /// the clean end of the input.
    pub(crate) fn next_block(&mut self) -> Result<Option<(u32, BlockPos)>, SourceError> {
        let pos = BlockPos {
            index: self.index,
            offset: self.offset,
        };
        let mut hdr = [0u8; 8];
        let got = self.read_full(&mut hdr).map_err(|e| self.io_err(pos, &e))?;
        if got == 0 {
            return Ok(None);
        }
        if got < 8 {
            return Err(self.err(pos, format!("truncated block header: {got} of 8 bytes")));
        }
        let ty = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let total = u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]);
        if total < 12 {
            return Err(self.err(
                pos,
                format!(
                    "block {} (0x{ty:x}) declares total length {total}, less than the 12-byte minimum",
                    block_name(ty)
                ),
            ));
        }
        if self.index == 0 && ty != SHB {
            return Err(self.err(
                pos,
                format!("not a capture: the first block has type 0x{ty:08x}, not a section header"),
            ));
        }
        let body_len = u64::from(total) - 12;
        if is_known(ty) {
            if body_len > MAX_BLOCK {
                return Err(self.err(
                    pos,
                    format!(
                        "block {} declares {body_len} body bytes, more than the {MAX_BLOCK}-byte limit",
                        block_name(ty)
                    ),
                ));
            }
            self.body.clear();
            // `take` + `read_to_end` grows the buffer only as bytes arrive: a lying length cannot allocate.
            let got = (&mut self.input)
                .take(body_len)
                .read_to_end(&mut self.body)
                .map_err(|e| self.io_err(pos, &e))?;
            if (got as u64) < body_len {
                return Err(self.err(
                    pos,
                    format!(
                        "truncated {} block: {got} of {body_len} body bytes",
                        block_name(ty)
                    ),
                ));
            }
        } else {
            let got = io::copy(&mut (&mut self.input).take(body_len), &mut io::sink())
                .map_err(|e| self.io_err(pos, &e))?;
            if got < body_len {
                return Err(self.err(
                    pos,
                    format!("truncated block 0x{ty:x}: {got} of {body_len} body bytes"),
                ));
            }
        }
        let mut trailer = [0u8; 4];
        let got = self
            .read_full(&mut trailer)
            .map_err(|e| self.io_err(pos, &e))?;
        if got < 4 {
            return Err(self.err(pos, format!("truncated block trailer: {got} of 4 bytes")));
        }
        let again = u32::from_le_bytes(trailer);
        if again != total {
            return Err(self.err(
                pos,
                format!(
                    "block {} trailer length {again} differs from its header length {total}",
                    block_name(ty)
                ),
            ));
        }
        self.index += 1;
        self.offset += u64::from(total);
        Ok(Some((ty, pos)))
    }
}

/// A bounds-checked little-endian cursor over a block body.
pub(crate) struct Cur<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Cur<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Cur<'a> {
        Cur { data, pos: 0 }
    }

    pub(crate) fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "needs {n} bytes at body offset {}, only {} left",
                self.pos,
                self.left()
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.bytes(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, String> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub(crate) fn i64(&mut self) -> Result<i64, String> {
        Ok(self.u64()? as i64)
    }

    /// A `u16` length then that many bytes, as text (lossy).
    pub(crate) fn str16(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let b = self.bytes(n)?;
        let b = b.split(|&c| c == 0).next().unwrap_or(b);
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    /// A `u16` length then that many bytes, raw.
    pub(crate) fn bytes16(&mut self) -> Result<&'a [u8], String> {
        let n = self.u16()? as usize;
        self.bytes(n)
    }
}
