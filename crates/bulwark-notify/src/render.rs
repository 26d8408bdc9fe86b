//! Rendering a message for a channel: templates (minijinja) and each vendor's documented payload shape.

use std::fmt::Write as _;

use bulwark_types::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{ChannelConfig, ChannelKind, FalcoConfig, WebhookConfig};
use crate::error::ConfigError;
use crate::event::{Event, EventKind, Message, image_label};

/// Slack: at most 50 blocks per message (Block Kit reference, "blocks" field).
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Slack: a section block's `text` holds at most 3,000 characters.
pub const SLACK_MAX_SECTION_CHARS: usize = 3000;
/// Slack: a header block's `plain_text` holds at most 150 characters.
pub const SLACK_MAX_HEADER_CHARS: usize = 150;
/// Slack: the text of all blocks together. Not in Block Kit's reference, but Slack answers
/// `msg_blocks_too_long` from about 13,000 characters (slackapi/bolt-js#2509); we stay under 12,000.
pub const SLACK_MAX_TOTAL_CHARS: usize = 12_000;
/// Teams: a message is at most ~28 KB; events stop being added past this many bytes of card.
pub const TEAMS_MAX_CARD_BYTES: usize = 20_000;
/// Teams: at most this many events are listed on a card.
pub const TEAMS_MAX_EVENTS: usize = 25;
/// Jira: an issue summary holds at most 255 characters.
pub const JIRA_MAX_SUMMARY_CHARS: usize = 255;
/// Any template's output is cut at this many bytes.
pub const MAX_RENDERED_BYTES: usize = 256 * 1024;
/// The CloudEvents media type of structured mode, JSON format.
pub const CLOUDEVENTS_JSON: &str = "application/cloudevents+json";
/// Fuel per template rendering: enough for thousands of events, bounded for a runaway loop.
const TEMPLATE_FUEL: u64 = 5_000_000;

/// What a channel sends, ready for [`crate::Notifier::deliver`]. Serializable, so the store's queue can keep
/// the rendered payload and a redelivery sends the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Payload {
    /// One HTTP POST of a JSON body (webhook, Slack, Teams).
    Json { content_type: String, body: Value },
    /// Jira: one item per event.
    Jira { items: Vec<JiraItem> },
    /// One e-mail.
    Email {
        subject: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
        /// Becomes the Message-ID, so a receiver can spot a redelivery.
        dedupe_key: String,
    },
    /// Falco JSON output lines, one per event.
    Falco { lines: Vec<Value> },
}

/// One Jira action: open an issue for a new finding, or comment on (and transition) its issue when fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JiraItem {
    pub kind: EventKind,
    /// The finding's fingerprint ([`Event::finding_fingerprint`]).
    pub fingerprint: String,
    pub summary: String,
    /// The issue description (new) or the comment (fixed).
    pub text: String,
}

impl JiraItem {
    /// The label that marks the finding's issue: `bulwark-fp-` + 32 hex digits (128 bits).
    #[must_use]
    pub fn label(&self) -> String {
        format!(
            "bulwark-fp-{}",
            &self.fingerprint[..self.fingerprint.len().min(32)]
        )
    }
}

const DEFAULT_TITLE: &str =
    "{{ summary.new }} new and {{ summary.fixed }} fixed vulnerabilities for {{ team }}";

