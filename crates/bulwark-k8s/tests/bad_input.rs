//! Hostile and broken input: each case must give a diagnostic (with a line where there is one), never a panic,
//! and stay bounded in time and memory.

use std::fmt::Write as _;
use std::time::Instant;

use bulwark_k8s::{Input, ScanOptions, scan, scan_bytes};
use bulwark_types::DiagnosticLevel;

fn opts() -> ScanOptions {
    ScanOptions::default()
}

#[test]
fn invalid_yaml_reports_line_and_continues() {
    let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n    image: x\n---\nkind: Pod\n  bad: [indent\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  hostPID: true\n  containers: []\n";
    let r = scan_bytes("bad.yaml", src.as_bytes(), &opts());
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.message.starts_with("invalid YAML"))
        .expect("diagnostic");
    assert_eq!(d.level, DiagnosticLevel::Error);
    assert!(matches!(d.location.line, Some(9..=11)), "{d}");
    // The third document, after the broken one, is still scanned.
    assert!(r.findings.iter().any(
        |f| f.name.as_deref() == Some("host-namespace-sharing") && f.location.line == Some(16)
    ));
}

#[test]
fn unrendered_helm_template_is_a_diagnostic() {
    let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n  labels:\n    {{- include \"x\" . | nindent 4 }}\n";
    let r = scan_bytes("t.yaml", src.as_bytes(), &opts());
    assert!(
        r.diagnostics.iter().any(|d| d.location.line.is_some()),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn billion_laughs_is_bounded() {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        let _ = writeln!(
            s,
            "  a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]"
        );
    }
    let t = Instant::now();
    let r = scan_bytes("lol.yaml", s.as_bytes(), &opts());
    assert!(t.elapsed().as_secs() < 5);
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.message.contains("alias"))
        .expect("alias diagnostic");
    assert!(d.location.line.is_some());
}

#[test]
fn huge_file_is_skipped_with_a_diagnostic() {
    let dir = std::env::temp_dir().join(format!("bulwark-k8s-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("huge.yaml");
    let file = std::fs::File::create(&f).unwrap();
    file.set_len(300 * 1024 * 1024).unwrap(); // sparse: 300 MB without writing them
    let t = Instant::now();
    let r = scan(&[Input::Path(f.clone())], &opts()).unwrap();
    assert!(t.elapsed().as_secs() < 2, "the file must not be read");
    assert!(
        r.diagnostics.iter().any(|d| d.message.contains("limit")),
        "{:?}",
        r.diagnostics
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_kinds_are_skipped() {
    let src = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  privileged: true\n";
    let r = scan_bytes("w.yaml", src.as_bytes(), &opts());
    assert_eq!(r.objects, 0);
    assert!(r.findings.is_empty());
    assert!(r.diagnostics.is_empty());
}

#[test]
fn wrong_types_are_diagnostics_with_lines() {
    let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: [a]\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: {a: 1}\n      runAsUser: abc\n  - just-a-string\n  volumes: 7\n";
    let r = scan_bytes("t.yaml", src.as_bytes(), &opts());
    let lines: Vec<u32> = r
        .diagnostics
        .iter()
        .filter_map(|d| d.location.line)
        .collect();
    for l in [5, 10, 11, 12, 13] {
        assert!(
            lines.contains(&l),
            "no diagnostic at line {l}: {:?}",
            r.diagnostics
        );
    }
    let r = scan_bytes(
        "t.yaml",
        b"apiVersion: v1\nkind: Deployment\nspec: 5\n",
        &opts(),
    );
    assert!(r.diagnostics.iter().any(|d| d.location.line == Some(3)));
    let r = scan_bytes(
        "t.yaml",
        b"kind: Pod\nspec:\n  containers: \"no\"\n",
        &opts(),
    );
    assert!(r.diagnostics.iter().any(|d| d.location.line == Some(3)));
}

#[test]
fn deep_nesting_is_bounded() {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n");
    for i in 0..1000 {
        s.push_str(&"  ".repeat(i + 1));
        s.push_str("a:\n");
    }
    let r = scan_bytes("deep.yaml", s.as_bytes(), &opts());
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.message.contains("nesting") && d.location.line.is_some()),
        "{:?}",
        r.diagnostics
    );
    let s = "[".repeat(1_000_000);
    let r = scan_bytes("deep.json", s.as_bytes(), &opts());
    assert!(!r.diagnostics.is_empty());
}

#[test]
fn json_and_lists() {
    let src = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
   "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}}
]}"#;
    let r = scan_bytes("l.json", src.as_bytes(), &opts());
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "BW-K8S-0002")
        .expect("privileged");
    assert_eq!(f.location.line, Some(3));
    assert_eq!(f.location.resource.as_deref(), Some("Pod/p"));
}

#[test]
fn invalid_utf8_and_empty() {
    let r = scan_bytes("x.yaml", b"kind: Pod\n\xff\xfe\n", &opts());
    assert_eq!(r.diagnostics[0].location.line, Some(2));
    let r = scan_bytes("e.yaml", b"", &opts());
    assert!(r.diagnostics.is_empty() && r.findings.is_empty());
    let r = scan_bytes("c.yaml", b"# only a comment\n---\n---\n", &opts());
    assert!(r.diagnostics.is_empty());
}

#[test]
fn ignore_annotation_suppresses() {
    let src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    bulwark.dev/ignore: \"BW-K8S-0002,host-namespace-sharing node agent\"\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n";
    let r = scan_bytes("i.yaml", src.as_bytes(), &opts());
    assert!(
        !r.findings
            .iter()
            .any(|f| f.id == "BW-K8S-0002" || f.id == "BW-K8S-0001")
    );
    assert_eq!(r.suppressed, 2);
}

#[test]
fn namespace_enforce_label_is_honoured() {
    let src = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/enforce-version: v1.28\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.tcp_keepalive_time\n      value: \"1\"\n  containers:\n  - name: c\n    image: x\n";
    let r = scan_bytes("n.yaml", src.as_bytes(), &opts());
    // tcp_keepalive_time is only safe from v1.29: the namespace pins v1.28, so it is flagged, and enforced.
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "BW-K8S-0010")
        .expect("sysctl finding at v1.28");
    assert_eq!(f.properties["pssEnforced"], "baseline");
    // Restricted findings are not enforced by a baseline namespace.
    let f = r.findings.iter().find(|f| f.id == "BW-K8S-0015").unwrap();
    assert!(!f.properties.contains_key("pssEnforced"));
}

