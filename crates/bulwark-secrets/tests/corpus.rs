//! Precision and recall on the committed labelled corpus (`testdata/corpus/`, labels in `MANIFEST.tsv`).
//! A finding is a true positive when (file, line, rule) is labelled; anything else is a false positive.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bulwark_secrets::{Config, Scanner};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn committed_corpus_is_what_the_generator_makes() {
    let (files, manifest) = bulwark_secrets::corpus::generate();
    let root = corpus_root();
    for (name, text) in &files {
        let on_disk = std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e}; run `cargo run -p bulwark-secrets --example gen_corpus`")
        });
        assert_eq!(
            &on_disk, text,
            "{name} differs from the generator; regenerate the corpus"
        );
    }
    assert_eq!(
        std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap(),
        manifest
    );
}

#[test]
fn precision_and_recall() {
    let root = corpus_root();
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap();
    let labels: BTreeSet<(String, u32, String)> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let file = f.next().unwrap().to_string();
            let line = f.next().unwrap().parse().unwrap();
            (file, line, f.next().unwrap().to_string())
        })
        .collect();
    let scanner = Scanner::new(Config::default()).unwrap();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut found = BTreeSet::new();
    let mut fps = Vec::new();
    for p in files.iter().filter(|p| !p.ends_with("MANIFEST.tsv")) {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for f in scanner.scan(&rel, &std::fs::read(p).unwrap()) {
            let key = (rel.clone(), f.location.line.unwrap(), f.id.to_string());
            if labels.contains(&key) {
                found.insert(key);
            } else {
                fps.push(format!("{key:?} {:?}", f.evidence));
            }
        }
    }
    let tp = found.len();
    let recall = tp as f64 / labels.len() as f64;
    let precision = tp as f64 / (tp + fps.len()) as f64;
    let missed: Vec<_> = labels.difference(&found).collect();
    println!(
        "secrets corpus: {} labels, {tp} found, {} false positives; precision {:.2}%, recall {:.2}%",
        labels.len(),
        fps.len(),
        precision * 100.0,
        recall * 100.0
    );
    for m in &missed {
        println!("missed: {m:?}");
    }
    for f in &fps {
        println!("false positive: {f}");
    }
    assert!(labels.len() >= 450, "corpus too small: {}", labels.len());
    assert!(recall >= 0.99, "recall {recall:.4} < 0.99");
    assert!(precision >= 0.97, "precision {precision:.4} < 0.97");
}
