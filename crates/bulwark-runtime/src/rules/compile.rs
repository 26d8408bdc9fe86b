//! From definitions to evaluable rules: parse conditions, expand macros and lists, add exceptions, resolve
//! fields through the source's schema once, parse literals by field type, index by event type.

// Parsers and evaluators read best with short names (s, b, i, p, c) and match-with-fallback blocks.
#![allow(clippy::many_single_char_names, clippy::single_match_else)]

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use super::cond::{self, Expr, FieldRef, Lit, Op, Operand, Rhs, Transformer};
use super::load::{ExValue, Loader, Loc, RuleDef, Text};
use super::{DiagnosticSeverity, LoadOptions, Priority, Ruleset, SourceIndex};
use crate::event::{Field, FieldType, Schema};

/// Deepest macro nesting (macros referencing macros) accepted.
const MAX_MACRO_DEPTH: usize = 64;

/// Checks a condition's syntax alone (no macros, lists or fields resolved): the fuzz target's entry point.
pub fn check_condition_syntax(condition: &str) -> Result<(), String> {
    cond::parse(condition)
        .map(|e| {
            let _ = render(&e);
        })
        .map_err(|e| format!("at byte {}: {}", e.pos, e.message))
}

#[derive(Debug)]
pub(crate) enum COperand {
    Field(Field),
    Transform(Transformer, Box<COperand>),
}

impl COperand {
    fn ty(&self) -> FieldType {
        match self {
            COperand::Field(f) => f.ty,
            COperand::Transform(Transformer::Len, _) => FieldType::Int,
            COperand::Transform(..) => FieldType::Str,
        }
    }
}

#[derive(Debug)]
pub(crate) enum CLit {
    Str(String),
    Int(i64),
    Bool(bool),
    Ip(IpAddr),
    Net(IpAddr, u8),
    Bytes(Vec<u8>),
    Regex(Box<regex::Regex>),
}

#[derive(Debug)]
pub(crate) enum CRhs {
    None,
    One(CLit),
    Set(Vec<CLit>),
    /// `in`/`intersects` over text: a set.
    StrSet(HashSet<String>),
    Operand(COperand),
}

#[derive(Debug)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Check(Box<(COperand, Op, CRhs)>),
}

/// A piece of an output template.
#[derive(Debug)]
pub(crate) enum Seg {
    Text(String),
    Field(usize),
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) name: String,
    pub(crate) priority: Priority,
    pub(crate) source: String,
    pub(crate) tags: Vec<String>,
    pub(crate) cond: Node,
    pub(crate) output: Vec<Seg>,
    /// The fields the output names, as printed (`proc.aname[2]`), resolved.
    pub(crate) output_fields: Vec<(String, COperand)>,
}

/// An error inside a condition: a message and the byte offset in the text that holds it.
struct CondError {
    owner: Owner,
    pos: usize,
    message: String,
}

#[derive(Clone, Copy)]
enum Owner {
    Rule,
    Macro(usize),
}

struct Ctx<'a> {
    macros: HashMap<&'a str, (usize, Result<Expr, cond::SyntaxError>)>,
    lists: HashMap<&'a str, &'a [String]>,
    used_macros: HashSet<String>,
    used_lists: HashSet<String>,
    /// Checks and list items a rule may still expand to: macros using macros twice per level double at every
    /// level, so a hostile file could otherwise ask for 2^64 nodes.
    budget: usize,
}

/// Most checks plus list items one rule's condition may expand to (the official rules need a few thousand).
const EXPANSION_BUDGET: usize = 200_000;

fn over_budget() -> String {
    format!(
        "the condition expands to more than {EXPANSION_BUDGET} checks and list items (macros or lists nest too much)"
    )
}

