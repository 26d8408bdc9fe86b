//! Our SSVC outcomes equal CERT/CC's `certcc-ssvc` (PyPI) for every combination of decision-point values.
//! `tests/ssvc_table.py` prints the package's CISA Coordinator decision table; each row is compared with
//! `bulwark_risk::ssvc::decide`. The package is installed by `.ci/install-deps.sh` into /opt/bulwark-ssvc-venv;
//! `BULWARK_SSVC_PYTHON` names another interpreter. Without it the test fails under `CI=true` and is skipped
//! (with a message) elsewhere.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use bulwark_risk::ssvc::{
    Automatable, Decision, Exploitation, MissionWellBeing, TechnicalImpact, decide,
};

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BULWARK_SSVC_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from("/opt/bulwark-ssvc-venv/bin/python");
    p.exists().then_some(p)
}

fn table() -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let Some(py) = python() else {
        assert!(
            !ci,
            "CI=true but no certcc-ssvc venv: run .ci/install-deps.sh or set BULWARK_SSVC_PYTHON"
        );
        eprintln!("skipped: no /opt/bulwark-ssvc-venv (run .ci/install-deps.sh)");
        return None;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ssvc_table.py");
    let out = Command::new(&py)
        .arg(script)
        .output()
        .unwrap_or_else(|e| panic!("running {} {script}: {e}", py.display()));
    assert!(
        out.status.success(),
        "{} {script} failed: {}",
        py.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn ssvc_matches_certcc_on_every_combination() {
    let Some(text) = table() else { return };
    let mut seen = BTreeSet::new();
    let mut rows = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 5, "unexpected row {line:?}");
        // Value keys of ssvc:E:1.1.0, ssvc:A:2.0.0, ssvc:TI:1.0.0, ssvc:MWI:1.0.0, cisa:CISA:1.1.0.
        let exploitation = match cols[0] {
            "N" => Exploitation::None,
            "P" => Exploitation::Poc,
            "A" => Exploitation::Active,
            o => panic!("exploitation {o}"),
        };
        let automatable = match cols[1] {
            "N" => Automatable::No,
            "Y" => Automatable::Yes,
            o => panic!("automatable {o}"),
        };
        let impact = match cols[2] {
            "P" => TechnicalImpact::Partial,
            "T" => TechnicalImpact::Total,
            o => panic!("technical impact {o}"),
        };
        let mission = match cols[3] {
            "L" => MissionWellBeing::Low,
            "M" => MissionWellBeing::Medium,
            "H" => MissionWellBeing::High,
            o => panic!("mission & well-being {o}"),
        };
        let want = match cols[4] {
            "T" => Decision::Track,
            "T*" => Decision::TrackStar,
            "AT" => Decision::Attend,
            "AC" => Decision::Act,
            o => panic!("outcome {o}"),
        };
        assert_eq!(
            decide(exploitation, automatable, impact, mission),
            want,
            "row {line:?}"
        );
        seen.insert((exploitation, automatable, impact, mission));
        rows += 1;
    }
    // Every combination, each once: 3 × 2 × 2 × 3.
    assert_eq!(rows, 36);
    assert_eq!(seen.len(), 36);
}
