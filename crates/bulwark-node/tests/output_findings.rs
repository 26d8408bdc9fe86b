//! Node, host and probe results as report findings: ids, severities, the node as the resource, the properties the
//! compliance view and dashboard read.

mod output_support;

use bulwark_node::State;
use bulwark_node::controls::CheckType;
use bulwark_node::host::HostResult;
use bulwark_node::output::{findings, host_findings, probe_findings};
use bulwark_node::probe;
use bulwark_types::{FindingKind, Severity};
use output_support::*;

#[test]
fn recorded_run_findings() {
    let Some(cfg) = cfg() else { return };
    let mut run = recorded_run(&cfg);
    // 4.2.6 FAIL with the values the tests read.
    for s in &mut run.sections {
        for g in &mut s.groups {
            for c in &mut g.checks {
                if c.check.id == "4.2.6" {
                    c.outcome.expected = "'--protect-kernel-defaults' is equal to 'true'".into();
                    c.outcome.actual =
                        "root 1 0 kubelet --config=/var/lib/kubelet/config.yaml".into();
                }
            }
        }
    }
    let fs = findings(&run);
    // Recorded: 11 FAIL and 45 WARN; PASS and INFO make no finding.
    assert_eq!(fs.len(), 56);
    assert_eq!(
        fs.iter().filter(|f| f.severity == Severity::Medium).count(),
        11
    );
    let all: Vec<_> = run
        .sections
        .iter()
        .flat_map(|s| s.groups.iter().flat_map(|g| g.checks.iter()))
        .collect();
    for f in &fs {
        assert_eq!(f.kind, FindingKind::Misconfiguration);
        let id = f.id.strip_prefix("BW-NODE-cis-1.20-").unwrap();
        let c = all.iter().find(|c| c.check.id == id).unwrap();
        let want = match c.outcome.state {
            State::Fail => Severity::Medium,
            State::Warn if c.check.check_type == CheckType::Manual => Severity::Info,
            State::Warn => Severity::Low,
            s => panic!("{id}: {s:?} made a finding"),
        };
        assert_eq!(f.severity, want, "{id}");
        assert_eq!(f.title, c.check.text);
        assert_eq!(
            f.location.resource.as_deref(),
            Some("Node/kind-control-plane")
        );
        assert!(f.references.iter().any(|r| r.contains("cisecurity.org")));
        for k in [
            "benchmark",
            "target",
            "section",
            "checkId",
            "state",
            "scored",
            "type",
            "expected",
            "actual",
            "audit",
            "remediation",
            "usedShell",
            "needsShell",
            "reason",
        ] {
            assert!(f.properties.contains_key(k), "{id}: {k}");
        }
        assert_eq!(f.properties["checkId"], id);
    }
    let f = fs
        .iter()
        .find(|f| f.id == "BW-NODE-cis-1.20-4.2.6")
        .unwrap();
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.name.as_deref(),
        Some("ensure-that-the-protect-kernel-defaults-argument-is-set-to-true")
    );
    assert_eq!(f.properties["section"], "4.2");
    assert_eq!(f.properties["target"], "node");
    assert_eq!(f.properties["state"], "FAIL");
    assert!(
        f.message
            .contains("'--protect-kernel-defaults' is equal to 'true'")
    );
    assert!(f.message.contains("kubelet --config"));
    assert_eq!(
        f.evidence.as_deref(),
        Some("root 1 0 kubelet --config=/var/lib/kubelet/config.yaml")
    );
    // 1.2.1 is WARN, automated and unscored (its text's "(Manual)" is not its type): low. 5.1.1 is `type: manual`:
    // info.
    let f = fs
        .iter()
        .find(|f| f.id == "BW-NODE-cis-1.20-1.2.1")
        .unwrap();
    assert_eq!(f.severity, Severity::Low);
    let f = fs
        .iter()
        .find(|f| f.id == "BW-NODE-cis-1.20-5.1.1")
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
}

/// An automated WARN whose audit needed the shell judged nothing: info, and the message says so.
#[test]
fn needs_shell_warn_is_info() {
    let Some(cfg) = cfg() else { return };
    let mut run = recorded_run(&cfg);
    let mut id = String::new();
    'o: for s in &mut run.sections {
        for g in &mut s.groups {
            for c in &mut g.checks {
                if c.outcome.state == State::Warn && c.check.check_type == CheckType::Automated {
                    c.needs_shell = true;
                    c.outcome.reason = "failed to run: needs --allow-shell".into();
                    id.clone_from(&c.check.id);
                    break 'o;
                }
            }
        }
    }
    let fs = findings(&run);
    let f = fs
        .iter()
        .find(|f| f.id == format!("BW-NODE-cis-1.20-{id}"))
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.properties["needsShell"], true);
    assert!(f.message.contains("--allow-shell"));
}

#[test]
fn host_and_probe_findings() {
    let host = [
        HostResult {
            id: "H.1.1",
            text: "SSH root login is disabled",
            state: State::Fail,
            detail: "PermitRootLogin yes".into(),
            remediation: "Set PermitRootLogin no in sshd_config.",
        },
        HostResult {
            id: "H.2.1",
            text: "IP forwarding",
            state: State::Warn,
            detail: String::new(),
            remediation: "r",
        },
        HostResult {
            id: "H.3.1",
            text: "ok",
            state: State::Pass,
            detail: String::new(),
            remediation: "r",
        },
    ];
    let fs = host_findings(&host);
    assert_eq!(fs.len(), 2);
    assert_eq!(fs[0].id, "BW-HOST-H.1.1");
    assert_eq!(fs[0].severity, Severity::Medium);
    assert_eq!(fs[0].evidence.as_deref(), Some("PermitRootLogin yes"));
    assert_eq!(fs[1].id, "BW-HOST-H.2.1");
    assert_eq!(fs[1].severity, Severity::Low);

    let p = [probe::Finding {
        id: "PROBE-KUBELET-READONLY".into(),
        title: "Kubelet read-only port answers without authentication".into(),
        severity: Severity::High,
        target: "http://127.0.0.1:10255/pods".into(),
        evidence: "200 with a PodList".into(),
    }];
    let fs = probe_findings(&p);
    assert_eq!(fs[0].id, "BW-PROBE-KUBELET-READONLY");
    assert_eq!(fs[0].severity, Severity::High);
    assert_eq!(
        fs[0].location.resource.as_deref(),
        Some("http://127.0.0.1:10255/pods")
    );
    assert_eq!(fs[0].kind, FindingKind::Misconfiguration);
}
