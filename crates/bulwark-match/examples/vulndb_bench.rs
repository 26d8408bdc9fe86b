//! Benchmark driver for `bench/vulndb.sh` (not a test: it prints timings).
//!
//! ```text
//! vulndb_bench build OUT.db FIXTURES_DIR TESTDATA_DIR   # DB build time and size for all fixture data
//! vulndb_bench gen DB N OUT.json                         # N realistic packages across ecosystems
//! vulndb_bench match DB PACKAGES.json [RUNS]             # read input + open DB + match; median of RUNS
//! ```
//!
//! Packages: 45 % dpkg on Debian 12 (the bookworm-app image's real names, cycled), 15 % PyPI, 10 % npm, 15 % Go,
//! 15 % crates.io; language names are taken from the DB itself, so every lookup hits rules and evaluates ranges
//! (the worst case). Half the versions are old (`0.1.0`, below most fixes), half new (`99.0.0`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulwark_match::{MatchOptions, match_packages};
use bulwark_types::{Distro, Package, PackageType};
use bulwark_vulndb::{BuildOptions, FeedInput, FeedKind, VulnDb};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build") => build(
            Path::new(&args[1]),
            Path::new(&args[2]),
            Path::new(&args[3]),
        ),
        Some("gen") => generate(
            Path::new(&args[1]),
            args[2].parse().expect("N"),
            Path::new(&args[3]),
        ),
        Some("match") => run_match(
            Path::new(&args[1]),
            Path::new(&args[2]),
            args.get(3).map_or(7, |r| r.parse().expect("RUNS")),
        ),
        _ => {
            eprintln!("usage: vulndb_bench build|gen|match …");
            std::process::exit(2);
        }
    }
}

fn build(out: &Path, fixtures: &Path, testdata: &Path) {
    let v = fixtures.join("vulndata");
    let mut inputs: Vec<FeedInput> = ["PyPI", "Go", "crates.io", "AlmaLinux"]
        .iter()
        .map(|e| FeedInput::new(FeedKind::Osv, v.join(format!("osv/{e}-all.zip"))))
        .collect();
    inputs.extend([
        FeedInput::new(FeedKind::Osv, testdata.join("osv-npm")),
        FeedInput::new(FeedKind::Secdb, v.join("alpine-secdb")),
        FeedInput::new(FeedKind::Secdb, testdata.join("alpine-secdb")),
        FeedInput::new(
            FeedKind::Debian,
            testdata.join("debian/bookworm-app-tracker.json"),
        ),
        FeedInput::new(
            FeedKind::Kev,
            v.join("kev/known_exploited_vulnerabilities.json"),
        ),
        FeedInput::new(FeedKind::Nvd, testdata.join("nvd")),
        FeedInput::new(
            FeedKind::Epss,
            testdata.join("epss/epss_scores-sample.csv.gz"),
        ),
    ]);
    let t = Instant::now();
    let r = bulwark_vulndb::build(&inputs, out, &BuildOptions::default()).expect("build");
    println!(
        "build: {:.2} s, {} advisories, {} rules, {:.1} MiB",
        t.elapsed().as_secs_f64(),
        r.vulns,
        r.affected,
        r.bytes as f64 / 1_048_576.0
    );
}

fn dpkg_names(fixtures: &Path) -> Vec<(String, String, String, String)> {
    let tsv = std::fs::read_to_string(
        fixtures.join("vulndata/debian-bookworm-app-delta/installed-bookworm-app.tsv"),
    )
    .expect("installed-bookworm-app.tsv");
    tsv.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 4).then(|| (c[0].into(), c[1].into(), c[2].into(), c[3].into()))
        })
        .collect()
}

fn generate(db_path: &Path, n: usize, out: &Path) {
    let db = VulnDb::open(db_path).expect("open");
    let fixtures = PathBuf::from(
        std::env::var("BULWARK_FIXTURES").unwrap_or_else(|_| "../shared/fixtures".into()),
    );
    let dpkg = dpkg_names(&fixtures);
    let lang: Vec<(PackageType, Vec<String>, usize)> = [
        (PackageType::Python, "PyPI", 15),
        (PackageType::Npm, "npm", 10),
        (PackageType::Go, "Go", 15),
        (PackageType::Cargo, "crates.io", 15),
    ]
    .into_iter()
    .map(|(t, ns, pct)| (t, db.packages(ns, 100_000).expect("names"), pct))
    .collect();
    let mut pkgs = Vec::with_capacity(n);
    let n_dpkg = n * 45 / 100;
    for i in 0..n_dpkg {
        let (name, version, src, src_version) = &dpkg[i % dpkg.len()];
        let mut p = Package::new(PackageType::Dpkg, name.clone(), version.clone());
        p.source_name = Some(src.clone());
        p.source_version = Some(src_version.clone());
        p.purl = format!("pkg:deb/debian/{name}@{version}?distro=debian-12");
        p.found_in = Some("/var/lib/dpkg/status".into());
        pkgs.push(p);
    }
    let mut k = 0usize;
    while pkgs.len() < n {
        for (t, names, pct) in &lang {
            for _ in 0..*pct {
                if pkgs.len() >= n {
                    break;
                }
                let name = if names.is_empty() {
                    format!("pkg{k}")
                } else {
                    names[(k * 7919) % names.len()].clone()
                };
                let version = if k.is_multiple_of(2) {
                    "0.1.0"
                } else {
                    "99.0.0"
                };
                let mut p = Package::new(*t, name.clone(), version);
                p.purl = format!("pkg:{}/{name}@{version}", t.purl_type());
                pkgs.push(p);
                k += 1;
            }
        }
    }
    std::fs::write(out, serde_json::to_vec(&pkgs).expect("json")).expect("write");
}

/// CPU time of this thread in ms (Linux `schedstat`), so figures hold on a loaded machine; `None` elsewhere.
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn run_match(db_path: &Path, input: &Path, runs: usize) {
    let distro = Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        ..Distro::default()
    };
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut phases = Vec::new();
    let mut last = (0, 0, 0);
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let pkgs: Vec<Package> =
            serde_json::from_slice(&std::fs::read(input).expect("input")).expect("packages");
        let read = t.elapsed();
        let db = VulnDb::open(db_path).expect("open");
        let open = t.elapsed();
        let r = match_packages(&db, &pkgs, Some(&distro), &MatchOptions::default()).expect("match");
        let total = t.elapsed();
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            cpu.push(b - a);
        }
        times.push(total.as_secs_f64() * 1000.0);
        phases.push((
            read.as_secs_f64() * 1000.0,
            open.saturating_sub(read).as_secs_f64() * 1000.0,
            total.saturating_sub(open).as_secs_f64() * 1000.0,
        ));
        last = (pkgs.len(), r.findings.len(), r.stats.rules);
    }
    phases.sort_by(|a, b| a.2.total_cmp(&b.2));
    let p = phases[phases.len() / 2];
    eprintln!(
        "  phases (median run): read {:.1} ms, open {:.1} ms, match {:.1} ms",
        p.0, p.1, p.2
    );
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    if !cpu.is_empty() {
        eprintln!(
            "  CPU time (median run): {:.1} ms (min {:.1})",
            cpu[cpu.len() / 2],
            cpu[0]
        );
    }
    println!(
        "match: {} packages, {} findings, {} rules evaluated: median {:.1} ms (min {:.1}, max {:.1}, {} runs; input read + DB open + match)",
        last.0,
        last.1,
        last.2,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        runs
    );
}
