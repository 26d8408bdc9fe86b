//! `policyreport`: the report as Kubernetes policy reports, `wgpolicyk8s.io/v1alpha2` `PolicyReport` (one per
//! namespace) and `ClusterPolicyReport`, as a multi-document YAML stream that `kubectl apply -f` takes, so that
//! Policy Reporter and other readers of the Policy WG's reports show Bulwark's results.
//!
//! Why `wgpolicyk8s.io/v1alpha2` and not `openreports.io/v1alpha1`: Kyverno (1.15 and later) still writes
//! wgpolicyk8s reports by default and OpenReports only behind its alpha `--openreportsEnabled` flag, so every
//! cluster running Kyverno has the wgpolicyk8s CRDs installed; Policy Reporter 3 reads wgpolicyk8s reports
//! always and OpenReports only where that CRD is installed. The two result shapes are the same but for names
//! (`resources`/`subjects`, `message`/`description`), so an `openreports` format would be a small addition.
//!
//! What goes in:
//! - **With a policy verdict** (`--policy`): one result per rule result, `policy` = the policy set (or the
//!   engine), `rule` = the rule id, `result` from the outcome (`fail` at a `fail` action → `fail`; at a `warn` or
//!   `info` action → `warn`, not scored, as the CRD defines `warn`; `error`, `skip`, `pass` as they are),
//!   `severity` the worst of the findings the hits point at, `resources` the Kubernetes objects the hits name,
//!   and the stage, action, engine, bundle and hits in `properties`. A rule whose hits name objects in several
//!   namespaces gives one result per namespace, each in that namespace's `PolicyReport`; results about no object
//!   go to the `ClusterPolicyReport`. The findings are not listed again: the verdict already judged them.
//! - **Without a verdict**: one `fail` result per finding (policy = the finding id, rule = its rule name), in the
//!   report of the namespace of the object it names (`scan k8s`); cluster-scoped objects and findings about no
//!   object (a file, a package) go to the `ClusterPolicyReport`. An object without a namespace goes to a
//!   `PolicyReport` without `metadata.namespace`, which `kubectl apply` puts in the current namespace, where
//!   the object itself would go.
//!
//! Every string is written double-quoted with JSON-style escapes (valid YAML 1.1 and 1.2): `kubectl` reads YAML
//! 1.1, where a plain `on`, `no` or `1:20` would not be a string. Documents are written one result at a time.

use std::collections::BTreeMap;
use std::io::Write;

use bulwark_types::{Finding, Severity};
use serde_json::{Map, Value, json};

use crate::util::fnv1a128;
use crate::{Report, ReportError, verdict};

const API_VERSION: &str = "wgpolicyk8s.io/v1alpha2";

/// Kinds of Kubernetes' own API groups (and a few common add-ons) that are not namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterPolicy",
    "ClusterPolicyReport",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IPAddress",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SecurityContextConstraints",
    "ServiceCIDR",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

/// Which report a result belongs in. Ordered: the cluster report first, then the namespace-less one, then
/// namespaces by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope<'a> {
    Cluster,
    Namespace(Option<&'a str>),
}

/// A Kubernetes object as Bulwark names it: `Kind/namespace/name`, or `Kind/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ObjectRef<'a> {
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> ObjectRef<'a> {
    fn parse(s: &'a str) -> Option<Self> {
        let mut parts = s.split('/');
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next());
        if parts.next().is_some() || a.is_empty() || b.is_empty() || c == Some("") {
            return None;
        }
        Some(match c {
            Some(name) => Self {
                kind: a,
                namespace: Some(b),
                name,
            },
            None => Self {
                kind: a,
                namespace: None,
                name: b,
            },
        })
    }

    fn scope(&self) -> Scope<'a> {
        match self.namespace {
            Some(ns) => Scope::Namespace(Some(ns)),
            None if CLUSTER_SCOPED.contains(&self.kind) => Scope::Cluster,
            None => Scope::Namespace(None),
        }
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("kind".into(), self.kind.into());
        o.insert("name".into(), self.name.into());
        if let Some(ns) = self.namespace {
            o.insert("namespace".into(), ns.into());
        }
        Value::Object(o)
    }
}

