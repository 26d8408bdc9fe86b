//! `bulwark dast` end to end against a small HTTP server on 127.0.0.1 (std::net::TcpListener in the test) that
//! serves two HTML pages missing X-Content-Type-Options (ZAP 10021: "X-Content-Type-Options Header Missing",
//! raised for a response without `nosniff`) and X-Frame-Options / CSP frame-ancestors (ZAP 10020: "Missing
//! Anti-clickjacking Header"). Expectations from zap-baseline.py: exit 0 pass, 1 FAIL, 2 WARN (0 with -I), 3
//! error; a `-c` rules config changes levels as the script documents; reports are written and parse (SARIF and
//! JUnit checked by bulwark-report's independent validators, as the other CLI tests do).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Serves the site until the test process ends; returns its base URL.
fn site() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let (status, body) = match path.as_str() {
                "/" => (
                    "200 OK",
                    "<!DOCTYPE html><html><head><title>Home</title></head><body>\
                     <a href=\"/about\">About</a></body></html>",
                ),
                "/about" => (
                    "200 OK",
                    "<!DOCTYPE html><html><head><title>About</title></head><body>\
                     <a href=\"/\">Home</a></body></html>",
                ),
                _ => ("404 Not Found", "not found"),
            };
            let ct = if status.starts_with("200") {
                "text/html; charset=utf-8"
            } else {
                "text/plain"
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .arg("dast")
        .args(args)
        .env_remove("BULWARK_CONFIG")
        .env("BULWARK_DB", "/nonexistent/bulwark.db")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn validators() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-report/tests/validators")
}

fn validate(script: &str, file: &Path) {
    let out = Command::new(std::env::var("BULWARK_PYTHON").unwrap_or_else(|_| "python3".into()))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(validators().join(script))
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script} rejected {}:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generate_config_without_target_writes_the_template_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("gen.conf");
    let o = bulwark(&["-g", g.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let t = std::fs::read_to_string(&g).unwrap();
    let mut lines = t.lines();
    // zap-baseline.py's four header lines.
    assert_eq!(lines.next(), Some("# zap-baseline rule configuration file"));
    assert_eq!(
        lines.next(),
        Some("# Change WARN to IGNORE to ignore rule or FAIL to fail if rule matches")
    );
    assert_eq!(
        lines.next(),
        Some("# Only the rule identifiers are used - the names are just for info")
    );
    assert_eq!(
        lines.next(),
        Some(
            "# You can add your own messages to each rule by appending them after a tab on each line."
        )
    );
    let re = regex::Regex::new(r"^-?\d+\tWARN\t\(.+\)$").unwrap();
    let ids: Vec<&str> = lines
        .map(|l| {
            assert!(re.is_match(l), "{l:?}");
            l.split('\t').next().unwrap()
        })
        .collect();
    // Sorted as strings, as the script sorts them; no example rule.
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    assert!(
        !ids.iter()
            .any(|i| ["-1", "50003", "60000", "60001"].contains(i))
    );
}

#[test]
fn bad_rules_config_is_exit_3_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(
        dir.path(),
        "bad.conf",
        "# ok\n10021\tFAIL\t(x)\n10020 WARN (spaces)\n",
    );
    let o = bulwark(&["-c", c.to_str().unwrap(), "http://127.0.0.1:9/"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("{}:3:", c.display())), "{err}");
    let c = write(dir.path(), "lvl.conf", "10021\tBLOCK\t(x)\n");
    let o = bulwark(&["-c", c.to_str().unwrap(), "http://127.0.0.1:9/"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).1.contains("level 'BLOCK'"));
}

#[test]
fn bad_targets_are_exit_3() {
    for args in [
        &[][..],
        &["ftp://127.0.0.1/"][..],
        &["-t", "not a url"][..],
        &["--http", "3", "http://127.0.0.1:9/"][..],
        &["-l", "LOUD", "http://127.0.0.1:9/"][..],
    ] {
        let o = bulwark(args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains("error"), "{args:?}");
    }
}

#[test]
fn unreachable_target_is_exit_3_naming_it() {
    // Nothing listens on a port we bound and closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let o = bulwark(&["-s", &url]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(&url), "{err}");
}

