use std::collections::BTreeSet;

use bulwark_types::{Finding, FindingKind, LayerRef, Location, Severity};

use super::*;

/// Every rule id `bulwark rule` lists (the same registries `crates/bulwark/src/cmd/rule.rs` gathers).
fn rule_ids() -> BTreeSet<String> {
    let mut all = bulwark_k8s::rule_docs();
    all.extend(bulwark_imagecheck::rule_docs());
    all.extend(bulwark_secrets::rule_docs());
    all.extend(bulwark_license::rule_docs());
    all.extend(bulwark_malware::rule_docs());
    all.into_iter().map(|d| d.id.to_owned()).collect()
}

#[test]
fn every_control_cites_its_source_and_says_how_to_fix_it() {
    let fws = frameworks().unwrap();
    assert_eq!(fws.len(), 5);
    let known = rule_ids();
    let mut problems = Vec::new();
    for fw in &fws {
        assert!(!fw.edition.trim().is_empty(), "{}", fw.id);
        let mut seen = BTreeSet::new();
        for c in &fw.controls {
            let at = format!("{} {}", fw.id, c.id);
            if !seen.insert(c.id.clone()) {
                problems.push(format!("{at}: the control id repeats"));
            }
            if c.title.trim().is_empty() {
                problems.push(format!("{at}: no title"));
            }
            if c.source.trim().is_empty() {
                problems.push(format!("{at}: no source"));
            }
            // A few concrete sentences, not a placeholder.
            if c.remediation.trim().len() < 40 {
                problems.push(format!("{at}: remediation too short"));
            }
            for s in &c.evidence {
                if s.scanner().is_none() {
                    problems.push(format!("{at}: a selector reads no scanner: {s:?}"));
                }
                if let Some(k) = &s.kind
                    && !KINDS.contains(&k.as_str())
                {
                    problems.push(format!("{at}: unknown kind {k}"));
                }
                for r in &s.rules {
                    // Planned families (runtime, DAST) may only be named by glob. The node benchmark's ids come
                    // from kube-bench's check files at run time, so they are not in a registry here: bulwark-node's
                    // tests/output_compliance.rs checks each against kube-bench's cfg.
                    if rule_scanner(r) == Some(Scanner::Node) {
                        continue;
                    }
                    let planned = matches!(
                        rule_scanner(r),
                        Some(Scanner::Runtime | Scanner::Dast | Scanner::Node)
                    );
                    if r.contains('*') {
                        if !planned && !known.iter().any(|k| glob(r, k)) {
                            problems.push(format!("{at}: {r} matches no rule"));
                        }
                    } else if !known.contains(r) {
                        problems.push(format!("{at}: rule {r} does not exist"));
                    }
                }
                if s.mapped.is_some() && s.mapped_rules().is_empty() {
                    problems.push(format!(
                        "{at}: {} maps no Kubernetes rule",
                        s.mapped.as_deref().unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Each framework's source names its own edition (`PCI DSS v4.0 Req.`, `NIST SP 800-190 §`, `45 CFR 164.3…`).
#[test]
fn sources_name_the_framework_section() {
    for (fw, prefix) in [
        ("pci-dss-4.0", "PCI DSS v4.0 Req. "),
        ("nist-800-190", "NIST SP 800-190 §"),
        ("hipaa", "45 CFR 164.3"),
        ("cis-kubernetes", "CIS Kubernetes Benchmark v1.9.0 §"),
        ("nsa-cisa", "NSA/CISA Kubernetes Hardening Guide v1.2, "),
    ] {
        for c in framework(fw).unwrap().controls {
            assert!(c.source.starts_with(prefix), "{fw} {}: {}", c.id, c.source);
            if fw != "nsa-cisa" {
                assert!(
                    c.source.ends_with(&c.id),
                    "{fw}: {} cites {}",
                    c.id,
                    c.source
                );
            }
        }
    }
    // HIPAA: only the three safeguard sections the brief names.
    for c in framework("hipaa").unwrap().controls {
        assert!(
            ["164.308(", "164.310(", "164.312("]
                .iter()
                .any(|s| c.id.starts_with(s)),
            "{}",
            c.id
        );
    }
}

/// Every control a Kubernetes rule maps to (its `frameworks` property) is a control of the framework, with that
/// rule among its evidence: the rules' mappings are reused, not dropped.
#[test]
fn every_k8s_rule_mapping_lands_on_a_control() {
    type Mapping = fn(&bulwark_k8s::rule::RuleMeta) -> &'static [&'static str];
    let cases: [(&str, &str, Mapping); 4] = [
        ("cis-kubernetes", "cis", |m| m.cis),
        ("pci-dss-4.0", "pci-dss", |m| m.pci),
        ("nist-800-190", "nist-800-190", |m| m.nist),
        ("nsa-cisa", "nsa", |m| m.nsa),
    ];
    let mut missing = Vec::new();
    for (fw, _key, get) in cases {
        let f = framework(fw).unwrap();
        for r in bulwark_k8s::RULES {
            let m = r.meta();
            for mapping in get(m) {
                let covered = f.controls.iter().any(|c| {
                    c.evidence
                        .iter()
                        .any(|s| s.mapped.is_some() && s.mapped_rules().contains(&m.id))
                });
                if !covered {
                    missing.push(format!("{fw}: {} → {mapping}", m.id));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

fn finding(kind: FindingKind, id: &str, sev: Severity) -> Finding {
    Finding {
        kind,
        id: id.to_owned().into(),
        name: None,
        severity: sev,
        title: format!("title of {id}").into(),
        message: "".into(),
        location: Location::default(),
        evidence: None,
        references: vec![],
        properties: std::collections::BTreeMap::new(),
        shared_properties: None,
    }
}

fn vuln(id: &str, sev: Severity, fixed: Option<&str>, kev: bool) -> Finding {
    let mut f = finding(FindingKind::Vulnerability, id, sev);
    if let Some(v) = fixed {
        f.properties.insert("fixedVersion".into(), v.into());
    }
    f.properties.insert("kev".into(), kev.into());
    f.properties.insert("packageName".into(), "openssl".into());
    f.properties
        .insert("installedVersion".into(), "3.0.1".into());
    f.location.layer = Some(Box::new(LayerRef {
        index: 2,
        digest: Some(format!("sha256:{}", "ab".repeat(32)).into()),
        diff_id: None,
        created_by: None,
    }));
    f
}

fn status(r: &ComplianceReport, id: &str) -> Status {
    r.controls.iter().find(|c| c.id == id).unwrap().status
}

/// PCI DSS v4.0 Req. 6.3.3: critical or high-security patches within one month. A HIGH vulnerability with a
/// fixed version fails it; the same vulnerability without a fix (no patch released) and a MEDIUM one with a
/// fix do not.
#[test]
fn pci_633_follows_the_requirement() {
    let pci = framework("pci-dss-4.0").unwrap();
    let vs = [Scanner::Vulnerabilities];
    let eval = |f: &[Finding]| {
        evaluate(
            &pci,
            &[Source {
                label: "img",
                scanners: &vs,
                findings: f,
            }],
        )
    };
    let r = eval(&[vuln("CVE-1", Severity::High, Some("3.0.2"), false)]);
    assert_eq!(status(&r, "6.3.3"), Status::Fail);
    let c = r.controls.iter().find(|c| c.id == "6.3.3").unwrap();
    assert_eq!(c.evidence[0].package.as_deref(), Some("openssl@3.0.1"));
    assert_eq!(c.evidence[0].fixed_version.as_deref(), Some("3.0.2"));
    assert_eq!(
        c.evidence[0].layer.as_deref(),
        Some("2 (sha256:abababababab)")
    );
    assert!(r.failed());
    let r = eval(&[
        vuln("CVE-2", Severity::High, None, false),
        vuln("CVE-3", Severity::Medium, Some("1"), false),
    ]);
    assert_eq!(status(&r, "6.3.3"), Status::Pass);
    // KEV with a fix fails whatever its severity band.
    let r = eval(&[vuln("CVE-4", Severity::Medium, Some("1"), true)]);
    assert_eq!(status(&r, "6.3.3"), Status::Fail);
    // Manual controls stay manual; controls of scanners that did not run are not passed silently.
    assert_eq!(status(&r, "6.3.1"), Status::Manual);
    assert_eq!(status(&r, "2.2.1"), Status::NotAssessed);
    assert_eq!(status(&r, "5.2.2"), Status::NotAssessed);
    let t = r.totals;
    assert_eq!(t.pass + t.fail + t.manual + t.not_assessed, t.controls);
    assert_eq!(t.controls, pci.controls.len());
}

#[test]
fn k8s_mapping_and_other_kinds() {
    let pci = framework("pci-dss-4.0").unwrap();
    let mut priv_pod = finding(FindingKind::Misconfiguration, "BW-K8S-0002", Severity::High);
    priv_pod.location = Location::file("deploy.yaml").with_line(18, None);
    priv_pod.location.resource = Some("Deployment/shop/web".into());
    let secret = finding(FindingKind::Secret, "aws-access-key-id", Severity::Critical);
    let all = [
        Scanner::Kubernetes,
        Scanner::Secrets,
        Scanner::Malware,
        Scanner::ImageConfig,
    ];
    let f = [priv_pod, secret];
    let r = evaluate(
        &pci,
        &[Source {
            label: "manifests",
            scanners: &all,
            findings: &f,
        }],
    );
    assert_eq!(status(&r, "2.2.1"), Status::Fail);
    let c = r.controls.iter().find(|c| c.id == "2.2.1").unwrap();
    assert_eq!(c.evidence[0].object.as_deref(), Some("Deployment/shop/web"));
    assert_eq!(c.evidence[0].file.as_deref(), Some("deploy.yaml:18"));
    assert_eq!(status(&r, "8.6.2"), Status::Fail);
    assert_eq!(status(&r, "5.2.2"), Status::Pass);
    assert_eq!(status(&r, "7.2.2"), Status::Pass);
    assert_eq!(status(&r, "6.3.3"), Status::NotAssessed);
    assert_eq!(status(&r, "11.5.1"), Status::NotAssessed);
}

#[test]
fn globs() {
    assert!(glob("BW-DF-*", "BW-DF-0001"));
    assert!(glob("bw-df-0001", "BW-DF-0001"));
    assert!(glob("*", ""));
    assert!(glob("a*b*c", "aXXbYYc"));
    assert!(!glob("a*b*c", "aXXbYY"));
    assert!(!glob("BW-DF-*", "BW-IMG-0001"));
}

#[test]
fn unknown_framework_names_the_known_ones() {
    let e = framework("sox").unwrap_err().to_string();
    assert!(e.contains("pci-dss-4.0") && e.contains("hipaa"), "{e}");
}

/// Sections 1-4 are assessed by the node benchmark: a FAIL finding of one check fails that control only, the
/// other evidenced controls of sections 1-4 pass when the node scanner ran, kube-bench's manual checks stay manual,
/// and section 5 is not assessed by a node run.
#[test]
fn node_findings_assess_sections_1_to_4() {
    let cis = framework("cis-kubernetes").unwrap();
    let mut f = finding(
        FindingKind::Misconfiguration,
        "BW-NODE-cis-1.9-1.2.15",
        Severity::Medium,
    );
    f.location.resource = Some("Node/cp-1".into());
    let node = [Scanner::Node];
    let kubelet = finding(
        FindingKind::Misconfiguration,
        "BW-NODE-cis-1.9-4.2.1",
        Severity::Low,
    );
    let fs = [f, kubelet];
    let r = evaluate(
        &cis,
        &[Source {
            label: "node cp-1",
            scanners: &node,
            findings: &fs,
        }],
    );
    assert_eq!(status(&r, "1.2.15"), Status::Fail);
    let c = r.controls.iter().find(|c| c.id == "1.2.15").unwrap();
    assert_eq!(c.evidence[0].object.as_deref(), Some("Node/cp-1"));
    assert_eq!(c.scanners, [Scanner::Node]);
    assert_eq!(status(&r, "4.2.1"), Status::Fail);
    // The globs are anchored: 1.2.1 is not matched by 1.2.15's id, nor 2.1 by 4.2.1's.
    assert_eq!(status(&r, "1.2.1"), Status::Pass);
    assert_eq!(status(&r, "1.1.1"), Status::Pass);
    assert_eq!(status(&r, "2.1"), Status::Pass);
    for manual in ["1.2.20", "3.1.1", "3.1.2", "3.1.3", "3.2.2"] {
        assert_eq!(status(&r, manual), Status::Manual, "{manual}");
    }
    assert_eq!(status(&r, "5.2.2"), Status::NotAssessed);
    let sections_1_4 = r
        .controls
        .iter()
        .filter(|c| !c.id.starts_with("5."))
        .count();
    assert_eq!(sections_1_4, 95);
}