/// The report a finding without a verdict goes to: its object's.
fn finding_scope(f: &Finding) -> Scope<'_> {
    f.location
        .resource
        .as_deref()
        .and_then(ObjectRef::parse)
        .map_or(Scope::Cluster, |o| o.scope())
}

fn severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("critical"),
        Severity::High => Some("high"),
        Severity::Medium => Some("medium"),
        Severity::Low => Some("low"),
        Severity::Info => Some("info"),
        Severity::Unknown => None,
    }
}

/// Seconds and nanoseconds since the epoch of an RFC 3339 time (`2026-11-23T18:40:05.25Z`, `…+02:00`).
fn unix_time(ts: &str) -> Option<(i64, i64)> {
    let bytes = ts.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let text = ts.get(r)?;
        if text.bytes().all(|c| c.is_ascii_digit()) {
            text.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut pos = 19;
    let mut nanos = 0i64;
    if bytes[pos] == b'.' {
        let start = pos + 1;
        pos = start;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        let digits = &ts[start..pos.min(start + 9)];
        nanos = digits.parse::<i64>().ok()? * 10i64.pow(u32::try_from(9 - digits.len()).ok()?);
    }
    let offset = match bytes.get(pos..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let west = num(pos + 1..pos + 3)? * 3600 + num(pos + 4..pos + 6)? * 60;
            if *sign == b'+' { west } else { -west }
        }
        _ => return None,
    };
    Some((
        bulwark_types::time::unix_from_civil(year, month, day, hour, minute, second) - offset,
        nanos,
    ))
}

fn timestamp(ts: &str) -> Option<Value> {
    unix_time(ts).map(|(seconds, nanos)| json!({ "seconds": seconds, "nanos": nanos }))
}

/// `metadata.name`: a DNS subdomain from the target's name, with a hash of it so that two targets never share a
/// name and a second run over the same target replaces the first run's reports.
fn report_name(target: &str) -> String {
    let mut slug = String::new();
    for c in target.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let hash = fnv1a128(target.as_bytes());
    let hash = format!("{:08x}", (hash >> 96) as u32);
    if slug.is_empty() {
        format!("bulwark-{hash}")
    } else {
        format!("bulwark-{slug}-{hash}")
    }
}

