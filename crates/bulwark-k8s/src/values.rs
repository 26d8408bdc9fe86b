//! The string values of a manifest that may hold credentials, with the line of their key, for a secret
//! scanner to read. This crate does not scan them itself: `bulwark scan k8s` hands them to
//! `bulwark-secrets`, so that manifests get the same rules, allow lists and redaction as images and
//! directories.
//!
//! What is collected, per object:
//! - `Secret`: every `data` value, base64-decoded (a value that is not valid base64 becomes a warning with
//!   the key's line, as the API server would reject it), and every `stringData` value;
//! - `ConfigMap`: every `data` value, and every `binaryData` value base64-decoded;
//! - every pod template (workload kinds): `env[].value` of each init, regular and ephemeral container;
//! - every object: the values of `metadata.annotations`. The `kubectl.kubernetes.io/last-applied-configuration`
//!   annotation holds the whole object as JSON; it is parsed and its values are collected the same way (a
//!   Secret's base64 data is decoded there too), at the annotation's line.
//!
//! A value's line is the line of its key (`password:`, `value:`), which is where a reader finds it.
//!
//! ```
//! use bulwark_k8s::{scan_bytes, ScanOptions};
//! let yaml = b"apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: prod}\ndata:\n  password: aHVudGVyMg==\n";
//! let opts = ScanOptions { collect_values: true, ..ScanOptions::default() };
//! let r = scan_bytes("db.yaml", yaml, &opts);
//! assert_eq!(r.values[0].resource, "Secret/prod/db");
//! assert_eq!(r.values[0].key, "password");
//! assert_eq!(r.values[0].line, 5);
//! assert_eq!(r.values[0].value, b"hunter2");
//! ```

use bulwark_types::{Diagnostic, Location};

use crate::model::{self, Object};
use crate::yaml::{self, Doc, Kind, NodeId};

/// The annotation where `kubectl apply` keeps the object it applied, as JSON.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Where in the object a value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A `Secret`'s `data` (base64-decoded).
    SecretData,
    /// A `Secret`'s `stringData`.
    SecretStringData,
    /// A `ConfigMap`'s `data`.
    ConfigMapData,
    /// A `ConfigMap`'s `binaryData` (base64-decoded).
    ConfigMapBinaryData,
    /// A container's `env[].value`.
    Env,
    /// A `metadata.annotations` value.
    Annotation,
}

impl Field {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Field::SecretData | Field::ConfigMapData => "data",
            Field::SecretStringData => "stringData",
            Field::ConfigMapBinaryData => "binaryData",
            Field::Env => "env",
            Field::Annotation => "annotations",
        }
    }

    /// The value is the content of a `Secret` object, where credentials are expected; a committed manifest
    /// still holds them in clear (base64 is an encoding).
    #[must_use]
    pub fn in_secret_object(self) -> bool {
        matches!(self, Field::SecretData | Field::SecretStringData)
    }
}

/// One value to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestValue {
    pub path: String,
    /// 1-based line of the value's key.
    pub line: u32,
    pub column: u32,
    /// `Kind/namespace/name`.
    pub resource: String,
    pub field: Field,
    /// The data key, the environment variable name, or the annotation name.
    pub key: String,
    /// For `env` values: the container's name.
    pub container: Option<String>,
    /// Found inside the last-applied-configuration annotation (at that annotation's line).
    pub last_applied: bool,
    /// The value's bytes (decoded when the field is base64).
    pub value: Vec<u8>,
    /// Rule ids and names that the object's `bulwark.dev/ignore` annotation suppresses.
    pub ignore: Vec<String>,
}

impl ManifestValue {
    /// Where the value sits, as a path into the object: `data.password`,
    /// `containers[web].env[DB_PASSWORD]`, `metadata.annotations[note]`.
    #[must_use]
    pub fn pointer(&self) -> String {
        let p = match (self.field, &self.container) {
            (Field::Env, Some(c)) => format!("containers[{c}].env[{}]", self.key),
            (Field::Env, None) => format!("env[{}]", self.key),
            (Field::Annotation, _) => format!("metadata.annotations[{}]", self.key),
            (f, _) => format!("{}.{}", f.as_str(), self.key),
        };
        if self.last_applied {
            format!("metadata.annotations[{LAST_APPLIED}] → {p}")
        } else {
            p
        }
    }
}

