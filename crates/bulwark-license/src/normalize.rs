//! Free-form declared licenses → SPDX expressions.
//!
//! Every input gives an expression: what cannot be mapped to the SPDX list becomes a `LicenseRef-` made from
//! the text (classified as unknown unless its name says more, see [`crate::classify`]); nothing is dropped.
//!
//! The mapping, in order: a URL of a known license site; a PyPI trove classifier (`License :: OSI Approved ::
//! MIT License`, whose trailing abbreviation in parentheses is tried first); a valid SPDX expression (operators
//! in any case); a known name for the whole string (`zlib/libpng License`); else the string is split at
//! operators (`and`, `or`, `and/or`, `/`, `|`, `&`, `,` — a comma is read as AND, the stricter reading) and
//! each part is mapped alone: an SPDX id in any case or punctuation (`bsd 3-clause`), a GNU family and version
//! with `+`, "or later", `-only` (`GPLv2+`, `GNU General Public License v3 or later`, `LGPL-2.1`), a common
//! alias (`Expat`, `ASL 2.0`, `Apache Software License`, `new BSD`), and `with <name> exception`.
//!
//! Choices worth knowing: an unversioned `GPL` is `GPL-1.0-or-later` and `LGPL` is `LGPL-2.0-or-later` (the GNU
//! licenses let the recipient choose any version when none is named); `AGPL` is `AGPL-3.0-or-later`; a bare
//! `BSD` is `LicenseRef-BSD` (it does not say which clauses); `Apache`/`Apache Software License` without a
//! version is `Apache-2.0` (how PyPI's classifier is used in practice); `Artistic` is `Artistic-1.0-Perl` in
//! Debian copyright files (the text in `/usr/share/common-licenses/Artistic`) and `Artistic-1.0` elsewhere;
//! npm's `UNLICENSED` is `LicenseRef-proprietary`.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::expr::{Addition, Expression, LicenseItem, LicenseReq, sanitize};
use crate::ids;

/// Normalizes one declared license string (npm, PyPI, cargo, composer, gem, NuGet, rpm `License`, apk `L:`).
#[must_use]
pub fn normalize(declared: &str) -> Expression {
    let s = strip_quotes(declared);
    if s.is_empty() {
        return unknown("unknown");
    }
    if let Some(e) = from_url(s) {
        return e;
    }
    let s = classifier(s);
    if let Ok(e) = Expression::parse_lax(s) {
        return e;
    }
    let s = or_later_phrases(s);
    if let Some(r) = alias_of_whole(&s, false) {
        return Expression::License(r);
    }
    loose(&s, false).unwrap_or_else(|| Expression::License(leaf(&s, false)))
}

/// Normalizes every declared string of a package and joins them with `AND` (each declaration applies).
#[must_use]
pub fn normalize_all<S: AsRef<str>>(declared: &[S]) -> Option<Expression> {
    Expression::and_all(declared.iter().map(|d| normalize(d.as_ref())))
}

/// Normalizes a DEP-5 `License:` synopsis (`GPL-2+ or Artistic, and BSD-3-clause`): `or`, `and` and `and/or`
/// (read as `or`), `and` binding tighter than `or`, commas separating groups of lower precedence, `with <name>
/// exception`, and Debian's short names (`GPL-2` is GPL-2.0-only, `GPL-2+` is GPL-2.0-or-later, `Expat` is MIT;
/// a `~variant` suffix, as in `BSD-3-clause~Google`, names the same license text with other holders and maps
/// to the base license). `None` for an empty synopsis.
#[must_use]
pub fn normalize_dep5(synopsis: &str) -> Option<Expression> {
    let synopsis = synopsis.trim();
    if synopsis.is_empty() {
        return None;
    }
    let mut acc: Option<Expression> = None;
    for (i, segment) in synopsis.split(',').enumerate() {
        let mut words: Vec<&str> = segment.split_whitespace().collect();
        let mut op_or = false;
        if i > 0
            && let Some(first) = words.first()
        {
            if first.eq_ignore_ascii_case("or") || first.eq_ignore_ascii_case("and/or") {
                op_or = true;
                words.remove(0);
            } else if first.eq_ignore_ascii_case("and") {
                words.remove(0);
            }
        }
        let Some(e) = dep5_segment(&words) else {
            continue;
        };
        acc = Some(match acc {
            None => e,
            Some(a) if op_or => Expression::or_all([a, e]).expect("two operands"),
            Some(a) => Expression::and_all([a, e]).expect("two operands"),
        });
    }
    acc
}

