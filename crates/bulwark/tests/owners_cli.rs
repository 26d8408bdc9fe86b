//! `bulwark owners check` and `bulwark owners route` from what a user sees. The truth for who owns what comes
//! from outside Bulwark: the image's own OCI config (each layer's `created_by`, read here with serde_json),
//! `dpkg-query` on the dpkg database each layer's tar holds (unpacked with `tar`), Debian's changelogs
//! (`expected-os-findings.json`) and the PyPA/npm advisories (`expected-lang-findings-bookworm-app.json`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{bulwark, fixtures, image};
use serde_json::Value;

fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        common::build_db(
            "owners.db",
            &[
                ("--osv", fixtures().join("vulndata/osv/PyPI-all.zip")),
                ("--osv", common::vulndb_testdata("osv-npm")),
                (
                    "--debian",
                    common::vulndb_testdata("debian/bookworm-app-tracker.json"),
                ),
            ],
        )
    })
}

/// The bookworm-app scan report, written once.
fn report() -> &'static Path {
    static R: OnceLock<PathBuf> = OnceLock::new();
    R.get_or_init(|| {
        let d = db().display().to_string();
        let img = image("oci-mini:bookworm-app");
        let out = bulwark(&["scan", "image", "-q", "--db", &d, "--format", "json", &img]);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "scan: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("owners-bookworm-app.json");
        std::fs::write(&p, &out.stdout).unwrap();
        p
    })
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn require(tool: &str) {
    let ok = Command::new(tool).arg("--version").output().is_ok();
    assert!(ok, "`{tool}` is not installed: run .ci/install-deps.sh");
}

/// The image as its OCI layout describes it: each layer's blob path and its history `created_by`.
fn layout_layers() -> Vec<(PathBuf, String)> {
    let root = fixtures().join("images/oci-mini");
    let read =
        |p: PathBuf| -> Value { serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap() };
    let blob = |d: &str| {
        root.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index = read(root.join("index.json"));
    let m = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "bookworm-app")
        .unwrap();
    let manifest = read(blob(m["digest"].as_str().unwrap()));
    let config = read(blob(manifest["config"]["digest"].as_str().unwrap()));
    // Every history entry of this image made a layer (none is `empty_layer`).
    let history: Vec<String> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["created_by"].as_str().unwrap().to_string())
        .collect();
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), history.len());
    layers
        .iter()
        .zip(history)
        .map(|(l, h)| (blob(l["digest"].as_str().unwrap()), h))
        .collect()
}

