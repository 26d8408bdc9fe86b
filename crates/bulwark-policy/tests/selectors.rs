//! Selector semantics not covered by the conformance corpus, each expectation from the README's rules.

use bulwark_policy::{
    Bundle, BundleFile, Decision, ImageFacts, Instant, Outcome, Stage, Subject, Verdict,
};
use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde_json::json;

fn bundle(files: &[(&str, &str)]) -> Bundle {
    Bundle::from_files(
        files
            .iter()
            .map(|(p, t)| BundleFile {
                path: (*p).into(),
                bytes: t.as_bytes().to_vec(),
            })
            .collect(),
        "t",
        None,
    )
    .unwrap()
}

fn set(rules: &str) -> String {
    format!(
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {{name: s}}\nrules:\n{rules}"
    )
}

fn finding(kind: FindingKind, id: &str, severity: Severity, props: &serde_json::Value) -> Finding {
    Finding {
        kind,
        id: id.to_string().into(),
        name: None,
        severity,
        title: "t".into(),
        message: format!("{id} here").into(),
        location: Location::file("/app/x"),
        evidence: None,
        references: vec![],
        properties: props
            .as_object()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        shared_properties: None,
    }
}

fn image_report(name: &str, findings: Vec<Finding>) -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: name.into(),
        image: Some(ImageMetadata {
            manifest_digest: Some("sha256:feed".into()),
            config: json!({"User": "app"}),
            ..ImageMetadata::default()
        }),
    });
    r.findings = findings;
    r
}

fn now() -> Instant {
    Instant::parse("2026-12-01T00:00:00Z").unwrap()
}

fn result<'v>(v: &'v Verdict, rule: &str) -> &'v bulwark_policy::RuleResult {
    v.results.iter().find(|r| r.rule == rule).unwrap()
}

#[test]
fn vulnerability_data_present_or_missing() {
    let b = bundle(&[(
        "r.yaml",
        &set(
            "  - id: epss\n    stages: {build: fail}\n    vulnerabilities: {epssAtLeast: 0.5}\n  - id: old-fix\n    stages: {build: fail}\n    vulnerabilities: {daysSinceFixAtLeast: 30}\n  - id: by-alias\n    stages: {build: fail}\n    vulnerabilities: {ids: [\"GHSA-*\"]}\n  - id: old-cve\n    stages: {build: fail}\n    vulnerabilities: {daysSincePublishedAtLeast: 365}\n",
        ),
    )]);
    let r = image_report(
        "app:1",
        vec![
            finding(
                FindingKind::Vulnerability,
                "CVE-1",
                Severity::High,
                &json!({"epss": 0.6, "fixDate": "2026-10-01", "aliases": ["GHSA-aaaa"], "published": "2024-01-01"}),
            ),
            finding(
                FindingKind::Vulnerability,
                "CVE-2",
                Severity::High,
                &json!({"fixDate": "2026-11-20T00:00:00Z", "published": "2026-06-01"}),
            ),
            finding(
                FindingKind::Vulnerability,
                "CVE-3",
                Severity::High,
                &json!({}),
            ),
        ],
    );
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Build, now());
    let ids = |rule: &str| -> Vec<String> {
        result(&v, rule)
            .hits
            .iter()
            .map(|h| h.finding_id.as_deref().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("epss"), ["CVE-1"]);
    // 61 days since 2026-10-01; 11 since 2026-11-20.
    assert_eq!(ids("old-fix"), ["CVE-1"]);
    assert_eq!(ids("by-alias"), ["CVE-1"]);
    assert_eq!(ids("old-cve"), ["CVE-1"]);
    assert_eq!(
        v.notes,
        [
            "rule 'epss': 2 vulnerability finding(s) lack an EPSS score (`epss`); the rule could not select them on it",
            "rule 'old-cve': 1 vulnerability finding(s) lack a publication date (`published`; not recorded by today's matcher); the rule could not select them on it",
            "rule 'old-fix': 1 vulnerability finding(s) lack a fix date (`fixDate`; not recorded by today's matcher); the rule could not select them on it",
        ]
    );
}