/// Collects the values of `obj` into `out`; base64 problems go to `diags`.
pub(crate) fn collect(
    obj: &Object<'_>,
    ignore: &[String],
    out: &mut Vec<ManifestValue>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut cx = Collector {
        path: obj.path,
        resource: obj.resource(),
        ignore,
        out,
        diags,
        at: None,
    };
    cx.object(obj);
    // The applied copy of the object, when kubectl left one.
    let Some(m) = obj.metadata else { return };
    let Some(ann) = obj.doc.get(m, "annotations") else {
        return;
    };
    let Some((k, v)) = obj.doc.get_entry(ann, LAST_APPLIED) else {
        return;
    };
    let Some(json) = obj.doc.text(v) else { return };
    let (docs, _) = yaml::parse_stream(json, 0, &yaml::Limits::default());
    let Some(doc) = docs.first() else { return };
    let Some(root) = doc.root().filter(|&r| doc.kind(r) == Kind::Map) else {
        return;
    };
    let mut problems = Vec::new();
    let Some(applied) = model::object(doc, obj.file, obj.path, root, &mut problems) else {
        return;
    };
    let key = obj.doc.node(k);
    cx.at = Some((key.line, key.col));
    cx.object(&applied);
}

struct Collector<'c> {
    path: &'c str,
    resource: String,
    ignore: &'c [String],
    out: &'c mut Vec<ManifestValue>,
    diags: &'c mut Vec<Diagnostic>,
    /// Inside the last-applied annotation: every value is reported at the annotation's key.
    at: Option<(u32, u32)>,
}

impl Collector<'_> {
    fn object(&mut self, obj: &Object<'_>) {
        let doc = obj.doc;
        match obj.rule_kind() {
            "Secret" => {
                self.map(doc, obj.node, "data", Field::SecretData, true);
                self.map(doc, obj.node, "stringData", Field::SecretStringData, false);
            }
            "ConfigMap" => {
                self.map(doc, obj.node, "data", Field::ConfigMapData, false);
                self.map(
                    doc,
                    obj.node,
                    "binaryData",
                    Field::ConfigMapBinaryData,
                    true,
                );
            }
            _ => {}
        }
        if let Some(pod) = &obj.pod {
            for c in &pod.containers {
                let Some(env) = doc.get(c.node, "env") else {
                    continue;
                };
                for &item in doc.items(env) {
                    let Some(name) = doc.get(item, "name").and_then(|n| doc.text(n)) else {
                        continue;
                    };
                    let Some((k, v)) = doc.get_entry(item, "value") else {
                        continue;
                    };
                    if let Some(text) = scalar(doc, v) {
                        self.push(
                            doc,
                            k,
                            Field::Env,
                            name,
                            Some(&c.name),
                            text.as_bytes().to_vec(),
                        );
                    }
                }
            }
        }
        if self.at.is_none()
            && let Some(m) = obj.metadata
            && let Some(ann) = doc.get(m, "annotations")
        {
            for (k, v) in doc.entries(ann) {
                let (Some(name), Some(text)) = (doc.text(k), scalar(doc, v)) else {
                    continue;
                };
                if name != LAST_APPLIED {
                    self.push(
                        doc,
                        k,
                        Field::Annotation,
                        name,
                        None,
                        text.as_bytes().to_vec(),
                    );
                }
            }
        }
    }

    fn map(&mut self, doc: &Doc, obj: NodeId, section: &str, field: Field, base64: bool) {
        let Some(map) = doc.get(obj, section) else {
            return;
        };
        for (k, v) in doc.entries(map) {
            let (Some(name), Some(text)) = (doc.text(k), scalar(doc, v)) else {
                continue;
            };
            if !base64 {
                self.push(doc, k, field, name, None, text.as_bytes().to_vec());
                continue;
            }
            match decode_base64(text) {
                Ok(bytes) => self.push(doc, k, field, name, None, bytes),
                Err(e) => {
                    let n = doc.node(k);
                    let (line, col) = self.at.unwrap_or((n.line, n.col));
                    let within = if self.at.is_some() {
                        format!(" (in the {LAST_APPLIED} annotation)")
                    } else {
                        String::new()
                    };
                    self.diags.push(Diagnostic::warning(
                        format!(
                            "{} {section} key '{name}' is not valid base64{within}: {e}; the API server would reject it, and its value was not scanned for secrets",
                            self.resource
                        ),
                        Location {
                            resource: Some(self.resource.clone().into()),
                            ..Location::file(self.path).with_line(line, Some(col))
                        },
                    ));
                }
            }
        }
    }

    fn push(
        &mut self,
        doc: &Doc,
        key: NodeId,
        field: Field,
        name: &str,
        container: Option<&str>,
        value: Vec<u8>,
    ) {
        if value.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let n = doc.node(key);
        let (line, column) = self.at.unwrap_or((n.line, n.col));
        self.out.push(ManifestValue {
            path: self.path.to_string(),
            line,
            column,
            resource: self.resource.clone(),
            field,
            key: name.to_string(),
            container: container.map(str::to_string),
            last_applied: self.at.is_some(),
            value,
            ignore: self.ignore.to_vec(),
        });
    }
}

