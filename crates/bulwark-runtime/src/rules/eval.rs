//! Evaluation with Falco's semantics, and alert formatting.
//!
//! Missing values: libsinsp's `sinsp_filter_check::compare_nocache` returns false as soon as the field cannot be
//! extracted, before looking at the operator, and only `exists` is decided without a value. So `proc.name != x`
//! is **false** when `proc.name` is `<NA>` (it is not `not proc.name = x`, which would be true); we do the same.
//! Several values (a list field, or `proc.aname` without index): `in` holds when every value is in the set,
//! `intersects` when one is, every other operator when one value satisfies it.

// Parsers and evaluators read best with short names (s, b, i, p, c) and match-with-fallback blocks.
#![allow(clippy::many_single_char_names, clippy::single_match_else)]

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use super::Alert;
use super::compile::{CLit, COperand, CRhs, Node, Rule, Seg};
use super::cond::{Op, Transformer};
use crate::event::{Event, Value};

pub(crate) fn eval(n: &Node, ev: &dyn Event) -> bool {
    match n {
        Node::And(v) => v.iter().all(|c| eval(c, ev)),
        Node::Or(v) => v.iter().any(|c| eval(c, ev)),
        Node::Not(c) => !eval(c, ev),
        Node::Check(c) => {
            let (lhs, op, rhs) = &**c;
            let v = extract(lhs, ev);
            // An empty list (no ancestors, no containers) is no value, as libsinsp's extract returning nothing.
            if v.is_missing() || matches!(&v, Value::List(items) if items.is_empty()) {
                return false;
            }
            if *op == Op::Exists {
                return true;
            }
            match rhs {
                CRhs::None => true,
                CRhs::One(lit) => any_value(&v, |x| cmp(x, *op, lit)),
                CRhs::StrSet(set) => {
                    let has = |x: &Value<'_>| match x {
                        Value::Str(s) => set.contains(s.as_ref()),
                        Value::Bytes(b) => std::str::from_utf8(b).is_ok_and(|s| set.contains(s)),
                        _ => false,
                    };
                    match &v {
                        Value::List(items) if *op == Op::In && is_list(lhs) => {
                            items.iter().all(has)
                        }
                        _ => any_value(&v, has),
                    }
                }
                CRhs::Set(set) => match (&v, op) {
                    // Only a list field's `in` needs every value; `proc.aname` (several values, not a list
                    // field) matches when one ancestor is in the set, as libsinsp's ancestor checks do.
                    (Value::List(items), Op::In) if is_list(lhs) => {
                        !items.is_empty()
                            && items.iter().all(|x| set.iter().any(|l| cmp(x, Op::Eq, l)))
                    }
                    (_, Op::Pmatch) => any_value(&v, |x| set.iter().any(|l| cmp(x, Op::Pmatch, l))),
                    (_, Op::In | Op::Intersects) => {
                        any_value(&v, |x| set.iter().any(|l| cmp(x, Op::Eq, l)))
                    }
                    _ => any_value(&v, |x| set.iter().any(|l| cmp(x, *op, l))),
                },
                CRhs::Operand(o) => {
                    let r = extract(o, ev);
                    if r.is_missing() {
                        return false;
                    }
                    let lits = to_lits(&r, *op);
                    match op {
                        Op::In | Op::Intersects | Op::Pmatch => {
                            let inner = if *op == Op::Pmatch {
                                Op::Pmatch
                            } else {
                                Op::Eq
                            };
                            any_value(&v, |x| lits.iter().any(|l| cmp(x, inner, l)))
                        }
                        _ => any_value(&v, |x| lits.iter().any(|l| cmp(x, *op, l))),
                    }
                }
            }
        }
    }
}

fn is_list(o: &COperand) -> bool {
    match o {
        COperand::Field(f) => f.list,
        COperand::Transform(_, inner) => is_list(inner),
    }
}

fn any_value(v: &Value<'_>, f: impl Fn(&Value<'_>) -> bool) -> bool {
    match v {
        Value::List(items) => items.iter().any(|x| !x.is_missing() && f(x)),
        x => f(x),
    }
}

/// A value from the right-hand side (`val(field)`) as literals, at evaluation time (rare; allocates).
fn to_lits(v: &Value<'_>, op: Op) -> Vec<CLit> {
    let one = |x: &Value<'_>| -> Option<CLit> {
        Some(match x {
            Value::Missing | Value::List(_) => return None,
            Value::Str(s) if matches!(op, Op::Icontains | Op::Iglob) => CLit::Str(s.to_lowercase()),
            Value::Str(s) => CLit::Str(s.to_string()),
            Value::Int(i) => CLit::Int(*i),
            Value::Bool(b) => CLit::Bool(*b),
            Value::Ip(ip) => CLit::Ip(*ip),
            Value::Bytes(b) => CLit::Bytes(b.to_vec()),
        })
    };
    match v {
        Value::List(items) => items.iter().filter_map(one).collect(),
        x => one(x).into_iter().collect(),
    }
}

