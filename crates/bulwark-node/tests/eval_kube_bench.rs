//! kube-bench's own unit-test cases, restated: the checks of its synthetic `check/data` paired with the audit
//! outputs and expected results of `check/test_test.go` and `check/check_test.go` (aquasecurity/kube-bench at
//! a73ce378; Go test names cited per table). The cases are written here in our own form; no code is copied.

use bulwark_node::State;
use bulwark_node::audit::{AuditOutput, Auditor};
use bulwark_node::config::Variables;
use bulwark_node::controls::{self, Check, Controls};
use bulwark_node::eval::{self, Outputs};

fn data() -> Controls {
    // test_test.go replaces `$user` by $USER before parsing; no check used here reads it.
    controls::load(std::path::Path::new(
        "/work/shared/fixtures/upstream/kube-bench/check/data",
    ))
    .unwrap()
}

fn check(c: &Controls, group: usize, index: usize) -> &Check {
    &c.groups[group].checks[index]
}

fn outputs(audit: &str, config: &str, env: &str) -> Outputs {
    Outputs {
        audit: audit.into(),
        audit_config: config.into(),
        audit_env: env.into(),
    }
}

/// TestTestExecute: group 0 check index, audit output, audit_config output, audit_env output, expected result
/// text. Every case holds.
const EXECUTE: &[(usize, &str, &str, &str, &str)] = &[
    (
        0,
        "2:45 ../kubernetes/kube-apiserver --allow-privileged=false --option1=20,30,40",
        "",
        "",
        "'--allow-privileged' is present",
    ),
    (
        1,
        "2:45 ../kubernetes/kube-apiserver --allow-privileged=false",
        "",
        "",
        "'--basic-auth' is not present",
    ),
    (
        2,
        "niinai   13617  2635 99 19:26 pts/20   00:03:08 ./kube-apiserver --insecure-port=0 --anonymous-auth",
        "",
        "",
        "'--insecure-port' is equal to '0'",
    ),
    (
        3,
        "2:45 ../kubernetes/kube-apiserver --secure-port=0 --audit-log-maxage=40 --option",
        "",
        "",
        "'--audit-log-maxage' is greater or equal to 30",
    ),
    (
        4,
        "2:45 ../kubernetes/kube-apiserver --max-backlog=20 --secure-port=0 --audit-log-maxage=40 --option",
        "",
        "",
        "'--max-backlog' is lower than 30",
    ),
    (
        5,
        "2:45 ../kubernetes/kube-apiserver --option --admission-control=WebHook,RBAC ---audit-log-maxage=40",
        "",
        "",
        "'--admission-control' does not have 'AlwaysAdmit'",
    ),
    (
        6,
        "2:45 .. --kubelet-clientkey=foo --kubelet-client-certificate=bar --admission-control=Webhook,RBAC",
        "",
        "",
        "'--kubelet-client-certificate' is present AND '--kubelet-clientkey' is present",
    ),
    (
        7,
        "2:45 ..  --secure-port=0 --kubelet-client-certificate=bar --admission-control=Webhook,RBAC",
        "",
        "",
        "'--secure-port' is equal to '0' OR '--secure-port' is not present",
    ),
    (
        8,
        "permissions=SomeValue",
        "",
        "",
        "'permissions' is equal to 'SomeValue'",
    ),
    (
        9,
        "permissions=640",
        "",
        "",
        "permissions has permissions 640, expected 644 or more restrictive",
    ),
    (
        9,
        "permissions=600",
        "",
        "",
        "permissions has permissions 600, expected 644 or more restrictive",
    ),
    (
        10,
        "2:45 ../kubernetes/kube-apiserver --option --admission-control=WebHook,RBAC ---audit-log-maxage=40",
        "",
        "",
        "'--admission-control' has 'RBAC'",
    ),
    (
        11,
        "2:45 ../kubernetes/kube-apiserver --option --admission-control=WebHook,RBAC ---audit-log-maxage=40",
        "",
        "",
        "'--admission-control' has 'WebHook'",
    ),
    (
        12,
        "2:45 ../kubernetes/kube-apiserver --option --admission-control=WebHook,Something,RBAC ---audit-log-maxage=40",
        "",
        "",
        "'--admission-control' has 'Something'",
    ),
    (
        13,
        "2:45 ../kubernetes/kube-apiserver --option --admission-control=Something ---audit-log-maxage=40",
        "",
        "",
        "'--admission-control' has 'Something'",
    ),
    (
        14,
        "2:45 kube-apiserver some-arg: some-val --admission-control=Something ---audit-log-maxage=40",
        "",
        "",
        "'some-arg' is equal to 'some-val'",
    ),
    (
        14,
        "2:45 kube-apiserver some-arg:some-val --admission-control=Something ---audit-log-maxage=40",
        "",
        "",
        "'some-arg' is equal to 'some-val'",
    ),
    (
        15,
        "",
        "{\"readOnlyPort\": 15000}",
        "",
        "'{.readOnlyPort}' is equal to '15000' OR '{.readOnlyPort}' is greater or equal to 15000 OR '{.readOnlyPort}' is lower or equal to 15000",
    ),
    (
        16,
        "",
        "{\"stringValue\": \"WebHook,Something,RBAC\"}",
        "",
        "'{.stringValue}' is not equal to 'None' AND '{.stringValue}' is not equal to 'webhook,Something,RBAC' AND '{.stringValue}' is equal to 'WebHook,Something,RBAC'",
    ),
    (
        17,
        "",
        "{\"trueValue\": true}",
        "",
        "'{.trueValue}' is not equal to 'somethingElse' AND '{.trueValue}' is not equal to 'false' AND '{.trueValue}' is equal to 'true'",
    ),
    (
        18,
        "",
        "{\"readOnlyPort\": 15000}",
        "",
        "'{.notARealField}' is not present",
    ),
    (
        19,
        "",
        "{\"authentication\": { \"anonymous\": {\"enabled\": false}}}",
        "",
        "'{.authentication.anonymous.enabled}' is equal to 'false'",
    ),
    (
        20,
        "",
        "readOnlyPort: 15000",
        "",
        "'{.readOnlyPort}' is greater than 14999",
    ),
    (
        21,
        "",
        "readOnlyPort: 15000",
        "",
        "'{.fieldThatIsUnset}' is not present",
    ),
    (
        22,
        "",
        "authentication:\n  anonymous:\n    enabled: false",
        "",
        "'{.authentication.anonymous.enabled}' is equal to 'false'",
    ),
    (
        26,
        "",
        "currentMasterVersion: 1.12.7",
        "",
        "'{.currentMasterVersion}' matched by regex expression '^1\\.12.*$'",
    ),
    (
        27,
        "--peer-client-cert-auth",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'true'",
    ),
    (
        27,
        "--abc=true --peer-client-cert-auth --efg=false",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'true'",
    ),
    (
        27,
        "--abc --peer-client-cert-auth --efg",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'true'",
    ),
    (
        27,
        "--peer-client-cert-auth=true",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'true'",
    ),
    (
        27,
        "--abc --peer-client-cert-auth=true --efg",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'true'",
    ),
    (
        28,
        "--abc --peer-client-cert-auth=false --efg",
        "",
        "",
        "'--peer-client-cert-auth' is equal to 'false'",
    ),
    (
        29,
        "2:45 ../kubernetes/kube-apiserver --option1=20,30,40",
        "",
        "SOME_OTHER_ENV=true\nALLOW_PRIVILEGED=false",
        "'ALLOW_PRIVILEGED' is present",
    ),
    (
        30,
        "2:45 ../kubernetes/kube-apiserver --option1=20,30,40",
        "",
        "",
        "'BASIC_AUTH' is not present",
    ),
    (
        31,
        "2:45 ../kubernetes/kube-apiserver --option1=20,30,40",
        "",
        "INSECURE_PORT=0",
        "'INSECURE_PORT' is equal to '0'",
    ),
    (
        32,
        "2:45 ../kubernetes/kube-apiserver --option1=20,30,40",
        "",
        "AUDIT_LOG_MAXAGE=40",
        "'AUDIT_LOG_MAXAGE' is greater or equal to 30",
    ),
    (
        33,
        "2:45 ../kubernetes/kube-apiserver --option1=20,30,40",
        "",
        "MAX_BACKLOG=20",
        "'MAX_BACKLOG' is lower than 30",
    ),
];

