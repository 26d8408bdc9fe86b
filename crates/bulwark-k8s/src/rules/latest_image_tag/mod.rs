//! # latest-image-tag (BW-K8S-0022)
//!
//! Image uses the latest tag or no tag.
//!
//! ## What it does
//!
//! Flags container images tagged `:latest` or with no tag and no digest (which means `latest`).
//!
//! ## Why it matters
//!
//! `latest` changes under you: two nodes can run different code, rollbacks are impossible and an upstream compromise is deployed at the next restart.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//! - name: app
//!   image: nginx      # flagged here
//! ```
//!
//! ## Fix
//!
//! Pin a version tag, and preferably a digest (`nginx:1.27.2@sha256:…`).
//!
//! ## References
//!
//! - NIST SP 800-190: 4.2.2 Stale images in registries
//! - https://kubernetes.io/docs/concepts/containers/images/#image-names

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

pub(crate) struct LatestImageTag;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0022",
    name: "latest-image-tag",
    title: "Image uses the latest tag or no tag",
    severity: Severity::Medium,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &["4.2.2 Stale images in registries"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for LatestImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let Some((n, image)) = cx.string(Some(c.node), "image") else {
                continue;
            };
            if image.contains('@') {
                continue;
            }
            let last = image.rsplit('/').next().unwrap_or(image);
            match last.split_once(':') {
                Some((_, "latest")) => cx.report(
                    n,
                    format!("{} image {image} uses the latest tag", describe(c)),
                ),
                None => cx.report(
                    n,
                    format!("{} image {image} has no tag (latest)", describe(c)),
                ),
                _ => {}
            }
        }
    }
}
