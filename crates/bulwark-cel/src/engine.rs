//! The CEL engine: parsing with optional syntax, the Kubernetes libraries, and cost metering.
//!
//! Expressions are parsed by the `cel` crate and evaluated by our own evaluator (`interp.rs`) over
//! shared values, which hands the library functions back to `cel` (see its module docs): `cel
//! 0.13`'s interpreter deep-copies every map it selects a field of.
//!
//! # Cost
//!
//! The `cel` crate's interpreter has no cost tracker, so [`Expression::compile`] rewrites the parsed
//! expression before it is ever run:
//! - every comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) charges **1 unit per
//!   iteration** through a call wrapped around its loop condition; `map` and `filter` are replaced
//!   by our own function (`@bw_map`), because cel 0.13 copies the growing result list at every step
//!   (quadratic: a `map` over 5,000 elements took 3.7 s); ours builds it once and charges 1 unit
//!   per element plus the result's length;
//! - inside a loop (a comprehension's step or a `map`/`filter` body), every `+` and every function
//!   that builds a string or a list (`format`, `lowerAscii`, `upperAscii`, `trim`, `substring`,
//!   `split`, `strings.quote`, `base64.*`, `sort`, `flatten`, `distinct`, `slice`, `reverse`,
//!   `string`, `findAll`) charges `1 + size/10` units for a string (as the API server charges 0.1
//!   per character) and `1 + size` for a list or map, once its result exists. Outside loops these
//!   are not charged one by one: without a loop an expression builds at most (its length × the
//!   largest value bound), and the value of every variable is charged by size when it is bound
//!   ([`Meter::charge_value`]), which bounds `v2 = v1 + v1` chains.
//! - the three functions whose result can be much larger than their inputs are replaced by our own
//!   versions that charge the size of the result **before** building it: `replace` (result size
//!   is known from the match count), `join` (sum of the parts) and `lists.range(n)`.
//!
//! Each charge checks two limits, as the API server does: the per-expression limit
//! ([`Limits::per_expression`], default 1,000,000, the API server's `PerCallLimit`) and the
//! per-evaluation limit shared by every expression of one policy evaluation
//! ([`Limits::per_evaluation`], default 10,000,000, the API server's `RuntimeCELCostBudget`). Each
//! charge also checks a wall-clock deadline ([`Limits::deadline`], default 1 s per evaluation).
//!
//! What this guarantees: an evaluation stops with [`EvalError::CostExceeded`] or
//! [`EvalError::Timeout`] after at most `per_evaluation` comprehension iterations; no string or list
//! built inside a loop, by `replace`, `join` or `lists.range`, or bound to a variable grows past
//! roughly 10× the budget in characters (100 MB at the default) before the evaluation stops; and an
//! expression without loops builds at most (its length, ≤ 64 KiB, × the largest value bound).
//! Operations that take time without building anything (`==` on two big lists, `in`, `matches` on
//! a long string) are not charged by size: inside a loop one runs at most once per charged
//! iteration, so the deadline is overrun by at most one such operation over the input; outside
//! loops their number is bounded by the expression's length. The units are close to, but not the
//! same as, the API server's: a policy that the API server rejects for cost may pass here, and the
//! reverse.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::objects::Value;
use cel::{Context, ExecutionError, FunctionContext};
use kube_cel::KubeCelExt;

/// Longest CEL expression accepted, in bytes (the API server's limit for a VAP expression is 5 KiB
/// for `messageExpression`; ours is higher to accept every policy we know of).
pub const MAX_EXPRESSION_LEN: usize = 64 * 1024;

/// Deepest expression nesting accepted by the parser.
const MAX_RECURSION: u16 = 64;

/// Deepest expression tree accepted (a chain like `1 + 1 + …` or `a.b.c…` is as deep as it is long):
/// evaluation recurses over the tree, so this bounds the evaluator's stack.
const MAX_TREE_DEPTH: usize = 200;

/// Stack for the parser thread: ANTLR's recursive descent over a 64 KiB chain of operators needs
/// more than a default thread's 2 MiB. Only touched pages are committed.
const PARSER_STACK: usize = 256 * 1024 * 1024;

