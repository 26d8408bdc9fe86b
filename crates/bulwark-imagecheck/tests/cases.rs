//! Runs every rule's `cases/` folder.
//!
//! - `*.Dockerfile`: the `# expect: <line> …` comment lines list, by hand, the lines where the rule must report
//!   (`# expect: none` for none). Other findings' rules are ignored.
//! - `*.json`: `{"config": <image config>, "layers": N, "files": [{path, kind, mode (octal string), layer, size,
//!   target}], "today", "allowed", "base_layers", "expect": ["<path or resource>[@layer]", …]}`.

#![allow(clippy::case_sensitive_file_extension_comparisons)] // case files are named by us

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_imagecheck::rules::{RULE_DIRS, RULES};
use bulwark_imagecheck::{
    DockerfileCheckOptions, ImageCheckOptions, check_dockerfile, check_file_access, check_image,
};
use bulwark_source::{Entry, ImageConfig, ImageFs, LayerContents, NodeKind};
use bulwark_types::{DiagnosticLevel, Finding, LayerRef};

fn cases(dir: &str) -> Vec<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/rules")
        .join(dir)
        .join("cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{dir}: no cases folder: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn expected_lines(text: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for l in text.lines() {
        if let Some(rest) = l.trim().strip_prefix("# expect:") {
            for t in rest.split_whitespace() {
                if t != "none" {
                    v.push(t.parse().unwrap());
                }
            }
        }
    }
    v.sort_unstable();
    v
}

/// Builds a merged filesystem from a case's `files`.
fn fs_from(files: &serde_json::Value, n_layers: usize) -> (ImageFs, Vec<LayerRef>) {
    let layers: Vec<LayerRef> = (0..n_layers)
        .map(|i| LayerRef {
            index: i,
            digest: None,
            diff_id: Some(format!("sha256:{i:064}").into()),
            created_by: None,
        })
        .collect();
    let mut contents: Vec<LayerContents> =
        (0..n_layers).map(|_| LayerContents::default()).collect();
    for f in files.as_array().into_iter().flatten() {
        let layer = f["layer"].as_u64().unwrap_or(0) as usize;
        let mode = u32::from_str_radix(f["mode"].as_str().unwrap_or("644"), 8).unwrap();
        let kind = match f["kind"].as_str().unwrap_or("file") {
            "dir" => NodeKind::Dir,
            "symlink" => NodeKind::Symlink(f["target"].as_str().unwrap().to_string()),
            "hardlink" => NodeKind::Hardlink(f["target"].as_str().unwrap().to_string()),
            _ => NodeKind::File {
                size: f["size"].as_u64().unwrap_or(0),
            },
        };
        contents[layer].entries.push(Entry {
            path: f["path"].as_str().unwrap().to_string(),
            kind,
            mode,
            uid: 0,
            gid: 0,
            content: None::<Arc<[u8]>>,
        });
    }
    (ImageFs::merge(layers.clone(), contents), layers)
}

fn key(f: &Finding) -> String {
    let base = f
        .location
        .path
        .as_deref()
        .or(f.location.resource.as_deref())
        .map(str::to_owned)
        .unwrap_or_default();
    match &f.location.layer {
        Some(l) => format!("{base}@{}", l.index),
        None => base,
    }
}

#[test]
fn every_rule_case() {
    let mut failures = Vec::new();
    for (rule, dir) in RULES.iter().zip(RULE_DIRS) {
        let id = rule.meta.id;
        for path in cases(dir) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            if name.ends_with(".Dockerfile") {
                let (findings, diags) =
                    check_dockerfile(&name, &text, &DockerfileCheckOptions::default());
                let errs: Vec<_> = diags
                    .iter()
                    .filter(|d| {
                        d.level == DiagnosticLevel::Error
                            || d.message.starts_with("cannot parse Dockerfile")
                    })
                    .collect();
                assert!(errs.is_empty(), "{dir}/{name}: {errs:?}");
                let mut got: Vec<u32> = findings
                    .iter()
                    .filter(|f| f.id == id)
                    .map(|f| f.location.line.unwrap())
                    .collect();
                got.sort_unstable();
                let want = expected_lines(&text);
                if got != want {
                    failures.push(format!(
                        "{id} {dir}/{name}: want lines {want:?}, got {got:?}"
                    ));
                }
            } else if name.ends_with(".json") {
                let case: serde_json::Value = serde_json::from_str(&text).unwrap();
                let config: ImageConfig = serde_json::from_value(
                    case.get("config").cloned().unwrap_or(serde_json::json!({})),
                )
                .unwrap();
                let n = case["layers"].as_u64().unwrap_or(1) as usize;
                let (fs, layers) = fs_from(&case["files"], n);
                let findings = if let Some(allowed) = case["allowed"].as_array() {
                    let allowed: Vec<String> = allowed
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string())
                        .collect();
                    let base = case["base_layers"].as_u64().unwrap_or(0) as usize;
                    check_file_access(&fs, &layers, &allowed, base)
                } else {
                    let opts = ImageCheckOptions {
                        today: case["today"].as_str().map(str::to_string),
                        ..ImageCheckOptions::default()
                    };
                    check_image(&config, &fs, &layers, &opts)
                };
                let mut got: Vec<String> =
                    findings.iter().filter(|f| f.id == id).map(key).collect();
                got.sort();
                let mut want: Vec<String> = case["expect"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                want.sort();
                if got != want {
                    failures.push(format!("{id} {dir}/{name}: want {want:?}, got {got:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
