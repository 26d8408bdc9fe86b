//! `cargo bench -p bulwark-risk --bench risk` (or `bench/risk.sh`): 1,000 workloads with 200,000 vulnerability
//! findings (200 distinct findings each), scored per finding and per workload (issue #16's bar: at most 1 s,
//! release build). The manifests are generated (20 namespaces; privileged, root, read-only, hostPath, Secrets,
//! LoadBalancer / ClusterIP Services, NetworkPolicies in half the namespaces, RBAC of several reaches), scanned
//! by `bulwark-k8s` and turned into contexts outside the timed part; findings carry the properties
//! `bulwark-match` writes. Prints the minimum and median of the runs.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bulwark_k8s::{Input, ScanOptions, scan};
use bulwark_risk::{ContextOptions, Date, contexts, score_workload};
use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde_json::json;

const WORKLOADS: usize = 1_000;
const PER_WORKLOAD: usize = 200;
const RUNS: usize = 5;

fn manifests() -> String {
    let mut y = String::new();
    for ns in 0..20 {
        let env = ["production", "staging", "dev", "qa"][ns % 4];
        let _ = write!(
            y,
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{ns}, labels: {{environment: {env}}}}}\n---\n"
        );
        if ns % 2 == 0 {
            let _ = write!(
                y,
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: ns{ns}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n---\n"
            );
        }
        let _ = write!(
            y,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: reader, namespace: ns{ns}}}\nrules: [{{apiGroups: [''], resources: [secrets], verbs: [get]}}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: reader, namespace: ns{ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}\nsubjects: [{{kind: ServiceAccount, name: sa1, namespace: ns{ns}}}]\n---\n"
        );
    }
    for w in 0..WORKLOADS {
        let ns = w % 20;
        let sc = match w % 4 {
            0 => "securityContext: {privileged: true}",
            1 => "securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}",
            2 => "securityContext: {capabilities: {add: [SYS_ADMIN]}}",
            _ => "securityContext: {readOnlyRootFilesystem: true}",
        };
        let vol = if w % 5 == 0 {
            "\n      volumes: [{name: h, hostPath: {path: /var/run/docker.sock}}, {name: s, secret: {secretName: creds}}]"
        } else {
            ""
        };
        let _ = write!(
            y,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{w}, namespace: ns{ns}}}\nspec:\n  selector: {{matchLabels: {{app: w{w}}}}}\n  template:\n    metadata: {{labels: {{app: w{w}}}}}\n    spec:\n      serviceAccountName: sa{}\n      containers:\n      - name: app\n        image: registry.example/app{}:1\n        {sc}{vol}\n---\n",
            w % 3,
            w % 100
        );
        let _ = write!(
            y,
            "apiVersion: v1\nkind: Service\nmetadata: {{name: w{w}, namespace: ns{ns}}}\nspec:\n  type: {}\n  selector: {{app: w{w}}}\n  ports: [{{port: 80}}]\n---\n",
            if w % 7 == 0 {
                "LoadBalancer"
            } else {
                "ClusterIP"
            }
        );
    }
    y
}

const VECTORS: [&str; 6] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P",
];

fn finding(workload: usize, index: usize) -> Finding {
    let n = workload * PER_WORKLOAD + index;
    let mut p = serde_json::Map::new();
    p.insert("cvssVector".into(), json!(VECTORS[(n / 7) % VECTORS.len()]));
    let vector = VECTORS[(n / 7) % VECTORS.len()];
    p.insert(
        "cvssScore".into(),
        json!(bulwark_cvss::parse(vector).unwrap().score()),
    );
    // EPSS is skewed low: most CVEs score below 0.01.
    let u = ((n * 7919) % 1000) as f64 / 1000.0;
    p.insert("epss".into(), json!(u.powi(4)));
    p.insert("epssPercentile".into(), json!(0.5));
    // About 1 % of findings are in KEV, as about 1 % of CVEs are.
    p.insert("kev".into(), json!(n.is_multiple_of(97)));
    if n.is_multiple_of(3) {
        p.insert("fixedVersion".into(), json!(format!("1.{}", n % 10)));
    }
    p.insert("packageName".into(), json!(format!("pkg{}", n % 500)));
    p.insert(
        "purl".into(),
        json!(format!("pkg:deb/debian/pkg{}@1.0", n % 500)),
    );
    p.insert("status".into(), json!("fixed"));
    Finding {
        kind: FindingKind::Vulnerability,
        id: format!("CVE-2025-{n:05}").into(),
        name: None,
        severity: Severity::High,
        title: if n.is_multiple_of(11) {
            "Arbitrary file write via crafted archive".into()
        } else {
            "Heap overflow in parser".into()
        },
        message: "pkg 1.0 is affected".into(),
        location: Location::default(),
        evidence: None,
        references: Vec::new(),
        properties: p.into_iter().collect(),
        shared_properties: None,
    }
}

fn main() {
    let yaml = manifests();
    let k8s = scan(
        &[Input::Bytes {
            name: "bench.yaml".into(),
            data: yaml.into_bytes(),
        }],
        &ScanOptions {
            collect_posture: true,
            ..ScanOptions::default()
        },
    )
    .expect("scan");
    let t = Instant::now();
    let ctxs = contexts(&k8s, &ContextOptions::default()).expect("contexts");
    let ctx_time = t.elapsed();
    assert_eq!(ctxs.len(), WORKLOADS);
    let findings: Vec<Vec<Finding>> = (0..WORKLOADS)
        .map(|w| (0..PER_WORKLOAD).map(|i| finding(w, i)).collect())
        .collect();
    let now = Date::parse("2026-12-07").unwrap();
    let mut times: Vec<Duration> = Vec::new();
    let mut scores: Vec<f64> = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        scores = ctxs
            .iter()
            .zip(&findings)
            .map(|(ctx, fs)| score_workload(fs, ctx, now).score)
            .collect();
        times.push(t.elapsed());
    }
    times.sort();
    scores.sort_by(f64::total_cmp);
    println!(
        "risk: {WORKLOADS} workloads, {} findings scored per finding and per workload: min {:.3} s, median {:.3} s (bar: 1 s); contexts from the scan {:.1} ms; workload scores min {} / median {} / max {}",
        WORKLOADS * PER_WORKLOAD,
        times[0].as_secs_f64(),
        times[RUNS / 2].as_secs_f64(),
        ctx_time.as_secs_f64() * 1000.0,
        scores[0],
        scores[WORKLOADS / 2],
        scores[WORKLOADS - 1]
    );
}
