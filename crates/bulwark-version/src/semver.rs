//! SemVer 2.0 versions and npm ranges, following the npm `semver` package (v7, non-loose):
//! `compare` for ordering and `satisfies` for ranges (`^`, `~`, x-ranges, hyphen ranges, `||`,
//! and the rule that a prerelease only matches a comparator set that names a prerelease of the
//! same `major.minor.patch`).

use std::cmp::Ordering;

use crate::{Scheme, VersionError};

/// npm semver's `MAX_LENGTH`.
const MAX_LENGTH: usize = 256;
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

#[derive(Debug, Clone, Copy)]
enum Ident {
    /// A numeric identifier below `MAX_SAFE_INTEGER` (npm stores it as a JS number).
    Num(u64),
    /// Any other identifier (span into the version text).
    Str(u32, u32),
}

/// A parsed SemVer 2.0 version.
#[derive(Debug, Clone)]
pub struct SemverVersion {
    raw: Box<str>,
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Ident>,
}

/// JavaScript's `String.prototype.trim` whitespace.
fn is_js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// `0|[1-9]\d*`
fn numeric_ident(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    // Values past MAX_SAFE_INTEGER are rejected by the caller; saturate here.
    Some(s.parse::<u64>().unwrap_or(u64::MAX))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// Splits `major.minor.patch[-pre][+build]` without the leading `v`.
struct Parts<'a> {
    main: [&'a str; 3],
    pre: Option<&'a str>,
}

fn split_full(s: &str) -> Option<Parts<'_>> {
    let (rest, _build) = match s.split_once('+') {
        Some((r, build)) => {
            if build
                .split('.')
                .any(|id| id.is_empty() || !id.bytes().all(is_ident_char))
            {
                return None;
            }
            (r, Some(build))
        }
        None => (s, None),
    };
    // The main version has no '-', so the first '-' starts the prerelease.
    let (main, pre) = match rest.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (rest, None),
    };
    let mut it = main.split('.');
    let parts = [it.next()?, it.next()?, it.next()?];
    if it.next().is_some() {
        return None;
    }
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if id.is_empty() || !id.bytes().all(is_ident_char) {
                return None;
            }
            if id.bytes().all(|c| c.is_ascii_digit()) && numeric_ident(id).is_none() {
                return None;
            }
        }
    }
    Some(Parts { main: parts, pre })
}

impl SemverVersion {
    /// Parses a version like `new SemVer(input)` (non-loose; optional leading `v`).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::invalid(Scheme::Semver, input, reason);
        if input.len() > MAX_LENGTH {
            return Err(err("version is longer than 256 characters"));
        }
        let s = input.trim_matches(is_js_space);
        let body = s.strip_prefix('v').unwrap_or(s);
        let parts = split_full(body).ok_or_else(|| err("not a valid semver version"))?;
        let mut nums = [0u64; 3];
        for (n, p) in nums.iter_mut().zip(parts.main) {
            *n = numeric_ident(p).ok_or_else(|| err("not a valid semver version"))?;
            if *n > MAX_SAFE_INTEGER {
                return Err(err("version component is larger than MAX_SAFE_INTEGER"));
            }
        }
        let mut pre = Vec::new();
        if let Some(p) = parts.pre {
            let base = p.as_ptr() as usize - input.as_ptr() as usize;
            let mut pos = base;
            for id in p.split('.') {
                let ident = match numeric_ident(id) {
                    Some(n) if n < MAX_SAFE_INTEGER => Ident::Num(n),
                    _ => Ident::Str(pos as u32, (pos + id.len()) as u32),
                };
                pre.push(ident);
                pos += id.len() + 1;
            }
        }
        Ok(SemverVersion {
            raw: input.into(),
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            pre,
        })
    }

    fn text(&self, a: u32, b: u32) -> &str {
        &self.raw[a as usize..b as usize]
    }

    /// `(major, minor, patch)`.
    #[must_use]
    pub fn triple(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// Whether the version has a prerelease part.
    #[must_use]
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    fn cmp_ident(&self, a: Ident, other: &Self, b: Ident) -> Ordering {
        match (a, b) {
            (Ident::Num(x), Ident::Num(y)) => x.cmp(&y),
            (Ident::Num(x), Ident::Str(y0, y1)) => cmp_num_str(x, other.text(y0, y1)),
            (Ident::Str(x0, x1), Ident::Num(y)) => cmp_num_str(y, self.text(x0, x1)).reverse(),
            (Ident::Str(x0, x1), Ident::Str(y0, y1)) => {
                cmp_ident_str(self.text(x0, x1), other.text(y0, y1))
            }
        }
    }
}

