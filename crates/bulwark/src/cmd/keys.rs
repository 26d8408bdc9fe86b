//! `bulwark keys generate|import`: signing keys in cosign's format (`cosign generate-key-pair`,
//! `cosign import-key-pair`), and the password and key loading the signing commands share.
//!
//! The private key's password comes from `BULWARK_PASSWORD`, else `COSIGN_PASSWORD` (so scripts written for
//! cosign keep working), else a prompt on the terminal. An empty variable is an empty password, as in cosign.
//! Neither the password nor key material is ever printed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bulwark_signature::{KeyKind, KeyPair, PrivateKey, PublicKey};

use crate::Outcome;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum KeysCommand {
    /// Generate a key pair: PREFIX.key (cosign's encrypted private key) and PREFIX.pub (PEM public key).
    Generate(GenerateArgs),
    /// Convert a PKCS#8 or SEC1 PEM private key (ECDSA P-256 or Ed25519) into cosign's encrypted format.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Algorithm {
    /// ECDSA P-256 with SHA-256 (cosign's default; what Kyverno, policy-controller and Ratify verify).
    EcdsaP256,
    /// Ed25519.
    Ed25519,
}

#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// Write PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX", default_value = "cosign")]
    pub(crate) output_key_prefix: PathBuf,
    #[arg(long, value_enum, default_value_t = Algorithm::EcdsaP256)]
    pub(crate) algorithm: Algorithm,
    /// Overwrite existing files.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The PEM private key to import.
    pub(crate) key: PathBuf,
    /// Write PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX", default_value = "import-cosign")]
    pub(crate) output_key_prefix: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub(crate) force: bool,
}

pub(crate) fn run(cmd: &KeysCommand) -> Result<Outcome> {
    match cmd {
        KeysCommand::Generate(a) => {
            let (key, public) = paths(&a.output_key_prefix, a.force)?;
            let password = password(true)?;
            let kind = match a.algorithm {
                Algorithm::EcdsaP256 => KeyKind::EcdsaP256,
                Algorithm::Ed25519 => KeyKind::Ed25519,
            };
            let pair = KeyPair::generate(kind, password.as_bytes())?;
            write_pair(&pair, &key, &public)
        }
        KeysCommand::Import(a) => {
            let (key, public) = paths(&a.output_key_prefix, a.force)?;
            let text = read_key_file(&a.key)?;
            let private = PrivateKey::from_pem(&text, &a.key.display().to_string())?;
            let password = password(true)?;
            let pair = KeyPair::from_private_key(private, password.as_bytes())?;
            write_pair(&pair, &key, &public)
        }
    }
}

fn paths(prefix: &Path, force: bool) -> Result<(PathBuf, PathBuf)> {
    let with = |ext: &str| {
        let mut s = prefix.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    let (key, public) = (with(".key"), with(".pub"));
    for p in [&key, &public] {
        if p.exists() && !force {
            bail!("{} exists (use --force to overwrite)", p.display());
        }
    }
    Ok((key, public))
}

fn write_pair(pair: &KeyPair, key: &Path, public: &Path) -> Result<Outcome> {
    write_file(key, pair.encrypted_private_pem.as_bytes(), 0o600)?;
    write_file(public, pair.public_pem.as_bytes(), 0o644)?;
    eprintln!(
        "bulwark: private key written to {}, public key written to {}",
        key.display(),
        public.display()
    );
    Ok(Outcome::Clean)
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Key files are small: anything larger is not a key.
const MAX_KEY_FILE: u64 = 256 << 10;

fn read_key_file(path: &Path) -> Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_KEY_FILE {
        bail!(
            "{}: larger than {MAX_KEY_FILE} bytes; not a key file",
            path.display()
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The key password: `BULWARK_PASSWORD`, `COSIGN_PASSWORD`, else a prompt (twice when `confirm`).
pub(crate) fn password(confirm: bool) -> Result<String> {
    for var in ["BULWARK_PASSWORD", "COSIGN_PASSWORD"] {
        if let Some(v) = std::env::var_os(var) {
            return v
                .into_string()
                .map_err(|_| anyhow::anyhow!("{var} is not valid UTF-8"));
        }
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("the key password is needed: set BULWARK_PASSWORD (no terminal to prompt on)");
    }
    let first = rpassword::prompt_password("Enter password for private key: ")
        .context("cannot read the password")?;
    if confirm {
        let again = rpassword::prompt_password("Enter password for private key again: ")
            .context("cannot read the password")?;
        if again != first {
            bail!("the passwords do not match");
        }
    }
    Ok(first)
}

/// Loads `--key` for signing: cosign's encrypted format (asks for the password) or a plain PEM key.
pub(crate) fn load_private(path: &Path) -> Result<PrivateKey> {
    let text = read_key_file(path)?;
    let source = path.display().to_string();
    if bulwark_signature::is_cosign_encrypted(&text) {
        let pw = password(false)?;
        Ok(PrivateKey::from_pem_with_password(
            &text,
            pw.as_bytes(),
            &source,
        )?)
    } else {
        Ok(PrivateKey::from_pem(&text, &source)?)
    }
}

/// Loads `--key` for verification: a PEM public key (`cosign.pub`).
pub(crate) fn load_public(path: &Path) -> Result<PublicKey> {
    let text = read_key_file(path)?;
    Ok(PublicKey::from_pem(&text, &path.display().to_string())?)
}
