//! `bulwark runtime replay` and `bulwark runtime rules validate`.
//!
//! Exit codes: replay exits 0 when no rule fired, 1 when at least one alert was printed, 2 on an error (rules
//! that do not load, an unreadable input; alerts already printed stay printed). `rules validate` exits 0 when
//! the files load (warnings allowed) and 2 when any error is reported.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use bulwark_runtime::event::{Drops, Event, EventSource, Schema};
use bulwark_runtime::k8saudit::{AuditSource, K8sAuditSchema};
use bulwark_runtime::rules::{
    Alert, Diagnostic, DiagnosticSeverity, LoadOptions, Priority, RulesFile, Ruleset,
};
use bulwark_runtime::scap::CaptureSource;
use bulwark_runtime::syscall::SyscallSchema;

use crate::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AlertFormat {
    /// One JSON object per alert, in Falco's `json_output` shape.
    FalcoJson,
    /// One JSON document: the alerts, the counts and the source's drops.
    Json,
    /// One line per alert: time, priority, rule, output.
    Table,
    /// SARIF 2.1.0, the alerts as results (see `bulwark report` for the report formats below).
    Sarif,
    /// JUnit XML, one failed test case per alert.
    Junit,
    /// wgpolicyk8s.io/v1alpha2 PolicyReports, in each alert's namespace.
    Policyreport,
    /// One self-contained HTML page.
    Html,
    /// One row per alert (RFC 4180).
    Csv,
    /// Bulwark's report JSON, the alerts as runtime findings.
    ReportJson,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReplayArgs {
    /// The capture file or audit events file (`-` for stdin).
    pub(crate) input: PathBuf,
    /// A Falco rules file; repeat to load several in order (a later file overrides or appends).
    #[arg(long = "rules", short = 'r', value_name = "FILE", required = true)]
    pub(crate) rules: Vec<PathBuf>,
    /// Disable a rule by name (a `*` glob matches several); repeatable, as Falco's -D.
    #[arg(long = "disable-rule", short = 'D', value_name = "NAME")]
    pub(crate) disable_rule: Vec<String>,
    /// Only load rules with this tag; repeatable, as Falco's -t.
    #[arg(long = "tags", short = 't', value_name = "TAG")]
    pub(crate) tags: Vec<String>,
    /// Do not load rules with this tag; repeatable, as Falco's -T.
    #[arg(long = "disable-tags", short = 'T', value_name = "TAG")]
    pub(crate) disable_tags: Vec<String>,
    /// Skip rules less severe than this priority (emergency, alert, critical, error, warning, notice, info,
    /// debug).
    #[arg(long = "min-priority", value_name = "PRIORITY", value_parser = parse_priority)]
    pub(crate) min_priority: Option<Priority>,
    /// Output format of the alerts.
    #[arg(long, short = 'f', value_enum, default_value_t = AlertFormat::FalcoJson)]
    pub(crate) format: AlertFormat,
    /// Write the alerts to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Learn the capture's executed binaries and network destinations into the baseline of this image digest
    /// (and --baseline-container), or, when that baseline is locked, alert on what it has not learned
    /// (`Baseline Deviation`). With --store, the baseline the live watchers share.
    #[arg(long, value_name = "DIGEST")]
    pub(crate) baseline_image: Option<String>,
    /// The container name of the baseline.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "main",
        requires = "baseline_image"
    )]
    pub(crate) baseline_container: String,
    /// The store holding the baselines (a SQLite path, `sqlite:PATH` or `postgres://…`).
    #[arg(long, value_name = "URL", requires = "baseline_image")]
    pub(crate) store: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiagFormat {
    /// `file:line:col: error|warning: kind 'name': message [CODE]`, one per line.
    Text,
    /// A JSON array of diagnostics.
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum RulesCommand {
    /// Load rules files and report errors and warnings naming the item and position. Exit 0 when they load.
    Validate {
        /// The rules files, loaded in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = DiagFormat::Text)]
        format: DiagFormat,
    },
    /// Prints each enabled rule's condition with macros and lists expanded and exceptions appended, as sysdig's
    /// filter syntax reads it: a JSON object, rule name to condition (for comparing with sysdig and for bench/).
    #[command(hide = true)]
    Expand {
        /// The rules files, loaded in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn parse_priority(s: &str) -> Result<Priority, String> {
    Priority::parse(s).ok_or_else(|| {
        format!("unknown priority `{s}` (emergency, alert, critical, error, warning, notice, info, debug)")
    })
}

fn read_rules(paths: &[PathBuf]) -> Result<Vec<RulesFile>> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading rules file {}", p.display()))?;
            Ok(RulesFile {
                path: p.display().to_string(),
                text,
            })
        })
        .collect()
}

