//! Independent truth for ids and texts: kube-bench's recorded output for cis-1.20
//! (integration/testdata/Expected_output.data) names every check of cfg/cis-1.20 as `[STATE] <id> <text>`, and
//! every section and group as `[INFO] <id> <text>`. Ids and texts loaded here match it line for line (a float id
//! or a mis-folded multi-line quoted text would not), and the checks marked manual are WARN there.

use bulwark_node::State;
use bulwark_node::controls::{self, CheckType};
use bulwark_node::eval;
use std::collections::BTreeMap;

const ROOT: &str = "/work/shared/fixtures/upstream/kube-bench";

#[test]
fn cis_1_20_ids_and_texts_match_kube_benchs_output() {
    let expected =
        std::fs::read_to_string(format!("{ROOT}/integration/testdata/Expected_output.data"))
            .unwrap();
    // "<id> <text>" → state, for every result line.
    let mut lines: BTreeMap<String, String> = BTreeMap::new();
    for l in expected.lines() {
        for s in ["PASS", "FAIL", "WARN", "INFO"] {
            if let Some(rest) = l.strip_prefix(&format!("[{s}] ")) {
                lines.insert(rest.to_string(), s.to_string());
            }
        }
    }
    let mut checks = 0;
    for target in ["master", "etcd", "controlplane", "node", "policies"] {
        let c = controls::load(std::path::Path::new(&format!(
            "{ROOT}/cfg/cis-1.20/{target}.yaml"
        )))
        .unwrap();
        let head = format!("{} {}", c.id, c.text);
        assert_eq!(lines.get(&head).map(String::as_str), Some("INFO"), "{head}");
        for g in &c.groups {
            let head = format!("{} {}", g.id, g.text);
            assert_eq!(lines.get(&head).map(String::as_str), Some("INFO"), "{head}");
            for ch in &g.checks {
                let key = format!("{} {}", ch.id, ch.text);
                let state = lines
                    .get(&key)
                    .unwrap_or_else(|| panic!("{target}: {key:?} not in the output"));
                if ch.check_type == CheckType::Manual {
                    assert_eq!(state, "WARN", "{key}");
                    let o = eval::judge(ch, Err("not run".into()));
                    assert_eq!(o.state, State::Warn);
                }
                checks += 1;
            }
        }
    }
    assert_eq!(checks, 123);
}
