//! kube-bench's check files (`cfg/<benchmark>/<target>.yaml`), loaded unmodified.
//!
//! STUB: the loader. Ids must keep their source text: YAML reads `4.10` as the float 4.1, so ids are read from
//! the parser's scalar events (saphyr-parser), never through a float.

use serde::Serialize;

/// One file: a section of the benchmark for one target.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Controls {
    /// Benchmark id (`cis-1.12`).
    pub version: String,
    /// Section id (`4`), as written.
    pub id: String,
    pub text: String,
    /// `master`, `node`, `etcd`, `controlplane`, `policies`, `managedservices`.
    pub target: String,
    pub groups: Vec<Group>,
    /// The file it came from, for messages.
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub id: String,
    pub text: String,
    pub checks: Vec<Check>,
}

/// `type:` of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum CheckType {
    #[default]
    Automated,
    Manual,
    Skip,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Check {
    pub id: String,
    pub text: String,
    /// Shell command whose output the tests read (`$vars` not yet substituted).
    pub audit: String,
    pub audit_config: String,
    pub audit_env: String,
    pub use_multiple_values: bool,
    pub tests: Option<Tests>,
    pub remediation: String,
    pub scored: bool,
    pub check_type: CheckType,
    /// 1-based line of the check in its file.
    pub line: usize,
}

/// `bin_op` across test items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum BinOp {
    #[default]
    And,
    Or,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Tests {
    pub bin_op: BinOp,
    pub items: Vec<TestItem>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TestItem {
    /// Substring searched in the audit output; value by `(<flag>)(=|: *)*([^\s]*)`.
    pub flag: String,
    /// JSONPath into the audit_config output (`{.authentication.anonymous.enabled}`).
    pub path: String,
    /// `VAR` looked up in the audit_env output.
    pub env: String,
    /// Default true; false means the flag must be absent.
    pub set: bool,
    pub compare: Option<Compare>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Compare {
    /// `eq noteq gt gte lt lte has nothave regex valid_elements bitmask`.
    pub op: String,
    pub value: String,
}

/// Loads one check file.
pub fn load(path: &std::path::Path) -> Result<Controls, crate::NodeError> {
    Err(crate::NodeError::Other(format!(
        "{}: the check loader is not built yet",
        path.display()
    )))
}
