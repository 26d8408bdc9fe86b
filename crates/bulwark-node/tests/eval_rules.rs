//! kube-bench's result rules and compare operators, restated from `check/check_test.go` (TestCheck_Run) and
//! `check/test_test.go` (TestCompareOp, TestExecuteJSONPath, TestAllElementsValid) at aquasecurity/kube-bench
//! a73ce378, plus the `range` path form cfg/cis-1.12/node.yaml uses for tlsCipherSuites.

use bulwark_node::State;
use bulwark_node::audit::{AuditOutput, Auditor};
use bulwark_node::config::Variables;
use bulwark_node::controls::{BinOp, Check, CheckType, Compare, TestItem, Tests};
use bulwark_node::eval::{self, Outputs};

/// Answers `echo hello` and fails any other command (a config file that is not there), as /bin/sh would.
struct Echo;

impl Auditor for Echo {
    fn run(&self, command: &str) -> AuditOutput {
        match command.strip_prefix("echo ") {
            Some(rest) => AuditOutput {
                stdout: format!("{rest}\n"),
                ..AuditOutput::default()
            },
            None => AuditOutput {
                error: Some(format!("{command}: No such file or directory")),
                ..AuditOutput::default()
            },
        }
    }
}

fn item(flag: &str, set: bool) -> TestItem {
    TestItem {
        flag: flag.into(),
        set,
        ..TestItem::default()
    }
}

fn tests(items: Vec<TestItem>) -> Tests {
    Tests {
        bin_op: BinOp::And,
        items,
    }
}

#[test]
fn check_run_rules() {
    let cases: Vec<(&str, Check, State)> = vec![
        (
            "manual warns",
            Check {
                check_type: CheckType::Manual,
                scored: true,
                ..Check::default()
            },
            State::Warn,
        ),
        (
            "skip is info",
            Check {
                check_type: CheckType::Skip,
                scored: true,
                tests: Some(tests(vec![item("x", true)])),
                ..Check::default()
            },
            State::Info,
        ),
        (
            "unscored without tests warns",
            Check::default(),
            State::Warn,
        ),
        (
            "unscored that passes",
            Check {
                audit: "echo hello".into(),
                tests: Some(tests(vec![item("hello", true)])),
                ..Check::default()
            },
            State::Pass,
        ),
        (
            "unscored that fails warns",
            Check {
                audit: "echo hello".into(),
                tests: Some(tests(vec![item("hello", false)])),
                ..Check::default()
            },
            State::Warn,
        ),
        (
            "scored without tests warns",
            Check {
                scored: true,
                ..Check::default()
            },
            State::Warn,
        ),
        (
            "scored with empty tests fails",
            Check {
                scored: true,
                tests: Some(tests(vec![])),
                ..Check::default()
            },
            State::Fail,
        ),
        (
            "scored that fails",
            Check {
                scored: true,
                audit: "echo hello".into(),
                tests: Some(tests(vec![item("hello", false)])),
                ..Check::default()
            },
            State::Fail,
        ),
        (
            "scored that passes",
            Check {
                scored: true,
                audit: "echo hello".into(),
                tests: Some(tests(vec![item("hello", true)])),
                ..Check::default()
            },
            State::Pass,
        ),
        (
            "passes when the config file is not there",
            Check {
                scored: true,
                audit: "echo hello".into(),
                audit_config: "/test/config.yaml".into(),
                tests: Some(tests(vec![item("hello", true)])),
                ..Check::default()
            },
            State::Pass,
        ),
        (
            "fails when only the config file is read and it is not there",
            Check {
                scored: true,
                audit_config: "/test/config.yaml".into(),
                tests: Some(tests(vec![item("hello", true)])),
                ..Check::default()
            },
            State::Fail,
        ),
    ];
    for (name, check, want) in cases {
        let o = eval::run(&check, &Variables::new(), &Echo);
        assert_eq!(o.state, want, "{name}: {o:?}");
    }
    // A failed audit is FAIL if scored, else WARN, with the reason kept.
    let c = Check {
        audit: "/bin/false".into(),
        tests: Some(tests(vec![item("x", false)])),
        ..Check::default()
    };
    let o = eval::judge(&c, Err("refused".into()));
    assert_eq!((o.state, o.reason.as_str()), (State::Warn, "refused"));
}