/// A small numeric identifier against one kept as a string (alphanumeric, or numeric past
/// `MAX_SAFE_INTEGER`), without allocating.
fn cmp_num_str(n: u64, s: &str) -> Ordering {
    if s.bytes().all(|c| c.is_ascii_digit()) {
        // JS compares these as doubles too.
        let x = n as f64;
        let y: f64 = s.parse().unwrap_or(f64::INFINITY);
        x.partial_cmp(&y).unwrap_or(Ordering::Equal)
    } else {
        Ordering::Less
    }
}

/// npm's `compareIdentifiers` for identifiers held as strings.
fn cmp_ident_str(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            // JS compares these as doubles (`+a < +b`).
            let x: f64 = a.parse().unwrap_or(f64::INFINITY);
            let y: f64 = b.parse().unwrap_or(f64::INFINITY);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (true, false) => {
            if a == b {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for SemverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let ord =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if ord != Ordering::Equal {
            return ord;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (false, true) => return Ordering::Less,
            (true, false) => return Ordering::Greater,
            (false, false) => {}
        }
        for (&a, &b) in self.pre.iter().zip(&other.pre) {
            let ord = self.cmp_ident(a, other, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

impl PartialOrd for SemverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemverVersion {}

/// A comparator operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One comparator of a range: `op version`, or "any version".
#[derive(Debug, Clone)]
pub enum Comparator {
    Any,
    Cmp(Op, SemverVersion),
}

impl Comparator {
    fn test(&self, v: &SemverVersion) -> bool {
        match self {
            Comparator::Any => true,
            Comparator::Cmp(op, c) => {
                let ord = v.cmp(c);
                match op {
                    Op::Eq => ord == Ordering::Equal,
                    Op::Lt => ord == Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    Op::Ge => ord != Ordering::Less,
                }
            }
        }
    }
}

/// An npm range: a union (`||`) of comparator sets.
#[derive(Debug, Clone)]
pub struct Range {
    raw: Box<str>,
    sets: Vec<Vec<Comparator>>,
}

/// One `X.Y.Z` of a range where any part may be missing or `x`/`X`/`*`.
struct Partial<'a> {
    /// Text after any `v`/`=` prefix.
    full: &'a str,
    /// Prefix made of `v`, `=` and spaces.
    prefix: &'a str,
    nums: [Option<u64>; 3],
    pre: Option<&'a str>,
    /// Number of parts written (1–3).
    written: usize,
}

fn is_x(s: &str) -> bool {
    s == "x" || s == "X" || s == "*"
}

/// `[v=\s]*(XR)(?:\.(XR)(?:\.(XR)(?:PRERELEASE)?BUILD?)?)?`
fn parse_partial(s: &str) -> Option<Partial<'_>> {
    let full = s.trim_start_matches(['v', '=', ' ']);
    let prefix = &s[..s.len() - full.len()];
    let (rest, build) = match full.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (full, None),
    };
    if let Some(b) = build
        && b.split('.')
            .any(|id| id.is_empty() || !id.bytes().all(is_ident_char))
    {
        return None;
    }
    let mut nums = [None; 3];
    let mut written = 0;
    let mut pre = None;
    let mut rest = rest;
    for (i, slot) in nums.iter_mut().enumerate() {
        let end = rest.find(['.', '-']).unwrap_or(rest.len());
        let part = &rest[..end];
        if is_x(part) {
            *slot = None;
        } else {
            *slot = Some(numeric_ident(part)?);
        }
        written = i + 1;
        rest = &rest[end..];
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix('-') {
            if i != 2 {
                return None;
            }
            let ok = r.split('.').all(|id| {
                !id.is_empty()
                    && id.bytes().all(is_ident_char)
                    && (!id.bytes().all(|c| c.is_ascii_digit()) || numeric_ident(id).is_some())
            });
            if !ok {
                return None;
            }
            pre = Some(r);
            rest = "";
            break;
        }
        if i == 2 {
            return None;
        }
        rest = &rest[1..];
    }
    if !rest.is_empty() || (build.is_some() && written < 3) {
        return None;
    }
    Some(Partial {
        full,
        prefix,
        nums,
        pre,
        written,
    })
}

impl Partial<'_> {
    fn x_major(&self) -> bool {
        self.nums[0].is_none()
    }
    fn x_minor(&self) -> bool {
        self.x_major() || self.written < 2 || self.nums[1].is_none()
    }
    fn x_patch(&self) -> bool {
        self.x_minor() || self.written < 3 || self.nums[2].is_none()
    }
    fn n(&self, i: usize) -> u64 {
        self.nums[i].unwrap_or(0)
    }
}

fn ver(
    major: u64,
    minor: u64,
    patch: u64,
    pre: Option<&str>,
) -> Result<SemverVersion, &'static str> {
    let text = match pre {
        Some(p) => format!("{major}.{minor}.{patch}-{p}"),
        None => format!("{major}.{minor}.{patch}"),
    };
    SemverVersion::parse(&text).map_err(|_| "comparator version is out of range")
}

