//! Every registered rule against ZAP's rule table (`../shared/fixtures/upstream/zap/passive-scan-rules.tsv`,
//! read at test time from zaproxy/zap-extensions at the commit its README names): the plugin id exists, the rule
//! name is ZAP's exactly, the add-on status matches, and the CWE is one the ZAP class sets. Ids are unique, and
//! every rule has its folder `src/rules/r<id>_<name>/` with a README.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use bulwark_dast::rules::{self, RuleStatus};

fn table_path() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
            PathBuf::from,
        )
        .join("upstream/zap/passive-scan-rules.tsv")
}

struct Row {
    name: String,
    status: String,
    cwes: Vec<u32>,
}

fn zap_table() -> BTreeMap<u32, Row> {
    let path = table_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header line").split('\t').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let (id, name, status, cwe) = (col("pluginId"), col("name"), col("status"), col("cwe"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let row = Row {
                name: f[name].to_string(),
                status: f[status].to_string(),
                cwes: f[cwe]
                    .split(',')
                    .filter_map(|c| c.trim().parse().ok())
                    .collect(),
            };
            (f[id].parse().expect("numeric pluginId"), row)
        })
        .collect()
}

#[test]
fn every_rule_matches_zaps_table() {
    let table = zap_table();
    assert!(table.len() >= 60, "the table lists ZAP's 63 passive rules");
    let all = rules::all();
    assert!(!all.is_empty());
    let mut seen = BTreeSet::new();
    for r in &all {
        let info = r.info();
        assert!(
            seen.insert(info.id),
            "plugin id {} registered twice",
            info.id
        );
        let row = table
            .get(&info.id)
            .unwrap_or_else(|| panic!("{} is not a ZAP passive rule id", info.id));
        assert_eq!(info.name, row.name, "name of {}", info.id);
        let status = match info.status {
            RuleStatus::Release => "release",
            RuleStatus::Beta => "beta",
            RuleStatus::Alpha => "alpha",
        };
        assert_eq!(status, row.status, "status of {}", info.id);
        assert!(
            row.cwes.contains(&info.cwe),
            "cwe {} of {} not in {:?}",
            info.cwe,
            info.id,
            row.cwes
        );
        assert!(
            !info.description.is_empty() && !info.solution.is_empty(),
            "texts of {}",
            info.id
        );
    }
    // The registry is sorted by id (the order zap-baseline.py -g writes).
    let ids: Vec<u32> = all.iter().map(|r| r.info().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[test]
fn every_rule_has_a_folder_with_a_readme() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for r in rules::all() {
        let id = r.info().id;
        let prefix = format!("r{id}_");
        let folder = folders
            .iter()
            .find(|f| f.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no src/rules/{prefix}*/ folder for rule {id}"));
        let readme = std::fs::read_to_string(dir.join(folder).join("README.md"))
            .unwrap_or_else(|e| panic!("{folder}/README.md: {e}"));
        assert!(
            readme.contains(&id.to_string()),
            "{folder}/README.md does not name rule {id}"
        );
        assert!(dir.join(folder).join("mod.rs").is_file(), "{folder}/mod.rs");
    }
}
