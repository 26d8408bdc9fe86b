//! `.bulwarkignore.yaml`: user-maintained exceptions. The format is documented in the crate README.
//!
//! Two syntaxes, told apart by the first meaningful line: YAML (a top-level `ignore:` list), or the line format
//! that `.trivyignore` and Bulwark's manifest ignore files use — one entry a line,
//! `ID [Kind/namespace/name] [exp:YYYY-MM-DD] reason…`, `#` starting a comment.

use std::path::Path;

use serde::Deserialize;

use crate::glob::{Glob, is_glob};
use crate::{Date, EvalError, FindingView, read_bounded};
use bulwark_types::Purl;

/// Largest ignore file read.
const MAX_IGNORE_BYTES: u64 = 8 << 20;

/// A parsed ignore file.
#[derive(Debug, Clone)]
pub struct IgnoreFile {
    /// The file name, as given, for messages.
    pub source: String,
    pub entries: Vec<IgnoreEntry>,
}

/// One exception. Every selector that is set must match; at least one is set.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    /// Advisory or rule id; matches the finding id or any of its aliases (case-insensitive).
    pub id: Option<String>,
    /// A purl (`pkg:deb/debian/openssl`, version and qualifiers optional) or a glob on the package name or purl.
    pub package: Option<String>,
    /// A glob on the finding's location path (`/usr/lib/**`; a leading `/` is optional).
    pub path: Option<String>,
    /// A Kubernetes object, `Kind/namespace/name` or `Kind/name`, where `*` matches any run of characters.
    pub resource: Option<String>,
    /// Last day the entry suppresses (inclusive, UTC).
    pub expires: Option<Date>,
    pub reason: Option<String>,
    /// 1-based line of the entry in the file.
    pub line: usize,
    package_matcher: Option<PackageMatcher>,
    path_glob: Option<Glob>,
    resource_glob: Option<Glob>,
}

#[derive(Debug, Clone)]
enum PackageMatcher {
    Purl(Purl),
    Glob(Glob),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    ignore: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<String>,
    package: Option<String>,
    path: Option<String>,
    resource: Option<String>,
    expires: Option<String>,
    reason: Option<String>,
}

/// Load and validate an ignore file.
pub fn load_ignore(path: impl AsRef<Path>) -> Result<IgnoreFile, EvalError> {
    let path = path.as_ref();
    let bytes = read_bounded(path, MAX_IGNORE_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| EvalError::Invalid {
        file: path.display().to_string(),
        line: None,
        message: "not UTF-8 text".into(),
    })?;
    parse_ignore(&text, &path.display().to_string())
}

