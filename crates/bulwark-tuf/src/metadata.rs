//! TUF metadata documents (root, timestamp, snapshot, targets) and signature checks over their canonical
//! `signed` part. Fields TUF does not define are kept in the signed value (signatures cover them) and
//! otherwise ignored, as the specification asks.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::cjson;

/// The four top-level roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleType {
    Root,
    Timestamp,
    Snapshot,
    Targets,
}

impl RoleType {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Root => "root",
            Self::Timestamp => "timestamp",
            Self::Snapshot => "snapshot",
            Self::Targets => "targets",
        }
    }
}

/// A parsed metadata file: its signatures, its `signed` value as read, and that value's canonical bytes.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub signatures: Vec<Signature>,
    pub signed: Value,
    pub canonical: Vec<u8>,
}

/// One entry of `signatures`.
#[derive(Debug, Clone, Deserialize)]
pub struct Signature {
    pub keyid: String,
    pub sig: String,
}

/// A public key as TUF writes it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Key {
    pub keytype: String,
    pub scheme: String,
    pub keyval: KeyVal,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct KeyVal {
    pub public: String,
}

/// A role's keys and threshold.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RoleKeys {
    pub keyids: Vec<String>,
    pub threshold: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Root {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub keys: BTreeMap<String, Key>,
    pub roles: BTreeMap<String, RoleKeys>,
    #[serde(default)]
    pub consistent_snapshot: bool,
}

/// A `meta` entry of timestamp or snapshot.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MetaFile {
    pub version: u64,
    #[serde(default)]
    pub length: Option<u64>,
    #[serde(default)]
    pub hashes: Option<BTreeMap<String, String>>,
}

/// Timestamp and snapshot share this shape.
#[derive(Debug, Clone, Deserialize)]
pub struct MetaList {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub meta: BTreeMap<String, MetaFile>,
}

