//! Reading rules files into definitions: lists, macros and rules with `append`/`override`, in file order.
//! Falco ≥0.36 semantics: a later item with the same name replaces the earlier one; `append: true` or
//! `override: {key: append|replace}` changes an earlier definition, and fails when there is none.

// Parsers and evaluators read best with short names (s, b, i, p, c) and match-with-fallback blocks.
#![allow(clippy::many_single_char_names, clippy::single_match_else)]

use std::collections::HashMap;

use yaml_serde::Value as Y;

use super::yamlpos::{self, ItemPos, ScalarPos};
use super::{Diagnostic, DiagnosticSeverity, Priority, RulesFile};

/// Where a definition is: file index, line, column.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Loc {
    pub(crate) file: usize,
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// A condition text assembled from one or more YAML scalars (appends), with where each piece came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Text {
    pub(crate) s: String,
    /// (byte offset in `s` where the piece starts, file index, the scalar's position, the piece's length).
    pub(crate) pieces: Vec<(usize, usize, ScalarPos)>,
}

impl Text {
    fn new(s: String, file: usize, at: ScalarPos) -> Text {
        Text {
            s,
            pieces: vec![(0, file, at)],
        }
    }

    fn append(&mut self, more: &Text) {
        let base = self.s.len() + 1;
        self.s.push(' ');
        self.s.push_str(&more.s);
        for (o, f, at) in &more.pieces {
            self.pieces.push((base + o, *f, *at));
        }
    }