/// A desugared `>=M.m.p` (no prerelease). npm's `replaceGTE0` turns the text `>=0.0.0` into "any".
fn ge(major: u64, minor: u64, patch: u64) -> Result<Comparator, &'static str> {
    if (major, minor, patch) == (0, 0, 0) {
        return Ok(Comparator::Any);
    }
    Ok(Comparator::Cmp(Op::Ge, ver(major, minor, patch, None)?))
}

/// `>=` a version written out in the range: "any" only for the exact text `>=0.0.0`.
fn ge_written(p: &Partial<'_>) -> Result<Comparator, &'static str> {
    let v = full_version(p)?;
    if p.prefix.is_empty() && p.full == "0.0.0" {
        return Ok(Comparator::Any);
    }
    Ok(Comparator::Cmp(Op::Ge, v))
}

fn lower_bound_zero(major: u64, minor: u64, patch: u64) -> Result<SemverVersion, &'static str> {
    ver(major, minor, patch, Some("0"))
}

/// A version written in full (no X parts), as `new Comparator` accepts it after an operator.
fn full_version(p: &Partial<'_>) -> Result<SemverVersion, &'static str> {
    if !(p.prefix.is_empty() || p.prefix == "v") {
        return Err("invalid comparator prefix");
    }
    let text = p.full;
    SemverVersion::parse(text).map_err(|_| "invalid comparator version")
}

fn push_caret(p: &Partial<'_>, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    let (m, mi, pa) = (p.n(0), p.n(1), p.n(2));
    if p.x_major() {
        out.push(Comparator::Any);
    } else if p.x_minor() {
        out.push(ge(m, 0, 0)?);
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m.saturating_add(1), 0, 0)?,
        ));
    } else if p.x_patch() {
        out.push(ge(m, mi, 0)?);
        let upper = if m == 0 {
            lower_bound_zero(m, mi.saturating_add(1), 0)?
        } else {
            lower_bound_zero(m.saturating_add(1), 0, 0)?
        };
        out.push(Comparator::Cmp(Op::Lt, upper));
    } else {
        out.push(match p.pre {
            Some(_) => Comparator::Cmp(Op::Ge, ver(m, mi, pa, p.pre)?),
            None => ge(m, mi, pa)?,
        });
        let upper = if m == 0 {
            if mi == 0 {
                lower_bound_zero(m, mi, pa.saturating_add(1))?
            } else {
                lower_bound_zero(m, mi.saturating_add(1), 0)?
            }
        } else {
            lower_bound_zero(m.saturating_add(1), 0, 0)?
        };
        out.push(Comparator::Cmp(Op::Lt, upper));
    }
    Ok(())
}

