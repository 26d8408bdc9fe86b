//! Delivery to real local HTTP receivers (a std `TcpListener` sink on 127.0.0.1:0): CloudEvents checked with
//! python-jsonschema against a schema written from the CloudEvents 1.0.2 spec; Slack, Teams and Jira payloads
//! checked against the shapes and limits their vendors document (there is no Slack, Teams or Jira here: these
//! are contract tests of the documented shape); retries, Retry-After, backoff, timeouts and rate limits; Falco
//! lines checked against the keys falcosidekick reads.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bulwark_notify::{
    ChannelConfig, EventKind, Message, Notifier, Outcome, Payload, batch, parse_channels, render,
};
use bulwark_types::Severity;
use serde_json::{Value, json};
use support::{HttpSink, Reply, event, fixture, jsonschema_validate};

fn channel(yaml: &str) -> ChannelConfig {
    let mut c = parse_channels(format!("channels:\n{yaml}").as_bytes(), "test.yaml")
        .expect("config parses");
    assert_eq!(c.len(), 1);
    c.remove(0)
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn message(n: usize) -> Message {
    let events = (0..n)
        .map(|i| {
            let sev = [
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
            ][i % 4];
            event(
                "platform",
                EventKind::New,
                &format!("CVE-2026-{:05}", i + 1),
                sev,
                "sha256:aaaa",
            )
        })
        .collect();
    batch(events).remove(0)
}

fn notifier(e: BTreeMap<String, String>) -> Notifier {
    Notifier::new()
        .with_env(e)
        .with_base_backoff(Duration::from_secs(2))
}

// ---------------------------------------------------------------------------------------------------------
// CloudEvents

#[test]
fn cloudevents_webhook_is_valid_against_the_spec_schema_and_carries_auth_from_env() {
    let sink = HttpSink::start();
    let ch = channel(
        "  - name: ops-hook\n    type: webhook\n    url_env: HOOK_URL\n    source: /bulwark/eu1\n    headers: { Authorization: \"Bearer ${HOOK_TOKEN}\" }\n",
    );
    let m = message(3);
    let payload = render(&ch, &m).unwrap();
    let n = notifier(env(&[
        ("HOOK_URL", &sink.url("/ingest")),
        ("HOOK_TOKEN", "t0k3n"),
    ]));
    assert_eq!(n.deliver(&ch, &payload, 0), Outcome::Delivered);

    let reqs = sink.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/ingest"));
    assert_eq!(
        r.header("content-type"),
        Some("application/cloudevents+json")
    );
    assert_eq!(r.header("authorization"), Some("Bearer t0k3n"));
    let ce = r.json();
    assert_eq!(ce["specversion"], "1.0");
    assert_eq!(ce["id"], m.dedupe_key.as_str());
    assert_eq!(ce["source"], "/bulwark/eu1");
    assert_eq!(ce["type"], "dev.bulwark.findings.v1");
    assert_eq!(ce["subject"], "platform");
    // 1_796_000_000 s after the epoch, per python3 datetime.fromtimestamp(1796000000, UTC).
    assert_eq!(ce["time"], "2026-11-30T00:53:20Z");
    assert_eq!(ce["datacontenttype"], "application/json");
    assert_eq!(ce["data"]["team"], "platform");
    assert_eq!(ce["data"]["events"].as_array().unwrap().len(), 3);
    assert_eq!(ce["data"]["summary"]["by_severity"]["CRITICAL"], 1);
    assert_eq!(ce["data"]["events"][0]["layer"]["index"], 0);

    // The validator does reject what the spec forbids (so the check of our event can fail).
    let bad = [
        json!({"specversion": "1.0", "source": "/x", "type": "t"}),
        json!({"specversion": "0.3", "id": "1", "source": "/x", "type": "t"}),
        json!({"specversion": "1.0", "id": "1", "source": "/x", "type": "t", "time": "yesterday"}),
        json!({"specversion": "1.0", "id": "1", "source": "/x", "type": "t", "Bad_Name": 1}),
        json!({"specversion": "1.0", "id": "1", "source": "/x", "type": "t", "data": 1, "data_base64": "AA=="}),
        json!({"specversion": "1.0", "id": "", "source": "/x", "type": "t"}),
    ];
    let mut all = vec![ce.clone()];
    all.extend(bad.iter().cloned());
    let results = jsonschema_validate(&fixture("cloudevents-1.0.schema.json"), &all);
    assert_eq!(results[0], Ok(()), "our event is a valid CloudEvent");
    for (b, r) in bad.iter().zip(&results[1..]) {
        assert!(r.is_err(), "{b} should be invalid");
    }

    // A redelivery (same message, rendered again) sends the same bytes: receivers dedupe on source + id.
    assert_eq!(render(&ch, &m).unwrap(), payload);
}

// ---------------------------------------------------------------------------------------------------------
// Slack (contract: https://api.slack.com/reference/block-kit/blocks — 50 blocks per message, section text
// up to 3000 characters, header plain_text up to 150; incoming webhooks answer 200 "ok")

fn check_slack_shape(body: &Value) {
    assert!(
        body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "top-level text is the notification fallback"
    );
    let blocks = body["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                assert!(b["text"]["text"].as_str().unwrap().chars().count() <= 150);
            }
            "section" => {
                assert_eq!(b["text"]["type"], "mrkdwn");
                let t = b["text"]["text"].as_str().unwrap();
                assert!(
                    !t.is_empty() && t.chars().count() <= 3000,
                    "{} chars",
                    t.chars().count()
                );
            }
            "divider" => assert_eq!(b.as_object().unwrap().len(), 1),
            "context" => {
                let els = b["elements"].as_array().unwrap();
                assert!(!els.is_empty() && els.len() <= 10);
                assert_eq!(els[0]["type"], "mrkdwn");
            }
            other => panic!("unexpected block type {other}"),
        }
    }
}

