//! Records the git commit the binary is built from, for `bulwark version`. Outside a git checkout (a source
//! tarball, a vendored copy inside another repository) the commit is "unknown"; `BULWARK_COMMIT` in the build
//! environment overrides both (for packagers who know the commit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BULWARK_COMMIT");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let commit = std::env::var("BULWARK_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| commit_of_workspace(&manifest))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=BULWARK_COMMIT={commit}");
}

/// The commit of the checkout whose top level is this workspace (`crates/bulwark/../..`), never that of an
/// enclosing repository the sources were unpacked into.
fn commit_of_workspace(manifest: &Path) -> Option<String> {
    let workspace = manifest.join("../..").canonicalize().ok()?;
    let top = PathBuf::from(git(manifest, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != workspace {
        return None;
    }
    let commit = git(manifest, &["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself, the branch it points to, and packed refs. Only existing files are
    // named (a missing one would make cargo rerun this script on every build).
    let mut watch = vec!["HEAD".to_string()];
    if let Some(branch) = git(manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(branch);
    }
    watch.push("packed-refs".to_string());
    for w in watch {
        if let Some(p) = git(
            manifest,
            &["rev-parse", "--path-format=absolute", "--git-path", &w],
        ) && Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    Some(commit)
}
