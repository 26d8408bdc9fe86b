//! OSV evaluation on real advisories: 200 PyPI records from OSV's `PyPI-all.zip` whose
//! `versions[]` (OSV's own enumeration of affected releases) agrees with their ranges. For each,
//! our evaluation of the ranges alone must call exactly OSV's listed releases affected, and
//! other releases of the package not affected. See `data/README.md` for how the file is made.

use bulwark_version::Scheme;
use bulwark_version::osv::{Affected, PreparedAffected, Range, evaluate};

#[derive(serde::Deserialize)]
struct Record {
    id: String,
    ranges: Vec<Range>,
    affected_versions: Vec<String>,
    unaffected_versions: Vec<String>,
}

#[test]
fn pypi_ranges_reproduce_osv_enumerations() {
    let records: Vec<Record> =
        serde_json::from_str(include_str!("data/osv-pypi-enumerated.json")).unwrap();
    assert_eq!(records.len(), 200);
    let mut checked = 0;
    for record in &records {
        let affected = Affected {
            ranges: record.ranges.clone(),
            versions: Vec::new(),
        };
        let prepared = PreparedAffected::new(&affected, Scheme::Pep440).unwrap();
        for (versions, want) in [
            (&record.affected_versions, true),
            (&record.unaffected_versions, false),
        ] {
            for version in versions {
                let verdict = prepared
                    .evaluate(version)
                    .unwrap_or_else(|e| panic!("{} {version}: {e}", record.id));
                let once = evaluate(&affected, Scheme::Pep440, version).unwrap();
                assert_eq!(once, verdict);
                assert_eq!(
                    verdict.affected, want,
                    "{} {version}: {}",
                    record.id, verdict.explanation
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "{checked}");
}
