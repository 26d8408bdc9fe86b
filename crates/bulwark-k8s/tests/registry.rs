//! Registry invariants: unique ids and names, complete docs, every rule registered with a folder.

use std::collections::HashSet;

use bulwark_k8s::rules::RULE_DIRS;
use bulwark_k8s::{rule_by_id_or_name, rules};

#[test]
fn ids_and_names_unique_and_well_formed() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for r in rules() {
        let m = r.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(m.id.starts_with("BW-K8S-") && m.id.len() == 11, "{}", m.id);
        assert!(
            !m.name.starts_with("no-") && !m.name.starts_with("disallow-"),
            "{}",
            m.name
        );
        assert!(
            m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            m.name
        );
    }
    assert_eq!(RULE_DIRS.len(), rules().len());
}

#[test]
fn docs_have_every_section() {
    for r in rules() {
        let d = r.meta().docs();
        for s in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(d.contains(s), "{} docs lack {s}", r.meta().id);
        }
        assert!(d.starts_with(&format!("# {} ({})", r.meta().name, r.meta().id)));
    }
}

#[test]
fn lookup_by_id_or_name() {
    assert_eq!(
        rule_by_id_or_name("BW-K8S-0002").unwrap().meta().name,
        "privileged-container"
    );
    assert_eq!(
        rule_by_id_or_name("bw-k8s-0002").unwrap().meta().name,
        "privileged-container"
    );
    assert_eq!(
        rule_by_id_or_name("privileged-container")
            .unwrap()
            .meta()
            .id,
        "BW-K8S-0002"
    );
    assert!(rule_by_id_or_name("nope").is_none());
}
