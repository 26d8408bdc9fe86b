//! The Tekton Task (integrations/tekton/bulwark-scan-task.yaml) and the Argo Workflows WorkflowTemplate
//! (integrations/argo/bulwark-scan-template.yaml): validated, run, and checked for Pod Security "restricted".
//!
//! Validation. There is no API server here, so `kubectl --dry-run=server` cannot apply them, and neither
//! project's CRD YAML is published in a package registry (crates.io, PyPI, npm, Debian) this machine reaches.
//! What is:
//! - Tekton: the published CRD (tektoncd/pipeline config/300-crds/300-task.yaml) is only `type: object` with
//!   `x-kubernetes-preserve-unknown-fields: true`, so a CRD-schema validation accepts any object. The stricter
//!   checks are Tekton's own rules as `@ibm/tekton-lint` (npm) implements them (undefined params, results and
//!   workspaces, unused params, script hashbangs), plus the v1 API rules the linter leaves out, written here
//!   from the Tekton v1 docs ("Tasks": step names are DNS-1123 labels, `onError` is `continue` or
//!   `stopAndFail`, `$(steps.step-NAME.exitCode.path)` names an earlier step).
//! - Argo: `@kubernetes-models/argo-workflows` (npm), JSON-schema validators generated from Argo's Go API types
//!   (github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1): types, enums and required fields.
//!   It does not reject unknown fields (nor does the API server's non-strict decoding). A second opinion:
//!   python jsonschema against the JSON schema of hera's WorkflowTemplate (PyPI `hera`, pydantic models
//!   generated from Argo's OpenAPI spec), by tests/reference/validate_argo_hera.py.
//!
//! Running. Both files are run step by step as Tekton and Argo run them: every `$(params.…)`,
//! `$(workspaces.….path)`, `$(results.….path)`, `$(steps.step-….exitCode.path)` (Tekton) and
//! `{{workflow.parameters.…}}`, `{{inputs.parameters.…}}`, `{{tasks.….exitCode}}` (Argo) substituted, the
//! container's command and arguments executed with the test's bulwark, the gate's script with `sh`, each
//! step's exit code recorded, `onError: continue` / `continueOn.failed` honoured. A repository with a made-up
//! AWS key fails the bundle (exit 1, verdict `fail`), a clean one passes (0, `pass`), `fail-on-policy: false`
//! only reports, a missing bundle is exit 2 / `error`; the SARIF passes the OASIS SARIF 2.1.0 schema.
//!
//! Pod Security. `bulwark scan k8s` reads Pods and controllers, not Tasks or Workflows, so the test renders the
//! pod each would run (Tekton: one container per step with the stepTemplate merged in; Argo: the workflow's
//! pod securityContext and the template's container) and checks it with `--compliance pss-restricted`.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-aws-credentials
    description: No AWS credentials in the repository.
    stages: {build: fail, release: fail}
    secrets:
      ids: [\"aws-*\"]
";

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn load(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo_file(rel)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn node_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/ci-node");
    assert!(
        d.join("node_modules/@ibm/tekton-lint").is_dir(),
        "npm ci --prefix {} (see .ci/install-deps.sh)",
        d.display()
    );
    d
}

/// `tekton-lint --format json --max-warnings 0` on a Task document; the problems it reports.
fn tekton_lint(tmp: &Path, task: &Value) -> Vec<Value> {
    let file = tmp.join("task.yaml");
    std::fs::write(&file, serde_yaml::to_string(task).unwrap()).unwrap();
    let dir = node_dir();
    let out = Command::new("node")
        .arg(dir.join("node_modules/@ibm/tekton-lint/dist/lint.js"))
        .args(["--format", "json", "--max-warnings", "0", "--config"])
        .arg(tmp)
        .arg(&file)
        .current_dir(tmp)
        .output()
        .expect("node");
    let problems: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "tekton-lint output ({e}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.success(), problems.is_empty(), "{problems:#?}");
    problems
}

/// The v1 rules tekton-lint does not check (Tekton docs, "Tasks"); the violations found.
fn tekton_api_rules(task: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let dns1123 = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    let steps = task["spec"]["steps"].as_array().unwrap();
    let mut earlier: Vec<(String, bool)> = Vec::new();
    for step in steps {
        let name = step["name"].as_str().unwrap_or("");
        if !dns1123(name) {
            bad.push(format!("step name {name:?} is not a DNS-1123 label"));
        }
        if let Some(e) = step.get("onError")
            && e != "continue"
            && e != "stopAndFail"
        {
            bad.push(format!("step {name}: onError {e}"));
        }
        if step.get("script").is_some() && step.get("command").is_some() {
            bad.push(format!("step {name}: script and command"));
        }
        let text = step.to_string();
        for (i, _) in text.match_indices("$(steps.step-") {
            let rest = &text[i + "$(steps.step-".len()..];
            let referred = rest.split('.').next().unwrap_or("");
            match earlier.iter().find(|(n, _)| n == referred) {
                None => bad.push(format!("step {name} reads the exit code of {referred}, not an earlier step")),
                Some((_, false)) => bad.push(format!(
                    "step {name} reads the exit code of {referred}, which stops the Task on failure (no onError: continue)"
                )),
                Some(_) => {}
            }
        }
        earlier.push((name.to_string(), step["onError"] == "continue"));
    }
    bad
}

#[test]
fn tekton_task_passes_tekton_lint_and_the_v1_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let task = load("integrations/tekton/bulwark-scan-task.yaml");
    assert_eq!(task["apiVersion"], "tekton.dev/v1");
    assert_eq!(task["kind"], "Task");
    assert_eq!(tekton_lint(tmp.path(), &task), Vec::<Value>::new());
    assert_eq!(tekton_api_rules(&task), Vec::<String>::new());
    let results: Vec<&str> = task["spec"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["verdict", "exit-code", "sarif", "report"]);

    // Both checks can fail: an undefined parameter, a step reading a later step's exit code.
    let mut bad = task.clone();
    bad["spec"]["steps"][0]["env"][1]["value"] = json!("$(params.nope)");
    let problems = tekton_lint(tmp.path(), &bad);
    assert!(
        problems.iter().any(|p| p["rule"] == "no-undefined-param"),
        "{problems:#?}"
    );
    let mut bad = task.clone();
    bad["spec"]["steps"].as_array_mut().unwrap().swap(0, 3);
    assert!(!tekton_api_rules(&bad).is_empty());
    let mut bad = task;
    bad["spec"]["steps"][1]["onError"] = json!("ignore");
    assert!(!tekton_api_rules(&bad).is_empty());
}

/// `validate-argo.mjs` on a document: Ok, or the validator's message.
fn argo_validate(doc: &Value) -> Result<(), String> {
    use std::io::Write;
    let dir = node_dir();
    let mut child = Command::new("node")
        .arg(dir.join("validate-argo.mjs"))
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn argo_template_validates_against_the_argo_types() {
    let t = load("integrations/argo/bulwark-scan-template.yaml");
    assert_eq!(t["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(t["kind"], "WorkflowTemplate");
    argo_validate(&t).unwrap();
    // The validator bites: a string where Argo has a boolean, a string user id.
    let mut bad = t.clone();
    bad["spec"]["templates"][0]["dag"]["tasks"][0]["continueOn"]["failed"] = json!("yes");
    let err = argo_validate(&bad).unwrap_err();
    assert!(err.contains("continueOn/failed must be boolean"), "{err}");
    let mut bad = t.clone();
    bad["spec"]["securityContext"]["runAsUser"] = json!("65532");
    assert!(argo_validate(&bad).unwrap_err().contains("runAsUser"));

    // The second opinion: python jsonschema against the schema of hera's WorkflowTemplate model.
    let tmp = tempfile::tempdir().unwrap();
    hera_validate(&repo_file("integrations/argo/bulwark-scan-template.yaml")).unwrap();
    let mut bad = t;
    bad["spec"]["templates"][0]["dag"]["tasks"][0]["continueOn"]["failed"] = json!("yes");
    // JSON (a YAML subset): PyYAML reads YAML 1.1, where an unquoted `yes` would be a boolean.
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, bad.to_string()).unwrap();
    hera_validate(&file).unwrap_err();
}

/// `validate_argo_hera.py` (in the hera venv .ci/install-deps.sh makes; `BULWARK_HERA_PYTHON` names another).
fn hera_validate(file: &Path) -> Result<(), String> {
    let python = std::env::var_os("BULWARK_HERA_PYTHON").map_or_else(
        || PathBuf::from("/opt/bulwark-hera-venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        python.exists(),
        "{} is missing: see the hera venv in .ci/install-deps.sh",
        python.display()
    );
    let out = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/validate_argo_hera.py"))
        .arg(file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A repository (with the made-up AWS key when `leak`), the team's bundle, and a bulwark.yaml without the DB.
struct Fixture {
    repo: PathBuf,
    bundle: PathBuf,
    config: PathBuf,
}

fn fixture(tmp: &Path, leak: bool) -> Fixture {
    let repo = tmp.join("src");
    let bundle = tmp.join("bundle");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(repo.join("README.md"), "an application\n").unwrap();
    if leak {
        std::fs::write(
            repo.join("settings.env"),
            "AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n",
        )
        .unwrap();
    }
    std::fs::write(bundle.join("rules.yaml"), RULES).unwrap();
    std::fs::write(
        bundle.join("bundle.yaml"),
        "name: team-policies\nversion: 2.0.0\n",
    )
    .unwrap();
    let config = tmp.join("bulwark.yaml");
    std::fs::write(&config, "no-vulns: true\n").unwrap();
    Fixture {
        repo,
        bundle,
        config,
    }
}

/// Runs one container: `bulwark` from the test's build, a script with `sh`; its exit code.
fn exec(
    command: &[String],
    script: Option<&str>,
    env: &BTreeMap<String, String>,
    cwd: &Path,
    log: &mut String,
) -> i32 {
    let mut cmd = if let Some(script) = script {
        let file = cwd.join(".step.sh");
        std::fs::write(&file, script).unwrap();
        let mut c = Command::new("sh");
        c.arg(file);
        c
    } else {
        assert_eq!(command[0], "bulwark", "{command:?}");
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulwark"));
        c.args(&command[1..]);
        c
    };
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env);
    let out = cmd.output().unwrap();
    let _ = write!(
        log,
        "$ {command:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.code().unwrap_or(-1)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

struct Outcome {
    code: i32,
    results: BTreeMap<String, String>,
    log: String,
}

/// Runs the Task as a TaskRun would, with `params` over the defaults.
fn run_tekton(tmp: &Path, fx: &Fixture, params: &[(&str, &str)]) -> Outcome {
    let task = load("integrations/tekton/bulwark-scan-task.yaml");
    let spec = &task["spec"];
    let mut p: BTreeMap<String, String> = BTreeMap::new();
    for d in spec["params"].as_array().unwrap() {
        if let Some(v) = d["default"].as_str() {
            p.insert(d["name"].as_str().unwrap().into(), v.into());
        }
    }
    for (k, v) in params {
        p.insert((*k).into(), (*v).into());
    }
    let reports = tmp.join("reports");
    let results_dir = tmp.join("results");
    let steps_dir = tmp.join("steps");
    let home = tmp.join("home");
    for d in [&reports, &results_dir, &steps_dir, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    let subst = |s: &str| -> String {
        let mut s = s
            .replace("$(workspaces.source.path)", fx.repo.to_str().unwrap())
            .replace("$(workspaces.reports.path)", reports.to_str().unwrap())
            .replace("$(workspaces.db.path)", "");
        for r in spec["results"].as_array().unwrap() {
            let n = r["name"].as_str().unwrap();
            s = s.replace(
                &format!("$(results.{n}.path)"),
                results_dir.join(n).to_str().unwrap(),
            );
        }
        for st in spec["steps"].as_array().unwrap() {
            let n = st["name"].as_str().unwrap();
            s = s.replace(
                &format!("$(steps.step-{n}.exitCode.path)"),
                steps_dir.join(n).to_str().unwrap(),
            );
        }
        for (k, v) in &p {
            s = s.replace(&format!("$(params.{k})"), v);
        }
        assert!(!s.contains("$(params."), "unsubstituted: {s}");
        s
    };
    let mut log = String::new();
    let mut code = 0;
    for step in spec["steps"].as_array().unwrap() {
        let name = step["name"].as_str().unwrap();
        let mut env = BTreeMap::new();
        for e in spec["stepTemplate"]["env"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(step["env"].as_array().into_iter().flatten())
        {
            let v = subst(e["value"].as_str().unwrap());
            // The emptyDir mounted at /tmp.
            let v = if v == "/tmp" {
                home.display().to_string()
            } else {
                v
            };
            env.insert(e["name"].as_str().unwrap().to_string(), v);
        }
        let mut command = strings(&step["command"]);
        for a in strings(&step["args"]) {
            if a == "$(params.args[*])" {
                continue; // the fixtures pass no extra arguments: an empty array expands to nothing.
            }
            command.push(subst(&a));
        }
        let script = step["script"].as_str().map(subst);
        let cwd = step["workingDir"]
            .as_str()
            .map_or_else(|| tmp.to_path_buf(), |w| PathBuf::from(subst(w)));
        let rc = exec(&command, script.as_deref(), &env, &cwd, &mut log);
        std::fs::write(steps_dir.join(name), rc.to_string()).unwrap();
        if rc != 0 && step["onError"] != "continue" {
            code = rc;
            break;
        }
    }
    let results = spec["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = r["name"].as_str().unwrap().to_string();
            let v = std::fs::read_to_string(results_dir.join(&n)).unwrap_or_default();
            (n, v)
        })
        .collect();
    Outcome { code, results, log }
}

/// Runs the WorkflowTemplate's DAG as Argo would, with `params` over the defaults; /work/out, /work/cache,
/// /work/src and /tmp (the template's mounts and input artifact) are directories under `tmp`.
fn run_argo(tmp: &Path, fx: &Fixture, params: &[(&str, &str)]) -> Outcome {
    let t = load("integrations/argo/bulwark-scan-template.yaml");
    let spec = &t["spec"];
    let mut p: BTreeMap<String, String> = BTreeMap::new();
    for d in spec["arguments"]["parameters"].as_array().unwrap() {
        p.insert(
            d["name"].as_str().unwrap().into(),
            d["value"].as_str().unwrap().into(),
        );
    }
    for (k, v) in params {
        p.insert((*k).into(), (*v).into());
    }
    let out = tmp.join("work-out");
    let cache = tmp.join("work-cache");
    let tmpdir = tmp.join("pod-tmp");
    for d in [&out, &cache, &tmpdir] {
        std::fs::create_dir_all(d).unwrap();
    }
    // The pod's /tmp (an emptyDir): only in the template's own strings, before any value is put in.
    let pod_tmp = |s: &str| -> String {
        if s == "/tmp" {
            tmpdir.display().to_string()
        } else if let Some(rest) = s.strip_prefix("/tmp/") {
            tmpdir.join(rest).display().to_string()
        } else {
            s.to_string()
        }
    };
    // The volume mounts and the input artifact, wherever they appear.
    let paths = |s: &str| -> String {
        s.replace("/work/out", out.to_str().unwrap())
            .replace("/work/cache", cache.to_str().unwrap())
            .replace("/work/src", fx.repo.to_str().unwrap())
    };
    let template = |name: &str| find_template(spec, name);
    let entry = template(spec["entrypoint"].as_str().unwrap());
    let mut exit_codes: BTreeMap<String, i32> = BTreeMap::new();
    let mut log = String::new();
    let mut code = 0;
    let mut gate_outputs = BTreeMap::new();
    for task in entry["dag"]["tasks"].as_array().unwrap() {
        let tname = task["name"].as_str().unwrap();
        if let Some(dep) = task["depends"].as_str() {
            for word in dep.split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.') {
                if let Some((t, _)) = word.split_once('.') {
                    assert!(
                        exit_codes.contains_key(t),
                        "{tname} depends on {t}, not run yet"
                    );
                }
            }
        }
        let tpl = template(task["template"].as_str().unwrap());
        let mut inputs = BTreeMap::new();
        for a in task["arguments"]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let mut v = a["value"].as_str().unwrap().to_string();
            for (t, rc) in &exit_codes {
                v = v.replace(&format!("{{{{tasks.{t}.exitCode}}}}"), &rc.to_string());
            }
            for (k, w) in &p {
                v = v.replace(&format!("{{{{workflow.parameters.{k}}}}}"), w);
            }
            inputs.insert(a["name"].as_str().unwrap().to_string(), v);
        }
        let subst = |s: &str| -> String {
            let mut s = pod_tmp(s);
            for (k, v) in &p {
                s = s.replace(&format!("{{{{workflow.parameters.{k}}}}}"), v);
            }
            for (k, v) in &inputs {
                s = s.replace(&format!("{{{{inputs.parameters.{k}}}}}"), v);
            }
            assert!(!s.contains("{{"), "unsubstituted: {s}");
            paths(&s)
        };
        let c = if tpl.get("container").is_some() {
            &tpl["container"]
        } else {
            &tpl["script"]
        };
        let env: BTreeMap<String, String> = c["env"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    subst(e["value"].as_str().unwrap()),
                )
            })
            .collect();
        let mut command = strings(&c["command"]);
        command.extend(strings(&c["args"]).iter().map(|a| subst(a)));
        let script = c["source"].as_str().map(&subst);
        let rc = exec(&command, script.as_deref(), &env, tmp, &mut log);
        exit_codes.insert(tname.to_string(), rc);
        if tpl.get("script").is_some() {
            for o in tpl["outputs"]["parameters"].as_array().unwrap() {
                let path = pod_tmp(o["valueFrom"]["path"].as_str().unwrap());
                gate_outputs.insert(
                    o["name"].as_str().unwrap().to_string(),
                    std::fs::read_to_string(path).unwrap_or_default(),
                );
            }
        }
        if rc != 0 && task["continueOn"]["failed"] != true {
            code = rc;
            break;
        }
    }
    // The workflow's outputs are the gate's.
    for o in entry["outputs"]["parameters"].as_array().unwrap() {
        let from = o["valueFrom"]["parameter"].as_str().unwrap();
        let n = o["name"].as_str().unwrap();
        assert_eq!(from, format!("{{{{tasks.gate.outputs.parameters.{n}}}}}"));
    }
    Outcome {
        code,
        results: gate_outputs,
        log,
    }
}

fn find_template<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
}

type Runner = fn(&Path, &Fixture, &[(&str, &str)]) -> Outcome;

fn scenarios(run: Runner, target: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let case = |name: &str, leak: bool, extra: &[(&str, &str)]| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let fx = fixture(&dir, leak);
        let bundle = fx.bundle.display().to_string();
        let config = fx.config.display().to_string();
        let mut params = vec![
            ("scan-type", "fs"),
            ("target", target),
            ("policy", bundle.as_str()),
            ("config", config.as_str()),
        ];
        params.extend_from_slice(extra);
        run(&dir, &fx, &params)
    };

    let o = case("fail", true, &[]);
    assert_eq!(o.code, 1, "{}", o.log);
    assert_eq!(o.results["verdict"], "fail", "{}", o.log);
    assert_eq!(o.results["exit-code"], "1");
    common::validate("sarif", Path::new(&o.results["sarif"]));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&o.results["report"]).unwrap()).unwrap();
    assert_eq!(report["verdict"]["decision"], "fail");

    let o = case("pass", false, &[("format", "junit")]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.results["verdict"], "pass", "{}", o.log);
    assert_eq!(o.results["exit-code"], "0");
    assert!(o.results["report"].ends_with("bulwark-report.junit"));
    common::validate("junit", Path::new(&o.results["report"]));
    common::validate("sarif", Path::new(&o.results["sarif"]));

    let o = case("report-only", true, &[("fail-on-policy", "false")]);
    assert_eq!(o.code, 0, "{}", o.log);
    assert_eq!(o.results["verdict"], "fail");
    assert!(o.log.contains("fail-on-policy is false"), "{}", o.log);

    let o = case("no-bundle", false, &[("policy", "/nonexistent/bundle")]);
    assert_eq!(o.code, 2, "{}", o.log);
    assert_eq!(o.results["verdict"], "error");
    assert_eq!(o.results["exit-code"], "2");
}

