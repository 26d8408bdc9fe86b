//! OpenVEX export of accepted vulnerability exceptions, read back by the scanner's own `--vex` reader
//! (bulwark-evaluate), which must then suppress exactly the accepted vulnerability.

use std::path::Path;

use bulwark_policy::{Bundle, Instant, LoadOptions, Stage, SubjectData};

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance")
}

#[test]
fn accepted_vulnerabilities_export_as_openvex() {
    let root = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let bundle = Bundle::load(
        root.join("bundles/vulns-excepted").to_str().unwrap(),
        &LoadOptions::new(tmp.path()),
    )
    .unwrap();
    let input: SubjectData = serde_json::from_str(
        &std::fs::read_to_string(root.join("inputs/image-vulns.json")).unwrap(),
    )
    .unwrap();
    let now = Instant::parse("2026-12-01T00:00:00Z").unwrap();
    let verdict = bulwark_policy::evaluate(&bundle, &input.subject(), Stage::Build, now);
    let doc = bulwark_policy::vex::export(&bundle, &verdict, "security@example.com").unwrap();

    // The fields OpenVEX v0.2.0 requires, with the values the exception gives.
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    assert!(
        doc["@id"]
            .as_str()
            .unwrap()
            .starts_with("https://openvex.dev/docs/public/bulwark-")
    );
    assert_eq!(doc["author"], "security@example.com");
    assert_eq!(doc["timestamp"], "2026-12-01T00:00:00Z");
    assert_eq!(doc["version"], 1);
    let st = doc["statements"].as_array().unwrap();
    assert_eq!(st.len(), 1, "{doc:#}");
    assert_eq!(st[0]["vulnerability"]["name"], "CVE-2024-0001");
    assert_eq!(st[0]["status"], "not_affected");
    assert_eq!(
        st[0]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert_eq!(
        st[0]["impact_statement"],
        "the TLS code path is not used; openssl ships only for the CLI"
    );
    assert_eq!(
        st[0]["status_notes"],
        "Bulwark exception openssl-not-reachable (exceptions.yaml:4), owner team-payments, ticket SEC-101, expires 2026-12-31"
    );
    // The image (by manifest digest) with the package as its subcomponent.
    assert_eq!(
        st[0]["products"],
        serde_json::json!([{
            "@id": "pkg:oci/app@sha256%3Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "subcomponents": [{"@id": "pkg:deb/debian/openssl@3.0.11-1"}]
        }])
    );
    // The expired lodash waiver is not exported.
    assert!(!doc.to_string().contains("CVE-2024-0002"));

    // Same verdict, same document.
    let again = bulwark_policy::vex::export(&bundle, &verdict, "security@example.com").unwrap();
    assert_eq!(again, doc);

    // The scanner's --vex reader accepts it and suppresses exactly CVE-2024-0001 in openssl.
    let text = serde_json::to_vec_pretty(&doc).unwrap();
    let vex = bulwark_evaluate::parse_vex(&text, "policy.vex.json").unwrap();
    let mut report = input.report.clone().unwrap();
    let today: bulwark_evaluate::Date = "2026-12-01".parse().unwrap();
    let eval = bulwark_evaluate::apply(
        &mut report,
        &bulwark_evaluate::Filters::default(),
        None,
        &[vex],
        today,
    );
    let suppressed: Vec<&str> = eval.suppressed.iter().map(|s| &*s.finding.id).collect();
    assert_eq!(suppressed, ["CVE-2024-0001"]);
    assert!(
        eval.suppressed[0]
            .reason
            .starts_with("VEX not_affected (vulnerable_code_not_in_execute_path)")
    );
    assert_eq!(report.findings.len(), 3);
    assert!(eval.diagnostics.is_empty(), "{:?}", eval.diagnostics);

    // A verdict without accepted vulnerabilities exports nothing.
    let strict = Bundle::load(
        root.join("bundles/vulns").to_str().unwrap(),
        &LoadOptions::new(tmp.path()),
    )
    .unwrap();
    let v = bulwark_policy::evaluate(&strict, &input.subject(), Stage::Build, now);
    assert!(bulwark_policy::vex::export(&strict, &v, "x").is_none());
}
