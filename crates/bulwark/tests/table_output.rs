//! The default `-f table` output, as a user reads it: it fits `COLUMNS`, keeps every identifier whole (checked
//! against the JSON renderer's output of the same scan, a different code path), separates OS and language
//! packages, names secrets, frameworks and CIS controls for people (titles from kube-bench's CIS 1.9 checks in
//! `../shared/fixtures/upstream`), lists an SBOM's packages, and writes no escape codes to a pipe.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{fixtures, image};
use unicode_width::UnicodeWidthStr;

/// Runs bulwark with `COLUMNS` set (or removed) and `NO_COLOR` unset, so that only the code decides.
fn run(columns: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args).env_remove("NO_COLOR");
    match columns {
        Some(c) => cmd.env("COLUMNS", c),
        None => cmd.env_remove("COLUMNS"),
    };
    let out = cmd.output().expect("run bulwark");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "bulwark {args:?} exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        common::build_db(
            "table-output.db",
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

fn bookworm_app() -> String {
    image("oci-mini:bookworm-app")
}

/// One table of the output: the heading above it, its header cells, and its rows (wrapped lines joined).
#[derive(Debug)]
struct Table {
    heading: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn column(&self, name: &str) -> Vec<&str> {
        let i = self
            .col(name)
            .unwrap_or_else(|| panic!("no {name} column in {self:#?}"));
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

fn cells(line: &str) -> Vec<String> {
    let inner = line
        .trim_end()
        .strip_prefix('│')
        .and_then(|l| l.strip_suffix('│'))
        .unwrap_or("");
    inner.split('│').map(|c| c.trim().to_owned()).collect()
}

/// Joins a cell's wrapped pieces. Wrapping happens after `-`, `/`, `.`… (no space lost) or at a space.
fn join(a: &str, b: &str) -> String {
    if a.is_empty() || b.is_empty() {
        return format!("{a}{b}");
    }
    let glue = a.ends_with(['-', '/', '.', ',', '_', ':', '~', '+', '@', ';', '=']);
    if glue {
        format!("{a}{b}")
    } else {
        format!("{a} {b}")
    }
}

/// Reads the boxed tables back. A row starts on the line whose `start_col` cell is not empty (severity and
/// status cells never wrap); lines without inner borders are titles moved under their row, and are skipped.
fn tables(text: &str) -> Vec<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('┌') {
            i += 1;
            continue;
        }
        let heading = lines[..i]
            .iter()
            .rev()
            .take_while(|l| !l.is_empty() && !l.starts_with('└'))
            .copied()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        i += 1;
        let mut header: Vec<String> = Vec::new();
        while !lines[i].starts_with('├') {
            let c = cells(lines[i]);
            header = if header.is_empty() {
                c
            } else {
                header.iter().zip(&c).map(|(a, b)| join(a, b)).collect()
            };
            i += 1;
        }
        i += 1;
        let start = ["Severity", "Status"]
            .iter()
            .find_map(|h| header.iter().position(|x| x == h))
            .unwrap_or(0);
        let mut rows: Vec<Vec<String>> = Vec::new();
        while !lines[i].starts_with('└') {
            let c = cells(lines[i]);
            i += 1;
            if c.len() != header.len() {
                continue; // a title under its row
            }
            if !c[start].is_empty() || rows.is_empty() {
                rows.push(c);
            } else {
                let last = rows.last_mut().unwrap();
                for (a, b) in last.iter_mut().zip(&c) {
                    *a = join(a, b);
                }
            }
        }
        out.push(Table {
            heading,
            header,
            rows,
        });
    }
    out
}

fn assert_fits(text: &str, width: usize) {
    for (n, l) in text.lines().enumerate() {
        assert!(
            UnicodeWidthStr::width(l) <= width,
            "line {} is {} columns wide (limit {width}):\n{l}",
            n + 1,
            UnicodeWidthStr::width(l)
        );
    }
}

fn prop<'a>(f: &'a serde_json::Value, k: &str) -> &'a str {
    f["properties"][k].as_str().unwrap_or("")
}