/// Trees up to this depth are evaluated on the caller's stack (a few KiB a level in a debug build);
/// deeper ones on a thread with [`PARSER_STACK`]. Real policies' expressions are about 15 deep.
const SHALLOW_TREE: usize = 32;

pub(crate) const TICK: &str = "@bw_tick";
pub(crate) const SIZE: &str = "@bw_size";
pub(crate) const MAP: &str = "@bw_map";

/// Cost limits for one evaluation (see the module docs for what they guarantee).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Units one expression may spend (API server: `PerCallLimit` = 1,000,000).
    pub per_expression: u64,
    /// Units all expressions of one policy evaluation may spend together (API server:
    /// `RuntimeCELCostBudget` = 10,000,000).
    pub per_evaluation: u64,
    /// Wall-clock time one policy evaluation may take.
    pub deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_expression: 1_000_000,
            per_evaluation: 10_000_000,
            deadline: Duration::from_secs(1),
        }
    }
}

/// A CEL expression that did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// 1-based line inside the expression.
    pub line: usize,
    /// 1-based column inside the expression (in characters).
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Why a CEL evaluation stopped without a value.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// An expression spent more than a cost limit.
    CostExceeded {
        /// `"per-expression"` or `"per-evaluation"`.
        which: &'static str,
        /// The limit that was crossed, in cost units.
        limit: u64,
    },
    /// The evaluation ran past its wall-clock deadline.
    Timeout(Duration),
    /// Any other runtime error (no such key, no matching overload, a type error…).
    Runtime(String),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::CostExceeded { which, limit } => {
                write!(
                    f,
                    "CEL cost budget exceeded: over the {which} limit of {limit} units"
                )
            }
            EvalError::Timeout(d) => write!(f, "CEL evaluation ran past its deadline of {d:?}"),
            EvalError::Runtime(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EvalError {}

/// A compiled CEL expression, metered.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    ast: Arc<IdedExpr>,
    /// Depth of the instrumented tree: deep ones are evaluated on a thread with a large stack.
    depth: usize,
}

impl Expression {
    /// Parses `source` (with the optional syntax `?.`, `[?…]` on) and instruments it for metering.
    ///
    /// ```
    /// let e = bulwark_cel::Expression::compile("[1, 2, 3].all(x, x > 0)").unwrap();
    /// assert_eq!(e.source(), "[1, 2, 3].all(x, x > 0)");
    /// let err = bulwark_cel::Expression::compile("object.spec.(").unwrap_err();
    /// assert_eq!((err.line, err.column), (1, 13));
    /// ```
    pub fn compile(source: &str) -> Result<Self, CompileError> {
        if source.len() > MAX_EXPRESSION_LEN {
            return Err(CompileError {
                line: 1,
                column: 1,
                message: format!(
                    "expression is {} bytes, over the limit of {MAX_EXPRESSION_LEN}",
                    source.len()
                ),
            });
        }
        let parsed = parse_bounded(source)?;
        let mut ast = parsed;
        instrument(&mut ast, false).map_err(|message| CompileError {
            line: 1,
            column: 1,
            message,
        })?;
        Ok(Self {
            source: source.to_owned(),
            depth: tree_depth(&ast),
            ast: Arc::new(ast),
        })
    }

    /// The expression as written.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed and instrumented tree.
    pub(crate) fn ast(&self) -> &IdedExpr {
        &self.ast
    }

