//! Reading a process from `/proc/PID`, and the parsers of the `/proc` files it reads (pure functions, fuzzed):
//! `status`, `stat`, `cgroup`, `mountinfo`, `cmdline`. Every read is bounded; a file that vanished (the process
//! exited) is `None`, never an error.

use std::io::Read as _;
use std::path::Path;

use crate::process::Process;

/// Largest `/proc` file read (cmdline, environ, status, cgroup, mountinfo). Longer content is cut.
pub const MAX_PROC_FILE: u64 = 256 << 10;
/// Most arguments kept; the rest are dropped.
pub const MAX_ARGS: usize = 1024;

/// What `/proc/PID/status` says that the process model keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// `Name:`.
    pub name: String,
    /// `PPid:`.
    pub ppid: i64,
    /// Effective uid (second of `Uid:`).
    pub euid: u32,
    /// Effective gid.
    pub egid: u32,
    /// `CapInh`, `CapPrm`, `CapEff`.
    pub cap_inh: u64,
    /// Permitted.
    pub cap_prm: u64,
    /// Effective.
    pub cap_eff: u64,
    /// Innermost pid namespace's pid (last of `NSpid:`), 0 when absent.
    pub vpid: i64,
    /// Innermost pgid (last of `NSpgid:`).
    pub vpgid: i64,
}

/// Parses `/proc/PID/status`. Unknown or malformed lines are skipped.
#[must_use]
pub fn parse_status(text: &str) -> Status {
    let mut s = Status::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let last = || v.split_whitespace().last().and_then(|x| x.parse().ok());
        match k {
            "Name" => v.clone_into(&mut s.name),
            "PPid" => s.ppid = v.parse().unwrap_or(0),
            "Uid" => {
                s.euid = v
                    .split_whitespace()
                    .nth(1)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
            }
            "Gid" => {
                s.egid = v
                    .split_whitespace()
                    .nth(1)
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
            }
            "CapInh" => s.cap_inh = u64::from_str_radix(v, 16).unwrap_or(0),
            "CapPrm" => s.cap_prm = u64::from_str_radix(v, 16).unwrap_or(0),
            "CapEff" => s.cap_eff = u64::from_str_radix(v, 16).unwrap_or(0),
            "NSpid" => s.vpid = last().unwrap_or(0),
            "NSpgid" => s.vpgid = last().unwrap_or(0),
            _ => {}
        }
    }
    s
}

/// What `/proc/PID/stat` says that the process model keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stat {
    /// `comm` (field 2, without the parentheses).
    pub comm: String,
    /// Field 4.
    pub ppid: i64,
    /// Field 5.
    pub pgrp: i64,
    /// Field 6.
    pub session: i64,
    /// Field 7, the controlling terminal's device number.
    pub tty_nr: u32,
    /// Field 22, clock ticks after boot.
    pub starttime: u64,
}

/// Parses `/proc/PID/stat`. `comm` may hold spaces and parentheses: it ends at the last `)`.
#[must_use]
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let comm = text.get(open + 1..close)?.to_owned();
    // Fields from 3 (state) on.
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let f = |n: usize| rest.get(n - 3).and_then(|x| x.parse::<i64>().ok());
    Some(Stat {
        comm,
        ppid: f(4)?,
        pgrp: f(5)?,
        session: f(6)?,
        tty_nr: u32::try_from(f(7)?).unwrap_or(0),
        starttime: rest.get(22 - 3).and_then(|x| x.parse().ok())?,
    })
}

/// Parses `/proc/PID/cgroup` into (controllers, path) pairs (`0::/path` for cgroup v2).
#[must_use]
pub fn parse_cgroup(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let _id = it.next()?;
            let ctl = it.next()?;
            let path = it.next()?;
            Some((
                if ctl.is_empty() {
                    "unified".to_owned()
                } else {
                    ctl.to_owned()
                },
                path.to_owned(),
            ))
        })
        .collect()
}

