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

/// A reader that counts everything read through it, and hashes it when asked to.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    pub(crate) count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Some(Sha256::new()),
            count: 0,
        }
    }

    /// Counts only: hashing a stream nobody checks costs as much as reading it.
    pub(crate) fn counting(inner: R) -> Self {
        Self {
            inner,
            hasher: None,
            count: 0,
        }
    }

    /// Reads the rest of the stream (tar stops before trailing padding) and returns `sha256:<hex>` (empty when
    /// not hashing), the byte count and the inner reader.
    pub(crate) fn finish(mut self) -> io::Result<(String, u64, R)> {
        io::copy(&mut self, &mut io::sink())?;
        let digest = self
            .hasher
            .map(|h| format!("sha256:{}", hex(&h.finalize())))
            .unwrap_or_default();
        Ok((digest, self.count, self.inner))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}
