//! owners.yaml → [`Ownership`], collecting every problem with its line.

use std::collections::{BTreeMap, HashMap};

use bulwark_k8s::yaml::{Doc, Kind, Limits, NodeId, parse_stream, split_documents};

use crate::glob::Glob;
use crate::model::{Error, Matcher, Ownership, Problem, Rule, RuleKind, Team};
use crate::reference::{Reference, normalize_repo};

/// Largest owners.yaml read: thousands of rules fit in far less.
pub const MAX_FILE: usize = 4 << 20;
/// Most rules in one file.
pub const MAX_RULES: usize = 20_000;
/// Deepest nesting: the format needs five levels; channel configurations get the rest.
const MAX_DEPTH: usize = 32;
const LIMITS: Limits = Limits {
    max_depth: MAX_DEPTH,
    max_nodes: 300_000,
    // Aliases in channel configurations are expanded into JSON: this bounds the memory (a few tens of MB).
    max_expanded_nodes: 300_000,
};

const TOP_KEYS: &[&str] = &["teams", "rules", "defaultTeam"];
const TEAM_KEYS: &[&str] = &["description", "contacts", "escalateTo", "channels"];
const RULE_KEYS: &[&str] = &[
    "team",
    "description",
    "purl",
    "baseImage",
    "createdBy",
    "registry",
    "labels",
    "annotations",
    "namespace",
];

/// Reads and loads `path`; problems name it as given.
pub fn load(path: &std::path::Path) -> Result<Ownership, Error> {
    let name = path.display().to_string();
    let read_err = |source| Error::Read {
        path: name.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.len() > MAX_FILE as u64 {
        return Err(Error::Invalid(vec![Problem {
            file: name,
            line: 1,
            message: format!(
                "is {} bytes; owners files are limited to {MAX_FILE}",
                meta.len()
            ),
        }]));
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    parse_bytes(&bytes, &name)
}

/// Loads owners.yaml from bytes; `file` names it in problems and rule references.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Ownership, Error> {
    let mut cx = Cx {
        file: file.to_string(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    // The parser places some nodes (an empty value at the end of the input) and some errors on the line after
    // the last one: every reported line is kept inside the file.
    let last = yaml_lines(bytes);
    let fail = |cx: Cx, line: u32, message: String| {
        let mut p = cx.problems;
        p.push(Problem {
            file: cx.file,
            line,
            message,
        });
        Err(Error::Invalid(inside(p, last)))
    };
    if bytes.len() > MAX_FILE {
        return fail(
            cx,
            1,
            format!(
                "is {} bytes; owners files are limited to {MAX_FILE}",
                bytes.len()
            ),
        );
    }
    if let Some((line, what)) = bulwark_types::yaml::depth_over(bytes, MAX_DEPTH) {
        return fail(cx, line as u32, format!("owners file {what}"));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = yaml_lines(&bytes[..e.valid_up_to()]);
            return fail(cx, line, format!("is not UTF-8: {e}"));
        }
    };
    let mut docs = Vec::new();
    for (chunk, offset) in split_documents(text) {
        let (parsed, err) = parse_stream(chunk, offset, &LIMITS);
        if let Some(e) = err {
            return fail(cx, e.line, format!("invalid YAML: {}", e.message));
        }
        docs.extend(
            parsed
                .into_iter()
                .filter(|d| d.root().is_some_and(|r| !d.is_null(r))),
        );
    }
    let doc = match docs.len() {
        0 => {
            return fail(
                cx,
                1,
                "is empty; expected a mapping with `teams:` and `rules:`".into(),
            );
        }
        1 => &docs[0],
        n => {
            let line = docs[1].root().map_or(1, |r| docs[1].line(r));
            return fail(cx, line, format!("holds {n} YAML documents; expected one"));
        }
    };
    let root = doc.root().unwrap_or_default();
    if doc.kind(root) != Kind::Map {
        let what = doc.kind(root).describe();
        return fail(
            cx,
            doc.line(root),
            format!("expected a mapping with `teams:` and `rules:`, found {what}"),
        );
    }
    cx.no_duplicate_keys(doc, root, "the top level");
    let mut teams = BTreeMap::new();
    let mut rules = Vec::new();
    let mut default_team = None;
    for (k, v) in doc.entries(root) {
        match doc.text(k).unwrap_or("") {
            "teams" => teams = cx.teams(doc, v),
            "rules" => rules = cx.rules(doc, v),
            "defaultTeam" => {
                if let Some(t) = cx.scalar(doc, v, "defaultTeam") {
                    default_team = Some((t, doc.line(k)));
                }
            }
            other => cx.unknown(doc, k, other, "at the top level", TOP_KEYS),
        }
    }
    if doc.get(root, "teams").is_none() {
        cx.problem(doc.line(root), "no `teams:` defined".into());
    }
    // References to teams.
    for r in &rules {
        if !teams.contains_key(&r.team) {
            cx.problem(
                r.line,
                format!(
                    "rule names team \"{}\", which is not defined under teams",
                    r.team
                ),
            );
        }
    }
    for t in teams.values() {
        if let Some(e) = &t.escalate_to
            && !teams.contains_key(e)
        {
            cx.problem(
                t.line,
                format!(
                    "team \"{}\" escalates to \"{e}\", which is not defined under teams",
                    t.name
                ),
            );
        }
    }
    if let Some((t, line)) = &default_team
        && !teams.contains_key(t)
    {
        cx.problem(
            *line,
            format!("defaultTeam \"{t}\" is not defined under teams"),
        );
    }
    cx.conflicts(&rules);
    if !cx.problems.is_empty() {
        cx.problems.sort_by_key(|p| p.line);
        return Err(Error::Invalid(inside(cx.problems, last)));
    }
    Ok(Ownership {
        file: cx.file,
        teams,
        rules,
        default_team,
        warnings: inside(cx.warnings, last),
    })
}

/// The number of lines in `bytes` as YAML counts them (§5.4: a line break is CR LF, LF, or a lone CR), so that a
/// problem the parser places on line 3 of `\r\r-4` is inside the file.
pub(crate) fn yaml_lines(bytes: &[u8]) -> u32 {
    let mut n: u32 = 1;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            n = n.saturating_add(1);
        }
    }
    n
}