    /// The file and line:column of byte `offset`.
    pub(crate) fn locate(
        &self,
        files: &[RulesFile],
        offset: usize,
    ) -> Option<(usize, usize, usize)> {
        let (start, file, at) = self.pieces.iter().rev().find(|p| p.0 <= offset)?;
        let end = self
            .pieces
            .iter()
            .find(|p| p.0 > *start)
            .map_or(self.s.len(), |p| p.0.saturating_sub(1));
        let piece = self.s.get(*start..end)?;
        let (l, c) = yamlpos::locate(&files[*file].text, *at, piece, offset - start);
        Some((*file, l, c))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ListDef {
    pub(crate) name: String,
    pub(crate) loc: Loc,
    pub(crate) items: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroDef {
    pub(crate) name: String,
    pub(crate) loc: Loc,
    pub(crate) cond: Text,
}

/// One value of an exception tuple: a scalar or a list of scalars (for `in`-style comparisons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExValue {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct ExceptionDef {
    pub(crate) name: String,
    /// The field names; `single` when written as one field (`fields: proc.name`).
    pub(crate) fields: Vec<String>,
    pub(crate) single: bool,
    pub(crate) comps: Vec<String>,
    pub(crate) values: Vec<Vec<ExValue>>,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleDef {
    pub(crate) name: String,
    pub(crate) loc: Loc,
    pub(crate) cond: Text,
    pub(crate) output: String,
    pub(crate) output_loc: Loc,
    pub(crate) desc: String,
    pub(crate) priority: Priority,
    pub(crate) tags: Vec<String>,
    pub(crate) source: String,
    pub(crate) enabled: bool,
    pub(crate) exceptions: Vec<ExceptionDef>,
    /// `warn_evttypes: false` silences `LOAD_NO_EVTTYPE`.
    pub(crate) warn_evttypes: bool,
    /// `skip-if-unknown-filter: true`: a condition naming an unknown field skips the rule with a warning.
    pub(crate) skip_unknown_filter: bool,
}

/// Everything the files define, in definition order.
#[derive(Debug, Default)]
pub(crate) struct Defs {
    pub(crate) lists: Vec<ListDef>,
    pub(crate) macros: Vec<MacroDef>,
    pub(crate) rules: Vec<RuleDef>,
    pub(crate) required_engine_version: Option<String>,
    pub(crate) required_plugin_versions: Vec<(String, String)>,
}

/// Where each name is defined in [`Defs`], so a file with many items loads in linear time.
#[derive(Debug, Default)]
pub(crate) struct Names {
    lists: HashMap<String, usize>,
    macros: HashMap<String, usize>,
    rules: HashMap<String, usize>,
}

fn scalar(v: &Y) -> Option<String> {
    match v {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) struct Loader<'a> {
    pub(crate) files: &'a [RulesFile],
    pub(crate) defs: Defs,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) names: Names,
}

impl Loader<'_> {
    pub(crate) fn diag(
        &mut self,
        severity: DiagnosticSeverity,
        loc: Loc,
        kind: &str,
        name: &str,
        code: &str,
        message: String,
    ) {
        self.diags.push(Diagnostic {
            severity,
            file: self
                .files
                .get(loc.file)
                .map_or_else(String::new, |f| f.path.clone()),
            item_kind: kind.to_string(),
            item_name: name.to_string(),
            line: loc.line,
            column: loc.col,
            code: code.to_string(),
            message,
        });
    }

    fn err(&mut self, loc: Loc, kind: &str, name: &str, code: &str, message: String) {
        self.diag(DiagnosticSeverity::Error, loc, kind, name, code, message);
    }

    pub(crate) fn load_file(&mut self, fi: usize) {
        let text = &self.files[fi].text;
        let file_loc = Loc {
            file: fi,
            line: 1,
            col: 1,
        };
        if let Some((line, msg)) = bulwark_types::yaml::depth_over(text.as_bytes(), 64) {
            let loc = Loc { line, ..file_loc };
            self.err(
                loc,
                "file",
                "",
                "LOAD_ERR_YAML_PARSE",
                format!("the file {msg}"),
            );
            return;
        }
        let doc: Y = match yaml_serde::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                self.err(
                    Loc {
                        file: fi,
                        line,
                        col,
                    },
                    "file",
                    "",
                    "LOAD_ERR_YAML_PARSE",
                    format!("not valid YAML: {e}"),
                );
                return;
            }
        };
        let items = match doc {
            Y::Sequence(s) => s,
            Y::Null => return,
            _ => {
                self.err(
                    file_loc,
                    "file",
                    "",
                    "LOAD_ERR_YAML_VALIDATE",
                    "rules content is not yaml array of objects".into(),
                );
                return;
            }
        };
        let pos = yamlpos::items(text);
        for (k, item) in items.iter().enumerate() {
            let p = pos.get(k).cloned().unwrap_or(ItemPos {
                line: 1,
                col: 1,
                keys: Vec::new(),
            });
            self.load_item(fi, item, &p);
        }
    }

    fn load_item(&mut self, fi: usize, item: &Y, p: &ItemPos) {
        let loc = Loc {
            file: fi,
            line: p.line,
            col: p.col,
        };
        if matches!(item, Y::Null) {
            // A bare `-` (k8saudit-rules 0.6.0 has one): Falco loads such files, so an empty item is skipped.
            return;
        }
        let Y::Mapping(m) = item else {
            self.err(
                loc,
                "file",
                "",
                "LOAD_ERR_YAML_VALIDATE",
                "unexpected element type: each item must be a mapping".into(),
            );
            return;
        };
        let get = |k: &str| m.get(k);
        if let Some(v) = get("required_engine_version") {
            self.defs.required_engine_version = scalar(v);
            return;
        }
        if let Some(v) = get("required_plugin_versions") {
            if let Y::Sequence(s) = v {
                for e in s {
                    let n = e.get("name").and_then(scalar).unwrap_or_default();
                    let ver = e.get("version").and_then(scalar).unwrap_or_default();
                    self.defs.required_plugin_versions.push((n, ver));
                }
            }
            return;
        }
        let (kind, name) = if let Some(n) = get("rule") {
            ("rule", n)
        } else if let Some(n) = get("macro") {
            ("macro", n)
        } else if let Some(n) = get("list") {
            ("list", n)
        } else {
            self.diag(
                DiagnosticSeverity::Warning,
                loc,
                "file",
                "",
                "LOAD_UNKNOWN_ITEM",
                "unknown top level item, ignored".into(),
            );
            return;
        };
        let Some(name) = scalar(name).filter(|n| !n.is_empty()) else {
            self.err(
                loc,
                kind,
                "",
                "LOAD_ERR_YAML_VALIDATE",
                format!("`{kind}` must be a non-empty string"),
            );
            return;
        };
        // How each key changes an earlier definition: None = define, Some(true) = append, Some(false) = replace.
        let append = match get("append") {
            None | Some(Y::Null) => false,
            Some(Y::Bool(b)) => *b,
            Some(_) => {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`append` must be a boolean".into(),
                );
                return;
            }
        };
        let mut overrides: HashMap<String, bool> = HashMap::new();
        if let Some(o) = get("override") {
            let Y::Mapping(om) = o else {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`override` must be a mapping".into(),
                );
                return;
            };
            if append {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`append` and `override` cannot be used together".into(),
                );
                return;
            }
            for (k, v) in om {
                let (Some(k), Some(v)) = (scalar(k), scalar(v)) else {
                    continue;
                };
                let how = match v.as_str() {
                    "append" => true,
                    "replace" => false,
                    _ => {
                        self.err(
                            loc,
                            kind,
                            &name,
                            "LOAD_ERR_YAML_VALIDATE",
                            format!("override of `{k}` must be `append` or `replace`, not `{v}`"),
                        );
                        return;
                    }
                };
                let allowed: &[&str] = match (kind, how) {
                    ("list", _) => &["items"],
                    ("macro", _) => &["condition"],
                    ("rule", true) => &["condition", "output", "desc", "tags", "exceptions"],
                    _ => &[
                        "condition",
                        "output",
                        "desc",
                        "priority",
                        "tags",
                        "exceptions",
                        "enabled",
                        "warn_evttypes",
                        "skip-if-unknown-filter",
                    ],
                };
                if !allowed.contains(&k.as_str()) {
                    self.err(
                        loc,
                        kind,
                        &name,
                        "LOAD_ERR_YAML_VALIDATE",
                        format!("`{k}` cannot be overridden with `{v}` in a {kind}"),
                    );
                    return;
                }
                if get(&k).is_none() {
                    self.err(
                        loc,
                        kind,
                        &name,
                        "LOAD_ERR_YAML_VALIDATE",
                        format!("`override` names `{k}` but the item has no `{k}`"),
                    );
                    return;
                }
                overrides.insert(k, how);
            }
        }
        let cond_text = |key: &str, this: &mut Self| -> Option<Text> {
            let v = get(key)?;
            match scalar(v) {
                Some(s) => Some(Text::new(s, fi, p.key(key).unwrap_or_default())),
                None => {
                    this.err(
                        loc,
                        kind,
                        &name,
                        "LOAD_ERR_YAML_VALIDATE",
                        format!("`{key}` must be a string"),
                    );
                    None
                }
            }
        };
        match kind {
            "list" => {
                let items = match get("items") {
                    Some(Y::Sequence(s)) => s.iter().filter_map(scalar).collect::<Vec<_>>(),
                    Some(Y::Null) | None => Vec::new(),
                    Some(_) => {
                        self.err(
                            loc,
                            kind,
                            &name,
                            "LOAD_ERR_YAML_VALIDATE",
                            "`items` must be a list".into(),
                        );
                        return;
                    }
                };
                let existing = self.names.lists.get(&name).copied();
                let how = if append {
                    Some(true)
                } else {
                    overrides.get("items").copied()
                };
                match (how, existing) {
                    (Some(_), None) => self.undefined(loc, kind, &name),
                    (Some(true), Some(i)) => self.defs.lists[i].items.extend(items),
                    (Some(false), Some(i)) => self.defs.lists[i].items = items,
                    (None, Some(i)) => self.defs.lists[i] = ListDef { name, loc, items },
                    (None, None) => {
                        self.names.lists.insert(name.clone(), self.defs.lists.len());
                        self.defs.lists.push(ListDef { name, loc, items });
                    }
                }
            }
            "macro" => {
                let Some(cond) = cond_text("condition", self) else {
                    if get("condition").is_none() {
                        self.err(
                            loc,
                            kind,
                            &name,
                            "LOAD_ERR_YAML_VALIDATE",
                            "missing `condition`".into(),
                        );
                    }
                    return;
                };
                let existing = self.names.macros.get(&name).copied();
                let how = if append {
                    Some(true)
                } else {
                    overrides.get("condition").copied()
                };
                match (how, existing) {
                    (Some(_), None) => self.undefined(loc, kind, &name),
                    (Some(true), Some(i)) => self.defs.macros[i].cond.append(&cond),
                    (Some(false), Some(i)) => self.defs.macros[i].cond = cond,
                    (None, Some(i)) => self.defs.macros[i] = MacroDef { name, loc, cond },
                    (None, None) => {
                        self.names
                            .macros
                            .insert(name.clone(), self.defs.macros.len());
                        self.defs.macros.push(MacroDef { name, loc, cond });
                    }
                }
            }
            _ => self.load_rule(fi, m, p, loc, name, append, &overrides),
        }
    }

    fn undefined(&mut self, loc: Loc, kind: &str, name: &str) {
        self.err(
            loc,
            kind,
            name,
            "LOAD_ERR_VALIDATE",
            format!("{kind} has `append` or `override` but no {kind} named `{name}` is defined before it"),
        );
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)]
    fn load_rule(
        &mut self,
        fi: usize,
        m: &yaml_serde::Mapping,
        p: &ItemPos,
        loc: Loc,
        name: String,
        append: bool,
        overrides: &HashMap<String, bool>,
    ) {
        let kind = "rule";
        let get = |k: &str| m.get(k);
        let str_of = |k: &str| get(k).and_then(scalar);
        let cond =
            str_of("condition").map(|s| Text::new(s, fi, p.key("condition").unwrap_or_default()));
        let priority = match str_of("priority") {
            None => None,
            Some(s) => match Priority::parse(&s) {
                Some(pr) => Some(pr),
                None => {
                    let at = p.key("priority").map_or(loc, |k| Loc {
                        file: fi,
                        line: k.line,
                        col: k.col,
                    });
                    self.err(
                        at,
                        kind,
                        &name,
                        "LOAD_ERR_YAML_VALIDATE",
                        format!(
                            "invalid priority `{s}`; expected one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, \
                             NOTICE, INFORMATIONAL (INFO), DEBUG"
                        ),
                    );
                    return;
                }
            },
        };
        let tags = match get("tags") {
            None | Some(Y::Null) => None,
            Some(Y::Sequence(s)) => Some(s.iter().filter_map(scalar).collect::<Vec<_>>()),
            Some(_) => {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`tags` must be a list".into(),
                );
                return;
            }
        };
        let enabled = match get("enabled") {
            None => None,
            Some(Y::Bool(b)) => Some(*b),
            Some(_) => {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`enabled` must be a boolean".into(),
                );
                return;
            }
        };
        let exceptions = match get("exceptions") {
            None | Some(Y::Null) => None,
            Some(Y::Sequence(s)) => {
                let mut v = Vec::new();
                for e in s {
                    match parse_exception(e) {
                        Ok(x) => v.push(x),
                        Err(msg) => {
                            self.err(loc, kind, &name, "LOAD_ERR_YAML_VALIDATE", msg);
                            return;
                        }
                    }
                }
                Some(v)
            }
            Some(_) => {
                self.err(
                    loc,
                    kind,
                    &name,
                    "LOAD_ERR_YAML_VALIDATE",
                    "`exceptions` must be a list".into(),
                );
                return;
            }
        };
        let output = str_of("output");
        let desc = str_of("desc");
        let output_loc = p.key("output").map_or(loc, |k| Loc {
            file: fi,
            line: k.line,
            col: k.col,
        });
        let existing = self.names.rules.get(&name).copied();
        let is_change = append || !overrides.is_empty();
        // A bare `- rule: X / enabled: false` toggles an existing rule (Falco keeps this legacy form).
        let only_enabled = cond.is_none() && output.is_none() && !is_change && enabled.is_some();
        if is_change || only_enabled {
            let Some(i) = existing else {
                self.undefined(loc, kind, &name);
                return;
            };
            let mode = |k: &str| -> Option<bool> {
                if append {
                    // https://falco.org/docs/reference/rules/rule-fields/: `append: true` adds conditions and/or
                    // exceptions.
                    matches!(k, "condition" | "exceptions").then_some(true)
                } else {
                    overrides.get(k).copied()
                }
            };
            let mut r = self.defs.rules[i].clone();
            if only_enabled {
                r.enabled = enabled.unwrap_or(r.enabled);
            }
            if let Some(c) = cond {
                match mode("condition") {
                    Some(true) => r.cond.append(&c),
                    Some(false) => r.cond = c,
                    None => {}
                }
            }
            if let Some(o) = output {
                match mode("output") {
                    Some(true) => {
                        r.output.push(' ');
                        r.output.push_str(&o);
                    }
                    Some(false) => {
                        r.output = o;
                        r.output_loc = output_loc;
                    }
                    None => {}
                }
            }
            if let Some(d) = desc {
                match mode("desc") {
                    Some(true) => {
                        r.desc.push(' ');
                        r.desc.push_str(&d);
                    }
                    Some(false) => r.desc = d,
                    None => {}
                }
            }
            if let Some(t) = tags {
                match mode("tags") {
                    Some(true) => r.tags.extend(t),
                    Some(false) => r.tags = t,
                    None => {}
                }
            }
            if let (Some(pr), Some(false)) = (priority, mode("priority")) {
                r.priority = pr;
            }
            if let (Some(e), Some(false)) = (enabled, mode("enabled")) {
                r.enabled = e;
            }
            if let (Some(Y::Bool(w)), Some(false)) = (get("warn_evttypes"), mode("warn_evttypes")) {
                r.warn_evttypes = *w;
            }
            if let (Some(Y::Bool(w)), Some(false)) = (
                get("skip-if-unknown-filter"),
                mode("skip-if-unknown-filter"),
            ) {
                r.skip_unknown_filter = *w;
            }
            if let Some(ex) = exceptions {
                match mode("exceptions") {
                    Some(true) => {
                        for e in ex {
                            // Appending to an exception of the same name adds its values.
                            if let Some(old) = r.exceptions.iter_mut().find(|o| o.name == e.name) {
                                old.values.extend(e.values);
                            } else {
                                r.exceptions.push(e);
                            }
                        }
                    }
                    Some(false) => r.exceptions = ex,
                    None => {}
                }
            }
            self.defs.rules[i] = r;
            return;
        }
        let mut missing = Vec::new();
        for k in ["condition", "output", "desc", "priority"] {
            if get(k).is_none() {
                missing.push(k);
            }
        }
        if !missing.is_empty() {
            self.err(
                loc,
                kind,
                &name,
                "LOAD_ERR_YAML_VALIDATE",
                format!(
                    "missing {}",
                    missing
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return;
        }
        let source = str_of("source").unwrap_or_else(|| "syscall".to_string());
        let rule = RuleDef {
            name,
            loc,
            cond: cond.unwrap_or_default(),
            output: output.unwrap_or_default(),
            output_loc,
            desc: desc.unwrap_or_default(),
            priority: priority.unwrap_or(Priority::Debug),
            tags: tags.unwrap_or_default(),
            source,
            enabled: enabled.unwrap_or(true),
            exceptions: exceptions.unwrap_or_default(),
            warn_evttypes: !matches!(get("warn_evttypes"), Some(Y::Bool(false))),
            skip_unknown_filter: matches!(get("skip-if-unknown-filter"), Some(Y::Bool(true))),
        };
        match existing {
            Some(i) => self.defs.rules[i] = rule,
            None => {
                self.names
                    .rules
                    .insert(rule.name.clone(), self.defs.rules.len());
                self.defs.rules.push(rule);
            }
        }
    }
}

