//! kube-bench's `--json` output (`{"Controls": [...], "Totals": {...}}`, Go's field names; the shape
//! bulwark-node's `output.rs` writes): each control's `tests[].results[]`. `FAIL` and `WARN` become findings as
//! `bulwark bench node` makes them: its id `BW-NODE-<version>-<test_number>`, FAIL medium, WARN
//! low (a manual check's WARN: info).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde::Deserialize;
use serde_json::Value;

use crate::{ConsolidateError, Sink, cut};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Report {
    #[serde(rename = "Controls")]
    controls: Option<Vec<Controls>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Controls {
    id: String,
    version: String,
    text: String,
    node_type: String,
    tests: Option<Vec<Group>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Group {
    section: String,
    desc: String,
    results: Option<Vec<Check>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Check {
    test_number: String,
    test_desc: String,
    #[serde(rename = "type")]
    kind: String,
    remediation: String,
    status: String,
    actual_value: String,
    expected_result: String,
    scored: bool,
    reason: String,
}

pub(crate) fn read(report: Report, sink: &mut Sink<'_>) -> Result<(), ConsolidateError> {
    for c in report.controls.unwrap_or_default() {
        let resource: Arc<str> = Arc::from(cut(&format!("{} {}", c.node_type, c.text), 1000));
        for g in c.tests.unwrap_or_default() {
            for r in g.results.unwrap_or_default() {
                let severity = match r.status.as_str() {
                    "FAIL" => Severity::Medium,
                    "WARN" if r.kind == "manual" => Severity::Info,
                    "WARN" => Severity::Low,
                    _ => continue,
                };
                let mut message = format!("{} {}: {}", r.status, r.test_number, r.test_desc);
                if !r.expected_result.is_empty() {
                    let _ = write!(
                        message,
                        "; expected {}, actual {:?}",
                        r.expected_result,
                        cut(&r.actual_value, 200)
                    );
                }
                if !r.reason.is_empty() {
                    message.push_str("; ");
                    message.push_str(&r.reason);
                }
                let mut p = BTreeMap::new();
                let mut put = |k: &str, v: Value| {
                    p.insert(k.to_owned(), v);
                };
                put("benchmark", c.version.clone().into());
                put("controlId", c.id.clone().into());
                put("section", g.section.clone().into());
                put("sectionDescription", cut(&g.desc, 1000).into());
                put("checkId", r.test_number.clone().into());
                put("state", r.status.clone().into());
                put("scored", r.scored.into());
                put("remediation", cut(r.remediation.trim(), 4096).into());
                sink.push(
                    "kube-bench",
                    Finding {
                        kind: FindingKind::Misconfiguration,
                        id: cut(&format!("BW-NODE-{}-{}", c.version, r.test_number), 512).into(),
                        name: None,
                        severity,
                        title: cut(&r.test_desc, 1000).into(),
                        message: Arc::from(cut(&message, 64 << 10)),
                        location: Location {
                            resource: Some(resource.clone()),
                            ..Location::default()
                        },
                        evidence: (!r.actual_value.is_empty()).then(|| cut(&r.actual_value, 200)),
                        references: Vec::new(),
                        properties: p,
                        shared_properties: None,
                    },
                )?;
            }
        }
    }
    Ok(())
}
