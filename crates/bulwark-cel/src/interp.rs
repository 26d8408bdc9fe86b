//! Our own tree-walking evaluator over `cel 0.13`'s parsed tree, on [`Value`]s.
//!
//! `cel 0.13`'s interpreter works on boxed `dyn Val` values whose clone is deep: every field
//! selection (`object.spec`) copies the selected map, every function call converts its receiver
//! and arguments to [`Value`] and its result back, and every variable bound is converted. On the
//! pod-security benchmark that copying was most of the time. [`Value`]'s lists and maps are shared
//! (`Arc`), so selecting, binding and iterating here copy nothing.
//!
//! What is evaluated here: literals, identifiers, field selection and `has()`, list and map
//! literals, comprehensions (`all`, `exists`, `exists_one`, and the general form), the logical
//! operators and `?:`, `!`, `@not_strictly_false`, indexing (`[_]`, `[?_]`), `==`/`!=`/`in`/`<`…
//! and `+` on the common types, `size`, the optional functions, and our metering functions.
//! Everything else (the standard and Kubernetes library functions, other operand types) is
//! delegated to `cel`: its operands are evaluated here, bound to fresh variables in a child of the
//! root context, and the call is run by `cel`'s interpreter on those variables, so results and
//! error messages are `cel`'s own. Each case evaluated here follows `cel 0.13`'s semantics (strict
//! equality between types, `in` by the same equality, select on a non-map is `false`…).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use cel::ExecutionError;
use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr};
use cel::objects::{Key, Map, OptionalValue, Value};

use crate::engine::{MAP, SIZE, Scope, TICK, charge, root_context, size_cost};

type Result<T> = std::result::Result<T, ExecutionError>;

/// Evaluates `e` in `scope`.
pub(crate) fn eval(e: &IdedExpr, scope: &Scope<'_>) -> Result<Value> {
    match &e.expr {
        Expr::Literal(l) => Value::try_from(l.to_val().as_ref()),
        Expr::Ident(name) => match scope.get(name) {
            Some(Value::Opaque(o)) => match o.downcast_ref::<Failed>() {
                Some(failed) => Err(failed.0.clone()),
                None => Ok(Value::Opaque(o.clone())),
            },
            Some(v) => Ok(v.clone()),
            None => Err(ExecutionError::UndeclaredReference(Arc::new(name.clone()))),
        },
        Expr::Select(s) => {
            let left = eval(&s.operand, scope)?;
            match &left {
                Value::Map(m) => {
                    let found = m.map.get(&cel::objects::KeyRef::String(s.field.as_str())
                        as &dyn cel::objects::AsKeyRef);
                    if s.test {
                        Ok(Value::Bool(found.is_some()))
                    } else {
                        found
                            .cloned()
                            .ok_or_else(|| ExecutionError::NoSuchKey(Arc::new(s.field.clone())))
                    }
                }
                _ => Ok(Value::Bool(false)),
            }
        }
        Expr::List(l) => {
            let mut out = Vec::with_capacity(l.elements.len());
            for (i, x) in l.elements.iter().enumerate() {
                let v = eval(x, scope)?;
                if l.optional_indices.contains(&i)
                    && let Some(opt) = as_optional(&v)
                {
                    if let Some(inner) = opt.value() {
                        out.push(inner.clone());
                    }
                } else {
                    out.push(v);
                }
            }
            Ok(Value::List(Arc::new(out)))
        }
        Expr::Map(m) => {
            let mut map: HashMap<Key, Value> = HashMap::with_capacity(m.entries.len());
            for entry in &m.entries {
                let EntryExpr::MapEntry(me) = &entry.expr else {
                    return Err(ExecutionError::function_error(
                        "map",
                        "struct fields are not supported",
                    ));
                };
                let key = match eval(&me.key, scope)? {
                    Value::String(s) => Key::String(s),
                    Value::Int(i) => Key::Int(i),
                    Value::UInt(u) => Key::Uint(u),
                    Value::Bool(b) => Key::Bool(b),
                    other => return Err(ExecutionError::UnsupportedKeyType(other)),
                };
                let value = eval(&me.value, scope)?;
                if me.optional
                    && let Some(opt) = as_optional(&value)
                {
                    if let Some(inner) = opt.value() {
                        map.insert(key, inner.clone());
                    }
                } else {
                    map.insert(key, value);
                }
            }
            Ok(Value::Map(Map { map: Arc::new(map) }))
        }
        Expr::Comprehension(c) => {
            let accu = eval(&c.accu_init, scope)?;
            let range = eval(&c.iter_range, scope)?;
            let items: Vec<Value> = match &range {
                Value::List(l) => l.to_vec(),
                Value::Map(m) => m.map.keys().map(Value::from).collect(),
                _ => return Err(ExecutionError::NoSuchOverload),
            };
            let mut inner = scope.child();
            inner.bind(&c.accu_var, accu);
            for item in items {
                if !as_bool(eval(&c.loop_cond, &inner))? {
                    break;
                }
                inner.bind(&c.iter_var, item);
                // An error is a value in CEL: the accumulator holds it and the loop goes on, so that `all`
                // ends false (and `exists` true) when a later element decides it (`false && error` is
                // false); the error surfaces only if nothing absorbs it.
                let accu = match eval(&c.loop_step, &inner) {
                    Ok(v) => v,
                    Err(e) => Value::Opaque(Arc::new(Failed(e))),
                };
                inner.bind(&c.accu_var, accu);
            }
            eval(&c.result, &inner)
        }
        Expr::Call(call) => eval_call(call, scope),
        Expr::Struct(_) | Expr::Unspecified => Err(ExecutionError::function_error(
            "eval",
            "unsupported expression",
        )),
    }
}