#[test]
fn flow_closer_at_key_indent_is_accepted_like_kubectl() {
    // From istio samples/security/spire/spire-quickstart.yaml: go-yaml accepts this, strict YAML 1.2 does not.
    let src = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    args: [\n        \"-a\", \"b\",\n    ]\n    securityContext:\n      privileged: true\n";
    let r = scan_bytes("p.yaml", src.as_bytes(), &opts());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let f = r.findings.iter().find(|f| f.id == "BW-K8S-0002").unwrap();
    assert_eq!(f.location.line, Some(12));
}

#[test]
fn invalid_namespace_labels_evaluate_like_the_admission_controller() {
    // k8s.io/pod-security-admission api/helpers.go (kubernetes/pod-security-admission 8f84a87): ParseLevel returns
    // "restricted" for an invalid level (L99-106) and ParseVersion returns "latest" for anything but `latest` or
    // `v1.N` (L118-136). "Baseline" (capitalised) is invalid, so the namespace enforces restricted; "1.28" (no `v`)
    // is invalid, so the version is latest and tcp_keepalive_time (safe from v1.29) is not flagged.
    let src = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    pod-security.kubernetes.io/enforce: Baseline\n    pod-security.kubernetes.io/enforce-version: \"1.28\"\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: apps}\nspec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.tcp_keepalive_time\n      value: \"1\"\n  containers:\n  - name: c\n    image: x\n";
    let r = scan_bytes("n.yaml", src.as_bytes(), &opts());
    assert!(!r.findings.iter().any(|f| f.id == "BW-K8S-0010"));
    let f = r.findings.iter().find(|f| f.id == "BW-K8S-0015").unwrap();
    assert_eq!(f.properties["pssEnforced"], "restricted");
    assert_eq!(
        f.property("pss").unwrap()["version"],
        bulwark_k8s::pss::LATEST.to_string()
    );
}
