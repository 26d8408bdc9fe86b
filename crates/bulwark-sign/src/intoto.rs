//! in-toto Statement v1 (<https://github.com/in-toto/attestation>, `spec/v1/statement.md`): the signed claim that
//! a predicate holds about subjects identified by digest. Written as v1, read as v1 or v0.1 (cosign ≤ 2 wrote
//! v0.1).
//!
//! Reading is strict: the JSON must be an object, and no object at any depth may repeat a key. Two parsers that
//! keep different copies of a repeated key (first or last) would see different statements under one valid
//! signature; refusing them closes that gap.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The `_type` we write.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// The older `_type`, accepted on read.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// The largest statement we parse (SBOM predicates can be large).
pub const MAX_STATEMENT_BYTES: usize = 48 * 1024 * 1024;
/// The most subjects a statement may list.
pub const MAX_SUBJECTS: usize = 1024;

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    #[serde(rename = "_type")]
    pub type_: String,
    pub subject: Vec<Subject>,
    pub predicate_type: String,
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// One subject: a name and its digests (`sha256` → lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default)]
    pub name: String,
    pub digest: BTreeMap<String, String>,
}

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("in-toto statement is {size} bytes, above the limit {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("in-toto statement is not valid JSON: {0}")]
    Json(String),
    #[error("in-toto statement repeats the key {key:?} in the object at {path}")]
    DuplicateKey { key: String, path: String },
    #[error("in-toto statement is not a JSON object (found {0})")]
    NotAnObject(&'static str),
    #[error("in-toto statement has _type {0:?}, expected {STATEMENT_V1:?} (or {STATEMENT_V01:?})")]
    Type(String),
    #[error("in-toto statement has no _type (expected {STATEMENT_V1:?})")]
    NoType,
    #[error("in-toto statement has no subject")]
    NoSubject,
    #[error("in-toto statement has {0} subjects, above the limit {MAX_SUBJECTS}")]
    TooManySubjects(usize),
    #[error("in-toto statement subject {index} ({name:?}) {reason}")]
    BadSubject {
        index: usize,
        name: String,
        reason: String,
    },
    #[error("in-toto statement has predicateType {found:?}, expected {expected:?}")]
    PredicateType { found: String, expected: String },
    #[error("no subject of the in-toto statement has the digest {0}")]
    SubjectMismatch(String),
    #[error("{0}")]
    Digest(String),
}

impl Statement {
    /// A v1 statement about one subject: `digest` is `sha256:<hex>` (or bare hex).
    pub fn new(
        name: &str,
        digest: &str,
        predicate_type: &str,
        predicate: serde_json::Value,
    ) -> Result<Self, StatementError> {
        let hex = sha256_hex(digest)?;
        Ok(Self {
            type_: STATEMENT_V1.to_owned(),
            subject: vec![Subject {
                name: name.to_owned(),
                digest: BTreeMap::from([("sha256".to_owned(), hex)]),
            }],
            predicate_type: predicate_type.to_owned(),
            predicate,
        })
    }

    /// Compact JSON, the DSSE payload.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses and checks a statement: an object, no repeated keys at any depth, a known `_type`, at least one
    /// subject, each with a non-empty digest set whose `sha256` (when present) is 64 hex characters.
    pub fn parse(bytes: &[u8]) -> Result<Self, StatementError> {
        if bytes.len() > MAX_STATEMENT_BYTES {
            return Err(StatementError::TooLarge {
                size: bytes.len(),
                limit: MAX_STATEMENT_BYTES,
            });
        }
        let value = parse_strict(bytes).map_err(|e| match e {
            StrictError::Duplicate { key, path } => StatementError::DuplicateKey { key, path },
            StrictError::Json(m) => StatementError::Json(m),
        })?;
        if !value.is_object() {
            return Err(StatementError::NotAnObject(json_kind(&value)));
        }
        match value.get("_type").and_then(|t| t.as_str()) {
            Some(STATEMENT_V1 | STATEMENT_V01) => {}
            Some(other) => return Err(StatementError::Type(other.to_owned())),
            None => return Err(StatementError::NoType),
        }
        let statement: Self =
            serde_json::from_value(value).map_err(|e| StatementError::Json(e.to_string()))?;
        if statement.subject.is_empty() {
            return Err(StatementError::NoSubject);
        }
        if statement.subject.len() > MAX_SUBJECTS {
            return Err(StatementError::TooManySubjects(statement.subject.len()));
        }
        for (index, s) in statement.subject.iter().enumerate() {
            let bad = |reason: &str| StatementError::BadSubject {
                index,
                name: s.name.clone(),
                reason: reason.to_owned(),
            };
            if s.digest.is_empty() {
                return Err(bad("has no digest"));
            }
            if let Some(hex) = s.digest.get("sha256")
                && !is_sha256_hex(hex)
            {
                return Err(bad(
                    "has a sha256 digest that is not 64 lowercase hex characters",
                ));
            }
        }
        Ok(statement)
    }

    /// Checks that some subject carries `digest` (`sha256:<hex>` or bare hex).
    pub fn check_subject(&self, digest: &str) -> Result<(), StatementError> {
        let hex = sha256_hex(digest)?;
        if self
            .subject
            .iter()
            .any(|s| s.digest.get("sha256").is_some_and(|d| *d == hex))
        {
            Ok(())
        } else {
            Err(StatementError::SubjectMismatch(format!("sha256:{hex}")))
        }
    }

    /// Checks the predicate type.
    pub fn check_predicate_type(&self, expected: &str) -> Result<(), StatementError> {
        if self.predicate_type == expected {
            Ok(())
        } else {
            Err(StatementError::PredicateType {
                found: self.predicate_type.clone(),
                expected: expected.to_owned(),
            })
        }
    }
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `sha256:<hex>` or `<hex>` → lowercase hex.
fn sha256_hex(digest: &str) -> Result<String, StatementError> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    let hex = hex.to_ascii_lowercase();
    if is_sha256_hex(&hex) {
        Ok(hex)
    } else {
        Err(StatementError::Digest(format!(
            "{digest:?} is not a sha256 digest (sha256:<64 hex>)"
        )))
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Why [`parse_strict`] refused a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrictError {
    /// An object repeats `key`; `path` is where the object is (`$`, `$.predicate.scanner`, `$.subject[0]`).
    Duplicate {
        key: String,
        path: String,
    },
    Json(String),
}

impl fmt::Display for StrictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate { key, path } => {
                write!(f, "the key {key:?} is repeated in the object at {path}")
            }
            Self::Json(m) => f.write_str(m),
        }
    }
}