    /// Evaluates in `scope`, charging the meter of the current evaluation (see [`Meter`]).
    pub fn eval(&self, scope: &Scope<'_>, meter: &mut Meter) -> Result<Value, EvalError> {
        let limits = meter.limits;
        let (start, used_before) = (meter.start, meter.used);
        let run = move || {
            METER.with(|m| {
                let mut m = m.borrow_mut();
                m.expr_used = 0;
                m.expr_limit = limits.per_expression;
                m.eval_left = limits.per_evaluation.saturating_sub(used_before);
                m.eval_limit = limits.per_evaluation;
                m.deadline = Some(start + limits.deadline);
                m.deadline_len = limits.deadline;
                m.stop = None;
            });
            let result = crate::interp::eval(&self.ast, scope);
            let (used, stop) = METER.with(|m| {
                let mut m = m.borrow_mut();
                m.deadline = None;
                (m.expr_used, m.stop.take())
            });
            (result.map_err(|e| e.to_string()), used, stop)
        };
        // The evaluator recurses over the tree: a tree deeper than any real policy's (up to
        // `MAX_TREE_DEPTH`) runs on a thread with a large, lazily committed stack, as the parser does.
        let (result, used, stop) = if self.depth <= SHALLOW_TREE {
            run()
        } else {
            std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("cel-eval".to_owned())
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(s, run)
                    .map_err(|e| format!("cannot start the evaluator: {e}"))
                    .and_then(|h| {
                        h.join()
                            .map_err(|_| "the CEL evaluator failed on this expression".to_owned())
                    })
            })
            .unwrap_or_else(|e| (Err(e), 0, None))
        };
        meter.used = meter.used.saturating_add(used);
        if let Some(stop) = stop {
            return Err(stop);
        }
        result.map_err(EvalError::Runtime)
    }
}

/// Variables bound for evaluation. Binding shares the value (lists and maps are reference-counted):
/// bind an object once and evaluate many expressions in the scope (or in child scopes).
pub struct Scope<'a> {
    parent: Option<&'a Scope<'a>>,
    vars: Vec<(String, Value)>,
}

impl Scope<'static> {
    /// An empty scope over the standard and Kubernetes libraries.
    #[must_use]
    pub fn new() -> Self {
        Scope {
            parent: None,
            vars: Vec::new(),
        }
    }
}

impl Default for Scope<'static> {
    fn default() -> Self {
        Self::new()
    }
}

impl Scope<'_> {
    /// Binds `name` to `value` in this scope.
    pub fn bind(&mut self, name: &str, value: Value) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name.to_owned(), value)),
        }
    }

    /// A scope that sees this one's variables and may shadow them.
    #[must_use]
    pub fn child(&self) -> Scope<'_> {
        Scope {
            parent: Some(self),
            vars: Vec::new(),
        }
    }

    /// The value bound to `name` here or in a parent scope.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        let mut s = self;
        loop {
            if let Some((_, v)) = s.vars.iter().rev().find(|(n, _)| n == name) {
                return Some(v);
            }
            s = s.parent?;
        }
    }
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scope")
    }
}

/// The cost spent so far by one evaluation (one policy on one object), shared by its expressions.
#[derive(Debug, Clone)]
pub struct Meter {
    limits: Limits,
    used: u64,
    start: Instant,
}

impl Meter {
    /// Starts an evaluation now.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            used: 0,
            start: Instant::now(),
        }
    }

    /// Units spent so far.
    #[must_use]
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Charges `units` spent elsewhere (a shared variable's cost) against the per-evaluation limit.
    pub(crate) fn charge_units(&mut self, units: u64) -> Result<(), EvalError> {
        self.used = self.used.saturating_add(units);
        if self.used > self.limits.per_evaluation {
            return Err(EvalError::CostExceeded {
                which: "per-evaluation",
                limit: self.limits.per_evaluation,
            });
        }
        Ok(())
    }

    /// Charges the size of a value that outlives its expression (a variable): `1 + len/10` for a
    /// string, `1 + len` for a list or map, against the per-evaluation limit and the deadline.
    pub fn charge_value(&mut self, v: &Value) -> Result<(), EvalError> {
        self.used = self.used.saturating_add(size_cost(v));
        if self.used > self.limits.per_evaluation {
            return Err(EvalError::CostExceeded {
                which: "per-evaluation",
                limit: self.limits.per_evaluation,
            });
        }
        if self.start.elapsed() > self.limits.deadline {
            return Err(EvalError::Timeout(self.limits.deadline));
        }
        Ok(())
    }
}

