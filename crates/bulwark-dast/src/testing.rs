//! Messages from raw bytes, for the fuzz target `dast_rules` and the hostile-message tests, which must build
//! them the same way so that a crash the fuzzer finds replays as a test case. Not part of the API.

use crate::html::Document;
use crate::message::HttpMessage;
use crate::rules::Alert;
use crate::scan::Scanner;

/// A GET answered 200 from bytes: the first line is the URL, then `name: value` lines are response headers
/// (`>name: value` request headers, `status N` the status) up to a blank line, then the body. Never fails: a
/// malformed line is skipped, a bad status is 200.
#[must_use]
pub fn message(data: &[u8]) -> HttpMessage {
    let split = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .unwrap_or(data.len());
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
                Some(k) => msg
                    .request_headers
                    .push((k.to_string(), v.trim().to_string())),
                None => msg
                    .response_headers
                    .push((k.to_string(), v.trim().to_string())),
            }
        }
    }
    msg
}

/// Every registered rule over `msg` as a scan judges it (the page parsed when it is HTML, the body decoded once),
/// with `origins` in scope: the alerts raised.
#[must_use]
pub fn judge_all(msg: &HttpMessage, origins: &[String]) -> Vec<Alert> {
    let scanner = Scanner {
        rules: crate::rules::all(),
        vulns: None,
        secrets: None,
    };
    let doc = msg.is_html().then(|| Document::parse(&msg.body));
    let mut out = Vec::new();
    scanner.judge(msg, doc.as_ref(), origins, &mut out);
    out
}
