//! # setuid-setgid-file (BW-IMG-0007)
//!
//! File with the setuid or setgid bit.
//!
//! ## What it does
//!
//! Flags every regular file in the merged filesystem with the setuid (04000) or setgid (02000) bit, with its
//! owner, mode and the layer that last wrote it.
//!
//! ## Why it matters
//!
//! A setuid-root binary is a privilege-escalation path: any bug in it runs as root. Most containers need none
//! (`passwd`, `su`, `mount` are for interactive systems).
//!
//! ## Example
//!
//! ```text
//! /usr/bin/passwd  -rwsr-xr-x uid 0  (layer 0)   # flagged
//! ```
//!
//! ## Fix
//!
//! Strip the bits in the Dockerfile: `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`, or use a
//! distroless base.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.8 Ensure setuid and setgid permissions are removed
//! - https://man7.org/linux/man-pages/man2/execve.2.html

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0007",
    name: "setuid-setgid-file",
    title: "File with the setuid or setgid bit",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &["4.8"],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    for (path, n) in cx.fs.nodes() {
        if !matches!(n.kind, NodeKind::File { .. }) || n.mode & 0o6000 == 0 {
            continue;
        }
        let bits = match (n.mode & 0o4000 != 0, n.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        let mut f = META.finding(
            format!("/{path} is {bits} (owner uid {}, gid {})", n.uid, n.gid),
            cx.file_location(path, n.layer),
        );
        f.evidence = Some(format!("mode {:05o}", n.mode & 0o7777));
        out.push(f);
    }
}