pub(crate) fn compile(
    ld: &mut Loader<'_>,
    schemas: &[&dyn Schema],
    options: &LoadOptions,
) -> Ruleset {
    let defs = std::mem::take(&mut ld.defs);
    let mut ctx = Ctx {
        macros: HashMap::new(),
        lists: defs
            .lists
            .iter()
            .map(|l| (l.name.as_str(), l.items.as_slice()))
            .collect(),
        used_macros: HashSet::new(),
        used_lists: HashSet::new(),
        budget: EXPANSION_BUDGET,
    };
    for (k, m) in defs.macros.iter().enumerate() {
        let parsed = cond::parse(&m.cond.s);
        if let Err(e) = &parsed {
            let (file, line, col) = m
                .cond
                .locate(ld.files, e.pos)
                .unwrap_or((m.loc.file, m.loc.line, m.loc.col));
            ld.diag(
                DiagnosticSeverity::Error,
                Loc { file, line, col },
                "macro",
                &m.name,
                "LOAD_ERR_COMPILE_CONDITION",
                e.message.clone(),
            );
        }
        ctx.macros.insert(m.name.as_str(), (k, parsed));
    }
    // Like Falco, a macro or list named by any macro (used or not) or by another list counts as used.
    for m in &defs.macros {
        if let Some((_, Ok(e))) = ctx.macros.get(m.name.as_str()) {
            let mut names = Vec::new();
            referenced(e, &mut names);
            for n in names {
                if ctx.macros.contains_key(n.as_str()) {
                    ctx.used_macros.insert(n.clone());
                }
                if ctx.lists.contains_key(n.as_str()) {
                    ctx.used_lists.insert(n);
                }
            }
        }
    }
    for l in &defs.lists {
        for it in &l.items {
            if ctx.lists.contains_key(it.as_str()) {
                ctx.used_lists.insert(it.clone());
            }
        }
    }
    let mut rs = Ruleset::default();
    let mut unknown_sources: HashSet<String> = HashSet::new();
    for r in &defs.rules {
        let Some(schema) = schemas.iter().find(|s| s.source() == r.source) else {
            unknown_sources.insert(r.source.clone());
            {
                ld.diag(
                    DiagnosticSeverity::Warning,
                    r.loc,
                    "rule",
                    &r.name,
                    "LOAD_UNKNOWN_SOURCE",
                    format!("unknown source `{}`, rule skipped", r.source),
                );
            }
            continue;
        };
        let expr = match expand_rule(r, &mut ctx) {
            Ok(e) => e,
            Err(e) => {
                let (text, fallback): (&Text, Loc) = match e.owner {
                    Owner::Rule => (&r.cond, r.loc),
                    Owner::Macro(k) => (&defs.macros[k].cond, defs.macros[k].loc),
                };
                let (file, line, col) = text.locate(ld.files, e.pos).unwrap_or((
                    fallback.file,
                    fallback.line,
                    fallback.col,
                ));
                ld.diag(
                    DiagnosticSeverity::Error,
                    Loc { file, line, col },
                    "rule",
                    &r.name,
                    "LOAD_ERR_COMPILE_CONDITION",
                    e.message,
                );
                continue;
            }
        };
        if compares_with_na(&expr) {
            ld.diag(
                DiagnosticSeverity::Warning,
                r.loc,
                "rule",
                &r.name,
                "LOAD_UNSAFE_NA_CHECK",
                "the condition compares a k8s audit field with `<NA>`: a missing value never equals anything, \
                 so this check does not do what it reads like"
                    .into(),
            );
        }
        let node = match compile_expr(&expr, *schema) {
            Ok(n) => n,
            Err((msg, _, true)) if r.skip_unknown_filter => {
                ld.diag(
                    DiagnosticSeverity::Warning,
                    r.loc,
                    "rule",
                    &r.name,
                    "LOAD_UNKNOWN_FILTER",
                    format!("{msg}; rule skipped (skip-if-unknown-filter)"),
                );
                continue;
            }
            Err((msg, at, _)) => {
                let loc = at
                    .and_then(|p| {
                        let (owner, owner_pos) = dec(p);
                        let t = match owner {
                            Owner::Rule => &r.cond,
                            Owner::Macro(k) => &defs.macros[k].cond,
                        };
                        t.locate(ld.files, owner_pos)
                    })
                    .map_or(r.loc, |(file, line, col)| Loc { file, line, col });
                ld.diag(
                    DiagnosticSeverity::Error,
                    loc,
                    "rule",
                    &r.name,
                    "LOAD_ERR_COMPILE_CONDITION",
                    msg,
                );
                continue;
            }
        };
        // Falco (rule_loader_compiler.cpp) replaces the deprecated `%container.info` with its default container
        // fields and warns.
        if r.output.contains("%container.info") {
            ld.diag(
                DiagnosticSeverity::Warning,
                r.loc,
                "rule",
                &r.name,
                "LOAD_DEPRECATED_ITEM",
                "%container.info is deprecated; replaced by container_id=%container.id container_name=%container.name"
                    .into(),
            );
        }
        let output_text = r.output.replace(
            "%container.info",
            "container_id=%container.id container_name=%container.name",
        );
        let (output, output_fields) = match compile_output(&output_text, *schema) {
            Ok(o) => o,
            Err(msg) if r.skip_unknown_filter => {
                ld.diag(
                    DiagnosticSeverity::Warning,
                    r.output_loc,
                    "rule",
                    &r.name,
                    "LOAD_UNKNOWN_FILTER",
                    format!("{msg}; rule skipped (skip-if-unknown-filter)"),
                );
                continue;
            }
            Err(msg) => {
                ld.diag(
                    DiagnosticSeverity::Error,
                    r.output_loc,
                    "rule",
                    &r.name,
                    "LOAD_ERR_COMPILE_OUTPUT",
                    msg,
                );
                continue;
            }
        };
        let types = schema
            .event_type_field()
            .and_then(|f| schema.resolve(f, None).ok())
            .map(|f| event_types(&node, f.id));
        // Falco warns when the set is every type or more than 100 of them.
        let too_many = match &types {
            Some(None) => true,
            Some(Some(set)) => set.len() > 100,
            None => false,
        };
        if too_many && r.enabled && r.warn_evttypes {
            ld.diag(
                DiagnosticSeverity::Warning,
                r.loc,
                "rule",
                &r.name,
                "LOAD_NO_EVTTYPE",
                "rule matches too many evt.type values: this has a significant performance penalty"
                    .into(),
            );
        }
        rs.expanded.insert(r.name.clone(), render(&expr));
        if !r.enabled || !selected_rule(options, r) {
            continue;
        }
        let i = rs.rules.len() as u32;
        let ix: &mut SourceIndex = rs.index.entry(r.source.clone()).or_default();
        match types.flatten() {
            Some(set) => {
                for t in set {
                    ix.by_type.entry(t).or_default().push(i);
                }
            }
            None => ix.any.push(i),
        }
        rs.rules.push(Rule {
            name: r.name.clone(),
            priority: r.priority,
            source: r.source.clone(),
            tags: r.tags.clone(),
            cond: node,
            output,
            output_fields,
        });
    }
    // Macros and lists used only by skipped rules would all look unused: say nothing then.
    let skipped = !unknown_sources.is_empty();
    for m in &defs.macros {
        if !skipped && !ctx.used_macros.contains(&m.name) {
            ld.diag(
                DiagnosticSeverity::Warning,
                m.loc,
                "macro",
                &m.name,
                "LOAD_UNUSED_MACRO",
                "macro not referred to by any other rule/macro".into(),
            );
        }
    }
    for l in &defs.lists {
        if !skipped && !ctx.used_lists.contains(&l.name) {
            ld.diag(
                DiagnosticSeverity::Warning,
                l.loc,
                "list",
                &l.name,
                "LOAD_UNUSED_LIST",
                "list not referred to by any other rule/macro".into(),
            );
        }
    }
    rs
}

