//! A small synchronous client for TUF (The Update Framework) repositories, following the specification's
//! "Detailed client workflow" (§5): a trusted root, root rotation (each new root signed by a threshold of the
//! old root's keys and of its own), expiry of every role (freeze protection), timestamp → snapshot → targets
//! with version, length and hash checks (rollback and mix-and-match protection), threshold signatures over
//! OLPC canonical JSON, consistent snapshots, and delegated targets roles. Trusted metadata is persisted per
//! repository, each file written atomically.
//!
//! ```no_run
//! use bulwark_tuf::{Client, Repository};
//! let (repo, target) = Repository::parse("tuf+https://tuf.example.com/bulwark#bulwark.db.gz")?;
//! let mut client = Client::open(repo, "/var/cache/bulwark/tuf".as_ref(), Some("root.json".as_ref()))?;
//! client.refresh()?;
//! let info = client.find_target(target.as_deref().unwrap_or("bulwark.db.gz"))?;
//! let mut out = Vec::new();
//! client.download_target(&info, &mut out, 1 << 30)?;
//! # Ok::<(), bulwark_tuf::TufError>(())
//! ```

#![forbid(unsafe_code)]

pub mod cjson;
mod client;
mod error;
pub mod metadata;
pub mod time;
pub mod trusted;

pub use client::{Client, Limits, Refreshed, Repository, Target};
pub use error::TufError;
pub use trusted::TrustedSet;

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// The digest algorithms TUF metadata names that this client computes.
pub(crate) fn algorithm(name: &str) -> Option<&'static aws_lc_rs::digest::Algorithm> {
    match name {
        "sha256" => Some(&aws_lc_rs::digest::SHA256),
        "sha384" => Some(&aws_lc_rs::digest::SHA384),
        "sha512" => Some(&aws_lc_rs::digest::SHA512),
        _ => None,
    }
}

/// Checks `bytes` against every listed hash this client knows; at least one must be known.
pub(crate) fn check_hashes(
    bytes: &[u8],
    hashes: &std::collections::BTreeMap<String, String>,
) -> Result<(), String> {
    let mut known = 0;
    for (alg, want) in hashes {
        let Some(a) = algorithm(alg) else { continue };
        known += 1;
        let got = hex(aws_lc_rs::digest::digest(a, bytes).as_ref());
        if !got.eq_ignore_ascii_case(want) {
            return Err(format!("its {alg} is {got}, not {want}"));
        }
    }
    if known == 0 {
        return Err(format!(
            "none of its hash algorithms ({}) is supported (sha256, sha384, sha512)",
            hashes.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(())
}
