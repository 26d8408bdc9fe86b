//! Every kube-bench check file loads, with the counts of the fixtures README's table (groups, checks, scored,
//! manual, skip), ids as written (`4.10` stays `4.10`) and errors naming file:line.

use bulwark_node::controls::{self, CheckType};
use std::fmt::Write as _;
use std::path::PathBuf;

fn upstream() -> PathBuf {
    PathBuf::from("/work/shared/fixtures/upstream/kube-bench")
}

/// file, target, version, groups, checks, scored, manual, skip — from the README's "Counts of checks per file".
type Row = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
    usize,
    usize,
    usize,
);

const TABLE: &[Row] = &[
    (
        "cfg/cis-1.10/controlplane.yaml",
        "controlplane",
        "cis-1.10",
        2,
        5,
        0,
        4,
        0,
    ),
    ("cfg/cis-1.10/etcd.yaml", "etcd", "cis-1.10", 1, 7, 6, 0, 0),
    (
        "cfg/cis-1.10/master.yaml",
        "master",
        "cis-1.10",
        4,
        59,
        46,
        1,
        0,
    ),
    (
        "cfg/cis-1.10/node.yaml",
        "node",
        "cis-1.10",
        3,
        24,
        12,
        0,
        0,
    ),
    (
        "cfg/cis-1.10/policies.yaml",
        "policies",
        "cis-1.10",
        6,
        35,
        0,
        23,
        0,
    ),
    (
        "cfg/cis-1.11/controlplane.yaml",
        "controlplane",
        "cis-1.11",
        2,
        5,
        0,
        4,
        0,
    ),
    ("cfg/cis-1.11/etcd.yaml", "etcd", "cis-1.11", 1, 7, 6, 0, 0),
    (
        "cfg/cis-1.11/master.yaml",
        "master",
        "cis-1.11",
        4,
        60,
        47,
        1,
        0,
    ),
    (
        "cfg/cis-1.11/node.yaml",
        "node",
        "cis-1.11",
        3,
        26,
        12,
        0,
        0,
    ),
    (
        "cfg/cis-1.11/policies.yaml",
        "policies",
        "cis-1.11",
        6,
        35,
        0,
        23,
        0,
    ),
    (
        "cfg/cis-1.12/controlplane.yaml",
        "controlplane",
        "cis-1.12",
        2,
        5,
        0,
        4,
        0,
    ),
    ("cfg/cis-1.12/etcd.yaml", "etcd", "cis-1.12", 1, 7, 6, 0, 0),
    (
        "cfg/cis-1.12/master.yaml",
        "master",
        "cis-1.12",
        4,
        60,
        47,
        1,
        0,
    ),
    (
        "cfg/cis-1.12/node.yaml",
        "node",
        "cis-1.12",
        3,
        25,
        12,
        0,
        0,
    ),
    (
        "cfg/cis-1.12/policies.yaml",
        "policies",
        "cis-1.12",
        6,
        34,
        0,
        23,
        0,
    ),
    (
        "cfg/cis-1.20/controlplane.yaml",
        "controlplane",
        "cis-1.20",
        2,
        3,
        0,
        2,
        0,
    ),
    ("cfg/cis-1.20/etcd.yaml", "etcd", "cis-1.20", 1, 7, 6, 0, 0),
    (
        "cfg/cis-1.20/master.yaml",
        "master",
        "cis-1.20",
        4,
        64,
        51,
        1,
        0,
    ),
    (
        "cfg/cis-1.20/node.yaml",
        "node",
        "cis-1.20",
        2,
        23,
        12,
        0,
        0,
    ),
    (
        "cfg/cis-1.20/policies.yaml",
        "policies",
        "cis-1.20",
        6,
        26,
        0,
        26,
        0,
    ),
    (
        "cfg/cis-1.9/controlplane.yaml",
        "controlplane",
        "cis-1.9",
        2,
        5,
        0,
        4,
        0,
    ),
    ("cfg/cis-1.9/etcd.yaml", "etcd", "cis-1.9", 1, 7, 6, 0, 0),
    (
        "cfg/cis-1.9/master.yaml",
        "master",
        "cis-1.9",
        4,
        59,
        46,
        1,
        0,
    ),
    ("cfg/cis-1.9/node.yaml", "node", "cis-1.9", 3, 24, 12, 0, 0),
    (
        "cfg/cis-1.9/policies.yaml",
        "policies",
        "cis-1.9",
        6,
        35,
        0,
        29,
        0,
    ),
    (
        "cfg/eks-stig-kubernetes-v1r6/controlplane.yaml",
        "controlplane",
        "eks-stig-kubernetes-v1r6",
        3,
        11,
        2,
        9,
        0,
    ),
    (
        "cfg/eks-stig-kubernetes-v1r6/managedservices.yaml",
        "managedservices",
        "eks-stig-kubernetes-v1r6",
        2,
        63,
        0,
        1,
        62,
    ),
    (
        "cfg/eks-stig-kubernetes-v1r6/master.yaml",
        "master",
        "",
        0,
        0,
        0,
        0,
        0,
    ),
    (
        "cfg/eks-stig-kubernetes-v1r6/node.yaml",
        "node",
        "eks-stig-kubernetes-v1r6",
        1,
        18,
        12,
        5,
        0,
    ),
    (
        "cfg/eks-stig-kubernetes-v1r6/policies.yaml",
        "policies",
        "eks-stig-kubernetes-v1r6",
        1,
        3,
        0,
        3,
        0,
    ),
    ("check/data", "master", "", 3, 58, 24, 0, 0),
];

