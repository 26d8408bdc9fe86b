//! Conventions every command shares, applied to clap's definition of the CLI before it parses, so that clap's
//! generated help (and the man pages made from it) stays the single description of every flag:
//!
//! - every long flag can also be set by `BULWARK_<FLAG>` (`--skip-dirs` → `BULWARK_SKIP_DIRS`), unless the flag
//!   names its own variable; the values of password and token variables are never printed;
//! - a config file (`--config FILE`, `$BULWARK_CONFIG`, else `./bulwark.yaml` when it exists) sets any flag by
//!   its long name, flat (`severity: HIGH,CRITICAL`, `skip-dirs: [a, b]`) or nested by subcommand
//!   (`scan: {image: {severity: [CRITICAL]}}`; the most specific wins). Its values become the flags' defaults,
//!   so the precedence is the one Trivy users know: command line > environment > config file > built-in
//!   default. An unknown key or a value the flag does not accept is an error naming the file, line and key.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

/// The config file looked for in the working directory.
pub(crate) const DEFAULT_FILE: &str = "bulwark.yaml";

/// `--skip-dirs` → `BULWARK_SKIP_DIRS`.
pub(crate) fn env_name(long: &str) -> String {
    format!(
        "BULWARK_{}",
        long.to_ascii_uppercase().replace(['-', '.'], "_")
    )
}

/// Flags whose values must not be shown (help's `[env: X=value]`, `--debug`).
pub(crate) fn is_secret(long: &str) -> bool {
    long.contains("password") || long.contains("token")
}

/// Arguments a config file or an environment variable may set: options and flags with a long name.
fn settable(arg: &Arg) -> bool {
    arg.get_long().is_some()
        && !arg.is_positional()
        && !matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        )
}

/// Gives every settable flag of `cmd` and its subcommands without an env var of its own `BULWARK_<FLAG>`.
/// Switches take `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off` there (as Trivy's `TRIVY_QUIET=1`).
pub(crate) fn with_env(mut cmd: Command) -> Command {
    let args: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| settable(a))
        .filter_map(|a| Some((a.get_id().to_string(), a.get_long()?.to_string())))
        .collect();
    for (id, long) in args {
        cmd = cmd.mut_arg(id, |a| {
            let a = if a.get_env().is_none() {
                a.env(env_name(&long))
            } else {
                a
            };
            let a = if matches!(a.get_action(), ArgAction::SetTrue) {
                a.value_parser(clap::builder::BoolishValueParser::new())
            } else {
                a
            };
            if is_secret(&long) {
                a.hide_env_values(true)
            } else {
                a
            }
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        cmd = cmd.mut_subcommand(s, with_env);
    }
    cmd
}

/// For parsing (not for help): flags whose variable is set but empty read as if it were unset, as Trivy's
/// do (`BULWARK_DB=` in a CI file means no value, not an empty path). clap reads the variables when the
/// definition is made, so this is decided here.
pub(crate) fn ignore_empty_env(mut cmd: Command) -> Command {
    let empty: Vec<String> = cmd
        .get_arguments()
        .filter(|a| {
            a.get_env()
                .is_some_and(|e| std::env::var_os(e).is_some_and(|v| v.is_empty()))
        })
        .map(|a| a.get_id().to_string())
        .collect();
    for id in empty {
        cmd = cmd.mut_arg(id, |a| a.env(None::<&str>));
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for s in subs {
        cmd = cmd.mut_subcommand(s, ignore_empty_env);
    }
    cmd
}

/// A value from the config file and where it was written.
#[derive(Debug, Clone)]
struct Entry {
    values: Vec<String>,
    line: Option<usize>,
}

/// A loaded config file: values by scope (a subcommand path, empty for top-level keys) and flag name.
#[derive(Debug, Default)]
pub(crate) struct Config {
    pub(crate) path: PathBuf,
    entries: BTreeMap<Vec<String>, BTreeMap<String, Entry>>,
    /// `(command path, arg id)` of every flag whose default the file set, for `--debug`.
    applied: BTreeSet<(String, String)>,
    /// Per entry `(scope, key)`: whether some command accepted its value, else the first rejection.
    verdicts: BTreeMap<(Vec<String>, String), Result<(), String>>,
}

/// The config file for this command line: `--config FILE` (or `--config=FILE`), else `$BULWARK_CONFIG`, else
/// `./bulwark.yaml` when it exists. A file that was named but does not exist is an error.
pub(crate) fn locate(args: &[OsString]) -> Result<Option<PathBuf>> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            return match it.next() {
                Some(p) => named(PathBuf::from(p)).map(Some),
                None => Ok(None), // clap reports the missing value
            };
        }
        if let Some(p) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            return named(PathBuf::from(p)).map(Some);
        }
    }
    if let Some(p) = std::env::var_os("BULWARK_CONFIG").filter(|p| !p.is_empty()) {
        return named(PathBuf::from(p)).map(Some);
    }
    let default = Path::new(DEFAULT_FILE);
    Ok(default.is_file().then(|| default.to_path_buf()))
}

