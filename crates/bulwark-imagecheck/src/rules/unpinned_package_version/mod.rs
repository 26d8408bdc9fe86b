//! # unpinned-package-version (BW-DF-0009)
//!
//! Package installed without a pinned version.
//!
//! ## What it does
//!
//! Flags packages installed without a version: `apt-get install pkg` without `=version`, `apk add pkg` without
//! `=version`, `pip install pkg` without `==version` (or a direct `@ URL`), and `npm install -g pkg` without
//! `@version`. One finding per package, on its exact line. Paths, URLs, archives and `$VARIABLES` are skipped;
//! requirement files (`-r`) are the language scanners' job.
//!
//! ## Why it matters
//!
//! Unpinned installs make builds unreproducible: the same Dockerfile produces different images, and a malicious
//! or broken release is picked up without review.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN apt-get install -y --no-install-recommends \
//!       curl=7.88.1-10+deb12u8 \
//!       jq                           # flagged on this line
//! ```
//!
//! ## Fix
//!
//! Pin versions (`pkg=1.2.3`, `pkg==1.2.3`, `pkg@1.2.3`) and let a bot bump them; or install from a lock file.
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#apt-get
//! - https://pip.pypa.io/en/stable/topics/repeatable-installs/

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0009",
    name: "unpinned-package-version",
    title: "Package installed without a pinned version",
    severity: Severity::Medium,
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
                for p in &inst.packages {
                    if pinned(inst.manager, &p.0) == Some(false) {
                        let loc = script_location(cx, ins, &script, p.1);
                        cx.report(
                            &META,
                            ins,
                            loc,
                            format!("{} package {} has no pinned version", inst.manager, p.0),
                            Some(p.0.clone()),
                            out,
                        );
                    }
                }
            }
        }
    }
}
