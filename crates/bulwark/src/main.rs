//! `bulwark`: a thin binary. It parses arguments, dispatches to the library crates, and maps the outcome to
//! exit codes: 0 clean, 1 policy failed, 2 error. A broken pipe on stdout exits 0.

use std::process::ExitCode;

/// mimalloc: the scan is allocation-heavy (findings, JSON), and glibc's per-thread arenas grow by thousands of
/// `mprotect` calls once matching runs on several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, Parser, Subcommand};

mod cmd;
mod progress;

#[derive(Debug, Parser)]
#[command(
    name = "bulwark",
    version,
    about = "Continuous security for Kubernetes delivery",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    Sbom(cmd::image::SbomArgs),
    /// Build, update or inspect the vulnerability database.
    Db {
        #[command(subcommand)]
        command: cmd::db::DbCommand,
    },
    /// Print the documentation of a rule (`bulwark rule BW-K8S-0001`).
    Rule(cmd::k8s::RuleArgs),
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum ScanTarget {
    /// A container image: registry reference, docker-archive, oci-archive or OCI layout.
    Image(cmd::image::ScanImageArgs),
    /// A stored CycloneDX or SPDX SBOM, re-matched without the image.
    Sbom(cmd::image::ScanSbomArgs),
    /// A repository or any directory: lockfiles and installed language packages.
    Fs(cmd::fs::FsArgs),
    /// A mounted root filesystem (host scanning): OS and language packages.
    ///
    /// OS packages from the dpkg, apk and rpm databases; language packages from installed metadata, lockfiles,
    /// Java archives and Go and Rust binaries (Python, Node, Go, Rust, Java, Ruby, PHP, .NET).
    Rootfs(cmd::image::RootfsArgs),
    /// Kubernetes manifests: files, directories, `-` for stdin, Helm charts, kustomize directories.
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::PolicyFailed) => ExitCode::from(1),
        Ok(Outcome::Untrusted) => ExitCode::from(2),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("bulwark: error: {err:#}");
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
        Command::Rule(args) => cmd::k8s::rule(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "bulwark",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Clean)
        }
    }
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
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
