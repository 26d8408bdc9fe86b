//! Scores checked against values published outside this code.
//!
//! `tests/vectors/` holds test vectors from the RedHatProductSecurity/cvss Python library (commit
//! 2f149099257ae06b98cef252efc440bddafe61e5, `tests/`), whose README states they "were generated using official
//! JavaScript generators" (FIRST's calculators). Each line is `VECTOR - (base, temporal, environmental)` for v2/v3 or
//! `VECTOR - score` for v4.0. v4.0 files are complete; v3.x and v2 files keep every 4th / 2nd line to stay small.
//! See tests/vectors/README.md.

// Expected scores are exact one-decimal values; comparing them exactly is the point.
#![allow(clippy::float_cmp)]

use std::fmt::Write as _;

use bulwark_cvss::{Rating, Severity, Version, parse};

fn expected_pairs(file: &str) -> Vec<(String, f64)> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (vector, rest) = l.split_once(" - ").expect(l);
            let first = rest
                .trim_start_matches('(')
                .split([',', ')'])
                .next()
                .unwrap()
                .trim();
            (vector.to_string(), first.parse::<f64>().expect(l))
        })
        .collect()
}

fn check_file(file: &str, min: usize) {
    let pairs = expected_pairs(file);
    assert!(pairs.len() >= min, "{file}: only {} vectors", pairs.len());
    let mut failures = Vec::new();
    for (vector, want) in &pairs {
        match parse(vector) {
            Ok(v) => {
                if (v.score() - want).abs() > 1e-9 {
                    failures.push(format!("{vector}: got {} want {want}", v.score()));
                }
            }
            Err(e) => failures.push(format!("{vector}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} wrong:\n{}",
        failures.len(),
        pairs.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn v4_base_vectors() {
    check_file("vectors_simple4", 1000);
}

#[test]
fn v4_security_requirements() {
    check_file("vectors_security4", 50);
}

#[test]
fn v4_threat() {
    check_file("vectors_threat4", 6);
}

#[test]
fn v4_supplemental_metrics_do_not_change_the_score() {
    check_file("vectors_supplemental4", 500);
}

#[test]
fn v31_base_vectors() {
    check_file("vectors_simple31", 600);
}

#[test]
fn v30_base_vectors() {
    check_file("vectors_simple3", 600);
}

#[test]
fn v2_base_vectors() {
    check_file("vectors_simple2", 300);
}

/// Vectors and scores as published on NVD CVE pages and in FIRST documents.
#[test]
fn published_scores() {
    let cases: &[(&str, f64, Severity, &str)] = &[
        // NVD CVE-2021-44228 (Log4Shell), NIST CVSS 3.1: 10.0 CRITICAL.
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            10.0,
            Severity::Critical,
            "nvd CVE-2021-44228",
        ),
        // NVD CVE-2014-0160 (Heartbleed), NIST CVSS 3.x: 7.5 HIGH.
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            7.5,
            Severity::High,
            "nvd CVE-2014-0160",
        ),
        // NVD CVE-2014-6271 (Shellshock), NIST CVSS 3.x: 9.8 CRITICAL.
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            9.8,
            Severity::Critical,
            "nvd CVE-2014-6271",
        ),
        // FIRST CVSS v3.1 Examples, "phpMyAdmin Reflected Cross-site Scripting (CVE-2013-1937)": 6.1.
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
            6.1,
            Severity::Medium,
            "first v3.1 examples CVE-2013-1937",
        ),
        // FIRST CVSS v3.1 Examples, "Apache Tomcat XML Parser (CVE-2009-0783)": 4.2.
        (
            "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L",
            4.2,
            Severity::Medium,
            "first v3.1 examples CVE-2009-0783",
        ),
        // polycvss (pablotron/polycvss, src/v4.rs module docs: "get score for CVSS v4 vector string"): 6.9.
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
            6.9,
            Severity::Medium,
            "polycvss docs",
        ),
        // CVSS v2 guide §3.3.1 worked example CVE-2002-0392 is AV:N/AC:L/Au:N/C:N/I:N/A:C = 7.8; the
        // Partial-availability variant is 5.0 in the RedHat corpus (vectors_simple2, full file).
        (
            "AV:N/AC:L/Au:N/C:N/I:N/A:C",
            7.8,
            Severity::High,
            "cvss v2 guide 3.3.1 CVE-2002-0392",
        ),
        (
            "AV:N/AC:L/Au:N/C:N/I:N/A:P",
            5.0,
            Severity::Medium,
            "redhat vectors_simple2",
        ),
    ];
    for (vector, score, sev, src) in cases {
        let v = parse(vector).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(v.score(), *score, "{src}: {vector}");
        assert_eq!(v.severity(), *sev, "{src}: {vector}");
    }
}

