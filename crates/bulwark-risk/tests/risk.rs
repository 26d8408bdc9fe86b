//! Risk on hand-built cases, written from the definitions (issue #16): contexts come from small manifests run
//! through `bulwark-k8s`, findings carry the properties `bulwark-match` sets, and the expectations are
//! orderings and explanations that follow from what the factors mean, not numbers copied from the output.

// Scores are rounded to one decimal, so equal contexts give bit-equal scores; `vuln` takes the JSON it builds from.
#![allow(clippy::float_cmp, clippy::needless_pass_by_value)]

use bulwark_k8s::{Input, ScanOptions, scan};
use bulwark_risk::{ContextOptions, Date, RbacReach, WorkloadContext, contexts, score};
use bulwark_types::Finding;
use serde_json::json;

fn now() -> Date {
    Date::parse("2026-12-07").unwrap()
}

fn contexts_of(yaml: &str) -> Vec<WorkloadContext> {
    let s = scan(
        &[Input::Bytes {
            name: "manifests.yaml".into(),
            data: yaml.as_bytes().to_vec(),
        }],
        &ScanOptions {
            collect_posture: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    contexts(&s, &ContextOptions::default()).unwrap()
}

fn ctx<'c>(all: &'c [WorkloadContext], resource: &str) -> &'c WorkloadContext {
    all.iter()
        .find(|c| c.resource == resource)
        .unwrap_or_else(|| panic!("no workload {resource}"))
}

fn vuln(id: &str, title: &str, props: serde_json::Value) -> Finding {
    serde_json::from_value(json!({
        "kind": "vulnerability",
        "id": id,
        "severity": "HIGH",
        "title": title,
        "location": {},
        "properties": props,
    }))
    .unwrap()
}

/// A privileged pod, root, writable root filesystem, behind a LoadBalancer, no NetworkPolicy; and a hardened one:
/// non-root, read-only, behind a ClusterIP Service only, isolated for ingress and egress.
const TWO_PODS: &str = r"
apiVersion: apps/v1
kind: Deployment
metadata: {name: exposed, namespace: shop}
spec:
  selector: {matchLabels: {app: exposed}}
  template:
    metadata: {labels: {app: exposed}}
    spec:
      containers:
      - name: app
        image: registry.example/shop:1.0
        securityContext:
          privileged: true
---
apiVersion: v1
kind: Service
metadata: {name: exposed, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: exposed}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: internal, namespace: back}
spec:
  selector: {matchLabels: {app: internal}}
  template:
    metadata: {labels: {app: internal}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
      - name: app
        image: registry.example/shop:1.0
        securityContext:
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata: {name: internal, namespace: back}
spec:
  selector: {app: internal}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: back}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
";

fn names(r: &bulwark_risk::Risk) -> Vec<&'static str> {
    r.factors.iter().map(|f| f.name).collect()
}

