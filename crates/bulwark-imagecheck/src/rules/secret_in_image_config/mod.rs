//! # secret-in-image-config (BW-IMG-0002)
//!
//! Secret-like value in image environment or labels.
//!
//! ## What it does
//!
//! Flags `Env` entries and `Labels` whose name contains PASSWORD, PASSWD, SECRET, TOKEN, API_KEY or APIKEY and
//! that hold a non-empty value. Names ending in `_FILE`, `_PATH` or `_DIR` point to a secret rather than hold one
//! and are skipped. This is a name heuristic only; the secrets engine scans values.
//!
//! ## Why it matters
//!
//! The config is readable by anyone who can pull the image (`docker inspect`), is copied into every container's
//! environment, and ends up in logs and crash reports.
//!
//! ## Example
//!
//! ```text
//! "Env": ["DB_PASSWORD=hunter2"]     # flagged
//! "Env": ["DB_PASSWORD_FILE=/run/secrets/db"]   # fine
//! ```
//!
//! ## Fix
//!
//! Pass secrets at run time (orchestrator secrets, mounted files, `--secret` build mounts); never bake them into
//! ENV or LABEL. Rotate any secret that was published in an image.
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 4.10 Ensure secrets are not stored in Dockerfiles
//! - https://docs.docker.com/build/building/secrets/

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0002",
    name: "secret-in-image-config",
    title: "Secret-like value in image environment or labels",
    severity: Severity::High,
    kind: FindingKind::Misconfiguration,
    cis: &["4.10"],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    if let Some(env) = cx.field("Env").and_then(|v| v.as_array()) {
        for e in env.iter().filter_map(|e| e.as_str()) {
            let (k, v) = e.split_once('=').unwrap_or((e, ""));
            if secret_name(k) && !v.is_empty() {
                let mut f = META.finding(
                    format!("environment variable {k} holds a literal value"),
                    ImageCx::config_location("Env"),
                );
                f.evidence = Some(redacted(k, v));
                out.push(f);
            }
        }
    }
    if let Some(labels) = cx.field("Labels").and_then(|v| v.as_object()) {
        for (k, v) in labels {
            let v = v.as_str().unwrap_or("");
            if secret_name(k) && !v.is_empty() {
                let mut f = META.finding(
                    format!("label {k} holds a literal value"),
                    ImageCx::config_location("Labels"),
                );
                f.evidence = Some(redacted(k, v));
                out.push(f);
            }
        }
    }
}
