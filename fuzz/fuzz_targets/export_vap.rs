#![no_main]
//! Fuzzes `bulwark policy export-vap`: arbitrary bytes as bundle YAML files (split at NUL bytes into
//! `rules.yaml`, `exceptions.yaml`, `vap.yaml`, `kyverno.yaml`); a bundle that loads and compiles is exported at
//! every stage, and the exported YAML must load back as CEL policies (`bulwark-cel`), as `bulwark policy eval`
//! would read it. Errors are fine; panics, hangs and an export that does not load back are not.

use bulwark_policy::{Bundle, BundleFile, Instant, Stage};
use bulwark_policy_engines::vap_export::{ExportOptions, export};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let names = ["rules.yaml", "exceptions.yaml", "vap.yaml", "kyverno.yaml"];
    let files: Vec<BundleFile> = data
        .split(|&b| b == 0)
        .zip(names)
        .map(|(bytes, path)| BundleFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        })
        .collect();
    let Ok(bundle) = Bundle::from_files(files, "fuzz", None) else {
        return;
    };
    if bulwark_policy_engines::Engines::new(&bundle).is_err() {
        return;
    }
    for stage in Stage::ALL {
        let opts = ExportOptions {
            stage,
            now: Instant(1_798_675_200),
            exempt_namespaces: vec!["kube-system".into()],
        };
        if let Ok(out) = export(&bundle, &opts) {
            let yaml = out.to_yaml();
            if let Err(e) = bulwark_cel::PolicySet::from_yaml(&yaml, "export.yaml") {
                panic!("the export does not load back: {e}\n{yaml}");
            }
        }
    }
});
