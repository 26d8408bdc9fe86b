#![no_main]
//! Fuzzes the capture reader from bytes (plain or gzip): blocks, process/fd/user lists, events, state, and every
//! field of every event; errors are fine, panics and unbounded memory are not (the decompressed size is capped).

use bulwark_runtime::event::{Event, Schema};
use bulwark_runtime::scap::CaptureSource;
use bulwark_runtime::syscall::{SyscallSchema, field_names};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let schema = SyscallSchema;
    let fields: Vec<_> = field_names()
        .filter_map(|n| schema.resolve(n, None).or_else(|_| schema.resolve(n, Some("0"))).ok())
        .collect();
    let Ok(mut src) = CaptureSource::from_reader(Box::new(std::io::Cursor::new(data.to_vec())), "fuzz.scap", 16 << 20)
    else {
        return;
    };
    let _ = src.run_events(&mut |e| {
        for f in &fields {
            let _ = e.extract(f);
        }
        let _ = e.info();
    });
});
