//! `bulwark`: a thin binary. It parses arguments, dispatches to the library crates, and maps the outcome to
//! exit codes: 0 clean, 1 policy failed, 2 error. A broken pipe on stdout exits 0.

use std::process::ExitCode;

/// mimalloc: the scan is allocation-heavy (findings, JSON), and glibc's per-thread arenas grow by thousands of
/// `mprotect` calls once matching runs on several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cmd;
mod config;
mod conventions;
mod progress;
mod term;

#[derive(Debug, Parser)]
#[command(
    name = "bulwark",
    version,
    about = "Continuous security for Kubernetes delivery",
    after_help = "Every flag can also be set with the environment variable BULWARK_<FLAG> (shown as [env: …]) or \
                  in a config file (./bulwark.yaml, or --config FILE): command line > environment > config file \
                  > built-in default.",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
struct GlobalArgs {
    /// Config file: flags by long name (`severity: HIGH,CRITICAL`, `skip-dirs: [a, b]`), optionally nested by
    /// subcommand (`scan: {image: {severity: [CRITICAL]}}`); command line and environment win over it
    /// [default: ./bulwark.yaml when it exists].
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "FILE"
    )]
    config: Option<PathBuf>,
    /// Abort the command (exit 2) when it runs longer than this: 30s, 5m, 1h30m, 5m0s; 0 for no limit
    /// [default: no limit].
    #[arg(long, global = true, help_heading = "Global options", value_name = "DURATION", value_parser = term::parse_duration)]
    timeout: Option<Duration>,
    /// Print diagnostics on stderr: the config file, the flags set by it, the environment or the command line,
    /// and how long each stage took.
    #[arg(long, short = 'v', global = true, help_heading = "Global options")]
    debug: bool,
    /// When to colour the table output: auto (stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, help_heading = "Global options", value_enum, value_name = "WHEN", default_value_t = term::ColorChoice::Auto)]
    color: term::ColorChoice,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Scan an image, a directory, a root filesystem or Kubernetes manifests.
    Scan {
        #[command(subcommand)]
        target: ScanTarget,
    },
    /// Write an SBOM of an image: CycloneDX 1.6 (default), SPDX 2.3 JSON, or Bulwark's JSON report.
    #[command(mut_arg("format", |a| a.default_value("cyclonedx")))]
    Sbom(cmd::image::SbomArgs),
    /// Build, update or inspect the vulnerability database.
    Db {
        #[command(subcommand)]
        command: cmd::db::DbCommand,
    },
    /// Policy as code: evaluate bundles (eval), run test suites (Kyverno, Gatekeeper, Bulwark), pull and push
    /// bundles, export accepted exceptions as OpenVEX.
    Policy {
        #[command(subcommand)]
        command: cmd::policy::PolicyCommand,
    },
    /// What runs in a cluster, from the Kubernetes API: `inventory` (one list) and `watch` (changes as JSON lines).
    Kube {
        #[command(subcommand)]
        command: cmd::kube::KubeCommand,
    },
    /// The run stage's runtime rules: replay captures and audit events through Falco rules, validate rules,
    /// watch live process events, manage baselines.
    Runtime {
        #[command(subcommand)]
        command: cmd::runtime::RuntimeCommand,
    },
    /// Passive DAST of a running web app or a preview namespace, compatible with zap-baseline.py (passive only:
    /// no attack is sent).
    ///
    /// The spider follows links, robots.txt and sitemap.xml within the targets' origins, bounded by pages, depth
    /// and time; every response is judged by passive rules with ZAP's plugin ids. PASSIVE ONLY: no form is
    /// submitted (unless --submit-forms, and then only GET forms with their default values), no attack payload is
    /// sent, nothing is written to the site. Exit codes as zap-baseline.py: 0 pass, 1 at least one FAIL, 2 WARN
    /// and no FAIL (0 with -I), 3 error.
    Dast(Box<cmd::dast::DastArgs>),
    /// Benchmarks of nodes: `bench node` runs kube-bench's CIS check files (kube-bench's text, JSON and JUnit,
    /// or the Bulwark report), `bench host` a compact Linux host benchmark.
    Bench {
        #[command(subcommand)]
        command: cmd::node::BenchCommand,
    },
    /// Read-only exposure probe of nodes and cluster endpoints (kubelet, etcd, API server, dashboard, metrics,
    /// pprof, Docker API). PASSIVE: GET only, no credentials, explicit targets; more than a /24 needs --force.
    ///
    /// In the kube-hunter style: kubelet read-only (10255) and authenticated (10250) ports answering
    /// anonymously, etcd (2379) without client auth, API server anonymous access and /version, the Kubernetes
    /// dashboard without auth, /metrics and /debug/pprof/, a container runtime API over TCP (2375).
    ///
    /// PASSIVE: GET requests only, no credentials, no client certificate, nothing written, nothing exploited;
    /// bounded reads and timeouts. Targets must be given explicitly (address, host:port or CIDR); a range larger
    /// than a /24 is refused without --force, and larger than a /16 always.
    ///
    /// Exit codes: 0 nothing exposed, 1 an exposure found, 2 on error.
    Probe(cmd::node::ProbeArgs),
    /// Sign an image in a registry (cosign's formats: the `.sig` tag and a Sigstore bundle referrer).
    Sign(cmd::sign::SignArgs),
    /// Sign a file: a detached signature printed in base64, as `cosign sign-blob --key` prints it.
    SignBlob(cmd::sign_blob::SignBlobArgs),
    /// Attest an image: an in-toto statement (vuln, cyclonedx, spdx or verdict) in DSSE, in both layouts.
    Attest(cmd::sign::AttestArgs),
    /// Verify an image's signature and, with --type, an attestation and its content. Exit 1 when it fails.
    Verify(cmd::sign::VerifyArgs),
    /// Signing keys in cosign's format: generate a pair, or import a PEM private key.
    Keys {
        #[command(subcommand)]
        command: cmd::keys::KeysCommand,
    },
    /// The run stage's inventory: push SBOMs, record where images run, re-match on DB updates, notify owners.
    Inventory {
        #[command(subcommand)]
        command: cmd::inventory::InventoryCommand,
    },
    /// Reports: `report push` sends an image's SBOM to a server's inventory from CI (REST API, token);
    /// `report compliance` evaluates a framework (PCI DSS, HIPAA, NIST SP 800-190, …) over scan reports.
    Report {
        #[command(subcommand)]
        command: cmd::report::ReportCommand,
    },
    /// Query the inventory: `get cve` lists vulnerabilities in what runs, with new markers; `get images`,
    /// `get workloads` and `get findings --owner TEAM` list the rest.
    Get {
        #[command(subcommand)]
        command: cmd::inventory::GetCommand,
    },
    /// Ownership: check an owners.yaml, or route a report's findings to the teams that own them.
    Owners {
        #[command(subcommand)]
        command: cmd::owners::OwnersCommand,
    },
    /// Run the admission webhook over HTTPS: every Pod and pod controller is judged by a policy bundle, with
    /// the verdict `bulwark policy eval` gives.
    Serve(cmd::serve::ServeArgs),
    /// Print the documentation of a rule (`bulwark rule BW-K8S-0001`); `bulwark rule all` lists them.
    Rule(cmd::rule::RuleArgs),
    /// Print the version, the commit it was built from, and the vulnerability DB's age and sources.
    Version(cmd::version::VersionArgs),
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (one per command) into DIR (`docs/man` in the repository).
    #[command(hide = true)]
    Man {
        /// The directory to write into.
        dir: PathBuf,
    },
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum ScanTarget {
    /// A container image: registry reference, docker-archive, oci-archive or OCI layout.
    #[command(mut_arg("format", |a| a.default_value("table")))]
    Image(cmd::image::ScanImageArgs),
    /// A stored CycloneDX or SPDX SBOM, re-matched without the image.
    #[command(mut_arg("format", |a| a.default_value("table")))]
    Sbom(cmd::image::ScanSbomArgs),
    /// A repository or any directory: lockfiles and installed language packages.
    #[command(mut_arg("format", |a| a.default_value("table")))]
    Fs(cmd::fs::FsArgs),
    /// A mounted root filesystem (host scanning): OS and language packages.
    ///
    /// OS packages from the dpkg, apk and rpm databases; language packages from installed metadata, lockfiles,
    /// Java archives and Go and Rust binaries (Python, Node, Go, Rust, Java, Ruby, PHP, .NET).
    #[command(mut_arg("format", |a| a.default_value("table")))]
    Rootfs(cmd::image::RootfsArgs),
    /// Kubernetes manifests: files, directories, `-` for stdin, Helm charts, kustomize directories.
    #[command(mut_arg("format", |a| a.default_value("table")))]
    K8s(cmd::k8s::K8sArgs),
}