#[derive(Default)]
struct ThreadMeter {
    expr_used: u64,
    expr_limit: u64,
    eval_left: u64,
    eval_limit: u64,
    deadline: Option<Instant>,
    deadline_len: Duration,
    stop: Option<EvalError>,
}

thread_local! {
    static METER: RefCell<ThreadMeter> = RefCell::new(ThreadMeter::default());
}

/// Charges `units`; an error once a limit is crossed (the reason is kept for [`Expression::eval`]).
pub(crate) fn charge(units: u64) -> Result<(), ExecutionError> {
    METER.with(|m| {
        let mut m = m.borrow_mut();
        if m.deadline.is_none() {
            // Not inside a metered evaluation (e.g. a unit test calling the context directly).
            return Ok(());
        }
        m.expr_used = m.expr_used.saturating_add(units);
        let stop = if m.expr_used > m.expr_limit {
            Some(EvalError::CostExceeded {
                which: "per-expression",
                limit: m.expr_limit,
            })
        } else if m.expr_used > m.eval_left {
            Some(EvalError::CostExceeded {
                which: "per-evaluation",
                limit: m.eval_limit,
            })
        } else if m.deadline.is_some_and(|d| Instant::now() > d) {
            Some(EvalError::Timeout(m.deadline_len))
        } else {
            None
        };
        match stop {
            Some(stop) => {
                let msg = stop.to_string();
                m.stop.get_or_insert(stop);
                Err(ExecutionError::function_error("cost", msg))
            }
            None => Ok(()),
        }
    })
}

pub(crate) fn size_cost(v: &Value) -> u64 {
    match v {
        Value::String(s) => 1 + s.len() as u64 / 10,
        Value::Bytes(b) => 1 + b.len() as u64 / 10,
        Value::List(l) => 1 + l.len() as u64,
        Value::Map(m) => 1 + m.map.len() as u64,
        _ => 1,
    }
}

/// Functions whose result is charged by size once built.
const SIZED: &[&str] = &[
    "_+_",
    "format",
    "lowerAscii",
    "upperAscii",
    "trim",
    "substring",
    "split",
    "strings.quote",
    "base64.encode",
    "base64.decode",
    "sort",
    "flatten",
    "distinct",
    "slice",
    "reverse",
    "string",
    "findAll",
];

