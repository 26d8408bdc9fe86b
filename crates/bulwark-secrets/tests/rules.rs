//! Registry invariants: ids unique and kebab-case, every keyword lowercase, every rule finds its example.

use std::collections::HashSet;

use bulwark_secrets::sample::{Rng, expand};
use bulwark_secrets::{BUILTIN, Config, Scanner};

#[test]
fn at_least_150_rules_with_unique_kebab_ids() {
    assert!(BUILTIN.len() >= 150, "only {} rules", BUILTIN.len());
    let mut seen = HashSet::new();
    for r in BUILTIN {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "id not kebab-case: {}",
            r.id
        );
        for k in r.keywords {
            assert_eq!(
                *k,
                k.to_ascii_lowercase(),
                "keyword of {} must be lowercase",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_finds_its_own_example() {
    let scanner = Scanner::new(Config::default()).unwrap();
    let mut failures = Vec::new();
    for r in BUILTIN {
        for n in 0..20 {
            let text = expand(r.example, &mut Rng::from_str_seed(r.id, 1000 + n));
            let findings = scanner.scan("config/app.env", format!("{text}\n").as_bytes());
            let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
            if ids != [r.id] {
                failures.push(format!("{}: {ids:?} on {text:?}", r.id));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rules failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
