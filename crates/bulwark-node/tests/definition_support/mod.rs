//! Synthetic node roots generated from kube-bench's check definitions, independently of `eval.rs`.
//!
//! The generator reads each automated check (its `audit` and `audit_config` with `$vars` substituted from the
//! config's defaults, its test items, `bin_op`, `use_multiple_values`) and derives the inputs that satisfy the
//! definition (the compliant root) and the inputs that violate it (the violating root). The inputs are *slots*: a
//! flag on a process's command line, a key in a config file, a file's mode, a file's owner. Several checks read one
//! slot (one apiserver command line carries every flag); the requirements are merged per slot by a small search
//! over candidate values proposed by the items themselves, and a check whose requirement cannot be met together
//! with the others' is excluded with the reason.
//!
//! Whether a requirement holds is decided by this module's own model of kube-bench's rules, as the fixtures
//! README restates them (flag by substring, value by `(<flag>)(=|: *)*([^\s]*)`, a bare `--flag` is `"true"`,
//! config by `path` when the flag is absent, `set`, the compare ops, `bin_op`, `use_multiple_values`), applied to
//! the output each audit would print on the root (`ps -ef | grep` lines, `ps -fC` by command name, `stat -c`
//! lines, `find` listings, the config file). Nothing here calls `eval`.

#![allow(dead_code, unreachable_pub)]

use bulwark_node::config::{self, Config, Variables};
use bulwark_node::controls::{self, BinOp, Check, CheckType, TestItem};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// kube-bench's cfg directory: `BULWARK_KUBE_BENCH_CFG`, default the shared fixtures path.
pub fn cfg_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("BULWARK_KUBE_BENCH_CFG")
            .unwrap_or_else(|_| "/work/shared/fixtures/upstream/kube-bench/cfg".into()),
    )
}

pub const TARGETS: &[&str] = &["master", "etcd", "controlplane", "node"];

/// One input an audit reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// `flag` on the command line of the process `bin`; the value `None` means absent.
    Flag { bin: String, flag: String },
    /// A key (JSONPath of the item) in a config file.
    Conf { file: String, path: String },
    /// A file's mode, octal text (`600`).
    Mode(String),
    /// A file's `user:group`.
    Owner(String),
    /// Whether a file read by `stat` (and no config) is on the root: `None` absent.
    Exists(String),
}

pub type World = BTreeMap<Slot, Option<String>>;

/// Two ways to meet the same definitions: `Main` keeps kubelet settings in its config file and prefers values;
/// `Other` puts them on the command line (kube-bench reads the flag before the config) and prefers absence (the
/// `set: false` branches of OR tests, violations by a missing flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Main,
    Other,
}

pub fn world_name(want: bool, variant: Variant) -> &'static str {
    match (want, variant) {
        (true, Variant::Main) => "compliant",
        (false, Variant::Main) => "violating",
        (true, Variant::Other) => "compliant-other",
        (false, Variant::Other) => "violating-other",
    }
}

/// An `audit` this generator can build an input for.
#[derive(Debug, Clone)]
pub enum Audit {
    /// `ps -ef | grep BIN | grep -v grep`
    PsGrep(String),
    /// `ps -fC BIN`
    PsName(String),
    /// `stat -c FORMAT` over files (an `if test -e`, a `for` over literal paths).
    Stat {
        paths: Vec<String>,
        format: String,
        /// The `else echo …` text printed when the file is absent.
        otherwise: Option<String>,
    },
    /// `find DIR [-name GLOB] | xargs stat -c FORMAT`
    Find {
        dir: String,
        name: Option<String>,
        format: String,
        /// Inside `if test -e DIR`: nothing printed when DIR is absent (else `find` fails).
        guarded: bool,
    },
}

/// A check the generator understood.
#[derive(Debug, Clone)]
pub struct Gen {
    pub target: String,
    pub check: Check,
    pub audit: Audit,
    /// The file `audit_config` cats.
    pub config: Option<String>,
    /// Every slot the items read, with the items' proposals.
    pub slots: Vec<Slot>,
}

/// The plan for one benchmark: the understood checks, the exclusions, the files and processes of the roots.
#[derive(Debug, Default)]
pub struct Plan {
    pub automated: usize,
    pub gens: Vec<Gen>,
    /// (check id, reason), in file order.
    pub excluded: Vec<(String, String)>,
    /// Every file the roots hold (stat targets, find entries, config files).
    pub files: BTreeSet<String>,
    /// Config files (their content comes from `Conf` slots).
    pub configs: BTreeSet<String>,
    /// The processes (binary names) the roots run.
    pub bins: Vec<String>,
    /// The variables per target, as the generator assumed them.
    pub vars: BTreeMap<String, Variables>,
}