/// The outcome of a command that ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No policy failed.
    Clean,
    /// A gate (`--fail-on`, a policy) failed: exit 1.
    PolicyFailed,
    /// The result cannot be trusted (input errors): exit 2.
    Untrusted,
    /// A command with its own exit codes (`bulwark dast` follows zap-baseline.py: 0, 1, 2, 3).
    Code(u8),
}

/// The CLI definition with the conventions of [`config`]: an environment variable for every flag, and the
/// config file's values as defaults.
fn command_with(cfg: Option<&mut config::Config>) -> anyhow::Result<clap::Command> {
    let cmd = config::with_env(Cli::command()).long_version(format!(
        "{} (commit {})",
        env!("CARGO_PKG_VERSION"),
        cmd::version::COMMIT
    ));
    match cfg {
        Some(cfg) => cfg.apply(cmd),
        None => Ok(cmd),
    }
}

fn main() -> ExitCode {
    let start = Instant::now();
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut cfg = match config::locate(&args)
        .and_then(|p| p.map(|p| config::load(&p, &Cli::command())).transpose())
    {
        Ok(c) => c,
        Err(err) => {
            eprintln!("bulwark: error: {}", error_chain(&err));
            return ExitCode::from(2);
        }
    };
    let mut command = match command_with(cfg.as_mut()).map(config::ignore_empty_env) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("bulwark: error: {}", error_chain(&err));
            return ExitCode::from(2);
        }
    };
    let matches = command
        .try_get_matches_from_mut(&args)
        .unwrap_or_else(|e| e.exit());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    term::init(cli.global.color, cli.global.debug);
    if term::debug_enabled() {
        term::debug(format_args!(
            "bulwark {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            cmd::version::COMMIT
        ));
        match &cfg {
            Some(c) => term::debug(format_args!("config file: {}", c.path.display())),
            None => term::debug(format_args!(
                "config file: none (no --config, BULWARK_CONFIG or ./{})",
                config::DEFAULT_FILE
            )),
        }
        for line in config::Config::describe(&command, &matches, cfg.as_ref()) {
            term::debug(line);
        }
    }
    if let Some(t) = cli.global.timeout {
        let text = matches
            .get_raw("timeout")
            .and_then(|mut v| v.next())
            .map_or_else(|| format!("{t:?}"), |v| v.to_string_lossy().into_owned());
        term::watchdog(t, text);
    }
    if let Err(err) = conventions::read_password_stdin(&matches) {
        eprintln!("bulwark: error: {}", error_chain(&err));
        return ExitCode::from(2);
    }
    let result = run(cli);
    term::debug(format_args!("total: {}", term::human(start.elapsed())));
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::PolicyFailed) => ExitCode::from(1),
        Ok(Outcome::Untrusted) => ExitCode::from(2),
        Ok(Outcome::Code(code)) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("bulwark: error: {}", error_chain(&err));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Sbom(args) => cmd::image::sbom(&args),
        Command::Scan {
            target: ScanTarget::Image(args),
        } => cmd::image::scan_image_cmd(&args),
        Command::Scan {
            target: ScanTarget::Rootfs(args),
        } => cmd::image::scan_rootfs(&args),
        Command::Scan {
            target: ScanTarget::K8s(args),
        } => cmd::k8s::scan(&args),
        Command::Scan {
            target: ScanTarget::Fs(args),
        } => cmd::fs::scan_fs(&args),
        Command::Scan {
            target: ScanTarget::Sbom(args),
        } => cmd::image::scan_sbom(&args),
        Command::Db { command } => cmd::db::run(&command),
        Command::Policy { command } => cmd::policy::run(&command),
        Command::Owners { command } => cmd::owners::run(&command),
        Command::Inventory { command } => cmd::inventory::run(&command),
        Command::Get { command } => cmd::inventory::get(&command),
        Command::Report { command } => cmd::report::run(&command),
        Command::Kube { command } => cmd::kube::run(&command),
        Command::Runtime { command } => cmd::runtime::run(&command),
        Command::Serve(args) => cmd::serve::serve(&args),
        Command::Dast(args) => cmd::dast::dast(&args),
        Command::Bench { command } => cmd::node::bench(&command),
        Command::Probe(args) => cmd::node::probe(&args),
        Command::Keys { command } => cmd::keys::run(&command),
        Command::Sign(args) => cmd::sign::sign(&args),
        Command::SignBlob(args) => cmd::sign_blob::sign_blob(&args),
        Command::Attest(args) => cmd::sign::attest(&args),
        Command::Verify(args) => cmd::sign::verify(&args),
        Command::Rule(args) => cmd::rule::rule(&args),
        Command::Version(args) => cmd::version::version(&args),
        Command::Man { dir } => write_man_pages(&dir),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut config::with_env(Cli::command()),
                "bulwark",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Clean)
        }
    }
}

