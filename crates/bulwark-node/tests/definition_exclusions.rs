//! The definition generator's exclusions, on a small benchmark written here (config and checks of our own, in
//! kube-bench's format): two checks asking one flag for opposite values conflict and one is excluded with the
//! other named; an audit that is not a native form needs the shell; a `regex` item cannot be generated; the
//! rest is judged on the generated roots as in `definition_cis.rs`.

mod definition_support;

const CONFIG: &str = r#"---
master:
  components:
    - apiserver
  apiserver:
    bins:
      - "kube-apiserver"
    confs:
      - /etc/kubernetes/manifests/kube-apiserver.yaml
    defaultconf: /etc/kubernetes/manifests/kube-apiserver.yaml
"#;

const MASTER: &str = r#"---
controls:
version: "test-1"
id: 1
text: "Control Plane"
type: "master"
groups:
  - id: 1.1
    text: "Checks"
    checks:
      - id: 1.1.1
        text: "profiling off"
        audit: "/bin/ps -ef | grep $apiserverbin | grep -v grep"
        tests:
          test_items:
            - flag: "--profiling"
              compare:
                op: eq
                value: false
        scored: true
      - id: 1.1.2
        text: "profiling on, against 1.1.1"
        audit: "/bin/ps -ef | grep $apiserverbin | grep -v grep"
        tests:
          test_items:
            - flag: "--profiling"
              compare:
                op: eq
                value: true
        scored: true
      - id: 1.1.3
        text: "a shell pipeline"
        audit: "ps -ef | grep $apiserverbin | awk '{print $2}'"
        tests:
          test_items:
            - flag: "1"
        scored: true
      - id: 1.1.4
        text: "a regex item"
        audit: "/bin/ps -ef | grep $apiserverbin | grep -v grep"
        tests:
          test_items:
            - flag: "--audit-log-path"
              compare:
                op: regex
                value: "^/var/log/.*"
        scored: true
      - id: 1.1.5
        text: "manifest mode"
        audit: "/bin/sh -c 'if test -e $apiserverconf; then stat -c permissions=%a $apiserverconf; fi'"
        tests:
          test_items:
            - flag: "permissions"
              compare:
                op: bitmask
                value: "600"
        scored: true
      - id: 1.1.6
        text: "admission plugins, unscored"
        audit: "/bin/ps -ef | grep $apiserverbin | grep -v grep"
        tests:
          bin_op: or
          test_items:
            - flag: "--enable-admission-plugins"
              compare:
                op: has
                value: "NodeRestriction"
            - flag: "--enable-admission-plugins"
              set: false
        scored: false
      - id: 1.1.7
        text: "manual"
        type: manual
        audit: "echo"
        scored: false
"#;

#[test]
fn conflicts_shell_and_ungeneratable_items_are_excluded_with_reasons() {
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(cfg.path().join("config.yaml"), CONFIG).unwrap();
    std::fs::create_dir(cfg.path().join("test-1")).unwrap();
    std::fs::write(cfg.path().join("test-1/master.yaml"), MASTER).unwrap();
    let roots = tempfile::tempdir().unwrap();
    let r = definition_support::run(cfg.path(), "test-1", roots.path());
    assert!(r.mismatches.is_empty(), "{}", r.mismatches.join("\n"));
    assert_eq!(r.automated, 6, "the manual check is not counted");
    let got: Vec<(&str, &str)> = r
        .excluded
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("1.1.3", "needs shell"),
            ("1.1.4", "cannot be generated: test item"),
            (
                "1.1.1",
                "conflicts (compliant) with 1.1.2; conflicts (compliant-other) with 1.1.2"
            ),
        ]
    );
    assert_eq!(r.covered, ["1.1.2", "1.1.5", "1.1.6"]);
}
