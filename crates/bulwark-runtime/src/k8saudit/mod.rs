//! Kubernetes audit events (`audit.k8s.io/v1` `Event`, one JSON object per line, or an `EventList` from the API
//! server's webhook backend) and the k8saudit plugin's `ka.*` and `jevt.*` fields.
//!
//! - [`read`] parses a stream the way Falco's k8saudit plugin does (one JSON document per line: an `Event`, an
//!   `EventList`, or an array of those), streaming `EventList` items one at a time so a list of any length is
//!   read in bounded memory, with a per-event size cap. Problems with one line or item are [`AuditIssue`]s:
//!   counted in [`Drops::dropped_invalid`], reported, and reading goes on with the next item or line.
//! - [`K8sAuditSchema`] resolves every field the plugin defines (and the json plugin's `jevt.*`); [`AuditEvent`]
//!   extracts them with the plugin's semantics (`fields.rs`).

mod fields;
mod parse;

use std::io::Read;

pub use fields::{K8sAuditSchema, format_time, format_time_iso8601};
pub use parse::{AuditIssue, DEFAULT_MAX_EVENT_SIZE, IssueKind, NOT_RECOGNIZED, read, read_bytes};

use crate::event::{Drops, Event, EventSource, Field, SourceError, Value};

/// One audit event: the JSON object as received, and its `stageTimestamp` in ns.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    json: serde_json::Value,
    time_ns: i64,
}

impl AuditEvent {
    /// An event from a parsed JSON object. Like the plugin, the object needs a `stageTimestamp` in RFC 3339 form;
    /// other keys are read only when a field asks for them.
    ///
    /// # Errors
    /// The text of the problem: `can't read stageTimestamp` or an invalid timestamp.
    pub fn from_json(json: serde_json::Value) -> Result<AuditEvent, String> {
        let Some(ts) = json.get("stageTimestamp") else {
            return Err("can't read stageTimestamp".into());
        };
        let time_ns = match ts.as_str() {
            Some(s) => {
                parse::parse_rfc3339(s).ok_or_else(|| format!("invalid stageTimestamp `{s}`"))?
            }
            None => return Err("invalid stageTimestamp: not a string".into()),
        };
        Ok(AuditEvent { json, time_ns })
    }

    /// The event's JSON.
    #[must_use]
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// `auditID`, if present and a string.
    #[must_use]
    pub fn audit_id(&self) -> Option<&str> {
        self.json.get("auditID").and_then(serde_json::Value::as_str)
    }
}

impl Event for AuditEvent {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }

    fn event_type(&self) -> &'static str {
        ""
    }

    fn time_ns(&self) -> i64 {
        self.time_ns
    }

    fn extract(&self, field: &Field) -> Value<'_> {
        fields::extract(self, field)
    }
}

/// A callback for each [`AuditIssue`].
pub type IssueSink = Box<dyn FnMut(&AuditIssue) + Send>;

/// Audit events read from JSON lines (a file or stdin), or from a JSON array / `EventList` on one line.
pub struct AuditSource {
    name: String,
    input: Option<Box<dyn Read + Send>>,
    max_event_size: usize,
    on_issue: Option<IssueSink>,
}

impl std::fmt::Debug for AuditSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSource")
            .field("name", &self.name)
            .field("max_event_size", &self.max_event_size)
            .finish_non_exhaustive()
    }
}

impl AuditSource {
    /// Reads from `input`; `name` (a path or `-`) is used in errors.
    ///
    /// Problems with single lines or items (invalid JSON, not an audit event, over the size cap) do not stop
    /// the stream; they are counted in [`Drops::dropped_invalid`] and written to stderr as
    /// `warning: NAME:LINE: MESSAGE` (as Falco's plugin logs them) unless [`AuditSource::on_issue`] takes them.
    #[must_use]
    pub fn new(name: &str, input: Box<dyn Read + Send>) -> AuditSource {
        AuditSource {
            name: name.to_string(),
            input: Some(input),
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            on_issue: None,
        }
    }

    /// The largest event accepted, in bytes of JSON (default [`DEFAULT_MAX_EVENT_SIZE`], 16 MiB).
    #[must_use]
    pub fn max_event_size(mut self, bytes: usize) -> AuditSource {
        self.max_event_size = bytes.max(1);
        self
    }

    /// Sends each problem to `sink` instead of stderr.
    #[must_use]
    pub fn on_issue(mut self, sink: IssueSink) -> AuditSource {
        self.on_issue = Some(sink);
        self
    }
}

impl EventSource for AuditSource {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }

    fn run(&mut self, sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
        let Some(input) = self.input.take() else {
            return Ok(Drops::default());
        };
        let mut on_issue = self.on_issue.take();
        let name = self.name.clone();
        let result = read(
            &name,
            input,
            self.max_event_size,
            &mut |ev| sink(&ev),
            &mut |issue| match on_issue.as_mut() {
                Some(f) => f(issue),
                None => eprintln!("warning: {issue}"),
            },
        );
        self.on_issue = on_issue;
        result
    }
}
