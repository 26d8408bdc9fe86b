//! # image-pull-policy-not-always (BW-K8S-0024)
//!
//! imagePullPolicy is not Always for a mutable image reference.
//!
//! ## What it does
//!
//! Flags containers whose image is not pinned by digest and whose `imagePullPolicy` is not `Always` (explicitly, or by default for a non-latest tag).
//!
//! ## Why it matters
//!
//! With `IfNotPresent`, a node keeps running whatever it pulled first under a tag, and pods on another node may run different content; private images cached on a node can also be used by pods that lack pull credentials.
//!
//! ## Example
//!
//! ```yaml
//! image: app:1.2
//! imagePullPolicy: IfNotPresent   # flagged here
//! ```
//!
//! ## Fix
//!
//! Pin the image by digest, or set `imagePullPolicy: Always`.
//!
//! ## References
//!
//! - https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy

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

pub(crate) struct ImagePullPolicyNotAlways;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0024",
    name: "image-pull-policy-not-always",
    title: "imagePullPolicy is not Always for a mutable image reference",
    severity: Severity::Low,
    targets: Targets::Workloads,
    pss: None,
    cis: &[],
    nsa: &[],
    nist: &[],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for ImagePullPolicyNotAlways {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let Some((img_n, image)) = cx.string(Some(c.node), "image") else {
                continue;
            };
            if image.contains('@') {
                continue;
            }
            match cx.string(Some(c.node), "imagePullPolicy") {
                Some((_, "Always")) => {}
                Some((n, p)) => {
                    cx.report(n, format!("{} pulls {image} with policy {p}", describe(c)));
                }
                None => {
                    let tag = image
                        .rsplit('/')
                        .next()
                        .and_then(|l| l.split_once(':'))
                        .map(|(_, t)| t);
                    if tag.is_some_and(|t| t != "latest") {
                        cx.report(
                            img_n,
                            format!(
                                "{} pulls {image} with the default policy IfNotPresent",
                                describe(c)
                            ),
                        );
                    }
                }
            }
        }
    }
}
