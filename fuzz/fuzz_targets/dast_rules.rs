#![no_main]

// Every passive DAST rule over an arbitrary message: the first line is the URL, then `name: value` lines are
// response headers (`>name: value` request headers) up to a blank line, then the body. No rule may panic, and
// every alert must name a registered plugin id.
use bulwark_dast::html::Document;
use bulwark_dast::{HttpMessage, ScanContext};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data.windows(2).position(|w| w == b"\n\n").unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..split]);
    let mut lines = head.lines();
    let mut msg = HttpMessage {
        method: "GET".into(),
        url: lines.next().unwrap_or("").to_string(),
        status: 200,
        http_version: "HTTP/1.1".into(),
        body: data.get(split + 2..).unwrap_or_default().to_vec(),
        ..HttpMessage::default()
    };
    for line in lines {
        if let Some(rest) = line.strip_prefix("status ") {
            msg.status = rest.trim().parse().unwrap_or(200);
        } else if let Some((k, v)) = line.split_once(':') {
            match k.strip_prefix('>') {
                Some(k) => msg.request_headers.push((k.to_string(), v.trim().to_string())),
                None => msg.response_headers.push((k.to_string(), v.trim().to_string())),
            }
        }
    }
    let doc = msg.is_html().then(|| Document::parse(&msg.body));
    let origins = [String::new()];
    let text = msg.body_text();
    let cx = ScanContext { doc: doc.as_ref(), text: &text, vulns: None, secrets: None, origins: &origins };
    let rules = bulwark_dast::rules::all();
    let ids: Vec<u32> = rules.iter().map(|r| r.info().id).collect();
    let mut out = Vec::new();
    for r in &rules {
        r.scan(&msg, &cx, &mut out);
    }
    for a in &out {
        assert!(ids.contains(&a.plugin_id), "alert of unregistered plugin {}", a.plugin_id);
    }
});
