//! License policy: allow and deny lists with SPDX expression semantics, denied classes, and exceptions per
//! package or per path; evaluated into [`Finding`]s.
//!
//! # Semantics
//!
//! Each license requirement stands for the license versions its holder may choose: `GPL-2.0-only` is version
//! 2; `GPL-2.0-or-later` (or `GPL-2.0+`) is version 2 and every later version, including versions not yet
//! published. List entries are read the same way.
//!
//! - A requirement is **denied** when every version it offers is in one deny entry (and an entry without
//!   `WITH` covers the license with any exception). So `deny GPL-3.0-only` flags `GPL-3.0-only` (and the
//!   deprecated `GPL-3.0`), but **not** `GPL-3.0-or-later`, whose holder may use a later GPL; to exclude every
//!   GPLv3 package, deny `GPL-3.0-or-later`, which covers both. `deny GPL-2.0-or-later` covers GPL-2.0-only,
//!   GPL-2.0-or-later, GPL-3.0-only and GPL-3.0-or-later.
//! - With an allow list, a requirement passes when some version it offers is allowed by an entry and not
//!   denied: `allow GPL-3.0-only` accepts `GPL-2.0-or-later` (the recipient chooses version 3). Without an
//!   allow list, everything not denied passes.
//! - `OR` passes when one operand passes; `AND` when all do. `MIT OR GPL-3.0-only` passes with MIT allowed, and
//!   with GPL-3.0-only denied.
//! - `deny-classes` denies every requirement of those classes ([`Class`]); `unknown` catches `LicenseRef-`s that
//!   say nothing.
//! - An exception matches a package by name or purl glob (`package`) and/or by the glob of the file it was found
//!   in (`path`). Its `allow` entries are accepted for that package even when denied; an exception without
//!   `allow` exempts the package.
//! - A package with no license information passes unless `unlicensed: true`.

use std::collections::BTreeMap;

use bulwark_types::{Finding, FindingKind, Location, Package, Severity};
use serde::{Deserialize, Serialize};

use crate::class::{Class, classify, classify_req};
use crate::expr::{Addition, Expression, LicenseItem, LicenseReq, ParseError};

/// Stable ids of license findings.
pub const DENIED_ID: &str = "BW-LIC-0001";
pub const NOT_ALLOWED_ID: &str = "BW-LIC-0002";
pub const UNLICENSED_ID: &str = "BW-LIC-0003";

/// The policy as a config file states it (YAML/TOML/JSON through serde), kebab-case keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
    #[serde(default)]
    pub deny_classes: Vec<Class>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionConfig>,
    /// Report packages that declare no license at all.
    #[serde(default)]
    pub unlicensed: bool,
}

/// One exception: which packages, and what they may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ExceptionConfig {
    /// Glob over the package name, or over the purl when it starts with `pkg:` (`*` matches anything).
    #[serde(default)]
    pub package: Option<String>,
    /// Glob over the file the package was found in (`found_in`): `*` stays inside one directory, `**` does not.
    #[serde(default)]
    pub path: Option<String>,
    /// Licenses accepted for these packages; empty = the packages are exempt.
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A policy entry that is not a single license.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("license policy entry '{entry}': {source}{hint}")]
    Parse {
        entry: String,
        source: ParseError,
        hint: String,
    },
    #[error(
        "license policy entry '{0}' is an expression; list single licenses (each entry may use + and WITH)"
    )]
    Compound(String),
    #[error("license policy exception has neither `package` nor `path`")]
    EmptyException,
}

/// One version range of one license: the unit policy matching works on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// Family key: the id without version and `-only`/`-or-later`, lower case.
    family: String,
    /// Version components without trailing zeros; `None` when the id has no version.
    version: Option<Vec<u32>>,
    or_later: bool,
    exception: Option<Addition>,
}

fn parse_version(s: &str) -> Option<Vec<u32>> {
    let mut v: Vec<u32> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    while v.len() > 1 && v.last() == Some(&0) {
        v.pop();
    }
    Some(v)
}

