//! Alerts as findings of the one report model (`FindingKind::Runtime`), so that every output Bulwark writes —
//! JSON, SARIF, JUnit, PolicyReport, HTML, CSV, the table — and the compliance evidence take runtime alerts the
//! way they take any finding.
//!
//! The finding id is the rule name (Falco users know rules by name; rule names are unique in a ruleset). The
//! severity follows the priority as falcosidekick's outputs map it to their severities: EMERGENCY, ALERT and
//! CRITICAL are critical, ERROR high, WARNING medium, NOTICE low, INFORMATIONAL and DEBUG info. The location is the
//! pod (`Pod/<namespace>/<name>`) when the alert names one, so a PolicyReport puts it in its namespace's report.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde_json::Value;

use crate::enforce::Subject;
use crate::rules::{Alert, Priority};

/// The finding severity of a rule priority.
#[must_use]
pub fn severity(p: Priority) -> Severity {
    match p {
        Priority::Emergency | Priority::Alert | Priority::Critical => Severity::Critical,
        Priority::Error => Severity::High,
        Priority::Warning => Severity::Medium,
        Priority::Notice => Severity::Low,
        Priority::Informational | Priority::Debug => Severity::Info,
    }
}

/// The subject an alert names through its output fields, for alerts whose source gave no better one: the
/// k8saudit target (`ka.target.namespace`, `ka.target.name` when the resource is `pods`) or the syscall
/// source's Kubernetes fields (`k8s.ns.name`, `k8s.pod.name`, `container.image.digest`).
#[must_use]
pub fn subject_from_fields(alert: &Alert) -> Subject {
    let s = |k: &str| {
        alert
            .output_fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut out = Subject {
        namespace: s("k8s.ns.name"),
        pod: s("k8s.pod.name"),
        ..Subject::default()
    };
    if out.namespace.is_empty() {
        out.namespace = s("ka.target.namespace");
        if s("ka.target.resource") == "pods" {
            out.pod = s("ka.target.name");
        }
    }
    out.image_digest = s("container.image.digest");
    out
}

/// One alert as a finding.
#[must_use]
pub fn alert_finding(alert: &Alert, subject: &Subject) -> Finding {
    let mut properties = BTreeMap::new();
    properties.insert(
        "priority".to_string(),
        Value::from(alert.priority.as_falco()),
    );
    properties.insert("source".to_string(), Value::from(alert.source.clone()));
    properties.insert("timeNs".to_string(), Value::from(alert.time_ns));
    if !alert.tags.is_empty() {
        properties.insert("tags".to_string(), Value::from(alert.tags.clone()));
    }
    properties.insert(
        "outputFields".to_string(),
        Value::Object(
            alert
                .output_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
    );
    for (k, v) in [
        ("namespace", &subject.namespace),
        ("pod", &subject.pod),
        ("workloadKind", &subject.workload_kind),
        ("workloadName", &subject.workload_name),
        ("imageDigest", &subject.image_digest),
    ] {
        if !v.is_empty() {
            properties.insert(k.to_string(), Value::from(v.clone()));
        }
    }
    let resource = match (subject.namespace.is_empty(), subject.pod.is_empty()) {
        (false, false) => Some(format!("Pod/{}/{}", subject.namespace, subject.pod)),
        (false, true) => Some(format!("Namespace/{}", subject.namespace)),
        _ => None,
    };
    Finding {
        kind: FindingKind::Runtime,
        id: Cow::Owned(alert.rule.clone()),
        name: None,
        severity: severity(alert.priority),
        title: Cow::Owned(alert.rule.clone()),
        message: alert.output.as_str().into(),
        location: Location {
            resource: resource.map(Into::into),
            ..Location::default()
        },
        evidence: Some(alert.output.clone()),
        references: Vec::new(),
        properties,
        shared_properties: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_alert_lands_on_its_pod_with_falcos_priority_mapping() {
        let mut fields = BTreeMap::new();
        for (k, v) in [
            ("ka.target.namespace", "default"),
            ("ka.target.resource", "pods"),
            ("ka.target.name", "nginx"),
        ] {
            fields.insert(k.to_string(), Value::from(v));
        }
        let alert = Alert {
            rule: "Attach/Exec Pod".into(),
            priority: Priority::Notice,
            source: "k8s_audit".into(),
            time_ns: 1,
            output: "Attach/Exec to pod (user=admin pod=nginx)".into(),
            output_fields: fields,
            tags: vec!["k8s".into()],
        };
        let subject = subject_from_fields(&alert);
        assert_eq!(
            (subject.namespace.as_str(), subject.pod.as_str()),
            ("default", "nginx")
        );
        let f = alert_finding(&alert, &subject);
        assert_eq!(f.kind, FindingKind::Runtime);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.location.resource.as_deref(), Some("Pod/default/nginx"));
        assert_eq!(f.property("priority"), Some(&Value::from("Notice")));
        assert_eq!(severity(Priority::Critical), Severity::Critical);
        assert_eq!(severity(Priority::Debug), Severity::Info);
    }
}