fn selected_rule(options: &LoadOptions, r: &RuleDef) -> bool {
    super::selected(options, &r.name, &r.tags, r.priority)
}

fn expand_rule(r: &RuleDef, ctx: &mut Ctx<'_>) -> Result<Expr, CondError> {
    ctx.budget = EXPANSION_BUDGET;
    let parsed = cond::parse(&r.cond.s).map_err(|e| CondError {
        owner: Owner::Rule,
        pos: e.pos,
        message: e.message,
    })?;
    let mut stack = Vec::new();
    let mut e = expand(&parsed, Owner::Rule, ctx, &mut stack)?;
    let mut excepts = Vec::new();
    for ex in &r.exceptions {
        for tuple in &ex.values {
            if ex.single {
                continue;
            }
            if tuple.len() != ex.fields.len() {
                return Err(CondError {
                    owner: Owner::Rule,
                    pos: 0,
                    message: format!(
                        "exception `{}`: a value tuple has {} item(s) for {} field(s)",
                        ex.name,
                        tuple.len(),
                        ex.fields.len()
                    ),
                });
            }
            let mut checks = Vec::new();
            for (k, field) in ex.fields.iter().enumerate() {
                let comp = ex.comps.get(k).map_or("=", String::as_str);
                let Some(op) = op_from(comp) else {
                    return Err(CondError {
                        owner: Owner::Rule,
                        pos: 0,
                        message: format!("exception `{}`: unknown comparison `{comp}`", ex.name),
                    });
                };
                let (name, arg) = match field.split_once('[') {
                    Some((n, a)) => (n.to_string(), Some(a.trim_end_matches(']').to_string())),
                    None => (field.clone(), None),
                };
                let lhs = Operand::Field(FieldRef { name, arg, pos: 0 });
                let lit = |t: &str| Lit {
                    text: t.to_string(),
                    pos: 0,
                    quoted: true,
                };
                let rhs = match (&tuple[k], op.is_list()) {
                    (ExValue::One(v), true) => Rhs::List(
                        expand_items(std::slice::from_ref(v), ctx)?
                            .iter()
                            .map(|s| lit(s))
                            .collect(),
                    ),
                    (ExValue::One(v), false) => Rhs::Value(lit(v)),
                    (ExValue::Many(vs), _) => {
                        Rhs::List(expand_items(vs, ctx)?.iter().map(|s| lit(s)).collect())
                    }
                };
                checks.push(Expr::Check(lhs, op, rhs, 0));
            }
            if ex.single {
                // Single-field form: all values form one list compared with the field.
                continue;
            }
            excepts.push(if checks.len() == 1 {
                checks.pop().unwrap_or(Expr::And(vec![]))
            } else {
                Expr::And(checks)
            });
        }
        if ex.single && !ex.values.is_empty() {
            let op = op_from(ex.comps.first().map_or("in", String::as_str)).unwrap_or(Op::In);
            let field = &ex.fields[0];
            let (name, arg) = match field.split_once('[') {
                Some((n, a)) => (n.to_string(), Some(a.trim_end_matches(']').to_string())),
                None => (field.clone(), None),
            };
            let vals: Vec<String> = ex
                .values
                .iter()
                .filter_map(|t| match t.first() {
                    Some(ExValue::One(v)) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            let items = expand_items(&vals, ctx)?;
            let lits = items
                .into_iter()
                .map(|text| Lit {
                    text,
                    pos: 0,
                    quoted: true,
                })
                .collect::<Vec<_>>();
            let rhs = if op.is_list() {
                Rhs::List(lits)
            } else {
                Rhs::Value(lits.into_iter().next().unwrap_or(Lit {
                    text: String::new(),
                    pos: 0,
                    quoted: true,
                }))
            };
            excepts.push(Expr::Check(
                Operand::Field(FieldRef { name, arg, pos: 0 }),
                op,
                rhs,
                0,
            ));
        }
    }
    if !excepts.is_empty() {
        let ors = if excepts.len() == 1 {
            excepts.pop().unwrap_or(Expr::Or(vec![]))
        } else {
            Expr::Or(excepts)
        };
        e = Expr::And(vec![e, Expr::Not(Box::new(ors))]);
    }
    Ok(e)
}

/// Macro names and list-literal items a condition names (candidates for macros and lists).
fn referenced(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| referenced(x, out)),
        Expr::Not(x) => referenced(x, out),
        Expr::Ident(n, _) => out.push(n.clone()),
        Expr::Check(_, _, Rhs::List(items), _) => out.extend(items.iter().map(|l| l.text.clone())),
        Expr::Check(..) => {}
    }
}

