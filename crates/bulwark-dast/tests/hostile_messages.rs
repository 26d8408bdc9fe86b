//! Every registered rule over hostile messages, built from bytes by `bulwark_dast::testing::message` as the fuzz
//! target `fuzz/fuzz_targets/dast_rules.rs` builds them (so a crash it finds replays here): malformed and repeated
//! headers, non-UTF-8 and binary bodies, broken URLs, odd statuses. No rule may panic, and every alert must carry
//! a registered plugin id and an `alertRef` of that id.

use bulwark_dast::ScanContext;
use bulwark_dast::testing::{judge_all, message};

const CASES: &[&[u8]] = &[
    b"",
    b"\n\n",
    b"not a url\nContent-Type: text/html\n\n<html>",
    b"https://a.test/?jsessionid=AAAAAAAAAAAAAAAA&password=x&card=4111111111111111\nstatus 302\nLocation: https://evil.test/?jsessionid=AAAAAAAAAAAAAAAA\nSet-Cookie: a=https://evil.test/; Domain=.test; Expires=\xff\nSet-Cookie: =\nSet-Cookie: ;;;\n\n<a href=\"http://x.test/\">",
    b"https://a.test/\nContent-Type: text/html; charset=\nContent-Security-Policy: \xe2\x80\x98self\xe2\x80\x99\nContent-Security-Policy: ;;; default-src; script-src * 'unsafe-inline' 'nonce-'; ,,,\nContent-Security-Policy: *.\nStrict-Transport-Security: max-age=\nStrict-Transport-Security: \"\nX-Frame-Options:\n\n<meta http-equiv=X-Frame-Options>",
    b"https://a.test/\nCache-Control: max-age=99999999999999999999999, s-maxage=-1\nExpires: Mon, 99 Foo 0000 99:99:99 GMT\nDate: \nAge: -\nX-Cache: , ,HIT\nServer: OpenSSL/\nServer: OpenSSL/1.0.1\n\n",
    b"http://a.test/\nstatus 401\nWWW-Authenticate: Basic\n>Authorization: Basic \xff\xfe\n>Authorization: Digest username=\"\n>Authorization: Basic ====\n>Referer: ::::\n>Sec-Fetch-Site: \n\n",
    b"https://[::1]:99999/\nstatus 0\nAccess-Control-Allow-Origin: *\nX-ChromeLogger-Data: ====\nCross-Origin-Resource-Policy: ;report-to\nContent-Type: application/xml\n\n<?xml encoding=\"",
    b"https://a.test/?a=%zz&b=%\nstatus 65535\nSet-Cookie2: b=%zz; SameSite\nContent-Type:\n\n\x00\x01\x02\xff",
];

#[test]
fn no_rule_panics_on_hostile_messages() {
    let rules = bulwark_dast::rules::all();
    let ids: Vec<u32> = rules.iter().map(|r| r.info().id).collect();
    let origins = [String::from("https://a.test")];
    for data in CASES {
        let out = judge_all(&message(data), &origins);
        for a in &out {
            assert!(
                ids.contains(&a.plugin_id),
                "unregistered plugin {}",
                a.plugin_id
            );
            let id = a.plugin_id.to_string();
            assert!(
                a.alert_ref == id || a.alert_ref.starts_with(&format!("{id}-")),
                "alertRef {} of plugin {id}",
                a.alert_ref
            );
        }
    }
}

/// A long header value and a large body stay fast: rules are linear in the message.
#[test]
fn large_messages_stay_fast() {
    let mut data =
        b"https://a.test/?q=1\nContent-Type: text/html\nContent-Security-Policy: ".to_vec();
    data.extend(
        std::iter::repeat_n(b"script-src * 'unsafe-inline'; ".as_slice(), 20_000).flatten(),
    );
    data.extend_from_slice(b"\nSet-Cookie: a=");
    data.extend(std::iter::repeat_n(b'x', 200_000));
    data.extend_from_slice(b"\n\n");
    data.extend(std::iter::repeat_n(b"<a href=\"http://x.test/\">".as_slice(), 100_000).flatten());
    let msg = message(&data);
    let origins = [String::new()];
    let text = msg.body_text();
    let cx = ScanContext {
        doc: None,
        text: &text,
        vulns: None,
        secrets: None,
        origins: &origins,
    };
    let start = std::time::Instant::now();
    let mut out = Vec::new();
    for r in bulwark_dast::rules::all() {
        r.scan(&msg, &cx, &mut out);
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
