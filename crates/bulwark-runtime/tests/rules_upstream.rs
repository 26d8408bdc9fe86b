//! The official Falco rulesets and the k8saudit plugin's rules load unmodified, with zero errors
//! (`../shared/fixtures/upstream/falco-rules` and `falco-k8saudit`, see their README.md for provenance).

use std::fmt::Write as _;
use std::path::PathBuf;

use bulwark_runtime::event::{Event, Field, FieldArg, FieldType, Schema, Value};
use bulwark_runtime::rules::{DiagnosticSeverity, LoadOptions, RulesFile, Ruleset};
use bulwark_runtime::syscall::SyscallSchema;

fn upstream() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream")
}

fn file(rel: &str) -> RulesFile {
    let path = upstream().join(rel);
    RulesFile {
        path: rel.to_string(),
        text: std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

/// A stand-in for the k8saudit plugin's catalog until the audit helper's schema lands: accepts `ka.*` and
/// `jevt.*` names (any argument), typed as text; `ka.req.pod.containers.*` and similar plural names are lists.
struct AuditNames;

impl Schema for AuditNames {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }
    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<Field, String> {
        if !(name.starts_with("ka.") || name.starts_with("jevt.")) {
            return Err(format!("unknown field `{name}`"));
        }
        let list =
            arg.is_none() && (name.contains("containers.") || name.ends_with("volumes.hostpath"));
        Ok(Field {
            id: 0,
            name: match arg {
                Some(a) => format!("{name}[{a}]"),
                None => name.to_string(),
            },
            arg: arg.map_or(FieldArg::None, |a| FieldArg::Key(a.to_string())),
            ty: if name == "ka.response.code" {
                FieldType::Int
            } else {
                FieldType::Str
            },
            list,
        })
    }
}

fn load(files: &[RulesFile], schemas: &[&dyn Schema]) -> (Ruleset, usize) {
    match Ruleset::load(files, schemas, &LoadOptions::default()) {
        Ok((rs, diags)) => {
            for d in &diags {
                eprintln!("{d}");
            }
            let w = diags
                .iter()
                .filter(|d| d.severity == DiagnosticSeverity::Warning)
                .count();
            (rs, w)
        }
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            panic!("{e}");
        }
    }
}

#[test]
fn falco_stable_incubating_sandbox_load_in_order() {
    let files = [
        file("falco-rules/falco_rules.yaml"),
        file("falco-rules/falco-incubating_rules.yaml"),
        file("falco-rules/falco-sandbox_rules.yaml"),
    ];
    let (rs, warnings) = load(&files, &[&SyscallSchema]);
    eprintln!(
        "stable+incubating+sandbox: {} rules enabled, {warnings} warnings",
        rs.len()
    );
    // README.md: 25 + 31 + 37 rules, 12 of them `enabled: false`, none redefined across files.
    assert_eq!(rs.len(), 25 + 31 + 37 - 12);
    assert_eq!(rs.required_engine_version.as_deref(), Some("0.57.0"));
    // Every expanded condition (macros and lists inlined, for sysdig -j) is itself a valid condition that
    // compiles without any macro or list.
    let mut yaml = String::new();
    for name in rs.rule_names() {
        let c = rs.expanded_condition(name).unwrap();
        let _ = writeln!(
            yaml,
            "- rule: {}\n  desc: d\n  condition: {}\n  output: o\n  priority: INFO",
            serde_json::to_string(name).unwrap(),
            serde_json::to_string(&c).unwrap()
        );
    }
    let (flat, _) = load(
        &[RulesFile {
            path: "expanded.yaml".into(),
            text: yaml,
        }],
        &[&SyscallSchema],
    );
    assert_eq!(flat.len(), rs.len());
    for name in rs.rule_names() {
        assert_eq!(flat.event_types(name), rs.event_types(name), "{name}");
    }
    // Each file alone loads too.
    for f in &files {
        load(std::slice::from_ref(f), &[&SyscallSchema]);
    }
}

#[test]
fn k8saudit_rules_load_with_an_audit_schema_and_are_skipped_without() {
    for rel in [
        "falco-k8saudit/k8saudit-rules-0.6.0/k8s_audit_rules.yaml",
        "falco-k8saudit/k8saudit-rules-current/k8s_audit_rules.yaml",
    ] {
        let f = file(rel);
        let (rs, warnings) = load(std::slice::from_ref(&f), &[&SyscallSchema, &AuditNames]);
        eprintln!("{rel}: {} rules, {warnings} warnings", rs.len());
        assert!(rs.len() > 20, "{rel}: {}", rs.len());
        // Without the k8s_audit schema every rule is skipped with a warning, like Falco without the plugin.
        let (rs, _) = load(std::slice::from_ref(&f), &[&SyscallSchema]);
        assert_eq!(rs.len(), 0);
    }
}

