//! The admission webhook gives CI's verdict (issue #14, "Must be true"): `bulwark serve` started as processes on
//! 127.0.0.1 with the certificates it generates, spoken to over TLS by `curl` and by a Rust client (ureq +
//! rustls, trusting only the generated `ca.crt`), with `admission.k8s.io/v1` AdmissionReviews around:
//!
//! 1. every Kubernetes object of the conformance corpus (`bulwark-policy/testdata/conformance`: the `cases/` that
//!    carry an object, and `admission/cases/`, whose bundle has a rule for each engine: built-in checks through
//!    lifecycle rules, a ValidatingAdmissionPolicy, a Kyverno ValidatingPolicy, a Gatekeeper template and
//!    constraint), each judged with the case's bundle, stage and time (`BULWARK_NOW`, which `bulwark serve`
//!    reads as every entry point does); the `admission/` expectations are written by hand;
//! 2. the objects the real `kubectl create … --dry-run=client -o json` writes (offline), and every Pod and pod
//!    controller of the charts rendered in `../shared/fixtures/k8s-corpus/rendered`;
//! 3. 32 client threads posting reviews over two replicas for 6 s, one replica killed with SIGKILL under load.
//!
//! The webhook's answer (`allowed`, `status`, `warnings`) and its `bulwark.dev/verdict` audit annotation are
//! compared with `bulwark policy eval` on the same object alone, and with truths that do not come from our code
//! (the hand-written corpus verdicts; a container with `privileged: true` is what the privileged rule refuses;
//! the Pod Security Standards' restricted profile requires `allowPrivilegeEscalation: false` on every container).
//!
//! There is no kube-apiserver on this machine. These are contract tests: they post what the API server posts and
//! read what it reads. The API server's own behaviours are covered only by these contracts, not by running it:
//! - `timeoutSeconds`: the server answers within `--deadline` (serve_cli.rs, stalled registry); the API server
//!   cutting the call at its timeout is not exercised;
//! - `failurePolicy`: what the API server does when the webhook cannot be reached or answers an error (Fail
//!   rejects, Ignore admits) is not exercised; we test that the webhook fails closed itself (deny on deadline,
//!   on an object it cannot judge) and never answers with a malformed review;
//! - retries and endpoints: the API server calls the Service (kube-proxy picks a ready endpoint per connection)
//!   once per request, without retrying a refused or reset POST; `failurePolicy: Fail` then rejects the API
//!   request and its author (a controller's work queue, a CD tool) sends it again. The replica test's client
//!   plays that loop by re-sending a failed attempt to the other replica (see the test's documentation);
//! - `reinvocationPolicy` (mutating webhooks called again after later mutations), `matchPolicy`,
//!   `namespaceSelector`/`objectSelector`, `sideEffects` with `dryRun`, and `matchConditions` are API-server-side
//!   filters; requests are posted here as if they had matched;
//! - the object the API server sends is after defaulting and mutation; the objects here are as `kubectl` and
//!   `helm template` write them (namespace filled in as the API server does for namespaced objects).

mod common;

use common::server::Server;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-policy/testdata/conformance")
}

fn kubectl() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME");
    let k = Path::new(&home).join(".cache/bulwark-peers/bin/kubectl");
    assert!(
        k.is_file(),
        "{} is missing: run .ci/install-deps.sh",
        k.display()
    );
    k
}

fn require_curl() {
    let ok = Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "curl is missing: run .ci/install-deps.sh");
}

impl Server {
    /// Starts `bulwark serve --policy BUNDLE --generate-certs CERTS` on a free loopback port (the certificates
    /// are written by the first server and reused by the next ones given the same directory).
    fn start(bundle: &Path, certs: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut args: Vec<std::ffi::OsString> = vec![
            "serve".into(),
            "--policy".into(),
            bundle.into(),
            "--generate-certs".into(),
            certs.into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        args.extend(extra.iter().map(Into::into));
        let mut cmd = Self::command(&args, Path::new("."));
        for (k, v) in env {
            cmd.env(k, v);
        }
        Self::spawn(cmd, certs.to_path_buf())
    }

    /// POST /validate with `curl`, trusting the generated CA: the response of the review.
    fn curl_review(&self, review: &Value) -> Value {
        let (status, body) = self.curl("POST", "/validate", Some(review.to_string().as_bytes()));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        response_of(review, &body)
    }
}

/// The `response` of an AdmissionReview answer, checked to be one for `review`.
fn response_of(review: &Value, body: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)));
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1", "{v}");
    assert_eq!(v["kind"], "AdmissionReview", "{v}");
    assert_eq!(v["response"]["uid"], review["request"]["uid"], "{v}");
    v["response"].clone()
}

