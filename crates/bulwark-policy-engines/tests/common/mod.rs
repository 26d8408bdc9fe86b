//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use bulwark_policy::{Bundle, BundleFile, Instant, RuleResult, Stage, Subject, Verdict};
use bulwark_policy_engines::Engines;

/// `../shared/fixtures` of the worktree.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

pub fn now() -> Instant {
    Instant::parse("2026-12-01").unwrap()
}

/// A bundle of `(path, text)` files.
pub fn bundle(files: &[(&str, &str)]) -> Bundle {
    Bundle::from_files(
        files
            .iter()
            .map(|(p, t)| BundleFile {
                path: (*p).to_string(),
                bytes: t.as_bytes().to_vec(),
            })
            .collect(),
        "test",
        None,
    )
    .unwrap_or_else(|e| panic!("bundle: {e}"))
}

/// A bundle of files read from disk, named by their file names.
pub fn bundle_of_paths(paths: &[&Path]) -> Bundle {
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    bundle(&refs)
}

pub fn eval_object(b: &Bundle, e: &Engines, object: &serde_json::Value, stage: Stage) -> Verdict {
    bulwark_policy::evaluate_with(b, &Subject::object(object), stage, now(), &e.as_dyn())
}

pub fn result<'v>(v: &'v Verdict, rule: &str) -> &'v RuleResult {
    v.results
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no result for {rule}: {}", v.to_json()))
}

/// Every YAML document of a file (bulwark-cel's reader: `List`s expanded).
pub fn documents(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bulwark_cel::parse_documents(&text, &path.display().to_string())
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .filter(serde_json::Value::is_object)
        .collect()
}
