//! Signing and verification for the release stage (issue #13), compatible with cosign and Sigstore.
//!
//! - [`dsse`]: DSSE envelopes (the pre-authentication encoding, signing and verification).
//! - [`oci`]: cosign's `.sig`/`.att` tag layout and OCI 1.1 bundle referrers on a registry, read and write.
//!
//! Keys (PEM public keys, PKCS#8 and cosign's encrypted private keys) live in `bulwark-signature`, which the
//! vulnerability DB and policy bundles share.

pub mod dsse;
pub mod oci;