/// Installed package names per `dpkg-query` on the dpkg status file in one layer's tar.
fn dpkg_in_layer(blob: &Path) -> BTreeSet<String> {
    require("tar");
    require("dpkg-query");
    let dir = tmp();
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(blob)
        .arg("-C")
        .arg(dir.path())
        .arg("var/lib/dpkg/status")
        .status()
        .unwrap();
    assert!(st.success(), "tar on {}", blob.display());
    let out = Command::new("dpkg-query")
        .arg(format!(
            "--admindir={}",
            dir.path().join("var/lib/dpkg").display()
        ))
        .args(["-W", "-f", "${db:Status-Abbrev}|${Package}\n"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('|'))
        .filter(|(s, _)| s.trim() == "ii")
        .map(|(_, n)| n.to_string())
        .collect()
}

fn route_json(args: &[&str]) -> Value {
    let mut a = vec!["owners", "route", "-o", "json"];
    a.extend_from_slice(args);
    let out = bulwark(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Package name (from the report) → team, for dpkg packages.
fn dpkg_teams(routes: &Value) -> BTreeMap<String, String> {
    let report: Value = serde_json::from_slice(&std::fs::read(report()).unwrap()).unwrap();
    let name_of: BTreeMap<&str, &str> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "dpkg")
        .map(|p| (p["purl"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    routes["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("finding").is_none())
        .filter_map(|r| {
            let name = name_of.get(r["purl"].as_str()?)?;
            Some((
                name.to_string(),
                r["team"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

fn with_team(m: &BTreeMap<String, String>, team: &str) -> BTreeSet<String> {
    m.iter()
        .filter(|(_, t)| *t == team)
        .map(|(n, _)| n.clone())
        .collect()
}

#[test]
fn layers_route_to_the_teams_that_own_them() {
    let layers = layout_layers();
    let base_layer = dpkg_in_layer(&layers[0].0);
    let final_db = dpkg_in_layer(&layers[2].0);
    assert!(base_layer.len() > 50 && final_db.len() > base_layer.len());
    // Patterns written from the image's own history, not from Bulwark's report.
    let first_word = |cmd: &str| cmd.split_whitespace().next().unwrap().to_string();
    let (debootstrap, apt) = (first_word(&layers[0].1), &layers[1].1);
    assert_eq!(debootstrap, "debootstrap");
    assert!(
        apt.starts_with("apt-get install ")
            && apt.contains("pip3 install ")
            && apt.contains("npm install ")
    );
    let dir = tmp();
    let owners = write(
        dir.path(),
        "owners.yaml",
        &format!(
            "teams:\n  platform:\n    channels: [{{type: slack, url: 'https://hooks.slack.example/T1'}}]\n  app: {{}}\n  payments: {{}}\n\
             rules:\n  - team: platform\n    createdBy: '{debootstrap} *'\n  - team: app\n    createdBy: 'apt-get install *'\n\
             \x20 - {{team: payments, purl: 'pkg:pypi/*'}}\n  - {{team: payments, purl: 'pkg:npm/*'}}\n"
        ),
    );
    let r = report().display().to_string();
    let routes = route_json(&["--owners", &owners, &r, "--all-packages"]);

    // Packages: layer 1's dpkg packages still installed go to platform, the rest of the final dpkg DB to app.
    let teams = dpkg_teams(&routes);
    let want_platform: BTreeSet<String> = base_layer.intersection(&final_db).cloned().collect();
    let want_app: BTreeSet<String> = final_db.difference(&base_layer).cloned().collect();
    assert_eq!(with_team(&teams, "platform"), want_platform);
    assert_eq!(with_team(&teams, "app"), want_app);
    assert_eq!(teams.len(), final_db.len());

    // Every rule reference points at the line that says it.
    let text = std::fs::read_to_string(&owners).unwrap();
    let line_of = |needle: &str| 1 + text.lines().position(|l| l.contains(needle)).unwrap() as u64;
    let rows = routes["routes"].as_array().unwrap();
    let rule_line = |purl_prefix: &str| {
        rows.iter()
            .find(|r| {
                r["purl"]
                    .as_str()
                    .is_some_and(|p| p.starts_with(purl_prefix))
            })
            .map(|r| r["rule"]["line"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(
        rule_line("pkg:deb/debian/adduser@"),
        line_of("debootstrap *") - 1
    );
    assert_eq!(
        rule_line("pkg:deb/debian/openssl@"),
        line_of("apt-get install *") - 1
    );
    assert_eq!(rule_line("pkg:npm/lodash@"), line_of("pkg:npm/*"));

    // Findings: each CVE Debian's changelogs give for a package goes to the team of the layer that installed
    // it; each PyPA/npm advisory of the app's pip and npm packages goes to payments.
    let finding_teams: BTreeSet<(String, String, String)> = rows
        .iter()
        .filter_map(|r| {
            let id = r["finding"].as_str()?;
            let purl = r["purl"].as_str()?;
            let name = purl.split('/').next_back()?.split('@').next()?;
            Some((
                name.to_string(),
                id.to_string(),
                r["team"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    let os: Value = serde_json::from_slice(
        &std::fs::read(
            fixtures().join("vulndata/debian-bookworm-app-delta/expected-os-findings.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for e in os.as_array().unwrap() {
        let pkg = e["package"].as_str().unwrap();
        let team = if base_layer.contains(pkg) {
            "platform"
        } else {
            "app"
        };
        for cve in e["cves"].as_array().unwrap() {
            let key = (
                pkg.to_string(),
                cve.as_str().unwrap().to_string(),
                team.to_string(),
            );
            assert!(finding_teams.contains(&key), "{key:?} not routed so");
            checked += 1;
        }
    }
    let lang: Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("vulndata/expected-lang-findings-bookworm-app.json"))
            .unwrap(),
    )
    .unwrap();
    for eco in ["pypi", "npm"] {
        for p in lang[eco].as_array().unwrap() {
            for a in p["advisories"].as_array().unwrap() {
                let ids: Vec<&str> = std::iter::once(&a["id"])
                    .chain(a["aliases"].as_array().into_iter().flatten())
                    .filter_map(Value::as_str)
                    .collect();
                let name = p["name"].as_str().unwrap();
                assert!(
                    finding_teams
                        .iter()
                        .any(|(n, id, t)| n.eq_ignore_ascii_case(name)
                            && ids.contains(&id.as_str())
                            && t == "payments"),
                    "{eco} {name} {ids:?} not routed to payments"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} expected findings");
    assert!(
        rows.iter()
            .filter(|r| r["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:pypi/") || p.starts_with("pkg:npm/")))
            .all(|r| r["team"] == "payments" && r["rule"]["kind"] == "purl")
    );
}

#[test]
fn base_image_rules_need_the_base_layer_count() {
    let layers = layout_layers();
    let base_layer = dpkg_in_layer(&layers[0].0);
    let final_db = dpkg_in_layer(&layers[2].0);
    let dir = tmp();
    let owners = write(
        dir.path(),
        "owners.yaml",
        "teams:\n  platform: {}\n  app: {}\nrules:\n  - {team: app, createdBy: '*'}\n  - {team: platform, baseImage: 'debian:bookworm'}\n",
    );
    let r = report().display().to_string();
    let routes = route_json(&[
        "--owners",
        &owners,
        &r,
        "--all-packages",
        "--base-image",
        "docker.io/library/debian:bookworm",
        "--base-layers",
        "1",
    ]);
    let teams = dpkg_teams(&routes);
    let want: BTreeSet<String> = base_layer.intersection(&final_db).cloned().collect();
    assert_eq!(with_team(&teams, "platform"), want);
    let row = routes["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/debian/adduser@"))
        })
        .unwrap();
    assert_eq!(
        row["rule"],
        serde_json::json!({"file": owners, "line": 6, "kind": "baseImage", "pattern": "debian:bookworm"})
    );
    assert_eq!(
        row["explanation"],
        format!(
            "layer 0, part of base image docker.io/library/debian:bookworm, matches baseImage \"debian:bookworm\" at {owners}:6; \
             it outranks createdBy \"*\" at {owners}:5 (team \"app\"; a kind that ranks lower)"
        )
    );
    // Without the count, no layer is known to be the base image's: the catch-all rule takes everything.
    let routes = route_json(&[
        "--owners",
        &owners,
        &r,
        "--all-packages",
        "--base-image",
        "debian:bookworm",
    ]);
    assert!(with_team(&dpkg_teams(&routes), "platform").is_empty());
}

#[test]
fn workload_flags_namespace_labels_and_owner_annotation() {
    let dir = tmp();
    let owners = write(
        dir.path(),
        "owners.yaml",
        "teams:\n  platform: {}\n  search: {}\n  shop: {}\nrules:\n  - {team: shop, namespace: 'shop-*'}\n  - {team: search, labels: {app: search}}\n",
    );
    let r = report().display().to_string();
    let teams = |v: &Value| -> BTreeSet<String> {
        v["routes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["team"].as_str().unwrap_or("-").to_string())
            .collect()
    };
    let v = route_json(&["--owners", &owners, &r, "--namespace", "shop-eu"]);
    assert_eq!(teams(&v), BTreeSet::from(["shop".to_string()]));
    assert_eq!(v["unrouted"], 0);
    let v = route_json(&[
        "--owners",
        &owners,
        &r,
        "--namespace",
        "shop-eu",
        "--labels",
        "tier=web,app=search",
        "--labels",
        "other=x",
    ]);
    assert_eq!(teams(&v), BTreeSet::from(["search".to_string()]));
    let v = route_json(&[
        "--owners",
        &owners,
        &r,
        "--namespace",
        "shop-eu",
        "--annotations",
        "bulwark.dev/owner=platform",
    ]);
    assert_eq!(teams(&v), BTreeSet::from(["platform".to_string()]));
    assert_eq!(
        v["routes"][0]["rule"],
        serde_json::json!({"file": "workload", "line": 0, "kind": "ownerAnnotation", "pattern": "bulwark.dev/owner=platform"})
    );
    // Nothing matches: every finding is reported unrouted, and the command still succeeds (findings are data).
    let out = bulwark(&[
        "owners",
        "route",
        "--owners",
        &owners,
        &r,
        "--namespace",
        "other",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let head = stdout.lines().next().unwrap();
    assert_eq!(
        head.split_whitespace().collect::<Vec<_>>(),
        ["FINDING", "PACKAGE", "LAYER", "TEAM", "RULE"]
    );
    assert!(stdout.lines().skip(1).all(|l| l.contains("(none)")));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("findings matched no rule in"), "{stderr}");
}

#[test]
fn check_reports_problems_with_file_and_line() {
    let dir = tmp();
    let good = write(
        dir.path(),
        "good.yaml",
        "teams:\n  platform: {channels: [{type: webhook, url: 'http://127.0.0.1:9/'}]}\n  payments: {}\n\
         rules:\n  - {team: platform, baseImage: 'sha256:0123'}\n  - {team: payments, registry: 'registry.example.com/payments/**'}\n",
    );
    let out = bulwark(&["owners", "check", &good]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{good}: valid (2 teams, 2 rules)\n")
    );

    // A rule repeated for the same team is a warning: still valid.
    let repeated = write(
        dir.path(),
        "repeated.yaml",
        "teams:\n  platform: {}\nrules:\n  - {team: platform, namespace: infra}\n  - {team: platform, namespace: infra}\n",
    );
    let out = bulwark(&["owners", "check", &repeated]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "{repeated}:5: rule repeats {repeated}:4 (namespace \"infra\" for team \"platform\") (warning)\n"
        )
    );

    let bad = write(
        dir.path(),
        "bad.yaml",
        "teams:\n  platform: {}\n  payments: {}\n  platform: {}\n\
         rules:\n  - {team: platform, createdBy: '*pip install*'}\n  - {team: payments, createdBy: '*pip install*'}\n\
         \x20 - {team: serch, namespace: search}\n  - {team: payments, purl: 'pkg:pypi/[r]*', owner: x}\n",
    );
    let out = bulwark(&["owners", "check", &good, &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "{bad}:4: team \"platform\" is defined twice (first at line 2)\n\
             {bad}:7: rule conflicts with {bad}:6: both match createdBy \"*pip install*\" but name different teams (\"platform\" and \"payments\")\n\
             {bad}:8: rule names team \"serch\", which is not defined under teams\n\
             {bad}:9: unknown key \"owner\" in a rule (expected one of: team, description, purl, baseImage, createdBy, registry, labels, annotations, namespace)\n"
        )
    );
    let syntax = write(
        dir.path(),
        "syntax.yaml",
        "teams:\n  platform: {}\nrules:\n  - team: platform\n    purl: 'pkg:*\n",
    );
    let out = bulwark(&["owners", "check", &syntax]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!("{syntax}:5: invalid YAML: ")),
        "{err}"
    );

    // route refuses an invalid owners file and a report that is not one, naming the file.
    let r = report().display().to_string();
    let out = bulwark(&["owners", "route", "--owners", &bad, &r]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("{bad}:4: team \"platform\" is defined twice")),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            "bulwark: error: {bad} is not a valid owners file\n"
        )),
        "{err}"
    );
    let not_report = write(dir.path(), "r.json", "{\"packages\": 3}");
    let out = bulwark(&["owners", "route", "--owners", &good, &not_report]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!(
            "bulwark: error: {not_report} is not a Bulwark JSON scan report: "
        )),
        "{err}"
    );
    let out = bulwark(&[
        "owners",
        "check",
        &dir.path().join("missing.yaml").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
