//! `bulwark dast --namespace`: the discovery of a preview namespace's targets (`cmd/dast_preview.rs`'s
//! `targets`) from manifests made by kubectl and from recorded API list responses, and the routing of DAST
//! findings to the Ingress, Service, workloads and owning team (`route`).
//!
//! The module is compiled here as it is in the binary (it is `pub(crate)`, and the binary has no library):
//! `crate::cmd::dast::DastArgs` is stood in for by a struct with the four fields `targets` reads. Expectations
//! come from the Kubernetes API reference (Ingress v1: TLS hosts, `pathType` Prefix element by element, Exact,
//! `defaultBackend`, rules without a host; Service selectors; controller ownerReferences) and the Gateway API
//! v1 reference, applied by hand to the fixtures (`fixtures/dast-preview/README.md`).
//!
//! There is no kube-apiserver on this machine: the API path is tested against bulwark-kube's test server on
//! 127.0.0.1 serving the recorded lists of `fixtures/dast-preview/api/`.

#[path = "../../bulwark-kube/tests/support/apiserver.rs"]
mod apiserver;

#[path = "../src/cmd/dast_preview.rs"]
#[allow(unreachable_pub)]
mod dast_preview;

/// The stand-in for `cmd::dast::DastArgs`: the flags `targets` reads, with their types there.
mod cmd {
    pub(crate) mod dast {
        #[derive(Default)]
        pub(crate) struct DastArgs {
            pub namespace: Option<String>,
            pub manifests: Vec<std::path::PathBuf>,
            pub kubeconfig: Option<std::path::PathBuf>,
            pub service_url: Option<String>,
        }
    }
}

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use apiserver::{ApiServer, Reply, bearer, status};
use bulwark_dast::preview::PreviewTarget;
use bulwark_types::{Finding, FindingKind, Location, Severity};
use cmd::dast::DastArgs;
use serde_json::{Value, json};

const NS: &str = "preview-pr-42";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dast-preview")
}

/// A target as a comparable row: url, route, service, workloads, path, exact, owner.
fn row(t: &PreviewTarget) -> String {
    format!(
        "{} | {} | {} | [{}] | {}{} | owner={}",
        t.url,
        t.ingress.as_deref().unwrap_or("-"),
        t.service.as_deref().unwrap_or("-"),
        t.workloads.join(", "),
        t.path,
        if t.exact { " exact" } else { "" },
        t.owner.as_deref().unwrap_or("-"),
    )
}

fn rows(ts: &[PreviewTarget]) -> Vec<String> {
    let mut r: Vec<String> = ts.iter().map(row).collect();
    r.sort();
    r
}

fn manifests_args() -> DastArgs {
    DastArgs {
        namespace: Some(NS.into()),
        manifests: vec![fixtures().join("manifests")],
        ..DastArgs::default()
    }
}

fn ns(kind: &str, name: &str) -> String {
    format!("{kind}/{NS}/{name}")
}