#[test]
fn same_cve_ranks_higher_in_privileged_exposed_unisolated_pod() {
    let all = contexts_of(TWO_PODS);
    let exposed = ctx(&all, "Deployment/shop/exposed");
    let internal = ctx(&all, "Deployment/back/internal");
    // The contexts say what the manifests say.
    assert!(!exposed.internet_exposure.is_empty());
    assert!(exposed.ingress_isolation.is_empty() && exposed.egress_isolation.is_empty());
    assert!(!exposed.privileged.is_empty());
    assert!(internal.internet_exposure.is_empty());
    assert!(!internal.ingress_isolation.is_empty() && !internal.egress_isolation.is_empty());
    assert!(internal.may_run_as_root.is_empty());
    assert!(internal.writable_root_filesystem.is_empty());

    let f = vuln(
        "CVE-2021-44228",
        "Remote code execution in log4j-core",
        json!({
            "cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            "epss": 0.2, "kev": false, "packageName": "log4j-core", "fixedVersion": "2.17.1",
        }),
    );
    let a = score(&f, exposed, now());
    let b = score(&f, internal, now());
    assert!(
        a.score > b.score,
        "exposed {} vs internal {}",
        a.score,
        b.score
    );
    assert!((0.0..=10.0).contains(&a.score) && (0.0..=10.0).contains(&b.score));
    for n in [
        "internet-exposed",
        "privileged",
        "egress-open",
        "may-run-as-root",
    ] {
        assert!(names(&a).contains(&n), "{n} missing from {:?}", names(&a));
    }
    for n in ["ingress-isolated", "egress-isolated", "non-root"] {
        assert!(names(&b).contains(&n), "{n} missing from {:?}", names(&b));
    }
    // Evidence names the object and the field.
    let privileged = a.factors.iter().find(|f| f.name == "privileged").unwrap();
    assert!(
        privileged.evidence.iter().any(
            |e| e.contains("securityContext.privileged: true") && e.contains("manifests.yaml:")
        ),
        "{:?}",
        privileged.evidence
    );
    let lb = a
        .factors
        .iter()
        .find(|f| f.name == "internet-exposed")
        .unwrap();
    assert!(
        lb.evidence.iter().any(|e| e.contains("LoadBalancer")),
        "{:?}",
        lb.evidence
    );
    let np = b
        .factors
        .iter()
        .find(|f| f.name == "ingress-isolated")
        .unwrap();
    assert!(
        np.evidence
            .iter()
            .any(|e| e.contains("NetworkPolicy/back/default-deny"))
    );
}

#[test]
fn kev_with_high_epss_ranks_above_cvss_10_with_negligible_epss_and_no_exposure() {
    let all = contexts_of(TWO_PODS);
    let internal = ctx(&all, "Deployment/back/internal");
    // CVSS 3.1 base 7.5 (FIRST calculator: AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N).
    let kev = vuln(
        "CVE-A",
        "Information disclosure",
        json!({
            "cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            "epss": 0.9, "kev": true, "kevDateAdded": "2025-01-10",
        }),
    );
    // CVSS 3.1 base 10.0 (AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H).
    let ten = vuln(
        "CVE-B",
        "Critical flaw",
        json!({
            "cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            "epss": 0.001, "kev": false,
        }),
    );
    let (a, b) = (score(&kev, internal, now()), score(&ten, internal, now()));
    assert_eq!(b.base, 10.0);
    assert!(a.score > b.score, "KEV {} vs CVSS-10 {}", a.score, b.score);
    assert!(names(&a).contains(&"kev"));
    assert!(names(&b).contains(&"epss-very-low"));
    // SSVC agrees: exploitation active for the KEV one, none for the other.
    assert_eq!(a.ssvc.exploitation, bulwark_risk::Exploitation::Active);
    assert_eq!(b.ssvc.exploitation, bulwark_risk::Exploitation::None);
    assert!(a.ssvc.decision > b.ssvc.decision);
}

const RO_AND_RW: &str = r"
apiVersion: v1
kind: Pod
metadata: {name: ro, namespace: ns}
spec:
  containers:
  - name: app
    image: unpacker:1
    securityContext: {readOnlyRootFilesystem: true}
---
apiVersion: v1
kind: Pod
metadata: {name: rw, namespace: ns}
spec:
  containers:
  - name: app
    image: unpacker:1
";

