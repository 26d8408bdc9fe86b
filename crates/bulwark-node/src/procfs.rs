//! The processes of a host mounted at a root, read from `<root>/proc` (every path resolved inside the root):
//! what the `ps` audits print, which components run, and where the kubelet binary is.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::audit::resolve;

/// A process under `<root>/proc`.
#[derive(Debug, Clone)]
pub(crate) struct Process {
    pub(crate) pid: u32,
    /// From `status` (`PPid:`), 0 when unreadable.
    pub(crate) ppid: u32,
    /// The real user id from `status` (`Uid:`), 0 when unreadable.
    pub(crate) uid: u32,
    /// `<root>/proc/<pid>` as a real path (for `exe`).
    pub(crate) dir: PathBuf,
    /// The command name (`comm`, else argv\[0\]'s base name cut to 15 bytes).
    pub(crate) comm: String,
    pub(crate) args: Vec<String>,
}

impl Process {
    /// The command line as `ps -f` shows it: the arguments joined by spaces, `[comm]` for a kernel thread.
    pub(crate) fn cmd(&self) -> String {
        if self.args.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.args.join(" ")
        }
    }
}

/// At most this many processes read.
const MAX_PROCS: usize = 100_000;

/// The processes under `<root>/proc`, by pid; unreadable entries are skipped. An error when `/proc` itself cannot
/// be resolved or listed.
pub(crate) fn processes(root: &Path) -> Result<Vec<Process>, String> {
    let proc_dir = resolve(root, "/proc", true)?;
    let entries = std::fs::read_dir(&proc_dir).map_err(|e| format!("/proc: {e}"))?;
    let mut out = Vec::new();
    for e in entries.take(MAX_PROCS).flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let read = |name: &str, max: u64| -> Option<Vec<u8>> {
            let real = resolve(root, &format!("/proc/{pid}/{name}"), true).ok()?;
            let mut buf = Vec::new();
            std::fs::File::open(real)
                .ok()?
                .take(max)
                .read_to_end(&mut buf)
                .ok()?;
            Some(buf)
        };
        let args: Vec<String> = read("cmdline", 1 << 20)
            .unwrap_or_default()
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let status = read("status", 64 << 10).map(|b| String::from_utf8_lossy(&b).into_owned());
        let field = |k: &str| {
            status.as_deref().and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|v| v.parse::<u32>().ok())
            })
        };
        let comm = read("comm", 64)
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .trim_end_matches('\n')
                    .to_string()
            })
            .or_else(|| {
                args.first()
                    .map(|a| a.rsplit('/').next().unwrap_or(a).chars().take(15).collect())
            })
            .unwrap_or_default();
        if args.is_empty() && comm.is_empty() {
            continue;
        }
        let Ok(dir) = resolve(root, &format!("/proc/{pid}"), true) else {
            continue;
        };
        out.push(Process {
            pid,
            ppid: field("PPid:").unwrap_or(0),
            uid: field("Uid:").unwrap_or(0),
            dir,
            comm,
            args,
        });
    }
    out.sort_by_key(|p| p.pid);
    Ok(out)
}
