//! # secret-in-env-value (BW-K8S-0029)
//!
//! Secret-looking value written inline in an environment variable.
//!
//! ## What it does
//!
//! Flags `env[*].value` literals whose variable name suggests a credential and whose value is not empty, a `$(VAR)` reference, a switch (`true`, `yes`, `off`…) or an absolute path. A name suggests a credential when, ignoring case and the separators `_`, `-` and `.`, it contains `PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `APIKEY`, `ACCESSKEY`, `PRIVATEKEY` or `CREDENTIAL` (`DB_PASSWORD`, `apiKey`, `api-key`) — unless its last word names where or how the credential is found or whom it is for (`_FILE`, `_PATH`, `_DIR`, `_URL`, `_URI`, `_CMD`, `_COMMAND`, `_USER`, `_USERNAME`, `_NAME`: `POSTGRES_PASSWORD_FILE`, `TLS_SECRET_NAME`) or a word makes it a switch or a number (`ALLOW`, `ENABLE`, `DISABLE`, `REQUIRE`, `NUM`, `COUNT`, `LENGTH`, `TTL`: `ALLOW_EMPTY_PASSWORD`, `CASSANDRA_NUM_TOKENS`). `secret-in-config-map` classifies ConfigMap keys the same way.
//!
//! ## Why it matters
//!
//! Inline values live in Git, in every rendered manifest, in `kubectl get -o yaml` output and in the pod spec readable by anyone with `get pods`.
//!
//! ## Example
//!
//! ```yaml
//! env:
//! - name: DB_PASSWORD
//!   value: hunter2     # flagged here
//! ```
//!
//! ## Fix
//!
//! Store the value in a Secret (or an external secret manager) and use `valueFrom.secretKeyRef`, preferably mounted as a file.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark v1.9.0: 5.4.1
//! - NSA/CISA Kubernetes Hardening Guide v1.2: Network separation and hardening: secrets
//! - PCI DSS v4.0: 8.6.2
//! - https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables

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

pub(crate) struct SecretInEnvValue;

static META: RuleMeta = RuleMeta {
    id: "BW-K8S-0029",
    name: "secret-in-env-value",
    title: "Secret-looking value written inline in an environment variable",
    severity: Severity::High,
    targets: Targets::Workloads,
    pss: None,
    cis: &["5.4.1"],
    nsa: &["Network separation and hardening: secrets"],
    nist: &[],
    pci: &["8.6.2"],
    source: include_str!("mod.rs"),
};

impl Rule for SecretInEnvValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Cx<'_, '_>) {
        let Some(pod) = pod(cx) else { return };
        for c in &pod.containers {
            let Some((_, env)) = cx.list(Some(c.node), "env") else {
                continue;
            };
            for &e in env {
                let Some((_, name)) = cx.string(Some(e), "name") else {
                    continue;
                };
                if !secret_like_name(name) {
                    continue;
                }
                if let Some((n, v)) = cx.string(Some(e), "value")
                    && literal_secret_value(v)
                {
                    cx.report(n, format!("{} sets {name} inline", describe(c)));
                }
            }
        }
    }
}
