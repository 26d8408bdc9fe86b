#![no_main]
//! Fuzzes the REST API's core (`bulwark_server::api::handle`) with an arbitrary method, path, query,
//! Authorization header and body against a SQLite store in a temp dir: every answer is a JSON error or a
//! success with a status, never a panic; a refused push (an SBOM, a node's report, a consolidated report) leaves the store as it
//! was.

use std::sync::OnceLock;

use bulwark_server::api::{ApiRequest, Tokens, handle};
use bulwark_store::Store;

struct Fixture {
    store: Store,
    tokens: Tokens,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("bulwark-fuzz-api-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let store = Store::open(&format!("sqlite:{}", dir.join("store.db").display())).expect("store");
        let tokens = Tokens::parse(
            b"tokens:\n  - {name: r, role: read, token: read-token-0123456789}\n  - {name: a, role: admin, token: admin-token-0123456789}\n",
            "fuzz.yaml",
        )
        .expect("tokens");
        Fixture { store, tokens }
    })
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD"];
const PATHS: &[&str] = &[
    "/api/v1/cves",
    "/api/v1/images",
    "/api/v1/images/",
    "/api/v1/workloads",
    "/api/v1/findings",
    "/api/v1/reports",
    "/api/v1/placements",
    "/api/v1/openapi.json",
    "/api/v1/runtime/actions",
    "/api/v1/runtime/denied-digests",
    "/api/v1/runtime/denied-digests/",
    "/api/v1/nodes",
    "/api/v1/nodes/",
    "/api/v1/nodes/worker-1/results",
    "/api/v1/results",
];
const AUTH: &[&str] = &["", "Bearer read-token-0123456789", "Bearer admin-token-0123456789", "Basic x"];

// Input: 1 byte method, 1 byte path, 1 byte auth, then `path-suffix \n query \n body`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let f = fixture();
    let method = METHODS[data[0] as usize % METHODS.len()];
    let path = PATHS[data[1] as usize % PATHS.len()];
    let auth = AUTH[data[2] as usize % AUTH.len()];
    let rest = &data[3..];
    let mut parts = rest.splitn(3, |&b| b == b'\n');
    let suffix = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let path = format!("{path}{suffix}");
    let before = f.store.images().map(|v| v.len()).unwrap_or(0);
    let nodes_before = f.store.node_results_generation().unwrap_or(0);
    let results_before = f.store.results_generation().unwrap_or(0);
    let r = handle(
        &f.store,
        Some(&f.tokens),
        &ApiRequest {
            method,
            path: &path,
            query: &query,
            authorization: (!auth.is_empty()).then_some(auth.as_bytes()),
            body,
        },
        1_800_000_000,
    );
    assert!((200..600).contains(&r.status));
    if r.status >= 400 {
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("errors are JSON");
        assert_eq!(v["status"].as_u64(), Some(u64::from(r.status)));
        assert!(v["error"].is_string());
        if path.starts_with("/api/v1/reports") {
            assert_eq!(f.store.images().map(|v| v.len()).unwrap_or(0), before, "a refused push stored something");
        }
        if path.starts_with("/api/v1/nodes") {
            assert_eq!(f.store.node_results_generation().unwrap_or(0), nodes_before, "a refused node push stored something");
        }
        if path.starts_with("/api/v1/results") {
            assert_eq!(f.store.results_generation().unwrap_or(0), results_before, "a refused results push stored something");
        }
    }
});
