//! TLS for the webhook: the certificate and key files are read at start and read again when they change
//! (cert-manager and kubelet secret updates replace them in place), and `--generate-certs` writes a self-signed
//! CA with a serving certificate for clusters without cert-manager.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The certificate and key files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A TLS problem, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct TlsError {
    pub file: String,
    pub reason: String,
}

fn err(file: &Path, reason: impl Into<String>) -> TlsError {
    TlsError {
        file: file.display().to_string(),
        reason: reason.into(),
    }
}

/// PEM files larger than this are refused (a chain is a few KiB).
const MAX_PEM: u64 = 1 << 20;

fn read_pem(path: &Path) -> Result<Vec<u8>, TlsError> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, e.to_string()))?;
    if meta.len() > MAX_PEM {
        return Err(err(path, format!("larger than {MAX_PEM} bytes")));
    }
    std::fs::read(path).map_err(|e| err(path, e.to_string()))
}

/// Loads and checks the pair: the key must match the leaf certificate.
pub fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>, TlsError> {
    let cert_pem = read_pem(&files.cert)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| err(&files.cert, format!("not a PEM certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(err(&files.cert, "no CERTIFICATE block"));
    }
    let key_pem = read_pem(&files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
        err(
            &files.key,
            "no PKCS#8, SEC1 or PKCS#1 private key block (the contents are not shown)",
        )
    })?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let certified = CertifiedKey::from_der(certs, key, &provider)
        .map_err(|e| err(&files.key, format!("does not match the certificate: {e}")))?;
    Ok(Arc::new(certified))
}

/// The modification times of the two files.
type Stamp = (Option<SystemTime>, Option<SystemTime>);

fn mtimes(files: &TlsFiles) -> Stamp {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (m(&files.cert), m(&files.key))
}

/// Serves the current certificate; [`Reloading::reload_if_changed`] swaps it when the files change.
#[derive(Debug)]
pub struct Reloading {
    files: TlsFiles,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
}

impl Reloading {
    pub fn new(files: TlsFiles) -> Result<Self, TlsError> {
        let stamp = mtimes(&files);
        let key = load(&files)?;
        Ok(Self {
            files,
            current: RwLock::new((key, stamp)),
        })
    }

    /// Reloads when either file's modification time changed. `Ok(true)` after a reload; on error the previous
    /// certificate stays in use (a half-written pair must not take the webhook down).
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let stamp = mtimes(&self.files);
        {
            let cur = self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cur.1 == stamp {
                return Ok(false);
            }
        }
        let key = load(&self.files);
        let mut cur = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Remember the stamp even on failure, so a bad pair is reported once, not on every tick.
        cur.1 = stamp;
        cur.0 = key?;
        Ok(true)
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0
                .clone(),
        )
    }
}

/// The rustls server configuration (HTTP/2 and HTTP/1.1 by ALPN, as the API server negotiates).
#[must_use]
pub fn server_config(resolver: Arc<Reloading>) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    cfg
}

/// What `--generate-certs DIR` wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Writes `ca.crt`, `tls.crt` and `tls.key` (the names of a `kubernetes.io/tls` Secret plus its CA) into `dir`:
/// an ECDSA P-256 CA and a serving certificate for `hosts` (DNS names or IP addresses), valid for `days` days.
/// `ca.crt` is the `caBundle` of the webhook configuration. The key file is created with mode 0600.
pub fn generate(dir: &Path, hosts: &[String], days: u32) -> Result<Generated, TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let g = |e: rcgen::Error| err(dir, format!("cannot generate certificates: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e.to_string()))?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let at = |secs: u64| {
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    };
    let not_before = at(now.saturating_sub(3600));
    let not_after = at(now + u64::from(days) * 86_400);

    let ca_key = KeyPair::generate().map_err(g)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(g)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, "bulwark admission webhook CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before;
    ca.not_after = not_after;
    let ca_cert = ca.self_signed(&ca_key).map_err(g)?;

    let key = KeyPair::generate().map_err(g)?;
    let mut leaf = CertificateParams::new(hosts.to_vec()).map_err(g)?;
    leaf.distinguished_name.push(
        DnType::CommonName,
        hosts.first().map_or("bulwark", String::as_str),
    );
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let issuer = Issuer::from_params(&ca, &ca_key);
    let cert = leaf.signed_by(&key, &issuer).map_err(g)?;

    let out = Generated {
        ca: dir.join("ca.crt"),
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
    };
    write(&out.ca, ca_cert.pem().as_bytes(), 0o644)?;
    write(&out.cert, cert.pem().as_bytes(), 0o644)?;
    write(&out.key, key.serialize_pem().as_bytes(), 0o600)?;
    Ok(out)
}

/// Writes through a temporary file and a rename, so a reloading server never reads half a file.
fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    use std::io::Write as _;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp).map_err(|e| err(&tmp, e.to_string()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| err(&tmp, e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| err(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_loads_and_reloads_only_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let g = generate(
            dir.path(),
            &["bulwark.bulwark.svc".into(), "127.0.0.1".into()],
            30,
        )
        .unwrap();
        let files = TlsFiles {
            cert: g.cert.clone(),
            key: g.key.clone(),
        };
        let r = Reloading::new(files.clone()).unwrap();
        assert!(!r.reload_if_changed().unwrap());
        // A key that does not match the certificate: refused, the old pair stays.
        let other = tempfile::tempdir().unwrap();
        let g2 = generate(other.path(), &["x".into()], 1).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::copy(&g2.key, &g.key).unwrap();
        let e = r.reload_if_changed().unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        assert!(!e.to_string().contains("PRIVATE KEY-----\n"), "{e}");
        std::fs::copy(&g2.cert, &g.cert).unwrap();
        assert!(r.reload_if_changed().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&g2.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Garbage is a clear error naming the file.
        std::fs::write(&g.cert, "not pem").unwrap();
        let e = load(&files).unwrap_err();
        assert!(e.to_string().contains("tls.crt"), "{e}");
    }
}
