//! The API's core without HTTP: the route table against the document, roles, and bad input leaving the store
//! as it was.

use std::collections::BTreeSet;

use super::*;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn tokens() -> Tokens {
    Tokens::parse(
        b"tokens:\n  - {name: r, role: read, token: read-token-0123456789}\n  - {name: p, role: push, token: push-token-0123456789}\n  - {name: a, role: admin, token: admin-token-0123456789}\n",
        "t.yaml",
    )
    .unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&format!("sqlite:{}", dir.path().join("s.db").display())).unwrap();
    (dir, s)
}

fn call(
    store: &Store,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: &[u8],
) -> ApiResponse {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let auth = token.map(|t| format!("Bearer {t}"));
    handle(
        store,
        Some(&tokens()),
        &ApiRequest {
            method,
            path,
            query,
            authorization: auth.as_deref().map(str::as_bytes),
            body,
        },
        1_800_000_000,
    )
}

fn body(r: &ApiResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let doc: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op.get("security").is_some_and(|s| s == &json!([]));
            documented.insert((method.to_uppercase(), path.clone(), public));
        }
    }
    let routed: BTreeSet<(String, String, bool)> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                r.need == Need::Public,
            )
        })
        .collect();
    assert_eq!(documented, routed);
}

#[test]
fn roles() {
    let (_d, s) = store();
    // (method, target, body, the roles that may: read, push, admin)
    let sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#;
    let cases: &[(&str, String, &[u8], [bool; 3])] = &[
        ("GET", "/api/v1/cves".into(), b"", [true, false, true]),
        ("GET", "/api/v1/images".into(), b"", [true, false, true]),
        (
            "GET",
            format!("/api/v1/images/{DIGEST}"),
            b"",
            [true, false, true],
        ),
        ("GET", "/api/v1/workloads".into(), b"", [true, false, true]),
        (
            "GET",
            "/api/v1/workloads/c/ns/Deployment/web/context".into(),
            b"",
            [true, false, true],
        ),
        (
            "GET",
            "/api/v1/findings?owner=payments".into(),
            b"",
            [true, false, true],
        ),
        (
            "POST",
            format!("/api/v1/reports?digest={DIGEST}"),
            sbom,
            [false, true, true],
        ),
        (
            "POST",
            "/api/v1/placements".into(),
            b"[]",
            [false, false, true],
        ),
    ];
    for (method, target, b, may) in cases {
        for (token, allowed) in [
            "read-token-0123456789",
            "push-token-0123456789",
            "admin-token-0123456789",
        ]
        .iter()
        .zip(may)
        {
            let r = call(&s, method, target, Some(token), b);
            if *allowed {
                // The image is unknown until the first push.
                assert!(
                    matches!(r.status, 200 | 201 | 404),
                    "{method} {target} {token}: {}",
                    r.status
                );
            } else {
                assert_eq!(r.status, 403, "{method} {target} {token}");
                assert_eq!(body(&r)["status"], 403);
            }
        }
        let none = call(&s, method, target, None, b);
        assert_eq!(none.status, 401, "{method} {target}");
        assert!(
            none.headers
                .iter()
                .any(|(k, v)| *k == "www-authenticate" && v.starts_with("Bearer"))
        );
        let wrong = call(&s, method, target, Some("not-a-token-0123456789"), b);
        assert_eq!(wrong.status, 401);
        assert!(
            wrong
                .headers
                .iter()
                .any(|(_, v)| v.contains("invalid_token"))
        );
    }
    // No token file: everything but the document is refused.
    let req = |path| ApiRequest {
        method: "GET",
        path,
        query: "",
        authorization: Some(b"Bearer read-token-0123456789"),
        body: b"",
    };
    assert_eq!(handle(&s, None, &req("/api/v1/images"), 0).status, 401);
    assert_eq!(
        handle(&s, None, &req("/api/v1/openapi.json"), 0).status,
        200
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/nope",
            Some("read-token-0123456789"),
            b""
        )
        .status,
        404
    );
    let r = call(
        &s,
        "DELETE",
        "/api/v1/images",
        Some("admin-token-0123456789"),
        b"",
    );
    assert_eq!(r.status, 405);
    assert!(r.headers.contains(&("allow", "GET".into())));
}

