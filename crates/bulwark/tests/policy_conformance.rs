//! One verdict everywhere (issue #12): the conformance corpus of bulwark-policy (`testdata/conformance`: bundle,
//! input, stage, time, and a verdict written by hand) through `bulwark policy eval`, and the same bundle and
//! input through every entry point that exists (`scan … --policy`, `policy eval`, and the library call the
//! admission webhook will make), which must give byte-identical verdicts.

mod common;

use std::path::{Path, PathBuf};

use bulwark_policy::{Bundle, Instant, LoadOptions, Stage, Subject, Verdict};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-policy/testdata/conformance")
}

/// The canonical text of a verdict, whatever wrote it: parsed into `Verdict`, then `Verdict::to_json()`.
fn canonical(v: &serde_json::Value) -> String {
    let verdict: Verdict = serde_json::from_value(v.clone()).expect("a verdict");
    verdict.to_json()
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let o = common::bulwark(args);
    let code = o.status.code();
    assert_ne!(
        code,
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (code, String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn policy_eval_gives_every_expected_verdict_of_the_corpus() {
    let root = corpus();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    for dir in cases {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
        let s = |k: &str| case[k].as_str().unwrap().to_string();
        let bundle = root.join(s("bundle"));
        let input = root.join(s("input"));
        let (code, out) = run(&[
            "policy",
            "eval",
            bundle.to_str().unwrap(),
            input.to_str().unwrap(),
            "--stage",
            &s("stage"),
            "--now",
            &s("now"),
            "-f",
            "json",
        ]);
        let got: serde_json::Value = serde_json::from_str(&out).unwrap();
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        assert_eq!(
            canonical(&got[0]),
            canonical(&expected),
            "{}",
            dir.display()
        );
        let fail = expected["decision"] == "fail";
        assert_eq!(code, Some(i32::from(fail)), "{}", dir.display());
    }
}

/// A bundle of lifecycle rules over what an image scan finds (user, secrets, licenses, packages).
const IMAGE_RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: images}
rules:
  - id: no-root-user
    stages: {build: fail}
    image: {nonRootUser: true}
  - id: no-musl
    stages: {build: warn}
    packages: {deny: [{name: musl}]}
  - id: no-critical-secrets
    stages: {build: fail}
    secrets: {minSeverity: CRITICAL}
";

#[test]
fn scan_image_policy_eval_and_the_library_give_byte_identical_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), IMAGE_RULES).unwrap();
    let b = bundle.to_str().unwrap();
    let image = common::image("alpine314.docker.tar");
    let now = "2026-12-01T00:00:00Z";

    // 1. scan image --policy.
    let report_path = dir.path().join("report.json");
    let r = report_path.to_str().unwrap();
    let (code, _) = run(&[
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        b,
        "--now",
        now,
        "-f",
        "json",
        "-o",
        r,
    ]);
    let scanned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let v_scan = canonical(&scanned["verdict"]);
    assert_eq!(code, Some(1), "{v_scan}");

    // 2. policy eval over the same scan's report without a policy.
    let plain_path = dir.path().join("plain.json");
    let p = plain_path.to_str().unwrap();
    run(&["scan", "image", &image, "--no-vulns", "-f", "json", "-o", p]);
    let (code, out) = run(&["policy", "eval", b, p, "--now", now, "-f", "json"]);
    assert_eq!(code, Some(1));
    let v_eval = canonical(&serde_json::from_str::<serde_json::Value>(&out).unwrap()[0]);

    // 3. The library call.
    let report: bulwark_report::Report =
        serde_json::from_str(&std::fs::read_to_string(&plain_path).unwrap()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let loaded = Bundle::load(b, &LoadOptions::new(cache.path())).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let v_lib = bulwark_policy::evaluate_with(
        &loaded,
        &Subject::report(&report),
        Stage::Build,
        Instant::parse(now).unwrap(),
        &[],
    )
    .to_json();

    assert_eq!(v_scan, v_eval);
    assert_eq!(v_scan, v_lib);
    // And it is the verdict the rules give: root fails, musl warns, no secret.
    let v: serde_json::Value = serde_json::from_str(&v_lib).unwrap();
    let outcome = |rule: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule"] == rule)
            .unwrap()["outcome"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(outcome("no-root-user"), "fail");
    assert_eq!(outcome("no-musl"), "fail");
    assert_eq!(outcome("no-critical-secrets"), "pass");
}

const K8S_RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: manifests}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
  - id: pss-restricted
    stages: {deploy: warn}
    kubernetes: {controls: ['pss:restricted']}
";

const MANIFESTS: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: web
    image: nginx:1.25
    securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example.com/api:2.0
";

/// A ValidatingAdmissionPolicy (CEL) that denies Deployments without an `owner` label.
const VAP: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: owner-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: has(object.metadata.labels) && 'owner' in object.metadata.labels
    message: deployments need an owner label
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: owner-label}
spec: {policyName: owner-label, validationActions: [Deny]}
";

