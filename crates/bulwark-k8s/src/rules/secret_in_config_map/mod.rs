//! # secret-in-config-map (BW-K8S-0070)
//!
//! Secret-looking key in a ConfigMap.
//!
//! ## What it does
//!
//! Flags `data` and `binaryData` entries of a ConfigMap whose key suggests a credential and whose value is not empty, a `$(VAR)` reference, a switch (`true`, `yes`, `off`…) or an absolute path. Keys are classified exactly as `secret-in-env-value` classifies variable names (the same code): ignoring case and the separators `_`, `-` and `.`, the key contains `PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `APIKEY`, `ACCESSKEY`, `PRIVATEKEY` or `CREDENTIAL` (`db_password`, `api-key`, `apiKey`, `client.secret`), unless its words say the value is about the credential rather than the credential (`KC_DB_PASSWORD_FILE`, `TOKEN_SERVICE_URL`, `REGISTRY_CREDENTIAL_USERNAME`, `ALLOW_EMPTY_PASSWORD`).
//!
//! ## Why it matters
//!
//! "ConfigMap does not provide secrecy or encryption. If the data you want to store are confidential, use a Secret rather than a ConfigMap" (Kubernetes docs). ConfigMaps are not covered by encryption at rest configured for Secrets, are readable by roles that are meant to see configuration only (the built-in `view` ClusterRole can read ConfigMaps but not Secrets), and live in Git with the rest of the manifests.
//!
//! The severity is that of `secret-in-env-value` (high): the same credential, in a place at least as widely readable.
//!
//! ## Example
//!
//! ```yaml
//! kind: ConfigMap
//! data:
//!   database_password: hunter2   # flagged here
//! ```
//!
//! ## Fix
//!
//! Move the value to a Secret (or an external secret manager) and mount it or reference it with `secretKeyRef`; keep only non-sensitive settings in the ConfigMap.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.4.1
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: secrets
//! - PCI DSS v4.0: 8.6.2
//! - https://kubernetes.io/docs/concepts/configuration/configmap/
//! - https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles (`view` "does not allow viewing Secrets")

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

pub(crate) struct SecretInConfigMap;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0070",
    name: "secret-in-config-map",
    title: "Secret-looking key in a ConfigMap",
    severity: Severity::High,
    targets: Targets::Kinds(&["ConfigMap"]),
    pss: None,
    cis: &["5.4.1"],
    nsa: &["Network separation and hardening: secrets"],
    nist: &[],
    pci: &["8.6.2"],
    source: include_str!("mod.rs"),
};

impl Rule for SecretInConfigMap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let doc = cx.doc;
        for section in ["data", "binaryData"] {
            let Some((_, map)) = cx.map(Some(cx.obj.node), section) else {
                continue;
            };
            for (k, v) in doc.entries(map) {
                let Some(key) = doc.text(k) else { continue };
                if !secret_like_name(key) {
                    continue;
                }
                let literal = match doc.kind(v) {
                    crate::yaml::Kind::Map | crate::yaml::Kind::Seq | crate::yaml::Kind::Null => {
                        false
                    }
                    _ => doc.text(v).is_some_and(literal_secret_value),
                };
                if literal {
                    cx.report(
                        k,
                        format!("ConfigMap {} holds {key} in {section}", cx.obj.name),
                    );
                }
            }
        }
    }
}