/// What the API reference says the fixture objects route, worked out by hand:
/// - Ingress web, rule 1: host pr-42.preview.example.com is in `tls[].hosts` → https; `/` (Prefix) → Service
///   web (port by name `http`); `/api` (Prefix) → Service api (port by number 8080).
/// - rule 2: docs.pr-42.preview.example.com is in no TLS entry → http; `/guide` Exact → Service docs, which is
///   not among the objects (no workloads).
/// - `defaultBackend` fallback:80 serves what no rule path matches: the docs host has no `/` prefix rule, so
///   `http://docs…/` is the default backend's; the pr-42 host's `/` prefix covers everything there.
/// - Service selectors `app=<name>` select the Deployments kubectl made (pod template label `app`); the web
///   Deployment has no namespace in its manifest and counts as preview-pr-42's.
/// - HTTPRoute shop: its parent Gateway preview-gw has an HTTPS listener → https; PathPrefix /cart → web,
///   Exact /healthz → api.
/// - Service admin (8443) is routed by nothing and has an HTTP-looking port → `https://admin.<ns>.svc:8443/`;
///   Service metrics (9090, named `9090-9090`) does not look like HTTP; Services web, api and fallback are
///   routed and get no Service URL.
/// - Owners: the workload's `bulwark.dev/owner` (web: frontend) over the Service's (api: backend) over the
///   Ingress's (edge).
fn expected_from_manifests() -> Vec<String> {
    let mut v = vec![
        format!(
            "https://pr-42.preview.example.com/ | {} | {} | [{}] | / | owner=frontend",
            ns("Ingress", "web"),
            ns("Service", "web"),
            ns("Deployment", "web")
        ),
        format!(
            "https://pr-42.preview.example.com/api | {} | {} | [{}] | /api | owner=backend",
            ns("Ingress", "web"),
            ns("Service", "api"),
            ns("Deployment", "api")
        ),
        format!(
            "http://docs.pr-42.preview.example.com/guide | {} | {} | [] | /guide exact | owner=edge",
            ns("Ingress", "web"),
            ns("Service", "docs"),
        ),
        format!(
            "http://docs.pr-42.preview.example.com/ | {} | {} | [{}] | / | owner=edge",
            ns("Ingress", "web"),
            ns("Service", "fallback"),
            ns("Deployment", "fallback")
        ),
        format!(
            "https://shop.pr-42.preview.example.com/cart | {} | {} | [{}] | /cart | owner=frontend",
            ns("HTTPRoute", "shop"),
            ns("Service", "web"),
            ns("Deployment", "web")
        ),
        format!(
            "https://shop.pr-42.preview.example.com/healthz | {} | {} | [{}] | /healthz exact | owner=backend",
            ns("HTTPRoute", "shop"),
            ns("Service", "api"),
            ns("Deployment", "api")
        ),
        format!(
            "https://admin.preview-pr-42.svc:8443/ | - | {} | [{}] | / | owner=-",
            ns("Service", "admin"),
            ns("Deployment", "admin")
        ),
    ];
    v.sort();
    v
}

#[test]
fn manifests_made_by_kubectl_give_hosts_paths_services_and_workloads() {
    let targets = dast_preview::targets(&manifests_args()).unwrap();
    assert_eq!(rows(&targets), expected_from_manifests());
    // Another preview's objects in the same directory are not this namespace's.
    assert!(targets.iter().all(|t| !t.url.contains("pr-41")
        && t.namespace == NS
        && t.workloads.iter().all(|w| w.contains(NS))));
    // Labels for owners.yaml `labels:` rules are the pod template's; annotations merge Ingress < Service <
    // workload.
    let web = targets
        .iter()
        .find(|t| t.url == "https://pr-42.preview.example.com/")
        .unwrap();
    assert_eq!(web.labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(
        web.owner_source.as_deref(),
        Some(ns("Deployment", "web").as_str())
    );
    assert_eq!(
        web.annotations.get("bulwark.dev/owner").map(String::as_str),
        Some("frontend")
    );
}

#[test]
fn a_rule_without_host_uses_the_service_url_template_when_given() {
    let args = DastArgs {
        service_url: Some("http://{service}.{namespace}.svc.cluster.local:{port}".into()),
        ..manifests_args()
    };
    let targets = dast_preview::targets(&args).unwrap();
    let got = rows(&targets);
    // The catch-all Ingress (a JSON List in the manifests): `/*=web:http` without a host → Service web's port
    // named http (80).
    let catchall = format!(
        "http://web.preview-pr-42.svc.cluster.local:80/ | {} | {} | [{}] | / | owner=frontend",
        ns("Ingress", "catchall"),
        ns("Service", "web"),
        ns("Deployment", "web")
    );
    assert!(got.contains(&catchall), "{got:#?}");
    // The template also builds the bare Service's URL (its scheme is the template's).
    assert!(
        got.iter()
            .any(|r| r.starts_with("http://admin.preview-pr-42.svc.cluster.local:8443/ | - |")),
        "{got:#?}"
    );
    assert_eq!(got.len(), expected_from_manifests().len() + 1);
}

#[test]
fn a_service_url_template_with_an_unknown_placeholder_is_an_error() {
    for (t, want) in [
        (
            "http://{svc}.{namespace}:{port}",
            "unknown placeholder {svc}",
        ),
        ("http://{service", "'{' without '}'"),
        ("{service}.{namespace}.svc", "must start with http://"),
    ] {
        let args = DastArgs {
            service_url: Some(t.into()),
            ..manifests_args()
        };
        let e = dast_preview::targets(&args).unwrap_err().to_string();
        assert!(e.contains(want), "{t}: {e}");
    }
}

#[test]
fn a_file_that_is_not_yaml_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("broken.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: x\n",
    )
    .unwrap();
    let args = DastArgs {
        namespace: Some(NS.into()),
        manifests: vec![d.path().to_path_buf()],
        ..DastArgs::default()
    };
    let e = format!("{:#}", dast_preview::targets(&args).unwrap_err());
    assert!(e.contains("broken.yaml"), "{e}");
}