/// Parse ignore-file text; `source` names the file in errors and diagnostics.
pub fn parse_ignore(text: &str, source: &str) -> Result<IgnoreFile, EvalError> {
    let invalid = |line: Option<usize>, message: String| EvalError::Invalid {
        file: source.to_string(),
        line,
        message,
    };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    let Some(first) = first else {
        return Ok(IgnoreFile {
            source: source.to_string(),
            entries: Vec::new(),
        });
    };
    if is_line_format(first) {
        return parse_lines(text, source);
    }
    // Bounded nesting first: yaml_serde is quadratic on nested flow collections (red team #12).
    if let Some((line, why)) =
        bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
    {
        return Err(EvalError::Yaml {
            file: source.to_string(),
            line: Some(line),
            column: None,
            message: why,
        });
    }
    let raw: RawFile = {
        serde_yaml::from_str(text).map_err(|e| EvalError::Yaml {
            file: source.to_string(),
            line: e.location().map(|l| l.line()),
            column: e.location().map(|l| l.column()),
            message: e
                .to_string()
                .replace("struct RawFile", "a mapping with an `ignore:` list"),
        })?
    };
    let lines = entry_lines(text);
    let mut entries = Vec::with_capacity(raw.ignore.len());
    for (n, e) in raw.ignore.into_iter().enumerate() {
        // Flow style gives fewer item lines than entries: those get the last line found.
        let line = lines.get(n).or(lines.last()).copied().unwrap_or(1);
        let nonempty =
            |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let (id, package, path, resource) = (
            nonempty(e.id),
            nonempty(e.package),
            nonempty(e.path),
            nonempty(e.resource),
        );
        if id.is_none() && package.is_none() && path.is_none() && resource.is_none() {
            return Err(invalid(
                Some(line),
                "ignore entry has none of id, package, path or resource; it would suppress everything"
                    .into(),
            ));
        }
        let expires = match e.expires.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<Date>()
                    .map_err(|m| invalid(Some(line), format!("expires: {m}")))?,
            ),
        };
        let package_matcher = match &package {
            None => None,
            Some(p) if p.starts_with("pkg:") && !is_glob(p) => {
                Some(PackageMatcher::Purl(Purl::parse(p).ok_or_else(|| {
                    invalid(Some(line), format!("package: invalid purl '{p}'"))
                })?))
            }
            Some(p) => Some(PackageMatcher::Glob(
                Glob::new(p, false).map_err(|m| invalid(Some(line), format!("package: {m}")))?,
            )),
        };
        let path_glob = match &path {
            None => None,
            Some(p) => Some(
                Glob::new(p.trim_start_matches('/'), true)
                    .map_err(|m| invalid(Some(line), format!("path: {m}")))?,
            ),
        };
        entries.push(IgnoreEntry::new(
            Selectors {
                id,
                package,
                path,
                resource,
            },
            expires,
            nonempty(e.reason),
            line,
            package_matcher,
            path_glob,
        )?);
    }
    Ok(IgnoreFile {
        source: source.to_string(),
        entries,
    })
}

/// `secrets`, `malware`, `licenses`, `vulnerabilities`, `misconfigurations`: every finding of that kind (as the
/// `bulwark.dev/ignore: secrets` annotation reads).
fn is_family(id: &str, kind: bulwark_types::FindingKind) -> bool {
    use bulwark_types::FindingKind as K;
    let want = match id.to_ascii_lowercase().as_str() {
        "secrets" => K::Secret,
        "malware" => K::Malware,
        "licenses" => K::License,
        "vulnerabilities" => K::Vulnerability,
        "misconfigurations" => K::Misconfiguration,
        _ => return false,
    };
    kind == want
}

/// What an entry selects by.
struct Selectors {
    id: Option<String>,
    package: Option<String>,
    path: Option<String>,
    resource: Option<String>,
}

/// The line format starts with an id (`CVE-2024-1`, `BW-K8S-0002`, `privileged-container`, `all`); YAML starts
/// with a key (`ignore:`), a list item or a flow collection.
fn is_line_format(first: &str) -> bool {
    let token = first.split_whitespace().next().unwrap_or_default();
    !(token.ends_with(':') || first.starts_with(['-', '{', '[', '"', '\'']) || first.contains(": "))
}

/// `ID [Kind/namespace/name] [exp:YYYY-MM-DD] reason…` per line.
fn parse_lines(text: &str, source: &str) -> Result<IgnoreFile, EvalError> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.split_once('#').map_or(raw, |(a, _)| a).trim();
        if l.is_empty() || l == "---" {
            continue;
        }
        let mut toks = l.split_whitespace();
        let id = toks.next().unwrap_or_default().to_string();
        if id.ends_with(':') {
            return Err(EvalError::Invalid {
                file: source.to_string(),
                line: Some(line),
                message: format!(
                    "'{id}' looks like YAML, but the file began in the line format (`ID [Kind/ns/name] [exp:YYYY-MM-DD] reason`)"
                ),
            });
        }
        let mut resource = None;
        let mut expires = None;
        let mut reason = Vec::new();
        for t in toks {
            if let Some(d) = t.strip_prefix("exp:") {
                expires = Some(d.parse::<Date>().map_err(|m| EvalError::Invalid {
                    file: source.to_string(),
                    line: Some(line),
                    message: format!("exp: {m}"),
                })?);
            } else if resource.is_none() && reason.is_empty() && t.contains('/') {
                resource = Some(t.to_string());
            } else {
                reason.push(t);
            }
        }
        // `all` with a resource suppresses every rule on that object, as in manifest ignore files.
        let id = (id != "all").then_some(id);
        if id.is_none() && resource.is_none() {
            return Err(EvalError::Invalid {
                file: source.to_string(),
                line: Some(line),
                message: "`all` needs a resource (`all Deployment/ns/name`); alone it would suppress everything"
                    .into(),
            });
        }
        entries.push(IgnoreEntry::new(
            Selectors {
                id,
                package: None,
                path: None,
                resource,
            },
            expires,
            (!reason.is_empty()).then(|| reason.join(" ")),
            line,
            None,
            None,
        )?);
    }
    Ok(IgnoreFile {
        source: source.to_string(),
        entries,
    })
}

