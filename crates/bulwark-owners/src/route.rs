//! The most specific matching rule wins; see docs/owners.md for the order and why.

use std::collections::BTreeMap;

use crate::model::{Matcher, Ownership, Route, Rule, RuleKind, RuleRef, Specificity};
use crate::reference::Reference;

/// The annotation (or label) on a workload that names its team directly.
pub const OWNER_KEY: &str = "bulwark.dev/owner";

/// What is known about one finding (or package): its package, its layer, its image, where it runs. Every
/// field is optional; a rule whose subject is unknown does not match.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingContext<'a> {
    /// Package URL (`pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64`).
    pub purl: Option<&'a str>,
    pub layer: Option<LayerContext<'a>>,
    pub image: ImageContext<'a>,
    pub workload: WorkloadContext<'a>,
}

/// The layer that brought the package in.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayerContext<'a> {
    /// 0 = bottom layer.
    pub index: usize,
    pub digest: Option<&'a str>,
    /// The history `created_by` command.
    pub created_by: Option<&'a str>,
    /// Whether the layer belongs to the base image (its index is below the base image's layer count).
    /// `None`: unknown, and `baseImage` rules do not match.
    pub in_base: Option<bool>,
}

impl<'a> LayerContext<'a> {
    /// The context of a package's layer (`Package::layer`, `Finding::location.layer`); `base_layers` is how
    /// many bottom layers belong to the base image, when known.
    #[must_use]
    pub fn of(layer: &'a bulwark_types::LayerRef, base_layers: Option<usize>) -> Self {
        Self {
            index: layer.index,
            digest: layer.digest.as_deref(),
            created_by: layer.created_by.as_deref(),
            in_base: base_layers.map(|n| layer.index < n),
        }
    }
}

/// The image the finding is in.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageContext<'a> {
    /// How it was pulled or deployed (`registry.example.com/payments/api:1.4`).
    pub reference: Option<&'a str>,
    /// Manifest digest.
    pub digest: Option<&'a str>,
    /// The base image's name (`docker.io/library/debian:bookworm`, possibly with `@digest`).
    pub base_name: Option<&'a str>,
    /// The base image's manifest digest.
    pub base_digest: Option<&'a str>,
}

/// Where the image runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkloadContext<'a> {
    pub namespace: Option<&'a str>,
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
}

/// The team that owns the finding, the rule that decided it and why; `None` when no rule matches and there
/// is no `defaultTeam`.
#[must_use]
pub fn route(ownership: &Ownership, cx: &FindingContext<'_>) -> Option<Route> {
    let mut warnings = Vec::new();
    for (kind, map) in [
        (RuleKind::OwnerAnnotation, cx.workload.annotations),
        (RuleKind::OwnerLabel, cx.workload.labels),
    ] {
        let Some(team) = map.and_then(|m| m.get(OWNER_KEY)) else {
            continue;
        };
        let place = if kind == RuleKind::OwnerAnnotation {
            "annotation"
        } else {
            "label"
        };
        if ownership.teams.contains_key(team) {
            return Some(Route {
                team: team.clone(),
                rule: RuleRef {
                    file: "workload".into(),
                    line: 0,
                    kind,
                    pattern: format!("{OWNER_KEY}={team}"),
                },
                explanation: format!("the workload's {place} {OWNER_KEY} names team \"{team}\""),
                warnings,
            });
        }
        warnings.push(format!(
            "the workload's {place} {OWNER_KEY} names team \"{team}\", which {} does not define; routed by the rules instead",
            ownership.file
        ));
    }

    let refs = Refs::of(cx);
    let mut matched: Vec<(Specificity, &Rule)> = ownership
        .rules
        .iter()
        .filter(|r| matches(r, cx, &refs))
        .map(|r| (r.specificity(), r))
        .collect();
    // Most specific first; equal ones in file order (the sort is stable).
    matched.sort_by_key(|&(spec, _)| std::cmp::Reverse(spec));
    let Some(&(best_spec, best)) = matched.first() else {
        let (team, line) = ownership.default_team.as_ref()?;
        return Some(Route {
            team: team.clone(),
            rule: RuleRef {
                file: ownership.file.clone(),
                line: *line,
                kind: RuleKind::Default,
                pattern: team.clone(),
            },
            explanation: "no rule matched; defaultTeam applies".into(),
            warnings,
        });
    };
    for &(spec, other) in &matched[1..] {
        if spec == best_spec && other.team != best.team {
            warnings.push(format!(
                "{f}:{} and {f}:{} match with equal specificity but name different teams (\"{}\" and \"{}\"); the first in the file wins",
                best.line,
                other.line,
                best.team,
                other.team,
                f = ownership.file
            ));
        }
    }
    let mut explanation = format!(
        "{} matches {} \"{}\" at {}:{}",
        subject(best.kind, cx),
        best.kind,
        best.pattern,
        ownership.file,
        best.line
    );
    let others: Vec<String> = matched[1..]
        .iter()
        .map(|&(spec, r)| {
            format!(
                "{} \"{}\" at {}:{} (team \"{}\"; {})",
                r.kind,
                r.pattern,
                ownership.file,
                r.line,
                r.team,
                why(best_spec, spec)
            )
        })
        .collect();
    if !others.is_empty() {
        explanation.push_str("; it outranks ");
        explanation.push_str(&others.join(", "));
    }
    Some(Route {
        team: best.team.clone(),
        rule: best.reference(&ownership.file),
        explanation,
        warnings,
    })
}