fn schemas() -> [&'static dyn Schema; 2] {
    [&SyscallSchema, &K8sAuditSchema]
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Opens the input: a capture when its first bytes say so, else Kubernetes audit JSON.
fn open_source(input: &Path) -> Result<Box<dyn EventSource>> {
    let name = input.display().to_string();
    if name == "-" {
        let mut head = Vec::new();
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        (&mut lock).take(8).read_to_end(&mut head)?;
        if CaptureSource::sniff(&head) {
            return Err(anyhow!(
                "a capture file cannot be read from stdin; pass its path"
            ));
        }
        let rest: Box<dyn Read + Send> =
            Box::new(std::io::Cursor::new(head).chain(std::io::stdin()));
        return Ok(Box::new(AuditSource::new("-", rest)));
    }
    let mut f = std::fs::File::open(input).with_context(|| format!("opening {name}"))?;
    let mut head = Vec::new();
    (&mut f).take(8).read_to_end(&mut head)?;
    if CaptureSource::sniff(&head) {
        return Ok(Box::new(CaptureSource::open(input)?));
    }
    let rest: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(f));
    Ok(Box::new(AuditSource::new(&name, rest)))
}

/// What a replay found: the alerts by rule and priority, for Falco's summary.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub(crate) events_detected: u64,
    pub(crate) by_priority: BTreeMap<Priority, u64>,
    pub(crate) by_rule: BTreeMap<String, u64>,
}

impl Summary {
    fn add(&mut self, a: &Alert) {
        self.events_detected += 1;
        *self.by_priority.entry(a.priority).or_default() += 1;
        *self.by_rule.entry(a.rule.clone()).or_default() += 1;
    }

    /// Falco's end-of-run summary.
    fn print(&self, drops: Option<&Drops>) {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "Events detected: {}", self.events_detected);
        let _ = writeln!(e, "Rule counts by severity:");
        for (p, n) in &self.by_priority {
            // Falco's summary spells INFORMATIONAL as INFO.
            let name = match p {
                Priority::Informational => "INFO".to_string(),
                p => p.as_falco().to_uppercase(),
            };
            let _ = writeln!(e, "   {name}: {n}");
        }
        let _ = writeln!(e, "Triggered rules by rule name:");
        for (r, n) in &self.by_rule {
            let _ = writeln!(e, "   {r}: {n}");
        }
        if let Some(d) = drops {
            let _ = writeln!(
                e,
                "Events read: {}, dropped: {} (buffer full), {} (invalid)",
                d.events, d.dropped_full, d.dropped_invalid
            );
        }
    }
}

