//! [`Validator`]: `matchConditions` + `variables` + `validations` + `auditAnnotations`, compiled
//! once and evaluated many times with given bindings. Shared by Kyverno `ValidatingPolicy`,
//! `ValidatingAdmissionPolicy` and (later) Gatekeeper's `K8sNativeValidation` templates.

use std::collections::{BTreeMap, HashMap};

use cel::common::ast::{Expr, IdedExpr};
use cel::objects::Value;
use serde::Deserialize;

use crate::engine::{CompileError, EvalError, Expression, Limits, Meter, Scope, display};

/// `{name, expression}`: a match condition or a variable.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct NamedExpression {
    /// The name (`variables.<name>` for a variable).
    #[serde(default)]
    pub name: String,
    /// The CEL source.
    #[serde(default)]
    pub expression: String,
}

/// One entry of `validations`.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ValidationSpec {
    /// Must be true for the object to pass.
    #[serde(default)]
    pub expression: String,
    /// Static message on failure.
    #[serde(default)]
    pub message: Option<String>,
    /// CEL producing the message on failure; wins over `message` when it gives a non-empty string.
    #[serde(default)]
    pub message_expression: Option<String>,
    /// `Unauthorized`, `Forbidden`, `Invalid` (default), `RequestEntityTooLarge`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One entry of `auditAnnotations`.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuditAnnotationSpec {
    /// Annotation key (prefixed with the policy name by the API server).
    #[serde(default)]
    pub key: String,
    /// CEL producing the value; `null` omits the annotation.
    #[serde(default)]
    pub value_expression: String,
}

/// Everything a [`Validator`] is compiled from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidatorSpec {
    /// All must be true for the validations to run.
    pub match_conditions: Vec<NamedExpression>,
    /// Evaluated in order; each may use the ones before it.
    pub variables: Vec<NamedExpression>,
    /// The checks.
    pub validations: Vec<ValidationSpec>,
    /// Values recorded with the result.
    pub audit_annotations: Vec<AuditAnnotationSpec>,
}

/// An expression of a [`ValidatorSpec`] that did not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: CEL {}:{}: {}", .error.line, .error.column, .error.message)]
pub struct ValidatorError {
    /// Which one: `validations[1].expression`, `matchConditions[0].expression ("name")`…
    pub field: String,
    /// The expression's source.
    pub source_text: String,
    /// The compile error.
    pub error: CompileError,
}

/// The variables a validator's expressions may read. Unset bindings are `null`, as the API server
/// binds `params` without a `paramKind` and `namespaceObject` for cluster-scoped objects.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// `object` (null on DELETE).
    pub object: Option<Value>,
    /// `oldObject` (null on CREATE).
    pub old_object: Option<Value>,
    /// `request`: the admission request attributes.
    pub request: Option<Value>,
    /// `params`: the parameter object (Gatekeeper: the constraint's `spec.parameters`).
    pub params: Option<Value>,
    /// `namespaceObject`.
    pub namespace_object: Option<Value>,
}

/// A validation that did not pass.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Index in `validations`.
    pub index: usize,
    /// The expression as written.
    pub expression: String,
    /// `messageExpression`'s value, else `message`, else `failed expression: <expression>`.
    pub message: String,
    /// `reason` (default `Invalid`).
    pub reason: String,
    /// The object field the expression starts from when it reads one path
    /// (`object.spec.containers`), as a hint of what decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// What one evaluation gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    /// A match condition was false: validations did not run.
    NotMatched {
        /// The condition's name.
        condition: String,
    },
    /// Validations ran; `violations` is empty when all passed.
    Evaluated {
        /// Failed validations, in order.
        violations: Vec<Violation>,
        /// Audit annotations that produced a value.
        audit_annotations: BTreeMap<String, String>,
        /// Cost units spent.
        cost: u64,
    },
    /// An expression could not be evaluated (runtime error, cost or time limit).
    Error {
        /// Which expression.
        field: String,
        /// Why.
        error: EvalError,
    },
}

#[derive(Debug, Clone)]
struct Compiled {
    expression: Expression,
    message_expression: Option<Expression>,
    spec: ValidationSpec,
    path: Option<String>,
}

/// Compiled validations; cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Validator {
    match_conditions: Vec<(String, Expression)>,
    variables: Vec<(String, Expression, bool)>,
    validations: Vec<Compiled>,
    audit: Vec<(String, Expression)>,
    reads: Vec<String>,
}