/// A comprehension's accumulator holding an error (see `Expr::Comprehension`); reading it is the error.
#[derive(Debug)]
struct Failed(ExecutionError);

impl PartialEq for Failed {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

impl Eq for Failed {}

impl cel::objects::Opaque for Failed {
    #[allow(clippy::unnecessary_literal_bound)] // the trait's signature
    fn runtime_type_name(&self) -> &str {
        "bulwark.cel.error"
    }
}

fn as_optional(v: &Value) -> Option<&OptionalValue> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<OptionalValue>(),
        _ => None,
    }
}

fn as_bool(v: Result<Value>) -> Result<bool> {
    match v? {
        Value::Bool(b) => Ok(b),
        _ => Err(ExecutionError::NoSuchOverload),
    }
}

fn optional(v: Option<Value>) -> Value {
    Value::Opaque(Arc::new(match v {
        Some(v) => OptionalValue::of(v),
        None => OptionalValue::none(),
    }))
}

/// Equality as `cel 0.13` defines it (values of different types are never equal, `1 == 1u` is
/// false), for the types where that is plain; `None` for the others (delegated to `cel`).
fn strict_eq(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::UInt(x), Value::UInt(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return if x.iter().chain(y.iter()).all(plain) {
                    Some(false)
                } else {
                    None
                };
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !strict_eq(p, q)? {
                    return if x.iter().chain(y.iter()).all(plain) {
                        Some(false)
                    } else {
                        None
                    };
                }
            }
            true
        }
        (Value::Map(x), Value::Map(y)) => {
            if !x.map.values().chain(y.map.values()).all(plain) {
                return None;
            }
            x.map.len() == y.map.len()
                && x.map.iter().all(|(k, v)| {
                    y.map
                        .get(k as &dyn cel::objects::AsKeyRef)
                        .is_some_and(|w| strict_eq(v, w) == Some(true))
                })
        }
        _ if plain(a) && plain(b) => false,
        _ => return None,
    })
}

/// A value whose equality `strict_eq` decides.
fn plain(v: &Value) -> bool {
    match v {
        Value::Int(_)
        | Value::UInt(_)
        | Value::Float(_)
        | Value::String(_)
        | Value::Bool(_)
        | Value::Null => true,
        Value::List(l) => l.iter().all(plain),
        Value::Map(m) => m.map.values().all(plain),
        _ => false,
    }
}

