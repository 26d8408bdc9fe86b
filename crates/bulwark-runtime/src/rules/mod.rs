//! Falco rules files, the condition language, compilation and evaluation.
//!
//! API (stable; the implementation fills it in):
//! - [`Ruleset::load`] reads rules files in order (a later file overrides or appends to an earlier one), resolves
//!   fields through each source's [`Schema`], and returns the compiled ruleset with warnings, or every error.
//! - [`Ruleset::process`] evaluates one event against the rules indexed for its source and event type.
//! - [`Alert`] is one firing, with Falco's JSON shape.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::event::{Event, Schema};

mod compile;
mod cond;
mod eval;
mod load;
mod yamlpos;

pub use eval::json_value;

pub use compile::check_condition_syntax;

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

impl Priority {
    /// Every priority, most severe first.
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// Parses a priority as rules files and `--min-priority` write it: case-insensitive, `INFO` is
    /// `INFORMATIONAL`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }

    /// As Falco prints it in outputs and JSON (`Warning`, `Informational`).
    #[must_use]
    pub fn as_falco(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

impl std::fmt::Display for Diagnostic {
    /// `file:line:col: error|warning: <kind> '<name>': message [CODE]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            DiagnosticSeverity::Error => "error",
            DiagnosticSeverity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {sev}: ", self.file, self.line, self.column)?;
        if !self.item_name.is_empty() {
            write!(f, "{} '{}': ", self.item_kind, self.item_name)?;
        }
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl Alert {
    /// The alert as Falco's `json_output` prints it: `time` (RFC 3339 UTC with nanoseconds), `rule`,
    /// `priority` (`Warning`), `output` (prefixed with the event time and priority, as Falco's text output),
    /// `output_fields`, `source`, `tags`, `hostname`.
    #[must_use]
    pub fn to_falco_json(&self, hostname: &str) -> serde_json::Value {
        serde_json::json!({
            "time": crate::time::rfc3339_ns(self.time_ns),
            "rule": self.rule,
            "priority": self.priority.as_falco(),
            "output": self.prefixed_output(),
            "output_fields": self.output_fields,
            "source": self.source,
            "tags": self.tags,
            "hostname": hostname,
        })
    }

    /// `HH:MM:SS.nnnnnnnnn: Priority output`, Falco's text line (UTC; Falco prints `evt.time` in local time).
    #[must_use]
    pub fn prefixed_output(&self) -> String {
        format!(
            "{}: {} {}",
            crate::time::clock_ns(self.time_ns),
            self.priority.as_falco(),
            self.output
        )
    }
}

/// A compiled ruleset.
#[derive(Debug, Default)]
pub struct Ruleset {
    rules: Vec<compile::Rule>,
    /// Per source: rule indexes by event type, and those that can match any type; both ascending.
    index: HashMap<String, SourceIndex>,
    expanded: HashMap<String, String>,
    /// `required_engine_version` of the last file that had one.
    pub required_engine_version: Option<String>,
    /// `required_plugin_versions` entries (name, version), recorded, not checked.
    pub required_plugin_versions: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct SourceIndex {
    by_type: HashMap<String, Vec<u32>>,
    any: Vec<u32>,
}

impl Ruleset {
    /// Loads rules files in order against the given sources' schemas.
    pub fn load(
        files: &[RulesFile],
        schemas: &[&dyn Schema],
        options: &LoadOptions,
    ) -> Result<(Ruleset, Vec<Diagnostic>), LoadError> {
        let mut loader = load::Loader {
            files,
            defs: load::Defs::default(),
            diags: Vec::new(),
            names: load::Names::default(),
        };
        for fi in 0..files.len() {
            loader.load_file(fi);
        }
        let required_engine_version = loader.defs.required_engine_version.take();
        let required_plugin_versions = std::mem::take(&mut loader.defs.required_plugin_versions);
        let mut rs = compile::compile(&mut loader, schemas, options);
        rs.required_engine_version = required_engine_version;
        rs.required_plugin_versions = required_plugin_versions;
        let diags = loader.diags;
        if diags
            .iter()
            .any(|d| d.severity == DiagnosticSeverity::Error)
        {
            return Err(LoadError { diagnostics: diags });
        }
        Ok((rs, diags))
    }

    /// Evaluates one event; every rule that fires appends an [`Alert`].
    pub fn process(&self, event: &dyn Event, alerts: &mut Vec<Alert>) {
        let Some(ix) = self.index.get(event.source()) else {
            return;
        };
        let typed: &[u32] = ix
            .by_type
            .get(event.event_type())
            .map_or(&[], Vec::as_slice);
        // Merge the two ascending lists so rules fire in file order, without allocating.
        let (mut a, mut b) = (0, 0);
        while a < typed.len() || b < ix.any.len() {
            let i = match (typed.get(a), ix.any.get(b)) {
                (Some(&x), Some(&y)) if x < y => {
                    a += 1;
                    x
                }
                (Some(&x), None) => {
                    a += 1;
                    x
                }
                (_, Some(&y)) => {
                    b += 1;
                    y
                }
                (None, None) => break,
            };
            let rule = &self.rules[i as usize];
            if eval::eval(&rule.cond, event) {
                alerts.push(eval::alert(rule, event));
            }
        }
    }

    /// The names of the rules that will be evaluated, in order.
    #[must_use]
    pub fn rule_names(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.name.as_str()).collect()
    }

    /// How many rules will be evaluated.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// No rule will be evaluated.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The event types a loaded rule is indexed under; `None` for a rule that is not loaded, an empty list for
    /// a rule evaluated on every event of its source.
    #[must_use]
    pub fn event_types(&self, rule: &str) -> Option<Vec<&str>> {
        let i = self.rules.iter().position(|r| r.name == rule)? as u32;
        let ix = self.index.get(&self.rules[i as usize].source)?;
        let mut v: Vec<&str> = ix
            .by_type
            .iter()
            .filter(|(_, rs)| rs.contains(&i))
            .map(|(t, _)| t.as_str())
            .collect();
        v.sort_unstable();
        Some(v)
    }

    /// The rule's condition with macros and lists expanded and exceptions appended, in the plain filter syntax
    /// sysdig's `-j 'FILTER'` reads.
    #[must_use]
    pub fn expanded_condition(&self, name: &str) -> Option<String> {
        self.expanded.get(name).cloned()
    }
}

/// Tag and name selection (`--tags`, `--disable-tags`, `--disable-rule`, `--min-priority`).
fn selected(options: &LoadOptions, name: &str, tags: &[String], priority: Priority) -> bool {
    if options.min_priority.is_some_and(|min| priority > min) {
        return false;
    }
    if options
        .disabled_rules
        .iter()
        .any(|d| eval::glob_match(d.as_bytes(), name.as_bytes(), false))
    {
        return false;
    }
    if tags.iter().any(|t| options.disabled_tags.contains(t)) {
        return false;
    }
    options.tags.is_empty() || tags.iter().any(|t| options.tags.contains(t))
}