#[test]
fn slack_message_keeps_to_block_kit_limits() {
    let sink = HttpSink::start();
    sink.script("POST", "/services/", vec![Reply::status(200).body("ok")]);
    let ch =
        channel("  - name: platform-slack\n    type: slack\n    webhook_url: \"${SLACK_URL}\"\n");
    let mut m = message(120);
    // One event with a very long text: its section is cut, not refused by Slack.
    m.events[0].rule = "x".repeat(10_000);
    let payload = render(&ch, &m).unwrap();
    let Payload::Json { body, .. } = &payload else {
        panic!("{payload:?}")
    };
    check_slack_shape(body);
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 50);
    // header, summary, divider, 46 events, "… and 74 more".
    assert_eq!(blocks[49]["elements"][0]["text"], "… and 74 more");
    assert!(
        blocks[1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("120 new, 0 fixed (30 CRITICAL, 30 HIGH, 30 MEDIUM, 30 LOW)")
    );
    assert!(blocks[3]["text"]["text"].as_str().unwrap().ends_with('…'));

    let n = notifier(env(&[("SLACK_URL", &sink.url("/services/T000/B000/XXXX"))]));
    assert_eq!(n.deliver(&ch, &payload, 0), Outcome::Delivered);
    let r = &sink.requests()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    check_slack_shape(&r.json());

    // A small message lists every event, and escapes what mrkdwn would read as markup.
    let mut small = message(2);
    small.events[0].rule = "namespace <payments> & co".into();
    let Payload::Json { body, .. } = render(&ch, &small).unwrap() else {
        panic!()
    };
    check_slack_shape(&body);
    assert_eq!(body["blocks"].as_array().unwrap().len(), 5);
    assert!(
        body["blocks"][3]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("namespace &lt;payments&gt; &amp; co")
    );
}