/// Rewrites the tree for metering; refuses constructs the interpreter cannot run (it panics on them).
fn instrument(e: &mut IdedExpr, in_loop: bool) -> Result<(), String> {
    match &mut e.expr {
        Expr::Unspecified => return Err("unsupported empty expression".to_owned()),
        Expr::Struct(s) => {
            return Err(format!(
                "message construction `{}{{…}}` is not supported",
                s.type_name
            ));
        }
        Expr::Call(call) => {
            // cel 0.13's `_?._` fails on a missing map key and mis-wraps a chained optional; its
            // `_[?_]` implements the specified semantics (absent key or optional.none -> none), and
            // `a.?b` is `a[?'b']` on maps, the only values an object or params field selects on.
            if call.func_name == "_?._" {
                "_[?_]".clone_into(&mut call.func_name);
            }
            if let Some(t) = call.target.as_deref_mut() {
                instrument(t, in_loop)?;
            }
            for a in &mut call.args {
                instrument(a, in_loop)?;
            }
        }
        Expr::Comprehension(c) if map_parts(c).is_some() => {
            let (range, var, pred, f) = map_parts(c).expect("checked");
            let mut args = vec![
                range.clone(),
                IdedExpr {
                    id: 0,
                    expr: Expr::Ident(var.to_owned()),
                },
                pred.clone(),
                f.clone(),
            ];
            // The range is evaluated once; the predicate and transform once per element.
            for (i, a) in args.iter_mut().enumerate() {
                instrument(a, in_loop || i >= 2)?;
            }
            e.expr = Expr::Call(CallExpr {
                func_name: MAP.to_owned(),
                target: None,
                args,
            });
        }
        Expr::Comprehension(c) => {
            let ComprehensionExpr {
                iter_range,
                accu_init,
                loop_cond,
                loop_step,
                result,
                ..
            } = &mut **c;
            instrument(iter_range, in_loop)?;
            instrument(accu_init, in_loop)?;
            instrument(loop_cond, true)?;
            instrument(loop_step, true)?;
            instrument(result, in_loop)?;
            let cond = std::mem::take(loop_cond);
            *loop_cond = wrap(TICK, cond);
        }
        Expr::List(l) => {
            for x in &mut l.elements {
                instrument(x, in_loop)?;
            }
        }
        Expr::Map(m) => {
            for entry in &mut m.entries {
                match &mut entry.expr {
                    EntryExpr::MapEntry(me) => {
                        instrument(&mut me.key, in_loop)?;
                        instrument(&mut me.value, in_loop)?;
                    }
                    EntryExpr::StructField(_) => {
                        return Err("struct fields are not supported".to_owned());
                    }
                }
            }
        }
        Expr::Select(s) => instrument(&mut s.operand, in_loop)?,
        Expr::Ident(_) | Expr::Literal(_) => {}
    }
    // Inside an optional chain every later field or index is optional too, as in cel-go:
    // `c.?securityContext.allowPrivilegeEscalation` is none when either field is absent.
    match &mut e.expr {
        Expr::Select(s) if !s.test && is_opt_index(&s.operand) => {
            let operand = std::mem::take(&mut *s.operand);
            let field = IdedExpr {
                id: 0,
                expr: Expr::Literal(LiteralValue::String(s.field.as_str().into())),
            };
            e.expr = Expr::Call(CallExpr {
                func_name: "_[?_]".to_owned(),
                target: None,
                args: vec![operand, field],
            });
        }
        Expr::Call(call)
            if call.func_name == "_[_]" && call.args.first().is_some_and(is_opt_index) =>
        {
            "_[?_]".clone_into(&mut call.func_name);
        }
        _ => {}
    }
    // Only inside a loop: outside one, an expression's `+` and string functions build at most
    // (source length × largest bound value), and each variable's value is charged by size when it
    // is bound.
    if in_loop
        && let Expr::Call(call) = &e.expr
        && SIZED.contains(&call.func_name.as_str())
    {
        let inner = std::mem::take(e);
        *e = wrap(SIZE, inner);
    }
    Ok(())
}

/// The parts of a `map`/`filter` comprehension as the parser expands them: `(range, var, predicate,
/// transform)`. cel 0.13 runs them by appending to a copied list at each step (quadratic: 5,000
/// elements took 3.7 s); `@bw_map` builds the list once.
fn map_parts(c: &ComprehensionExpr) -> Option<(&IdedExpr, &str, &IdedExpr, &IdedExpr)> {
    const ACC: &str = "@result";
    let is_acc = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == ACC);
    let is_true = |e: &IdedExpr| matches!(&e.expr, Expr::Literal(l) if *l == LiteralValue::Boolean(true.into()));
    if c.accu_var != ACC
        || c.iter_var2.is_some()
        || !matches!(&c.accu_init.expr, Expr::List(l) if l.elements.is_empty())
        || !is_true(&c.loop_cond)
        || !is_acc(&c.result)
    {
        return None;
    }
    if let Some(f) = map_append(&c.loop_step) {
        return Some((&c.iter_range, &c.iter_var, &c.loop_cond, f));
    }
    match &c.loop_step.expr {
        Expr::Call(call)
            if call.func_name == "_?_:_" && call.args.len() == 3 && is_acc(&call.args[2]) =>
        {
            let f = map_append(&call.args[1])?;
            Some((&c.iter_range, &c.iter_var, &call.args[0], f))
        }
        _ => None,
    }
}

