//! Scan a directory for secrets and print one line per finding, then a summary on stderr.
//!
//!     cargo run --release -p bulwark-secrets --example scan -- DIR [--config secrets.yaml] [--json]

use std::path::PathBuf;
use std::time::Instant;

use bulwark_catalog::lang::walk::{self, DirOptions, FileEntry};
use bulwark_secrets::{Config, FileScan, Scanner};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut config = Config::default();
    let mut json = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => {
                let p = args.next().expect("--config needs a path");
                let text = std::fs::read_to_string(&p).expect("read config");
                config = Config::from_yaml(&text).expect("parse config");
            }
            "--json" => json = true,
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: scan DIR [--config FILE] [--json]");
    let t = Instant::now();
    let scanner = Scanner::new(config).expect("compile rules");
    let compiled = t.elapsed();
    // The walk `scan fs` uses, without `.gitignore` rules (as the tools this is benchmarked against).
    let opts = DirOptions {
        no_gitignore: true,
        max_read_bytes: scanner.max_file_size(),
        ..DirOptions::default()
    };
    let (_, found) = walk::walk(&dir, &opts, |f: &FileEntry<'_>, out: &mut FileScan| {
        let r = scanner.scan_sized(f.path(), f.size(), || f.bytes());
        out.findings.extend(r.findings);
        out.diagnostics.extend(r.diagnostics);
    })
    .expect("walk the directory");
    let (mut findings, mut diags) = (Vec::new(), Vec::new());
    for r in found {
        findings.extend(r.findings);
        diags.extend(r.diagnostics);
    }
    findings.sort_by(|a, b| {
        (&a.location.path, a.location.line).cmp(&(&b.location.path, b.location.line))
    });
    for f in &findings {
        if json {
            println!(
                "{{\"rule\":\"{}\",\"severity\":\"{}\",\"location\":\"{}\",\"evidence\":\"{}\"}}",
                f.id,
                f.severity,
                f.location
                    .to_string()
                    .replace('\\', "\\\\")
                    .replace('"', "\\\""),
                f.evidence
                    .as_deref()
                    .unwrap_or_default()
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
            );
        } else {
            println!(
                "{}\t{}\t{}\t{}",
                f.severity,
                f.id,
                f.location,
                f.evidence.as_deref().unwrap_or_default()
            );
        }
    }
    eprintln!(
        "{} rules compiled in {:?}; {} findings, {} diagnostics in {:?}",
        scanner.rule_count(),
        compiled,
        findings.len(),
        diags.len(),
        t.elapsed()
    );
}