/// Lines (1-based) where the items of the top-level `ignore:` block sequence start. serde gives no spans, so
/// this reads the text: after the `ignore:` key, every `- ` at the indentation of the first item begins an
/// entry. For flow-style sequences it falls back to the line of `ignore:`.
fn entry_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut key_line = None;
    let mut indent = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let ind = line.len() - trimmed.len();
        if key_line.is_none() {
            if ind == 0 && trimmed.starts_with("ignore:") {
                key_line = Some(i + 1);
            }
            continue;
        }
        if ind == 0 && !trimmed.starts_with('-') {
            break; // another top-level key
        }
        if trimmed == "-" || trimmed.starts_with("- ") {
            match indent {
                None => {
                    indent = Some(ind);
                    out.push(i + 1);
                }
                Some(x) if x == ind => out.push(i + 1),
                _ => {}
            }
        }
    }
    if out.is_empty()
        && let Some(k) = key_line
    {
        out.push(k);
    }
    out
}

impl IgnoreEntry {
    fn new(
        sel: Selectors,
        expires: Option<Date>,
        reason: Option<String>,
        line: usize,
        package_matcher: Option<PackageMatcher>,
        path_glob: Option<Glob>,
    ) -> Result<Self, EvalError> {
        // `*` is the only wildcard of resource patterns; `/` is an ordinary character in them.
        let resource_glob = match &sel.resource {
            None => None,
            Some(r) => Some(Glob::new(r, false).map_err(|m| EvalError::Invalid {
                file: String::new(),
                line: Some(line),
                message: format!("resource: {m}"),
            })?),
        };
        Ok(Self {
            id: sel.id,
            package: sel.package,
            path: sel.path,
            resource: sel.resource,
            expires,
            reason,
            line,
            package_matcher,
            path_glob,
            resource_glob,
        })
    }

    /// Does the entry's resource pattern (if any) match `Kind/namespace/name`?
    #[must_use]
    pub fn matches_resource(&self, resource: &str) -> bool {
        self.resource_glob
            .as_ref()
            .is_none_or(|g| g.is_match(resource))
    }

    /// Is the entry expired on `today`? It suppresses through its `expires` day.
    #[must_use]
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// A short label for messages: `file:line (id CVE-…, package …)`.
    #[must_use]
    pub fn describe(&self, source: &str) -> String {
        let mut sel = Vec::new();
        if let Some(i) = &self.id {
            sel.push(format!("id {i}"));
        }
        if let Some(p) = &self.package {
            sel.push(format!("package {p}"));
        }
        if let Some(p) = &self.path {
            sel.push(format!("path {p}"));
        }
        if let Some(r) = &self.resource {
            sel.push(format!("resource {r}"));
        }
        format!("{source}:{} ({})", self.line, sel.join(", "))
    }