impl Validator {
    /// Compiles every expression of `spec`; the first that fails is the error.
    ///
    /// ```
    /// use bulwark_cel::{Bindings, Evaluation, Limits, Validator, ValidatorSpec, ValidationSpec, to_cel};
    /// let spec = ValidatorSpec {
    ///     validations: vec![ValidationSpec {
    ///         expression: "object.spec.replicas <= 5".into(),
    ///         message: Some("too many replicas".into()),
    ///         ..Default::default()
    ///     }],
    ///     ..Default::default()
    /// };
    /// let v = Validator::new(&spec).unwrap();
    /// let object = to_cel(&serde_json::json!({"spec": {"replicas": 7}}));
    /// let bindings = Bindings { object: Some(object), ..Default::default() };
    /// match v.evaluate(&bindings, Limits::default()) {
    ///     Evaluation::Evaluated { violations, .. } => assert_eq!(violations[0].message, "too many replicas"),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn new(spec: &ValidatorSpec) -> Result<Self, ValidatorError> {
        let compile = |field: String, src: &str| {
            Expression::compile(src).map_err(|error| ValidatorError {
                field,
                source_text: src.to_owned(),
                error,
            })
        };
        let mut reads = Vec::new();
        let mut note = |e: &Expression| collect_idents(e, &mut reads);
        let mut match_conditions = Vec::new();
        for (i, c) in spec.match_conditions.iter().enumerate() {
            let e = compile(
                format!("matchConditions[{i}].expression ({:?})", c.name),
                &c.expression,
            )?;
            note(&e);
            match_conditions.push((c.name.clone(), e));
        }
        let mut variables = Vec::new();
        for (i, v) in spec.variables.iter().enumerate() {
            let e = compile(
                format!("variables[{i}].expression ({:?})", v.name),
                &v.expression,
            )?;
            note(&e);
            let mut idents = Vec::new();
            collect_idents(&e, &mut idents);
            // Reads only the request (no params, namespace, other variables): its value is the
            // same for every policy evaluated on one object, and may be shared between them.
            let shared = !idents.iter().any(|i| {
                matches!(
                    i.as_str(),
                    "variables" | "params" | "namespaceObject" | "authorizer"
                )
            });
            variables.push((v.name.clone(), e, shared));
        }
        let mut validations = Vec::new();
        for (i, v) in spec.validations.iter().enumerate() {
            let expression = compile(format!("validations[{i}].expression"), &v.expression)?;
            note(&expression);
            let message_expression = match &v.message_expression {
                Some(m) if !m.trim().is_empty() => {
                    let e = compile(format!("validations[{i}].messageExpression"), m)?;
                    note(&e);
                    Some(e)
                }
                _ => None,
            };
            let path = object_path(&v.expression);
            validations.push(Compiled {
                expression,
                message_expression,
                spec: v.clone(),
                path,
            });
        }
        let mut audit = Vec::new();
        for (i, a) in spec.audit_annotations.iter().enumerate() {
            let e = compile(
                format!("auditAnnotations[{i}].valueExpression"),
                &a.value_expression,
            )?;
            note(&e);
            audit.push((a.key.clone(), e));
        }
        reads.sort();
        reads.dedup();
        Ok(Self {
            match_conditions,
            variables,
            validations,
            audit,
            reads,
        })
    }

    /// Whether any expression reads the top-level variable `name` (`namespaceObject`, `params`,
    /// `authorizer`…).
    #[must_use]
    pub fn reads(&self, name: &str) -> bool {
        self.reads
            .binary_search_by(|r| r.as_str().cmp(name))
            .is_ok()
    }

    /// Number of validations.
    #[must_use]
    pub fn len(&self) -> usize {
        self.validations.len()
    }

    /// Whether there are no validations.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.validations.is_empty()
    }

    /// Runs match conditions, then variables, then validations and audit annotations, under one
    /// cost budget.
    #[must_use]
    pub fn evaluate(&self, bindings: &Bindings, limits: Limits) -> Evaluation {
        self.evaluate_in(&bindings.scope(), limits)
    }

    /// [`Validator::evaluate`] in a scope prepared by [`Bindings::scope`] (bind an object once,
    /// evaluate many validators). The scope must bind `object`, `oldObject`, `request`, `params` and
    /// `namespaceObject`; `variables` is bound here.
    #[must_use]
    pub fn evaluate_in(&self, scope: &Scope<'_>, limits: Limits) -> Evaluation {
        self.evaluate_shared(scope, limits, &VariableCache::default())
    }

    /// [`Validator::evaluate_in`], reusing the values of variables that read only the request
    /// (`object.spec.containers + …`) from other validators evaluated on the same object. A reused
    /// value is charged the cost it took to compute, so outcomes do not depend on the order.
    pub(crate) fn evaluate_shared(
        &self,
        scope: &Scope<'_>,
        limits: Limits,
        cache: &VariableCache,
    ) -> Evaluation {
        let mut meter = Meter::new(limits);
        let mut vars_map: HashMap<String, Value> = HashMap::new();
        let mut vscope = scope.child();
        vscope.bind("variables", Value::from(vars_map.clone()));
        for (i, (name, e)) in self.match_conditions.iter().enumerate() {
            match e.eval(&vscope, &mut meter) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    return Evaluation::NotMatched {
                        condition: name.clone(),
                    };
                }
                Ok(other) => {
                    return Evaluation::Error {
                        field: format!("matchConditions[{i}] ({name:?})"),
                        error: EvalError::Runtime(format!(
                            "expected a bool, got {}",
                            display(&other)
                        )),
                    };
                }
                Err(error) => {
                    return Evaluation::Error {
                        field: format!("matchConditions[{i}] ({name:?})"),
                        error,
                    };
                }
            }
        }
        // Variables are evaluated in order; one that fails is left unbound and its error is reported
        // only if a validation then fails to evaluate (the API server evaluates them lazily).
        let mut variable_errors: Vec<(String, EvalError)> = Vec::new();
        for (name, e, shared) in &self.variables {
            let cached = if *shared {
                cache.0.borrow().get(e.source()).cloned()
            } else {
                None
            };
            let result = if let Some((v, cost)) = cached {
                meter.charge_units(cost).map(|()| v)
            } else {
                let before = meter.used();
                let r = e.eval(&vscope, &mut meter);
                if *shared && let Ok(v) = &r {
                    cache
                        .0
                        .borrow_mut()
                        .insert(e.source().to_owned(), (v.clone(), meter.used() - before));
                }
                r
            };
            match result {
                Ok(v) => {
                    if let Err(error) = meter.charge_value(&v) {
                        return Evaluation::Error {
                            field: format!("variables.{name}"),
                            error,
                        };
                    }
                    vars_map.insert(name.clone(), v);
                    vscope = scope.child();
                    vscope.bind("variables", Value::from(vars_map.clone()));
                }
                Err(error @ (EvalError::CostExceeded { .. } | EvalError::Timeout(_))) => {
                    return Evaluation::Error {
                        field: format!("variables.{name}"),
                        error,
                    };
                }
                Err(error) => variable_errors.push((name.clone(), error)),
            }
        }
        let mut violations = Vec::new();
        for (i, c) in self.validations.iter().enumerate() {
            match c.expression.eval(&vscope, &mut meter) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    let message = match &c.message_expression {
                        Some(m) => match m.eval(&vscope, &mut meter) {
                            Ok(Value::String(s)) if !s.trim().is_empty() => Some(s.to_string()),
                            Err(
                                error @ (EvalError::CostExceeded { .. } | EvalError::Timeout(_)),
                            ) => {
                                return Evaluation::Error {
                                    field: format!("validations[{i}].messageExpression"),
                                    error,
                                };
                            }
                            _ => None,
                        },
                        None => None,
                    };
                    let message = message
                        .or_else(|| {
                            c.spec
                                .message
                                .clone()
                                .filter(|m| !m.trim().is_empty())
                                .map(|m| m.trim().to_owned())
                        })
                        .unwrap_or_else(|| {
                            format!("failed expression: {}", c.spec.expression.trim())
                        });
                    violations.push(Violation {
                        index: i,
                        expression: c.spec.expression.clone(),
                        message,
                        reason: c
                            .spec
                            .reason
                            .clone()
                            .unwrap_or_else(|| "Invalid".to_owned()),
                        path: c.path.clone(),
                    });
                }
                Ok(other) => {
                    return Evaluation::Error {
                        field: format!("validations[{i}].expression"),
                        error: EvalError::Runtime(format!(
                            "expected a bool, got {}",
                            display(&other)
                        )),
                    };
                }
                Err(error) => {
                    let error = match (&error, variable_errors.first()) {
                        (EvalError::Runtime(m), Some((name, verr))) => {
                            EvalError::Runtime(format!("{m} (variable {name:?} failed: {verr})"))
                        }
                        _ => error,
                    };
                    return Evaluation::Error {
                        field: format!("validations[{i}].expression"),
                        error,
                    };
                }
            }
        }
        let mut audit_annotations = BTreeMap::new();
        for (key, e) in &self.audit {
            match e.eval(&vscope, &mut meter) {
                Ok(Value::Null) => {}
                Ok(v) => {
                    audit_annotations.insert(key.clone(), display(&v));
                }
                Err(error) => {
                    return Evaluation::Error {
                        field: format!("auditAnnotations ({key:?})"),
                        error,
                    };
                }
            }
        }
        Evaluation::Evaluated {
            violations,
            audit_annotations,
            cost: meter.used(),
        }
    }
}