fn unwrap_sh(s: &str) -> String {
    let s = s.trim();
    let re1 = Regex::new(r"^(?:/bin/)?(?:ba)?sh -c '(.*)'$").unwrap();
    let re2 = Regex::new(r#"^(?:/bin/)?(?:ba)?sh -c "(.*)"$"#).unwrap();
    if let Some(c) = re1.captures(s) {
        return c[1].trim().to_string();
    }
    if let Some(c) = re2.captures(s) {
        return c[1].replace("\\\"", "\"").trim().to_string();
    }
    s.to_string()
}

/// The audit forms, read from the definition's text.
pub fn classify(audit: &str) -> Option<Audit> {
    let s = unwrap_sh(audit);
    let ps_grep =
        Regex::new(r"^(?:/bin/)?ps -ef \| (?:/bin/)?grep (\S+) \| (?:/bin/)?grep -v grep$")
            .unwrap();
    let ps_c = Regex::new(r"^(?:/bin/)?ps -fC (\S+)$").unwrap();
    let if_stat = Regex::new(
        r#"^if test -e (\S+); then stat -c (\S+|"[^"]*") (\S+);(?: else echo "([^"]*)";)? fi$"#,
    )
    .unwrap();
    let for_stat = Regex::new(
        r#"^for (\w+) in ([^;]+); do if test -e \$(\w+); then stat -c "([^"]*)" \$(\w+); fi; done$"#,
    )
    .unwrap();
    let find = Regex::new(
        r"^(?:if test -e (\S+); then )?find (\S+)(?: -name '([^']*)')? \| xargs stat -c (\S+)(?:; fi)?$",
    )
    .unwrap();
    if let Some(c) = ps_grep.captures(&s) {
        return Some(Audit::PsGrep(c[1].to_string()));
    }
    if let Some(c) = ps_c.captures(&s) {
        return Some(Audit::PsName(c[1].to_string()));
    }
    if let Some(c) = if_stat.captures(&s) {
        if c[1] != c[3] {
            return None;
        }
        return Some(Audit::Stat {
            paths: vec![c[1].to_string()],
            format: c[2].trim_matches('"').to_string(),
            otherwise: c.get(4).map(|m| m.as_str().to_string()),
        });
    }
    if let Some(c) = for_stat.captures(&s) {
        if c[1] != c[3] || c[1] != c[5] {
            return None;
        }
        return Some(Audit::Stat {
            paths: c[2].split_whitespace().map(str::to_string).collect(),
            format: c[4].to_string(),
            otherwise: None,
        });
    }
    if let Some(c) = find.captures(&s) {
        if c.get(1).is_some_and(|p| p.as_str() != &c[2]) {
            return None;
        }
        return Some(Audit::Find {
            dir: c[2].to_string(),
            name: c.get(3).map(|m| m.as_str().to_string()),
            format: c[4].to_string(),
            guarded: c.get(1).is_some(),
        });
    }
    None
}

/// `cat FILE` or `if test -e FILE; then cat FILE; fi`.
pub fn classify_config(audit: &str) -> Option<String> {
    let s = unwrap_sh(audit);
    let cat = Regex::new(r"^(?:/bin/)?cat (\S+)$").unwrap();
    let if_cat = Regex::new(r"^if test -e (\S+); then (?:/bin/)?cat (\S+); fi$").unwrap();
    if let Some(c) = cat.captures(&s) {
        return Some(c[1].to_string());
    }
    if let Some(c) = if_cat.captures(&s)
        && c[1] == c[2]
    {
        return Some(c[1].to_string());
    }
    None
}

/// A config path the generator can write: `{.a.b.c}` (keys) or `{range .x[:]}{}{','}{end}` (a list).
fn conf_keys(path: &str) -> Option<(Vec<String>, bool)> {
    let simple = Regex::new(r"^\{\.([A-Za-z0-9_.]+)\}$").unwrap();
    let range = Regex::new(r"^\{range \.([A-Za-z0-9_]+)\[:\]\}\{\}\{','\}\{end\}$").unwrap();
    if let Some(c) = simple.captures(path) {
        return Some((c[1].split('.').map(str::to_string).collect(), false));
    }
    if let Some(c) = range.captures(path) {
        return Some((vec![c[1].to_string()], true));
    }
    None
}

/// The first single-word binary of each component: the process the roots run for it.
fn chosen_bin(cands: &[String]) -> Option<String> {
    cands.iter().find(|b| !b.contains(' ')).cloned()
}

/// Loads `cfg/config.yaml` with the benchmark's own `config.yaml` over it.
pub fn load_config(base: &Path, bench: &str) -> Config {
    let mut cfg = Config::load(&base.join("config.yaml")).unwrap();
    let own = base.join(bench).join("config.yaml");
    if own.is_file() {
        cfg.merge(Config::load(&own).unwrap());
    }
    cfg
}

/// Reads the benchmark's check files and plans the roots.
pub fn plan(base: &Path, bench: &str) -> Plan {
    let cfg = load_config(base, bench);
    let mut p = Plan::default();
    let mut bins = BTreeSet::new();
    for t in TARGETS {
        if let Some(target) = cfg.targets.get(*t) {
            for comp in target.settings.values() {
                if let Some(b) = comp.candidates.get("bins").and_then(|c| chosen_bin(c)) {
                    bins.insert(b);
                }
            }
        }
    }
    p.bins = bins.iter().cloned().collect();
    for t in TARGETS {
        let vars = cfg.variables(t, &|b| bins.contains(b), &|_| false);
        p.vars.insert((*t).to_string(), vars);
    }
    for t in TARGETS {
        let path = base.join(bench).join(format!("{t}.yaml"));
        if !path.is_file() {
            continue;
        }
        let c = controls::load(&path).unwrap();
        let vars = &p.vars[*t];
        for g in &c.groups {
            for ch in &g.checks {
                if ch.check_type != CheckType::Automated {
                    continue;
                }
                p.automated += 1;
                let audit = config::substitute(ch.audit.trim(), vars);
                let audit_config = config::substitute(ch.audit_config.trim(), vars);
                let native = bulwark_node::audit::recognise(&audit).is_some()
                    && (audit_config.is_empty()
                        || bulwark_node::audit::recognise(&audit_config).is_some());
                let mut exclude = |why: &str| p.excluded.push((ch.id.clone(), why.to_string()));
                if !native {
                    exclude("needs shell");
                    continue;
                }
                let Some(tests) = ch.tests.as_ref().filter(|t| !t.items.is_empty()) else {
                    exclude("cannot be generated: no test items");
                    continue;
                };
                if !ch.audit_env.trim().is_empty() {
                    exclude("cannot be generated: audit_env");
                    continue;
                }
                let Some(kind) = classify(&audit) else {
                    exclude("cannot be generated: audit form");
                    continue;
                };
                let config = classify_config(&audit_config);
                if config.is_none() && !audit_config.is_empty() {
                    exclude("cannot be generated: audit_config form");
                    continue;
                }
                let mut slots = Vec::new();
                let mut ok = true;
                for it in &tests.items {
                    match item_slots(&kind, config.as_deref(), it) {
                        Some(s) => slots.extend(s),
                        None => ok = false,
                    }
                    if it.compare.as_ref().is_some_and(|c| c.op == "regex") {
                        ok = false;
                    }
                }
                if !ok {
                    exclude("cannot be generated: test item");
                    continue;
                }
                // Files the audit reads.
                match &kind {
                    Audit::Stat { paths, .. } => p.files.extend(paths.iter().cloned()),
                    Audit::Find { dir, name, .. } => {
                        let file = match name.as_deref() {
                            // `find $etcdconf -name '*etcd*'`: the path itself matches, so it is the file.
                            Some(_) if glob_ok(name.as_deref(), dir) => dir.clone(),
                            None | Some("*") => format!("{}/synthetic", dir.trim_end_matches('/')),
                            Some(g) if is_pattern(g) => format!(
                                "{}/synthetic{}",
                                dir.trim_end_matches('/'),
                                g.replace('*', "").replace('?', "x")
                            ),
                            Some(_) => dir.clone(),
                        };
                        if !glob_ok(name.as_deref(), &file) && file != *dir {
                            exclude("cannot be generated: find -name");
                            continue;
                        }
                        p.files.insert(file);
                    }
                    _ => {}
                }
                if let Some(f) = &config {
                    p.files.insert(f.clone());
                    p.configs.insert(f.clone());
                }
                slots.sort();
                slots.dedup();
                p.gens.push(Gen {
                    target: (*t).to_string(),
                    check: ch.clone(),
                    audit: kind,
                    config,
                    slots,
                });
            }
        }
    }
    // Find and stat slots depend on the file set, known only now.
    let files = p.files.clone();
    let dirs = dirs_of(&files);
    for g in &mut p.gens {
        let read = match &g.audit {
            Audit::Find { .. } => {
                let entries = find_entries(&g.audit, &files);
                g.slots = stat_slots(&entries, format_of(&g.audit));
                entries
            }
            Audit::Stat { paths, .. } => paths.clone(),
            _ => continue,
        };
        for f in read {
            if !p.configs.contains(&f) && !dirs.contains(&f) {
                g.slots.push(Slot::Exists(f));
            }
        }
        g.slots.sort();
        g.slots.dedup();
    }
    p
}

fn is_pattern(g: &str) -> bool {
    g.contains('*') || g.contains('?')
}

fn format_of(a: &Audit) -> &str {
    match a {
        Audit::Stat { format, .. } | Audit::Find { format, .. } => format,
        _ => "",
    }
}

fn stat_slots(paths: &[String], format: &str) -> Vec<Slot> {
    let mut v = Vec::new();
    for p in paths {
        if format.contains("%a") {
            v.push(Slot::Mode(p.clone()));
        }
        if format.contains("%U") || format.contains("%G") {
            v.push(Slot::Owner(p.clone()));
        }
    }
    v
}

/// The slots an item reads, or None when it cannot be generated.
fn item_slots(kind: &Audit, config: Option<&str>, it: &TestItem) -> Option<Vec<Slot>> {
    let mut v = Vec::new();
    match kind {
        Audit::PsGrep(bin) | Audit::PsName(bin) => {
            if !it.flag.is_empty() {
                v.push(Slot::Flag {
                    bin: bin.clone(),
                    flag: it.flag.clone(),
                });
            }
            if let (Some(f), false) = (config, it.path.is_empty()) {
                conf_keys(&it.path)?;
                v.push(Slot::Conf {
                    file: f.to_string(),
                    path: it.path.clone(),
                });
            }
        }
        Audit::Stat { paths, format, .. } => v.extend(stat_slots(paths, format)),
        Audit::Find { .. } => {}
    }
    if v.is_empty() && !matches!(kind, Audit::Find { .. }) {
        return None;
    }
    Some(v)
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

fn glob_ok(name: Option<&str>, path: &str) -> bool {
    let base = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    name.is_none_or(|g| glob(g.as_bytes(), base.as_bytes()))
}

fn norm(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/".into() } else { t.into() }
}

/// Directories holding the planned files (all ancestors).
pub fn dirs_of(files: &BTreeSet<String>) -> BTreeSet<String> {
    let mut d = BTreeSet::new();
    for f in files {
        let mut cur = Path::new(f).parent();
        while let Some(p) = cur {
            let s = p.to_string_lossy().to_string();
            if s == "/" || s.is_empty() {
                break;
            }
            d.insert(s);
            cur = p.parent();
        }
    }
    d
}

/// What `find DIR [-name G]` lists on a root holding exactly `files`, as `find` shows them, in name order.
pub fn find_entries(a: &Audit, files: &BTreeSet<String>) -> Vec<String> {
    let Audit::Find { dir, name, .. } = a else {
        return Vec::new();
    };
    let base = norm(dir);
    let dirs = dirs_of(files);
    let mut all: BTreeSet<String> = BTreeSet::new();
    for e in files.iter().chain(dirs.iter()) {
        if *e == base || e.starts_with(&format!("{base}/")) {
            all.insert(e.clone());
        }
    }
    all.into_iter()
        .filter(|e| glob_ok(name.as_deref(), e))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Candidate values, proposed by the items.

fn alt(v: &str) -> String {
    match v.to_ascii_lowercase().as_str() {
        "true" => "false".into(),
        "false" => "true".into(),
        _ => match v.parse::<i64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => "other".into(),
        },
    }
}

fn generic(slot: &Slot) -> String {
    match slot {
        Slot::Flag { flag, .. } | Slot::Conf { path: flag, .. } => {
            let name: String = flag
                .trim_start_matches('-')
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            let name = name.to_ascii_lowercase();
            // A file or address for the names that say so, else a count.
            if ["file", "cert", "key", "authority", "path", "config", "ca"]
                .iter()
                .any(|w| name.contains(w))
            {
                format!("/etc/kubernetes/pki/{name}")
            } else {
                "10".into()
            }
        }
        Slot::Mode(_) => "644".into(),
        Slot::Owner(_) => "root:root".into(),
        Slot::Exists(_) => "yes".into(),
    }
}

/// Values for `slot` that make `it` hold (`sat`) or not.
fn proposals(
    slot: &Slot,
    it: &TestItem,
    out: &mut Vec<Option<String>>,
    sat: bool,
    variant: Variant,
) {
    let mut push = |v: Option<String>| {
        if !out.contains(&v) {
            out.push(v);
        }
    };
    match slot {
        Slot::Mode(_) => {
            if let Some(c) = it.compare.as_ref().filter(|c| c.op == "bitmask")
                && let Ok(m) = u32::from_str_radix(&c.value, 8)
            {
                if sat {
                    push(Some(format!("{m:o}")));
                } else if let Some(bad) = [0o644, 0o666, 0o777].into_iter().find(|b| m & b != *b) {
                    push(Some(format!("{bad:o}")));
                }
            }
            return;
        }
        Slot::Owner(_) => {
            let want = it
                .compare
                .as_ref()
                .filter(|c| c.value.contains(':'))
                .map(|c| c.value.clone())
                .or_else(|| it.flag.contains(':').then(|| it.flag.clone()));
            if let Some(w) = want {
                if sat {
                    push(Some(w));
                } else {
                    push(Some(if w == "nobody:nogroup" {
                        "root:root".into()
                    } else {
                        "nobody:nogroup".into()
                    }));
                }
            }
            return;
        }
        _ => {}
    }
    // A flag backed by a config path stays off the command line: the config file carries the setting
    // (kube-bench reads the flag first, so either place works; this keeps one place).
    if let Slot::Flag { .. } = slot
        && !it.path.is_empty()
        && variant == Variant::Main
    {
        push(None);
        return;
    }
    // The other variant puts those settings on the command line and leaves the config file without them.
    if let Slot::Conf { .. } = slot
        && variant == Variant::Other
    {
        push(None);
        return;
    }
    let any = generic(slot);
    match (&it.compare, it.set) {
        (_, false) => {
            push(if sat { None } else { Some(any) });
        }
        (None, true) => push(if sat { Some(any) } else { None }),
        (Some(c), true) => {
            let v = c.value.clone();
            let (yes, no): (Vec<String>, Vec<String>) = match c.op.as_str() {
                "eq" => (vec![v.clone()], vec![alt(&v)]),
                "noteq" => (vec![alt(&v)], vec![v.clone()]),
                "gte" | "lte" => {
                    let n: i64 = v.parse().unwrap_or(0);
                    let d = if c.op == "gte" { 1 } else { -1 };
                    (vec![n.to_string()], vec![(n - d).to_string()])
                }
                "gt" | "lt" => {
                    let n: i64 = v.parse().unwrap_or(0);
                    let d = if c.op == "gt" { 1 } else { -1 };
                    (vec![(n + d).to_string()], vec![n.to_string()])
                }
                "has" => (vec![v.clone()], vec!["Other".into()]),
                "nothave" => (vec!["Other".into()], vec![v.clone()]),
                "valid_elements" => (
                    vec![v.split(',').next().unwrap_or("").trim().to_string()],
                    vec!["INVALID_ELEMENT".into()],
                ),
                _ => (vec![], vec![]),
            };
            for x in if sat { yes } else { no } {
                push(Some(x));
            }
            if !sat {
                push(None);
            }
        }
    }
}

/// The candidates for a slot given the items of the checks that read it: satisfying (or violating) proposals
/// first, then combinations (every `has` value joined), then absence.
fn candidates(slot: &Slot, gens: &[&Gen], want: bool, variant: Variant) -> Vec<Option<String>> {
    // The main roots hold every file; the other roots try without it first.
    if let Slot::Exists(_) = slot {
        return match variant {
            Variant::Main => vec![Some("yes".into())],
            Variant::Other => vec![None, Some("yes".into())],
        };
    }
    let mut out = Vec::new();
    let mut has = Vec::new();
    let mut nothave = Vec::new();
    for g in gens {
        for it in &g.check.tests.as_ref().unwrap().items {
            if !reads(&g.audit, g.config.as_deref(), it, slot) {
                continue;
            }
            if let Some(c) = &it.compare {
                if c.op == "has" {
                    has.push(c.value.clone());
                }
                if c.op == "nothave" {
                    nothave.push(c.value.clone());
                }
            }
        }
    }
    let mut first = Vec::new();
    if want && has.len() > 1 {
        first.push(Some(has.join(",")));
    }
    if !want && nothave.len() > 1 {
        first.push(Some(nothave.join(",")));
    }
    // Items that compare a value propose first (a violated `set: false` next to `eq false` reads `true`, not
    // an arbitrary value), then presence items.
    for pass in [want, !want] {
        for with_compare in [true, false] {
            for g in gens {
                for it in &g.check.tests.as_ref().unwrap().items {
                    if it.compare.is_some() == with_compare
                        && reads(&g.audit, g.config.as_deref(), it, slot)
                    {
                        proposals(slot, it, &mut out, pass, variant);
                    }
                }
            }
        }
    }
    let mut all = first;
    for v in out {
        if !all.contains(&v) {
            all.push(v);
        }
    }
    match slot {
        Slot::Flag { .. } | Slot::Conf { .. } => {
            all.retain(Option::is_some);
            // The other variant tries absence first: the `set: false` branches of OR tests, and violations by
            // a missing flag.
            if variant == Variant::Other {
                all.insert(0, None);
            } else {
                all.push(None);
            }
        }
        Slot::Mode(_) => {
            for m in ["600", "644"] {
                if !all.contains(&Some(m.into())) {
                    all.push(Some(m.into()));
                }
            }
        }
        Slot::Exists(_) => {}
        Slot::Owner(_) => {
            for o in ["root:root", "nobody:nogroup"] {
                if !all.contains(&Some(o.into())) {
                    all.push(Some(o.into()));
                }
            }
        }
    }
    all
}

/// Whether item `it` of a check with `audit` reads `slot` directly.
fn reads(audit: &Audit, config: Option<&str>, it: &TestItem, slot: &Slot) -> bool {
    match slot {
        Slot::Flag { bin, flag } => {
            matches!(audit, Audit::PsGrep(b) | Audit::PsName(b) if b == bin) && *flag == it.flag
        }
        Slot::Conf { file, path } => config == Some(file.as_str()) && *path == it.path,
        Slot::Mode(_) | Slot::Owner(_) | Slot::Exists(_) => {
            matches!(audit, Audit::Stat { .. } | Audit::Find { .. })
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The model: what each audit prints on a root built from a world, and kube-bench's rules applied to it.

fn pid_of(bins: &[String], bin: &str) -> usize {
    100 + bins.iter().position(|b| b == bin).unwrap_or(0)
}

/// A process's arguments in a world: the binary, then its flags as `--flag=value`, in slot order.
pub fn cmdline(world: &World, bin: &str) -> Vec<String> {
    let mut args = vec![bin.to_string()];
    for (s, v) in world {
        if let (Slot::Flag { bin: b, flag }, Some(v)) = (s, v)
            && b == bin
        {
            if flag.starts_with('-') {
                args.push(format!("{flag}={v}"));
            } else {
                // A feature gate named by the item (`RotateKubeletServerCertificate`).
                args.push(format!("--feature-gates={flag}={v}"));
            }
        }
    }
    args
}

fn ps_line(bins: &[String], world: &World, bin: &str) -> String {
    format!(
        "root {} 1 0 00:00 ? 00:00:00 {}",
        pid_of(bins, bin),
        cmdline(world, bin).join(" ")
    )
}

fn render_stat(format: &str, path: &str, world: &World) -> String {
    let mode = world
        .get(&Slot::Mode(path.into()))
        .cloned()
        .flatten()
        .unwrap_or_else(|| default_mode(path));
    let owner = world
        .get(&Slot::Owner(path.into()))
        .cloned()
        .flatten()
        .unwrap_or_else(|| "root:root".into());
    let (u, g) = owner.split_once(':').unwrap_or(("root", "root"));
    format
        .replace("%a", &mode)
        .replace("%U", u)
        .replace("%G", g)
        .replace("%n", path)
}

pub fn default_mode(_path: &str) -> String {
    "644".into()
}

/// The files present in a world.
pub fn present(p: &Plan, world: &World) -> BTreeSet<String> {
    p.files
        .iter()
        .filter(|f| world.get(&Slot::Exists((*f).clone())) != Some(&None))
        .cloned()
        .collect()
}

/// The audit's output on the root of `world`; `Err` when the command itself would fail (`find` on a missing
/// directory).
pub fn audit_output(p: &Plan, g: &Gen, world: &World) -> Result<String, String> {
    let mut out = String::new();
    let files = present(p, world);
    match &g.audit {
        Audit::PsGrep(pat) => {
            for b in &p.bins {
                let line = ps_line(&p.bins, world, b);
                if cmdline(world, b).join(" ").contains(pat.as_str()) && !line.contains("grep") {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
        Audit::PsName(bin) => {
            out.push_str("UID PID PPID C STIME TTY TIME CMD\n");
            if p.bins.contains(bin) {
                out.push_str(&ps_line(&p.bins, world, bin));
                out.push('\n');
            }
        }
        Audit::Stat {
            paths,
            format,
            otherwise,
        } => {
            for path in paths {
                if files.contains(path) {
                    out.push_str(&render_stat(format, path, world));
                    out.push('\n');
                } else if let Some(o) = otherwise {
                    out.push_str(o);
                    out.push('\n');
                }
            }
        }
        Audit::Find {
            dir,
            format,
            guarded,
            ..
        } => {
            let d = norm(dir);
            if !files.contains(&d) && !dirs_of(&files).contains(&d) {
                if *guarded {
                    return Ok(out);
                }
                return Err(format!("find: {dir}: No such file or directory"));
            }
            for e in find_entries(&g.audit, &files) {
                out.push_str(&render_stat(format, &e, world));
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// The config file's document in a world.
pub fn config_doc(file: &str, world: &World) -> serde_json::Value {
    let mut doc = serde_json::Value::Object(serde_json::Map::new());
    for (s, v) in world {
        let (Slot::Conf { file: f, path }, Some(v)) = (s, v) else {
            continue;
        };
        if f != file {
            continue;
        }
        let (keys, list) = conf_keys(path).unwrap();
        let value = if list {
            serde_json::Value::Array(
                v.split(',')
                    .map(|e| serde_json::Value::String(e.to_string()))
                    .collect(),
            )
        } else if v == "true" || v == "false" {
            serde_json::Value::Bool(v == "true")
        } else if let Ok(n) = v.parse::<i64>() {
            serde_json::Value::from(n)
        } else {
            serde_json::Value::String(v.clone())
        };
        let mut cur = &mut doc;
        for (i, k) in keys.iter().enumerate() {
            let m = cur.as_object_mut().unwrap();
            if i + 1 == keys.len() {
                m.insert(k.clone(), value.clone());
                break;
            }
            cur = m
                .entry(k.clone())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        }
    }
    doc
}

/// The value a config path shows (`{.a.b}`: the scalar; the range form: elements each followed by `,`).
fn config_value(path: &str, doc: &serde_json::Value) -> String {
    let Some((keys, list)) = conf_keys(path) else {
        return String::new();
    };
    let mut cur = doc;
    for k in &keys {
        match cur.get(k) {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    if list {
        cur.as_array()
            .map(|a| {
                a.iter().fold(String::new(), |mut acc, e| {
                    acc.push_str(&scalar(e));
                    acc.push(',');
                    acc
                })
            })
            .unwrap_or_default()
    } else {
        scalar(cur)
    }
}

/// The flag's value in `s`, kube-bench's way: substring test, then `(<flag>)(=|: *)*([^\s]*)`; a bare flag
/// starting with `-` is `"true"`.
fn flag_value(flag: &str, s: &str) -> Option<String> {
    if flag.is_empty() || !s.contains(flag) {
        return None;
    }
    let re = Regex::new(&format!(r"({})(=|: *)*([^\s]*)", regex::escape(flag))).unwrap();
    let v = re.captures(s).map(|c| c[3].to_string()).unwrap_or_default();
    if v.is_empty() && flag.starts_with('-') {
        return Some("true".into());
    }
    Some(v)
}

fn compare(op: &str, want: &str, got: &str) -> bool {
    match op {
        "eq" | "noteq" => {
            let l = got.to_ascii_lowercase();
            let eq = if l == "true" || l == "false" {
                l == want.to_ascii_lowercase()
            } else {
                got == want
            };
            if op == "eq" { eq } else { !eq }
        }
        "gt" | "gte" | "lt" | "lte" => match (got.parse::<i64>(), want.parse::<i64>()) {
            (Ok(a), Ok(b)) => match op {
                "gt" => a > b,
                "gte" => a >= b,
                "lt" => a < b,
                _ => a <= b,
            },
            _ => false,
        },
        "has" => got.contains(want),
        "nothave" => !got.contains(want),
        "valid_elements" => {
            let split = |s: &str| -> Vec<String> {
                s.trim()
                    .trim_end_matches(',')
                    .split(',')
                    .map(|e| e.trim().to_string())
                    .filter(|e| !e.is_empty())
                    .collect()
            };
            let (g, w) = (split(got), split(want));
            !g.is_empty() && g.iter().all(|e| w.contains(e))
        }
        "bitmask" => match (u32::from_str_radix(got, 8), u32::from_str_radix(want, 8)) {
            (Ok(a), Ok(m)) => m & a == a,
            _ => false,
        },
        _ => false,
    }
}

fn item_holds(it: &TestItem, audit: &str, config: &str, doc: Option<&serde_json::Value>) -> bool {
    let mut value = flag_value(&it.flag, audit);
    if value.is_none()
        && !config.is_empty()
        && !it.path.is_empty()
        && let Some(d) = doc
    {
        let v = config_value(&it.path, d);
        if !v.is_empty() {
            value = Some(v);
        }
    }
    match (it.set, &it.compare, value) {
        (false, _, v) => v.is_none(),
        (true, _, None) => false,
        (true, None, Some(_)) => true,
        (true, Some(c), Some(v)) => compare(&c.op, &c.value, &v),
    }
}

/// Whether the check's tests hold on the root of `world`, by this module's model.
pub fn holds(p: &Plan, g: &Gen, world: &World) -> bool {
    // A failed audit fails the check, whatever its tests.
    let Ok(out) = audit_output(p, g, world) else {
        return false;
    };
    let out = out.trim_end_matches(['\n', ' ']);
    let (config, doc) = match &g.config {
        Some(f) => {
            let d = config_doc(f, world);
            (serde_json::to_string(&d).unwrap(), Some(d))
        }
        None => (String::new(), None),
    };
    let tests = g.check.tests.as_ref().unwrap();
    let lines: Vec<&str> = if g.check.use_multiple_values {
        out.split('\n').collect()
    } else {
        vec![out]
    };
    let each = |it: &TestItem| {
        lines
            .iter()
            .all(|l| item_holds(it, l, &config, doc.as_ref()))
    };
    match tests.bin_op {
        BinOp::And => tests.items.iter().all(each),
        BinOp::Or => tests.items.iter().any(each),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Merging the checks' requirements per slot.

/// A backtracking search over the candidate values of a component's slots.
struct Search<'a> {
    plan: &'a Plan,
    members: &'a [&'a Gen],
    slots: Vec<Slot>,
    cands: Vec<Vec<Option<String>>>,
    want: bool,
    budget: usize,
}

impl Search<'_> {
    fn rec(&mut self, i: usize, world: &mut World) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        // Members whose slots are all assigned by now must already be right.
        for g in self.members {
            let last = g
                .slots
                .iter()
                .filter_map(|s| self.slots.iter().position(|x| x == s))
                .max();
            if last.is_some_and(|l| l + 1 == i) && holds(self.plan, g, world) != self.want {
                return false;
            }
        }
        if i == self.slots.len() {
            return self
                .members
                .iter()
                .all(|g| holds(self.plan, g, world) == self.want);
        }
        for k in 0..self.cands[i].len() {
            world.insert(self.slots[i].clone(), self.cands[i][k].clone());
            if self.rec(i + 1, world) {
                return true;
            }
        }
        world.remove(&self.slots[i]);
        false
    }
}

/// Finds values for the slots of `members` so every member holds (`want`) or fails (`!want`).
fn search(p: &Plan, members: &[&Gen], base: &World, want: bool, variant: Variant) -> Option<World> {
    let mut slots: Vec<Slot> = members.iter().flat_map(|g| g.slots.clone()).collect();
    slots.sort();
    slots.dedup();
    let cands = slots
        .iter()
        .map(|s| candidates(s, members, want, variant))
        .collect();
    let mut s = Search {
        plan: p,
        members,
        slots,
        cands,
        want,
        budget: 200_000,
    };
    let mut world = base.clone();
    s.rec(0, &mut world).then_some(world)
}

fn root_of(parent: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while parent[r] != r {
        r = parent[r];
    }
    parent[x] = r;
    r
}

/// A world where every kept check holds (`want`) or fails (`!want`), and the checks it had to drop.
pub fn solve(p: &Plan, want: bool, variant: Variant) -> (World, Vec<(String, String)>) {
    // Components: checks linked by a shared slot.
    let n = p.gens.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for j in i + 1..n {
            if p.gens[i].slots.iter().any(|s| p.gens[j].slots.contains(s)) {
                let (a, b) = (root_of(&mut parent, i), root_of(&mut parent, j));
                parent[b] = a;
            }
        }
    }
    let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root_of(&mut parent, i);
        comps.entry(r).or_default().push(i);
    }
    let mut world = World::new();
    let mut dropped = Vec::new();
    let mut comps: Vec<Vec<usize>> = comps.into_values().collect();
    comps.sort();
    for comp in comps {
        let mut active = comp.clone();
        loop {
            let members: Vec<&Gen> = active.iter().map(|&i| &p.gens[i]).collect();
            if let Some(w) = search(p, &members, &world, want, variant) {
                world = w;
                break;
            }
            // Drop the first check whose removal lets the rest hold; else the first.
            let mut removed = None;
            for k in 0..active.len() {
                let rest: Vec<&Gen> = active
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(_, &i)| &p.gens[i])
                    .collect();
                if search(p, &rest, &world, want, variant).is_some() {
                    removed = Some(k);
                    break;
                }
            }
            let k = removed.unwrap_or(0);
            let gone = active.remove(k);
            let others: Vec<String> = active.iter().map(|&i| p.gens[i].check.id.clone()).collect();
            let world_name = world_name(want, variant);
            dropped.push((
                p.gens[gone].check.id.clone(),
                format!("conflicts ({world_name}) with {}", others.join(", ")),
            ));
            if active.is_empty() {
                break;
            }
        }
    }
    // Inputs read by several audits (the etcd grep also matches the apiserver's line): verify every kept check
    // on the whole world.
    for g in &p.gens {
        if dropped.iter().any(|(id, _)| *id == g.check.id) {
            continue;
        }
        if holds(p, g, &world) != want {
            dropped.push((
                g.check.id.clone(),
                format!(
                    "cannot be generated: another input interferes ({})",
                    world_name(want, variant)
                ),
            ));
        }
    }
    (world, dropped)
}

// ---------------------------------------------------------------------------------------------------------
// Writing a root.

/// Writes the root of `world` under `dir`: the processes under `proc/`, the files with their modes and owners,
/// the config files' documents, `/etc/passwd` and `/etc/group` naming the owners' ids.
pub fn build_root(p: &Plan, world: &World, dir: &Path) {
    // Owner names → ids. As root: root 0, the others from 2000, set by chown. Otherwise every file stays the
    // test's own, and /etc/passwd and /etc/group give the test's ids the one owner the world asks for (two
    // different owners in one world need root).
    std::fs::create_dir_all(dir).unwrap();
    let me = std::fs::metadata(dir).unwrap();
    let as_root = me.uid() == 0;
    let owners: BTreeSet<&String> = world
        .iter()
        .filter_map(|(s, v)| match (s, v) {
            (Slot::Owner(_), Some(o)) => Some(o),
            _ => None,
        })
        .collect();
    let mut users: BTreeMap<String, u32> = BTreeMap::new();
    let mut groups: BTreeMap<String, u32> = BTreeMap::new();
    if as_root {
        users.insert("root".into(), 0);
        groups.insert("root".into(), 0);
        for o in &owners {
            let (u, g) = o.split_once(':').unwrap();
            let n = 2000 + u32::try_from(users.len()).unwrap();
            users.entry(u.into()).or_insert(n);
            let n = 2000 + u32::try_from(groups.len()).unwrap();
            groups.entry(g.into()).or_insert(n);
        }
    } else {
        assert!(
            owners.len() <= 1,
            "owners {owners:?} in one root need the test to run as root"
        );
        let (u, g) = owners
            .first()
            .and_then(|o| o.split_once(':'))
            .unwrap_or(("root", "root"));
        users.insert(u.into(), me.uid());
        groups.insert(g.into(), me.gid());
    }
    let w = |rel: &str, content: &[u8]| {
        let path = dir.join(rel.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    };
    let passwd: String = users.iter().fold(String::new(), |mut acc, (n, id)| {
        let _ = writeln!(acc, "{n}:x:{id}:{id}::/:/bin/false");
        acc
    });
    let group: String = groups.iter().fold(String::new(), |mut acc, (n, id)| {
        let _ = writeln!(acc, "{n}:x:{id}:");
        acc
    });
    w("/etc/passwd", passwd.as_bytes());
    w("/etc/group", group.as_bytes());
    for b in &p.bins {
        let pid = pid_of(&p.bins, b);
        let args = cmdline(world, b);
        let mut cmd = Vec::new();
        for a in &args {
            cmd.extend_from_slice(a.as_bytes());
            cmd.push(0);
        }
        w(&format!("/proc/{pid}/cmdline"), &cmd);
        let comm: String = b.chars().take(15).collect();
        w(&format!("/proc/{pid}/comm"), format!("{comm}\n").as_bytes());
        w(
            &format!("/proc/{pid}/status"),
            format!("Name:\t{comm}\nPPid:\t1\nUid:\t0\t0\t0\t0\n").as_bytes(),
        );
    }
    let files = present(p, world);
    let dirs = dirs_of(&files);
    for d in &dirs {
        std::fs::create_dir_all(dir.join(d.trim_start_matches('/'))).unwrap();
    }
    for f in &files {
        if dirs.contains(f) {
            continue;
        }
        let content = if p.configs.contains(f) {
            let doc = config_doc(f, world);
            if Path::new(f)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                serde_json::to_string_pretty(&doc).unwrap()
            } else {
                yaml_serde::to_string(&doc).unwrap()
            }
        } else {
            format!("# synthetic {f}\n")
        };
        w(f, content.as_bytes());
    }
    // Modes and owners, deepest first so directories stay traversable while writing.
    let mut all: Vec<&String> = files.iter().chain(dirs.iter()).collect();
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for f in all {
        let real = dir.join(f.trim_start_matches('/'));
        let is_dir = real.is_dir();
        let mode = world
            .get(&Slot::Mode(f.clone()))
            .cloned()
            .flatten()
            .map_or(if is_dir { 0o755 } else { 0o644 }, |m| {
                u32::from_str_radix(&m, 8).unwrap()
            });
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(mode)).unwrap();
        if as_root {
            let owner = world
                .get(&Slot::Owner(f.clone()))
                .cloned()
                .flatten()
                .unwrap_or_else(|| "root:root".into());
            let (u, g) = owner.split_once(':').unwrap();
            chown(&real, users[u], groups[g]);
        }
    }
}

fn chown(path: &Path, uid: u32, gid: u32) {
    if let Err(e) = std::os::unix::fs::chown(path, Some(uid), Some(gid)) {
        panic!("chown {}: {e}", path.display());
    }
}

/// Whether `bin` runs under `root`: a process whose argv[0]'s base name is the first word of `bin` and whose
/// command line contains `bin` (kube-bench's test for the `bins` candidates).
pub fn running_under(root: &Path, bin: &str) -> bool {
    let first = bin.split(' ').next().unwrap_or(bin);
    let Ok(rd) = std::fs::read_dir(root.join("proc")) else {
        return false;
    };
    rd.flatten().any(|e| {
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            return false;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        args.first()
            .is_some_and(|a0| a0.rsplit('/').next() == Some(first))
            && args.join(" ").contains(bin)
    })
}

// ---------------------------------------------------------------------------------------------------------
// Judging the roots.

/// The outcome for one benchmark.
#[derive(Debug, Default)]
pub struct Report {
    pub automated: usize,
    pub covered: Vec<String>,
    /// (check id, reason), sorted by id as the files order them.
    pub excluded: Vec<(String, String)>,
    /// Checks whose state differs from what the definition implies, with the evidence.
    pub mismatches: Vec<String>,
}

fn vars_under(cfg: &Config, target: &str, root: &Path) -> Variables {
    cfg.variables(target, &|b| running_under(root, b), &|p| {
        bulwark_node::audit::resolve(root, p, true).is_ok_and(|r| r.exists())
    })
}

/// Plans, solves, builds both roots under `dir` and judges every covered check with `eval::run` and a
/// `RootAuditor` (no shell) against the state its definition implies.
pub fn run(base: &Path, bench: &str, dir: &Path) -> Report {
    use bulwark_node::State;
    let p = plan(base, bench);
    let mut worlds = Vec::new();
    let mut drops = Vec::new();
    for variant in [Variant::Main, Variant::Other] {
        for want in [true, false] {
            let (w, d) = solve(&p, want, variant);
            worlds.push((world_name(want, variant), w, want));
            drops.extend(d);
        }
    }
    let mut excluded = p.excluded.clone();
    for (id, why) in drops {
        match excluded.iter_mut().find(|(i, _)| *i == id) {
            Some(e) => {
                e.1.push_str("; ");
                e.1.push_str(&why);
            }
            None => excluded.push((id, why)),
        }
    }
    let cfg = load_config(base, bench);
    let mut r = Report {
        automated: p.automated,
        ..Report::default()
    };
    for (name, world, want_pass) in &worlds {
        let (name, want_pass) = (*name, *want_pass);
        let root = dir.join(name);
        build_root(&p, world, &root);
        let auditor = bulwark_node::audit::RootAuditor::new(&root);
        for g in &p.gens {
            if excluded.iter().any(|(i, _)| *i == g.check.id) {
                continue;
            }
            let vars = vars_under(&cfg, &g.target, &root);
            let planned = &p.vars[&g.target];
            for cmd in [&g.check.audit, &g.check.audit_config] {
                let (a, b) = (
                    config::substitute(cmd, &vars),
                    config::substitute(cmd, planned),
                );
                if a != b {
                    r.mismatches.push(format!(
                        "{} {name}: variables differ from the plan: {a:?} vs {b:?}",
                        g.check.id
                    ));
                }
            }
            let want = if want_pass {
                State::Pass
            } else if g.check.scored {
                State::Fail
            } else {
                State::Warn
            };
            let o = bulwark_node::eval::run(&g.check, &vars, &auditor);
            if o.state != want {
                r.mismatches.push(format!(
                    "{} {name}: {:?}, definition implies {want:?} (expected {:?}, actual {:?}, reason {:?}; model output {:?})",
                    g.check.id,
                    o.state,
                    o.expected,
                    o.actual,
                    o.reason,
                    audit_output(&p, g, world)
                ));
            }
        }
    }
    r.covered = p
        .gens
        .iter()
        .filter(|g| !excluded.iter().any(|(i, _)| *i == g.check.id))
        .map(|g| g.check.id.clone())
        .collect();
    r.excluded = excluded;
    r
}
