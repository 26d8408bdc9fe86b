//! Rego policies for Bulwark, through [regorus](https://github.com/microsoft/regorus): Gatekeeper
//! `ConstraintTemplate`s and their Constraints ([`gatekeeper`]), the `gator verify` suite runner ([`gator`]),
//! and conftest-style `deny`/`warn`/`violation` rules over any JSON input ([`conftest`]). Every evaluation
//! runs under a time budget ([`Limits`]) and stops with [`RegoError::Limit`] past it.
//!
//! A Gatekeeper template and constraint, evaluated on a Pod:
//!
//! ```
//! use bulwark_rego::gatekeeper::{Gatekeeper, Inventory, load_constraints};
//!
//! let template = r#"
//! apiVersion: templates.gatekeeper.sh/v1
//! kind: ConstraintTemplate
//! metadata: {name: k8srequiredlabels}
//! spec:
//!   crd: {spec: {names: {kind: K8sRequiredLabels}}}
//!   targets:
//!   - target: admission.k8s.gatekeeper.sh
//!     rego: |
//!       package k8srequiredlabels
//!       violation[{"msg": msg}] {
//!         required := input.parameters.labels[_]
//!         not input.review.object.metadata.labels[required]
//!         msg := sprintf("missing label %v", [required])
//!       }
//! "#;
//! let constraint = r#"
//! apiVersion: constraints.gatekeeper.sh/v1beta1
//! kind: K8sRequiredLabels
//! metadata: {name: must-have-owner}
//! spec:
//!   enforcementAction: warn
//!   match: {kinds: [{apiGroups: [""], kinds: ["Pod"]}], excludedNamespaces: ["kube-system"]}
//!   parameters: {labels: ["owner"]}
//! "#;
//! let mut gk = Gatekeeper::new();
//! gk.load_templates("template.yaml", template)?;
//! let c = &load_constraints("constraint.yaml", constraint)?[0];
//! let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
//!     "metadata": {"name": "web", "namespace": "shop"}, "spec": {"containers": []}});
//! let eval = gk.evaluate(c, &pod, &Inventory::new())?;
//! assert_eq!(eval.violations.len(), 1);
//! assert_eq!(eval.violations[0].msg, "missing label owner");
//! assert_eq!(eval.violations[0].enforcement_action, "warn");
//!
//! // Out of scope: skipped, with the reason.
//! let system = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
//!     "metadata": {"name": "dns", "namespace": "kube-system"}});
//! let eval = gk.evaluate(c, &system, &Inventory::new())?;
//! assert!(eval.skipped.unwrap().contains("excludedNamespaces"));
//! # Ok::<(), bulwark_rego::RegoError>(())
//! ```
//!
//! Conftest-style policies over any input:
//!
//! ```
//! use bulwark_rego::{Limits, RegoVersion, conftest::Policies};
//!
//! let policy = r#"
//! package main
//! deny contains msg if {
//!   input.kind == "Deployment"
//!   not input.spec.template.spec.securityContext.runAsNonRoot
//!   msg := "Containers must not run as root"
//! }
//! warn contains msg if { not input.metadata.labels.app; msg := "no app label" }
//! "#;
//! let p = Policies::from_sources("policy", &[("policy/deployment.rego".into(), policy.into())],
//!     RegoVersion::Auto, Limits::default())?;
//! let out = p.evaluate(&serde_json::json!({"kind": "Deployment", "metadata": {}}), "main")?;
//! assert_eq!(out.failures[0].msg, "Containers must not run as root");
//! assert_eq!(out.warnings[0].msg, "no app label");
//! # Ok::<(), bulwark_rego::RegoError>(())
//! ```

pub mod cel;
mod compat;
pub mod conftest;
mod engine;
mod error;
pub mod gatekeeper;
pub mod gator;
mod yaml;

pub use engine::{Limits, Module, Program, RegoVersion};
pub use error::RegoError;
pub use yaml::documents;