pub(crate) fn extract<'e>(o: &COperand, ev: &'e dyn Event) -> Value<'e> {
    match o {
        COperand::Field(f) => ev.extract(f),
        COperand::Transform(t, inner) => {
            let v = extract(inner, ev);
            transform(*t, v)
        }
    }
}

fn transform(t: Transformer, v: Value<'_>) -> Value<'_> {
    match v {
        Value::List(items) => Value::List(items.into_iter().map(|x| transform(t, x)).collect()),
        Value::Missing => Value::Missing,
        v => {
            let s: Cow<'_, str> = match &v {
                Value::Str(s) => Cow::Owned(s.to_string()),
                Value::Bytes(b) => Cow::Owned(String::from_utf8_lossy(b).into_owned()),
                other => Cow::Owned(print_value(other)),
            };
            match t {
                Transformer::Tolower => Value::string(s.to_lowercase()),
                Transformer::Toupper => Value::string(s.to_uppercase()),
                Transformer::Len => match &v {
                    Value::Bytes(b) => Value::Int(i64::try_from(b.len()).unwrap_or(i64::MAX)),
                    _ => Value::Int(i64::try_from(s.len()).unwrap_or(i64::MAX)),
                },
                Transformer::Basename => {
                    // Falco: the part after the last `/`; a path ending in `/` has an empty basename.
                    let b = s.rsplit('/').next().unwrap_or("");
                    Value::string(b.to_string())
                }
                Transformer::B64 => match b64_decode(s.as_bytes()) {
                    Some(d) => Value::string(String::from_utf8_lossy(&d).into_owned()),
                    None => Value::Missing,
                },
            }
        }
    }
}

fn b64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        })
    };
    let body: Vec<u8> = s.iter().copied().filter(|c| *c != b'=').collect();
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (k, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * k);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for k in 0..n {
            out.push((acc >> (16 - 8 * k)) as u8);
        }
    }
    Some(out)
}