/// A Gatekeeper template (Rego) and constraint that warn about images from outside registry.example.com.
const GATEKEEPER: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sallowedregistry}
spec:
  crd: {spec: {names: {kind: K8sAllowedRegistry}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8sallowedregistry
      violation[{"msg": msg}] {
        c := input.review.object.spec.containers[_]
        not startswith(c.image, input.parameters.registry)
        msg := sprintf("image %v is not from %v", [c.image, input.parameters.registry])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRegistry
metadata: {name: only-example-registry}
spec:
  enforcementAction: warn
  match: {kinds: [{apiGroups: [""], kinds: ["Pod"]}]}
  parameters: {registry: "registry.example.com/"}
"#;

#[test]
fn scan_k8s_policy_eval_and_the_library_give_byte_identical_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), K8S_RULES).unwrap();
    std::fs::write(bundle.join("vap.yaml"), VAP).unwrap();
    std::fs::write(bundle.join("gatekeeper.yaml"), GATEKEEPER).unwrap();
    let b = bundle.to_str().unwrap();
    let manifests = dir.path().join("app.yaml");
    std::fs::write(&manifests, MANIFESTS).unwrap();
    let m = manifests.to_str().unwrap();
    let now = "2026-12-01T00:00:00Z";

    let out_path = dir.path().join("scan.json");
    let o = out_path.to_str().unwrap();
    let (code, _) = run(&[
        "scan", "k8s", m, "--policy", b, "--stage", "deploy", "--now", now, "-f", "json", "-o", o,
    ]);
    assert_eq!(code, Some(1));
    let scanned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let v_scan = canonical(&scanned["verdict"]);

    let (code, out) = run(&[
        "policy", "eval", b, m, "--stage", "deploy", "--now", now, "-f", "json",
    ]);
    assert_eq!(code, Some(1));
    let v_eval = canonical(&serde_json::from_str::<serde_json::Value>(&out).unwrap()[0]);
    assert_eq!(v_scan, v_eval);

    // The library: the findings of `scan k8s` without a policy, and the objects as the Kubernetes loader reads
    // them.
    let plain_path = dir.path().join("plain.json");
    run(&[
        "scan",
        "k8s",
        m,
        "-f",
        "json",
        "-o",
        plain_path.to_str().unwrap(),
    ]);
    let mut report: bulwark_report::Report =
        serde_json::from_str(&std::fs::read_to_string(&plain_path).unwrap()).unwrap();
    report.verdict = None;
    let opts = bulwark_k8s::ScanOptions::default();
    let loaded = bulwark_k8s::load(&[bulwark_k8s::Input::Path(manifests.clone())], &opts).unwrap();
    let checker = loaded.checker(&opts);
    let cache = tempfile::tempdir().unwrap();
    let policy = Bundle::load(b, &LoadOptions::new(cache.path())).unwrap();
    assert!(policy.warnings.is_empty(), "{:?}", policy.warnings);
    let engines = bulwark_policy_engines::Engines::new(&policy).unwrap();
    let v_lib = bulwark_policy::evaluate_objects(
        &policy,
        &report,
        checker.object_values().map(|(_, o)| o),
        Stage::Deploy,
        Instant::parse(now).unwrap(),
        &engines.as_dyn(),
    )
    .to_json();
    assert_eq!(v_scan, v_lib);

    let v: serde_json::Value = serde_json::from_str(&v_lib).unwrap();
    assert_eq!(v["decision"], "fail");
    let privileged = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "no-privileged")
        .unwrap();
    assert_eq!(privileged["outcome"], "fail");
    assert_eq!(privileged["hits"][0]["resource"], "Pod/shop/web");
    // The CEL policy: the Deployment has no owner label (Deny: fail). The Pod is not a Deployment.
    let result = |rule: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule}: {v}"))
            .clone()
    };
    let owner = result("owner-label");
    assert_eq!(
        (&owner["engine"], &owner["action"], &owner["outcome"]),
        (&"cel".into(), &"fail".into(), &"fail".into())
    );
    assert_eq!(owner["hits"].as_array().unwrap().len(), 1);
    assert_eq!(owner["hits"][0]["resource"], "Deployment/shop/api");
    // The Gatekeeper constraint (Rego): nginx:1.25 is not from registry.example.com (warn); it matches Pods
    // only, so the Deployment's registry.example.com image is not judged.
    let registry = result("only-example-registry");
    assert_eq!(
        (&registry["action"], &registry["outcome"]),
        (&"warn".into(), &"fail".into())
    );
    assert_eq!(registry["hits"].as_array().unwrap().len(), 1, "{registry}");
    assert_eq!(registry["hits"][0]["resource"], "Pod/shop/web");
    assert!(
        registry["hits"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nginx:1.25")
    );

    // A bundle without lifecycle rules: `policy eval` skips the built-in checks (nothing reads their
    // findings), and the verdict is still the scan's.
    let cel_only = dir.path().join("cel-only");
    std::fs::create_dir(&cel_only).unwrap();
    std::fs::write(cel_only.join("vap.yaml"), VAP).unwrap();
    let cel_bundle = cel_only.to_str().unwrap();
    let (code, _) = run(&[
        "scan", "k8s", m, "--policy", cel_bundle, "--stage", "deploy", "--now", now, "-f", "json",
        "-o", o,
    ]);
    assert_eq!(code, Some(1));
    let scanned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    let (code, out) = run(&[
        "policy", "eval", cel_bundle, m, "--stage", "deploy", "--now", now, "-f", "json",
    ]);
    assert_eq!(code, Some(1));
    let evaluated: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(canonical(&scanned["verdict"]), canonical(&evaluated[0]));
}