#[test]
fn image_scan_fits_and_keeps_every_identifier() {
    let d = db().display().to_string();
    let json = common::json(&[
        "scan",
        "image",
        "-q",
        "-f",
        "json",
        "--db",
        &d,
        &bookworm_app(),
    ]);
    let vulns: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .collect();
    assert!(vulns.len() > 100, "the fixture has many vulnerabilities");
    for width in [80usize, 200] {
        let w = width.to_string();
        let out = run(
            Some(&w),
            &["scan", "image", "-q", "--db", &d, &bookworm_app()],
        );
        let text = stdout(&out);
        assert_fits(&text, width);
        assert!(!text.contains('\u{1b}'), "no escape codes in a pipe");
        let ts = tables(&text);
        let vuln_rows: BTreeSet<(String, String, String)> = ts
            .iter()
            .filter(|t| t.col("Vulnerability").is_some())
            .flat_map(|t| {
                let (pkg, id, installed) = (
                    t.col("Package").unwrap(),
                    t.col("Vulnerability").unwrap(),
                    t.col("Installed").unwrap(),
                );
                t.rows
                    .iter()
                    .map(move |r| (r[pkg].clone(), r[id].clone(), r[installed].clone()))
            })
            .collect();
        for f in &vulns {
            let key = (
                prop(f, "packageName").to_owned(),
                f["id"].as_str().unwrap().to_owned(),
                prop(f, "installedVersion").to_owned(),
            );
            assert!(
                vuln_rows.contains(&key),
                "COLUMNS={width}: no row {key:?} in\n{text}"
            );
        }
        // Image configuration findings share one table.
        let img: Vec<&Table> = ts
            .iter()
            .filter(|t| t.col("Rule").is_some() && t.column("Rule")[0].starts_with("BW-IMG-"))
            .collect();
        assert_eq!(img.len(), 1, "{text}");
        assert_eq!(img[0].heading, "Image configuration");
        let expected: usize = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["id"].as_str().unwrap().starts_with("BW-IMG-"))
            .count();
        assert_eq!(img[0].rows.len(), expected);
    }
}

#[test]
fn os_and_language_packages_in_separate_tables_with_type_and_path() {
    let d = db().display().to_string();
    let out = run(
        Some("200"),
        &["scan", "image", "-q", "--db", &d, &bookworm_app()],
    );
    let text = stdout(&out);
    let ts: Vec<Table> = tables(&text)
        .into_iter()
        .filter(|t| t.col("Vulnerability").is_some())
        .collect();
    let headings: Vec<&str> = ts.iter().map(|t| t.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "debian 12 (os)",
            "Python (python-pkg)",
            "Node.js (node-pkg)"
        ],
        "{text}"
    );
    for (t, ty, path_part) in [
        (&ts[0], "dpkg", "/var/lib/dpkg/status"),
        (&ts[1], "python", "dist-info/METADATA"),
        (&ts[2], "npm", "package.json"),
    ] {
        assert!(t.column("Type").iter().all(|c| *c == ty), "{t:#?}");
        assert!(
            t.column("Path").iter().all(|c| c.ends_with(path_part)),
            "{t:#?}"
        );
    }
}

#[test]
fn severity_filter_is_noted_in_the_summary_not_on_stderr() {
    let d = db().display().to_string();
    let out = run(
        Some("120"),
        &[
            "scan",
            "image",
            "--severity",
            "CRITICAL,HIGH",
            "--db",
            &d,
            &bookworm_app(),
        ],
    );
    let text = stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let note = text
        .lines()
        .take_while(|l| !l.starts_with('┌'))
        .find(|l| l.starts_with("Not shown: "))
        .unwrap_or_else(|| panic!("no note in the summary:\n{text}"));
    assert!(
        note.contains("filtered out by --severity CRITICAL,HIGH"),
        "{note}"
    );
    assert!(
        !stderr.contains("filtered") && !stderr.contains("suppressed"),
        "{stderr}"
    );
    // The count is what the filter removed: all findings minus the HIGH and CRITICAL ones.
    let all = common::json(&[
        "scan",
        "image",
        "-q",
        "-f",
        "json",
        "--db",
        &d,
        &bookworm_app(),
    ]);
    let findings = all["findings"].as_array().unwrap();
    let kept = findings
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")))
        .count();
    assert!(
        note.starts_with(&format!(
            "Not shown: {} filtered out",
            findings.len() - kept
        )),
        "{note}"
    );
}