/// Falco's `LOAD_UNSAFE_NA_CHECK` (its filter_warning_resolver, as documented there): an equality-style
/// comparison of a `ka.*`/`jevt.*` field with the literal `<NA>`, which those plugin fields never produce.
fn compares_with_na(e: &Expr) -> bool {
    let unsafe_field = |o: &Operand| matches!(o, Operand::Field(f) if f.name.starts_with("ka.") || f.name.starts_with("jevt."));
    let equality = |op: Op| matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects | Op::Pmatch);
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().any(compares_with_na),
        Expr::Not(x) => compares_with_na(x),
        Expr::Check(l, op, Rhs::Value(v), _) if unsafe_field(l) && equality(*op) => {
            v.text == "<NA>"
        }
        Expr::Check(l, op, Rhs::List(v), _) if unsafe_field(l) && equality(*op) => {
            v.iter().any(|x| x.text == "<NA>")
        }
        Expr::Ident(..) | Expr::Check(..) => false,
    }
}

/// An exception's comparison (`=`, `in`, `pmatch`, ...) read by the condition parser itself, so exceptions
/// accept exactly the operators conditions do. `exists` and other unary forms are not comparisons.
fn op_from(s: &str) -> Option<Op> {
    if s.trim() == "exists" {
        return None;
    }
    let e = cond::parse(&format!("a.b {s} x"))
        .ok()
        .or_else(|| cond::parse(&format!("a.b {s} (x)")).ok())?;
    match e {
        Expr::Check(_, op, _, _) => Some(op),
        _ => None,
    }
}

