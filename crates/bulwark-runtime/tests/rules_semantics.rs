//! Rule semantics, each case written from Falco's documentation (cited per test), evaluated on small in-test
//! events through the public API (`Ruleset::load` + `Ruleset::process`).

use std::collections::HashMap;

use bulwark_runtime::event::{Event, Field, FieldArg, FieldType, Schema, Value};
use bulwark_runtime::rules::{Alert, LoadOptions, Priority, RulesFile, Ruleset};
use bulwark_runtime::syscall::SyscallSchema;

/// A syscall event holding values by field name as printed (`proc.aname[2]`, `evt.arg.path`).
struct Ev {
    ty: &'static str,
    vals: HashMap<String, Value<'static>>,
}

fn ev(ty: &'static str, vals: &[(&str, Value<'static>)]) -> Ev {
    Ev {
        ty,
        vals: vals
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    }
}

fn s(v: &str) -> Value<'static> {
    Value::string(v.to_string())
}

impl Event for Ev {
    fn source(&self) -> &'static str {
        "syscall"
    }
    fn event_type(&self) -> &str {
        self.ty
    }
    fn time_ns(&self) -> i64 {
        1_765_103_400_123_456_789 // 2025-12-07T10:30:00.123456789Z
    }
    fn extract(&self, f: &Field) -> Value<'_> {
        if f.name == "evt.type" {
            return s(self.ty);
        }
        self.vals.get(&f.name).cloned().unwrap_or(Value::Missing)
    }
}

/// A `k8s_audit`-like event with one list field, for list semantics.
struct ListEv(Vec<&'static str>);
struct ListSchema;

impl Schema for ListSchema {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }
    fn resolve(&self, name: &str, _arg: Option<&str>) -> Result<Field, String> {
        match name {
            "ka.req.pod.containers.image" => Ok(Field {
                id: 1,
                name: name.into(),
                arg: FieldArg::None,
                ty: FieldType::Str,
                list: true,
            }),
            "ka.verb" => Ok(Field {
                id: 2,
                name: name.into(),
                arg: FieldArg::None,
                ty: FieldType::Str,
                list: false,
            }),
            _ => Err(format!("unknown field `{name}`")),
        }
    }
}

impl Event for ListEv {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }
    fn event_type(&self) -> &'static str {
        ""
    }
    fn time_ns(&self) -> i64 {
        0
    }
    fn extract(&self, f: &Field) -> Value<'_> {
        match f.id {
            1 => Value::List(self.0.iter().map(|x| Value::str(x)).collect()),
            _ => Value::str("create"),
        }
    }
}

fn rules(yaml: &str) -> Ruleset {
    rules_with(yaml, &LoadOptions::default())
}

fn rules_with(yaml: &str, opts: &LoadOptions) -> Ruleset {
    let f = RulesFile {
        path: "t.yaml".into(),
        text: yaml.into(),
    };
    match Ruleset::load(&[f], &[&SyscallSchema, &ListSchema], opts) {
        Ok((rs, _)) => rs,
        Err(e) => panic!("{:#?}", e.diagnostics),
    }
}

fn fired(rs: &Ruleset, e: &dyn Event) -> Vec<String> {
    let mut a = Vec::new();
    rs.process(e, &mut a);
    a.into_iter().map(|a| a.rule).collect()
}

/// One rule `r` with the condition; does it fire on the event?
fn check(cond: &str, e: &dyn Event) -> bool {
    let yaml = format!(
        "- rule: r\n  desc: d\n  condition: {}\n  output: o\n  priority: INFO\n",
        serde_json::to_string(cond).unwrap()
    );
    !fired(&rules(&yaml), e).is_empty()
}