#[test]
fn bad_pushes_store_nothing() {
    let (_d, s) = store();
    let admin = Some("admin-token-0123456789");
    let cases: &[(String, &[u8], &str)] = &[
        (
            format!("/api/v1/reports?digest={DIGEST}"),
            br#"{"bomFormat":"CycloneDX","components":[{"#,
            "line",
        ),
        (format!("/api/v1/reports?digest={DIGEST}"), b"", "empty"),
        (
            format!("/api/v1/reports?digest={DIGEST}"),
            br#"{"hello":1}"#,
            "neither a CycloneDX",
        ),
        ("/api/v1/reports".into(), b"{}", "`digest` is required"),
        (
            "/api/v1/reports?digest=sha256:abc".into(),
            b"{}",
            "`digest`",
        ),
        (
            format!("/api/v1/reports?digest={}", DIGEST.to_uppercase()),
            b"{}",
            "`digest`",
        ),
        (
            format!("/api/v1/reports?digest={DIGEST}&colour=red"),
            b"{}",
            "unknown query parameter `colour`",
        ),
    ];
    for (target, b, what) in cases {
        let r = call(&s, "POST", target, admin, b);
        assert_eq!(r.status, 400, "{target}");
        let v = body(&r);
        assert!(v["error"].as_str().unwrap().contains(what), "{target}: {v}");
        assert_eq!(v["status"], 400);
    }
    // Truncated JSON: the end of input is where the SBOM stops, line 1, its last column.
    let v = body(&call(&s, "POST", &cases[0].0, admin, cases[0].1));
    assert_eq!(
        (v["line"].as_u64(), v["column"].as_u64()),
        (Some(1), Some(cases[0].1.len() as u64)),
        "{v}"
    );
    assert!(s.images().unwrap().is_empty());
    // A placement list with one bad digest stores none of it.
    let good = json!({"cluster":"c","environment":null,"namespace":"n","workload_kind":"Deployment","workload_name":"w",
        "container":"app","container_type":"app","image":"x:1","image_id":null,"digest":DIGEST,"labels":{},"annotations":{}});
    let mut bad = good.clone();
    bad["digest"] = "sha256:nope".into();
    let r = call(
        &s,
        "POST",
        "/api/v1/placements",
        admin,
        json!([good, bad]).to_string().as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(body(&r)["pointer"], "/1/digest");
    assert!(
        s.placements(&bulwark_store::PlacementFilter::default())
            .unwrap()
            .is_empty()
    );
    let r = call(
        &s,
        "POST",
        "/api/v1/placements",
        admin,
        json!([good]).to_string().as_bytes(),
    );
    assert_eq!((r.status, body(&r)["stored"].as_u64()), (200, Some(1)));
}

#[test]
fn query_errors_name_the_parameter() {
    let (_d, s) = store();
    let read = Some("read-token-0123456789");
    for (target, param) in [
        ("/api/v1/cves?severity=urgent", "severity"),
        ("/api/v1/cves?newSince=yesterday", "newSince"),
        ("/api/v1/images?limit=0", "limit"),
        ("/api/v1/images?limit=5001", "limit"),
        ("/api/v1/images?continue=%%%", "continue"),
        ("/api/v1/images?continue=eyJ3b3JrbG9hZHMiOjF9", "continue"),
        ("/api/v1/findings?includeFixed=maybe", "includeFixed"),
        ("/api/v1/workloads?namespace=a&namespace=b", "namespace"),
    ] {
        let r = call(&s, "GET", target, read, b"");
        assert_eq!(r.status, 400, "{target}");
        assert_eq!(body(&r)["parameter"], param, "{target}");
    }
    let r = call(&s, "GET", "/api/v1/images/sha256:zz", read, b"");
    assert_eq!(r.status, 400);
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/images/{}", DIGEST.replace(':', "%3A")),
        read,
        b"",
    );
    assert_eq!(r.status, 404);
    assert!(body(&r)["error"].as_str().unwrap().contains(DIGEST));
}

#[test]
fn images_page_by_digest() {
    let (_d, s) = store();
    let digests: Vec<String> = (0..5)
        .map(|i| format!("sha256:{}", format!("{i:x}").repeat(64)))
        .collect();
    for d in &digests {
        s.put_image(d, &[], b"{}", &[], 1).unwrap();
    }
    let mut seen = Vec::new();
    let mut target = "/api/v1/images?limit=2".to_owned();
    loop {
        let v = body(&call(
            &s,
            "GET",
            &target,
            Some("read-token-0123456789"),
            b"",
        ));
        for i in v["items"].as_array().unwrap() {
            seen.push(i["digest"].as_str().unwrap().to_owned());
        }
        match v["continue"].as_str() {
            Some(c) => target = format!("/api/v1/images?limit=2&continue={c}"),
            None => break,
        }
    }
    assert_eq!(seen, digests);
}

