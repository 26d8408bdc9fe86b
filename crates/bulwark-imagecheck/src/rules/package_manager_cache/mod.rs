//! # package-manager-cache (BW-IMG-0009)
//!
//! Package-manager cache left in the image.
//!
//! ## What it does
//!
//! Flags package-manager caches left in the merged filesystem: `.deb` files in `/var/cache/apt/archives`, files
//! in `/var/lib/apt/lists` (other than `lock` and `partial/`), `/var/cache/apk`, `/root/.cache/pip`,
//! `/root/.npm/_cacache`, `/var/cache/yum` and `/var/cache/dnf`. One finding per cache, with the file count, size
//! and the last layer that wrote it.
//!
//! ## Why it matters
//!
//! Caches make the image bigger and slower to pull and scan, and stale package indexes make later `install` steps
//! in derived images pick old versions.
//!
//! ## Example
//!
//! ```text
//! RUN apt-get update && apt-get install -y curl     # leaves /var/lib/apt/lists/*: flagged
//! RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*   # fine
//! ```
//!
//! ## Fix
//!
//! Clean in the same `RUN` that installs (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-
//! cache-dir`, `npm cache clean --force`, `dnf clean all`), or use a cache mount (`RUN --mount=type=cache`).
//!
//! ## References
//!
//! - https://docs.docker.com/build/building/best-practices/#apt-get
//! - https://docs.docker.com/build/cache/optimize/#use-cache-mounts

// Every rule folder imports the same prelude so rule files stay uniform; not every rule uses every item.
#[allow(unused_imports, clippy::wildcard_imports)]
use crate::rules::util::*;

pub(crate) static RULE: Rule = Rule {
    meta: &META,
    check: Check::Image(check),
};

static META: RuleMeta = RuleMeta {
    id: "BW-IMG-0009",
    name: "package-manager-cache",
    title: "Package-manager cache left in the image",
    severity: Severity::Low,
    kind: FindingKind::Misconfiguration,
    cis: &[],
    source: include_str!("mod.rs"),
};

/// (cache directory, which files count).
type Counts = fn(&str) -> bool;

#[allow(clippy::case_sensitive_file_extension_comparisons)] // dpkg names .deb files in lower case
const CACHES: &[(&str, Counts)] = &[
    ("var/cache/apt/archives", |p| p.ends_with(".deb")),
    ("var/lib/apt/lists", |p| {
        !p.ends_with("/lock") && !p.contains("/partial/")
    }),
    ("var/cache/apk", |_| true),
    ("root/.cache/pip", |_| true),
    ("root/.npm/_cacache", |_| true),
    ("var/cache/yum", |_| true),
    ("var/cache/dnf", |_| true),
];

fn check(cx: &ImageCx<'_>, out: &mut Vec<Finding>) {
    for (dir, counts) in CACHES {
        let (mut n, mut bytes, mut layer, mut first) = (0usize, 0u64, 0usize, None);
        for (p, node) in cx.fs.list(dir) {
            if let NodeKind::File { size } = node.kind
                && counts(p)
            {
                n += 1;
                bytes += size;
                layer = layer.max(node.layer);
                first.get_or_insert(p);
            }
        }
        if n > 0 {
            let mut f = META.finding(
                format!("/{dir} holds {n} cached file(s), {bytes} bytes"),
                cx.file_location(dir, layer),
            );
            f.evidence = first.map(|p| format!("/{p}"));
            out.push(f);
        }
    }
}
