//! Runtime alerts (a Falco-compatible rule fired on a syscall or Kubernetes audit event) as notifications: one
//! alert per message, routed to the team that owns what the alert is about, rendered for every channel.
//!
//! An alert message travels through the same queue as a findings message: [`Message::alert`] builds a
//! [`Message`] whose `alerts` holds the alert (its `events` is empty), so the store's queue and the delivery
//! loop need nothing new, and [`crate::render`] picks the alert shapes: a CloudEvent of type
//! [`RUNTIME_ALERT_TYPE`], a Slack or Teams message, a Jira issue, an e-mail, or a Falco JSON line in
//! falcosidekick's payload shape. The channel's templates are for findings and are not used for alerts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::config::{ChannelConfig, ChannelKind, FalcoConfig};
use crate::event::{EventKind, ImageRef, Message, Summary, hex_sha256};
use crate::render::{
    CLOUDEVENTS_JSON, JIRA_MAX_SUMMARY_CHARS, JiraItem, Payload, SLACK_MAX_HEADER_CHARS,
    SLACK_MAX_SECTION_CHARS, falco_hostname, mrkdwn_escape, one_line, truncate_chars, truncated,
};

/// The CloudEvents `type` of a runtime alert.
pub const RUNTIME_ALERT_TYPE: &str = "dev.bulwark.runtime.alert";

/// Falco's priorities as its JSON output spells them, most severe first.
pub const FALCO_PRIORITIES: [&str; 8] = [
    "Emergency",
    "Alert",
    "Critical",
    "Error",
    "Warning",
    "Notice",
    "Informational",
    "Debug",
];

/// One runtime alert, with where it happened and who owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RuntimeAlert {
    /// The rule's name.
    pub rule: String,
    /// A Falco priority name, any case (`WARNING`, `Warning`); rendered as Falco spells it.
    pub priority: String,
    /// The rule's output, formatted.
    pub output: String,
    /// The output's fields (`{"proc.exepath": "/usr/bin/curl"}`).
    #[serde(default)]
    pub output_fields: BTreeMap<String, Value>,
    /// `syscall`, `k8s_audit`.
    pub source: String,
    /// The event's time, ns since the epoch.
    pub time_ns: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The host the event came from (the node for syscalls, the server for audit events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// The image (reference and digest; either may be empty).
    #[serde(default)]
    pub image: ImageRef,
    /// `Kind/name` of the workload, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// The team the alert was routed to.
    pub team: String,
    /// Why that team: the owners rule (file:line) and what matched, in words.
    pub why: String,
    /// The alert's store dedupe key (source + event key + rule): the same alert is notified once.
    pub dedupe_key: String,
}

impl RuntimeAlert {
    /// The priority as Falco's JSON output spells it (`Warning`); an unknown name is kept as given.
    #[must_use]
    pub fn falco_priority(&self) -> String {
        let p = self.priority.trim();
        let p = if p.eq_ignore_ascii_case("info") {
            "Informational"
        } else {
            p
        };
        FALCO_PRIORITIES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(p))
            .map_or_else(|| p.to_owned(), |n| (*n).to_owned())
    }

    /// The priority's rank in [`FALCO_PRIORITIES`] (0 = Emergency), `None` for an unknown name.
    #[must_use]
    pub fn rank(&self) -> Option<usize> {
        let p = self.falco_priority();
        FALCO_PRIORITIES.iter().position(|n| *n == p)
    }

    /// The event time as Falco prints it: RFC 3339, UTC, nine fractional digits.
    #[must_use]
    pub fn time_rfc3339(&self) -> String {
        let secs = self.time_ns.div_euclid(1_000_000_000);
        let nanos = self.time_ns.rem_euclid(1_000_000_000);
        let t = bulwark_types::time::rfc3339(secs);
        format!("{}.{nanos:09}Z", t.trim_end_matches('Z'))
    }

    /// A UUID derived from the dedupe key (version 8, RFC 9562 "custom"), so a redelivery carries the same one.
    #[must_use]
    pub fn uuid(&self) -> String {
        let h = hex_sha256(&["runtime-alert-uuid", &self.dedupe_key]);
        let b = h.as_bytes();
        let s = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).unwrap_or("0");
        // Version nibble 8; variant bits 10 (first hex digit of the fourth group in 8..=b).
        let variant = u8::from_str_radix(s(16..17), 16).unwrap_or(0) & 0x3 | 0x8;
        format!(
            "{}-{}-8{}-{variant:x}{}-{}",
            s(0..8),
            s(8..12),
            s(13..16),
            s(17..20),
            s(20..32)
        )
    }

    /// `namespace/pod`, or whichever is known, or `-`.
    #[must_use]
    pub fn place(&self) -> String {
        match (&self.namespace, &self.pod) {
            (Some(n), Some(p)) => format!("{n}/{p}"),
            (Some(n), None) => n.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => "-".to_owned(),
        }
    }
}

