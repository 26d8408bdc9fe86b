#![no_main]
//! Fuzzes bulwark-notify's channel config (`channels:` YAML, with templates) and rendering: any bytes give
//! channels or an error naming the file or channel, never a panic; every channel that parses renders a fixed
//! message or gives a template error naming the channel, and Slack payloads keep to Block Kit's limits.

use bulwark_notify::{
    ChannelKind, Event, EventKind, ImageRef, PackageRef, Payload, Placement, batch, parse_channels, render,
};

fn message() -> bulwark_notify::Message {
    let e = Event {
        kind: EventKind::New,
        vulnerability: "CVE-2026-0001".into(),
        severity: bulwark_types::Severity::High,
        package: PackageRef { name: "zlib".into(), version: "1.2.13".into(), purl: "pkg:deb/debian/zlib@1.2.13".into() },
        fixed_version: Some("1.3".into()),
        image: ImageRef { reference: "registry.example/app:1".into(), digest: "sha256:ab".into() },
        layer: None,
        placements: vec![Placement { namespace: Some("payments".into()), workload_name: Some("api".into()), ..Placement::default() }],
        team: "platform".into(),
        rule: "namespace payments".into(),
        time: 1_796_000_000,
    };
    batch(vec![e.clone(), Event { kind: EventKind::Fixed, ..e }]).remove(0)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(channels) = parse_channels(data, "/fuzz/owners.yaml") else {
        return;
    };
    let m = message();
    for c in &channels {
        match render(c, &m) {
            Ok(Payload::Json { body, .. }) if matches!(c.kind, ChannelKind::Slack(_)) => {
                let blocks = body["blocks"].as_array().expect("blocks");
                assert!(blocks.len() <= bulwark_notify::SLACK_MAX_BLOCKS);
            }
            Ok(_) => {}
            Err(e) => assert!(e.to_string().contains(&format!("{:?}", c.label())), "{e}"),
        }
    }
});