fn eval_call(call: &CallExpr, scope: &Scope<'_>) -> Result<Value> {
    use cel::common::ast::operators as op;
    let name = call.func_name.as_str();
    let args = &call.args;
    if call.target.is_none() {
        match (name, args.len()) {
            (op::CONDITIONAL, 3) => {
                return if as_bool(eval(&args[0], scope))? {
                    eval(&args[1], scope)
                } else {
                    eval(&args[2], scope)
                };
            }
            (op::LOGICAL_OR, 2) => {
                let left = as_bool(eval(&args[0], scope));
                if matches!(left, Ok(true)) {
                    return Ok(Value::Bool(true));
                }
                let right = match eval(&args[1], scope)? {
                    Value::Bool(b) => Some(b),
                    _ => None,
                };
                return match (left, right) {
                    (Ok(false), Some(r)) => Ok(Value::Bool(r)),
                    (Err(_), Some(true)) => Ok(Value::Bool(true)),
                    (left, _) => Err(left.err().unwrap_or(ExecutionError::NoSuchOverload)),
                };
            }
            (op::LOGICAL_AND, 2) => {
                let left = as_bool(eval(&args[0], scope));
                if matches!(left, Ok(false)) {
                    return Ok(Value::Bool(false));
                }
                let right = match eval(&args[1], scope)? {
                    Value::Bool(b) => Some(b),
                    _ => None,
                };
                return match (left, right) {
                    (Ok(true), Some(r)) => Ok(Value::Bool(r)),
                    (Err(_), Some(false)) => Ok(Value::Bool(false)),
                    (left, _) => Err(left.err().unwrap_or(ExecutionError::NoSuchOverload)),
                };
            }
            (op::LOGICAL_NOT, 1) => {
                return match eval(&args[0], scope)? {
                    Value::Bool(b) => Ok(Value::Bool(!b)),
                    _ => Err(ExecutionError::NoSuchOverload),
                };
            }
            (op::NOT_STRICTLY_FALSE, 1) => {
                return Ok(Value::Bool(as_bool(eval(&args[0], scope)).unwrap_or(true)));
            }
            (op::INDEX | op::OPT_INDEX, 2) => return index(call, scope),
            (TICK, 1) => {
                charge(1)?;
                return eval(&args[0], scope);
            }
            (SIZE, 1) => {
                let v = eval(&args[0], scope)?;
                charge(size_cost(&v))?;
                return Ok(v);
            }
            (MAP, 4) => return map_filter(args, scope),
            ("optional.none", 0) => return Ok(optional(None)),
            ("optional.of", 1) => return Ok(optional(Some(eval(&args[0], scope)?))),
            ("dyn", 1) => return eval(&args[0], scope),
            _ => {}
        }
        if args.len() == 2
            && matches!(
                name,
                op::EQUALS
                    | op::NOT_EQUALS
                    | op::IN
                    | op::ADD
                    | op::LESS
                    | op::LESS_EQUALS
                    | op::GREATER
                    | op::GREATER_EQUALS
            )
        {
            let lhs = eval(&args[0], scope)?;
            let rhs = eval(&args[1], scope)?;
            if let Some(v) = binary(name, &lhs, &rhs) {
                return v;
            }
            return delegate(&call.func_name, None, vec![lhs, rhs]);
        }
    }
    // Methods: the receiver is evaluated here unless it names a function namespace
    // (`strings.quote`, `lists.range`…), which `cel` resolves itself.
    let this = match call.target.as_deref() {
        None => None,
        Some(
            t @ IdedExpr {
                expr: Expr::Ident(n),
                ..
            },
        ) if scope.get(n).is_none() => {
            return delegate(
                &call.func_name,
                Some(Target::Namespace(t)),
                eval_args(args, scope)?,
            );
        }
        Some(t) => Some(eval(t, scope)?),
    };
    if let Some(this) = this {
        match (name, args.len()) {
            ("orValue", 1) => {
                return match as_optional(&this) {
                    Some(opt) => match opt.value() {
                        Some(v) => Ok(v.clone()),
                        None => eval(&args[0], scope),
                    },
                    None => Ok(this),
                };
            }
            ("hasValue", 0) if as_optional(&this).is_some() => {
                return Ok(Value::Bool(
                    as_optional(&this).is_some_and(|o| o.value().is_some()),
                ));
            }
            ("value", 0) if as_optional(&this).is_some() => {
                if let Some(v) = as_optional(&this).and_then(OptionalValue::value) {
                    return Ok(v.clone());
                }
            }
            ("size", 0) => match &this {
                Value::List(l) => return Ok(len(l.len())),
                Value::Map(m) => return Ok(len(m.map.len())),
                Value::String(s) => return Ok(len(s.len())),
                _ => {}
            },
            _ => {}
        }
        let args = eval_args(args, scope)?;
        return delegate(&call.func_name, Some(Target::Value(this)), args);
    }
    if name == "size" && args.len() == 1 {
        let v = eval(&args[0], scope)?;
        return match &v {
            Value::List(l) => Ok(len(l.len())),
            Value::Map(m) => Ok(len(m.map.len())),
            Value::String(s) => Ok(len(s.len())),
            _ => delegate(&call.func_name, None, vec![v]),
        };
    }
    let args = eval_args(args, scope)?;
    delegate(&call.func_name, None, args)
}