/// A container found in a cgroup path: its full id, the runtime and the pod uid where the path names one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupContainer {
    /// The 64-hex-digit id.
    pub full_id: String,
    /// `docker`, `containerd`, `cri-o`, `podman`.
    pub runtime: &'static str,
    /// The pod uid (`kubepods…pod<uid>`), dashes restored.
    pub pod_uid: Option<String>,
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The container a cgroup path belongs to. Forms (v1 and v2, cgroupfs and systemd drivers):
/// `/docker/<id>`, `/system.slice/docker-<id>.scope`, `/kubepods/burstable/pod<uid>/<id>`,
/// `/kubepods.slice/…/cri-containerd-<id>.scope`, `…/crio-<id>.scope`, `/kubepods/…/crio-<id>`,
/// `/machine.slice/libpod-<id>.scope`, `/libpod_parent/libpod-<id>`, `…/containerd-<id>.scope`.
/// cri-o's `crio-conmon-<id>.scope` is the monitor, not the container, and gives `None`.
#[must_use]
pub fn container_from_cgroup(path: &str) -> Option<CgroupContainer> {
    let mut pod_uid = None;
    let mut found = None;
    for comp in path.split('/') {
        if let Some(p) = comp.strip_suffix(".slice") {
            // kubepods-burstable-pod<uid with _>.slice
            if let Some(i) = p.rfind("-pod") {
                pod_uid = Some(p[i + 4..].replace('_', "-"));
            }
            continue;
        }
        if let Some(uid) = comp.strip_prefix("pod")
            && uid.len() >= 32
        {
            pod_uid = Some(uid.replace('_', "-"));
            continue;
        }
        let c = comp.strip_suffix(".scope").unwrap_or(comp);
        if c.starts_with("crio-conmon-") {
            return None;
        }
        let (runtime, id) = if let Some(id) = c.strip_prefix("docker-") {
            ("docker", id)
        } else if let Some(id) = c.strip_prefix("cri-containerd-") {
            ("containerd", id)
        } else if let Some(id) = c.strip_prefix("crio-") {
            ("cri-o", id)
        } else if let Some(id) = c.strip_prefix("libpod-") {
            ("podman", id)
        } else if let Some(id) = c.strip_prefix("containerd-") {
            ("containerd", id)
        } else if path.contains("/docker/") {
            ("docker", c)
        } else {
            // `/kubepods/…/pod<uid>/<id>` (cgroupfs driver) and containerd's own `/<namespace>/<id>`.
            ("containerd", c)
        };
        if is_id(id) {
            found = Some((runtime, id.to_ascii_lowercase()));
        }
    }
    let (runtime, full_id) = found?;
    Some(CgroupContainer {
        full_id,
        runtime,
        pod_uid,
    })
}

/// The overlay upper directory of the mount at `/` in a `mountinfo` (the process's root filesystem), if that
/// mount is an overlay: `… / / … - overlay overlay rw,lowerdir=…,upperdir=/var/lib/…/diff,workdir=…`.
#[must_use]
pub fn overlay_upperdir(mountinfo: &str) -> Option<String> {
    let mut upper = None;
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        // pre: id parent major:minor root mountpoint options [optional fields]
        if pre.split_whitespace().nth(4) != Some("/") {
            continue;
        }
        let mut post = post.split_whitespace();
        let fstype = post.next();
        let _source = post.next();
        let opts = post.next().unwrap_or("");
        // The last mount at `/` wins (it is on top).
        upper = if fstype == Some("overlay") {
            opts.split(',')
                .find_map(|o| o.strip_prefix("upperdir="))
                .map(str::to_owned)
        } else {
            None
        };
    }
    upper
}

/// Splits `cmdline` (NUL-separated) into at most [`MAX_ARGS`] strings.
#[must_use]
pub fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|&b| b == 0)
        .take(MAX_ARGS)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Reads at most [`MAX_PROC_FILE`] bytes; `None` if the file cannot be read (the process is gone).
#[must_use]
pub fn read_bounded(path: &Path) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).ok()?;
    let mut out = Vec::new();
    f.take(MAX_PROC_FILE).read_to_end(&mut out).ok()?;
    Some(out)
}

fn read_text(path: &Path) -> Option<String> {
    read_bounded(path).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Clock facts needed to turn `/proc` times into ns since the epoch.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Boot time, ns since the epoch (`btime` in `/proc/stat`, refined by the monotonic clock).
    pub boot_ns: i64,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub ticks: u64,
}

impl Clock {
    /// The boot time as realtime − boottime clock, and the tick rate.
    #[must_use]
    pub fn now() -> Self {
        let rt = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
        let bt = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        let ns = |t: rustix::time::Timespec| t.tv_sec * 1_000_000_000 + t.tv_nsec;
        Clock {
            boot_ns: ns(rt) - ns(bt),
            ticks: rustix::param::clock_ticks_per_second(),
        }
    }

    /// The offset to add to a `CLOCK_MONOTONIC` time to get ns since the epoch (the connector's timestamps).
    #[must_use]
    pub fn monotonic_offset() -> i64 {
        let rt = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
        let mt = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        let ns = |t: rustix::time::Timespec| t.tv_sec * 1_000_000_000 + t.tv_nsec;
        ns(rt) - ns(mt)
    }
}

