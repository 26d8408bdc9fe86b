//! Small conventions of the registry flags: the host's platform as `--platform`'s default, and
//! `--password-stdin` (read once, before the command runs, as `docker login --password-stdin` does).

use std::sync::OnceLock;

use anyhow::{Context, Result};

/// The platform of the host (`linux/amd64` on x86_64, `linux/arm64` on aarch64), in the OCI image index's
/// names. Images are Linux images wherever Bulwark runs.
pub(crate) fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mips64le",
        other => other,
    };
    format!("linux/{arch}")
}

/// The password read by `--password-stdin`, once per process, before the command runs.
static STDIN_PASSWORD: OnceLock<String> = OnceLock::new();

/// With `--password-stdin` on the command that runs, reads the password from stdin.
pub(crate) fn read_password_stdin(matches: &clap::ArgMatches) -> Result<()> {
    let mut m = matches;
    let mut wanted = false;
    loop {
        if m.try_get_one::<bool>("password_stdin")
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false)
        {
            wanted = true;
        }
        match m.subcommand() {
            Some((_, sm)) => m = sm,
            None => break,
        }
    }
    if !wanted {
        return Ok(());
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .context("--password-stdin: cannot read the password from stdin")?;
    let password = text
        .strip_suffix('\n')
        .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
    if password.is_empty() {
        anyhow::bail!("--password-stdin: stdin was empty; pipe the password in");
    }
    let _ = STDIN_PASSWORD.set(password.to_string());
    Ok(())
}

/// The password `--password-stdin` read.
pub(crate) fn stdin_password() -> Option<String> {
    STDIN_PASSWORD.get().cloned()
}