#[test]
fn every_check_file_loads_with_the_readme_counts() {
    let mut seen = 0;
    for &(file, target, version, groups, checks, scored, manual, skip) in TABLE {
        let c = controls::load(&upstream().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let all: Vec<_> = c.groups.iter().flat_map(|g| &g.checks).collect();
        let got = (
            c.groups.len(),
            all.len(),
            all.iter().filter(|c| c.scored).count(),
            all.iter()
                .filter(|c| c.check_type == CheckType::Manual)
                .count(),
            all.iter()
                .filter(|c| c.check_type == CheckType::Skip)
                .count(),
        );
        assert_eq!(got, (groups, checks, scored, manual, skip), "{file}");
        if checks > 0 {
            assert_eq!(c.target, target, "{file}");
            assert_eq!(c.version, version, "{file}");
        }
        seen += 1;
    }
    // Every check file of the fixture tree is in the table.
    let mut files = 0;
    for bench in std::fs::read_dir(upstream().join("cfg")).unwrap() {
        let bench = bench.unwrap().path();
        if bench.is_dir() {
            for f in std::fs::read_dir(&bench).unwrap() {
                let f = f.unwrap().path();
                if f.file_name().unwrap() != "config.yaml" {
                    files += 1;
                }
            }
        }
    }
    assert_eq!(files + 1, seen);
}

#[test]
fn ids_keep_their_source_text() {
    let c = controls::load(&upstream().join("cfg/cis-1.12/master.yaml")).unwrap();
    let ids: Vec<&str> = c
        .groups
        .iter()
        .flat_map(|g| &g.checks)
        .map(|c| c.id.as_str())
        .collect();
    // 1.1.10 and 1.2.10 would read as 1.1 / 1.2 through a float; here they are themselves.
    assert!(ids.contains(&"1.1.10"), "{ids:?}");
    assert!(ids.contains(&"1.2.10"), "{ids:?}");
    assert_eq!(c.id, "1");
    let g: Vec<&str> = c.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(g, ["1.1", "1.2", "1.3", "1.4"]);
    let n = controls::load(&upstream().join("cfg/cis-1.11/node.yaml")).unwrap();
    // A group id like 4.10 would be 4.1 as a float: every check id starts with its group id as written.
    for g in &n.groups {
        for ch in &g.checks {
            assert!(
                ch.id.starts_with(&format!("{}.", g.id)),
                "{} in {}",
                ch.id,
                g.id
            );
        }
    }
}

#[test]
fn check_fields_and_lines() {
    let text = "---\ncontrols:\nversion: \"cis-x\"\nid: 4\ntext: T\ntype: \"node\"\ngroups:\n  - id: 4.10\n    text: G\n    checks:\n      - id: 4.10\n        text: C\n        audit: \"ps -ef | grep $kubeletbin\"\n        use_multiple_values: true\n        tests:\n          bin_op: or\n          test_items:\n            - flag: \"--x\"\n              set: false\n            - path: '{.a.b}'\n              compare:\n                op: gte\n                value: 30\n        remediation: R\n        scored: false\n        type: skip\n";
    let c = controls::parse(text, "t.yaml").unwrap();
    let ch = &c.groups[0].checks[0];
    assert_eq!(c.groups[0].id, "4.10");
    assert_eq!(ch.id, "4.10");
    assert_eq!(ch.line, 11);
    assert!(ch.use_multiple_values);
    assert!(!ch.scored);
    assert_eq!(ch.check_type, CheckType::Skip);
    let t = ch.tests.as_ref().unwrap();
    assert_eq!(t.bin_op, controls::BinOp::Or);
    assert!(!t.items[0].set);
    assert!(t.items[1].set);
    let cmp = t.items[1].compare.as_ref().unwrap();
    assert_eq!((cmp.op.as_str(), cmp.value.as_str()), ("gte", "30"));
}

#[test]
fn errors_name_file_and_line() {
    let bad = "controls:\nid: 1\ngroups:\n  - id: 1.1\n    checks:\n      - id: 1.1.1\n        scored: maybe\n";
    let e = controls::parse(bad, "bad.yaml").unwrap_err().to_string();
    assert!(e.starts_with("bad.yaml:7:"), "{e}");
    let e = controls::parse("groups: [\n  a\n", "x.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("x.yaml:"), "{e}");
    let e = controls::parse("id: 1\ngroups:\n  x: 1\n", "m.yaml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("m.yaml:3:"), "{e}");
    let e = controls::load(std::path::Path::new("/nonexistent/x.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("/nonexistent/x.yaml:"), "{e}");
}

#[test]
fn hostile_nesting_and_aliases_are_refused() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = controls::parse(&deep, "d.yaml").unwrap_err().to_string();
    assert!(e.starts_with("d.yaml:1:"), "{e}");
    // A billion laughs: each level doubles the previous by aliases.
    let mut bomb = String::from("a0: &a0 [x, x]\n");
    for i in 1..40 {
        writeln!(bomb, "a{i}: &a{i} [*a{p}, *a{p}]", p = i - 1).unwrap();
    }
    let e = controls::parse(&bomb, "b.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("b.yaml:") && e.contains("too many nodes"),
        "{e}"
    );
}