/// A target file's length and hashes.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TargetFile {
    pub length: u64,
    pub hashes: BTreeMap<String, String>,
    #[serde(default)]
    pub custom: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Targets {
    #[serde(rename = "_type")]
    pub kind: String,
    pub spec_version: String,
    pub version: u64,
    pub expires: String,
    pub targets: BTreeMap<String, TargetFile>,
    #[serde(default)]
    pub delegations: Option<Delegations>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Delegations {
    pub keys: BTreeMap<String, Key>,
    #[serde(default)]
    pub roles: Vec<DelegatedRole>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DelegatedRole {
    pub name: String,
    pub keyids: Vec<String>,
    pub threshold: u64,
    #[serde(default)]
    pub terminating: bool,
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    #[serde(default)]
    pub path_hash_prefixes: Option<Vec<String>>,
}

impl DelegatedRole {
    /// Whether this role is trusted for `target` (spec §5.6.7.2: `paths` patterns match component by component,
    /// `*` and `?` never crossing a `/`; `path_hash_prefixes` match the hex sha256 of the path).
    #[must_use]
    pub fn covers(&self, target: &str) -> bool {
        if let Some(paths) = &self.paths {
            return paths.iter().any(|p| path_matches(p, target));
        }
        if let Some(prefixes) = &self.path_hash_prefixes {
            let h = crate::hex(
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, target.as_bytes()).as_ref(),
            );
            return prefixes.iter().any(|p| h.starts_with(p.as_str()));
        }
        false
    }
}

fn path_matches(pattern: &str, target: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = target.split('/').collect();
    p.len() == t.len()
        && p.iter()
            .zip(&t)
            .all(|(p, t)| glob(p.as_bytes(), t.as_bytes()))
}

/// `*` and `?` over one path component (fnmatch without character classes).
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Reads a metadata file: strict JSON (no duplicate keys), `signatures` and `signed`, and the canonical form of
/// `signed`. `what` names the file in errors.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, String> {
    let v = cjson::parse_strict(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(mut top) = v else {
        return Err("not a JSON object".into());
    };
    let signed = top.remove("signed").ok_or("no \"signed\" object")?;
    if !signed.is_object() {
        return Err("\"signed\" is not an object".into());
    }
    let signatures: Vec<Signature> =
        serde_json::from_value(top.remove("signatures").ok_or("no \"signatures\" list")?)
            .map_err(|e| format!("\"signatures\": {e}"))?;
    let canonical = cjson::canonical(&signed)?;
    Ok(Envelope {
        signatures,
        signed,
        canonical,
    })
}

/// The `_type` of a signed value.
#[must_use]
pub fn role_type(signed: &Value) -> Option<&str> {
    signed.get("_type").and_then(Value::as_str)
}

/// Deserialises `signed` as `T` after checking `_type` and `spec_version` (major version 1).
pub fn typed<T: serde::de::DeserializeOwned>(signed: &Value, expected: &str) -> Result<T, String> {
    match role_type(signed) {
        Some(t) if t == expected => {}
        Some(t) => return Err(format!("its _type is \"{t}\", not \"{expected}\"")),
        None => return Err("it has no _type".into()),
    }
    let spec = signed
        .get("spec_version")
        .and_then(Value::as_str)
        .unwrap_or("");
    if spec.split('.').next() != Some("1") {
        return Err(format!(
            "spec_version \"{spec}\" is not supported (this client reads TUF 1.x)"
        ));
    }
    serde_json::from_value(signed.clone()).map_err(|e| e.to_string())
}

/// How many distinct keys of `role` have a valid signature over `env`.
#[must_use]
pub fn count_valid(env: &Envelope, keys: &BTreeMap<String, Key>, role: &RoleKeys) -> usize {
    let mut ok_ids = BTreeSet::new();
    let mut ok_keys: Vec<&Key> = Vec::new();
    for s in &env.signatures {
        if ok_ids.contains(s.keyid.as_str()) || !role.keyids.contains(&s.keyid) {
            continue;
        }
        let Some(key) = keys.get(&s.keyid) else {
            continue;
        };
        // The same key listed under two ids counts once.
        if ok_keys.contains(&key) {
            continue;
        }
        if verify_sig(key, &env.canonical, &s.sig).is_ok() {
            ok_ids.insert(s.keyid.as_str());
            ok_keys.push(key);
        }
    }
    ok_ids.len()
}

/// Checks one signature (hex) over `msg` with a TUF key.
pub fn verify_sig(key: &Key, msg: &[u8], sig_hex: &str) -> Result<(), String> {
    use aws_lc_rs::signature::{ED25519, RSA_PSS_2048_8192_SHA256, UnparsedPublicKey};
    let sig = crate::unhex(sig_hex).ok_or("the signature is not hex")?;
    match (key.keytype.as_str(), key.scheme.as_str()) {
        ("ed25519", "ed25519") => {
            let raw = crate::unhex(&key.keyval.public)
                .filter(|k| k.len() == 32)
                .ok_or("an ed25519 public key is 32 bytes of hex")?;
            UnparsedPublicKey::new(&ED25519, raw)
                .verify(msg, &sig)
                .map_err(|_| "bad signature".to_owned())
        }
        ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
            let pk = bulwark_signature::PublicKey::from_pem(&key.keyval.public, "the ecdsa key")
                .map_err(|e| e.reason)?;
            if pk.kind() != bulwark_signature::KeyKind::EcdsaP256 {
                return Err("the ecdsa-sha2-nistp256 key is not a P-256 key".into());
            }
            pk.verify(msg, &sig, "metadata")
                .map_err(|_| "bad signature".to_owned())
        }
        ("rsa", "rsassa-pss-sha256") => {
            let body: String = key
                .keyval
                .public
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::trim)
                .collect();
            let der = bulwark_signature::base64_decode(&body).ok_or("the RSA key is not PEM")?;
            UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, der)
                .verify(msg, &sig)
                .map_err(|_| "bad signature".to_owned())
        }
        (t, s) => Err(format!("unsupported key type {t} with scheme {s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegation_paths() {
        let role = |paths: &[&str]| DelegatedRole {
            name: "r".into(),
            keyids: vec![],
            threshold: 1,
            terminating: false,
            paths: Some(paths.iter().map(|s| (*s).to_owned()).collect()),
            path_hash_prefixes: None,
        };
        assert!(role(&["*.tar.gz"]).covers("policy.tar.gz"));
        assert!(!role(&["*.tar.gz"]).covers("dir/policy.tar.gz"));
        assert!(role(&["dir/*"]).covers("dir/a"));
        assert!(role(&["f?le"]).covers("file"));
        assert!(!role(&["f?le"]).covers("fiile"));
        assert!(role(&["*"]).covers("x"));
        assert!(!role(&["a*b"]).covers("ac"));
    }
}
