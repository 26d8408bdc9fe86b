#![no_main]
//! Fuzzes the dashboard's core (`bulwark_server::dashboard::handle`) with an arbitrary method, path, query,
//! credentials (bearer, cookie, trusted-proxy headers from a trusted or untrusted peer) and form body against a
//! SQLite store in a temp dir: every answer has a status and, when it is HTML, no markup from the input (the
//! request's strings only reach the page escaped), never a panic.

use std::sync::OnceLock;

use bulwark_server::dashboard::{DashRequest, DashboardConfig, ProxyAuth, handle};
use bulwark_server::api::Tokens;
use bulwark_store::Store;

struct Fixture {
    store: Store,
    tokens: Tokens,
    config: DashboardConfig,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("bulwark-fuzz-dashboard-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let store = Store::open(&format!("sqlite:{}", dir.join("store.db").display())).expect("store");
        let tokens = Tokens::parse(
            b"tokens:\n  - {name: r, role: read, token: read-token-0123456789}\n  - {name: a, role: admin, token: admin-token-0123456789}\n",
            "fuzz.yaml",
        )
        .expect("tokens");
        let mut config = DashboardConfig::default();
        config.proxy = ProxyAuth {
            user_header: Some("x-user".into()),
            groups_header: Some("x-groups".into()),
            admin_group: Some("admins".into()),
            trusted: vec!["10.0.0.0/8".parse().expect("cidr")],
        };
        Fixture { store, tokens, config }
    })
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "HEAD"];
const PATHS: &[&str] = &[
    "/", "/images", "/images/", "/workloads", "/workload", "/findings/", "/layer", "/owner", "/verdicts",
    "/trends", "/notifications", "/notifications/retry", "/login", "/logout", "/static/dashboard.css", "/x",
    "/nodes", "/nodes/", "/results",
];
const AUTH: &[&str] = &["", "Bearer read-token-0123456789", "Bearer admin-token-0123456789", "Basic x"];

// Input: 1 byte method, 1 byte path, 1 byte auth, 1 byte peer, then `path-suffix \n query \n header \n body`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let f = fixture();
    let method = METHODS[data[0] as usize % METHODS.len()];
    let path = PATHS[data[1] as usize % PATHS.len()];
    let auth = AUTH[data[2] as usize % AUTH.len()];
    let peer = if data[3] % 2 == 0 { "10.1.2.3" } else { "192.0.2.1" };
    let mut parts = data[4..].splitn(4, |&b| b == b'\n');
    let suffix = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let header = parts.next().unwrap_or_default().to_vec();
    let body = parts.next().unwrap_or_default();
    let path = format!("{path}{suffix}");
    let mut headers = vec![
        ("x-user".to_owned(), header.clone()),
        ("x-groups".to_owned(), header.clone()),
        ("cookie".to_owned(), header),
    ];
    if !auth.is_empty() {
        headers.push(("authorization".to_owned(), auth.as_bytes().to_vec()));
    }
    let r = handle(
        &f.store,
        &f.config,
        Some(&f.tokens),
        &DashRequest {
            method,
            path: &path,
            query: &query,
            headers: &headers,
            peer: peer.parse().ok(),
            body,
        },
        1_800_000_000,
    );
    assert!((200..600).contains(&r.status));
    if r.content_type.starts_with("text/html") {
        let html = String::from_utf8(r.body).expect("HTML is UTF-8");
        assert!(!html.contains("<script>"), "markup from the input reached the page");
        assert!(!html.contains('\u{1b}'), "a control character reached the page");
    }
});
