//! Shared by the output tests: kube-bench's upstream data (`BULWARK_KUBE_BENCH_CFG`, default the shared fixtures
//! path; the tests skip when it is absent) and NodeRuns built by hand from its check files.
#![allow(dead_code)]

use bulwark_node::State;
use bulwark_node::config::substitute;
use bulwark_node::controls::{self, CheckType};
use bulwark_node::eval::Outcome;
use bulwark_node::run::{CheckResult, GroupResult, NodeRun, SectionResult};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// kube-bench's `cfg` directory, `None` (and a note) when it is not on this machine.
pub(crate) fn cfg() -> Option<PathBuf> {
    let base = PathBuf::from(
        std::env::var("BULWARK_KUBE_BENCH_CFG")
            .unwrap_or_else(|_| "/work/shared/fixtures/upstream/kube-bench/cfg".into()),
    );
    if base.is_dir() {
        Some(base)
    } else {
        eprintln!("skipped: {} absent", base.display());
        None
    }
}

/// `integration/testdata/Expected_output.data` beside the cfg directory.
pub(crate) fn expected_output(cfg: &std::path::Path) -> String {
    std::fs::read_to_string(cfg.join("../integration/testdata/Expected_output.data")).unwrap()
}

pub(crate) fn parse_state(s: &str) -> State {
    match s {
        "PASS" => State::Pass,
        "FAIL" => State::Fail,
        "WARN" => State::Warn,
        "INFO" => State::Info,
        other => panic!("state {other}"),
    }
}

/// The state of each `<id> <text>` result line of kube-bench's recorded output.
pub(crate) fn recorded_states(expected: &str) -> BTreeMap<String, State> {
    let mut m = BTreeMap::new();
    for l in expected.lines() {
        if let Some(rest) = l.strip_prefix('[')
            && let Some((s, line)) = rest.split_once("] ")
            && s != "INFO"
        {
            m.insert(line.to_string(), parse_state(s));
        }
    }
    m
}

/// A result with the given state, no audit output and kube-bench's reason for manual checks.
pub(crate) fn result(check: controls::Check, state: State) -> CheckResult {
    let reason = if check.check_type == CheckType::Manual {
        "Test marked as a manual test".to_string()
    } else {
        String::new()
    };
    CheckResult {
        outcome: Outcome {
            state,
            reason,
            expected: String::new(),
            actual: String::new(),
        },
        audit: check.audit.clone(),
        audit_config: check.audit_config.clone(),
        audit_env: check.audit_env.clone(),
        used_shell: false,
        needs_shell: false,
        check,
    }
}

/// A NodeRun over `cfg/<bench>/<target>.yaml` for `targets`, each check's state given by `state`.
pub(crate) fn run_of(
    cfg: &std::path::Path,
    bench: &str,
    targets: &[&str],
    mut state: impl FnMut(&controls::Check) -> State,
) -> NodeRun {
    let config = bulwark_node::config::Config::load(&cfg.join("config.yaml")).unwrap();
    let mut sections = Vec::new();
    for t in targets {
        let mut c = controls::load(&cfg.join(bench).join(format!("{t}.yaml"))).unwrap();
        // kube-bench substitutes `$vars` in the whole check file before parsing it, so texts and remediations
        // name the files found: on kind's node, the first candidate binary runs and the default files apply.
        let vars = config.variables(t, &|_| true, &|_| false);
        for g in &mut c.groups {
            for ch in &mut g.checks {
                ch.text = substitute(&ch.text, &vars);
                ch.remediation = substitute(&ch.remediation, &vars);
            }
        }
        let groups = c
            .groups
            .iter()
            .map(|g| GroupResult {
                id: g.id.clone(),
                text: g.text.clone(),
                checks: g
                    .checks
                    .iter()
                    .map(|ch| result(ch.clone(), state(ch)))
                    .collect(),
            })
            .collect();
        sections.push(SectionResult {
            controls: c,
            groups,
        });
    }
    NodeRun {
        node: "kind-control-plane".into(),
        benchmark: bench.into(),
        detected_version: Some("1.21".into()),
        chosen_by: "version 1.21 → cis-1.20".into(),
        sections,
    }
}

/// kube-bench's integration run (cis-1.20, every target) with the states it recorded.
pub(crate) fn recorded_run(cfg: &std::path::Path) -> NodeRun {
    let states = recorded_states(&expected_output(cfg));
    run_of(
        cfg,
        "cis-1.20",
        &["master", "etcd", "controlplane", "node", "policies"],
        |ch| {
            *states
                .get(&format!("{} {}", ch.id, ch.text))
                .unwrap_or_else(|| panic!("{} not in the recorded output", ch.id))
        },
    )
}