fn parse_exception(e: &Y) -> Result<ExceptionDef, String> {
    let Y::Mapping(m) = e else {
        return Err("each exception must be a mapping".into());
    };
    let name = m
        .get("name")
        .and_then(scalar)
        .ok_or("an exception needs a `name`")?;
    let (fields, single) = match m.get("fields") {
        Some(Y::Sequence(s)) => (s.iter().filter_map(scalar).collect::<Vec<_>>(), false),
        Some(v) => match scalar(v) {
            Some(f) => (vec![f], true),
            None => {
                return Err(format!(
                    "exception `{name}`: `fields` must be a field or a list of fields"
                ));
            }
        },
        None => (Vec::new(), false),
    };
    let comps = match m.get("comps") {
        Some(Y::Sequence(s)) => s.iter().filter_map(scalar).collect::<Vec<_>>(),
        Some(v) => vec![scalar(v).ok_or(format!("exception `{name}`: bad `comps`"))?],
        None if single => vec!["in".to_string()],
        None => vec!["=".to_string(); fields.len()],
    };
    if comps.len() != fields.len() {
        return Err(format!(
            "exception `{name}`: {} field(s) but {} comparison(s)",
            fields.len(),
            comps.len()
        ));
    }
    let mut values = Vec::new();
    match m.get("values") {
        None | Some(Y::Null) => {}
        Some(Y::Sequence(s)) => {
            for v in s {
                if single {
                    // Single-field form: each value is one item of the list compared with `comps`.
                    let one =
                        scalar(v).ok_or(format!("exception `{name}`: values must be scalars"))?;
                    values.push(vec![ExValue::One(one)]);
                    continue;
                }
                let Y::Sequence(tuple) = v else {
                    return Err(format!(
                        "exception `{name}`: each value must be a list (a tuple of the fields)"
                    ));
                };
                // Without `fields` the item only appends values to an exception of the same name.
                if !fields.is_empty() && tuple.len() != fields.len() {
                    return Err(format!(
                        "exception `{name}`: a value tuple has {} item(s) for {} field(s)",
                        tuple.len(),
                        fields.len()
                    ));
                }
                let mut t = Vec::new();
                for x in tuple {
                    t.push(match x {
                        Y::Sequence(xs) => ExValue::Many(xs.iter().filter_map(scalar).collect()),
                        _ => {
                            ExValue::One(scalar(x).ok_or(format!("exception `{name}`: bad value"))?)
                        }
                    });
                }
                values.push(t);
            }
        }
        Some(_) => return Err(format!("exception `{name}`: `values` must be a list")),
    }
    Ok(ExceptionDef {
        name,
        fields,
        single,
        comps,
        values,
    })
}
