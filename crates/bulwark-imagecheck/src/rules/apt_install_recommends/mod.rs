//! # apt-install-recommends (BW-DF-0007)
//!
//! apt-get install without --no-install-recommends.
//!
//! ## What it does
//!
//! Flags `apt-get install` and `apt install` without `--no-install-recommends` (or `-o APT::Install-
//! Recommends=false`). The finding is on the line of the `install` word.
//!
//! ## Why it matters
//!
//! Recommended packages are not needed to run the software; they double image size and the attack surface (and
//! the number of vulnerabilities to triage).
//!
//! ## Example
//!
//! ```dockerfile
//! RUN apt-get update && \
//!     apt-get install -y curl      # flagged on this line
//! ```
//!
//! ## Fix
//!
//! Add `--no-install-recommends` and install what you need explicitly.
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#apt-get
//! - https://manpages.debian.org/bookworm/apt/apt-get.8.en.html

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0007",
    name: "apt-install-recommends",
    title: "apt-get install without --no-install-recommends",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in runs(cx) {
        for (script, cmds) in run_commands(ins) {
            for c in &cmds {
                let Some(inst) = install_command(effective(c).1) else {
                    continue;
                };
                if inst.manager != "apt" {
                    continue;
                }
                let all = effective(c).1;
                let disabled = all.iter().any(|a| {
                    a.0 == "--no-install-recommends"
                        || a.0.contains("Install-Recommends=false")
                        || a.0.contains("Install-Recommends=0")
                });
                if disabled {
                    continue;
                }
                let loc = script_location(cx, ins, &script, inst.verb.1);
                cx.report(
                    &META,
                    ins,
                    loc,
                    "apt-get install without --no-install-recommends".into(),
                    None,
                    out,
                );
            }
        }
    }
}