    pub(crate) fn matches(&self, f: &FindingView<'_>) -> bool {
        if let Some(id) = &self.id
            && !f.has_id(id)
            && f.finding.name.as_deref() != Some(id.as_str())
            && !is_family(id, f.finding.kind)
        {
            return false;
        }
        if let Some(m) = &self.package_matcher {
            let ok = match m {
                PackageMatcher::Purl(p) => f.purl().is_some_and(|t| p.matches(&t)),
                PackageMatcher::Glob(g) => {
                    f.package_name().is_some_and(|n| g.is_match(n))
                        || f.purl_str().is_some_and(|s| g.is_match(s))
                }
            };
            if !ok {
                return false;
            }
        }
        if let Some(g) = &self.path_glob {
            let Some(p) = f.finding.location.path.as_deref() else {
                return false;
            };
            if !g.is_match(p.trim_start_matches('/')) {
                return false;
            }
        }
        if let Some(g) = &self.resource_glob {
            let Some(r) = f.finding.location.resource.as_deref() else {
                return false;
            };
            if !g.is_match(r) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines_block_style() {
        let text =
            "# exceptions\nignore:\n  - id: CVE-1\n    reason: x\n\n  - id: CVE-2\n    path: /a\n";
        assert_eq!(&entry_lines(text)[..2], &[3, 6]);
        let f = parse_ignore(text, "f.yaml").unwrap();
        assert_eq!(f.entries[1].line, 6);
        assert_eq!(f.entries[1].path.as_deref(), Some("/a"));
    }

    #[test]
    fn line_format_is_accepted() {
        let f = parse_ignore(
            "# .trivyignore style\nCVE-2023-1234\nCVE-2023-5678 exp:2027-01-31 accepted risk\n\nBW-K8S-0002 DaemonSet/kube-system/cilium CNI needs it\nall Deployment/dev/* dev namespace\n",
            ".trivyignore",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 4);
        assert_eq!(f.entries[0].id.as_deref(), Some("CVE-2023-1234"));
        assert_eq!(f.entries[1].line, 3);
        assert_eq!(f.entries[1].reason.as_deref(), Some("accepted risk"));
        assert!(f.entries[1].expires.is_some());
        assert_eq!(
            f.entries[2].resource.as_deref(),
            Some("DaemonSet/kube-system/cilium")
        );
        assert!(f.entries[3].id.is_none());
        assert!(f.entries[3].matches_resource("Deployment/dev/web"));
        assert!(!f.entries[3].matches_resource("Deployment/prod/web"));
        let e = parse_ignore("CVE-1\nCVE-2 exp:2024-13-01\n", "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x:2"), "{e}");
        let e = parse_ignore("all\n", "x").unwrap_err().to_string();
        assert!(e.contains("x:1") && e.contains("resource"), "{e}");
    }

    #[test]
    fn misspelt_yaml_is_an_error_not_an_empty_file() {
        for text in [
            "ignores:\n  - id: CVE-1\n",
            "ignore: {id: x}\n",
            "- id: CVE-1\n",
        ] {
            assert!(parse_ignore(text, "f").is_err(), "{text}");
        }
    }

    #[test]
    fn empty_files_are_fine() {
        assert!(parse_ignore("", "f").unwrap().entries.is_empty());
        assert!(parse_ignore("# nothing\n", "f").unwrap().entries.is_empty());
        assert!(
            parse_ignore("ignore: []\n", "f")
                .unwrap()
                .entries
                .is_empty()
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_ignore(
            "ignore:\n  - id: CVE-1\n  - reason: nothing selected\n",
            "x.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.yaml:3"), "{e}");
        let e = parse_ignore(
            "ignore:\n  - id: CVE-1\n    expires: 2024-02-30\n",
            "x.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.yaml:2") && e.contains("2024-02-30"), "{e}");
        let e = parse_ignore("ignore:\n  - id: CVE-1\n    typo: 1\n", "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.yaml:") && e.contains("typo"), "{e}");
        let e = parse_ignore("ignore:\n  - id: [\n", "bad.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.yaml:"), "{e}");
    }
}