#[test]
fn falco_regression_suite_combinations_load() {
    // As Falco's k8s-audit regression cases load them (falco_k8s_audit_tests.yaml): falco_rules 1.0.1 first,
    // then the plugin rules, or the legacy engine_v4 file, and the engine_v4 overrides on top.
    let base = file("falco-k8saudit/falcosecurity-rules-1.0.1/falco_rules.yaml");
    let v06 = file("falco-k8saudit/k8saudit-rules-0.6.0/k8s_audit_rules.yaml");
    let v4 = file("falco-k8saudit/rules/k8s_audit/engine_v4_k8s_audit_rules.yaml");
    let nginx = file("falco-k8saudit/rules/k8s_audit/engine_v4/allow_nginx_container.yaml");
    let schemas: [&dyn Schema; 2] = [&SyscallSchema, &AuditNames];
    let (rs, w) = load(&[base.clone(), v06.clone()], &schemas);
    eprintln!(
        "falco_rules 1.0.1 + k8saudit 0.6.0: {} rules, {w} warnings",
        rs.len()
    );
    let (rs, _) = load(&[base.clone(), v4.clone(), nginx], &schemas);
    // README.md: the engine_v4 file has 32 rules; falco_rules 1.0.1 has 80 (some disabled).
    assert!(
        rs.rule_names()
            .iter()
            .filter(|n| n.contains("K8s") || n.contains("Pod"))
            .count()
            >= 20
    );
    let (rs2, _) = load(&[base, v06, v4], &schemas);
    assert!(!rs2.is_empty());
}

/// An execve event holding values by printed field name.
struct Exec(Vec<(&'static str, Value<'static>)>);

impl Event for Exec {
    fn source(&self) -> &'static str {
        "syscall"
    }
    fn event_type(&self) -> &'static str {
        "execve"
    }
    fn time_ns(&self) -> i64 {
        0
    }
    fn extract(&self, f: &Field) -> Value<'_> {
        if f.name == "evt.type" {
            return Value::str("execve");
        }
        self.0
            .iter()
            .find(|(n, _)| *n == f.name)
            .map_or(Value::Missing, |(_, v)| v.clone())
    }
}

#[test]
fn terminal_shell_in_container_fires_as_its_condition_says() {
    // falco_rules.yaml, rule `Terminal shell in container`: an execve of a shell (`shell_binaries`) in a container
    // (`container.id != host`) with a terminal (`proc.tty != 0`) whose parent is absent or a runtime
    // (`container_entrypoint`, e.g. `runc:[1:CHILD]`, a bare value with brackets and a colon).
    let (rs, _) = load(&[file("falco-rules/falco_rules.yaml")], &[&SyscallSchema]);
    let base = |pname: &'static str, cid: &'static str, tty: i64| {
        Exec(vec![
            ("proc.name", Value::str("bash")),
            ("proc.pname", Value::str(pname)),
            ("container.id", Value::str(cid)),
            ("proc.tty", Value::Int(tty)),
            ("user.name", Value::str("root")),
        ])
    };
    let fired = |e: &Exec| {
        let mut a = Vec::new();
        rs.process(e, &mut a);
        a.into_iter().map(|a| a.rule).collect::<Vec<_>>()
    };
    assert!(
        fired(&base("runc:[1:CHILD]", "0123456789ab", 34816))
            .contains(&"Terminal shell in container".to_string())
    );
    assert!(
        fired(&base("containerd-shim", "0123456789ab", 34816))
            .contains(&"Terminal shell in container".to_string())
    );
    assert!(
        !fired(&base("sshd", "0123456789ab", 34816))
            .contains(&"Terminal shell in container".to_string())
    );
    assert!(
        !fired(&base("runc", "host", 34816)).contains(&"Terminal shell in container".to_string())
    );
    assert!(
        !fired(&base("runc", "0123456789ab", 0))
            .contains(&"Terminal shell in container".to_string())
    );
    assert!(
        rs.event_types("Terminal shell in container")
            .unwrap()
            .contains(&"execve")
    );
}

/// Throughput of the official rules on a syscall event that no rule matches (debug builds are ~20x slower):
/// `cargo test -p bulwark-runtime --test rules_upstream -- --ignored --nocapture throughput`.
#[test]
#[ignore = "a measurement, not a check"]
fn throughput() {
    let files = [
        file("falco-rules/falco_rules.yaml"),
        file("falco-rules/falco-incubating_rules.yaml"),
        file("falco-rules/falco-sandbox_rules.yaml"),
    ];
    let (rs, _) = load(&files, &[&SyscallSchema]);
    let e = Exec(vec![
        ("proc.name", Value::str("python3")),
        ("proc.pname", Value::str("bash")),
        ("container.id", Value::str("host")),
        ("proc.cmdline", Value::str("python3 app.py")),
        ("fd.name", Value::str("/srv/data")),
    ]);
    let count = 200_000;
    let start = std::time::Instant::now();
    let mut a = Vec::new();
    for _ in 0..count {
        rs.process(&e, &mut a);
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{count} execve events in {secs:.3}s: {:.0} events/s, {} alerts",
        f64::from(count) / secs,
        a.len()
    );
}
