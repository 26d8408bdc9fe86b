//! `bulwark scan k8s` end to end: the corpus renders to SARIF and JUnit that pass the validators, lines point at
//! the offending field, and `--fail-on` gates.

mod common;

use common::{bulwark, fixtures, validate};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
";

#[test]
fn sarif_and_junit_of_the_corpus_validate() {
    let t = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("k8s-corpus/rendered");
    for (fmt, kind, file) in [
        ("sarif", "sarif", "k8s.sarif"),
        ("junit", "junit", "k8s.xml"),
    ] {
        let out = t.path().join(file);
        let o = bulwark(&[
            "scan",
            "k8s",
            "-q",
            "-f",
            fmt,
            "-o",
            out.to_str().unwrap(),
            corpus.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        validate(kind, &out);
    }
}

#[test]
fn finding_points_at_the_privileged_line_and_gates() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("pod.yaml");
    std::fs::write(&f, POD).unwrap();
    let o = bulwark(&[
        "scan",
        "k8s",
        "-q",
        "-f",
        "json",
        "--fail-on",
        "high",
        f.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "privileged is HIGH or above: the gate fails"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let priv_ = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "privileged-container")
        .expect("finding");
    assert_eq!(priv_["location"]["line"], 10);
    let o = bulwark(&["scan", "k8s", "-q", "-f", "json", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "no gate, no failure");
}
