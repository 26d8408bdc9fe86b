//! The conventions users expect of a CLI (issue #10, item 7), from the user's side: every flag of every command
//! has help; every flag can be set as `BULWARK_<FLAG>` or in `bulwark.yaml` / `--config FILE`, with command
//! line > environment > config file > built-in default; unknown config keys are errors naming the file and key;
//! `bulwark version` prints the version, the commit (`git rev-parse`) and the DB; `--timeout`, `--color`,
//! `--debug`, `--password-stdin`, the host's `--platform`, the `-f` defaults; and the checked-in man pages are
//! what the CLI definition generates.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{fixtures, image};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs bulwark in `dir` with none of the caller's `BULWARK_*` variables, plus `env`.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    c.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("BULWARK_") {
            c.env_remove(k);
        }
    }
    // No DB: these tests must not depend on one the machine may have.
    c.env("BULWARK_DB", dir.join("no-such.db"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run bulwark")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A manifest with findings of several severities: a privileged container running as root (misconfigurations
/// of several severities) and a Secret with a Stripe live key (a CRITICAL secret).
fn manifests(dir: &Path) -> PathBuf {
    let key = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc");
    let p = dir.join("app.yaml");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  hostNetwork: true\n  containers:\n  \
             - name: web\n    image: nginx:latest\n    securityContext:\n      privileged: true\n---\n\
             apiVersion: v1\nkind: Secret\nmetadata:\n  name: stripe\n  namespace: prod\nstringData:\n  \
             STRIPE_KEY: {key}\n"
        ),
    )
    .unwrap();
    p
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            o.status.code(),
            stdout(o),
            stderr(o)
        )
    })
}

fn severities(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn finding_ids(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// What a report is, from its first bytes: `json` (Bulwark's report), `sarif`, or `table`.
fn kind(o: &Output) -> &'static str {
    let s = stdout(o);
    if s.contains("\"$schema\"") && s.contains("sarif") {
        "sarif"
    } else if s.trim_start().starts_with('{') && s.contains("\"findings\"") {
        "json"
    } else if s.contains("Findings:") {
        "table"
    } else {
        "unknown"
    }
}

// ---------------------------------------------------------------------------------------------------------
// Help on every flag.

/// The entries of `--help` (long help) that have no description: only their spelling and bracketed notes
/// (`[env: …]`, `[default: …]`) or a list of possible values. Section headers end with `:` at column 0;
/// entries start at column 2 (arguments) or 2–6 (options); their description lines are indented by 10.
fn entries_without_help(help: &str) -> (usize, Vec<String>) {
    let mut in_section = false;
    let mut entries: Vec<(String, bool)> = Vec::new();
    for line in help.lines() {
        if line.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            in_section = line.ends_with(':') && line != "Commands:";
            continue;
        }
        if !in_section {
            continue;
        }
        let t = line.trim_start();
        if indent < 10 && (t.starts_with('-') || t.starts_with('<') || t.starts_with('[')) {
            // Short layout: the help follows the spelling on the same line, after two or more spaces (and
            // before any bracketed notes).
            let (spec, rest) = t.split_once("  ").unwrap_or((t, ""));
            let rest = rest.trim_start();
            entries.push((spec.to_string(), !rest.is_empty() && !rest.starts_with('[')));
        } else if indent >= 10
            && let Some(last) = entries.last_mut()
        {
            let note = t.starts_with("[env:")
                || t.starts_with("[default:")
                || t.starts_with("[aliases:")
                || t.starts_with("[possible values:")
                || t.starts_with("Possible values:")
                || t.starts_with("- ");
            if !note {
                last.1 = true;
            }
        }
    }
    let missing = entries
        .iter()
        .filter(|(_, has)| !has)
        .map(|(e, _)| e.clone())
        .collect();
    (entries.len(), missing)
}

/// The subcommands a `--help` lists (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if in_commands {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or_default();
            if name != "help" {
                out.push(name.to_string());
            }
        }
    }
    out
}

