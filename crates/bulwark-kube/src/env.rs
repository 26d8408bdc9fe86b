//! Which environment a namespace belongs to: a namespace label (default `bulwark.dev/environment`), else the
//! first matching glob of an `environments.yaml`:
//!
//! ```yaml
//! label: environment            # optional: the namespace label to read first
//! namespaces:
//!   - match: "jx-*-pr-*"        # Jenkins X previews: jx-$owner-$repo-pr-$number (jx-preview's default)
//!     environment: preview
//!   - match: jx-staging
//!     environment: staging
//!   - match: jx-production
//!     environment: production
//! ```
//!
//! `*` matches any run of characters (including none), `?` one character; the first rule that matches wins.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{KubeError, read_bounded};

/// The namespace label read when nothing else is configured.
pub const DEFAULT_LABEL: &str = "bulwark.dev/environment";
const MAX_FILE: u64 = 1 << 20;
const MAX_RULES: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Environments {
    pub label: String,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    glob: String,
    environment: String,
}

impl Default for Environments {
    fn default() -> Self {
        Self {
            label: DEFAULT_LABEL.to_owned(),
            rules: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    namespaces: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(rename = "match")]
    glob: String,
    environment: String,
}

impl Environments {
    /// Reads an environments file (errors name `path:line:column`).
    pub fn load(path: &Path) -> Result<Self, KubeError> {
        let text = read_bounded(path, MAX_FILE)?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &[u8], path: &Path) -> Result<Self, KubeError> {
        if let Some((line, what)) =
            bulwark_types::yaml::depth_over(text, bulwark_types::yaml::MAX_DEPTH)
        {
            return Err(KubeError::File {
                at: format!("{}:{line}", path.display()),
                reason: what,
            });
        }
        let text = std::str::from_utf8(text).map_err(|e| KubeError::file(path, e.to_string()))?;
        let raw: RawFile = serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(l) => KubeError::File {
                at: format!("{}:{}:{}", path.display(), l.line(), l.column()),
                reason: e.to_string(),
            },
            None => KubeError::file(path, e.to_string()),
        })?;
        if raw.namespaces.len() > MAX_RULES {
            return Err(KubeError::file(
                path,
                format!("more than {MAX_RULES} namespace rules"),
            ));
        }
        for (i, r) in raw.namespaces.iter().enumerate() {
            if r.glob.is_empty() || r.environment.is_empty() {
                return Err(KubeError::file(
                    path,
                    format!("namespaces[{i}]: match and environment must not be empty"),
                ));
            }
        }
        Ok(Self {
            label: raw
                .label
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| DEFAULT_LABEL.to_owned()),
            rules: raw
                .namespaces
                .into_iter()
                .map(|r| Rule {
                    glob: r.glob,
                    environment: r.environment,
                })
                .collect(),
        })
    }

    /// The environment of `namespace`, whose labels are `labels`.
    #[must_use]
    pub fn of(&self, namespace: &str, labels: &BTreeMap<String, String>) -> Option<String> {
        if let Some(v) = labels.get(&self.label).filter(|v| !v.is_empty()) {
            return Some(v.clone());
        }
        self.rules
            .iter()
            .find(|r| glob_match(&r.glob, namespace))
            .map(|r| r.environment.clone())
    }
}

/// `*` and `?` glob over characters, in O(len(pattern) × len(text)) at worst.
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("jx-*-pr-*", "jx-acme-web-pr-12"));
        assert!(!glob_match("jx-*-pr-*", "jx-staging"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(!glob_match(&"*a".repeat(50), &"a".repeat(40)));
    }

    #[test]
    fn label_first_then_first_rule() {
        let e = Environments::parse(
            b"label: environment\nnamespaces:\n  - match: \"jx-*-pr-*\"\n    environment: preview\n  - match: \"jx-*\"\n    environment: other\n",
            Path::new("environments.yaml"),
        )
        .unwrap();
        let none = BTreeMap::new();
        assert_eq!(e.of("jx-acme-web-pr-3", &none).as_deref(), Some("preview"));
        assert_eq!(e.of("jx-staging", &none).as_deref(), Some("other"));
        assert_eq!(e.of("default", &none), None);
        let labelled = BTreeMap::from([("environment".to_owned(), "production".to_owned())]);
        assert_eq!(
            e.of("jx-acme-web-pr-3", &labelled).as_deref(),
            Some("production")
        );
        let err = Environments::parse(
            b"namespaces:\n  - match: x\n    env: y\n",
            Path::new("e.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("e.yaml:2:") || err.starts_with("e.yaml:3:"),
            "{err}"
        );
    }
}