/// Text of a scalar that is not null.
fn scalar(doc: &Doc, v: NodeId) -> Option<&str> {
    if doc.is_null(v) { None } else { doc.text(v) }
}

/// Why a `data` value is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base64Error {
    /// A byte outside the standard alphabet, at this offset of the value.
    Byte { offset: usize, byte: u8 },
    /// The length (newlines removed) is not a multiple of four: missing `=` padding or truncated.
    Length(usize),
    /// `=` in the middle, or more than two.
    Padding,
}

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Base64Error::Byte { offset, byte } if byte.is_ascii_graphic() => {
                write!(f, "'{}' at offset {offset}", char::from(*byte))
            }
            Base64Error::Byte { offset, byte } => write!(f, "byte 0x{byte:02x} at offset {offset}"),
            Base64Error::Length(n) => write!(f, "length {n} is not a multiple of 4"),
            Base64Error::Padding => f.write_str("misplaced '=' padding"),
        }
    }
}

/// Decodes standard base64 with padding, as Go's `base64.StdEncoding` does for the API server: `\r` and
/// `\n` are skipped, anything else outside the alphabet is an error.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    fn val(b: u8) -> Option<u32> {
        match b {
            b'A'..=b'Z' => Some(u32::from(b - b'A')),
            b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut clean = Vec::with_capacity(text.len());
    for (offset, &b) in text.as_bytes().iter().enumerate() {
        match b {
            b'\r' | b'\n' => {}
            b'=' => clean.push(b),
            _ if val(b).is_some() => clean.push(b),
            _ => return Err(Base64Error::Byte { offset, byte: b }),
        }
    }
    if clean.len() % 4 != 0 {
        return Err(Base64Error::Length(clean.len()));
    }
    let pad = clean.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 2 || clean[..clean.len() - pad].contains(&b'=') {
        return Err(Base64Error::Padding);
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks_exact(4) {
        let mut n = 0u32;
        let mut used = 0;
        for &b in chunk {
            if let Some(v) = val(b) {
                n = (n << 6) | v;
                used += 1;
            } else {
                n <<= 6;
            }
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..used]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 §10 test vectors.
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
        ] {
            assert_eq!(decode_base64(enc).unwrap(), dec.as_bytes(), "{enc}");
        }
        assert_eq!(decode_base64("Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(decode_base64("/+/+").unwrap(), [0xff, 0xef, 0xfe]);
    }

    #[test]
    fn base64_errors() {
        assert_eq!(decode_base64("Zm9"), Err(Base64Error::Length(3)));
        assert_eq!(
            decode_base64("Zm 9v"),
            Err(Base64Error::Byte {
                offset: 2,
                byte: b' '
            })
        );
        assert_eq!(
            decode_base64("Zm-v"),
            Err(Base64Error::Byte {
                offset: 2,
                byte: b'-'
            })
        );
        assert_eq!(decode_base64("Z=9v"), Err(Base64Error::Padding));
        assert_eq!(decode_base64("Z==="), Err(Base64Error::Padding));
    }
}