// https://falco.org/docs/concepts/rules/conditions/ (Operators table).
#[test]
fn operators_as_documented() {
    let e = ev(
        "execve",
        &[
            ("proc.name", s("Bash")),
            ("proc.pid", Value::Int(42)),
            ("fd.name", s("/etc/shadow")),
            ("proc.cmdline", s("bash -c id")),
            ("fd.sip", Value::Ip("10.1.2.3".parse().unwrap())),
            ("fd.net", Value::Ip("10.1.2.3".parse().unwrap())),
            ("evt.buffer", Value::Bytes(b"\x7fELF\x02".to_vec().into())),
            ("evt.is_open_write", Value::Bool(true)),
        ],
    );
    let yes = [
        "proc.name = Bash",
        "proc.name == Bash",
        "proc.name != bash",
        "proc.pid = 42",
        "proc.pid < 43",
        "proc.pid <= 42",
        "proc.pid > 41",
        "proc.pid >= 42",
        "proc.pid in (1, 42)",
        "proc.name contains as",
        "proc.name icontains BAS",
        "proc.name startswith Ba",
        "proc.name endswith sh",
        "fd.name glob /etc/*",
        "fd.name glob '/etc/sha?ow'",
        "fd.name glob /etc/[rs]hadow",
        "proc.name iglob b*",
        "fd.name pmatch (/etc, /usr)",
        "fd.name pmatch (/etc/shadow)",
        "proc.name in (sh, Bash)",
        "proc.name intersects (Bash)",
        "proc.name exists",
        "fd.sip = 10.1.2.3",
        "fd.net = 10.0.0.0/8",
        "evt.buffer bcontains 454c46",
        "evt.buffer bstartswith 7f454c46",
        "proc.cmdline regex '^bash -c [a-z]+$'",
        "evt.is_open_write = true",
        "proc.cmdline contains \"-c id\"",
        "tolower(proc.name) = bash",
        "toupper(proc.name) = BASH",
        "len(proc.name) = 4",
        "basename(fd.name) = shadow",
        "proc.name = val(proc.name)",
        "not proc.name = sh",
        "(proc.name = sh or proc.pid = 42) and not (fd.name startswith /usr)",
    ];
    for c in yes {
        assert!(check(c, &e), "expected true: {c}");
    }
    let no = [
        "proc.name = bash",
        "proc.pid in (1, 2)",
        "proc.name icontains zz",
        "fd.name pmatch (/et)",
        "fd.name glob /etc",
        "fd.net = 192.168.0.0/16",
        "evt.buffer bstartswith 454c46",
        "proc.cmdline regex '^sh'",
        "proc.name != Bash",
        "proc.name = val(fd.name)",
    ];
    for c in no {
        assert!(!check(c, &e), "expected false: {c}");
    }
}