impl Term {
    fn of(r: &LicenseReq) -> Self {
        let id = r.license.as_str();
        let (base, mut or_later) = if let Some(b) = id.strip_suffix("-or-later") {
            (b, true)
        } else if let Some(b) = id.strip_suffix("-only") {
            (b, false)
        } else {
            (id, false)
        };
        or_later |= r.or_later;
        let (family, version) = match (&r.license, base.rsplit_once('-')) {
            (LicenseItem::Spdx(_), Some((f, v))) if parse_version(v).is_some() => {
                (f, parse_version(v))
            }
            _ => (base, None),
        };
        Self {
            family: family.to_ascii_lowercase(),
            version,
            or_later,
            exception: r.exception.clone(),
        }
    }

    fn exception_fits(&self, req: &Term) -> bool {
        self.exception.is_none() || self.exception == req.exception
    }

    /// Every version `req` offers is in `self`.
    fn covers(&self, req: &Term) -> bool {
        if self.family != req.family || !self.exception_fits(req) {
            return false;
        }
        match (&self.version, &req.version) {
            (None, None) => self.or_later || !req.or_later,
            (Some(a), Some(b)) if self.or_later => b >= a,
            (Some(a), Some(b)) => !req.or_later && a == b,
            _ => false,
        }
    }

    /// The versions both offer, if any.
    fn intersect(&self, req: &Term) -> Option<Term> {
        if self.family != req.family || !self.exception_fits(req) {
            return None;
        }
        let mut t = req.clone();
        match (&self.version, &req.version) {
            (None, None) => t.or_later = self.or_later && req.or_later,
            (Some(a), Some(b)) => match (self.or_later, req.or_later) {
                (false, false) if a == b => {}
                (false, true) if a >= b => {
                    t.version = Some(a.clone());
                    t.or_later = false;
                }
                (true, false) if b >= a => {}
                (true, true) => t.version = Some(a.max(b).clone()),
                _ => return None,
            },
            _ => return None,
        }
        Some(t)
    }
}

#[derive(Debug, Clone)]
struct Entry {
    text: String,
    term: Term,
    class: Class,
}

fn entry(text: &str) -> Result<Entry, PolicyError> {
    let e = Expression::parse_lax(text.trim()).map_err(|source| {
        let guess = crate::normalize::normalize(text);
        let hint = if matches!(&guess, Expression::License(r) if matches!(r.license, LicenseItem::Spdx(_))) {
            format!(" (did you mean {guess}?)")
        } else {
            String::new()
        };
        PolicyError::Parse {
            entry: text.to_string(),
            source,
            hint,
        }
    })?;
    match e {
        Expression::License(r) => Ok(Entry {
            text: r.to_string(),
            term: Term::of(&r),
            class: classify_req(&r),
        }),
        _ => Err(PolicyError::Compound(text.to_string())),
    }
}

#[derive(Debug, Clone)]
struct Exception {
    package: Option<String>,
    path: Option<String>,
    allow: Vec<Entry>,
}

/// A checked policy, ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    allow: Vec<Entry>,
    deny: Vec<Entry>,
    deny_classes: Vec<Class>,
    exceptions: Vec<Exception>,
    unlicensed: bool,
}

/// Why one requirement was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The requirement as written in the package's expression.
    pub requirement: String,
    /// The deny entry or class that matched; `None` when it was only missing from the allow list.
    pub denied_by: Option<String>,
    pub class: Class,
}

impl Policy {
    /// Checks a config: every entry must be one license (with optional `+` and `WITH`).
    pub fn from_config(c: &PolicyConfig) -> Result<Self, PolicyError> {
        let mut exceptions = Vec::new();
        for x in &c.exceptions {
            if x.package.is_none() && x.path.is_none() {
                return Err(PolicyError::EmptyException);
            }
            exceptions.push(Exception {
                package: x.package.clone(),
                path: x.path.clone(),
                allow: x.allow.iter().map(|a| entry(a)).collect::<Result<_, _>>()?,
            });
        }
        Ok(Self {
            allow: c.allow.iter().map(|a| entry(a)).collect::<Result<_, _>>()?,
            deny: c.deny.iter().map(|a| entry(a)).collect::<Result<_, _>>()?,
            deny_classes: c.deny_classes.clone(),
            exceptions,
            unlicensed: c.unlicensed,
        })
    }

