//! # removed-api-version (BW-K8S-0085)
//!
//! Object uses an API version the target Kubernetes version no longer serves.
//!
//! ## What it does
//!
//! Flags an object whose `apiVersion` and `kind` (`extensions/v1beta1` `Ingress`, `policy/v1beta1`
//! `PodDisruptionBudget`, …) Kubernetes stopped serving at or before the target version: `--k8s-version v1.N`
//! (`BULWARK_K8S_VERSION`, `k8s-version:` in `bulwark.yaml`), `latest` by default. The table is the one of the
//! Deprecated API Migration Guide (removals in v1.16, v1.22, v1.25, v1.26, v1.27, v1.29 and v1.32), with the
//! replacement and the release it became available in. Versions still served but deprecated are
//! `deprecated-api-version`.
//!
//! Severity HIGH: the manifest cannot be applied to that cluster at all (`no matches for kind "Ingress" in
//! version "extensions/v1beta1"`), so an upgrade or a deploy breaks — the failure mode the guide exists for.
//!
//! ## Why it matters
//!
//! "When APIs evolve, the old API is deprecated and eventually removed." The API server converts stored
//! objects, so a live cluster shows the new version and hides the problem; the manifests in the repository,
//! Helm charts and pipelines still hold the old one and fail on the next apply after the upgrade.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: policy/v1beta1   # flagged here: removed in v1.25, use policy/v1
//! kind: PodDisruptionBudget
//! ```
//!
//! ## Fix
//!
//! Move the manifest to the replacement version (`kubectl convert -f FILE --output-version GROUP/VERSION`) and
//! apply the notable changes the migration guide lists for it.
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

pub(crate) struct RemovedApiVersion;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0085",
    name: "removed-api-version",
    title: "API version no longer served by the target Kubernetes version",
    severity: Severity::High,
    targets: Targets::All,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for RemovedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(l) = crate::rules::api_lifecycle::lookup(&cx.obj.api_version, &cx.obj.kind) else {
            return;
        };
        let target = cx.k8s_version.0;
        if target < l.removed {
            return;
        }
        let at = cx
            .doc
            .get_entry(cx.obj.node, "apiVersion")
            .map_or(cx.obj.anchor, |(k, _)| k);
        cx.report(
            at,
            format!(
                "{} {} is not served since Kubernetes v1.{} (deprecated in v1.{}; target v1.{target}): {}",
                l.api_version,
                l.kind,
                l.removed,
                l.deprecated,
                l.advice()
            ),
        );
    }
}
