//! Malformed rules files: each is an error naming the file, item, line:column and a stable code; never a panic,
//! a stack overflow or a hang.

use std::fmt::Write as _;

use bulwark_runtime::rules::{Diagnostic, DiagnosticSeverity, LoadOptions, RulesFile, Ruleset};
use bulwark_runtime::syscall::SyscallSchema;

fn errors(text: &str) -> Vec<Diagnostic> {
    let f = RulesFile {
        path: "bad.yaml".into(),
        text: text.into(),
    };
    match Ruleset::load(&[f], &[&SyscallSchema], &LoadOptions::default()) {
        Ok((_, d)) => panic!("loaded: {d:#?}"),
        Err(e) => e
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == DiagnosticSeverity::Error)
            .collect(),
    }
}

fn one(text: &str) -> Diagnostic {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    e.into_iter().next().unwrap()
}

fn rule(cond: &str) -> String {
    format!("- rule: R\n  desc: d\n  condition: {cond}\n  output: o\n  priority: INFO\n")
}

#[test]
fn unknown_field_points_at_the_rule() {
    let d = one(&rule("evt.type = open and proc.nosuch = 1"));
    assert_eq!(d.code, "LOAD_ERR_COMPILE_CONDITION");
    assert_eq!((d.item_kind.as_str(), d.item_name.as_str()), ("rule", "R"));
    assert!(d.message.contains("proc.nosuch"), "{}", d.message);
    // `condition: ` value starts at line 3 column 14; `proc.nosuch` is 20 bytes in.
    assert_eq!(
        d.to_string().split(": error:").next(),
        Some("bad.yaml:3:34")
    );
    // In a macro, the position is the macro's token, the item is the rule using it.
    let text =
        "- macro: m\n  condition: proc.nosuch = 1\n".to_string() + &rule("evt.type = open and m");
    let d = one(&text);
    assert_eq!((d.item_name.as_str(), d.line, d.column), ("R", 2, 14));
    let d = one(&rule("evt.type = open and proc.pid in (1, x2)"));
    assert_eq!((d.line, d.column), (3, 50));
}

#[test]
fn bad_operator_points_at_the_token() {
    // `condition: ` starts at column 3 of line 3; the value at column 14; `likes` is 10 bytes in.
    let d = one(&rule("proc.name likes bash"));
    assert!(
        d.message.contains("unknown operator `likes`"),
        "{}",
        d.message
    );
    assert_eq!((d.line, d.column), (3, 24));
}

#[test]
fn condition_errors_in_folded_scalars_name_the_line() {
    let text = "- rule: R\n  desc: d\n  condition: >\n    evt.type = open and\n    (proc.name = a or\n    proc.name ~ b)\n  output: o\n  priority: INFO\n";
    let d = one(text);
    assert_eq!((d.line, d.column), (6, 15), "{d}");
}

#[test]
fn unbalanced_parens() {
    let d = one(&rule("(evt.type = open and (proc.name = a)"));
    assert!(d.message.contains("expected `)`"), "{}", d.message);
    let d = one(&rule("evt.type = open)"));
    assert!(d.message.contains("unexpected `)`"), "{}", d.message);
}

#[test]
fn cyclic_macros_and_self_referencing_lists() {
    let text = "- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = open and a\n"
        .to_string()
        + &rule("a");
    let d = one(&text);
    assert!(d.message.contains("a -> b -> a"), "{}", d.message);
    let text = "- list: l\n  items: [x, m]\n- list: m\n  items: [l]\n".to_string()
        + &rule("evt.type = open and proc.name in (l)");
    let d = one(&text);
    assert!(d.message.contains("l -> m -> l"), "{}", d.message);
}

#[test]
fn append_to_undefined() {
    for kind in [
        "list: l\n  items: [a]",
        "macro: m\n  condition: a",
        "rule: R\n  condition: a",
    ] {
        let d = one(&format!("- {kind}\n  append: true\n"));
        assert_eq!(d.code, "LOAD_ERR_VALIDATE");
        assert!(d.message.contains("no "), "{}", d.message);
    }
    let d = one("- rule: R\n  condition: and x\n  override:\n    condition: append\n");
    assert_eq!(d.code, "LOAD_ERR_VALIDATE");
}

