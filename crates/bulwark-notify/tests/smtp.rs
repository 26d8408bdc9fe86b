//! E-mail to a real SMTP server: PyPI `aiosmtpd` on 127.0.0.1 (tests/support/smtp_sink.py), with a CA and a
//! certificate made by the test. STARTTLS is required by default; a server that does not offer it gets nothing.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bulwark_notify::{ChannelConfig, EventKind, Notifier, Outcome, batch, parse_channels, render};
use bulwark_types::Severity;
use support::{SmtpSink, event, tls_files};

fn channel(port: u16, ca: &Path, extra: &str) -> ChannelConfig {
    let yaml = format!(
        "channels:\n  - name: platform-mail\n    type: email\n    host: 127.0.0.1\n    port: {port}\n    tls_name: localhost\n    ca_file: {}\n    from: \"Bulwark <bulwark@example.com>\"\n    to: [platform@example.com, oncall@example.com]\n    timeout_secs: 10\n{extra}",
        ca.display()
    );
    parse_channels(yaml.as_bytes(), "test.yaml")
        .unwrap()
        .remove(0)
}

fn unfold(data: &str) -> String {
    data.replace("\r\n ", " ").replace("\r\n\t", " ")
}

/// The decoded text of a quoted-printable or 7bit body (lettre picks the encoding).
fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn mail_goes_over_starttls_with_from_to_subject_and_body() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = tls_files(dir.path());
    let sink = SmtpSink::start(Some((&cert, &key)));
    let ch = channel(sink.port, &ca, "");
    let m = batch(vec![
        event(
            "platform",
            EventKind::New,
            "CVE-2026-1001",
            Severity::Critical,
            "sha256:aaaa",
        ),
        event(
            "platform",
            EventKind::Fixed,
            "CVE-2026-0900",
            Severity::Low,
            "sha256:aaaa",
        ),
    ])
    .remove(0);
    let payload = render(&ch, &m).unwrap();
    assert_eq!(
        Notifier::new()
            .with_env(BTreeMap::new())
            .deliver(&ch, &payload, 0),
        Outcome::Delivered
    );

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let msg = &got[0];
    assert_eq!(
        msg["tls"], true,
        "the session was encrypted before MAIL FROM"
    );
    assert_eq!(msg["mail_from"], "bulwark@example.com");
    assert_eq!(
        msg["rcpt_tos"],
        serde_json::json!(["platform@example.com", "oncall@example.com"])
    );
    let data = unfold(msg["data"].as_str().unwrap());
    let (head, body) = data.split_once("\r\n\r\n").unwrap();
    assert!(
        head.contains("From: \"Bulwark\" <bulwark@example.com>")
            || head.contains("From: Bulwark <bulwark@example.com>"),
        "{head}"
    );
    assert!(
        head.contains("To: platform@example.com, oncall@example.com"),
        "{head}"
    );
    assert!(
        head.contains("Subject: 1 new and 1 fixed vulnerabilities for platform"),
        "{head}"
    );
    assert!(
        head.contains(&format!("Message-ID: <{}@bulwark.invalid>", m.dedupe_key)),
        "{head}"
    );
    assert!(
        head.contains("Content-Type: text/plain; charset=utf-8"),
        "{head}"
    );
    let body = decode_qp(body);
    assert!(
        body.contains("Team platform: 1 new, 1 fixed (1 CRITICAL, 1 LOW)."),
        "{body}"
    );
    assert!(
        body.contains(
            "- [new] CVE-2026-1001 CRITICAL in openssl 3.0.11-1~deb12u2 (fixed in 3.0.13-1~deb12u1)"
        ),
        "{body}"
    );
    assert!(body.contains("- [fixed] CVE-2026-0900 LOW"), "{body}");
    assert!(
        body.contains(
            "runs in eu1/payments/Deployment/api[app], eu1/payments-staging/Deployment/api[app]"
        ),
        "{body}"
    );
}

#[test]
fn an_html_part_comes_from_its_template_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = tls_files(dir.path());
    let sink = SmtpSink::start(Some((&cert, &key)));
    let ch = channel(
        sink.port,
        &ca,
        "    templates:\n      title: \"[{{ team }}] {{ summary.total }} changes\"\n      html: \"<p>{% for e in events %}<b>{{ e.vulnerability }}</b> {{ e.rule }}{% endfor %}</p>\"\n",
    );
    let mut e = event(
        "platform",
        EventKind::New,
        "CVE-2026-1002",
        Severity::High,
        "sha256:aaaa",
    );
    e.rule = "namespace <script>".into();
    let m = batch(vec![e]).remove(0);
    assert_eq!(
        Notifier::new().deliver(&ch, &render(&ch, &m).unwrap(), 0),
        Outcome::Delivered
    );
    let data = unfold(sink.messages()[0]["data"].as_str().unwrap());
    assert!(data.contains("Subject: [platform] 1 changes"), "{data}");
    assert!(
        data.contains("Content-Type: multipart/alternative"),
        "{data}"
    );
    let decoded = decode_qp(&data);
    assert!(
        decoded.contains("<b>CVE-2026-1002</b> namespace &lt;script&gt;"),
        "{decoded}"
    );
}

#[test]
fn a_server_without_starttls_is_refused_when_tls_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, _, _) = tls_files(dir.path());
    let plain = SmtpSink::start(None);
    let ch = channel(plain.port, &ca, "");
    let m = batch(vec![event(
        "platform",
        EventKind::New,
        "CVE-2026-1003",
        Severity::High,
        "sha256:aaaa",
    )])
    .remove(0);
    let p = render(&ch, &m).unwrap();
    let Outcome::Failed { error } = Notifier::new().deliver(&ch, &p, 0) else {
        panic!()
    };
    assert!(
        error.contains("platform-mail") && error.contains("STARTTLS"),
        "{error}"
    );
    assert!(
        plain.messages().is_empty(),
        "nothing was sent in clear text"
    );

    // Opportunistic TLS sends in clear to such a server (an explicit choice in the config).
    let ch = channel(plain.port, &ca, "    tls: opportunistic\n");
    assert_eq!(Notifier::new().deliver(&ch, &p, 0), Outcome::Delivered);
    assert_eq!(plain.messages()[0]["tls"], false);
}

#[test]
fn an_untrusted_certificate_fails_and_a_dead_server_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, key) = tls_files(dir.path());
    let other = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = tls_files(other.path());
    let sink = SmtpSink::start(Some((&cert, &key)));
    let m = batch(vec![event(
        "platform",
        EventKind::New,
        "CVE-2026-1004",
        Severity::High,
        "sha256:aaaa",
    )])
    .remove(0);
    let ch = channel(sink.port, &other_ca, "");
    let p = render(&ch, &m).unwrap();
    let o = Notifier::new().deliver(&ch, &p, 0);
    assert!(
        matches!(&o, Outcome::Failed { error } if error.contains("platform-mail")),
        "{o:?}"
    );
    assert!(sink.messages().is_empty());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ch = channel(port, &other_ca, "");
    match Notifier::new()
        .with_base_backoff(Duration::from_secs(4))
        .deliver(&ch, &p, 1)
    {
        Outcome::Retry { after, .. } => assert!(
            after >= Duration::from_secs(4) && after <= Duration::from_secs(8),
            "{after:?}"
        ),
        o => panic!("{o:?}"),
    }
}