fn expand(
    e: &Expr,
    owner: Owner,
    ctx: &mut Ctx<'_>,
    stack: &mut Vec<String>,
) -> Result<Expr, CondError> {
    Ok(match e {
        Expr::And(v) => Expr::And(
            v.iter()
                .map(|x| expand(x, owner, ctx, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Expr::Or(
            v.iter()
                .map(|x| expand(x, owner, ctx, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(x) => Expr::Not(Box::new(expand(x, owner, ctx, stack)?)),
        Expr::Ident(name, pos) => {
            let err = |message: String| CondError {
                owner,
                pos: *pos,
                message,
            };
            let Some((k, parsed)) = ctx.macros.get(name.as_str()) else {
                return Err(err(format!("undefined macro `{name}` used in filter")));
            };
            let k = *k;
            let parsed = match parsed {
                Ok(p) => p.clone(),
                Err(_) => {
                    return Err(err(format!(
                        "macro `{name}` has a syntax error (reported on the macro)"
                    )));
                }
            };
            if stack.iter().any(|s| s == name) {
                let mut chain = stack.clone();
                chain.push(name.clone());
                let from = chain.iter().position(|s| s == name).unwrap_or(0);
                return Err(err(format!(
                    "macros reference each other in a cycle: {}",
                    chain[from..].join(" -> ")
                )));
            }
            if stack.len() >= MAX_MACRO_DEPTH {
                return Err(err(format!("macros nest more than {MAX_MACRO_DEPTH} deep")));
            }
            if ctx.budget == 0 {
                return Err(err(over_budget()));
            }
            ctx.budget -= 1;
            ctx.used_macros.insert(name.clone());
            stack.push(name.clone());
            let out = expand(&parsed, Owner::Macro(k), ctx, stack)?;
            stack.pop();
            out
        }
        Expr::Check(lhs, op, rhs, pos) => {
            if ctx.budget == 0 {
                return Err(CondError {
                    owner,
                    pos: *pos,
                    message: over_budget(),
                });
            }
            ctx.budget -= 1;
            let rhs = match rhs {
                Rhs::List(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        let texts = expand_items(std::slice::from_ref(&it.text), ctx).map_err(
                            |mut e| {
                                e.owner = owner;
                                e.pos = it.pos;
                                e
                            },
                        )?;
                        if texts.len() == 1 && texts[0] == it.text {
                            out.push(it.clone());
                        } else {
                            out.extend(texts.into_iter().map(|text| Lit {
                                text,
                                pos: it.pos,
                                quoted: true,
                            }));
                        }
                    }
                    Rhs::List(out)
                }
                r => r.clone(),
            };
            let rhs = match rhs {
                Rhs::Value(v) => Rhs::Value(Lit {
                    pos: enc(owner, v.pos),
                    ..v
                }),
                Rhs::List(v) => Rhs::List(
                    v.into_iter()
                        .map(|l| Lit {
                            pos: enc(owner, l.pos),
                            ..l
                        })
                        .collect(),
                ),
                Rhs::Operand(o) => Rhs::Operand(enc_operand(&o, owner)),
                Rhs::None => Rhs::None,
            };
            Expr::Check(enc_operand(lhs, owner), *op, rhs, enc(owner, *pos))
        }
    })
}

/// List items with list names replaced by their items, recursively; a list reaching itself is an error.
fn expand_items(items: &[String], ctx: &mut Ctx<'_>) -> Result<Vec<String>, CondError> {
    fn go(
        items: &[String],
        lists: &HashMap<&str, &[String]>,
        used: &mut HashSet<String>,
        stack: &mut Vec<String>,
        out: &mut Vec<String>,
        budget: &mut usize,
    ) -> Result<(), String> {
        for it in items {
            if let Some(sub) = lists.get(it.as_str()) {
                if stack.iter().any(|s| s == it) {
                    let mut chain = stack.clone();
                    chain.push(it.clone());
                    let from = chain.iter().position(|s| s == it).unwrap_or(0);
                    return Err(format!(
                        "list references itself: {}",
                        chain[from..].join(" -> ")
                    ));
                }
                if stack.len() >= MAX_MACRO_DEPTH {
                    return Err("lists nest too deep".into());
                }
                used.insert(it.clone());
                stack.push(it.clone());
                go(sub, lists, used, stack, out, budget)?;
                stack.pop();
            } else {
                if *budget == 0 {
                    return Err(over_budget());
                }
                *budget -= 1;
                out.push(strip_quotes(it).to_string());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(
        items,
        &ctx.lists,
        &mut ctx.used_lists,
        &mut Vec::new(),
        &mut out,
        &mut ctx.budget,
    )
    .map_err(|message| CondError {
        owner: Owner::Rule,
        pos: 0,
        message,
    })?;
    Ok(out)
}

/// List items written with their own quotes (`'"sh -c"'`) were pasted into conditions as quoted strings.
fn strip_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// A message, the encoded position ([`enc`]) of the offending token when known, and whether a field name was
/// not resolved.
type CompileErr = (String, Option<usize>, bool);

/// Positions in an expanded condition carry which text they are in: the rule's (tag 0) or macro `k`'s (k + 1),
/// in the bits above 40 (conditions are far shorter than 2^40 bytes).
fn enc(owner: Owner, pos: usize) -> usize {
    let tag = match owner {
        Owner::Rule => 0,
        Owner::Macro(k) => k + 1,
    };
    (tag << 40) | (pos & ((1 << 40) - 1))
}

fn dec(p: usize) -> (Owner, usize) {
    let tag = p >> 40;
    let owner = if tag == 0 {
        Owner::Rule
    } else {
        Owner::Macro(tag - 1)
    };
    (owner, p & ((1 << 40) - 1))
}

fn enc_operand(o: &Operand, owner: Owner) -> Operand {
    match o {
        Operand::Field(f) => Operand::Field(FieldRef {
            pos: enc(owner, f.pos),
            ..f.clone()
        }),
        Operand::Transform(t, inner) => Operand::Transform(*t, Box::new(enc_operand(inner, owner))),
    }
}

fn compile_expr(e: &Expr, schema: &dyn Schema) -> Result<Node, CompileErr> {
    Ok(match e {
        Expr::And(v) => Node::And(
            v.iter()
                .map(|x| compile_expr(x, schema))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Node::Or(
            v.iter()
                .map(|x| compile_expr(x, schema))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(x) => Node::Not(Box::new(compile_expr(x, schema)?)),
        Expr::Ident(n, _) => return Err((format!("undefined macro `{n}`"), None, false)),
        Expr::Check(lhs, op, rhs, _) => {
            let l = operand(lhs, schema)?;
            let ty = l.ty();
            let r = match rhs {
                Rhs::None => CRhs::None,
                Rhs::Value(v) => {
                    CRhs::One(literal(&v.text, ty, *op).map_err(|m| (m, Some(v.pos), false))?)
                }
                Rhs::List(items) => {
                    let lits: Vec<CLit> = items
                        .iter()
                        .map(|v| literal(&v.text, ty, *op).map_err(|m| (m, Some(v.pos), false)))
                        .collect::<Result<_, _>>()?;
                    // Text membership is a hash lookup (lists of shells, binaries, images run to hundreds).
                    if matches!(op, Op::In | Op::Intersects)
                        && lits.iter().all(|l| matches!(l, CLit::Str(_)))
                    {
                        CRhs::StrSet(
                            lits.into_iter()
                                .filter_map(|l| match l {
                                    CLit::Str(s) => Some(s),
                                    _ => None,
                                })
                                .collect(),
                        )
                    } else {
                        CRhs::Set(lits)
                    }
                }
                Rhs::Operand(o) => CRhs::Operand(operand(o, schema)?),
            };
            Node::Check(Box::new((l, *op, r)))
        }
    })
}

fn operand(o: &Operand, schema: &dyn Schema) -> Result<COperand, CompileErr> {
    Ok(match o {
        Operand::Field(f) => COperand::Field(
            schema
                .resolve(&f.name, f.arg.as_deref())
                .map_err(|m| (m, Some(f.pos), true))?,
        ),
        Operand::Transform(t, inner) => COperand::Transform(*t, Box::new(operand(inner, schema)?)),
    })
}

fn literal(text: &str, ty: FieldType, op: Op) -> Result<CLit, String> {
    match op {
        Op::Bcontains | Op::Bstartswith => {
            let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("`{}` needs hex digits, got `{text}`", op.as_str()));
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
                .collect();
            return Ok(CLit::Bytes(bytes));
        }
        Op::Regex => {
            return regex::RegexBuilder::new(text)
                .size_limit(1 << 20)
                .build()
                .map(|r| CLit::Regex(Box::new(r)))
                .map_err(|e| format!("invalid regex `{text}`: {e}"));
        }
        Op::Icontains | Op::Iglob => return Ok(CLit::Str(text.to_lowercase())),
        Op::Contains | Op::Startswith | Op::Endswith | Op::Glob => {
            return Ok(CLit::Str(text.to_string()));
        }
        _ => {}
    }
    match ty {
        FieldType::Int => parse_int(text)
            .map(CLit::Int)
            .ok_or_else(|| format!("`{text}` is not a number")),
        FieldType::Bool => match text {
            "true" => Ok(CLit::Bool(true)),
            "false" => Ok(CLit::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        FieldType::Ip | FieldType::Net => {
            if let Some((a, p)) = text.split_once('/') {
                let ip: IpAddr = a
                    .parse()
                    .map_err(|_| format!("`{text}` is not a network"))?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let p: u8 = p
                    .parse()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("`{text}` has a bad prefix length"))?;
                Ok(CLit::Net(ip, p))
            } else {
                text.parse()
                    .map(CLit::Ip)
                    .map_err(|_| format!("`{text}` is not an IP address"))
            }
        }
        FieldType::Str | FieldType::Bytes => Ok(CLit::Str(text.to_string())),
    }
}

pub(crate) fn parse_int(t: &str) -> Option<i64> {
    let t = t.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16)
            .ok()
            .or_else(|| u64::from_str_radix(h, 16).ok().map(u64::cast_signed));
    }
    t.parse::<i64>()
        .ok()
        .or_else(|| t.parse::<u64>().ok().map(u64::cast_signed))
}

/// The event types a condition can match; `None` = every type. `evt.type = x` and `evt.type in (...)` restrict,
/// `and` intersects, `or` unites; anything under `not` may match every type (conservative, never misses).
fn event_types(n: &Node, type_field: u32) -> Option<BTreeSet<String>> {
    match n {
        Node::And(v) => {
            let mut acc: Option<BTreeSet<String>> = None;
            for c in v {
                if let Some(s) = event_types(c, type_field) {
                    acc = Some(match acc {
                        None => s,
                        Some(a) => a.intersection(&s).cloned().collect(),
                    });
                }
            }
            acc
        }
        Node::Or(v) => {
            let mut acc = BTreeSet::new();
            for c in v {
                acc.extend(event_types(c, type_field)?);
            }
            Some(acc)
        }
        Node::Not(_) => None,
        Node::Check(c) => {
            let (COperand::Field(f), op, rhs) = &**c else {
                return None;
            };
            if f.id != type_field || f.arg != crate::event::FieldArg::None {
                return None;
            }
            match (op, rhs) {
                (Op::Eq, CRhs::One(CLit::Str(s))) => Some(BTreeSet::from([s.clone()])),
                (Op::In, CRhs::StrSet(v)) => Some(v.iter().cloned().collect()),
                (Op::In, CRhs::Set(v)) => Some(
                    v.iter()
                        .filter_map(|l| match l {
                            CLit::Str(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => None,
            }
        }
    }
}

/// Falco output templates: `%field` and `%field[arg]` are replaced by the field's value (`<NA>` when
/// missing); `%%` is not special in Falco, and neither is a `%` not followed by a field name.
type Output = (Vec<Seg>, Vec<(String, COperand)>);

fn compile_output(out: &str, schema: &dyn Schema) -> Result<Output, String> {
    let mut segs = Vec::new();
    let mut fields: Vec<(String, COperand)> = Vec::new();
    let mut text = String::new();
    // A leading `*` lets Falco print the output when some values are missing; we always print `<NA>`.
    let out = out.strip_prefix('*').unwrap_or(out);
    let b = out.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            let ch = out[i..].chars().next().unwrap_or(' ');
            text.push(ch);
            i += ch.len_utf8();
            continue;
        }
        // `%12proc.name`: a width, accepted and not applied.
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        // Like libsinsp, take the longest prefix that is a field this source knows: `%proc.namex` is
        // `proc.name` followed by `x`.
        let mut lim = b.len() - j;
        let found = loop {
            let Some(rest) = out.get(j..j + lim) else {
                lim -= 1;
                if lim == 0 {
                    break None;
                }
                continue;
            };
            let Some((o, used)) = cond::parse_output_operand(rest) else {
                break None;
            };
            match operand(&o, schema) {
                Ok(c) => break Some((o, c, used)),
                Err((m, _, _)) if used <= 1 => {
                    return Err(format!("invalid output format: {m}"));
                }
                Err(_) => lim = used - 1,
            }
        };
        let Some((o, c, used)) = found else {
            let shown: String = out[i..].chars().take(24).collect();
            return Err(format!(
                "invalid output format: `{shown}` is not a field of source {} (a `%` must start a field)",
                schema.source()
            ));
        };
        let shown = match (&o, &c) {
            (Operand::Field(_), COperand::Field(f)) => f.name.clone(),
            _ => {
                let mut s = String::new();
                render_operand(&o, &mut s);
                s
            }
        };
        let k = match fields.iter().position(|(n, _)| *n == shown) {
            Some(k) => k,
            None => {
                fields.push((shown, c));
                fields.len() - 1
            }
        };
        if !text.is_empty() {
            segs.push(Seg::Text(std::mem::take(&mut text)));
        }
        segs.push(Seg::Field(k));
        i = j + used;
    }
    if !text.is_empty() {
        segs.push(Seg::Text(text));
    }
    Ok((segs, fields))
}

/// The condition in plain filter syntax (macros and lists already expanded).
pub(crate) fn render(e: &Expr) -> String {
    let mut s = String::new();
    render_into(e, &mut s);
    s
}

fn render_into(e: &Expr, s: &mut String) {
    match e {
        Expr::And(v) | Expr::Or(v) => {
            let sep = if matches!(e, Expr::And(_)) {
                " and "
            } else {
                " or "
            };
            s.push('(');
            for (k, c) in v.iter().enumerate() {
                if k > 0 {
                    s.push_str(sep);
                }
                render_into(c, s);
            }
            s.push(')');
        }
        Expr::Not(x) => {
            s.push_str("not ");
            let paren = !matches!(**x, Expr::And(_) | Expr::Or(_));
            if paren {
                s.push('(');
            }
            render_into(x, s);
            if paren {
                s.push(')');
            }
        }
        Expr::Ident(n, _) => s.push_str(n),
        Expr::Check(l, op, r, _) => {
            render_operand(l, s);
            s.push(' ');
            s.push_str(op.as_str());
            match r {
                Rhs::None => {}
                Rhs::Value(v) => {
                    s.push(' ');
                    s.push_str(&cond::quote_value(&v.text));
                }
                Rhs::List(items) => {
                    s.push_str(" (");
                    for (k, v) in items.iter().enumerate() {
                        if k > 0 {
                            s.push_str(", ");
                        }
                        s.push_str(&cond::quote_value(&v.text));
                    }
                    s.push(')');
                }
                Rhs::Operand(o @ Operand::Field(_)) => {
                    s.push_str(" val(");
                    render_operand(o, s);
                    s.push(')');
                }
                Rhs::Operand(o) => {
                    s.push(' ');
                    render_operand(o, s);
                }
            }
        }
    }
}

fn render_operand(o: &Operand, s: &mut String) {
    match o {
        Operand::Field(f) => {
            s.push_str(&f.name);
            if let Some(a) = &f.arg {
                s.push('[');
                s.push_str(a);
                s.push(']');
            }
        }
        Operand::Transform(t, inner) => {
            s.push_str(t.as_str());
            s.push('(');
            render_operand(inner, s);
            s.push(')');
        }
    }
}
