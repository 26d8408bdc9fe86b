//! `bulwark probe ADDRESS|CIDR`: a read-only exposure probe (kubelet 10255/10250 anonymous access, etcd 2379 without
//! client auth, API server anonymous access, the dashboard, `/metrics` and `/debug/pprof/`, the Docker API over TCP
//! 2375). GET only, no credentials, bounded reads and timeouts; more than 256 addresses need `force`.
//!
//! A target is an address (the well-known [`DEFAULT_PORTS`] are tried), `host:port` (every check is tried on that
//! port) or a CIDR (each address as an address). Closed ports are skipped after a TCP connect. On an open port each
//! check's paths are fetched over plain HTTP first and over HTTPS when plain HTTP is not understood (a TLS port);
//! any certificate is accepted, since the question is what answers, and no client certificate, cookie or
//! `Authorization` header is ever sent. A response is a finding only when its body has the shape the product
//! answers with (a kubelet `PodList`, etcd's `etcdserver` version, Docker's `ApiVersion`, Prometheus text, the pprof
//! index), so an unrelated server answering 200 to everything is not reported.
//!
//! etcd's v3 API is gRPC; its HTTP gateway takes reads as `POST /v3/kv/range` with a JSON body, which a GET-only
//! probe does not send. The probe reads `/version` and the v2 `/v2/keys` (etcd 3.4 serves v2 only with
//! `--enable-v2`); a server that answers `/version` without a client certificate would answer v3 reads too.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use bulwark_types::Severity;
use ureq::Agent;
use ureq::config::AutoHeaderValue;
use ureq::tls::{TlsConfig, TlsProvider};

use crate::NodeError;

/// Addresses probed at most without `force`: a /24 (IPv4) or /120 (IPv6).
pub const MAX_ADDRESSES: u128 = 256;

/// Addresses probed at most even with `force`: a /16 (IPv4) or /112 (IPv6).
pub const MAX_FORCED_ADDRESSES: u128 = 65536;

/// Ports tried on an address given without a port: docker 2375, etcd 2379, API server 6443 and the old insecure
/// 8080, dashboard 8443, kube-proxy metrics 10249, kubelet 10250 and read-only 10255.
pub const DEFAULT_PORTS: [u16; 8] = [2375, 2379, 6443, 8080, 8443, 10249, 10250, 10255];

/// One thing to probe: a host (address or name) and a port, or no port for [`DEFAULT_PORTS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: Option<u16>,
}

impl Target {
    fn authority(&self, port: u16) -> String {
        if self.host.contains(':') {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }
}

/// Parses one target: `10.0.0.1`, `10.0.0.1:10250`, `[::1]:2379`, `node-1`, `node-1:10255`, `10.0.0.0/24`,
/// `fd00::/120`. A CIDR of more than [`MAX_ADDRESSES`] addresses is refused unless `force`, and of more than
/// [`MAX_FORCED_ADDRESSES`] always.
pub fn parse_targets(spec: &str, force: bool) -> Result<Vec<Target>, NodeError> {
    let spec = spec.trim();
    let bad = |why: &str| NodeError::Other(format!("probe target {spec:?}: {why}"));
    if spec.is_empty() {
        return Err(bad("empty"));
    }
    if let Some((addr, len)) = spec.split_once('/') {
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| bad("not an IP address before '/'"))?;
        let len: u32 = len
            .parse()
            .map_err(|_| bad("prefix length is not a number"))?;
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        if len > bits {
            return Err(bad(&format!("prefix length {len} is more than {bits}")));
        }
        let host_bits = bits - len;
        let count: u128 = if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        };
        if count > MAX_FORCED_ADDRESSES {
            return Err(bad(&format!(
                "/{len} is more than {MAX_FORCED_ADDRESSES} addresses (a /16), refused even with --force"
            )));
        }
        if count > MAX_ADDRESSES && !force {
            return Err(bad(&format!(
                "/{len} is {} addresses, more than {MAX_ADDRESSES} (a /24); pass --force to probe it",
                if host_bits >= 128 {
                    "2^128".to_string()
                } else {
                    count.to_string()
                }
            )));
        }
        let mask: u128 = if host_bits >= 128 {
            0
        } else {
            !((1u128 << host_bits) - 1)
        };
        let base = match addr {
            IpAddr::V4(a) => u128::from(u32::from(a)) & (mask & u128::from(u32::MAX)),
            IpAddr::V6(a) => u128::from(a) & mask,
        };
        let mut out = Vec::new();
        let mut i: u128 = 0;
        loop {
            let v = base + i;
            let ip = match addr {
                IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(v as u32)),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(v)),
            };
            out.push(Target {
                host: ip.to_string(),
                port: None,
            });
            if i == count.saturating_sub(1) {
                break;
            }
            i += 1;
        }
        return Ok(out);
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(vec![Target {
            host: ip.to_string(),
            port: None,
        }]);
    }
    if let Ok(sa) = spec.parse::<SocketAddr>() {
        return Ok(vec![Target {
            host: sa.ip().to_string(),
            port: Some(sa.port()),
        }]);
    }
    let (host, port) = match spec.rsplit_once(':') {
        Some((h, p)) => (
            h,
            Some(
                p.parse::<u16>()
                    .map_err(|_| bad("port is not a number 0-65535"))?,
            ),
        ),
        None => (spec, None),
    };
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !ok {
        return Err(bad("not an address, host:port or CIDR"));
    }
    Ok(vec![Target {
        host: host.to_string(),
        port,
    }])
}