/// `bulwark man DIR`: one page per command, from the same definition as `--help`. The pages must not depend
/// on the machine that makes them: no environment values, the platform default described rather than computed.
fn write_man_pages(dir: &std::path::Path) -> anyhow::Result<Outcome> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = man_command(config::with_env(Cli::command()));
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
    Ok(Outcome::Clean)
}

fn man_command(mut cmd: clap::Command) -> clap::Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(&id, |a| {
            let a = a.hide_env_values(true);
            if id == "platform" {
                a.hide_default_value(true).help(
                    "Platform to pick from a multi-arch image [default: the host's: linux/amd64 on x86_64, \
                     linux/arm64 on aarch64]",
                )
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
        cmd = cmd.mut_subcommand(s, man_command);
    }
    cmd
}

/// The error and its causes, each said once: a library error whose message already includes its source's text
/// (`failed to read x: No such file or directory (os error 2)`) is not followed by that source again.
fn error_chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    // Shown on a terminal: control characters from the input are made visible (red team #17).
    bulwark_types::escape_control(&out).into_owned()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks (unique short flags, valid defaults) over every subcommand.
    #[test]
    fn causes_are_said_once() {
        let io = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory (os error 2)",
        );
        let lib = anyhow::anyhow!("failed to read x.yaml: {io}").context("scan failed");
        assert_eq!(
            super::error_chain(&lib),
            "scan failed: failed to read x.yaml: No such file or directory (os error 2)"
        );
        let chained = anyhow::Error::new(io).context("failed to read x.yaml");
        assert_eq!(
            super::error_chain(&chained),
            "failed to read x.yaml: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
        // With an environment variable on every flag, and as the man pages see it.
        super::command_with(None).unwrap().debug_assert();
        super::man_command(super::command_with(None).unwrap()).debug_assert();
    }
}
