//! The probe against small std::net servers on 127.0.0.1 that answer as an anonymous kubelet, a dashboard without
//! login and a metrics/pprof endpoint (shapes from the Kubernetes API reference, the dashboard's index page and the
//! Prometheus text format), recording every request; and against hostile servers (slow drip, endless body, silence).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bulwark_node::probe::{ProbeConfig, Target, parse_targets, probe};

/// A request as received: the request line and the header lines.
type Seen = Arc<Mutex<Vec<(String, Vec<String>)>>>;

fn serve(answer: fn(&str) -> (u16, &'static str)) -> (u16, Seen) {
    serve_on(answer, None)
}

/// A server on 127.0.0.1 answering with `answer`, over TLS with a self-signed certificate (rcgen) when `tls`.
fn serve_on(
    answer: fn(&str) -> (u16, &'static str),
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (u16, Seen) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let s = seen.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(c) = c else { continue };
            let s = s.clone();
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                None => handle(c, &s, answer),
                Some(config) => {
                    let Ok(sc) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    handle(rustls::StreamOwned::new(sc, c), &s, answer);
                }
            });
        }
    });
    (port, seen)
}

fn self_signed() -> Arc<rustls::ServerConfig> {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap(),
    )
}

fn handle<S: Read + Write>(c: S, seen: &Seen, answer: fn(&str) -> (u16, &'static str)) {
    let mut r = BufReader::new(c);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                break;
            }
            let h = h.trim_end().to_string();
            if h.is_empty() {
                break;
            }
            headers.push(h);
        }
        seen.lock().unwrap().push((line.clone(), headers));
        let path = line.split(' ').nth(1).unwrap_or("");
        let (status, body) = answer(path);
        let ctype = if body.starts_with('{') {
            "application/json"
        } else {
            "text/plain"
        };
        let w = r.get_mut();
        let _ = write!(
            w,
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = w.flush();
    }
}

const POD_LIST: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"etcd-node1","namespace":"kube-system"},"spec":{"containers":[{"name":"etcd","image":"registry.k8s.io/etcd:3.5.9-0"}]}}]}"#;

fn kubelet(path: &str) -> (u16, &'static str) {
    match path {
        "/pods" | "/runningpods/" => (200, POD_LIST),
        "/metrics" => (
            200,
            "# HELP kubelet_running_pods Number of pods running\n# TYPE kubelet_running_pods gauge\nkubelet_running_pods 1\n",
        ),
        "/debug/pprof/" => (
            200,
            "<html><body>/debug/pprof/<br>Types of profiles available:<a href=\"goroutine?debug=1\">goroutine</a></body></html>",
        ),
        _ => (404, "404 page not found\n"),
    }
}

fn dashboard(path: &str) -> (u16, &'static str) {
    match path {
        "/" => (
            200,
            "<!doctype html><html><head><title>Kubernetes Dashboard</title></head><body><kd-root></kd-root></body></html>",
        ),
        "/api/v1/namespace" => (
            200,
            r#"{"listMeta":{"totalItems":1},"namespaces":[{"objectMeta":{"name":"default"}}],"errors":[]}"#,
        ),
        _ => (404, "404 page not found\n"),
    }
}

fn apiserver(path: &str) -> (u16, &'static str) {
    match path {
        "/version" => (
            200,
            r#"{"major":"1","minor":"30","gitVersion":"v1.30.2","goVersion":"go1.22.4","compiler":"gc","platform":"linux/amd64"}"#,
        ),
        "/api" => (
            200,
            r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}"#,
        ),
        _ => (
            403,
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}"#,
        ),
    }
}

fn kubelet_and_apiserver(path: &str) -> (u16, &'static str) {
    match path {
        "/pods" | "/runningpods/" => kubelet(path),
        _ => apiserver(path),
    }
}

fn docker(path: &str) -> (u16, &'static str) {
    match path {
        "/version" => (
            200,
            r#"{"Platform":{"Name":"Docker Engine - Community"},"Version":"26.1.4","ApiVersion":"1.45","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}"#,
        ),
        _ => (404, r#"{"message":"page not found"}"#),
    }
}

fn everything_200(_: &str) -> (u16, &'static str) {
    (200, "OK")
}

fn config() -> ProbeConfig {
    ProbeConfig {
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        max_body: 64 * 1024,
        parallel: 4,
    }
}

fn assert_only_get(seen: &Seen) {
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    for (line, headers) in seen.iter() {
        assert!(line.starts_with("GET /"), "not a GET: {line}");
        assert!(line.ends_with(" HTTP/1.1"), "{line}");
        for h in headers {
            let name = h.split(':').next().unwrap().to_ascii_lowercase();
            assert!(
                ![
                    "authorization",
                    "cookie",
                    "proxy-authorization",
                    "content-length",
                    "transfer-encoding"
                ]
                .contains(&name.as_str()),
                "{line} carried {h}"
            );
        }
    }
}

#[test]
fn anonymous_kubelet_over_http_is_the_read_only_port_with_metrics_and_pprof() {
    let (port, seen) = serve(kubelet);
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    let mut ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "PROBE-KUBELET-READONLY",
            "PROBE-METRICS-EXPOSED",
            "PROBE-PPROF-EXPOSED"
        ]
    );
    let k = f.iter().find(|f| f.id == "PROBE-KUBELET-READONLY").unwrap();
    assert_eq!(k.target, format!("http://127.0.0.1:{port}/pods"));
    assert!(k.evidence.contains("PodList of 1 pods"), "{}", k.evidence);
    assert_eq!(k.severity, bulwark_types::Severity::High);
    assert_only_get(&seen);
    // Every path asked for is one of the probe's, each once.
    let lines: Vec<String> = seen.lock().unwrap().iter().map(|s| s.0.clone()).collect();
    let want: Vec<String> = bulwark_node::probe::PATHS
        .iter()
        .map(|p| format!("GET {p} HTTP/1.1"))
        .collect();
    assert_eq!(lines, want);
}