const DEFAULT_TEXT: &str = "\
Team {{ team }}: {{ summary.new }} new, {{ summary.fixed }} fixed{% if severity_line %} ({{ severity_line }}){% endif %}.
Images: {{ summary.images | join(\", \") }}
{% if summary.workloads %}
Workloads: {{ summary.workloads | join(\", \") }}
{% endif %}

{% for e in events %}
- [{{ e.kind }}] {{ e.vulnerability }} {{ e.severity }} in {{ e.package.name }} {{ e.package.version }}{% if e.fixed_version %} (fixed in {{ e.fixed_version }}){% endif %}

  image {{ e.image_label }}{% if e.layer %}, layer {{ e.layer.index }}{% if e.layer.created_by %} ({{ e.layer.created_by }}){% endif %}{% endif %}

{% if e.workloads %}
  runs in {{ e.workloads | join(\", \") }}
{% endif %}
  routed by {{ e.rule }}
{% endfor %}
";

const DEFAULT_EVENT_TITLE: &str = "{{ event.vulnerability }} ({{ event.severity }}) in {{ event.package.name }} {{ event.package.version }}: {{ event.image_label }}";

const DEFAULT_EVENT_TEXT: &str = "\
{% if event.kind == \"fixed\" %}Fixed: {{ event.vulnerability }} is no longer found in {{ event.image_label }}.
{% else %}{{ event.vulnerability }} ({{ event.severity }}) affects {{ event.package.name }} {{ event.package.version }} ({{ event.package.purl }}).
{% if event.fixed_version %}Fixed in {{ event.fixed_version }}.
{% endif %}{% endif %}
Image: {{ event.image_label }}
{% if event.layer %}
Layer {{ event.layer.index }}: {{ event.layer.digest }}{% if event.layer.created_by %} ({{ event.layer.created_by }}){% endif %}

{% endif %}
{% if event.workloads %}
Runs in: {{ event.workloads | join(\", \") }}
{% endif %}
Team: {{ event.team }}, routed by {{ event.rule }}
Fingerprint: {{ event.finding_fingerprint }}
";

const DEFAULT_FALCO_TITLE: &str = "Vulnerability {{ event.kind }}: {{ event.vulnerability }} {{ event.severity }} in {{ event.package.name }} {{ event.package.version }} (image={{ event.image_label }} team={{ event.team }})";

/// An event as templates see it: the event's fields plus what is handy to print.
#[derive(Serialize)]
struct EventView<'a> {
    #[serde(flatten)]
    event: &'a Event,
    fingerprint: String,
    finding_fingerprint: String,
    image_label: String,
    workloads: Vec<String>,
    time_rfc3339: String,
}

impl<'a> EventView<'a> {
    fn new(event: &'a Event) -> Self {
        Self {
            event,
            fingerprint: event.fingerprint(),
            finding_fingerprint: event.finding_fingerprint(),
            image_label: image_label(&event.image),
            workloads: event
                .placements
                .iter()
                .filter_map(crate::Placement::workload)
                .collect(),
            time_rfc3339: bulwark_types::time::rfc3339(event.time),
        }
    }
}

#[derive(Serialize)]
struct MessageView<'a> {
    team: &'a str,
    summary: &'a crate::Summary,
    severity_line: String,
    events: Vec<EventView<'a>>,
    dedupe_key: &'a str,
}

#[derive(Serialize)]
struct SingleView<'a> {
    team: &'a str,
    dedupe_key: &'a str,
    event: EventView<'a>,
}

/// Whether the channel renders one text per event (Jira, Falco) rather than one per message.
fn per_event(kind: &ChannelKind) -> bool {
    matches!(kind, ChannelKind::Jira(_) | ChannelKind::Falco(_))
}

struct Templates<'s> {
    env: minijinja::Environment<'s>,
    channel: String,
}

impl<'s> Templates<'s> {
    fn new(c: &'s ChannelConfig) -> Result<Self, ConfigError> {
        let channel = c.label();
        let mut env = minijinja::Environment::new();
        // A misspelt name is an error, not an empty string; `{% if e.layer %}` on an absent field is false.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
        env.set_fuel(Some(TEMPLATE_FUEL));
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| ConfigError::Template {
                channel: channel.clone(),
                template: "syntax".into(),
                message: e.to_string(),
            })?;
        env.set_syntax(syntax);
        let (title, text) = match &c.kind {
            ChannelKind::Falco(_) => (DEFAULT_FALCO_TITLE, DEFAULT_EVENT_TEXT),
            k if per_event(k) => (DEFAULT_EVENT_TITLE, DEFAULT_EVENT_TEXT),
            _ => (DEFAULT_TITLE, DEFAULT_TEXT),
        };
        let sources = [
            ("title", c.templates.title.as_deref().unwrap_or(title)),
            ("text", c.templates.text.as_deref().unwrap_or(text)),
            // The `.html` name turns on HTML auto-escaping.
            ("body.html", c.templates.html.as_deref().unwrap_or("")),
        ];
        for (name, src) in sources {
            env.add_template(name, src)
                .map_err(|e| ConfigError::Template {
                    channel: channel.clone(),
                    template: name.trim_end_matches(".html").replace("body", "html"),
                    message: describe(&e),
                })?;
        }
        Ok(Self { env, channel })
    }

    fn render<S: Serialize>(&self, name: &str, ctx: &S) -> Result<String, ConfigError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| self.err(name, &e))?;
        let mut out = t
            .render(minijinja::value::Value::from(minijinja::value::Serde(ctx)))
            .map_err(|e| self.err(name, &e))?;
        truncate_bytes(&mut out, MAX_RENDERED_BYTES);
        Ok(out)
    }

    fn err(&self, name: &str, e: &minijinja::Error) -> ConfigError {
        ConfigError::Template {
            channel: self.channel.clone(),
            template: if name == "body.html" {
                "html".into()
            } else {
                name.into()
            },
            message: describe(e),
        }
    }
}

fn describe(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    if let Some(line) = e.line() {
        s = format!("line {line}: {s}");
    }
    s
}

/// Compiles a channel's templates (used by [`crate::config::validate`]).
pub(crate) fn check_templates(c: &ChannelConfig) -> Result<(), ConfigError> {
    Templates::new(c).map(|_| ())
}

/// Renders `message` for `channel`: the vendor's payload shape with the channel's templates filled in.
/// Errors are template errors naming the channel.
pub fn render(channel: &ChannelConfig, message: &Message) -> Result<Payload, ConfigError> {
    if let Some(alert) = message.alerts.first() {
        return Ok(crate::alert::render_alert(channel, message, alert));
    }
    let t = Templates::new(channel)?;
    // Jira and Falco render each event on its own.
    let single = |e| SingleView {
        team: &message.team,
        dedupe_key: &message.dedupe_key,
        event: EventView::new(e),
    };
    let msg_view = || MessageView {
        team: &message.team,
        summary: &message.summary,
        severity_line: message.summary.severity_line(),
        events: message.events.iter().map(EventView::new).collect(),
        dedupe_key: &message.dedupe_key,
    };
    match &channel.kind {
        ChannelKind::Webhook(w) => Ok(cloudevent(w, message)),
        ChannelKind::Slack(_) | ChannelKind::Teams(_) => {
            let view = msg_view();
            let title = t.render("title", &view)?;
            let text = t.render("text", &view)?;
            let body = if matches!(channel.kind, ChannelKind::Slack(_)) {
                slack(message, &title, &text)
            } else {
                teams(message, &title, &text)
            };
            Ok(Payload::Json {
                content_type: "application/json".into(),
                body,
            })
        }
        ChannelKind::Email(_) => {
            let view = msg_view();
            let subject = one_line(&t.render("title", &view)?);
            let text = t.render("text", &view)?;
            let html = if channel.templates.html.is_some() {
                Some(t.render("body.html", &view)?)
            } else {
                None
            };
            Ok(Payload::Email {
                subject,
                text,
                html,
                dedupe_key: message.dedupe_key.clone(),
            })
        }
        ChannelKind::Jira(_) => {
            let mut items = Vec::with_capacity(message.events.len());
            for e in &message.events {
                let view = single(e);
                let mut summary = one_line(&t.render("title", &view)?);
                truncate_chars(&mut summary, JIRA_MAX_SUMMARY_CHARS);
                items.push(JiraItem {
                    kind: e.kind,
                    fingerprint: e.finding_fingerprint(),
                    summary,
                    text: t.render("text", &view)?,
                });
            }
            Ok(Payload::Jira { items })
        }
        ChannelKind::Falco(f) => {
            let mut lines = Vec::with_capacity(message.events.len());
            for e in &message.events {
                let view = single(e);
                let text = one_line(&t.render("title", &view)?);
                lines.push(falco_line(f, e, &text));
            }
            Ok(Payload::Falco { lines })
        }
    }
}

/// CloudEvents 1.0, structured content mode, JSON event format
/// (<https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md>,
/// <https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md>).
/// `id` is the dedupe key, so the same message delivered twice carries the same `source` + `id`, which
/// CloudEvents defines as the same event. `time` is the newest event's time, so a redelivery is byte-identical.
fn cloudevent(w: &WebhookConfig, message: &Message) -> Payload {
    let time = message.events.iter().map(|e| e.time).max().unwrap_or(0);
    Payload::Json {
        content_type: CLOUDEVENTS_JSON.into(),
        body: json!({
            "specversion": "1.0",
            "id": message.dedupe_key,
            "source": w.source,
            "type": w.event_type,
            "subject": message.team,
            "time": bulwark_types::time::rfc3339(time),
            "datacontenttype": "application/json",
            "data": message,
        }),
    }
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped (Slack, "Formatting text for app surfaces").
pub(crate) fn mrkdwn_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack_event(e: &Event) -> String {
    let mut s = format!(
        "*{}* `{}` {} in `{}` {}",
        mrkdwn_escape(&e.vulnerability),
        e.severity,
        e.kind.as_str(),
        mrkdwn_escape(&e.package.name),
        mrkdwn_escape(&e.package.version)
    );
    if let Some(f) = &e.fixed_version {
        let _ = write!(s, " (fixed in {})", mrkdwn_escape(f));
    }
    let _ = write!(s, "\nImage `{}`", mrkdwn_escape(&image_label(&e.image)));
    if let Some(l) = &e.layer {
        let _ = write!(s, ", layer {}", l.index);
        if let Some(c) = &l.created_by {
            let _ = write!(s, " `{}`", mrkdwn_escape(&truncated(c, 200)));
        }
    }
    let workloads: Vec<String> = e
        .placements
        .iter()
        .filter_map(crate::Placement::workload)
        .collect();
    if !workloads.is_empty() {
        let _ = write!(s, "\nRuns in: {}", mrkdwn_escape(&workloads.join(", ")));
    }
    let _ = write!(s, "\nRouted by: {}", mrkdwn_escape(&e.rule));
    s
}

/// A Slack incoming-webhook message: `text` (the notification fallback) and Block Kit `blocks`: a header, the
/// summary section, a divider, one section per event; past 50 blocks the last says "… and N more".
fn slack(message: &Message, title: &str, text: &str) -> Value {
    let mut header = one_line(title);
    truncate_chars(&mut header, SLACK_MAX_HEADER_CHARS);
    let mut summary = mrkdwn_escape(text.trim());
    // The summary gets at most a quarter of the budget; the events need the rest.
    truncate_chars(&mut summary, SLACK_MAX_SECTION_CHARS);
    let section =
        |text: String| json!({"type": "section", "text": {"type": "mrkdwn", "text": text}});
    // Two budgets: 50 blocks (one kept for "… and N more") and the text of all blocks together.
    let mut used = header.chars().count() + summary.chars().count();
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
        section(summary),
        json!({"type": "divider"}),
    ];
    let n = message.events.len();
    let mut shown = 0;
    for (i, e) in message.events.iter().enumerate() {
        let mut t = slack_event(e);
        truncate_chars(&mut t, SLACK_MAX_SECTION_CHARS);
        let len = t.chars().count();
        let last = i + 1 == n;
        let blocks_left = SLACK_MAX_BLOCKS - blocks.len() - usize::from(!last);
        let chars_left = SLACK_MAX_TOTAL_CHARS.saturating_sub(used + if last { 0 } else { 40 });
        if blocks_left == 0 || len > chars_left {
            break;
        }
        used += len;
        blocks.push(section(t));
        shown += 1;
    }
    if shown < n {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": format!("… and {} more", n - shown)}
        ]}));
    }
    let mut fallback = one_line(title);
    truncate_chars(&mut fallback, SLACK_MAX_SECTION_CHARS);
    json!({"text": fallback, "blocks": blocks})
}

/// A Teams message with one Adaptive Card attachment, the shape both Workflows webhooks and incoming webhooks
/// take (Microsoft Learn, "Create and send messages", "Send Adaptive Cards using an Incoming Webhook").
fn teams(message: &Message, title: &str, text: &str) -> Value {
    let s = &message.summary;
    let mut body = vec![
        json!({"type": "TextBlock", "text": one_line(title), "size": "Large", "weight": "Bolder", "wrap": true}),
        json!({"type": "FactSet", "facts": [
            {"title": "New", "value": s.new.to_string()},
            {"title": "Fixed", "value": s.fixed.to_string()},
            {"title": "Severity", "value": if s.by_severity.is_empty() { "-".to_owned() } else { s.severity_line() }},
            {"title": "Images", "value": s.images.join(", ")},
            {"title": "Workloads", "value": if s.workloads.is_empty() { "-".to_owned() } else { s.workloads.join(", ") }},
        ]}),
    ];
    let mut size = serde_json::to_vec(&body).map_or(0, |v| v.len());
    let mut shown = 0;
    for e in &message.events {
        if shown == TEAMS_MAX_EVENTS || size > TEAMS_MAX_CARD_BYTES {
            break;
        }
        let mut facts = vec![
            json!({"title": "Package", "value": format!("{} {}", e.package.name, e.package.version)}),
            json!({"title": "Image", "value": image_label(&e.image)}),
        ];
        if let Some(f) = &e.fixed_version {
            facts.push(json!({"title": "Fixed in", "value": f}));
        }
        if let Some(l) = &e.layer {
            let mut v = format!("{} {}", l.index, l.digest);
            if let Some(c) = &l.created_by {
                let _ = write!(v, " ({})", truncated(c, 200));
            }
            facts.push(json!({"title": "Layer", "value": v}));
        }
        let workloads: Vec<String> = e
            .placements
            .iter()
            .filter_map(crate::Placement::workload)
            .collect();
        if !workloads.is_empty() {
            facts.push(json!({"title": "Runs in", "value": workloads.join(", ")}));
        }
        facts.push(json!({"title": "Routed by", "value": e.rule}));
        let container = json!({"type": "Container", "separator": true, "items": [
            {"type": "TextBlock", "text": format!("{} {} ({})", e.vulnerability, e.kind.as_str(), e.severity),
             "weight": "Bolder", "wrap": true,
             "color": match e.severity { Severity::Critical | Severity::High => "Attention", Severity::Medium => "Warning", _ => "Default" }},
            {"type": "FactSet", "facts": facts},
        ]});
        size += serde_json::to_vec(&container).map_or(0, |v| v.len());
        body.push(container);
        shown += 1;
    }
    if shown < message.events.len() {
        body.push(json!({"type": "TextBlock", "text": format!("… and {} more", message.events.len() - shown), "isSubtle": true, "wrap": true}));
    }
    let mut summary_text = text.trim().to_owned();
    truncate_chars(&mut summary_text, 2000);
    body.insert(
        1,
        json!({"type": "TextBlock", "text": summary_text, "wrap": true}),
    );
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "msteams": {"width": "Full"},
            },
        }],
    })
}