#[test]
fn a_namespace_with_nothing_to_scan_is_an_error() {
    // Only another namespace's objects (objects without a namespace would count as preview-pr-7's).
    let args = DastArgs {
        namespace: Some("preview-pr-7".into()),
        manifests: vec![fixtures().join("manifests/other-namespace.yaml")],
        ..DastArgs::default()
    };
    let e = dast_preview::targets(&args).unwrap_err().to_string();
    assert!(
        e.contains("preview-pr-7") && e.contains("no Ingress host"),
        "{e}"
    );
}

/// The recorded lists by API path; anything of the Gateway API is 404 (not installed), other kinds list
/// nothing, as an API server answers for a namespace without them.
fn api_handler(forbid: Option<&'static str>) -> apiserver::Handler {
    let api = fixtures().join("api");
    let lists: BTreeMap<String, &str> = [
        ("/apis/networking.k8s.io/v1", "ingresses"),
        ("/api/v1", "services"),
        ("/apis/apps/v1", "deployments"),
        ("/apis/apps/v1", "replicasets"),
        ("/api/v1", "pods"),
    ]
    .into_iter()
    .map(|(g, p)| (format!("{g}/namespaces/{NS}/{p}"), p))
    .collect();
    Box::new(move |req| {
        let path = req.path().to_owned();
        if forbid.is_some_and(|f| path.ends_with(f)) {
            return Reply::Json(
                403,
                status(
                    403,
                    "Forbidden",
                    &format!("cannot list resource at {path}: RBAC: access denied"),
                ),
            );
        }
        if let Some(file) = lists.get(&path) {
            let text = std::fs::read_to_string(api.join(format!("{file}.json"))).unwrap();
            return Reply::Json(200, serde_json::from_str(&text).unwrap());
        }
        if path.starts_with("/apis/gateway.networking.k8s.io/") {
            return Reply::Json(
                404,
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                ),
            );
        }
        Reply::Json(
            200,
            json!({"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "4712"}, "items": []}),
        )
    })
}

fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let p = dir.join("kubeconfig");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: recorded\n  cluster:\n    server: {server}\ncontexts:\n- name: test\n  context:\n    cluster: recorded\n    user: me\nusers:\n- name: me\n  user:\n    token: s3cret\n"
        ),
    )
    .unwrap();
    p
}

#[test]
fn api_lists_give_the_same_routes_and_name_controllers_not_their_pods() {
    let server = ApiServer::start(None, bearer("s3cret"), api_handler(None));
    let d = tempfile::tempdir().unwrap();
    let args = DastArgs {
        namespace: Some(NS.into()),
        kubeconfig: Some(kubeconfig(d.path(), &server.url)),
        ..DastArgs::default()
    };
    let targets = dast_preview::targets(&args).unwrap();
    // The Ingress routes are the manifests'; the HTTPRoute is not listed (the Gateway API answers 404). The web
    // Service also selects the bare Pod `debug` (it carries app=web); the ReplicaSet and Pod the web Deployment
    // controls are named through the Deployment only.
    let web_workloads = format!("[{}, {}]", ns("Deployment", "web"), ns("Pod", "debug"));
    let expected: Vec<String> = expected_from_manifests()
        .into_iter()
        .filter(|r| !r.contains("HTTPRoute"))
        .map(|r| r.replace(&format!("[{}]", ns("Deployment", "web")), &web_workloads))
        .collect();
    assert_eq!(rows(&targets), expected);
    // Namespaced list requests, as kubectl sends them (limit=500), for every listed kind.
    let sent = server.targets();
    for p in [
        "/apis/networking.k8s.io/v1/namespaces/preview-pr-42/ingresses?limit=500",
        "/api/v1/namespaces/preview-pr-42/services?limit=500",
        "/apis/apps/v1/namespaces/preview-pr-42/deployments?limit=500",
        "/apis/apps/v1/namespaces/preview-pr-42/statefulsets?limit=500",
        "/apis/batch/v1/namespaces/preview-pr-42/cronjobs?limit=500",
        "/api/v1/namespaces/preview-pr-42/pods?limit=500",
        "/apis/gateway.networking.k8s.io/v1/namespaces/preview-pr-42/httproutes?limit=500",
    ] {
        assert!(sent.iter().any(|s| s.ends_with(p)), "{p} not in {sent:#?}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer s3cret"))
    );
}

