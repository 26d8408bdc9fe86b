//! `bulwark sign-blob`: a detached signature over a file's bytes, the form `cosign sign-blob --key` prints
//! (base64 of the raw signature: ASN.1 DER ECDSA P-256 over SHA-256, or Ed25519). Release checksums
//! (`scripts/release.sh`) are signed with it; `cosign verify-blob --key K.pub --signature F.sig F` and
//! `openssl dgst -sha256 -verify K.pub -signature <(base64 -d F.sig) F` (ECDSA) check it.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::Outcome;

/// The largest file signed: the signature is over the whole content, read into memory once.
const MAX_BLOB: u64 = 4 << 30;

#[derive(Debug, clap::Args)]
pub(crate) struct SignBlobArgs {
    /// The file to sign (its bytes as they are).
    pub(crate) file: PathBuf,
    /// Private key: cosign's encrypted format (`bulwark keys generate`; password from BULWARK_PASSWORD) or an
    /// unencrypted PKCS#8/SEC1 PEM.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Write the base64 signature to this file (with a final newline) instead of stdout.
    #[arg(long = "output-signature", value_name = "FILE")]
    pub(crate) output_signature: Option<PathBuf>,
}

pub(crate) fn sign_blob(a: &SignBlobArgs) -> Result<Outcome> {
    let key = super::keys::load_private(&a.key)?;
    let mut data = Vec::new();
    std::fs::File::open(&a.file)
        .with_context(|| format!("{}", a.file.display()))?
        .take(MAX_BLOB + 1)
        .read_to_end(&mut data)
        .with_context(|| format!("{}", a.file.display()))?;
    anyhow::ensure!(
        data.len() as u64 <= MAX_BLOB,
        "{}: larger than {} GiB, not signed",
        a.file.display(),
        MAX_BLOB >> 30
    );
    let sig = key.sign_base64(&data)?;
    match &a.output_signature {
        Some(path) => {
            std::fs::write(path, format!("{sig}\n"))
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("bulwark: signed {} -> {}", a.file.display(), path.display());
        }
        None => println!("{sig}"),
    }
    Ok(Outcome::Clean)
}