#[test]
fn tekton_task_steps_run_the_scan_and_gate_on_the_verdict() {
    scenarios(run_tekton, ".");
}

#[test]
fn argo_template_steps_run_the_scan_and_gate_on_the_verdict() {
    scenarios(run_argo, "/work/src");
}

/// The Pod Security "restricted" result of `bulwark scan k8s --compliance pss-restricted` on `pod`.
fn pss_failed(tmp: &Path, name: &str, pod: &Value) -> u64 {
    let file = tmp.join(format!("{name}.yaml"));
    std::fs::write(&file, serde_yaml::to_string(pod).unwrap()).unwrap();
    let out = common::bulwark(&[
        "scan",
        "k8s",
        file.to_str().unwrap(),
        "--compliance",
        "pss-restricted",
        "-f",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        report["workloads"].as_array().map(Vec::len),
        Some(1),
        "{report:#}"
    );
    report["compliance"]["failed"].as_u64().unwrap()
}

/// The pod a TaskRun of the Task runs: a container per step, the stepTemplate merged in.
fn tekton_pod(task: &Value) -> Value {
    let spec = &task["spec"];
    let tpl = &spec["stepTemplate"];
    let containers: Vec<Value> = spec["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!({
                "name": format!("step-{}", s["name"].as_str().unwrap()),
                "image": "registry.example/bulwark@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "securityContext": s.get("securityContext").unwrap_or(&tpl["securityContext"]),
                "volumeMounts": tpl["volumeMounts"],
            })
        })
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bulwark-scan-run-pod", "namespace": "ci"},
        "spec": {"containers": containers, "volumes": spec["volumes"]}
    })
}

