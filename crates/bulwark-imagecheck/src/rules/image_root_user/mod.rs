//! # image-root-user (BW-IMG-0001)
//!
//! Image runs as root.
//!
//! ## What it does
//!
//! Flags an image whose config sets no `User`, or sets `root`, `0` or `0:<gid>`: its processes start as uid 0.
//!
//! ## Why it matters
//!
//! A process that runs as root inside the container is root on the host if it escapes (kernel bug, mounted
//! socket, privileged flag), and can change every file in the image at run time.
//!
//! ## Example
//!
//! ```text
//! docker inspect --format '{{.Config.User}}' app   # prints nothing: flagged
//! ```
//!
//! ## Fix
//!
//! Create an unprivileged user in the Dockerfile and switch to it (`RUN useradd -r -u 10001 app` then `USER
//! 10001`).
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.1 Ensure that a user for the container has been created
//! - NIST SP 800-190 4.4.3
//! - https://docs.docker.com/reference/dockerfile/#user

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0001",
    name: "image-root-user",
    title: "Image runs as root",
    severity: Severity::High,
    kind: FindingKind::Misconfiguration,
    cis: &["4.1"],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    let user = cx
        .field("User")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .trim();
    let message = if user.is_empty() {
        "the image config sets no User, so its processes run as root (uid 0)".to_string()
    } else if is_root_user(user) {
        format!("the image config sets User {user}, which is root")
    } else {
        return;
    };
    let mut f = META.finding(message, ImageCx::config_location("User"));
    f.evidence = Some(format!("User={user:?}"));
    out.push(f);
}
