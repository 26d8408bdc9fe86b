//! Routing cost at the scale of the rescan benchmark (200,000 packages), printed, not asserted: run with
//! `cargo test -p bulwark-owners --test throughput -- --ignored --nocapture` (add `--release` for a figure
//! that means something; debug builds are several times slower).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use bulwark_owners::{
    FindingContext, ImageContext, LayerContext, WorkloadContext, parse_bytes, route,
};

#[test]
#[ignore = "a measurement; prints its figures"]
fn route_200k_packages_through_60_rules() {
    let mut y = String::from("teams:\n");
    for t in 0..10 {
        writeln!(y, "  team{t}: {{}}").unwrap();
    }
    y.push_str("rules:\n");
    for i in 0..10 {
        let t = i % 10;
        writeln!(y, "  - {{team: team{t}, purl: 'pkg:pypi/lib{i}*'}}").unwrap();
        writeln!(y, "  - {{team: team{t}, createdBy: '*install step{i} *'}}").unwrap();
        writeln!(
            y,
            "  - {{team: team{t}, registry: 'registry.example.com/group{i}/**'}}"
        )
        .unwrap();
        writeln!(
            y,
            "  - {{team: team{t}, baseImage: 'docker.io/library/base{i}:*'}}"
        )
        .unwrap();
        writeln!(y, "  - {{team: team{t}, labels: {{app: 'app{i}*'}}}}").unwrap();
        writeln!(y, "  - {{team: team{t}, namespace: 'ns{i}-*'}}").unwrap();
    }
    let owners = parse_bytes(y.as_bytes(), "owners.yaml").unwrap();
    assert_eq!(owners.rules.len(), 60);
    let purls: Vec<String> = (0..200_000)
        .map(|i| format!("pkg:pypi/lib{}x{i}@1.{i}", i % 13))
        .collect();
    let cmds: Vec<String> = (0..20)
        .map(|i| format!("/bin/sh -c apt-get update && install step{i} --no-cache something && rm -rf /var/lib/apt/lists/*"))
        .collect();
    let labels = BTreeMap::from([("app".to_string(), "app3-api".to_string())]);
    let start = Instant::now();
    let mut routed = 0usize;
    for (i, p) in purls.iter().enumerate() {
        let cx = FindingContext {
            purl: Some(p),
            layer: Some(LayerContext {
                index: i % 8,
                digest: None,
                created_by: Some(&cmds[i % cmds.len()]),
                in_base: Some(i % 8 < 2),
            }),
            image: ImageContext {
                reference: Some("registry.example.com/group4/api:1.2"),
                digest: None,
                base_name: Some("base7:bookworm"),
                base_digest: None,
            },
            workload: WorkloadContext {
                namespace: Some("ns2-prod"),
                labels: Some(&labels),
                annotations: None,
            },
        };
        routed += usize::from(route(&owners, &cx).is_some());
    }
    let took = start.elapsed();
    assert_eq!(routed, purls.len());
    println!(
        "routed {} packages through {} rules in {took:?} ({:.2} µs per package)",
        purls.len(),
        owners.rules.len(),
        took.as_secs_f64() * 1e6 / purls.len() as f64
    );
}
