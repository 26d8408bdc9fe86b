#![no_main]
//! Fuzzes the layer reader (tar entries, whiteouts, gzip/zstd sniffing) and the merged view: any bytes give
//! contents or an error, never a panic or a hang; every path of the merge resolves or reports a loop.

use bulwark_source::{ImageFs, ReadOptions, Verify, read_layer};
use bulwark_types::LayerRef;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let wanted = |_: &str| true;
    let opts = ReadOptions { wanted: &wanted, max_file_bytes: 1 << 20, max_layer_bytes: 64 << 20, ..ReadOptions::default() };
    if let Ok(contents) = read_layer(data, &LayerRef::default(), &Verify::Nothing, &opts) {
        let fs = ImageFs::merge(vec![LayerRef::default()], vec![contents]);
        let paths: Vec<String> = fs.nodes().map(|(p, _)| p.to_string()).collect();
        for p in paths {
            let _ = fs.read(&p);
        }
    }
});
