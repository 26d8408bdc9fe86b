//! Kubernetes manifest scanning for Bulwark: a YAML parser that keeps exact lines, a resource model for the
//! workload, RBAC, network and config kinds, and one folder per rule under `src/rules/`.
//!
//! ```
//! use bulwark_k8s::{scan, Input, ScanOptions};
//! let yaml = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n";
//! let r = scan(&[Input::Bytes { name: "pod.yaml".into(), data: yaml.to_vec() }], &ScanOptions::default()).unwrap();
//! let f = r.findings.iter().find(|f| f.name.as_deref() == Some("privileged-container")).unwrap();
//! assert_eq!(f.location.line, Some(9)); // the `privileged: true` line
//! ```
//!
//! Where findings point: at the key of the offending field (`privileged:`). When the problem is a *missing*
//! field, at the nearest thing that exists: a container's `name:` key for container fields, the pod spec's
//! `spec:` key for pod-level fields, the object's `kind:` key for object-level ones.

#![forbid(unsafe_code)]

mod compliance;
mod input;
pub mod model;
pub mod posture;
pub mod pss;
pub mod rule;
pub mod rules;
pub mod values;
pub mod yaml;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use bulwark_types::{Diagnostic, Finding, FindingKind, Location, Severity};
use rayon::prelude::*;
use serde::Serialize;

pub use compliance::{Compliance, ComplianceTally, ControlStatus, Framework};
pub use input::{Input, find_tool};
use model::{Cluster, Object, TypeProblem};
use rule::{Cx, Hit, Rule, RuleMeta};
pub use rules::{RULES, rule_by_id_or_name};

/// Errors that stop a scan (a bad manifest does not: it becomes a [`Diagnostic`]).
#[derive(Debug, thiserror::Error)]
pub enum K8sError {
    #[error("failed to read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} is not installed: {hint}")]
    ToolMissing { tool: String, hint: String },
    #[error("{tool} {message}")]
    Tool { tool: String, message: String },
    #[error("invalid option: {0}")]
    Option(String),
}

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// PSS policy version for objects whose Namespace does not pin one.
    pub pss_version: pss::Version,
    pub limits: yaml::Limits,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_size: u64,
    /// Run only these rules (ids or names); all when empty.
    pub only_rules: Vec<String>,
    /// Severity overrides by rule id or name.
    pub severity: HashMap<String, Severity>,
    /// Collect the values that may hold credentials into [`K8sScan::values`] (see [`values`]).
    pub collect_values: bool,
    /// Run the manifest rules (off when only the values are wanted).
    pub run_rules: bool,
    /// The Kubernetes version the manifests are meant for (`--k8s-version`): APIs removed by then are
    /// `removed-api-version`, APIs deprecated by then `deprecated-api-version`.
    pub k8s_version: pss::Version,
    /// Optional rule groups (`best-practices`) or optional rules (id or name) to run besides the default ones.
    pub include: Vec<String>,
    /// Record each workload's [`posture::WorkloadPosture`] in [`WorkloadScore::posture`] (the input of a
    /// contextual risk score). Off by default: it costs about 2.5 KB per workload.
    pub collect_posture: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            pss_version: pss::LATEST,
            limits: yaml::Limits::default(),
            max_file_size: 32 * 1024 * 1024,
            only_rules: Vec::new(),
            severity: HashMap::new(),
            collect_values: false,
            run_rules: true,
            k8s_version: pss::LATEST,
            include: Vec::new(),
            collect_posture: false,
        }
    }
}

/// The kubesec-style score of one workload: positive points for hardening, negative for findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadScore {
    pub resource: String,
    pub path: String,
    pub line: u32,
    pub score: i32,
    /// How the workload can be reached: `LoadBalancer`, `NodePort`, `Ingress`, `hostNetwork`, `hostPort`.
    pub exposure: Vec<String>,
    pub findings: usize,
    /// The workload's service account, `namespace/name`: a key of [`K8sScan::service_accounts`] when RBAC in
    /// the input grants it anything.
    pub service_account: String,
    /// The workload's attack surface and blast radius, with evidence (input of `bulwark-risk`), when
    /// [`ScanOptions::collect_posture`] is set. Not part of the JSON report.
    #[serde(skip)]
    pub posture: Option<Box<posture::WorkloadPosture>>,
}

/// What a scan produced.
#[derive(Debug, Default)]
pub struct K8sScan {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    pub workloads: Vec<WorkloadScore>,
    /// What RBAC in the input grants each service account a workload runs as (`namespace/name` → one summary per
    /// rule: `RoleBinding rb -> Role r: get,list on secrets`). Stored once per account: workloads and their
    /// findings refer to it by name (`serviceAccount`), so 500 Pods of one account bound 500 times cost 500
    /// summaries, not 500 per finding.
    pub service_accounts: BTreeMap<String, Vec<String>>,
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    /// Findings suppressed by `bulwark.dev/ignore` annotations.
    pub suppressed: usize,
    /// Values for a secret scanner, when [`ScanOptions::collect_values`] is set.
    pub values: Vec<values::ManifestValue>,
}