/// A Rust HTTPS client (ureq over rustls) that trusts only the CA in `ca` (no system roots, no proxy).
fn rust_client(ca: &Path) -> ureq::Agent {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};
    let pem = std::fs::read(ca).unwrap();
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item.unwrap() {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(certs.len(), 1, "{}", ca.display());
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .root_certs(RootCerts::new_with_certs(&certs))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// POST /validate with the Rust client: (HTTP status, body), or the transport error.
fn post(agent: &ureq::Agent, port: u16, review: &Value) -> Result<(u16, Vec<u8>), ureq::Error> {
    let mut resp = agent
        .post(format!("https://127.0.0.1:{port}/validate"))
        .header("Content-Type", "application/json")
        .send(review.to_string().as_bytes())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok((status, body))
}

/// An AdmissionReview as the API server sends it for `object` (`oldObject` on UPDATE).
fn review(uid: &str, object: &Value, operation: &str, old: Option<&Value>) -> Value {
    let kind = object["kind"].as_str().unwrap_or_default();
    let api = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    let plural = {
        let k = kind.to_lowercase();
        if k.ends_with('s') {
            format!("{k}es")
        } else {
            format!("{k}s")
        }
    };
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": plural},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "requestResource": {"group": group, "version": version, "resource": plural},
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "operation": operation,
            "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]},
            "object": object,
            "oldObject": old.cloned().unwrap_or(Value::Null),
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": if operation == "UPDATE" { "UpdateOptions" } else { "CreateOptions" }},
        }
    })
}

/// `bulwark policy eval BUNDLE FILE… --stage STAGE --now NOW -f json` in `cwd`: one verdict per file.
fn policy_eval(cwd: &Path, bundle: &Path, stage: &str, now: &str, files: &[PathBuf]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .current_dir(cwd)
        .args(["policy", "eval"])
        .arg(bundle)
        .args(files)
        .args(["--stage", stage, "--now", now, "-f", "json"])
        .env_remove("BULWARK_NOW")
        .output()
        .expect("run bulwark");
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "policy eval exited {:?} ({e}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let any_fail = v.iter().any(|v| v["decision"] == "fail");
    assert_eq!(out.status.code(), Some(i32::from(any_fail)));
    assert_eq!(v.len(), files.len());
    v
}

/// Writes each object to its own JSON file in `dir` (what `policy eval` reads as "the object alone").
fn object_files(dir: &Path, prefix: &str, objects: &[Value]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let p = dir.join(format!("{prefix}-{i:04}.json"));
            std::fs::write(&p, serde_json::to_vec_pretty(o).unwrap()).unwrap();
            p
        })
        .collect()
}

/// The failing or erring rules of a verdict at `action`, with their number of answer lines (one per hit, or
/// one when there is none).
fn violated(verdict: &Value, action: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in verdict["results"].as_array().unwrap() {
        if r["action"] == action && (r["outcome"] == "fail" || r["outcome"] == "error") {
            let n = r["hits"].as_array().map_or(0, Vec::len).max(1);
            *out.entry(r["rule"].as_str().unwrap().to_owned())
                .or_default() += n;
        }
    }
    out
}

/// `[rule] …` lines counted by rule.
fn lines_by_rule<'a>(lines: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for l in lines {
        let rule = l
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map_or_else(|| panic!("not a `[rule] …` line: {l}"), |(r, _)| r);
        *out.entry(rule.to_owned()).or_default() += 1;
    }
    out
}

