//! `cargo bench -p bulwark-policy --bench evaluate`: a 5,000-finding report against 50 lifecycle rules (the
//! issue's bar: at most 5 ms per evaluation). Prints the minimum and median of repeated evaluations; the
//! bundle is loaded once, as every entry point does.

use std::fmt::Write as _;
use std::time::{Duration, Instant as Clock};

use bulwark_policy::{Bundle, BundleFile, ImageFacts, ImageFile, Instant, Stage, Subject};
use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
use bulwark_types::{Finding, FindingKind, Location, Package, PackageType, Severity};
use serde_json::json;

const SEVERITIES: [Severity; 5] = [
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
    Severity::Unknown,
];

fn report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/web/app:1".into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(format!("sha256:{}", "a".repeat(64))),
            created: Some("2026-10-01T00:00:00Z".into()),
            config: json!({"User": "1000", "ExposedPorts": {"8080/tcp": {}}, "Labels": {"team": "web"}}),
            ..ImageMetadata::default()
        }),
    });
    for i in 0..300 {
        let mut p = Package::new(
            PackageType::Npm,
            format!("pkg-{i}"),
            format!("1.{}.{}", i % 7, i % 13),
        );
        p.purl = format!("pkg:npm/pkg-{i}@{}", p.version);
        p.licenses = vec![["MIT", "Apache-2.0", "GPL-3.0-only", "BSD-3-Clause"][i % 4].into()];
        r.packages.push(p);
    }
    // 4,000 vulnerabilities, 600 Kubernetes findings, 300 secrets, 100 image checks: 5,000.
    for i in 0..4000 {
        let mut f = finding(
            FindingKind::Vulnerability,
            format!("CVE-2024-{i:05}"),
            SEVERITIES[i % 5],
        );
        let p = &mut f.properties;
        p.insert(
            "purl".into(),
            json!(format!("pkg:npm/pkg-{}@1.0.{}", i % 300, i % 9)),
        );
        p.insert("packageName".into(), json!(format!("pkg-{}", i % 300)));
        p.insert(
            "packageType".into(),
            json!(if i % 3 == 0 { "dpkg" } else { "npm" }),
        );
        p.insert("installedVersion".into(), json!("1.0.0"));
        if i % 2 == 0 {
            p.insert("fixedVersion".into(), json!("1.0.1"));
        }
        p.insert(
            "status".into(),
            json!(if i % 2 == 0 { "fixed" } else { "affected" }),
        );
        p.insert("cvssScore".into(), json!((i % 100) as f64 / 10.0));
        p.insert("epss".into(), json!((i % 1000) as f64 / 1000.0));
        p.insert("kev".into(), json!(i % 97 == 0));
        f.location = Location::file(if i % 3 == 0 {
            "/var/lib/dpkg/status"
        } else {
            "/app/package-lock.json"
        });
        r.findings.push(f);
    }
    for i in 0..600 {
        let mut f = finding(
            FindingKind::Misconfiguration,
            format!("BW-K8S-{:04}", i % 40 + 1),
            SEVERITIES[i % 4],
        );
        f.location = Location {
            resource: Some(format!("Deployment/ns-{}/app-{i}", i % 10).into()),
            ..Location::file("deploy.yaml")
        };
        f.properties.insert(
            "frameworks".into(),
            json!({"cis": [format!("5.{}.{}", i % 7, i % 5)]}),
        );
        r.findings.push(f);
    }
    for i in 0..300 {
        let mut f = finding(
            FindingKind::Secret,
            ["aws-access-key-id", "github-pat", "slack-token"][i % 3].into(),
            Severity::High,
        );
        f.location = Location::file(format!("/app/src/file{i}.py"));
        r.findings.push(f);
    }
    for i in 0..100 {
        r.findings.push(finding(
            FindingKind::Misconfiguration,
            format!("BW-IMG-{:04}", i % 12 + 1),
            Severity::Medium,
        ));
    }
    assert_eq!(r.findings.len(), 5000);
    r
}

fn finding(kind: FindingKind, id: String, severity: Severity) -> Finding {
    Finding {
        kind,
        id: id.into(),
        name: None,
        severity,
        title: "t".into(),
        message: "m".into(),
        location: Location::default(),
        evidence: None,
        references: vec![],
        properties: std::collections::BTreeMap::default(),
        shared_properties: None,
    }
}