    /// Whether the policy can produce findings at all (no lists, no classes, no unlicensed check = nothing to do).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty()
            && self.deny.is_empty()
            && self.deny_classes.is_empty()
            && !self.unlicensed
    }

    fn denied_by(&self, t: &Term, class: Class) -> Option<String> {
        if let Some(d) = self.deny.iter().find(|d| d.term.covers(t)) {
            return Some(d.text.clone());
        }
        if self.deny_classes.contains(&class) {
            return Some(format!("class {class}"));
        }
        None
    }

    fn check_req(&self, r: &LicenseReq, extra: &[&Entry]) -> Result<(), Rejection> {
        let t = Term::of(r);
        let class = classify_req(r);
        if extra.iter().any(|a| a.term.intersect(&t).is_some()) {
            return Ok(());
        }
        let denied = self.denied_by(&t, class);
        let reject = |denied_by| Rejection {
            requirement: r.to_string(),
            denied_by,
            class,
        };
        if self.allow.is_empty() {
            return match denied {
                Some(d) => Err(reject(Some(d))),
                None => Ok(()),
            };
        }
        let mut candidates = self
            .allow
            .iter()
            .filter_map(|a| a.term.intersect(&t).map(|i| (a, i)))
            .peekable();
        if candidates.peek().is_none() {
            return Err(reject(denied));
        }
        let mut first_denial = None;
        for (a, i) in candidates {
            match self.denied_by(&i, a.class.min(class)) {
                None => return Ok(()),
                Some(d) => first_denial = first_denial.or(Some(d)),
            }
        }
        Err(reject(first_denial))
    }

    fn check(&self, e: &Expression, extra: &[&Entry]) -> Result<(), Vec<Rejection>> {
        match e {
            Expression::License(r) => self.check_req(r, extra).map_err(|x| vec![x]),
            Expression::Or(v) => {
                let mut all = Vec::new();
                for x in v {
                    match self.check(x, extra) {
                        Ok(()) => return Ok(()),
                        Err(r) => all.extend(r),
                    }
                }
                Err(all)
            }
            Expression::And(v) => {
                let all: Vec<Rejection> = v
                    .iter()
                    .filter_map(|x| self.check(x, extra).err())
                    .flatten()
                    .collect();
                if all.is_empty() { Ok(()) } else { Err(all) }
            }
        }
    }

    /// Checks one expression without exceptions: `Err` lists the rejected requirements.
    pub fn check_expression(&self, e: &Expression) -> Result<(), Vec<Rejection>> {
        self.check(e, &[])
    }

    /// The exceptions that match a package: `None` when one exempts it entirely.
    fn exception_allows(&self, p: &Package) -> Option<Vec<&Entry>> {
        let mut extra = Vec::new();
        for x in &self.exceptions {
            let pkg_ok = x.package.as_deref().is_none_or(|g| {
                if g.starts_with("pkg:") {
                    crate::glob::matches(g, &p.purl, true)
                } else {
                    crate::glob::matches(g, &p.name, true)
                }
            });
            let path_ok = x.path.as_deref().is_none_or(|g| {
                p.found_in.as_deref().is_some_and(|f| {
                    crate::glob::matches(
                        g.trim_start_matches('/'),
                        f.trim_start_matches('/'),
                        false,
                    )
                })
            });
            if pkg_ok && path_ok {
                if x.allow.is_empty() {
                    return None;
                }
                extra.extend(x.allow.iter());
            }
        }
        Some(extra)
    }
}

/// The SPDX expression of a package: its `license_expression` when set and valid, else its declared
/// `licenses` normalized and joined with `AND`.
#[must_use]
pub fn package_expression(p: &Package) -> Option<Expression> {
    p.license_expression
        .as_deref()
        .and_then(|e| Expression::parse(e).ok())
        .or_else(|| crate::normalize::normalize_all(&p.licenses))
}

/// Sets `license_expression` on every package that has declared licenses but no expression yet.
pub fn annotate(packages: &mut [Package]) {
    for p in packages {
        if p.license_expression.is_none() {
            p.license_expression =
                crate::normalize::normalize_all(&p.licenses).map(|e| e.to_string());
        }
    }
}

