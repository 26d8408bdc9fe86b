//! Plain timing of parse-once/compare-many on real version strings (no bench framework):
//! `cargo bench -p bulwark-version`. Prints nanoseconds per comparison for each scheme.

use std::hint::black_box;
use std::time::Instant;

use bulwark_version::{Scheme, Version};

fn main() {
    let sets = [
        (Scheme::Dpkg, include_str!("../tests/data/real-dpkg.txt")),
        (Scheme::Rpm, include_str!("../tests/data/real-rpm.txt")),
        (Scheme::Apk, include_str!("../tests/data/real-apk.txt")),
        (
            Scheme::Pep440,
            include_str!("../tests/data/real-pep440.txt"),
        ),
        (Scheme::Go, include_str!("../tests/data/real-go.txt")),
        (
            Scheme::Semver,
            include_str!("../tests/data/real-semver.txt"),
        ),
        (Scheme::Maven, include_str!("../tests/data/real-maven.txt")),
    ];
    for (scheme, text) in sets {
        let start = Instant::now();
        let versions: Vec<Version> = text
            .lines()
            .filter_map(|line| Version::parse(scheme, line).ok())
            .collect();
        let parse = start.elapsed();
        let start = Instant::now();
        let mut comparisons = 0u64;
        for _ in 0..20 {
            for a in &versions {
                for b in versions.iter().step_by(7) {
                    black_box(a.try_cmp(b).ok());
                    comparisons += 1;
                }
            }
        }
        let elapsed = start.elapsed();
        println!(
            "{scheme:>8}: {} versions parsed in {parse:?}; {:.1} ns per comparison",
            versions.len(),
            elapsed.as_nanos() as f64 / comparisons as f64
        );
    }
}