#[test]
fn test_test_execute() {
    let c = data();
    for &(i, audit, config, env, expected) in EXECUTE {
        let ch = check(&c, 0, i);
        let r = eval::execute(ch, &outputs(audit, config, env));
        assert!(r.pass, "check {i} on {audit:?}/{config:?}/{env:?}: {r:?}");
        assert_eq!(r.expected, expected, "check {i} on {audit:?}");
    }
}

/// TestTestExecuteExceptions: group 0 check index and audit_config output; none holds (bad JSON and YAML, a
/// path absent, a regex that does not match, an empty value).
const EXCEPTIONS: &[(usize, &str)] = &[
    (23, "this is not valid json {} at all"),
    (24, "{\"key\": \"value\"}"),
    (25, "broken } yaml\nenabled: true"),
    (26, "currentMasterVersion: 1.11"),
    (26, "currentMasterVersion: "),
];

#[test]
fn test_test_execute_exceptions() {
    let c = data();
    for &(i, config) in EXCEPTIONS {
        let r = eval::execute(check(&c, 0, i), &outputs("", config, ""));
        assert!(!r.pass, "check {i} on {config:?}: {r:?}");
    }
}

/// Runs audits with /bin/sh, as kube-bench does; a non-zero exit is an error.
struct Sh;

impl Auditor for Sh {
    fn run(&self, command: &str) -> AuditOutput {
        match std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .output()
        {
            Ok(o) if o.status.success() => AuditOutput {
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                error: None,
                used_shell: true,
            },
            Ok(o) => AuditOutput {
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                error: Some(format!("{}", o.status)),
                used_shell: true,
            },
            Err(e) => AuditOutput {
                error: Some(e.to_string()),
                ..AuditOutput::default()
            },
        }
    }
}

fn states(c: &Controls, group: usize, indexes: &[usize], want: State) {
    for &i in indexes {
        let ch = check(c, group, i);
        let o = eval::run(ch, &Variables::new(), &Sh);
        assert_eq!(
            o.state, want,
            "group {group} check {i} ({}): {o:?}",
            ch.text
        );
    }
}

/// TestCheckAuditConfig: group 1 (audit and audit_config), which pass and which fail (all are scored).
#[test]
fn test_check_audit_config() {
    let c = data();
    states(&c, 1, &[0, 3, 5, 7, 9, 15], State::Pass);
    states(&c, 1, &[1, 2, 4, 6, 8, 10, 11, 12, 13, 14, 16], State::Fail);
}

/// TestCheckAuditEnv: group 2 (audit_env).
#[test]
fn test_check_audit_env() {
    let c = data();
    states(&c, 2, &[0, 2, 3, 4], State::Pass);
    states(&c, 2, &[1, 5, 6], State::Fail);
}