#[test]
fn filesystem_write_exploit_is_lowered_by_read_only_root_filesystem_and_says_so() {
    let all = contexts_of(RO_AND_RW);
    let (ro, rw) = (ctx(&all, "Pod/ns/ro"), ctx(&all, "Pod/ns/rw"));
    let write = vuln(
        "CVE-W",
        "Arbitrary file write via crafted archive (zip slip)",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", "epss": 0.05}),
    );
    let (a, b) = (score(&write, ro, now()), score(&write, rw, now()));
    assert!(
        a.score < b.score,
        "read-only {} vs writable {}",
        a.score,
        b.score
    );
    let why = a
        .factors
        .iter()
        .find(|f| f.name == "read-only-rootfs-blocks-write")
        .expect("the read-only factor");
    assert!(why.effect < 1.0);
    let text = why.evidence.join("\n");
    assert!(text.contains("filesystem write"), "{text}");
    assert!(text.contains("readOnlyRootFilesystem: true"), "{text}");
    assert!(b.factors.iter().any(|f| f.name == "writable-rootfs"));

    // A CVE that needs no write is not affected by the setting: the two pods differ in nothing else.
    let other = vuln(
        "CVE-X",
        "Heap overflow in parser",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", "epss": 0.05}),
    );
    assert_eq!(
        score(&other, ro, now()).score,
        score(&other, rw, now()).score
    );

    // The CWE route: CWE-59 (link following) marks a write too.
    let cwe = vuln(
        "CVE-L",
        "Improper link resolution",
        json!({"cvssVector": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N", "cwes": ["CWE-59"]}),
    );
    assert!(score(&cwe, ro, now()).score < score(&cwe, rw, now()).score);
}

#[test]
fn local_exploit_needing_high_privileges_is_lowered_for_non_root_containers() {
    let all = contexts_of(TWO_PODS);
    let (root, non_root) = (
        ctx(&all, "Deployment/shop/exposed"),
        ctx(&all, "Deployment/back/internal"),
    );
    let f = vuln(
        "CVE-P",
        "Local privilege issue",
        json!({"cvssVector": "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}),
    );
    let a = score(&f, non_root, now());
    assert!(names(&a).contains(&"privileges-not-granted"));
    let b = score(&f, root, now());
    assert!(names(&b).contains(&"privileges-available"));
    // Network exposure does not apply to a local vector.
    assert!(names(&b).contains(&"local-vector") && !names(&b).contains(&"internet-exposed"));
}

#[test]
fn rbac_reach_and_secrets_and_host_paths_come_from_the_manifests() {
    let yaml = r"
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ops}
spec:
  serviceAccountName: agent
  containers:
  - name: a
    image: agent:1
    envFrom: [{secretRef: {name: agent-creds}}]
    securityContext: {capabilities: {add: [SYS_ADMIN]}}
  volumes:
  - name: sock
    hostPath: {path: /var/run/docker.sock}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: agent, namespace: ops}]
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: ops}
spec:
  serviceAccountName: reader
  containers: [{name: r, image: reader:1}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-secrets, namespace: ops}
rules: [{apiGroups: [''], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets}
subjects: [{kind: ServiceAccount, name: reader, namespace: ops}]
";
    let all = contexts_of(yaml);
    let agent = ctx(&all, "Pod/ops/agent");
    assert_eq!(agent.rbac, RbacReach::ClusterAdminLike);
    assert!(agent.secrets.iter().any(|s| s.contains("agent-creds")));
    assert!(
        agent
            .sensitive_host_paths
            .iter()
            .any(|s| s.contains("/var/run/docker.sock"))
    );
    assert!(
        agent
            .dangerous_capabilities
            .iter()
            .any(|s| s.contains("SYS_ADMIN"))
    );
    let reader = ctx(&all, "Pod/ops/reader");
    assert_eq!(reader.rbac, RbacReach::Secrets);
    let f = vuln(
        "CVE-R",
        "RCE",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "epss": 0.02}),
    );
    let (a, r) = (score(&f, agent, now()), score(&f, reader, now()));
    assert!(a.score > r.score);
    for n in [
        "rbac-cluster-admin-like",
        "sensitive-host-path",
        "dangerous-capabilities",
        "secrets-mounted",
    ] {
        assert!(names(&a).contains(&n), "{n} missing from {:?}", names(&a));
    }
}

#[test]
fn environment_from_namespace_labels_sets_mission_prevalence() {
    let yaml = r"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {environment: production}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec: {containers: [{name: c, image: x:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: q, namespace: dev}
spec: {containers: [{name: c, image: x:1}]}
";
    let all = contexts_of(yaml);
    assert_eq!(
        ctx(&all, "Pod/shop/p").mission_prevalence,
        bulwark_risk::MissionPrevalence::Essential
    );
    // No Namespace object and no caller-given environment: the documented default.
    assert_eq!(
        ctx(&all, "Pod/dev/q").mission_prevalence,
        bulwark_risk::MissionPrevalence::Support
    );
    // Active, automatable, total impact in production: CISA's tree says Act.
    let f = vuln(
        "CVE-K",
        "RCE",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "kev": true}),
    );
    assert_eq!(
        score(&f, ctx(&all, "Pod/shop/p"), now()).ssvc.decision,
        bulwark_risk::Decision::Act
    );
}