/// `size()` of a list, map or string (bytes, as `cel 0.13` counts).
fn len(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn eval_args(args: &[IdedExpr], scope: &Scope<'_>) -> Result<Vec<Value>> {
    args.iter().map(|a| eval(a, scope)).collect()
}

/// `==`, `!=`, `in`, `+`, `<`, `<=`, `>`, `>=` on the operand types whose `cel 0.13` result is
/// plain; `None` for the others.
fn binary(name: &str, lhs: &Value, rhs: &Value) -> Option<Result<Value>> {
    use cel::common::ast::operators as op;
    let cmp = || -> Option<Result<Value>> {
        let ord = match (lhs, rhs) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::UInt(a), Value::UInt(b)) => a.cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            _ => return None,
        };
        Some(Ok(Value::Bool(match name {
            op::LESS => ord == Ordering::Less,
            op::LESS_EQUALS => ord != Ordering::Greater,
            op::GREATER => ord == Ordering::Greater,
            _ => ord != Ordering::Less,
        })))
    };
    match name {
        op::EQUALS => strict_eq(lhs, rhs).map(|b| Ok(Value::Bool(b))),
        op::NOT_EQUALS => strict_eq(lhs, rhs).map(|b| Ok(Value::Bool(!b))),
        op::IN => match rhs {
            Value::List(l) => {
                for item in l.iter() {
                    if strict_eq(item, lhs)? {
                        return Some(Ok(Value::Bool(true)));
                    }
                }
                Some(Ok(Value::Bool(false)))
            }
            Value::Map(m) => {
                let key = match lhs {
                    Value::String(s) => cel::objects::KeyRef::String(s.as_str()),
                    Value::Int(i) => cel::objects::KeyRef::Int(*i),
                    Value::UInt(u) => cel::objects::KeyRef::Uint(*u),
                    Value::Bool(b) => cel::objects::KeyRef::Bool(*b),
                    _ => return None,
                };
                Some(Ok(Value::Bool(
                    m.map.contains_key(&key as &dyn cel::objects::AsKeyRef),
                )))
            }
            _ => None,
        },
        op::ADD => match (lhs, rhs) {
            (Value::List(a), Value::List(b)) => {
                if b.is_empty() {
                    return Some(Ok(lhs.clone()));
                }
                if a.is_empty() {
                    return Some(Ok(rhs.clone()));
                }
                let mut out = Vec::with_capacity(a.len() + b.len());
                out.extend(a.iter().cloned());
                out.extend(b.iter().cloned());
                Some(Ok(Value::List(Arc::new(out))))
            }
            (Value::String(a), Value::String(b)) => {
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                Some(Ok(Value::String(Arc::new(s))))
            }
            (Value::Int(a), Value::Int(b)) => a.checked_add(*b).map(|v| Ok(Value::Int(v))),
            _ => None,
        },
        _ => cmp(),
    }
}

/// `a[b]` and `a[?b]`.
fn index(call: &CallExpr, scope: &Scope<'_>) -> Result<Value> {
    let mut is_optional = call.func_name == cel::common::ast::operators::OPT_INDEX;
    let value = eval(&call.args[0], scope)?;
    let value = match as_optional(&value) {
        Some(opt) => {
            is_optional = true;
            match opt.value() {
                Some(v) => v.clone(),
                None => return Ok(optional(None)),
            }
        }
        None => value,
    };
    if !matches!(value, Value::List(_) | Value::Map(_)) {
        // Only lists and maps are indexable; `cel` fails even under `[?_]`.
        return Err(ExecutionError::NoSuchOverload);
    }
    let key = eval(&call.args[1], scope)?;
    let found: Option<Result<Value>> = match (&value, &key) {
        (Value::List(l), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| l.get(i))
            .map(|v| Ok(v.clone())),
        (Value::Map(m), Value::String(s)) => Some(
            m.map
                .get(&cel::objects::KeyRef::String(s.as_str()) as &dyn cel::objects::AsKeyRef)
                .cloned()
                .ok_or_else(|| ExecutionError::NoSuchKey(s.clone())),
        ),
        (Value::Map(m), Value::Int(i)) => m
            .map
            .get(&cel::objects::KeyRef::Int(*i) as &dyn cel::objects::AsKeyRef)
            .map(|v| Ok(v.clone())),
        _ => None,
    };
    // Out of range, or operand types decided by `cel` (its error message).
    let result = found
        .unwrap_or_else(|| delegate(cel::common::ast::operators::INDEX, None, vec![value, key]));
    if is_optional {
        Ok(optional(result.ok()))
    } else {
        result
    }
}

