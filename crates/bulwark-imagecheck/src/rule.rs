//! The rule interface: metadata, the check function, and the contexts handed to checks.

use std::collections::BTreeMap;

use bulwark_source::{ImageConfig, ImageFs};
use bulwark_types::{Finding, FindingKind, LayerRef, Location, Severity};

use crate::dockerfile::{Dockerfile, Instruction, SourceText};
use crate::{DockerfileCheckOptions, ImageCheckOptions};

/// Everything about a rule except its logic.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused: `BW-IMG-0001` (image), `BW-DF-0001` (Dockerfile).
    pub id: &'static str,
    /// Kebab-case name of the pattern it flags.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub kind: FindingKind,
    /// CIS Docker Benchmark v1.6.0 recommendation ids that honestly apply.
    pub cis: &'static [&'static str],
    /// The rule's `mod.rs`; its `//!` lines are the user docs.
    pub source: &'static str,
}

impl RuleMeta {
    /// The user docs: the `//!` comment at the top of the rule's `mod.rs`.
    #[must_use]
    pub fn docs(&self) -> String {
        let mut s = String::new();
        for l in self.source.lines() {
            let Some(rest) = l.strip_prefix("//!") else {
                break;
            };
            s.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            s.push('\n');
        }
        s
    }

    pub(crate) fn finding(&'static self, message: String, location: Location) -> Finding {
        let mut properties = BTreeMap::new();
        if !self.cis.is_empty() {
            properties.insert(
                "cisDocker".to_string(),
                serde_json::Value::from(self.cis.to_vec()),
            );
        }
        Finding {
            kind: self.kind,
            id: self.id.to_string().into(),
            name: Some(self.name.to_string().into()),
            severity: self.severity,
            title: self.title.to_string().into(),
            message: message.into(),
            location,
            evidence: None,
            references: Vec::new(),
            shared_properties: None,
            properties,
        }
    }
}

/// What a rule checks.
pub(crate) enum Check {
    Image(fn(&ImageCx<'_>, &mut Vec<Finding>)),
    Dockerfile(fn(&DfCx<'_>, &mut Vec<Finding>)),
    /// The file-access policy runs only through [`crate::check_file_access`].
    FileAccess,
}

/// A rule: metadata plus its check. Rules are statics listed in [`crate::rules::RULES`].
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub(crate) check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.meta.id)
            .finish_non_exhaustive()
    }
}

/// What image rules see.
pub(crate) struct ImageCx<'a> {
    pub(crate) config: &'a ImageConfig,
    pub(crate) fs: &'a ImageFs,
    pub(crate) layers: &'a [LayerRef],
    pub(crate) opts: &'a ImageCheckOptions,
}

impl ImageCx<'_> {
    /// A field of the config's `config` object (`User`, `Env`, …).
    pub(crate) fn field(&self, name: &str) -> Option<&serde_json::Value> {
        self.config.config.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn config_location(field: &str) -> Location {
        Location {
            resource: Some(format!("config.{field}").into()),
            ..Location::default()
        }
    }

    pub(crate) fn file_location(&self, path: &str, layer: usize) -> Location {
        Location {
            path: Some(format!("/{}", path.trim_start_matches('/')).into()),
            layer: self.layers.get(layer).cloned().map(Box::new),
            ..Location::default()
        }
    }

    /// History entries with the layer each non-empty one created.
    pub(crate) fn history(&self) -> Vec<(usize, &bulwark_source::History, Option<usize>)> {
        let mut layer = 0;
        let mut out = Vec::new();
        for (i, h) in self.config.history.iter().enumerate() {
            let l = if h.empty_layer {
                None
            } else {
                layer += 1;
                Some(layer - 1)
            };
            out.push((i, h, l.filter(|&l| l < self.layers.len())));
        }
        out
    }
}

/// What Dockerfile rules see.
pub(crate) struct DfCx<'a> {
    pub(crate) path: &'a str,
    pub(crate) df: &'a Dockerfile,
    #[allow(dead_code)] // for rules with options
    pub(crate) opts: &'a DockerfileCheckOptions,
}

impl DfCx<'_> {
    /// A location at the instruction (its first to last line).
    pub(crate) fn at(&self, ins: &Instruction) -> Location {
        Location {
            path: Some(self.path.to_string().into()),
            line: Some(ins.line),
            end_line: (ins.end_line > ins.line).then_some(ins.end_line),
            ..Location::default()
        }
    }

    /// A location at the exact line and column of an offset in a text of the instruction.
    pub(crate) fn at_offset(&self, src: &SourceText, offset: usize) -> Location {
        let (line, column) = src.position(offset);
        Location {
            path: Some(self.path.to_string().into()),
            line: Some(line),
            column: Some(column),
            ..Location::default()
        }
    }

    /// A finding at `loc`, noting the instruction's first line when the token sits on a later one.
    #[allow(clippy::unused_self)] // called as `cx.report(…)` like the other location helpers
    pub(crate) fn report(
        &self,
        meta: &'static RuleMeta,
        ins: &Instruction,
        loc: Location,
        message: String,
        evidence: Option<String>,
        out: &mut Vec<Finding>,
    ) {
        let mut f = meta.finding(message, loc);
        f.evidence = evidence;
        f.properties.insert(
            "instructionLine".to_string(),
            serde_json::Value::from(ins.line),
        );
        f.properties.insert(
            "instruction".to_string(),
            serde_json::Value::from(ins.keyword.clone()),
        );
        if let Some(s) = ins.stage {
            f.properties
                .insert("stage".to_string(), serde_json::Value::from(s));
        }
        out.push(f);
    }
}
