//! Store-side cost of a re-match: 1,000 images × 200 packages stored, then two DB versions applied
//! (`apply_findings` for every digest, through the job queue), measured on one back end.
//!
//! ```text
//! cargo run --release -p bulwark-store --example rescan_bench -- sqlite            # temp file
//! cargo run --release -p bulwark-store --example rescan_bench -- postgres          # starts a PostgreSQL
//! cargo run --release -p bulwark-store --example rescan_bench -- URL [IMAGES PACKAGES]
//! ```
//!
//! Prints one line per phase (seconds) and the peak RSS of this process (`VmHWM`; a PostgreSQL server is a
//! separate process and is not counted). Synthetic data: package i of image n is `pkg:npm/p{i}@1.{n % 7}`, and
//! 10 % of packages are vulnerable in DB version 1; version 2 fixes a tenth of those and adds two per image.
#![allow(clippy::cast_possible_wrap)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use bulwark_store::{FindingRow, PackageRow, Store};
use bulwark_types::Severity;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn findings(n: u32, packages: usize, db: u32) -> Vec<FindingRow> {
    let mut out: Vec<FindingRow> = (0..packages)
        .filter(|i| i % 10 == 0 && !(db == 2 && i % 100 == 0))
        .map(|i| FindingRow {
            vuln_id: format!("CVE-2026-{i:05}"),
            purl: format!("pkg:npm/p{i}@1.{}", n % 7),
            package_name: format!("p{i}"),
            package_version: format!("1.{}", n % 7),
            severity: [
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical,
            ][i % 4],
            fixed_version: Some("2.0".into()),
            layer_index: Some((i % 5) as i64),
            layer_digest: None,
            layer_created_by: Some(format!("RUN step {}", i % 5)),
            owner_team: Some(if i % 5 == 0 { "platform" } else { "app" }.into()),
            owner_rule: Some("bench".into()),
            details: None,
        })
        .collect();
    if db == 2 {
        for i in [1, 2] {
            out.push(FindingRow {
                vuln_id: format!("CVE-2026-9{i:04}"),
                purl: format!("pkg:npm/p{i}@1.{}", n % 7),
                package_name: format!("p{i}"),
                package_version: format!("1.{}", n % 7),
                severity: Severity::High,
                fixed_version: None,
                layer_index: Some(0),
                layer_digest: None,
                layer_created_by: None,
                owner_team: None,
                owner_rule: None,
                details: None,
            });
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().map_or("sqlite", String::as_str);
    let images: u32 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let packages: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(200);
    let _tmp;
    let _pg;
    let location = match target {
        "sqlite" => {
            let dir = tempfile::tempdir().expect("temp dir");
            let loc = format!("sqlite:{}", dir.path().join("bench.db").display());
            _tmp = dir;
            loc
        }
        "postgres" => {
            let pg = support::PgServer::start();
            let loc = pg.fresh_db();
            _pg = pg;
            loc
        }
        other => other.to_owned(),
    };
    let store = Store::open(&location).expect("open store");
    println!(
        "backend {:?}, {images} images x {packages} packages",
        store.backend()
    );

    let sbom = vec![b'x'; 40_000];
    let t = Instant::now();
    let mut digests = Vec::with_capacity(images as usize);
    for n in 0..images {
        let d = format!("sha256:{n:064x}");
        let pkgs: Vec<PackageRow> = (0..packages)
            .map(|i| PackageRow {
                name: format!("p{i}"),
                version: format!("1.{}", n % 7),
                package_type: "npm".into(),
                ecosystem: Some("npm".into()),
                purl: format!("pkg:npm/p{i}@1.{}", n % 7),
                layer_index: Some((i % 5) as i64),
                layer_digest: Some(format!("sha256:{:064x}", i % 5)),
                layer_created_by: Some(format!("RUN step {}", i % 5)),
            })
            .collect();
        store
            .put_image(&d, &[format!("registry.local/app{n}:1")], &sbom, &pkgs, 1)
            .expect("put_image");
        digests.push(d);
    }
    println!(
        "put_image: {:.2} s ({} package rows)",
        t.elapsed().as_secs_f64(),
        images as usize * packages
    );

    for db in [1u32, 2] {
        let version = format!("v{db}");
        let t = Instant::now();
        store
            .create_jobs(&version, &digests, 10)
            .expect("create_jobs");
        let (mut new, mut fixed) = (0, 0);
        loop {
            let jobs = store
                .claim_jobs("bench", &version, 10, 600, 50)
                .expect("claim_jobs");
            if jobs.is_empty() {
                break;
            }
            for j in jobs {
                let n = u32::from_str_radix(&j.digest[7..], 16).unwrap_or(0);
                // What the matcher does first: read the stored packages back.
                let pkgs = store.packages(&j.digest).expect("packages");
                assert_eq!(pkgs.len(), packages);
                let diff = store
                    .apply_findings(
                        &j.digest,
                        &version,
                        100 * i64::from(db),
                        &findings(n, packages, db),
                    )
                    .expect("apply_findings");
                new += diff.new.len();
                fixed += diff.fixed.len();
                store.complete_job(j.id, "bench", 11).expect("complete_job");
            }
        }
        println!(
            "DB {version}: jobs + packages read + apply_findings for {images} digests: {:.2} s (new {new}, fixed {fixed})",
            t.elapsed().as_secs_f64()
        );
    }
    println!("peak RSS (this process): {} MiB", peak_rss_kib() / 1024);
}