/// `f` when `e` is `@result + [f]`.
fn map_append(e: &IdedExpr) -> Option<&IdedExpr> {
    match &e.expr {
        Expr::Call(call)
            if call.func_name == "_+_"
                && call.target.is_none()
                && call.args.len() == 2
                && matches!(&call.args[0].expr, Expr::Ident(n) if n == "@result") =>
        {
            match &call.args[1].expr {
                Expr::List(l) if l.elements.len() == 1 && l.optional_indices.is_empty() => {
                    Some(&l.elements[0])
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `@bw_map(range, var, predicate, transform)`: `[transform(x) for x in range if predicate(x)]`,
/// 1 unit per element, plus the size of the result.
fn map_filter(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let [range, var, pred, f] = ftx.args else {
        return Err(ftx.error("internal: @bw_map takes 4 arguments"));
    };
    let Expr::Ident(var) = &var.expr else {
        return Err(ftx.error("internal: @bw_map variable"));
    };
    let items: Vec<Value> = match Value::resolve(range, ftx.ptx)? {
        Value::List(l) => l.to_vec(),
        Value::Map(m) => m.map.keys().map(Value::from).collect(),
        other => return Err(ftx.error(format!("map/filter over {:?}", other.type_of()))),
    };
    let mut out = Vec::new();
    for item in items {
        charge(1)?;
        let mut scope = ftx.ptx.new_inner_scope();
        scope.add_variable_from_value(var.as_str(), item);
        match Value::resolve(pred, &scope)? {
            Value::Bool(true) => out.push(Value::resolve(f, &scope)?),
            Value::Bool(false) => {}
            other => {
                return Err(ftx.error(format!(
                    "filter predicate gave {:?}, not a bool",
                    other.type_of()
                )));
            }
        }
    }
    charge(out.len() as u64)?;
    Ok(Value::List(Arc::new(out)))
}

/// Parses on a thread with a large stack, then refuses trees deeper than [`MAX_TREE_DEPTH`].
fn parse_bounded(source: &str) -> Result<IdedExpr, CompileError> {
    bracket_depth_ok(source)?;
    let src = source.to_owned();
    std::thread::Builder::new()
        .name("cel-parse".to_owned())
        .stack_size(PARSER_STACK)
        .spawn(move || {
            cel::parser::Parser::new()
                .enable_optional_syntax(true)
                .max_recursion_depth(MAX_RECURSION)
                .parse(&src)
                .map_err(|errs| {
                    let first = errs.errors.first();
                    let (line, col) = first.map_or((1, 1), |e| e.pos);
                    CompileError {
                        line: usize::try_from(line).unwrap_or(1).max(1),
                        // The parser's columns are already 1-based (`1 = 2` reports 3 for `=`).
                        column: usize::try_from(col).unwrap_or(1).max(1),
                        message: first.map_or_else(|| "syntax error".to_owned(), |e| e.msg.clone()),
                    }
                })
                .and_then(check_depth)
        })
        .map_err(|e| CompileError {
            line: 1,
            column: 1,
            message: format!("cannot start the parser: {e}"),
        })?
        .join()
        .map_err(|_| CompileError {
            line: 1,
            column: 1,
            message: "the CEL parser failed on this expression".to_owned(),
        })?
}

/// Refuses `(`/`[`/`{` nested deeper than the parser's recursion limit before the parser sees them:
/// ANTLR's prediction over 20,000 nested `[` took 15 s before failing.
fn bracket_depth_ok(source: &str) -> Result<(), CompileError> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut chars = source.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            line += 1;
            column = 0;
        }
        match quote {
            Some(q) => {
                if c == '\\' {
                    chars.next();
                    column += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > usize::from(MAX_RECURSION) {
                        return Err(CompileError {
                            line,
                            column,
                            message: format!("brackets nest deeper than {MAX_RECURSION} levels"),
                        });
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    Ok(())
}

/// Refuses a tree deeper than [`MAX_TREE_DEPTH`]; runs on the parser thread, whose large stack also
/// drops a rejected tree (dropping is recursive too).
fn check_depth(tree: IdedExpr) -> Result<IdedExpr, CompileError> {
    let depth = tree_depth(&tree);
    if depth > MAX_TREE_DEPTH {
        return Err(CompileError {
            line: 1,
            column: 1,
            message: format!(
                "expression nests {depth} levels deep, over the limit of {MAX_TREE_DEPTH}"
            ),
        });
    }
    Ok(tree)
}

/// Depth of the tree, without recursion.
fn tree_depth(root: &IdedExpr) -> usize {
    let mut max = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        match &e.expr {
            Expr::Call(c) => {
                stack.extend(c.target.as_deref().map(|t| (t, d + 1)));
                stack.extend(c.args.iter().map(|a| (a, d + 1)));
            }
            Expr::Comprehension(c) => {
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    stack.push((x, d + 1));
                }
            }
            Expr::List(l) => stack.extend(l.elements.iter().map(|x| (x, d + 1))),
            Expr::Map(m) => {
                for entry in &m.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(me) => {
                            stack.push((&me.key, d + 1));
                            stack.push((&me.value, d + 1));
                        }
                        EntryExpr::StructField(f) => stack.push((&f.value, d + 1)),
                    }
                }
            }
            Expr::Struct(st) => {
                for entry in &st.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        stack.push((&f.value, d + 1));
                    }
                }
            }
            Expr::Select(sel) => stack.push((&sel.operand, d + 1)),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    max
}

fn is_opt_index(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Call(c) if c.func_name == "_[?_]")
}

fn wrap(func: &str, inner: IdedExpr) -> IdedExpr {
    // Ids are only used for error positions; 0 is never produced by the parser.
    IdedExpr {
        id: 0,
        expr: Expr::Call(CallExpr {
            func_name: func.to_owned(),
            target: None,
            args: vec![inner],
        }),
    }
}

fn tick(_ftx: &FunctionContext, cond: Value) -> Result<Value, ExecutionError> {
    charge(1)?;
    Ok(cond)
}

fn sized(_ftx: &FunctionContext, v: Value) -> Result<Value, ExecutionError> {
    charge(size_cost(&v))?;
    Ok(v)
}

fn this_string(ftx: &FunctionContext) -> Result<Arc<String>, ExecutionError> {
    match &ftx.this {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(ftx.error(format!(
            "expected a string receiver, got {:?}",
            other.type_of()
        ))),
        None => Err(ftx.error("expected a receiver")),
    }
}

fn arg_value(ftx: &FunctionContext, i: usize) -> Result<Value, ExecutionError> {
    let e = ftx
        .args
        .get(i)
        .ok_or_else(|| ftx.error("missing argument"))?;
    Value::resolve(e, ftx.ptx)
}

fn arg_string(ftx: &FunctionContext, i: usize) -> Result<Arc<String>, ExecutionError> {
    match arg_value(ftx, i)? {
        Value::String(s) => Ok(s),
        other => Err(ftx.error(format!(
            "expected a string argument, got {:?}",
            other.type_of()
        ))),
    }
}

/// `s.replace(old, new[, n])`, charging the size of the result before building it.
fn replace(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let s = this_string(ftx)?;
    let old = arg_string(ftx, 0)?;
    let new = arg_string(ftx, 1)?;
    let limit = match ftx.args.len() {
        2 => None,
        3 => match arg_value(ftx, 2)? {
            Value::Int(n) if n < 0 => None,
            Value::Int(n) => Some(n as usize),
            other => {
                return Err(ftx.error(format!("expected an int count, got {:?}", other.type_of())));
            }
        },
        n => return Err(ExecutionError::invalid_argument_count(2, n)),
    };
    let matches = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old.as_str()).count()
    };
    let matches = limit.map_or(matches, |l| l.min(matches));
    let out_len =
        (s.len() as u64).saturating_add((matches as u64).saturating_mul(new.len() as u64));
    charge(1 + out_len / 10)?;
    Ok(Value::String(Arc::new(match limit {
        None => s.replace(old.as_str(), &new),
        Some(l) => s.replacen(old.as_str(), &new, l),
    })))
}

