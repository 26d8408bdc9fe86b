//! The Helm chart's team switch and run stage (issue #20 items 2 and 4): `teams:` rendered into the `bulwark
//! serve` config file in the team config contract's shape, the webhooks covering every team namespace, the
//! server's API Service and `--api-tokens` Secret, the store (SQLite, the chart's PostgreSQL, an external one),
//! and the runtime DaemonSet as the one exception to Pod Security `restricted`.
//!
//! The tools are the real ones (`helm`, and `bulwark scan k8s` judging the renders); there is no API server
//! here, so the namespace selector is evaluated by Kubernetes' label-selector rules written out below
//! (k8s.io/apimachinery `labels.Selector`: `NotIn` matches when the key is absent or its value is not listed,
//! `DoesNotExist` when the key is absent; every namespace carries `kubernetes.io/metadata.name`).

mod common;

use common::server::Server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn helm(args: &[&str], values: Option<&str>) -> Output {
    let helm = bulwark_k8s::find_tool("helm").unwrap_or_else(|| {
        panic!("helm is missing (../shared/tools/install-peers.sh): run .ci/install-deps.sh")
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(helm);
    cmd.args(args).current_dir(repo());
    if let Some(v) = values {
        let f = dir.path().join("values.yaml");
        std::fs::write(&f, v).unwrap();
        cmd.arg("--values").arg(f);
    }
    cmd.output().expect("run helm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const TEMPLATE: &[&str] = &[
    "template",
    "bulwark",
    "deploy/helm/bulwark",
    "--namespace",
    "bulwark",
];

/// `helm template` with a values file; panics with helm's error when it fails.
fn render(values: &str) -> String {
    let out = helm(TEMPLATE, Some(values));
    assert!(
        out.status.success(),
        "helm template with\n{values}\n{}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `helm template` that must fail: its error.
fn refused(values: &str) -> String {
    let out = helm(TEMPLATE, Some(values));
    assert!(!out.status.success(), "rendered:\n{values}");
    text(&out.stderr)
}

fn documents(yaml: &str) -> Vec<Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn named<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name} rendered"))
}

/// The teams of the worked example (docs/teams.md) and the API tokens' Secret, without the store.
macro_rules! teams {
    () => {
        r#"
api:
  tokensSecret: bulwark-api-tokens
teams:
  - name: payments
    namespaces: [payments, "payments-*", "jx-payments-pr-*"]
    policyConfigMap: payments-policy
    tokens: [payments-ci]
    owners: [team-payments]
  - name: web
    namespaces: ["web-*"]
    policy: oci://registry.example/policies/web:3
    tokens: [web-ci, web-release]
"#
    };
}

/// [`teams!`] with the run stage on SQLite.
const TEAMS: &str = concat!(teams!(), "replicaCount: 1\nstore: {enabled: true}\n");

#[test]
fn helm_lint_passes_with_and_without_teams_postgres_and_runtime() {
    let cases: [(&str, &str); 6] = [
        ("default", ""),
        ("teams", TEAMS),
        (
            "postgres",
            "store: {enabled: true, postgres: {enabled: true}}\n",
        ),
        (
            "teams and postgres",
            concat!(
                teams!(),
                "replicaCount: 3\nstore: {enabled: true, postgres: {enabled: true}}\n"
            ),
        ),
        (
            "external store",
            "replicaCount: 2\nstore: {enabled: true, existingSecret: pg-url}\n",
        ),
        (
            "runtime",
            "runtimeWatch: {enabled: true, namespace: bulwark-runtime}\n\
             store: {enabled: true, postgres: {enabled: true}}\n",
        ),
    ];
    for (what, values) in cases {
        let out = helm(&["lint", "--strict", "deploy/helm/bulwark"], Some(values));
        assert!(
            out.status.success(),
            "{what}:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("0 chart(s) failed"), "{what}");
    }
    let sqlite_claim = render(
        "replicaCount: 1\nstore: {enabled: true, sqlite: {persistence: {enabled: true, size: 5Gi}}}\n",
    );
    let docs = documents(&sqlite_claim);
    let pvc = named(&docs, "PersistentVolumeClaim", "bulwark-data");
    assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "5Gi");
    // A ReadWriteOnce claim: the old pod must be gone before the new one mounts it.
    assert_eq!(
        named(&docs, "Deployment", "bulwark")["spec"]["strategy"]["type"],
        "Recreate"
    );
}

#[test]
fn bad_team_entries_are_refused_with_the_entry_named() {
    // values.schema.json: `helm lint` and `helm template` both refuse, naming the path.
    let schema: [(&str, &str); 6] = [
        (
            "teams: [{name: Payments, namespaces: [p], policy: x, tokens: []}]",
            "/teams/0/name",
        ),
        (
            "teams: [{name: p, namespaces: [p], tokens: []}]",
            "missing property 'policy'",
        ),
        (
            "teams: [{name: p, namespaces: [p], policy: x, policyConfigMap: cm, tokens: []}]",
            "/teams/0",
        ),
        (
            "teams: [{name: p, namespaces: [], policy: x, tokens: []}]",
            "/teams/0/namespaces",
        ),
        (
            "teams: [{name: p, namespaces: [p], policy: x, tokens: [], colour: red}]",
            "'colour' not allowed",
        ),
        (
            "teams: [{name: p, namespaces: [p], policy: x}]",
            "missing property 'tokens'",
        ),
    ];
    for (values, says) in schema {
        let err = refused(values);
        assert!(err.contains(says), "{values}: {err}");
        let out = helm(&["lint", "deploy/helm/bulwark"], Some(values));
        assert!(!out.status.success(), "helm lint passed {values}");
        assert!(text(&out.stdout).contains(says), "{}", text(&out.stdout));
    }
    // The templates: what the schema cannot see, each naming the entry.
    let ok = "{name: a, namespaces: [a], policy: x, tokens: []}";
    let templates: [(String, &str); 6] = [
        (
            format!("teams: [{ok}, {{name: a, namespaces: [b], policy: x, tokens: []}}]"),
            "teams[1] (a): the team name \"a\" is used twice",
        ),
        (
            format!("teams: [{ok}, {{name: b, namespaces: [a], policy: x, tokens: []}}]"),
            "teams[1] (b): namespace \"a\" is already a's",
        ),
        (
            "teams: [{name: infra, namespaces: [\"kube-*\"], policy: x, tokens: []}]".into(),
            "teams[0] (infra): namespace \"kube-*\" matches \"kube-system\", which the webhook never judges",
        ),
        (
            "webhook: {excludedNamespaces: [legacy]}\n\
             teams: [{name: old, namespaces: [\"leg?cy\"], policy: x, tokens: []}]"
                .into(),
            "teams[0] (old): namespace \"leg?cy\" matches \"legacy\"",
        ),
        (
            "teams: [{name: a, namespaces: [a], policy: x, tokens: [ci]}]".into(),
            "teams[0] (a): tokens need the REST API where reports are pushed: set store.enabled=true",
        ),
        (
            "replicaCount: 1\nstore: {enabled: true}\n\
             teams: [{name: a, namespaces: [a], policy: x, tokens: [ci]}]"
                .into(),
            "teams[0] (a): tokens name entries of the --api-tokens file: set api.tokensSecret",
        ),
    ];
    for (values, says) in &templates {
        let err = refused(values);
        assert!(err.contains(says), "{values}:\n{err}");
    }
    // A glob is a glob, not a regular expression: `ab?` is three characters, it does not match `ab`.
    render(
        "webhook: {excludedNamespaces: [ab]}\nteams: [{name: a, namespaces: [\"ab?\"], policy: x, tokens: []}]",
    );
    // The store: SQLite is one server's file.
    let err = refused("store: {enabled: true}\n");
    assert!(
        err.contains("SQLite is one server's file, but replicaCount is 2"),
        "{err}"
    );
    let err = refused("store: {enabled: true, existingSecret: u, postgres: {enabled: true}}\n");
    assert!(err.contains("not both"), "{err}");
}

/// The config file of a render: the `bulwark.yaml` key of the ConfigMap the Deployment mounts where
/// `--config` reads it.
fn rendered_config(docs: &[Value]) -> (String, String) {
    let deploy = named(docs, "Deployment", "bulwark");
    let pod = &deploy["spec"]["template"]["spec"];
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let path = args
        .iter()
        .find_map(|a| a.strip_prefix("--config="))
        .expect("--config in the arguments");
    let (dir, file) = path.rsplit_once('/').unwrap();
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == dir)
        .unwrap_or_else(|| panic!("nothing mounted at {dir}"));
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    let cm = volume["configMap"]["name"].as_str().unwrap();
    let text = named(docs, "ConfigMap", cm)["data"][file]
        .as_str()
        .unwrap_or_else(|| panic!("ConfigMap {cm} has no key {file}"))
        .to_owned();
    (path.to_owned(), text)
}

#[test]
fn teams_render_into_the_config_file_in_the_contracts_shape() {
    let docs = documents(&render(TEAMS));
    let (path, config) = rendered_config(&docs);
    assert_eq!(path, "/etc/bulwark/config/bulwark.yaml");
    let parsed: Value = serde_yaml::from_str(&config).unwrap();
    // The contract (docs/teams.md, the session's team config contract): exactly these keys, `owners` only when
    // given, `policy` the source `--policy` takes: the OCI reference as written, or the directory the team's
    // ConfigMap is mounted at.
    let expected = json!({
        "teams": [
            {
                "name": "payments",
                "namespaces": ["payments", "payments-*", "jx-payments-pr-*"],
                "policy": "/etc/bulwark/teams/payments",
                "tokens": ["payments-ci"],
                "owners": ["team-payments"],
            },
            {
                "name": "web",
                "namespaces": ["web-*"],
                "policy": "oci://registry.example/policies/web:3",
                "tokens": ["web-ci", "web-release"],
            },
        ]
    });
    assert_eq!(parsed, expected, "{config}");
    // The payments bundle directory is the whole ConfigMap payments-policy (updated in place, no subPath).
    let pod = &named(&docs, "Deployment", "bulwark")["spec"]["template"]["spec"];
    let mount = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/etc/bulwark/teams/payments")
        .expect("the payments bundle mounted");
    assert!(mount.get("subPath").is_none());
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    assert_eq!(volume["configMap"], json!({"name": "payments-policy"}));
    // The API: tokens from the Secret, its own Service onto the same pods and port.
    let args = pod["containers"][0]["args"].as_array().unwrap();
    assert!(args.contains(&json!("--api-tokens=/etc/bulwark/api-tokens/tokens.yaml")));
    assert!(args.contains(&json!("--store=sqlite:/var/lib/bulwark/bulwark.db")));
    let tokens = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "api-tokens")
        .unwrap();
    assert_eq!(tokens["secret"]["secretName"], "bulwark-api-tokens");
    let api = named(&docs, "Service", "bulwark-api");
    assert_eq!(api["spec"]["ports"][0]["targetPort"], "https");
    assert_eq!(
        api["spec"]["selector"],
        named(&docs, "Deployment", "bulwark")["spec"]["selector"]["matchLabels"]
    );
    // A changed team list rolls the pods; no teams, no config file.
    let annotations =
        &named(&docs, "Deployment", "bulwark")["spec"]["template"]["metadata"]["annotations"];
    assert!(annotations["checksum/config"].is_string(), "{annotations}");
    let plain = documents(&render(""));
    assert!(
        !plain
            .iter()
            .any(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "bulwark-config")
    );
    let plain_args = &named(&plain, "Deployment", "bulwark")["spec"]["template"]["spec"]["containers"]
        [0]["args"];
    assert!(
        !plain_args
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("--config")
                || a.as_str().unwrap().starts_with("--store")),
        "{plain_args}"
    );
}

