//! Bulwark lifecycle rules: the YAML shape (`*Def`, deserialised) and the compiled selectors that run over a
//! [`Subject`]. The crate README documents the format with a full example.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Package, Severity};
use serde::Deserialize;

use crate::glob::{Glob, under};
use crate::model::{Action, Hit, Stage};
use crate::subject::{Subject, normalize_reference};
use crate::time::Instant;

// ---------------------------------------------------------------- YAML shape

/// A number or a string in YAML (`version: 1.0`, `ports: [22, "8000-8100/tcp"]`), kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Text(s)),
            serde_json::Value::Number(n) => Ok(Text(n.to_string())),
            serde_json::Value::Bool(b) => Ok(Text(b.to_string())),
            _ => Err(serde::de::Error::custom("expected a string or a number")),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleDef {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) description: String,
    pub(crate) stages: BTreeMap<Stage, Action>,
    #[serde(default)]
    pub(crate) vulnerabilities: Option<VulnDef>,
    #[serde(default)]
    pub(crate) packages: Option<PackagesDef>,
    #[serde(default)]
    pub(crate) licenses: Option<bulwark_license::PolicyConfig>,
    #[serde(default)]
    pub(crate) secrets: Option<FindingsDef>,
    #[serde(default)]
    pub(crate) malware: Option<FindingsDef>,
    #[serde(default)]
    pub(crate) checks: Option<FindingsDef>,
    #[serde(default)]
    pub(crate) kubernetes: Option<FindingsDef>,
    /// Passive DAST alerts (`bulwark dast`: `ZAP-<alertRef>`).
    #[serde(default)]
    pub(crate) dast: Option<FindingsDef>,
    #[serde(default)]
    pub(crate) image: Option<ImageDef>,
    #[serde(default)]
    pub(crate) files: Option<FilesDef>,
    #[serde(default)]
    pub(crate) signatures: Option<SignaturesDef>,
    #[serde(default)]
    pub(crate) database: Option<DatabaseDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VulnDef {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    severities: Vec<Severity>,
    #[serde(default)]
    min_severity: Option<Severity>,
    #[serde(default)]
    cvss_at_least: Option<f64>,
    #[serde(default)]
    epss_at_least: Option<f64>,
    #[serde(default)]
    epss_percentile_at_least: Option<f64>,
    #[serde(default)]
    kev: Option<bool>,
    /// The finding's contextual risk (`risk` property, 0–10, set by `bulwark-risk`) is at least this.
    #[serde(default)]
    risk_at_least: Option<f64>,
    /// The finding's SSVC decision (`ssvc` property: track, track*, attend, act) is one of these.
    #[serde(default)]
    ssvc: Vec<String>,
    #[serde(default)]
    fix_available: Option<bool>,
    #[serde(default)]
    days_since_fix_at_least: Option<i64>,
    #[serde(default)]
    days_since_published_at_least: Option<i64>,
    #[serde(default)]
    package_types: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    statuses: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PackageMatchDef {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    versions: Option<Text>,
    #[serde(default)]
    types: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PackagesDef {
    #[serde(default)]
    deny: Vec<PackageMatchDef>,
    #[serde(default)]
    require: Vec<PackageMatchDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FindingsDef {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    min_severity: Option<Severity>,
    #[serde(default)]
    paths: Vec<String>,
    /// `cis:5.2.*`, `nsa:*`, `pss:restricted`, `pss:<control>` (Kubernetes findings).
    #[serde(default)]
    controls: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PortsDef {
    #[serde(default)]
    allow: Vec<Text>,
    #[serde(default)]
    deny: Vec<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BaseImageDef {
    #[serde(default)]
    allow: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageDef {
    #[serde(default)]
    non_root_user: Option<bool>,
    #[serde(default)]
    exposed_ports: Option<PortsDef>,
    #[serde(default)]
    required_labels: BTreeMap<String, String>,
    #[serde(default)]
    base_image: Option<BaseImageDef>,
    #[serde(default)]
    max_age_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FilesDef {
    allowed_paths: Vec<String>,
    #[serde(default)]
    base_layers: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequiredSignatureDef {
    kind: String,
    #[serde(default)]
    predicate_type: Option<String>,
    #[serde(default)]
    identity: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignaturesDef {
    required: Vec<RequiredSignatureDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DatabaseDef {
    max_age_days: i64,
}

// ---------------------------------------------------------------- compiled

/// A lifecycle rule, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub stages: BTreeMap<Stage, Action>,
    pub policy_set: String,
    /// Bundle-relative `file:line`.
    pub source: String,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone)]
enum Selector {
    Vulns(Box<VulnSel>),
    Packages(Vec<PackageSel>, Vec<PackageSel>),
    Licenses(Box<bulwark_license::Policy>),
    Findings(FindingClass, FindingsSel),
    Image(Box<ImageSel>),
    Files(Vec<String>, usize),
    Signatures(Vec<SigSel>),
    Database(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FindingClass {
    Secrets,
    Malware,
    Checks,
    Kubernetes,
    Dast,
}

/// The SSVC decisions a `ssvc` selector may list (CISA's outcomes, as `bulwark-risk` names them).
const SSVC_DECISIONS: &[&str] = &["track", "track*", "attend", "act"];

#[derive(Debug, Clone)]
struct VulnSel {
    ids: Vec<Glob>,
    severities: Vec<Severity>,
    min_severity: Option<Severity>,
    cvss: Option<f64>,
    epss: Option<f64>,
    epss_pct: Option<f64>,
    kev: Option<bool>,
    risk: Option<f64>,
    ssvc: Vec<String>,
    fix_available: Option<bool>,
    days_since_fix: Option<i64>,
    days_since_published: Option<i64>,
    package_types: Vec<String>,
    paths: Vec<Glob>,
    statuses: Vec<String>,
}

#[derive(Debug, Clone)]
struct PackageSel {
    name: Option<Glob>,
    purl: Option<Glob>,
    versions: Option<Range>,
    types: Vec<String>,
    text: String,
}

#[derive(Debug, Clone)]
struct FindingsSel {
    ids: Vec<Glob>,
    min_severity: Option<Severity>,
    paths: Vec<Glob>,
    controls: Vec<(String, Glob)>,
}

#[derive(Debug, Clone)]
struct ImageSel {
    non_root_user: bool,
    ports_allow: Option<Vec<PortRange>>,
    ports_deny: Vec<PortRange>,
    required_labels: Vec<(String, Glob)>,
    base_allow: Option<Vec<Glob>>,
    max_age_days: Option<i64>,
}

#[derive(Debug, Clone)]
struct SigSel {
    kind: String,
    predicate_type: Option<String>,
    identity: Option<Glob>,
    issuer: Option<Glob>,
}

/// `22`, `8000-8100`, with an optional `/tcp` or `/udp` (no protocol: both).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PortRange {
    lo: u16,
    hi: u16,
    proto: Option<String>,
}

impl PortRange {
    fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid port '{s}' (expected 22, 8000-8100 or 53/udp)");
        let (ports, proto) = match s.trim().split_once('/') {
            Some((p, pr)) => (p, Some(pr.to_ascii_lowercase())),
            None => (s.trim(), None),
        };
        let (lo, hi) = if let Some((a, b)) = ports.split_once('-') {
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)
        } else {
            let p = ports.parse().map_err(|_| bad())?;
            (p, p)
        };
        if lo > hi {
            return Err(bad());
        }
        Ok(Self { lo, hi, proto })
    }

    fn holds(&self, port: u16, proto: &str) -> bool {
        (self.lo..=self.hi).contains(&port) && self.proto.as_deref().is_none_or(|p| p == proto)
    }
}

/// A version range: `||`-separated alternatives of space- or comma-separated comparators
/// (`>=2.0, <2.17.1 || =1.2.3`); a bare version means `=`. Compared in the package's own version scheme.
#[derive(Debug, Clone)]
struct Range {
    alternatives: Vec<Vec<(Op, String)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Range {
    fn parse(s: &str) -> Result<Self, String> {
        let mut alternatives = Vec::new();
        for alt in s.split("||") {
            let mut cmps = Vec::new();
            for part in alt
                .split([',', ' '])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let (op, v) = [
                    (">=", Op::Ge),
                    ("<=", Op::Le),
                    ("!=", Op::Ne),
                    ("==", Op::Eq),
                    (">", Op::Gt),
                    ("<", Op::Lt),
                    ("=", Op::Eq),
                ]
                .iter()
                .find_map(|(p, op)| part.strip_prefix(p).map(|v| (*op, v.trim())))
                .unwrap_or((Op::Eq, part));
                if v.is_empty() {
                    return Err(format!(
                        "invalid version range '{s}': '{part}' has no version"
                    ));
                }
                cmps.push((op, v.to_string()));
            }
            if cmps.is_empty() {
                return Err(format!("invalid version range '{s}': empty alternative"));
            }
            alternatives.push(cmps);
        }
        Ok(Self { alternatives })
    }

    /// `None` when a version does not parse in the scheme.
    fn holds(&self, scheme: bulwark_version::Scheme, version: &str) -> Option<bool> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let mut any = false;
        for alt in &self.alternatives {
            let mut all = true;
            for (op, v) in alt {
                let o = bulwark_version::compare(scheme, version, v).ok()?;
                let ok = match op {
                    Op::Lt => o == Less,
                    Op::Le => o != Greater,
                    Op::Gt => o == Greater,
                    Op::Ge => o != Less,
                    Op::Eq => o == Equal,
                    Op::Ne => o != Equal,
                };
                all &= ok;
            }
            any |= all;
        }
        Some(any)
    }
}

fn globs(v: &[String], path: bool) -> Vec<Glob> {
    v.iter().map(|s| Glob::new(s, path)).collect()
}

impl RuleDef {
    /// Checks the definition and compiles its selectors; an error is a message for `file:line`.
    pub(crate) fn compile(self, policy_set: &str, source: String) -> Result<Rule, String> {
        if self.id.trim().is_empty() {
            return Err("rule has an empty id".into());
        }
        if self.stages.is_empty() {
            return Err(format!(
                "rule '{}' lists no stages (build, release, deploy, runtime)",
                self.id
            ));
        }
        let mut selectors = Vec::new();
        if let Some(v) = self.vulnerabilities {
            for (name, x) in [
                ("epssAtLeast", v.epss_at_least),
                ("epssPercentileAtLeast", v.epss_percentile_at_least),
            ] {
                if x.is_some_and(|x| !(0.0..=1.0).contains(&x)) {
                    return Err(format!(
                        "rule '{}': {name} must be between 0 and 1",
                        self.id
                    ));
                }
            }
            if v.cvss_at_least.is_some_and(|x| !(0.0..=10.0).contains(&x)) {
                return Err(format!(
                    "rule '{}': cvssAtLeast must be between 0 and 10",
                    self.id
                ));
            }
            if v.risk_at_least.is_some_and(|x| !(0.0..=10.0).contains(&x)) {
                return Err(format!(
                    "rule '{}': riskAtLeast must be between 0 and 10",
                    self.id
                ));
            }
            let ssvc: Vec<String> = v
                .ssvc
                .iter()
                .map(|d| d.trim().to_ascii_lowercase())
                .collect();
            if let Some(bad) = ssvc.iter().find(|d| !SSVC_DECISIONS.contains(&d.as_str())) {
                return Err(format!(
                    "rule '{}': unknown ssvc decision '{bad}' (expected track, track*, attend or act)",
                    self.id
                ));
            }
            selectors.push(Selector::Vulns(Box::new(VulnSel {
                ids: globs(&v.ids, false),
                severities: v.severities,
                min_severity: v.min_severity,
                cvss: v.cvss_at_least,
                epss: v.epss_at_least,
                epss_pct: v.epss_percentile_at_least,
                kev: v.kev,
                risk: v.risk_at_least,
                ssvc,
                fix_available: v.fix_available,
                days_since_fix: v.days_since_fix_at_least,
                days_since_published: v.days_since_published_at_least,
                package_types: v
                    .package_types
                    .iter()
                    .map(|t| t.to_ascii_lowercase())
                    .collect(),
                paths: globs(&v.paths, true),
                statuses: v.statuses.iter().map(|t| t.to_ascii_lowercase()).collect(),
            })));
        }
        if let Some(p) = self.packages {
            let compile = |m: PackageMatchDef| -> Result<PackageSel, String> {
                if m.name.is_none() && m.purl.is_none() {
                    return Err(format!(
                        "rule '{}': a package entry needs `name` or `purl`",
                        self.id
                    ));
                }
                let text = [m.name.as_deref(), m.purl.as_deref()]
                    .into_iter()
                    .flatten()
                    .chain(m.versions.as_ref().map(|v| v.0.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ");
                Ok(PackageSel {
                    name: m.name.as_deref().map(|n| Glob::new(n, false)),
                    purl: m.purl.as_deref().map(|n| Glob::new(n, false)),
                    versions: m
                        .versions
                        .as_ref()
                        .map(|v| Range::parse(&v.0))
                        .transpose()?,
                    types: m.types.iter().map(|t| t.to_ascii_lowercase()).collect(),
                    text,
                })
            };
            let deny = p.deny.into_iter().map(compile).collect::<Result<_, _>>()?;
            let require = p
                .require
                .into_iter()
                .map(compile)
                .collect::<Result<_, _>>()?;
            selectors.push(Selector::Packages(deny, require));
        }
        if let Some(l) = self.licenses {
            let policy = bulwark_license::Policy::from_config(&l)
                .map_err(|e| format!("rule '{}': {e}", self.id))?;
            selectors.push(Selector::Licenses(Box::new(policy)));
        }
        for (class, def) in [
            (FindingClass::Secrets, self.secrets),
            (FindingClass::Malware, self.malware),
            (FindingClass::Checks, self.checks),
            (FindingClass::Kubernetes, self.kubernetes),
            (FindingClass::Dast, self.dast),
        ] {
            let Some(d) = def else { continue };
            if class == FindingClass::Checks && d.ids.is_empty() {
                return Err(format!("rule '{}': `checks` needs `ids`", self.id));
            }
            let mut controls = Vec::new();
            for c in &d.controls {
                let (fw, pat) = c.split_once(':').ok_or_else(|| {
                    format!(
                        "rule '{}': control '{c}' should be framework:control (cis:5.2.1, pss:restricted)",
                        self.id
                    )
                })?;
                controls.push((fw.to_ascii_lowercase(), Glob::new(pat, false)));
            }
            selectors.push(Selector::Findings(
                class,
                FindingsSel {
                    ids: globs(&d.ids, false),
                    min_severity: d.min_severity,
                    paths: globs(&d.paths, true),
                    controls,
                },
            ));
        }
        if let Some(i) = self.image {
            let ports = |v: &[Text]| -> Result<Vec<PortRange>, String> {
                v.iter().map(|p| PortRange::parse(&p.0)).collect()
            };
            let (ports_allow, ports_deny) = match &i.exposed_ports {
                Some(p) => (
                    (!p.allow.is_empty()).then(|| ports(&p.allow)).transpose()?,
                    ports(&p.deny)?,
                ),
                None => (None, Vec::new()),
            };
            selectors.push(Selector::Image(Box::new(ImageSel {
                non_root_user: i.non_root_user.unwrap_or(false),
                ports_allow,
                ports_deny,
                required_labels: i
                    .required_labels
                    .iter()
                    .map(|(k, v)| (k.clone(), Glob::new(v, false)))
                    .collect(),
                base_allow: i.base_image.map(|b| globs(&b.allow, false)),
                max_age_days: i.max_age_days,
            })));
        }
        if let Some(f) = self.files {
            if f.allowed_paths.is_empty() {
                return Err(format!("rule '{}': files.allowedPaths is empty", self.id));
            }
            selectors.push(Selector::Files(f.allowed_paths, f.base_layers));
        }
        if let Some(s) = self.signatures {
            let mut req = Vec::new();
            for r in s.required {
                let kind = r.kind.to_ascii_lowercase();
                if kind != "signature" && kind != "attestation" {
                    return Err(format!(
                        "rule '{}': signature kind '{}' (expected signature or attestation)",
                        self.id, r.kind
                    ));
                }
                req.push(SigSel {
                    kind,
                    predicate_type: r.predicate_type,
                    identity: r.identity.as_deref().map(|g| Glob::new(g, false)),
                    issuer: r.issuer.as_deref().map(|g| Glob::new(g, false)),
                });
            }
            selectors.push(Selector::Signatures(req));
        }
        if let Some(d) = self.database {
            selectors.push(Selector::Database(d.max_age_days));
        }
        if selectors.is_empty() {
            return Err(format!(
                "rule '{}' selects nothing: give one of vulnerabilities, packages, licenses, secrets, malware, checks, kubernetes, dast, image, files, signatures, database",
                self.id
            ));
        }
        Ok(Rule {
            id: self.id,
            description: self.description,
            stages: self.stages,
            policy_set: policy_set.to_string(),
            source,
            selectors,
        })
    }
}

// ---------------------------------------------------------------- evaluation

/// What a rule found: hits, or why it could not be evaluated.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) hits: Vec<Hit>,
    /// Selectors that could not run (a datum missing from the subject).
    pub(crate) skipped: Vec<String>,
    /// Selectors that ran.
    pub(crate) ran: usize,
    pub(crate) notes: Vec<String>,
}

/// The well-known properties of a vulnerability finding, read once per evaluation.
pub(crate) struct VulnView<'a> {
    f: &'a Finding,
    cvss: Option<f64>,
    epss: Option<f64>,
    epss_pct: Option<f64>,
    kev: Option<bool>,
    /// `risk` and `ssvc`, put on the finding by a caller that scored it in context (`bulwark-risk`).
    risk: Option<f64>,
    ssvc: Option<&'a str>,
    fixed: bool,
    status: Option<&'a str>,
    package_type: Option<&'a str>,
    purl: Option<&'a str>,
    package: Option<&'a str>,
    installed: Option<&'a str>,
    fixed_version: Option<&'a str>,
    /// The hit this finding makes, built once however many rules select it.
    hit: std::cell::OnceCell<Hit>,
    fix_date: Option<Instant>,
    published: Option<Instant>,
    aliases: Vec<&'a str>,
}

fn prop_str<'a>(f: &'a Finding, k: &str) -> Option<&'a str> {
    f.property(k)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}

impl<'a> VulnView<'a> {
    /// One pass over the finding's properties (a dozen keys), rather than a lookup per datum.
    pub(crate) fn new(f: &'a Finding) -> Self {
        let mut v = Self {
            f,
            cvss: None,
            epss: None,
            epss_pct: None,
            kev: None,
            risk: None,
            ssvc: None,
            fixed: false,
            status: None,
            package_type: None,
            purl: None,
            package: None,
            installed: None,
            fixed_version: None,
            fix_date: None,
            published: None,
            aliases: Vec::new(),
            hit: std::cell::OnceCell::new(),
        };
        let num = |x: &serde_json::Value| {
            x.as_f64()
                .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
        };
        let text = |x: &'a serde_json::Value| x.as_str().filter(|s| !s.is_empty());
        let date = |x: &serde_json::Value| x.as_str().and_then(|s| Instant::parse(s).ok());
        let mut pkg_name = None;
        for (k, x) in f.all_properties() {
            match k.as_str() {
                "cvssScore" => v.cvss = num(x),
                "epss" => v.epss = num(x),
                "epssPercentile" => v.epss_pct = num(x),
                "kev" => v.kev = x.as_bool(),
                "risk" => v.risk = num(x),
                "ssvc" => v.ssvc = text(x),
                "status" => v.status = text(x),
                "packageType" => v.package_type = text(x),
                "purl" => v.purl = text(x),
                "packageName" => v.package = text(x),
                "pkgName" => pkg_name = text(x),
                "installedVersion" => v.installed = text(x),
                "fixedVersion" => v.fixed_version = text(x),
                "fixDate" | "fixPublished" | "fixedAt" if v.fix_date.is_none() => {
                    v.fix_date = date(x);
                }
                "published" | "publishedDate" if v.published.is_none() => v.published = date(x),
                "aliases" => {
                    if let serde_json::Value::Array(a) = x {
                        v.aliases = a.iter().filter_map(|s| s.as_str()).collect();
                    }
                }
                _ => {}
            }
        }
        v.package = v.package.or(pkg_name);
        if v.package_type.is_none() {
            v.package_type = v
                .purl
                .and_then(|p| p.strip_prefix("pkg:"))
                .and_then(|p| p.split('/').next());
        }
        v.fixed = match v.status {
            Some("fixed") => true,
            Some("affected" | "will-not-fix" | "fix-deferred" | "end-of-life") => false,
            _ => v.fixed_version.is_some(),
        };
        v
    }
}

impl VulnView<'_> {
    fn hit(&self) -> &Hit {
        self.hit.get_or_init(|| {
            let f = self.f;
            let mut msg = String::with_capacity(96);
            let _ = write!(msg, "{} ({})", f.id, f.severity);
            if let Some(p) = self.package {
                let _ = write!(msg, " in {p}");
                if let Some(iv) = self.installed {
                    let _ = write!(msg, " {iv}");
                }
            }
            if let Some(c) = self.cvss {
                let _ = write!(msg, ", CVSS {c}");
            }
            if self.kev == Some(true) {
                msg.push_str(", in KEV");
            }
            if let Some(fv) = self.fixed_version {
                let _ = write!(msg, ", fixed in {fv}");
            }
            Hit {
                finding_id: Some(f.id.as_ref().into()),
                package: self.package.map(Into::into),
                purl: self.purl.map(Into::into),
                path: f.location.path.clone(),
                resource: f.location.resource.clone(),
                field: None,
                message: msg.into(),
            }
        })
    }
}

/// Which purl types a package type name stands for (`dpkg` = `deb`, `python` = `pypi`, …).
fn type_matches(wanted: &str, actual: &str) -> bool {
    fn canon(t: &str) -> &str {
        match t {
            "deb" | "dpkg" => "deb",
            "pypi" | "python" => "pypi",
            "golang" | "go" => "golang",
            other => other,
        }
    }
    let lower;
    let actual = if actual.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = actual.to_ascii_lowercase();
        lower.as_str()
    } else {
        actual
    };
    wanted == "os" && matches!(canon(actual), "deb" | "rpm" | "apk")
        || wanted == "library" && !matches!(canon(actual), "deb" | "rpm" | "apk")
        || canon(wanted) == canon(actual)
}

fn finding_hit(f: &Finding, message: impl Into<Arc<str>>) -> Hit {
    Hit {
        finding_id: Some(f.id.as_ref().into()),
        package: prop_str(f, "packageName").map(Into::into),
        purl: prop_str(f, "purl").map(Into::into),
        path: f.location.path.clone(),
        resource: f.location.resource.clone(),
        field: None,
        message: message.into(),
    }
}

/// A hit on a field of the subject.
fn field_hit(field: impl Into<Arc<str>>, message: impl Into<Arc<str>>) -> Hit {
    Hit {
        field: Some(field.into()),
        message: message.into(),
        ..Hit::default()
    }
}

/// Everything one evaluation reads from the subject, computed once for all rules.
pub(crate) struct Index<'a> {
    pub(crate) vulns: Vec<VulnView<'a>>,
    by_kind: BTreeMap<FindingKind, Vec<&'a Finding>>,
    /// The evaluation time, for "days since" and ages.
    pub(crate) now: Instant,
}

impl<'a> Index<'a> {
    pub(crate) fn new(subject: &Subject<'a>, now: Instant) -> Self {
        let mut vulns = Vec::new();
        let mut by_kind: BTreeMap<FindingKind, Vec<&'a Finding>> = BTreeMap::new();
        if let Some(r) = subject.report {
            for f in &r.findings {
                if f.kind == FindingKind::Vulnerability {
                    vulns.push(VulnView::new(f));
                } else {
                    by_kind.entry(f.kind).or_default().push(f);
                }
            }
        }
        Self {
            vulns,
            by_kind,
            now,
        }
    }

    fn of<'s>(&'s self, kinds: &'s [FindingKind]) -> impl Iterator<Item = &'a Finding> + 's {
        kinds
            .iter()
            .flat_map(move |k| self.by_kind.get(k).into_iter().flatten().copied())
    }
}

