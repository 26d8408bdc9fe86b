//! `bulwark completions SHELL` (clap_complete), loaded by the real shells (bash, and zsh and fish from Debian,
//! installed by .ci/install-deps.sh) and asked to complete: `bulwark sc<TAB>` offers `scan`, `bulwark scan
//! i<TAB>` offers `image`. The subcommands every script must know are the ones the README's "Use" section
//! documents, not a list read from the code.

mod common;

use std::path::Path;
use std::process::Command;

/// The top-level commands the README documents (README.md, "Use").
const DOCUMENTED: &[&str] = &[
    "sbom",
    "scan",
    "db",
    "rule",
    "policy",
    "keys",
    "sign",
    "attest",
    "verify",
    "serve",
    "owners",
    "kube",
    "inventory",
    "get",
    "report",
    "runtime",
    "dast",
    "bench",
    "probe",
    "completions",
    "version",
];

fn script(shell: &str) -> String {
    let out = common::bulwark(&["completions", shell]);
    assert!(
        out.status.success(),
        "completions {shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{shell}: nothing on stderr");
    String::from_utf8(out.stdout).expect("UTF-8 script")
}

/// Runs `shell -c code` with the test's bulwark first on PATH; stdout, or the test fails with both streams.
fn shell(shell: &str, args: &[&str], code: &str) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_bulwark")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(shell)
        .args(args)
        .arg("-c")
        .arg(code)
        .env("PATH", path)
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| {
            panic!("{shell} is not installed ({e}): apt-get install zsh fish (.ci/install-deps.sh)")
        });
    assert!(
        out.status.success(),
        "{shell} -c {code:?} exited {:?}:\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

#[test]
fn every_shell_gets_a_script_naming_the_documented_commands() {
    for sh in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let s = script(sh);
        for cmd in DOCUMENTED {
            assert!(s.contains(cmd), "the {sh} script does not mention `{cmd}`");
        }
    }
}

#[test]
fn bash_sources_it_and_completes_subcommands() {
    let out = shell(
        "bash",
        &["--norc", "--noprofile"],
        "source <(bulwark completions bash) && complete -p bulwark",
    );
    assert!(
        out.starts_with("complete ") && out.trim_end().ends_with(" bulwark"),
        "{out}"
    );
    let complete = |line: &str| {
        let code = format!(
            "source <(bulwark completions bash)
             line={line:?}; read -ra COMP_WORDS <<< \"$line\"
             case \"$line\" in *' ') COMP_WORDS+=(''); esac
             COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMP_LINE=\"$line\"; COMP_POINT=${{#line}}
             _bulwark bulwark \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        shell("bash", &["--norc", "--noprofile"], &code)
    };
    let top = complete("bulwark sc");
    assert_eq!(words(&top), ["scan"], "bulwark sc<TAB>");
    let scan = complete("bulwark scan ");
    for kind in ["image", "fs", "k8s", "rootfs", "sbom"] {
        assert!(words(&scan).contains(&kind), "bulwark scan <TAB>: {scan}");
    }
    let shells = complete("bulwark completions ");
    for sh in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(
            words(&shells).contains(&sh),
            "bulwark completions <TAB>: {shells}"
        );
    }
}

#[test]
fn zsh_registers_the_completion_function() {
    let out = shell(
        "zsh",
        &["-f"],
        "autoload -Uz compinit && compinit -u -D && source <(bulwark completions zsh) && print -r -- ${_comps[bulwark]}",
    );
    assert_eq!(out.trim(), "_bulwark");
}

#[test]
fn fish_completes_subcommands() {
    let out = shell(
        "fish",
        &["--no-config"],
        "bulwark completions fish | source; complete -C 'bulwark sc'; echo ==; complete -C 'bulwark scan i'",
    );
    let (top, scan) = out.split_once("==\n").expect("two answers");
    let first = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(first(top), ["scan"], "{out}");
    assert_eq!(first(scan), ["image"], "{out}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = common::bulwark(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tcsh") && err.contains("bash"),
        "names the value and the choices: {err}"
    );
    assert!(out.stdout.is_empty());
}
