//! Falco rules files, the condition language, compilation and evaluation.
//!
//! API (stable; the implementation fills it in):
//! - [`Ruleset::load`] reads rules files in order (a later file overrides or appends to an earlier one), resolves
//!   fields through each source's [`Schema`], and returns the compiled ruleset with warnings, or every error.
//! - [`Ruleset::process`] evaluates one event against the rules indexed for its source and event type.
//! - [`Alert`] is one firing, with Falco's JSON shape.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::{Event, Schema};

/// A rule's priority, Falco's syslog-like levels, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Priority {
    /// `EMERGENCY`
    Emergency,
    /// `ALERT`
    Alert,
    /// `CRITICAL`
    Critical,
    /// `ERROR`
    Error,
    /// `WARNING`
    Warning,
    /// `NOTICE`
    Notice,
    /// `INFORMATIONAL` (also written `INFO`)
    Informational,
    /// `DEBUG`
    Debug,
}

/// One rules file, by path (for messages) and content.
#[derive(Debug, Clone)]
pub struct RulesFile {
    /// Shown in errors.
    pub path: String,
    /// The YAML text.
    pub text: String,
}

/// Selection of rules at load time, as Falco's `-D`, `-t`, `-T` and `priority` options.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Rule names to disable (`--disable-rule`), exact names or `*` globs.
    pub disabled_rules: Vec<String>,
    /// Only rules with one of these tags (`--tags`); empty = all.
    pub tags: Vec<String>,
    /// Disable rules with any of these tags (`--disable-tags`).
    pub disabled_tags: Vec<String>,
    /// Rules below this priority are not loaded (`--min-priority`); `None` = all (debug).
    pub min_priority: Option<Priority>,
}

/// An error or warning about a rules file, naming the file, the item and the position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: DiagnosticSeverity,
    /// The rules file.
    pub file: String,
    /// `rule`, `macro`, `list`, or `file` for the file as a whole.
    pub item_kind: String,
    /// The rule, macro or list name.
    pub item_name: String,
    /// 1-based line and column in the file (of the item, or of the offending token in a condition when known).
    pub line: usize,
    /// Column.
    pub column: usize,
    /// A stable short code, e.g. `LOAD_UNKNOWN_FIELD`, `LOAD_UNUSED_MACRO`, `LOAD_NO_EVTTYPE` (Falco's codes).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// Severity of a [`Diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticSeverity {
    /// Loading fails.
    Error,
    /// Loading succeeds; the user should look.
    Warning,
}

/// Loading failed; every error found, with the warnings.
#[derive(Debug, thiserror::Error)]
#[error("rules failed to load: {} error(s)", .diagnostics.iter().filter(|d| d.severity == DiagnosticSeverity::Error).count())]
pub struct LoadError {
    /// Errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// One rule firing on one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// The rule name.
    pub rule: String,
    /// Its priority.
    pub priority: Priority,
    /// The event's source (`syscall`, `k8s_audit`).
    pub source: String,
    /// The event time, ns since the epoch.
    pub time_ns: i64,
    /// The rule's output with every `%field` substituted.
    pub output: String,
    /// Every field the output names, with its value (`null` for `<NA>`).
    pub output_fields: BTreeMap<String, serde_json::Value>,
    /// The rule's tags.
    pub tags: Vec<String>,
}

/// A compiled ruleset.
#[derive(Debug, Default)]
pub struct Ruleset {}

impl Ruleset {
    /// Loads rules files in order against the given sources' schemas.
    pub fn load(
        _files: &[RulesFile],
        _schemas: &[&dyn Schema],
        _options: &LoadOptions,
    ) -> Result<(Ruleset, Vec<Diagnostic>), LoadError> {
        Err(LoadError {
            diagnostics: Vec::new(),
        })
    }

    /// Evaluates one event; every rule that fires appends an [`Alert`].
    pub fn process(&self, _event: &dyn Event, _alerts: &mut Vec<Alert>) {}
}
