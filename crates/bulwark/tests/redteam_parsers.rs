//! Red-team regressions for the parsers that were quadratic (`../shared/redteam/README.md`, cases #5 dpkg part,
//! #11, #12, #13): each input is generated here, a few MB at most, and each run has a deadline far above what
//! the linear code needs and far below what the quadratic code took on the same input (minutes in a debug
//! build), so a regression fails instead of stalling CI. The file passes under `prlimit --as=1G`.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// Runs bulwark in `dir`; a run still going at the deadline is killed and fails the test.
fn run(args: &[&str], dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    common::output_within(cmd, DEADLINE)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}, stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (level, path, line, message) of every diagnostic in a JSON report.
fn diagnostics(v: &serde_json::Value) -> Vec<(String, String, Option<u64>, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["level"].as_str().unwrap().to_string(),
                d["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                d["location"]["line"].as_u64(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn purls(v: &serde_json::Value) -> Vec<String> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect()
}

const SCAN_FS: &[&str] = &[
    "scan",
    "fs",
    ".",
    "--no-vulns",
    "--skip-secrets",
    "--skip-malware",
    "-f",
    "json",
];

/// #11: one early anchor, N more anchors, then N aliases to the early one. Alias lookup was a reverse scan
/// of every anchor seen (O(N²)); the aliases must still resolve to the first anchor's value.
#[test]
fn case11_k8s_many_anchors_and_aliases() {
    let n = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: q}\ndata:\n  k: &a0 v\n  l:\n",
    );
    s.push_str(&"  - &b x\n".repeat(n));
    s.push_str("  m:\n");
    s.push_str(&"  - *a0\n".repeat(n));
    // A Pod after the ConfigMap: its privileged container, reached through an alias to an anchor defined
    // again (the later definition wins), must still be found.
    s.push_str(
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext: &sc {privileged: false}\n  - name: d\n    image: nginx:1.27\n    securityContext: &sc {privileged: true}\n  - name: e\n    image: nginx:1.27\n    securityContext: *sc\n",
    );
    std::fs::write(dir.path().join("q.yaml"), &s).unwrap();
    let out = run(&["scan", "k8s", "-f", "json", "q.yaml"], dir.path());
    let v = json(&out);
    let d = diagnostics(&v);
    assert!(d.iter().all(|(l, ..)| l != "error"), "{d:?}");
    let privileged: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "BW-K8S-0002")
        .map(|f| f["location"]["line"].as_u64().unwrap_or(0))
        .collect();
    // Containers d and e are privileged (e through the alias), c is not.
    assert_eq!(privileged.len(), 2, "{}", v["findings"]);
}