fn severity_ok(s: Severity, list: &[Severity], min: Option<Severity>) -> bool {
    (list.is_empty() || list.contains(&s)) && min.is_none_or(|m| s >= m)
}

/// A description of one Kubernetes check, for [`Rule::kubernetes_selects`]: what a finding of that check carries.
#[derive(Debug, Clone, Copy)]
pub struct CheckFacts<'a> {
    /// `BW-K8S-0002`.
    pub id: &'a str,
    /// `privileged-container`.
    pub name: &'a str,
    pub severity: Severity,
    /// The PSS `(level, control)` of the finding (`("baseline", "Privileged Containers")`).
    pub pss: Option<(&'a str, &'a str)>,
    /// `frameworks` property: framework → control ids (`("cis", ["5.2.2"])`).
    pub frameworks: &'a [(&'a str, &'a [&'a str])],
}

impl Rule {
    /// Whether a selector of the rule reads a finding's contextual risk (`riskAtLeast`, `ssvc`): the caller must
    /// score the findings (`bulwark-risk`) before evaluating, or such selectors match nothing.
    #[must_use]
    pub fn reads_risk(&self) -> bool {
        self.selectors.iter().any(|s| match s {
            Selector::Vulns(v) => v.risk.is_some() || !v.ssvc.is_empty(),
            _ => false,
        })
    }