#[test]
fn slack_answers_other_than_2xx_decide_the_outcome() {
    let sink = HttpSink::start();
    sink.script(
        "POST",
        "/services/",
        vec![
            Reply::status(400).body("invalid_blocks"),
            Reply::status(404).body("no_service"),
            Reply::status(429).header("Retry-After", "2"),
        ],
    );
    let ch = channel("  - name: s\n    type: slack\n    webhook_url_env: SLACK_URL\n");
    let url = sink.url("/services/T000/B000/SECRETPART");
    let n = notifier(env(&[("SLACK_URL", &url)]));
    let p = render(&ch, &message(1)).unwrap();
    let Outcome::Failed { error } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("HTTP 400")
            && error.contains("invalid_blocks")
            && error.contains("channel \"s\""),
        "{error}"
    );
    assert!(
        !error.contains("SECRETPART"),
        "webhook URLs are secrets: {error}"
    );
    let Outcome::Failed { error } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("HTTP 404") && error.contains("no_service"),
        "{error}"
    );
    assert_eq!(
        n.deliver(&ch, &p, 0),
        Outcome::Retry {
            after: Duration::from_secs(2),
            reason: format!("POST {}: HTTP 429 Too Many Requests", sink.url(""))
        }
    );
}

// ---------------------------------------------------------------------------------------------------------
// Teams (contract: Microsoft Learn, "Create Incoming Webhooks" / Workflows "Post card in a chat or channel":
// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{AdaptiveCard}}]},
// messages up to 28 KB; Workflows answer 202 Accepted)