/// Why the winner beat another matching rule.
fn why(best: Specificity, other: Specificity) -> &'static str {
    if best.rank != other.rank {
        "a kind that ranks lower"
    } else if best.detail != other.detail {
        "less precise: a repository rather than a digest, or fewer selector pairs"
    } else if best.literals != other.literals {
        "fewer literal characters"
    } else if best.exactness != other.exactness {
        "more wildcards"
    } else {
        "equally specific, later in the file"
    }
}

fn subject(kind: RuleKind, cx: &FindingContext<'_>) -> String {
    let layer = cx.layer.unwrap_or_default();
    match kind {
        RuleKind::Purl => format!("package {}", cx.purl.unwrap_or("")),
        RuleKind::CreatedBy => {
            let cmd = layer.created_by.unwrap_or("");
            let short: String = cmd.chars().take(60).collect();
            let ell = if cmd.chars().count() > 60 { "…" } else { "" };
            format!("layer {} (created by \"{short}{ell}\")", layer.index)
        }
        RuleKind::BaseImage => {
            let base = cx.image.base_name.or(cx.image.base_digest).unwrap_or("");
            format!("layer {}, part of base image {base},", layer.index)
        }
        RuleKind::Registry => format!("image {}", cx.image.reference.unwrap_or("")),
        RuleKind::Labels => "the workload's labels".into(),
        RuleKind::Annotations => "the workload's annotations".into(),
        RuleKind::Namespace => format!("namespace {}", cx.workload.namespace.unwrap_or("")),
        RuleKind::OwnerAnnotation | RuleKind::OwnerLabel | RuleKind::Default => String::new(),
    }
}

/// The context's references, parsed once per route rather than once per rule.
struct Refs {
    purl: Option<String>,
    image_repo: Option<String>,
    base: Option<Reference>,
    base_name_tag: Option<String>,
}

impl Refs {
    fn of(cx: &FindingContext<'_>) -> Self {
        let base = cx.image.base_name.map(Reference::parse);
        Self {
            purl: cx.purl.map(|p| purl_without_version(p).to_string()),
            image_repo: cx.image.reference.map(|r| Reference::parse(r).repo),
            base_name_tag: base
                .as_ref()
                .filter(|b| b.tag.is_some())
                .map(Reference::with_tag),
            base,
        }
    }
}

fn matches(rule: &Rule, cx: &FindingContext<'_>, refs: &Refs) -> bool {
    match &rule.matcher {
        Matcher::Purl { glob, with_version } => {
            if *with_version {
                cx.purl.is_some_and(|p| glob.matches(p))
            } else {
                refs.purl.as_deref().is_some_and(|p| glob.matches(p))
            }
        }
        Matcher::CreatedBy(g) => cx
            .layer
            .and_then(|l| l.created_by)
            .is_some_and(|c| g.matches(c)),
        Matcher::BaseDigest(g) => {
            in_base(cx)
                && (cx.image.base_digest.is_some_and(|d| g.matches(d))
                    || refs
                        .base
                        .as_ref()
                        .and_then(|b| b.digest.as_deref())
                        .is_some_and(|d| g.matches(d)))
        }
        Matcher::BaseName { glob, with_tag } => {
            in_base(cx)
                && if *with_tag {
                    refs.base_name_tag
                        .as_deref()
                        .is_some_and(|n| glob.matches(n))
                } else {
                    refs.base.as_ref().is_some_and(|b| glob.matches(&b.repo))
                }
        }
        Matcher::Registry(g) => refs.image_repo.as_deref().is_some_and(|r| g.matches(r)),
        Matcher::Selector(pairs) => {
            let map = if rule.kind == RuleKind::Labels {
                cx.workload.labels
            } else {
                cx.workload.annotations
            };
            map.is_some_and(|m| {
                pairs
                    .iter()
                    .all(|(k, g)| m.get(k).is_some_and(|v| g.matches(v)))
            })
        }
        Matcher::Namespace(g) => cx.workload.namespace.is_some_and(|n| g.matches(n)),
    }
}

fn in_base(cx: &FindingContext<'_>) -> bool {
    cx.layer.and_then(|l| l.in_base) == Some(true)
}

/// `pkg:type/ns/name@version?qualifiers#subpath` → `pkg:type/ns/name`.
fn purl_without_version(purl: &str) -> &str {
    let end = purl.find(['?', '#']).unwrap_or(purl.len());
    let p = &purl[..end];
    let slash = p.rfind('/').unwrap_or(0);
    match p[slash..].rfind('@') {
        Some(i) => &p[..slash + i],
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_version_is_cut() {
        assert_eq!(
            purl_without_version("pkg:pypi/requests@2.19.0"),
            "pkg:pypi/requests"
        );
        assert_eq!(
            purl_without_version(
                "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
            ),
            "pkg:deb/debian/openssl"
        );
        assert_eq!(
            purl_without_version("pkg:npm/%40babel/core@7.0.0"),
            "pkg:npm/%40babel/core"
        );
        assert_eq!(purl_without_version("pkg:npm/lodash"), "pkg:npm/lodash");
    }
}
