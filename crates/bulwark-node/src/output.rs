//! kube-bench's text output and JSON shape (`Controls`, `Totals`), JUnit, and checks as report findings with CIS
//! sections for the compliance evidence.
//!
//! STUB (session 15 skeleton): signatures are the contract with the CLI.

use bulwark_types::Finding;

use crate::host::HostResult;
use crate::probe;
use crate::run::NodeRun;

/// What the text output shows (kube-bench's `--noremediations`, `--noresults`, `--nosummary`, `--nototals`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub no_remediations: bool,
    pub no_results: bool,
    pub no_summary: bool,
    pub no_totals: bool,
}

/// kube-bench's text output.
#[must_use]
pub fn text(run: &NodeRun, opts: TextOptions) -> String {
    let _ = (run, opts);
    String::new()
}

/// kube-bench's `--json` shape: `{"Controls": [...], "Totals": {...}}`.
#[must_use]
pub fn kube_bench_json(run: &NodeRun) -> serde_json::Value {
    let _ = run;
    serde_json::Value::Null
}

/// JUnit XML, one test suite per section, one test case per check (kube-bench's `--junit` shape).
#[must_use]
pub fn junit(run: &NodeRun) -> String {
    let _ = run;
    String::new()
}

/// The FAIL and WARN checks as report findings (`FindingKind::Misconfiguration`, id `BW-NODE-<benchmark>-<id>`).
#[must_use]
pub fn findings(run: &NodeRun) -> Vec<Finding> {
    let _ = run;
    Vec::new()
}

/// The host benchmark's FAIL and WARN checks as findings (id `BW-HOST-<id>`).
#[must_use]
pub fn host_findings(results: &[HostResult]) -> Vec<Finding> {
    let _ = results;
    Vec::new()
}

/// The probe's findings as report findings (id `BW-PROBE-<check>`).
#[must_use]
pub fn probe_findings(found: &[probe::Finding]) -> Vec<Finding> {
    let _ = found;
    Vec::new()
}
