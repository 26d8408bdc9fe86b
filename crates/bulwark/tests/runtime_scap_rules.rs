//! The stable Falco rules on real captures, against sysdig's own filter evaluation (issue #17, "Stable rules on
//! captures").
//!
//! sysdig 0.29.3 (`apt-get install sysdig`, libs of March 2022) is the oracle: it reads the same `.scap` files
//! and evaluates the same conditions, macros and lists inlined (`Ruleset::expanded_condition`, the plain filter
//! syntax `sysdig -p '%evt.num' FILTER` reads). For each readable capture:
//!
//! - every stable rule whose event types meet the capture's (the `evt.type` values sysdig prints) runs in sysdig
//!   and the number of matching events must equal the number of alerts `bulwark runtime replay --rules
//!   falco_rules.yaml -f falco-json` prints for it;
//! - the stable rules barely fire on these captures, so every macro of the file is also made a rule of its own
//!   (`condition: <macro>`, output `%evt.num`) and the exact set of matching event numbers is compared.
//!
//! A rule or macro sysdig 0.29 cannot evaluate (a field or operator added later) is in `SYSDIG_CANNOT` with the
//! reason, and the test checks that sysdig really fails on it. Differences that are sysdig 0.29 bugs fixed in
//! today's libsinsp are in `SYSDIG_DIFFERS` with the evidence. Skips, saying so, only when sysdig is absent.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use bulwark_runtime::k8saudit::K8sAuditSchema;
use bulwark_runtime::rules::{LoadOptions, RulesFile, Ruleset};
use bulwark_runtime::syscall::SyscallSchema;

use common::{bulwark, fixtures};

const CAPTURES: &[&str] = &["curl_google", "single_ipv6_conn", "test_ipv6_client"];

/// Rules and macros whose expanded condition sysdig 0.29.3 rejects, with the reason.
/// The parent's executable, added to libsinsp after sysdig 0.29.
const PEXE: &str = "proc.pexe: the parent's executable (libs 0.10, 2023)";
/// The path as the syscall passed it, before normalisation.
const NAMERAW: &str = "fd.nameraw: the path as the syscall passed it (libs 0.11, 2023)";

/// Rules and macros whose expanded condition sysdig 0.29.3 rejects: (name, the field sysdig names in its
/// "unrecognized field" error, why).
const SYSDIG_CANNOT: &[(&str, &str, &str)] = &[
    ("directory_traversal", "fd.nameraw", NAMERAW),
    (
        "Directory traversal monitored file read",
        "fd.nameraw",
        NAMERAW,
    ),
    ("run_by_appdynamics", "proc.pexe", PEXE),
    ("parent_java_running_zookeeper", "proc.pexe", PEXE),
    ("parent_java_running_kafka", "proc.pexe", PEXE),
    ("parent_java_running_elasticsearch", "proc.pexe", PEXE),
    ("parent_java_running_activemq", "proc.pexe", PEXE),
    ("parent_java_running_cassandra", "proc.pexe", PEXE),
    ("parent_java_running_jboss_wildfly", "proc.pexe", PEXE),
    ("parent_java_running_glassfish", "proc.pexe", PEXE),
    ("parent_java_running_hadoop", "proc.pexe", PEXE),
    ("parent_java_running_datastax", "proc.pexe", PEXE),
    ("possibly_parent_java_running_tomcat", "proc.pexe", PEXE),
    ("protected_shell_spawner", "proc.pexe", PEXE),
    ("Run shell untrusted", "proc.pexe", PEXE),
    (
        "Detect release_agent File Container Escapes",
        "thread.cap_effective",
        "the thread's effective capabilities (libs 0.10, 2023)",
    ),
    (
        "Drop and execute new binary in container",
        "proc.is_exe_upper_layer",
        "whether the executable is on an overlayfs upper layer (libs 0.11, 2023)",
    ),
    (
        "Fileless execution via memfd_create",
        "proc.is_exe_from_memfd",
        "whether the executable is a memfd (libs 0.14, 2024)",
    ),
];

/// (rule or macro, capture): where sysdig 0.29.3 gives another answer than today's libsinsp, with the evidence.
const SYSDIG_DIFFERS: &[(&str, &str, &str)] = &[
    (
        "open_file_failed",
        "curl_google",
        "event 980, a failed `open` of ~/.curlrc (fd=-2 ENOENT): there is no fd, so fd.typechar is guessed from the \
         event; sysdig 0.29 (libs e5c53d64 filterchecks.cpp extract_from_null_fd) listed PPME_SYSCALL_OPEN_E there \
         and gave `f`, today's libs (48dfd53cd event.h sinsp_evt::extract_typechar) list only openat_2, openat2 and \
         creat, so `open` gives `o` and the macro's `fd.typechar='f'` is false, in Falco as here",
    ),
    (
        "ssh_non_standard_ports_network",
        "test_ipv6_client",
        "events 231-237: a UDP socket connected to ::1:2345 is connected again, to 2001:4860:4860::8888:53; sysdig \
         0.29 kept the old destination (port 2345) and today's libs overwrite it (port 53, in the macro's list; \
         upstream ipv6.cpp expects the new one; crates/bulwark-runtime/tests/scap_sysdig.rs DIVERGES, \
         scap_oracle.rs NEWER_LIBS)",
    ),
];

