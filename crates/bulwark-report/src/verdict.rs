//! Reading the policy verdict ([`Report::verdict`](crate::Report)) for the renderers.
//!
//! The verdict is bulwark-policy's `Verdict` as it serialises (this crate cannot depend on bulwark-policy, which
//! depends on it): `decision`, `stage`, `evaluatedAt`, `bundle {name, version?, digest, commit?}`, `subject`,
//! `policySets`, `results[] {rule, engine, policySet?, source?, description?, action, outcome, message?, hits[],
//! excepted[]}`, `exceptions {applied[], expired[]}`, `db?`, `notes[]`. A hit is `{findingId?, package?, purl?,
//! path?, resource?, field?, message}`. Readers here tolerate missing keys: a verdict from an older or newer
//! Bulwark still renders.

use std::collections::HashMap;

use bulwark_types::Finding;
use serde_json::Value;

/// The string at `key`, or `""`.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The string at `key` when present and not empty.
pub(crate) fn opt<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The array at `key`, or an empty slice.
pub(crate) fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The verdict's rule results.
pub(crate) fn results(verdict: &Value) -> &[Value] {
    list(verdict, "results")
}

/// Whether a rule result is a violation (`fail`, or `error`: an engine that failed counts as a violation).
pub(crate) fn violated(r: &Value) -> bool {
    matches!(text(r, "outcome"), "fail" | "error")
}

/// `name version (commit abc…)` or `name version (sha256:…)`.
pub(crate) fn bundle_label(verdict: &Value) -> String {
    let b = &verdict["bundle"];
    let mut s = text(b, "name").to_owned();
    if let Some(v) = opt(b, "version") {
        s.push(' ');
        s.push_str(v);
    }
    match opt(b, "commit") {
        Some(c) => {
            s.push_str(" (commit ");
            s.push_str(&c[..c.len().min(12)]);
            s.push(')');
        }
        None => {
            if let Some(d) = opt(b, "digest") {
                s.push_str(" (");
                s.push_str(d);
                s.push(')');
            }
        }
    }
    s
}

/// One line for a hit: its message, then what it points at.
pub(crate) fn hit_line(h: &Value) -> String {
    let what: Vec<String> = ["findingId", "package", "path", "resource", "field"]
        .iter()
        .filter_map(|k| opt(h, k).map(|x| format!("{k} {x}")))
        .collect();
    let msg = text(h, "message");
    match (msg.is_empty(), what.is_empty()) {
        (_, true) => msg.to_owned(),
        (true, false) => what.join(", "),
        (false, false) => format!("{msg} ({})", what.join(", ")),
    }
}

/// Whether a hit points at this finding: the same id, and the same path, resource and purl where the hit names
/// them (a vulnerability id shared by several packages is told apart by path and purl).
pub(crate) fn hit_is(h: &Value, f: &Finding) -> bool {
    if opt(h, "findingId") != Some(&*f.id) {
        return false;
    }
    let same = |hit: Option<&str>, ours: Option<&str>| hit.is_none() || hit == ours;
    same(opt(h, "path"), f.location.path.as_deref())
        && same(opt(h, "resource"), f.location.resource.as_deref())
        && (opt(h, "purl").is_none()
            || crate::link::purl(f).is_none()
            || opt(h, "purl") == crate::link::purl(f))
}

/// The policy rules whose hits point at each finding, looked up by finding id.
pub(crate) struct FindingRules<'a> {
    by_id: HashMap<&'a str, Vec<(&'a Value, &'a str)>>,
}

impl<'a> FindingRules<'a> {
    pub(crate) fn new(verdict: &'a Value) -> Self {
        let mut by_id: HashMap<&str, Vec<(&Value, &str)>> = HashMap::new();
        for r in results(verdict).iter().filter(|r| violated(r)) {
            for h in list(r, "hits") {
                if let Some(id) = opt(h, "findingId") {
                    by_id.entry(id).or_default().push((h, text(r, "rule")));
                }
            }
        }
        Self { by_id }
    }