fn named(p: PathBuf) -> Result<PathBuf> {
    if !p.is_file() {
        bail!("config file {}: no such file", p.display());
    }
    Ok(p)
}

/// Reads the config file and checks every key against the CLI definition `root`.
pub(crate) fn load(path: &Path, root: &Command) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    // Bounded nesting first: yaml_serde is quadratic on nested flow collections (red team #12).
    if let Some((line, why)) =
        bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
    {
        bail!("config file {}:{line}: {why}", path.display());
    }
    let value: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
    let mut cfg = Config {
        path: path.to_path_buf(),
        ..Config::default()
    };
    match value {
        serde_yaml::Value::Null => {}
        serde_yaml::Value::Mapping(m) => {
            let mut ctx = Walk {
                file: path,
                text: &text,
                root,
                cfg: &mut cfg,
            };
            ctx.walk(&m, &[], root)?;
        }
        _ => bail!(
            "config file {}: expected a mapping of flag names to values (`severity: HIGH,CRITICAL`)",
            path.display()
        ),
    }
    Ok(cfg)
}

struct Walk<'a> {
    file: &'a Path,
    text: &'a str,
    root: &'a Command,
    cfg: &'a mut Config,
}

impl Walk<'_> {
    fn walk(&mut self, map: &serde_yaml::Mapping, scope: &[String], cmd: &Command) -> Result<()> {
        for (k, v) in map {
            let Some(key) = k.as_str() else {
                bail!(
                    "{}: keys must be flag or subcommand names, not {k:?}",
                    self.where_(scope, None)
                );
            };
            let mut path = scope.to_vec();
            path.push(key.to_string());
            let at = self.where_(scope, Some(key));
            let dotted = path.join(".");
            // `teams:` of `bulwark serve` is structured, not a flag: serve reads it (cmd/serve_teams.rs).
            if key == "teams" && (scope.is_empty() || scope == ["serve"]) {
                continue;
            }
            if let serde_yaml::Value::Mapping(m) = v {
                let Some(sub) = cmd.find_subcommand(key).filter(|s| !s.is_hide_set()) else {
                    if has_flag(cmd, key) {
                        bail!(
                            "{at}: key '{dotted}': --{key} takes a value or a list of values, not a mapping"
                        );
                    }
                    bail!(
                        "{at}: unknown key '{dotted}': `{}` has no subcommand `{key}`",
                        command_name(scope)
                    );
                };
                self.walk(m, &path, sub)?;
                continue;
            }
            if key == "config" {
                bail!(
                    "{at}: unknown key '{dotted}': a config file cannot name another config file"
                );
            }
            let global = self
                .root
                .get_arguments()
                .any(|a| a.is_global_set() && a.get_long() == Some(key));
            if !global && !has_flag(cmd, key) {
                bail!(
                    "{at}: unknown key '{dotted}': no flag --{key} in `{}`{}",
                    command_name(scope),
                    suggestion(cmd, key)
                );
            }
            if global && !scope.is_empty() {
                bail!("{at}: key '{dotted}': --{key} is a global option; set it at the top level");
            }
            let values = match v {
                serde_yaml::Value::Sequence(items) => items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<String>>>()
                    .with_context(|| {
                        format!("{at}: key '{dotted}': list items must be plain values")
                    })?,
                other => vec![scalar(other).with_context(|| {
                    format!("{at}: key '{dotted}': expected a value or a list of values")
                })?],
            };
            let line = find_line(self.text, &path);
            self.cfg
                .entries
                .entry(scope.to_vec())
                .or_default()
                .insert(key.to_string(), Entry { values, line });
        }
        Ok(())
    }

    /// `bulwark.yaml:7` (the line of the key when it can be found).
    fn where_(&self, scope: &[String], key: Option<&str>) -> String {
        let mut path = scope.to_vec();
        path.extend(key.map(str::to_string));
        match find_line(self.text, &path) {
            Some(l) => format!("{}:{l}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }
}

fn command_name(scope: &[String]) -> String {
    std::iter::once("bulwark")
        .chain(scope.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `cmd` or one of its subcommands has the long flag `long`.
fn has_flag(cmd: &Command, long: &str) -> bool {
    cmd.get_arguments()
        .any(|a| settable(a) && a.get_long() == Some(long))
        || cmd.get_subcommands().any(|s| has_flag(s, long))
}

/// "; did you mean severity?" for a key one or two edits away from a flag of `cmd`'s subtree.
fn suggestion(cmd: &Command, key: &str) -> String {
    fn longs(cmd: &Command, out: &mut BTreeSet<String>) {
        out.extend(
            cmd.get_arguments()
                .filter(|a| settable(a))
                .filter_map(|a| a.get_long().map(str::to_string)),
        );
        for s in cmd.get_subcommands() {
            longs(s, out);
        }
    }
    let mut all = BTreeSet::new();
    longs(cmd, &mut all);
    all.into_iter()
        .map(|l| (edit_distance(&l, key), l))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map_or_else(String::new, |(_, l)| format!("; did you mean {l}?"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The 1-based line of a (nested) key: each key is looked for, as `key:` at the start of a line, after the
/// line of its parent. Good enough for error messages; `None` when the file spells keys in another way.
fn find_line(text: &str, path: &[String]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut found = None;
    for key in path {
        let i = (from..lines.len()).find(|&i| {
            let l = lines[i].trim_start();
            let l = l.trim_start_matches(['"', '\'']);
            l.strip_prefix(key.as_str()).is_some_and(|rest| {
                rest.trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':')
            })
        })?;
        found = Some(i + 1);
        from = i + 1;
    }
    found
}

impl Config {
    /// Sets the file's values as the defaults of the flags they name, in `root` and every subcommand,
    /// checking each value with the flag's own parser.
    ///
    /// A key applies to every command under its scope that has the flag (`format: json` at the top level sets
    /// `-f` of every command with one). A command whose flag rejects the value keeps its own default (`version
    /// -f` takes table or json only, so `format: sarif` leaves it alone); a value that no command accepts is
    /// an error.
    pub(crate) fn apply(&mut self, root: Command) -> Result<Command> {
        let cmd = self.apply_at(root, &[])?;
        if let Some(Err(e)) = self.verdicts.values().find(|v| v.is_err()) {
            bail!("{e}");
        }
        Ok(cmd)
    }

    fn apply_at(&mut self, mut cmd: Command, path: &[String]) -> Result<Command> {
        let args: Vec<Arg> = cmd
            .get_arguments()
            .filter(|a| settable(a))
            .cloned()
            .collect();
        for arg in args {
            let long = arg.get_long().expect("settable").to_string();
            // Global options live at the top level only; their copies in subcommands come from clap.
            if arg.is_global_set() && !path.is_empty() {
                continue;
            }
            let Some((scope, entry)) = (0..=path.len()).rev().find_map(|n| {
                self.entries
                    .get(&path[..n])
                    .and_then(|m| m.get(&long))
                    .map(|e| (path[..n].to_vec(), e.clone()))
            }) else {
                continue;
            };
            let checked = self.check(&arg, &long, &entry);
            let verdict = self
                .verdicts
                .entry((scope, long.clone()))
                .or_insert_with(|| Err(String::new()));
            let values = match checked {
                Ok(v) => {
                    *verdict = Ok(());
                    v
                }
                Err(e) => {
                    if matches!(verdict, Err(m) if m.is_empty()) {
                        *verdict = Err(format!("{e:#}"));
                    }
                    continue;
                }
            };
            cmd = cmd.mut_arg(arg.get_id().clone(), |a| a.default_values(values));
            self.applied
                .insert((path.join(" "), arg.get_id().to_string()));
        }
        let subs: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        for s in subs {
            let mut sub_path = path.to_vec();
            sub_path.push(s.clone());
            let sub = cmd.find_subcommand(&s).cloned().expect("listed subcommand");
            let sub = self.apply_at(sub, &sub_path)?;
            cmd = cmd.mut_subcommand(s, |_| sub);
        }
        Ok(cmd)
    }

    /// The values for `arg`, split at its delimiter and each accepted by its parser.
    fn check(&self, arg: &Arg, long: &str, entry: &Entry) -> Result<Vec<String>> {
        let at = match entry.line {
            Some(l) => format!("{}:{l}", self.path.display()),
            None => self.path.display().to_string(),
        };
        let mut values = Vec::new();
        for v in &entry.values {
            match arg.get_value_delimiter() {
                Some(d) => values.extend(v.split(d).map(|s| s.trim().to_string())),
                None => values.push(v.clone()),
            }
        }
        let many = matches!(arg.get_action(), ArgAction::Append)
            || arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        if values.len() > 1 && !many {
            bail!(
                "{at}: key '{long}': --{long} takes one value, the file gives {}",
                values.len()
            );
        }
        if matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
            let boolish = [
                "true", "false", "1", "0", "yes", "no", "on", "off", "y", "n",
            ];
            if let Some(v) = values
                .iter()
                .find(|v| !boolish.contains(&v.to_ascii_lowercase().as_str()))
            {
                bail!("{at}: key '{long}': --{long} is a switch: write true or false, not '{v}'");
            }
            return Ok(values);
        }
        // The flag's own parser (possible values, numbers, durations), run on a copy of the flag alone.
        let probe = Command::new("bulwark").no_binary_name(true).arg(
            Arg::new("value")
                .long(long.to_string())
                .value_name(long.to_ascii_uppercase())
                .action(ArgAction::Set)
                .value_parser(arg.get_value_parser().clone()),
        );
        for v in &values {
            if let Err(e) = probe
                .clone()
                .try_get_matches_from([format!("--{long}={v}")])
            {
                let msg = e.to_string();
                let first = msg.lines().next().unwrap_or_default();
                let first = first.strip_prefix("error: ").unwrap_or(first);
                bail!("{at}: key '{long}': {first}");
            }
        }
        Ok(values)
    }

    /// `--debug` lines: which flags of the command that ran were set, and from where (command line,
    /// environment, this file). Values of secret flags are masked.
    pub(crate) fn describe(
        cmd: &Command,
        matches: &ArgMatches,
        cfg: Option<&Config>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut path: Vec<String> = Vec::new();
        let (mut c, mut m) = (cmd, matches);
        loop {
            for arg in c.get_arguments().filter(|a| settable(a)) {
                let id = arg.get_id().as_str();
                let long = arg.get_long().unwrap_or(id);
                let from = match m.value_source(id) {
                    Some(ValueSource::CommandLine) => "command line".to_string(),
                    Some(ValueSource::EnvVariable) => format!(
                        "environment {}",
                        arg.get_env()
                            .map_or_else(String::new, |e| e.to_string_lossy().into_owned())
                    ),
                    Some(ValueSource::DefaultValue) => match cfg {
                        Some(cfg) if cfg.applied.contains(&(path.join(" "), id.to_string())) => {
                            format!("config file {}", cfg.path.display())
                        }
                        _ => continue,
                    },
                    _ => continue,
                };
                if !seen.insert(id.to_string()) {
                    continue;
                }
                let value = if is_secret(long) {
                    "*****".to_string()
                } else {
                    m.get_raw(id)
                        .map(|vs| {
                            vs.map(|v| v.to_string_lossy().into_owned())
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default()
                };
                out.push(format!("--{long} = {value} (from {from})"));
            }
            match m.subcommand() {
                Some((name, sm)) => match c.find_subcommand(name) {
                    Some(sc) => {
                        path.push(name.to_string());
                        c = sc;
                        m = sm;
                    }
                    None => break,
                },
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_follow_the_flag() {
        assert_eq!(env_name("skip-dirs"), "BULWARK_SKIP_DIRS");
        assert_eq!(env_name("format"), "BULWARK_FORMAT");
    }

    #[test]
    fn lines_of_nested_keys() {
        let text =
            "severity: HIGH\nscan:\n  image:\n    severity: [LOW]\n  fs:\n    skip-dirs: [a]\n";
        assert_eq!(find_line(text, &["severity".into()]), Some(1));
        assert_eq!(
            find_line(text, &["scan".into(), "image".into(), "severity".into()]),
            Some(4)
        );
        assert_eq!(
            find_line(text, &["scan".into(), "fs".into(), "skip-dirs".into()]),
            Some(6)
        );
        assert_eq!(find_line(text, &["nothing".into()]), None);
    }

    #[test]
    fn close_keys_are_suggested() {
        assert_eq!(edit_distance("severty", "severity"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