fn stable() -> PathBuf {
    fixtures().join("upstream/falco-rules/falco_rules.yaml")
}

fn capture(name: &str) -> PathBuf {
    fixtures().join(format!("upstream/scap/{name}.scap"))
}

fn have_sysdig() -> bool {
    Command::new("sysdig").arg("--version").output().is_ok()
}

/// Runs `sysdig -r CAP -p FORMAT FILTER`; `Err(stderr)` when sysdig exits non-zero.
fn sysdig(cap: &str, format: &str, filter: &str) -> Result<Vec<String>, String> {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(capture(cap))
        .arg("-p")
        .arg(format)
        .arg(filter)
        .output()
        .expect("run sysdig");
    if !out.status.success() {
        return Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok(String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect())
}

fn evt_nums(lines: &[String]) -> BTreeSet<u64> {
    lines
        .iter()
        .map(|l| l.trim().parse::<u64>().unwrap_or_else(|_| panic!("{l}")))
        .collect()
}

/// The alerts of `bulwark runtime replay CAP --rules F... -f falco-json`: event numbers by rule (the rules print
/// `%evt.num` in their output fields when they are the macro rules; otherwise 0 for each alert).
fn replay(cap: &str, rules: &[&str]) -> BTreeMap<String, Vec<u64>> {
    let c = capture(cap).display().to_string();
    let mut args = vec!["runtime", "replay", c.as_str()];
    for r in rules {
        args.extend(["--rules", r]);
    }
    args.extend(["-f", "falco-json"]);
    let out = bulwark(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "replay {cap}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut by_rule: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect(line);
        let n = v["output_fields"]["evt.num"].as_u64().unwrap_or(0);
        by_rule
            .entry(v["rule"].as_str().unwrap().to_string())
            .or_default()
            .push(n);
    }
    by_rule
}

fn load(files: &[RulesFile]) -> Ruleset {
    match Ruleset::load(
        files,
        &[&SyscallSchema, &K8sAuditSchema],
        &LoadOptions::default(),
    ) {
        Ok((rs, _)) => rs,
        Err(e) => panic!("{e}: {:?}", e.diagnostics),
    }
}

/// The `evt.type` values of a capture, as sysdig names them.
fn capture_types(cap: &str) -> BTreeSet<String> {
    sysdig(cap, "%evt.type", "").unwrap().into_iter().collect()
}

fn cannot(name: &str) -> Option<(&'static str, &'static str)> {
    SYSDIG_CANNOT
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, f, r)| (*f, *r))
}

fn differs(name: &str, cap: &str) -> bool {
    SYSDIG_DIFFERS
        .iter()
        .any(|(n, c, _)| *n == name && *c == cap)
}

/// Compares one condition's sysdig answer with ours; returns a line describing a difference, if any.
/// What bulwark found for one condition: the event numbers (when compared as a set) and the alert count.
struct Ours<'a> {
    set: &'a BTreeSet<u64>,
    count: usize,
    by_set: bool,
}

/// How many comparisons were made and how many sysdig refused as listed.
#[derive(Default)]
struct Tally {
    checked: usize,
    cannot: usize,
}

fn compare(
    what: &str,
    name: &str,
    cap: &str,
    cond: &str,
    ours: &Ours<'_>,
    tally: &mut Tally,
) -> Option<String> {
    match (sysdig(cap, "%evt.num", cond), cannot(name)) {
        (Err(e), Some((field, _))) => {
            // sysdig fails for the reason listed, not another one.
            if e.contains(&format!("unrecognized field {field}")) {
                tally.cannot += 1;
                None
            } else {
                Some(format!(
                    "{what} `{name}` on {cap}: sysdig fails, but not on {field}: {}",
                    e.trim()
                ))
            }
        }
        (Err(e), None) => Some(format!(
            "{what} `{name}` on {cap}: sysdig fails and it is not in SYSDIG_CANNOT: {}",
            e.trim()
        )),
        (Ok(_), Some((_, reason))) => Some(format!(
            "{what} `{name}`: in SYSDIG_CANNOT ({reason}) but sysdig 0.29 evaluates it on {cap}"
        )),
        (Ok(lines), None) => {
            tally.checked += 1;
            let theirs = evt_nums(&lines);
            let ours_count = ours.count;
            let by_set = ours.by_set;
            let ours = ours.set;
            let same = if by_set {
                &theirs == ours
            } else {
                lines.len() == ours_count
            };
            match (same, differs(name, cap)) {
                (true, true) => Some(format!(
                    "{what} `{name}` on {cap}: listed in SYSDIG_DIFFERS but now agrees with sysdig"
                )),
                (true, false) | (false, true) => None,
                (false, false) => {
                    let only_sysdig: Vec<_> = theirs.difference(ours).take(10).collect();
                    let only_ours: Vec<_> = ours.difference(&theirs).take(10).collect();
                    Some(format!(
                        "{what} `{name}` on {cap}: sysdig {} events, bulwark {ours_count}; only sysdig {only_sysdig:?}, only bulwark {only_ours:?}\n    condition: {cond}",
                        lines.len()
                    ))
                }
            }
        }
    }
}