#[test]
fn workload_context_returns_the_stored_objects_or_404() {
    let (_d, s) = store();
    let read = Some("read-token-0123456789");
    let target = "/api/v1/workloads/prod%2Deu/shop/Deployment/web/context";
    let r = call(&s, "GET", target, read, b"");
    assert_eq!(r.status, 404);
    assert_eq!(
        body(&r)["error"],
        "Deployment shop/web of cluster prod-eu is neither stored nor running"
    );
    // Running (a placement) but without stored objects: known, no context.
    s.upsert_placement(
        &bulwark_store::Placement {
            cluster: "prod-eu".into(),
            environment: None,
            namespace: "shop".into(),
            workload_kind: "Deployment".into(),
            workload_name: "web".into(),
            container: "c".into(),
            digest: DIGEST.into(),
            image_ref: None,
        },
        1,
    )
    .unwrap();
    let r = call(&s, "GET", target, read, b"");
    assert_eq!(r.status, 200);
    assert_eq!(body(&r)["items"], json!([]));
    let web = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "uid": "d1", "resourceVersion": "5"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i",
            "env": [{"name": "K", "value": "secret-value"}]}]}}}, "status": {"replicas": 1}});
    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop", "uid": "s1", "resourceVersion": "6"},
        "spec": {"type": "LoadBalancer"}});
    s.upsert_objects("prod-eu", &[web, svc], 1).unwrap();
    let r = call(&s, "GET", target, read, b"");
    assert_eq!(r.status, 200);
    let b = body(&r);
    assert_eq!(
        (b["cluster"].as_str(), b["kind"].as_str()),
        (Some("prod-eu"), Some("Deployment"))
    );
    let uids: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, ["d1", "s1"]);
    assert!(!String::from_utf8_lossy(&r.body).contains("secret-value"));
    assert_eq!(
        call(&s, "GET", &format!("{target}?x=1"), read, b"").status,
        400
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/workloads/prod-eu/shop/Deployment/w%0Ab/context",
            read,
            b""
        )
        .status,
        400
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/workloads/prod-eu/shop/Deployment/context",
            read,
            b""
        )
        .status,
        404
    );
}