/// Runs a source through the ruleset, writing each alert as it fires; returns the counts and the source's
/// result. Used by `replay` and by tests with an in-memory source.
pub(crate) fn run_source(
    rs: &Ruleset,
    source: &mut dyn EventSource,
    format: AlertFormat,
    hostname: &str,
    out: &mut dyn Write,
    mut baseline: Option<&mut super::runtime_capture_baseline::CaptureBaseline>,
) -> (Summary, Vec<Alert>, Result<Drops>) {
    let mut summary = Summary::default();
    let mut kept = Vec::new();
    let mut buf = Vec::new();
    let mut write_err: Option<std::io::Error> = None;
    let result = source.run(&mut |ev: &dyn Event| {
        buf.clear();
        rs.process(ev, &mut buf);
        if let Some(b) = baseline.as_deref_mut() {
            b.observe(ev, &mut buf);
        }
        for a in buf.drain(..) {
            summary.add(&a);
            let line = match format {
                AlertFormat::FalcoJson => Some(a.to_falco_json(hostname).to_string()),
                AlertFormat::Table => Some(a.prefixed_output()),
                _ => None,
            };
            if let Some(l) = line
                && write_err.is_none()
                && let Err(e) = writeln!(out, "{l}")
            {
                write_err = Some(e);
            }
            if !matches!(format, AlertFormat::FalcoJson | AlertFormat::Table) {
                kept.push(a);
            }
        }
    });
    let result = match (result, write_err) {
        (_, Some(e)) => Err(anyhow!(e).context("writing alerts")),
        (r, None) => r.map_err(anyhow::Error::from),
    };
    (summary, kept, result)
}

pub(crate) fn replay(args: &ReplayArgs) -> Result<Outcome> {
    let files = read_rules(&args.rules)?;
    let options = LoadOptions {
        disabled_rules: args.disable_rule.clone(),
        tags: args.tags.clone(),
        disabled_tags: args.disable_tags.clone(),
        min_priority: args.min_priority,
    };
    let (rs, diags) = match Ruleset::load(&files, &schemas(), &options) {
        Ok(x) => x,
        Err(e) => {
            print_diags_text(&e.diagnostics);
            return Err(anyhow!(e));
        }
    };
    let warnings = diags
        .iter()
        .filter(|d| d.severity == DiagnosticSeverity::Warning)
        .count();
    eprintln!(
        "Loaded {} rule(s) from {} file(s), {warnings} warning(s) (see `bulwark runtime rules validate`)",
        rs.len(),
        files.len()
    );
    let mut source = open_source(&args.input)?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let host = hostname();
    let mut baseline = match &args.baseline_image {
        Some(image) => Some(super::runtime_capture_baseline::CaptureBaseline::new(
            image,
            &args.baseline_container,
            args.store.as_deref(),
        )?),
        None => None,
    };
    let (summary, kept, result) = run_source(
        &rs,
        source.as_mut(),
        args.format,
        &host,
        &mut out,
        baseline.as_mut(),
    );
    if let Some(b) = baseline {
        b.finish()?;
    }
    let drops = result.as_ref().ok().copied();
    if args.format == AlertFormat::Json {
        let doc = serde_json::json!({
            "alerts": kept.iter().map(|a| a.to_falco_json(&host)).collect::<Vec<_>>(),
            "events_detected": summary.events_detected,
            "by_priority": summary.by_priority.iter().map(|(p, n)| (p.as_falco().to_string(), *n)).collect::<BTreeMap<_, _>>(),
            "by_rule": summary.by_rule,
            "drops": drops,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    if let Some(f) = args.format.report() {
        super::runtime_report::render(f, &kept, &args.input, &mut out)?;
    }
    out.flush()?;
    summary.print(drops.as_ref());
    result?;
    Ok(if summary.events_detected > 0 {
        Outcome::PolicyFailed
    } else {
        Outcome::Clean
    })
}

fn expand(files: &[PathBuf]) -> Result<Outcome> {
    let files = read_rules(files)?;
    let (rs, _) = match Ruleset::load(&files, &schemas(), &LoadOptions::default()) {
        Ok(x) => x,
        Err(e) => {
            print_diags_text(&e.diagnostics);
            return Err(anyhow!(e));
        }
    };
    let map: BTreeMap<&str, String> = rs
        .rule_names()
        .into_iter()
        .filter_map(|n| Some((n, rs.expanded_condition(n)?)))
        .collect();
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&map)?
    )?;
    Ok(Outcome::Clean)
}

fn print_diags_text(diags: &[Diagnostic]) {
    let mut e = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(e, "{d}");
    }
}