#[test]
fn secrets_and_malware_show_their_own_names() {
    let dir = tempfile::tempdir().unwrap();
    // A made-up key in the documented AWS format, and the EICAR test string.
    std::fs::write(
        dir.path().join("settings.env"),
        "AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWNKWW5FG\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("eicar.com"),
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n",
    )
    .unwrap();
    let p = dir.path().display().to_string();
    let json = common::json(&["scan", "fs", "-q", "--no-vulns", "-f", "json", &p]);
    let findings = json["findings"].as_array().unwrap();
    let secret = findings
        .iter()
        .find(|f| f["kind"] == "secret")
        .expect("a secret finding");
    let malware = findings
        .iter()
        .find(|f| f["kind"] == "malware")
        .expect("a malware finding");
    for width in ["80", "200"] {
        let text = stdout(&run(Some(width), &["scan", "fs", "-q", "--no-vulns", &p]));
        assert_fits(&text, width.parse().unwrap());
        let ts = tables(&text);
        let s = ts
            .iter()
            .find(|t| t.col("Secret").is_some())
            .unwrap_or_else(|| panic!("no secrets table:\n{text}"));
        assert_eq!(s.column("Rule"), [secret["id"].as_str().unwrap()]);
        assert_eq!(s.column("Secret"), [secret["title"].as_str().unwrap()]);
        assert_ne!(
            s.column("Secret"),
            s.column("Rule"),
            "not the rule id twice"
        );
        let m = ts
            .iter()
            .find(|t| t.col("Signature").is_some())
            .unwrap_or_else(|| panic!("no malware table:\n{text}"));
        assert_eq!(m.column("Signature"), [malware["id"].as_str().unwrap()]);
        assert!(m.column("Path")[0].ends_with("eicar.com"));
    }
}