    /// The selector families of the rule, as the YAML names them (`vulnerabilities`, `kubernetes`, …), in
    /// their order in the rule. For exporters, which must say what they leave out.
    #[must_use]
    pub fn selector_kinds(&self) -> Vec<&'static str> {
        self.selectors
            .iter()
            .map(|s| match s {
                Selector::Vulns(_) => "vulnerabilities",
                Selector::Packages(..) => "packages",
                Selector::Licenses(_) => "licenses",
                Selector::Findings(FindingClass::Secrets, _) => "secrets",
                Selector::Findings(FindingClass::Malware, _) => "malware",
                Selector::Findings(FindingClass::Checks, _) => "checks",
                Selector::Findings(FindingClass::Kubernetes, _) => "kubernetes",
                Selector::Findings(FindingClass::Dast, _) => "dast",
                Selector::Image(_) => "image",
                Selector::Files(..) => "files",
                Selector::Signatures(_) => "signatures",
                Selector::Database(_) => "database",
            })
            .collect()
    }

    /// Whether the rule's `kubernetes:` selector selects a finding of the check described by `facts` (ids or
    /// names, `minSeverity`, `controls`, exactly as it does over a report). `None` when the rule has no
    /// `kubernetes:` selector, or when it has `paths:` (a file path, which an admission request does not have).
    #[must_use]
    pub fn kubernetes_selects(&self, facts: &CheckFacts<'_>) -> Option<bool> {
        let sel = self.selectors.iter().find_map(|s| match s {
            Selector::Findings(FindingClass::Kubernetes, sel) => Some(sel),
            _ => None,
        })?;
        if !sel.paths.is_empty() {
            return None;
        }
        if sel.min_severity.is_some_and(|m| facts.severity < m) {
            return Some(false);
        }
        if !sel.ids.is_empty()
            && !sel
                .ids
                .iter()
                .any(|g| g.matches(facts.id) || g.matches(facts.name))
        {
            return Some(false);
        }
        if !sel.controls.is_empty()
            && !sel.controls.iter().any(|(fw, g)| {
                if fw == "pss" {
                    facts
                        .pss
                        .is_some_and(|(level, control)| pss_matches(g, level, control))
                } else {
                    facts
                        .frameworks
                        .iter()
                        .filter(|(f, _)| f == fw)
                        .any(|(_, cs)| cs.iter().any(|c| g.matches(c)))
                }
            })
        {
            return Some(false);
        }
        Some(true)
    }
}

