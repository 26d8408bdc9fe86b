//! Registry invariants: unique ids and names, complete docs, a folder with a failing and a passing case per rule.

use std::collections::HashSet;
use std::path::Path;

use bulwark_imagecheck::rule_by_id_or_name;
use bulwark_imagecheck::rules::{RULE_DIRS, RULES};

#[test]
fn ids_and_names_unique_and_well_formed() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for r in RULES {
        let m = r.meta;
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        let ok_id = (m.id.starts_with("BW-IMG-") && m.id.len() == 11)
            || (m.id.starts_with("BW-DF-") && m.id.len() == 10);
        assert!(ok_id, "{}", m.id);
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
    assert_eq!(RULE_DIRS.len(), RULES.len());
}

#[test]
fn docs_have_every_section() {
    for r in RULES {
        let d = r.meta.docs();
        for s in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(d.contains(s), "{} docs lack {s}", r.meta.id);
        }
        assert!(
            d.starts_with(&format!("# {} ({})", r.meta.name, r.meta.id)),
            "{}",
            r.meta.id
        );
        for c in r.meta.cis {
            assert!(
                d.contains(&format!("CIS Docker Benchmark v1.6.0 {c}")),
                "{}: CIS {c} not cited in docs",
                r.meta.id
            );
        }
    }
}

#[test]
fn every_rule_has_a_failing_and_a_passing_case() {
    for (r, dir) in RULES.iter().zip(RULE_DIRS) {
        let cases = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/rules")
            .join(dir)
            .join("cases");
        let names: Vec<String> = std::fs::read_dir(&cases)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad")),
            "{}: no bad case",
            r.meta.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("good")),
            "{}: no good case",
            r.meta.id
        );
        let src = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/rules")
                .join(dir)
                .join("mod.rs"),
        )
        .unwrap();
        assert!(
            src.contains(&format!("id: \"{}\"", r.meta.id)),
            "{dir} is not the folder of {}",
            r.meta.id
        );
    }
}

#[test]
fn lookup() {
    assert_eq!(
        rule_by_id_or_name("bw-df-0008").unwrap().meta.name,
        "curl-pipe-shell"
    );
    assert_eq!(
        rule_by_id_or_name("image-root-user").unwrap().meta.id,
        "BW-IMG-0001"
    );
    assert!(rule_by_id_or_name("BW-DF-9999").is_none());
}
