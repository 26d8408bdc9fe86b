//! A small in-memory OCI registry on 127.0.0.1, written for these tests (std only, one thread per
//! connection, `Connection: close`). It is NOT a stand-in for the real registry: the behaviour that Debian's
//! `docker-registry` 2.8 has is tested against it. It exists for what that registry cannot do:
//!
//! - the OCI 1.1 **referrers API** (`GET /v2/<name>/referrers/<digest>[?artifactType=…]`, with
//!   `OCI-Filters-Applied`), and the `OCI-Subject` header on a manifest `PUT` with a `subject`
//!   (distribution-spec `spec.md`, "Listing Referrers" and "Pushing Manifests with Subject");
//! - hostile answers: any path can be given a fixed response ([`FakeState::overrides`]), a blob can be stored
//!   under a digest it does not have, a tag list can be as long as wanted.
//!
//! Blob uploads (monolithic and chunked, `Content-Range` checked, `Location` relative after `POST` and
//! absolute after `PATCH`), manifests by tag and digest, and the tag listing with `n`, `last` and `Link` follow
//! the distribution spec.
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A canned answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct FakeState {
    /// digest → bytes (not checked: a test may store bytes under a wrong digest).
    pub blobs: HashMap<String, Vec<u8>>,
    /// digest → (media type, bytes)
    pub manifests: HashMap<String, (String, Vec<u8>)>,
    /// tag → digest, in tag order.
    pub tags: BTreeMap<String, String>,
    /// Serve `/referrers/` and answer `OCI-Subject`.
    pub referrers_api: bool,
    /// Largest page the tag listing returns whatever `n` says.
    pub max_tag_page: usize,
    /// Leave the `Link` header out of tag pages (clients must then page with `last`).
    pub no_tag_link: bool,
    /// `path` (without the query) → fixed answer, checked before anything else.
    pub overrides: HashMap<String, Canned>,
    /// `METHOD path?query` of every request, in order.
    pub requests: Vec<String>,
    uploads: HashMap<String, Vec<u8>>,
    next_upload: usize,
}

pub struct FakeRegistry {
    pub host: String,
    pub state: Arc<Mutex<FakeState>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    // sha256sum keeps this file std-only.
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// `sha256:<hex>` of `bytes`, computed by `sha256sum`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

impl FakeRegistry {
    pub fn start(referrers_api: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let state = Arc::new(Mutex::new(FakeState {
            referrers_api,
            max_tag_page: 1000,
            ..FakeState::default()
        }));
        let shared = Arc::clone(&state);
        let me = host.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&shared);
                let me = me.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state, &me);
                });
            }
        });
        Self { host, state }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    /// Stores a manifest under its digest (and `tag`), returning the digest.
    pub fn put_manifest(&self, tag: Option<&str>, media_type: &str, bytes: &[u8]) -> String {
        let d = digest_of(bytes);
        let mut s = self.lock();
        s.manifests
            .insert(d.clone(), (media_type.to_owned(), bytes.to_vec()));
        if let Some(t) = tag {
            s.tags.insert(t.to_owned(), d.clone());
        }
        d
    }

    /// Requests whose line contains `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.contains(needle))
            .count()
    }
}

fn reply(stream: &mut TcpStream, c: &Canned, head: bool) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let reason = match c.status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        404 => "Not Found",
        _ => "Status",
    };
    let mut out = format!("HTTP/1.1 {} {reason}\r\n", c.status);
    for (k, v) in &c.headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    let _ = write!(
        out,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        c.body.len()
    );
    stream.write_all(out.as_bytes())?;
    if !head {
        stream.write_all(&c.body)?;
    }
    stream.flush()
}

fn canned(status: u16, headers: &[(&str, String)], body: Vec<u8>) -> Canned {
    Canned {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        body,
    }
}

