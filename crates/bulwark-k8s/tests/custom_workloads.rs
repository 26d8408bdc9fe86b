//! Objects with a pod template that are not built-in kinds (OpenShift `DeploymentConfig`, Argo `Rollout`, Knative
//! `Service`, any custom resource with `spec.template.spec` or `spec.jobTemplate.spec.template.spec`) get every
//! workload rule; other custom resources that hold a pod spec get a warning instead of silence.
//!
//! The truth for the wrapped kinds is the Pod: every rule case written as a Pod (each checked against the spec
//! text quoted in its case file) is wrapped in each template shape, and must produce the same findings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bulwark_k8s::rule::Targets;
use bulwark_k8s::rules::RULE_DIRS;
use bulwark_k8s::{ScanOptions, pss, rule_by_id_or_name, scan_bytes};
use bulwark_types::DiagnosticLevel;

/// `(apiVersion, kind, path of the pod template)`, from each project's documentation:
/// - OpenShift `DeploymentConfig`: `spec.template` is a pod template (OpenShift docs, "Understanding deployments");
/// - Argo Rollouts `Rollout`: "spec.template: Template describes the pods that will be created" (Rollout spec);
/// - Knative Serving `Service`: `spec.template.spec.containers` (Knative docs, "Creating a Service");
/// - any custom resource shaped like a CronJob: `spec.jobTemplate.spec.template`.
const SHAPES: &[(&str, &str, &[&str])] = &[
    (
        "apps.openshift.io/v1",
        "DeploymentConfig",
        &["spec", "template"],
    ),
    ("argoproj.io/v1alpha1", "Rollout", &["spec", "template"]),
    ("serving.knative.dev/v1", "Service", &["spec", "template"]),
    ("example.com/v1", "Widget", &["spec", "template"]),
    (
        "batch.example.com/v1",
        "ScheduledWidget",
        &["spec", "jobTemplate", "spec", "template"],
    ),
];