/// Falco's priority names (falco `json_output`), from a vulnerability's severity.
#[must_use]
pub fn falco_priority(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "Error",
        Severity::Medium => "Warning",
        Severity::Low => "Notice",
        Severity::Info => "Informational",
        Severity::Unknown => "Debug",
    }
}

pub(crate) fn falco_hostname(f: &FalcoConfig) -> String {
    if let Some(h) = &f.hostname {
        return h.clone();
    }
    if let Ok(h) = std::env::var("HOSTNAME")
        && !h.is_empty()
    {
        return h;
    }
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "bulwark".to_owned())
}

/// One Falco JSON output line (falco.yaml `json_output: true`; the fields falcosidekick reads): `output`,
/// `priority`, `rule`, `time` (RFC 3339 with nanoseconds), `output_fields`, `source`, `tags`, `hostname`.
fn falco_line(f: &FalcoConfig, e: &Event, text: &str) -> Value {
    let time = bulwark_types::time::rfc3339(e.time);
    // Falco prints nanoseconds: 2026-11-23T18:40:05.000000000Z.
    let time = format!("{}.000000000Z", time.trim_end_matches('Z'));
    let priority = falco_priority(e.severity);
    let rule = match e.kind {
        EventKind::New => "Vulnerability found in running image",
        EventKind::Fixed => "Vulnerability fixed in running image",
    };
    let mut fields = serde_json::Map::new();
    fields.insert(
        "evt.time".into(),
        json!(e.time.saturating_mul(1_000_000_000)),
    );
    fields.insert("vuln.id".into(), json!(e.vulnerability));
    fields.insert("vuln.severity".into(), json!(e.severity.as_str()));
    fields.insert("vuln.status".into(), json!(e.kind.as_str()));
    fields.insert("vuln.fixed_version".into(), json!(e.fixed_version));
    fields.insert("pkg.name".into(), json!(e.package.name));
    fields.insert("pkg.version".into(), json!(e.package.version));
    fields.insert("pkg.purl".into(), json!(e.package.purl));
    fields.insert("container.image".into(), json!(e.image.reference));
    fields.insert("container.image.digest".into(), json!(e.image.digest));
    fields.insert(
        "image.layer.index".into(),
        json!(e.layer.as_ref().map(|l| l.index)),
    );
    fields.insert(
        "image.layer.digest".into(),
        json!(e.layer.as_ref().map(|l| &l.digest)),
    );
    fields.insert(
        "image.layer.created_by".into(),
        json!(e.layer.as_ref().and_then(|l| l.created_by.as_ref())),
    );
    // Falco's Kubernetes field names, from the first placement (the others are in `output`).
    let p = e.placements.first();
    fields.insert(
        "k8s.cluster.name".into(),
        json!(p.and_then(|p| p.cluster.as_ref())),
    );
    fields.insert(
        "k8s.ns.name".into(),
        json!(p.and_then(|p| p.namespace.as_ref())),
    );
    fields.insert(
        "k8s.workload.kind".into(),
        json!(p.and_then(|p| p.workload_kind.as_ref())),
    );
    fields.insert(
        "k8s.workload.name".into(),
        json!(p.and_then(|p| p.workload_name.as_ref())),
    );
    fields.insert(
        "container.name".into(),
        json!(p.and_then(|p| p.container.as_ref())),
    );
    fields.insert(
        "bulwark.environment".into(),
        json!(p.and_then(|p| p.environment.as_ref())),
    );
    fields.insert("bulwark.team".into(), json!(e.team));
    fields.insert("bulwark.rule".into(), json!(e.rule));
    fields.insert("bulwark.fingerprint".into(), json!(e.fingerprint()));
    let mut tags = vec![
        "bulwark".to_owned(),
        "vulnerability".to_owned(),
        format!("team:{}", e.team),
    ];
    tags.extend(f.tags.iter().cloned());
    json!({
        "output": format!("{}: {} {}", time, priority, text),
        "priority": priority,
        "rule": rule,
        "time": time,
        "output_fields": fields,
        "source": f.source,
        "tags": tags,
        "hostname": falco_hostname(f),
    })
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn truncated(s: &str, max_chars: usize) -> String {
    let mut s = s.to_owned();
    truncate_chars(&mut s, max_chars);
    s
}

/// Cuts `s` to at most `max` characters, ending in `…` when cut.
pub(crate) fn truncate_chars(s: &mut String, max: usize) {
    if s.chars().count() > max {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        *s = cut;
        s.push('…');
    }
}

fn truncate_bytes(s: &mut String, max: usize) {
    if s.len() > max {
        let mut i = max;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        s.truncate(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SlackConfig, Templates as Tpl};
    use crate::event::batch;
    use crate::event::tests::event;

    fn slack_channel(title: Option<&str>) -> ChannelConfig {
        ChannelConfig {
            name: Some("s".into()),
            kind: ChannelKind::Slack(SlackConfig {
                webhook_url: Some(crate::Secret("https://hooks.slack.example/x".into())),
                webhook_url_env: None,
            }),
            templates: Tpl {
                title: title.map(str::to_owned),
                text: None,
                html: None,
            },
            min_interval_secs: None,
            timeout_secs: None,
        }
    }

    #[test]
    fn default_text_lists_events() {
        let m = batch(vec![event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        )]);
        let Payload::Json { body, .. } = render(&slack_channel(None), &m[0]).unwrap() else {
            panic!()
        };
        let text = body["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(
            text.contains("Team platform: 1 new, 0 fixed (1 HIGH)"),
            "{text}"
        );
        assert!(
            text.contains("- [new] CVE-1 HIGH in openssl 3.0.11-1 (fixed in 3.0.13-1)"),
            "{text}"
        );
        assert!(
            text.contains("runs in eu1/payments/Deployment/api[app]"),
            "{text}"
        );
        assert_eq!(
            body["text"],
            "1 new and 0 fixed vulnerabilities for platform"
        );
    }

    #[test]
    fn an_unknown_variable_is_an_error_naming_the_channel() {
        let m = batch(vec![event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        )]);
        let err = render(&slack_channel(Some("{{ summary.nope }}")), &m[0])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("channel \"s\"") && err.contains("template `title`"),
            "{err}"
        );
    }

    #[test]
    fn a_runaway_template_runs_out_of_fuel() {
        let m = batch(vec![event(
            "platform",
            EventKind::New,
            "CVE-1",
            Severity::High,
            "sha256:a",
        )]);
        let t = "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}";
        let err = render(&slack_channel(Some(t)), &m[0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("channel \"s\""), "{err}");
    }

    #[test]
    fn default_templates_render_events_without_optional_fields_on_every_channel() {
        let mut e = event(
            "platform",
            EventKind::Fixed,
            "CVE-1",
            Severity::Unknown,
            "sha256:a",
        );
        e.layer = None;
        e.fixed_version = None;
        e.placements.clear();
        e.image.reference = String::new();
        let m = batch(vec![e]);
        let yaml = b"channels:\n  - {type: webhook, url: 'https://h/'}\n  - {type: slack, webhook_url: 'https://h/'}\n  - {type: teams, webhook_url: 'https://h/'}\n  - {type: jira, url: 'https://h/', project: P, token: t}\n  - {type: email, host: h, from: a@b.c, to: [d@e.f]}\n  - {type: falco, hostname: n}\n";
        for c in crate::parse_channels(yaml, "t.yaml").unwrap() {
            render(&c, &m[0]).unwrap_or_else(|err| panic!("{}: {err}", c.label()));
        }
    }

    #[test]
    fn payloads_and_messages_round_trip_through_json_for_the_queue() {
        let m = batch(vec![
            event(
                "platform",
                EventKind::New,
                "CVE-1",
                Severity::High,
                "sha256:a",
            ),
            event(
                "platform",
                EventKind::Fixed,
                "CVE-2",
                Severity::Low,
                "sha256:b",
            ),
        ]);
        let back: Message = serde_json::from_str(&serde_json::to_string(&m[0]).unwrap()).unwrap();
        assert_eq!(back, m[0]);
        let yaml = b"channels:\n  - {type: webhook, url: 'https://h/'}\n  - {type: jira, url: 'https://h/', project: P, token: t}\n  - {type: email, host: h, from: a@b.c, to: [d@e.f]}\n  - {type: falco, hostname: n}\n";
        for c in crate::parse_channels(yaml, "t.yaml").unwrap() {
            let p = render(&c, &m[0]).unwrap();
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(
                serde_json::from_str::<Payload>(&json).unwrap(),
                p,
                "{}",
                c.label()
            );
        }
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let mut s = "é".repeat(10);
        truncate_chars(&mut s, 4);
        assert_eq!(s, "ééé…");
        let mut s = "é".repeat(10);
        truncate_bytes(&mut s, 5);
        assert_eq!(s, "éé");
    }
}
