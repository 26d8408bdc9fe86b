//! Precision and recall on the independent corpus (`testdata/independent/`): true secrets made by
//! `generate.py` from the vendors' published token formats and real key tools, not from the rules' own
//! example templates, with hard negatives. Labels: `LABELS.tsv` (`file, line, family, rule regex`).
//!
//! A finding is a true positive when its (file, line) is labelled with a positive family and its rule id
//! matches that family's regex; every other finding is a false positive (attributed to the hard-negative
//! category of its line, or to `unlabelled`). A positive label with no matching finding is a miss.
//! Run with `-- --nocapture` to see the per-family table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bulwark_secrets::{Config, Scanner};

const MIN_RECALL: f64 = 0.99;
const MIN_PRECISION: f64 = 0.97;

struct Label {
    family: String,
    rules: Option<regex::Regex>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/independent")
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

fn labels() -> BTreeMap<(String, u32), Label> {
    let text = std::fs::read_to_string(root().join("LABELS.tsv")).unwrap();
    let mut out = BTreeMap::new();
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 4, "bad label line {l:?}");
        let rules = (!f[3].is_empty()).then(|| regex::Regex::new(f[3]).unwrap());
        assert_eq!(
            rules.is_none(),
            f[2].starts_with("neg:"),
            "positive labels need a rule regex: {l:?}"
        );
        let prev = out.insert(
            (f[0].to_string(), f[1].parse().unwrap()),
            Label {
                family: f[2].to_string(),
                rules,
            },
        );
        assert!(prev.is_none(), "two labels on one line: {l:?}");
    }
    out
}

#[derive(Default)]
struct Tally {
    labels: usize,
    found: usize,
    fps: usize,
}

#[test]
fn independent_precision_and_recall() {
    let labels = labels();
    let files_root = root().join("files");
    let mut files = Vec::new();
    walk(&files_root, &mut files);
    files.sort();
    // Every labelled file exists, so a lost file cannot raise precision.
    for (file, _) in labels.keys() {
        assert!(
            files_root.join(file).is_file(),
            "labelled file {file} is missing"
        );
    }
    let scanner = Scanner::new(Config {
        show_secrets: true,
        ..Config::default()
    })
    .unwrap();
    let mut by_family: BTreeMap<String, Tally> = BTreeMap::new();
    for l in labels.values().filter(|l| l.rules.is_some()) {
        by_family.entry(l.family.clone()).or_default().labels += 1;
    }
    let mut hit: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut fps: Vec<String> = Vec::new();
    for p in &files {
        let rel = p
            .strip_prefix(&files_root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for f in scanner.scan(&rel, &std::fs::read(p).unwrap()) {
            let key = (rel.clone(), f.location.line.unwrap());
            let label = labels.get(&key);
            match label.and_then(|l| l.rules.as_ref().map(|r| (l, r))) {
                Some((l, re)) if re.is_match(&f.id) => {
                    if hit.insert(key) {
                        by_family.get_mut(&l.family).unwrap().found += 1;
                    }
                }
                _ => {
                    let cat = label.map_or("unlabelled", |l| l.family.as_str());
                    by_family.entry(cat.to_string()).or_default().fps += 1;
                    fps.push(format!(
                        "{}:{} {} [{}] {:?}",
                        key.0,
                        key.1,
                        f.id,
                        cat,
                        f.evidence.as_deref().unwrap_or_default()
                    ));
                }
            }
        }
    }
    let positives: usize = by_family.values().map(|t| t.labels).sum();
    let tp = hit.len();
    let recall = tp as f64 / positives as f64;
    let precision = tp as f64 / (tp + fps.len()) as f64;
    println!("family                      labels found missed  false-positives");
    for (fam, t) in &by_family {
        println!(
            "{fam:<27} {:>6} {:>5} {:>6} {:>6}",
            t.labels,
            t.found,
            t.labels - t.found,
            t.fps
        );
    }
    let missed: Vec<String> = labels
        .iter()
        .filter(|(k, l)| l.rules.is_some() && !hit.contains(*k))
        .map(|((f, n), l)| format!("{f}:{n} [{}]", l.family))
        .collect();
    println!("missed ({}):", missed.len());
    for m in &missed {
        println!("  {m}");
    }
    println!("false positives ({}):", fps.len());
    for f in &fps {
        println!("  {f}");
    }
    println!(
        "independent corpus: {} files, {positives} true secrets, {tp} found, {} false positives: recall {:.2} %, precision {:.2} %",
        files.len(),
        fps.len(),
        recall * 100.0,
        precision * 100.0
    );
    assert!(positives >= 150, "the corpus lost its positives");
    assert!(
        recall >= MIN_RECALL,
        "recall {recall:.4} < {MIN_RECALL}: {missed:#?}"
    );
    assert!(
        precision >= MIN_PRECISION,
        "precision {precision:.4} < {MIN_PRECISION}: {fps:#?}"
    );
}