pub(crate) fn rules(cmd: &RulesCommand) -> Result<Outcome> {
    let (files, format) = match cmd {
        RulesCommand::Validate { files, format } => (files, format),
        RulesCommand::Expand { files } => return expand(files),
    };
    let files = read_rules(files)?;
    let (diags, ok, n) = match Ruleset::load(&files, &schemas(), &LoadOptions::default()) {
        Ok((rs, d)) => (d, true, rs.len()),
        Err(e) => (e.diagnostics, false, 0),
    };
    let mut out = std::io::stdout().lock();
    match format {
        DiagFormat::Text => {
            for d in &diags {
                writeln!(out, "{d}")?;
            }
        }
        DiagFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&diags)?)?,
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == DiagnosticSeverity::Error)
        .count();
    eprintln!(
        "{}: {errors} error(s), {} warning(s){}",
        if ok { "ok" } else { "failed" },
        diags.len() - errors,
        if ok {
            format!(", {n} rule(s) enabled")
        } else {
            String::new()
        }
    );
    Ok(if ok {
        Outcome::Clean
    } else {
        Outcome::Untrusted
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_runtime::event::{Field, SourceError, Value};

    struct Exec(&'static str);

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
            match f.name.as_str() {
                "evt.type" => Value::str("execve"),
                "proc.name" => Value::str(self.0),
                _ => Value::Missing,
            }
        }
    }

    struct Two;

    impl EventSource for Two {
        fn source(&self) -> &'static str {
            "syscall"
        }
        fn run(&mut self, sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
            sink(&Exec("bash"));
            sink(&Exec("ls"));
            Ok(Drops {
                events: 2,
                ..Drops::default()
            })
        }
    }

    #[test]
    fn replays_a_source_through_the_rules() {
        let f = RulesFile {
            path: "r.yaml".into(),
            text: "- rule: Shell\n  desc: d\n  condition: evt.type = execve and proc.name = bash\n  output: shell %proc.name by %user.name\n  priority: WARNING\n".into(),
        };
        let (rs, _) = Ruleset::load(&[f], &schemas(), &LoadOptions::default()).unwrap();
        let mut out = Vec::new();
        let (summary, _, res) =
            run_source(&rs, &mut Two, AlertFormat::FalcoJson, "h", &mut out, None);
        assert_eq!(res.unwrap().events, 2);
        assert_eq!(summary.events_detected, 1);
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["rule"], "Shell");
        assert_eq!(
            line["output"],
            "00:00:00.000000000: Warning shell bash by <NA>"
        );
        assert_eq!(line["time"], "1970-01-01T00:00:00.000000000Z");
    }

    #[test]
    fn table_lines_and_json_keeps_alerts() {
        let f = RulesFile {
            path: "r.yaml".into(),
            text: "- rule: Any exec\n  desc: d\n  condition: evt.type = execve\n  output: exec %proc.name\n  priority: INFO\n".into(),
        };
        let (rs, _) = Ruleset::load(&[f], &schemas(), &LoadOptions::default()).unwrap();
        let mut out = Vec::new();
        let (summary, kept, _) = run_source(&rs, &mut Two, AlertFormat::Table, "h", &mut out, None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "00:00:00.000000000: Informational exec bash\n00:00:00.000000000: Informational exec ls\n"
        );
        assert!(kept.is_empty());
        assert_eq!(summary.by_rule.get("Any exec"), Some(&2));
        let mut out = Vec::new();
        let (_, kept, _) = run_source(&rs, &mut Two, AlertFormat::Json, "h", &mut out, None);
        assert!(out.is_empty());
        assert_eq!(kept.len(), 2);
    }
}