    /// The rule ids that a hit on `f` came from, sorted, without duplicates.
    pub(crate) fn rules_of(&self, f: &Finding) -> Vec<&'a str> {
        let mut rules: Vec<&str> = self
            .by_id
            .get(&*f.id)
            .into_iter()
            .flatten()
            .filter(|(h, _)| hit_is(h, f))
            .map(|(_, rule)| *rule)
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// Index of the findings by id, for the ids the verdict's hits name: hits point back at findings in one lookup.
pub(crate) struct FindingIndex<'a> {
    by_id: HashMap<&'a str, Vec<&'a Finding>>,
}

impl<'a> FindingIndex<'a> {
    pub(crate) fn new(verdict: &Value, findings: &'a [Finding]) -> Self {
        let wanted: std::collections::HashSet<&str> = results(verdict)
            .iter()
            .flat_map(|r| list(r, "hits"))
            .filter_map(|h| opt(h, "findingId"))
            .collect();
        let mut by_id: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in findings.iter().filter(|f| wanted.contains(&*f.id)) {
            by_id.entry(&*f.id).or_default().push(f);
        }
        Self { by_id }
    }

    /// The finding a hit points at, when it names one that is in the report.
    pub(crate) fn finding(&self, h: &Value) -> Option<&'a Finding> {
        let id = opt(h, "findingId")?;
        self.by_id.get(id)?.iter().copied().find(|f| hit_is(h, f))
    }
}

#[cfg(test)]
pub(crate) mod sample {
    /// A verdict written by hand in the shape of bulwark-policy's `Verdict` (crates/bulwark-policy/src/model.rs;
    /// the CLI tests check that it reads back into that type unchanged), about `image_report`-like findings:
    /// decision `fail` at `build`, rules failing at `fail`, `warn` and `info` actions, an `error`, a `skip`, a
    /// `pass`, a rule named like a finding id, an applied and an expired exception, and a DB.
    pub(crate) fn verdict() -> serde_json::Value {
        serde_json::from_str(include_str!("../testdata/verdict.json"))
            .expect("testdata/verdict.json")
    }

    /// A report with the findings the sample verdict's hits point at, and that verdict.
    pub(crate) fn report() -> crate::Report {
        use bulwark_types::{Finding, FindingKind, Location, Severity};
        let finding = |kind, id: &str, severity, location| Finding {
            kind,
            id: id.to_owned().into(),
            name: None,
            severity,
            title: format!("{id} title").into(),
            message: String::new().into(),
            location,
            evidence: None,
            references: vec![],
            shared_properties: None,
            properties: std::collections::BTreeMap::new(),
        };
        let mut r = crate::Report::new(crate::Target {
            kind: crate::TargetKind::Image,
            name: "registry.example.com/team/web:1.4.2".into(),
            image: None,
        });
        r.created_at = "2026-12-01T10:00:00Z".into();
        let mut vuln = finding(
            FindingKind::Vulnerability,
            "CVE-2024-2961",
            Severity::High,
            Location::file("/var/lib/dpkg/status"),
        );
        vuln.properties
            .insert("packageName".into(), serde_json::json!("libc6"));
        r.findings = vec![
            vuln,
            finding(
                FindingKind::Misconfiguration,
                "BW-DF-0002",
                Severity::High,
                Location::file("Dockerfile").with_line(3, Some(1)),
            ),
            finding(
                FindingKind::Misconfiguration,
                "BW-K8S-0001",
                Severity::Critical,
                Location {
                    resource: Some("Deployment/default/web".into()),
                    ..Location::file("deploy/web.yaml").with_line(7, None)
                },
            ),
            finding(
                FindingKind::Secret,
                "BW-SECRET-aws-access-key",
                Severity::Critical,
                Location::file("/app/config/.env").with_line(12, Some(5)),
            ),
            // Same id, another file: no policy rule hit it.
            finding(
                FindingKind::Secret,
                "BW-SECRET-aws-access-key",
                Severity::Critical,
                Location::file("/app/other/.env").with_line(2, None),
            ),
        ];
        r.verdict = Some(verdict());
        r
    }
}
