//! Content digests (`sha256:<hex>`), validated before they are ever used as a file name.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::RegistryError;

/// A validated sha256 digest. Only sha256 is supported: it is what every registry and every
/// image tool writes today, and it keeps the cache layout (`blobs/sha256/<hex>`) to one folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    hex: String,
}

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`. Other well-formed algorithms (sha512, blake3…) give
    /// [`RegistryError::UnsupportedDigest`]; anything else [`RegistryError::InvalidDigest`].
    pub fn parse(s: &str) -> Result<Self, RegistryError> {
        let invalid = |reason: &str| RegistryError::InvalidDigest {
            digest: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (algorithm, encoded) = s
            .split_once(':')
            .ok_or_else(|| invalid("expected algorithm:hex"))?;
        let algorithm_ok = !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
        if !algorithm_ok {
            return Err(invalid("malformed algorithm"));
        }
        if encoded.is_empty()
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b))
        {
            return Err(invalid("malformed encoded part"));
        }
        if algorithm != "sha256" {
            return Err(RegistryError::UnsupportedDigest {
                digest: s.to_owned(),
            });
        }
        if encoded.len() != 64
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(invalid("sha256 needs 64 lowercase hex digits"));
        }
        Ok(Self {
            hex: encoded.to_owned(),
        })
    }

    /// The digest of `bytes`.
    #[must_use]
    pub fn of(bytes: &[u8]) -> Self {
        Self::from_hasher(Sha256::new_with_prefix(bytes))
    }

    pub(crate) fn from_hasher(hasher: Sha256) -> Self {
        use std::fmt::Write as _;
        let out = hasher.finalize();
        let mut hex = String::with_capacity(64);
        for b in out {
            let _ = write!(hex, "{b:02x}");
        }
        Self { hex }
    }

    /// The 64 hex digits, which are also the cache file name.
    #[must_use]
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sha256_and_rejects_others() {
        let hex = "a".repeat(64);
        assert_eq!(Digest::parse(&format!("sha256:{hex}")).unwrap().hex(), hex);
        assert!(matches!(
            Digest::parse(&format!("sha512:{}", "b".repeat(128))),
            Err(RegistryError::UnsupportedDigest { .. })
        ));
        for bad in [
            "sha256",
            "sha256:",
            "sha256:abc",
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:../../{}", "a".repeat(58)),
            "SHA256:abc",
        ] {
            assert!(
                matches!(Digest::parse(bad), Err(RegistryError::InvalidDigest { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn digest_of_known_input() {
        // `printf '' | sha256sum`
        assert_eq!(
            Digest::of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
