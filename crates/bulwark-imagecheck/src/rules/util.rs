//! Helpers and the prelude shared by rule folders.

// Package file names (`.deb`, `.tgz`) are lower-case by convention, and the tools match them case-sensitively.
#![allow(clippy::case_sensitive_file_extension_comparisons)]

pub(crate) use bulwark_source::NodeKind;
pub(crate) use bulwark_types::{Finding, FindingKind, Location, Severity};

pub(crate) use crate::dockerfile::{Form, Instruction, Stage};
pub(crate) use crate::rule::{Check, DfCx, ImageCx, Rule, RuleMeta};
pub(crate) use crate::shell::{basename, effective, is_shell, run_commands};

/// The simple secret heuristic (a secrets engine comes later): the name mentions a password, secret, token or
/// API key, and is not a pointer to one (`*_FILE`, `*_PATH`, `*_DIR`, as in `POSTGRES_PASSWORD_FILE`).
pub(crate) fn secret_name(key: &str) -> bool {
    let k: String = key
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let hit = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY"]
        .iter()
        .any(|w| k.contains(w));
    hit && !["_FILE", "_PATH", "_DIR"].iter().any(|s| k.ends_with(s))
}

/// `name=<redacted, N chars>`: never print the value itself.
pub(crate) fn redacted(key: &str, value: &str) -> String {
    format!("{key}=<redacted, {} chars>", value.chars().count())
}

/// `root`, `0`, `root:root`, `0:0`, `root:staff`, …
pub(crate) fn is_root_user(user: &str) -> bool {
    let u = user.trim();
    let name = u.split(':').next().unwrap_or(u);
    name == "root" || name == "0"
}

/// A reference's tag (`None`: no tag) and whether it has a digest.
pub(crate) fn tag_and_digest(reference: &str) -> (Option<&str>, bool) {
    let (name, digest) = match reference.split_once('@') {
        Some((n, _)) => (n, true),
        None => (reference, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, t)| t), digest)
}

/// An install command of a package manager, with its package arguments.
pub(crate) struct Install<'a> {
    pub manager: &'static str,
    /// The `install`/`add` word.
    pub verb: &'a (String, usize),
    pub packages: Vec<&'a (String, usize)>,
}

/// Recognises `apt-get|apt install`, `apk add`, `pip install` (also `python -m pip`), `npm install -g`,
/// `yum|dnf|microdnf install`.
pub(crate) fn install_command(words: &[(String, usize)]) -> Option<Install<'_>> {
    let first = basename(&words.first()?.0);
    #[allow(clippy::type_complexity)] // one tuple per manager reads better than a struct here
    let (manager, rest, verbs, takes_arg): (
        &'static str,
        &[(String, usize)],
        &[&str],
        &[&str],
    ) = match first {
        "apt-get" | "apt" => (
            "apt",
            &words[1..],
            &["install"],
            &[
                "-o",
                "-t",
                "-c",
                "--option",
                "--target-release",
                "--config-file",
            ],
        ),
        "apk" => (
            "apk",
            &words[1..],
            &["add"],
            &[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
            ],
        ),
        "yum" | "dnf" | "microdnf" => (
            "yum",
            &words[1..],
            &["install"],
            &[
                "--setopt",
                "--repo",
                "--enablerepo",
                "--disablerepo",
                "--releasever",
                "--installroot",
            ],
        ),
        "npm" => (
            "npm",
            &words[1..],
            &["install", "i", "add"],
            &["--prefix", "--registry", "--tag", "--cache"],
        ),
        f if f.starts_with("pip") => ("pip", &words[1..], &["install"], PIP_ARGS),
        f if f.starts_with("python") => {
            let m = words.iter().position(|w| w.0 == "-m")?;
            if !words.get(m + 1)?.0.starts_with("pip") {
                return None;
            }
            ("pip", &words[m + 2..], &["install"], PIP_ARGS)
        }
        _ => return None,
    };
    // The verb is the first word that is not an option (or an option's argument).
    let mut i = 0;
    while i < rest.len() && rest[i].0.starts_with('-') {
        i += if takes_arg.contains(&rest[i].0.as_str()) {
            2
        } else {
            1
        };
    }
    let verb = rest.get(i)?;
    if !verbs.contains(&verb.0.as_str()) {
        return None;
    }
    let args = &rest[i + 1..];
    let mut packages = Vec::new();
    let mut j = 0;
    while j < args.len() {
        let w = &args[j].0;
        if w.starts_with('-') {
            j += if takes_arg.contains(&w.as_str()) {
                2
            } else {
                1
            };
            continue;
        }
        packages.push(&args[j]);
        j += 1;
    }
    if manager == "npm" {
        let global = words
            .iter()
            .any(|w| matches!(w.0.as_str(), "-g" | "--global" | "--location=global"));
        if !global {
            return None;
        }
    }
    Some(Install {
        manager,
        verb,
        packages,
    })
}

const PIP_ARGS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "-e",
    "--editable",
    "--cache-dir",
];

/// Whether a package argument pins a version, per manager. `None`: not a package name (path, URL, variable).
pub(crate) fn pinned(manager: &str, pkg: &str) -> Option<bool> {
    if pkg.contains('$') || pkg.contains("://") || pkg.starts_with('.') || pkg.starts_with('/') {
        return None;
    }
    match manager {
        "apt" => (!pkg.ends_with(".deb")).then(|| pkg.contains('=')),
        "apk" => Some(pkg.contains('=')),
        "pip" => {
            let archive = [".whl", ".tar.gz", ".zip"].iter().any(|s| pkg.ends_with(s));
            (!archive && !pkg.contains('/')).then(|| pkg.contains("==") || pkg.contains('@'))
        }
        "npm" => {
            if pkg.ends_with(".tgz") || pkg.starts_with("git") || pkg.contains(':') {
                return None;
            }
            let body = pkg.strip_prefix('@').unwrap_or(pkg);
            if pkg.starts_with('@') && !body.contains('/') {
                return None;
            }
            Some(body.contains('@'))
        }
        _ => None,
    }
}

/// Every `RUN` of the file (ONBUILD triggers run in other builds and are not checked).
pub(crate) fn runs<'a>(cx: &'a DfCx<'_>) -> impl Iterator<Item = &'a Instruction> {
    cx.df.instructions.iter().filter(|i| i.keyword == "RUN")
}

/// A location for an offset of a script of a `RUN`.
pub(crate) fn script_location(
    cx: &DfCx<'_>,
    ins: &Instruction,
    script: &crate::shell::Script<'_>,
    offset: usize,
) -> Location {
    match script.base {
        Some(b) => cx.at_offset(script.src, b + offset),
        None => cx.at(ins),
    }
}

/// The stages whose settings the final image inherits: the final stage, then its parent stage, and so on.
pub(crate) fn final_chain<'a>(cx: &'a DfCx<'_>) -> Vec<&'a Stage> {
    let mut out = Vec::new();
    let mut s = cx.df.stages.last();
    while let Some(st) = s {
        if out.len() > cx.df.stages.len() {
            break;
        }
        out.push(st);
        s = st.parent.and_then(|p| cx.df.stages.get(p));
    }
    out
}

/// Whether a `FROM` names an image (not `scratch`, not an earlier stage).
pub(crate) fn external_base(stage: &Stage) -> bool {
    stage.parent.is_none() && !stage.base.eq_ignore_ascii_case("scratch") && !stage.base.is_empty()
}