fn inside(mut problems: Vec<Problem>, last: u32) -> Vec<Problem> {
    for p in &mut problems {
        p.line = p.line.clamp(1, last);
    }
    problems
}

struct Cx {
    file: String,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Cx {
    fn problem(&mut self, line: u32, message: String) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            message,
        });
    }

    fn unknown(&mut self, doc: &Doc, k: NodeId, key: &str, place: &str, allowed: &[&str]) {
        self.problem(
            doc.line(k),
            format!(
                "unknown key \"{key}\" {place} (expected one of: {})",
                allowed.join(", ")
            ),
        );
    }

    fn no_duplicate_keys(&mut self, doc: &Doc, map: NodeId, place: &str) {
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (k, _) in doc.entries(map) {
            let key = doc.text(k).unwrap_or("");
            if let Some(first) = seen.insert(key, doc.line(k)) {
                self.problem(
                    doc.line(k),
                    format!("key \"{key}\" is given twice in {place} (first at line {first})"),
                );
            }
        }
    }

    /// A non-empty scalar as text (numbers and booleans as written).
    fn scalar(&mut self, doc: &Doc, v: NodeId, what: &str) -> Option<String> {
        match doc.kind(v) {
            Kind::Map | Kind::Seq | Kind::Null => {
                let found = doc.kind(v).describe();
                self.problem(
                    doc.line(v),
                    format!("{what} must be a string, found {found}"),
                );
                None
            }
            _ => {
                let t = doc.text(v).unwrap_or("").trim().to_string();
                if t.is_empty() {
                    self.problem(doc.line(v), format!("{what} is empty"));
                    None
                } else {
                    Some(t)
                }
            }
        }
    }

    fn teams(&mut self, doc: &Doc, node: NodeId) -> BTreeMap<String, Team> {
        let mut teams: BTreeMap<String, Team> = BTreeMap::new();
        if doc.kind(node) != Kind::Map {
            let found = doc.kind(node).describe();
            self.problem(
                doc.line(node),
                format!("`teams` must be a mapping from team name to team, found {found}"),
            );
            return teams;
        }
        for (k, v) in doc.entries(node) {
            let Some(name) = self.scalar(doc, k, "a team name") else {
                continue;
            };
            let line = doc.line(k);
            if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                self.problem(
                    line,
                    format!("team name \"{}\" holds white space", name.escape_debug()),
                );
                continue;
            }
            if let Some(first) = teams.get(&name) {
                let first = first.line;
                self.problem(
                    line,
                    format!("team \"{name}\" is defined twice (first at line {first})"),
                );
                continue;
            }
            let mut team = Team {
                name: name.clone(),
                line,
                description: None,
                contacts: Vec::new(),
                escalate_to: None,
                channels: Vec::new(),
            };
            match doc.kind(v) {
                Kind::Null => {}
                Kind::Map => {
                    self.no_duplicate_keys(doc, v, &format!("team \"{name}\""));
                    for (tk, tv) in doc.entries(v) {
                        match doc.text(tk).unwrap_or("") {
                            "description" => team.description = self.scalar(doc, tv, "description"),
                            "contacts" => team.contacts = self.strings(doc, tv, "contacts"),
                            "escalateTo" => team.escalate_to = self.scalar(doc, tv, "escalateTo"),
                            "channels" => team.channels = self.channels(doc, tv),
                            other => self.unknown(
                                doc,
                                tk,
                                other,
                                &format!("in team \"{name}\""),
                                TEAM_KEYS,
                            ),
                        }
                    }
                }
                other => {
                    let found = other.describe();
                    self.problem(
                        doc.line(v),
                        format!("team \"{name}\" must be a mapping, found {found}"),
                    );
                }
            }
            teams.insert(name, team);
        }
        teams
    }

    fn strings(&mut self, doc: &Doc, node: NodeId, what: &str) -> Vec<String> {
        if doc.kind(node) != Kind::Seq {
            let found = doc.kind(node).describe();
            self.problem(
                doc.line(node),
                format!("{what} must be a list of strings, found {found}"),
            );
            return Vec::new();
        }
        doc.items(node)
            .iter()
            .filter_map(|&i| self.scalar(doc, i, &format!("an entry of {what}")))
            .collect()
    }

    fn channels(&mut self, doc: &Doc, node: NodeId) -> Vec<serde_json::Value> {
        if doc.kind(node) != Kind::Seq {
            let found = doc.kind(node).describe();
            self.problem(
                doc.line(node),
                format!("channels must be a list of channel mappings, found {found}"),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for &c in doc.items(node) {
            if doc.kind(c) == Kind::Map {
                out.push(doc.to_json(c));
            } else {
                let found = doc.kind(c).describe();
                self.problem(
                    doc.line(c),
                    format!(
                        "a channel must be a mapping (its `type:` and settings), found {found}"
                    ),
                );
            }
        }
        out
    }

    fn rules(&mut self, doc: &Doc, node: NodeId) -> Vec<Rule> {
        let mut rules = Vec::new();
        if doc.kind(node) != Kind::Seq {
            let found = doc.kind(node).describe();
            self.problem(
                doc.line(node),
                format!("`rules` must be a list, found {found}"),
            );
            return rules;
        }
        if doc.items(node).len() > MAX_RULES {
            self.problem(
                doc.line(node),
                format!(
                    "has {} rules; at most {MAX_RULES} are read",
                    doc.items(node).len()
                ),
            );
            return rules;
        }
        for &r in doc.items(node) {
            if let Some(rule) = self.rule(doc, r) {
                rules.push(rule);
            }
        }
        rules
    }

    fn rule(&mut self, doc: &Doc, node: NodeId) -> Option<Rule> {
        let line = doc.line(node);
        if doc.kind(node) != Kind::Map {
            let found = doc.kind(node).describe();
            self.problem(
                line,
                format!("a rule must be a mapping (`team:` and one matcher), found {found}"),
            );
            return None;
        }
        self.no_duplicate_keys(doc, node, "a rule");
        let mut team = None;
        let mut matchers: Vec<(RuleKind, NodeId)> = Vec::new();
        let mut ok = true;
        for (k, v) in doc.entries(node) {
            let key = doc.text(k).unwrap_or("");
            let kind = match key {
                "team" => {
                    team = self.scalar(doc, v, "team");
                    ok &= team.is_some();
                    continue;
                }
                "description" => {
                    ok &= self.scalar(doc, v, "description").is_some();
                    continue;
                }
                "purl" => RuleKind::Purl,
                "baseImage" => RuleKind::BaseImage,
                "createdBy" => RuleKind::CreatedBy,
                "registry" => RuleKind::Registry,
                "labels" => RuleKind::Labels,
                "annotations" => RuleKind::Annotations,
                "namespace" => RuleKind::Namespace,
                other => {
                    self.unknown(doc, k, other, "in a rule", RULE_KEYS);
                    ok = false;
                    continue;
                }
            };
            matchers.push((kind, v));
        }
        let Some(team) = team else {
            if ok {
                self.problem(line, "rule has no `team:`".into());
            }
            return None;
        };
        let (kind, v) = match matchers.as_slice() {
            [one] => *one,
            [] => {
                if ok {
                    self.problem(
                        line,
                        "rule has no matcher (one of: purl, baseImage, createdBy, registry, labels, annotations, namespace)".into(),
                    );
                }
                return None;
            }
            many => {
                let keys: Vec<&str> = many.iter().map(|(k, _)| k.key()).collect();
                self.problem(
                    line,
                    format!(
                        "rule has {} matchers ({}); a rule has exactly one",
                        many.len(),
                        keys.join(", ")
                    ),
                );
                return None;
            }
        };
        if !ok {
            return None;
        }
        let (pattern, matcher) = self.matcher(doc, kind, v)?;
        Some(Rule {
            team,
            line,
            kind,
            pattern,
            spec: Rule::compute_specificity(kind, &matcher),
            matcher,
        })
    }

    fn glob(&mut self, line: u32, kind: RuleKind, pattern: &str, path_mode: bool) -> Option<Glob> {
        match Glob::new(pattern, path_mode) {
            Ok(g) => Some(g),
            Err(why) => {
                self.problem(line, format!("bad {kind} pattern \"{pattern}\": it {why}"));
                None
            }
        }
    }

    fn matcher(&mut self, doc: &Doc, kind: RuleKind, v: NodeId) -> Option<(String, Matcher)> {
        let line = doc.line(v);
        if matches!(kind, RuleKind::Labels | RuleKind::Annotations) {
            if doc.kind(v) != Kind::Map {
                let found = doc.kind(v).describe();
                self.problem(
                    line,
                    format!("{kind} must be a mapping of key: value, found {found}"),
                );
                return None;
            }
            if doc.entries(v).next().is_none() {
                self.problem(
                    line,
                    format!("{kind} is empty: give at least one key: value"),
                );
                return None;
            }
            self.no_duplicate_keys(doc, v, &format!("{kind}"));
            let mut pairs = Vec::new();
            for (k, val) in doc.entries(v) {
                let key = self.scalar(doc, k, &format!("a {kind} key"))?;
                let value = self.scalar(doc, val, &format!("the value of {kind} key \"{key}\""))?;
                let glob = self.glob(doc.line(val), kind, &value, false)?;
                pairs.push((key, value, glob));
            }
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let pattern = pairs
                .iter()
                .map(|(k, v, _)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let m = Matcher::Selector(pairs.into_iter().map(|(k, _, g)| (k, g)).collect());
            return Some((pattern, m));
        }
        let pattern = self.scalar(doc, v, kind.key())?;
        let m = match kind {
            RuleKind::Purl => {
                if !pattern.starts_with("pkg:") {
                    self.problem(
                        line,
                        format!("bad purl pattern \"{pattern}\": a package URL starts with `pkg:`"),
                    );
                    return None;
                }
                Matcher::Purl {
                    with_version: pattern.contains('@'),
                    glob: self.glob(line, kind, &pattern, false)?,
                }
            }
            RuleKind::CreatedBy => Matcher::CreatedBy(self.glob(line, kind, &pattern, false)?),
            RuleKind::Namespace => Matcher::Namespace(self.glob(line, kind, &pattern, false)?),
            RuleKind::Registry => {
                if pattern.contains('@') || tagged(&pattern) {
                    self.problem(
                        line,
                        format!("bad registry pattern \"{pattern}\": it names a repository path, without a tag or digest"),
                    );
                    return None;
                }
                Matcher::Registry(self.glob(line, kind, &normalize_repo(&pattern), true)?)
            }
            RuleKind::BaseImage => {
                if is_digest(&pattern) {
                    Matcher::BaseDigest(self.glob(line, kind, &pattern, false)?)
                } else if pattern.contains('@') {
                    self.problem(
                        line,
                        format!("bad baseImage pattern \"{pattern}\": give either a digest (sha256:…) or a repository, not both"),
                    );
                    return None;
                } else {
                    let r = Reference::parse(&pattern);
                    Matcher::BaseName {
                        with_tag: r.tag.is_some(),
                        glob: self.glob(line, kind, &r.with_tag(), true)?,
                    }
                }
            }
            _ => unreachable!("selectors handled above"),
        };
        Some((pattern, m))
    }

    /// Same kind and same pattern: two teams is a conflict (an error), one team twice a warning.
    fn conflicts(&mut self, rules: &[Rule]) {
        let mut seen: HashMap<(RuleKind, String), &Rule> = HashMap::new();
        for r in rules {
            let key = (r.kind, canonical(r));
            match seen.get(&key) {
                None => {
                    seen.insert(key, r);
                }
                Some(first) if first.team != r.team => {
                    let msg = format!(
                        "rule conflicts with {}:{}: both match {} \"{}\" but name different teams (\"{}\" and \"{}\")",
                        self.file, first.line, r.kind, r.pattern, first.team, r.team
                    );
                    self.problem(r.line, msg);
                }
                Some(first) => {
                    let w = Problem {
                        file: self.file.clone(),
                        line: r.line,
                        message: format!(
                            "rule repeats {}:{} ({} \"{}\" for team \"{}\")",
                            self.file, first.line, r.kind, r.pattern, r.team
                        ),
                    };
                    self.warnings.push(w);
                }
            }
        }
    }
}

/// The pattern as compared for conflicts: references normalized the way matching sees them.
fn canonical(r: &Rule) -> String {
    match r.kind {
        RuleKind::Registry => normalize_repo(&r.pattern),
        RuleKind::BaseImage if !is_digest(&r.pattern) => Reference::parse(&r.pattern).with_tag(),
        _ => r.pattern.clone(),
    }
}

fn is_digest(p: &str) -> bool {
    ["sha256:", "sha384:", "sha512:"]
        .iter()
        .any(|a| p.starts_with(a))
}

fn tagged(p: &str) -> bool {
    let last = p.rsplit('/').next().unwrap_or(p);
    last.contains(':')
}