#[test]
fn bad_priority_and_shapes() {
    let d = one(&rule("evt.type = open").replace("INFO", "LOUD"));
    assert!(d.message.contains("invalid priority `LOUD`"));
    assert_eq!((d.line, d.column), (5, 13));
    let d = one("rule: R\ncondition: x\n");
    assert_eq!(d.code, "LOAD_ERR_YAML_VALIDATE");
    let d = one("- just a string\n");
    assert_eq!(d.code, "LOAD_ERR_YAML_VALIDATE");
    let d = one("- rule: [unclosed\n");
    assert_eq!(d.code, "LOAD_ERR_YAML_PARSE");
    let d = one("- rule: R\n  desc: d\n  condition: evt.type = open\n");
    assert!(
        d.message.contains("missing `output`, `priority`"),
        "{}",
        d.message
    );
    let d = one(&rule("evt.type = open and proc.pid = abc"));
    assert!(d.message.contains("not a number"), "{}", d.message);
    let d = one(&rule("evt.type = open and undefined_macro"));
    assert!(d.message.contains("undefined macro `undefined_macro`"));
    let d = one(&rule("evt.type = open").replace("output: o", "output: o %proc.nosuch"));
    assert_eq!(d.code, "LOAD_ERR_COMPILE_OUTPUT");
}

#[test]
fn ten_megabytes_of_nested_parens_is_an_error_not_a_crash() {
    let deep = "(".repeat(10 << 20);
    let d = one(&rule(&format!("'{deep}'")));
    assert!(d.message.contains("nested more than"), "{}", d.message);
    let nots = "not ".repeat(1 << 20);
    let d = one(&rule(&format!("'{nots} evt.type = open'")));
    assert!(d.message.contains("`not`"), "{}", d.message);
}

#[test]
fn exponential_macro_and_list_expansion_is_bounded() {
    // m0 is one check; each mN uses m(N-1) twice: m63 would expand to 2^63 checks.
    let mut text = String::from("- macro: m0\n  condition: proc.name = a\n");
    let mut lists = String::from("- list: l0\n  items: [a, b]\n");
    for k in 1..64 {
        let p = k - 1;
        let _ = write!(text, "- macro: m{k}\n  condition: (m{p} or m{p})\n");
        let _ = write!(lists, "- list: l{k}\n  items: [l{p}, l{p}]\n");
    }
    let t = std::time::Instant::now();
    let d = one(&(text + &rule("evt.type = open and m63")));
    assert!(d.message.contains("expands to more than"), "{}", d.message);
    let d = one(&(lists + &rule("evt.type = open and proc.name in (l63)")));
    assert!(d.message.contains("expands to more than"), "{}", d.message);
    assert!(t.elapsed().as_secs() < 20);
}

#[test]
fn mutated_official_rules_never_panic() {
    // Deterministic mutations (a small LCG) of the stable Falco rules: bytes replaced by characters the
    // condition and YAML grammars care about. Every load must return, with rules or with diagnostics.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/upstream/falco-rules/falco_rules.yaml");
    let base = std::fs::read(path).unwrap();
    let alphabet = b"()[]%\"'\\,=!<> \n:-|>&*#xa0";
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    for _ in 0..120 {
        let mut text = base.clone();
        for _ in 0..=(next() % 8) {
            let at = next() % text.len();
            text[at] = alphabet[next() % alphabet.len()];
        }
        let f = RulesFile {
            path: "m.yaml".into(),
            text: String::from_utf8_lossy(&text).into_owned(),
        };
        match Ruleset::load(&[f], &[&SyscallSchema], &LoadOptions::default()) {
            Ok((rs, _)) => assert!(rs.len() <= 25),
            Err(e) => assert!(
                e.diagnostics
                    .iter()
                    .all(|d| d.line >= 1 && !d.code.is_empty())
            ),
        }
    }
}