/// Probe settings.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Time for the TCP connect that tells an open port.
    pub connect_timeout: Duration,
    /// Time for one request: connect, TLS, headers and body.
    pub timeout: Duration,
    /// Response bytes read at most; the rest is never read.
    pub max_body: u64,
    /// Addresses probed at the same time.
    pub parallel: usize,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_body: 64 * 1024,
            parallel: 16,
        }
    }
}

/// One exposure found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable id, e.g. `PROBE-KUBELET-READONLY`.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// The URL that answered.
    pub target: String,
    /// What answered, in a sentence with a short excerpt of the body.
    pub evidence: String,
}

/// One response, as far as it was read.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status: u16,
    /// At most `max_body` bytes.
    pub body: Vec<u8>,
    /// The body went on past `max_body`, or its reading was cut by the time limit.
    pub truncated: bool,
    /// The reading of the body failed (the time limit, or the connection cut).
    pub cut: bool,
}

impl Response {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn ok(&self) -> bool {
        self.status == 200
    }
    fn json(&self) -> Option<serde_json::Value> {
        if self.truncated {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// The GET-only client: ureq over rustls (aws-lc-rs), any certificate accepted, no redirects, no proxy, no
/// cookies, no credentials, no `Accept-Encoding` (so the body cap is on the bytes on the wire).
pub struct Client {
    agent: Agent,
    config: ProbeConfig,
}

impl Client {
    #[must_use]
    pub fn new(config: ProbeConfig) -> Self {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .disable_verification(true)
            .build();
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(AutoHeaderValue::Provided(Arc::new(format!(
                "bulwark-probe/{}",
                env!("CARGO_PKG_VERSION")
            ))))
            .accept_encoding(AutoHeaderValue::None)
            .timeout_global(Some(config.timeout))
            .tls_config(tls)
            .build()
            .new_agent();
        Self { agent, config }
    }

    /// `GET url`; an error is the reason in words (connection refused, TLS, time out).
    pub fn get(&self, url: &str) -> Result<Response, String> {
        let resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let mut reader = resp.into_body().into_reader();
        let mut body = Vec::new();
        let mut buf = [0u8; 8192];
        let max = usize::try_from(self.config.max_body).unwrap_or(usize::MAX);
        let mut truncated = false;
        let mut cut = false;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = max - body.len();
                    body.extend_from_slice(&buf[..n.min(room)]);
                    if n > room || body.len() == max {
                        // Full: one more byte tells whether there was more; the rest is never read.
                        if n > room || matches!(reader.read(&mut buf[..1]), Ok(k) if k > 0) {
                            truncated = true;
                        }
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    truncated = true;
                    cut = true;
                    break;
                }
            }
        }
        Ok(Response {
            url: url.to_string(),
            status,
            body,
            truncated,
            cut,
        })
    }
}

/// Whether a TCP connect to `host:port` succeeds within the connect timeout.
fn open(host: &str, port: u16, timeout: Duration) -> bool {
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, timeout).is_ok())
}

fn excerpt(r: &Response) -> String {
    let t = r.text();
    let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = t.chars().take(160).collect();
    if t.chars().count() > 160 {
        s.push('…');
    }
    s
}