fn push_tilde(p: &Partial<'_>, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    let (m, mi, pa) = (p.n(0), p.n(1), p.n(2));
    if p.x_major() {
        out.push(Comparator::Any);
    } else if p.x_minor() {
        out.push(ge(m, 0, 0)?);
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m.saturating_add(1), 0, 0)?,
        ));
    } else if p.x_patch() {
        out.push(ge(m, mi, 0)?);
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m, mi.saturating_add(1), 0)?,
        ));
    } else {
        out.push(match p.pre {
            Some(_) => Comparator::Cmp(Op::Ge, ver(m, mi, pa, p.pre)?),
            None => ge(m, mi, pa)?,
        });
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m, mi.saturating_add(1), 0)?,
        ));
    }
    Ok(())
}

fn push_xrange(op: &str, p: &Partial<'_>, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    // semver 7.8 rejects an X followed by a number (`x.1`, `1.x.2`) in plain x-ranges.
    let x = |i: usize| i >= p.written || p.nums[i].is_none();
    if (x(0) && !x(1)) || (x(1) && p.written >= 3 && !x(2)) {
        return Err("x-range has a number after an x");
    }
    let any_x = p.x_patch();
    if !any_x {
        if op == ">=" {
            out.push(ge_written(p)?);
            return Ok(());
        }
        let v = full_version(p)?;
        let op = match op {
            "" | "=" => Op::Eq,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => Op::Gt,
        };
        out.push(Comparator::Cmp(op, v));
        return Ok(());
    }
    let op = if op == "=" { "" } else { op };
    let (m, mi) = (p.n(0), p.n(1));
    if p.x_major() {
        if op == ">" || op == "<" {
            out.push(Comparator::Cmp(Op::Lt, lower_bound_zero(0, 0, 0)?));
        } else {
            out.push(Comparator::Any);
        }
    } else if !op.is_empty() {
        let xm = p.x_minor();
        let (mut m, mut mi) = (m, if xm { 0 } else { mi });
        let mut op = op;
        if op == ">" {
            op = ">=";
            if xm {
                m = m.saturating_add(1);
                mi = 0;
            } else {
                mi = mi.saturating_add(1);
            }
        } else if op == "<=" {
            op = "<";
            if xm {
                m = m.saturating_add(1);
            } else {
                mi = mi.saturating_add(1);
            }
        }
        let c = if op == "<" {
            Comparator::Cmp(Op::Lt, lower_bound_zero(m, mi, 0)?)
        } else {
            // op is ">="
            ge(m, mi, 0)?
        };
        out.push(c);
    } else if p.x_minor() {
        out.push(ge(m, 0, 0)?);
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m.saturating_add(1), 0, 0)?,
        ));
    } else {
        out.push(ge(m, mi, 0)?);
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(m, mi.saturating_add(1), 0)?,
        ));
    }
    Ok(())
}

fn parse_hyphen(from: &str, to: &str, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    let f = parse_partial(from).ok_or("invalid hyphen range start")?;
    let t = parse_partial(to).ok_or("invalid hyphen range end")?;
    if f.x_major() {
    } else if f.x_minor() {
        out.push(ge(f.n(0), 0, 0)?);
    } else if f.x_patch() {
        out.push(ge(f.n(0), f.n(1), 0)?);
    } else {
        out.push(ge_written(&f)?);
    }
    if t.x_major() {
    } else if t.x_minor() {
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(t.n(0).saturating_add(1), 0, 0)?,
        ));
    } else if t.x_patch() {
        out.push(Comparator::Cmp(
            Op::Lt,
            lower_bound_zero(t.n(0), t.n(1).saturating_add(1), 0)?,
        ));
    } else if t.pre.is_some() {
        out.push(Comparator::Cmp(Op::Le, ver(t.n(0), t.n(1), t.n(2), t.pre)?));
    } else {
        out.push(Comparator::Cmp(Op::Le, full_version(&t)?));
    }
    if out.is_empty() {
        out.push(Comparator::Any);
    }
    Ok(())
}

