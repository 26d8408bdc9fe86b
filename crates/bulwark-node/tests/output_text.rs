//! kube-bench's text output against its own recorded output: a NodeRun built from cfg/cis-1.20's check files
//! with the states kube-bench recorded for its kind integration cluster (integration/testdata/Expected_output.data)
//! renders to that file byte for byte. The flags' effects are checked against the same file with the blocks
//! removed as kube-bench's `prettyPrint` (cmd/common.go) skips them.

mod output_support;

use bulwark_node::State;
use bulwark_node::controls::CheckType;
use bulwark_node::output::{TextOptions, text};
use output_support::*;

#[test]
fn recorded_cis_1_20_run_renders_byte_for_byte() {
    let Some(cfg) = cfg() else { return };
    let expected = expected_output(&cfg);
    let run = recorded_run(&cfg);
    let t = run.totals();
    assert_eq!((t.pass, t.fail, t.warn, t.info), (67, 11, 45, 0));
    let got = text(&run, TextOptions::default());
    if got != expected {
        for (i, (a, b)) in got.lines().zip(expected.lines()).enumerate() {
            assert_eq!(a, b, "line {}", i + 1);
        }
        assert_eq!(got.len(), expected.len(), "lengths differ");
    }
}

/// Lines of `s` without those `drop` marks, `s`'s line ends kept.
fn filter(s: &str, mut drop: impl FnMut(&str) -> bool) -> String {
    s.split_inclusive('\n').filter(|l| !drop(l)).collect()
}

#[test]
fn flags_drop_what_kube_bench_drops() {
    let Some(cfg) = cfg() else { return };
    let expected = expected_output(&cfg);
    let run = recorded_run(&cfg);
    let opts = |r, res, s, t| TextOptions {
        no_remediations: r,
        no_results: res,
        no_summary: s,
        no_totals: t,
    };

    // --nototals: the last block, `== Summary total ==` and its four counts and blank line, goes.
    let total = expected.rfind("== Summary total ==").unwrap();
    assert_eq!(
        text(&run, opts(false, false, false, true)),
        expected[..total]
    );

    // --noresults: the `[STATE] id text` lines and the blank line closing each block go.
    let mut after_result = false;
    let no_results = filter(&expected, |l| {
        let drop = l.starts_with('[') || (after_result && l == "\n");
        after_result = l.starts_with('[');
        drop
    });
    assert_eq!(text(&run, opts(false, true, false, false)), no_results);

    // --nosummary: each target's summary block goes (six lines), the total stays.
    let mut left = 0;
    let no_summary = filter(&expected, |l| {
        if l.starts_with("== Summary ") && !l.starts_with("== Summary total") {
            left = 6;
        }
        if left > 0 {
            left -= 1;
            return true;
        }
        false
    });
    assert_eq!(text(&run, opts(false, false, true, false)), no_summary);

    // --noremediations: from each `== Remediations` header up to the next summary.
    let mut inside = false;
    let no_rem = filter(&expected, |l| {
        if l.starts_with("== Remediations ") {
            inside = true;
        } else if l.starts_with("== Summary ") {
            inside = false;
        }
        inside
    });
    assert_eq!(text(&run, opts(true, false, false, false)), no_rem);

    // All four: nothing at all.
    assert_eq!(text(&run, opts(true, true, true, true)), "");
}

/// A WARN whose audit could not run says why instead of the remediation (kube-bench: `Reason != "" && Type !=
/// "manual"`); a manual check with its reason keeps its remediation; a target without FAIL or WARN has no
/// remediations header (etcd in the recorded run).
#[test]
fn a_warn_whose_audit_failed_names_the_reason() {
    let Some(cfg) = cfg() else { return };
    let mut run = recorded_run(&cfg);
    let mut changed = None;
    'outer: for s in &mut run.sections {
        for g in &mut s.groups {
            for c in &mut g.checks {
                if c.outcome.state == State::Warn && c.check.check_type == CheckType::Automated {
                    c.outcome.reason = "failed to run: \"x\": needs --allow-shell".into();
                    changed = Some((c.check.id.clone(), c.check.remediation.clone()));
                    break 'outer;
                }
            }
        }
    }
    let (id, remediation) = changed.expect("an automated WARN in the recorded run");
    let out = text(&run, TextOptions::default());
    assert!(out.contains(&format!(
        "\n{id} audit test did not run: failed to run: \"x\": needs --allow-shell\n"
    )));
    assert!(!out.contains(&format!("\n{id} {remediation}\n")));
    // 5.1.1 is WARN, `type: manual` and has kube-bench's reason "Test marked as a manual test": its remediation is
    // printed.
    assert!(out.contains("\n5.1.1 Identify all clusterrolebindings to the cluster-admin role."));
    assert!(!out.contains("== Remediations etcd =="));
    // No colour or other escape codes.
    assert!(!out.contains('\u{1b}'));
}