impl K8sScan {
    /// Pass/fail per control of `framework`, from the findings.
    #[must_use]
    pub fn compliance(&self, framework: Framework) -> Compliance {
        compliance::summarise(framework, &self.findings)
    }
}

/// All rules, in registration order.
#[must_use]
pub fn rules() -> &'static [&'static dyn Rule] {
    RULES
}

/// The user docs of every rule, for `bulwark rule` and `docs/rules/k8s/`.
#[must_use]
pub fn rule_docs() -> Vec<bulwark_types::RuleDoc> {
    RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            bulwark_types::RuleDoc {
                id: m.id,
                name: m.name,
                family: bulwark_types::RuleFamily::Kubernetes,
                severity: Some(m.severity),
                title: m.title,
                aliases: &[],
                docs: m.docs(),
            }
        })
        .collect()
}

struct Parsed {
    path: String,
    docs: Vec<yaml::Doc>,
    diagnostics: Vec<Diagnostic>,
}

fn parse_source(src: input::Source, opts: &ScanOptions) -> Parsed {
    let (path, data) = match src {
        input::Source::File(p) => {
            let name = p.display().to_string();
            // Bounded whatever the file is: a FIFO or `/dev/zero` named on the command line stops at the limit.
            match input::read_bounded(&p, opts.max_file_size) {
                Ok(d) => (name, d),
                Err(e) => {
                    let d = Diagnostic::error(
                        if e.kind() == std::io::ErrorKind::Other {
                            format!("{e}; skipped")
                        } else {
                            format!("cannot read: {e}")
                        },
                        Location::file(name.as_str()),
                    );
                    return Parsed {
                        path: name,
                        docs: Vec::new(),
                        diagnostics: vec![d],
                    };
                }
            }
        }
        input::Source::Skipped { name, warning } => {
            return Parsed {
                diagnostics: vec![Diagnostic::warning(warning, Location::file(name.as_str()))],
                path: name,
                docs: Vec::new(),
            };
        }
        input::Source::Bytes { name, data } => (name, data),
        input::Source::Json { name, value } => {
            let mut diagnostics = Vec::new();
            let docs = match yaml::from_json(&value, &opts.limits) {
                Ok(doc) => vec![doc],
                Err(e) => {
                    diagnostics.push(Diagnostic::error(
                        format!("invalid YAML: {}", e.message),
                        Location::file(name.as_str()).with_line(e.line, Some(e.col)),
                    ));
                    Vec::new()
                }
            };
            return Parsed {
                path: name,
                docs,
                diagnostics,
            };
        }
    };
    parse_bytes(path, &data, opts)
}

