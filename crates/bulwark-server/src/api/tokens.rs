//! The API's bearer tokens (`bulwark serve --api-tokens FILE`): a YAML or JSON file of named tokens, each with a
//! role, kept as the SHA-256 of the token (`sha256:`) or, discouraged, as the token itself (`token:`).
//!
//! ```yaml
//! tokens:
//!   - name: ci            # shown in the request log
//!     role: push          # read | push | admin
//!     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//!   - name: dashboard
//!     role: read
//!     token: "a-long-random-string"
//! ```
//!
//! A presented token is hashed and compared with every entry in constant time (no early exit, no comparison of
//! secrets byte by byte), so the answer's timing says nothing about how close a guess was.

use std::collections::HashMap;

use bulwark_k8s::yaml::{Doc, Kind, Limits, NodeId, parse_stream, split_documents};
use sha2::{Digest as _, Sha256};

/// Largest token file read.
pub const MAX_FILE: usize = 1 << 20;
/// Most tokens in one file.
pub const MAX_TOKENS: usize = 10_000;
/// Shortest plaintext token accepted (a `sha256:` entry is the operator's choice).
pub const MIN_TOKEN_LEN: usize = 16;
const LIMITS: Limits = Limits {
    max_depth: 8,
    max_nodes: 200_000,
    max_expanded_nodes: 200_000,
};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Every `GET`.
    Read,
    /// CI: `POST /api/v1/reports` only.
    Push,
    /// Everything.
    Admin,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Push => "push",
            Self::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "read" => Self::Read,
            "push" => Self::Push,
            "admin" => Self::Admin,
            _ => return None,
        })
    }
}

/// A problem in the token file, with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TokenFileError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

struct Entry {
    name: String,
    role: Role,
    sha256: [u8; 32],
}

/// The tokens the API accepts.
pub struct Tokens {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Tokens {
    // Names and roles only: never the hashes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|e| format!("{} ({})", e.name, e.role.as_str())),
            )
            .finish()
    }
}

/// The SHA-256 of `token`, as lowercase hex (what a `sha256:` entry holds: `printf %s TOKEN | sha256sum`).
#[must_use]
pub fn sha256_hex(token: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(b[2 * i])? << 4) | nib(b[2 * i + 1])?;
    }
    Some(out)
}

impl Tokens {
    /// The name and role of the entry `presented` matches, or `None`. Every entry is compared.
    #[must_use]
    pub fn check(&self, presented: &str) -> Option<(&str, Role)> {
        let h: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for e in &self.entries {
            if ct_eq(&h, &e.sha256) && found.is_none() {
                found = Some((e.name.as_str(), e.role));
            }
        }
        found
    }