fn dep5_segment(words: &[&str]) -> Option<Expression> {
    let is_or = |w: &&str| w.eq_ignore_ascii_case("or") || w.eq_ignore_ascii_case("and/or");
    let alternatives = words.split(is_or).filter_map(|alt| {
        let parts = alt
            .split(|w| w.eq_ignore_ascii_case("and"))
            .filter(|p| !p.is_empty())
            .map(|p| Expression::License(leaf(&p.join(" "), true)));
        Expression::and_all(parts)
    });
    Expression::or_all(alternatives)
}

fn strip_quotes(s: &str) -> &str {
    s.trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim()
}

fn unknown(text: &str) -> Expression {
    Expression::License(LicenseReq::reference(text))
}

/// `License :: OSI Approved :: MIT License` → `MIT License`.
fn classifier(s: &str) -> &str {
    if s.contains("::") {
        s.rsplit("::").next().unwrap_or(s).trim()
    } else {
        s
    }
}

fn regex(cell: &'static OnceLock<Regex>, re: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(re).expect("valid regex"))
}

/// `GPL v2 or later`, `GPL-2.0 or any later version`, `GPLv2 (or later)` → `GPL v2+`.
fn or_later_phrases(s: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &RE,
        r"(?i)\s*,?\s*\(?\s*(?:or|and)\s+(?:\(at\s+your\s+option\)\s+)?(?:any\s+)?(?:later|newer|greater|above|higher)(?:\s+versions?)?\s*\)?",
    );
    re.replace_all(s, "+").into_owned()
}

fn from_url(s: &str) -> Option<Expression> {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .or_else(|| lower.strip_prefix("www."))?;
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let orig_rest = &s[s.len() - rest.len()..];
    let path_last = |r: &str| -> String {
        let r = r
            .split(['?', '#'])
            .next()
            .unwrap_or(r)
            .trim_end_matches('/');
        let last = r.rsplit('/').next().unwrap_or(r);
        let last = last
            .trim_end_matches(".html")
            .trim_end_matches(".php")
            .trim_end_matches(".txt")
            .trim_end_matches(".json");
        last.to_string()
    };
    let e = if let Some(p) = rest.strip_prefix("licenses.nuget.org/") {
        // NuGet's licenseUrl for an expression: the path is the (percent-encoded) expression.
        let expr = orig_rest["licenses.nuget.org/".len()..]
            .replace("%20", " ")
            .replace("%28", "(")
            .replace("%29", ")")
            .replace('+', " ");
        let _ = p;
        normalize(&expr)
    } else if rest.starts_with("opensource.org/licenses/")
        || rest.starts_with("spdx.org/licenses/")
        || rest.starts_with("choosealicense.com/licenses/")
    {
        let id = path_last(orig_rest);
        Expression::License(leaf(&id, false))
    } else if rest.starts_with("apache.org/licenses/license-2.0") {
        Expression::License(LicenseReq::spdx("Apache-2.0", false)?)
    } else if rest.starts_with("mit-license.org") || rest.starts_with("opensource.org/license/mit")
    {
        Expression::License(LicenseReq::spdx("MIT", false)?)
    } else if rest.starts_with("gnu.org/licenses/")
        || rest.starts_with("gnu.org/copyleft/")
        || rest.starts_with("mozilla.org/mpl/")
        || rest.starts_with("eclipse.org/legal/")
        || rest.starts_with("creativecommons.org/")
    {
        url_path_license(rest)
    } else {
        return Some(unknown(s));
    };
    Some(e)
}

