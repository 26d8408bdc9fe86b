//! # sudo-installed (BW-IMG-0004)
//!
//! sudo is installed in the image.
//!
//! ## What it does
//!
//! Flags an image whose filesystem has a `sudo` binary (`/usr/bin/sudo`, `/bin/sudo`, `/usr/sbin/sudo`,
//! `/usr/local/bin/sudo`), with the layer that added it.
//!
//! ## Why it matters
//!
//! Containers run one process with a fixed user; sudo only adds a setuid-root path to privilege escalation and
//! unpredictable TTY and signal behaviour.
//!
//! ## Example
//!
//! ```text
//! /usr/bin/sudo  (layer 2: apt-get install -y sudo)   # flagged
//! ```
//!
//! ## Fix
//!
//! Remove sudo; do privileged setup in `RUN` steps before `USER`, and use `gosu`/`su-exec` in entrypoints that
//! must drop privileges.
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#user
//! - NIST SP 800-190 4.4.3

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0004",
    name: "sudo-installed",
    title: "sudo is installed in the image",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

const PATHS: &[&str] = &[
    "usr/bin/sudo",
    "bin/sudo",
    "usr/sbin/sudo",
    "usr/local/bin/sudo",
];

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    for p in PATHS {
        if let Ok(Some(n)) = cx.fs.node(p)
            && !matches!(n.kind, NodeKind::Dir)
        {
            out.push(META.finding(
                format!("sudo is present at /{p}"),
                cx.file_location(p, n.layer),
            ));
            return;
        }
    }
}