#[test]
fn api_errors_on_services_stop_and_on_workloads_warn() {
    let d = tempfile::tempdir().unwrap();
    let server = ApiServer::start(None, bearer("s3cret"), api_handler(Some("/services")));
    let args = DastArgs {
        namespace: Some(NS.into()),
        kubeconfig: Some(kubeconfig(d.path(), &server.url)),
        ..DastArgs::default()
    };
    let e = format!("{:#}", dast_preview::targets(&args).unwrap_err());
    assert!(e.contains("services") && e.contains("403"), "{e}");
    drop(server);
    // Pods forbidden: the Deployment still names the web workload; the bare Pod is not seen.
    let server = ApiServer::start(None, bearer("s3cret"), api_handler(Some("/pods")));
    let args = DastArgs {
        kubeconfig: Some(kubeconfig(d.path(), &server.url)),
        ..args
    };
    let targets = dast_preview::targets(&args).unwrap();
    let web = targets
        .iter()
        .find(|t| t.url == "https://pr-42.preview.example.com/")
        .unwrap();
    assert_eq!(web.workloads, [ns("Deployment", "web")]);
}

fn finding(url: &str) -> Finding {
    Finding {
        kind: FindingKind::Misconfiguration,
        id: Cow::Borrowed("10038"),
        name: None,
        severity: Severity::Medium,
        title: Cow::Borrowed("Content Security Policy (CSP) Header Not Set"),
        message: Arc::from("no CSP"),
        location: Location::default(),
        evidence: None,
        references: Vec::new(),
        properties: [("url".to_owned(), json!(url))].into_iter().collect(),
        shared_properties: None,
    }
}

const OWNERS: &str = r#"teams:
  frontend:
    channels: [{type: slack, url: "https://hooks.slack.example/frontend"}]
  backend:
    channels: [{type: webhook, url: "https://hooks.example/backend"}]
  edge: {}
  ops:
    channels: [{type: email, to: ["ops@example.com"]}]
  platform: {}
rules:
  - team: ops
    labels: {app: admin}
  - team: platform
    namespace: "preview-pr-*"
"#;