impl Message {
    /// A message carrying one runtime alert for `alert.team`. Its dedupe key is derived from the alert's store
    /// dedupe key and the team, so the same alert queued twice is one notification.
    #[must_use]
    pub fn alert(alert: RuntimeAlert) -> Self {
        let team = alert.team.clone();
        let dedupe_key = hex_sha256(&["runtime-alert", &team, &alert.dedupe_key]);
        let mut summary = Summary {
            total: 1,
            ..Summary::default()
        };
        let label = crate::image_label(&alert.image);
        if !label.is_empty() {
            summary.images.push(label);
        }
        if let Some(w) = &alert.workload {
            summary.workloads.push(w.clone());
        }
        Self {
            team,
            events: Vec::new(),
            summary,
            dedupe_key,
            alerts: vec![alert],
        }
    }
}

/// Renders an alert message for `channel` (see the module docs for the shapes).
pub(crate) fn render_alert(
    channel: &ChannelConfig,
    message: &Message,
    a: &RuntimeAlert,
) -> Payload {
    match &channel.kind {
        ChannelKind::Webhook(w) => Payload::Json {
            content_type: CLOUDEVENTS_JSON.into(),
            body: json!({
                "specversion": "1.0",
                "id": message.dedupe_key,
                "source": w.source,
                "type": RUNTIME_ALERT_TYPE,
                "subject": a.rule,
                "time": a.time_rfc3339(),
                "datacontenttype": "application/json",
                "data": a,
            }),
        },
        ChannelKind::Slack(_) => Payload::Json {
            content_type: "application/json".into(),
            body: slack(a),
        },
        ChannelKind::Teams(_) => Payload::Json {
            content_type: "application/json".into(),
            body: teams(a),
        },
        ChannelKind::Email(_) => Payload::Email {
            subject: title(a),
            text: text(a),
            html: None,
            dedupe_key: message.dedupe_key.clone(),
        },
        ChannelKind::Jira(_) => {
            let mut summary = title(a);
            truncate_chars(&mut summary, JIRA_MAX_SUMMARY_CHARS);
            Payload::Jira {
                items: vec![JiraItem {
                    kind: EventKind::New,
                    fingerprint: hex_sha256(&["runtime-alert", &a.dedupe_key]),
                    summary,
                    text: text(a),
                }],
            }
        }
        ChannelKind::Falco(f) => Payload::Falco {
            lines: vec![falco_line(f, a)],
        },
    }
}

/// `Warning: Terminal shell in container (payments/api-7d9)`.
fn title(a: &RuntimeAlert) -> String {
    let mut t = one_line(&format!(
        "{}: {} ({})",
        a.falco_priority(),
        a.rule,
        a.place()
    ));
    truncate_chars(&mut t, MAX_TITLE_CHARS);
    t
}

const MAX_TITLE_CHARS: usize = 250;

/// The facts every channel shows, in order; unknown ones left out.
fn facts(a: &RuntimeAlert) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Rule", a.rule.clone()),
        ("Priority", a.falco_priority()),
        ("Source", a.source.clone()),
        ("Time", a.time_rfc3339()),
    ];
    let mut opt = |k: &'static str, v: &Option<String>| {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            out.push((k, v.clone()));
        }
    };
    opt("Cluster", &a.cluster);
    opt("Namespace", &a.namespace);
    opt("Pod", &a.pod);
    opt("Workload", &a.workload);
    opt("Host", &a.hostname);
    let image = crate::image_label(&a.image);
    if !image.is_empty() {
        out.push(("Image", image));
    }
    if !a.tags.is_empty() {
        out.push(("Tags", a.tags.join(", ")));
    }
    out.push(("Team", a.team.clone()));
    out.push(("Why", a.why.clone()));
    out
}

