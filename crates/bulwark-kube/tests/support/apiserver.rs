//! A stand-in for kube-apiserver in tests: HTTP or HTTPS (rustls) on 127.0.0.1:0, one request per connection,
//! answering with whatever the test's handler says (JSON, a watch stream that ends, breaks or stalls). It checks
//! the bearer token or the client certificate itself and logs every request line. Stopped on drop.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::collapsible_if,
    clippy::single_match_else,
    clippy::needless_pass_by_value,
    clippy::type_complexity
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    /// `GET`, `DELETE`, `PATCH`, `POST`…
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The request body (read by `Content-Length`).
    pub body: Vec<u8>,
    pub authorization: Option<String>,
    pub client_cert: bool,
}

impl Req {
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }
    pub fn query(&self, key: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == key).then(|| percent_decode(v))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub enum Reply {
    /// Decided later, without holding the handler (which answers one request at a time): a watch that waits
    /// for the test to let it go while other requests are served.
    Later(Box<dyn FnOnce() -> Reply + Send>),
    Json(u16, Value),
    /// A watch stream: these lines, then `end`.
    Stream(Vec<Value>, End),
    /// Headers, then nothing for this long.
    Stall(Duration),
}

pub enum End {
    /// The final chunk: the server's timeoutSeconds elapsed.
    Clean,
    /// The final chunk after this long (a watch with nothing to say until its timeout).
    Wait(Duration),
    /// The connection is cut in the middle of a chunk.
    Drop,
    /// Headers and lines sent, then raw bytes (an over-long or broken line).
    Raw(Vec<u8>),
}

pub type Handler = Box<dyn FnMut(&Req) -> Reply + Send>;

pub enum Auth {
    None,
    /// The token the server accepts now (a test may rotate it).
    Bearer(Arc<Mutex<String>>),
    ClientCert,
}

pub fn bearer(t: &str) -> Auth {
    Auth::Bearer(Arc::new(Mutex::new(t.to_owned())))
}

pub struct ApiServer {
    pub addr: SocketAddr,
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl ApiServer {
    pub fn start(tls: Option<Arc<rustls::ServerConfig>>, auth: Auth, handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("{}://{addr}", if tls.is_some() { "https" } else { "http" });
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(Mutex::new(handler));
        let auth = Arc::new(auth);
        let server_cfg = tls;
        let (l2, s2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let (log, handler, auth, cfg, stop) = (
                    l2.clone(),
                    handler.clone(),
                    auth.clone(),
                    server_cfg.clone(),
                    s2.clone(),
                );
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                    match cfg {
                        Some(cfg) => {
                            let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                                return;
                            };
                            let mut s = rustls::StreamOwned::new(conn, tcp);
                            serve(&mut s, &log, &handler, &auth, &stop, |s| {
                                s.conn.peer_certificates().is_some()
                            });
                        }
                        None => {
                            let mut s = tcp;
                            serve(&mut s, &log, &handler, &auth, &stop, |_| false);
                        }
                    }
                });
            }
        });
        Self {
            addr,
            url,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    /// Request targets, in order.
    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.target).collect()
    }
}

fn serve<S: Read + Write>(
    s: &mut S,
    log: &Mutex<Vec<Req>>,
    handler: &Mutex<Handler>,
    auth: &Auth,
    stop: &AtomicBool,
    has_cert: impl Fn(&S) -> bool,
) {
    let mut head = Vec::new();
    let mut body = Vec::new();
    {
        let mut r = BufReader::new(&mut *s);
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
            if head.len() > 100 {
                return;
            }
        }
        let length = head.iter().find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        });
        if let Some(n) = length.filter(|n| *n <= 1 << 20) {
            body.resize(n, 0);
            if r.read_exact(&mut body).is_err() {
                return;
            }
        }
    }
    let Some(target) = head
        .first()
        .and_then(|l| l.split(' ').nth(1))
        .map(str::to_owned)
    else {
        return;
    };
    let authorization = head.iter().find_map(|h| {
        let (k, v) = h.split_once(':')?;
        k.eq_ignore_ascii_case("authorization")
            .then(|| v.trim().to_owned())
    });
    let header = |name: &str| {
        head.iter().find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let req = Req {
        method: head
            .first()
            .and_then(|l| l.split(' ').next())
            .unwrap_or("")
            .to_owned(),
        content_type: header("content-type"),
        body,
        target,
        authorization,
        client_cert: has_cert(s),
    };
    log.lock().unwrap().push(req.clone());
    let ok = match auth {
        Auth::None => true,
        Auth::Bearer(t) => {
            req.authorization.as_deref() == Some(&format!("Bearer {}", t.lock().unwrap()))
        }
        Auth::ClientCert => req.client_cert,
    };
    let mut reply = if ok {
        (handler.lock().unwrap())(&req)
    } else {
        Reply::Json(401, status(401, "Unauthorized", "Unauthorized"))
    };
    while let Reply::Later(f) = reply {
        reply = f();
    }
    match reply {
        Reply::Later(_) => {}
        Reply::Json(code, v) => {
            let body = v.to_string();
            let _ = write!(
                s,
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Stall(d) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            let _ = s.flush();
            let start = std::time::Instant::now();
            while start.elapsed() < d && !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Reply::Stream(lines, end) => {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            );
            for l in lines {
                let mut t = l.to_string();
                t.push('\n');
                let _ = write!(s, "{:x}\r\n{t}\r\n", t.len());
                let _ = s.flush();
            }
            match end {
                End::Clean => {
                    let _ = write!(s, "0\r\n\r\n");
                }
                End::Wait(d) => {
                    let start = std::time::Instant::now();
                    while start.elapsed() < d && !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    let _ = write!(s, "0\r\n\r\n");
                }
                End::Drop => {
                    // Announce a chunk and cut the connection half-way through it.
                    let _ = write!(s, "100\r\n{{\"type\":\"MODI");
                }
                End::Raw(bytes) => {
                    let _ = write!(s, "{:x}\r\n", bytes.len());
                    let _ = s.write_all(&bytes);
                    let _ = write!(s, "\r\n0\r\n\r\n");
                }
            }
        }
    }
    let _ = s.flush();
}

/// A `Status` object as the API server sends it (meta/v1 Status).
pub fn status(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "code": code})
}