/// The webhook's answer on one object (enforce mode) against `policy eval`'s verdict on it alone.
fn assert_same_verdict(what: &str, response: &Value, eval: &Value) {
    let annotated: Value = serde_json::from_str(
        response["auditAnnotations"]["bulwark.dev/verdict"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no verdict annotation: {response}")),
    )
    .unwrap();
    assert_eq!(
        annotated,
        common::server::verdict_projection(eval),
        "{what}: the webhook's verdict is not policy eval's"
    );
    assert_eq!(
        response["auditAnnotations"]["bulwark.dev/decision"], eval["decision"],
        "{what}"
    );
    let fail = eval["decision"] == "fail";
    assert_eq!(response["allowed"], !fail, "{what}: {response}");
    // Warnings: one line per hit of every rule that failed at warn (what kubectl prints).
    let warnings: Vec<&str> = response["warnings"]
        .as_array()
        .map(|w| w.iter().map(|w| w.as_str().unwrap()).collect())
        .unwrap_or_default();
    assert_eq!(
        lines_by_rule(warnings.iter().copied()),
        violated(eval, "warn"),
        "{what}: warnings {warnings:?}"
    );
    if fail {
        assert_eq!(response["status"]["code"], 403, "{what}: {response}");
        let message = response["status"]["message"].as_str().unwrap();
        let lines = message.lines().skip(1);
        assert_eq!(
            lines_by_rule(lines),
            violated(eval, "fail"),
            "{what}: {message}"
        );
        for r in eval["results"].as_array().unwrap() {
            if r["action"] == "fail" && r["outcome"] == "fail" {
                for h in r["hits"].as_array().unwrap() {
                    assert!(
                        message.contains(h["message"].as_str().unwrap()),
                        "{what}: {message}"
                    );
                }
            }
        }
    } else {
        assert!(
            response
                .get("status")
                .is_none_or(|s| s.get("message").is_none()),
            "{what}: {response}"
        );
    }
}

/// The canonical text of a verdict (`Verdict::to_json()` after a round trip), as the corpus compares them.
fn canonical(v: &Value) -> String {
    let verdict: bulwark_policy::Verdict = serde_json::from_value(v.clone()).expect("a verdict");
    verdict.to_json()
}

/// Objects to judge by (bundle, stage, now): (what, object, hand-written verdict).
type Groups = BTreeMap<(PathBuf, String, String), Vec<(String, Value, Option<Value>)>>;

struct Case {
    name: String,
    root: PathBuf,
    bundle: PathBuf,
    input: String,
    stage: String,
    now: String,
    objects: Vec<Value>,
}

/// The corpus cases with Kubernetes objects: the subject documents' `object`, or the bare objects (a `List`'s
/// items) of `admission/`.
fn cases(root: &Path) -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).unwrap()).unwrap();
        let s = |k: &str| case[k].as_str().unwrap().to_owned();
        let input: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(s("input"))).unwrap()).unwrap();
        let objects = if let Some(o) = input.get("object") {
            vec![o.clone()]
        } else if input["kind"] == "List" {
            input["items"].as_array().unwrap().clone()
        } else if input.get("apiVersion").is_some() && input.get("kind").is_some() {
            vec![input.clone()]
        } else {
            Vec::new()
        };
        if objects.is_empty() {
            continue;
        }
        out.push(Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            root: root.to_path_buf(),
            bundle: root.join(s("bundle")),
            input: s("input"),
            stage: s("stage"),
            now: s("now"),
            objects,
        });
    }
    out
}

#[test]
fn every_object_of_the_conformance_corpus_gets_policy_evals_verdict_from_the_webhook() {
    require_curl();
    let tmp = tempfile::tempdir().unwrap();
    let root = corpus();
    let mut all = cases(&root);
    let admission = cases(&root.join("admission"));
    assert_eq!(
        admission
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["deployment-clean", "deployments-list", "pod-host-access"]
    );
    // The hand-written verdicts of `admission/`: policy eval on each input gives them (the input as written,
    // a List judged as one manifest set).
    for c in &admission {
        let got = &policy_eval(
            &c.root,
            &c.bundle,
            &c.stage,
            &c.now,
            &[PathBuf::from(&c.input)],
        )[0];
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(c.root.join("cases").join(&c.name).join("expected.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(canonical(got), canonical(&expected), "admission/{}", c.name);
    }
    let k8s = all.len();
    assert!(
        all.iter().any(|c| c.name == "k8s-object-deploy"),
        "{:?}",
        all.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    all.extend(admission);

    // One server per (bundle, stage, now).
    let mut groups: Groups = BTreeMap::new();
    for (i, c) in all.iter().enumerate() {
        for (j, o) in c.objects.iter().enumerate() {
            // The hand-written verdict of a one-object case is the webhook's too.
            let expected = (i >= k8s && c.objects.len() == 1).then(|| {
                serde_json::from_str::<Value>(
                    &std::fs::read_to_string(
                        c.root.join("cases").join(&c.name).join("expected.json"),
                    )
                    .unwrap(),
                )
                .unwrap()
            });
            groups
                .entry((c.bundle.clone(), c.stage.clone(), c.now.clone()))
                .or_default()
                .push((format!("{}[{j}]", c.name), o.clone(), expected));
        }
    }
    assert!(groups.len() >= 2, "{:?}", groups.keys());
    let mut judged = 0;
    let mut decisions = BTreeSet::new();
    for (g, ((bundle, stage, now), objects)) in groups.iter().enumerate() {
        let server = Server::start(
            bundle,
            &tmp.path().join(format!("certs-{g}")),
            &["--stage", stage.as_str()],
            &[("BULWARK_NOW", now.as_str())],
        );
        let values: Vec<Value> = objects.iter().map(|(_, o, _)| o.clone()).collect();
        let files = object_files(&tmp.path().join(format!("objects-{g}")), "o", &values);
        let evals = policy_eval(tmp.path(), bundle, stage, now, &files);
        for (k, ((what, object, expected), eval)) in objects.iter().zip(&evals).enumerate() {
            let response =
                server.curl_review(&review(&format!("corpus-{g}-{k}"), object, "CREATE", None));
            assert_same_verdict(what, &response, eval);
            if let Some(expected) = expected {
                let annotated: Value = serde_json::from_str(
                    response["auditAnnotations"]["bulwark.dev/verdict"]
                        .as_str()
                        .unwrap(),
                )
                .unwrap();
                assert_eq!(
                    annotated,
                    common::server::verdict_projection(expected),
                    "{what}: the hand-written verdict"
                );
            }
            // UPDATE, with the object before the change as oldObject: the same answer.
            let mut old = object.clone();
            old["metadata"]["labels"]["bulwark-test/revision"] = json!("1");
            let updated = server.curl_review(&review(
                &format!("corpus-{g}-{k}-update"),
                object,
                "UPDATE",
                Some(&old),
            ));
            assert_eq!(
                updated["auditAnnotations"], response["auditAnnotations"],
                "{what}: UPDATE"
            );
            assert_eq!(updated["allowed"], response["allowed"], "{what}: UPDATE");
            decisions.insert(eval["decision"].as_str().unwrap().to_owned());
            judged += 1;
        }
        // One audit line per request.
        assert_eq!(server.audited(2 * objects.len()), 2 * objects.len());
    }
    assert_eq!(judged, 2 + 4, "the corpus' objects");
    // The three decisions are all reached, so the comparison can tell them apart.
    assert_eq!(
        decisions.into_iter().collect::<Vec<_>>(),
        ["fail", "pass", "warn"]
    );
}

/// Lifecycle rules over the built-in checks that real workloads violate: privileged containers refused, the
/// Pod Security Standards' restricted profile warned about.
const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: workloads}
rules:
  - id: no-privileged
    description: Containers must not run privileged.
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
  - id: pss-restricted
    description: Workloads follow the restricted Pod Security Standard.
    stages: {deploy: warn}
    kubernetes: {controls: ['pss:restricted']}
";

fn rules_bundle(dir: &Path) -> PathBuf {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("rules.yaml"), RULES).unwrap();
    b
}

/// The kinds whose pod template (or own spec) the webhook judges.
const WORKLOADS: [&str; 8] = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// The pod spec of a workload: its own, its template's, or its job template's.
fn pod_spec(object: &Value) -> &Value {
    match object["kind"].as_str() {
        Some("Pod") => &object["spec"],
        Some("CronJob") => &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &object["spec"]["template"]["spec"],
    }
}

fn containers(object: &Value) -> Vec<&Value> {
    let spec = pod_spec(object);
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|k| spec[k].as_array())
        .flatten()
        .collect()
}