fn not_found() -> Canned {
    canned(
        404,
        &[("Content-Type", "application/json".to_owned())],
        br#"{"errors":[{"code":"NOT_FOUND"}]}"#.to_vec(),
    )
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn unescape(s: &str) -> String {
    s.replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%3A", ":")
        .replace("%3a", ":")
}

fn serve(mut stream: TcpStream, state: &Mutex<FakeState>, me: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let answer = {
        let mut s = state.lock().unwrap();
        s.requests.push(format!("{method} {target}"));
        match s.overrides.get(path) {
            Some(c) => c.clone(),
            None => route(&mut s, &method, path, query, &headers, body, me),
        }
    };
    reply(&mut stream, &answer, method == "HEAD")
}

fn route(
    s: &mut FakeState,
    method: &str,
    path: &str,
    query: &str,
    headers: &HashMap<String, String>,
    body: Vec<u8>,
    me: &str,
) -> Canned {
    let Some(rest) = path.strip_prefix("/v2/") else {
        return not_found();
    };
    if let Some((name, upload)) = rest.split_once("/blobs/uploads/") {
        return match (method, upload) {
            ("POST", "") => {
                s.next_upload += 1;
                let id = format!("u{}", s.next_upload);
                s.uploads.insert(id.clone(), Vec::new());
                // Relative Location after POST.
                canned(
                    202,
                    &[("Location", format!("/v2/{name}/blobs/uploads/{id}"))],
                    Vec::new(),
                )
            }
            ("PATCH", id) => {
                let Some(buf) = s.uploads.get_mut(id) else {
                    return not_found();
                };
                let start = buf.len();
                let range = headers.get("content-range").cloned().unwrap_or_default();
                let expected = format!("{start}-{}", start + body.len() - 1);
                if range != expected {
                    return canned(
                        416,
                        &[],
                        format!("want {expected}, got {range}").into_bytes(),
                    );
                }
                buf.extend_from_slice(&body);
                let end = buf.len() - 1;
                // Absolute Location after PATCH.
                canned(
                    202,
                    &[
                        (
                            "Location",
                            format!("http://{me}/v2/{name}/blobs/uploads/{id}"),
                        ),
                        ("Range", format!("0-{end}")),
                    ],
                    Vec::new(),
                )
            }
            ("PUT", id) => {
                let Some(mut buf) = s.uploads.remove(id) else {
                    return not_found();
                };
                buf.extend_from_slice(&body);
                let want = unescape(query_param(query, "digest").unwrap_or(""));
                if digest_of(&buf) != want {
                    return canned(400, &[], b"DIGEST_INVALID".to_vec());
                }
                s.blobs.insert(want.clone(), buf);
                canned(
                    201,
                    &[("Location", format!("/v2/{name}/blobs/{want}"))],
                    Vec::new(),
                )
            }
            _ => not_found(),
        };
    }
    if let Some((_, digest)) = rest.split_once("/blobs/") {
        return match s.blobs.get(digest) {
            Some(b) => canned(
                200,
                &[("Content-Type", "application/octet-stream".to_owned())],
                b.clone(),
            ),
            None => not_found(),
        };
    }
    if let Some((_, reference)) = rest.split_once("/manifests/") {
        if method == "PUT" {
            let media_type = headers.get("content-type").cloned().unwrap_or_default();
            let digest = digest_of(&body);
            let subject = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["subject"]["digest"].as_str().map(str::to_owned));
            s.manifests.insert(digest.clone(), (media_type, body));
            if !reference.starts_with("sha256:") {
                s.tags.insert(reference.to_owned(), digest.clone());
            }
            let mut h = vec![("Docker-Content-Digest", digest)];
            if let (true, Some(sub)) = (s.referrers_api, subject) {
                h.push(("OCI-Subject", sub));
            }
            return canned(201, &h, Vec::new());
        }
        let digest = if reference.starts_with("sha256:") {
            reference.to_owned()
        } else {
            match s.tags.get(reference) {
                Some(d) => d.clone(),
                None => return not_found(),
            }
        };
        return match s.manifests.get(&digest) {
            Some((mt, b)) => canned(
                200,
                &[
                    ("Content-Type", mt.clone()),
                    ("Docker-Content-Digest", digest.clone()),
                ],
                b.clone(),
            ),
            None => not_found(),
        };
    }
    if let Some((_, subject)) = rest.split_once("/referrers/") {
        if !s.referrers_api {
            return not_found();
        }
        let filter = query_param(query, "artifactType").map(unescape);
        let mut list = Vec::new();
        for (digest, (mt, bytes)) in &s.manifests {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
                continue;
            };
            if v["subject"]["digest"].as_str() != Some(subject) {
                continue;
            }
            let artifact_type = v["artifactType"]
                .as_str()
                .or_else(|| v["config"]["mediaType"].as_str())
                .unwrap_or_default()
                .to_owned();
            if filter.as_deref().is_some_and(|f| f != artifact_type) {
                continue;
            }
            let mut d = serde_json::json!({
                "mediaType": mt, "size": bytes.len(), "digest": digest, "artifactType": artifact_type,
            });
            if let Some(a) = v.get("annotations") {
                d["annotations"] = a.clone();
            }
            list.push(d);
        }
        list.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
        let index = serde_json::json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list,
        });
        let mut h = vec![(
            "Content-Type",
            "application/vnd.oci.image.index.v1+json".to_owned(),
        )];
        if filter.is_some() {
            h.push(("OCI-Filters-Applied", "artifactType".to_owned()));
        }
        return canned(200, &h, serde_json::to_vec(&index).unwrap());
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        let n: usize = query_param(query, "n")
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX)
            .min(s.max_tag_page);
        let last = query_param(query, "last").unwrap_or("");
        let page: Vec<&String> = s
            .tags
            .keys()
            .filter(|t| last.is_empty() || t.as_str() > last)
            .take(n)
            .collect();
        let more = page.last().is_some_and(|l| s.tags.keys().any(|t| t > *l));
        let mut h = vec![("Content-Type", "application/json".to_owned())];
        if more
            && !s.no_tag_link
            && let Some(l) = page.last()
        {
            h.push((
                "Link",
                format!("</v2/{name}/tags/list?n={n}&last={l}>; rel=\"next\""),
            ));
        }
        let body = serde_json::json!({"name": name, "tags": page});
        return canned(200, &h, serde_json::to_vec(&body).unwrap());
    }
    not_found()
}