/// `gnu.org/licenses/gpl-3.0.html`, `gnu.org/licenses/old-licenses/lgpl-2.1`, `mozilla.org/MPL/2.0/`,
/// `eclipse.org/legal/epl-2.0`, `creativecommons.org/publicdomain/zero/1.0/`.
fn url_path_license(rest: &str) -> Expression {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &RE,
        r"(agpl|lgpl|gpl|fdl|epl|mpl)[-/]?(\d(?:\.\d)?)?|publicdomain/zero/1\.0|licenses/(by(?:-sa|-nd|-nc|-nc-sa|-nc-nd)?)/(\d\.\d)",
    );
    let Some(c) = re.captures(rest) else {
        return unknown(rest);
    };
    if c.get(0)
        .is_some_and(|m| m.as_str().starts_with("publicdomain"))
    {
        return Expression::License(LicenseReq::spdx("CC0-1.0", false).expect("listed"));
    }
    if let (Some(kind), Some(v)) = (c.get(3), c.get(4)) {
        let id = format!("CC-{}-{}", kind.as_str().to_ascii_uppercase(), v.as_str());
        return Expression::License(
            LicenseReq::spdx(&id, false).unwrap_or_else(|| LicenseReq::reference(&id)),
        );
    }
    let fam = c.get(1).map_or("", |m| m.as_str());
    let ver = c.get(2).map(|m| m.as_str().to_string());
    let text = match fam {
        "fdl" => format!("gfdl {}", ver.unwrap_or_default()),
        other => format!("{other} {}", ver.unwrap_or_default()),
    };
    Expression::License(leaf(text.trim(), false))
}

#[derive(Debug, PartialEq)]
enum LTok {
    Open,
    Close,
    And,
    Or,
    Text(String),
}

/// Splits at loose operators and parses with `AND` above `OR`. `None` when the text has no operator or the
/// parentheses do not balance.
fn loose(s: &str, dep5: bool) -> Option<Expression> {
    let mut toks: Vec<LTok> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let flush = |cur: &mut Vec<String>, toks: &mut Vec<LTok>| {
        if !cur.is_empty() {
            toks.push(LTok::Text(cur.join(" ")));
            cur.clear();
        }
    };
    let spaced = s
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace(',', " , ")
        .replace(';', " ; ")
        .replace("and/or", " or ")
        .replace("AND/OR", " or ")
        .replace('/', " / ")
        .replace('|', " | ")
        .replace('&', " & ");
    for w in spaced.split_whitespace() {
        let t = match w.to_ascii_lowercase().as_str() {
            "(" => Some(LTok::Open),
            ")" => Some(LTok::Close),
            "and" | "&" | "&&" | "," | ";" => Some(LTok::And),
            "or" | "/" | "|" | "||" => Some(LTok::Or),
            _ => None,
        };
        match t {
            Some(t) => {
                flush(&mut cur, &mut toks);
                toks.push(t);
            }
            None => cur.push(w.to_string()),
        }
    }
    flush(&mut cur, &mut toks);
    if !toks.iter().any(|t| matches!(t, LTok::And | LTok::Or)) {
        return None;
    }
    // Classifier-style trailing abbreviations ("(GPLv2+)") are texts in parentheses: keep them attached by
    // treating a parenthesised single text right after a text as part of it.
    let mut merged: Vec<LTok> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let (Some(LTok::Text(a)), LTok::Open, Some(LTok::Text(b)), Some(LTok::Close)) = (
            merged.last_mut(),
            &toks[i],
            toks.get(i + 1),
            toks.get(i + 2),
        ) {
            a.push_str(" (");
            a.push_str(b);
            a.push(')');
            i += 3;
            continue;
        }
        merged.push(std::mem::replace(&mut toks[i], LTok::And));
        i += 1;
    }
    let mut pos = 0;
    let e = loose_or(&merged, &mut pos, dep5, 0)?;
    (pos == merged.len()).then_some(e)
}

fn loose_or(t: &[LTok], pos: &mut usize, dep5: bool, depth: usize) -> Option<Expression> {
    let mut items = vec![loose_and(t, pos, dep5, depth)?];
    while t.get(*pos) == Some(&LTok::Or) {
        *pos += 1;
        items.push(loose_and(t, pos, dep5, depth)?);
    }
    Expression::or_all(items)
}