/// A property value: strings as they are, other JSON as compact JSON text (the CRD wants strings).
fn property_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One finding as a `fail` result.
fn finding_result(f: &Finding, object: Option<&ObjectRef<'_>>, time: Option<&Value>) -> Value {
    let mut r = Map::new();
    r.insert("policy".into(), f.id.to_string().into());
    r.insert(
        "rule".into(),
        f.name.as_deref().unwrap_or(&f.id).to_owned().into(),
    );
    r.insert("category".into(), crate::sarif::kind_tag(f.kind).into());
    r.insert("result".into(), "fail".into());
    r.insert("scored".into(), true.into());
    if let Some(s) = severity(f.severity) {
        r.insert("severity".into(), s.into());
    }
    let message = match (f.title.is_empty(), f.message.is_empty()) {
        (false, false) => format!("{}: {}", f.title, f.message),
        (false, true) => f.title.to_string(),
        _ => f.message.to_string(),
    };
    r.insert("message".into(), message.into());
    r.insert("source".into(), "bulwark".into());
    if let Some(t) = time {
        r.insert("timestamp".into(), t.clone());
    }
    if let Some(o) = object {
        r.insert("resources".into(), json!([o.to_json()]));
    }
    let mut props = Map::new();
    let loc = &f.location;
    if let Some(p) = &loc.path {
        props.insert("file".into(), p.to_string().into());
    }
    if let Some(l) = loc.line {
        props.insert("line".into(), l.to_string().into());
    }
    if let Some(layer) = &loc.layer {
        props.insert("layer".into(), crate::util::describe_layer(layer).into());
    }
    if object.is_none()
        && let Some(res) = &loc.resource
    {
        props.insert("resource".into(), res.to_string().into());
    }
    if let Some(e) = &f.evidence {
        props.insert("evidence".into(), e.clone().into());
    }
    for (k, v) in f.all_properties() {
        props
            .entry(k.clone())
            .or_insert_with(|| property_text(v).into());
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    Value::Object(r)
}

/// The PolicyReport `result` of a rule result, and whether it is scored.
fn verdict_result(r: &Value) -> (&'static str, bool) {
    let scored = verdict::text(r, "action") == "fail";
    match verdict::text(r, "outcome") {
        "fail" if scored => ("fail", true),
        "fail" => ("warn", false),
        "error" => ("error", scored),
        "skip" => ("skip", scored),
        _ => ("pass", scored),
    }
}

/// A rule result's results, by scope: the hits are split by the namespace of the object they name.
fn verdict_results<'a>(report: &'a Report, v: &'a Value) -> Vec<(Scope<'a>, Value)> {
    let findings = verdict::FindingIndex::new(v, &report.findings);
    let subject = (verdict::text(&v["subject"], "kind") == "kubernetes-object")
        .then(|| ObjectRef::parse(verdict::text(&v["subject"], "name")))
        .flatten();
    let time = verdict::opt(v, "evaluatedAt")
        .and_then(timestamp)
        .or_else(|| timestamp(&report.created_at));
    let bundle = &v["bundle"];
    let mut out = Vec::new();
    for r in verdict::results(v) {
        let (result, scored) = verdict_result(r);
        // Hits by scope; a rule with no hit about an object is about the subject.
        let mut groups: BTreeMap<Scope<'_>, (Vec<ObjectRef<'_>>, Vec<&Value>)> = BTreeMap::new();
        for h in verdict::list(r, "hits") {
            let object = verdict::opt(h, "resource").and_then(ObjectRef::parse);
            let scope = object
                .as_ref()
                .or(subject.as_ref())
                .map_or(Scope::Cluster, ObjectRef::scope);
            let g = groups.entry(scope).or_default();
            if let Some(o) = object.or_else(|| subject.clone())
                && !g.0.contains(&o)
            {
                g.0.push(o);
            }
            g.1.push(h);
        }
        if groups.is_empty() {
            let scope = subject.as_ref().map_or(Scope::Cluster, ObjectRef::scope);
            groups.insert(scope, (subject.iter().cloned().collect(), Vec::new()));
        }
        for (scope, (objects, hits)) in groups {
            let mut o = Map::new();
            o.insert(
                "policy".into(),
                verdict::opt(r, "policySet")
                    .unwrap_or(verdict::text(r, "engine"))
                    .into(),
            );
            o.insert("rule".into(), verdict::text(r, "rule").into());
            o.insert(
                "category".into(),
                format!("Bulwark policy ({})", verdict::text(r, "engine")).into(),
            );
            o.insert("result".into(), result.into());
            o.insert("scored".into(), scored.into());
            let worst = hits
                .iter()
                .filter_map(|h| findings.finding(h))
                .map(|f| f.severity)
                .max()
                .and_then(severity);
            if let Some(s) = worst {
                o.insert("severity".into(), s.into());
            }
            let mut message = verdict::opt(r, "description")
                .unwrap_or(verdict::text(r, "rule"))
                .to_owned();
            if let Some(m) = verdict::opt(r, "message") {
                message.push_str(" (");
                message.push_str(m);
                message.push(')');
            }
            o.insert("message".into(), message.into());
            o.insert("source".into(), "bulwark".into());
            if let Some(t) = &time {
                o.insert("timestamp".into(), t.clone());
            }
            if !objects.is_empty() {
                o.insert(
                    "resources".into(),
                    objects.iter().map(ObjectRef::to_json).collect(),
                );
            }
            let mut props = Map::new();
            props.insert("stage".into(), verdict::text(v, "stage").into());
            props.insert("action".into(), verdict::text(r, "action").into());
            props.insert("engine".into(), verdict::text(r, "engine").into());
            if let Some(s) = verdict::opt(r, "source") {
                props.insert("ruleSource".into(), s.into());
            }
            props.insert("bundle".into(), verdict::text(bundle, "name").into());
            props.insert(
                "bundleDigest".into(),
                verdict::text(bundle, "digest").into(),
            );
            for (key, name) in [("version", "bundleVersion"), ("commit", "bundleCommit")] {
                if let Some(x) = verdict::opt(bundle, key) {
                    props.insert(name.into(), x.into());
                }
            }
            props.insert("decision".into(), verdict::text(v, "decision").into());
            if !hits.is_empty() {
                props.insert("hits".into(), hits.len().to_string().into());
                let lines: Vec<String> = hits.iter().map(|h| verdict::hit_line(h)).collect();
                props.insert("violations".into(), lines.join("\n").into());
            }
            let excepted = verdict::list(r, "excepted");
            if !excepted.is_empty() {
                let lines: Vec<String> = excepted
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            verdict::text(e, "exception"),
                            verdict::hit_line(e)
                        )
                    })
                    .collect();
                props.insert("excepted".into(), lines.join("\n").into());
            }
            o.insert("properties".into(), Value::Object(props));
            out.push((scope, Value::Object(o)));
        }
    }
    out
}