/// Independent truth for the fail rule: some container sets `securityContext.privileged: true`.
fn privileged(object: &Value) -> bool {
    containers(object)
        .iter()
        .any(|c| c["securityContext"]["privileged"] == true)
}

/// Independent truth for the restricted profile: its "Privilege Escalation" control requires every container
/// to set `allowPrivilegeEscalation: false` (kubernetes.io Pod Security Standards, restricted, since v1.8).
fn escalation_allowed(object: &Value) -> bool {
    containers(object)
        .iter()
        .any(|c| c["securityContext"]["allowPrivilegeEscalation"] != false)
}

/// `kubectl … --dry-run=client -o json`, offline.
fn kubectl_json(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let mut child = Command::new(kubectl())
        .args(args)
        .env("KUBECONFIG", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl: run .ci/install-deps.sh");
    {
        let mut i = child.stdin.take().unwrap();
        if let Some(b) = stdin {
            i.write_all(b).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Objects the real `kubectl create` writes: a Deployment, a Job, a CronJob, and a Deployment made privileged
/// with `kubectl patch --local`.
fn kubectl_objects() -> Vec<(String, Value)> {
    let create = |args: &[&str]| {
        // The flags ahead of the arguments: what follows `--` is the container's command.
        let mut a = vec!["create", "--dry-run=client", "-o", "json", "-n", "shop"];
        a.extend_from_slice(args);
        kubectl_json(&a, None)
    };
    let web = create(&[
        "deployment",
        "web",
        "--image=registry.example.com/web:1.4",
        "--replicas=3",
        "--port=8080",
    ]);
    let job = create(&[
        "job",
        "migrate",
        "--image=registry.example.com/migrate:2",
        "--",
        "migrate",
        "up",
    ]);
    let cron = create(&[
        "cronjob",
        "backup",
        "--image=registry.example.com/backup:1",
        "--schedule=0 3 * * *",
    ]);
    let plain = create(&[
        "deployment",
        "node-agent",
        "--image=registry.example.com/agent:5",
    ]);
    let patched = kubectl_json(
        &[
            "patch",
            "--local",
            "-f",
            "-",
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/spec/template/spec/containers/0/securityContext","value":{"privileged":true}}]"#,
            "-o",
            "json",
        ],
        Some(plain.to_string().as_bytes()),
    );
    assert!(privileged(&patched), "{patched}");
    vec![
        ("kubectl create deployment web".into(), web),
        ("kubectl create job migrate".into(), job),
        ("kubectl create cronjob backup".into(), cron),
        (
            "kubectl create deployment node-agent + patch privileged".into(),
            patched,
        ),
    ]
}

/// Every Pod and pod controller of the rendered charts, with the namespace the API server would fill in.
fn chart_objects() -> Vec<(String, Value)> {
    use serde::Deserialize as _;
    let root = common::fixtures().join("k8s-corpus/rendered");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, doc) in serde_yaml::Deserializer::from_str(&text).enumerate() {
            let v = Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("{} document {i}: {e}", f.display()));
            if !v["kind"].as_str().is_some_and(|k| WORKLOADS.contains(&k)) {
                continue;
            }
            let mut v = v;
            if v["metadata"]["namespace"]
                .as_str()
                .is_none_or(str::is_empty)
            {
                v["metadata"]["namespace"] = json!("default");
            }
            let name = format!(
                "{} {}/{}",
                f.strip_prefix(&root).unwrap().display(),
                v["kind"].as_str().unwrap(),
                v["metadata"]["name"].as_str().unwrap_or("?")
            );
            out.push((name, v));
        }
    }
    out
}

#[test]
fn real_objects_from_kubectl_and_rendered_charts_over_curl_and_a_rust_client() {
    require_curl();
    let tmp = tempfile::tempdir().unwrap();
    let bundle = rules_bundle(tmp.path());
    let mut objects = kubectl_objects();
    let from_kubectl = objects.len();
    objects.extend(chart_objects());
    assert!(
        objects.len() - from_kubectl >= 250,
        "the rendered charts hold ~300 workloads: {}",
        objects.len() - from_kubectl
    );
    let server = Server::start(&bundle, &tmp.path().join("certs"), &[], &[]);
    let agent = rust_client(&server.certs.join("ca.crt"));
    let values: Vec<Value> = objects.iter().map(|(_, o)| o.clone()).collect();
    let files = object_files(&tmp.path().join("objects"), "o", &values);
    let now = "2026-12-01T00:00:00Z";
    let reviews: Vec<Value> = (0..objects.len())
        .map(|i| review(&format!("real-{i}"), &objects[i].1, "CREATE", None))
        .collect();
    // policy eval, curl and the Rust client run side by side (the server judges concurrent requests).
    let timed = |f: &dyn Fn() -> Vec<Value>| {
        let t = Instant::now();
        let v = f();
        (v, t.elapsed())
    };
    let ((evals, eval_took), (curled, curl_took), (rusted, rust_took)) = std::thread::scope(|s| {
        let e = s.spawn(|| timed(&|| policy_eval(tmp.path(), &bundle, "deploy", now, &files)));
        let c = s.spawn(|| timed(&|| reviews.iter().map(|r| server.curl_review(r)).collect()));
        let r = s.spawn(|| {
            timed(&|| {
                reviews
                    .iter()
                    .map(|r| {
                        let (status, body) = post(&agent, server.port, r)
                            .unwrap_or_else(|e| panic!("{}: {e}", r["request"]["uid"]));
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                        response_of(r, &body)
                    })
                    .collect()
            })
        });
        (e.join().unwrap(), c.join().unwrap(), r.join().unwrap())
    });

    let (mut denied, mut warned, mut clean, mut exempt) = (0, 0, 0, 0);
    let mut kinds = BTreeSet::new();
    for (((what, object), eval), (by_curl, by_rust)) in objects
        .iter()
        .zip(&evals)
        .zip(curled.into_iter().zip(rusted))
    {
        // Two clients, one answer.
        assert_eq!(by_curl, by_rust, "{what}");
        let ns = object["metadata"]["namespace"].as_str().unwrap();
        if ns == "kube-system" || ns == "kube-public" {
            // Exempt by default: admitted unjudged, so the server never blocks its own recovery.
            assert_eq!(by_curl["allowed"], true, "{what}");
            assert!(
                by_curl.get("auditAnnotations").is_none(),
                "{what}: {by_curl}"
            );
            exempt += 1;
            continue;
        }
        assert_same_verdict(what, &by_curl, eval);
        // The truths from outside our code.
        assert_eq!(by_curl["allowed"], !privileged(object), "{what}: {by_curl}");
        let warnings: Vec<&str> = by_curl["warnings"]
            .as_array()
            .map(|w| w.iter().map(|w| w.as_str().unwrap()).collect())
            .unwrap_or_default();
        if escalation_allowed(object) {
            assert!(
                warnings.iter().any(|w| w.starts_with("[pss-restricted]")),
                "{what}: allowPrivilegeEscalation is not false, yet no restricted-profile warning: {by_curl}"
            );
        }
        if privileged(object) {
            let message = by_curl["status"]["message"].as_str().unwrap();
            assert!(
                message.contains("[no-privileged]") && message.contains("runs privileged"),
                "{what}: {message}"
            );
            denied += 1;
        }
        if !warnings.is_empty() {
            warned += 1;
        } else if by_curl["allowed"] == true {
            clean += 1;
        }
        kinds.insert(object["kind"].as_str().unwrap().to_owned());
    }
    eprintln!(
        "{} objects ({from_kubectl} from kubectl): {denied} denied, {warned} with warnings, {clean} clean, {exempt} exempt; \
         policy eval {eval_took:?}, curl {curl_took:?}, Rust client {rust_took:?}",
        objects.len()
    );
    // The assertions can fail both ways: some objects are refused, some admitted with warnings, some clean.
    assert!(denied >= 2, "{denied}");
    assert!(warned > denied, "{warned}");
    assert!(clean >= 1, "every object was refused or warned about");
    for k in ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"] {
        assert!(kinds.contains(k), "{kinds:?}");
    }
}