impl Rule {
    /// Every selector's hits over the subject.
    pub(crate) fn run(&self, subject: &Subject<'_>, ix: &Index<'_>) -> Found {
        let mut out = Found::default();
        for s in &self.selectors {
            match s {
                Selector::Vulns(v) => v.run(subject, ix, &mut out),
                Selector::Packages(deny, require) => run_packages(deny, require, subject, &mut out),
                Selector::Licenses(p) => match subject.report {
                    Some(r) => {
                        out.ran += 1;
                        for f in bulwark_license::evaluate(&r.packages, p) {
                            let msg = f.message.to_string();
                            out.hits.push(finding_hit(&f, msg));
                        }
                    }
                    None => out
                        .skipped
                        .push("licenses: the subject has no package list".into()),
                },
                Selector::Findings(class, sel) => sel.run(*class, subject, ix, &mut out),
                Selector::Image(i) => i.run(subject, ix, &mut out),
                Selector::Files(allowed, base) => run_files(allowed, *base, subject, ix, &mut out),
                Selector::Signatures(req) => run_signatures(req, subject, &mut out),
                Selector::Database(max) => run_database(*max, subject, ix, &mut out),
            }
        }
        out
    }
}

impl VulnSel {
    fn run(&self, subject: &Subject<'_>, ix: &Index<'_>, out: &mut Found) {
        if subject.report.is_none() {
            out.skipped
                .push("vulnerabilities: the subject has no report".into());
            return;
        }
        out.ran += 1;
        let (mut no_fix_date, mut no_published, mut no_epss, mut no_kev) = (0, 0, 0, 0);
        let (mut no_risk, mut no_ssvc) = (0, 0);
        for v in &ix.vulns {
            let f = v.f;
            if !severity_ok(f.severity, &self.severities, self.min_severity) {
                continue;
            }
            if !self.ids.is_empty()
                && !self
                    .ids
                    .iter()
                    .any(|g| g.matches(&f.id) || v.aliases.iter().any(|a| g.matches(a)))
            {
                continue;
            }
            if let Some(min) = self.cvss
                && v.cvss.is_none_or(|c| c < min)
            {
                continue;
            }
            if let Some(min) = self.epss {
                match v.epss {
                    Some(e) if e >= min => {}
                    None => {
                        no_epss += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            if let Some(min) = self.epss_pct
                && v.epss_pct.is_none_or(|e| e < min)
            {
                continue;
            }
            if let Some(k) = self.kev {
                match v.kev {
                    Some(x) if x == k => {}
                    None => {
                        no_kev += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            if let Some(min) = self.risk {
                match v.risk {
                    Some(r) if r >= min => {}
                    None => {
                        no_risk += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            if !self.ssvc.is_empty() {
                match v.ssvc {
                    Some(d) if self.ssvc.iter().any(|w| w.eq_ignore_ascii_case(d)) => {}
                    None => {
                        no_ssvc += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            if self.fix_available.is_some_and(|want| want != v.fixed) {
                continue;
            }
            if !self.statuses.is_empty()
                && !v
                    .status
                    .is_some_and(|s| self.statuses.iter().any(|x| x == s))
            {
                continue;
            }
            if !self.package_types.is_empty()
                && !v
                    .package_type
                    .is_some_and(|t| self.package_types.iter().any(|w| type_matches(w, t)))
            {
                continue;
            }
            if !self.paths.is_empty()
                && !f
                    .location
                    .path
                    .as_deref()
                    .is_some_and(|p| self.paths.iter().any(|g| g.matches(p)))
            {
                continue;
            }
            if let Some(days) = self.days_since_fix {
                match v.fix_date {
                    Some(d) if ix.now.days_since(d) >= days => {}
                    None => {
                        no_fix_date += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            if let Some(days) = self.days_since_published {
                match v.published {
                    Some(d) if ix.now.days_since(d) >= days => {}
                    None => {
                        no_published += 1;
                        continue;
                    }
                    Some(_) => continue,
                }
            }
            out.hits.push(v.hit().clone());
        }
        for (n, what) in [
            (no_epss, "an EPSS score (`epss`)"),
            (no_kev, "a KEV flag (`kev`)"),
            (
                no_risk,
                "a contextual risk score (`risk`; set when scored in a workload by bulwark-risk)",
            ),
            (
                no_ssvc,
                "an SSVC decision (`ssvc`; set when scored in a workload by bulwark-risk)",
            ),
            (
                no_fix_date,
                "a fix date (`fixDate`; not recorded by today's matcher)",
            ),
            (
                no_published,
                "a publication date (`published`; not recorded by today's matcher)",
            ),
        ] {
            if n > 0 {
                out.notes.push(format!(
                    "{n} vulnerability finding(s) lack {what}; the rule could not select them on it"
                ));
            }
        }
    }
}

fn package_matches(sel: &PackageSel, p: &Package) -> bool {
    if !sel.types.is_empty()
        && !sel
            .types
            .iter()
            .any(|t| type_matches(t, p.package_type.purl_type()))
    {
        return false;
    }
    if sel.name.as_ref().is_some_and(|g| !g.matches(&p.name)) {
        return false;
    }
    if sel.purl.as_ref().is_some_and(|g| !g.matches(&p.purl)) {
        return false;
    }
    if let Some(r) = &sel.versions {
        let scheme = p
            .version_scheme
            .parse()
            .unwrap_or_else(|_| version_scheme(p.package_type));
        return r.holds(scheme, &p.version).unwrap_or(false);
    }
    true
}

fn version_scheme(t: bulwark_types::PackageType) -> bulwark_version::Scheme {
    t.version_scheme()
        .parse()
        .unwrap_or(bulwark_version::Scheme::Semver)
}

fn run_packages(
    deny: &[PackageSel],
    require: &[PackageSel],
    subject: &Subject<'_>,
    out: &mut Found,
) {
    let Some(r) = subject.report else {
        out.skipped
            .push("packages: the subject has no package list".into());
        return;
    };
    out.ran += 1;
    for p in &r.packages {
        if let Some(sel) = deny.iter().find(|s| package_matches(s, p)) {
            out.hits.push(Hit {
                package: Some(p.name.as_str().into()),
                purl: (!p.purl.is_empty()).then(|| p.purl.as_str().into()),
                path: p.found_in.as_deref().map(Into::into),
                message: format!("package {} {} is denied ({})", p.name, p.version, sel.text)
                    .into(),
                ..Hit::default()
            });
        }
    }
    for sel in require {
        if !r.packages.iter().any(|p| package_matches(sel, p)) {
            out.hits.push(field_hit(
                "packages",
                format!("required package {} is missing", sel.text),
            ));
        }
    }
}

impl Rule {
    /// Whether one of this rule's findings selectors could select `f` (its kind, id or name, and controls;
    /// severity and paths, which depend on the hit, are not looked at): a finding no rule may select cannot
    /// change a verdict.
    #[must_use]
    pub fn may_select(&self, f: &Finding) -> bool {
        self.selectors.iter().any(|s| match s {
            Selector::Findings(class, sel) => {
                let kind_ok = match class {
                    FindingClass::Secrets => f.kind == FindingKind::Secret,
                    FindingClass::Malware => f.kind == FindingKind::Malware,
                    FindingClass::Dast => f.kind == FindingKind::Dast,
                    FindingClass::Checks | FindingClass::Kubernetes => {
                        matches!(f.kind, FindingKind::Misconfiguration | FindingKind::Policy)
                    }
                };
                kind_ok
                    && (sel.ids.is_empty()
                        || sel.ids.iter().any(|g| {
                            g.matches(&f.id) || f.name.as_deref().is_some_and(|n| g.matches(n))
                        }))
                    && (sel.controls.is_empty()
                        || sel.controls.iter().any(|(fw, g)| has_control(f, fw, g)))
            }
            _ => false,
        })
    }

    /// Whether this rule reads secret findings.
    #[must_use]
    pub fn reads_secrets(&self) -> bool {
        self.selectors
            .iter()
            .any(|s| matches!(s, Selector::Findings(FindingClass::Secrets, _)))
    }
}

impl FindingsSel {
    fn run(&self, class: FindingClass, subject: &Subject<'_>, ix: &Index<'_>, out: &mut Found) {
        if subject.report.is_none() {
            let what = match class {
                FindingClass::Secrets => "secrets",
                FindingClass::Malware => "malware",
                FindingClass::Checks => "checks",
                FindingClass::Kubernetes => "kubernetes",
                FindingClass::Dast => "dast",
            };
            out.skipped
                .push(format!("{what}: the subject has no report"));
            return;
        }
        out.ran += 1;
        let kinds: &[FindingKind] = match class {
            FindingClass::Secrets => &[FindingKind::Secret],
            FindingClass::Malware => &[FindingKind::Malware],
            FindingClass::Dast => &[FindingKind::Dast],
            FindingClass::Checks | FindingClass::Kubernetes => {
                &[FindingKind::Misconfiguration, FindingKind::Policy]
            }
        };
        for f in ix.of(kinds) {
            if class == FindingClass::Kubernetes
                && !f.id.starts_with("BW-K8S-")
                && f.location.resource.is_none()
            {
                continue;
            }
            if self.min_severity.is_some_and(|m| f.severity < m) {
                continue;
            }
            if !self.ids.is_empty()
                && !self
                    .ids
                    .iter()
                    .any(|g| g.matches(&f.id) || f.name.as_deref().is_some_and(|n| g.matches(n)))
            {
                continue;
            }
            if !self.paths.is_empty()
                && !f
                    .location
                    .path
                    .as_deref()
                    .is_some_and(|p| self.paths.iter().any(|g| g.matches(p)))
            {
                continue;
            }
            if !self.controls.is_empty()
                && !self.controls.iter().any(|(fw, g)| has_control(f, fw, g))
            {
                continue;
            }
            let msg = if f.message.is_empty() {
                f.title.to_string()
            } else {
                f.message.to_string()
            };
            out.hits.push(finding_hit(f, msg));
        }
    }
}

/// Whether a `pss:` pattern selects a check of Pod Security level `level` and control `control`. The levels are
/// cumulative, as the Pod Security Standards define them: the restricted profile contains every baseline
/// control, so a baseline violation (a privileged container) also violates `pss:restricted`, exactly as
/// `--compliance pss-restricted` counts it; a restricted-only control does not violate `pss:baseline`.
fn pss_matches(g: &Glob, level: &str, control: &str) -> bool {
    g.matches(level)
        || (level == "baseline" && g.matches("restricted"))
        || (!control.is_empty() && g.matches(control))
}

/// `pss:<level or control>`, or `<framework>:<control>` against the `frameworks` property.
fn has_control(f: &Finding, fw: &str, g: &Glob) -> bool {
    if fw == "pss" {
        return f.property("pss").is_some_and(|p| {
            let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            pss_matches(g, text("level"), text("control"))
        });
    }
    f.property("frameworks")
        .and_then(|m| m.get(fw))
        .and_then(|v| v.as_array())
        .is_some_and(|a| a.iter().filter_map(|v| v.as_str()).any(|c| g.matches(c)))
}

fn is_root(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or("").trim();
    u.is_empty() || u == "root" || u == "0"
}

impl ImageSel {
    fn run(&self, subject: &Subject<'_>, ix: &Index<'_>, out: &mut Found) {
        let Some(config) = subject.image_config() else {
            out.skipped
                .push("image: the subject has no image configuration".into());
            return;
        };
        out.ran += 1;
        if self.non_root_user {
            let user = config.get("User").and_then(|v| v.as_str()).unwrap_or("");
            if is_root(user) {
                out.hits.push(field_hit(
                    "image.config.User",
                    if user.is_empty() {
                        "the image sets no user, so it runs as root".into()
                    } else {
                        format!("the image runs as root (User \"{user}\")")
                    },
                ));
            }
        }
        let ports: Vec<(u16, String, &str)> = config
            .get("ExposedPorts")
            .and_then(|v| v.as_object())
            .into_iter()
            .flat_map(|m| m.keys())
            .filter_map(|k| {
                let (p, proto) = k.split_once('/').unwrap_or((k, "tcp"));
                Some((p.parse().ok()?, proto.to_ascii_lowercase(), k.as_str()))
            })
            .collect();
        for (port, proto, key) in &ports {
            let denied = self.ports_deny.iter().any(|r| r.holds(*port, proto));
            let not_allowed = self
                .ports_allow
                .as_ref()
                .is_some_and(|a| !a.iter().any(|r| r.holds(*port, proto)));
            if denied || not_allowed {
                out.hits.push(field_hit(
                    format!("image.config.ExposedPorts[{key}]"),
                    format!(
                        "port {key} is {}",
                        if denied {
                            "denied"
                        } else {
                            "not in the allowed ports"
                        }
                    ),
                ));
            }
        }
        let labels = config.get("Labels").and_then(|v| v.as_object());
        for (k, g) in &self.required_labels {
            let v = labels.and_then(|l| l.get(k)).and_then(|v| v.as_str());
            if !v.is_some_and(|v| g.matches(v)) {
                out.hits.push(field_hit(
                    format!("image.config.Labels[{k}]"),
                    match v {
                        None => format!("required label {k} is missing"),
                        Some(v) => format!("label {k}=\"{v}\" does not match \"{}\"", g.as_str()),
                    },
                ));
            }
        }
        if let Some(allow) = &self.base_allow {
            let label = |k: &str| {
                labels
                    .and_then(|l| l.get(k))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
            };
            let base = subject
                .image
                .and_then(|i| i.base_image.clone())
                .or_else(|| {
                    let name = label("org.opencontainers.image.base.name");
                    let digest = label("org.opencontainers.image.base.digest");
                    match (name, digest) {
                        (Some(n), Some(d)) if !n.contains('@') => Some(format!("{n}@{d}")),
                        (Some(n), _) => Some(n.to_string()),
                        (None, Some(d)) => Some(format!("@{d}")),
                        (None, None) => None,
                    }
                });
            match base {
                None => out.hits.push(field_hit(
                    "image.baseImage",
                    "the base image is unknown, so it cannot be shown to be allowed",
                )),
                Some(b) => {
                    let digest = b.split_once('@').map(|(_, d)| d.to_string());
                    let reference = b.split_once('@').map_or(b.as_str(), |(n, _)| n).to_string();
                    let full = if reference.is_empty() {
                        String::new()
                    } else {
                        normalize_reference(&reference)
                    };
                    let ok = allow.iter().any(|g| {
                        digest.as_deref().is_some_and(|d| g.matches(d))
                            || (!full.is_empty() && g.matches(&full))
                    });
                    if !ok {
                        out.hits.push(field_hit(
                            "image.baseImage",
                            format!("base image {b} is not in the allowed list"),
                        ));
                    }
                }
            }
        }
        if let Some(max) = self.max_age_days {
            let created = subject
                .report
                .and_then(|r| r.target.image.as_ref())
                .and_then(|i| i.created.as_deref());
            match created.map(Instant::parse) {
                Some(Ok(c)) => {
                    let age = ix.now.days_since(c);
                    if age > max {
                        out.hits.push(field_hit(
                            "image.created",
                            format!("the image was created {age} days ago (at most {max})"),
                        ));
                    }
                }
                _ => out.hits.push(field_hit(
                    "image.created",
                    "the image has no valid creation time, so its age is unknown",
                )),
            }
        }
    }
}

fn run_files(
    allowed: &[String],
    base: usize,
    subject: &Subject<'_>,
    ix: &Index<'_>,
    out: &mut Found,
) {
    if let Some(files) = subject.image.and_then(|i| i.files.as_ref()) {
        out.ran += 1;
        for f in files {
            if f.layer < base || allowed.iter().any(|a| under(&f.path, a)) {
                continue;
            }
            out.hits.push(Hit {
                path: Some(f.path.as_str().into()),
                message: format!(
                    "layer {} writes {}, outside {}",
                    f.layer,
                    f.path,
                    allowed.join(", ")
                )
                .into(),
                ..Hit::default()
            });
        }
        return;
    }
    // Without a file list, the scan's own file-access findings (`--allowed-paths`) are used when present.
    let from_scan: Vec<&Finding> = ix
        .of(&[FindingKind::Policy, FindingKind::Misconfiguration])
        .filter(|f| f.id == "BW-IMG-0012")
        .collect();
    if from_scan.is_empty() {
        out.skipped
            .push("files: the subject has no file list (image facts `files`)".into());
        return;
    }
    out.ran += 1;
    out.notes.push(
        "files: no file list in the subject; used the scan's BW-IMG-0012 findings (made with the scan's --allowed-paths)"
            .into(),
    );
    for f in from_scan {
        if f.location
            .path
            .as_deref()
            .is_some_and(|p| allowed.iter().any(|a| under(p, a)))
        {
            continue;
        }
        out.hits.push(finding_hit(f, f.message.to_string()));
    }
}

fn run_signatures(req: &[SigSel], subject: &Subject<'_>, out: &mut Found) {
    let Some(sigs) = subject.signatures else {
        out.skipped.push(
            "signatures: the subject carries no signature information (not looked up)".into(),
        );
        return;
    };
    out.ran += 1;
    for r in req {
        let ok = sigs.iter().any(|s| {
            s.verified
                && s.kind.eq_ignore_ascii_case(&r.kind)
                && r.predicate_type
                    .as_deref()
                    .is_none_or(|p| s.predicate_type.as_deref() == Some(p))
                && r.identity
                    .as_ref()
                    .is_none_or(|g| s.identity.as_deref().is_some_and(|i| g.matches(i)))
                && r.issuer
                    .as_ref()
                    .is_none_or(|g| s.issuer.as_deref().is_some_and(|i| g.matches(i)))
        });
        if !ok {
            let mut what = r.kind.clone();
            if let Some(p) = &r.predicate_type {
                what = format!("{what} of type {p}");
            }
            if let Some(i) = &r.identity {
                what = format!("{what} by {}", i.as_str());
            }
            out.hits
                .push(field_hit("signatures", format!("no verified {what}")));
        }
    }
}

fn run_database(max: i64, subject: &Subject<'_>, ix: &Index<'_>, out: &mut Found) {
    let Some(db) = subject.report.and_then(|r| r.vulnerability_db.as_ref()) else {
        out.skipped
            .push("database: the report names no vulnerability database".into());
        return;
    };
    out.ran += 1;
    match Instant::parse(&db.built_at) {
        Ok(built) => {
            let age = ix.now.days_since(built);
            if age > max {
                out.hits.push(field_hit(
                    "vulnerabilityDb.builtAt",
                    format!(
                        "the vulnerability database was built {age} days ago ({}; at most {max})",
                        db.built_at
                    ),
                ));
            }
        }
        Err(_) => out.hits.push(field_hit(
            "vulnerabilityDb.builtAt",
            format!(
                "the vulnerability database build time '{}' is not a date",
                db.built_at
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kubernetes_selects` answers for a check's metadata what the selector answers for its findings.
    #[test]
    fn kubernetes_selects_like_over_findings() {
        let rules = r#"apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: s}
rules:
  - id: pss
    stages: {deploy: fail}
    kubernetes: {controls: ["pss:baseline"]}
  - id: restricted
    stages: {deploy: fail}
    kubernetes: {controls: ["pss:restricted"]}
  - id: control
    stages: {deploy: fail}
    kubernetes: {controls: ["pss:Host*", "cis:5.2.9"]}
  - id: named
    stages: {deploy: fail}
    kubernetes: {ids: [privileged-container, "BW-K8S-001?"], minSeverity: HIGH}
  - id: paths
    stages: {deploy: fail}
    kubernetes: {paths: ["k8s/**"]}
  - id: image
    stages: {deploy: fail}
    image: {nonRootUser: true}
"#;
        let bundle = crate::Bundle::from_files(
            vec![crate::BundleFile {
                path: "r.yaml".into(),
                bytes: rules.as_bytes().to_vec(),
            }],
            "t",
            None,
        )
        .unwrap();
        let r = |id: &str| {
            bundle.policy_sets[0]
                .rules
                .iter()
                .find(|r| r.id == id)
                .unwrap()
        };
        let privileged = CheckFacts {
            id: "BW-K8S-0002",
            name: "privileged-container",
            severity: Severity::Critical,
            pss: Some(("baseline", "Privileged Containers")),
            frameworks: &[("cis", &["5.2.2"])],
        };
        let host_pid = CheckFacts {
            id: "BW-K8S-0001",
            name: "host-namespace-sharing",
            severity: Severity::High,
            pss: Some(("baseline", "Host Namespaces")),
            frameworks: &[("cis", &["5.2.3", "5.2.4"])],
        };
        let non_root = CheckFacts {
            id: "BW-K8S-0015",
            name: "run-as-root-allowed",
            severity: Severity::Medium,
            pss: Some(("restricted", "Running as Non-root")),
            frameworks: &[("cis", &["5.2.6"])],
        };
        assert_eq!(r("pss").kubernetes_selects(&privileged), Some(true));
        assert_eq!(r("pss").kubernetes_selects(&non_root), Some(false));
        // Restricted contains baseline (the PSS profiles are cumulative): both controls count against it.
        assert_eq!(r("restricted").kubernetes_selects(&privileged), Some(true));
        assert_eq!(r("restricted").kubernetes_selects(&non_root), Some(true));
        assert_eq!(r("restricted").kubernetes_selects(&host_pid), Some(true));
        assert_eq!(r("control").kubernetes_selects(&host_pid), Some(true));
        assert_eq!(r("control").kubernetes_selects(&privileged), Some(false));
        assert_eq!(r("named").kubernetes_selects(&privileged), Some(true));
        // `BW-K8S-001?` is 0010-0019, not 0001.
        assert_eq!(r("named").kubernetes_selects(&host_pid), Some(false));
        // BW-K8S-0015 matches the id glob but is below minSeverity.
        assert_eq!(r("named").kubernetes_selects(&non_root), Some(false));
        assert_eq!(r("paths").kubernetes_selects(&privileged), None);
        assert_eq!(r("image").kubernetes_selects(&privileged), None);
        assert_eq!(r("image").selector_kinds(), ["image"]);
        assert_eq!(r("pss").selector_kinds(), ["kubernetes"]);
    }

    #[test]
    fn ranges_follow_the_scheme() {
        use bulwark_version::Scheme;
        let r = Range::parse(">=2.0, <2.17.1 || =1.2.3").unwrap();
        assert_eq!(r.holds(Scheme::Maven, "2.14.1"), Some(true));
        assert_eq!(r.holds(Scheme::Maven, "2.17.1"), Some(false));
        assert_eq!(r.holds(Scheme::Maven, "1.2.3"), Some(true));
        // dpkg: the epoch and the tilde count.
        let r = Range::parse("<1:1.0").unwrap();
        assert_eq!(r.holds(Scheme::Dpkg, "5.0"), Some(true));
        assert_eq!(r.holds(Scheme::Dpkg, "1:1.0~rc1"), Some(true));
        assert!(Range::parse(">=").is_err());
    }

    #[test]
    fn ports() {
        let p = PortRange::parse("8000-8100/tcp").unwrap();
        assert!(p.holds(8080, "tcp"));
        assert!(!p.holds(8080, "udp"));
        assert!(PortRange::parse("22").unwrap().holds(22, "udp"));
        assert!(PortRange::parse("9-1").is_err());
    }

    #[test]
    fn root_users() {
        for u in ["", "root", "0", "0:0", "root:wheel"] {
            assert!(is_root(u), "{u}");
        }
        for u in ["1000", "app", "nobody:nogroup"] {
            assert!(!is_root(u), "{u}");
        }
    }
}
