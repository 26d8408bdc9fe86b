//! What the three engines share: the stage annotation, the object under review, result building.

use std::borrow::Cow;
use std::collections::BTreeSet;

use bulwark_policy::{Action, EngineError, Outcome, RawDocument, RuleResult, Stage, Subject};
use serde_json::Value as Json;

/// The annotation (on a policy, constraint or template; as a `# policy.bulwark.dev/stages: …` comment in a
/// `.rego` file) that restricts a document to some stages: `"deploy,build"`. Without it, a document applies at
/// every stage.
pub const STAGES_ANNOTATION: &str = "policy.bulwark.dev/stages";

/// The stages a document applies at; `None` = all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Stages(Option<BTreeSet<Stage>>);

impl Stages {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for s in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            set.insert(
                s.parse::<Stage>()
                    .map_err(|e| format!("annotation {STAGES_ANNOTATION}: {e}"))?,
            );
        }
        if set.is_empty() {
            return Err(format!("annotation {STAGES_ANNOTATION} names no stage"));
        }
        Ok(Self(Some(set)))
    }

    /// From `metadata.annotations` of a Kubernetes-style document.
    pub(crate) fn of(doc: &RawDocument) -> Result<Self, EngineError> {
        let Some(v) = doc
            .value
            .as_ref()
            .and_then(|v| v.pointer("/metadata/annotations"))
            .and_then(|a| a.get(STAGES_ANNOTATION))
        else {
            return Ok(Self::default());
        };
        let text = v.as_str().unwrap_or_default();
        Self::parse(text).map_err(|message| error(doc, message))
    }

    pub(crate) fn applies(&self, stage: Stage) -> bool {
        self.0.as_ref().is_none_or(|s| s.contains(&stage))
    }
}

/// An error about a document: its file, line and `Kind name`.
pub(crate) fn error(doc: &RawDocument, message: String) -> EngineError {
    EngineError {
        file: doc.file.clone(),
        line: doc.line,
        policy: doc_policy(doc),
        message,
    }
}

/// `Kind name` of a document (`ValidatingAdmissionPolicy replicas`).
pub(crate) fn doc_policy(doc: &RawDocument) -> String {
    match &doc.name {
        Some(n) => format!("{} {n}", doc.kind),
        None => doc.kind.clone(),
    }
}

/// Documents are known by (file, line): unique within a bundle.
pub(crate) type DocKey = (String, u32);

pub(crate) fn key(doc: &RawDocument) -> DocKey {
    (doc.file.clone(), doc.line)
}

/// The documents given are the ones this engine accepted from the same bundle.
pub(crate) fn check_docs(
    engine: &str,
    accepted: &BTreeSet<DocKey>,
    docs: &[&RawDocument],
) -> Result<(), EngineError> {
    match docs.iter().find(|d| !accepted.contains(&key(d))) {
        None => Ok(()),
        Some(d) => Err(error(
            d,
            format!("the {engine} engine was not built from this bundle (document not compiled)"),
        )),
    }
}

/// The object under review, taken from the subject: a Kubernetes object, or the request of an
/// `admission.k8s.io` `AdmissionReview` (its object, or its old object on DELETE).
pub(crate) struct Review<'a> {
    /// What the subject carried, as given (Gatekeeper builds its review from it).
    pub(crate) raw: &'a Json,
    /// The object policies judge (a DELETE's old object), with the request's namespace filled in when the
    /// object's metadata has none.
    pub(crate) object: Cow<'a, Json>,
    pub(crate) old_object: Option<&'a Json>,
    pub(crate) operation: Option<&'a str>,
    pub(crate) user_info: Option<&'a Json>,
    /// `Kind/namespace/name` (`Kind/name` when cluster-scoped).
    pub(crate) resource: String,
}

impl<'a> Review<'a> {
    pub(crate) fn of(subject: &Subject<'a>) -> Option<Self> {
        let raw = subject.object?;
        let is_review = raw.get("kind").and_then(Json::as_str) == Some("AdmissionReview")
            && raw
                .get("apiVersion")
                .and_then(Json::as_str)
                .is_some_and(|a| a.starts_with("admission.k8s.io/"));
        let nonnull = |v: Option<&'a Json>| v.filter(|v| !v.is_null());
        let (object, old_object, operation, user_info, req_ns) = if is_review {
            let req = raw.get("request")?;
            let obj = nonnull(req.get("object"));
            let old = nonnull(req.get("oldObject"));
            (
                obj.or(old)?,
                old,
                req.get("operation").and_then(Json::as_str),
                nonnull(req.get("userInfo")),
                req.get("namespace").and_then(Json::as_str),
            )
        } else {
            (raw, None, None, None, None)
        };
        let object = match req_ns {
            Some(ns)
                if !ns.is_empty()
                    && object.pointer("/metadata/namespace").is_none()
                    && object.get("metadata").is_some_and(Json::is_object) =>
            {
                let mut o = object.clone();
                o["metadata"]["namespace"] = Json::String(ns.to_string());
                Cow::Owned(o)
            }
            _ => Cow::Borrowed(object),
        };
        let resource = resource_of(&object);
        Some(Self {
            raw,
            object,
            old_object,
            operation,
            user_info,
            resource,
        })
    }
}

/// `Kind/namespace/name`, as [`Subject::object_resource`] writes it.
pub(crate) fn resource_of(o: &Json) -> String {
    let s = |p: &str| o.pointer(p).and_then(Json::as_str);
    let kind = s("/kind").unwrap_or("Object");
    let name = s("/metadata/name")
        .or_else(|| s("/metadata/generateName"))
        .unwrap_or("");
    match s("/metadata/namespace") {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

/// A result with nothing decided yet.
pub(crate) fn result(
    engine: &str,
    rule: &str,
    source: String,
    description: String,
    action: Action,
) -> RuleResult {
    RuleResult {
        rule: rule.to_string(),
        engine: engine.to_string(),
        policy_set: None,
        source: Some(source),
        description,
        action,
        outcome: Outcome::Skip,
        message: None,
        hits: Vec::new(),
        excepted: Vec::new(),
    }
}

pub(crate) fn skip(mut r: RuleResult, why: impl Into<String>) -> RuleResult {
    r.outcome = Outcome::Skip;
    r.message = Some(why.into());
    r
}

pub(crate) fn not_at_stage(r: RuleResult, stage: Stage) -> RuleResult {
    skip(r, format!("not applied at the {stage} stage"))
}

pub(crate) const NO_OBJECT: &str = "the subject has no Kubernetes object";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_annotations() {
        let s = Stages::parse(" deploy, Build ").unwrap();
        assert!(s.applies(Stage::Deploy) && s.applies(Stage::Build));
        assert!(!s.applies(Stage::Release));
        assert!(Stages::default().applies(Stage::Runtime));
        assert!(Stages::parse("deploy,ship").unwrap_err().contains("ship"));
        assert!(Stages::parse(" , ").is_err());
    }

    #[test]
    fn resources_name_kind_namespace_and_name() {
        let o = serde_json::json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "a"}});
        assert_eq!(resource_of(&o), "Pod/a/p");
        let o = serde_json::json!({"kind": "Namespace", "metadata": {"name": "a"}});
        assert_eq!(resource_of(&o), "Namespace/a");
    }
}
