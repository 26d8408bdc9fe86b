//! Signing and verification for the release stage (issue #13), compatible with cosign and Sigstore.
//!
//! - [`dsse`]: DSSE envelopes (the pre-authentication encoding, signing, multi-signature verification).
//! - [`intoto`]: in-toto Statement v1 (build, strict parse, subject check).
//! - [`predicate`]: cosign's vuln predicate, CycloneDX and SPDX SBOMs, and Bulwark's verdict predicate.
//! - [`simplesigning`]: cosign's image signature payload.
//! - [`cache`]: the per-digest verification cache (TTL, negative TTL, bounded) for the admission webhook.
//!
//! Keys (PEM public keys, PKCS#8 and cosign's encrypted private keys) live in `bulwark-signature`, which the
//! vulnerability DB and policy bundles share.

pub mod cache;
pub mod dsse;
pub mod intoto;
pub mod predicate;
pub mod simplesigning;