// https://falco.org/docs/concepts/rules/conditions/ — a field that has no value for the event (`<NA>`) makes
// every comparison false, except `exists`; libsinsp returns false before the operator when extraction fails,
// so `!=` on a missing field is false too, while `not ... =` is true.
#[test]
fn missing_values() {
    let e = ev("execve", &[]);
    assert!(!check("proc.name = x", &e));
    assert!(!check("proc.name != x", &e));
    assert!(check("not proc.name = x", &e));
    assert!(!check("proc.name exists", &e));
    assert!(check("not proc.name exists", &e));
    assert!(!check("proc.name in (x)", &e));
    // Comparing a k8s audit field with the literal `<NA>` is flagged, as Falco's LOAD_UNSAFE_NA_CHECK; syscall
    // fields are not (the official rules write `not proc.name in ("<NA>", "N/A")`).
    let f = RulesFile {
        path: "t.yaml".into(),
        text: "- rule: R\n  desc: d\n  condition: ka.verb = <NA>\n  output: o\n  priority: INFO\n  source: k8s_audit\n- rule: S\n  desc: d\n  condition: evt.type = open and proc.name in (\"<NA>\", x)\n  output: o\n  priority: INFO\n".into(),
    };
    let (_, d) = Ruleset::load(
        &[f],
        &[&SyscallSchema, &ListSchema],
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(
        d.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
        ["LOAD_UNSAFE_NA_CHECK"]
    );
}

// https://falco.org/docs/concepts/rules/basic-elements/#lists — lists may contain lists; `in (list)` expands.
#[test]
fn lists_and_macros_expand() {
    let y = r#"
- list: shells
  items: [bash, sh]
- list: all_shells
  items: [shells, zsh, "'fish shell'"]
- macro: spawned
  condition: evt.type = execve
- macro: shell_spawned
  condition: spawned and proc.name in (all_shells)
- rule: Shell
  desc: d
  condition: shell_spawned
  output: shell %proc.name
  priority: WARNING
"#;
    let rs = rules(y);
    assert_eq!(
        fired(&rs, &ev("execve", &[("proc.name", s("zsh"))])),
        ["Shell"]
    );
    assert_eq!(
        fired(&rs, &ev("execve", &[("proc.name", s("bash"))])),
        ["Shell"]
    );
    assert_eq!(
        fired(&rs, &ev("execve", &[("proc.name", s("fish shell"))])),
        ["Shell"]
    );
    assert!(fired(&rs, &ev("execve", &[("proc.name", s("python"))])).is_empty());
    assert!(fired(&rs, &ev("open", &[("proc.name", s("bash"))])).is_empty());
    assert_eq!(rs.event_types("Shell"), Some(vec!["execve"]));
    assert_eq!(
        rs.expanded_condition("Shell").unwrap(),
        "(evt.type = execve and proc.name in (bash, sh, zsh, \"fish shell\"))"
    );
}

// List fields: https://falco.org/docs/concepts/rules/conditions/ — `in` is true when every value of the list is
// in the set, `intersects` when at least one is.
#[test]
fn list_fields() {
    let y = "- rule: in\n  desc: d\n  condition: ka.req.pod.containers.image in (a, b)\n  output: o\n  priority: INFO\n  source: k8s_audit\n- rule: any\n  desc: d\n  condition: ka.req.pod.containers.image intersects (a)\n  output: o\n  priority: INFO\n  source: k8s_audit\n";
    let rs = rules(y);
    assert_eq!(fired(&rs, &ListEv(vec!["a", "b"])), ["in", "any"]);
    assert_eq!(fired(&rs, &ListEv(vec!["a", "c"])), ["any"]);
    assert!(fired(&rs, &ListEv(vec!["c"])).is_empty());
    // `proc.aname` without index yields every ancestor but is not a list field: `in` holds when one ancestor is
    // in the set (https://falco.org/docs/reference/rules/supported-fields/, proc.aname).
    let anc = ev(
        "execve",
        &[(
            "proc.aname",
            Value::List(vec![s("bash"), s("sshd"), s("systemd")]),
        )],
    );
    assert!(check("proc.aname in (sshd, containerd)", &anc));
    assert!(check("proc.aname = systemd", &anc));
    assert!(!check("proc.aname in (containerd)", &anc));
}

// https://falco.org/docs/concepts/rules/exceptions/ — multi-field tuples, the `comps` default of `=`, `in` with a
// list value, and the single-field form with `comps: in` over `values`.
#[test]
fn exceptions() {
    let y = r"
- rule: W
  desc: d
  condition: evt.type = open and fd.name startswith /etc
  output: o
  priority: ERROR
  exceptions:
    - name: proc_file
      fields: [proc.name, fd.name]
      values:
        - [vi, /etc/hosts]
    - name: procs
      fields: [proc.name, fd.name]
      comps: [in, pmatch]
      values:
        - [[apt, dpkg], [/etc/apt]]
    - name: single
      fields: proc.name
      values: [puppet, chef]
";
    let rs = rules(y);
    let open = |p: &str, f: &str| ev("open", &[("proc.name", s(p)), ("fd.name", s(f))]);
    assert_eq!(fired(&rs, &open("vi", "/etc/passwd")), ["W"]);
    assert!(fired(&rs, &open("vi", "/etc/hosts")).is_empty());
    assert!(fired(&rs, &open("dpkg", "/etc/apt/sources.list")).is_empty());
    assert_eq!(fired(&rs, &open("dpkg", "/etc/passwd")), ["W"]);
    assert!(fired(&rs, &open("chef", "/etc/passwd")).is_empty());
}

// https://falco.org/docs/concepts/rules/overriding/ — `append: true` and `override:` (append / replace) on
// lists, macros and rules, in a second file.
#[test]
fn append_and_override() {
    let a = r"
- list: bins
  items: [ls]
- macro: m
  condition: proc.name in (bins)
- rule: R
  desc: d
  condition: evt.type = execve and m
  output: first
  priority: NOTICE
  exceptions:
    - name: e
      fields: [proc.pid]
      values: [[1]]
";
    let b = r"
- list: bins
  items: [cat]
  override:
    items: append
- macro: m
  condition: or proc.name = vi
  append: true
- rule: R
  condition: and proc.pid > 0
  output: second %proc.name
  priority: CRITICAL
  exceptions:
    - name: e
      values: [[2]]
  override:
    condition: append
    output: replace
    priority: replace
    exceptions: append
";
    let files = [
        RulesFile {
            path: "a.yaml".into(),
            text: a.into(),
        },
        RulesFile {
            path: "b.yaml".into(),
            text: b.into(),
        },
    ];
    let (rs, _) = Ruleset::load(&files, &[&SyscallSchema], &LoadOptions::default()).unwrap();
    let e = |p: &str, pid: i64| {
        ev(
            "execve",
            &[("proc.name", s(p)), ("proc.pid", Value::Int(pid))],
        )
    };
    let mut alerts = Vec::new();
    rs.process(&e("cat", 7), &mut alerts);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].output, "second cat");
    assert_eq!(alerts[0].priority, Priority::Critical);
    assert_eq!(fired(&rs, &e("ls", 7)), ["R"]);
    assert_eq!(fired(&rs, &e("vi", 7)), ["R"]);
    assert!(fired(&rs, &e("ls", 1)).is_empty());
    assert!(fired(&rs, &e("ls", 2)).is_empty());
    assert!(fired(&rs, &e("ls", 0)).is_empty());

    // Replacing a definition with the same name; disabling with `enabled: false`.
    let c = "- rule: R\n  enabled: false\n";
    let mut files = files.to_vec();
    files.push(RulesFile {
        path: "c.yaml".into(),
        text: c.into(),
    });
    let (rs, _) = Ruleset::load(&files, &[&SyscallSchema], &LoadOptions::default()).unwrap();
    assert!(rs.is_empty());
}

