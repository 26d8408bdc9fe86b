//! Signing and verification for the release stage (issue #13), compatible with cosign and Sigstore.
//!
//! - [`dsse`]: DSSE envelopes (the pre-authentication encoding, signing, multi-signature verification).
//! - [`intoto`]: in-toto Statement v1 (build, strict parse, subject check).
//! - [`predicate`]: cosign's vuln predicate, CycloneDX and SPDX SBOMs, and Bulwark's verdict predicate.
//! - [`simplesigning`]: cosign's image signature payload.
//! - [`bundle`]: Sigstore bundles (v0.1–v0.3): parsing, key-based signing (cosign v3's image signature) and
//!   verification with a key.
//! - [`keyless`]: keyless bundles verified offline against a `trusted_root.json` (Fulcio chain, Rekor proofs,
//!   identity).
//! - [`oci`]: cosign's `.sig`/`.att` tag layout and OCI 1.1 bundle referrers on a registry, read and write.
//! - [`verify`]: an image's signatures and attestations in both layouts, checked with a key against requirements.
//! - [`cache`]: the per-digest verification cache (TTL, negative TTL, bounded) for the admission webhook.
//!
//! Keys (PEM public keys, PKCS#8 and cosign's encrypted private keys) live in `bulwark-signature`, which the
//! vulnerability DB and policy bundles share.

pub mod bundle;
pub mod cache;
pub mod dsse;
pub mod intoto;
pub mod keyless;
pub mod oci;
pub mod predicate;
pub mod simplesigning;
pub mod verify;