#[test]
fn sbom_table_lists_every_package() {
    let json = common::json(&["sbom", "-q", "-f", "json", &bookworm_app()]);
    let expected: BTreeSet<(String, String)> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(expected.len() > 100);
    for width in ["80", "200"] {
        let text = stdout(&run(
            Some(width),
            &["sbom", "-q", "-f", "table", &bookworm_app()],
        ));
        assert_fits(&text, width.parse().unwrap());
        let listed: BTreeSet<(String, String)> = tables(&text)
            .iter()
            .flat_map(|t| {
                t.column("Package")
                    .into_iter()
                    .zip(t.column("Version"))
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(listed, expected, "COLUMNS={width}");
        assert!(text.contains(&format!(
            "Packages: {}",
            json["packages"].as_array().unwrap().len()
        )));
    }
}

/// `id → title` for the CIS section 5 checks in kube-bench's `cfg/cis-1.9/policies.yaml`, without the
/// `(Automated)` / `(Manual)` marks.
fn kube_bench_cis_titles() -> Vec<(String, String)> {
    let p = fixtures().join("upstream/kube-bench/cfg/cis-1.9/policies.yaml");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = Vec::new();
    let mut id: Option<String> = None;
    for line in text.lines() {
        let l = line.trim();
        if let Some(v) = l.strip_prefix("- id: ") {
            id = Some(v.trim_matches('"').to_owned());
        } else if let (Some(v), Some(i)) = (l.strip_prefix("text: "), id.take()) {
            let t = v.trim_matches('"');
            let t = t
                .strip_suffix(" (Automated)")
                .or_else(|| t.strip_suffix(" (Manual)"))
                .unwrap_or(t);
            out.push((i, t.to_owned()));
        }
    }
    out
}

#[test]
fn k8s_compliance_uses_human_names_and_prints_no_package_count() {
    let corpus = fixtures().join("k8s-corpus/rendered/ingress-nginx");
    let c = corpus.display().to_string();
    for width in ["80", "200"] {
        let out = run(
            Some(width),
            &["scan", "k8s", &c, "--compliance", "pss-restricted"],
        );
        let text = stdout(&out);
        assert_fits(&text, width.parse().unwrap());
        assert!(!text.contains("PssRestricted"), "{text}");
        assert!(
            text.contains("Pod Security Standards (restricted)"),
            "{text}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("Packages:")),
            "a manifest scan has no packages:\n{text}"
        );
        // Every finding's rule id is in a table, whole.
        let json = common::json(&["scan", "k8s", "-q", "-f", "json", &c]);
        let rules: BTreeSet<String> = tables(&text)
            .iter()
            .filter(|t| t.col("Rule").is_some())
            .flat_map(|t| {
                t.column("Rule")
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        for f in json["findings"].as_array().unwrap() {
            assert!(rules.contains(f["id"].as_str().unwrap()), "{f}\n{text}");
        }
    }
    let titles = kube_bench_cis_titles();
    assert!(titles.iter().any(|(i, _)| i == "5.1.1"), "{titles:?}");
    for width in ["80", "200"] {
        let text = stdout(&run(
            Some(width),
            &["scan", "k8s", &c, "--compliance", "cis"],
        ));
        assert_fits(&text, width.parse().unwrap());
        assert!(text.contains("CIS Kubernetes Benchmark"), "{text}");
        let t = tables(&text)
            .into_iter()
            .find(|t| t.col("Status").is_some())
            .unwrap_or_else(|| panic!("no compliance table:\n{text}"));
        assert!(t.rows.len() > 10);
        for row in &t.rows {
            let (id, control) = (&row[t.col("ID").unwrap()], &row[t.col("Control").unwrap()]);
            let expected = titles
                .iter()
                .find(|(i, _)| i == id)
                .unwrap_or_else(|| panic!("{id} is not a CIS 1.9 check"));
            // Wrapped cells are joined back by guess (a break after `,` may or may not have eaten a space), so
            // compare without spaces.
            let squeeze = |s: &str| s.split_whitespace().collect::<String>();
            assert_eq!(squeeze(control), squeeze(&expected.1), "{id}");
        }
    }
}

#[test]
fn default_width_without_columns_or_terminal() {
    // Neither COLUMNS nor a terminal: the wide default (160), and still no escape codes.
    let d = db().display().to_string();
    let text = stdout(&run(
        None,
        &["scan", "image", "-q", "--db", &d, &bookworm_app()],
    ));
    assert_fits(&text, 160);
    assert!(!text.contains('\u{1b}'));
    assert!(
        text.lines().any(|l| UnicodeWidthStr::width(l) > 120),
        "uses the width"
    );
}

/// Runs `bulwark args…` on a pseudo-terminal `cols` wide (util-linux `script`), returning what the terminal got.
fn on_terminal(cols: u16, env: &str, args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_bulwark");
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let cmd = format!(
        "stty cols {cols} rows 50; env -u COLUMNS -u NO_COLOR {env} '{bin}' {}",
        quoted.join(" ")
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .output()
        .expect(
            "util-linux `script` runs commands on a pseudo-terminal (apt-get install bsdutils)",
        );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .replace('\r', "")
}

/// The text without `ESC [ … m` colour sequences.
fn strip_colour(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn on_a_terminal_the_width_is_the_terminals_and_colour_obeys_no_color() {
    let corpus = fixtures().join("k8s-corpus/rendered/ingress-nginx");
    let c = corpus.display().to_string();
    let args = ["scan", "k8s", c.as_str(), "--compliance", "cis"];
    let text = on_terminal(90, "", &args);
    assert!(text.contains("\u{1b}["), "colour on a terminal:\n{text}");
    assert!(text.contains("CIS Kubernetes Benchmark"), "{text}");
    let plain = strip_colour(&text);
    assert_fits(&plain, 90);
    assert!(
        plain.lines().any(|l| UnicodeWidthStr::width(l) > 80),
        "uses the terminal's width:\n{plain}"
    );
    // COLUMNS wins over the terminal; NO_COLOR turns colour off.
    let text = on_terminal(90, "COLUMNS=70 NO_COLOR=1", &args);
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("CIS Kubernetes Benchmark"), "{text}");
    assert_fits(&text, 70);
}
