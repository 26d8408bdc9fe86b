//! Reads a capture N times (reading, decoding, state, and the fd/proc fields rules use most) and prints the
//! throughput. `cargo run --release -p bulwark-runtime --example scap_count -- FILE [N]`

use std::time::Instant;

use bulwark_runtime::event::{Event, Schema, Value};
use bulwark_runtime::scap::CaptureSource;
use bulwark_runtime::syscall::SyscallSchema;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: scap_count FILE [N]");
    let n: u32 = args.next().map_or(200, |s| s.parse().expect("N"));
    let schema = SyscallSchema;
    let fields: Vec<_> = ["evt.type", "proc.name", "fd.name", "fd.num", "evt.res"]
        .iter()
        .map(|f| schema.resolve(f, None).unwrap())
        .collect();
    let mut events = 0u64;
    let mut present = 0u64;
    // Time from the first delivered event on: events without the per-file setup (decompression start, the
    // process, fd and user lists before the first event), which dominates in small captures.
    let mut in_events = std::time::Duration::ZERO;
    let start = Instant::now();
    for _ in 0..n {
        let mut src = CaptureSource::open(std::path::Path::new(&path)).expect("open");
        let mut first: Option<Instant> = None;
        src.run_events(&mut |e| {
            first.get_or_insert_with(Instant::now);
            for f in &fields {
                if !matches!(e.extract(f), Value::Missing) {
                    present += 1;
                }
            }
        })
        .expect("read");
        if let Some(t) = first {
            in_events += t.elapsed();
        }
        events += src.summary().events;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{events} events in {secs:.3}s: {:.0} events/s overall; {:.0} events/s from the first event on \
         ({present} field values)",
        events as f64 / secs,
        events as f64 / in_events.as_secs_f64()
    );
}
