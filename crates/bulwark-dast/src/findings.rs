//! Alerts as findings of the one report model (`FindingKind::Dast`), so SARIF, JUnit, the Bulwark report, policy
//! and owners routing take them as any finding.
//!
//! - id `ZAP-<alertRef>`: `ZAP-10021`, or `ZAP-10020-1` for a rule's variant alert (exceptions can glob
//!   `ZAP-10020*`);
//! - severity from ZAP's risk: High → high, Medium → medium, Low → low, Informational → info;
//! - location: `resource` is the alert's URL, or, when the URL belongs to a preview target, that target's
//!   `Ingress/<ns>/<name>` (else its `Service/<ns>/<name>`), the URL staying in the properties;
//! - properties: `pluginId`, `alertRef`, `confidence`, `cwe`, `wasc`, `url`, `method`, `param`, `evidence`, and
//!   for a preview target `namespace`, `ingress`, `service`, `workloads`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde_json::Value;

use crate::preview::PreviewTarget;
use crate::rules::{Alert, Risk, RuleInfo};

/// The finding severity of a ZAP risk.
#[must_use]
pub fn severity(risk: Risk) -> Severity {
    match risk {
        Risk::High => Severity::High,
        Risk::Medium => Severity::Medium,
        Risk::Low => Severity::Low,
        Risk::Informational => Severity::Info,
    }
}

/// One alert as a finding. `info` is the rule's (for the description, solution and references when the alert
/// has none of its own); `target` the preview target that served the URL, when scanning a namespace.
#[must_use]
pub fn alert_finding(
    alert: &Alert,
    info: Option<&RuleInfo>,
    target: Option<&PreviewTarget>,
) -> Finding {
    let mut p = BTreeMap::new();
    let mut put = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    put("pluginId", Value::from(alert.plugin_id));
    put("alertRef", Value::from(alert.alert_ref.clone()));
    put("confidence", Value::from(alert.confidence.as_str()));
    put("risk", Value::from(alert.risk.as_str()));
    if alert.cwe > 0 {
        put("cwe", Value::from(alert.cwe));
    }
    if alert.wasc > 0 {
        put("wasc", Value::from(alert.wasc));
    }
    put("url", Value::from(alert.url.clone()));
    put("method", Value::from(alert.method.clone()));
    for (k, v) in [
        ("param", &alert.param),
        ("attack", &alert.attack),
        ("evidence", &alert.evidence),
        ("otherInfo", &alert.other_info),
    ] {
        if !v.is_empty() {
            put(k, Value::from(v.clone()));
        }
    }
    let mut resource = alert.url.clone();
    if let Some(t) = target {
        put("namespace", Value::from(t.namespace.clone()));
        if let Some(i) = &t.ingress {
            put("ingress", Value::from(i.clone()));
        }
        if let Some(s) = &t.service {
            put("service", Value::from(s.clone()));
        }
        if !t.workloads.is_empty() {
            put("workloads", Value::from(t.workloads.clone()));
        }
        if let Some(r) = t.ingress.as_ref().or(t.service.as_ref()) {
            resource.clone_from(r);
        }
    }
    let description = if alert.description.is_empty() {
        info.map_or("", |i| i.description)
    } else {
        &alert.description
    };
    let solution = if alert.solution.is_empty() {
        info.map_or("", |i| i.solution)
    } else {
        &alert.solution
    };
    let mut message = format!("{} at {}", alert.name, alert.url);
    if !description.is_empty() {
        message.push_str(": ");
        message.push_str(description);
    }
    if !solution.is_empty() {
        put("solution", Value::from(solution));
    }
    let mut references: Vec<String> = info
        .map(|i| i.references.iter().map(|r| (*r).to_string()).collect())
        .unwrap_or_default();
    references.push(format!(
        "https://www.zaproxy.org/docs/alerts/{}/",
        alert.plugin_id
    ));
    Finding {
        kind: FindingKind::Dast,
        id: Cow::Owned(format!("ZAP-{}", alert.alert_ref)),
        name: info.map(|i| Cow::Owned(kebab(i.name))),
        severity: severity(alert.risk),
        title: Cow::Owned(alert.name.clone()),
        message: message.into(),
        location: Location {
            resource: Some(resource.into()),
            ..Location::default()
        },
        evidence: (!alert.evidence.is_empty()).then(|| alert.evidence.clone()),
        references,
        properties: p,
        shared_properties: None,
    }
}