/// Values of request-only variables, by expression source, for one object.
#[derive(Default)]
pub(crate) struct VariableCache(std::cell::RefCell<HashMap<String, (Value, u64)>>);

impl Bindings {
    /// Binds every variable once (unset ones as `null`), for [`Validator::evaluate_in`].
    #[must_use]
    pub fn scope(&self) -> Scope<'static> {
        let mut scope = Scope::new();
        let or_null = |v: &Option<Value>| v.clone().unwrap_or(Value::Null);
        scope.bind("object", or_null(&self.object));
        scope.bind("oldObject", or_null(&self.old_object));
        scope.bind("request", or_null(&self.request));
        scope.bind("params", or_null(&self.params));
        scope.bind("namespaceObject", or_null(&self.namespace_object));
        scope
    }
}

/// Top-level identifiers an expression reads.
fn collect_idents(e: &Expression, out: &mut Vec<String>) {
    fn walk(e: &IdedExpr, out: &mut Vec<String>) {
        match &e.expr {
            Expr::Ident(name) => out.push(name.clone()),
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    walk(t, out);
                }
                c.args.iter().for_each(|a| walk(a, out));
            }
            Expr::Comprehension(c) => {
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    walk(x, out);
                }
            }
            Expr::List(l) => l.elements.iter().for_each(|x| walk(x, out)),
            Expr::Map(m) => {
                for entry in &m.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(me) = &entry.expr {
                        walk(&me.key, out);
                        walk(&me.value, out);
                    }
                }
            }
            Expr::Select(s) => walk(&s.operand, out),
            _ => {}
        }
    }
    walk(e.ast(), out);
}