// https://falco.org/docs/concepts/rules/basic-elements/ (priority) and Falco's -t/-T/-D options.
#[test]
fn priorities_and_selection() {
    let y = "
- rule: A
  desc: d
  condition: evt.type = open
  output: o
  priority: info
  tags: [fs]
- rule: B
  desc: d
  condition: evt.type = open
  output: o
  priority: Warning
  tags: [net, mitre]
- rule: C thing
  desc: d
  condition: evt.type = open
  output: o
  priority: EMERGENCY
";
    let names = |o: LoadOptions| {
        rules_with(y, &o)
            .rule_names()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(LoadOptions::default()), ["A", "B", "C thing"]);
    assert_eq!(
        names(LoadOptions {
            min_priority: Some(Priority::Warning),
            ..LoadOptions::default()
        }),
        ["B", "C thing"]
    );
    assert_eq!(
        names(LoadOptions {
            tags: vec!["net".into()],
            ..LoadOptions::default()
        }),
        ["B"]
    );
    assert_eq!(
        names(LoadOptions {
            disabled_tags: vec!["fs".into()],
            disabled_rules: vec!["C *".into()],
            ..LoadOptions::default()
        }),
        ["B"]
    );
    assert_eq!(Priority::parse("INFO"), Some(Priority::Informational));
    assert_eq!(
        Priority::parse("informational"),
        Some(Priority::Informational)
    );
    assert_eq!(Priority::parse("verbose"), None);
}