/// A fixture object from tests/fixtures.
pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let p = if p.exists() {
        p
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../bulwark-kube/tests/fixtures")
            .join(name)
    };
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// A list object (`PodList`, `NamespaceList`) as the API returns it.
pub fn list(kind: &str, items: Vec<Value>, rv: &str, cont: Option<&str>) -> Value {
    let mut meta = json!({"resourceVersion": rv});
    if let Some(c) = cont {
        meta["continue"] = json!(c);
        meta["remainingItemCount"] = json!(1);
    }
    json!({"kind": kind, "apiVersion": "v1", "metadata": meta, "items": items})
}

/// A watch event line.
pub fn event(kind: &str, object: Value) -> Value {
    json!({"type": kind, "object": object})
}

/// A BOOKMARK event: only the kind and resourceVersion of the object are set (API concepts, "Watch bookmarks").
pub fn bookmark(rv: &str) -> Value {
    event(
        "BOOKMARK",
        json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": rv}}),
    )
}

pub fn with_rv(mut obj: Value, rv: &str) -> Value {
    obj["metadata"]["resourceVersion"] = json!(rv);
    obj
}

/// The recorded cluster: namespaces, the owners of the fixture pods, and pod lists in pages of two with a
/// continue token; `watch` answers watch requests in order (the last one repeats).
pub struct Cluster {
    pub pods: Vec<Value>,
    /// The namespaces served; a test may relabel them while a watch runs.
    pub namespaces: Arc<Mutex<Vec<Value>>>,
    pub gone_on_continue: usize,
    /// Largest page served, whatever `limit` asks.
    pub page_cap: usize,
    pub watches: Vec<Box<dyn FnMut(&Req) -> Reply + Send>>,
    watch_calls: usize,
    list_calls: usize,
    /// The risk-context objects by cluster-wide list path (`/api/v1/services`, `/apis/apps/v1/deployments`);
    /// any other such path lists nothing. A test may change them while a watch runs (a re-list sees it).
    pub objects: Arc<Mutex<std::collections::BTreeMap<String, Vec<Value>>>>,
    /// Answers to watches of those paths, in order (the last one repeats); without any, a watch stays open
    /// for a second and ends cleanly.
    pub object_watches:
        std::collections::BTreeMap<String, Vec<Box<dyn FnMut(&Req) -> Reply + Send>>>,
    object_watch_calls: std::collections::BTreeMap<String, usize>,
    /// List paths answered 403 Forbidden (the server's RBAC does not grant them).
    pub forbidden: Vec<String>,
}

impl Cluster {
    pub fn recorded() -> Self {
        Self {
            pods: [
                "pod-payments.json",
                "pod-search.json",
                "pod-nightly.json",
                "pod-web-debug.json",
            ]
            .iter()
            .map(|f| fixture(f))
            .collect(),
            namespaces: Arc::new(Mutex::new(
                [
                    "ns-staging.json",
                    "ns-production.json",
                    "ns-jx-acme-web-pr-7.json",
                ]
                .iter()
                .map(|f| fixture(f))
                .collect(),
            )),
            gone_on_continue: 0,
            page_cap: 2,
            watches: Vec::new(),
            watch_calls: 0,
            list_calls: 0,
            objects: Arc::default(),
            object_watches: std::collections::BTreeMap::new(),
            object_watch_calls: std::collections::BTreeMap::new(),
            forbidden: Vec::new(),
        }
    }

    /// A cluster-wide list path of a kind other than pods and namespaces.
    fn is_object_path(path: &str) -> bool {
        let n = path.split('/').count();
        !path.ends_with("/pods")
            && path != "/api/v1/namespaces"
            && ((path.starts_with("/api/v1/") && n == 4) || (path.starts_with("/apis/") && n == 5))
    }