#[test]
fn enforcement_actions_and_the_deny_list() {
    let (_d, s) = store();
    let (read, admin) = (
        Some("read-token-0123456789"),
        Some("admin-token-0123456789"),
    );
    let row = bulwark_store::ActionRow {
        alert_key: "k8s_audit:a1:Attach to cluster-admin Pod".into(),
        rule: "Attach to cluster-admin Pod".into(),
        action: "isolate".into(),
        target: "prod/web-1".into(),
        namespace: "prod".into(),
        pod: "web-1".into(),
        decision: "dry-run".into(),
        ..bulwark_store::ActionRow::default()
    };
    s.record_action(&row, 10).unwrap();
    let r = call(
        &s,
        "GET",
        "/api/v1/runtime/actions?state=pending",
        read,
        b"",
    );
    assert_eq!(r.status, 200);
    let items = body(&r)["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["action"], "isolate");
    assert_eq!(items[0]["state"], "pending");
    let bad = call(&s, "GET", "/api/v1/runtime/actions?state=gone", read, b"");
    assert_eq!(bad.status, 400);
    assert_eq!(body(&bad)["parameter"], "state");

    s.deny_digest(&bulwark_store::DeniedDigest {
        digest: DIGEST.into(),
        rule: "Terminal shell in container".into(),
        reason: "shell".into(),
        alert_key: Some("syscall:x".into()),
        created_at: 5,
        expires_at: None,
        created_by: "enforcement".into(),
    })
    .unwrap();
    let r = call(&s, "GET", "/api/v1/runtime/denied-digests", read, b"");
    assert_eq!(r.status, 200);
    assert_eq!(body(&r)["items"][0]["digest"], DIGEST);
    assert_eq!(body(&r)["items"][0]["active"], true);
    let target = format!("/api/v1/runtime/denied-digests/{DIGEST}");
    // Removing needs admin.
    assert_eq!(call(&s, "DELETE", &target, read, b"").status, 403);
    let r = call(&s, "DELETE", &target, admin, b"");
    assert_eq!((r.status, body(&r)["deleted"].clone()), (200, json!(true)));
    // Idempotent: again, nothing to delete.
    let r = call(&s, "DELETE", &target, admin, b"");
    assert_eq!((r.status, body(&r)["deleted"].clone()), (200, json!(false)));
    assert_eq!(
        call(
            &s,
            "DELETE",
            "/api/v1/runtime/denied-digests/latest",
            admin,
            b""
        )
        .status,
        400
    );
    assert!(s.denied_digests().unwrap().is_empty());
}

fn node_report(kind: &str, created_at: &str, extra: &Value) -> Vec<u8> {
    let mut v = json!({
        "schemaVersion": 1,
        "tool": {"name": "bulwark", "version": "0"},
        "createdAt": created_at,
        "target": {"kind": kind, "name": "worker-1"},
        "findings": [
            {"kind": "misconfiguration", "id": "BW-NODE-cis-1.20-4.2.1", "severity": "MEDIUM", "title": "t",
             "location": {}, "properties": {"state": "FAIL", "benchmark": "cis-1.20"}},
            {"kind": "misconfiguration", "id": "BW-NODE-cis-1.20-4.2.6", "severity": "LOW", "title": "t",
             "location": {}, "properties": {"state": "WARN", "benchmark": "cis-1.20"}},
        ],
    });
    if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn node_results_roles_refusals_and_replacement() {
    let (_d, s) = store();
    let good = node_report("node", "2026-12-07T10:00:00Z", &json!({}));
    let push = |target: &str, token: &str, b: &[u8]| call(&s, "POST", target, Some(token), b);
    let target = "/api/v1/nodes/worker-1/results?kind=bench-node";
    // A read token cannot push; refusals store nothing.
    let r = push(target, "read-token-0123456789", &good);
    assert_eq!(r.status, 403);
    for (t, b, want) in [
        (
            "/api/v1/nodes/worker-1/results",
            good.clone(),
            "`kind` is required",
        ),
        (
            "/api/v1/nodes/worker-1/results?kind=nmap",
            good.clone(),
            "unknown kind \"nmap\"",
        ),
        (
            "/api/v1/nodes/-x/results?kind=probe",
            good.clone(),
            "not a DNS-1123 subdomain",
        ),
        (target, Vec::new(), "the request body is empty"),
        (target, b"[1,2".to_vec(), "not a Bulwark JSON report"),
        (
            target,
            node_report("image", "2026-12-07T10:00:00Z", &json!({})),
            "not `node`",
        ),
        (
            target,
            node_report("node", "yesterday", &json!({})),
            "`createdAt` \"yesterday\"",
        ),
        (
            target,
            node_report(
                "node",
                "2026-12-07T10:00:00Z",
                &json!({"totals": {"pass": -1}}),
            ),
            "totals.pass",
        ),
    ] {
        let r = push(t, "push-token-0123456789", &b);
        assert_eq!(r.status, 400, "{t}: {}", String::from_utf8_lossy(&r.body));
        let e = body(&r)["error"].as_str().unwrap().to_owned();
        assert!(e.contains(want), "{t}: {e}");
    }
    assert_eq!(s.node_results_generation().unwrap(), 0);
    let r = push(
        target,
        "push-token-0123456789",
        &vec![b' '; super::nodes::MAX_NODE_REPORT_BYTES + 1],
    );
    assert_eq!(r.status, 413);

    // Stored: totals counted from the findings' states.
    let r = push(target, "push-token-0123456789", &good);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = call(
        &s,
        "GET",
        "/api/v1/nodes",
        Some("read-token-0123456789"),
        b"",
    );
    assert_eq!(r.status, 200);
    let v = body(&r);
    assert_eq!(
        v["items"][0]["results"][0]["totals"],
        json!({"pass": null, "fail": 1, "warn": 1, "info": 0})
    );
    // An older run is not stored; a newer one with its own totals replaces it.
    let older = node_report("node", "2026-12-07T09:59:59Z", &json!({}));
    let r = push(target, "admin-token-0123456789", &older);
    assert_eq!((r.status, body(&r)["stored"].clone()), (200, json!(false)));
    let newer = node_report(
        "node",
        "2026-12-08T10:00:00+01:00",
        &json!({"totals": {"pass": 60, "fail": 1, "warn": 1, "info": 3}}),
    );
    assert_eq!(push(target, "push-token-0123456789", &newer).status, 201);
    let r = call(
        &s,
        "GET",
        "/api/v1/nodes/worker-1",
        Some("read-token-0123456789"),
        b"",
    );
    let v = body(&r);
    assert_eq!(
        v["results"][0]["totals"],
        json!({"pass": 60, "fail": 1, "warn": 1, "info": 3})
    );
    assert_eq!(v["results"][0]["ranAt"], 1_796_720_400);
    assert_eq!(v["results"][0]["findings"].as_array().unwrap().len(), 2);
    // Reads need read or admin; a push token cannot read.
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/nodes",
            Some("push-token-0123456789"),
            b""
        )
        .status,
        403
    );
    let r = call(
        &s,
        "GET",
        "/api/v1/nodes/nobody",
        Some("read-token-0123456789"),
        b"",
    );
    assert_eq!(
        (r.status, body(&r)),
        (200, json!({"node": "nobody", "results": []}))
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/nodes/No_Body",
            Some("read-token-0123456789"),
            b""
        )
        .status,
        400
    );
}

