//! The engines behind [`bulwark_policy::evaluate_with`]: a bundle's CEL documents (Kubernetes
//! `ValidatingAdmissionPolicy` + bindings + parameter objects, Kyverno `ValidatingPolicy`) through
//! `bulwark-cel`, its Gatekeeper `ConstraintTemplate`s and constraints through `bulwark-rego` (the template's
//! CEL when it has some, else its Rego), and its `.rego` files as conftest policies (package `main`).
//!
//! [`Engines::new`] compiles every document once; the same `Engines` then judges any number of subjects.
//!
//! ```
//! use bulwark_policy::{Bundle, BundleFile, Decision, Instant, Stage, Subject};
//! use bulwark_policy_engines::Engines;
//!
//! let vap = r#"
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicy
//! metadata: {name: replicas}
//! spec:
//!   matchConstraints:
//!     resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
//!   validations:
//!   - expression: object.spec.replicas <= 5
//!     message: at most 5 replicas
//! ---
//! apiVersion: admissionregistration.k8s.io/v1
//! kind: ValidatingAdmissionPolicyBinding
//! metadata: {name: replicas}
//! spec: {policyName: replicas, validationActions: [Deny]}
//! "#;
//! let bundle = Bundle::from_files(
//!     vec![BundleFile { path: "vap.yaml".into(), bytes: vap.as_bytes().to_vec() }],
//!     "example",
//!     None,
//! )?;
//! let engines = Engines::new(&bundle)?;
//! let deploy = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
//!     "metadata": {"name": "web", "namespace": "prod"}, "spec": {"replicas": 9}});
//! let now = Instant::parse("2026-12-01")?;
//! let v = bulwark_policy::evaluate_with(&bundle, &Subject::object(&deploy), Stage::Deploy, now, &engines.as_dyn());
//! assert_eq!(v.decision, Decision::Fail);
//! assert_eq!(v.results[0].rule, "replicas");
//! assert_eq!(v.results[0].hits[0].message.as_ref(), "at most 5 replicas");
//! assert_eq!(v.results[0].hits[0].resource.as_deref(), Some("Deployment/prod/web"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cel;
mod common;
mod conftest;
mod gatekeeper;
pub mod vap_export;

use bulwark_policy::{Bundle, Engine, EngineError, Instant, Stage, Subject, Verdict};

pub use common::STAGES_ANNOTATION;

/// Budgets of one evaluation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Cost and deadline of one CEL policy on one object (ValidatingAdmissionPolicy, ValidatingPolicy).
    pub cel: bulwark_cel::Limits,
    /// Time budget of one Rego evaluation (one constraint on one object; the conftest rules on one input).
    pub rego: bulwark_rego::Limits,
}

/// Every engine document of one bundle, compiled. Build it once per bundle and keep it: evaluation only reads
/// it (it is `Sync`), so one `Engines` serves any number of subjects and threads.
pub struct Engines {
    cel: cel::CelPolicies,
    gatekeeper: gatekeeper::GatekeeperPolicies,
    rego: conftest::ConftestPolicies,
}

impl std::fmt::Debug for Engines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engines")
            .field("cel", &self.cel.len())
            .field("gatekeeper", &self.gatekeeper.len())
            .field("rego", &self.rego.len())
            .finish()
    }
}

impl Engines {
    /// Compiles every CEL, Gatekeeper and `.rego` document of `bundle` with the default budgets. The first
    /// document that does not compile is the error (file, line, policy): a bundle is used whole or not at all.
    pub fn new(bundle: &Bundle) -> Result<Self, EngineError> {
        Self::with_limits(bundle, Limits::default())
    }

    /// [`Engines::new`] with other budgets.
    pub fn with_limits(bundle: &Bundle, limits: Limits) -> Result<Self, EngineError> {
        Ok(Self {
            cel: cel::CelPolicies::new(bundle, limits.cel)?,
            gatekeeper: gatekeeper::GatekeeperPolicies::new(bundle, limits.rego)?,
            rego: conftest::ConftestPolicies::new(bundle, limits.rego)?,
        })
    }

    /// The engines, for [`bulwark_policy::evaluate_with`]: `cel`, `gatekeeper`, `rego` (conftest).
    #[must_use]
    pub fn as_dyn(&self) -> Vec<&dyn Engine> {
        vec![&self.cel, &self.gatekeeper, &self.rego]
    }

    /// `evaluate_with(bundle, subject, stage, now, &self.as_dyn())`; `bundle` must be the one these engines
    /// were built from.
    #[must_use]
    pub fn evaluate(
        &self,
        bundle: &Bundle,
        subject: &Subject<'_>,
        stage: Stage,
        now: Instant,
    ) -> Verdict {
        bulwark_policy::evaluate_with(bundle, subject, stage, now, &self.as_dyn())
    }

    /// How many rules each engine holds (policies, constraints, conftest rules), for logs.
    #[must_use]
    pub fn counts(&self) -> [(&'static str, usize); 3] {
        [
            ("cel", self.cel.len()),
            ("gatekeeper", self.gatekeeper.len()),
            ("rego", self.rego.len()),
        ]
    }

    /// Fields the engines ignored (unknown fields of policies and constraints), `file:line: …`, sorted.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .cel
            .warnings()
            .iter()
            .chain(self.gatekeeper.warnings())
            .cloned()
            .collect();
        w.sort();
        w.dedup();
        w
    }
}