/// The longest `object.a.b.c` prefix the expression starts with (a hint of the field that decided
/// it): `object.spec.?hostNetwork.orValue(false) == false` gives `object.spec.hostNetwork`.
fn object_path(src: &str) -> Option<String> {
    let s = src.trim_start().trim_start_matches(['(', '!', ' ']);
    let rest = s.strip_prefix("object.")?;
    let mut path = String::from("object");
    for part in rest.split('.') {
        let part = part.trim_start_matches('?');
        let ident: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty()
            || ident.len() != part.len()
                && !part[ident.len()..].starts_with([' ', ')', '=', '!', '&', '|'])
        {
            if !ident.is_empty()
                && !matches!(
                    ident.as_str(),
                    "all" | "exists" | "orValue" | "map" | "filter" | "exists_one"
                )
            {
                path.push('.');
                path.push_str(&ident);
            }
            break;
        }
        if matches!(
            ident.as_str(),
            "all" | "exists" | "orValue" | "map" | "filter" | "exists_one"
        ) {
            break;
        }
        path.push('.');
        path.push_str(&ident);
    }
    (path != "object").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_path_hints() {
        assert_eq!(
            object_path("object.spec.?hostNetwork.orValue(false) == false").as_deref(),
            Some("object.spec.hostNetwork")
        );
        assert_eq!(
            object_path("object.spec.containers.all(c, has(c.x))").as_deref(),
            Some("object.spec.containers")
        );
        assert_eq!(object_path("variables.x.all(c, true)"), None);
    }
}