fn parse_bytes(path: String, data: &[u8], opts: &ScanOptions) -> Parsed {
    let mut diagnostics = Vec::new();
    if data.len() as u64 > opts.max_file_size {
        diagnostics.push(Diagnostic::error(
            format!(
                "input is {} bytes, over the {}-byte limit; skipped",
                data.len(),
                opts.max_file_size
            ),
            Location::file(path.as_str()),
        ));
        return Parsed {
            path,
            docs: Vec::new(),
            diagnostics,
        };
    }
    let text = match std::str::from_utf8(data) {
        Ok(t) => t,
        Err(e) => {
            let line = bytecount(&data[..e.valid_up_to()]) as u32 + 1;
            diagnostics.push(Diagnostic::error(
                "not valid UTF-8; skipped".to_string(),
                Location::file(path.as_str()).with_line(line, None),
            ));
            return Parsed {
                path,
                docs: Vec::new(),
                diagnostics,
            };
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = Vec::new();
    for (chunk, offset) in yaml::split_documents(text) {
        let (mut d, mut err) = yaml::parse_stream(chunk, offset, &opts.limits);
        if err
            .as_ref()
            .is_some_and(|e| e.message.contains("indentation"))
        {
            // go-yaml (and so kubectl) accepts a flow collection whose closing bracket sits at its key's
            // indentation; YAML 1.2 does not. Flow context ignores indentation, so indenting lines that hold only
            // closing brackets changes nothing else, and keeps every line number.
            if let Some(fixed) = indent_flow_closers(chunk) {
                let (d2, err2) = yaml::parse_stream(&fixed, offset, &opts.limits);
                if err2.is_none() {
                    d = d2;
                    err = None;
                }
            }
        }
        docs.append(&mut d);
        if let Some(e) = err {
            diagnostics.push(Diagnostic::error(
                format!("invalid YAML: {}", e.message),
                Location::file(path.as_str()).with_line(e.line, Some(e.col)),
            ));
        }
    }
    Parsed {
        path,
        docs,
        diagnostics,
    }
}

/// Scans manifests. Findings and input problems are data in the result; `Err` only when an input could not be
/// obtained at all (a missing path, a missing `helm`).
pub fn scan(inputs: &[Input], opts: &ScanOptions) -> Result<K8sScan, K8sError> {
    let m = load(inputs, opts)?;
    Ok(evaluate(&m.parsed, opts))
}

/// `--rules` and `--include` name rules or groups that exist. The last lists found valid are kept: a server
/// checks the same options on every request, and each name is a search through every rule.
fn check_rule_options(opts: &ScanOptions) -> Result<(), K8sError> {
    type Checked = Option<(Vec<String>, Vec<String>)>;
    static LAST_VALID: std::sync::Mutex<Checked> = std::sync::Mutex::new(None);
    let mut last = LAST_VALID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if last
        .as_ref()
        .is_some_and(|(only, include)| *only == opts.only_rules && *include == opts.include)
    {
        return Ok(());
    }
    check_rule_names(opts)?;
    *last = Some((opts.only_rules.clone(), opts.include.clone()));
    Ok(())
}

fn check_rule_names(opts: &ScanOptions) -> Result<(), K8sError> {
    for r in &opts.only_rules {
        if rule_by_id_or_name(r).is_none() && !rules::GROUPS.iter().any(|(g, _)| g == r) {
            return Err(K8sError::Option(format!("unknown rule '{r}'")));
        }
    }
    for i in &opts.include {
        if !rules::GROUPS.iter().any(|(g, _)| g == i) && rule_by_id_or_name(i).is_none() {
            return Err(K8sError::Option(format!(
                "unknown rule or group '{i}' (groups: {})",
                rules::GROUPS
                    .iter()
                    .map(|(g, _)| *g)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

/// The rules that run: optional ones (best practices) only when named by `--rules` or included by `--include`.
/// Names are matched through a set (ids case-insensitively, names, groups), so a long `--rules` list (the
/// admission webhook passes the checks its bundle can select) costs one lookup per rule and name kind.
fn active_rules(opts: &ScanOptions) -> Arc<[&'static dyn Rule]> {
    type Key = (bool, Vec<String>, Vec<String>);
    type Last = Option<(Key, Arc<[&'static dyn Rule]>)>;
    // The last answer, kept: a server judges every request with the same options.
    static LAST: std::sync::Mutex<Last> = std::sync::Mutex::new(None);
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(((run, only, include), rules)) = last.as_ref()
        && *run == opts.run_rules
        && *only == opts.only_rules
        && *include == opts.include
    {
        return Arc::clone(rules);
    }
    let rules: Arc<[&'static dyn Rule]> = compute_active_rules(opts).into();
    *last = Some((
        (
            opts.run_rules,
            opts.only_rules.clone(),
            opts.include.clone(),
        ),
        Arc::clone(&rules),
    ));
    rules
}

fn compute_active_rules(opts: &ScanOptions) -> Vec<&'static dyn Rule> {
    if !opts.run_rules {
        return Vec::new();
    }
    let set = |list: &[String]| -> std::collections::HashSet<String> {
        list.iter()
            .map(|o| o.to_ascii_lowercase())
            .chain(list.iter().cloned())
            .collect()
    };
    let named = |set: &std::collections::HashSet<String>, r: &dyn Rule, group: Option<&str>| {
        let m = r.meta();
        set.contains(&m.id.to_ascii_lowercase())
            || set.contains(m.name)
            || group.is_some_and(|g| set.contains(g))
    };
    let (only, include) = (set(&opts.only_rules), set(&opts.include));
    RULES
        .iter()
        .copied()
        .filter(|r| {
            let group = rules::group_of(r.meta().id);
            if opts.only_rules.is_empty() {
                group.is_none() || named(&include, *r, group)
            } else {
                named(&only, *r, group)
            }
        })
        .collect()
}

/// The findings the rules that run with `opts` can give, one per rule and PSS level it can report at, with
/// the rule's id, name, kind and shared properties (`pss`, `frameworks`) but no object: what a policy's
/// findings selectors can tell apart before a scan. The admission webhook runs only the rules some selector of
/// its bundle could select (`Bundle::may_select`), since no other finding can change its verdict.
#[must_use]
pub fn rule_templates(opts: &ScanOptions) -> Vec<Finding> {
    let shared = compliance::RuleProperties;
    let mut out = Vec::new();
    for r in active_rules(opts).iter() {
        let m = r.meta();
        let levels: Vec<Option<pss::Level>> = match m.pss {
            Some(_) => [
                pss::Level::Privileged,
                pss::Level::Baseline,
                pss::Level::Restricted,
            ]
            .into_iter()
            .map(Some)
            .collect(),
            None => vec![None],
        };
        for level in levels {
            out.push(Finding {
                kind: FindingKind::Misconfiguration,
                id: Cow::Borrowed(m.id),
                name: Some(Cow::Borrowed(m.name)),
                severity: m.severity,
                title: Cow::Borrowed(m.title),
                message: Arc::from(""),
                location: Location::default(),
                evidence: None,
                references: Vec::new(),
                properties: BTreeMap::new(),
                shared_properties: shared.get(m, level, opts.pss_version),
            });
        }
    }
    out
}

/// Scans one in-memory buffer (the fuzz target's entry point).
#[must_use]
pub fn scan_bytes(name: &str, data: &[u8], opts: &ScanOptions) -> K8sScan {
    let parsed = vec![parse_bytes(name.to_string(), data, opts)];
    evaluate(&parsed, opts)
}

fn collect_objects<'a>(
    parsed: &'a [Parsed],
    problems: &mut Vec<(usize, &'a yaml::Doc, TypeProblem)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Object<'a>> {
    let mut objects = Vec::new();
    for (fi, p) in parsed.iter().enumerate() {
        for (di, doc) in p.docs.iter().enumerate() {
            let Some(root) = doc.root() else { continue };
            if doc.kind(root) != yaml::Kind::Map {
                continue;
            }
            let mut local = Vec::new();
            let mut seen = Vec::new();
            let mut keep = |o: Object<'a>, item: Option<usize>| {
                if !o.known
                    && o.pod.is_none()
                    && let Some(d) = unread_pod_spec(&o, di, item, &mut seen)
                {
                    diagnostics.push(d);
                }
                objects.push(o);
            };
            let kind = doc.get(root, "kind").and_then(|k| doc.str(k));
            if kind.is_some_and(|k| k == "List" || k.ends_with("List")) {
                if let Some(items) = doc.get(root, "items")
                    && let Some(items) =
                        model::expect(doc, items, yaml::Kind::Seq, "items", &mut local)
                {
                    for (ii, &it) in doc.items(items).iter().enumerate() {
                        if doc.kind(it) == yaml::Kind::Map
                            && let Some(o) = model::object(doc, fi, &p.path, it, &mut local)
                        {
                            keep(o, Some(ii));
                        }
                    }
                }
            } else if let Some(o) = model::object(doc, fi, &p.path, root, &mut local) {
                keep(o, None);
            }
            problems.extend(local.into_iter().map(|t| (fi, doc, t)));
        }
    }
    objects
}

/// A warning for an object the rules do not see although it holds a pod spec (a custom resource that keeps it
/// somewhere other than `spec.template.spec` or `spec.jobTemplate.spec.template.spec`): silence would read as
/// "nothing wrong". Names the file (location), the document (1-based, and the `List` item) and the kind.
fn unread_pod_spec(
    o: &Object<'_>,
    doc_index: usize,
    item: Option<usize>,
    seen: &mut Vec<bool>,
) -> Option<Diagnostic> {
    let (key, path) = model::find_pod_spec(o.doc, o.node, seen)?;
    let n = o.doc.node(key);
    let item = item.map_or_else(String::new, |i| format!(", List item {}", i + 1));
    Some(Diagnostic::warning(
        format!(
            "document {}{item}: {} {} ({}) holds a pod spec at {path}, which Bulwark does not analyse \
             (it reads pod templates at spec.template.spec and spec.jobTemplate.spec.template.spec); \
             its containers were not checked",
            doc_index + 1,
            o.kind,
            o.name,
            if o.api_version.is_empty() {
                "no apiVersion"
            } else {
                &o.api_version
            },
        ),
        Location::file(o.path).with_line(n.line, Some(n.col)),
    ))
}

fn evaluate(parsed: &[Parsed], opts: &ScanOptions) -> K8sScan {
    let checker = Checker::new(parsed, opts);
    let mut stream = checker.findings();
    let mut findings = Vec::new();
    while let Some(slice) = stream.next_slice() {
        if findings.is_empty() {
            // Room for all the findings the first slice's rate predicts: growing by doubling copies the list
            // (1.5 million findings: the old and the new buffer both resident at the peak). Only a hint: when the
            // room cannot be had, the list grows as before.
            let _ = findings.try_reserve(stream.expected_total(slice.len()));
        }
        findings.extend(slice);
    }
    let mut result = stream.finish();
    result.findings = findings;
    result.values = checker.base.values;
    result
}

/// Parsed manifests, loaded once and checked as many times as the caller needs (a streamed report checks
/// twice: once for the totals that come before the findings, once to write them).
pub struct Manifests {
    parsed: Vec<Parsed>,
}

/// Reads and parses the inputs (files, directories, Helm charts, kustomizations) without checking them.
pub fn load(inputs: &[Input], opts: &ScanOptions) -> Result<Manifests, K8sError> {
    let mut sources = Vec::new();
    input::expand(inputs, opts.max_file_size, &mut sources)?;
    check_rule_options(opts)?;
    // One source (an admission request, a single file) is parsed on the calling thread: handing it to the
    // pool and waiting costs two context switches, more than parsing a small object.
    let parsed: Vec<Parsed> = if sources.len() == 1 {
        sources.into_iter().map(|s| parse_source(s, opts)).collect()
    } else {
        sources
            .into_par_iter()
            .map(|s| parse_source(s, opts))
            .collect()
    };
    Ok(Manifests { parsed })
}

impl Manifests {
    /// The objects of every document, indexed for the cross-object rules, ready to check.
    #[must_use]
    pub fn checker<'a>(&'a self, opts: &'a ScanOptions) -> Checker<'a> {
        Checker::new(&self.parsed, opts)
    }
}

/// Objects and the cluster index built from them. [`Checker::findings`] checks them slice by slice, in report
/// order, so that a writer can stream the findings instead of holding them all (red team #16: 100,000 Pods
/// make 1.5 million findings).
pub struct Checker<'a> {
    opts: &'a ScanOptions,
    objects: Vec<Object<'a>>,
    /// Indices into `objects` in report order: by file name, then position in the file.
    order: Vec<usize>,
    cluster: Cluster,
    /// The rules that apply to each object: an index into `rule_sets`, by object.
    rules_of: Vec<usize>,
    rule_sets: Vec<Vec<&'static dyn Rule>>,
    /// Everything but the per-object results: counts, parse and type diagnostics, values.
    base: K8sScan,
    shared: compliance::RuleProperties,
    texts: Messages,
}

impl<'a> Checker<'a> {
    fn new(parsed: &'a [Parsed], opts: &'a ScanOptions) -> Self {
        let mut result = K8sScan {
            files: parsed.len(),
            ..K8sScan::default()
        };
        result.documents = parsed.iter().map(|p| p.docs.len()).sum();
        for p in parsed {
            result.diagnostics.extend(p.diagnostics.iter().cloned());
        }
        let mut problems = Vec::new();
        let objects = collect_objects(parsed, &mut problems, &mut result.diagnostics);
        // Every object stays (the API-version and dangling-reference rules look at all of them); the count is of
        // the objects the model checks: known kinds and anything with a pod template.
        result.objects = objects
            .iter()
            .filter(|o| o.known || o.pod.is_some())
            .count();
        for (fi, doc, t) in problems {
            result
                .diagnostics
                .push(type_diagnostic(&parsed[fi].path, doc, &t));
        }
        let mut cluster = rules::cross::gather(&objects);
        model::gather_policies(&objects, &mut cluster);
        let active = active_rules(opts);
        // Rule sets: by kind, whether the model knows the kind, and whether the object carries a pod template (a
        // custom resource with one gets every workload rule; kinds the model does not know get `Targets::All`
        // rules).
        let mut rule_sets: Vec<Vec<&'static dyn Rule>> = Vec::new();
        let rules_of: Vec<usize> = {
            let mut index: HashMap<(&str, bool, bool), usize> = HashMap::new();
            objects
                .iter()
                .map(|o| {
                    *index
                        .entry((o.kind.as_str(), o.known, o.pod.is_some()))
                        .or_insert_with(|| {
                            rule_sets.push(
                                active
                                    .iter()
                                    .copied()
                                    .filter(|r| r.meta().targets.applies(o))
                                    .collect(),
                            );
                            rule_sets.len() - 1
                        })
                })
                .collect()
        };
        if opts.collect_values {
            for obj in objects.iter().filter(|o| o.known) {
                let ignore = ignored_rules(obj);
                values::collect(obj, &ignore, &mut result.values, &mut result.diagnostics);
            }
        }
        // Findings sort by file name, then line: objects in that order give their findings in that order (a
        // finding points inside its own document).
        let mut order: Vec<usize> = (0..objects.len()).collect();
        order.sort_by(|&a, &b| {
            let (oa, ob) = (&objects[a], &objects[b]);
            oa.path.cmp(ob.path).then_with(|| {
                oa.doc
                    .node(oa.anchor)
                    .line
                    .cmp(&ob.doc.node(ob.anchor).line)
            })
        });
        Self {
            opts,
            rules_of,
            rule_sets,
            objects,
            order,
            cluster,
            base: result,
            shared: compliance::RuleProperties,
            texts: Messages::default(),
        }
    }
}
impl<'a> Checker<'a> {
    /// The values that may hold credentials (when [`ScanOptions::collect_values`] is set).
    #[must_use]
    pub fn values(&self) -> &[values::ManifestValue] {
        &self.base.values
    }

    /// Every object as JSON (see [`yaml::Doc::to_json`]) with its `Kind/namespace/name`, in report order, one at
    /// a time: what a policy engine judges.
    pub fn object_values(&self) -> impl Iterator<Item = (String, serde_json::Value)> + '_ {
        self.order.iter().map(|&i| {
            let o = &self.objects[i];
            (o.resource(), o.doc.to_json(o.node))
        })
    }

    /// A pass over every object. Each call checks again from the start.
    #[must_use]
    pub fn findings(&self) -> FindingStream<'_, 'a> {
        let result = K8sScan {
            files: self.base.files,
            documents: self.base.documents,
            objects: self.base.objects,
            diagnostics: self.base.diagnostics.clone(),
            ..K8sScan::default()
        };
        FindingStream {
            checker: self,
            next: 0,
            result,
            buffer: Vec::new().into_iter(),
        }
    }
}

/// The findings of a [`Checker`], one slice of objects at a time, in report order (file, line, column, rule).
/// [`FindingStream::finish`] then gives everything else the pass produced: workloads and their service accounts,
/// diagnostics, suppressed counts.
pub struct FindingStream<'c, 'a> {
    checker: &'c Checker<'a>,
    /// Position in `checker.order` of the next object to check.
    next: usize,
    result: K8sScan,
    buffer: std::vec::IntoIter<Finding>,
}

impl FindingStream<'_, '_> {
    /// The findings of the next slice of objects (checked in parallel), sorted; `None` at the end.
    pub fn next_slice(&mut self) -> Option<Vec<Finding>> {
        let c = self.checker;
        if self.next >= c.order.len() {
            return None;
        }
        let end = (self.next + OBJECTS_PER_SLICE).min(c.order.len());
        let slice = &c.order[self.next..end];
        self.next = end;
        let check = |&i: &usize| {
            check_object(
                &c.objects[i],
                &c.cluster,
                &c.rule_sets[c.rules_of[i]],
                c.opts,
                &c.shared,
                &c.texts,
            )
        };
        // A single object (an admission request) is checked on the calling thread, without a pool hand-off.
        let per_object: Vec<ObjectResult> = if slice.len() == 1 {
            slice.iter().map(check).collect()
        } else {
            slice.par_iter().map(check).collect()
        };
        let mut findings = Vec::with_capacity(per_object.iter().map(|r| r.0.len()).sum());
        for (f, d, w, s) in per_object {
            findings.extend(f);
            self.result.diagnostics.extend(d);
            if let Some(w) = w {
                if let Some(rbac) = c.cluster.sa_permissions.get(&w.service_account)
                    && !self
                        .result
                        .service_accounts
                        .contains_key(&w.service_account)
                {
                    self.result
                        .service_accounts
                        .insert(w.service_account.clone(), rbac.clone());
                }
                self.result.workloads.push(w);
            }
            self.result.suppressed += s;
        }
        sort_findings(&mut findings);
        Some(findings)
    }

    /// How many findings the whole pass will likely give, from a slice's count: a capacity hint.
    #[must_use]
    pub fn expected_total(&self, in_first_slice: usize) -> usize {
        let checked = self.next.max(1);
        in_first_slice.saturating_mul(self.checker.order.len()) / checked
    }

    /// Checks what is left, and returns the scan without its findings (those went through the stream) or values
    /// (see [`Checker::values`]).
    #[must_use]
    pub fn finish(mut self) -> K8sScan {
        for _ in self.by_ref() {}
        let mut result = self.result;
        result.diagnostics.sort_by(|a, b| {
            (&a.location.path, a.location.line).cmp(&(&b.location.path, b.location.line))
        });
        result.diagnostics.dedup();
        result
    }
}

impl Iterator for FindingStream<'_, '_> {
    type Item = Finding;

    fn next(&mut self) -> Option<Finding> {
        loop {
            if let Some(f) = self.buffer.next() {
                return Some(f);
            }
            self.buffer = self.next_slice()?.into_iter();
        }
    }
}

/// Objects checked in parallel at a time.
const OBJECTS_PER_SLICE: usize = 256;

/// Report order: by file, line, column and rule id.
#[must_use]
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    fn key(f: &Finding) -> (Option<&str>, Option<u32>, Option<u32>) {
        (
            f.location.path.as_deref(),
            f.location.line,
            f.location.column,
        )
    }
    key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
}

/// Sorts findings by file, line, column and rule id, keeping the order of equal ones, as `sort_by` does but
/// without its scratch copy of half the list (250 MB for 1.5 million findings): indices are sorted, then the
/// findings are moved along the cycles of that permutation.
pub fn sort_findings(findings: &mut [Finding]) {
    bulwark_types::sort::stable_sort_by(findings, finding_order);
}

/// Indents lines made only of `]`, `}` and `,` by two spaces; `None` when there are none.
fn indent_flow_closers(chunk: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(chunk.len() + 64);
    for l in chunk.split_inclusive('\n') {
        let t = l.trim();
        if !t.is_empty()
            && t.starts_with([']', '}'])
            && t.chars().all(|c| matches!(c, ']' | '}' | ',' | ' '))
        {
            out.push_str("  ");
            changed = true;
        }
        out.push_str(l);
    }
    changed.then_some(out)
}

fn bytecount(b: &[u8]) -> usize {
    b.iter().fold(0, |n, &c| n + usize::from(c == b'\n'))
}

/// What checking one object produced: findings, diagnostics, its score (workloads), suppressed count.
type ObjectResult = (Vec<Finding>, Vec<Diagnostic>, Option<WorkloadScore>, usize);

fn type_diagnostic(path: &str, doc: &yaml::Doc, t: &TypeProblem) -> Diagnostic {
    let n = doc.node(t.node);
    Diagnostic::warning(
        format!("wrong type: {}", t.message),
        Location::file(path).with_line(n.line, Some(n.col)),
    )
}

/// Parses `bulwark.dev/ignore: "BW-K8S-0001,privileged-container reason…"`.
fn ignored_rules(obj: &Object<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |v: &str| {
        let ids = v.split_whitespace().next().unwrap_or_default();
        out.extend(ids.split(',').filter(|s| !s.is_empty()).map(str::to_string));
    };
    if let Some(v) = obj.meta_str("annotations", "bulwark.dev/ignore") {
        add(v);
    }
    if let Some(pod) = &obj.pod
        && let Some(v) = pod
            .metadata
            .and_then(|m| obj.doc.path(m, &["annotations", "bulwark.dev/ignore"]))
            .and_then(|v| obj.doc.text(v))
    {
        add(v);
    }
    out
}

fn check_object(
    obj: &Object<'_>,
    cluster: &Cluster,
    rules: &[&'static dyn Rule],
    opts: &ScanOptions,
    shared: &compliance::RuleProperties,
    texts: &Messages,
) -> (Vec<Finding>, Vec<Diagnostic>, Option<WorkloadScore>, usize) {
    let ns = obj
        .namespace
        .as_deref()
        .and_then(|n| cluster.namespaces.get(n));
    let version = ns
        .and_then(|n| n.enforce_version)
        .unwrap_or(opts.pss_version);
    let enforce = ns.and_then(|n| n.enforce);
    let mut hits: Vec<Hit> = Vec::new();
    let mut problems = Vec::new();
    for r in rules {
        let mut cx = Cx {
            obj,
            doc: obj.doc,
            cluster,
            version,
            k8s_version: opts.k8s_version,
            rule: r.meta(),
            hits: Vec::new(),
            problems: Vec::new(),
        };
        r.check(&mut cx);
        hits.append(&mut cx.hits);
        problems.append(&mut cx.problems);
    }
    let diags: Vec<Diagnostic> = problems
        .iter()
        .map(|t| type_diagnostic(obj.path, obj.doc, t))
        .collect();
    let ignored = ignored_rules(obj);
    let before = hits.len();
    let resource = obj.resource();
    hits.retain(|h| {
        !ignored
            .iter()
            .any(|i| i.eq_ignore_ascii_case(h.rule.id) || i == h.rule.name || i == "all")
    });
    let suppressed = before - hits.len();
    let exposure = if obj.is_workload() {
        rules::cross::exposure(obj, cluster)
    } else {
        Vec::new()
    };
    let service_account = obj.is_workload().then(|| {
        format!(
            "{}/{}",
            obj.namespace.as_deref().unwrap_or("default"),
            obj.service_account()
        )
    });
    // Findings name the account; its permissions are stored once, in `K8sScan::service_accounts`.
    let rbac = service_account
        .as_deref()
        .filter(|sa| cluster.sa_permissions.contains_key(*sa));
    // One copy of the file name and of the object's name for all its findings.
    let at = Shared {
        path: obj.path.into(),
        resource: resource.as_str().into(),
    };
    let findings: Vec<Finding> = hits
        .into_iter()
        .map(|h| {
            let mut f = finding(obj, &at, h, version, enforce, &exposure, rbac, opts, shared);
            f.message = texts.get(&f.message);
            f
        })
        .collect();
    let score = obj.is_workload().then(|| {
        let anchor = obj.doc.node(obj.anchor);
        WorkloadScore {
            resource: resource.clone(),
            path: obj.path.to_string(),
            line: anchor.line,
            score: rules::score::score(obj, &findings),
            exposure: exposure.clone(),
            findings: findings.len(),
            service_account: service_account.unwrap_or_default(),
            posture: if opts.collect_posture {
                posture::posture(obj, cluster).map(Box::new)
            } else {
                None
            },
        }
    });
    (findings, diags, score, suppressed)
}

/// Each distinct message once: the Pods of a generated manifest repeat the same dozen texts.
#[derive(Default)]
struct Messages(std::sync::Mutex<std::collections::HashSet<Arc<str>>>);

impl Messages {
    fn get(&self, text: &Arc<str>) -> Arc<str> {
        let mut set = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = set.get(text) {
            return Arc::clone(t);
        }
        set.insert(Arc::clone(text));
        Arc::clone(text)
    }
}

/// What every finding of one object points at, shared rather than copied into each.
struct Shared {
    path: Arc<str>,
    resource: Arc<str>,
}

#[allow(clippy::too_many_arguments)]
fn finding(
    obj: &Object<'_>,
    at: &Shared,
    h: Hit,
    version: pss::Version,
    enforce: Option<pss::Level>,
    exposure: &[String],
    service_account: Option<&str>,
    opts: &ScanOptions,
    shared: &compliance::RuleProperties,
) -> Finding {
    let m: &RuleMeta = h.rule;
    let n = obj.doc.node(h.node);
    let severity = opts
        .severity
        .get(m.id)
        .or_else(|| opts.severity.get(m.name))
        .copied()
        .unwrap_or(m.severity);
    let mut properties = BTreeMap::new();
    let mut message = h.message;
    // `pss` and `frameworks` depend on the rule, the level and the version only: built once, shared.
    let level = m.pss.map(|p| h.level.unwrap_or(p.level));
    let shared_properties = shared.get(m, level, version);
    if let (Some(level), Some(e)) = (level, enforce)
        && level <= e
    {
        let _ = write!(
            message,
            " (namespace enforces pod-security {e}:{version}: admission would reject this pod)"
        );
        properties.insert("pssEnforced".into(), serde_json::json!(e.as_str()));
    }
    if !exposure.is_empty() {
        properties.insert("exposure".into(), serde_json::json!(exposure));
    }
    if let Some(sa) = service_account {
        properties.insert("serviceAccount".into(), serde_json::json!(sa));
    }
    Finding {
        kind: FindingKind::Misconfiguration,
        // The rule's own static text, borrowed.
        id: Cow::Borrowed(m.id),
        name: Some(Cow::Borrowed(m.name)),
        severity,
        title: Cow::Borrowed(m.title),
        message: message.into(),
        location: Location {
            path: Some(Arc::clone(&at.path)),
            line: Some(n.line),
            column: Some(n.col),
            end_line: None,
            layer: None,
            resource: Some(Arc::clone(&at.resource)),
        },
        evidence: None,
        references: Vec::new(),
        properties,
        shared_properties,
    }
}

#[cfg(test)]
mod sort_tests {
    use super::*;

    /// The in-place permutation sorts as the stable `sort_by` it replaced: equal keys keep their order.
    #[test]
    fn sort_findings_is_the_stable_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in [0, 1, 2, 3, 10, 257, 2000] {
            let findings: Vec<Finding> = (0..n)
                .map(|i| Finding {
                    kind: FindingKind::Misconfiguration,
                    id: format!("BW-K8S-000{}", next() % 3).into(),
                    name: None,
                    severity: Severity::Low,
                    title: String::new().into(),
                    message: i.to_string().into(),
                    location: Location {
                        path: (next() % 4 != 0)
                            .then(|| format!("f{}", next() % 2))
                            .map(Into::into),
                        line: Some((next() % 5) as u32),
                        column: (next() % 3 != 0).then(|| (next() % 2) as u32),
                        ..Location::default()
                    },
                    evidence: None,
                    references: Vec::new(),
                    properties: BTreeMap::new(),
                    shared_properties: None,
                })
                .collect();
            let mut expected = findings.clone();
            expected.sort_by(|a, b| {
                (&a.location.path, a.location.line, a.location.column, &a.id).cmp(&(
                    &b.location.path,
                    b.location.line,
                    b.location.column,
                    &b.id,
                ))
            });
            let mut got = findings;
            sort_findings(&mut got);
            assert_eq!(got, expected, "{n}");
        }
    }
}