/// The severity of a license finding whose most demanding rejected license is of class `c`.
#[must_use]
pub fn severity(c: Class) -> Severity {
    match c {
        Class::NetworkCopyleft => Severity::Critical,
        Class::StrongCopyleft | Class::Proprietary => Severity::High,
        Class::WeakCopyleft => Severity::Medium,
        Class::Permissive => Severity::Low,
        Class::Unknown => Severity::Unknown,
    }
}

fn base_finding(
    p: &Package,
    id: &str,
    name: &str,
    severity: Severity,
    title: String,
    message: String,
) -> Finding {
    let mut properties = BTreeMap::new();
    properties.insert("packageName".into(), p.name.clone().into());
    properties.insert("packageVersion".into(), p.version.clone().into());
    properties.insert("packageType".into(), p.package_type.as_str().into());
    properties.insert("purl".into(), p.purl.clone().into());
    Finding {
        kind: FindingKind::License,
        id: id.to_owned().into(),
        name: Some(name.to_owned().into()),
        severity,
        title: title.into(),
        message: message.into(),
        location: Location {
            path: p.found_in.clone().map(Into::into),
            layer: p.layer.clone().map(Box::new),
            ..Location::default()
        },
        evidence: None,
        references: Vec::new(),
        shared_properties: None,
        properties,
    }
}

/// Evaluates every package against the policy. One finding per failing package:
/// [`DENIED_ID`] (`denied-license`) when a deny entry or class is the reason, [`NOT_ALLOWED_ID`]
/// (`license-not-allowed`) when the allow list is, [`UNLICENSED_ID`] (`unlicensed-package`) for packages
/// without license information when the policy asks. Severity follows the most demanding class rejected:
/// network copyleft CRITICAL, strong copyleft and proprietary HIGH, weak copyleft MEDIUM, permissive LOW,
/// unknown UNKNOWN.
#[must_use]
pub fn evaluate(packages: &[Package], policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    if policy.is_empty() {
        return out;
    }
    for p in packages {
        let Some(extra) = policy.exception_allows(p) else {
            continue;
        };
        let Some(expr) = package_expression(p) else {
            if policy.unlicensed {
                out.push(base_finding(
                    p,
                    UNLICENSED_ID,
                    "unlicensed-package",
                    Severity::Unknown,
                    format!("No license information for {}", p.name),
                    format!(
                        "{} {} ({}) declares no license",
                        p.name, p.version, p.package_type
                    ),
                ));
            }
            continue;
        };
        let Err(rejected) = policy.check(&expr, &extra) else {
            continue;
        };
        let subject = format!("{} {} ({})", p.name, p.version, p.package_type);
        out.push(rejection_finding(
            &subject,
            &expr,
            &rejected,
            |id, name, sev, t, m| base_finding(p, id, name, sev, t, m),
        ));
    }
    out
}