/// Reads what `/proc/PID` tells about a process into `p` (pid and tid set by the caller). Returns false when the
/// process is gone (its `stat` cannot be read); fields read before it vanished stay.
pub fn read_process(proc_root: &Path, pid: i64, clock: &Clock, p: &mut Process) -> bool {
    let dir = proc_root.join(pid.to_string());
    let Some(stat) = read_text(&dir.join("stat")).as_deref().and_then(parse_stat) else {
        return false;
    };
    p.pid = pid;
    if p.tid == 0 {
        p.tid = pid;
    }
    p.ppid = stat.ppid;
    p.sid = stat.session;
    p.tty = stat.tty_nr;
    p.comm = stat.comm;
    let ticks = clock.ticks.max(1);
    p.start_ns = clock.boot_ns
        + i64::try_from(stat.starttime.saturating_mul(1_000_000_000) / ticks).unwrap_or(0);
    if let Some(status) = read_text(&dir.join("status")) {
        let s = parse_status(&status);
        p.uid = s.euid;
        p.gid = s.egid;
        p.cap_inheritable = s.cap_inh;
        p.cap_permitted = s.cap_prm;
        p.cap_effective = s.cap_eff;
        p.vpid = if s.vpid == 0 { pid } else { s.vpid };
        p.vtid = p.vpid;
        p.vpgid = if s.vpgid == 0 { stat.pgrp } else { s.vpgid };
    }
    if let Some(raw) = read_bounded(&dir.join("cmdline")) {
        let mut args = parse_cmdline(&raw);
        if !args.is_empty() {
            p.exe = args.remove(0);
        }
        p.args = args;
    }
    if let Ok(exe) = std::fs::read_link(dir.join("exe")) {
        let s = exe.to_string_lossy().into_owned();
        p.exe_from_memfd = s.starts_with("/memfd:");
        s.strip_suffix(" (deleted)")
            .unwrap_or(&s)
            .clone_into(&mut p.exepath);
    }
    if let Ok(md) = std::fs::metadata(dir.join("exe")) {
        use std::os::unix::fs::MetadataExt as _;
        p.exe_ino = md.ino();
        p.exe_ino_ctime = md.ctime() * 1_000_000_000 + md.ctime_nsec();
        p.exe_ino_mtime = md.mtime() * 1_000_000_000 + md.mtime_nsec();
        p.exe_writable = exe_writable(&md, p.uid, p.gid);
    }
    if let Ok(cwd) = std::fs::read_link(dir.join("cwd")) {
        let mut s = cwd.to_string_lossy().into_owned();
        if !s.ends_with('/') {
            s.push('/');
        }
        p.cwd = s;
    }
    if let Some(l) = read_text(&dir.join("loginuid")) {
        p.loginuid = match l.trim().parse::<u32>() {
            Ok(u32::MAX) | Err(_) => -1,
            Ok(u) => i64::from(u),
        };
    }
    if let Some(cg) = read_text(&dir.join("cgroup")) {
        p.cgroups = parse_cgroup(&cg);
    }
    true
}

fn exe_writable(md: &std::fs::Metadata, uid: u32, gid: u32) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let mode = md.mode();
    if uid == 0 {
        return true;
    }
    (md.uid() == uid && mode & 0o200 != 0)
        || (md.gid() == gid && mode & 0o020 != 0)
        || mode & 0o002 != 0
}

/// Whether the process's executable lies on its root overlay's upper layer: the root mount of the process
/// (`/proc/PID/mountinfo`) is an overlay whose `upperdir` (a path in the host's mount namespace, reached through
/// `host_root`, normally `/proc/1/root`) holds a file at the executable's path.
#[must_use]
pub fn exe_on_upper_layer(proc_root: &Path, pid: i64, exepath: &str, host_root: &Path) -> bool {
    if exepath.is_empty() || !exepath.starts_with('/') {
        return false;
    }
    let Some(mi) = read_text(&proc_root.join(pid.to_string()).join("mountinfo")) else {
        return false;
    };
    let Some(upper) = overlay_upperdir(&mi) else {
        return false;
    };
    let candidate = format!(
        "{}{}{}",
        host_root.display().to_string().trim_end_matches('/'),
        upper.trim_end_matches('/'),
        exepath
    );
    std::fs::symlink_metadata(candidate).is_ok_and(|m| m.is_file())
}

/// User name, home and shell for `uid` from a `passwd` file's text.
#[must_use]
pub fn passwd_lookup(text: &str, uid: u32) -> Option<(String, String, String)> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 7 && f[2].parse::<u32>().ok() == Some(uid))
            .then(|| (f[0].to_owned(), f[5].to_owned(), f[6].to_owned()))
    })
}