/// Top-level blocks of a document: each starts at a line with no indentation (comments dropped).
fn blocks(doc: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in doc.lines() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        if !l.starts_with(' ') && !l.starts_with('-') {
            let key = l.split(':').next().unwrap_or_default().to_string();
            out.push((key, format!("{l}\n")));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(l);
            last.1.push('\n');
        }
    }
    out
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for l in s.lines() {
        out.push_str(&pad);
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Rewrites every `kind: Pod` document into the shape, keeping the other documents as they are.
fn wrap(text: &str, (api, kind, path): (&str, &str, &[&str])) -> String {
    let mut out = Vec::new();
    for doc in text.split("\n---") {
        let b = blocks(doc);
        if !b
            .iter()
            .any(|(k, v)| k == "kind" && v.trim() == "kind: Pod")
        {
            out.push(doc.to_string());
            continue;
        }
        let get = |key: &str| b.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let meta = get("metadata").unwrap_or_else(|| "metadata: {name: case}\n".into());
        let mut s = format!("apiVersion: {api}\nkind: {kind}\n{meta}");
        let mut depth = 0;
        for k in path {
            s.push_str(&indent(&format!("{k}:"), depth));
            depth += 2;
        }
        s.push_str(&indent(&meta, depth));
        if let Some(spec) = get("spec") {
            s.push_str(&indent(&spec, depth));
        }
        out.push(s);
    }
    out.join("\n---\n")
}

fn workload_rule(id: &str) -> bool {
    matches!(
        rule_by_id_or_name(id).unwrap().meta().targets,
        Targets::Workloads | Targets::WorkloadsAnd(_)
    )
}

#[test]
fn every_workload_rule_applies_to_custom_workloads() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for (_, dir) in RULE_DIRS {
        let cases = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("src/rules")
            .join(dir)
            .join("cases");
        for f in std::fs::read_dir(cases).unwrap() {
            let f = f.unwrap().path();
            let text = std::fs::read_to_string(&f).unwrap();
            if !text.contains("kind: Pod\n") {
                continue;
            }
            let mut opts = ScanOptions::default();
            for l in text.lines() {
                if let Some(v) = l.strip_prefix("# pss-version:") {
                    opts.pss_version = pss::Version::parse(v).unwrap();
                }
            }
            let ids = |t: &str| {
                let r = scan_bytes("case.yaml", t.as_bytes(), &opts);
                let mut m: BTreeMap<String, usize> = BTreeMap::new();
                for x in r.findings.iter().filter(|x| workload_rule(&x.id)) {
                    *m.entry(x.id.to_string()).or_default() += 1;
                }
                (m, r.diagnostics)
            };
            let (want, _) = ids(&text);
            for shape in SHAPES {
                let wrapped = wrap(&text, *shape);
                let (got, diags) = ids(&wrapped);
                compared += 1;
                if got != want || !diags.is_empty() {
                    failures.push(format!(
                        "{} as {}: want {want:?}, got {got:?}, diagnostics {diags:?}\n{wrapped}",
                        f.display(),
                        shape.1
                    ));
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn knative_service_is_not_a_core_service() {
    // A Knative Service has no `spec.type` or `spec.selector`: core Service rules must not see it, and a core
    // Service must not be taken for a workload.
    let yaml = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello, namespace: web}\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/knative/helloworld-go:latest\n---\napiVersion: v1\nkind: Service\nmetadata: {name: core, namespace: web}\nspec:\n  type: NodePort\n  selector: {app: nothing}\n  ports:\n  - port: 80\n";
    let r = scan_bytes("ksvc.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.workloads.len(), 1);
    assert_eq!(r.workloads[0].resource, "Service/web/hello");
    for f in &r.findings {
        let line = f.location.line.unwrap();
        if workload_rule(&f.id) {
            assert!(line < 9, "{f:?}");
        } else if f.id != "BW-K8S-0048" {
            assert!(
                line >= 9,
                "a core Service rule ran on the Knative Service: {f:?}"
            );
        }
    }
    assert!(
        r.findings
            .iter()
            .any(|f| f.name.as_deref() == Some("service-selector-matches-nothing")),
        "the core Service is still checked"
    );
}

#[test]
fn template_without_containers_is_not_a_workload() {
    // A custom resource's `spec.template.spec` that has no `containers` list is not a pod spec.
    let yaml = "apiVersion: example.com/v1\nkind: Composition\nmetadata: {name: c}\nspec:\n  template:\n    spec:\n      region: eu\n";
    let r = scan_bytes("c.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert!(r.findings.is_empty() && r.diagnostics.is_empty() && r.objects == 0);
}

#[test]
fn pod_spec_elsewhere_is_a_warning_naming_file_document_and_kind() {
    // KEDA's ScaledJob keeps its pod template at spec.jobTargetRef.template.spec (KEDA docs, "ScaledJob
    // specification"): not a path the model reads, so the scan says so instead of passing it silently.
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata:\n  name: rabbitmq-consumer\nspec:\n  jobTargetRef:\n    template:\n      spec:\n        containers:\n        - name: rabbitmq-client\n          image: tsicustomerdevacr.azurecr.io/rabbitmq-client:dev\n          securityContext: {privileged: true}\n";
    let r = scan_bytes("keda.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert!(
        r.findings.iter().all(|f| f.id != "BW-K8S-0002"),
        "{:?}",
        r.findings
    );
    assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    let d = &r.diagnostics[0];
    assert_eq!(d.level, DiagnosticLevel::Warning);
    assert_eq!(d.location.path.as_deref(), Some("keda.yaml"));
    assert_eq!(d.location.line, Some(13), "the containers: line");
    for part in [
        "document 2",
        "ScaledJob",
        "rabbitmq-consumer",
        "keda.sh/v1alpha1",
        "spec.jobTargetRef.template.spec.containers",
    ] {
        assert!(
            d.message.contains(part),
            "{part} missing from {}",
            d.message
        );
    }
    // In a List, the item is named too.
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: example.com/v1\n  kind: Runner\n  metadata: {name: r}\n  spec:\n    pods:\n    - containers:\n      - image: busybox\n";
    let r = scan_bytes("list.yaml", list.as_bytes(), &ScanOptions::default());
    assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    assert!(
        r.diagnostics[0].message.contains("document 1, List item 2")
            && r.diagnostics[0].message.contains("spec.pods.0.containers"),
        "{}",
        r.diagnostics[0].message
    );
}

#[test]
fn custom_resource_definition_schema_is_not_a_pod_spec() {
    // A CRD's schema has a `containers` property whose value is a mapping, not a list of containers.
    let yaml = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n          containers:\n            type: array\n            items: {type: object}\n";
    let r = scan_bytes("crd.yaml", yaml.as_bytes(), &ScanOptions::default());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
}