/// `list.join([sep])`, charging the size of the result before building it.
fn join(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let list = match &ftx.this {
        Some(Value::List(l)) => l.clone(),
        _ => return Err(ftx.error("join expects a list of strings as receiver")),
    };
    let sep = if ftx.args.is_empty() {
        Arc::new(String::new())
    } else {
        arg_string(ftx, 0)?
    };
    let mut total = (sep.len() as u64).saturating_mul(list.len() as u64);
    for v in list.iter() {
        match v {
            Value::String(s) => total = total.saturating_add(s.len() as u64),
            other => {
                return Err(ftx.error(format!("join expects strings, got {:?}", other.type_of())));
            }
        }
    }
    charge(1 + total / 10)?;
    let parts: Vec<&str> = list
        .iter()
        .map(|v| match v {
            Value::String(s) => s.as_str(),
            _ => "",
        })
        .collect();
    Ok(Value::String(Arc::new(parts.join(sep.as_str()))))
}

/// `lists.range(n)`: `[0, …, n-1]`, charging `n` before building it.
fn range(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let n = match arg_value(ftx, 0)? {
        Value::Int(n) if n >= 0 => n as u64,
        other => return Err(ftx.error(format!("expected a non-negative int, got {other:?}"))),
    };
    charge(1 + n)?;
    Ok(Value::List(Arc::new(
        (0..n.cast_signed()).map(Value::Int).collect(),
    )))
}

