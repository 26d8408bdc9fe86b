//! `yaml::from_json` (how the admission webhook and `policy eval` read an AdmissionReview's object) against the
//! YAML reader it stands in for: for every document of the real-world corpus (../shared/fixtures/k8s-corpus) and
//! for hand-picked hard values, the document built straight from the parsed JSON must be the document
//! `yaml::parse_stream` builds from the compact JSON text `serde_json` prints — same nodes, kinds, scalar text,
//! lines and columns — so every check, finding and location is unchanged.

use std::path::PathBuf;

use bulwark_k8s::yaml::{self, Doc, Limits, NodeId};

fn same(a: &Doc, an: NodeId, b: &Doc, bn: NodeId, path: &str) {
    let (x, y) = (a.node(an), b.node(bn));
    assert_eq!(x.kind, y.kind, "kind at {path}");
    assert_eq!((x.line, x.col), (y.line, y.col), "position at {path}");
    assert_eq!(a.text(an), b.text(bn), "text at {path}");
    assert_eq!(a.items(an).len(), b.items(bn).len(), "items at {path}");
    for (i, (&p, &q)) in a.items(an).iter().zip(b.items(bn)).enumerate() {
        same(a, p, b, q, &format!("{path}[{i}]"));
    }
    let (ea, eb): (Vec<_>, Vec<_>) = (a.entries(an).collect(), b.entries(bn).collect());
    assert_eq!(ea.len(), eb.len(), "entries at {path}");
    for ((ka, va), (kb, vb)) in ea.into_iter().zip(eb) {
        let key = a.text(ka).unwrap_or("?").to_string();
        same(a, ka, b, kb, &format!("{path}.{key} (key)"));
        same(a, va, b, vb, &format!("{path}.{key}"));
    }
}

/// Checks one value; returns the number of nodes compared.
fn check(value: &serde_json::Value, what: &str) -> usize {
    let limits = Limits::default();
    let text = serde_json::to_string(value).unwrap();
    let (docs, err) = yaml::parse_stream(&text, 0, &limits);
    assert!(
        err.is_none(),
        "{what}: the YAML reader refused the JSON: {err:?}"
    );
    assert_eq!(docs.len(), 1, "{what}");
    let built = yaml::from_json(value, &limits).unwrap();
    let (a, b) = (&docs[0], &built);
    same(a, a.root().unwrap(), b, b.root().unwrap(), what);
    assert_eq!(a.node_count(), b.node_count(), "{what}: node count");
    assert_eq!(
        a.to_json(a.root().unwrap()),
        b.to_json(b.root().unwrap()),
        "{what}: as JSON"
    );
    b.node_count()
}

#[test]
fn corpus_documents_build_the_same_from_json_as_from_their_json_text() {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/k8s-corpus");
    assert!(root.is_dir(), "missing {}", root.display());
    let (mut docs, mut nodes) = (0, 0);
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                continue;
            }
            let Ok(src) = std::fs::read_to_string(&p) else {
                continue;
            };
            for (chunk, offset) in yaml::split_documents(&src) {
                let (parsed, _) = yaml::parse_stream(chunk, offset, &Limits::default());
                for d in parsed {
                    let Some(r) = d.root() else { continue };
                    let v = d.to_json(r);
                    nodes += check(&v, &format!("{}:{offset}", p.display()));
                    docs += 1;
                }
            }
        }
    }
    // The corpus holds 895 files; most documents are objects.
    assert!(docs > 1_000, "only {docs} documents compared");
    eprintln!("{docs} documents, {nodes} nodes compared");
}

#[test]
fn hard_values_build_the_same() {
    let cases = [
        serde_json::json!({}),
        serde_json::json!([]),
        serde_json::json!({"a": [], "b": {}, "c": [[], [{}]], "d": null}),
        serde_json::json!({"quote\"d": "back\\slash", "ctl": "\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}", "tab\tkey": 1}),
        serde_json::json!({"unicode": "héllo wörld ✓ 𝄞 emoji 😀", "ключ": "значение", "ls": "\u{2028}\u{2029}\u{85}"}),
        serde_json::json!({"n": [0, -1, 1, 255, 1.5, -0.5, 0.1, 1e300, -1e-300, 9_007_199_254_740_993_u64,
            u64::MAX, i64::MIN, i64::MAX, 100.0, -0.0]}),
        serde_json::json!({"yes": "yes", "no": "no", "on": true, "off": false, "null": "null", "~": "~", "": ""}),
        serde_json::json!({"numbers as strings": ["010", "0x1F", "1e3", ".inf", "1_000", "+1", "-"]}),
        serde_json::json!({"yaml-ish": ["- a", "a: b", "#c", "&a", "*a", "!tag", "%d", "@", "`", "|", ">", "? x", "{", "]"]}),
        serde_json::json!({"spaces": ["  lead", "trail  ", " ", "a  b", "\u{a0}nbsp"]}),
    ];
    for (i, v) in cases.iter().enumerate() {
        check(v, &format!("case {i}"));
    }
}

#[test]
fn limits_hold_for_json() {
    let limits = Limits {
        max_depth: 3,
        max_nodes: 8,
        max_expanded_nodes: 100,
    };
    let deep = serde_json::json!({"a": {"b": {"c": {}}}});
    let e = yaml::from_json(&deep, &limits).unwrap_err();
    assert_eq!(e.message, "nesting deeper than 3 levels");
    let wide = serde_json::json!([1, 2, 3, 4, 5, 6, 7, 8]);
    let e = yaml::from_json(&wide, &limits).unwrap_err();
    assert_eq!(e.message, "document has more than 8 nodes");
    // The YAML reader gives the same messages for the same text.
    let (_, err) = yaml::parse_stream(&deep.to_string(), 0, &limits);
    assert_eq!(err.unwrap().message, "nesting deeper than 3 levels");
    let (_, err) = yaml::parse_stream(&wide.to_string(), 0, &limits);
    assert_eq!(err.unwrap().message, "document has more than 8 nodes");
}