/// The site's missing headers with no config: WARN, exit 2; `-I`: exit 0.
#[test]
fn missing_headers_warn_exit_2_and_0_with_ignore_warnings() {
    let base = site();
    let o = bulwark(&["-s", &format!("{base}/")]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        out.contains("WARN-NEW: X-Content-Type-Options Header Missing [10021] x "),
        "{out}"
    );
    assert!(
        out.contains("WARN-NEW: Missing Anti-clickjacking Header [10020] x "),
        "{out}"
    );
    let summary = out.lines().last().unwrap();
    assert!(
        summary.starts_with("FAIL-NEW: 0\tFAIL-INPROG: 0\tWARN-NEW: "),
        "{summary}"
    );
    let o = bulwark(&["-s", "-I", &format!("{base}/")]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

/// `-c`: FAIL exits 1 even with -I; IGNORE and OUTOFSCOPE of every alerting rule exit 0.
#[test]
fn rules_config_levels_change_the_exit_code() {
    let base = site();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{base}/");
    let run = |conf: &str, extra: &[&str]| {
        let c = write(dir.path(), "r.conf", conf);
        let mut args = vec!["-s", "-c", c.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(&url);
        let o = bulwark(&args);
        let (out, err) = text(&o);
        (o.status.code(), out, err)
    };
    let (code, out, err) = run(
        "10021\tFAIL\t(X-Content-Type-Options Header Missing)\tfix it\n",
        &["-I"],
    );
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.contains("FAIL-NEW: X-Content-Type-Options Header Missing [10021] x "));
    assert!(out.contains(" fix it\n"));

    // Every rule that alerts, IGNOREd by id: no WARN left.
    let (_, out, _) = run("", &[]);
    let alerting: Vec<String> = out
        .lines()
        .filter(|l| l.starts_with("WARN-NEW: ") && l.contains(" ["))
        .map(|l| l[l.rfind(" [").unwrap() + 2..l.rfind(']').unwrap()].to_string())
        .collect();
    assert!(alerting.contains(&"10021".to_string()));
    let ignore = alerting
        .iter()
        .fold(String::new(), |acc, i| acc + i + "\tIGNORE\t(x)\n");
    let (code, out, _) = run(&ignore, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("IGNORE: X-Content-Type-Options Header Missing [10021] x "));

    // OUTOFSCOPE: the whole site for every rule (`*`), and by a comma list of the alerting ids.
    let (code, out, _) = run(&format!("*\tOUTOFSCOPE\t{}\n", regex::escape(&base)), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("WARN-NEW: X-"), "{out}");
    let (code, out, _) = run(
        &format!("{}\tOUTOFSCOPE\thttp://\n", alerting.join(",")),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn reports_are_written_and_parse() {
    let base = site();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let url = format!("{base}/");
    let o = bulwark(&[
        "-s",
        "-J",
        &p("zap.json"),
        "-r",
        &p("zap.html"),
        "-w",
        &p("zap.md"),
        "-f",
        "sarif",
        "-o",
        &p("out.sarif"),
        &url,
    ]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let zap: Value =
        serde_json::from_str(&std::fs::read_to_string(p("zap.json")).unwrap()).unwrap();
    let site = &zap["site"][0];
    assert_eq!(site["@name"], base);
    assert_eq!(site["@ssl"], "false");
    let alerts = site["alerts"].as_array().unwrap();
    let xcto = alerts.iter().find(|a| a["pluginid"] == "10021").unwrap();
    assert_eq!(xcto["alert"], "X-Content-Type-Options Header Missing");
    assert!(
        xcto["instances"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["uri"] == url)
    );
    let html = std::fs::read_to_string(p("zap.html")).unwrap();
    assert!(html.contains("X-Content-Type-Options Header Missing"));
    let md = std::fs::read_to_string(p("zap.md")).unwrap();
    assert!(md.contains("## Summary of Alerts"));
    validate("validate_sarif.py", Path::new(&p("out.sarif")));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(p("out.sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "ZAP-10021"),
        "{sarif}"
    );

    let o = bulwark(&["-f", "junit", "-o", &p("out.xml"), &url]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    validate("validate_junit.py", Path::new(&p("out.xml")));
    let o = bulwark(&["-f", "json", "-o", &p("out.json"), &url]);
    assert_eq!(o.status.code(), Some(2));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(p("out.json")).unwrap()).unwrap();
    assert_eq!(r["target"]["kind"], "url");
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "dast" && f["id"] == "ZAP-10021")
    );
}

/// `--policy` at stage deploy: a rule over DAST findings that fails adds a FAIL line (exit 1); an exception
/// accepting the anti-clickjacking alerts drops them before counting.
#[test]
fn policy_rules_and_exceptions_apply_at_deploy() {
    let base = site();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("policies");
    std::fs::create_dir(&bundle).unwrap();
    write(
        &bundle,
        "rules.yaml",
        "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: preview}\nrules:\n  - id: preview-headers\n    stages: {deploy: fail}\n    dast: {ids: [\"ZAP-1002*\"]}\n",
    );
    write(
        &bundle,
        "exceptions.yaml",
        "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: framed-on-purpose\n    finding: \"ZAP-10020*\"\n    owner: web\n    reason: embedded in the partner portal\n",
    );
    let url = format!("{base}/");
    let o = bulwark(&["-s", "--policy", bundle.to_str().unwrap(), &url]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(!out.contains("[10020]"), "{out}");
    assert!(
        out.contains("WARN-NEW: X-Content-Type-Options Header Missing [10021] x "),
        "{out}"
    );
    assert!(
        out.contains("FAIL-NEW: Policy rule preview-headers [policy] x "),
        "{out}"
    );
    assert!(
        out.lines().last().unwrap().starts_with("FAIL-NEW: 1\t"),
        "{out}"
    );
    // The Bulwark report carries the verdict, and the excepted findings are gone from it.
    let rep = dir.path().join("r.json");
    let o = bulwark(&[
        "-f",
        "json",
        "-o",
        rep.to_str().unwrap(),
        "--policy",
        bundle.to_str().unwrap(),
        &url,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    assert_eq!(r["verdict"]["decision"], "fail");
    assert_eq!(r["verdict"]["stage"], "deploy");
    let ids: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"ZAP-10021"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with("ZAP-10020")), "{ids:?}");
}

/// `-p`: an issue in progress prints as WARN-IN_PROGRESS with its link and leaves the exit code.
#[test]
fn progress_file_issue_in_progress() {
    let base = site();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{base}/");
    // Every alerting rule in progress: no WARN-NEW is left, so the exit code is 0.
    let o = bulwark(&["-s", &url]);
    let (out, _) = text(&o);
    let ids: Vec<String> = out
        .lines()
        .filter(|l| l.starts_with("WARN-NEW: ") && l.contains(" ["))
        .map(|l| l[l.rfind(" [").unwrap() + 2..l.rfind(']').unwrap()].to_string())
        .collect();
    let issues: Vec<String> = ids
        .iter()
        .map(|i| {
            format!(
                "{{\"id\":\"{i}\",\"state\":\"inprogress\",\"link\":\"https://tracker.test/{i}\"}}"
            )
        })
        .collect();
    let p = write(
        dir.path(),
        "progress.json",
        &format!("{{\"issues\":[{}]}}", issues.join(",")),
    );
    let o = bulwark(&["-s", "-p", p.to_str().unwrap(), &url]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("WARN-IN_PROGRESS: X-Content-Type-Options Header Missing [10021] x "),
        "{out}"
    );
    assert!(
        out.contains("\tProgress link: https://tracker.test/10021\n"),
        "{out}"
    );
    let summary = out.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!(
            "FAIL-NEW: 0\tFAIL-INPROG: 0\tWARN-NEW: 0\tWARN-INPROG: {}\t",
            ids.len()
        )),
        "{summary}"
    );
}

/// `--namespace` with manifests: a Service (no Ingress) scanned through `--service-url`; its findings name the
/// Service and the Deployment whose pod labels it selects.
#[test]
fn namespace_targets_are_scanned_and_findings_name_what_serves_them() {
    let base = site();
    let port = base.rsplit(':').next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.yaml",
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: preview-pr-7}}\nspec:\n  selector: {{app: web}}\n  ports: [{{name: http, port: {port}}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: preview-pr-7}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: nginx}}]}}\n"
        ),
    );
    let rep = dir.path().join("r.json");
    let o = bulwark(&[
        "--namespace",
        "preview-pr-7",
        "--manifests",
        dir.path().to_str().unwrap(),
        "--service-url",
        "http://127.0.0.1:{port}",
        "-f",
        "json",
        "-o",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ZAP-10021")
        .unwrap();
    assert_eq!(f["location"]["resource"], "Service/preview-pr-7/web");
    assert_eq!(
        f["properties"]["workloads"][0],
        "Deployment/preview-pr-7/web"
    );
    assert_eq!(f["properties"]["url"], format!("{base}/"));
}
