//! Real receivers for the run stage's notifications, on loopback: bulwark-notify's own test receivers (an HTTP
//! sink for the CloudEvents webhook, Slack and Jira; aiosmtpd for SMTP with STARTTLS), included from its test
//! support rather than copied, and the checks of each payload against the shape its vendor documents.
#![allow(dead_code, unreachable_pub)]

#[path = "../../../bulwark-notify/tests/support/mod.rs"]
pub mod notify;

use std::fmt::Write as _;
use std::path::Path;

pub use notify::{HttpSink, Recorded, SmtpSink, tls_files};
use serde_json::Value;

/// owners.yaml for the seed scenario with every channel type per team: a CloudEvents webhook
/// (`/hook/<team>`), a Slack incoming webhook (`/services/<team>`) and Jira (`/jira/<team>`, project = the
/// team's key) on the HTTP sink, and e-mail to `<team>@example.com` over STARTTLS (the sink's CA trusted
/// through `ca_file`). Routing as in `inventory::owners_yaml`: the base layer (debootstrap) is platform's, app
/// layers are payments' or search's by registry path.
pub fn owners_all_channels(http: &HttpSink, smtp_port: u16, ca: &Path) -> String {
    let mut y = String::from("teams:\n");
    for (team, key) in [
        ("platform", "PLAT"),
        ("payments", "PAY"),
        ("search", "SRCH"),
    ] {
        let _ = write!(
            y,
            "  {team}:\n    channels:\n\
             \x20     - {{type: webhook, url: \"{hook}\"}}\n\
             \x20     - {{type: slack, webhook_url: \"{slack}\"}}\n\
             \x20     - {{type: jira, url: \"{jira}\", project: {key}, email: bot@example.com, token: t0k3n}}\n\
             \x20     - {{type: email, host: 127.0.0.1, port: {smtp_port}, tls_name: localhost, ca_file: \"{ca}\", \
             from: \"Bulwark <bulwark@example.com>\", to: [{team}@example.com], timeout_secs: 10}}\n",
            hook = http.url(&format!("/hook/{team}")),
            slack = http.url(&format!("/services/{team}")),
            jira = http.url(&format!("/jira/{team}")),
            ca = ca.display(),
        );
    }
    y.push_str(
        "rules:\n  - team: platform\n    createdBy: \"debootstrap *\"\n  - team: payments\n    registry: registry.example/payments/**\n  - team: search\n    registry: registry.example/search/**\n",
    );
    y
}

/// The POST bodies the sink received on paths starting with `prefix`.
pub fn posts(sink: &HttpSink, prefix: &str) -> Vec<Recorded> {
    sink.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path().starts_with(prefix))
        .collect()
}

/// Every event is a valid CloudEvent 1.0 in structured mode: checked with python-jsonschema against the schema
/// bulwark-notify's tests wrote from the CloudEvents 1.0.2 spec.
pub fn check_cloudevents(reqs: &[Recorded]) {
    for r in reqs {
        assert_eq!(
            r.header("content-type"),
            Some("application/cloudevents+json"),
            "structured mode (CloudEvents JSON format §3)"
        );
    }
    let bodies: Vec<Value> = reqs.iter().map(Recorded::json).collect();
    let results =
        notify::jsonschema_validate(&notify::fixture("cloudevents-1.0.schema.json"), &bodies);
    for (b, r) in bodies.iter().zip(results) {
        assert_eq!(r, Ok(()), "not a valid CloudEvent: {b}");
    }
}

/// A Slack incoming-webhook message as Block Kit documents it (api.slack.com/reference/block-kit/blocks): a
/// non-empty `text` fallback, at most 50 blocks, headers in plain_text up to 150 characters, sections in
/// mrkdwn up to 3000.
pub fn check_slack(body: &Value) {
    assert!(
        body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "fallback text: {body}"
    );
    let blocks = body["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50, "{body}");
    for b in blocks {
        match b["type"].as_str().unwrap_or_default() {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                assert!(b["text"]["text"].as_str().unwrap().chars().count() <= 150);
            }
            "section" => {
                assert_eq!(b["text"]["type"], "mrkdwn");
                let n = b["text"]["text"].as_str().unwrap().chars().count();
                assert!(n > 0 && n <= 3000, "{n}");
            }
            "divider" | "context" => {}
            other => panic!("block type {other} is not one Slack documents: {body}"),
        }
    }
}

/// A Jira REST v2 `POST /rest/api/2/issue` body (developer.atlassian.com, "Create issue"): `fields` with
/// `project.key`, `issuetype.name`, a one-line `summary` under 255 characters, a `description` and `labels`
/// without spaces.
pub fn check_jira_issue(body: &Value, project: &str) {
    let f = &body["fields"];
    assert_eq!(f["project"]["key"], project, "{body}");
    assert!(
        f["issuetype"]["name"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let summary = f["summary"].as_str().expect("summary");
    assert!(
        !summary.is_empty() && summary.chars().count() < 255 && !summary.contains('\n'),
        "{summary}"
    );
    assert!(f["description"].is_string());
    for l in f["labels"].as_array().expect("labels") {
        assert!(!l.as_str().unwrap().contains(' '), "{l}");
    }
}