#[test]
fn teams_message_is_an_adaptive_card_attachment() {
    let sink = HttpSink::start();
    sink.script("POST", "/workflows/", vec![Reply::status(202)]);
    let ch = channel("  - type: teams\n    webhook_url_env: TEAMS_URL\n");
    let payload = render(&ch, &message(200)).unwrap();
    let n = notifier(env(&[(
        "TEAMS_URL",
        &sink.url("/workflows/abc/triggers/manual/paths/invoke?sig=s"),
    )]));
    assert_eq!(n.deliver(&ch, &payload, 0), Outcome::Delivered);
    let r = &sink.requests()[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.body.len() < 28 * 1024, "{} bytes", r.body.len());
    let v = r.json();
    assert_eq!(v["type"], "message");
    let att = v["attachments"].as_array().unwrap();
    assert_eq!(att.len(), 1);
    assert_eq!(
        att[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &att[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    let body = card["body"].as_array().unwrap();
    for el in body {
        match el["type"].as_str().unwrap() {
            "TextBlock" => assert!(el["text"].is_string()),
            "FactSet" => {
                for f in el["facts"].as_array().unwrap() {
                    assert!(f["title"].is_string() && f["value"].is_string(), "{f}");
                }
            }
            "Container" => assert!(el["items"].is_array()),
            other => panic!("unexpected element {other}"),
        }
    }
    let last = body.last().unwrap()["text"].as_str().unwrap();
    assert!(
        last.starts_with("… and ") && last.ends_with(" more"),
        "{last}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Retries, backoff, timeouts, rate limits

#[test]
fn retry_after_in_seconds_and_as_an_http_date() {
    let sink = HttpSink::start();
    let in5 = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
    sink.script(
        "POST",
        "/",
        vec![
            Reply::status(429).header("Retry-After", "2"),
            Reply::status(429).header("Retry-After", &in5),
            Reply::status(503).header("Retry-After", "7"),
            Reply::status(429),
        ],
    );
    let ch = channel(&format!(
        "  - type: webhook\n    url: {}\n",
        sink.url("/hook")
    ));
    let p = render(&ch, &message(1)).unwrap();
    let n = notifier(BTreeMap::new());
    let after = |o: Outcome| match o {
        Outcome::Retry { after, .. } => after,
        o => panic!("{o:?}"),
    };
    assert_eq!(after(n.deliver(&ch, &p, 0)), Duration::from_secs(2));
    let d = after(n.deliver(&ch, &p, 0));
    assert!(
        d >= Duration::from_secs(3) && d <= Duration::from_secs(5),
        "{d:?}"
    );
    assert_eq!(after(n.deliver(&ch, &p, 0)), Duration::from_secs(7));
    // 429 without Retry-After: backoff (attempt 3: 16 s with jitter → 8..=16 s).
    let d = after(n.deliver(&ch, &p, 3));
    assert!(
        d >= Duration::from_secs(8) && d <= Duration::from_secs(16),
        "{d:?}"
    );
    assert_eq!(sink.requests().len(), 4);
}

#[test]
fn server_errors_back_off_exponentially_and_client_errors_fail() {
    let sink = HttpSink::start();
    sink.script(
        "POST",
        "/",
        vec![
            Reply::status(500),
            Reply::status(502),
            Reply::status(500),
            Reply::status(400).body("bad event"),
            Reply::status(413),
        ],
    );
    let ch = channel(&format!(
        "  - type: webhook\n    url: {}\n",
        sink.url("/hook")
    ));
    let p = render(&ch, &message(1)).unwrap();
    let n = notifier(BTreeMap::new());
    for (attempt, lo, hi) in [(0u32, 1u64, 2u64), (1, 2, 4), (5, 32, 64)] {
        match n.deliver(&ch, &p, attempt) {
            Outcome::Retry { after, reason } => {
                assert!(
                    after >= Duration::from_secs(lo) && after <= Duration::from_secs(hi),
                    "attempt {attempt}: {after:?}"
                );
                assert!(reason.contains("HTTP 50"), "{reason}");
            }
            o => panic!("{o:?}"),
        }
    }
    let Outcome::Failed { error } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("HTTP 400") && error.contains("bad event"),
        "{error}"
    );
    assert!(
        matches!(n.deliver(&ch, &p, 0), Outcome::Failed { .. }),
        "413 is permanent"
    );
}

#[test]
fn a_stalled_receiver_times_out_and_is_retried() {
    let sink = HttpSink::start();
    sink.script("POST", "/", vec![Reply::stall()]);
    let ch = channel(&format!(
        "  - type: webhook\n    url: {}\n    timeout_secs: 1\n",
        sink.url("/hook")
    ));
    let p = render(&ch, &message(1)).unwrap();
    let t = Instant::now();
    let o = notifier(BTreeMap::new()).deliver(&ch, &p, 0);
    let took = t.elapsed();
    let Outcome::Retry { reason, .. } = o else {
        panic!("{o:?}")
    };
    assert!(reason.contains("timed out"), "{reason}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn a_refused_connection_is_retried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ch = channel(&format!(
        "  - type: webhook\n    url: http://127.0.0.1:{port}/hook\n"
    ));
    let p = render(&ch, &message(1)).unwrap();
    assert!(matches!(
        notifier(BTreeMap::new()).deliver(&ch, &p, 0),
        Outcome::Retry { .. }
    ));
}

#[test]
fn the_minimum_interval_holds_back_a_second_delivery() {
    let sink = HttpSink::start();
    let ch = channel(&format!(
        "  - name: slow\n    type: webhook\n    url: {}\n    min_interval_secs: 60\n",
        sink.url("/hook")
    ));
    let p = render(&ch, &message(1)).unwrap();
    let n = notifier(BTreeMap::new());
    assert_eq!(n.deliver(&ch, &p, 0), Outcome::Delivered);
    let Outcome::Retry { after, reason } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        after > Duration::from_secs(55) && after <= Duration::from_mins(1),
        "{after:?}"
    );
    assert!(
        reason.contains("\"slow\"") && reason.contains("minimum interval"),
        "{reason}"
    );
    assert_eq!(
        sink.requests().len(),
        1,
        "the held-back delivery made no request"
    );
}

#[test]
fn a_missing_secret_or_a_mismatched_payload_fails_naming_the_channel() {
    let ch = channel("  - name: hook\n    type: webhook\n    url_env: NOT_SET_ANYWHERE\n");
    let p = render(&ch, &message(1)).unwrap();
    let Outcome::Failed { error } = notifier(BTreeMap::new()).deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("\"hook\"") && error.contains("NOT_SET_ANYWHERE"),
        "{error}"
    );
    let falco = channel("  - name: f\n    type: falco\n");
    let Outcome::Failed { error } = notifier(BTreeMap::new()).deliver(&falco, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("\"f\"") && error.contains("falco"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Jira REST API v2 (contract: developer.atlassian.com "The Jira Cloud platform REST API" v2 — POST /issue with
// fields project/issuetype/summary/description/labels; GET /search/jql; GET+POST /issue/{key}/comment;
// GET+POST /issue/{key}/transitions with {"transition":{"id":…}})

fn jira_channel(sink: &HttpSink, extra: &str) -> ChannelConfig {
    channel(&format!(
        "  - name: sec-jira\n    type: jira\n    url: {}\n    project: SEC\n    labels: [security]\n{extra}",
        sink.url("")
    ))
}

#[test]
fn jira_opens_an_issue_then_comments_and_transitions_it_when_fixed() {
    let sink = HttpSink::start();
    let ch = jira_channel(
        &sink,
        "    email: bot@example.com\n    token_env: JIRA_TOKEN\n    fixed_transition: Done\n",
    );
    let n = notifier(env(&[("JIRA_TOKEN", "api-token")]));
    let new = batch(vec![event(
        "platform",
        EventKind::New,
        "CVE-2026-0001",
        Severity::High,
        "sha256:aaaa",
    )])
    .remove(0);
    let fp = new.events[0].finding_fingerprint();
    let label = format!("bulwark-fp-{}", &fp[..32]);

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
            &json!({"id": "10001", "key": "SEC-1", "self": "x"}),
        )],
    );
    assert_eq!(
        n.deliver(&ch, &render(&ch, &new).unwrap(), 0),
        Outcome::Delivered
    );
    let reqs = sink.requests();
    assert_eq!(
        reqs.iter()
            .map(|r| (r.method.as_str(), r.path()))
            .collect::<Vec<_>>(),
        vec![
            ("GET", "/rest/api/2/search/jql"),
            ("POST", "/rest/api/2/issue"),
        ]
    );
    // Basic auth: base64("bot@example.com:api-token").
    for r in &reqs {
        assert_eq!(
            r.header("authorization"),
            Some("Basic Ym90QGV4YW1wbGUuY29tOmFwaS10b2tlbg==")
        );
    }
    assert_eq!(
        reqs[0].query("jql").unwrap(),
        format!("project = \"SEC\" AND labels = \"{label}\"")
    );
    let fields = &reqs[1].json()["fields"];
    assert_eq!(fields["project"], json!({"key": "SEC"}));
    assert_eq!(fields["issuetype"], json!({"name": "Bug"}));
    assert_eq!(
        fields["summary"],
        "CVE-2026-0001 (HIGH) in openssl 3.0.11-1~deb12u2: registry.example/shop/payments:1.4@sha256:aaaa"
    );
    let d = fields["description"].as_str().unwrap();
    assert!(
        d.contains("Fixed in 3.0.13-1~deb12u1")
            && d.contains("Runs in: eu1/payments/Deployment/api[app]"),
        "{d}"
    );
    assert!(d.contains("routed by base image debian:12"), "{d}");
    assert_eq!(fields["labels"], json!(["bulwark", "security", label]));

    // The same finding again (a redelivery): found, not created twice.
    sink.script(
        "GET",
        "/rest/api/2/search/jql",
        vec![Reply::json(
            200,
            &json!({"issues": [{"id": "10001", "key": "SEC-1"}]}),
        )],
    );
    assert_eq!(
        n.deliver(&ch, &render(&ch, &new).unwrap(), 0),
        Outcome::Delivered
    );
    assert_eq!(sink.requests().len(), 3);

    // Fixed: search, read comments, comment, list transitions, take "Done".
    let mut fixed_event = new.events[0].clone();
    fixed_event.kind = EventKind::Fixed;
    let fixed = batch(vec![fixed_event]).remove(0);
    let before = sink.requests().len();
    sink.script(
        "GET",
        "/rest/api/2/search/jql",
        vec![Reply::json(
            200,
            &json!({"issues": [{"id": "10001", "key": "SEC-1"}]}),
        )],
    );
    sink.script(
        "GET",
        "/rest/api/2/issue/SEC-1/comment",
        vec![Reply::json(200, &json!({"comments": [], "total": 0}))],
    );
    sink.script(
        "POST",
        "/rest/api/2/issue/SEC-1/comment",
        vec![Reply::json(201, &json!({"id": "1"}))],
    );
    sink.script(
        "GET",
        "/rest/api/2/issue/SEC-1/transitions",
        vec![Reply::json(
            200,
            &json!({"transitions": [
                {"id": "21", "name": "In Progress", "to": {"name": "In Progress"}},
                {"id": "31", "name": "Done", "to": {"name": "Done"}}
            ]}),
        )],
    );
    sink.script(
        "POST",
        "/rest/api/2/issue/SEC-1/transitions",
        vec![Reply::status(204)],
    );
    let fixed_payload = render(&ch, &fixed).unwrap();
    assert_eq!(n.deliver(&ch, &fixed_payload, 0), Outcome::Delivered);
    let reqs = sink.requests()[before..].to_vec();
    assert_eq!(
        reqs.iter()
            .map(|r| (r.method.as_str(), r.path()))
            .collect::<Vec<_>>(),
        vec![
            ("GET", "/rest/api/2/search/jql"),
            ("GET", "/rest/api/2/issue/SEC-1/comment"),
            ("POST", "/rest/api/2/issue/SEC-1/comment"),
            ("GET", "/rest/api/2/issue/SEC-1/transitions"),
            ("POST", "/rest/api/2/issue/SEC-1/transitions"),
        ]
    );
    assert_eq!(
        reqs[0].query("jql").unwrap(),
        format!("project = \"SEC\" AND labels = \"{label}\""),
        "the fix finds the issue the finding opened"
    );
    let comment = reqs[2].json()["body"].as_str().unwrap().to_owned();
    assert!(comment.starts_with("Fixed: CVE-2026-0001 is no longer found in registry.example/shop/payments:1.4@sha256:aaaa"), "{comment}");
    assert_eq!(reqs[4].json(), json!({"transition": {"id": "31"}}));

    // A retry of the fix after it went through: the comment carries a marker, the transition is gone.
    let before = sink.requests().len();
    sink.script(
        "GET",
        "/rest/api/2/search/jql",
        vec![Reply::json(200, &json!({"issues": [{"key": "SEC-1"}]}))],
    );
    sink.script(
        "GET",
        "/rest/api/2/issue/SEC-1/comment",
        vec![Reply::json(
            200,
            &json!({"comments": [{"id": "1", "body": comment}]}),
        )],
    );
    sink.script(
        "GET",
        "/rest/api/2/issue/SEC-1/transitions",
        vec![Reply::json(
            200,
            &json!({"transitions": [{"id": "41", "name": "Reopen"}]}),
        )],
    );
    assert_eq!(n.deliver(&ch, &fixed_payload, 0), Outcome::Delivered);
    let methods: Vec<_> = sink.requests()[before..]
        .iter()
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, vec!["GET", "GET", "GET"], "nothing posted twice");
}

#[test]
fn jira_with_a_bearer_token_a_fingerprint_field_and_the_data_center_search() {
    let sink = HttpSink::start();
    let ch = jira_channel(
        &sink,
        "    token: \"${PAT}\"\n    fingerprint_field: customfield_10050\n    search: legacy\n    issue_type: Vulnerability\n",
    );
    let n = notifier(env(&[("PAT", "pat-123")]));
    let m = batch(vec![event(
        "platform",
        EventKind::New,
        "CVE-2026-0002",
        Severity::Critical,
        "sha256:bbbb",
    )])
    .remove(0);
    let fp = m.events[0].finding_fingerprint();
    sink.script(
        "GET",
        "/rest/api/2/search",
        vec![Reply::json(200, &json!({"issues": [], "total": 0}))],
    );
    sink.script(
        "POST",
        "/rest/api/2/issue",
        vec![Reply::json(201, &json!({"key": "SEC-2"}))],
    );
    assert_eq!(
        n.deliver(&ch, &render(&ch, &m).unwrap(), 0),
        Outcome::Delivered
    );
    let reqs = sink.requests();
    assert_eq!(reqs[0].path(), "/rest/api/2/search");
    assert_eq!(
        reqs[0].query("jql").unwrap(),
        format!("project = \"SEC\" AND cf[10050] ~ \"{fp}\"")
    );
    assert_eq!(reqs[0].header("authorization"), Some("Bearer pat-123"));
    let fields = &reqs[1].json()["fields"];
    assert_eq!(fields["customfield_10050"], fp.as_str());
    assert_eq!(fields["issuetype"]["name"], "Vulnerability");
    assert_eq!(fields["labels"], json!(["bulwark", "security"]));
}

#[test]
fn jira_rate_limited_midway_is_retried_and_a_refusal_fails() {
    let sink = HttpSink::start();
    let ch = jira_channel(&sink, "    email: bot@example.com\n    token: t\n");
    let n = notifier(BTreeMap::new());
    let m = batch(vec![event(
        "platform",
        EventKind::New,
        "CVE-2026-0003",
        Severity::Low,
        "sha256:cccc",
    )])
    .remove(0);
    let p = render(&ch, &m).unwrap();
    sink.script(
        "GET",
        "/rest/api/2/search/jql",
        vec![
            Reply::json(200, &json!({"issues": []})),
            Reply::json(200, &json!({"issues": []})),
        ],
    );
    sink.script(
        "POST",
        "/rest/api/2/issue",
        vec![
            Reply::status(429).header("Retry-After", "3"),
            Reply::json(
                400,
                &json!({"errorMessages": [], "errors": {"issuetype": "Specify a valid issue type"}}),
            ),
        ],
    );
    let Outcome::Retry { after, .. } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert_eq!(after, Duration::from_secs(3));
    let Outcome::Failed { error } = n.deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("HTTP 400")
            && error.contains("Specify a valid issue type")
            && error.contains("sec-jira"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// Falco JSON lines (the keys of falcosidekick's FalcoPayload; its Check() wants a known priority, a rule, a
// time and output fields)

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn falco_lines_have_the_fields_falcosidekick_reads() {
    let out = Shared::default();
    let n = Notifier::new().with_falco_output(out.clone());
    let ch = channel("  - type: falco\n    hostname: node-7\n    tags: [prod]\n");
    let mut fixed = event(
        "payments",
        EventKind::Fixed,
        "CVE-2026-0009",
        Severity::Medium,
        "sha256:dddd",
    );
    fixed.layer = None;
    let m = batch(vec![
        event(
            "payments",
            EventKind::New,
            "CVE-2026-0008",
            Severity::Critical,
            "sha256:dddd",
        ),
        fixed,
    ])
    .remove(0);
    assert_eq!(
        n.deliver(&ch, &render(&ch, &m).unwrap(), 0),
        Outcome::Delivered
    );
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let falcosidekick_priorities = [
        "emergency",
        "alert",
        "critical",
        "error",
        "warning",
        "notice",
        "informational",
        "debug",
    ];
    for l in &lines {
        let mut keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            vec![
                "hostname",
                "output",
                "output_fields",
                "priority",
                "rule",
                "source",
                "tags",
                "time"
            ]
        );
        assert!(
            falcosidekick_priorities.contains(
                &l["priority"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .as_str()
            )
        );
        assert!(!l["rule"].as_str().unwrap().is_empty());
        assert!(!l["output_fields"].as_object().unwrap().is_empty());
        assert_eq!(l["hostname"], "node-7");
        assert_eq!(l["source"], "bulwark");
        // RFC 3339 with nanoseconds, as Falco prints it (Go's time.Time reads it).
        let t = l["time"].as_str().unwrap();
        assert_eq!(t, "2026-11-30T00:53:20.000000000Z");
        assert!(
            l["output"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{t}: {} ", l["priority"].as_str().unwrap()))
        );
        assert_eq!(l["output_fields"]["k8s.ns.name"], "payments");
        assert_eq!(l["output_fields"]["container.image.digest"], "sha256:dddd");
        assert_eq!(
            l["tags"],
            json!(["bulwark", "vulnerability", "team:payments", "prod"])
        );
    }
    assert_eq!(lines[0]["priority"], "Critical");
    assert_eq!(lines[0]["rule"], "Vulnerability found in running image");
    assert_eq!(lines[0]["output_fields"]["image.layer.index"], 0);
    assert_eq!(lines[1]["priority"], "Warning");
    assert_eq!(lines[1]["rule"], "Vulnerability fixed in running image");
    assert_eq!(lines[1]["output_fields"]["image.layer.index"], Value::Null);
}
