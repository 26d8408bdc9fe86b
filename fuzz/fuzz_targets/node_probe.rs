#![no_main]

// The exposure probe's target parser and response classifier: the first line is a target spec (parsed with and
// without force), then bodies separated by 0xff bytes, one per probe path in order, each answered 200 (a leading
// `!` makes it a 401). Nothing may panic, and parsing must stay within the address caps.
use bulwark_node::probe::{classify, parse_targets, Response, MAX_FORCED_ADDRESSES, PATHS};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let nl = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let spec = String::from_utf8_lossy(&data[..nl]);
    for force in [false, true] {
        if let Ok(t) = parse_targets(&spec, force) {
            assert!(t.len() as u128 <= MAX_FORCED_ADDRESSES);
        }
    }
    let rest = data.get(nl + 1..).unwrap_or_default();
    let responses: Vec<Response> = rest
        .split(|&b| b == 0xff)
        .zip(PATHS)
        .map(|(b, p)| {
            let (status, body) = match b.strip_prefix(b"!") {
                Some(b) => (401, b),
                None => (200, b),
            };
            Response {
                url: format!("https://127.0.0.1:10250{p}"),
                status,
                body: body.to_vec(),
                truncated: false,
                cut: false,
            }
        })
        .collect();
    for (port, scheme) in [(10250, "https"), (10255, "http")] {
        for f in classify(port, scheme, &responses) {
            assert!(f.id.starts_with("PROBE-"));
            assert!(f.evidence.len() < 4096);
        }
    }
});