/// What one review of the stream got: the replica that answered, whether it had to be retried, and the answer.
struct Answer {
    uid: String,
    replica: usize,
    retried: bool,
    allowed: bool,
    /// Sent after replica 0 was killed (its first attempt started after the kill).
    after_kill: bool,
    /// What the failed attempts met (refused connection, reset of a request in flight…).
    errors: Vec<String>,
}

/// Killing a replica under load loses no request (issue #14, "Fail-closed without wedging"): two replicas of
/// one Deployment (same bundle, same certificate), 32 client threads posting reviews as fast as they are
/// answered for 6 s, replica 0 killed with SIGKILL 2 s in, with requests in flight. Every review gets exactly
/// one valid answer (counted by uid), the right one, and the surviving replica judged each one it answered
/// once.
///
/// What the client stands for. The API server calls a webhook's Service; kube-proxy picks one ready endpoint
/// per new connection, and the API server keeps connections alive. The call is one POST
/// (`client.Post().Body(request).Do(ctx)` in `k8s.io/apiserver/pkg/admission/plugin/webhook/validating/
/// dispatcher.go`): client-go retries a POST only on a `Retry-After` answer, not on a refused or reset
/// connection, so a call in flight on a killed replica, or a new connection sent to it before its endpoint
/// is removed, fails, and `failurePolicy` decides — `Fail` (the chart's setting) rejects the API request
/// ("failed calling webhook …"; https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy).
/// The request is then sent again by its author — a controller's work queue requeues it with backoff, a CD
/// tool or `kubectl` re-applies — and the new connection reaches the live endpoint. This test's client
/// plays that whole loop at once: a failed attempt (connection refused, reset, or closed mid-request) is
/// sent again, at once, to the other replica. Covered only by this contract (no API server here): the
/// endpoint removal delay (EndpointSlice update after the pod is gone or unready), kube-proxy's choice, the
/// API server's `timeoutSeconds` (10 s by default; the chart's is checked by `--self-check`), and Go's HTTP/2
/// transport re-sending a request the server had not processed when it announced GOAWAY (a graceful
/// shutdown; serve_cli.rs tests the drain). Nothing here is an HTTP/2 client: ureq speaks HTTP/1.1.
#[test]
fn killing_a_replica_mid_stream_loses_no_request() {
    const THREADS: usize = 32;
    const LOAD: Duration = Duration::from_secs(6);
    const KILL_AT: Duration = Duration::from_secs(2);
    let tmp = tempfile::tempdir().unwrap();
    let bundle = rules_bundle(tmp.path());
    let certs = tmp.path().join("certs");
    // Two replicas of one Deployment: same bundle, same certificate (the second reuses what the first wrote).
    let doomed = Server::start(&bundle, &certs, &[], &[]);
    let survivor = Server::start(&bundle, &certs, &[], &[]);
    let ports = [doomed.port, survivor.port];
    let ca = certs.join("ca.crt");
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let issued = Arc::new(AtomicUsize::new(0));
    let in_flight_at_kill = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));

    let privileged_pod = |i: usize| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("p{i}"), "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1",
                "securityContext": {"privileged": i.is_multiple_of(3)}}]}})
    };
    let started = Instant::now();
    let answers: Vec<Answer> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for t in 0..THREADS {
            let (ca, killed, stop, issued, in_flight) = (
                &ca,
                killed.clone(),
                stop.clone(),
                issued.clone(),
                in_flight.clone(),
            );
            handles.push(s.spawn(move || {
                // One client per replica: connections are kept alive, as the API server keeps them.
                let agents = [rust_client(ca), rust_client(ca)];
                let mut out = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let n = issued.fetch_add(1, Ordering::SeqCst);
                    let uid = format!("stream-{n}");
                    let rev = review(&uid, &privileged_pod(n), "CREATE", None);
                    // Spread over the Service's two endpoints; a failed attempt is sent again to the other.
                    let first = (t + i) % 2;
                    i += 1;
                    let after_kill = killed.load(Ordering::SeqCst);
                    let deadline = Instant::now() + Duration::from_secs(20);
                    let (mut attempt, mut errors, mut answered) = (0, Vec::new(), None);
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    while answered.is_none() {
                        let replica = (first + attempt) % 2;
                        match post(&agents[replica], ports[replica], &rev) {
                            Ok((200, body)) => answered = Some((replica, response_of(&rev, &body))),
                            Ok((status, body)) => {
                                panic!("{uid}: HTTP {status}: {}", String::from_utf8_lossy(&body))
                            }
                            Err(err) => {
                                assert!(
                                    killed.load(Ordering::SeqCst),
                                    "{uid}: replica {replica} failed before any was killed: {err}"
                                );
                                assert!(
                                    Instant::now() < deadline,
                                    "{uid}: no replica answered: {err}"
                                );
                                errors.push(match &err {
                                    ureq::Error::Io(io) => format!("{:?}", io.kind()),
                                    other => other.to_string(),
                                });
                                attempt += 1;
                            }
                        }
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let (replica, response) = answered.unwrap();
                    out.push(Answer {
                        uid,
                        replica,
                        retried: attempt > 0,
                        allowed: response["allowed"].as_bool().unwrap(),
                        after_kill,
                        errors,
                    });
                }
                out
            }));
        }
        // SIGKILL replica 0 under load, then keep the load on the survivor until the end.
        std::thread::sleep(KILL_AT);
        killed.store(true, Ordering::SeqCst);
        in_flight_at_kill.store(in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        let mut doomed = doomed;
        doomed.child.kill().unwrap();
        doomed.child.wait().unwrap();
        let at = issued.load(Ordering::SeqCst);
        std::thread::sleep(LOAD.saturating_sub(started.elapsed()));
        stop.store(true, Ordering::SeqCst);
        let answers: Vec<Answer> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        eprintln!(
            "replica 0 killed after {at} reviews were issued, {} in flight",
            in_flight_at_kill.load(Ordering::SeqCst)
        );
        answers
    });
    let took = started.elapsed();

    // Every review issued got exactly one answer, the right one.
    let issued = issued.load(Ordering::SeqCst);
    assert_eq!(answers.len(), issued, "reviews issued and answered");
    let uids: BTreeSet<&str> = answers.iter().map(|a| a.uid.as_str()).collect();
    assert_eq!(uids.len(), answers.len(), "a review answered twice");
    for a in &answers {
        let n: usize = a.uid.strip_prefix("stream-").unwrap().parse().unwrap();
        assert_eq!(a.allowed, !n.is_multiple_of(3), "{}", a.uid);
    }
    let by = |r: usize| answers.iter().filter(|a| a.replica == r).count();
    let retried = answers.iter().filter(|a| a.retried).count();
    #[allow(clippy::cast_precision_loss)]
    let rate = answers.len() as f64 / took.as_secs_f64();
    eprintln!(
        "{} reviews from {THREADS} threads in {took:.1?} ({rate:.0}/s): {} answered by replica 0, {} by replica 1, \
         {retried} retried on replica 1",
        answers.len(),
        by(0),
        by(1)
    );
    let mut met = BTreeMap::<&str, usize>::new();
    for e in answers.iter().flat_map(|a| &a.errors) {
        *met.entry(e.as_str()).or_default() += 1;
    }
    eprintln!("failed attempts, by error: {met:?}");
    // Real load: both replicas served under it, and requests were in flight at the kill.
    assert!(by(0) >= 100, "replica 0 answered only {}", by(0));
    assert!(
        answers.iter().filter(|a| a.after_kill).count() >= 100,
        "too little load after the kill"
    );
    assert!(retried >= 1, "no request met the dead replica");
    // Only the survivor answers a retried review or one sent after the kill.
    assert!(
        answers
            .iter()
            .all(|a| (!a.retried && !a.after_kill) || a.replica == 1)
    );
    // The surviving replica decided each review it answered once (one audit line per uid).
    assert_eq!(survivor.audited(by(1)), by(1));
    let mut seen = BTreeMap::<String, usize>::new();
    for l in survivor.lines() {
        if let Ok(v) = serde_json::from_str::<Value>(&l)
            && v["event"] == "admission"
        {
            *seen
                .entry(v["uid"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    assert_eq!(seen.len(), by(1));
}

/// Mappings select policy sets by the object's namespace; the production set denies what the default set
/// only warns about.
const MAPPED_RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: production}
rules:
  - id: no-privileged
    stages: {deploy: fail}
    kubernetes: {ids: [BW-K8S-0002]}
---
apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata: {name: baseline}
rules:
  - id: no-privileged-warn
    stages: {deploy: warn}
    kubernetes: {ids: [BW-K8S-0002]}
---
apiVersion: policy.bulwark.dev/v1
kind: Mappings
mappings:
  - name: production
    namespaces: ['prod-*']
    policySets: [production]
default: [baseline]
";

/// A ValidatingAdmissionPolicy that reads `oldObject`: only an UPDATE can violate it.
const NO_SCALE_DOWN: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-scale-down}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas >= oldObject.spec.replicas
    message: replicas may not decrease
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-scale-down}
spec: {policyName: no-scale-down, validationActions: [Deny]}
";

