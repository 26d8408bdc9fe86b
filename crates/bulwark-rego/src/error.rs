//! The crate's one error type: what was attempted, on which file and policy, and where.

use std::path::PathBuf;
use std::time::Duration;

/// An error in a policy, a suite or an input file. Findings (violations, `deny` messages) are never errors.
#[derive(Debug, thiserror::Error)]
pub enum RegoError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Text that is not valid YAML or JSON, or nests too deep.
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Syntax {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// A document with the wrong shape (a template without a kind, a constraint without `spec.match` of the
    /// right type…).
    #[error("{file}: {policy}: {message}")]
    Invalid {
        file: String,
        policy: String,
        message: String,
    },
    /// Rego that does not parse or compile. `line`/`column` are in `file` (for a template, the YAML file the
    /// Rego is embedded in, when the Rego text could be found in it), `module_line` in the Rego text itself.
    #[error("{file}{}: {policy}: Rego does not compile: {message}", position(*line, *column))]
    Compile {
        file: String,
        policy: String,
        line: Option<usize>,
        column: Option<usize>,
        module_line: Option<usize>,
        message: String,
    },
    /// An evaluation that failed (a builtin error with strict errors, a conflict, an undefined function).
    #[error("{policy}: evaluation failed: {message}")]
    Eval { policy: String, message: String },
    /// An evaluation stopped by its time budget.
    #[error("{policy}: evaluation stopped: over its time limit of {} ms ({message})", limit.as_millis())]
    Limit {
        policy: String,
        limit: Duration,
        message: String,
    },
    /// A constraint whose match cannot be decided offline (a `namespaceSelector` for a namespaced object whose
    /// Namespace is not in the inventory).
    #[error("{policy}: cannot decide the match: {message}")]
    Match { policy: String, message: String },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}