#[test]
fn workload_score_is_led_by_its_worst_finding() {
    let all = contexts_of(TWO_PODS);
    let exposed = ctx(&all, "Deployment/shop/exposed");
    let low = vuln(
        "CVE-LOW",
        "minor",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "epss": 0.0005}),
    );
    let high = vuln(
        "CVE-HIGH",
        "RCE",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "kev": true}),
    );
    let w = bulwark_risk::score_workload(&[low.clone(), high.clone()], exposed, now());
    assert_eq!(w.findings, 2);
    assert_eq!(w.top[0].id, "CVE-HIGH");
    assert!(w.score >= score(&high, exposed, now()).score);
    assert!(w.score <= 10.0);
    let only_low = bulwark_risk::score_workload(&[low], exposed, now());
    assert!(only_low.score < w.score);
    assert_eq!(bulwark_risk::score_workload(&[], exposed, now()).score, 0.0);
}

#[test]
fn annotate_writes_the_properties_policy_selects_on() {
    let all = contexts_of(RO_AND_RW);
    let mut f = vuln(
        "CVE-K",
        "RCE",
        json!({"cvssVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "kev": true}),
    );
    let r = score(&f, ctx(&all, "Pod/ns/rw"), now());
    bulwark_risk::annotate(&mut f, &r);
    assert_eq!(f.properties["risk"], json!(r.score));
    // Active, automatable, total, unknown environment (support, minimal well-being → medium): Act.
    assert_eq!(f.properties["ssvc"], json!("act"));
}

#[test]
fn a_scan_without_posture_gives_no_context_rather_than_a_guess() {
    let s = scan(
        &[Input::Bytes {
            name: "p.yaml".into(),
            data: RO_AND_RW.as_bytes().to_vec(),
        }],
        &ScanOptions::default(),
    )
    .unwrap();
    let e = contexts(&s, &ContextOptions::default()).unwrap_err();
    assert!(e.to_string().contains("collect_posture"), "{e}");
}

/// The fix's age: a recorded fix date wins; without one, an advisory that already names a fixed version and was
/// published long ago means the fix is at most that old; without a fixed version, nothing is said.
#[test]
fn fix_age_from_a_fix_date_else_from_the_advisory_naming_the_fix() {
    let all = contexts_of(TWO_PODS);
    let c = ctx(&all, "Deployment/shop/exposed");
    let old = "2020-01-01T00:00:00Z";
    let factor = |props: serde_json::Value| -> Option<String> {
        let r = score(&vuln("CVE-2020-0001", "t", props), c, now());
        r.factors
            .iter()
            .find(|f| f.name == "fix-older-than-90-days")
            .map(|f| f.evidence.join(" "))
    };
    let from_published = factor(json!({"fixedVersion": "1.1", "published": old}))
        .expect("published in 2020 with a fix named: the fix is old");
    assert!(from_published.contains("published"), "{from_published}");
    assert_eq!(
        factor(json!({"published": old})),
        None,
        "no fixed version: no fix age"
    );
    // A recent fix date wins over an old publication.
    let recent = now().0 - 10;
    let (y, m, d) = civil(recent);
    assert_eq!(
        factor(
            json!({"fixedVersion": "1.1", "published": old, "fixDate": format!("{y:04}-{m:02}-{d:02}")})
        ),
        None
    );
    let from_fix = factor(json!({"fixedVersion": "1.1", "fixDate": "2021-01-01"})).unwrap();
    assert!(from_fix.contains("fixDate"), "{from_fix}");
}

/// Civil date of a day number (days since 1970-01-01), for building inputs.
fn civil(days: i64) -> (i64, u32, u32) {
    bulwark_types::time::civil_from_days(days)
}
