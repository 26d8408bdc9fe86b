//! Runs every rule's `cases/` folder. A case file marks each line where a finding is expected with a trailing
//! `# expect` comment (`# expect level=restricted` when the PSS level of the hit differs from the rule's), and may
//! pin the policy version with a `# pss-version: v1.N` header and the target Kubernetes version with
//! `# k8s-version: v1.N`. Files named `good*` must produce no finding.
//! The expectations come from the spec text quoted at the top of each case file, not from Bulwark's output.

use std::path::PathBuf;

use bulwark_k8s::rules::RULE_DIRS;
use bulwark_k8s::{ScanOptions, pss, scan_bytes};

fn cases_dir(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/rules")
        .join(dir)
        .join("cases")
}

#[test]
fn every_rule_case() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (id, dir) in RULE_DIRS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir(dir))
            .unwrap_or_else(|e| panic!("{dir}: no cases folder: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(
            files
                .iter()
                .any(|f| f.file_name().unwrap().to_str().unwrap().starts_with("good")),
            "{id} has no good case"
        );
        assert!(
            files
                .iter()
                .any(|f| f.file_name().unwrap().to_str().unwrap().starts_with("bad")),
            "{id} has no bad case"
        );
        for f in files {
            count += 1;
            let text = std::fs::read_to_string(&f).unwrap();
            let mut opts = ScanOptions {
                only_rules: vec![(*id).to_string()],
                ..ScanOptions::default()
            };
            let mut expected = Vec::new();
            for (i, l) in text.lines().enumerate() {
                if let Some(v) = l.strip_prefix("# pss-version:") {
                    opts.pss_version = pss::Version::parse(v).expect("pss-version");
                }
                if let Some(v) = l.strip_prefix("# k8s-version:") {
                    opts.k8s_version = pss::Version::parse(v).expect("k8s-version");
                }
                if let Some(pos) = l.find("# expect")
                    && pos > 0
                {
                    let level = l[pos..]
                        .split("level=")
                        .nth(1)
                        .map(|s| s.trim().to_string());
                    expected.push((i as u32 + 1, level));
                }
            }
            let name = f.file_name().unwrap().to_str().unwrap();
            assert!(
                name.starts_with("good") == expected.is_empty(),
                "{}: good files expect nothing, bad files expect something",
                f.display()
            );
            let r = scan_bytes(name, text.as_bytes(), &opts);
            assert!(
                r.diagnostics.is_empty(),
                "{}: {:?}",
                f.display(),
                r.diagnostics
            );
            let mut got: Vec<(u32, Option<String>)> = r
                .findings
                .iter()
                .map(|x| {
                    let lvl = x
                        .property("pss")
                        .and_then(|p| p["level"].as_str())
                        .map(str::to_string);
                    (x.location.line.unwrap(), lvl)
                })
                .collect();
            got.sort();
            let got_lines: Vec<u32> = got.iter().map(|g| g.0).collect();
            let exp_lines: Vec<u32> = expected.iter().map(|e| e.0).collect();
            if got_lines != exp_lines {
                failures.push(format!(
                    "{id} {}: expected lines {exp_lines:?}, got {got_lines:?} ({:?})",
                    f.display(),
                    r.findings.iter().map(|x| &x.message).collect::<Vec<_>>()
                ));
                continue;
            }
            for ((_, el), (_, gl)) in expected.iter().zip(&got) {
                if let Some(el) = el
                    && gl.as_deref() != Some(el.as_str())
                {
                    failures.push(format!(
                        "{id} {}: expected level {el}, got {gl:?}",
                        f.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} case files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