/// `@bw_map(range, var, predicate, transform)`: `[transform(x) for x in range if predicate(x)]`,
/// 1 unit per element, plus the size of the result.
fn map_filter(args: &[IdedExpr], scope: &Scope<'_>) -> Result<Value> {
    let [range, var, pred, f] = args else {
        return Err(ExecutionError::function_error(
            MAP,
            "internal: @bw_map takes 4 arguments",
        ));
    };
    let Expr::Ident(var) = &var.expr else {
        return Err(ExecutionError::function_error(
            MAP,
            "internal: @bw_map variable",
        ));
    };
    let items: Vec<Value> = match eval(range, scope)? {
        Value::List(l) => l.to_vec(),
        Value::Map(m) => m.map.keys().map(Value::from).collect(),
        other => {
            return Err(ExecutionError::function_error(
                MAP,
                format!("map/filter over {:?}", other.type_of()),
            ));
        }
    };
    let mut out = Vec::new();
    let mut inner = scope.child();
    for item in items {
        charge(1)?;
        inner.bind(var, item);
        match eval(pred, &inner)? {
            Value::Bool(true) => out.push(eval(f, &inner)?),
            Value::Bool(false) => {}
            other => {
                return Err(ExecutionError::function_error(
                    MAP,
                    format!("filter predicate gave {:?}, not a bool", other.type_of()),
                ));
            }
        }
    }
    charge(out.len() as u64)?;
    Ok(Value::List(Arc::new(out)))
}

enum Target<'a> {
    /// A function namespace (`strings` in `strings.quote(x)`), left for `cel` to resolve.
    Namespace(&'a IdedExpr),
    /// The evaluated receiver.
    Value(Value),
}

/// Runs the call of `func_name` through `cel`'s interpreter with its receiver and arguments already evaluated:
/// they are bound to fresh variables in a child of the root context.
fn delegate(func_name: &str, target: Option<Target<'_>>, args: Vec<Value>) -> Result<Value> {
    let mut ctx = root_context().new_inner_scope();
    let ident = |name: String| IdedExpr {
        id: 0,
        expr: Expr::Ident(name),
    };
    let target = match target {
        None => None,
        Some(Target::Namespace(t)) => Some(Box::new(t.clone())),
        Some(Target::Value(v)) => {
            ctx.add_variable_from_value("@t", v);
            Some(Box::new(ident("@t".to_owned())))
        }
    };
    let mut names = Vec::with_capacity(args.len());
    for (i, v) in args.into_iter().enumerate() {
        let n = format!("@a{i}");
        ctx.add_variable_from_value(n.as_str(), v);
        names.push(ident(n));
    }
    let expr = IdedExpr {
        id: 0,
        expr: Expr::Call(CallExpr {
            func_name: func_name.to_owned(),
            target,
            args: names,
        }),
    };
    Value::resolve(&expr, &ctx)
}

#[cfg(test)]
mod tests {
    //! The truth is `cel 0.13`'s own interpreter: each expression is evaluated by it (on a `cel`
    //! context with the same variables) and by ours, and the results (or error messages) must be
    //! the same.
    use super::*;
    use crate::engine::{Expression, to_cel};