fn loose_and(t: &[LTok], pos: &mut usize, dep5: bool, depth: usize) -> Option<Expression> {
    let mut items = vec![loose_atom(t, pos, dep5, depth)?];
    while t.get(*pos) == Some(&LTok::And) {
        *pos += 1;
        // Tolerate doubled or trailing separators ("MIT, and ISC", "MIT,").
        while t.get(*pos) == Some(&LTok::And) {
            *pos += 1;
        }
        if *pos == t.len() || t.get(*pos) == Some(&LTok::Close) {
            break;
        }
        items.push(loose_atom(t, pos, dep5, depth)?);
    }
    Expression::and_all(items)
}

fn loose_atom(t: &[LTok], pos: &mut usize, dep5: bool, depth: usize) -> Option<Expression> {
    match t.get(*pos)? {
        LTok::Open if depth < 32 => {
            *pos += 1;
            let e = loose_or(t, pos, dep5, depth + 1)?;
            if t.get(*pos) != Some(&LTok::Close) {
                return None;
            }
            *pos += 1;
            Some(e)
        }
        LTok::Text(s) => {
            *pos += 1;
            Some(Expression::License(leaf(s, dep5)))
        }
        _ => None,
    }
}

/// Lowercase, phrases of license names shortened, stop words dropped, `v2`/`2.0` → `2`, no punctuation.
fn squash(s: &str) -> String {
    static VWORD: OnceLock<Regex> = OnceLock::new();
    let mut t = s.to_ascii_lowercase().replace("licence", "license");
    for (long, short) in [
        ("library or lesser general public", "lgpl"),
        ("lesser general public", "lgpl"),
        ("library general public", "lgpl"),
        ("affero general public", "agpl"),
        ("general public", "gpl"),
        ("free documentation", "gfdl"),
        ("mozilla public", "mpl"),
        ("eclipse public", "epl"),
        ("common development and distribution", "cddl"),
        ("python software foundation", "psf"),
        ("boost software", "bsl"),
        ("academic free", "afl"),
        ("european union public", "eupl"),
        ("apache software", "apache"),
        ("universal permissive", "upl"),
        ("creative commons", "cc"),
    ] {
        t = t.replace(long, short);
    }
    let vword = regex(&VWORD, r"^([a-z]*?)v(\d.*)$");
    let mut out = String::new();
    for w in t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
        let w = w.trim_matches('.');
        if w.is_empty() || matches!(w, "the" | "gnu" | "license" | "version" | "ver" | "v") {
            continue;
        }
        let w = match vword.captures(w) {
            Some(c) => format!("{}{}", &c[1], &c[2]),
            None => w.to_string(),
        };
        let mut w = w.as_str();
        while let Some(x) = w.strip_suffix(".0") {
            w = x;
        }
        out.push_str(w);
    }
    out
}

fn spdx_squashed() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut m: HashMap<String, &'static str> = HashMap::new();
        for id in ids::all_license_ids() {
            let k = squash(id);
            match m.get(&k) {
                Some(prev) if !ids::is_deprecated(prev) => {}
                _ => {
                    m.insert(k, id);
                }
            }
        }
        m
    })
}

fn exception_squashed() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        ids::all_exception_ids()
            .map(|id| (squash(id), id))
            .collect()
    })
}

