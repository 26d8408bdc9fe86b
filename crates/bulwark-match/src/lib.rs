//! Vulnerability matching: packages + distro + DB → findings.
//!
//! The rules (they are the product; see `docs`/vulnerability-data.md):
//! - OS packages (dpkg, apk, rpm) are matched only against **their own distro release's** advisories
//!   (`debian:12`, `alpine:3.14`, `almalinux:9`), by source package name (binary name too for rpm, whose
//!   errata list binary packages), with the distro's version scheme.
//! - Language packages are matched only against OSV advisories of their ecosystem
//!   ([`PackageType::osv_ecosystem`]), with that ecosystem's version rules (`bulwark_version::osv`).
//! - Every rule carries its version scheme; a rule whose scheme is not the package's is never evaluated, so
//!   nothing matches across ecosystems.
//! - Severity: the vendor's rating first, then a CVSS vector in the advisory, then NVD; `severitySource` says
//!   which. NVD CVSS, EPSS and KEV are joined by CVE id (including aliases) and never create a match.
//!
//! ```no_run
//! use bulwark_match::{MatchOptions, match_packages};
//! use bulwark_types::{Package, PackageType};
//! let db = bulwark_vulndb::VulnDb::open(&bulwark_vulndb::default_db_path())?;
//! let pkgs = vec![Package::new(PackageType::Python, "requests", "2.19.0")];
//! let result = match_packages(&db, &pkgs, None, &MatchOptions::default())?;
//! for f in &result.findings {
//!     println!("{} {} {}", f.id, f.severity, f.properties["packageName"]);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use bulwark_types::{
    Diagnostic, Distro, Finding, FindingKind, Location, Package, PackageType, Severity,
};
use bulwark_version::osv::{EventKind, RangeType};
use bulwark_version::{Scheme, Version};
use bulwark_vulndb::{AffectedRecord, Enrichment, Status, Vuln, VulnDb};
use serde::Serialize;
use serde_json::{Value, json};

/// What can stop matching: only the DB (a corrupt page found mid-scan).
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Db(#[from] bulwark_vulndb::Error),
}

/// Options of [`match_packages`].
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// Advisory ids or aliases to explain (`--explain CVE-2024-3651`): every rule with that id is reported in
    /// [`MatchResult::explanations`], matched or not.
    pub explain: Vec<String>,
    /// Warn when the DB is older than this ([`bulwark_vulndb::DEFAULT_WARN_AGE`] by default).
    pub warn_age: Duration,
    /// "Now", for the age check.
    pub now: SystemTime,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            explain: Vec::new(),
            warn_age: bulwark_vulndb::DEFAULT_WARN_AGE,
            now: SystemTime::now(),
        }
    }
}

/// Why one package matched one advisory or did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub advisory: String,
    pub aliases: Vec<String>,
    pub package: String,
    pub package_type: PackageType,
    pub installed: String,
    /// The version that was compared (the source version for dpkg).
    pub compared: String,
    pub namespace: String,
    pub data_source: String,
    pub affected: bool,
    /// The rule and the comparison, in one line.
    pub reason: String,
}

/// Counters for the report and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchStats {
    pub packages: usize,
    /// Packages looked up in the DB.
    pub looked_up: usize,
    /// Rules evaluated.
    pub rules: usize,
    /// OS packages not matched (unknown distro or release missing from the DB).
    pub os_skipped: usize,
}

/// What [`match_packages`] found.
#[derive(Debug, Clone, Default)]
pub struct MatchResult {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub explanations: Vec<Explanation>,
    pub stats: MatchStats,
}

fn os_scheme(t: PackageType) -> Option<Scheme> {
    match t {
        PackageType::Dpkg => Some(Scheme::Dpkg),
        PackageType::Apk => Some(Scheme::Apk),
        PackageType::Rpm => Some(Scheme::Rpm),
        _ => None,
    }
}

/// An advisory as one origin wrote it (`None`: not in the DB).
type OriginVuln = (String, Option<Rc<Vuln>>);

/// Per-scan caches: one lookup per advisory and per CVE, however many binary packages share a source.
struct Cache<'a> {
    db: &'a VulnDb,
    /// By advisory id; one id can come from several origins (rare), hence the list.
    vulns: HashMap<String, Vec<OriginVuln>>,
    enrich: HashMap<String, Option<Rc<Enrichment>>>,
    /// By (namespace, package name): binary packages built from one source package share their rules.
    affected: HashMap<(String, String), Rc<Vec<AffectedRecord>>>,
}