#[test]
fn checks_malware_and_info_actions() {
    let b = bundle(&[(
        "r.yaml",
        &set(
            "  - id: df\n    stages: {build: info}\n    checks: {ids: [image-root-user, \"BW-DF-*\"]}\n  - id: mal\n    stages: {build: warn}\n    malware: {}\n",
        ),
    )]);
    let mut df = finding(
        FindingKind::Misconfiguration,
        "BW-IMG-0001",
        Severity::High,
        &json!({}),
    );
    df.name = Some("image-root-user".into());
    let r = image_report(
        "app:1",
        vec![
            df,
            finding(
                FindingKind::Misconfiguration,
                "BW-DF-0003",
                Severity::Low,
                &json!({}),
            ),
            finding(
                FindingKind::Misconfiguration,
                "BW-K8S-0001",
                Severity::Low,
                &json!({}),
            ),
            finding(
                FindingKind::Malware,
                "Eicar-Signature",
                Severity::Critical,
                &json!({}),
            ),
        ],
    );
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Build, now());
    let df = result(&v, "df");
    assert_eq!(df.outcome, Outcome::Fail);
    assert_eq!(df.hits.len(), 2);
    assert_eq!(
        result(&v, "mal").hits[0].finding_id.as_deref(),
        Some("Eicar-Signature")
    );
    // An info-action failure does not change the decision; the warn one does.
    assert_eq!(v.decision, Decision::Warn);
}

#[test]
fn mappings_and_exceptions_on_images() {
    let b = bundle(&[
        (
            "a.yaml",
            &set(
                "  - id: no-high\n    stages: {release: fail}\n    vulnerabilities: {minSeverity: HIGH}\n",
            ),
        ),
        (
            "b.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: other}\nrules:\n  - id: never\n    stages: {release: fail}\n    secrets: {}\n",
        ),
        (
            "m.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: Mappings\nmappings:\n  - name: web\n    images: [registry.example.com/web/*]\n    policySets: [s]\n  - name: hub\n    images: [nginx]\n    policySets: [other]\n",
        ),
        (
            "e.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: by-digest\n    image: \"sha256:fe*\"\n    finding: CVE-9\n    expires: 2026-12-01T00:00:00Z\n    owner: o\n    reason: r\n",
        ),
    ]);
    let vuln = || {
        finding(
            FindingKind::Vulnerability,
            "CVE-9",
            Severity::High,
            &json!({}),
        )
    };
    // A tagless pattern selects every tag.
    let r = image_report("registry.example.com/web/app:7", vec![vuln()]);
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Release, now());
    assert_eq!(v.policy_sets, ["s"]);
    assert_eq!(result(&v, "never").outcome, Outcome::Skip);
    // The digest exception expires at exactly 2026-12-01T00:00:00Z, which is now: expired.
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(v.exceptions.expired[0].id, "by-digest");
    let before = Instant::parse("2026-11-30T23:59:59Z").unwrap();
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Release, before);
    assert_eq!(v.decision, Decision::Pass);
    assert_eq!(v.exceptions.applied[0].matched, 1);
    // Docker Hub short names are normalised on both sides.
    let r = image_report("docker.io/library/nginx:1.25", vec![]);
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Release, now());
    assert_eq!(v.policy_sets, ["other"]);
    // Image facts can name the reference (deploy time) and the base image.
    let facts = ImageFacts {
        reference: Some("registry.example.com/web/api@sha256:1234".into()),
        ..ImageFacts::default()
    };
    let s = Subject {
        report: Some(&r),
        image: Some(&facts),
        ..Subject::default()
    };
    assert_eq!(
        bulwark_policy::evaluate(&b, &s, Stage::Release, now()).policy_sets,
        ["s"]
    );
}

#[test]
fn a_rule_runs_what_it_can_and_notes_the_rest() {
    let b = bundle(&[(
        "r.yaml",
        &set(
            "  - id: mixed\n    stages: {deploy: fail}\n    secrets: {}\n    signatures: {required: [{kind: signature}]}\n",
        ),
    )]);
    let r = image_report("app:1", vec![]);
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Deploy, now());
    assert_eq!(result(&v, "mixed").outcome, Outcome::Pass);
    assert_eq!(
        v.notes,
        ["rule 'mixed': signatures: the subject carries no signature information (not looked up)"]
    );
    let sigs = [bulwark_policy::Signature {
        kind: "signature".into(),
        predicate_type: None,
        identity: Some("ci".into()),
        issuer: None,
        verified: false,
    }];
    let s = Subject {
        report: Some(&r),
        signatures: Some(&sigs),
        ..Subject::default()
    };
    let v = bulwark_policy::evaluate(&b, &s, Stage::Deploy, now());
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(
        &*result(&v, "mixed").hits[0].message,
        "no verified signature"
    );
}

