//! A flood of 20,000 short processes through a small queue and a slow consumer: no panic, bounded memory,
//! every loss counted (queue full or the socket's ENOBUFS), never silent.

mod live_support;

use std::process::Command;
use std::time::Duration;

use bulwark_runtime::live::LiveOptions;
use live_support::watch;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn twenty_thousand_forks_are_counted_not_hoarded() {
    let before = rss_kib();
    let w = watch(
        LiveOptions {
            queue: 64,
            max_processes: 4096,
            rcvbuf: 64 << 10,
            ..LiveOptions::default()
        },
        Some(Duration::from_millis(3)),
    );
    let started = std::time::Instant::now();
    let status = Command::new("/bin/sh")
        .args([
            "-c",
            "i=0; while [ $i -lt 20000 ]; do /bin/true; i=$((i+1)); done",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let forked_in = started.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let delivered = w.rx.try_iter().count();
    let (drops, stats) = w.finish();
    let after = rss_kib();
    println!(
        "20000 forks in {forked_in:?}; delivered {delivered} of ours; {drops:?}; {stats:?}; RSS {before} → {after} KiB"
    );
    // The slow consumer cannot keep up with a 64-item queue: losses happen, and are counted as drops.
    assert!(drops.dropped_full > 0, "{drops:?}");
    assert_eq!(drops.dropped_full, stats.queue_full + stats.enobufs);
    // Every fork reached the reader, or the kernel said it dropped some (ENOBUFS): never a silent loss.
    assert!(stats.forks >= 20_000 || stats.enobufs > 0, "{stats:?}");
    assert!(stats.execs >= 1);
    // Bounded: the queue holds 64 items and the table 4096 processes; memory grows by far less than 20,000
    // process records would take with their strings.
    assert!(
        after.saturating_sub(before) < 64 * 1024,
        "RSS grew from {before} to {after} KiB"
    );
}