/// A string field of a JSON answer, at most 64 characters, `?` when absent.
fn field(v: &serde_json::Value, key: &str) -> String {
    let s = v[key].as_str().unwrap_or("?");
    let mut out: String = s.chars().take(64).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

fn finding(id: &str, title: &str, severity: Severity, r: &Response, what: &str) -> Finding {
    Finding {
        id: id.to_string(),
        title: title.to_string(),
        severity,
        target: r.url.clone(),
        evidence: format!(
            "GET {} answered {}: {what}; body: {}",
            r.url,
            r.status,
            excerpt(r)
        ),
    }
}

/// The paths fetched on every open port, in order.
pub const PATHS: [&str; 10] = [
    "/pods",
    "/runningpods/",
    "/version",
    "/v2/keys",
    "/api",
    "/",
    "/api/v1/namespace",
    "/metrics",
    "/debug/pprof/",
    "/v1.24/info",
];

fn is_pod_list(r: &Response) -> bool {
    r.ok() && r.json().is_some_and(|v| v["kind"] == "PodList")
}

/// The findings of the responses of one port (`scheme` `http` or `https`), one per kind.
#[must_use]
pub fn classify(port: u16, scheme: &str, responses: &[Response]) -> Vec<Finding> {
    let get = |p: &str| {
        responses.iter().find(|r| {
            r.url.ends_with(p) && r.url[..r.url.len() - p.len()].matches('/').count() == 2
        })
    };
    let mut out = Vec::new();
    // Kubelet: the read-only port (plain HTTP, 10255) or the authenticated port (10250) with anonymous auth.
    let pods = get("/pods").filter(|r| is_pod_list(r));
    let running = get("/runningpods/").filter(|r| is_pod_list(r));
    if let Some(r) = pods.or(running) {
        let n = r
            .json()
            .map_or(0, |v| v["items"].as_array().map_or(0, Vec::len));
        if scheme == "http" || port == 10255 {
            out.push(finding(
                "PROBE-KUBELET-READONLY",
                "Kubelet read-only port answers without authentication",
                Severity::High,
                r,
                &format!("a PodList of {n} pods (kubelet --read-only-port, CIS 4.2.4 wants 0)"),
            ));
        } else {
            out.push(finding(
                "PROBE-KUBELET-ANONYMOUS",
                "Kubelet API allows anonymous requests",
                Severity::Critical,
                r,
                &format!(
                    "a PodList of {n} pods to a request without credentials (--anonymous-auth=false and \
                     --authorization-mode=Webhook, CIS 4.2.1/4.2.2)"
                ),
            ));
        }
    }
    // etcd: /version names etcdserver; v2 keys readable.
    let version = get("/version")
        .filter(|r| r.ok())
        .and_then(|r| r.json().map(|v| (r, v)));
    if let Some((r, v)) = &version {
        if v.get("etcdserver").is_some() {
            out.push(finding(
                "PROBE-ETCD-NO-CLIENT-AUTH",
                "etcd answers without a client certificate",
                Severity::Critical,
                r,
                &format!(
                    "etcd {} (--client-cert-auth=true with --trusted-ca-file, CIS 2.2); a v3 read is \
                     POST /v3/kv/range on the gRPC gateway, not tried by this GET-only probe",
                    field(v, "etcdserver")
                ),
            ));
            if let Some(k) =
                get("/v2/keys").filter(|r| r.ok() && r.json().is_some_and(|j| j["action"] == "get"))
            {
                out.push(finding(
                    "PROBE-ETCD-V2-KEYS",
                    "etcd v2 keys readable without authentication",
                    Severity::Critical,
                    k,
                    "the v2 key space lists",
                ));
            }
        }
        // API server: /version has gitVersion; anonymous /api discovery is more than public-info-viewer allows.
        let apiserver = v.get("gitVersion").is_some() && v.get("platform").is_some();
        if let Some(a) = get("/api")
            .filter(|_| apiserver)
            .filter(|r| r.ok() && r.json().is_some_and(|j| j["kind"] == "APIVersions"))
        {
            out.push(finding(
                "PROBE-APISERVER-ANONYMOUS",
                "API server answers anonymous discovery requests",
                Severity::High,
                a,
                &format!(
                    "APIVersions to a request without credentials, Kubernetes {} \
                     (--anonymous-auth=false, CIS 1.2.1)",
                    field(v, "gitVersion")
                ),
            ));
        }
        // Docker Engine API: /version has ApiVersion.
        if v.get("ApiVersion").is_some() {
            out.push(finding(
                "PROBE-DOCKER-TCP",
                "Docker API reachable over TCP without TLS client authentication",
                Severity::Critical,
                r,
                &format!(
                    "Docker {} API {} (anyone reaching it controls the host)",
                    field(v, "Version"),
                    field(v, "ApiVersion")
                ),
            ));
        }
    }
    // Dashboard: the UI, and its API answering without a login.
    if let Some(r) = get("/").filter(|r| r.ok()) {
        let t = r.text();
        if t.contains("<kd-root") || t.contains("Kubernetes Dashboard") {
            let ns = get("/api/v1/namespace")
                .filter(|r| r.ok())
                .filter(|r| r.json().is_some_and(|j| j.get("namespaces").is_some()));
            match ns {
                Some(n) => out.push(finding(
                    "PROBE-DASHBOARD-NO-AUTH",
                    "Kubernetes Dashboard API answers without login",
                    Severity::Critical,
                    n,
                    "the namespace list with the dashboard's own service account",
                )),
                None => out.push(finding(
                    "PROBE-DASHBOARD-EXPOSED",
                    "Kubernetes Dashboard reachable",
                    Severity::Medium,
                    r,
                    "the dashboard's UI",
                )),
            }
        }
    }
    if let Some(r) = get("/metrics").filter(|r| r.ok()) {
        let t = r.text();
        if t.lines()
            .any(|l| l.starts_with("# HELP ") || l.starts_with("# TYPE "))
        {
            out.push(finding(
                "PROBE-METRICS-EXPOSED",
                "Prometheus metrics readable without authentication",
                Severity::Medium,
                r,
                "Prometheus text exposition",
            ));
        }
    }
    if let Some(r) = get("/debug/pprof/").filter(|r| r.ok()) {
        let t = r.text();
        if t.contains("/debug/pprof/") || t.contains("Types of profiles available") {
            out.push(finding(
                "PROBE-PPROF-EXPOSED",
                "Go pprof profiling endpoints readable without authentication",
                Severity::High,
                r,
                "the pprof index (heap, goroutine stacks, the command line)",
            ));
        }
    }
    out
}

/// Whether a plain-HTTP attempt shows a TLS port: no HTTP answer, or Go's "HTTP request to an HTTPS server".
fn wants_tls(first: &Result<Response, String>) -> bool {
    match first {
        Err(e) => !e.contains("timeout") && !e.contains("timed out"),
        Ok(r) => r.status == 400 && r.text().contains("HTTP request to an HTTPS server"),
    }
}

/// Probes one port of one host: the paths over HTTP, or HTTPS when HTTP is not spoken there. A port stops being
/// asked at its first request that runs out of time.
#[must_use]
pub fn probe_port(client: &Client, target: &Target, port: u16) -> Vec<Finding> {
    let auth = target.authority(port);
    let first = client.get(&format!("http://{auth}{}", PATHS[0]));
    let (scheme, first) = if wants_tls(&first) {
        match client.get(&format!("https://{auth}{}", PATHS[0])) {
            Ok(r) => ("https", r),
            Err(_) => return Vec::new(),
        }
    } else {
        match first {
            Ok(r) => ("http", r),
            Err(_) => return Vec::new(),
        }
    };
    // A port that drips its answer past the time limit is left at the first: one budget, not one per path.
    if first.cut {
        return Vec::new();
    }
    let mut responses = vec![first];
    for p in &PATHS[1..] {
        match client.get(&format!("{scheme}://{auth}{p}")) {
            Ok(r) if r.cut => break,
            Ok(r) => responses.push(r),
            Err(e) if e.contains("timeout") || e.contains("timed out") => break,
            Err(_) => {}
        }
    }
    classify(port, scheme, &responses)
}

/// Probes every target (its port, or [`DEFAULT_PORTS`] that are open), `config.parallel` addresses at a time.
/// Findings in target order.
#[must_use]
pub fn probe(targets: &[Target], config: &ProbeConfig) -> Vec<Finding> {
    let client = Client::new(config.clone());
    let one = |t: &Target| -> Vec<Finding> {
        let ports: Vec<u16> = match t.port {
            Some(p) => vec![p],
            None => DEFAULT_PORTS.to_vec(),
        };
        ports
            .into_iter()
            .filter(|&p| open(&t.host, p, config.connect_timeout))
            .flat_map(|p| probe_port(&client, t, p))
            .collect()
    };
    let mut out = Vec::new();
    for chunk in targets.chunks(config.parallel.max(1)) {
        let results: Vec<Vec<Finding>> = std::thread::scope(|s| {
            let handles: Vec<_> = chunk.iter().map(|t| s.spawn(|| one(t))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        out.extend(results.into_iter().flatten());
    }
    out
}