/// Common names that are not SPDX ids, by squashed key. `+` on the result still applies.
fn alias(key: &str, dep5: bool) -> Option<LicenseReq> {
    let id = match key {
        "expat" | "mitexpat" => "MIT",
        "apache" | "apl" | "asl" | "apache2" | "asl2" | "apl2" | "alv2" | "al2" => "Apache-2.0",
        "asl1.1" | "apache1.1" => "Apache-1.1",
        "bsd2" | "bsd2clause" | "simplifiedbsd" | "freebsd" | "bsdsimplified" => "BSD-2-Clause",
        "bsd3" | "bsd3clause" | "newbsd" | "modifiedbsd" | "revisedbsd" | "bsdnew"
        | "bsdmodified" | "bsdrevised" => "BSD-3-Clause",
        "bsd4" | "bsd4clause" | "originalbsd" | "bsdoriginal" | "bsdwithadvertising" => {
            "BSD-4-Clause"
        }
        "iscl" => "ISC",
        "mpl" => return LicenseReq::spdx("MPL-1.0", true),
        "cc0"
        | "cc01universal"
        | "cc0publicdomaindedication"
        | "cc01universalpublicdomaindedication" => "CC0-1.0",
        "zliblibpng" | "zlibpng" => "Zlib",
        "bsl" | "boost" => "BSL-1.0",
        "psf" | "psf2" | "python2" | "pythonsoftwarefoundation" | "cnripython" => "PSF-2.0",
        "upl" => "UPL-1.0",
        "unlicense" | "theunlicense" => "Unlicense",
        "wtfpl2" => "WTFPL",
        "artistic" if dep5 => "Artistic-1.0-Perl",
        "artistic" | "artistic1" => "Artistic-1.0",
        "perl" | "perl5" | "sameasperl" | "sametermsasperlitself" => return Some(perl()),
        "ruby" => "Ruby",
        "openldap2.8" => "OLDAP-2.8",
        "ssleay" => "SSLeay-standalone",
        "mspl" | "mspubliclicense" => "MS-PL",
        "msrl" => "MS-RL",
        "gfdlniv1.3" | "gfdl1.3noinvariant" | "gfdl1.3noinvariants" => {
            "GFDL-1.3-no-invariants-only"
        }
        "gfdlniv1.2" | "gfdl1.2noinvariant" | "gfdl1.2noinvariants" => {
            "GFDL-1.2-no-invariants-only"
        }
        "gfdlniv" | "gfdlnoinvariant" => {
            return LicenseReq::spdx("GFDL-1.1-no-invariants-or-later", false);
        }
        "bsd" | "bsdstyle" | "bsdlike" => {
            return Some(LicenseReq::plain(LicenseItem::Ref("LicenseRef-BSD".into())));
        }
        "publicdomain" | "pd" => {
            return Some(LicenseReq::plain(LicenseItem::Ref(
                "LicenseRef-public-domain".into(),
            )));
        }
        "unlicensed" | "proprietary" | "commercial" | "otherproprietary" | "allrightsreserved"
        | "closed" => {
            return Some(LicenseReq::plain(LicenseItem::Ref(
                "LicenseRef-proprietary".into(),
            )));
        }
        _ => {
            return gnu(key).or_else(|| {
                spdx_squashed()
                    .get(key)
                    .and_then(|id| LicenseReq::spdx(id, false))
            });
        }
    };
    LicenseReq::spdx(id, false)
}

/// Perl's own terms: "the same terms as Perl itself" = GPL-1.0-or-later OR Artistic-1.0-Perl; as a single
/// requirement we keep it as a reference (an expression would need two).
fn perl() -> LicenseReq {
    LicenseReq::plain(LicenseItem::Ref("LicenseRef-Perl".into()))
}

/// `gpl`, `gpl2`, `lgpl2.1`, `agpl3`, `gfdl1.3` → the GNU id (unversioned = lowest version, or later).
fn gnu(key: &str) -> Option<LicenseReq> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = regex(&RE, r"^(gpl|lgpl|agpl|gfdl)(\d(?:\.\d)?)?$");
    let c = re.captures(key)?;
    let fam = c[1].to_ascii_uppercase();
    if let Some(v) = c.get(2) {
        let v = v.as_str();
        let v = if v.contains('.') {
            v.to_string()
        } else {
            format!("{v}.0")
        };
        return LicenseReq::spdx(&format!("{fam}-{v}-only"), false);
    }
    let first = match fam.as_str() {
        "GPL" => "1.0",
        "LGPL" => "2.0",
        "AGPL" => "3.0",
        _ => "1.1",
    };
    LicenseReq::spdx(&format!("{fam}-{first}-or-later"), false)
}

