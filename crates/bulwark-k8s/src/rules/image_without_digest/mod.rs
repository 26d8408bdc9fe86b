//! # image-without-digest (BW-K8S-0023)
//!
//! Image is not pinned by digest.
//!
//! ## What it does
//!
//! Flags container images referenced by tag without an `@sha256:` digest.
//!
//! ## Why it matters
//!
//! A tag can be moved to different content by anyone who can push to the repository; a digest cannot.
//!
//! ## Example
//!
//! ```yaml
//! image: nginx:1.27.2   # flagged here
//! ```
//!
//! ## Fix
//!
//! Reference the image by digest (`nginx:1.27.2@sha256:…`); tools such as Renovate keep digests current.
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

pub(crate) struct ImageWithoutDigest;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0023",
    name: "image-without-digest",
    title: "Image is not pinned by digest",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &["4.2.2 Stale images in registries"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for ImageWithoutDigest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            if let Some((n, image)) = cx.string(Some(c.node), "image")
                && !image.contains("@sha256:")
                && !image.contains("@sha512:")
            {
                cx.report(
                    n,
                    format!("{} image {image} is not pinned by digest", describe(c)),
                );
            }
        }
    }
}
