//! Scan a directory for secrets and print one line per finding, then a summary on stderr.
//!
//!     cargo run --release -p bulwark-secrets --example scan -- DIR [--config secrets.yaml] [--json]

use std::path::PathBuf;
use std::time::Instant;

use bulwark_secrets::{Config, DirOptions, Scanner};

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
    let (findings, diags) = scanner.scan_dir(&dir, &DirOptions::default());
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