/// `opt.orValue(default)`. A receiver that is not an optional is returned as is: Kyverno's results
/// (`kyverno test`, the pod-security suites) treat `c.securityContext.capabilities.add.orValue([])`
/// on a present list as that list.
fn dyn_identity(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    if ftx.args.len() != 1 {
        return Err(ftx.error("dyn takes one argument"));
    }
    arg_value(ftx, 0)
}

fn or_value(ftx: &FunctionContext) -> Result<Value, ExecutionError> {
    let this = ftx
        .this
        .clone()
        .ok_or_else(|| ftx.error("orValue needs a receiver"))?;
    if let Value::Opaque(o) = &this
        && let Some(opt) = o.downcast_ref::<cel::objects::OptionalValue>()
    {
        return match opt.value() {
            Some(v) => Ok(v.clone()),
            None => arg_value(ftx, 0),
        };
    }
    Ok(this)
}

/// The root context: the standard functions, the Kubernetes libraries, and the metering functions.
/// Built once per thread; every evaluation adds its variables in a child scope.
pub(crate) fn root_context() -> &'static Context<'static> {
    static ROOT: OnceLock<Context<'static>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let mut ctx = Context::default().with_all();
        ctx.add_function(TICK, tick);
        ctx.add_function(SIZE, sized);
        ctx.add_function(MAP, map_filter);
        ctx.add_function("replace", replace);
        ctx.add_function("join", join);
        ctx.add_function("lists.range", range);
        ctx.add_function("orValue", or_value);
        // `dyn(x)`: the standard's type-erasure identity (cel-go has it; cel 0.13 does not). The gatekeeper
        // library's seccomp and capabilities templates use it.
        ctx.add_function("dyn", dyn_identity);
        ctx
    })
}

/// Converts a JSON value (a Kubernetes object, parameters…) to a CEL value.
#[must_use]
pub fn to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(to_cel).collect())),
        serde_json::Value::Object(o) => {
            let map: std::collections::HashMap<String, Value> =
                o.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            Value::from(map)
        }
    }
}

/// Renders a CEL value as text for messages and audit annotations (strings unquoted).
#[must_use]
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Result<Value, EvalError> {
        Expression::compile(src)
            .unwrap()
            .eval(&Scope::new(), &mut Meter::new(Limits::default()))
    }

    #[test]
    fn struct_construction_is_a_compile_error_not_a_panic() {
        assert!(Expression::compile("google.protobuf.Int64Value{value: 1}").is_err());
    }

    #[test]
    fn metering_does_not_change_results() {
        assert_eq!(
            eval("[1, 2, 3].map(x, x * 2)").unwrap(),
            Value::from(vec![2i64, 4, 6])
        );
        assert_eq!(eval("'a' + 'b'").unwrap(), Value::from("ab"));
        assert_eq!(eval("['a', 'b'].join('-')").unwrap(), Value::from("a-b"));
        assert_eq!(
            eval("'aXbX'.replace('X', 'y', 1)").unwrap(),
            Value::from("aybX")
        );
        assert_eq!(
            eval("lists.range(3)").unwrap(),
            Value::from(vec![0i64, 1, 2])
        );
    }
}
