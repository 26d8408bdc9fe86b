//! # sudo-usage (BW-DF-0004)
//!
//! sudo used or installed.
//!
//! ## What it does
//!
//! Flags `RUN` commands that call `sudo`, and package installs (`apt-get`, `apk`, `yum`/`dnf`) of the `sudo`
//! package.
//!
//! ## Why it matters
//!
//! Build steps already run as the current `USER`, so `sudo` adds nothing at build time; installed in the image it
//! is a setuid-root escalation path at run time.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN sudo apt-get update            # flagged
//! RUN apk add --no-cache sudo=1.9.5p2-r0   # flagged
//! ```
//!
//! ## Fix
//!
//! Put steps that need root before `USER`, drop `sudo`, and use `gosu`/`su-exec` in an entrypoint that must
//! change user.
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#user
//! - https://docs.docker.com/reference/dockerfile/#user

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0004",
    name: "sudo-usage",
    title: "sudo used or installed",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in runs(cx) {
        for (script, cmds) in run_commands(ins) {
            for c in &cmds {
                let (sudo, words) = effective(c);
                if let Some(off) = sudo {
                    let loc = script_location(cx, ins, &script, off);
                    cx.report(
                        &META,
                        ins,
                        loc,
                        "RUN uses sudo".into(),
                        Some("sudo".into()),
                        out,
                    );
                }
                if let Some(inst) = install_command(words)
                    && inst.manager != "pip"
                    && inst.manager != "npm"
                {
                    for p in &inst.packages {
                        let name = p.0.split('=').next().unwrap_or(&p.0);
                        if name == "sudo" {
                            let loc = script_location(cx, ins, &script, p.1);
                            cx.report(
                                &META,
                                ins,
                                loc,
                                "RUN installs sudo".into(),
                                Some(p.0.clone()),
                                out,
                            );
                        }
                    }
                }
            }
        }
    }
}
