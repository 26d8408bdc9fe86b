//! The rule interface: metadata, the checking context handed to each rule, and helpers for typed field access.

use bulwark_types::Severity;

use crate::model::{Cluster, Container, Object, expect};
use crate::pss::{Level, Version};
use crate::yaml::{Doc, Kind, NodeId};

/// Which objects a rule looks at.
#[derive(Debug, Clone, Copy)]
pub enum Targets {
    /// Every object with a pod template.
    Workloads,
    /// Objects of these kinds.
    Kinds(&'static [&'static str]),
    /// Every object with an `apiVersion` and a `kind`, including kinds the model does not know.
    All,
    /// Every object with a pod template, and objects of these kinds.
    WorkloadsAnd(&'static [&'static str]),
}

impl Targets {
    /// Whether a rule with these targets checks an object. Kinds match on [`Object::rule_kind`], and a custom
    /// workload (an unknown kind with a pod template, e.g. `DeploymentConfig`) also matches on its own kind when
    /// that is not a core kind's name (a Knative `Service` is not a core `Service`).
    ///
    /// [`Object::rule_kind`]: crate::model::Object::rule_kind
    #[must_use]
    pub fn applies(self, o: &crate::model::Object<'_>) -> bool {
        let workload = o.pod.is_some();
        let kind = o.rule_kind();
        let named = |ks: &[&str]| {
            ks.contains(&kind)
                || (workload
                    && !o.known
                    && !crate::model::KNOWN_KINDS.contains(&o.kind.as_str())
                    && ks.contains(&o.kind.as_str()))
        };
        match self {
            Targets::Workloads => workload,
            Targets::Kinds(ks) => named(ks),
            Targets::WorkloadsAnd(ks) => workload || named(ks),
            Targets::All => true,
        }
    }
}

/// A Pod Security Standards control.
#[derive(Debug, Clone, Copy)]
pub struct PssControl {
    pub level: Level,
    /// The control's name in the PSS page.
    pub control: &'static str,
    /// First policy version that defines the control.
    pub since: Version,
}

/// Everything about a rule except its logic.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, never reused (`BW-K8S-0001`).
    pub id: &'static str,
    /// Kebab-case name of the pattern it flags.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub targets: Targets,
    pub pss: Option<PssControl>,
    /// CIS Kubernetes Benchmark v1.9.0 section 5 recommendation ids.
    pub cis: &'static [&'static str],
    /// NSA/CISA Kubernetes Hardening Guide v1.2 sections.
    pub nsa: &'static [&'static str],
    /// NIST SP 800-190 sections.
    pub nist: &'static [&'static str],
    /// PCI DSS v4.0 requirements.
    pub pci: &'static [&'static str],
    /// The rule's `mod.rs` source; its `//!` lines are the user docs.
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
}

/// A rule. Rules are unit structs listed in [`crate::rules::RULES`].
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Checks one object; called only for objects matching [`RuleMeta::targets`].
    fn check(&self, cx: &mut Cx<'_, '_>);
}

/// One raw result of a rule, turned into a `Finding` by the engine.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static RuleMeta,
    pub node: NodeId,
    pub message: String,
    /// PSS level this particular hit violates, when it differs from the rule's (procMount under user namespaces).
    pub level: Option<Level>,
}

/// What a rule sees while checking one object.
pub struct Cx<'a, 'o> {
    pub obj: &'a Object<'o>,
    pub doc: &'o Doc,
    pub cluster: &'a Cluster,
    /// The PSS version in force for this object (the Namespace's enforce-version, else `--pss-version`).
    pub version: Version,
    /// The Kubernetes version the manifests target (`--k8s-version`).
    pub k8s_version: Version,
    pub(crate) rule: &'static RuleMeta,
    pub(crate) hits: Vec<Hit>,
    pub(crate) problems: Vec<crate::model::TypeProblem>,
}

impl<'o> Cx<'_, 'o> {
    /// Reports the current rule at `node`.
    pub fn report(&mut self, node: NodeId, message: impl Into<String>) {
        self.hits.push(Hit {
            rule: self.rule,
            node,
            message: message.into(),
            level: None,
        });
    }

    /// Reports with an explicit PSS level.
    pub fn report_level(&mut self, node: NodeId, level: Level, message: impl Into<String>) {
        self.hits.push(Hit {
            rule: self.rule,
            node,
            message: message.into(),
            level: Some(level),
        });
    }

    /// A boolean field: `(key node, value)`. A present non-boolean is a type diagnostic.
    pub fn flag(&mut self, map: Option<NodeId>, key: &str) -> Option<(NodeId, bool)> {
        let (k, v) = self.doc.get_entry(map?, key)?;
        let v = expect(self.doc, v, Kind::Bool, key, &mut self.problems)?;
        Some((k, self.doc.bool(v)?))
    }

    /// An integer field: `(key node, value)`.
    pub fn int(&mut self, map: Option<NodeId>, key: &str) -> Option<(NodeId, i64)> {
        let (k, v) = self.doc.get_entry(map?, key)?;
        if self.doc.kind(v) == Kind::Float {
            return self.doc.int(v).map(|i| (k, i));
        }
        let v = expect(self.doc, v, Kind::Int, key, &mut self.problems)?;
        Some((k, self.doc.int(v)?))
    }

    /// A string field: `(key node, value)`. Plain scalars that resolve to other types are accepted as text
    /// (`type: 0` is unusual but the API server would reject it, not us).
    pub fn string(&mut self, map: Option<NodeId>, key: &str) -> Option<(NodeId, &'o str)> {
        let (k, v) = self.doc.get_entry(map?, key)?;
        match self.doc.kind(v) {
            Kind::Map | Kind::Seq => {
                expect(self.doc, v, Kind::Str, key, &mut self.problems);
                None
            }
            Kind::Null => None,
            _ => Some((k, self.doc.text(v)?)),
        }
    }

    /// A mapping field: `(key node, mapping node)`.
    pub fn map(&mut self, map: Option<NodeId>, key: &str) -> Option<(NodeId, NodeId)> {
        let (k, v) = self.doc.get_entry(map?, key)?;
        let v = expect(self.doc, v, Kind::Map, key, &mut self.problems)?;
        Some((k, v))
    }

    /// A list field: `(key node, items)`.
    pub fn list(&mut self, map: Option<NodeId>, key: &str) -> Option<(NodeId, &'o [NodeId])> {
        let (k, v) = self.doc.get_entry(map?, key)?;
        let v = expect(self.doc, v, Kind::Seq, key, &mut self.problems)?;
        Some((k, self.doc.items(v)))
    }
}

/// Formats a container reference for messages: `container "web"` / `init container "setup"`.
#[must_use]
pub fn describe(c: &Container) -> String {
    match c.class {
        crate::model::ContainerClass::Init => format!("init container \"{}\"", c.name),
        crate::model::ContainerClass::Regular => format!("container \"{}\"", c.name),
        crate::model::ContainerClass::Ephemeral => format!("ephemeral container \"{}\"", c.name),
    }
}
