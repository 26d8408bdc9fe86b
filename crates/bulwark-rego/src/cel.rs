//! Gatekeeper's CEL engine (`engine: K8sNativeValidation`), through bulwark-cel: the template's `variables` and
//! `validations` (ValidatingAdmissionPolicy style), with the two variables Gatekeeper defines before the
//! template's own: `variables.anyObject` (the object, or on DELETE the old object) and `variables.params` (the
//! constraint's `spec.parameters`). The constraint is bound as `params`, as Gatekeeper binds it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bulwark_cel::{Bindings, Evaluation, Limits, NamedExpression, Validator, ValidatorSpec};
use serde_json::{Value, json};

use crate::RegoError;
use crate::gatekeeper::{ENGINE_CEL, EngineInput, RawViolation, TemplateEngine};

/// The CEL engine for Gatekeeper templates that carry `K8sNativeValidation` code. Each template's code is
/// compiled once, on first use, and reused for every object and constraint.
#[derive(Default)]
pub struct CelEngine {
    compiled: Mutex<HashMap<(String, String), Arc<Validator>>>,
}

/// Gatekeeper's own variables, ahead of the template's (its `k8scel` driver defines them this way).
const GATEKEEPER_VARIABLES: [(&str, &str); 2] = [
    (
        "anyObject",
        r#"has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object"#,
    ),
    (
        "params",
        "!has(params.spec) ? null : !has(params.spec.parameters) ? null : params.spec.parameters",
    ),
];

/// One entry of the template's `source.variables`, `validations` or `matchConditions`.
fn parse<T: serde::de::DeserializeOwned>(
    v: Value,
    key: &str,
    invalid: &dyn Fn(String) -> RegoError,
) -> Result<T, RegoError> {
    serde_json::from_value(v).map_err(|e| invalid(format!("source.{key}: {e}")))
}

/// The template's `K8sNativeValidation` source, with Gatekeeper's variables ahead of its own, compiled.
fn compile(
    t: &crate::gatekeeper::ConstraintTemplate,
    invalid: &dyn Fn(String) -> RegoError,
) -> Result<Validator, RegoError> {
    let source = &t
        .code_for(ENGINE_CEL)
        .ok_or_else(|| invalid("has no K8sNativeValidation code".into()))?
        .source;
    let list = |key: &str| -> Result<Vec<Value>, RegoError> {
        match source.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(_) => Err(invalid(format!(
                "K8sNativeValidation source.{key} is not a list"
            ))),
        }
    };
    let mut spec = ValidatorSpec {
        variables: GATEKEEPER_VARIABLES
            .iter()
            .map(|(name, expression)| NamedExpression {
                name: (*name).into(),
                expression: (*expression).into(),
            })
            .collect(),
        ..ValidatorSpec::default()
    };
    for v in list("variables")? {
        spec.variables.push(parse(v, "variables", &invalid)?);
    }
    for v in list("validations")? {
        spec.validations.push(parse(v, "validations", &invalid)?);
    }
    for v in list("matchConditions")? {
        spec.match_conditions
            .push(parse(v, "matchConditions", &invalid)?);
    }
    Validator::new(&spec).map_err(|e| invalid(e.to_string()))
}

impl CelEngine {
    /// Compiles `t`'s `K8sNativeValidation` code now (it is otherwise compiled on first use), so that a
    /// template whose CEL does not compile is refused when a bundle is loaded rather than on the first object.
    /// A template without CEL code is left alone.
    pub fn prepare(&self, t: &crate::gatekeeper::ConstraintTemplate) -> Result<(), RegoError> {
        if t.code_for(ENGINE_CEL).is_none() {
            return Ok(());
        }
        let policy = format!("ConstraintTemplate {:?}", t.name);
        let invalid = |message: String| RegoError::Invalid {
            file: t.file.clone(),
            policy: policy.clone(),
            message,
        };
        let v = Arc::new(compile(t, &invalid)?);
        self.compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((t.file.clone(), t.name.clone()), v);
        Ok(())
    }
}

impl TemplateEngine for CelEngine {
    fn engine(&self) -> &str {
        ENGINE_CEL
    }

    fn evaluate(&self, input: &EngineInput<'_>) -> Result<Vec<RawViolation>, RegoError> {
        let t = input.template;
        let policy = format!("ConstraintTemplate {:?}", t.name);
        let invalid = |message: String| RegoError::Invalid {
            file: t.file.clone(),
            policy: policy.clone(),
            message,
        };
        let key = (t.file.clone(), t.name.clone());
        let cached = self
            .compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        let validator = if let Some(v) = cached {
            v
        } else {
            let v = Arc::new(compile(t, &invalid)?);
            self.compiled
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key, Arc::clone(&v));
            v
        };
        let review = input.review;
        let field = |k: &str| {
            review
                .get(k)
                .filter(|v| !v.is_null())
                .map(bulwark_cel::to_cel)
        };
        let bindings = Bindings {
            object: field("object"),
            old_object: field("oldObject"),
            request: Some(bulwark_cel::to_cel(review)),
            params: Some(bulwark_cel::to_cel(
                &json!({"spec": {"parameters": input.parameters}}),
            )),
            namespace_object: input.namespace.map(bulwark_cel::to_cel),
        };
        match validator.evaluate(&bindings, Limits::default()) {
            Evaluation::NotMatched { .. } => Ok(Vec::new()),
            Evaluation::Evaluated { violations, .. } => Ok(violations
                .into_iter()
                .map(|v| RawViolation {
                    msg: v.message,
                    details: Value::Null,
                })
                .collect()),
            Evaluation::Error { field, error } => Err(RegoError::Eval {
                policy,
                message: format!("{field}: {error}"),
            }),
        }
    }
}