/// Plain text: the output, the facts, the output fields, the dedupe key.
fn text(a: &RuntimeAlert) -> String {
    let mut s = format!("{}\n\n", a.output.trim());
    for (k, v) in facts(a) {
        let _ = writeln!(s, "{k}: {v}");
    }
    if !a.output_fields.is_empty() {
        s.push_str("\nFields:\n");
        for (k, v) in &a.output_fields {
            let v = match v {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(s, "  {k} = {v}");
        }
    }
    let _ = writeln!(s, "\nAlert key: {}", a.dedupe_key);
    s
}

/// A Slack message: header, the output, the facts as section fields (at most 10 per section, Block Kit).
fn slack(a: &RuntimeAlert) -> Value {
    let mut header = title(a);
    truncate_chars(&mut header, SLACK_MAX_HEADER_CHARS);
    let mut output = mrkdwn_escape(a.output.trim());
    truncate_chars(&mut output, SLACK_MAX_SECTION_CHARS - 8);
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("```{output}```")}}),
    ];
    let fields: Vec<Value> = facts(a)
        .into_iter()
        .map(|(k, v)| {
            let mut t = format!("*{k}*\n{}", mrkdwn_escape(&v));
            // A section field's text holds at most 2000 characters.
            truncate_chars(&mut t, 2000);
            json!({"type": "mrkdwn", "text": t})
        })
        .collect();
    for chunk in fields.chunks(10) {
        blocks.push(json!({"type": "section", "fields": chunk}));
    }
    let mut fallback = title(a);
    truncate_chars(&mut fallback, SLACK_MAX_SECTION_CHARS);
    json!({"text": fallback, "blocks": blocks})
}

/// A Teams message with one Adaptive Card: the title (coloured by priority), the output, the facts.
fn teams(a: &RuntimeAlert) -> Value {
    let color = match a.rank() {
        Some(0..=3) => "Attention",
        Some(4) => "Warning",
        _ => "Default",
    };
    let mut output = a.output.trim().to_owned();
    truncate_chars(&mut output, 4000);
    let facts: Vec<Value> = facts(a)
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": truncated(&v, 1000)}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": title(a), "size": "Large", "weight": "Bolder", "wrap": true, "color": color},
                    {"type": "TextBlock", "text": output, "wrap": true, "fontType": "Monospace"},
                    {"type": "FactSet", "facts": facts},
                ],
                "msteams": {"width": "Full"},
            },
        }],
    })
}

/// One line in falcosidekick's input shape (`types.FalcoPayload`: `uuid`, `output`, `priority`, `rule`, `time`,
/// `output_fields`, `source`, `tags`, `hostname`), so falcosidekick (or anything reading Falco's JSON output)
/// takes Bulwark's alerts as Falco's. The owner goes in `output_fields` as `bulwark.team` / `bulwark.why`.
fn falco_line(f: &FalcoConfig, a: &RuntimeAlert) -> Value {
    let mut fields: serde_json::Map<String, Value> = a
        .output_fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fields.insert("bulwark.team".into(), json!(a.team));
    fields.insert("bulwark.why".into(), json!(a.why));
    let mut tags = a.tags.clone();
    for t in &f.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let time = a.time_rfc3339();
    let priority = a.falco_priority();
    json!({
        "uuid": a.uuid(),
        "output": format!("{time}: {priority} {}", one_line(&a.output)),
        "priority": priority,
        "rule": a.rule,
        "time": time,
        "output_fields": fields,
        "source": if a.source.is_empty() { f.source.clone() } else { a.source.clone() },
        "tags": tags,
        "hostname": a.hostname.clone().unwrap_or_else(|| falco_hostname(f)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_spelling_time_and_uuid() {
        let a = RuntimeAlert {
            priority: "WARNING".into(),
            time_ns: 1_796_000_000_000_000_123,
            dedupe_key: "syscall:h:1:2:r".into(),
            ..RuntimeAlert::default()
        };
        assert_eq!(a.falco_priority(), "Warning");
        assert_eq!(a.rank(), Some(4));
        // python3: datetime.fromtimestamp(1796000000, timezone.utc) = 2026-11-30 00:53:20+00:00
        assert_eq!(a.time_rfc3339(), "2026-11-30T00:53:20.000000123Z");
        let u = a.uuid();
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('8'));
        assert!("89ab".contains(&parts[3][..1]));
        let mut b = a.clone();
        b.dedupe_key.push('x');
        assert_ne!(a.uuid(), b.uuid());
        let info = RuntimeAlert {
            priority: "info".into(),
            ..RuntimeAlert::default()
        };
        assert_eq!(info.falco_priority(), "Informational");
    }
}
