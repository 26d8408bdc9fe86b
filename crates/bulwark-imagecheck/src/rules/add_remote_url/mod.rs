//! # add-remote-url (BW-DF-0003)
//!
//! ADD from a remote URL.
//!
//! ## What it does
//!
//! Flags `ADD` instructions with an `http://` or `https://` source.
//!
//! ## Why it matters
//!
//! ADD fetches the URL at build time with no integrity check unless `--checksum` is given, so the build depends
//! on whatever the server returns that day.
//!
//! ## Example
//!
//! ```dockerfile
//! ADD https://example.com/tool.tar.gz /opt/     # flagged
//! ```
//!
//! ## Fix
//!
//! Download in a `RUN` with `curl -fsSLO` and verify a pinned sha256, or use `ADD --checksum=sha256:…`; use
//! `COPY` for local files.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.9 Ensure that COPY is used instead of ADD in Dockerfiles
//! - https://docs.docker.com/reference/dockerfile/#add

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Dockerfile(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-DF-0003",
    name: "add-remote-url",
    title: "ADD from a remote URL",
    severity: Severity::Medium,
    kind: FindingKind::Misconfiguration,
    cis: &["4.9"],
    source: include_str!("mod.rs"),
};

fn check(cx: &DfCx<'_>, out: &mut Vec<Finding>) {
    for ins in cx.df.instructions.iter().filter(|i| i.keyword == "ADD") {
        let sources: Vec<(String, Option<usize>)> = match &ins.form {
            Form::Exec(v) => v
                .iter()
                .take(v.len().saturating_sub(1))
                .map(|s| (s.clone(), None))
                .collect(),
            Form::Shell => ins
                .words
                .iter()
                .take(ins.words.len().saturating_sub(1))
                .map(|w| (w.value.clone(), Some(w.offset)))
                .collect(),
        };
        for (src, off) in sources {
            if src.starts_with("http://") || src.starts_with("https://") {
                let loc = off.map_or_else(|| cx.at(ins), |o| cx.at_offset(&ins.source, o));
                let pinned = ins.flag("checksum").is_some();
                let msg = if pinned {
                    format!("ADD downloads {src} (checksum pinned)")
                } else {
                    format!("ADD downloads {src} without a checksum")
                };
                cx.report(&META, ins, loc, msg, Some(src), out);
            }
        }
    }
}
