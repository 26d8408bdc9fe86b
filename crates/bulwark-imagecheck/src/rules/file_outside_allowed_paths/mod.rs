//! # file-outside-allowed-paths (BW-IMG-0012)
//!
//! File written outside the allowed paths.
//!
//! ## What it does
//!
//! With a file-access policy (`--allowed-paths /web/html,…`), flags every regular file, symlink, hard link or
//! special file that the image's own layers left in the merged filesystem outside the allowed paths. Directories
//! are not flagged. Layers of the declared base image (the first `--base-layers N` layers, or as many as the base
//! image's `rootfs.diff_ids` match) are exempt. When one layer writes more than 20 files under one top-level
//! directory, they are grouped into one finding for that layer and directory with the count and the first paths.
//!
//! ## Why it matters
//!
//! An application image should only add its own content where the deployment expects it; files dropped into
//! `/usr/bin`, `/etc` or `/root` by an application layer are how tampered builds and dependency confusion show
//! up.
//!
//! ## Example
//!
//! ```text
//! --allowed-paths /web/html --base-layers 1
//! layer 1 writes /web/html/index.html   # fine
//! layer 1 writes /usr/local/bin/helper  # flagged
//! ```
//!
//! ## Fix
//!
//! Move the file under an allowed path, add the path to the policy if it is legitimate, or move the step into the
//! base image.
//!
//! ## References
//!
//! - NIST SP 800-190 4.1.5 Embedded malware
//! - https://github.com/opencontainers/image-spec/blob/main/layer.md

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::FileAccess,
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0012",
    name: "file-outside-allowed-paths",
    title: "File written outside the allowed paths",
    severity: Severity::Medium,
    kind: FindingKind::Policy,
    cis: &[],
    source: include_str!("mod.rs"),
};

/// More files than this from one layer under one top-level directory become one grouped finding.
pub const GROUP_THRESHOLD: usize = 20;

pub(crate) fn check(
    fs: &bulwark_source::ImageFs,
    layers: &[bulwark_types::LayerRef],
    allowed: &[String],
    base_layers: usize,
) -> Vec<Finding> {
    let allowed: Vec<String> = allowed
        .iter()
        .map(|a| a.trim().trim_matches('/').to_string())
        .filter(|a| !a.is_empty() || allowed.iter().any(|x| x.trim() == "/"))
        .collect();
    let ok = |p: &str| {
        allowed.iter().any(|a| {
            a.is_empty()
                || p == a
                || p.strip_prefix(a.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    };
    // (layer, top dir) -> paths
    let mut groups: std::collections::BTreeMap<(usize, &str), Vec<&str>> =
        std::collections::BTreeMap::new();
    for (path, n) in fs.nodes() {
        if n.layer < base_layers || matches!(n.kind, NodeKind::Dir) || ok(path) {
            continue;
        }
        let top = path.split('/').next().unwrap_or(path);
        groups.entry((n.layer, top)).or_default().push(path);
    }
    let mut out = Vec::new();
    for ((layer, top), paths) in groups {
        let layer_ref = layers.get(layer).cloned();
        if paths.len() > GROUP_THRESHOLD {
            let loc = Location {
                path: Some(format!("/{top}").into()),
                layer: layer_ref.map(Box::new),
                ..Location::default()
            };
            let mut f = META.finding(
                format!(
                    "layer {layer} writes {} files under /{top}, outside the allowed paths",
                    paths.len()
                ),
                loc,
            );
            f.evidence = Some(
                paths
                    .iter()
                    .take(5)
                    .map(|p| format!("/{p}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            f.properties
                .insert("count".into(), serde_json::Value::from(paths.len()));
            out.push(f);
        } else {
            for p in paths {
                let loc = Location {
                    path: Some(format!("/{p}").into()),
                    layer: layer_ref.clone().map(Box::new),
                    ..Location::default()
                };
                out.push(META.finding(
                    format!("layer {layer} writes /{p}, outside the allowed paths"),
                    loc,
                ));
            }
        }
    }
    out
}