impl Cache<'_> {
    fn affected(
        &mut self,
        namespace: &str,
        name: &str,
    ) -> Result<Rc<Vec<AffectedRecord>>, MatchError> {
        let key = (namespace.to_owned(), name.to_owned());
        if let Some(r) = self.affected.get(&key) {
            return Ok(r.clone());
        }
        let r = Rc::new(self.db.affected(namespace, name)?);
        self.affected.insert(key, r.clone());
        Ok(r)
    }

    fn vuln(&mut self, id: &str, origin: &str) -> Result<Option<Rc<Vuln>>, MatchError> {
        if let Some(list) = self.vulns.get(id)
            && let Some((_, v)) = list.iter().find(|(o, _)| o == origin)
        {
            return Ok(v.clone());
        }
        let v = self.db.vuln(id, origin)?.map(Rc::new);
        self.vulns
            .entry(id.to_owned())
            .or_default()
            .push((origin.to_owned(), v.clone()));
        Ok(v)
    }

    fn enrichment(&mut self, cve: &str) -> Result<Option<Rc<Enrichment>>, MatchError> {
        if let Some(e) = self.enrich.get(cve) {
            return Ok(e.clone());
        }
        let e = self.db.enrichment(cve)?.map(Rc::new);
        self.enrich.insert(cve.to_owned(), e.clone());
        Ok(e)
    }
}

/// The verdict of one rule.
struct Verdict {
    affected: bool,
    reason: String,
    fixed: Option<String>,
}

/// The installed version parsed once per package and scheme (rules of one package share it).
#[derive(Default)]
struct Parsed(Vec<(Scheme, Option<Version>)>);

impl Parsed {
    fn get(&mut self, scheme: Scheme, installed: &str) -> Option<&Version> {
        let i = if let Some(i) = self.0.iter().position(|(s, _)| *s == scheme) {
            i
        } else {
            self.0
                .push((scheme, Version::parse(scheme, installed).ok()));
            self.0.len() - 1
        };
        self.0[i].1.as_ref()
    }
}

/// The most common OSV rule, `introduced: 0` then `fixed: X` in one range with no listed versions, decided by
/// one comparison with the pre-parsed installed version. `None`: not that shape (or something does not parse),
/// so the full `bulwark_version::osv::evaluate` decides.
fn fast_verdict(rule: &AffectedRecord, installed: &str, parsed: &mut Parsed) -> Option<Verdict> {
    let ranges = rule.ranges.as_ref()?;
    let [range] = ranges.ranges.as_slice() else {
        return None;
    };
    if !ranges.versions.is_empty() {
        return None;
    }
    let [first, second] = range.events.as_slice() else {
        return None;
    };
    if first.kind_and_version()? != (EventKind::Introduced, "0") {
        return None;
    }
    let (EventKind::Fixed, fixed) = second.kind_and_version()? else {
        return None;
    };
    // The same scheme choice as `bulwark_version::osv::evaluate`.
    let scheme = match range.kind {
        RangeType::Ecosystem => rule.scheme,
        RangeType::Semver if rule.scheme == Scheme::Go => Scheme::Go,
        RangeType::Semver => Scheme::Semver,
        _ => return None,
    };
    let fixed_version = Version::parse(scheme, fixed).ok()?;
    let installed_version = parsed.get(scheme, installed)?;
    let affected = installed_version.try_cmp(&fixed_version).ok()? == Ordering::Less;
    Some(Verdict {
        affected,
        reason: String::new(),
        fixed: affected.then(|| fixed.to_owned()),
    })
}

