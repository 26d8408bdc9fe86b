//! An `EventList` of 100,000 items on one line (as a webhook batch or a log line could hold) is read one item at
//! a time: the peak resident set stays far below the list's size. Alone in its test binary because it reads the
//! process's peak RSS.

use std::io::Read;

use bulwark_runtime::k8saudit::{DEFAULT_MAX_EVENT_SIZE, read};

/// The process's peak resident set (`VmHWM` of /proc/self/status), in bytes.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<usize>()
        .unwrap()
        * 1024
}

/// `{"kind":"EventList","items":[E0,E1,...]}` generated on the fly.
const PAD: &str = "padpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpadpad";

struct List {
    n: usize,
    i: usize,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for List {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.i == 0 && !self.done && self.buf.is_empty() && self.n > 0 && self.i < self.n {
                self.buf.extend_from_slice(
                    b"{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[",
                );
            }
            if self.i < self.n {
                if self.i > 0 {
                    self.buf.push(b',');
                }
                self.buf.extend_from_slice(
                    format!(
                        r#"{{"kind":"Event","auditID":"id-{}","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/default/pods/p{}","stageTimestamp":"2024-05-01T10:00:00Z","pad":"{}"}}"#,
                        self.i, self.i, PAD
                    )
                    .as_bytes(),
                );
                self.i += 1;
            } else if !self.done {
                self.buf.extend_from_slice(b"]}\n");
                self.done = true;
            } else {
                return Ok(0);
            }
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn event_list_of_100k_items_in_bounded_memory() {
    let n = 100_000;
    let mut count = 0u64;
    let mut last = String::new();
    let before = peak_rss();
    let drops = read(
        "list.json",
        List {
            n,
            i: 0,
            buf: Vec::new(),
            pos: 0,
            done: false,
        },
        DEFAULT_MAX_EVENT_SIZE,
        &mut |e| {
            count += 1;
            last = e.audit_id().unwrap().to_string();
        },
        &mut |i| panic!("{i}"),
    )
    .unwrap();
    assert_eq!(count, n as u64);
    assert_eq!(drops.events, n as u64);
    assert_eq!(last, "id-99999");
    // The line is over 50 MB; the reader holds its 64 KiB buffer and one item, so the peak resident set grows
    // by far less than the line.
    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < 16 * 1024 * 1024,
        "peak RSS grew by {grown} bytes (before: {before})"
    );
}