    /// The tokens' names, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// How many tokens there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Reads `path`; problems name it as given.
    pub fn load(path: &std::path::Path) -> Result<Self, TokenFileError> {
        let file = path.display().to_string();
        let fail = |message: String| TokenFileError {
            file: file.clone(),
            line: 1,
            message,
        };
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        if !meta.is_file() {
            return Err(fail("not a regular file".into()));
        }
        if meta.len() > MAX_FILE as u64 {
            return Err(fail(format!(
                "is {} bytes; token files are limited to {MAX_FILE}",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        Self::parse(&bytes, &file)
    }

    /// Parses a token file's bytes; `file` names it in problems.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self, TokenFileError> {
        let last = bytes.split(|&b| b == b'\n').count().max(1) as u32;
        let fail = |line: u32, message: String| TokenFileError {
            file: file.to_owned(),
            line: line.clamp(1, last),
            message,
        };
        if bytes.len() > MAX_FILE {
            return Err(fail(
                1,
                format!(
                    "is {} bytes; token files are limited to {MAX_FILE}",
                    bytes.len()
                ),
            ));
        }
        if let Some((line, what)) = bulwark_types::yaml::depth_over(bytes, LIMITS.max_depth) {
            return Err(fail(line as u32, format!("token file {what}")));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()].split(|&b| b == b'\n').count();
            fail(line as u32, format!("is not UTF-8: {e}"))
        })?;
        let mut docs = Vec::new();
        for (chunk, offset) in split_documents(text) {
            let (parsed, err) = parse_stream(chunk, offset, &LIMITS);
            if let Some(e) = err {
                return Err(fail(e.line, format!("invalid YAML: {}", e.message)));
            }
            docs.extend(
                parsed
                    .into_iter()
                    .filter(|d| d.root().is_some_and(|r| !d.is_null(r))),
            );
        }
        let doc = match docs.as_slice() {
            [] => {
                return Err(fail(
                    1,
                    "is empty; expected `tokens:` with a list of {name, role, sha256 or token}"
                        .into(),
                ));
            }
            [one] => one,
            [_, second, ..] => {
                let line = second.root().map_or(1, |r| second.line(r));
                return Err(fail(line, "holds more than one YAML document".into()));
            }
        };
        let root = doc.root().unwrap_or_default();
        if doc.kind(root) != Kind::Map {
            return Err(fail(
                doc.line(root),
                format!(
                    "expected a mapping with `tokens:`, found {}",
                    doc.kind(root).describe()
                ),
            ));
        }
        let mut list = None;
        for (k, v) in doc.entries(root) {
            match doc.text(k).unwrap_or("") {
                "tokens" if list.is_some() => {
                    return Err(fail(doc.line(k), "`tokens` is given twice".into()));
                }
                "tokens" => list = Some(v),
                other => {
                    return Err(fail(
                        doc.line(k),
                        format!(
                            "unknown key \"{}\" at the top level (expected: tokens)",
                            other.escape_debug()
                        ),
                    ));
                }
            }
        }
        let Some(list) = list else {
            return Err(fail(doc.line(root), "no `tokens:` list".into()));
        };
        if doc.kind(list) != Kind::Seq {
            return Err(fail(
                doc.line(list),
                format!(
                    "`tokens` must be a list, found {}",
                    doc.kind(list).describe()
                ),
            ));
        }
        let items = doc.items(list);
        if items.is_empty() {
            return Err(fail(
                doc.line(list),
                "`tokens` is empty: the API would refuse every request".into(),
            ));
        }
        if items.len() > MAX_TOKENS {
            return Err(fail(
                doc.line(list),
                format!("more than {MAX_TOKENS} tokens"),
            ));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(items.len());
        let mut names: HashMap<String, u32> = HashMap::new();
        let mut hashes: HashMap<[u8; 32], u32> = HashMap::new();
        for &item in items {
            let line = doc.line(item);
            let e = entry(doc, item).map_err(|(l, m)| fail(l, m))?;
            if let Some(first) = names.insert(e.name.clone(), line) {
                return Err(fail(
                    line,
                    format!(
                        "token name \"{}\" is given twice (first at line {first})",
                        e.name
                    ),
                ));
            }
            if let Some(first) = hashes.insert(e.sha256, line) {
                return Err(fail(
                    line,
                    format!(
                        "token \"{}\" is the same token as the one at line {first}",
                        e.name
                    ),
                ));
            }
            entries.push(e);
        }
        Ok(Self { entries })
    }
}

/// One `{name, role, sha256 | token}` entry.
fn entry(doc: &Doc, item: NodeId) -> Result<Entry, (u32, String)> {
    let line = doc.line(item);
    if doc.kind(item) != Kind::Map {
        return Err((
            line,
            format!(
                "a token must be a mapping with name, role and sha256 (or token), found {}",
                doc.kind(item).describe()
            ),
        ));
    }
    let (mut name, mut role, mut hash) = (None, None, None);
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for (k, v) in doc.entries(item) {
        let key = doc.text(k).unwrap_or("");
        let kl = doc.line(k);
        if let Some(first) = seen.insert(key, kl) {
            return Err((
                kl,
                format!(
                    "key \"{}\" is given twice (first at line {first})",
                    key.escape_debug()
                ),
            ));
        }
        let text = || -> Result<&str, (u32, String)> {
            match doc.kind(v) {
                Kind::Map | Kind::Seq | Kind::Null => Err((
                    doc.line(v),
                    format!("`{key}` must be a string, found {}", doc.kind(v).describe()),
                )),
                _ => Ok(doc.text(v).unwrap_or("")),
            }
        };
        match key {
            "name" => {
                let n = text()?.trim();
                if n.is_empty() || n.len() > 128 || n.chars().any(char::is_control) {
                    return Err((
                        doc.line(v),
                        "`name` must be 1 to 128 characters without control characters".into(),
                    ));
                }
                name = Some(n.to_owned());
            }
            "role" => {
                let r = text()?;
                role = Some(Role::parse(r).ok_or_else(|| {
                    (
                        doc.line(v),
                        format!(
                            "unknown role \"{}\" (expected read, push or admin)",
                            r.escape_debug()
                        ),
                    )
                })?);
            }
            "sha256" | "token" if hash.is_some() => {
                return Err((kl, "give either `sha256` or `token`, not both".into()));
            }
            "sha256" => {
                let h = text()?.trim();
                let h = h.strip_prefix("sha256:").unwrap_or(h);
                hash = Some(hex32(h).ok_or_else(|| {
                    (
                        doc.line(v),
                        "`sha256` must be 64 hexadecimal digits (`printf %s TOKEN | sha256sum`)"
                            .into(),
                    )
                })?);
            }
            "token" => {
                let t = text()?;
                if t.len() < MIN_TOKEN_LEN {
                    return Err((
                        doc.line(v),
                        format!("`token` is shorter than {MIN_TOKEN_LEN} characters"),
                    ));
                }
                if !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err((
                        doc.line(v),
                        "`token` must be printable ASCII without spaces (it is sent in a header)"
                            .into(),
                    ));
                }
                hash = Some(Sha256::digest(t.as_bytes()).into());
            }
            other => {
                return Err((
                    kl,
                    format!(
                        "unknown key \"{}\" in a token (expected name, role, sha256, token)",
                        other.escape_debug()
                    ),
                ));
            }
        }
    }
    let name = name.ok_or((line, "a token has no `name`".to_owned()))?;
    let role = role.ok_or((
        line,
        format!("token \"{name}\" has no `role` (read, push or admin)"),
    ))?;
    let sha256 = hash.ok_or((
        line,
        format!("token \"{name}\" has neither `sha256` nor `token`"),
    ))?;
    Ok(Entry { name, role, sha256 })
}

#[cfg(test)]
mod tests {
    use super::*;