/// The webhook judges the request, not only its object: an UPDATE's `oldObject` reaches the VAP, and the
/// object's namespace selects the mapped policy sets. The expected answers are read off the bundle above;
/// `bulwark policy eval` on the same AdmissionReview file must give the webhook's verdict.
#[test]
fn updates_and_namespace_mappings_are_judged_as_policy_eval_judges_the_review() {
    require_curl();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), MAPPED_RULES).unwrap();
    std::fs::write(bundle.join("vap.yaml"), NO_SCALE_DOWN).unwrap();
    let now = "2026-12-01T00:00:00Z";
    let server = Server::start(
        &bundle,
        &dir.path().join("certs"),
        &[],
        &[("BULWARK_NOW", now)],
    );
    let pod = |ns: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns},
               "spec": {"containers": [{"name": "c", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}})
    };
    let deploy = |replicas: u32| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "dev"},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    };
    // (what, review, allowed, the rule that must be named in the denial or the warnings)
    let cases = [
        (
            "privileged pod in prod-eu",
            review("m1", &pod("prod-eu"), "CREATE", None),
            false,
            "no-privileged",
        ),
        (
            "privileged pod in dev",
            review("m2", &pod("dev"), "CREATE", None),
            true,
            "no-privileged-warn",
        ),
        (
            "scale down 5 -> 1",
            review("u1", &deploy(1), "UPDATE", Some(&deploy(5))),
            false,
            "no-scale-down",
        ),
        (
            "scale up 1 -> 5",
            review("u2", &deploy(5), "UPDATE", Some(&deploy(1))),
            true,
            "",
        ),
        (
            "create with 1 replica",
            review("u3", &deploy(1), "CREATE", None),
            true,
            "",
        ),
    ];
    for (i, (what, review, allowed, rule)) in cases.iter().enumerate() {
        let response = server.curl_review(review);
        assert_eq!(response["allowed"], *allowed, "{what}: {response}");
        let text = format!("{} {}", response["status"]["message"], response["warnings"]);
        if rule.is_empty() {
            assert!(!text.contains('['), "{what}: {response}");
        } else {
            assert!(text.contains(&format!("[{rule}]")), "{what}: {response}");
        }
        let file = dir.path().join(format!("review-{i}.json"));
        std::fs::write(&file, review.to_string()).unwrap();
        let eval = policy_eval(dir.path(), &bundle, "deploy", now, &[file]);
        assert_same_verdict(what, &response, &eval[0]);
    }
}

