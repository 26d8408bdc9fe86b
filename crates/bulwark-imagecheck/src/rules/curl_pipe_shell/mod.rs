//! # curl-pipe-shell (BW-DF-0008)
//!
//! Downloaded script piped into a shell.
//!
//! ## What it does
//!
//! Flags `RUN` commands that pipe `curl` or `wget` output into a shell (`curl … | sh`, `wget -O- … | sudo bash`),
//! and shells that run a download directly (`sh -c "$(curl …)"`, `bash <(wget …)`).
//!
//! ## Why it matters
//!
//! The script is executed unseen and unverified: whoever controls the server, DNS or a proxy controls the build,
//! and the same command can install different code tomorrow.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN curl -fsSL https://get.example.com | sh      # flagged
//! ```
//!
//! ## Fix
//!
//! Download to a file, verify a pinned checksum or signature, then run it: `curl -fsSLo install.sh URL && echo
//! "<sha256>  install.sh" | sha256sum -c && sh install.sh`.
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#run
//! - NIST SP 800-190 4.1.5

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0008",
    name: "curl-pipe-shell",
    title: "Downloaded script piped into a shell",
    severity: Severity::High,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

const FETCH: &[&str] = &["curl", "wget"];

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in runs(cx) {
        for (script, cmds) in run_commands(ins) {
            for (i, c) in cmds.iter().enumerate() {
                let words = effective(c).1;
                let Some(first) = words.first() else {
                    continue;
                };
                let shell = is_shell(&first.0);
                // `curl … | sh`: this command is a shell reading the output of a fetch.
                if shell && c.after_pipe && i > 0 {
                    let prev = effective(&cmds[i - 1]).1;
                    if let Some(f) = prev.first().filter(|f| FETCH.contains(&basename(&f.0))) {
                        let loc = script_location(cx, ins, &script, first.1);
                        cx.report(
                            &META,
                            ins,
                            loc,
                            format!(
                                "output of {} is piped into {}",
                                basename(&f.0),
                                basename(&first.0)
                            ),
                            Some(format!("{} … | {}", f.0, first.0)),
                            out,
                        );
                        continue;
                    }
                }
                // `sh -c "$(curl …)"`, `bash <(curl …)`.
                if shell {
                    for w in &words[1..] {
                        let fetched = FETCH.iter().any(|f| {
                            w.0.contains(&format!("$({f} "))
                                || w.0.contains(&format!("<({f} "))
                                || w.0.contains(&format!("`{f} "))
                        });
                        if fetched {
                            let loc = script_location(cx, ins, &script, w.1);
                            cx.report(
                                &META,
                                ins,
                                loc,
                                format!("{} runs a downloaded script", basename(&first.0)),
                                Some(crate::dockerfile::truncate(&w.0, 120)),
                                out,
                            );
                        }
                    }
                }
            }
        }
    }
}