fn evaluate(rule: &AffectedRecord, installed: &str, explain: bool) -> Result<Verdict, String> {
    let scheme = rule.scheme;
    if let Some(ranges) = &rule.ranges {
        let v =
            bulwark_version::osv::evaluate(ranges, scheme, installed).map_err(|e| e.to_string())?;
        let fixed = if v.affected {
            next_fixed(rule, installed)
        } else {
            None
        };
        return Ok(Verdict {
            affected: v.affected,
            // Formatting the explanation costs more than the comparison: only when asked.
            reason: if explain {
                v.explanation.to_string()
            } else {
                String::new()
            },
            fixed,
        });
    }
    match (rule.status, &rule.fixed) {
        (Status::Fixed, Some(fixed)) => {
            let ord =
                bulwark_version::compare(scheme, installed, fixed).map_err(|e| e.to_string())?;
            let affected = ord == Ordering::Less;
            let op = match ord {
                Ordering::Less => "<",
                Ordering::Equal => "=",
                Ordering::Greater => ">",
            };
            Ok(Verdict {
                affected,
                reason: if explain {
                    format!(
                        "{installed} ({scheme}) is {}: {installed} {op} fixed {fixed}",
                        if affected { "affected" } else { "not affected" }
                    )
                } else {
                    String::new()
                },
                fixed: Some(fixed.clone()),
            })
        }
        (status, _) => Ok(Verdict {
            affected: true,
            reason: format!(
                "{installed} ({scheme}) is affected: no fixed version, status {}",
                status.as_str()
            ),
            fixed: None,
        }),
    }
}

/// The lowest `fixed` event above the installed version among the ranges (the upgrade target).
fn next_fixed(rule: &AffectedRecord, installed: &str) -> Option<String> {
    let ranges = rule.ranges.as_ref()?;
    let mut best: Option<(Version, String)> = None;
    for r in &ranges.ranges {
        let scheme = match r.kind {
            RangeType::Ecosystem => rule.scheme,
            RangeType::Semver if rule.scheme == Scheme::Go => Scheme::Go,
            RangeType::Semver => Scheme::Semver,
            _ => continue,
        };
        let Ok(inst) = Version::parse(scheme, installed) else {
            continue;
        };
        for e in &r.events {
            if let Some((EventKind::Fixed, v)) = e.kind_and_version()
                && let Ok(fv) = Version::parse(scheme, v)
                && inst.try_cmp(&fv) == Ok(Ordering::Less)
                && best
                    .as_ref()
                    .is_none_or(|(b, _)| fv.try_cmp(b) == Ok(Ordering::Less))
            {
                best = Some((fv, v.to_owned()));
            }
        }
    }
    best.map(|(_, s)| s).or_else(|| rule.fixed.clone())
}

fn data_source(rule: &AffectedRecord) -> String {
    match rule.origin.as_str() {
        "debian" => "debian-security-tracker".into(),
        "alpine" => format!("alpine-secdb:{}", rule.namespace),
        other => format!("{other}:{}", rule.namespace),
    }
}

/// A score for a CVSS vector: the feed's own, else computed by `bulwark-cvss`.
fn score_of(c: &bulwark_vulndb::Cvss) -> Option<(f64, Severity)> {
    if let Some(s) = c.score {
        return Some((s, bulwark_vulndb::model::severity_from_score(s)));
    }
    let parsed = bulwark_cvss::parse(&c.vector).ok()?;
    Some((parsed.score(), parsed.severity()))
}

/// The advisory's best CVSS: v3.1, then v4.0, v3.0, v2.
fn advisory_cvss(v: &Vuln) -> Option<(&bulwark_vulndb::Cvss, f64, Severity)> {
    let rank = |c: &bulwark_vulndb::Cvss| match c.version.as_str() {
        "3.1" => 0,
        "4.0" => 1,
        "3.0" => 2,
        _ => 3,
    };
    let mut all: Vec<&bulwark_vulndb::Cvss> = v.cvss.iter().collect();
    all.sort_by_key(|c| rank(c));
    all.into_iter()
        .find_map(|c| score_of(c).map(|(s, sev)| (c, s, sev)))
}

/// What one slice of the packages gave; [`match_packages`] merges the slices in order.
#[derive(Default)]
struct Part {
    /// With the index of the package in the caller's list, to restore its order after parallel slices.
    findings: Vec<(usize, Finding)>,
    diagnostics: Vec<Diagnostic>,
    explanations: Vec<Explanation>,
    stats: MatchStats,
    missing_ecosystems: BTreeMap<&'static str, usize>,
    version_errors: usize,
    /// The first 20 failed version comparisons.
    version_warnings: Vec<Diagnostic>,
}

/// What every slice shares.
struct Context<'a> {
    /// The distro release's namespace, when the DB has advisories for it.
    os_namespace: Option<&'a str>,
    explain: &'a HashSet<&'a str>,
}

