#![no_main]
//! Fuzzes bundle loading: arbitrary bytes as a `.tar.gz` bundle, and as policy YAML files (split at NUL bytes
//! into `bundle.yaml`, `rules.yaml`, `exceptions.yaml`); a loaded bundle is then evaluated. Errors are fine;
//! panics, hangs and unbounded memory are not.

use bulwark_policy::{Bundle, BundleFile, Instant, Limits, Stage, Subject};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_files: 64,
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_archive_bytes: 1 << 20,
    };
    let _ = Bundle::from_tar_gz(data, "fuzz", &limits);
    let names = ["rules.yaml", "exceptions.yaml", "bundle.yaml", "policy.rego"];
    let files: Vec<BundleFile> = data
        .split(|&b| b == 0)
        .zip(names)
        .map(|(bytes, path)| BundleFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        })
        .collect();
    if let Ok(bundle) = Bundle::from_files(files, "fuzz", None) {
        let report = bulwark_report::Report::new(bulwark_report::Target {
            kind: bulwark_report::TargetKind::Image,
            name: "registry.example.com/app:1".into(),
            image: None,
        });
        let now = Instant(1_798_675_200);
        for stage in Stage::ALL {
            let v = bulwark_policy::evaluate(&bundle, &Subject::report(&report), stage, now);
            let _ = v.to_json();
        }
    }
});
