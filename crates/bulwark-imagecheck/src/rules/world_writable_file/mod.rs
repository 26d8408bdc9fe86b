//! # world-writable-file (BW-IMG-0008)
//!
//! World-writable file or directory.
//!
//! ## What it does
//!
//! Flags regular files and directories whose mode has the other-write bit (0o002), outside `/tmp`, `/var/tmp` and
//! `/dev/shm`. Symlinks (always 0777) and sticky directories (01777, where only owners can delete) are skipped.
//!
//! ## Why it matters
//!
//! Any user in the container can change a world-writable file: a non-root process compromised at run time can
//! then plant code that root or another service executes.
//!
//! ## Example
//!
//! ```text
//! /app/config.yaml  -rw-rw-rw-   # flagged
//! /tmp               drwxrwxrwt   # fine (sticky, and /tmp)
//! ```
//!
//! ## Fix
//!
//! Fix the mode in the Dockerfile (`COPY --chmod=644`, `chmod o-w`), and give write access to the one user that
//! needs it.
//!
//! ## References
//!
//! - NIST SP 800-190 4.1.4
//! - https://www.kernel.org/doc/html/latest/admin-guide/sysctl/fs.html#protected-regular

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0008",
    name: "world-writable-file",
    title: "World-writable file or directory",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

const EXEMPT: &[&str] = &["tmp", "var/tmp", "dev/shm"];

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    for (path, n) in cx.fs.nodes() {
        let dir = matches!(n.kind, NodeKind::Dir);
        if n.mode & 0o002 == 0 || !(dir || matches!(n.kind, NodeKind::File { .. })) {
            continue;
        }
        if dir && n.mode & 0o1000 != 0 {
            continue;
        }
        if EXEMPT
            .iter()
            .any(|e| path == *e || path.strip_prefix(e).is_some_and(|r| r.starts_with('/')))
        {
            continue;
        }
        let what = if dir { "directory" } else { "file" };
        let mut f = META.finding(
            format!("{what} /{path} is world-writable"),
            cx.file_location(path, n.layer),
        );
        f.evidence = Some(format!("mode {:05o}", n.mode & 0o7777));
        out.push(f);
    }
}