fn match_slice(
    db: &VulnDb,
    packages: &[(usize, &Package)],
    ctx: &Context<'_>,
) -> Result<Part, MatchError> {
    let mut cache = Cache {
        db,
        vulns: HashMap::new(),
        enrich: HashMap::new(),
        affected: HashMap::new(),
    };
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    let mut ecosystems: HashMap<&'static str, bool> = HashMap::new();
    let mut out = Part::default();
    let explain = ctx.explain;

    for &(index, pkg) in packages {
        let (scheme, namespace, names, compared) = if let Some(scheme) = os_scheme(pkg.package_type)
        {
            let Some(ns) = ctx.os_namespace else {
                out.stats.os_skipped += 1;
                continue;
            };
            let mut names = vec![pkg.source_or_name().to_owned()];
            if pkg.package_type == PackageType::Rpm && pkg.name != names[0] {
                // RPM errata (ALSA, RLSA) list binary packages.
                names.insert(0, pkg.name.clone());
            }
            let compared = match pkg.package_type {
                PackageType::Dpkg => pkg
                    .source_version
                    .clone()
                    .unwrap_or_else(|| pkg.version.clone()),
                _ => pkg.version.clone(),
            };
            (scheme, ns.to_owned(), names, compared)
        } else {
            let Some(eco) = pkg.package_type.osv_ecosystem() else {
                continue;
            };
            let Some(scheme) = Scheme::for_osv_ecosystem(eco) else {
                continue;
            };
            let known = if let Some(k) = ecosystems.get(eco) {
                *k
            } else {
                let k = db.has_namespace(eco)?;
                ecosystems.insert(eco, k);
                k
            };
            if !known {
                *out.missing_ecosystems.entry(eco).or_default() += 1;
                continue;
            }
            (
                scheme,
                eco.to_owned(),
                vec![bulwark_vulndb::normalize_name(eco, &pkg.name)],
                pkg.version.clone(),
            )
        };
        out.stats.looked_up += 1;
        let mut parsed = Parsed::default();
        for name in &names {
            let rules = cache.affected(&namespace, name)?;
            for rule in rules.iter() {
                // The cross-ecosystem guard: a rule is only ever evaluated with the package's own scheme.
                if rule.scheme != scheme || rule.namespace != namespace {
                    continue;
                }
                out.stats.rules += 1;
                let fast = if explain.is_empty() {
                    fast_verdict(rule, &compared, &mut parsed)
                } else {
                    None
                };
                let verdict =
                    match fast.map_or_else(|| evaluate(rule, &compared, !explain.is_empty()), Ok) {
                        Ok(v) => v,
                        Err(e) => {
                            out.version_errors += 1;
                            if out.version_errors <= 20 {
                                out.version_warnings.push(Diagnostic::warning(
                                    format!(
                                        "{} {}: cannot check {} ({e})",
                                        pkg.name, pkg.version, rule.vuln_id
                                    ),
                                    location(pkg),
                                ));
                            }
                            continue;
                        }
                    };
                let vuln = cache.vuln(&rule.vuln_id, &rule.origin)?;
                if !explain.is_empty() {
                    let aliases = vuln.as_ref().map(|v| v.aliases.clone()).unwrap_or_default();
                    if explain.contains(rule.vuln_id.as_str())
                        || aliases.iter().any(|a| explain.contains(a.as_str()))
                    {
                        out.explanations.push(Explanation {
                            advisory: rule.vuln_id.clone(),
                            aliases,
                            package: pkg.name.clone(),
                            package_type: pkg.package_type,
                            installed: pkg.version.clone(),
                            compared: compared.clone(),
                            namespace: namespace.clone(),
                            data_source: data_source(rule),
                            affected: verdict.affected,
                            reason: format!(
                                "{} rule for {name} in {namespace}: {}",
                                data_source(rule),
                                verdict.reason
                            ),
                        });
                    }
                }
                if !verdict.affected || !seen.insert((rule.vuln_id.clone(), index)) {
                    continue;
                }
                out.findings.push((
                    index,
                    finding(&mut cache, pkg, rule, vuln.as_deref(), &verdict, &compared)?,
                ));
            }
        }
    }
    Ok(out)
}

/// Below this many packages per thread, matching stays on one thread.
const PARALLEL_MIN_PACKAGES: usize = 1000;