/// Every alert as a finding; `info` finds a rule by plugin id, `target` maps an alert to its preview target.
pub fn findings<'a>(
    alerts: &[Alert],
    info: &dyn Fn(u32) -> Option<&'a RuleInfo>,
    target: &dyn Fn(&Alert) -> Option<&'a PreviewTarget>,
) -> Vec<Finding> {
    alerts
        .iter()
        .map(|a| alert_finding(a, info(a.plugin_id), target(a)))
        .collect()
}

/// `Anti-clickjacking Header` → `anti-clickjacking-header`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Confidence, RuleStatus};

    static INFO: RuleInfo = RuleInfo {
        id: 10020,
        name: "Anti-clickjacking Header",
        status: RuleStatus::Release,
        cwe: 1021,
        wasc: 15,
        description: "The page can be framed.",
        solution: "Send frame-ancestors.",
        references: &["https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options"],
    };

    fn alert(risk: Risk) -> Alert {
        Alert {
            plugin_id: 10020,
            alert_ref: "10020-1".into(),
            name: "Missing Anti-clickjacking Header".into(),
            risk,
            confidence: Confidence::Medium,
            url: "https://pr-42.preview.test/app".into(),
            method: "GET".into(),
            param: "x-frame-options".into(),
            attack: String::new(),
            evidence: String::new(),
            other_info: String::new(),
            description: String::new(),
            solution: String::new(),
            cwe: 1021,
            wasc: 15,
        }
    }

    #[test]
    fn severity_from_risk() {
        for (risk, sev) in [
            (Risk::High, Severity::High),
            (Risk::Medium, Severity::Medium),
            (Risk::Low, Severity::Low),
            (Risk::Informational, Severity::Info),
        ] {
            assert_eq!(alert_finding(&alert(risk), None, None).severity, sev);
        }
    }

    #[test]
    fn fields_and_properties() {
        let f = alert_finding(&alert(Risk::Medium), Some(&INFO), None);
        assert_eq!(f.kind, FindingKind::Dast);
        assert_eq!(f.id, "ZAP-10020-1");
        assert_eq!(f.name.as_deref(), Some("anti-clickjacking-header"));
        assert_eq!(f.title, "Missing Anti-clickjacking Header");
        assert_eq!(
            f.location.resource.as_deref(),
            Some("https://pr-42.preview.test/app")
        );
        assert!(f.message.contains("The page can be framed."));
        assert_eq!(f.property("pluginId"), Some(&Value::from(10020)));
        assert_eq!(f.property("alertRef"), Some(&Value::from("10020-1")));
        assert_eq!(f.property("confidence"), Some(&Value::from("Medium")));
        assert_eq!(f.property("cwe"), Some(&Value::from(1021)));
        assert_eq!(f.property("wasc"), Some(&Value::from(15)));
        assert_eq!(f.property("param"), Some(&Value::from("x-frame-options")));
        assert_eq!(f.property("evidence"), None);
        assert!(
            f.references
                .contains(&"https://www.zaproxy.org/docs/alerts/10020/".to_string())
        );
    }

    #[test]
    fn preview_target_names_the_ingress() {
        let t = PreviewTarget {
            url: "https://pr-42.preview.test/".into(),
            namespace: "preview-pr-42".into(),
            ingress: Some("Ingress/preview-pr-42/web".into()),
            service: Some("Service/preview-pr-42/web".into()),
            workloads: vec!["Deployment/preview-pr-42/web".into()],
            path: "/".into(),
            ..PreviewTarget::default()
        };
        let f = alert_finding(&alert(Risk::Medium), Some(&INFO), Some(&t));
        assert_eq!(
            f.location.resource.as_deref(),
            Some("Ingress/preview-pr-42/web")
        );
        assert_eq!(
            f.property("url"),
            Some(&Value::from("https://pr-42.preview.test/app"))
        );
        assert_eq!(
            f.property("workloads"),
            Some(&Value::from(vec!["Deployment/preview-pr-42/web"]))
        );
        let no_ingress = PreviewTarget { ingress: None, ..t };
        let f = alert_finding(&alert(Risk::Low), None, Some(&no_ingress));
        assert_eq!(
            f.location.resource.as_deref(),
            Some("Service/preview-pr-42/web")
        );
    }
}