/// Renders `report` as `wgpolicyk8s.io/v1alpha2` reports (see the module docs).
pub fn render_policyreport(report: &Report, w: &mut dyn Write) -> Result<(), ReportError> {
    let name = report_name(&report.target.name);
    if let Some(v) = &report.verdict {
        let mut results = verdict_results(report, v);
        results.sort_by(|a, b| a.0.cmp(&b.0));
        let mut groups: Vec<(Scope<'_>, Vec<Value>)> = Vec::new();
        for (scope, r) in results {
            match groups.last_mut() {
                Some((s, list)) if *s == scope => list.push(r),
                _ => groups.push((scope, vec![r])),
            }
        }
        if groups.is_empty() {
            groups.push((Scope::Cluster, Vec::new()));
        }
        for (scope, list) in &groups {
            let summary = summarise(list.iter().map(|r| verdict::text(r, "result")));
            document(w, report, &name, scope, &summary, list.iter().cloned())?;
        }
    } else {
        // Each finding's scope as a rank among the distinct scopes, then the findings in scope order by a
        // counting sort: four bytes per finding, no copy of the findings (red team #16: millions of them).
        let scope_of = finding_scope;
        let scopes: Vec<Scope<'_>> = report
            .findings
            .iter()
            .map(scope_of)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let rank: Vec<u32> = report
            .findings
            .iter()
            .map(|f| {
                let i = scopes.binary_search(&scope_of(f)).unwrap_or_default();
                u32::try_from(i).unwrap_or(u32::MAX)
            })
            .collect();
        let mut starts = vec![0usize; scopes.len() + 1];
        for &r in &rank {
            starts[r as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; rank.len()];
        for (i, &r) in rank.iter().enumerate() {
            order[next[r as usize]] = u32::try_from(i).unwrap_or(u32::MAX);
            next[r as usize] += 1;
        }
        drop(rank);
        let time = timestamp(&report.created_at);
        if scopes.is_empty() {
            document(
                w,
                report,
                &name,
                &Scope::Cluster,
                &summarise(std::iter::empty()),
                std::iter::empty(),
            )?;
        }
        for (k, scope) in scopes.iter().enumerate() {
            let members = &order[starts[k]..starts[k + 1]];
            let summary = summarise(std::iter::repeat_n("fail", members.len()));
            let results = members.iter().map(|&i| {
                let f = &report.findings[i as usize];
                let object = f.location.resource.as_deref().and_then(ObjectRef::parse);
                finding_result(f, object.as_ref(), time.as_ref())
            });
            document(w, report, &name, scope, &summary, results)?;
        }
    }
    Ok(())
}

fn summarise<'a>(results: impl Iterator<Item = &'a str>) -> Value {
    let mut counts: BTreeMap<&str, u64> = ["pass", "fail", "warn", "error", "skip"]
        .into_iter()
        .map(|k| (k, 0))
        .collect();
    for r in results {
        if let Some(c) = counts.get_mut(r) {
            *c += 1;
        }
    }
    json!(counts)
}

/// Writes one report document: its header, then each result as it comes.
fn document(
    w: &mut dyn Write,
    report: &Report,
    name: &str,
    scope: &Scope<'_>,
    summary: &Value,
    results: impl Iterator<Item = Value>,
) -> Result<(), ReportError> {
    let mut metadata = Map::new();
    metadata.insert("name".into(), name.into());
    if let Scope::Namespace(Some(ns)) = scope {
        metadata.insert("namespace".into(), (*ns).into());
    }
    metadata.insert(
        "labels".into(),
        json!({ "app.kubernetes.io/managed-by": "bulwark" }),
    );
    metadata.insert(
        "annotations".into(),
        json!({
            "bulwark.dev/target": report.target.name,
            "bulwark.dev/created-at": report.created_at,
            "bulwark.dev/tool-version": report.tool.version,
        }),
    );
    let kind = match scope {
        Scope::Cluster => "ClusterPolicyReport",
        Scope::Namespace(_) => "PolicyReport",
    };
    let mut buf = String::from("---\n");
    yaml::mapping(
        &mut buf,
        &json!({ "apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "summary": summary })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        0,
        false,
    );
    let mut results = results.peekable();
    if results.peek().is_none() {
        buf.push_str("results: []\n");
        w.write_all(buf.as_bytes())?;
        return Ok(());
    }
    buf.push_str("results:\n");
    for r in results {
        yaml::item(&mut buf, &r, 2);
        if buf.len() > 64 << 10 {
            w.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    w.write_all(buf.as_bytes())?;
    Ok(())
}

/// A block-style YAML writer for JSON values that every YAML 1.1 and 1.2 reader reads back as the same JSON:
/// strings always double-quoted with escapes for everything YAML does not allow raw or treats as a line break.
pub(crate) mod yaml {
    use std::fmt::Write as _;

    use serde_json::{Map, Value};

    /// A double-quoted YAML scalar.
    pub(crate) fn quoted(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                // C0 and C1 controls, DEL, the non-characters YAML excludes, the Unicode line and paragraph
                // separators (line breaks in YAML 1.1) and the byte order mark.
                c if (c as u32) < 0x20
                    || (0x7f..=0x9f).contains(&(c as u32))
                    || matches!(
                        c,
                        '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                    ) =>
                {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// A key: plain when it is a safe identifier, else quoted.
    fn key(out: &mut String, k: &str) {
        let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            && !matches!(
                k.to_ascii_lowercase().as_str(),
                "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
            );
        if plain {
            out.push_str(k);
        } else {
            quoted(out, k);
        }
    }

    fn scalar(out: &mut String, v: &Value) -> bool {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let _ = write!(out, "{n}");
            }
            Value::String(s) => quoted(out, s),
            Value::Array(a) if a.is_empty() => out.push_str("[]"),
            Value::Object(o) if o.is_empty() => out.push_str("{}"),
            _ => return false,
        }
        true
    }

    fn indent(out: &mut String, n: usize) {
        out.extend(std::iter::repeat_n(' ', n));
    }

    /// A mapping at `level` spaces; `inline_first`: the first key follows a `- ` already written.
    pub(crate) fn mapping(
        out: &mut String,
        m: &Map<String, Value>,
        level: usize,
        inline_first: bool,
    ) {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 || !inline_first {
                indent(out, level);
            }
            key(out, k);
            out.push(':');
            value(out, v, level);
        }
    }

    /// What follows `key:`.
    fn value(out: &mut String, v: &Value, level: usize) {
        let mut s = String::new();
        if scalar(&mut s, v) {
            out.push(' ');
            out.push_str(&s);
            out.push('\n');
            return;
        }
        out.push('\n');
        match v {
            Value::Object(o) => mapping(out, o, level + 2, false),
            Value::Array(a) => {
                for x in a {
                    item(out, x, level + 2);
                }
            }
            _ => {}
        }
    }

    /// A sequence item at `level` spaces.
    pub(crate) fn item(out: &mut String, v: &Value, level: usize) {
        indent(out, level);
        out.push('-');
        match v {
            Value::Object(o) if !o.is_empty() => {
                out.push(' ');
                mapping(out, o, level + 2, true);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                for x in a {
                    item(out, x, level + 2);
                }
            }
            other => {
                out.push(' ');
                scalar(out, other);
                out.push('\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_seconds_since_the_epoch() {
        assert_eq!(unix_time("1970-01-01T00:00:00Z"), Some((0, 0)));
        // `date -u -d 2026-11-23T18:40:05Z +%s`
        assert_eq!(unix_time("2026-11-23T18:40:05Z"), Some((1_795_459_205, 0)));
        assert_eq!(
            unix_time("2026-11-23T18:40:05.25Z"),
            Some((1_795_459_205, 250_000_000))
        );
        assert_eq!(
            unix_time("2026-11-23T20:40:05+02:00"),
            Some((1_795_459_205, 0))
        );
        assert_eq!(unix_time("2000-02-29T00:00:00Z"), Some((951_782_400, 0)));
        assert_eq!(unix_time("yesterday"), None);
        assert_eq!(unix_time("2026-11-23T18:40:05"), None);
        assert_eq!(unix_time("2026-13-23T18:40:05Z"), None);
    }

    #[test]
    fn names_are_dns_subdomains() {
        for t in [
            "registry.example.com/team/web:1.4.2",
            "",
            "./my project",
            "ÄÖÜ",
            "--x--",
        ] {
            let n = report_name(t);
            assert!(n.len() <= 253 && n.starts_with("bulwark-"), "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
            assert!(!n.ends_with('-'), "{n}");
        }
        assert_ne!(report_name("a b"), report_name("a-b"));
    }

    #[test]
    fn objects_parse_and_find_their_scope() {
        let d = ObjectRef::parse("Deployment/shop/web").unwrap();
        assert_eq!(d.scope(), Scope::Namespace(Some("shop")));
        assert_eq!(
            ObjectRef::parse("ClusterRole/admin").unwrap().scope(),
            Scope::Cluster
        );
        assert_eq!(
            ObjectRef::parse("Deployment/web").unwrap().scope(),
            Scope::Namespace(None)
        );
        assert_eq!(ObjectRef::parse("web"), None);
        assert_eq!(ObjectRef::parse("a/b/c/d"), None);
        assert_eq!(ObjectRef::parse("Pod//x"), None);
    }

    fn documents(r: &Report) -> Vec<Value> {
        let mut out = Vec::new();
        render_policyreport(r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        yaml_serde::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect()
    }

    /// The verdict: results in the cluster report unless a hit names a namespaced object; `warn` for violations
    /// at `warn` and `info`; severity from the findings; the bundle in the properties.
    #[test]
    fn the_verdict_becomes_a_cluster_report_and_namespace_reports() {
        let docs = documents(&crate::verdict::sample::report());
        assert_eq!(docs.len(), 2);
        let (cluster, ns) = (&docs[0], &docs[1]);
        assert_eq!(cluster["kind"], "ClusterPolicyReport");
        assert_eq!(cluster["apiVersion"], "wgpolicyk8s.io/v1alpha2");
        assert_eq!(cluster["metadata"].get("namespace"), None);
        assert_eq!(
            cluster["summary"],
            json!({"pass": 1, "fail": 2, "warn": 3, "error": 1, "skip": 1})
        );
        assert_eq!(ns["kind"], "PolicyReport");
        assert_eq!(ns["metadata"]["namespace"], "default");
        assert_eq!(ns["metadata"]["name"], cluster["metadata"]["name"]);
        assert_eq!(ns["summary"]["warn"], 1);
        let pod = &ns["results"][0];
        assert_eq!(pod["policy"], "baseline");
        assert_eq!(pod["rule"], "pod-security");
        assert_eq!(pod["result"], "warn");
        assert_eq!(pod["scored"], false);
        assert_eq!(pod["severity"], "critical");
        assert_eq!(
            pod["resources"],
            json!([{"kind": "Deployment", "namespace": "default", "name": "web"}])
        );
        let find = |rule: &str| {
            cluster["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["rule"] == rule)
                .unwrap()
                .clone()
        };
        let aws = find("no-aws-credentials");
        assert_eq!(aws["result"], "fail");
        assert_eq!(aws["severity"], "critical");
        assert_eq!(
            aws["timestamp"],
            json!({"seconds": 1_796_119_200, "nanos": 0})
        );
        assert_eq!(
            aws["properties"]["bundleCommit"],
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        assert_eq!(aws["properties"]["stage"], "build");
        assert!(aws["properties"]["violations"].as_str().unwrap().contains(
            "AWS_SECRET_ACCESS_KEY=<on> is set in the image's \"environment\"\nsecond line"
        ));
        assert!(
            aws["properties"]["excepted"]
                .as_str()
                .unwrap()
                .starts_with("SEC-9-test-key: ")
        );
        assert_eq!(find("info-only")["result"], "warn");
        assert_eq!(find("require-team-label")["result"], "error");
        assert_eq!(find("require-team-label")["policy"], "policies/labels.yaml");
        assert_eq!(find("signed-by-ci")["result"], "skip");
        assert_eq!(find("no-malware")["result"], "pass");
        assert_eq!(
            find("pod-security")["resources"],
            json!([{"kind": "Namespace", "name": "shop"}, {"kind": "ClusterRole", "name": "admin"}])
        );
    }

    /// Without a verdict: a `fail` per finding, in the report of its object's namespace.
    #[test]
    fn findings_go_to_the_report_of_their_namespace() {
        let mut r = crate::verdict::sample::report();
        r.verdict = None;
        let mut ns_less = r.findings[2].clone();
        ns_less.location.resource = Some("Deployment/web".into());
        r.findings.push(ns_less);
        let mut cr = r.findings[2].clone();
        cr.location.resource = Some("ClusterRoleBinding/everyone".into());
        r.findings.push(cr);
        let docs = documents(&r);
        let heads: Vec<(String, Option<String>, usize)> = docs
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().unwrap().to_owned(),
                    d["metadata"]["namespace"].as_str().map(str::to_owned),
                    d["results"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            heads,
            [
                ("ClusterPolicyReport".to_owned(), None, 5),
                ("PolicyReport".to_owned(), None, 1),
                ("PolicyReport".to_owned(), Some("default".to_owned()), 1),
            ]
        );
        let k8s = &docs[2]["results"][0];
        assert_eq!(k8s["policy"], "BW-K8S-0001");
        assert_eq!(k8s["result"], "fail");
        assert_eq!(k8s["severity"], "critical");
        assert_eq!(
            k8s["properties"],
            json!({"file": "deploy/web.yaml", "line": "7"})
        );
        assert_eq!(docs[0]["summary"]["fail"], 5);
        // A clean report is one empty cluster report.
        r.findings.clear();
        let docs = documents(&r);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0]["results"], json!([]));
    }

    /// Every YAML reader gets the same strings back, whatever they hold.
    #[test]
    fn any_string_survives_the_yaml() {
        let nasty = [
            "on",
            "no",
            "y",
            "~",
            "null",
            "012",
            "1:20",
            "1e3",
            ".inf",
            "- x",
            ": y",
            "#c",
            "{a}",
            "[b]",
            "&a",
            "*b",
            "!t",
            "|",
            ">",
            "'q'",
            "\"",
            "  lead",
            "trail  ",
            "a\nb\n",
            "\u{7}bell\u{1b}[31m",
            "\u{85}",
            "\u{2028}",
            "\u{feff}bom",
            "ünï",
            "---",
            "...",
            "%YAML",
            "@at",
            "`tick",
            "\t",
            "",
        ];
        let mut value = Map::new();
        for (i, s) in nasty.iter().enumerate() {
            value.insert((*s).to_owned(), json!([s, {"k": s, *s: [s]}]));
            value.insert(format!("k{i}"), json!(s));
        }
        let v = Value::Object(value);
        let mut text = String::new();
        yaml::item(&mut text, &v, 2);
        let back: Vec<Value> = yaml_serde::from_str(&text).unwrap();
        assert_eq!(back, vec![v]);
    }

    #[test]
    fn strings_are_quoted_with_yaml_escapes() {
        let mut s = String::new();
        yaml::quoted(&mut s, "on \"x\" \\ \n\t\u{7}\u{7f}\u{85}\u{2028}é");
        assert_eq!(s, r#""on \"x\" \\ \n\t\u0007\u007f\u0085\u2028é""#);
    }
}
