#![no_main]
//! Fuzzes the live source's parsers: a netlink datagram (nlmsghdr + cn_msg + proc_event) and the /proc files
//! it reads (status, stat, cgroup and the container id in each path, mountinfo, cmdline). Any bytes give a
//! value or an error, never a panic; a parsed datagram's events are the ones a second parse gives.

use bulwark_runtime::live::{procfs, proto};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(events) = proto::parse_datagram(data) {
        assert_eq!(proto::parse_datagram(data).ok(), Some(events));
    }
    let _ = proto::parse_proc_event(data);
    let _ = proto::parse_cn_msg(data);
    let text = String::from_utf8_lossy(data);
    let _ = procfs::parse_status(&text);
    let _ = procfs::parse_stat(&text);
    for (_, path) in procfs::parse_cgroup(&text) {
        if let Some(c) = procfs::container_from_cgroup(&path) {
            assert_eq!(c.full_id.len(), 64);
        }
    }
    let _ = procfs::overlay_upperdir(&text);
    let args = procfs::parse_cmdline(data);
    assert!(args.len() <= procfs::MAX_ARGS);
});