/// Group name for `gid` from a `group` file's text.
#[must_use]
pub fn group_lookup(text: &str, gid: u32) -> Option<String> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[2].parse::<u32>().ok() == Some(gid)).then(|| f[0].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cgroup_paths_of_each_runtime_give_the_container() {
        let id = "3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
        let cases = [
            (format!("/docker/{id}"), "docker", None),
            (format!("/system.slice/docker-{id}.scope"), "docker", None),
            (
                format!("/kubepods/burstable/pod0a1b2c3d-1111-2222-3333-444455556666/{id}"),
                "containerd",
                Some("0a1b2c3d-1111-2222-3333-444455556666"),
            ),
            (
                format!(
                    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_1111_2222_3333_444455556666.slice/cri-containerd-{id}.scope"
                ),
                "containerd",
                Some("0a1b2c3d-1111-2222-3333-444455556666"),
            ),
            (
                format!(
                    "/kubepods.slice/kubepods-pod0a1b2c3d_1111_2222_3333_444455556666.slice/crio-{id}.scope"
                ),
                "cri-o",
                Some("0a1b2c3d-1111-2222-3333-444455556666"),
            ),
            (
                format!("/machine.slice/libpod-{id}.scope/container"),
                "podman",
                None,
            ),
            (format!("/libpod_parent/libpod-{id}"), "podman", None),
        ];
        for (path, runtime, pod) in cases {
            let c = container_from_cgroup(&path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(c.full_id, id, "{path}");
            assert_eq!(c.runtime, runtime, "{path}");
            assert_eq!(c.pod_uid.as_deref(), pod, "{path}");
        }
        assert_eq!(
            container_from_cgroup("/user.slice/user-0.slice/session-1.scope"),
            None
        );
        assert_eq!(container_from_cgroup("/"), None);
        assert_eq!(
            container_from_cgroup(&format!("/kubepods.slice/crio-conmon-{id}.scope")),
            None
        );
    }

    #[test]
    fn stat_with_parentheses_in_comm_and_status_fields() {
        let s = parse_stat(
            "42 (a) b) S 1 42 42 34816 42 4194304 1 2 3 4 5 6 7 8 20 0 1 0 9876 100 200",
        )
        .unwrap();
        assert_eq!(s.comm, "a) b");
        assert_eq!(
            (s.ppid, s.pgrp, s.session, s.tty_nr, s.starttime),
            (1, 42, 42, 34816, 9876)
        );
        let st = parse_status(
            "Name:\tcat\nPPid:\t7\nUid:\t1000\t1001\t1000\t1000\nGid:\t5\t6\t5\t5\nCapEff:\t000001ffffffffff\nNSpid:\t900\t3\n",
        );
        assert_eq!((st.ppid, st.euid, st.egid, st.vpid), (7, 1001, 6, 3));
        assert_eq!(st.cap_eff, 0x1ff_ffff_ffff);
    }

    #[test]
    fn an_executable_in_the_upper_directory_is_on_the_upper_layer() {
        // A /proc with one process whose root is an overlay, and a host root holding its upper directory.
        let t = std::env::temp_dir().join(format!("bulwark-upper-{}", std::process::id()));
        let proc_root = t.join("proc");
        let host = t.join("host");
        std::fs::create_dir_all(proc_root.join("7")).unwrap();
        std::fs::create_dir_all(host.join("var/lib/c/u/diff/usr/local/bin")).unwrap();
        std::fs::write(
            proc_root.join("7/mountinfo"),
            "22 1 0:21 / / rw - overlay overlay rw,lowerdir=/l1,upperdir=/var/lib/c/u/diff,workdir=/w\n",
        )
        .unwrap();
        std::fs::write(host.join("var/lib/c/u/diff/usr/local/bin/miner"), b"x").unwrap();
        assert!(exe_on_upper_layer(
            &proc_root,
            7,
            "/usr/local/bin/miner",
            &host
        ));
        assert!(!exe_on_upper_layer(&proc_root, 7, "/usr/bin/cat", &host));
        assert!(!exe_on_upper_layer(
            &proc_root,
            8,
            "/usr/local/bin/miner",
            &host
        ));
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn overlay_upperdir_is_the_root_mounts() {
        let mi = "22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/l1:/l2,upperdir=/var/lib/c/u/diff,workdir=/var/lib/c/u/work\n23 22 0:5 / /proc rw - proc proc rw\n";
        assert_eq!(overlay_upperdir(mi).as_deref(), Some("/var/lib/c/u/diff"));
        assert_eq!(
            overlay_upperdir("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"),
            None
        );
    }
}