/// 50 rules over every selector family.
fn rules() -> String {
    let mut y = String::from(
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: bench}\nrules:\n",
    );
    let mut n = 0;
    let mut rule = |body: String| {
        n += 1;
        let _ = write!(
            y,
            "  - id: rule-{n:02}\n    stages: {{build: fail, release: warn}}\n{body}"
        );
    };
    for (sev, cvss) in [
        ("CRITICAL", 9.0),
        ("HIGH", 7.0),
        ("MEDIUM", 5.0),
        ("LOW", 3.0),
        ("CRITICAL", 0.0),
    ] {
        rule(format!(
            "    vulnerabilities: {{minSeverity: {sev}, cvssAtLeast: {cvss}, fixAvailable: true}}\n"
        ));
        rule(format!(
            "    vulnerabilities: {{minSeverity: {sev}, epssAtLeast: 0.9}}\n"
        ));
        rule(format!(
            "    vulnerabilities: {{minSeverity: {sev}, kev: true}}\n"
        ));
        rule(format!(
            "    vulnerabilities: {{severities: [{sev}], packageTypes: [os], statuses: [affected]}}\n"
        ));
    }
    for i in 0..5 {
        rule(format!(
            "    vulnerabilities: {{ids: [\"CVE-2024-0{i}*\"], paths: [\"/app/**\"]}}\n"
        ));
    }
    for i in 0..5 {
        rule(format!(
            "    vulnerabilities: {{cvssAtLeast: {}.5, packageTypes: [npm], epssPercentileAtLeast: 0.5}}\n",
            i + 4
        ));
    }
    for i in 0..5 {
        rule(format!(
            "    packages:\n      deny:\n        - name: \"pkg-{i}*\"\n          versions: \">=1.0.0, <1.3.0\"\n      require:\n        - name: pkg-{}\n",
            i + 100
        ));
    }
    rule("    licenses: {deny: [GPL-3.0-or-later]}\n".into());
    rule("    licenses: {deny-classes: [network-copyleft]}\n".into());
    for i in 0..5 {
        rule(format!("    kubernetes: {{controls: [\"cis:5.{i}.*\"]}}\n"));
    }
    rule("    kubernetes: {minSeverity: HIGH}\n".into());
    rule("    secrets: {ids: [\"aws-*\"]}\n".into());
    rule("    secrets: {}\n".into());
    rule("    checks: {ids: [BW-IMG-0001, BW-IMG-0011]}\n".into());
    rule("    image: {nonRootUser: true, exposedPorts: {deny: [22]}, requiredLabels: {team: \"*\"}, maxAgeDays: 365}\n".into());
    rule("    files: {allowedPaths: [/web/html], baseLayers: 1}\n".into());
    rule("    database: {maxAgeDays: 3}\n".into());
    rule("    signatures: {required: [{kind: signature}]}\n".into());
    assert_eq!(n, 50);
    y
}

/// User + system CPU time of this process, from `/proc/self/stat` (clock ticks of 10 ms): a figure that a
/// busy machine inflates far less than wall-clock time.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses): utime is the 14th field, stime the 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let bundle = Bundle::from_files(
        vec![BundleFile {
            path: "rules.yaml".into(),
            bytes: rules().into_bytes(),
        }],
        "bench",
        None,
    )
    .expect("bundle loads");
    assert_eq!(bundle.rules().count(), 50);
    let report = report();
    let facts = ImageFacts {
        files: Some(
            (0..200)
                .map(|i| ImageFile {
                    path: format!("/web/html/{i}.html"),
                    layer: 1 + i % 2,
                })
                .collect(),
        ),
        ..ImageFacts::default()
    };
    let subject = Subject {
        report: Some(&report),
        image: Some(&facts),
        ..Subject::default()
    };
    let now = Instant::parse("2026-12-01T00:00:00Z").unwrap();
    let v = bulwark_policy::evaluate(&bundle, &subject, Stage::Build, now);
    let hits: usize = v.results.iter().map(|r| r.hits.len()).sum();
    let mut times = Vec::new();
    let start = Clock::now();
    while times.len() < 200 || start.elapsed() < Duration::from_secs(2) {
        let t = Clock::now();
        let v = bulwark_policy::evaluate(&bundle, &subject, Stage::Build, now);
        times.push(t.elapsed());
        std::hint::black_box(v);
        if times.len() >= 2000 {
            break;
        }
    }
    let batch = 500;
    let cpu_before = cpu_seconds();
    for _ in 0..batch {
        std::hint::black_box(bulwark_policy::evaluate(
            &bundle,
            &subject,
            Stage::Build,
            now,
        ));
    }
    let cpu = cpu_before
        .zip(cpu_seconds())
        .map(|(a, b)| (b - a) / f64::from(batch) * 1e3);
    times.sort();
    println!(
        "evaluate: 5,000 findings x 50 rules ({} results, {hits} hits): min {:.3} ms, median {:.3} ms over {} runs",
        v.results.len(),
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times.len()
    );
    if let Some(ms) = cpu {
        println!(
            "evaluate: {ms:.3} ms of CPU time per evaluation (user+system over {batch} runs, /proc/self/stat)"
        );
    }
}
