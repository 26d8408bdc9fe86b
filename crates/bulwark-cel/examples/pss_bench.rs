//! Benchmark material: the 16 pod-security ValidatingPolicies of kyverno/policies
//! (`../shared/fixtures/upstream/kyverno-vpol/pod-security-vpol`) over every document of
//! `../shared/fixtures/k8s-corpus`, one thread.
//!
//! ```text
//! cargo run --release -p bulwark-cel --example pss_bench [-- POLICY_DIR CORPUS_DIR]
//! ```
//!
//! Prints the number of policies, files, documents and outcomes, the time to read and parse the
//! corpus, the time to evaluate, and objects per second (evaluation only). With
//! `PSS_BENCH_DUMP=FILE`, also writes every outcome to FILE as one JSON line each (after timing),
//! to compare two builds' results.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulwark_cel::{EvalContext, OutcomeResult, PolicySet, evaluate, parse_documents};

/// Every YAML file under `dir`; with `skip_hidden`, none inside a hidden directory (the policies' `.kyverno-test/`).
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>, skip_hidden: bool) {
    let wanted = |p: &Path| {
        let in_hidden = p
            .strip_prefix(dir)
            .ok()
            .and_then(Path::parent)
            .is_some_and(|r| {
                r.components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            });
        p.extension().is_some_and(|x| x == "yaml" || x == "yml") && !(skip_hidden && in_hidden)
    };
    out.extend(bulwark_types::files::find(&[dir], &wanted).unwrap_or_default());
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    let mut args = std::env::args().skip(1);
    let policy_dir = args.next().map_or_else(
        || root.join("upstream/kyverno-vpol/pod-security-vpol"),
        PathBuf::from,
    );
    let corpus_dir = args
        .next()
        .map_or_else(|| root.join("k8s-corpus"), PathBuf::from);

    // The policies: every `<name>/<name>.yaml` (not the test folders, not kustomization.yaml).
    let mut files = Vec::new();
    yaml_files(&policy_dir, &mut files, true);
    let mut set = PolicySet::default();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read policy");
        let Ok(one) = PolicySet::from_yaml(&text, &f.display().to_string()) else {
            continue;
        };
        set.policies.extend(one.policies);
    }
    println!("policies: {}", set.policies.len());

    let t = Instant::now();
    let mut corpus = Vec::new();
    yaml_files(&corpus_dir, &mut corpus, false);
    let mut objects = Vec::new();
    let mut unreadable = 0;
    for f in &corpus {
        let Ok(text) = std::fs::read_to_string(f) else {
            unreadable += 1;
            continue;
        };
        match parse_documents(&text, &f.display().to_string()) {
            Ok(docs) => objects.extend(
                docs.into_iter()
                    .map(|d| d.value)
                    .filter(serde_json::Value::is_object),
            ),
            Err(_) => unreadable += 1,
        }
    }
    let parse = t.elapsed();
    println!(
        "files: {} ({unreadable} not parsed as YAML), objects: {}, parse: {:.3} s",
        corpus.len(),
        objects.len(),
        parse.as_secs_f64()
    );

    let ctx = EvalContext::default();
    let t = Instant::now();
    let (mut pass, mut fail, mut skip, mut error) = (0usize, 0usize, 0usize, 0usize);
    let mut all = Vec::new();
    let dump = std::env::var_os("PSS_BENCH_DUMP");
    for o in &objects {
        let outcomes = evaluate(&set, o, &ctx);
        if dump.is_some() {
            all.extend(outcomes.iter().cloned());
        }
        for out in outcomes {
            match out.result {
                OutcomeResult::Pass => pass += 1,
                OutcomeResult::Fail => fail += 1,
                OutcomeResult::Skip(_) => skip += 1,
                OutcomeResult::Error(m) => {
                    error += 1;
                    if std::env::var_os("PSS_BENCH_ERRORS").is_some() {
                        eprintln!(
                            "{} {}/{}: {m}",
                            out.policy, out.resource.kind, out.resource.name
                        );
                    }
                }
            }
        }
    }
    let eval = t.elapsed();
    if let Some(path) = dump {
        let lines: Vec<String> = all
            .iter()
            .map(|o| serde_json::to_string(o).expect("outcome as JSON"))
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").expect("write the dump");
    }
    println!("outcomes: pass {pass}, fail {fail}, skip {skip}, error {error}");
    println!(
        "evaluate: {:.3} s, {:.0} objects/s ({} objects x {} policies)",
        eval.as_secs_f64(),
        objects.len() as f64 / eval.as_secs_f64(),
        objects.len(),
        set.policies.len()
    );
}