/// Parses JSON into a `Value`, refusing any object that repeats a key (serde_json alone keeps the last copy).
/// Nesting is bounded by serde_json's recursion limit (128).
pub fn parse_strict(bytes: &[u8]) -> Result<serde_json::Value, StrictError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut dup: Option<(String, String)> = None;
    let seed = Strict {
        path: "$".to_owned(),
        dup: &mut dup,
    };
    let result = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match (result, dup) {
        (_, Some((key, path))) => Err(StrictError::Duplicate { key, path }),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(StrictError::Json(e.to_string())),
    }
}

struct Strict<'a> {
    path: String,
    dup: &'a mut Option<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict {
            path: format!("{}[{}]", self.path, out.len()),
            dup: &mut *self.dup,
        })? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                *self.dup = Some((key, self.path.clone()));
                return Err(de::Error::custom("duplicate key"));
            }
            let v = map.next_value_seed(Strict {
                path: format!("{}.{key}", self.path),
                dup: &mut *self.dup,
            })?;
            out.insert(key, v);
        }
        Ok(serde_json::Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn build_then_parse_round_trips() {
        let s = Statement::new(
            "reg/app",
            D,
            "https://example.com/p",
            serde_json::json!({"a": 1}),
        )
        .unwrap();
        let back = Statement::parse(&s.to_json()).unwrap();
        assert_eq!(back, s);
        back.check_subject(D).unwrap();
        back.check_subject(&D[7..].to_ascii_uppercase()).unwrap();
        let other = D.replace("0123", "4567");
        assert!(matches!(
            back.check_subject(&other),
            Err(StatementError::SubjectMismatch(_))
        ));
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth_with_where() {
        let cases = [
            (r#"{"_type":"a","_type":"b"}"#, "$", "_type"),
            (r#"{"predicate":{"x":{"y":1,"y":2}}}"#, "$.predicate.x", "y"),
            (
                r#"{"subject":[{"name":"a"},{"digest":{},"digest":{}}]}"#,
                "$.subject[1]",
                "digest",
            ),
        ];
        for (text, path, key) in cases {
            assert_eq!(
                Statement::parse(text.as_bytes()).unwrap_err(),
                StatementError::DuplicateKey {
                    key: key.to_owned(),
                    path: path.to_owned()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn non_objects_and_bad_statements_are_clear_errors() {
        for (text, want) in [
            ("[]", "not a JSON object (found an array)"),
            ("\"x\"", "not a JSON object (found a string)"),
            ("{", "not valid JSON"),
            ("{}", "has no _type"),
            (r#"{"_type":1}"#, "has no _type"),
            (
                r#"{"_type":"https://in-toto.io/Statement/v2"}"#,
                "has _type",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"}"#,
                "no subject",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"n","digest":{"sha256":"zz"}}],"predicateType":"p"}"#,
                "subject 0 (\"n\") has a sha256 digest",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"n","digest":{}}],"predicateType":"p"}"#,
                "has no digest",
            ),
            (
                r#"{"_type":"https://in-toto.io/Statement/v1","subject":"x"}"#,
                "not valid JSON",
            ),
        ] {
            let err = Statement::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn v01_statements_are_read() {
        let text = format!(
            r#"{{"_type":"{STATEMENT_V01}","subject":[{{"name":"x","digest":{{"sha256":"{}"}}}}],"predicateType":"p","predicate":null}}"#,
            &D[7..]
        );
        assert_eq!(
            Statement::parse(text.as_bytes()).unwrap().type_,
            STATEMENT_V01
        );
    }
}