#[test]
fn findings_name_ingress_service_workloads_and_their_team() {
    let targets = dast_preview::targets(&manifests_args()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let owners = d.path().join("owners.yaml");
    std::fs::write(&owners, OWNERS).unwrap();
    let urls = [
        "https://pr-42.preview.example.com/index.html",
        "https://pr-42.preview.example.com/api/users?id=1",
        // `/apix` is not under the Prefix `/api` (element by element).
        "https://pr-42.preview.example.com/apix",
        "http://docs.pr-42.preview.example.com/guide",
        // Exact `/guide` does not match `/guide/x`: the default backend serves it.
        "http://docs.pr-42.preview.example.com/guide/x",
        "https://admin.preview-pr-42.svc:8443/login",
        "https://shop.pr-42.preview.example.com/cart/42",
        // No target serves it: routed by the namespace alone, resource untouched.
        "https://cdn.example.net/lib.js",
    ];
    let mut findings: Vec<Finding> = urls.iter().map(|u| finding(u)).collect();
    dast_preview::route(&mut findings, &owners, &targets).unwrap();
    let got: Vec<String> = findings
        .iter()
        .map(|f| {
            let p = |k: &str| f.properties.get(k).cloned().unwrap_or(Value::Null);
            format!(
                "{} {} {} {} {}",
                f.location.resource.as_deref().unwrap_or("-"),
                p("service").as_str().unwrap_or("-"),
                p("workloads"),
                p("owner").as_str().unwrap_or("-"),
                p("channels"),
            )
        })
        .collect();
    let ing = ns("Ingress", "web");
    let expected = [
        format!(
            "{ing} {} [\"{}\"] frontend [{{\"type\":\"slack\",\"url\":\"https://hooks.slack.example/frontend\"}}]",
            ns("Service", "web"),
            ns("Deployment", "web")
        ),
        format!(
            "{ing} {} [\"{}\"] backend [{{\"type\":\"webhook\",\"url\":\"https://hooks.example/backend\"}}]",
            ns("Service", "api"),
            ns("Deployment", "api")
        ),
        format!(
            "{ing} {} [\"{}\"] frontend [{{\"type\":\"slack\",\"url\":\"https://hooks.slack.example/frontend\"}}]",
            ns("Service", "web"),
            ns("Deployment", "web")
        ),
        format!("{ing} {} [] edge []", ns("Service", "docs")),
        format!(
            "{ing} {} [\"{}\"] edge []",
            ns("Service", "fallback"),
            ns("Deployment", "fallback")
        ),
        // No owner annotation anywhere: the `labels: {app: admin}` rule (labels outrank namespace).
        format!(
            "{} {} [\"{}\"] ops [{{\"to\":[\"ops@example.com\"],\"type\":\"email\"}}]",
            ns("Service", "admin"),
            ns("Service", "admin"),
            ns("Deployment", "admin")
        ),
        format!(
            "{} {} [\"{}\"] frontend [{{\"type\":\"slack\",\"url\":\"https://hooks.slack.example/frontend\"}}]",
            ns("HTTPRoute", "shop"),
            ns("Service", "web"),
            ns("Deployment", "web")
        ),
        "- - null platform []".to_owned(),
    ];
    assert_eq!(got, expected);
    // The rule that decided: the annotation and the object carrying it, or the line where owners.yaml's rule
    // starts (`- team: ops`).
    assert_eq!(
        findings[0].properties["ownerRule"],
        json!(format!(
            "{}: bulwark.dev/owner=frontend",
            ns("Deployment", "web")
        ))
    );
    assert_eq!(
        findings[5].properties["ownerRule"],
        json!(format!("{}:11", owners.display()))
    );
    assert_eq!(findings[0].properties["ingress"], json!(ing));
}

#[test]
fn an_invalid_owners_file_is_an_error_naming_its_line() {
    let d = tempfile::tempdir().unwrap();
    let owners = d.path().join("owners.yaml");
    std::fs::write(
        &owners,
        "teams: {a: {}}\nrules:\n  - team: nobody\n    namespace: x\n",
    )
    .unwrap();
    let mut findings = vec![finding("https://pr-42.preview.example.com/")];
    let e = format!(
        "{:#}",
        dast_preview::route(&mut findings, &owners, &[]).unwrap_err()
    );
    assert!(e.contains("owners.yaml:3"), "{e}");
}

/// The fixtures are what make.sh makes (kubectl offline): regenerated into a copy and compared, when jq, yq
/// and the kubectl the fixtures were made with (v1.32) are installed; another kubectl may print differently.
#[test]
fn fixtures_are_what_make_sh_makes() {
    let ok = |t: &str, args: &[&str]| {
        Command::new(t)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let kubectl = ok("kubectl", &["version", "--client"]).unwrap_or_default();
    if ok("jq", &["--version"]).is_none()
        || ok("yq", &["--version"]).is_none()
        || !kubectl.contains("Client Version: v1.32.")
    {
        eprintln!("skipped: jq, yq or kubectl v1.32 is missing");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let copy = d.path().join("dast-preview");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(fixtures().join("make.sh"), copy.join("make.sh")).unwrap();
    let out = Command::new("bash")
        .arg(copy.join("make.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for sub in ["manifests", "api"] {
        for e in std::fs::read_dir(fixtures().join(sub)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap();
            assert_eq!(
                std::fs::read_to_string(&p).unwrap(),
                std::fs::read_to_string(copy.join(sub).join(name)).unwrap(),
                "{}",
                p.display()
            );
        }
    }
}

/// The `bulwark` commands of a shell script: lines (continuations joined) that start with `bulwark`.
fn bulwark_commands(script: &str) -> Vec<Vec<String>> {
    script
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("bulwark "))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// Every flag of `cmd` (`bulwark dast …`) is one `bulwark dast --help` lists.
fn check_flags(cmd: &[String], help: &str, file: &str) -> Vec<String> {
    assert_eq!(
        cmd.get(1).map(String::as_str),
        Some("dast"),
        "{file}: {cmd:?}"
    );
    let mut used = Vec::new();
    for t in &cmd[2..] {
        let flag = t.split('=').next().unwrap();
        let known = if flag.starts_with("--") {
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n"))
        } else if flag.len() == 2 && flag.starts_with('-') {
            help.contains(&format!("{flag}, --"))
        } else {
            continue;
        };
        assert!(
            known,
            "{file}: `{flag}` is not a flag of `bulwark dast` ({cmd:?})"
        );
        used.push(flag.to_owned());
    }
    used
}

#[test]
fn ci_examples_parse_and_use_existing_flags() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ci/preview-dast");
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["dast", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let want = ["--namespace", "-c", "--policy", "-f", "-o"];

    // GitHub Actions: on pull_request; steps with `run` scripts, the SARIF upload, the comment, the teardown.
    let gh: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("github-actions.yml")).unwrap())
            .expect("github-actions.yml parses");
    assert!(gh["on"]["pull_request"].is_mapping(), "{:?}", gh["on"]);
    let steps = gh["jobs"]["preview-dast"]["steps"].as_sequence().unwrap();
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
    };
    let upload = uses("github/codeql-action/upload-sarif@").expect("SARIF upload step");
    assert_eq!(upload["with"]["sarif_file"].as_str(), Some("dast.sarif"));
    let teardown = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("kubectl delete namespace"))
        })
        .expect("teardown step");
    assert_eq!(teardown["if"].as_str(), Some("always()"));
    let mut gh_cmds = Vec::new();
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            gh_cmds.extend(bulwark_commands(run));
        }
    }
    assert_eq!(gh_cmds.len(), 1, "{gh_cmds:?}");
    let used = check_flags(&gh_cmds[0], &help, "github-actions.yml");
    assert!(want.iter().all(|w| used.iter().any(|u| u == w)), "{used:?}");
    assert!(
        gh_cmds[0].iter().any(|t| t == "\"$NS\""),
        "{:?}",
        gh_cmds[0]
    );
    assert_eq!(
        gh["jobs"]["preview-dast"]["env"]["NS"].as_str(),
        Some("preview-pr-${{ github.event.pull_request.number }}")
    );

    // GitLab CI: a merge-request job whose script scans and whose after_script tears down.
    let gl: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("gitlab-ci.yml")).unwrap())
            .expect("gitlab-ci.yml parses");
    let job = &gl["preview-dast"];
    assert_eq!(
        job["variables"]["NS"].as_str(),
        Some("preview-pr-$CI_MERGE_REQUEST_IID")
    );
    assert!(job["after_script"].as_sequence().unwrap().iter().any(|l| {
        l.as_str()
            .is_some_and(|l| l.contains("kubectl delete namespace"))
    }));
    let mut gl_cmds = Vec::new();
    for key in ["before_script", "script", "after_script"] {
        for line in job[key].as_sequence().unwrap() {
            gl_cmds.extend(bulwark_commands(line.as_str().unwrap()));
        }
    }
    assert_eq!(gl_cmds.len(), 1, "{gl_cmds:?}");
    let used = check_flags(&gl_cmds[0], &help, "gitlab-ci.yml");
    assert!(want.iter().all(|w| used.iter().any(|u| u == w)), "{used:?}");
    assert_eq!(
        job["artifacts"]["paths"].as_sequence().map(Vec::len),
        Some(2)
    );

    // The README explains the four exit codes of zap-baseline.py and -I.
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |"] {
        assert!(readme.contains(code), "README.md lacks the row {code}");
    }
    assert!(help.contains("-I, --ignore-warnings"));
}

/// The check above, checked: a flag `bulwark dast` does not have is caught.
#[test]
#[should_panic(expected = "is not a flag of `bulwark dast`")]
fn an_unknown_flag_in_a_ci_example_is_caught() {
    let cmd = bulwark_commands("bulwark dast --namespace x \\\n  --no-such-flag");
    check_flags(&cmd[0], "      --namespace <NAMESPACE>\n", "x.yml");
}
