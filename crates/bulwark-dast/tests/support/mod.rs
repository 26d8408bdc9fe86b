//! A small HTTP/1.1 server on 127.0.0.1 for the spider tests: std::net only, one thread per connection, one
//! response per connection (`Connection: close`). Every request head is recorded.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) head: String,
}

pub(crate) type Handler = dyn Fn(&str, &mut dyn Write) + Send + Sync;

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts a server answering with `handler(path, stream)`.
    pub(crate) fn start(handler: Arc<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&s2);
                std::thread::spawn(move || {
                    if let Some(s) = read_head(&mut conn) {
                        seen.lock().unwrap().push(s.clone());
                        handler(&s.path, &mut conn);
                        let _ = conn.flush();
                    }
                });
            }
        });
        Self { base, seen }
    }

    /// The paths requested, in order.
    pub(crate) fn paths(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.path.clone())
            .collect()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Reads a request head (at most 64 KiB).
pub(crate) fn read_head(conn: &mut impl Read) -> Option<Seen> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        if conn.read(&mut b).ok()? == 0 {
            return None;
        }
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1)?.to_string();
    Some(Seen { path, head })
}

/// Writes a whole response.
pub(crate) fn respond(w: &mut dyn Write, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out.push_str("\r\n");
    let _ = w.write_all(out.as_bytes());
    let _ = w.write_all(body);
}

pub(crate) fn html(w: &mut dyn Write, body: &str) {
    respond(
        w,
        200,
        &[("Content-Type", "text/html; charset=utf-8")],
        body.as_bytes(),
    );
}

pub(crate) fn not_found(w: &mut dyn Write) {
    respond(w, 404, &[("Content-Type", "text/plain")], b"not found");
}

/// The peak resident set of this process (VmHWM), in KiB.
pub(crate) fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
