//! The probe against a real etcd (Debian's `etcd-server`, `apt-get install -y etcd-server`) started on 127.0.0.1:
//! plain HTTP without auth (`--enable-v2` so that `/v2/keys` is served), TLS without client-certificate auth, and
//! TLS with `--client-cert-auth` (certificates made with rcgen). etcd's documentation (op-guide/security) says
//! that with `--client-cert-auth` every client must present a certificate signed by `--trusted-ca-file`.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bulwark_node::probe::{ProbeConfig, Target, probe};
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Etcd {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Pki {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let sk = KeyPair::generate().unwrap();
    let mut sp =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    sp.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let sc = sp.signed_by(&sk, &issuer).unwrap();
    let ck = KeyPair::generate().unwrap();
    let mut cp = CertificateParams::new(vec!["client".to_string()]).unwrap();
    cp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cc = cp.signed_by(&ck, &issuer).unwrap();
    Pki {
        ca: ca_cert.pem(),
        server_cert: sc.pem(),
        server_key: sk.serialize_pem(),
        client_cert: cc.pem(),
        client_key: ck.serialize_pem(),
    }
}

/// Starts etcd; `tls` writes the PKI and serves https, `client_auth` adds `--client-cert-auth`.
fn start(pki: Option<(&Pki, bool)>) -> Etcd {
    let etcd = ["/usr/bin/etcd", "/usr/local/bin/etcd"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("etcd not found: apt-get install -y etcd-server");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let peer = free_port();
    let scheme = if pki.is_some() { "https" } else { "http" };
    let client_url = format!("{scheme}://127.0.0.1:{port}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let mut cmd = Command::new(etcd);
    cmd.arg("--name=t")
        .arg(format!("--data-dir={}", dir.path().join("data").display()))
        .arg(format!("--listen-client-urls={client_url}"))
        .arg(format!("--advertise-client-urls={client_url}"))
        .arg(format!("--listen-peer-urls={peer_url}"))
        .arg(format!("--initial-advertise-peer-urls={peer_url}"))
        .arg(format!("--initial-cluster=t={peer_url}"))
        .arg("--enable-v2=true")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("etcd.log")).unwrap());
    if let Some((p, client_auth)) = pki {
        let w = |name: &str, s: &str| {
            let f = dir.path().join(name);
            std::fs::write(&f, s).unwrap();
            f.display().to_string()
        };
        cmd.arg(format!("--cert-file={}", w("server.pem", &p.server_cert)))
            .arg(format!("--key-file={}", w("server-key.pem", &p.server_key)));
        if client_auth {
            cmd.arg("--client-cert-auth=true")
                .arg(format!("--trusted-ca-file={}", w("ca.pem", &p.ca)));
        }
    }
    let child = cmd.spawn().unwrap();
    let e = Etcd {
        child,
        port,
        _dir: dir,
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "etcd did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    e
}

/// A client that presents `client` (or nothing) and trusts the test CA.
fn control(pki: &Pki, with_cert: bool) -> ureq::Agent {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};
    let ca = Certificate::from_pem(pki.ca.as_bytes()).unwrap();
    let mut tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .root_certs(RootCerts::new_with_certs(&[ca]));
    if with_cert {
        let c = Certificate::from_pem(pki.client_cert.as_bytes()).unwrap();
        let k = PrivateKey::from_pem(pki.client_key.as_bytes()).unwrap();
        tls = tls.client_cert(Some(ClientCert::new_with_certs(&[c], k)));
    }
    ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent()
}

fn config() -> ProbeConfig {
    ProbeConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
        ..ProbeConfig::default()
    }
}

fn target(port: u16) -> Vec<Target> {
    vec![Target {
        host: "127.0.0.1".into(),
        port: Some(port),
    }]
}

/// Waits until `GET url` answers 200 (etcd listens before it serves).
fn ready(agent: &ureq::Agent, url: &str) {
    let start = Instant::now();
    loop {
        if agent.get(url).call().is_ok_and(|r| r.status() == 200) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{url} never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn etcd_without_client_auth_over_http_and_https_and_with_client_cert_auth() {
    let pki = pki();

    // Plain HTTP, no auth: /version and the v2 keys.
    let e = start(None);
    ready(
        &ureq::agent(),
        &format!("http://127.0.0.1:{}/version", e.port),
    );
    let f = probe(&target(e.port), &config());
    let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    // etcd serves /metrics on its client URLs unless --listen-metrics-urls moves them (op-guide/monitoring).
    assert_eq!(
        ids,
        [
            "PROBE-ETCD-NO-CLIENT-AUTH",
            "PROBE-ETCD-V2-KEYS",
            "PROBE-METRICS-EXPOSED"
        ],
        "{f:?}"
    );
    assert_eq!(f[0].target, format!("http://127.0.0.1:{}/version", e.port));
    assert!(f[0].evidence.contains("etcd 3."), "{}", f[0].evidence);
    assert!(
        f[0].evidence.contains("POST /v3/kv/range"),
        "{}",
        f[0].evidence
    );
    drop(e);

    // TLS with a certificate from a CA the probe does not know, no client auth: found over https.
    let e = start(Some((&pki, false)));
    ready(
        &control(&pki, false),
        &format!("https://127.0.0.1:{}/version", e.port),
    );
    let f = probe(&target(e.port), &config());
    let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "PROBE-ETCD-NO-CLIENT-AUTH",
            "PROBE-ETCD-V2-KEYS",
            "PROBE-METRICS-EXPOSED"
        ],
        "{f:?}"
    );
    assert_eq!(f[0].target, format!("https://127.0.0.1:{}/version", e.port));
    drop(e);

    // --client-cert-auth: a client with the CA's client certificate reads /version, one without is refused, and
    // the probe (which never presents one) finds nothing.
    let e = start(Some((&pki, true)));
    let url = format!("https://127.0.0.1:{}/version", e.port);
    ready(&control(&pki, true), &url);
    assert!(
        control(&pki, false).get(&url).call().is_err(),
        "etcd served a client without a certificate"
    );
    let f = probe(&target(e.port), &config());
    assert!(f.is_empty(), "{f:?}");
}
