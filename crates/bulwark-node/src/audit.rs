//! Running a check's audit: natively for the forms kube-bench's files use most (`stat -c …` on a file, `ps -ef |
//! grep <bin>` for process flags from `/proc/*/cmdline`, `cat <config>`, `find … -exec stat`), all under a host
//! root that symlinks never leave; any other command only through `/bin/sh` with `--allow-shell`, a time limit
//! and bounded output.
//!
//! STUB.

/// What an audit produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditOutput {
    pub stdout: String,
    /// The audit could not run (file unreadable, command refused): the check's result follows kube-bench's rule for
    /// a failed audit (FAIL if scored, else WARN) and the report says why.
    pub error: Option<String>,
    /// Ran through the shell (`--allow-shell`), for the report's list.
    pub used_shell: bool,
}

/// Runs audit commands.
pub trait Auditor {
    fn run(&self, command: &str) -> AuditOutput;
}