    fn answer_objects(&mut self, req: &Req, path: &str) -> Reply {
        if self.forbidden.iter().any(|f| f == path) {
            return Reply::Json(
                403,
                status(
                    403,
                    "Forbidden",
                    &format!("cannot list resource at {path}: RBAC: access denied"),
                ),
            );
        }
        if req.query("watch").is_some() {
            let calls = self.object_watch_calls.entry(path.to_owned()).or_insert(0);
            let i = *calls;
            *calls += 1;
            return match self.object_watches.get_mut(path) {
                Some(ws) if !ws.is_empty() => {
                    let i = i.min(ws.len() - 1);
                    ws[i](req)
                }
                _ => Reply::Stream(vec![], End::Wait(Duration::from_secs(1))),
            };
        }
        let all = self
            .objects
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .unwrap_or_default();
        let page: usize = req
            .query("continue")
            .as_deref()
            .and_then(|c| c.strip_prefix("page-"))
            .map_or(0, |n| n.parse().unwrap_or(0));
        let limit: usize = req
            .query("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(500)
            .min(self.page_cap);
        let items: Vec<Value> = all.iter().skip(page * limit).take(limit).cloned().collect();
        let more = (page + 1) * limit < all.len();
        let next = format!("page-{}", page + 1);
        Reply::Json(
            200,
            list("List", items, "500", more.then_some(next.as_str())),
        )
    }

    pub fn handler(mut self) -> Handler {
        Box::new(move |req: &Req| self.answer(req))
    }

    fn answer(&mut self, req: &Req) -> Reply {
        let path = req.path().to_owned();
        if Self::is_object_path(&path) {
            return self.answer_objects(req, &path);
        }
        if req.query("watch").is_some() {
            let i = self.watch_calls.min(self.watches.len().saturating_sub(1));
            self.watch_calls += 1;
            return match self.watches.get_mut(i) {
                Some(w) => w(req),
                None => Reply::Stream(vec![], End::Clean),
            };
        }
        match path.as_str() {
            "/api/v1/namespaces" => Reply::Json(
                200,
                list(
                    "NamespaceList",
                    self.namespaces.lock().unwrap().clone(),
                    "150",
                    None,
                ),
            ),
            p if p.starts_with("/api/v1/namespaces/") && !p[19..].contains('/') => {
                let name = &p[19..];
                match self
                    .namespaces
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|n| n["metadata"]["name"] == json!(name))
                {
                    Some(n) => Reply::Json(200, n.clone()),
                    None => Reply::Json(
                        404,
                        status(404, "NotFound", &format!("namespaces \"{name}\" not found")),
                    ),
                }
            }
            p if p.starts_with("/api/v1/namespaces/") && p.ends_with("/pods") => {
                let ns = p[19..].trim_end_matches("/pods");
                let items: Vec<Value> = self
                    .pods
                    .iter()
                    .filter(|x| x["metadata"]["namespace"] == json!(ns))
                    .cloned()
                    .collect();
                Reply::Json(200, list("PodList", items, "300", None))
            }
            "/api/v1/pods" => {
                self.list_calls += 1;
                let cont = req.query("continue");
                let page: usize = cont
                    .as_deref()
                    .and_then(|c| c.strip_prefix("page-"))
                    .map_or(0, |n| n.parse().unwrap_or(0));
                if cont.is_some() && self.gone_on_continue > 0 {
                    self.gone_on_continue -= 1;
                    return Reply::Json(
                        410,
                        status(
                            410,
                            "Expired",
                            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                        ),
                    );
                }
                let limit: usize = req
                    .query("limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(500)
                    .min(self.page_cap);
                let items: Vec<Value> = self
                    .pods
                    .iter()
                    .skip(page * limit)
                    .take(limit)
                    .cloned()
                    .collect();
                let more = (page + 1) * limit < self.pods.len();
                let next = format!("page-{}", page + 1);
                Reply::Json(
                    200,
                    list("PodList", items, "300", more.then_some(next.as_str())),
                )
            }
            p => {
                let name = p.rsplit('/').next().unwrap_or("");
                let file = if p.contains("/replicasets/") {
                    format!("rs-{}.json", name.split('-').next().unwrap_or(""))
                } else if p.contains("/jobs/") {
                    "job-nightly.json".to_owned()
                } else {
                    String::new()
                };
                let found = !file.is_empty()
                    && Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures")
                        .join(&file)
                        .exists()
                    || !file.is_empty()
                        && Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join("../bulwark-kube/tests/fixtures")
                            .join(&file)
                            .exists();
                if found {
                    let obj = fixture(&file);
                    if obj["metadata"]["name"] == json!(name) {
                        return Reply::Json(200, obj);
                    }
                }
                Reply::Json(404, status(404, "NotFound", &format!("{p} not found")))
            }
        }
    }
}