#[test]
fn the_help_parser_sees_a_flag_without_help() {
    let help = "Usage: x\n\nOptions:\n      --good <V>\n          Does a thing\n\n          [env: X_GOOD=]\n\n      \
                --bare <V>\n          [env: X_BARE=]\n          [default: 1]\n\n  -h, --help\n          Print help\n";
    let (n, missing) = entries_without_help(help);
    assert_eq!(n, 3);
    assert_eq!(missing, vec!["--bare <V>".to_string()]);
    // The short layout clap uses when no flag has a long description.
    let short = "Usage: x\n\nArguments:\n  <IMAGE>  The image\n\nOptions:\n      --good <V>  Does a thing [env: X_GOOD=]\n      \
                 --bare <V>  [env: X_BARE=]\n  -h, --help      Print help\n";
    let (n, missing) = entries_without_help(short);
    assert_eq!(n, 4);
    assert_eq!(missing, vec!["--bare <V>".to_string()]);
}

#[test]
fn every_flag_of_every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    let mut commands = 0;
    let mut flags = 0;
    let mut missing = Vec::new();
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run_in(dir.path(), &args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let help = stdout(&out);
        commands += 1;
        let (n, m) = entries_without_help(&help);
        flags += n;
        missing.extend(
            m.into_iter()
                .map(|e| format!("bulwark {}: {e}", path.join(" "))),
        );
        for sub in subcommands(&help) {
            let mut p = path.clone();
            p.push(sub);
            queue.push(p);
        }
    }
    // The walk reached every command family and their flags, so it can fail.
    assert!(commands >= 15, "only {commands} commands walked");
    assert!(flags >= 250, "only {flags} flags seen");
    assert!(
        missing.is_empty(),
        "flags without help:\n  {}",
        missing.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------------------
// Environment variables and the config file.

#[test]
fn an_environment_variable_sets_a_flag_as_the_flag_does() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    let all = run_in(dir.path(), &["scan", "k8s", m, "-f", "json"], &[]);
    let all = json(&all);
    assert!(
        severities(&all).len() >= 3,
        "the fixture should give several severities: {:?}",
        severities(&all)
    );
    let by_flag = json(&run_in(
        dir.path(),
        &["scan", "k8s", m, "-f", "json", "--severity", "CRITICAL"],
        &[],
    ));
    let by_env = run_in(
        dir.path(),
        &["scan", "k8s", m],
        &[("BULWARK_SEVERITY", "CRITICAL"), ("BULWARK_FORMAT", "json")],
    );
    assert_eq!(kind(&by_env), "json", "BULWARK_FORMAT=json");
    let by_env = json(&by_env);
    assert_eq!(severities(&by_env), vec!["CRITICAL".to_string()]);
    assert_eq!(finding_ids(&by_env), finding_ids(&by_flag));

    // A switch: BULWARK_SKIP_SECRETS=true is --skip-secrets; false leaves the secret scan on.
    let secret = "stripe-secret-key".to_string();
    assert!(
        finding_ids(&all).contains(&secret),
        "{:?}",
        finding_ids(&all)
    );
    let skipped = json(&run_in(
        dir.path(),
        &["scan", "k8s", m, "-f", "json"],
        &[("BULWARK_SKIP_SECRETS", "true")],
    ));
    assert!(!finding_ids(&skipped).contains(&secret));
    let kept = json(&run_in(
        dir.path(),
        &["scan", "k8s", m, "-f", "json"],
        &[("BULWARK_SKIP_SECRETS", "false")],
    ));
    assert!(finding_ids(&kept).contains(&secret));
    let skipped = json(&run_in(
        dir.path(),
        &["scan", "k8s", m, "-f", "json"],
        &[("BULWARK_SKIP_SECRETS", "1")],
    ));
    assert!(!finding_ids(&skipped).contains(&secret), "1 is true");

    // A variable set to the empty string counts as unset (as in a CI file's `BULWARK_SEVERITY=`).
    let out = run_in(
        dir.path(),
        &["scan", "k8s", m, "-f", "json"],
        &[("BULWARK_SEVERITY", ""), ("BULWARK_DB", "")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(finding_ids(&json(&out)), finding_ids(&all));
}

#[test]
fn help_names_the_variable_and_hides_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &["scan", "image", "--help"],
        &[
            ("BULWARK_REGISTRY_PASSWORD", "hunter2-secret"),
            ("BULWARK_CACHE_DIR", "/srv/blobs"),
        ],
    );
    let help = stdout(&out);
    assert!(help.contains("[env: BULWARK_SKIP_LAYER_VERIFY="), "{help}");
    assert!(
        help.contains("[env: BULWARK_CACHE_DIR=/srv/blobs]"),
        "{help}"
    );
    assert!(help.contains("[env: BULWARK_REGISTRY_PASSWORD]"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");
}

#[test]
fn bulwark_yaml_in_the_working_directory_sets_flags() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    std::fs::write(
        dir.path().join("bulwark.yaml"),
        "# flags by their long names\nformat: json\nseverity: CRITICAL\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["scan", "k8s", m], &[]);
    assert_eq!(kind(&out), "json", "{}", stderr(&out));
    assert_eq!(severities(&json(&out)), vec!["CRITICAL".to_string()]);

    // Nested by subcommand: the most specific key wins; a list is a list of values.
    std::fs::write(
        dir.path().join("bulwark.yaml"),
        "format: json\nseverity: CRITICAL\nscan:\n  k8s:\n    severity: [HIGH, CRITICAL]\n    skip-secrets: true\n",
    )
    .unwrap();
    let out = json(&run_in(dir.path(), &["scan", "k8s", m], &[]));
    let elsewhere = tempfile::tempdir().unwrap();
    let by_flags = json(&run_in(
        elsewhere.path(),
        &[
            "scan",
            "k8s",
            m,
            "-f",
            "json",
            "--severity",
            "HIGH,CRITICAL",
            "--skip-secrets",
        ],
        &[],
    ));
    assert!(severities(&out).contains(&"HIGH".to_string()));
    assert_eq!(finding_ids(&out), finding_ids(&by_flags));

    // A key under `scan` applies to every scan (Trivy's `scan: {skip-dirs: […]}`).
    std::fs::write(
        dir.path().join("bulwark.yaml"),
        "scan:\n  format: json\n  severity: CRITICAL\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["scan", "k8s", m], &[]);
    assert_eq!(kind(&out), "json", "{}", stderr(&out));
    assert_eq!(severities(&json(&out)), vec!["CRITICAL".to_string()]);
}

#[test]
fn command_line_beats_environment_beats_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    std::fs::write(dir.path().join("bulwark.yaml"), "format: json\n").unwrap();
    let k = |args: &[&str], env: &[(&str, &str)]| {
        let mut a = vec!["scan", "k8s", m];
        a.extend_from_slice(args);
        kind(&run_in(dir.path(), &a, env))
    };
    assert_eq!(k(&[], &[]), "json", "config file over the built-in table");
    assert_eq!(
        k(&[], &[("BULWARK_FORMAT", "sarif")]),
        "sarif",
        "environment over config file"
    );
    assert_eq!(
        k(&["-f", "table"], &[("BULWARK_FORMAT", "sarif")]),
        "table",
        "command line over environment"
    );
    assert_eq!(
        k(&["-f", "table"], &[]),
        "table",
        "command line over config"
    );
}

#[test]
fn unknown_keys_and_bad_values_in_the_config_file_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    for (text, expect) in [
        (
            "format: json\nseverty: HIGH\n",
            vec![
                "bulwark.yaml:2",
                "unknown key 'severty'",
                "did you mean severity",
            ],
        ),
        (
            "scan:\n  imgae:\n    severity: HIGH\n",
            vec!["bulwark.yaml:2", "unknown key 'scan.imgae'"],
        ),
        (
            "scan:\n  k8s:\n    platform: linux/arm64\n",
            vec!["bulwark.yaml:3", "unknown key 'scan.k8s.platform'"],
        ),
        (
            "severity: [HIGH, SEVERE]\n",
            vec!["bulwark.yaml:1", "severity", "SEVERE"],
        ),
        (
            "skip-secrets: maybe\n",
            vec!["bulwark.yaml:1", "skip-secrets", "maybe"],
        ),
        ("- format\n", vec!["bulwark.yaml", "mapping"]),
    ] {
        std::fs::write(dir.path().join("bulwark.yaml"), text).unwrap();
        let out = run_in(dir.path(), &["scan", "k8s", m], &[]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{text}");
        let err = stderr(&out);
        for e in expect {
            assert!(err.contains(e), "{text}: expected {e:?} in {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn config_path_from_the_flag_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    let cfg_dir = tempfile::tempdir().unwrap();
    let cfg = cfg_dir.path().join("ci.yaml");
    std::fs::write(&cfg, "format: sarif\n").unwrap();
    let cfg = cfg.to_str().unwrap();
    // A bulwark.yaml in the working directory is not read when another file is named.
    std::fs::write(dir.path().join("bulwark.yaml"), "format: json\n").unwrap();
    let out = run_in(dir.path(), &["scan", "k8s", m, "--config", cfg], &[]);
    assert_eq!(kind(&out), "sarif", "{}", stderr(&out));
    let out = run_in(dir.path(), &["--config", cfg, "scan", "k8s", m], &[]);
    assert_eq!(kind(&out), "sarif", "{}", stderr(&out));
    let out = run_in(dir.path(), &["scan", "k8s", m], &[("BULWARK_CONFIG", cfg)]);
    assert_eq!(kind(&out), "sarif", "{}", stderr(&out));
    // A named file that does not exist is an error, not a silent default.
    let out = run_in(
        dir.path(),
        &["scan", "k8s", m, "--config", "/nonexistent/bulwark.yaml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/bulwark.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn debug_says_where_each_value_came_from_and_masks_passwords() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bulwark.yaml"), "skip-secrets: true\n").unwrap();
    let img = image("alpine314-mini.docker.tar");
    let out = run_in(
        dir.path(),
        &["-v", "scan", "image", &img, "--no-vulns", "-f", "json"],
        &[("BULWARK_REGISTRY_PASSWORD", "hunter2-secret")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--skip-secrets = true (from config file bulwark.yaml)"),
        "{err}"
    );
    assert!(
        err.contains("--password = ***** (from environment BULWARK_REGISTRY_PASSWORD)"),
        "{err}"
    );
    assert!(
        err.contains("--no-vulns = true (from command line)"),
        "{err}"
    );
    assert!(err.contains("render:") && err.contains("total:"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // Without --debug, none of it.
    let out = run_in(
        dir.path(),
        &["scan", "image", &img, "--no-vulns", "-q"],
        &[],
    );
    assert!(!stderr(&out).contains("debug"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------------------
// bulwark version.

fn git_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo_root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[test]
fn version_without_a_db() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["version"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Version: {}\n", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    if let Some(commit) = git_commit() {
        assert!(text.contains(&format!("Commit: {commit}\n")), "{text}");
    }
    assert!(text.contains("Vulnerability DB: no DB yet"), "{text}");
    let doc = json(&run_in(dir.path(), &["version", "-f", "json"], &[]));
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["vulnerabilityDB"]["present"], false);
    // `--version` says the commit too.
    let out = run_in(dir.path(), &["--version"], &[]);
    assert!(stdout(&out).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn version_with_a_db_built_from_a_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fixture.db");
    let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-vulndb/testdata/osv-npm");
    let out = run_in(
        dir.path(),
        &[
            "db",
            "build",
            "-q",
            "-o",
            db.to_str().unwrap(),
            "--osv",
            osv.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let db = db.to_str().unwrap();
    let out = run_in(dir.path(), &["version", "--db", db], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "Version: ",
        "Commit: ",
        "Vulnerability DB:\n",
        &format!("  Path: {db}\n"),
        "  BuiltAt: ",
        "  Age: 0 minutes\n",
        "  Sources:\n    osv",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    // The same DB through the environment, as JSON.
    let doc = json(&run_in(
        dir.path(),
        &["version", "-f", "json"],
        &[("BULWARK_DB", db)],
    ));
    assert_eq!(doc["vulnerabilityDB"]["present"], true);
    assert_eq!(doc["vulnerabilityDB"]["path"], db);
    assert!(doc["vulnerabilityDB"]["ageSeconds"].as_u64().unwrap() < 600);
    assert!(
        !doc["vulnerabilityDB"]["sources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------------------
// --timeout, --color, --password-stdin, --platform, -f.

#[test]
fn timeout_aborts_a_real_scan_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let img = image("bookworm-app-mini.docker.tar");
    let out = run_in(
        dir.path(),
        &["scan", "image", &img, "--no-vulns", "--timeout", "1ms"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("timed out after 1ms"),
        "{}",
        stderr(&out)
    );
    // A generous limit changes nothing.
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "image",
            &img,
            "--no-vulns",
            "-q",
            "--timeout",
            "5m0s",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run_in(dir.path(), &["scan", "image", &img, "--timeout", "5"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a duration"), "{}", stderr(&out));
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifests(dir.path());
    let m = m.to_str().unwrap();
    let esc = |args: &[&str], env: &[(&str, &str)]| {
        let mut a = vec!["scan", "k8s", m];
        a.extend_from_slice(args);
        let out = run_in(dir.path(), &a, env);
        assert!(out.stdout.len() > 100, "{}", stderr(&out));
        out.stdout.contains(&0x1b)
    };
    assert!(esc(&["--color", "always"], &[]));
    assert!(esc(&[], &[("BULWARK_COLOR", "always")]));
    assert!(!esc(&["--color", "never"], &[]));
    // stdout is a pipe here: auto means no colour.
    assert!(!esc(&[], &[]));
    assert!(!esc(&["--color", "auto"], &[]));
    // JSON never carries escapes.
    assert!(!esc(&["--color", "always", "-f", "json"], &[]));
}

#[test]
fn password_stdin_conflicts_with_password_and_needs_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "image",
            "127.0.0.1:9/x:1",
            "--username",
            "u",
            "--password",
            "p",
            "--password-stdin",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
    let out = run_in(
        dir.path(),
        &["scan", "image", "127.0.0.1:9/x:1", "--password-stdin"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--username"), "{}", stderr(&out));
    // Empty stdin is an error before anything is pulled.
    let out = run_in(
        dir.path(),
        &[
            "scan",
            "image",
            "127.0.0.1:9/x:1",
            "--username",
            "u",
            "--password-stdin",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stdin was empty"), "{}", stderr(&out));
}

/// `--password-stdin` against a real registry (Debian's `docker-registry` over TLS with htpasswd basic auth):
/// the password piped in logs in, as `--password` does; a wrong one piped in is refused.
#[test]
fn password_stdin_logs_in_to_a_real_registry() {
    use std::io::Write;
    let reg = support::TestRegistry::start("tls", &support::temp_dir("conv-tls"), &[], None);
    reg.push_fixtures();
    let ca = reg.ca.clone().unwrap();
    let image = format!("{}/bookworm:app", reg.host);
    let user = reg.username.clone().unwrap();
    let pass = reg.password.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let sbom = |stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args([
                "sbom",
                "-q",
                "-f",
                "json",
                "--cache-dir",
                cache.to_str().unwrap(),
                "--ca-file",
                ca.to_str().unwrap(),
                "--username",
                &user,
                "--password-stdin",
                &image,
            ])
            .current_dir(dir.path())
            .env_remove("BULWARK_REGISTRY_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = sbom(&format!("{pass}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !json(&out)["packages"].as_array().unwrap().is_empty(),
        "an inventory was read through the registry"
    );
    let out = sbom("wrong-password\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out).to_lowercase();
    assert!(
        err.contains("401") || err.contains("unauthorized") || err.contains("credentials"),
        "{err}"
    );
}

#[test]
fn platform_defaults_to_the_host_and_f_shows_each_commands_default() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Command::new("uname").arg("-m").output().unwrap();
    let arch = match String::from_utf8_lossy(&machine.stdout).trim() {
        "x86_64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        other => panic!("add the OCI name of {other}"),
    };
    let help = stdout(&run_in(dir.path(), &["scan", "image", "--help"], &[]));
    assert!(help.contains(&format!("[default: linux/{arch}]")), "{help}");
    let mut defaults = BTreeMap::new();
    for cmd in [
        &["sbom"][..],
        &["scan", "image"],
        &["scan", "fs"],
        &["scan", "rootfs"],
        &["scan", "sbom"],
        &["scan", "k8s"],
    ] {
        let mut a = cmd.to_vec();
        a.push("--help");
        let help = stdout(&run_in(dir.path(), &a, &[]));
        // The -f entry: its own line and the description lines under it, up to the next entry.
        let f = help
            .split("-f, --format <FORMAT>")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd:?}: no -f:\n{help}"));
        let f: Vec<&str> = f
            .lines()
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.is_empty() || l.len() - l.trim_start().len() >= 10)
            .map(|(_, l)| l)
            .collect();
        let f = f.join("\n");
        assert!(
            f.contains("table, json, cyclonedx, spdx-json, sarif, junit"),
            "{f}"
        );
        let d = f
            .split("[default: ")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd:?}: {f}"));
        defaults.insert(cmd.join(" "), d[..d.find(']').unwrap()].to_string());
    }
    assert_eq!(defaults["sbom"], "cyclonedx");
    for c in [
        "scan image",
        "scan fs",
        "scan rootfs",
        "scan sbom",
        "scan k8s",
    ] {
        assert_eq!(defaults[c], "table", "{c}");
    }
    // And the default is what runs: an SBOM without -f is CycloneDX.
    let out = run_in(
        dir.path(),
        &["sbom", &image("alpine314-mini.docker.tar"), "-q"],
        &[],
    );
    assert_eq!(json(&out)["bomFormat"], "CycloneDX");
    let _ = fixtures();
}

// ---------------------------------------------------------------------------------------------------------
// Man pages.

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    out
}

#[test]
fn checked_in_man_pages_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    // Whatever the environment holds, the pages are the same.
    let out = run_in(
        tmp.path(),
        &["man", tmp.path().join("man").to_str().unwrap()],
        &[("BULWARK_CACHE_DIR", "/somewhere/else")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh = tree(&tmp.path().join("man"));
    for page in [
        "bulwark.1",
        "bulwark-scan.1",
        "bulwark-scan-image.1",
        "bulwark-scan-k8s.1",
        "bulwark-db-update.1",
        "bulwark-version.1",
    ] {
        assert!(
            fresh.contains_key(page),
            "{page} not generated: {:?}",
            fresh.keys()
        );
    }
    assert!(
        !fresh.contains_key("bulwark-man.1"),
        "the hidden command has no page"
    );
    let image_page = String::from_utf8_lossy(&fresh["bulwark-scan-image.1"]);
    assert!(
        image_page.contains("BULWARK_SEVERITY"),
        "env vars are documented"
    );
    assert!(!image_page.contains("/somewhere/else"));
    let checked_in = tree(&repo_root().join("docs/man"));
    let mut problems = Vec::new();
    for (p, text) in &fresh {
        match checked_in.get(p) {
            None => problems.push(format!("missing {p}")),
            Some(old) if old != text => problems.push(format!("differs {p}")),
            Some(_) => {}
        }
    }
    problems.extend(
        checked_in
            .keys()
            .filter(|p| !fresh.contains_key(*p))
            .map(|p| format!("no longer generated {p}")),
    );
    assert!(
        problems.is_empty(),
        "docs/man is stale: run `cargo run -p bulwark -- man docs/man` from the repository root (after \
         `rm docs/man/*.1` when a command was removed) and commit the result:\n  {}",
        problems.join("\n  ")
    );
}
