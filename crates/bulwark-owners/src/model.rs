//! What owners.yaml holds once loaded, and what routing returns.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::glob::Glob;

/// A loaded owners.yaml.
#[derive(Debug, Clone)]
pub struct Ownership {
    /// The file name as given to the loader: every rule reference names it.
    pub file: String,
    /// Teams by name.
    pub teams: BTreeMap<String, Team>,
    /// Rules in file order.
    pub rules: Vec<Rule>,
    /// `defaultTeam`: where a finding no rule matches goes, with the line that set it.
    pub default_team: Option<(String, u32)>,
    /// Problems that do not stop loading (a rule given twice for the same team).
    pub warnings: Vec<Problem>,
}

impl Ownership {
    #[must_use]
    pub fn team(&self, name: &str) -> Option<&Team> {
        self.teams.get(name)
    }
}

/// A team and where to reach it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub name: String,
    /// Line of the team's name in the file.
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// People or addresses to contact (free text: e-mail, chat handle, on-call schedule name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// The team that is told when this one does not act (a defined team).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_to: Option<String>,
    /// Channel configurations, kept as written (JSON objects): bulwark-notify gives them their types.
    pub channels: Vec<serde_json::Value>,
}

/// The kinds of rule, from the most specific (routing prefers it) to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleKind {
    /// `bulwark.dev/owner: TEAM` in the workload's annotations: the team is named directly.
    OwnerAnnotation,
    /// `bulwark.dev/owner: TEAM` in the workload's labels.
    OwnerLabel,
    /// `purl:` glob on the package URL.
    Purl,
    /// `baseImage:` the package's layer is part of the image's base image, given by digest or repository.
    BaseImage,
    /// `createdBy:` glob on the layer's history `created_by` command.
    CreatedBy,
    /// `registry:` path glob on the image repository.
    Registry,
    /// `labels:` selector on the workload's labels.
    Labels,
    /// `annotations:` selector on the workload's annotations.
    Annotations,
    /// `namespace:` exact name or glob.
    Namespace,
    /// `defaultTeam:` nothing else matched.
    Default,
}

impl RuleKind {
    /// The key that writes the kind in owners.yaml.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            RuleKind::OwnerAnnotation => "ownerAnnotation",
            RuleKind::OwnerLabel => "ownerLabel",
            RuleKind::Purl => "purl",
            RuleKind::BaseImage => "baseImage",
            RuleKind::CreatedBy => "createdBy",
            RuleKind::Registry => "registry",
            RuleKind::Labels => "labels",
            RuleKind::Annotations => "annotations",
            RuleKind::Namespace => "namespace",
            RuleKind::Default => "defaultTeam",
        }
    }

    /// Rank between kinds: higher wins. Labels and annotations selectors share a rank.
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            RuleKind::OwnerAnnotation => 9,
            RuleKind::OwnerLabel => 8,
            RuleKind::Purl => 7,
            RuleKind::BaseImage => 6,
            RuleKind::CreatedBy => 5,
            RuleKind::Registry => 4,
            RuleKind::Labels | RuleKind::Annotations => 3,
            RuleKind::Namespace => 2,
            RuleKind::Default => 1,
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How specific a matching rule is: compared field by field, greater wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Specificity {
    /// [`RuleKind::rank`].
    pub rank: u8,
    /// Within a kind: a base image given by digest (1) beats one given by repository (0); a selector with more
    /// `key: value` pairs beats one with fewer.
    pub detail: u32,
    /// Literal (non-wildcard) characters in the pattern.
    pub literals: u32,
    /// `u32::MAX` minus the number of wildcards: fewer wildcards is more specific.
    pub exactness: u32,
}

/// One rule of owners.yaml.
#[derive(Debug, Clone)]
pub struct Rule {
    pub team: String,
    /// Line of the rule (its first key) in the file.
    pub line: u32,
    pub kind: RuleKind,
    /// The pattern as written (selectors: `k=v,k2=v2`, keys sorted).
    pub pattern: String,
    pub(crate) matcher: Matcher,
    /// Computed once when loading: routing compares it for every matching rule.
    pub(crate) spec: Specificity,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// `with_version`: the pattern names a version (`@`), so it is matched against the whole purl.
    Purl {
        glob: Glob,
        with_version: bool,
    },
    CreatedBy(Glob),
    BaseDigest(Glob),
    /// `with_tag`: the pattern has a tag, so it is matched against `repo:tag`.
    BaseName {
        glob: Glob,
        with_tag: bool,
    },
    Registry(Glob),
    Selector(Vec<(String, Glob)>),
    Namespace(Glob),
}

impl Rule {
    #[must_use]
    pub fn specificity(&self) -> Specificity {
        self.spec
    }

    pub(crate) fn compute_specificity(kind: RuleKind, matcher: &Matcher) -> Specificity {
        let (detail, globs): (u32, Vec<&Glob>) = match matcher {
            Matcher::Purl { glob, .. }
            | Matcher::CreatedBy(glob)
            | Matcher::Registry(glob)
            | Matcher::Namespace(glob)
            | Matcher::BaseName { glob, .. } => (0, vec![glob]),
            Matcher::BaseDigest(glob) => (1, vec![glob]),
            Matcher::Selector(pairs) => {
                (pairs.len() as u32, pairs.iter().map(|(_, g)| g).collect())
            }
        };
        let key_literals: u32 = match matcher {
            Matcher::Selector(pairs) => pairs.iter().map(|(k, _)| k.chars().count() as u32).sum(),
            _ => 0,
        };
        Specificity {
            rank: kind.rank(),
            detail,
            literals: key_literals + globs.iter().map(|g| g.literals()).sum::<u32>(),
            exactness: u32::MAX - globs.iter().map(|g| g.wildcards()).sum::<u32>(),
        }
    }

    /// The reference to this rule a route carries.
    #[must_use]
    pub fn reference(&self, file: &str) -> RuleRef {
        RuleRef {
            file: file.to_string(),
            line: self.line,
            kind: self.kind,
            pattern: self.pattern.clone(),
        }
    }
}

/// Which rule routed a finding: `file:line`, its kind and pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// The owners file, or `workload` for a `bulwark.dev/owner` annotation or label.
    pub file: String,
    /// 1-based line in `file`; 0 for the workload's own annotation or label.
    pub line: u32,
    pub kind: RuleKind,
    pub pattern: String,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{} {}", self.kind, self.pattern)
        } else {
            write!(
                f,
                "{}:{}: {} \"{}\"",
                self.file, self.line, self.kind, self.pattern
            )
        }
    }
}

/// Where a finding goes and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub team: String,
    pub rule: RuleRef,
    /// One sentence: what matched, and which other matching rules it outranked and why.
    pub explanation: String,
    /// A tie between rules of equal specificity naming different teams, or a `bulwark.dev/owner` naming an
    /// undefined team.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A problem in owners.yaml, at a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Why owners.yaml could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Every problem found, in line order.
    #[error("{}", render(.0))]
    Invalid(Vec<Problem>),
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
