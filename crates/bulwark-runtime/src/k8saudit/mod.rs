//! Kubernetes audit events (`audit.k8s.io/v1` `Event`, one JSON object per line, or an `EventList` from the API
//! server's webhook backend) and the k8saudit plugin's `ka.*` and `jevt.*` fields.

use std::io::Read;

use crate::event::{Drops, Event, EventSource, Field, Schema, SourceError};

/// The `k8s_audit` source's field catalog.
#[derive(Debug, Default, Clone, Copy)]
pub struct K8sAuditSchema;

impl Schema for K8sAuditSchema {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }

    fn resolve(&self, name: &str, _arg: Option<&str>) -> Result<Field, String> {
        Err(format!("unknown field `{name}` for source k8s_audit"))
    }
}

/// Audit events read from JSON lines (a file or stdin), or from a JSON array / `EventList`.
pub struct AuditSource {
    name: String,
    _input: Box<dyn Read + Send>,
}

impl std::fmt::Debug for AuditSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl AuditSource {
    /// Reads from `input`; `name` (a path or `-`) is used in errors.
    #[must_use]
    pub fn new(name: &str, input: Box<dyn Read + Send>) -> AuditSource {
        AuditSource {
            name: name.to_string(),
            _input: input,
        }
    }
}

impl EventSource for AuditSource {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }

    fn run(&mut self, _sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
        Err(SourceError::Read {
            where_: self.name.clone(),
            message: "audit reader not built yet".into(),
        })
    }
}