// https://falco.org/docs/concepts/outputs/formatting/ and https://falco.org/docs/concepts/outputs/ (json_output):
// `%field` substitution, `<NA>` for fields without value, and the JSON keys.
#[test]
fn output_formatting_and_json() {
    let y = "
- rule: Out
  desc: d
  condition: evt.type = open
  output: File opened (user=%user.name file=%fd.name parent=%proc.aname[2] pid=%proc.pid)
  priority: WARNING
  tags: [filesystem]
";
    let rs = rules(y);
    let mut a: Vec<Alert> = Vec::new();
    rs.process(
        &ev(
            "open",
            &[
                ("fd.name", s("/etc/shadow")),
                ("proc.aname[2]", s("sshd")),
                ("proc.pid", Value::Int(7)),
            ],
        ),
        &mut a,
    );
    assert_eq!(a.len(), 1);
    assert_eq!(
        a[0].output,
        "File opened (user=<NA> file=/etc/shadow parent=sshd pid=7)"
    );
    let j = a[0].to_falco_json("node1");
    assert_eq!(j["time"], "2025-12-07T10:30:00.123456789Z");
    assert_eq!(j["priority"], "Warning");
    assert_eq!(j["rule"], "Out");
    assert_eq!(j["source"], "syscall");
    assert_eq!(j["hostname"], "node1");
    assert_eq!(j["tags"], serde_json::json!(["filesystem"]));
    assert_eq!(
        j["output"],
        "10:30:00.123456789: Warning File opened (user=<NA> file=/etc/shadow parent=sshd pid=7)"
    );
    assert_eq!(j["output_fields"]["user.name"], serde_json::Value::Null);
    assert_eq!(j["output_fields"]["proc.pid"], 7);
    assert_eq!(j["output_fields"]["proc.aname[2]"], "sshd");
}

// libsinsp's formatter (eventformatter.cpp, read): a `%` token is the longest prefix that is a known field, may
// be a transformer, and a leading `*` only relaxes missing values; a `%` that starts no field is an error.
#[test]
fn output_tokens_like_libsinsp() {
    let out = |o: &str| {
        let y = format!(
            "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: {}\n  priority: INFO\n",
            serde_json::to_string(o).unwrap()
        );
        let mut a = Vec::new();
        rules(&y).process(&ev("open", &[("proc.name", s("Vim"))]), &mut a);
        a.pop().unwrap().output
    };
    assert_eq!(out("%proc.namex|%tolower(proc.name)"), "Vimx|vim");
    assert_eq!(out("*a %proc.name b"), "a Vim b");
    assert_eq!(out("(%proc.name)."), "(Vim).");
    let f = RulesFile {
        path: "t.yaml".into(),
        text: "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: 50% done\n  priority: INFO\n".into(),
    };
    let e = Ruleset::load(&[f], &[&SyscallSchema], &LoadOptions::default()).unwrap_err();
    assert_eq!(e.diagnostics[0].code, "LOAD_ERR_COMPILE_OUTPUT");
}

#[test]
fn rules_without_evt_type_warn_and_run_on_every_event() {
    let f = RulesFile {
        path: "t.yaml".into(),
        text: "- rule: Any\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: INFO\n- macro: unused\n  condition: proc.name = y\n".into(),
    };
    let (rs, diags) = Ruleset::load(&[f], &[&SyscallSchema], &LoadOptions::default()).unwrap();
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["LOAD_NO_EVTTYPE", "LOAD_UNUSED_MACRO"]);
    assert_eq!((diags[0].line, diags[0].column), (1, 3));
    assert_eq!(diags[1].line, 6);
    assert_eq!(fired(&rs, &ev("read", &[("proc.name", s("x"))])), ["Any"]);
    // https://falco.org/docs/reference/rules/rule-fields/: warn_evttypes and skip-if-unknown-filter.
    let f = RulesFile {
        path: "t.yaml".into(),
        text: "- rule: Any\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: INFO\n  warn_evttypes: false\n- rule: New\n  desc: d\n  condition: evt.type = open and fd.some_new_field = 1\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: true\n".into(),
    };
    let (rs2, diags) = Ruleset::load(&[f], &[&SyscallSchema], &LoadOptions::default()).unwrap();
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["LOAD_UNKNOWN_FILTER"]);
    assert_eq!(rs2.rule_names(), ["Any"]);
    assert_eq!(rs.event_types("Any"), Some(vec![]));
}

#[test]
fn a_ruleset_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>(_: &T) {}
    let rs = rules(
        "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n",
    );
    shared(&rs);
    std::thread::scope(|s| {
        let h = s.spawn(|| fired(&rs, &ev("open", &[])));
        assert_eq!(h.join().unwrap(), ["R"]);
    });
}