/// npm runs `replaceStars` on a comparator the earlier steps left alone: the first
/// `(<|>)?=?\s*\*` is deleted and what remains must be a plain comparator.
fn star_fallback(tok: &str, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    let err = "invalid comparator";
    let star = tok.find('*').ok_or(err)?;
    let mut start = star;
    let b = tok.as_bytes();
    if start > 0 && b[start - 1] == b'=' {
        start -= 1;
    }
    if start > 0 && matches!(b[start - 1], b'<' | b'>') {
        start -= 1;
    }
    let rest = format!("{}{}", &tok[..start], &tok[star + 1..]);
    if rest.is_empty() || rest == ">=0.0.0" {
        out.push(Comparator::Any);
        return Ok(());
    }
    let op_len = rest
        .bytes()
        .take_while(|c| matches!(c, b'<' | b'>' | b'='))
        .count();
    let (op, version) = rest.split_at(op_len);
    let op = match op {
        "" | "=" => Op::Eq,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        _ => return Err(err),
    };
    let v = version.strip_prefix('v').unwrap_or(version);
    let parts = split_full(v).ok_or(err)?;
    if parts.main.iter().any(|p| numeric_ident(p).is_none()) {
        return Err(err);
    }
    out.push(Comparator::Cmp(
        op,
        SemverVersion::parse(version).map_err(|_| err)?,
    ));
    Ok(())
}

fn parse_token(tok: &str, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    let mark = out.len();
    parse_token_forms(tok, out).or_else(|e| {
        out.truncate(mark);
        star_fallback(tok, out).map_err(|_| e)
    })
}

fn parse_token_forms(tok: &str, out: &mut Vec<Comparator>) -> Result<(), &'static str> {
    if let Some(rest) = tok.strip_prefix('^') {
        let p = parse_partial(rest).ok_or("invalid caret range")?;
        return push_caret(&p, out);
    }
    if let Some(rest) = tok.strip_prefix('~') {
        let rest = rest.strip_prefix('>').unwrap_or(rest);
        let p = parse_partial(rest).ok_or("invalid tilde range")?;
        return push_tilde(&p, out);
    }
    let op_len = tok
        .bytes()
        .take_while(|c| matches!(c, b'<' | b'>' | b'='))
        .count();
    let (op, rest) = tok.split_at(op_len);
    // GTLT is `(<|>)?=?`; more '=' belong to the version prefix.
    let (op, rest) = match op {
        "" | "<" | ">" | "<=" | ">=" | "=" => (op, rest),
        _ if op.starts_with("<=") || op.starts_with(">=") => (&op[..2], &tok[2..]),
        _ if op.starts_with('=') => ("=", &tok[1..]),
        _ => return Err("invalid comparator operator"),
    };
    if rest == "*" || rest.is_empty() && op.is_empty() {
        // `*`, `>=*` ... are "any"; `<*` and `>*` match nothing.
        if op == "<" || op == ">" {
            out.push(Comparator::Cmp(Op::Lt, lower_bound_zero(0, 0, 0)?));
        } else {
            out.push(Comparator::Any);
        }
        return Ok(());
    }
    let p = parse_partial(rest).ok_or("invalid comparator")?;
    push_xrange(op, &p, out)
}

