//! A 100 MB response is cut at the body limit with a warning, and memory does not grow by the response's size.
//! Alone in its test binary so that the process's peak RSS (VmHWM) measures this crawl only.

mod support;

use std::io::Write;
use std::sync::Arc;

use bulwark_dast::http::{Client, ClientConfig};
use bulwark_dast::spider::{SpiderConfig, crawl};
use support::Server;

#[test]
fn hundred_megabyte_response_is_truncated_in_bounded_memory() {
    const SIZE: usize = 100 * 1024 * 1024;
    let server = Server::start(Arc::new(|path: &str, w: &mut dyn Write| {
        if path != "/" {
            return support::not_found(w);
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\n"
        );
        if w.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0;
        while sent < SIZE {
            if w.write_all(&chunk).is_err() {
                return; // the client stopped reading: expected.
            }
            sent += chunk.len();
        }
    }));
    let before = support::vm_hwm_kib();
    let client = Client::new(ClientConfig::default()).unwrap(); // max_body: 10 MiB
    let config = SpiderConfig {
        seeds: vec![server.url("/")],
        robots: false,
        sitemap: false,
        ..SpiderConfig::default()
    };
    let mut got = Vec::new();
    let stats = crawl(&config, &client, &mut |m, _| {
        got.push((m.body.len(), m.truncated));
    })
    .unwrap();
    let after = support::vm_hwm_kib();
    assert_eq!(got, [(10 * 1024 * 1024, true)]);
    assert!(
        stats
            .diagnostics
            .iter()
            .any(|d| d.contains("truncated") && d.contains(&server.url("/"))),
        "{:?}",
        stats.diagnostics
    );
    let grown_mib = (after.saturating_sub(before)) / 1024;
    eprintln!("VmHWM before {before} KiB, after {after} KiB");
    // The body kept is 10 MiB (and the HTML tokenizer reads it in place); 100 MiB would mean buffering it all.
    assert!(grown_mib < 60, "peak RSS grew by {grown_mib} MiB");
}
