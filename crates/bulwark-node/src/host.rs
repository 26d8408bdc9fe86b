//! `bulwark bench host`: a compact Linux host benchmark for container nodes (sshd config, world-writable files in
//! system paths, kernel sysctls, auditd config, mounts with nodev/nosuid), in the same report.
//!
//! Every file is read under a host root ([`crate::audit::resolve`]: symlinks stay inside it). The checks follow
//! the CIS Linux benchmarks' intent; ids are Bulwark's own (`H.<area>.<n>`), not CIS numbers.

use crate::State;
use crate::audit::resolve;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The result of one host check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostResult {
    pub id: &'static str,
    pub text: &'static str,
    pub state: State,
    /// What was found (the value read, the offending paths), for the report.
    pub detail: String,
    pub remediation: &'static str,
}

/// System directories searched for world-writable files.
pub const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/lib",
];
/// At most this many entries visited by the world-writable walk.
const MAX_WALK: usize = 200_000;
/// Offending paths named in a detail.
const MAX_NAMED: usize = 20;

fn read(root: &Path, path: &str) -> Option<String> {
    let real = resolve(root, path, true).ok()?;
    let mut s = String::new();
    std::fs::File::open(real)
        .ok()?
        .take(4 << 20)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// Runs every host check under `root`.
#[must_use]
pub fn run(root: &Path) -> Vec<HostResult> {
    let mut out = Vec::new();
    sshd(root, &mut out);
    sysctls(root, &mut out);
    out.push(world_writable(root));
    out.push(auditd(root));
    mounts(root, &mut out);
    out
}

/// sshd's value for a keyword: the first occurrence wins (sshd_config(5)); lines from the first `Match` on are
/// conditional and not read. `Include` is not followed.
fn sshd_value(config: &str, key: &str) -> Option<String> {
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, |c: char| c.is_whitespace() || c == '=');
        let k = parts.next()?;
        if k.eq_ignore_ascii_case("match") {
            return None;
        }
        if k.eq_ignore_ascii_case(key) {
            let v = parts
                .next()
                .unwrap_or("")
                .trim_start_matches(|c: char| c.is_whitespace() || c == '=');
            return Some(
                v.split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase(),
            );
        }
    }
    None
}

// (id, keyword, text, sshd's default, passes, remediation)
type Rule = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    fn(&str) -> bool,
    &'static str,
);

fn sshd(root: &Path, out: &mut Vec<HostResult>) {
    let config = read(root, "/etc/ssh/sshd_config");
    let rules: [Rule; 4] = [
        (
            "H.1.1",
            "PermitRootLogin",
            "sshd: root login disabled",
            "prohibit-password",
            |v| v == "no",
            "Set `PermitRootLogin no` in /etc/ssh/sshd_config.",
        ),
        (
            "H.1.2",
            "PermitEmptyPasswords",
            "sshd: empty passwords refused",
            "no",
            |v| v == "no",
            "Set `PermitEmptyPasswords no` in /etc/ssh/sshd_config.",
        ),
        (
            "H.1.3",
            "X11Forwarding",
            "sshd: X11 forwarding disabled",
            "no",
            |v| v == "no",
            "Set `X11Forwarding no` in /etc/ssh/sshd_config.",
        ),
        (
            "H.1.4",
            "MaxAuthTries",
            "sshd: MaxAuthTries 4 or less",
            "6",
            |v| v.parse::<u32>().is_ok_and(|n| n <= 4),
            "Set `MaxAuthTries 4` in /etc/ssh/sshd_config.",
        ),
    ];
    for (id, key, text, default, ok, remediation) in rules {
        let (state, detail) = match &config {
            None => (
                State::Info,
                "/etc/ssh/sshd_config absent or unreadable: sshd not checked".to_string(),
            ),
            Some(c) => {
                let (v, from) =
                    sshd_value(c, key).map_or((default.to_string(), " (default)"), |v| (v, ""));
                (
                    if ok(&v) { State::Pass } else { State::Fail },
                    format!("{key} {v}{from}"),
                )
            }
        };
        out.push(HostResult {
            id,
            text,
            state,
            detail,
            remediation,
        });
    }
}

fn sysctls(root: &Path, out: &mut Vec<HostResult>) {
    let rules: [(&'static str, &'static str, &'static str, &'static str); 6] = [
        (
            "H.2.1",
            "kernel.randomize_va_space",
            "2",
            "kernel: address space layout randomisation full",
        ),
        (
            "H.2.2",
            "fs.suid_dumpable",
            "0",
            "kernel: no core dumps of setuid programs",
        ),
        (
            "H.2.3",
            "net.ipv4.conf.all.accept_redirects",
            "0",
            "network: ICMP redirects not accepted",
        ),
        (
            "H.2.4",
            "net.ipv4.conf.all.send_redirects",
            "0",
            "network: ICMP redirects not sent",
        ),
        (
            "H.2.5",
            "net.ipv4.conf.all.accept_source_route",
            "0",
            "network: source-routed packets refused",
        ),
        (
            "H.2.6",
            "net.ipv4.tcp_syncookies",
            "1",
            "network: TCP SYN cookies on",
        ),
    ];
    for (id, key, want, text) in rules {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        let (state, detail) = match read(root, &path) {
            None => (State::Warn, format!("{key}: {path} unreadable")),
            Some(v) => {
                let v = v.trim();
                (
                    if v == want { State::Pass } else { State::Fail },
                    format!("{key} = {v}"),
                )
            }
        };
        out.push(HostResult {
            id,
            text,
            state,
            detail,
            remediation: "Set the value in /etc/sysctl.d/ and run `sysctl --system`.",
        });
    }
}

