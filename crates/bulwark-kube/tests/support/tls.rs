//! Certificates for the test API server: a CA, a server certificate, a client certificate (rcgen).
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

pub struct Tls {
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

/// A CA, a server certificate for 127.0.0.1 (and `names`), and a client certificate signed by the CA.
pub fn tls(names: &[&str]) -> Tls {
    tls_for(names, true)
}

/// As [`tls`]; without `ip`, the server certificate does not name 127.0.0.1.
pub fn tls_for(names: &[&str], ip: bool) -> Tls {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "test kubernetes CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let mut sans = if ip {
        vec!["127.0.0.1".to_owned()]
    } else {
        Vec::new()
    };
    sans.extend(names.iter().map(|s| (*s).to_owned()));
    let skey = KeyPair::generate().unwrap();
    let server = CertificateParams::new(sans)
        .unwrap()
        .signed_by(&skey, &issuer)
        .unwrap();
    let ckey = KeyPair::generate().unwrap();
    let mut cp = CertificateParams::new(Vec::<String>::new()).unwrap();
    cp.distinguished_name.push(DnType::CommonName, "bulwark");
    let client = cp.signed_by(&ckey, &issuer).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(skey.serialize_der()).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![server.der().clone()], key)
        .unwrap();
    Tls {
        ca_pem: ca_cert.pem(),
        client_cert_pem: client.pem(),
        client_key_pem: ckey.serialize_pem(),
        server: Arc::new(cfg),
    }
}
