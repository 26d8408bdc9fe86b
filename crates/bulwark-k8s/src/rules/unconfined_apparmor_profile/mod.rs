//! # unconfined-apparmor-profile (BW-K8S-0006)
//!
//! AppArmor profile overridden or disabled.
//!
//! ## What it does
//!
//! Flags an AppArmor profile other than the runtime default or a localhost profile: `appArmorProfile.type` other than `RuntimeDefault`/`Localhost` on the pod or a container, and `container.apparmor.security.beta.kubernetes.io/*` annotations other than `runtime/default`, `localhost/*` or empty. A present `appArmorProfile` without a `type` is flagged too. Upstream has a single definition (check_appArmorProfile.go, minimum v1.0) that reads both the annotations and the fields, so this applies at every policy version.
//!
//! ## Why it matters
//!
//! `Unconfined` removes the mandatory access control layer that blocks many container escapes (mount, ptrace, writes to /proc/sys).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   appArmorProfile:
//!     type: Unconfined   # flagged here
//! ```
//!
//! ## Fix
//!
//! Remove the override (the runtime default applies), or use `RuntimeDefault` or a `Localhost` profile.
//!
//! ## References
//!
//! - Pod Security Standards, baseline: "AppArmor" (since v1.0)
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: pod security enforcement
//! - NIST SP 800-190: 4.4.3 Insecure container runtime configurations
//! - https://kubernetes.io/docs/concepts/security/pod-security-standards/
//! - k8s.io/pod-security-admission/policy/check_appArmorProfile.go (kubernetes/kubernetes, staging/src/): the field check was added in v1.30 inside the 1.0 definition, so it applies at every policy version

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

pub(crate) struct UnconfinedApparmorProfile;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0006",
    name: "unconfined-apparmor-profile",
    title: "AppArmor profile overridden or disabled",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: Some(PssControl {
        level: Level::Baseline,
        control: "AppArmor",
        since: Version(0),
    }),
    cis: &[],
    nsa: &["Pod security: pod security enforcement"],
    nist: &["4.4.3 Insecure container runtime configurations"],
    pci: &[],
    source: include_str!("mod.rs"),
};

impl Rule for UnconfinedApparmorProfile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        // check_appArmorProfile.go `allowedProfileType`: a present `appArmorProfile` must have type
        // RuntimeDefault or Localhost; a missing type is "" and fails.
        let check = |cx: &mut Cx<'_, '_>, sc: Option<crate::yaml::NodeId>, who: String| {
            let Some((k, aa)) = cx.map(sc, "appArmorProfile") else {
                return;
            };
            match cx.string(Some(aa), "type") {
                Some((_, "RuntimeDefault" | "Localhost")) => {}
                Some((n, t)) => cx.report(n, format!("{who} sets AppArmor profile type {t}")),
                None => cx.report(k, format!("{who} sets an appArmorProfile without a type")),
            }
        };
        check(cx, pod.security_context, "pod".to_string());
        for c in &pod.containers {
            check(cx, c.security_context, describe(c));
        }
        let ann = cx.map(pod.metadata, "annotations").map(|(_, m)| m);
        if let Some(ann) = ann {
            let doc = cx.doc;
            for (k, v) in doc.entries(ann) {
                // A null annotation value decodes to "", which is allowed.
                let val = if doc.is_null(v) {
                    Some("")
                } else {
                    doc.text(v)
                };
                let (Some(key), Some(val)) = (doc.text(k), val) else {
                    continue;
                };
                if key.starts_with("container.apparmor.security.beta.kubernetes.io/")
                    && !(val.is_empty()
                        || val == "runtime/default"
                        || val.starts_with("localhost/"))
                {
                    cx.report(k, format!("annotation {key}={val}"));
                }
            }
        }
    }
}