/// npm's `BUILDSTRIPRE`: every `+build.meta` is deleted from a comparator set first.
fn strip_builds(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'+' && b.get(i + 1).is_some_and(|&c| is_ident_char(c)) {
            let mut j = i + 1;
            loop {
                while j < b.len() && is_ident_char(b[j]) {
                    j += 1;
                }
                if j + 1 < b.len() && b[j] == b'.' && is_ident_char(b[j + 1]) {
                    j += 1;
                } else {
                    break;
                }
            }
            i = j;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Whether an `XRANGEPLAIN` (`[v=\s]*` then a number, `x`, `X` or `*`) starts at `s[i..]`.
fn plain_starts(s: &[u8], mut i: usize) -> bool {
    while i < s.len() && matches!(s[i], b'v' | b'=' | b' ') {
        i += 1;
    }
    i < s.len() && (s[i].is_ascii_digit() || matches!(s[i], b'x' | b'X' | b'*'))
}

/// npm's `COMPARATORTRIM`, `TILDETRIM` and `CARETTRIM`: `> 1.2` → `>1.2`, `~ 1` → `~1`,
/// `~> 1` → `~1`, `^ 1` → `^1`.
fn trim_operators(range: &str) -> String {
    let bytes = range.as_bytes();
    let mut keep = vec![true; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        // At each position the regex takes `(\s*)`, the operator, `\s*`, then a version whose
        // `[v=\s]*` prefix it consumes, so no operator is seen inside that prefix.
        let start = i + bytes[i..].iter().take_while(|&&c| c == b' ').count();
        let op_len = match (bytes.get(start), bytes.get(start + 1)) {
            (Some(b'<' | b'>'), Some(b'=')) => 2,
            (Some(b'<' | b'>' | b'='), _) => 1,
            _ => 0,
        };
        let j = start + op_len;
        let k = j + bytes[j..].iter().take_while(|&&c| c == b' ').count();
        if plain_starts(bytes, k) {
            if op_len > 0 {
                keep[j..k].iter_mut().for_each(|x| *x = false);
            }
            let mut end = k;
            while end < bytes.len() && matches!(bytes[end], b'v' | b'=' | b' ') {
                end += 1;
            }
            i = end + 1;
            continue;
        }
        i += 1;
    }
    let mut out: Vec<u8> = bytes
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| *c)
        .collect();
    // Tilde and caret: drop the spaces (and a `>` after `~`) before what follows.
    let mut res = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        let c = out[i];
        if c == b'~' || c == b'^' {
            let mut j = i + 1;
            if c == b'~' && out.get(j) == Some(&b'>') {
                j += 1;
            }
            let k = j + out[j..].iter().take_while(|&&x| x == b' ').count();
            res.push(c);
            if k > j {
                i = k;
            } else {
                i += 1;
            }
            continue;
        }
        res.push(c);
        i += 1;
    }
    out = res;
    String::from_utf8(out).unwrap_or_default()
}

fn parse_set(set: &str) -> Result<Vec<Comparator>, &'static str> {
    let mut out = Vec::new();
    let set = strip_builds(set);
    let words: Vec<&str> = set.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() == 3
        && words[1] == "-"
        && parse_partial(words[0]).is_some()
        && parse_partial(words[2]).is_some()
    {
        parse_hyphen(words[0], words[2], &mut out)?;
        return Ok(out);
    }
    let set = trim_operators(&set);
    for word in set.split(' ').filter(|w| !w.is_empty()) {
        parse_token(word, &mut out)?;
    }
    if out.is_empty() {
        out.push(Comparator::Any);
    }
    Ok(out)
}

impl Range {
    /// Parses an npm range (`new Range(input)`, non-loose).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::InvalidRange {
            input: input.to_owned(),
            reason,
        };
        let collapsed: Vec<&str> = input.split(is_js_space).filter(|w| !w.is_empty()).collect();
        let collapsed = collapsed.join(" ");
        let mut sets = Vec::new();
        for part in collapsed.split("||") {
            sets.push(parse_set(part.trim()).map_err(err)?);
        }
        // A set that accepts anything replaces the whole range (so prereleases stay out).
        if sets.len() > 1
            && let Some(any) = sets
                .iter()
                .position(|set| set.iter().all(|c| matches!(c, Comparator::Any)))
        {
            let set = sets.swap_remove(any);
            sets = vec![set];
        }
        Ok(Range {
            raw: input.into(),
            sets,
        })
    }

    /// The range as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether `version` satisfies the range (npm `satisfies`, `includePrerelease: false`).
    #[must_use]
    pub fn satisfies(&self, version: &SemverVersion) -> bool {
        self.sets.iter().any(|set| test_set(set, version))
    }

    /// Like [`Range::satisfies`] for a version string; an invalid version satisfies nothing.
    #[must_use]
    pub fn satisfies_str(&self, version: &str) -> bool {
        SemverVersion::parse(version).is_ok_and(|v| self.satisfies(&v))
    }
}

