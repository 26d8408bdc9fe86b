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

/// The teams of the worked example (docs/teams.md), with the run stage on SQLite.
const TEAMS: &str = r#"
replicaCount: 1
store:
  enabled: true
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
"#;

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
            &format!(
                "{TEAMS}\nreplicaCount: 3\nstore: {{enabled: true, postgres: {{enabled: true}}}}\n"
            ),
        ),
        (
            "external store and sqlite on a claim",
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
    // A glob is a glob, not a regular expression: `a.c` does not match `abc`.
    render(
        "webhook: {excludedNamespaces: [abc]}\nteams: [{name: a, namespaces: [\"a.c\"], policy: x, tokens: []}]",
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
    assert!(
        !server["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("--store")),
        "the password never goes into the arguments"
    );
}
