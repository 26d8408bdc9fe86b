//! How many of kube-bench's audits run natively: reads the upstream check files when they are on this machine
//! (`BULWARK_KUBE_BENCH_CFG`, default the shared fixtures path) and prints the counts for the README's table;
//! skips when they are absent. `$vars` are substituted as the caller does: binaries by a name, files by a path.

use bulwark_node::audit::recognise;
use std::path::PathBuf;

fn audits(v: &yaml_serde::Value, key: &str, out: &mut Vec<String>) {
    match v {
        yaml_serde::Value::Mapping(m) => {
            for (k, val) in m {
                if k.as_str() == Some(key)
                    && let Some(s) = val.as_str()
                {
                    out.push(s.to_string());
                } else {
                    audits(val, key, out);
                }
            }
        }
        yaml_serde::Value::Sequence(s) => s.iter().for_each(|x| audits(x, key, out)),
        _ => {}
    }
}

fn substitute(cmd: &str) -> String {
    let re = regex::Regex::new(r"\$([a-z]+)").unwrap();
    re.replace_all(cmd, |c: &regex::Captures<'_>| {
        let name = &c[1];
        if name.ends_with("bin") {
            format!("kube-{name}")
        } else {
            format!("/etc/kubernetes/{name}")
        }
    })
    .into_owned()
}

#[test]
fn native_coverage_of_kube_bench_benchmarks() {
    let base = PathBuf::from(
        std::env::var("BULWARK_KUBE_BENCH_CFG")
            .unwrap_or_else(|_| "/work/shared/fixtures/upstream/kube-bench/cfg".into()),
    );
    if !base.is_dir() {
        eprintln!("skipped: {} absent", base.display());
        return;
    }
    for bench in ["cis-1.12", "cis-1.20"] {
        for key in ["audit", "audit_config"] {
            let mut all = Vec::new();
            let mut files: Vec<_> = std::fs::read_dir(base.join(bench))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for f in files {
                if f.file_name().is_some_and(|n| n == "config.yaml") {
                    continue;
                }
                let v: yaml_serde::Value =
                    yaml_serde::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                audits(&v, key, &mut all);
            }
            let all: Vec<String> = all.into_iter().filter(|a| !a.trim().is_empty()).collect();
            let native: Vec<&String> = all
                .iter()
                .filter(|a| recognise(&substitute(a)).is_some())
                .collect();
            println!("{bench} {key}: {} of {} native", native.len(), all.len());
            for a in all.iter().filter(|a| recognise(&substitute(a)).is_none()) {
                println!("  shell: {}", a.lines().next().unwrap_or(""));
            }
            if key == "audit" {
                // The four common families (ps | grep, ps -fC, stat in an if, find | xargs stat) are most of the file.
                assert!(
                    native.len() * 10 >= all.len() * 7,
                    "{bench}: {} of {}",
                    native.len(),
                    all.len()
                );
            }
        }
    }
}