fn alias_of_whole(s: &str, dep5: bool) -> Option<LicenseReq> {
    let (base, plus) = split_plus(s.trim());
    let key = squash(base);
    if key.is_empty() {
        return None;
    }
    alias(&key, dep5).map(|r| with_plus(r, plus))
}

/// `GPL-2+` → (`GPL-2`, true); `GPL-2.0-or-later` → (`GPL-2.0`, true); `GPL-2.0 only` → (`GPL-2.0`, false).
fn split_plus(s: &str) -> (&str, bool) {
    let lower = s.to_ascii_lowercase();
    if let Some(b) = s.strip_suffix('+') {
        return (b.trim_end(), true);
    }
    for suf in ["-or-later", " or-later"] {
        if lower.ends_with(suf) {
            return (&s[..s.len() - suf.len()], true);
        }
    }
    for suf in ["-only", " only"] {
        if lower.ends_with(suf) {
            return (&s[..s.len() - suf.len()], false);
        }
    }
    (s, false)
}

fn with_plus(r: LicenseReq, plus: bool) -> LicenseReq {
    if !plus {
        return r;
    }
    match &r.license {
        LicenseItem::Spdx(id) => LicenseReq::spdx(id, true).unwrap_or(r),
        LicenseItem::Ref(_) => LicenseReq {
            or_later: true,
            ..r
        },
    }
}

/// One license (with an optional exception), never failing: unknown text becomes a `LicenseRef-`.
fn leaf(text: &str, dep5: bool) -> LicenseReq {
    let t = text
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == ';')
        .trim();
    // "GPL-2.0 with Classpath exception", and Debian's "GPL-3+-WITH-BISON-EXCEPTION", "GPL-2+-autoconf-exception".
    let lower = t.to_ascii_lowercase();
    let (base, exception) = if let Some(i) = lower.find(" with ") {
        (&t[..i], Some(&t[i + 6..]))
    } else if let Some(i) = lower.find("+-")
        && lower.ends_with("exception")
    {
        let exc = &t[i + 2..];
        let exc = if exc.to_ascii_lowercase().starts_with("with-") {
            &exc[5..]
        } else {
            exc
        };
        (&t[..=i], Some(exc))
    } else {
        (t, None)
    };
    let mut req = base_license(base, dep5);
    if let Some(x) = exception {
        req.exception = Some(exception_of(x, &req));
    }
    req
}

fn base_license(t: &str, dep5: bool) -> LicenseReq {
    let t = t.trim();
    if let Ok(Expression::License(r)) = Expression::parse_lax(t)
        && r.exception.is_none()
    {
        // DEP-5 `GPL-2.0` means what SPDX's deprecated `GPL-2.0` means (only); `parse` already says so.
        return r;
    }
    // An abbreviation in parentheses: "GNU General Public License v2 (GPLv2)", "CC0 1.0 Universal (CC0 1.0)
    // Public Domain Dedication".
    if let Some(open) = t.find('(')
        && let Some(len) = t[open..].find(')')
    {
        let abbr = &t[open + 1..open + len];
        let r = base_license(abbr, dep5);
        if !matches!(r.license, LicenseItem::Ref(_)) {
            return r;
        }
        let rest = format!("{} {}", &t[..open], &t[open + len + 1..]);
        if !rest.trim().is_empty() {
            return base_license(rest.trim(), dep5);
        }
    }
    let (b, plus) = split_plus(t);
    let key = squash(b);
    if let Some(r) = alias(&key, dep5) {
        return with_plus(r, plus);
    }
    if dep5 && let Some((name, _variant)) = b.split_once('~') {
        let r = base_license(&format!("{name}{}", if plus { "+" } else { "" }), dep5);
        if !matches!(r.license, LicenseItem::Ref(_)) {
            return r;
        }
    }
    let mut r = LicenseReq::reference(b);
    r.or_later = plus;
    r
}