    // printf %s 'correct horse battery staple' | sha256sum
    const HORSE: &str = "c4bbcb1fbec99d65bf59d85c8cb62ee2db963f0fe106f483d9afa73bd4e39a8a";

    #[test]
    fn hashed_and_plain_tokens_with_roles() {
        let t = Tokens::parse(
            format!(
                "tokens:\n  - name: ci\n    role: push\n    sha256: {HORSE}\n  - name: dash\n    role: read\n    token: \"0123456789abcdefXYZ\"\n"
            )
            .as_bytes(),
            "t.yaml",
        )
        .unwrap();
        assert_eq!(
            t.check("correct horse battery staple"),
            Some(("ci", Role::Push))
        );
        assert_eq!(t.check("0123456789abcdefXYZ"), Some(("dash", Role::Read)));
        assert_eq!(t.check("correct horse battery stapl"), None);
        assert_eq!(t.check(""), None);
        assert_eq!(sha256_hex("correct horse battery staple"), HORSE);
        // JSON is read too.
        let j = format!(r#"{{"tokens": [{{"name": "a", "role": "admin", "sha256": "{HORSE}"}}]}}"#);
        assert_eq!(
            Tokens::parse(j.as_bytes(), "t.json")
                .unwrap()
                .check("correct horse battery staple"),
            Some(("a", Role::Admin))
        );
    }

    #[test]
    fn problems_name_the_line() {
        let cases: &[(&str, u32, &str)] = &[
            (
                "tokens:\n  - name: a\n    role: root\n    token: 0123456789abcdef\n",
                3,
                "unknown role",
            ),
            (
                "tokens:\n  - name: a\n    role: read\n    sha256: abc\n",
                4,
                "64 hexadecimal",
            ),
            ("tokens:\n  - name: a\n    role: read\n", 2, "neither"),
            (
                "tokens:\n  - name: a\n    role: read\n    token: short\n",
                4,
                "shorter",
            ),
            (
                "tokens:\n  - name: a\n    role: read\n    token: 0123456789abcdef\n  - name: a\n    role: push\n    token: 0123456789abcdeg\n",
                5,
                "given twice",
            ),
            (
                "tokens:\n  - name: a\n    role: read\n    token: 0123456789abcdef\n  - name: b\n    role: push\n    token: 0123456789abcdef\n",
                5,
                "same token",
            ),
            ("tokens:\n  - name: a\n    rol: read\n", 3, "unknown key"),
            ("tokens: [\n", 2, "invalid YAML"),
            ("tokens: []\n", 1, "empty"),
            ("", 1, "empty"),
            ("- a\n", 1, "mapping"),
        ];
        for (text, line, what) in cases {
            let e = Tokens::parse(text.as_bytes(), "t.yaml")
                .err()
                .unwrap_or_else(|| panic!("accepted {text:?}"));
            assert_eq!(e.line, *line, "{text:?}: {e}");
            assert!(e.message.contains(what), "{text:?}: {e}");
            assert!(
                e.to_string().starts_with(&format!("t.yaml:{line}: ")),
                "{e}"
            );
        }
    }
}