/// Compares the value at `{.v}` in `{"v": flag_val}` (a string) with `op`/`value`.
fn compare(op: &str, flag_val: &str, value: &str) -> (bool, String) {
    let check = Check {
        audit_config: "cat config".into(),
        tests: Some(Tests {
            bin_op: BinOp::And,
            items: vec![TestItem {
                path: "{.v}".into(),
                set: true,
                compare: Some(Compare {
                    op: op.into(),
                    value: value.into(),
                }),
                ..TestItem::default()
            }],
        }),
        ..Check::default()
    };
    let config = serde_json::json!({ "v": flag_val }).to_string();
    let r = eval::execute(
        &check,
        &Outputs {
            audit_config: config,
            ..Outputs::default()
        },
    );
    (r.pass, r.expected)
}

/// TestCompareOp's cases with a non-empty value (an empty value is "not found" before any operator runs).
#[test]
fn compare_ops() {
    let cases: &[(&str, &str, &str, bool, &str)] = &[
        ("eq", "true", "true", true, "'{.v}' is equal to 'true'"),
        ("eq", "TRUE", "true", true, "'{.v}' is equal to 'true'"),
        ("eq", "false", "true", false, "'{.v}' is equal to 'true'"),
        (
            "eq",
            "KubeletConfiguration",
            "KubeletConfiguration",
            true,
            "'{.v}' is equal to 'KubeletConfiguration'",
        ),
        (
            "eq",
            "KubeletConfiguration",
            "",
            false,
            "'{.v}' is equal to ''",
        ),
        (
            "noteq",
            "true",
            "true",
            false,
            "'{.v}' is not equal to 'true'",
        ),
        (
            "noteq",
            "false",
            "true",
            true,
            "'{.v}' is not equal to 'true'",
        ),
        (
            "noteq",
            "KubeletConfiguration",
            "",
            true,
            "'{.v}' is not equal to ''",
        ),
        ("gt", "0", "0", false, "'{.v}' is greater than 0"),
        ("gt", "5", "4", true, "'{.v}' is greater than 4"),
        (
            "gt",
            "Pikachu",
            "5",
            false,
            "Invalid Number(s) used for comparison: 'Pikachu' '5'",
        ),
        (
            "gt",
            "5",
            "Bulbasaur",
            false,
            "Invalid Number(s) used for comparison: '5' 'Bulbasaur'",
        ),
        ("lt", "4", "5", true, "'{.v}' is lower than 5"),
        ("lt", "5", "5", false, "'{.v}' is lower than 5"),
        ("gte", "5", "5", true, "'{.v}' is greater or equal to 5"),
        ("gte", "4", "5", false, "'{.v}' is greater or equal to 5"),
        ("lte", "5", "5", true, "'{.v}' is lower or equal to 5"),
        ("lte", "5", "4", false, "'{.v}' is lower or equal to 4"),
        ("has", "blah", "la", true, "'{.v}' has 'la'"),
        ("has", "blah", "LA", false, "'{.v}' has 'LA'"),
        ("has", "blah", "", true, "'{.v}' has ''"),
        ("nothave", "blah", "lo", true, "'{.v}' does not have 'lo'"),
        ("nothave", "blah", "la", false, "'{.v}' does not have 'la'"),
        (
            "regex",
            "1.12.7",
            r"^1\.12.*$",
            true,
            r"'{.v}' matched by regex expression '^1\.12.*$'",
        ),
        (
            "regex",
            "1.11",
            r"^1\.12.*$",
            false,
            r"'{.v}' matched by regex expression '^1\.12.*$'",
        ),
        (
            "valid_elements",
            "a,b",
            "",
            false,
            "'{.v}' contains valid elements from ''",
        ),
        (
            "valid_elements",
            "a, b,",
            "a,b,c",
            true,
            "'{.v}' contains valid elements from 'a,b,c'",
        ),
        (
            "valid_elements",
            "a,blah",
            "a,b,c",
            false,
            "'{.v}' contains valid elements from 'a,b,c'",
        ),
        (
            "bitmask",
            "640",
            "644",
            true,
            "{.v} has permissions 640, expected 644 or more restrictive",
        ),
        (
            "bitmask",
            "777",
            "644",
            false,
            "{.v} has permissions 777, expected 644 or more restrictive",
        ),
        (
            "bitmask",
            "444",
            "644",
            true,
            "{.v} has permissions 444, expected 644 or more restrictive",
        ),
        (
            "bitmask",
            "211",
            "644",
            false,
            "{.v} has permissions 211, expected 644 or more restrictive",
        ),
        (
            "bitmask",
            "Harry",
            "644",
            false,
            "Not numeric value - flag: Harry",
        ),
        (
            "bitmask",
            "211",
            "Potter",
            false,
            "Not numeric value - flag: Potter",
        ),
        ("blah", "foo", "bar", false, ""),
    ];
    for &(op, val, want, pass, text) in cases {
        assert_eq!(
            compare(op, val, want),
            (pass, text.to_string()),
            "{op} {val:?} {want:?}"
        );
    }
}

