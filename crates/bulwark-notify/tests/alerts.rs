//! Runtime alerts delivered to the same real local receivers as findings (an HTTP sink on 127.0.0.1, an SMTP
//! server via PyPI `aiosmtpd`, the Falco output writer): the CloudEvent checked against the CloudEvents 1.0.2
//! schema, Slack against Block Kit's documented limits, Teams against the Adaptive Card attachment shape, Jira
//! against its REST v2 create call, e-mail through STARTTLS, and the Falco line against falcosidekick's
//! `types.FalcoPayload` keys (`uuid`, `output`, `priority`, `rule`, `time`, `output_fields`, `source`, `tags`,
//! `hostname`).

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bulwark_notify::{
    ChannelConfig, ImageRef, Message, Notifier, Outcome, Payload, RuntimeAlert, parse_channels,
    render,
};
use serde_json::{Value, json};
use support::{HttpSink, Reply, SmtpSink, fixture, jsonschema_validate, tls_files};

fn channel(yaml: &str) -> ChannelConfig {
    parse_channels(format!("channels:\n{yaml}").as_bytes(), "test.yaml")
        .expect("config parses")
        .remove(0)
}

fn alert() -> RuntimeAlert {
    let mut fields = BTreeMap::new();
    fields.insert("proc.exepath".to_owned(), json!("/usr/bin/curl"));
    fields.insert("proc.pid".to_owned(), json!(4242));
    fields.insert("k8s.ns.name".to_owned(), json!("payments"));
    fields.insert("user.name".to_owned(), json!("root <script>"));
    RuntimeAlert {
        rule: "Launch Suspicious Network Tool in Container".into(),
        priority: "NOTICE".into(),
        output: "Network tool launched in container (user=root <script> exe=/usr/bin/curl)".into(),
        output_fields: fields,
        source: "syscall".into(),
        // 1_796_000_000 s + 5 ns; python3: datetime.fromtimestamp(1796000000, timezone.utc) = 2026-11-30 00:53:20.
        time_ns: 1_796_000_000_000_000_005,
        tags: vec!["network".into(), "mitre_exfiltration".into()],
        hostname: Some("node-3".into()),
        cluster: Some("eu1".into()),
        namespace: Some("payments".into()),
        pod: Some("api-7d9".into()),
        image: ImageRef {
            reference: "registry.example/shop/payments:1.4".into(),
            digest: "sha256:aaaa".into(),
        },
        workload: Some("Deployment/api".into()),
        team: "platform".into(),
        why: "file /usr/bin/curl of package curl 7.88.1-10 (layer 0) -> base image debian:12 (owners.yaml:4)"
            .into(),
        dedupe_key: "syscall:node-3:4242:1796000000000000005:Launch Suspicious Network Tool in Container"
            .into(),
    }
}

#[test]
fn the_message_round_trips_through_the_queue_and_a_redelivery_is_the_same() {
    let m = Message::alert(alert());
    let back: Message = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
    assert!(m.events.is_empty());
    assert_eq!(m.dedupe_key, Message::alert(alert()).dedupe_key);
    let mut other = alert();
    other.team = "payments".into();
    assert_ne!(m.dedupe_key, Message::alert(other).dedupe_key);
}

#[test]
fn cloudevent_of_type_runtime_alert_is_valid_against_the_spec_schema() {
    let sink = HttpSink::start();
    let ch = channel(&format!(
        "  - type: webhook\n    url: {}\n    source: /bulwark/eu1\n",
        sink.url("/in")
    ));
    let m = Message::alert(alert());
    let payload = render(&ch, &m).unwrap();
    assert_eq!(
        Notifier::new().deliver(&ch, &payload, 0),
        Outcome::Delivered
    );
    let r = &sink.requests()[0];
    assert_eq!(
        r.header("content-type"),
        Some("application/cloudevents+json")
    );
    let ce = r.json();
    assert_eq!(ce["type"], "dev.bulwark.runtime.alert");
    assert_eq!(ce["id"], m.dedupe_key.as_str());
    assert_eq!(ce["time"], "2026-11-30T00:53:20.000000005Z");
    assert_eq!(
        ce["data"]["rule"],
        "Launch Suspicious Network Tool in Container"
    );
    assert_eq!(ce["data"]["team"], "platform");
    assert_eq!(ce["data"]["output_fields"]["proc.pid"], 4242);
    let results = jsonschema_validate(&fixture("cloudevents-1.0.schema.json"), &[ce]);
    assert_eq!(results[0], Ok(()));
    assert_eq!(render(&ch, &m).unwrap(), payload);
}

