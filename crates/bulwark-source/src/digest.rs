//! Streaming digest verification.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::SourceError;

/// Checks that `digest` is `sha256:<64 lowercase hex>` and returns the hex part.
pub(crate) fn sha256_hex(digest: &str) -> Result<&str, SourceError> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| SourceError::UnsupportedDigest(digest.to_string()))?;
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(SourceError::UnsupportedDigest(digest.to_string()));
    }
    Ok(hex)
}

/// `sha256:<hex>` of a byte slice.
#[must_use]
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A reader that hashes and counts everything read through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    pub(crate) count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Reads the rest of the stream (tar stops before trailing padding) and returns `sha256:<hex>`, the byte
    /// count and the inner reader.
    pub(crate) fn finish(mut self) -> io::Result<(String, u64, R)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            format!("sha256:{}", hex(&self.hasher.finalize())),
            self.count,
            self.inner,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}