/// World-writable files and directories without the sticky bit in [`SYSTEM_DIRS`], symlinks not followed.
fn world_writable(root: &Path) -> HostResult {
    let mut found = Vec::new();
    let mut visited = 0;
    for dir in SYSTEM_DIRS {
        let Ok(real) = resolve(root, dir, true) else {
            continue;
        };
        let mut stack = vec![(real, (*dir).to_string())];
        while let Some((real, shown)) = stack.pop() {
            let Ok(m) = std::fs::symlink_metadata(&real) else {
                continue;
            };
            visited += 1;
            if visited > MAX_WALK {
                break;
            }
            let mode = m.mode();
            if !m.file_type().is_symlink()
                && mode & 0o002 != 0
                && !(m.is_dir() && mode & 0o1000 != 0)
            {
                found.push(format!("{shown} ({:o})", mode & 0o7777));
            }
            if m.is_dir()
                && let Ok(rd) = std::fs::read_dir(&real)
            {
                for e in rd.flatten() {
                    stack.push((
                        e.path(),
                        format!("{shown}/{}", e.file_name().to_string_lossy()),
                    ));
                }
            }
        }
    }
    found.sort();
    let state = if found.is_empty() {
        State::Pass
    } else {
        State::Fail
    };
    let detail = if found.is_empty() {
        format!("none in {}", SYSTEM_DIRS.join(" "))
    } else {
        let more = found.len().saturating_sub(MAX_NAMED);
        let mut d = found
            .iter()
            .take(MAX_NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            let _ = write!(d, " and {more} more");
        }
        d
    };
    HostResult {
        id: "H.3.1",
        text: "files: no world-writable files in system directories",
        state,
        detail,
        remediation: "Remove write permission for others (`chmod o-w PATH`).",
    }
}

fn auditd(root: &Path) -> HostResult {
    let (state, detail) = match read(root, "/etc/audit/auditd.conf") {
        Some(_) => (State::Pass, "/etc/audit/auditd.conf present".to_string()),
        None => (
            State::Fail,
            "/etc/audit/auditd.conf absent: auditd not installed".to_string(),
        ),
    };
    HostResult {
        id: "H.4.1",
        text: "logging: auditd installed",
        state,
        detail,
        remediation: "Install and enable auditd.",
    }
}

/// `/proc/1/mounts` (init's view, so a root mounted into a container still shows the host's table), else
/// `/proc/mounts`. Mount points decode the kernel's octal escapes (`\040` for a space).
fn mounts(root: &Path, out: &mut Vec<HostResult>) {
    let table = read(root, "/proc/1/mounts").or_else(|| read(root, "/proc/mounts"));
    let unescape = |s: &str| {
        let b = s.as_bytes();
        let mut o = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\'
                && i + 3 < b.len()
                && b[i + 1..i + 4].iter().all(|d| (b'0'..=b'7').contains(d))
            {
                let n = b[i + 1..i + 4]
                    .iter()
                    .fold(0u32, |a, d| a * 8 + u32::from(d - b'0'));
                o.push(n as u8);
                i += 4;
            } else {
                o.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&o).into_owned()
    };
    for (id, mount, text) in [
        ("H.5.1", "/tmp", "mounts: /tmp with nodev,nosuid"),
        ("H.5.2", "/dev/shm", "mounts: /dev/shm with nodev,nosuid"),
    ] {
        let (state, detail) = match &table {
            None => (
                State::Warn,
                "mount table unreadable (/proc/1/mounts, /proc/mounts)".to_string(),
            ),
            Some(t) => {
                // The last entry for a mount point is the one on top.
                let opts = t.lines().rev().find_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.len() >= 4 && unescape(f[1]) == mount).then(|| f[3].to_string())
                });
                match opts {
                    None => (State::Warn, format!("{mount} is not a separate mount")),
                    Some(o) => {
                        let set: Vec<&str> = o.split(',').collect();
                        let missing: Vec<&str> = ["nodev", "nosuid"]
                            .into_iter()
                            .filter(|x| !set.contains(x))
                            .collect();
                        if missing.is_empty() {
                            (State::Pass, format!("{mount} {o}"))
                        } else {
                            (
                                State::Fail,
                                format!("{mount} {o}: missing {}", missing.join(",")),
                            )
                        }
                    }
                }
            }
        };
        out.push(HostResult {
            id,
            text,
            state,
            detail,
            remediation: "Mount it with nodev,nosuid (and noexec) in /etc/fstab.",
        });
    }
}