fn exception_of(text: &str, base: &LicenseReq) -> Addition {
    let t = text.trim();
    if let Some(id) = ids::exception_id(t) {
        return Addition::Spdx(id);
    }
    let gpl3 = base.license.as_str().contains("-3.0");
    let mut key = squash(t);
    for suffix in ["exceptions", "exception", "note"] {
        if let Some(k) = key.strip_suffix(suffix) {
            key = k.to_string();
        }
    }
    let id = match key.as_str() {
        "autoconf" => Some(if gpl3 {
            "Autoconf-exception-3.0"
        } else {
            "Autoconf-exception-2.0"
        }),
        "bison" | "bison2.2" => Some(if gpl3 {
            "Bison-exception-2.2"
        } else {
            "Bison-exception-1.24"
        }),
        "libtool" => Some("Libtool-exception"),
        "texinfo" => Some("Texinfo-exception"),
        "linuxsyscall" | "linuxsyscallnote" => Some("Linux-syscall-note"),
        "classpath" | "classpath2" => Some("Classpath-exception-2.0"),
        "gcc" | "gccruntime" | "gccruntimelibrary" => Some(if gpl3 {
            "GCC-exception-3.1"
        } else {
            "GCC-exception-2.0"
        }),
        "font" | "font2" => Some("Font-exception-2.0"),
        "llvm" => Some("LLVM-exception"),
        _ => exception_squashed()
            .get(&key)
            .copied()
            .or_else(|| exception_squashed().get(&squash(t)).copied()),
    };
    match id.and_then(ids::exception_id) {
        Some(id) => Addition::Spdx(id),
        None => Addition::Ref(format!("AdditionRef-{}", sanitize(t))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s).to_string()
    }
    fn d(s: &str) -> String {
        normalize_dep5(s).unwrap().to_string()
    }

    #[test]
    fn spdx_and_aliases() {
        assert_eq!(n("MIT"), "MIT");
        assert_eq!(n("mit or apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(n("MIT License"), "MIT");
        assert_eq!(n("The MIT License (MIT)"), "MIT");
        assert_eq!(n("Apache 2.0"), "Apache-2.0");
        assert_eq!(n("Apache License, Version 2.0"), "Apache-2.0");
        assert_eq!(n("ASL 2.0"), "Apache-2.0");
        assert_eq!(n("BSD 3-Clause"), "BSD-3-Clause");
        assert_eq!(n("new BSD"), "BSD-3-Clause");
        assert_eq!(n("BSD"), "LicenseRef-BSD");
        assert_eq!(n("ISC License (ISCL)"), "ISC");
        assert_eq!(n("MIT/Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(n("MIT, Apache-2.0"), "MIT AND Apache-2.0");
        assert_eq!(n("UNLICENSED"), "LicenseRef-proprietary");
        assert_eq!(n("Some Custom Thing"), "LicenseRef-Some-Custom-Thing");
        assert_eq!(n(""), "LicenseRef-unknown");
    }

    #[test]
    fn gnu_family() {
        assert_eq!(n("GPLv2+"), "GPL-2.0-or-later");
        assert_eq!(n("GPLv2"), "GPL-2.0-only");
        assert_eq!(
            n("GPLv3+ and LGPLv2+"),
            "GPL-3.0-or-later AND LGPL-2.0-or-later"
        );
        assert_eq!(n("LGPLv2.1+ or MPLv1.1"), "LGPL-2.1-or-later OR MPL-1.1");
        assert_eq!(n("GPL"), "GPL-1.0-or-later");
        assert_eq!(n("GPL+"), "GPL-1.0-or-later");
        assert_eq!(
            n("GNU General Public License v3 or later"),
            "GPL-3.0-or-later"
        );
        assert_eq!(n("GNU Lesser General Public License v2.1"), "LGPL-2.1-only");
        assert_eq!(n("AGPL-3.0"), "AGPL-3.0-only");
        assert_eq!(
            n("GPL-2.0 WITH Classpath-exception-2.0"),
            "GPL-2.0-only WITH Classpath-exception-2.0"
        );
        assert_eq!(
            n("GPLv2 with exceptions"),
            "GPL-2.0-only WITH AdditionRef-exceptions"
        );
    }

    #[test]
    fn classifiers_and_urls() {
        assert_eq!(n("License :: OSI Approved :: MIT License"), "MIT");
        assert_eq!(
            n("License :: OSI Approved :: Apache Software License"),
            "Apache-2.0"
        );
        assert_eq!(
            n("License :: OSI Approved :: BSD License"),
            "LicenseRef-BSD"
        );
        assert_eq!(
            n("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"),
            "GPL-2.0-or-later"
        );
        assert_eq!(
            n("License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)"),
            "LGPL-3.0-only"
        );
        assert_eq!(
            n("License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)"),
            "MPL-2.0"
        );
        assert_eq!(n("License :: OSI Approved :: zlib/libpng License"), "Zlib");
        assert_eq!(
            n("License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication"),
            "CC0-1.0"
        );
        assert_eq!(n("https://licenses.nuget.org/MIT"), "MIT");
        assert_eq!(
            n("https://licenses.nuget.org/Apache-2.0%20OR%20MIT"),
            "Apache-2.0 OR MIT"
        );
        assert_eq!(
            n("http://www.apache.org/licenses/LICENSE-2.0"),
            "Apache-2.0"
        );
        assert_eq!(n("https://opensource.org/licenses/MIT"), "MIT");
        assert_eq!(
            n("https://www.gnu.org/licenses/gpl-3.0.html"),
            "GPL-3.0-only"
        );
        assert_eq!(
            n("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html"),
            "LGPL-2.1-only"
        );
        assert_eq!(
            n("https://github.com/foo/bar/blob/main/LICENSE"),
            "LicenseRef-https-github.com-foo-bar-blob-main-LICENSE"
        );
    }

    #[test]
    fn dep5_names() {
        assert_eq!(d("GPL-2"), "GPL-2.0-only");
        assert_eq!(d("GPL-2+"), "GPL-2.0-or-later");
        assert_eq!(d("GPL-3"), "GPL-3.0-only");
        assert_eq!(d("GPL-3.0"), "GPL-3.0-only");
        assert_eq!(d("LGPL-2.1+"), "LGPL-2.1-or-later");
        assert_eq!(d("GPL"), "GPL-1.0-or-later");
        assert_eq!(d("Expat"), "MIT");
        assert_eq!(d("BSD-3-clause"), "BSD-3-Clause");
        assert_eq!(d("BSD-3-clause~Google"), "BSD-3-Clause");
        assert_eq!(d("Artistic"), "Artistic-1.0-Perl");
        assert_eq!(d("public-domain"), "LicenseRef-public-domain");
        assert_eq!(d("GFDL-NIV-1.3+"), "GFDL-1.3-no-invariants-or-later");
        assert_eq!(
            d("GPL-1+ or Artistic, and BSD-3-clause"),
            "(GPL-1.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause"
        );
        assert_eq!(
            d("GPL-2+ or Artistic and BSD-3-clause"),
            "GPL-2.0-or-later OR Artistic-1.0-Perl AND BSD-3-Clause"
        );
        assert_eq!(
            d("BSD-3-clause and/or GPL-3+"),
            "BSD-3-Clause OR GPL-3.0-or-later"
        );
        assert_eq!(
            d("GPL-3+ with Bison exception"),
            "GPL-3.0-or-later WITH Bison-exception-2.2"
        );
        assert_eq!(
            d("GPL-2+ with Autoconf exception"),
            "GPL-2.0-or-later WITH Autoconf-exception-2.0"
        );
        assert_eq!(
            d("GPL-3+-WITH-BISON-EXCEPTION"),
            "GPL-3.0-or-later WITH Bison-exception-2.2"
        );
        assert_eq!(
            d("GPL-2+-autoconf-exception"),
            "GPL-2.0-or-later WITH Autoconf-exception-2.0"
        );
        assert_eq!(
            d("GPL-2 with Linux-syscall-note exception"),
            "GPL-2.0-only WITH Linux-syscall-note"
        );
        assert_eq!(
            d("same-as-rest-of-p11kit"),
            "LicenseRef-same-as-rest-of-p11kit"
        );
        assert_eq!(d("Apache-2.0 OR BSD-2"), "Apache-2.0 OR BSD-2-Clause");
        assert!(normalize_dep5("  ").is_none());
    }
}