/// Matches `packages` against `db`. `distro` is the scanned system's (from os-release); without it OS
/// packages are not matched, and a diagnostic says so once.
pub fn match_packages(
    db: &VulnDb,
    packages: &[Package],
    distro: Option<&Distro>,
    opts: &MatchOptions,
) -> Result<MatchResult, MatchError> {
    let mut out = MatchResult::default();
    out.stats.packages = packages.len();
    let age = db.meta().age(opts.now);
    if age > opts.warn_age {
        out.diagnostics.push(Diagnostic::warning(
            format!(
                "the vulnerability database is {} days old (built {}); run `bulwark db update`",
                age.as_secs() / 86400,
                bulwark_vulndb::time::rfc3339(db.meta().built_at)
            ),
            Location::file(db.path().display().to_string()),
        ));
    }
    let os_namespace = distro.and_then(bulwark_vulndb::distro_namespace);
    let os_known = match &os_namespace {
        Some(ns) => db.has_namespace(ns)?,
        None => false,
    };
    let explain: HashSet<&str> = opts.explain.iter().map(String::as_str).collect();
    let ctx = Context {
        os_namespace: os_namespace.as_deref().filter(|_| os_known),
        explain: &explain,
    };
    // Large inputs are matched in parallel slices, each on its own read-only connection (a connection is
    // not shared between threads); `--explain` output stays in one ordered pass.
    let slices = if explain.is_empty() {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(packages.len() / PARALLEL_MIN_PACKAGES)
            .max(1)
    } else {
        1
    };
    let parts: Vec<Part> = if slices > 1 {
        // Slices by source package, so that binary packages of one source (whose rules and advisories are
        // looked up and decoded once per slice) land in the same slice.
        let mut sliced: Vec<Vec<(usize, &Package)>> = vec![Vec::new(); slices];
        for (i, p) in packages.iter().enumerate() {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(p.source_or_name(), &mut h);
            let k = usize::try_from(std::hash::Hasher::finish(&h) % slices as u64).unwrap_or(0);
            sliced[k].push((i, p));
        }
        let path = db.path().to_path_buf();
        std::thread::scope(|scope| {
            let handles: Vec<_> = sliced[1..]
                .iter()
                .map(|slice| {
                    let (ctx, path) = (&ctx, &path);
                    scope.spawn(move || match_slice(&VulnDb::open(path)?, slice, ctx))
                })
                .collect();
            let first = match_slice(db, &sliced[0], &ctx);
            std::iter::once(first)
                .chain(handles.into_iter().map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                }))
                .collect::<Result<Vec<_>, _>>()
        })?
    } else {
        let all: Vec<(usize, &Package)> = packages.iter().enumerate().collect();
        vec![match_slice(db, &all, &ctx)?]
    };
    let mut missing_ecosystems: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut version_errors = 0usize;
    let mut findings: Vec<(usize, Finding)> = Vec::new();
    for part in parts {
        findings.extend(part.findings);
        out.diagnostics.extend(part.diagnostics);
        // Each slice keeps its first 20 version warnings; the report keeps the first 20 overall.
        let room = 20usize.saturating_sub(version_errors);
        out.diagnostics
            .extend(part.version_warnings.into_iter().take(room));
        out.explanations.extend(part.explanations);
        out.stats.looked_up += part.stats.looked_up;
        out.stats.rules += part.stats.rules;
        out.stats.os_skipped += part.stats.os_skipped;
        for (eco, n) in part.missing_ecosystems {
            *missing_ecosystems.entry(eco).or_default() += n;
        }
        version_errors += part.version_errors;
    }
    // Package order, and within a package the order its rules were evaluated in (the sort is stable).
    findings.sort_by_key(|(i, _)| *i);
    out.findings.extend(findings.into_iter().map(|(_, f)| f));

    if out.stats.os_skipped > 0 {
        let message = match (distro, &os_namespace) {
            (None, _) => format!(
                "the distro is unknown (no os-release); {} OS packages were not matched against vulnerabilities",
                out.stats.os_skipped
            ),
            (Some(d), None) => format!(
                "distro {} {} is not supported; {} OS packages were not matched against vulnerabilities",
                d.id,
                d.version_id.as_deref().unwrap_or("(no VERSION_ID)"),
                out.stats.os_skipped
            ),
            (Some(_), Some(ns)) => format!(
                "the vulnerability database has no advisories for {ns} (unknown or unsupported release, or a DB built without its feed); {} OS packages were not matched",
                out.stats.os_skipped
            ),
        };
        out.diagnostics.push(Diagnostic::warning(
            message,
            Location::file("/etc/os-release"),
        ));
    }
    for (eco, n) in missing_ecosystems {
        out.diagnostics.push(Diagnostic::warning(
            format!("the vulnerability database has no {eco} advisories; {n} {eco} packages were not matched"),
            Location::default(),
        ));
    }
    if version_errors > 20 {
        out.diagnostics.push(Diagnostic::warning(
            format!("{} more version comparisons failed", version_errors - 20),
            Location::default(),
        ));
    }
    for id in &opts.explain {
        if !out
            .explanations
            .iter()
            .any(|e| &e.advisory == id || e.aliases.contains(id))
        {
            let known = db.lookup_id(id)?;
            out.diagnostics.push(Diagnostic::warning(
                if known.is_empty() {
                    format!("--explain {id}: no advisory or alias with this id in the vulnerability database")
                } else {
                    format!(
                        "--explain {id}: the database has it ({}), but none of the scanned packages is named in it for this distro or ecosystem",
                        known
                            .iter()
                            .map(|(i, o)| format!("{i} from {o}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                Location::default(),
            ));
        }
    }
    Ok(out)
}

fn location(pkg: &Package) -> Location {
    Location {
        path: pkg.found_in.clone().map(Into::into),
        layer: pkg.layer.clone().map(Box::new),
        ..Location::default()
    }
}

fn finding(
    cache: &mut Cache<'_>,
    pkg: &Package,
    rule: &AffectedRecord,
    vuln: Option<&Vuln>,
    verdict: &Verdict,
    compared: &str,
) -> Result<Finding, MatchError> {
    // Enrichment, joined by every CVE id the advisory names.
    let mut cves: Vec<&str> = vuln.map(|v| v.cve_ids().collect()).unwrap_or_default();
    if cves.is_empty() && rule.vuln_id.starts_with("CVE-") {
        cves.push(&rule.vuln_id);
    }
    let mut nvd = None;
    let mut epss: Option<(f64, f64)> = None;
    let mut kev = None;
    for cve in cves {
        let Some(e) = cache.enrichment(cve)? else {
            continue;
        };
        if nvd.is_none()
            && let Some(c) = &e.nvd
        {
            nvd = Some((c.clone(), e.nvd_severity));
        }
        if let (Some(s), Some(p)) = (e.epss, e.epss_percentile)
            && epss.is_none_or(|(old, _)| s > old)
        {
            epss = Some((s, p));
        }
        if kev.is_none() {
            kev.clone_from(&e.kev);
        }
    }

    let advisory = vuln.and_then(advisory_cvss);
    let (severity, source) = if let Some(s) = &rule.severity {
        (s.severity, s.source.clone())
    } else if let Some(s) = vuln.and_then(|v| v.severity.as_ref()) {
        (s.severity, s.source.clone())
    } else if let Some((c, _, sev)) = &advisory {
        (*sev, format!("osv:cvss-v{}", c.version))
    } else if let Some((c, sev)) = &nvd {
        (
            sev.or_else(|| score_of(c).map(|(_, s)| s))
                .unwrap_or_default(),
            "nvd".into(),
        )
    } else {
        (Severity::Unknown, "none".into())
    };
    let (cvss_score, cvss_vector) = match (&advisory, &nvd) {
        (Some((c, s, _)), _) => (Some(*s), Some(c.vector.clone())),
        (None, Some((c, _))) => (score_of(c).map(|(s, _)| s), Some(c.vector.clone())),
        (None, None) => (None, None),
    };

    let status = if rule.status == Status::Fixed && verdict.fixed.is_none() {
        Status::Affected
    } else {
        rule.status
    };
    let mut p: BTreeMap<String, Value> = BTreeMap::new();
    p.insert("purl".into(), json!(pkg.purl));
    p.insert("packageName".into(), json!(pkg.name));
    p.insert("packageType".into(), json!(pkg.package_type.as_str()));
    p.insert("installedVersion".into(), json!(pkg.version));
    if compared != pkg.version {
        p.insert("comparedVersion".into(), json!(compared));
    }
    if pkg.package_type.is_os() && pkg.source_or_name() != pkg.name {
        p.insert("sourcePackage".into(), json!(pkg.source_or_name()));
    }
    if let Some(f) = &verdict.fixed {
        p.insert("fixedVersion".into(), json!(f));
    }
    p.insert("status".into(), json!(status.as_str()));
    p.insert("severitySource".into(), json!(source));
    if let Some(s) = cvss_score {
        p.insert("cvssScore".into(), json!(s));
    }
    if let Some(v) = cvss_vector {
        p.insert("cvssVector".into(), json!(v));
    }
    if let Some((s, pct)) = epss {
        p.insert("epss".into(), json!(s));
        p.insert("epssPercentile".into(), json!(pct));
    }
    p.insert("kev".into(), json!(kev.is_some()));
    if let Some(k) = &kev {
        p.insert("kevDateAdded".into(), json!(k.date_added));
        if let Some(d) = &k.due_date {
            p.insert("kevDueDate".into(), json!(d));
        }
        if let Some(r) = &k.ransomware {
            p.insert("kevRansomware".into(), json!(r));
        }
    }
    if let Some(d) = vuln.and_then(|v| v.published.as_deref())
        && !d.is_empty()
    {
        // When the advisory was published: the age risk in context reads (`bulwark-risk`), and what a
        // policy's `daysSincePublishedAtLeast` selects on.
        p.insert("published".into(), json!(d));
    }
    p.insert("dataSource".into(), json!(data_source(rule)));
    p.insert("namespace".into(), json!(rule.namespace));
    if let Some(v) = vuln
        && !v.aliases.is_empty()
    {
        p.insert("aliases".into(), json!(v.aliases));
    }
    let title = vuln
        .map(|v| v.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("{} in {}", rule.vuln_id, pkg.name));
    let message = match (&verdict.fixed, status) {
        (Some(f), _) => format!("{} {} is affected; fixed in {f}", pkg.name, pkg.version),
        (None, s) => format!(
            "{} {} is affected; no fix ({})",
            pkg.name,
            pkg.version,
            s.as_str()
        ),
    };
    Ok(Finding {
        kind: FindingKind::Vulnerability,
        id: rule.vuln_id.clone().into(),
        name: None,
        severity,
        title: title.into(),
        message: message.into(),
        location: location(pkg),
        evidence: None,
        references: vuln.map(|v| v.references.clone()).unwrap_or_default(),
        shared_properties: None,
        properties: p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(scheme: Scheme, kind: &str, fixed: &str) -> AffectedRecord {
        let ranges = serde_json::from_value(json!({
            "ranges": [{"type": kind, "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }))
        .unwrap();
        AffectedRecord {
            namespace: String::new(),
            package: String::new(),
            vuln_id: "X".into(),
            origin: "osv".into(),
            scheme,
            status: Status::Fixed,
            fixed: Some(fixed.into()),
            ranges: Some(ranges),
            severity: None,
        }
    }

    /// The fast path must agree with `bulwark_version::osv::evaluate` everywhere it answers.
    #[test]
    fn fast_path_agrees_with_full_evaluation() {
        let cases = [
            (
                Scheme::Pep440,
                "ECOSYSTEM",
                "2.20.0",
                ["2.19.0", "2.20.0", "2.20.0rc1", "3.0", "0"],
            ),
            (
                Scheme::Semver,
                "SEMVER",
                "4.17.11",
                ["4.17.4", "4.17.11", "4.17.11-beta.1", "5.0.0", "0.0.1"],
            ),
            (
                Scheme::Go,
                "SEMVER",
                "1.2.3",
                [
                    "v1.2.2",
                    "v1.2.3",
                    "1.2.4",
                    "v0.0.0-20200101000000-abcdefabcdef",
                    "v2.0.0+incompatible",
                ],
            ),
            (
                Scheme::Rpm,
                "ECOSYSTEM",
                "1:1.2.0-7.el9_2",
                [
                    "1.2.0-6.el9",
                    "1:1.2.0-6.el9",
                    "2:0.1-1",
                    "1:1.2.0-7.el9_2",
                    "x",
                ],
            ),
            (
                Scheme::Semver,
                "SEMVER",
                "0.6.10",
                ["0.6.9", "0.6.10", "1.0.0", "not-a-version", "0.6.10+build"],
            ),
        ];
        for (scheme, kind, fixed, installed) in cases {
            let r = rule(scheme, kind, fixed);
            for v in installed {
                let fast = fast_verdict(&r, v, &mut Parsed::default());
                let full = evaluate(&r, v, true);
                match (fast, full) {
                    (Some(f), Ok(full)) => {
                        assert_eq!(f.affected, full.affected, "{scheme} {v} vs {fixed}");
                        assert_eq!(f.fixed, full.fixed, "{scheme} {v} vs {fixed}");
                    }
                    (None, _) => {}
                    (Some(f), Err(e)) => {
                        panic!("fast answered {} where full failed: {e}", f.affected)
                    }
                }
            }
        }
    }
}
