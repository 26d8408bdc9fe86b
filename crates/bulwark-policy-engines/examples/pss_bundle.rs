//! The adapter's overhead: the 16 pod-security ValidatingPolicies of kyverno/policies
//! (`../shared/fixtures/upstream/kyverno-vpol/pod-security-vpol`) as a bundle, evaluated through
//! `bulwark_policy::evaluate_with` over every document of `../shared/fixtures/k8s-corpus`, one thread; then
//! the same objects through `bulwark_cel::evaluate` directly (what bulwark-cel's `pss_bench` example measures).
//!
//! ```text
//! nice cargo run --release -p bulwark-policy-engines --example pss_bundle [-- POLICY_DIR CORPUS_DIR]
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulwark_cel::{EvalContext, PolicySet, parse_documents};
use bulwark_policy::{Bundle, BundleFile, Decision, Stage, Subject, evaluate_with};
use bulwark_policy_engines::Engines;

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

    // The policies: `<name>/<name>.yaml` (not the test folders, kustomization.yaml or artifacthub metadata).
    let mut files = Vec::new();
    yaml_files(&policy_dir, &mut files, true);
    let files: Vec<BundleFile> = files
        .into_iter()
        .filter(|f| {
            f.parent().and_then(Path::file_name) == f.file_stem()
                && f.extension().is_some_and(|x| x == "yaml")
        })
        .map(|f| BundleFile {
            path: f
                .strip_prefix(&policy_dir)
                .unwrap_or(&f)
                .display()
                .to_string(),
            bytes: std::fs::read(&f).expect("read policy"),
        })
        .collect();
    let t = Instant::now();
    let bundle = Bundle::from_files(files, "pss", None).expect("bundle");
    let engines = Engines::new(&bundle).expect("engines");
    println!(
        "bundle: {} documents, engines {:?}, load + compile: {:.3} s",
        bundle.documents.len(),
        engines.counts(),
        t.elapsed().as_secs_f64()
    );

    let mut corpus = Vec::new();
    yaml_files(&corpus_dir, &mut corpus, false);
    let mut objects = Vec::new();
    for f in &corpus {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if let Ok(docs) = parse_documents(&text, &f.display().to_string()) {
            objects.extend(
                docs.into_iter()
                    .map(|d| d.value)
                    .filter(serde_json::Value::is_object),
            );
        }
    }
    println!("files: {}, objects: {}", corpus.len(), objects.len());

    let now = bulwark_policy::Instant::parse("2026-12-01").expect("time");
    let dyns = engines.as_dyn();
    let t = Instant::now();
    let (mut pass, mut fail, mut warn) = (0usize, 0usize, 0usize);
    let mut outcomes = std::collections::BTreeMap::new();
    for o in &objects {
        let v = evaluate_with(&bundle, &Subject::object(o), Stage::Deploy, now, &dyns);
        for r in &v.results {
            *outcomes.entry(format!("{:?}", r.outcome)).or_insert(0usize) += 1;
        }
        match v.decision {
            Decision::Pass => pass += 1,
            Decision::Warn => warn += 1,
            Decision::Fail => fail += 1,
        }
    }
    let through = t.elapsed();
    // The PSS policies are `validationActions: [Audit]` (info): their failures do not fail a verdict.
    println!("verdicts: pass {pass}, warn {warn}, fail {fail}; rule results {outcomes:?}");
    println!(
        "evaluate_with: {:.3} s, {:.0} objects/s",
        through.as_secs_f64(),
        objects.len() as f64 / through.as_secs_f64()
    );

    // The same policies straight through bulwark-cel, as its pss_bench does.
    let mut set = PolicySet::default();
    for d in &bundle.documents {
        let one = PolicySet::from_yaml(&d.text, &d.file).expect("policy");
        set.policies.extend(one.policies);
    }
    let ctx = EvalContext::default();
    let t = Instant::now();
    let mut outcomes = 0usize;
    for o in &objects {
        outcomes += bulwark_cel::evaluate(&set, o, &ctx).len();
    }
    let direct = t.elapsed();
    println!(
        "bulwark_cel::evaluate: {:.3} s, {:.0} objects/s ({outcomes} outcomes)",
        direct.as_secs_f64(),
        objects.len() as f64 / direct.as_secs_f64()
    );
    println!(
        "adapter overhead: {:.1}% ({:.1} µs per object)",
        (through.as_secs_f64() / direct.as_secs_f64() - 1.0) * 100.0,
        (through.as_secs_f64() - direct.as_secs_f64()) * 1e6 / objects.len() as f64
    );
}