#[test]
fn dashboard_answering_its_api_without_login() {
    let (port, seen) = serve(dashboard);
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, "PROBE-DASHBOARD-NO-AUTH");
    assert_eq!(
        f[0].target,
        format!("http://127.0.0.1:{port}/api/v1/namespace")
    );
    assert_only_get(&seen);
}

#[test]
fn a_server_answering_200_to_everything_is_not_reported() {
    let (port, seen) = serve(everything_200);
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    assert!(f.is_empty(), "{f:?}");
    assert_only_get(&seen);
}

#[test]
fn closed_port_gives_nothing_quickly() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = Instant::now();
    let f = probe(
        &[Target {
            host: "127.0.0.1".into(),
            port: Some(port),
        }],
        &config(),
    );
    assert!(f.is_empty());
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// A server that reads the request, then writes whatever `body` writes.
fn hostile(body: fn(&mut TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut c, &mut buf);
                body(&mut c);
            });
        }
    });
    port
}

fn drip(c: &mut TcpStream) {
    let _ = c.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"kind\":\"PodList\",",
    );
    for _ in 0..60 {
        if c.write_all(b" ").is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn endless(c: &mut TcpStream) {
    let _ = c.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"kind\":\"PodList\",\"x\":\"",
    );
    let chunk = vec![b'a'; 64 * 1024];
    // 1 GiB if the client read it all; it must stop at the cap.
    for _ in 0..16 * 1024 {
        if c.write_all(&chunk).is_err() {
            return;
        }
    }
}

fn silent(_: &mut TcpStream) {
    std::thread::sleep(Duration::from_secs(30));
}

#[test]
fn slow_drip_endless_body_and_silence_end_within_the_time_limit() {
    for (name, f) in [
        ("drip", drip as fn(&mut TcpStream)),
        ("endless", endless),
        ("silent", silent),
    ] {
        let port = hostile(f);
        let start = Instant::now();
        let found = probe(
            &[Target {
                host: "127.0.0.1".into(),
                port: Some(port),
            }],
            &config(),
        );
        let took = start.elapsed();
        // A port is left at its first request that runs out of its 2 s: the connect check, one budget, slack.
        let bound = Duration::from_secs(4);
        assert!(took < bound, "{name}: {took:?}");
        // A body cut by the time limit or the cap is never taken for a PodList.
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

#[test]
fn client_reads_at_most_max_body_and_stops_a_drip_at_the_timeout() {
    let client = bulwark_node::probe::Client::new(config());
    let port = hostile(endless);
    let r = client
        .get(&format!("http://127.0.0.1:{port}/metrics"))
        .unwrap();
    assert_eq!(r.body.len(), 64 * 1024);
    assert!(r.truncated);
    let port = hostile(drip);
    let start = Instant::now();
    let r = client
        .get(&format!("http://127.0.0.1:{port}/pods"))
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(r.truncated);
    assert!(r.body.starts_with(b"{\"kind\":\"PodList\","));
}

#[test]
fn anonymous_kubelet_and_api_server_over_tls_with_a_self_signed_certificate() {
    let (port, seen) = serve_on(kubelet_and_apiserver, Some(self_signed()));
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        ["PROBE-KUBELET-ANONYMOUS", "PROBE-APISERVER-ANONYMOUS"],
        "{f:?}"
    );
    assert_eq!(f[0].target, format!("https://127.0.0.1:{port}/pods"));
    assert_eq!(f[0].severity, bulwark_types::Severity::Critical);
    assert!(f[1].evidence.contains("v1.30.2"), "{}", f[1].evidence);
    // Only the TLS requests are recorded (the plain-HTTP attempt fails the handshake): all GETs.
    assert_only_get(&seen);
    assert_eq!(seen.lock().unwrap().len(), bulwark_node::probe::PATHS.len());
}

#[test]
fn api_server_answering_only_version_is_not_anonymous_discovery() {
    fn version_only(path: &str) -> (u16, &'static str) {
        match path {
            "/api" => (
                401,
                r#"{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}"#,
            ),
            _ => apiserver(path),
        }
    }
    let (port, seen) = serve_on(version_only, Some(self_signed()));
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    assert!(f.is_empty(), "{f:?}");
    assert_only_get(&seen);
}

#[test]
fn docker_api_over_tcp() {
    let (port, seen) = serve(docker);
    let f = probe(
        &parse_targets(&format!("127.0.0.1:{port}"), false).unwrap(),
        &config(),
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, "PROBE-DOCKER-TCP");
    assert!(
        f[0].evidence.contains("Docker 26.1.4 API 1.45"),
        "{}",
        f[0].evidence
    );
    assert_only_get(&seen);
}