/// The finding for `subject` (a package, or a license file) whose `expr` the policy rejects; `base` builds it
/// with its location and identifying properties.
fn rejection_finding(
    subject: &str,
    expr: &Expression,
    rejected: &[Rejection],
    base: impl FnOnce(&str, &str, Severity, String, String) -> Finding,
) -> Finding {
    let denied: Vec<&Rejection> = rejected.iter().filter(|r| r.denied_by.is_some()).collect();
    let worst = rejected
        .iter()
        .map(|r| severity(r.class))
        .max()
        .unwrap_or_default();
    let list = |rs: &[&Rejection]| {
        rs.iter()
            .map(|r| match &r.denied_by {
                Some(d) if *d != r.requirement => {
                    format!("{} ({}, denied by {d})", r.requirement, r.class)
                }
                _ => format!("{} ({})", r.requirement, r.class),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let requirements = |rs: &[&Rejection]| {
        rs.iter()
            .map(|r| r.requirement.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut f = if denied.is_empty() {
        let all: Vec<&Rejection> = rejected.iter().collect();
        base(
            NOT_ALLOWED_ID,
            "license-not-allowed",
            worst,
            format!("License not allowed: {}", requirements(&all)),
            format!(
                "{subject} is licensed under {expr}; not in the allow list: {}",
                list(&all)
            ),
        )
    } else {
        base(
            DENIED_ID,
            "denied-license",
            worst,
            format!("Denied license: {}", requirements(&denied)),
            format!(
                "{subject} is licensed under {expr}; denied: {}",
                list(&denied)
            ),
        )
    };
    f.evidence = Some(expr.to_string());
    f.properties
        .insert("license".into(), expr.to_string().into());
    f.properties
        .insert("licenseClass".into(), classify(expr).as_str().into());
    f.properties.insert(
        "rejected".into(),
        rejected
            .iter()
            .map(|r| serde_json::Value::from(r.requirement.clone()))
            .collect::<Vec<_>>()
            .into(),
    );
    f
}

/// A license file (`LICENSE`, `COPYING`, …) at `path` whose detected licenses (all of which apply) the policy
/// rejects, as a finding at that path; `None` when the policy accepts them or nothing was detected.
#[must_use]
pub fn evaluate_file(path: &str, licenses: &[String], policy: &Policy) -> Option<Finding> {
    if policy.is_empty() || licenses.is_empty() {
        return None;
    }
    let expr = Expression::parse(&licenses.join(" AND ")).ok()?;
    let rejected = policy.check_expression(&expr).err()?;
    Some(rejection_finding(
        &format!("license file {path}"),
        &expr,
        &rejected,
        |id, name, severity, title, message| Finding {
            kind: FindingKind::License,
            id: id.to_owned().into(),
            name: Some(name.to_owned().into()),
            severity,
            title: title.into(),
            message: message.into(),
            location: Location {
                path: Some(path.to_owned().into()),
                ..Location::default()
            },
            evidence: None,
            references: Vec::new(),
            shared_properties: None,
            properties: BTreeMap::new(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pol(allow: &[&str], deny: &[&str]) -> Policy {
        Policy::from_config(&PolicyConfig {
            allow: allow.iter().map(|s| (*s).to_string()).collect(),
            deny: deny.iter().map(|s| (*s).to_string()).collect(),
            ..PolicyConfig::default()
        })
        .unwrap()
    }

    fn ok(p: &Policy, e: &str) -> bool {
        p.check_expression(&Expression::parse(e).unwrap()).is_ok()
    }

    #[test]
    fn deny_versions() {
        let p = pol(&[], &["GPL-3.0-only"]);
        assert!(!ok(&p, "GPL-3.0-only"));
        assert!(!ok(&p, "GPL-3.0"));
        assert!(ok(&p, "GPL-3.0-or-later"));
        assert!(ok(&p, "GPL-2.0-or-later"));
        assert!(!ok(&p, "GPL-3.0-only WITH GCC-exception-3.1"));
        assert!(ok(&p, "MIT OR GPL-3.0-only"));
        assert!(!ok(&p, "MIT AND GPL-3.0-only"));
        let p = pol(&[], &["GPL-3.0-or-later"]);
        assert!(!ok(&p, "GPL-3.0-only"));
        assert!(!ok(&p, "GPL-3.0+"));
        assert!(ok(&p, "GPL-2.0-or-later"));
        assert!(ok(&p, "LGPL-3.0-only"));
        let p = pol(&[], &["GPL-2.0+"]);
        assert!(!ok(&p, "GPL-3.0-only"));
        assert!(!ok(&p, "GPL-2.0-or-later"));
        let p = pol(&[], &["GPL-3.0-only WITH GCC-exception-3.1"]);
        assert!(ok(&p, "GPL-3.0-only"));
        assert!(!ok(&p, "GPL-3.0-only WITH GCC-exception-3.1"));
        let p = pol(&[], &["LicenseRef-proprietary"]);
        assert!(!ok(&p, "LicenseRef-proprietary"));
        assert!(ok(&p, "Apache-2.0+"));
    }

    #[test]
    fn allow_versions() {
        let p = pol(&["MIT", "GPL-3.0-only"], &[]);
        assert!(ok(&p, "MIT OR GPL-2.0-only"));
        assert!(!ok(&p, "GPL-2.0-only"));
        assert!(ok(&p, "GPL-2.0-or-later"));
        assert!(!ok(&p, "Apache-2.0"));
        assert!(ok(&p, "MIT AND (Apache-2.0 OR GPL-3.0-or-later)"));
        assert!(!ok(&p, "MIT AND (Apache-2.0 OR GPL-2.0-only)"));
        let p = pol(&["GPL-2.0-or-later"], &["GPL-3.0-or-later"]);
        assert!(ok(&p, "GPL-2.0-only"));
        assert!(ok(&p, "GPL-2.0-or-later"));
        assert!(!ok(&p, "GPL-3.0-only"));
        let p = pol(&["Apache-2.0"], &[]);
        assert!(ok(&p, "Apache-1.1+"));
        assert!(!ok(&p, "Apache-1.1"));
    }

    #[test]
    fn config_errors() {
        assert!(matches!(
            Policy::from_config(&PolicyConfig {
                deny: vec!["MIT OR ISC".into()],
                ..PolicyConfig::default()
            }),
            Err(PolicyError::Compound(_))
        ));
        let e = Policy::from_config(&PolicyConfig {
            deny: vec!["GPLv3".into()],
            ..PolicyConfig::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("did you mean GPL-3.0-only?"), "{e}");
    }

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn findings_and_exceptions() {
        let mut a = Package::new(bulwark_types::PackageType::Npm, "left-pad", "1.0.0");
        a.licenses = vec!["GPL-3.0".into()];
        a.purl = "pkg:npm/left-pad@1.0.0".into();
        a.found_in = Some("/app/node_modules/left-pad/package.json".into());
        let mut b = a.clone();
        b.name = "ok".into();
        b.licenses = vec!["MIT OR GPL-3.0-only".into()];
        let mut c = a.clone();
        c.name = "agpl".into();
        c.licenses = vec!["AGPL-3.0-or-later".into()];
        let mut d = a.clone();
        d.name = "none".into();
        d.licenses.clear();
        let pkgs = vec![a.clone(), b, c, d];
        let config = PolicyConfig {
            deny: vec!["GPL-3.0-only".into()],
            deny_classes: vec![Class::NetworkCopyleft],
            unlicensed: true,
            ..PolicyConfig::default()
        };
        let f = evaluate(&pkgs, &Policy::from_config(&config).unwrap());
        let got: Vec<(&str, &str, Severity)> = f
            .iter()
            .map(|f| {
                (
                    f.properties["packageName"].as_str().unwrap(),
                    f.id.as_ref(),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("left-pad", DENIED_ID, Severity::High),
                ("agpl", DENIED_ID, Severity::Critical),
                ("none", UNLICENSED_ID, Severity::Unknown),
            ]
        );
        assert!(f[0].message.contains("left-pad 1.0.0 (npm) is licensed under GPL-3.0-only; denied: GPL-3.0-only (strong-copyleft)"), "{}", f[0].message);
        assert_eq!(
            f[0].location.path.as_deref(),
            Some("/app/node_modules/left-pad/package.json")
        );

        let mut with_exc = config.clone();
        with_exc.exceptions = vec![
            ExceptionConfig {
                package: Some("left-*".into()),
                allow: vec!["GPL-3.0-only".into()],
                ..ExceptionConfig::default()
            },
            ExceptionConfig {
                path: Some("/app/**".into()),
                package: Some("pkg:npm/agpl@*".into()),
                ..ExceptionConfig::default()
            },
        ];
        let mut c2 = a.clone();
        c2.name = "agpl".into();
        c2.purl = "pkg:npm/agpl@1".into();
        c2.licenses = vec!["AGPL-3.0-or-later".into()];
        let f = evaluate(&[a, c2], &Policy::from_config(&with_exc).unwrap());
        assert!(f.is_empty(), "{f:?}");

        let allow = Policy::from_config(&PolicyConfig {
            allow: vec!["MIT".into()],
            ..PolicyConfig::default()
        })
        .unwrap();
        let mut e = Package::new(bulwark_types::PackageType::Cargo, "x", "1");
        e.licenses = vec!["Apache-2.0".into()];
        let f = evaluate(&[e], &allow);
        assert_eq!(f[0].id, NOT_ALLOWED_ID);
        assert_eq!(f[0].severity, Severity::Low);
    }
}