#[test]
fn jsonpath_subset() {
    let doc = serde_json::json!({
        "Kind": "KubeletConfiguration",
        "tlsCipherSuites": ["TLS_A", "TLS_B"],
        "authentication": {"anonymous": {"enabled": false}, "x509": {"clientCAFile": "/ca.crt"}},
        "a.b": 1,
        "n": 15000,
        "nothing": null,
    });
    assert_eq!(
        eval::jsonpath("{.Kind}", &doc).unwrap(),
        "KubeletConfiguration"
    );
    assert!(eval::jsonpath("{.ApiVersion", &doc).is_err());
    assert_eq!(eval::jsonpath("{.missing.deeper}", &doc).unwrap(), "");
    assert_eq!(eval::jsonpath("{.nothing}", &doc).unwrap(), "");
    assert_eq!(eval::jsonpath("{.n}", &doc).unwrap(), "15000");
    assert_eq!(
        eval::jsonpath("{.authentication.anonymous.enabled}", &doc).unwrap(),
        "false"
    );
    assert_eq!(eval::jsonpath(r"{.a\.b}", &doc).unwrap(), "1");
    assert_eq!(
        eval::jsonpath("{.tlsCipherSuites[1]}", &doc).unwrap(),
        "TLS_B"
    );
    assert_eq!(
        eval::jsonpath("{.tlsCipherSuites[*]}", &doc).unwrap(),
        "TLS_A TLS_B"
    );
    // cfg/cis-1.12/node.yaml's form, after YAML unquoting.
    assert_eq!(
        eval::jsonpath("{range .tlsCipherSuites[:]}{}{','}{end}", &doc).unwrap(),
        "TLS_A,TLS_B,"
    );
    assert_eq!(
        eval::jsonpath("{range .missing[:]}{}{','}{end}", &doc).unwrap(),
        ""
    );
    assert!(eval::jsonpath("{range .tlsCipherSuites[:]}{}", &doc).is_err());
    assert!(eval::jsonpath("{end}", &doc).is_err());
}

/// A cis-1.12 node check end to end on a kubelet config: valid_elements over the range path.
#[test]
fn cipher_suites_check_from_the_benchmark() {
    let c = bulwark_node::controls::load(std::path::Path::new(
        "/work/shared/fixtures/upstream/kube-bench/cfg/cis-1.12/node.yaml",
    ))
    .unwrap();
    let ch = c
        .groups
        .iter()
        .flat_map(|g| &g.checks)
        .find(|ch| {
            ch.tests
                .as_ref()
                .is_some_and(|t| t.items.iter().any(|i| i.path.contains("tlsCipherSuites")))
        })
        .expect("a tlsCipherSuites check");
    let good = "tlsCipherSuites:\n  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n";
    let bad = "tlsCipherSuites:\n  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n  - TLS_RSA_WITH_RC4_128_SHA\n";
    let run = |cfg: &str| {
        eval::judge(
            ch,
            Ok(&Outputs {
                audit: "/usr/bin/kubelet".into(),
                audit_config: cfg.into(),
                ..Outputs::default()
            }),
        )
        .state
    };
    let failed = if ch.scored { State::Fail } else { State::Warn };
    assert_eq!(run(good), State::Pass, "{}", ch.id);
    assert_eq!(run(bad), failed, "{}", ch.id);
}
