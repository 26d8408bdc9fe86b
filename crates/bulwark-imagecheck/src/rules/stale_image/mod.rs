//! # stale-image (BW-IMG-0011)
//!
//! Image is older than the age limit.
//!
//! ## What it does
//!
//! Flags an image whose config `created` date is more than the configured number of days (default 365) before
//! today.
//!
//! ## Why it matters
//!
//! An old image carries every vulnerability fixed since it was built; rebuilding regularly picks up base-image
//! and package fixes.
//!
//! ## Example
//!
//! ```text
//! "created": "2023-01-10T08:00:00Z"   # flagged in 2026 with the default limit
//! ```
//!
//! ## Fix
//!
//! Rebuild and redeploy on a schedule (weekly is common), and set the limit to match your policy (`--max-image-
//! age`).
//!
//! ## References
//!
//! - NIST SP 800-190 4.2.2 Stale images in registries
//! - https://github.com/opencontainers/image-spec/blob/main/config.md#properties

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0011",
    name: "stale-image",
    title: "Image is older than the age limit",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    let Some(created) = cx.config.created.as_deref() else {
        return;
    };
    let Some(day) = crate::days_from_date(created) else {
        return;
    };
    let today = match cx.opts.today.as_deref() {
        Some(t) => crate::days_from_date(t),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| (d.as_secs() / 86_400).cast_signed()),
    };
    let Some(today) = today else {
        return;
    };
    let age = today - day;
    if age > i64::from(cx.opts.max_age_days) {
        let mut f = META.finding(
            format!(
                "the image was created {age} days ago (limit {} days)",
                cx.opts.max_age_days
            ),
            ImageCx::config_location("created"),
        );
        f.location.resource = Some("created".into());
        f.evidence = Some(created.to_string());
        out.push(f);
    }
}