#[test]
fn versions_and_prefixes() {
    assert_eq!(
        parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
            .unwrap()
            .version(),
        Version::V3_0
    );
    assert_eq!(
        parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").unwrap().version(),
        Version::V2
    );
    assert_eq!(
        parse("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P")
            .unwrap()
            .rating(),
        Rating::High
    );
    // Metrics in another order than the spec's (FIRST's own v3.0 test vector starts with S:U).
    assert_eq!(
        parse("CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X")
            .unwrap()
            .score(),
        3.8
    );
}

/// FIRST, "CVSS v4.0 Examples" (https://www.first.org/cvss/v4-0/examples): the vectors for which the page prints
/// a score, with that score.
const FIRST_V40_EXAMPLES: &[(&str, f64)] = &[
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        7.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
        5.2,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N",
        8.3,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L",
        8.1,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L",
        8.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L/E:U",
        6.6,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N",
        8.3,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:U",
        5.6,
    ),
    (
        "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P",
        8.6,
    ),
    (
        "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P",
        9.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/V:C",
        8.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H",
        6.4,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H/E:U/MAV:A/R:U/V:C",
        2.4,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
        10.0,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/CR:H/IR:H/AR:H/MAV:L/MAT:P",
        8.9,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        8.5,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MVC:N/MVI:N/MVA:N",
        0.0,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
        7.1,
    ),
];

#[test]
fn first_v40_examples_page() {
    for (vector, want) in FIRST_V40_EXAMPLES {
        let v = parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
        assert_eq!(v.score(), *want, "{vector}");
    }
}

/// Every base-metric combination (v3.1: 2,592; v4.0: 104,976, of which every 11th is scored to keep debug test
/// time low; 11 is coprime with every metric's value count, so the sample walks the whole space) parses and
/// scores within 0.0–10.0, and the rating agrees with the score.
#[test]
fn every_base_vector_scores_in_range() {
    let v31 = [
        ("AV", &["N", "A", "L", "P"][..]),
        ("AC", &["L", "H"]),
        ("PR", &["N", "L", "H"]),
        ("UI", &["N", "R"]),
        ("S", &["U", "C"]),
        ("C", &["H", "L", "N"]),
        ("I", &["H", "L", "N"]),
        ("A", &["H", "L", "N"]),
    ];
    let v40 = [
        ("AV", &["N", "A", "L", "P"][..]),
        ("AC", &["L", "H"]),
        ("AT", &["N", "P"]),
        ("PR", &["N", "L", "H"]),
        ("UI", &["N", "P", "A"]),
        ("VC", &["H", "L", "N"]),
        ("VI", &["H", "L", "N"]),
        ("VA", &["H", "L", "N"]),
        ("SC", &["H", "L", "N"]),
        ("SI", &["H", "L", "N"]),
        ("SA", &["H", "L", "N"]),
    ];
    for (prefix, metrics, total) in [
        ("CVSS:3.1", &v31[..], 2_592usize),
        ("CVSS:4.0", &v40[..], 104_976),
    ] {
        let mut idx = vec![0usize; metrics.len()];
        let mut n = 0;
        loop {
            let mut s = prefix.to_string();
            for (i, (m, vals)) in metrics.iter().enumerate() {
                let _ = write!(s, "/{m}:{}", vals[idx[i]]);
            }
            if prefix == "CVSS:3.1" || n % 11 == 0 {
                let v = parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
                let score = v.score();
                assert!((0.0..=10.0).contains(&score), "{s}: {score}");
                assert_eq!((score * 10.0).round() / 10.0, score, "{s}: {score}");
                assert_eq!(v.rating(), bulwark_cvss::rating_of(score));
            }
            n += 1;
            // Odometer increment.
            let mut k = metrics.len();
            loop {
                if k == 0 {
                    break;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < metrics[k].1.len() {
                    break;
                }
                idx[k] = 0;
                if k == 0 {
                    k = usize::MAX;
                    break;
                }
            }
            if k == usize::MAX {
                break;
            }
        }
        assert_eq!(n, total, "{prefix}");
    }
}