/// #12: `pnpm-lock.yaml` whose `packages:` is N nested flow sequences. yaml_serde took O(N²) before refusing
/// it; it is now refused before parsing, with a warning naming the file and line, and the rest of the tree is
/// still scanned.
#[test]
fn case12_pnpm_lock_deep_nesting_is_refused_quickly() {
    let n = 200_000;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deep")).unwrap();
    std::fs::write(
        dir.path().join("deep/pnpm-lock.yaml"),
        format!(
            "lockfileVersion: '6.0'\npackages: {}{}\n",
            "[".repeat(n),
            "]".repeat(n)
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("ok")).unwrap();
    std::fs::write(
        dir.path().join("ok/pnpm-lock.yaml"),
        "lockfileVersion: '6.0'\npackages:\n  /ms@2.1.3:\n    resolution: {integrity: sha512-x}\n    dev: false\n",
    )
    .unwrap();
    let out = run(SCAN_FS, dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(purls(&v), ["pkg:npm/ms@2.1.3"]);
    let d = diagnostics(&v);
    assert!(
        d.iter().any(|(l, p, line, m)| l == "warning"
            && p.ends_with("deep/pnpm-lock.yaml")
            && *line == Some(2)
            && m.contains("128 levels")),
        "{d:?}"
    );
}

/// #13a: a POM with N dependencies, one per line. Each computed its line by counting from the file start;
/// the lines reported must still be exact.
#[test]
fn case13_pom_many_dependencies() {
    let n = 30_000;
    let dir = tempfile::tempdir().unwrap();
    let mut pom = String::from("<project>\n<dependencies>\n");
    for i in 0..n {
        let _ = writeln!(
            pom,
            "<dependency><groupId>g</groupId><artifactId>a{i}</artifactId><version>1.0</version></dependency>"
        );
    }
    // Line n + 3: a dependency without a groupId, reported at its line.
    pom.push_str(
        "<dependency><artifactId>z</artifactId></dependency>\n</dependencies></project>\n",
    );
    std::fs::write(dir.path().join("pom.xml"), pom).unwrap();
    let out = run(SCAN_FS, dir.path());
    let v = json(&out);
    let p = purls(&v);
    assert_eq!(p.len(), n);
    assert!(p.contains(&format!("pkg:maven/g/a{}@1.0", n - 1)));
    let d = diagnostics(&v);
    assert!(
        d.iter().any(|(l, path, line, m)| l == "warning"
            && path.ends_with("pom.xml")
            && *line == Some(n as u64 + 3)
            && m.contains("without groupId")),
        "{d:?}"
    );
}

/// #13b: `<properties>` holding N tags that are never closed. Each searched the rest of the file for its
/// close; the property after them must still resolve a dependency's version.
#[test]
fn case13_pom_unclosed_property_tags() {
    let n = 200_000;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pom.xml"),
        format!(
            "<project><properties>{}<lib.version>2.5</lib.version></properties>\n<dependencies><dependency><groupId>g</groupId><artifactId>lib</artifactId><version>${{lib.version}}</version></dependency></dependencies></project>\n",
            "<x>".repeat(n)
        ),
    )
    .unwrap();
    let out = run(SCAN_FS, dir.path());
    assert_eq!(purls(&json(&out)), ["pkg:maven/g/lib@2.5"]);
}

/// #5 (dpkg part): a status file that repeats one stanza N times. dpkg keeps one instance per package and
/// architecture, so the SBOM has one package (the id allocation in the writers was O(N²) in the copies), and a
/// warning says the file repeats itself.
#[test]
fn case5_dpkg_repeated_stanza_is_one_package() {
    let n = 40_000;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/status"),
        "Package: p\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n".repeat(n),
    )
    .unwrap();
    let v = json(&run(&["sbom", "dir:root", "-f", "json"], dir.path()));
    assert_eq!(
        purls(&v),
        ["pkg:deb/debian/p@1.0?arch=amd64&distro=debian-12"]
    );
    let d = diagnostics(&v);
    assert!(
        d.iter().any(|(l, p, line, m)| l == "warning"
            && p == "/var/lib/dpkg/status"
            && *line == Some(6)
            && m.starts_with(&format!("{} stanza(s) repeat", n - 1))),
        "{d:?}"
    );
    for format in ["cyclonedx", "spdx-json"] {
        let out = run(&["sbom", "dir:root", "-f", format], dir.path());
        assert_eq!(out.status.code(), Some(0), "{format}");
        let doc = json(&out);
        let listed = doc
            .get("components")
            .or_else(|| doc.get("packages"))
            .and_then(|c| c.as_array())
            .map(|c| {
                c.iter()
                    .filter(|c| c["name"] == "p" && c["versionInfo"] != "12")
                    .count()
            });
        assert_eq!(listed, Some(1), "{format}");
    }
}

/// #12, the other YAML files a user hands over: the ignore file, the secrets configuration and the license
/// policy went to yaml_serde unchecked, as quadratic on nested flow sequences as the pnpm lockfile was
/// (400 KB: over a minute). Each is now refused by the shared nesting check with a clear error naming the
/// file and the line, exit 2, at once.
#[test]
fn case12_deeply_nested_user_yaml_files_are_refused_quickly() {
    let n = 200_000;
    for (flag, file, key, skip) in [
        ("--ignorefile", "ignore.yaml", "ignore", "--skip-secrets"),
        ("--secrets-config", "secrets.yaml", "rules", "-q"),
        ("--license-policy", "policy.yaml", "deny", "--skip-secrets"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{key}: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert!(text.len() > 400_000);
        std::fs::write(dir.path().join(file), text).unwrap();
        let start = std::time::Instant::now();
        let out = run(
            &[
                "scan",
                "fs",
                ".",
                "--no-vulns",
                "--skip-malware",
                skip,
                "-f",
                "json",
                flag,
                file,
            ],
            dir.path(),
        );
        let elapsed = start.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(
            err.contains(file) && err.contains("nests collections more than 128 levels deep"),
            "{flag}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // A debug build answers in a fraction of a second; the quadratic parse took over a minute.
        assert!(elapsed < Duration::from_secs(5), "{flag}: {elapsed:?}");
    }
}