    fn both(src: &str) -> (Result<Value>, Result<Value>) {
        let object = to_cel(&serde_json::json!({
            "kind": "Pod",
            "metadata": {"name": "p", "labels": {"app": "web", "tier": "1"}},
            "spec": {
                "hostNetwork": true,
                "containers": [
                    {"name": "a", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 8080}],
                     "securityContext": {"capabilities": {"add": ["NET_ADMIN", "CHOWN"], "drop": ["ALL"]}}},
                    {"name": "b", "image": "busybox", "securityContext": {"runAsUser": 0}}
                ],
                "volumes": [{"name": "v", "hostPath": {"path": "/"}}],
                "replicas": 3,
                "ratio": 0.5,
                "big": 18_446_744_073_709_551_615_u64,
                "empty": [],
                "nested": [[1, 2], [3]],
            }
        }));
        let expr = Expression::compile(src).unwrap();
        let mut ctx = root_context().new_inner_scope();
        ctx.add_variable_from_value("object", object.clone());
        ctx.add_variable_from_value("params", Value::Null);
        let theirs = Value::resolve(expr.ast(), &ctx);
        let mut scope = Scope::new();
        scope.bind("object", object);
        scope.bind("params", Value::Null);
        let ours = eval(expr.ast(), &scope);
        (ours, theirs)
    }

    /// The CEL specification (and cel-go, which the API server runs): errors inside `all` and `exists` are
    /// absorbed by a deciding element: `all` is false when any element is false, `exists` true when any is
    /// true, whatever errors the others raise; otherwise the error stands.
    #[test]
    fn comprehensions_absorb_errors_as_the_cel_spec_says() {
        let ours = |src: &str| {
            let expr = crate::engine::Expression::compile(src).unwrap();
            eval(expr.ast(), &Scope::new())
        };
        assert_eq!(
            ours("[1, 2].all(x, x == 1 && [][0])").unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            ours("[2, 1].all(x, x == 1 && [][0])").unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            ours("[1, 2].exists(x, x == 2 || [][0])").unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            ours("[0, 1, 'a'].all(x, x > 0)").unwrap(),
            Value::Bool(false)
        );
        assert!(ours("[1, 'a'].all(x, x > 0)").is_err());
        assert!(ours("[1, 2].all(x, [][0])").is_err());
        assert!(ours("[1, 'a'].exists(x, x > 5)").is_err());
    }

    #[test]
    fn agrees_with_cel_interpreter() {
        let cases = [
            // selection, has, optionals
            "object.spec.containers[0].name",
            "object.spec.missing",
            "object.spec.containers.name",
            "object.kind.x",
            "has(object.spec.hostNetwork)",
            "has(object.spec.hostPID)",
            "has(object.kind.x)",
            "object.spec.?hostPID.orValue(false)",
            "object.spec.?hostNetwork.orValue(false)",
            "object.spec.containers[1].?securityContext.?capabilities.?add.orValue([])",
            "object.spec.containers[0].?securityContext.capabilities.add.orValue([])",
            "object.spec.containers[0].securityContext.capabilities.add.orValue([])",
            "object.spec.?containers[?5].orValue('none')",
            "object.spec.?containers[?0].?name.orValue('none')",
            "object.spec.?kind[?0]",
            "object.kind[?0]",
            "object.spec.?nope.hasValue()",
            "object.spec.?hostNetwork.hasValue()",
            "object.spec.?hostNetwork.value()",
            "object.spec.?nope.value()",
            "optional.none().orValue(1)",
            "optional.of(2).orValue(1)",
            "[?optional.none(), ?optional.of(1), 2]",
            "{'a': 1, ?'b': optional.none(), ?'c': optional.of(3)} == {'a': 1, 'c': 3}",
            "{'a': 1, ?'b': optional.none(), ?'c': optional.of(3)}.size()",
            "{[1]: 2}",
            // indexing
            "object.spec.containers[2]",
            "object.spec.containers[-1]",
            "object.spec.containers[0u]",
            "object.spec.containers['a']",
            "object.metadata.labels['app']",
            "object.metadata.labels['nope']",
            "object.metadata.labels[1]",
            "object.kind[0]",
            "{1: 'x'}[1]",
            "{1: 'x'}[2]",
            "{true: 'x'}[true]",
            // equality and membership, across types
            "1 == 1",
            "1 == 1u",
            "1 == 1.0",
            "'1' == 1",
            "null == null",
            "object.spec.nope == null",
            "[1, 2] == [1, 2]",
            "[1, 2] == [1, 2u]",
            "[1] == [1, 2]",
            "{'a': 1} == {'a': 1}",
            "{'a': 1} == {'a': 1u}",
            "{'a': [1]} == {'a': [1]}",
            "object.metadata.labels == {'app': 'web', 'tier': '1'}",
            "1 != 2",
            "1 != 1u",
            "'NET_ADMIN' in object.spec.containers[0].securityContext.capabilities.add",
            "'x' in ['a', 1, 'x']",
            "1 in [1u, 2]",
            "1 in [1.0]",
            "'app' in object.metadata.labels",
            "1 in {1: 2}",
            "'a' in 'abc'",
            "[1] in [[1], [2]]",
            "null in [null]",
            "duration('1s') == duration('1s')",
            "timestamp('2020-01-01T00:00:00Z') < timestamp('2021-01-01T00:00:00Z')",
            // arithmetic and comparison
            "1 + 2",
            "9223372036854775807 + 1",
            "1u + 2u",
            "1.5 + 1.0",
            "'a' + 'b'",
            "'a' + 1",
            "[1] + [2]",
            "[1] + {'k': 2}",
            "[] + object.spec.containers",
            "object.spec.replicas + 1",
            "1 < 2",
            "2 <= 2",
            "3 > 2",
            "1 >= 2",
            "'a' < 'b'",
            "1 < 2u",
            "1 < 1.5",
            "1.0 < 2.0",
            "'a' < 1",
            "2 - 1",
            "2 * 3",
            "7 / 2",
            "7 % 2",
            "1 / 0",
            "-object.spec.replicas",
            // logic, with errors absorbed as cel 0.13 does
            "true || object.nope",
            "object.nope || true",
            "object.nope || false",
            "false || 1",
            "1 || true",
            "false && object.nope",
            "object.nope && false",
            "object.nope && true",
            "true && 'x'",
            "!true",
            "!1",
            "true ? 1 : 2",
            "1 ? 1 : 2",
            "object.nope ? 1 : 2",
            // comprehensions
            "object.spec.containers.all(c, c.image != '')",
            "object.spec.containers.all(c, c.?securityContext.?runAsUser.orValue(1) > 0)",
            "object.spec.containers.exists(c, c.name == 'b')",
            "object.spec.containers.exists_one(c, has(c.ports))",
            "object.spec.containers.map(c, c.name)",
            "object.spec.containers.filter(c, has(c.ports)).map(c, c.name)",
            "object.spec.containers.map(c, has(c.ports), c.name)",
            "object.metadata.labels.all(k, k.size() > 2)",
            "object.metadata.labels.map(k, k).size()",
            "object.spec.volumes.all(v, !has(v.hostPath))",
            "object.spec.nested.map(l, l.map(x, x * 2))",
            "object.spec.replicas.all(x, true)",
            "[1, 'a'].all(x, x > 0)",
            "[1, 2].exists(x, x == 'a')",
            "object.spec.containers.all(c, c.ports.all(p, p.hostPort == 0))",
            "[1,2,3].map(x, x).filter(y, y > 1)",
            // functions, delegated and native
            "size(object.spec.containers)",
            "object.spec.containers.size()",
            "'héllo'.size()",
            "size('héllo')",
            "object.spec.replicas.size()",
            "size(1)",
            "object.metadata.labels.size()",
            "object.metadata.name.startsWith('p')",
            "object.spec.containers[0].image.matches('^ng')",
            "string(object.spec.replicas)",
            "int('12')",
            "'a,b'.split(',')",
            "['b', 'a'].sort()",
            "'abc'.replace('b', 'x')",
            "['a', 'b'].join('-')",
            "lists.range(3)",
            "strings.quote('a')",
            "quantity('1Gi').isGreaterThan(quantity('1Mi'))",
            "'abc'.indexOf('c')",
            "dyn(1) == 1",
            "object.spec.containers.map(c, c.image).join(',')",
            "'1.2.3.4'.isIP()",
            "ip('1.2.3.4').family()",
            "url('https://x/y').getHost()",
            "math.greatest(1, 5)",
            "sets.contains([1, 2], [1])",
            "[1, 2].isSorted()",
            "object.kind.lowerAscii()",
            "nope(1)",
            "object.nope()",
            "nope.fn(1)",
            "undeclared",
            "object.spec.replicas.orValue(0)",
            "duration('1h') + duration('1m')",
        ];
        let mut bad = Vec::new();
        for src in cases {
            let (ours, theirs) = both(src);
            // Values compare as `Value`s (maps in any order, and of the same type at the top);
            // errors by their message.
            let same = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    a == b && format!("{:?}", a.type_of()) == format!("{:?}", b.type_of())
                }
                (Err(a), Err(b)) => a.to_string() == b.to_string(),
                _ => false,
            };
            if !same {
                bad.push(format!("{src}\n  ours:   {ours:?}\n  theirs: {theirs:?}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
