//! The Helm chart (`deploy/helm/bulwark`), the plain manifests rendered from it (`deploy/manifests`), and
//! `bulwark serve --self-check` (issue #14 parts 4 and 5).
//!
//! The tools are the real ones: `helm` (lint, template) and `kubectl` (its offline decoder), from
//! `$HOME/.cache/bulwark-peers/bin` (`.ci/install-deps.sh`). There is no API server on this machine, so what the
//! API server does with the rendered objects (admission of the Deployment under Pod Security `restricted`,
//! calling the webhook with the caBundle) is stood in for: `bulwark scan k8s --compliance pss-restricted` judges
//! the pod template, and `bulwark serve` started with the exact arguments, certificate and policy bundle the
//! chart renders is called by `curl` with the rendered caBundle, under the Service's DNS name.

mod common;

use common::server::Server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::{Value, json};

/// The `helm template` flags the committed plain manifests are rendered with (deploy/manifests/README.md).
const MANIFEST_FLAGS: &[&str] = &[
    "template",
    "bulwark",
    "deploy/helm/bulwark",
    "--namespace",
    "bulwark",
    "--set",
    "certManager.enabled=true",
    "--set",
    "createNamespace=true",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tool(name: &str) -> PathBuf {
    bulwark_k8s::find_tool(name).unwrap_or_else(|| {
        panic!("{name} is missing (../shared/tools/install-peers.sh): run .ci/install-deps.sh")
    })
}

fn helm(args: &[&str]) -> Output {
    Command::new(tool("helm"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run helm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `helm template bulwark deploy/helm/bulwark -n bulwark` with `--set` values.
fn render(sets: &[&str]) -> String {
    let mut args = vec![
        "template",
        "bulwark",
        "deploy/helm/bulwark",
        "--namespace",
        "bulwark",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let out = helm(&args);
    assert!(out.status.success(), "helm {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn documents(yaml: &str) -> Vec<Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(yaml)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} rendered"))
}

fn b64(s: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().unwrap())
        .unwrap()
}

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("POD_NAMESPACE")
        .output()
        .expect("run bulwark")
}

#[test]
fn helm_lint_passes_with_default_and_cert_manager_values() {
    for sets in [
        &[][..],
        &["certManager.enabled=true", "mutatingWebhook.enabled=true"][..],
        &[
            "verifyKey.enabled=true",
            "verifyKey.secret=cosign",
            "policy.oci=oci://registry.example/policies:1",
            "webhook.podConnect=true",
        ][..],
    ] {
        let mut args = vec!["lint", "--strict", "deploy/helm/bulwark"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let out = helm(&args);
        assert!(
            out.status.success(),
            "helm {args:?}:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("0 chart(s) failed"));
    }
    // values.schema.json refuses what the server would refuse.
    for bad in [
        "webhook.timeoutSeconds=31",
        "server.mode=block",
        "server.deadline=8",
    ] {
        let out = helm(&["lint", "deploy/helm/bulwark", "--set", bad]);
        assert!(!out.status.success(), "{bad} passed helm lint");
    }
    // The templates refuse what --self-check would: no room for the server's deadline (helm 4's lint only
    // reports a template's `fail` as INFO, so this is `helm template`).
    for bad in [
        &["webhook.timeoutSeconds=8"][..],
        &["server.deadline=9500ms"][..],
        &[
            "mutatingWebhook.enabled=true",
            "mutatingWebhook.timeoutSeconds=5",
        ][..],
    ] {
        let mut args = vec!["template", "bulwark", "deploy/helm/bulwark"];
        for s in bad {
            args.extend(["--set", s]);
        }
        let out = helm(&args);
        assert!(!out.status.success(), "{bad:?} rendered");
        assert!(
            text(&out.stderr).contains("must be at least server.deadline"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn the_chart_renders_what_the_issue_asks_for() {
    let docs = documents(&render(&["mutatingWebhook.enabled=true"]));
    let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    for k in [
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "NetworkPolicy",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Secret",
        "ConfigMap",
    ] {
        assert!(kinds.contains(&k), "{k} not rendered: {kinds:?}");
    }
    let deploy = find(&docs, "Deployment");
    assert!(deploy["spec"]["replicas"].as_u64().unwrap() >= 2);
    let pod = &deploy["spec"]["template"]["spec"];
    assert!(pod["affinity"]["podAntiAffinity"].is_object());
    assert!(pod["topologySpreadConstraints"].is_array());
    assert_eq!(
        find(&docs, "Service")["spec"]["ports"][0]["port"],
        json!(443)
    );
    assert_eq!(
        pod["containers"][0]["ports"][0]["containerPort"],
        json!(8443)
    );
    let env = &pod["containers"][0]["env"];
    assert!(
        env.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "POD_NAMESPACE"
                && e["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace")
    );
    // The policy ConfigMap is mounted whole (it updates in place) where `--policy` reads it, every key of it.
    let (mount, items) = policy_volume(&docs);
    assert!(
        pod["containers"][0]["args"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("--policy={mount}"))),
        "{mount}"
    );
    let keys: Vec<&String> = find(&docs, "ConfigMap")["data"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(items.iter().map(|(k, _)| k).collect::<Vec<_>>(), keys);
    assert!(
        deploy["spec"]["template"]["metadata"]["annotations"]
            .get("checksum/policy")
            .is_none()
    );
    // The least privilege: no rules, no token.
    assert_eq!(find(&docs, "ClusterRole")["rules"], json!([]));
    assert_eq!(pod["automountServiceAccountToken"], json!(false));
    let m = &find(&docs, "MutatingWebhookConfiguration")["webhooks"][0];
    assert_eq!(m["reinvocationPolicy"], "IfNeeded");
    assert_eq!(m["clientConfig"]["service"]["path"], "/mutate");
    // cert-manager: Issuer + Certificate + the injection annotation, and no caBundle or Secret of Helm's.
    let cm = documents(&render(&[
        "certManager.enabled=true",
        "mutatingWebhook.enabled=true",
    ]));
    for k in ["Issuer", "Certificate"] {
        find(&cm, k);
    }
    assert!(!cm.iter().any(|d| d["kind"] == "Secret"));
    for k in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        let w = find(&cm, k);
        assert_eq!(
            w["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
            "bulwark/bulwark"
        );
        assert!(w["webhooks"][0]["clientConfig"]["caBundle"].is_null());
    }
    assert_eq!(
        find(&cm, "Certificate")["spec"]["secretName"],
        find(&cm, "Deployment")["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"]
    );
}

#[test]
fn the_committed_manifests_are_what_the_chart_renders() {
    let out = helm(MANIFEST_FLAGS);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let committed = std::fs::read_to_string(repo().join("deploy/manifests/bulwark.yaml")).unwrap();
    assert!(
        committed == text(&out.stdout),
        "deploy/manifests/bulwark.yaml differs from `helm {}`: regenerate it (deploy/manifests/README.md)",
        MANIFEST_FLAGS.join(" ")
    );
}

/// Failed controls of `bulwark scan k8s --compliance FRAMEWORK -f json`.
fn scan(file: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["scan", "k8s", "-f", "json"];
    args.extend(extra);
    let f = file.display().to_string();
    args.push(&f);
    let out = bulwark(&args);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code(), v)
}

#[test]
fn rendered_manifests_pass_pss_restricted_and_have_no_high_finding() {
    let dir = tempfile::tempdir().unwrap();
    let renders = [
        ("default.yaml", render(&[])),
        (
            "options.yaml",
            render(&[
                "certManager.enabled=true",
                "mutatingWebhook.enabled=true",
                "verifyKey.enabled=true",
                "verifyKey.secret=cosign",
                "rbac.inventory=true",
            ]),
        ),
        (
            "manifests.yaml",
            std::fs::read_to_string(repo().join("deploy/manifests/bulwark.yaml")).unwrap(),
        ),
    ];
    for (name, yaml) in &renders {
        let file = dir.path().join(name);
        std::fs::write(&file, yaml).unwrap();
        let (code, report) = scan(
            &file,
            &[
                "--compliance",
                "pss-restricted",
                "--fail-on",
                "critical",
                "--skip-secrets",
            ],
        );
        let compliance = &report["compliance"];
        let failed: Vec<&Value> = compliance["controls"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no compliance controls: {report:#}"))
            .iter()
            .filter(|c| c["failed"] != json!(false))
            .collect();
        assert!(failed.is_empty(), "{name}: failed controls {failed:#?}");
        assert_eq!(compliance["failed"], json!(0), "{name}: {compliance:#}");
        assert!(
            compliance["passed"].as_u64().unwrap() > 0,
            "{name}: {compliance:#}"
        );
        assert_eq!(code, Some(0), "{name}: {report:#}");

        // The default rules: no high or critical finding. The one exception is the default render's
        // serving key: Helm's genCA/genSignedCert put it in the Secret of the release, and the secret scan
        // rightly reports a private key in a manifest (which is why the committed manifests use cert-manager).
        let helm_key = *name == "default.yaml";
        let (code, report) = scan(&file, &["--fail-on", "high"]);
        let high: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")))
            .collect();
        if helm_key {
            assert_eq!(high.len(), 1, "{name}: {high:#?}");
            assert_eq!(high[0]["kind"], "secret");
            assert_eq!(
                high[0]["location"]["resource"],
                "Secret/bulwark/bulwark-tls"
            );
            assert_eq!(high[0]["properties"]["field"], "data.tls.key");
            assert_eq!(code, Some(1));
            let (code, report) = scan(&file, &["--fail-on", "high", "--skip-secrets"]);
            assert_eq!(code, Some(0), "{name}: {report:#}");
        } else {
            assert!(high.is_empty(), "{name}: {high:#?}");
            assert_eq!(code, Some(0), "{name}: {report:#}");
        }
    }
}

/// The rendered Secret's serving certificate and key, written to files.
fn rendered_certs(docs: &[Value], dir: &Path) -> (PathBuf, PathBuf) {
    let secret = find(docs, "Secret");
    let (crt, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&crt, b64(&secret["data"]["tls.crt"])).unwrap();
    std::fs::write(&key, b64(&secret["data"]["tls.key"])).unwrap();
    (crt, key)
}

fn self_check(files: &[&Path], extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<String> = vec!["serve".into(), "--self-check".into()];
    for f in files {
        args.push("--webhook-config".into());
        args.push(f.display().to_string());
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = bulwark(&args);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn self_check_passes_on_the_rendered_webhooks_and_names_each_broken_field() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = render(&["mutatingWebhook.enabled=true"]);
    let docs = documents(&yaml);
    let (crt, key) = rendered_certs(&docs, dir.path());
    let (crt, key) = (crt.display().to_string(), key.display().to_string());
    let server = [
        "--namespace",
        "bulwark",
        "--deadline",
        "8s",
        "--tls-cert",
        &crt,
        "--tls-key",
        &key,
    ];
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, &yaml).unwrap();
    let (code, stdout, stderr) = self_check(&[&good], &server);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("2 webhook(s) in 2 configuration(s)") && stderr.contains("0 problem(s)"),
        "{stderr}"
    );
    // The committed manifests (cert-manager injects the caBundle) pass too.
    let manifests = repo().join("deploy/manifests/bulwark.yaml");
    let (code, stdout, stderr) = self_check(&[&manifests], &server[..4]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    // Broken copies: (what is replaced, by what, what the output must say).
    let other_ca = find(&documents(&render(&[])), "Secret")["data"]["ca.crt"]
        .as_str()
        .unwrap()
        .to_owned();
    let this_ca = find(&docs, "Secret")["data"]["ca.crt"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: [(&str, String, &str, &[&str]); 5] = [
        (
            "failurePolicy: Fail",
            "failurePolicy: Ignore".into(),
            "webhook validate.bulwark.dev: failurePolicy: is Ignore",
            &["set failurePolicy: Fail"],
        ),
        (
            "            - kube-system\n",
            String::new(),
            "namespaceSelector: does not exclude kube-system",
            &["operator: NotIn, values: [kube-system]"],
        ),
        (
            "timeoutSeconds: 10",
            "timeoutSeconds: 5".into(),
            "timeoutSeconds: is 5s, not above the server's --deadline 8s plus 1s margin",
            &["set timeoutSeconds: 9"],
        ),
        (
            &this_ca,
            other_ca,
            "clientConfig.caBundle: does not verify the server's certificate for bulwark.bulwark.svc",
            &["set caBundle to the CA that signed the serving certificate"],
        ),
        (
            "sideEffects: None",
            "sideEffects: Some".into(),
            "sideEffects: is Some",
            &["set sideEffects: None"],
        ),
    ];
    for (i, (from, to, says, fixes)) in cases.iter().enumerate() {
        let broken = yaml.replace(from, to);
        assert_ne!(broken, yaml, "case {i}: {from:?} not found in the render");
        let file = dir.path().join(format!("broken{i}.yaml"));
        std::fs::write(&file, &broken).unwrap();
        let (code, stdout, stderr) = self_check(&[&file], &server);
        assert_eq!(code, Some(1), "case {i}: {stdout}{stderr}");
        // Both webhooks (validating and mutating) carry the field: one line each, naming file and webhook.
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "case {i}: {stdout}");
        assert!(
            lines.iter().any(|l| l.contains(says)),
            "case {i}: no line says {says:?}:\n{stdout}"
        );
        for l in &lines {
            assert!(l.starts_with(&format!("{}: ", file.display())), "{l}");
            assert!(fixes.iter().all(|f| l.contains(f)), "case {i}: {l}");
        }
    }
    // The certificate of `--generate-certs DIR` (DIR/tls.crt) is the server's too.
    let generated = dir.path().join("generated");
    std::fs::create_dir_all(&generated).unwrap();
    std::fs::copy(&crt, generated.join("tls.crt")).unwrap();
    let gen_flags = [
        "--namespace",
        "bulwark",
        "--generate-certs",
        generated.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = self_check(&[&good], &gen_flags);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let (code, stdout, _) = self_check(&[&dir.path().join("broken3.yaml")], &gen_flags);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("clientConfig.caBundle: does not verify"),
        "{stdout}"
    );
    // The deadline is the server's: 10 s is not enough for a 9.5 s deadline.
    let mut slow = server.to_vec();
    slow[3] = "9500ms";
    let (code, stdout, _) = self_check(&[&good], &slow);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("set timeoutSeconds: 11"), "{stdout}");
    // The namespace is the server's (from $POD_NAMESPACE when not given).
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["serve", "--self-check", "--webhook-config"])
        .arg(&good)
        .env("POD_NAMESPACE", "security")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("namespaceSelector: does not exclude security")
            && stdout.contains("clientConfig.service.namespace: is \"bulwark\", not the server's namespace \"security\""),
        "{stdout}"
    );
}

/// Where the Deployment mounts the policy ConfigMap volume, and its items (key, path). The whole volume is
/// mounted, never by `subPath`: a subPath mount is not updated when the ConfigMap changes, the volume is.
fn policy_volume(docs: &[Value]) -> (String, Vec<(String, String)>) {
    let pod = &find(docs, "Deployment")["spec"]["template"]["spec"];
    let mounts: Vec<&Value> = pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == "policy")
        .collect();
    assert_eq!(mounts.len(), 1, "{mounts:?}");
    assert!(mounts[0].get("subPath").is_none(), "{:?}", mounts[0]);
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "policy")
        .unwrap();
    let items = volume["configMap"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_owned(),
                i["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (mounts[0]["mountPath"].as_str().unwrap().to_owned(), items)
}

/// The rendered container's arguments with the chart's mount paths moved under `etc`.
fn rendered_args(docs: &[Value], etc: &Path) -> Vec<String> {
    let container = &find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0];
    container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let a = a.as_str().unwrap();
            if a.starts_with("--listen=") {
                "--listen=127.0.0.1:0".to_owned()
            } else {
                a.replace("/etc/bulwark/", &format!("{}/", etc.display()))
            }
        })
        .collect()
}

#[test]
fn every_rendered_server_passes_the_self_check_of_its_own_webhooks() {
    // The server as the chart configures it (its exact arguments, so every flag the chart writes is one
    // `bulwark serve` accepts, its deadline, its certificate, POD_NAMESPACE) checks the webhooks the same
    // render holds.
    for sets in [
        &[][..],
        &["mutatingWebhook.enabled=true", "webhook.podConnect=true"][..],
        &[
            "verifyKey.enabled=true",
            "verifyKey.secret=cosign",
            "verifyKey.requireAttestation=verdict",
            "policy.oci=oci://registry.example/policies:1",
            "policy.publicKeySecret=policy-key",
            "server.exemptNamespaces={ops}",
            "server.mode=warn",
        ][..],
        &["server.deadline=4500ms", "webhook.timeoutSeconds=6"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let yaml = render(sets);
        let docs = documents(&yaml);
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("tls")).unwrap();
        rendered_certs(&docs, &etc.join("tls"));
        let file = dir.path().join("rendered.yaml");
        std::fs::write(&file, &yaml).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(rendered_args(&docs, &etc))
            .arg("--self-check")
            .arg("--webhook-config")
            .arg(&file)
            .env("POD_NAMESPACE", "bulwark")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{sets:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("namespace bulwark, certificate "),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn self_check_refuses_unreadable_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "kind: ValidatingWebhookConfiguration\nwebhooks: [\n").unwrap();
    let (code, stdout, stderr) = self_check(&[&bad], &[]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains(&format!("{}:", bad.display())), "{stderr}");
    let missing = dir.path().join("missing.yaml");
    let (code, _, stderr) = self_check(&[&missing], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("missing.yaml"), "{stderr}");
    // Readable, but no webhook configuration in it: a problem, not an error.
    let svc = dir.path().join("svc.yaml");
    std::fs::write(&svc, "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n").unwrap();
    let (code, stdout, _) = self_check(&[&svc], &[]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("no ValidatingWebhookConfiguration"),
        "{stdout}"
    );
    // --webhook-config without --self-check is a usage error.
    let out = bulwark(&["serve", "--webhook-config", "x.yaml", "--policy", "p"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn kubectl_decodes_every_rendered_object() {
    // `kubectl create --dry-run=client -f` cannot run offline for any kind: it maps kinds to resources through
    // the API server's discovery ("unable to recognize … connection refused"). Its local builder (`--local`)
    // decodes each document into kubectl's typed objects (a field of the wrong type is refused, as the API
    // server would refuse it); `set env` then reports every object that has no pod template, which shows it was
    // decoded. CRD kinds (cert-manager's Issuer and Certificate) are not in kubectl's scheme.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.yaml");
    std::fs::write(
        &file,
        render(&[
            "mutatingWebhook.enabled=true",
            "verifyKey.enabled=true",
            "verifyKey.secret=cosign",
            "createNamespace=true",
        ]),
    )
    .unwrap();
    let kubectl = |f: &Path| {
        Command::new(tool("kubectl"))
            .args([
                "set",
                "env",
                "--local",
                "--dry-run=client",
                "-o",
                "name",
                "-f",
            ])
            .arg(f)
            .arg("BULWARK_CHECK=1")
            .env("KUBECONFIG", dir.path().join("none"))
            .output()
            .unwrap()
    };
    let out = kubectl(&file);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!stderr.contains("unable to decode"), "{stderr}");
    assert_eq!(stdout.trim(), "deployment.apps/bulwark", "{stderr}");
    for kind in [
        "Namespace",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "ClusterRole",
        "ClusterRoleBinding",
        "Service",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        assert!(
            stderr.contains(&format!("*v1.{kind}")),
            "{kind} not decoded:\n{stderr}"
        );
    }
    // The decoder is not a rubber stamp: a wrong type in the Deployment is refused.
    let broken = dir.path().join("broken.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&broken, yaml.replace("replicas: 2", "replicas: two")).unwrap();
    let out = kubectl(&broken);
    assert!(
        text(&out.stderr).contains("unable to decode"),
        "{}",
        text(&out.stderr)
    );
}

/// Starts `bulwark serve` with the rendered container's arguments, its files laid out under `root` where the
/// chart mounts them (the Secret; the ConfigMap's items as the kubelet projects a ConfigMap volume, with its
/// `..data` link), listening on 127.0.0.1.
fn start_as_rendered(docs: &[Value], root: &Path) -> Server {
    let etc = root.join("etc");
    let tls = etc.join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    rendered_certs(docs, &tls);
    let (mount, items) = policy_volume(docs);
    let policy = etc.join(mount.strip_prefix("/etc/bulwark/").unwrap());
    let data = &find(docs, "ConfigMap")["data"];
    let files: Vec<(&str, &str)> = items
        .iter()
        .map(|(key, path)| (path.as_str(), data[key].as_str().unwrap()))
        .collect();
    common::server::kubelet_project(&policy, &files, 1);
    let args = rendered_args(docs, &etc);
    let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let mut cmd = Server::command(&args, Path::new("."));
    cmd.env("POD_NAMESPACE", "bulwark")
        .env("XDG_CACHE_HOME", root.join("cache"));
    Server::spawn(cmd, tls)
}

fn review(uid: &str, object: &Value) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "operation": "CREATE",
            "userInfo": {"username": "kubernetes-admin"},
            "object": object,
            "dryRun": false,
        }
    })
}

#[test]
fn the_rendered_server_is_reached_through_the_rendered_ca_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let docs = documents(&render(&[]));
    let server = start_as_rendered(&docs, dir.path());
    let webhook = &find(&docs, "ValidatingWebhookConfiguration")["webhooks"][0];
    let ca = dir.path().join("ca-bundle.pem");
    std::fs::write(&ca, b64(&webhook["clientConfig"]["caBundle"])).unwrap();
    let svc = &webhook["clientConfig"]["service"];
    // The name the API server dials: <service>.<namespace>.svc.
    let host = format!(
        "{}.{}.svc",
        svc["name"].as_str().unwrap(),
        svc["namespace"].as_str().unwrap()
    );
    let post = |body: &Value| {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--max-time", "30", "--cacert"])
            .arg(&ca)
            .arg("--resolve")
            .arg(format!("{host}:{}:127.0.0.1", server.port))
            .args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(body.to_string())
            .arg(format!(
                "https://{host}:{}{}",
                server.port,
                svc["path"].as_str().unwrap()
            ))
            .output()
            .expect("curl: run .ci/install-deps.sh");
        assert!(out.status.success(), "curl: {}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["response"].clone()
    };
    // The chart's default bundle enforces PSS restricted.
    let privileged = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "securityContext": {"privileged": true}}]}});
    let r = post(&review("deny-1", &privileged));
    assert_eq!(r["allowed"], false, "{r:#}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("[pss-restricted]"),
        "{r:#}"
    );
    let restricted = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "shop"},
        "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "image": "registry.example.com/app:1.0",
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}});
    assert_eq!(post(&review("allow-1", &restricted))["allowed"], true);
    // The release namespace is exempt (POD_NAMESPACE from the downward API).
    let mut own = privileged.clone();
    own["metadata"]["namespace"] = json!("bulwark");
    assert_eq!(post(&review("own-1", &own))["allowed"], true);
}
