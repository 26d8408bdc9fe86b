//! # deprecated-api-version (BW-K8S-0086)
//!
//! Object uses an API version deprecated in the target Kubernetes version.
//!
//! ## What it does
//!
//! Flags an object whose `apiVersion` and `kind` the target Kubernetes version (`--k8s-version v1.N`,
//! `latest` by default) still serves but has deprecated, with the release that removes it and the
//! replacement. The table is the one of the Deprecated API Migration Guide; once the target reaches the
//! removal release the object is `removed-api-version` instead.
//!
//! Severity LOW: the manifest still applies and works on the target version, and the deprecation policy keeps
//! a deprecated beta API served for at least three more releases. It is an upgrade-planning item, not a risk
//! today; `--severity` or `--fail-on medium` keep it out of a gate.
//!
//! ## Why it matters
//!
//! The API server answers every request for a deprecated version with a `Warning:` header that pipelines
//! rarely show, and the version disappears a few releases later. Finding it while both versions are served
//! lets the manifest move before the upgrade, not during it.
//!
//! ## Example
//!
//! ```yaml
//! # --k8s-version v1.24
//! apiVersion: batch/v1beta1    # flagged here: deprecated in v1.21, removed in v1.25
//! kind: CronJob
//! ```
//!
//! ## Fix
//!
//! Move the manifest to the replacement version, available in the target release.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/reference/using-api/deprecation-guide/
//! - https://kubernetes.io/docs/reference/using-api/deprecation-policy/

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::model::*;
#[allow(unused_imports)]
use crate::pss::{Level, Version};
#[allow(unused_imports)]
use crate::rule::{Cx, PssControl, Rule, RuleMeta, Targets, describe};
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;
use bulwark_types::Severity;

pub(crate) struct DeprecatedApiVersion;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0086",
    name: "deprecated-api-version",
    title: "API version deprecated in the target Kubernetes version",
    severity: Severity::Low,
    targets: Targets::All,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for DeprecatedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(l) = crate::rules::api_lifecycle::lookup(&cx.obj.api_version, &cx.obj.kind) else {
            return;
        };
        let target = cx.k8s_version.0;
        if target < l.deprecated || target >= l.removed {
            return;
        }
        let at = cx
            .doc
            .get_entry(cx.obj.node, "apiVersion")
            .map_or(cx.obj.anchor, |(k, _)| k);
        cx.report(
            at,
            format!(
                "{} {} is deprecated since Kubernetes v1.{} and not served from v1.{} (target v1.{target}): {}",
                l.api_version,
                l.kind,
                l.deprecated,
                l.removed,
                l.advice()
            ),
        );
    }
}
