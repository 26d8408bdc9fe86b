#![no_main]
//! Fuzzes what a runtime-alert notification is made from: any bytes as a queued payload (`Message` JSON, as
//! the outbox stores it) render on every channel kind or are refused by the JSON reader, never a panic; the
//! Slack payload keeps to Block Kit's limits and the Falco line has falcosidekick's keys. The same bytes as an
//! alert's output fields give bulwark-owners' file paths (absolute, without repeats) and a route.

use bulwark_notify::{Message, Payload, parse_channels, render};

const CHANNELS: &[u8] = b"channels:\n  - {type: webhook, url: 'https://h/'}\n  - {type: slack, webhook_url: 'https://h/'}\n  - {type: teams, webhook_url: 'https://h/'}\n  - {type: jira, url: 'https://h/', project: P, token: t}\n  - {type: email, host: h, from: a@b.c, to: [d@e.f]}\n  - {type: falco, hostname: n}\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(fields) = serde_json::from_slice::<serde_json::Value>(data) {
        let paths = bulwark_owners::alert_paths(&fields);
        assert!(paths.iter().all(|p| p.starts_with('/')));
        let owners = bulwark_owners::parse_bytes(b"teams:\n  a: {}\ndefaultTeam: a\nrules: []\n", "o.yaml").unwrap();
        let packages = Vec::new();
        let files = bulwark_owners::FileOwners::new(&packages);
        let cx = bulwark_owners::AlertContext { paths: &paths, files: Some(&files), ..Default::default() };
        assert_eq!(bulwark_owners::route_alert(&owners, &cx).map(|r| r.route.team).as_deref(), Some("a"));
    }
    let Ok(m) = serde_json::from_slice::<Message>(data) else {
        return;
    };
    for c in parse_channels(CHANNELS, "fuzz.yaml").unwrap() {
        let Ok(p) = render(&c, &m) else { continue };
        match p {
            Payload::Json { body, .. } if body.get("blocks").is_some() => {
                assert!(body["blocks"].as_array().unwrap().len() <= bulwark_notify::SLACK_MAX_BLOCKS);
            }
            Payload::Falco { lines } if !m.alerts.is_empty() => {
                for l in lines {
                    for k in ["uuid", "output", "priority", "rule", "time", "output_fields", "source", "tags", "hostname"] {
                        assert!(l.get(k).is_some(), "{k}");
                    }
                }
            }
            _ => {}
        }
    }
});
