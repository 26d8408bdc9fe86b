//! Regenerates `testdata/corpus/` (fake secrets and hard negatives, fixed seeds) and its `MANIFEST.tsv`.
//!
//!     cargo run -p bulwark-secrets --example gen_corpus

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus");
    if root.exists() {
        std::fs::remove_dir_all(&root).expect("remove old corpus");
    }
    let (files, manifest) = bulwark_secrets::corpus::generate();
    for (name, text) in &files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write corpus file");
    }
    std::fs::write(root.join("MANIFEST.tsv"), manifest).expect("write manifest");
    eprintln!("wrote {} files to {}", files.len(), root.display());
}