#[test]
fn risk_and_ssvc_selectors_read_the_properties_a_risk_scorer_sets() {
    let b = bundle(&[(
        "r.yaml",
        &set(
            "  - id: risky\n    stages: {build: fail}\n    vulnerabilities: {riskAtLeast: 8}\n  - id: urgent\n    stages: {build: fail}\n    vulnerabilities: {ssvc: [act, Attend]}\n  - id: both\n    stages: {build: fail}\n    vulnerabilities: {riskAtLeast: 8, ssvc: [act]}\n",
        ),
    )]);
    let vuln = |id: &str, props: serde_json::Value| {
        finding(FindingKind::Vulnerability, id, Severity::High, &props)
    };
    let r = image_report(
        "app:1",
        vec![
            vuln("CVE-ACT", json!({"risk": 9.1, "ssvc": "act"})),
            // The bound is inclusive: `risk >= 8`.
            vuln("CVE-EIGHT", json!({"risk": 8.0, "ssvc": "track*"})),
            vuln("CVE-ATTEND", json!({"risk": 7.9, "ssvc": "attend"})),
            vuln("CVE-LOW", json!({"risk": 2.0, "ssvc": "track"})),
            // Not scored in context: no rule selects it on risk or SSVC.
            vuln("CVE-UNSCORED", json!({"cvssScore": 10.0, "kev": true})),
        ],
    );
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Build, now());
    let ids = |rule: &str| -> Vec<String> {
        let mut ids: Vec<String> = result(&v, rule)
            .hits
            .iter()
            .map(|h| h.finding_id.as_deref().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("risky"), ["CVE-ACT", "CVE-EIGHT"]);
    assert_eq!(ids("urgent"), ["CVE-ACT", "CVE-ATTEND"]);
    assert_eq!(ids("both"), ["CVE-ACT"]);
    assert!(
        v.notes.iter().any(|n| n
            .starts_with("rule 'risky': 1 vulnerability finding(s) lack a contextual risk score")),
        "{:?}",
        v.notes
    );
    assert!(
        v.notes
            .iter()
            .any(|n| n
                .starts_with("rule 'urgent': 1 vulnerability finding(s) lack an SSVC decision")),
        "{:?}",
        v.notes
    );

    // Out-of-range and unknown values are refused when the bundle loads, naming the rule.
    let bad = |rules: &str| {
        Bundle::from_files(
            vec![BundleFile {
                path: "r.yaml".into(),
                bytes: set(rules).into_bytes(),
            }],
            "t",
            None,
        )
        .unwrap_err()
        .to_string()
    };
    let e = bad("  - id: r\n    stages: {build: fail}\n    vulnerabilities: {riskAtLeast: 11}\n");
    assert!(e.contains("riskAtLeast must be between 0 and 10"), "{e}");
    let e = bad("  - id: r\n    stages: {build: fail}\n    vulnerabilities: {ssvc: [urgent]}\n");
    assert!(e.contains("unknown ssvc decision 'urgent'"), "{e}");
}

/// `dast:` selects passive DAST alerts (`bulwark dast`, `ZAP-<alertRef>`) by id and severity; an exception by
/// finding and resource (the Ingress the alert was served by) accepts one of them.
#[test]
fn dast_selector_and_exception() {
    let b = bundle(&[
        (
            "r.yaml",
            &set(
                "  - id: preview-headers\n    stages: {deploy: fail}\n    dast: {ids: [\"ZAP-1002*\"], minSeverity: MEDIUM}\n",
            ),
        ),
        (
            "e.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: legacy-frame\n    finding: ZAP-10020*\n    resource: Ingress/preview-pr-42/legacy\n    owner: web\n    reason: framed on purpose\n",
        ),
    ]);
    let dast = |id: &str, sev: Severity, resource: &str| Finding {
        location: Location {
            resource: Some(resource.into()),
            ..Location::default()
        },
        ..finding(FindingKind::Dast, id, sev, &json!({}))
    };
    let mut r = Report::new(Target {
        kind: TargetKind::Url,
        name: "https://pr-42.preview.test/".into(),
        image: None,
    });
    r.findings = vec![
        dast("ZAP-10020-1", Severity::Medium, "Ingress/preview-pr-42/web"),
        dast(
            "ZAP-10020-1",
            Severity::Medium,
            "Ingress/preview-pr-42/legacy",
        ),
        // Below minSeverity, and not matching the ids: not selected.
        dast("ZAP-10021", Severity::Low, "Ingress/preview-pr-42/web"),
        dast("ZAP-10038", Severity::Medium, "Ingress/preview-pr-42/web"),
        // Not a DAST finding.
        finding(
            FindingKind::Misconfiguration,
            "ZAP-10020-1",
            Severity::High,
            &json!({}),
        ),
    ];
    let v = bulwark_policy::evaluate(&b, &Subject::report(&r), Stage::Deploy, now());
    assert_eq!(v.decision, Decision::Fail);
    let res = result(&v, "preview-headers");
    assert_eq!(res.outcome, Outcome::Fail);
    assert_eq!(res.hits.len(), 1);
    assert_eq!(
        res.hits[0].resource.as_deref(),
        Some("Ingress/preview-pr-42/web")
    );
    assert_eq!(res.excepted.len(), 1);
    assert_eq!(res.excepted[0].exception, "legacy-frame");
    assert_eq!(
        res.excepted[0].hit.resource.as_deref(),
        Some("Ingress/preview-pr-42/legacy")
    );
}