#[test]
fn slack_and_teams_show_the_output_the_place_and_the_owner() {
    let sink = HttpSink::start();
    sink.script("POST", "/teams", vec![Reply::status(202)]);
    let slack = channel(&format!(
        "  - type: slack\n    webhook_url: {}\n",
        sink.url("/slack")
    ));
    let teams = channel(&format!(
        "  - type: teams\n    webhook_url: {}\n",
        sink.url("/teams")
    ));
    let m = Message::alert(alert());
    let n = Notifier::new();
    for ch in [&slack, &teams] {
        assert_eq!(
            n.deliver(ch, &render(ch, &m).unwrap(), 0),
            Outcome::Delivered
        );
    }
    let reqs = sink.requests();
    let s = reqs[0].json();
    assert_eq!(
        s["text"],
        "Notice: Launch Suspicious Network Tool in Container (payments/api-7d9)"
    );
    let blocks = s["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert!(blocks[0]["text"]["text"].as_str().unwrap().chars().count() <= 150);
    // mrkdwn escapes <, > and & (Slack, "Formatting text for app surfaces").
    let out = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(out.contains("user=root &lt;script&gt;"), "{out}");
    let fields: Vec<&str> = blocks[2..]
        .iter()
        .flat_map(|b| b["fields"].as_array().unwrap())
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    // Block Kit: at most 10 fields per section.
    assert!(
        blocks[2..]
            .iter()
            .all(|b| b["fields"].as_array().unwrap().len() <= 10)
    );
    assert!(fields.contains(&"*Team*\nplatform"), "{fields:?}");
    assert!(fields.contains(&"*Namespace*\npayments"), "{fields:?}");
    assert!(
        fields
            .iter()
            .any(|f| f.starts_with("*Why*\nfile /usr/bin/curl")),
        "{fields:?}"
    );

    let t = reqs[1].json();
    let card = &t["attachments"][0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    let facts = card["body"][2]["facts"].as_array().unwrap();
    let get = |k: &str| {
        facts
            .iter()
            .find(|f| f["title"] == k)
            .map(|f| f["value"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        get("Image").as_deref(),
        Some("registry.example/shop/payments:1.4@sha256:aaaa")
    );
    assert_eq!(get("Workload").as_deref(), Some("Deployment/api"));
    assert_eq!(get("Priority").as_deref(), Some("Notice"));
}

#[test]
fn jira_opens_one_issue_labelled_by_the_alert() {
    let sink = HttpSink::start();
    sink.script(
        "GET",
        "/rest/api/2/search/jql",
        vec![Reply::json(200, &json!({"issues": [], "isLast": true}))],
    );
    sink.script(
        "POST",
        "/rest/api/2/issue",
        vec![Reply::json(
            201,
            &json!({"id": "1", "key": "SEC-9", "self": "x"}),
        )],
    );
    let ch = channel(&format!(
        "  - type: jira\n    url: {}\n    project: SEC\n    token: t\n",
        sink.url("")
    ));
    let m = Message::alert(alert());
    let p = render(&ch, &m).unwrap();
    let Payload::Jira { items } = &p else {
        panic!("{p:?}")
    };
    assert_eq!(items.len(), 1);
    assert_eq!(Notifier::new().deliver(&ch, &p, 0), Outcome::Delivered);
    let reqs = sink.requests();
    let fields = &reqs.last().unwrap().json()["fields"];
    assert_eq!(
        fields["summary"],
        "Notice: Launch Suspicious Network Tool in Container (payments/api-7d9)"
    );
    let d = fields["description"].as_str().unwrap();
    assert!(
        d.contains("Team: platform") && d.contains("proc.exepath = /usr/bin/curl"),
        "{d}"
    );
    assert!(
        fields["labels"]
            .as_array()
            .unwrap()
            .contains(&json!(items[0].label()))
    );
}

#[test]
fn email_goes_over_starttls_with_the_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = tls_files(dir.path());
    let sink = SmtpSink::start(Some((&cert, &key)));
    let ch = channel(&format!(
        "  - type: email\n    host: 127.0.0.1\n    port: {}\n    tls_name: localhost\n    ca_file: {}\n    from: bulwark@example.com\n    to: [oncall@example.com]\n    timeout_secs: 10\n",
        sink.port,
        ca.display()
    ));
    let m = Message::alert(alert());
    assert_eq!(
        Notifier::new()
            .with_base_backoff(Duration::from_secs(1))
            .deliver(&ch, &render(&ch, &m).unwrap(), 0),
        Outcome::Delivered
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["tls"], true);
    let data = got[0]["data"]
        .as_str()
        .unwrap()
        .replace("\r\n ", " ")
        .replace("=\r\n", "");
    assert!(
        data.contains(
            "Subject: Notice: Launch Suspicious Network Tool in Container (payments/api-7d9)"
        ),
        "{data}"
    );
    assert!(
        data.contains(&format!("Message-ID: <{}@bulwark.invalid>", m.dedupe_key)),
        "{data}"
    );
    assert!(data.contains("Why: file /usr/bin/curl"), "{data}");
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn falco_line_has_falcosidekicks_payload_keys() {
    let out = Shared::default();
    let n = Notifier::new().with_falco_output(out.clone());
    let ch = channel("  - type: falco\n    tags: [prod]\n");
    let m = Message::alert(alert());
    assert_eq!(
        n.deliver(&ch, &render(&ch, &m).unwrap(), 0),
        Outcome::Delivered
    );
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    let mut keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    // falcosidekick types.FalcoPayload json names.
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time",
            "uuid"
        ]
    );
    assert_eq!(l["priority"], "Notice");
    assert_eq!(l["source"], "syscall");
    assert_eq!(l["hostname"], "node-3");
    assert_eq!(l["time"], "2026-11-30T00:53:20.000000005Z");
    assert_eq!(l["tags"], json!(["network", "mitre_exfiltration", "prod"]));
    assert_eq!(l["output_fields"]["proc.exepath"], "/usr/bin/curl");
    assert_eq!(l["output_fields"]["bulwark.team"], "platform");
    // A UUID as Go's uuid.Parse takes it: 8-4-4-4-12 hex digits.
    let u = l["uuid"].as_str().unwrap();
    let groups: Vec<usize> = u.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert!(u.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
}