/// `policy vex`: the corpus case where the openssl exception (valid through 2026-12-31) accepts CVE-2024-0001
/// in the image; the expired lodash waiver is not exported. The document is read back by the scanner's own
/// OpenVEX reader (`--vex`).
#[test]
fn policy_vex_exports_the_accepted_vulnerabilities_and_not_the_expired_ones() {
    let root = corpus();
    let bundle = root.join("bundles/vulns-excepted");
    let input = root.join("inputs/image-vulns.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("accepted.vex.json");
    let args = |now: &'static str| {
        vec![
            "policy".to_string(),
            "vex".into(),
            bundle.display().to_string(),
            input.display().to_string(),
            "--now".into(),
            now.into(),
            "-o".into(),
            out.display().to_string(),
        ]
    };
    let a = args("2026-12-01");
    let (code, _) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    let st = doc["statements"].as_array().unwrap();
    assert_eq!(st.len(), 1, "{doc}");
    assert_eq!(st[0]["vulnerability"]["name"], "CVE-2024-0001");
    assert_eq!(st[0]["status"], "not_affected");
    assert_eq!(
        st[0]["products"][0]["subcomponents"][0]["@id"],
        "pkg:deb/debian/openssl@3.0.11-1"
    );
    let vex = bulwark_evaluate::load_vex(&out).expect("the scanner reads it");
    drop(vex);

    // Past the openssl exception's expiry nothing is accepted: no document, said on stderr, exit 0.
    std::fs::remove_file(&out).unwrap();
    let a = args("2027-01-15");
    let o = common::bulwark(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0));
    assert!(!out.exists());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no VEX document written"));
}

/// Conftest-style Rego over a Dockerfile (conftest's instruction list: `Cmd` in lower case, `FROM`'s words in
/// `Value`): an unpinned base image is denied, a pinned one passes.
#[test]
fn policy_eval_judges_a_dockerfile_with_conftest_rules() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(
        bundle.join("dockerfile.rego"),
        "package main

deny contains msg if {
  some i
  input[i].Cmd == \"from\"
  image := input[i].Value[0]
  endswith(image, \":latest\")
  msg := sprintf(\"base image %s is not pinned\", [image])
}
",
    )
    .unwrap();
    let b = bundle.to_str().unwrap();
    let dockerfile = dir.path().join("Dockerfile");
    std::fs::write(
        &dockerfile,
        "FROM alpine:latest AS build\nRUN apk add curl\nUSER 1000\n",
    )
    .unwrap();
    let d = dockerfile.to_str().unwrap();
    let (code, out) = run(&["policy", "eval", b, d, "-f", "json"]);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["subject"]["kind"], "dockerfile");
    assert_eq!(v[0]["results"][0]["rule"], "main.deny");
    assert_eq!(v[0]["results"][0]["outcome"], "fail");
    assert_eq!(
        v[0]["results"][0]["hits"][0]["message"],
        "base image alpine:latest is not pinned"
    );
    std::fs::write(&dockerfile, "FROM alpine:3.20\nUSER 1000\n").unwrap();
    let (code, out) = run(&["policy", "eval", b, d, "-f", "json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["results"][0]["outcome"], "pass");
}

/// Hostile or wrong inputs to `policy eval`: a clear error naming the input, exit 2, no panic.
#[test]
fn policy_eval_refuses_what_it_cannot_judge_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = corpus().join("bundles/vulns");
    let b = bundle.to_str().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("broken.json", b"{\"report\": ", "not JSON"),
        ("list.json", b"[1, 2]", "a JSON object was expected"),
        (
            "other.json",
            b"{\"hello\": 1}",
            "not a Kubernetes manifest, a Bulwark JSON report",
        ),
        (
            "subject.json",
            b"{\"report\": {\"schemaVersion\": \"x\"}}",
            "not a valid subject document",
        ),
        ("Dockerfile", b"\xff\xfe\x00FROM", "not UTF-8"),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let o = common::bulwark(&["policy", "eval", b, path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("cannot judge {}", path.display())),
            "{name}: {err}"
        );
        assert!(err.contains(message), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let o = common::bulwark(&["policy", "eval", b, "/nonexistent/report.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/report.json"));
}
