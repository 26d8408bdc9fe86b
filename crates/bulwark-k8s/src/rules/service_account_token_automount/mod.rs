//! # service-account-token-automount (BW-K8S-0027)
//!
//! Service account token is mounted automatically.
//!
//! ## What it does
//!
//! Flags pod specs that do not set `automountServiceAccountToken: false`, unless they run as a ServiceAccount in the input (same namespace, `serviceAccountName`, else `default`) that sets it to false; and ServiceAccounts that do not set it to false. The pod's own field wins over its ServiceAccount's, as the API server decides: a pod with `automountServiceAccountToken: true` is flagged whatever its ServiceAccount says.
//!
//! ## Why it matters
//!
//! Every process in the pod can read the token and call the API server with the service account's rights; most applications never need it.
//!
//! ## Example
//!
//! ```yaml
//! spec:            # flagged here
//!   containers:
//!   - name: app
//! ```
//!
//! ## Fix
//!
//! Set `automountServiceAccountToken: false` on the pod spec (or the ServiceAccount) and mount a projected token only where needed.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.1.6
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Pod security: protecting pod service account tokens
//! - NIST SP 800-190: 4.3.2 Unauthorized access
//! - PCI DSS v4.0: 7.2.5
//! - https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting ("If both the ServiceAccount and the Pod's .spec specify a value for automountServiceAccountToken, the Pod spec takes precedence.")

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

pub(crate) struct ServiceAccountTokenAutomount;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0027",
    name: "service-account-token-automount",
    title: "Service account token is mounted automatically",
    severity: Severity::Low,
    targets: Targets::WorkloadsAnd(&["ServiceAccount"]),
    pss: None,
    cis: &["5.1.6"],
    nsa: &["Pod security: protecting pod service account tokens"],
    nist: &["4.3.2 Unauthorized access"],
    pci: &["7.2.5"],
    source: include_str!("mod.rs"),
};

impl Rule for ServiceAccountTokenAutomount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        if cx.obj.kind == "ServiceAccount" {
            if !matches!(
                cx.flag(Some(cx.obj.node), "automountServiceAccountToken"),
                Some((_, false))
            ) {
                let at = cx
                    .doc
                    .get_entry(cx.obj.node, "automountServiceAccountToken")
                    .map_or(cx.obj.anchor, |(k, _)| k);
                cx.report(
                    at,
                    format!(
                        "ServiceAccount {} does not disable token automounting",
                        cx.obj.name
                    ),
                );
            }
            return;
        }
        let Some(pod) = pod(cx) else { return };
        // "If both the ServiceAccount and the Pod's .spec specify a value for automountServiceAccountToken, the
        // Pod spec takes precedence."
        match cx.flag(Some(pod.spec), "automountServiceAccountToken") {
            Some((_, false)) => {}
            Some((n, true)) => cx.report(n, "pod mounts the service account token"),
            None => {
                let ns = cx.obj.namespace.as_deref().unwrap_or("default");
                let sa = cx.obj.service_account();
                let message = match cx
                    .cluster
                    .service_account_automount
                    .get(&format!("{ns}/{sa}"))
                {
                    Some(Some(false)) => return,
                    Some(Some(true)) => format!(
                        "pod does not set automountServiceAccountToken: false and its ServiceAccount {sa} sets it to true"
                    ),
                    Some(None) => format!(
                        "neither the pod nor its ServiceAccount {sa} sets automountServiceAccountToken: false"
                    ),
                    None => format!(
                        "pod does not set automountServiceAccountToken: false (its ServiceAccount {sa} is not in the input)"
                    ),
                };
                cx.report(pod.spec_anchor, message);
            }
        }
    }
}
