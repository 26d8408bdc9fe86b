//! CEL policies for Kubernetes objects: Kyverno `ValidatingPolicy` (`policies.kyverno.io/v1alpha1`,
//! `v1beta1`, `v1`) and Kubernetes `ValidatingAdmissionPolicy` with its bindings and parameter
//! objects, evaluated offline over `serde_json::Value` objects, and the Kyverno CLI test runner.
//!
//! - [`PolicySet::from_yaml`] loads policies, bindings and parameter objects from YAML text;
//! - [`evaluate`] judges one object against every policy, giving one [`Outcome`] each;
//! - [`Validator`] is the lower level: `matchConditions` + `variables` + `validations` +
//!   `auditAnnotations` compiled once, evaluated with given [`Bindings`];
//! - [`kyverno_test`] runs `kyverno-test.yaml` suites.
//!
//! Every evaluation is bounded by a cost budget and a deadline ([`Limits`], see [`engine`]).
//!
//! ```
//! use bulwark_cel::{EvalContext, OutcomeResult, PolicySet, evaluate};
//! let set = PolicySet::from_yaml(r#"
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicy
//! metadata: {name: replicas}
//! spec:
//!   matchConstraints:
//!     resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
//!   validations:
//!   - expression: object.spec.replicas <= 5
//!     messageExpression: "'replicas: ' + string(object.spec.replicas) + ' > 5'"
//! ---
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicyBinding
//! metadata: {name: replicas-binding}
//! spec: {policyName: replicas, validationActions: [Deny]}
//! "#, "vap.yaml").unwrap();
//! let deploy = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
//!     "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 9}});
//! let out = evaluate(&set, &deploy, &EvalContext::default());
//! assert_eq!(out[0].result, OutcomeResult::Fail);
//! assert_eq!(out[0].violations[0].message, "replicas: 9 > 5");
//! assert_eq!(out[0].binding.as_deref(), Some("replicas-binding"));
//! ```

// Load errors carry file, policy, field and position: they are built once, on the cold path.
#![allow(clippy::result_large_err)]

/// The `cel` crate this one evaluates with (re-exported so callers use the same version).
pub use cel;

pub mod engine;
mod interp;
pub mod kyverno_test;
mod load;
mod matching;
mod policy;
mod validator;

pub use engine::{CompileError, EvalError, Expression, Limits, Meter, Scope, to_cel};
pub use load::{Document, LoadError, parse_documents};
pub use matching::resource_for_kind;
pub use policy::{
    Action, Binding, EvalContext, FailurePolicy, Outcome, OutcomeResult, Policy, PolicyKind,
    PolicySet, ResourceRef, evaluate,
};
pub use validator::{
    AuditAnnotationSpec, Bindings, Evaluation, NamedExpression, ValidationSpec, Validator,
    ValidatorError, ValidatorSpec, Violation,
};