#[test]
fn results_are_kept_per_team_and_source() {
    let (_d, s) = store();
    let report = |title: &str| {
        json!({
            "schemaVersion": bulwark_report::SCHEMA_VERSION,
            "tool": {"name": "bulwark", "version": "0"},
            "createdAt": "2026-12-01T00:00:00Z",
            "target": {"kind": "filesystem", "name": "repo"},
            "findings": [
                {"kind": "misconfiguration", "id": "G101", "severity": "HIGH", "title": title,
                 "message": "m", "location": {"path": "a.go"}, "properties": {"tool": "gosec"}},
                {"kind": "misconfiguration", "id": "G102", "severity": "LOW", "title": "t",
                 "message": "m", "location": {"path": "b.go"}, "properties": {"tool": "gosec"}},
                {"kind": "misconfiguration", "id": "CKV_K8S_1", "severity": "HIGH", "title": "t",
                 "message": "m", "location": {"path": "c.yaml"}}
            ]
        })
        .to_string()
    };
    let teams = ApiTeams {
        token_team: HashMap::from([("p".to_owned(), "payments".to_owned())]),
        judge: None,
    };
    let push = |source: &str, token: &str, body: &[u8]| {
        let auth = format!("Bearer {token}");
        handle_with(
            &s,
            Some(&tokens()),
            &teams,
            &ApiRequest {
                method: "POST",
                path: "/api/v1/results",
                query: &format!("source={source}"),
                authorization: Some(auth.as_bytes()),
                body,
            },
            100,
        )
    };
    // A read token may not push; a bad source, an empty body and a non-report store nothing.
    assert_eq!(
        push("ci", "read-token-0123456789", report("x").as_bytes()).status,
        403
    );
    assert_eq!(
        push("Not_Label", "push-token-0123456789", report("x").as_bytes()).status,
        400
    );
    assert_eq!(push("ci", "push-token-0123456789", b"  ").status, 400);
    assert_eq!(push("ci", "push-token-0123456789", b"{\"a\":").status, 400);
    assert_eq!(s.results_generation().unwrap(), 0);
    // The push token is the payments team's; the admin token has no team.
    let r = push(
        "ci-payments",
        "push-token-0123456789",
        report("first").as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = push(
        "ci-payments",
        "push-token-0123456789",
        report("second").as_bytes(),
    );
    assert_eq!(r.status, 201);
    let r = push("nightly", "admin-token-0123456789", report("x").as_bytes());
    assert_eq!(r.status, 201);
    let all = body(&call(
        &s,
        "GET",
        "/api/v1/results",
        Some("read-token-0123456789"),
        b"",
    ));
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{all}");
    // Sorted by team ('' first), then source.
    assert_eq!(items[0]["team"], Value::Null);
    assert_eq!(items[0]["source"], "nightly");
    assert_eq!(items[1]["team"], "payments");
    assert_eq!(items[1]["token"], "p");
    assert_eq!(items[1]["findingCount"], 3);
    assert_eq!(
        items[1]["counts"],
        json!({"bulwark": {"HIGH": 1}, "gosec": {"HIGH": 1, "LOW": 1}})
    );
    let one = body(&call(
        &s,
        "GET",
        "/api/v1/results?team=payments&includeFindings=true",
        Some("read-token-0123456789"),
        b"",
    ));
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["items"][0]["findings"][0]["title"], "second",
        "the latest replaces"
    );
    assert_eq!(
        call(
            &s,
            "GET",
            "/api/v1/results?team=x_y",
            Some("read-token-0123456789"),
            b""
        )
        .status,
        400
    );
}