#[test]
fn stable_rules_validate_with_zero_errors() {
    let s = stable().display().to_string();
    let out = bulwark(&["runtime", "rules", "validate", &s]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("ok: 0 error(s)"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(": error:"), "{text}");
}

#[test]
fn stable_rules_on_captures_match_sysdig() {
    if !have_sysdig() {
        eprintln!(
            "SKIPPED: sysdig is not installed (apt-get install sysdig); nothing to compare against"
        );
        return;
    }
    let path = stable();
    let text = std::fs::read_to_string(&path).unwrap();
    let rs = load(&[RulesFile {
        path: path.display().to_string(),
        text,
    }]);
    assert_eq!(rs.len(), 25, "stable rules enabled (fixture README)");
    let s = path.display().to_string();
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    let mut fired = 0;
    for cap in CAPTURES {
        let types = capture_types(cap);
        assert!(types.len() >= 7, "{cap}: {types:?}");
        let alerts = replay(cap, &[&s]);
        for name in rs.rule_names() {
            let ets = rs.event_types(name).unwrap();
            if !ets.iter().any(|t| types.contains(*t)) {
                continue;
            }
            let cond = rs.expanded_condition(name).unwrap();
            let n = alerts.get(name).map_or(0, Vec::len);
            fired += n;
            let ours = Ours {
                set: &BTreeSet::new(),
                count: n,
                by_set: false,
            };
            if let Some(p) = compare("rule", name, cap, &cond, &ours, &mut tally) {
                problems.push(p);
            }
        }
        // No alert from a rule that was not compared.
        for name in alerts.keys() {
            assert!(
                rs.event_types(name)
                    .unwrap()
                    .iter()
                    .any(|t| types.contains(*t)),
                "{name}"
            );
        }
    }
    eprintln!(
        "{} (rule, capture) pairs agree with sysdig; {fired} alerts; sysdig 0.29 cannot evaluate {} (rule, capture) pairs",
        tally.checked, tally.cannot
    );
    assert!(tally.checked >= 10, "{}", tally.checked);
    assert!(tally.cannot >= 5, "{}", tally.cannot);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn stable_macros_on_captures_match_sysdig_event_by_event() {
    if !have_sysdig() {
        eprintln!(
            "SKIPPED: sysdig is not installed (apt-get install sysdig); nothing to compare against"
        );
        return;
    }
    let path = stable();
    let text = std::fs::read_to_string(&path).unwrap();
    let macros: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- macro: "))
        .map(str::trim)
        .collect();
    assert!(macros.len() > 80, "{}", macros.len());
    // One rule per macro, after the stable file, printing the event number.
    let mut extra = String::new();
    for m in &macros {
        let _ = writeln!(
            extra,
            "- rule: \"macro {m}\"\n  desc: d\n  condition: {m}\n  output: \"%evt.num\"\n  priority: INFO\n"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let extra_path = dir.path().join("macros.yaml");
    std::fs::write(&extra_path, &extra).unwrap();
    let rs = load(&[
        RulesFile {
            path: path.display().to_string(),
            text: text.clone(),
        },
        RulesFile {
            path: extra_path.display().to_string(),
            text: extra,
        },
    ]);
    let s = path.display().to_string();
    let e = extra_path.display().to_string();
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    let mut matched = 0;
    let mut nonempty = BTreeSet::new();
    for cap in CAPTURES {
        let alerts = replay(cap, &[&s, &e]);
        for m in &macros {
            let rule = format!("macro {m}");
            let cond = rs.expanded_condition(&rule).unwrap();
            let ours: BTreeSet<u64> = alerts
                .get(&rule)
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            let n = alerts.get(&rule).map_or(0, Vec::len);
            assert_eq!(ours.len(), n, "{rule} on {cap}: one alert per event");
            matched += n;
            if n > 0 {
                nonempty.insert(*m);
            }
            let ours = Ours {
                set: &ours,
                count: n,
                by_set: true,
            };
            if let Some(p) = compare("macro", m, cap, &cond, &ours, &mut tally) {
                problems.push(p);
            }
        }
    }
    eprintln!(
        "{} (macro, capture) pairs agree with sysdig event by event; {matched} matching events; sysdig 0.29 cannot evaluate {} pairs; macros matching something: {nonempty:?}",
        tally.checked, tally.cannot
    );
    assert_eq!(
        tally.cannot,
        3 * 13,
        "every macro in SYSDIG_CANNOT fails in sysdig on every capture"
    );
    assert!(nonempty.len() >= 5, "{nonempty:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
