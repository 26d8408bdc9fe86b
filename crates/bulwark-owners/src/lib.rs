//! Who owns a finding: `owners.yaml` maps base images, layer `created_by` commands, registry paths,
//! namespaces, workload labels and annotations, and package URLs to teams with channels, and [`route`] picks
//! the most specific matching rule and says which one (file:line) and why.
//!
//! ```
//! use bulwark_owners::{FindingContext, LayerContext, parse_bytes, route};
//!
//! let owners = parse_bytes(br#"
//! teams:
//!   platform: {channels: [{type: slack, url: "https://hooks.slack.example/T1"}]}
//!   payments: {}
//! rules:
//!   - {team: platform, createdBy: "debootstrap *"}
//!   - {team: payments, purl: "pkg:pypi/*"}
//! "#, "owners.yaml").unwrap();
//! let layer = LayerContext { index: 1, created_by: Some("pip install requests"), ..Default::default() };
//! let cx = FindingContext { purl: Some("pkg:pypi/requests@2.19.0"), layer: Some(layer), ..Default::default() };
//! let r = route(&owners, &cx).unwrap();
//! assert_eq!((r.team.as_str(), r.rule.line), ("payments", 7));
//! ```
//!
//! Pure and synchronous: the only I/O is [`load`] reading the file.

mod alert;
#[doc(hidden)]
pub mod fuzz;
mod glob;
mod load;
mod model;
mod reference;
mod route;

pub use alert::{
    ALERT_FILE_FIELDS, AlertContext, AlertRoute, FileOwners, alert_paths, route_alert,
};
pub use load::{MAX_FILE, MAX_RULES, load, parse_bytes};
pub use model::{Error, Ownership, Problem, Route, Rule, RuleKind, RuleRef, Specificity, Team};
pub use route::{FindingContext, ImageContext, LayerContext, OWNER_KEY, WorkloadContext, route};

/// The base image an image config records: `org.opencontainers.image.base.name` and `.base.digest` in its
/// labels (`config.Labels`), else a `FROM <image>` history entry (some builders write one). Returns
/// `(name, digest)`.
#[must_use]
pub fn base_image_from<'a>(
    labels: Option<&'a serde_json::Value>,
    history: impl IntoIterator<Item = &'a str>,
) -> (Option<String>, Option<String>) {
    let label = |k: &str| {
        labels
            .and_then(|l| l.get(k))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let name = label("org.opencontainers.image.base.name").or_else(|| {
        history.into_iter().find_map(|h| {
            let rest = h.trim().strip_prefix("FROM ")?;
            rest.split_whitespace()
                .next()
                .filter(|b| !b.eq_ignore_ascii_case("scratch"))
                .map(str::to_string)
        })
    });
    (name, label("org.opencontainers.image.base.digest"))
}

#[cfg(test)]
mod tests;