/// The pods of the WorkflowTemplate: one per template, with the workflow's pod securityContext.
fn argo_pods(t: &Value) -> Vec<Value> {
    let spec = &t["spec"];
    spec["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|tpl| {
            let c = tpl.get("container").or_else(|| tpl.get("script"))?;
            Some((tpl["name"].as_str().unwrap(), c))
        })
        .map(|(name, c)| {
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": format!("bulwark-scan-{name}"), "namespace": "ci"},
                "spec": {
                    "securityContext": spec["securityContext"],
                    "containers": [{
                        "name": "main",
                        "image": "registry.example/bulwark@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                        "securityContext": c["securityContext"],
                    }],
                    "volumes": [{"name": "work", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}],
                }
            })
        })
        .collect()
}

#[test]
fn their_pods_meet_pod_security_restricted() {
    let tmp = tempfile::tempdir().unwrap();
    let task = load("integrations/tekton/bulwark-scan-task.yaml");
    assert_eq!(pss_failed(tmp.path(), "tekton", &tekton_pod(&task)), 0);
    let t = load("integrations/argo/bulwark-scan-template.yaml");
    let pods = argo_pods(&t);
    assert_eq!(pods.len(), 3);
    for (i, pod) in pods.iter().enumerate() {
        assert_eq!(pss_failed(tmp.path(), &format!("argo-{i}"), pod), 0);
    }
    // The check can fail: the same pod allowed to escalate privileges.
    let mut bad = task;
    bad["spec"]["stepTemplate"]["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    assert!(pss_failed(tmp.path(), "tekton-bad", &tekton_pod(&bad)) > 0);
}