/// Kubernetes' label selector (`matchLabels` and `matchExpressions`) over a namespace's labels.
fn selects(selector: &Value, labels: &BTreeMap<&str, &str>) -> bool {
    let empty = serde_json::Map::new();
    let match_labels = selector["matchLabels"].as_object().unwrap_or(&empty);
    if !match_labels
        .iter()
        .all(|(k, v)| labels.get(k.as_str()).copied() == v.as_str())
    {
        return false;
    }
    selector["matchExpressions"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .all(|e| {
            let key = e["key"].as_str().unwrap();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let value = labels.get(key).copied();
            match e["operator"].as_str().unwrap() {
                "In" => value.is_some_and(|v| values.contains(&v)),
                "NotIn" => value.is_none_or(|v| !values.contains(&v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                op => panic!("unknown operator {op}"),
            }
        })
}

#[test]
fn both_webhooks_cover_every_team_namespace_with_no_per_team_change() {
    let values = format!(
        "{TEAMS}\nmutatingWebhook: {{enabled: true}}\nwebhook: {{excludedNamespaces: [legacy]}}\n"
    );
    let docs = documents(&render(&values));
    let webhooks: Vec<&Value> = [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ]
    .iter()
    .map(|k| &named(&docs, k, "bulwark")["webhooks"][0])
    .collect();
    let ns = |name: &'static str| BTreeMap::from([("kubernetes.io/metadata.name", name)]);
    // Namespaces of the teams, including ones created after the install (a preview per pull request).
    for name in [
        "payments",
        "payments-checkout",
        "jx-payments-pr-42",
        "web-frontend",
        "sandbox",
    ] {
        for w in &webhooks {
            assert!(
                selects(&w["namespaceSelector"], &ns(name)),
                "{} does not send {name}",
                w["name"]
            );
        }
    }
    // And not the ones that must never wait on the webhook, nor an opted-out one.
    for name in ["kube-system", "kube-public", "bulwark", "legacy"] {
        for w in &webhooks {
            assert!(!selects(&w["namespaceSelector"], &ns(name)), "{name}");
        }
    }
    let mut ignored = ns("payments-old");
    ignored.insert("bulwark.dev/ignore", "true");
    assert!(!selects(&webhooks[0]["namespaceSelector"], &ignored));
    // The selector is the same with or without teams: the switch needs no webhook change.
    let plain = documents(&render(
        "mutatingWebhook: {enabled: true}\nwebhook: {excludedNamespaces: [legacy]}\n",
    ));
    assert_eq!(
        named(&plain, "ValidatingWebhookConfiguration", "bulwark")["webhooks"][0]["namespaceSelector"],
        webhooks[0]["namespaceSelector"]
    );
    // The rescans cover every namespace too: the server watches the whole cluster (read-only, no Secrets).
    let deploy = named(&docs, "Deployment", "bulwark");
    let pod = &deploy["spec"]["template"]["spec"];
    assert!(
        pod["containers"][0]["args"]
            .as_array()
            .unwrap()
            .contains(&json!("--in-cluster"))
    );
    assert_eq!(pod["automountServiceAccountToken"], true);
    let role = named(&docs, "ClusterRole", "bulwark");
    let rules = role["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| {
        r["resources"]
            .as_array()
            .unwrap()
            .contains(&json!("namespaces"))
    }));
    for r in rules {
        assert_eq!(r["verbs"], json!(["get", "list", "watch"]));
        for res in r["resources"].as_array().unwrap() {
            assert!(res != "secrets" && res != "configmaps", "{r}");
        }
    }
}

/// `bulwark scan k8s --compliance pss-restricted -f json FILE`: (exit code, the failed controls).
fn pss(yaml: &str) -> (Option<i32>, Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("render.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "scan",
            "k8s",
            "-f",
            "json",
            "--compliance",
            "pss-restricted",
            "--skip-secrets",
            "--fail-on",
            "critical",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let failed = report["compliance"]["controls"]
        .as_array()
        .unwrap_or_else(|| panic!("no compliance controls: {report:#}"))
        .iter()
        .filter(|c| c["failed"] != json!(false))
        .cloned()
        .collect();
    (out.status.code(), failed, report)
}

#[test]
fn bulwark_on_bulwark_the_renders_pass_pss_restricted() {
    for (what, values) in [
        ("default", String::new()),
        (
            "postgres",
            "replicaCount: 2\nstore: {enabled: true, postgres: {enabled: true}}\n".to_owned(),
        ),
        ("teams on sqlite", TEAMS.to_owned()),
        (
            "sqlite on a claim",
            "replicaCount: 1\nstore: {enabled: true, sqlite: {persistence: {enabled: true}}}\n"
                .to_owned(),
        ),
    ] {
        let yaml = render(&values);
        let (code, failed, report) = pss(&yaml);
        assert!(failed.is_empty(), "{what}: failed controls {failed:#?}");
        assert_eq!(report["compliance"]["failed"], json!(0), "{what}");
        assert!(
            report["compliance"]["passed"].as_u64().unwrap() > 0,
            "{what}"
        );
        assert_eq!(code, Some(0), "{what}: {report:#}");
    }
    // The PostgreSQL render really holds the store: a StatefulSet judged like the server.
    let docs = documents(&render(
        "replicaCount: 2\nstore: {enabled: true, postgres: {enabled: true}}\n",
    ));
    let sts = named(&docs, "StatefulSet", "bulwark-postgres");
    let c = &sts["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    let env = c["env"].as_array().unwrap();
    assert!(env.iter().any(|e| e["name"] == "POSTGRES_PASSWORD"
        && e["valueFrom"]["secretKeyRef"]["name"] == "bulwark-postgres"));
    let server =
        &named(&docs, "Deployment", "bulwark")["spec"]["template"]["spec"]["containers"][0];
    let store = server["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "BULWARK_STORE")
        .expect("BULWARK_STORE from the Secret");
    assert_eq!(
        store["valueFrom"]["secretKeyRef"],
        json!({"name": "bulwark-postgres", "key": "url"})
    );
    // The URL in the Secret names the Service rendered for the StatefulSet, with the generated password.
    let secret = named(&docs, "Secret", "bulwark-postgres");
    let b64 = |k: &str| {
        use base64::Engine as _;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(secret["data"][k].as_str().unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    let password = b64("password");
    assert_eq!(password.len(), 32);
    assert_eq!(
        b64("url"),
        format!("postgres://bulwark:{password}@bulwark-postgres.bulwark.svc:5432/bulwark")
    );
    named(&docs, "Service", "bulwark-postgres");
    // The default rules (with cert-manager, so that no serving key is in the render): no high finding but the
    // credential the chart generates on purpose, where it belongs (the Secret the StatefulSet and the server
    // read it from).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.yaml");
    std::fs::write(
        &file,
        render("replicaCount: 2\ncertManager: {enabled: true}\nstore: {enabled: true, postgres: {enabled: true}}\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["scan", "k8s", "-f", "json", "--fail-on", "high"])
        .arg(&file)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let high: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")))
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default(),
                f["location"]["resource"].as_str().unwrap_or_default(),
                f["properties"]["field"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        high,
        [("secret", "Secret/bulwark/bulwark-postgres", "data.url")],
        "{report:#}"
    );
    assert!(
        !server["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("--store")),
        "the password never goes into the arguments"
    );
}

/// The rule ids the runtime DaemonSet's pod template declares it breaks (`bulwark.dev/ignore`).
const RUNTIME_EXCEPTION: [&str; 4] = ["BW-K8S-0001", "BW-K8S-0003", "BW-K8S-0015", "BW-K8S-0016"];

#[test]
fn the_runtime_daemonset_is_the_one_explicit_exception_to_pss_restricted() {
    let values = "runtimeWatch: {enabled: true, namespace: bulwark-runtime, createNamespace: true}\n\
                  replicaCount: 2\nstore: {enabled: true, postgres: {enabled: true}}\n";
    let yaml = render(values);
    let docs = documents(&yaml);
    let ds = named(&docs, "DaemonSet", "bulwark-runtime");
    assert_eq!(ds["metadata"]["namespace"], "bulwark-runtime");
    // Its namespace admits it (Pod Security `privileged`), the release namespace stays `restricted`.
    let ns = named(&docs, "Namespace", "bulwark-runtime");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    let pod = &ds["spec"]["template"]["spec"];
    // What it needs and nothing more: no hostPath, not privileged, no escalation, three capabilities.
    assert!(
        pod["volumes"]
            .as_array()
            .is_none_or(|v| v.iter().all(|v| v.get("hostPath").is_none())),
        "{pod}"
    );
    let sc = &pod["containers"][0]["securityContext"];
    assert_eq!(sc["privileged"], false);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(
        sc["capabilities"]["add"],
        json!(["NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"])
    );
    let annotation = ds["spec"]["template"]["metadata"]["annotations"]["bulwark.dev/ignore"]
        .as_str()
        .expect("the exception is declared on the pod template");
    let ids: Vec<&str> = annotation
        .split_whitespace()
        .next()
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(ids, RUNTIME_EXCEPTION, "{annotation}");
    // Declared, the whole render passes `restricted`.
    let (code, failed, report) = pss(&yaml);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, Some(0), "{report:#}");
    // Without the declaration, exactly those rules fail, only on the DaemonSet, and each rule of the
    // declaration is needed (none is there for nothing).
    let undeclared = yaml.replace(annotation, "none");
    assert_ne!(undeclared, yaml);
    let (code, failed, report) = pss(&undeclared);
    assert_eq!(code, Some(1), "{report:#}");
    let mut rules: Vec<&str> = failed
        .iter()
        .flat_map(|c| c["rules"].as_array().unwrap())
        .map(|r| r.as_str().unwrap())
        .collect();
    rules.sort_unstable();
    rules.dedup();
    // BW-K8S-0018 (capabilities not dropped) shares the Capabilities control; it is not among the findings.
    let found: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| rules.contains(&f["id"].as_str().unwrap()))
        .map(|f| {
            assert_eq!(
                f["location"]["resource"], "DaemonSet/bulwark-runtime/bulwark-runtime",
                "{f:#}"
            );
            f["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(found.into_iter().collect::<Vec<_>>(), RUNTIME_EXCEPTION);
}

/// Starts `bulwark serve` as a render configures it: its arguments, with the chart's paths moved under `root`,
/// its serving certificate, its global bundle and its config file taken from the rendered ConfigMaps, and the
/// given files of the ConfigMaps and Secrets the chart mounts but does not render (`extra`: path → content).
fn start_as_rendered(docs: &[Value], root: &Path, extra: &[(&str, &str)]) -> Server {
    use base64::Engine as _;
    let etc = root.join("etc");
    let move_path = |s: &str| {
        s.replace("/etc/bulwark/", &format!("{}/", etc.display()))
            .replace(
                "/var/lib/bulwark/",
                &format!("{}/", root.join("data").display()),
            )
            .replace(
                "/var/lib/bulwark-db/",
                &format!("{}/", root.join("db").display()),
            )
    };
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::create_dir_all(root.join("db")).unwrap();
    let tls = etc.join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let secret = named(docs, "Secret", "bulwark-tls");
    for f in ["tls.crt", "tls.key", "ca.crt"] {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(secret["data"][f].as_str().unwrap())
            .unwrap();
        std::fs::write(tls.join(f), bytes).unwrap();
    }
    let write = |path: &str, content: &str| {
        let p = PathBuf::from(move_path(path));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    };
    for (file, content) in named(docs, "ConfigMap", "bulwark-policy")["data"]
        .as_object()
        .unwrap()
    {
        write(
            &format!("/etc/bulwark/policy/{file}"),
            content.as_str().unwrap(),
        );
    }
    let has_config = docs
        .iter()
        .any(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "bulwark-config");
    if has_config {
        let (path, config) = rendered_config(docs);
        write(&path, &move_path(&config));
    }
    for (path, content) in extra {
        write(path, content);
    }
    let args: Vec<std::ffi::OsString> =
        named(docs, "Deployment", "bulwark")["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let a = a.as_str().unwrap();
                if a.starts_with("--listen=") {
                    "--listen=127.0.0.1:0".into()
                } else {
                    move_path(a).into()
                }
            })
            .collect();
    let mut cmd = Server::command(&args, root);
    cmd.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env_remove("BULWARK_STORE")
        .env("POD_NAMESPACE", "bulwark")
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("HOME", root);
    Server::spawn(cmd, tls)
}

/// Whether the rendered server admits a review, asked as the API server asks: under the Service's DNS name,
/// trusting the rendered CA (the serving certificate names the Service, not 127.0.0.1).
fn admits(server: &Server, root: &Path, review: &Value) -> bool {
    let host = "bulwark.bulwark.svc";
    let out = Command::new("curl")
        .args(["-sS", "--fail", "--max-time", "30", "--cacert"])
        .arg(root.join("etc/tls/ca.crt"))
        .arg("--resolve")
        .arg(format!("{host}:{}:127.0.0.1", server.port))
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(review.to_string())
        .arg(format!("https://{host}:{}/validate", server.port))
        .output()
        .expect("curl: run .ci/install-deps.sh");
    assert!(out.status.success(), "curl: {}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["response"]["uid"], review["request"]["uid"]);
    v["response"]["allowed"].as_bool().unwrap()
}

/// A privileged pod: the chart's default (global) bundle refuses it (PSS restricted).
fn privileged_pod(namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": namespace},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "securityContext": {"privileged": true}}]}})
}

#[test]
fn the_rendered_server_starts_with_the_rendered_teams_and_judges_their_namespaces_by_their_bundle()
{
    let dir = tempfile::tempdir().unwrap();
    // The payments team's bundle only warns on PSS restricted; the global bundle (the chart's default)
    // fails it.
    let values = concat!(
        teams!(),
        "replicaCount: 1\nstore: {enabled: true, watchCluster: false}\n"
    )
    .replace(
        "policy: oci://registry.example/policies/web:3",
        "policy: /etc/bulwark/teams-extra/web",
    );
    let docs = documents(&render(&values));
    let warn_bundle = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: payments}
rules:
  - id: pss-restricted
    stages: {deploy: warn}
    kubernetes: {controls: [\"pss:restricted\"]}
";
    let token = "payments-ci-token-0123456789";
    let tokens = format!(
        "tokens:\n  - {{name: payments-ci, role: push, token: {token}}}\n  - {{name: web-ci, role: push, token: web-ci-token-0123456789}}\n  - {{name: web-release, role: push, token: web-release-token-0123456789}}\n"
    );
    let server = start_as_rendered(
        &docs,
        dir.path(),
        &[
            (
                "/etc/bulwark/teams/payments/bundle.yaml",
                "name: payments\nversion: \"1\"\n",
            ),
            ("/etc/bulwark/teams/payments/rules.yaml", warn_bundle),
            (
                "/etc/bulwark/teams-extra/web/bundle.yaml",
                "name: web\nversion: \"1\"\n",
            ),
            ("/etc/bulwark/teams-extra/web/rules.yaml", warn_bundle),
            ("/etc/bulwark/api-tokens/tokens.yaml", tokens.as_str()),
        ],
    );
    // A namespace of no team: the global bundle refuses.
    assert!(!admits(
        &server,
        dir.path(),
        &common::server::review("g-1", &privileged_pod("sandbox"), false)
    ));
    // The team's namespaces, a glob one included: the team's bundle admits (with a warning).
    for ns in ["payments", "jx-payments-pr-42"] {
        assert!(
            admits(
                &server,
                dir.path(),
                &common::server::review("t-1", &privileged_pod(ns), false)
            ),
            "{ns}"
        );
    }
}

#[test]
fn the_rendered_webhook_admits_the_runtime_daemonset_by_its_declaration_only() {
    // The DaemonSet's namespace is judged by the webhook (it is not the release namespace): the declared
    // exception is what admits it, the same DaemonSet without it is refused by the chart's default bundle.
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(&render(
        "runtimeWatch: {enabled: true, namespace: bulwark-runtime, createNamespace: true}\n",
    ));
    let server = start_as_rendered(&docs, dir.path(), &[]);
    let ds = named(&docs, "DaemonSet", "bulwark-runtime").clone();
    assert!(admits(
        &server,
        dir.path(),
        &common::server::review("rt-1", &ds, false)
    ));
    let mut undeclared = ds.clone();
    undeclared["spec"]["template"]["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("bulwark.dev/ignore");
    assert!(!admits(
        &server,
        dir.path(),
        &common::server::review("rt-2", &undeclared, false)
    ));
}

#[test]
fn the_rendered_run_stage_serves_the_api_under_its_service_name_with_the_tokens_secret() {
    // SQLite on the emptyDir, the tokens file from the Secret, the API Service's name in the serving
    // certificate; the cluster watch off (there is no API server here).
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(&render(
        "replicaCount: 1\nstore: {enabled: true, watchCluster: false}\napi: {tokensSecret: bulwark-api-tokens}\n",
    ));
    let token = "read-token-0123456789abcdef";
    let tokens = format!("tokens:\n  - {{name: dashboard, role: read, token: {token}}}\n");
    let server = start_as_rendered(
        &docs,
        dir.path(),
        &[("/etc/bulwark/api-tokens/tokens.yaml", tokens.as_str())],
    );
    let ca = dir.path().join("etc/tls/ca.crt");
    let svc = named(&docs, "Service", "bulwark-api");
    let host = format!(
        "{}.{}.svc",
        svc["metadata"]["name"].as_str().unwrap(),
        svc["metadata"]["namespace"].as_str().unwrap()
    );
    let get = |path: &str, auth: Option<&str>| {
        let mut cmd = Command::new("curl");
        cmd.args([
            "-sS",
            "--max-time",
            "30",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
        ])
        .arg(&ca)
        .arg("--resolve")
        .arg(format!("{host}:{}:127.0.0.1", server.port));
        if let Some(t) = auth {
            cmd.arg("-H").arg(format!("Authorization: Bearer {t}"));
        }
        let out = cmd
            .arg(format!("https://{host}:{}{path}", server.port))
            .output()
            .expect("curl: run .ci/install-deps.sh");
        assert!(out.status.success(), "curl: {}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(get("/api/v1/images", None), "401");
    assert_eq!(get("/api/v1/images", Some("wrong")), "401");
    assert_eq!(get("/api/v1/images", Some(token)), "200");
    // The store is the file on the data volume.
    assert!(dir.path().join("data/bulwark.db").exists());
}
