//! The CIS Kubernetes framework's sections 1-4 against kube-bench's cfg/cis-1.9 (the edition it names): every
//! recommendation there, id and title, is a control, evidenced unless kube-bench marks it `type: manual` by
//! `BW-NODE-<benchmark>-<id>` for exactly the benchmarks in kube-bench's cfg whose check of the same group has the
//! same title (case, spacing and the Automated/Manual mark aside); and a node run's findings through `bulwark_compliance::evaluate` fail exactly the controls whose
//! checks were FAIL or WARN, pass the other evidenced ones, and leave the manual ones manual.

mod output_support;

use bulwark_compliance::{Scanner, Source, Status, evaluate, framework};
use bulwark_node::State;
use bulwark_node::controls::{self, CheckType};
use bulwark_node::output::findings;
use output_support::*;
use std::collections::BTreeMap;

const TARGETS: [&str; 4] = ["master", "etcd", "controlplane", "node"];

fn strip_mark(t: &str) -> &str {
    let t = t.trim();
    t.strip_suffix("(Automated)")
        .or_else(|| t.strip_suffix("(Manual)"))
        .unwrap_or(t)
        .trim_end()
}

#[test]
fn sections_1_to_4_are_cis_1_9s_checks() {
    let Some(cfg) = cfg() else { return };
    let cis = framework("cis-kubernetes").unwrap();
    let mut want = Vec::new();
    for t in TARGETS {
        let c = controls::load(&cfg.join("cis-1.9").join(format!("{t}.yaml"))).unwrap();
        for g in &c.groups {
            for ch in &g.checks {
                want.push((
                    ch.id.clone(),
                    strip_mark(&ch.text).to_string(),
                    ch.check_type == CheckType::Manual,
                ));
            }
        }
    }
    assert_eq!(want.len(), 95);
    let index = checks_by_group_and_title(&cfg);
    let got: Vec<_> = cis
        .controls
        .iter()
        .filter(|c| !c.id.starts_with("5."))
        .collect();
    assert_eq!(got.len(), want.len());
    for (c, (id, title, manual)) in got.iter().zip(&want) {
        assert_eq!(&c.id, id);
        assert_eq!(&c.title, title, "{id}");
        assert_eq!(c.source, format!("CIS Kubernetes Benchmark v1.9.0 §{id}"));
        if *manual {
            assert!(c.evidence.is_empty(), "{id} is manual in kube-bench");
        } else {
            assert_eq!(c.evidence.len(), 1, "{id}");
            let mut rules = c.evidence[0].rules.clone();
            rules.sort();
            assert_eq!(rules, same_check(&index, id, title), "{id}");
            assert!(rules.contains(&format!("BW-NODE-cis-1.9-{id}")), "{id}");
            assert_eq!(c.evidence[0].scanner(), Some(Scanner::Node));
        }
    }
}

/// A title for comparison: the Automated/Manual mark, case, spacing and `--` before flag names aside (cis-1.20
/// writes "the anonymous-auth argument" where later files write "the --anonymous-auth argument").
fn norm(t: &str) -> String {
    strip_mark(t)
        .replace("--", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// (group id, normalised title) → `BW-NODE-<benchmark>-<id>` of every benchmark in `cfg` with such a check.
fn checks_by_group_and_title(cfg: &std::path::Path) -> BTreeMap<(String, String), Vec<String>> {
    let mut index: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for e in std::fs::read_dir(cfg).unwrap() {
        let e = e.unwrap();
        if !e.file_type().unwrap().is_dir() {
            continue;
        }
        let bench = e.file_name().to_string_lossy().into_owned();
        for t in TARGETS {
            let p = e.path().join(format!("{t}.yaml"));
            if !p.exists() {
                continue;
            }
            let c = controls::load(&p).unwrap();
            for g in &c.groups {
                for ch in &g.checks {
                    index
                        .entry((g.id.clone(), norm(&ch.text)))
                        .or_default()
                        .push(format!("BW-NODE-{bench}-{}", ch.id));
                }
            }
        }
    }
    index
}

fn same_check(
    index: &BTreeMap<(String, String), Vec<String>>,
    id: &str,
    title: &str,
) -> Vec<String> {
    let group = id.rsplit_once('.').map_or(id, |(g, _)| g).to_string();
    let mut v = index
        .get(&(group, norm(title)))
        .cloned()
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn node_findings_fail_their_controls_and_pass_the_rest() {
    let Some(cfg) = cfg() else { return };
    // Every fifth automated check FAIL, every seventh WARN (unscored, tests not holding), the manual ones WARN as
    // kube-bench makes them, the rest PASS.
    let mut n = 0;
    let mut expected: BTreeMap<String, Status> = BTreeMap::new();
    let run = run_of(&cfg, "cis-1.9", &TARGETS, |ch| {
        n += 1;
        if ch.check_type == CheckType::Manual {
            expected.insert(ch.id.clone(), Status::Manual);
            return State::Warn;
        }
        let s = if n % 5 == 0 {
            State::Fail
        } else if n % 7 == 0 {
            State::Warn
        } else {
            State::Pass
        };
        let status = if s == State::Pass {
            Status::Pass
        } else {
            Status::Fail
        };
        expected.insert(ch.id.clone(), status);
        s
    });
    let fs = findings(&run);
    assert!(fs.iter().any(|f| f.id == "BW-NODE-cis-1.9-1.1.5"));
    let cis = framework("cis-kubernetes").unwrap();
    let r = evaluate(
        &cis,
        &[Source {
            label: "node kind-control-plane",
            scanners: &[Scanner::Node],
            findings: &fs,
        }],
    );
    let mut seen = 0;
    for c in &r.controls {
        if let Some(want) = expected.get(&c.id) {
            assert_eq!(c.status, *want, "{} {}", c.id, c.title);
            if *want == Status::Fail {
                assert_eq!(c.evidence.len(), 1, "{}", c.id);
                assert_eq!(
                    c.evidence[0].object.as_deref(),
                    Some("Node/kind-control-plane")
                );
            }
            seen += 1;
        } else {
            assert!(c.id.starts_with("5."), "{}", c.id);
            // Section 5 reads manifests: a node run assesses none of it.
            assert!(
                matches!(c.status, Status::NotAssessed | Status::Manual),
                "{}",
                c.id
            );
        }
    }
    assert_eq!(seen, 95);
    let fails = expected.values().filter(|s| **s == Status::Fail).count();
    assert!(fails > 20, "{fails}");
}