fn test_set(set: &[Comparator], v: &SemverVersion) -> bool {
    if !set.iter().all(|c| c.test(v)) {
        return false;
    }
    if v.pre.is_empty() {
        return true;
    }
    set.iter().any(|c| match c {
        Comparator::Cmp(_, allowed) => allowed.is_prerelease() && allowed.triple() == v.triple(),
        Comparator::Any => false,
    })
}

/// npm `semver.satisfies(version, range)`: false when either does not parse.
#[must_use]
pub fn satisfies(version: &str, range: &str) -> bool {
    Range::parse(range).is_ok_and(|r| r.satisfies_str(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cases from the npm semver README ("Advanced Range Syntax").
    #[test]
    fn readme_ranges() {
        for (range, yes, no) in [
            ("1.2.3 - 2.3.4", "2.3.4", "2.3.5"),
            ("1.2 - 2.3.4", "1.2.0", "1.1.9"),
            ("1.2.3 - 2.3", "2.3.9", "2.4.0"),
            ("1.2.3 - 2", "2.9.9", "3.0.0"),
            ("*", "9.9.9", "1.0.0-rc.1"),
            ("1.x", "1.9.0", "2.0.0"),
            ("1.2.x", "1.2.9", "1.3.0"),
            ("~1.2.3", "1.2.9", "1.3.0"),
            ("~1.2", "1.2.0", "1.3.0"),
            ("~1", "1.9.0", "2.0.0"),
            ("~0.2.3", "0.2.9", "0.3.0"),
            ("~1.2.3-beta.2", "1.2.3-beta.4", "1.2.4-beta.2"),
            ("^1.2.3", "1.9.9", "2.0.0"),
            ("^0.2.3", "0.2.9", "0.3.0"),
            ("^0.0.3", "0.0.3", "0.0.4"),
            ("^1.2.3-beta.2", "1.2.3-beta.4", "1.2.4-beta.2"),
            ("^0.0.x", "0.0.9", "0.1.0"),
            ("^1.x", "1.0.0", "2.0.0-0"),
            (">=1.2.7 <1.3.0", "1.2.8", "1.3.0"),
            ("1.2.7 || >=1.2.9 <2.0.0", "1.2.9", "1.2.8"),
            (">1.2.3-alpha.3", "1.2.3-alpha.7", "3.4.5-alpha.9"),
        ] {
            let r = Range::parse(range).unwrap();
            assert!(r.satisfies_str(yes), "{yes} satisfies {range}");
            assert!(!r.satisfies_str(no), "{no} does not satisfy {range}");
        }
    }

    #[test]
    fn huge_numbers_are_errors_not_overflows() {
        for range in [
            "^18446744073709551615",
            "~1.18446744073709551615",
            ">1.x",
            "<=99999999999999999999999.x",
        ] {
            let _ = Range::parse(range);
        }
        assert!(Range::parse("^9007199254740991").is_err());
        assert!(Range::parse("^x.99999999999999999999").is_ok());
    }

    #[test]
    fn ordering() {
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in order.windows(2) {
            let a = SemverVersion::parse(w[0]).unwrap();
            let b = SemverVersion::parse(w[1]).unwrap();
            assert_eq!(a.cmp(&b), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        for bad in [
            "1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "=1.2.3", "1.2.3.4",
        ] {
            assert!(SemverVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