/// A digest on runtime enforcement's deny list (issue #17): the webhook refuses a pod running it, and
/// `bulwark policy eval --store` on the same review gives the same verdict (one `deny-digest` result naming the
/// rule and the alert); a digest not on the list, and the same review judged without the store, pass.
#[test]
fn a_denied_digest_gets_the_same_verdict_from_the_webhook_and_policy_eval_with_the_store() {
    require_curl();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("rules.yaml"), MAPPED_RULES).unwrap();
    let store = format!("sqlite:{}", dir.path().join("store.db").display());
    let denied = format!("sha256:{}", "d".repeat(64));
    let other = format!("sha256:{}", "e".repeat(64));
    bulwark_store::Store::open(&store)
        .unwrap()
        .deny_digest(&bulwark_store::DeniedDigest {
            digest: denied.clone(),
            rule: "Terminal shell in container".into(),
            reason: "A shell was spawned in a container".into(),
            alert_key: Some("syscall:node-1:abc:1:Terminal shell in container".into()),
            created_at: 1,
            expires_at: None,
            created_by: "enforcement".into(),
        })
        .unwrap();
    let now = "2026-12-01T00:00:00Z";
    let server = Server::start(
        &bundle,
        &dir.path().join("certs"),
        &["--store", &store],
        &[("BULWARK_NOW", now)],
    );
    let pod = |digest: &str| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "prod-eu"},
               "spec": {"containers": [{"name": "c", "image": format!("registry.example/web@{digest}")}]}})
    };
    for (i, (digest, allowed)) in [(&denied, false), (&other, true)].into_iter().enumerate() {
        let review = review(&format!("d{i}"), &pod(digest), "CREATE", None);
        let response = server.curl_review(&review);
        assert_eq!(response["allowed"], allowed, "{response}");
        let file = dir.path().join(format!("denied-{i}.json"));
        std::fs::write(&file, review.to_string()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["policy", "eval"])
            .arg(&bundle)
            .arg(&file)
            .args([
                "--stage", "deploy", "--now", now, "-f", "json", "--store", &store,
            ])
            .env_remove("BULWARK_NOW")
            .output()
            .unwrap();
        let eval: Vec<Value> = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(out.status.code(), Some(i32::from(!allowed)));
        assert_same_verdict(digest, &response, &eval[0]);
        if !allowed {
            let message = response["status"]["message"].as_str().unwrap();
            assert!(
                message.contains("[deny-digest]")
                    && message.contains("Terminal shell in container")
                    && message.contains("syscall:node-1:abc:1"),
                "{message}"
            );
            // Without the store policy eval does not know the list.
            let alone = policy_eval(dir.path(), &bundle, "deploy", now, &[file]);
            assert_eq!(alone[0]["decision"], "pass");
        }
    }
}