fn cmp(v: &Value<'_>, op: Op, lit: &CLit) -> bool {
    match (v, lit) {
        (Value::Str(s), CLit::Str(l)) => cmp_str(s, op, l),
        (Value::Str(s), CLit::Regex(r)) => r.is_match(s),
        (Value::Bytes(b), CLit::Regex(r)) => std::str::from_utf8(b).is_ok_and(|s| r.is_match(s)),
        (Value::Bytes(b), CLit::Bytes(_) | CLit::Str(_))
            if matches!(op, Op::Bcontains | Op::Bstartswith) =>
        {
            let l: &[u8] = match lit {
                CLit::Bytes(l) => l,
                CLit::Str(s) => s.as_bytes(),
                _ => return false,
            };
            if op == Op::Bstartswith {
                b.starts_with(l)
            } else {
                find(b, l)
            }
        }
        (Value::Str(s), CLit::Bytes(l)) => {
            if op == Op::Bstartswith {
                s.as_bytes().starts_with(l)
            } else {
                find(s.as_bytes(), l)
            }
        }
        (Value::Bytes(b), CLit::Str(l)) => std::str::from_utf8(b).is_ok_and(|s| cmp_str(s, op, l)),
        (Value::Int(i), CLit::Int(l)) => cmp_ord(i.cmp(l), op),
        (Value::Str(s), CLit::Int(l)) => {
            super::compile::parse_int(s).is_some_and(|i| cmp_ord(i.cmp(l), op))
        }
        (Value::Int(i), CLit::Str(l)) => match super::compile::parse_int(l) {
            Some(n) => cmp_ord(i.cmp(&n), op),
            None => cmp_str(&i.to_string(), op, l),
        },
        (Value::Bool(b), CLit::Bool(l)) => cmp_ord(b.cmp(l), op),
        (Value::Bool(b), CLit::Str(l)) => cmp_str(if *b { "true" } else { "false" }, op, l),
        (Value::Ip(ip), CLit::Ip(l)) => cmp_ord(ip.cmp(l), op),
        (Value::Ip(ip), CLit::Net(n, p)) => {
            let inside = in_net(*ip, *n, *p);
            match op {
                Op::Eq | Op::In | Op::Intersects => inside,
                Op::Ne => !inside,
                _ => false,
            }
        }
        (Value::Ip(ip), CLit::Str(l)) => cmp_str(&ip.to_string(), op, l),
        (Value::Str(s), CLit::Ip(l)) => s.parse::<IpAddr>().is_ok_and(|ip| cmp_ord(ip.cmp(l), op)),
        _ => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn cmp_ord(o: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        Op::Eq | Op::In | Op::Intersects => o == Equal,
        Op::Ne => o != Equal,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        _ => false,
    }
}

fn cmp_str(s: &str, op: Op, l: &str) -> bool {
    match op {
        Op::Eq | Op::In | Op::Intersects | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Ne => {
            cmp_ord(s.cmp(l), op)
        }
        Op::Contains | Op::Bcontains => s.contains(l),
        // `l` was lowered at compile time; compare without allocating.
        Op::Icontains => {
            l.is_empty()
                || s.as_bytes().windows(l.len()).any(|w| {
                    w.iter()
                        .zip(l.as_bytes())
                        .all(|(a, b)| a.to_ascii_lowercase() == *b)
                })
        }
        Op::Startswith | Op::Bstartswith => s.starts_with(l),
        Op::Endswith => s.ends_with(l),
        Op::Glob => glob_match(l.as_bytes(), s.as_bytes(), false),
        Op::Iglob => glob_match(l.as_bytes(), s.as_bytes(), true),
        // Path prefix: `/etc` matches `/etc` and `/etc/passwd`, not `/etcx`.
        Op::Pmatch => {
            let l = l.trim_end_matches('/');
            s == l || (s.starts_with(l) && s.as_bytes().get(l.len()) == Some(&b'/')) || l.is_empty()
        }
        Op::Regex | Op::Exists => false,
    }
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

/// fnmatch-like glob as libsinsp's `glob` uses (fnmatch without flags): `*` any run (including `/`), `?` one
/// character, `[abc]`/`[a-z]`/`[!a]` classes, `\` escapes. Written here rather than with globset because globset
/// compiles to a regex per pattern (fine at load time) but treats `*` as not crossing `/` only optionally and
/// has no `iglob`-style byte folding we need for `--disable-rule` names too; a 40-line iterative matcher with
/// backtracking on the last `*` is linear-ish and allocation-free.
pub(crate) fn glob_match(pat: &[u8], s: &[u8], icase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if icase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, i));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(&pat[p..], s[i], icase) {
                        if matched {
                            p += next;
                            i += 1;
                            continue;
                        }
                    } else if eq(b'[', s[i]) {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() => {
                    if eq(pat[p + 1], s[i]) {
                        p += 2;
                        i += 1;
                        continue;
                    }
                }
                c => {
                    if eq(c, s[i]) {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, si)) => {
                p = sp + 1;
                i = si + 1;
                star = Some((sp, si + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|c| *c == b'*')
}

/// A `[...]` class at the start of `pat`: (does `c` match, bytes of the class), or `None` if unterminated.
fn class(pat: &[u8], c: u8, icase: bool) -> Option<(bool, usize)> {
    let mut k = 1;
    let negate = matches!(pat.get(k), Some(b'!' | b'^'));
    if negate {
        k += 1;
    }
    let mut matched = false;
    let mut first = true;
    let c = if icase { c.to_ascii_lowercase() } else { c };
    while k < pat.len() {
        let a = pat[k];
        if a == b']' && !first {
            return Some((matched != negate, k + 1));
        }
        first = false;
        let (lo, hi, step) =
            if pat.get(k + 1) == Some(&b'-') && pat.get(k + 2).is_some_and(|b| *b != b']') {
                (a, pat[k + 2], 3)
            } else {
                (a, a, 1)
            };
        let (lo, hi) = if icase {
            (lo.to_ascii_lowercase(), hi.to_ascii_lowercase())
        } else {
            (lo, hi)
        };
        if lo <= c && c <= hi {
            matched = true;
        }
        k += step;
    }
    None
}

/// A value as Falco prints it in outputs.
pub(crate) fn print_value(v: &Value<'_>) -> String {
    match v {
        Value::Missing => "<NA>".into(),
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Ip(ip) => ip.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        // libsinsp prints list values as `(a,b)`.
        Value::List(items) => format!(
            "({})",
            items.iter().map(print_value).collect::<Vec<_>>().join(",")
        ),
    }
}

/// A field value in an alert's `output_fields`: `null` for `<NA>`, numbers and booleans as such, lists as arrays,
/// everything else as libsinsp prints it.
#[must_use]
pub fn json_value(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::Missing => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Bool(b) => (*b).into(),
        Value::List(items) => items.iter().map(json_value).collect(),
        other => print_value(other).into(),
    }
}

pub(crate) fn alert(rule: &Rule, ev: &dyn Event) -> Alert {
    let values: Vec<Value<'_>> = rule
        .output_fields
        .iter()
        .map(|(_, o)| extract(o, ev))
        .collect();
    let mut output = String::new();
    for seg in &rule.output {
        match seg {
            Seg::Text(t) => output.push_str(t),
            Seg::Field(k) => output.push_str(&print_value(&values[*k])),
        }
    }
    let output_fields: BTreeMap<String, serde_json::Value> = rule
        .output_fields
        .iter()
        .zip(&values)
        .map(|((n, _), v)| (n.clone(), json_value(v)))
        .collect();
    Alert {
        rule: rule.name.clone(),
        priority: rule.priority,
        source: rule.source.clone(),
        time_ns: ev.time_ns(),
        output: output.trim().to_string(),
        output_fields,
        tags: rule.tags.clone(),
    }
}
