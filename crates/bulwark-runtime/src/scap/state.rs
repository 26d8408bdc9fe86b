//! The syscall state a capture builds up: threads (from the process list and clone/execve/procexit), file
//! descriptors per process (from fd lists and open/socket/connect/accept/close/dup/pipe), users and groups.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::events::{
    self, AF_INET, AF_INET6, AF_UNIX, RawEvent, SockAddr, SockTuple, cstr, le_i64, le_u64,
};
use super::reader::{self, Cur};
use crate::process::{Process, ProcessTable};

/// libscap's fd types (`scap_fd_type`).
pub(crate) mod fdt {
    pub(crate) const UNKNOWN: u8 = 0;
    pub(crate) const FILE: u8 = 1;
    pub(crate) const DIRECTORY: u8 = 2;
    pub(crate) const IPV4_SOCK: u8 = 3;
    pub(crate) const IPV6_SOCK: u8 = 4;
    pub(crate) const IPV4_SERVSOCK: u8 = 5;
    pub(crate) const IPV6_SERVSOCK: u8 = 6;
    pub(crate) const FIFO: u8 = 7;
    pub(crate) const UNIX_SOCK: u8 = 8;
    pub(crate) const EVENT: u8 = 9;
    pub(crate) const UNSUPPORTED: u8 = 10;
    pub(crate) const SIGNALFD: u8 = 11;
    pub(crate) const EVENTPOLL: u8 = 12;
    pub(crate) const INOTIFY: u8 = 13;
    pub(crate) const TIMERFD: u8 = 14;
    pub(crate) const NETLINK: u8 = 15;
    pub(crate) const FILE_V2: u8 = 16;
    pub(crate) const BPF: u8 = 17;
    pub(crate) const USERFAULTFD: u8 = 18;
    pub(crate) const IOURING: u8 = 19;
    pub(crate) const MEMFD: u8 = 20;
    pub(crate) const PIDFD: u8 = 21;
}

/// Transport protocols (`scap_l4_proto`).
pub(crate) mod l4 {
    pub(crate) const UNKNOWN: u8 = 0;
    pub(crate) const TCP: u8 = 6;
    pub(crate) const UDP: u8 = 17;
    pub(crate) const ICMP: u8 = 1;
    pub(crate) const RAW: u8 = 255;
}

/// The role a socket has taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Role {
    #[default]
    None,
    Client,
    Server,
}

/// One file descriptor.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fd {
    pub ty: u8,
    pub name: String,
    /// The name as opened (before the working directory was joined), for `fd.nameraw`.
    pub name_raw: String,
    pub l4: u8,
    pub role: Role,
    /// Source (client) and destination (server) ends; for server sockets only `dip`/`dport`.
    pub sip: Option<IpAddr>,
    pub sport: u16,
    pub dip: Option<IpAddr>,
    pub dport: u16,
    pub open_flags: u32,
    pub ino: u64,
    pub dev: u32,
    /// Set when a connect or accept changed the name during this event.
    pub name_changed: bool,
}

impl Fd {
    /// `fd.typechar`.
    pub(crate) fn typechar(&self) -> char {
        match self.ty {
            fdt::FILE | fdt::FILE_V2 => 'f',
            fdt::IPV4_SOCK | fdt::IPV4_SERVSOCK => '4',
            fdt::IPV6_SOCK | fdt::IPV6_SERVSOCK => '6',
            fdt::DIRECTORY => 'd',
            fdt::FIFO => 'p',
            fdt::UNIX_SOCK => 'u',
            fdt::EVENT => 'e',
            fdt::UNKNOWN => 'o',
            fdt::UNSUPPORTED => 'X',
            fdt::SIGNALFD => 's',
            fdt::EVENTPOLL => 'l',
            fdt::INOTIFY => 'i',
            fdt::TIMERFD => 't',
            fdt::NETLINK => 'n',
            _ => '?',
        }
    }

    /// `fd.type`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self.ty {
            fdt::FILE | fdt::FILE_V2 => "file",
            fdt::DIRECTORY => "directory",
            fdt::IPV4_SOCK | fdt::IPV4_SERVSOCK => "ipv4",
            fdt::IPV6_SOCK | fdt::IPV6_SERVSOCK => "ipv6",
            fdt::UNIX_SOCK => "unix",
            fdt::FIFO => "pipe",
            fdt::EVENT => "event",
            fdt::SIGNALFD => "signalfd",
            fdt::EVENTPOLL => "eventpoll",
            fdt::INOTIFY => "inotify",
            fdt::TIMERFD => "timerfd",
            fdt::NETLINK => "netlink",
            fdt::BPF => "bpf",
            fdt::USERFAULTFD => "userfaultfd",
            fdt::IOURING => "io_uring",
            fdt::MEMFD => "memfd",
            fdt::PIDFD => "pidfd",
            _ => "<NA>",
        }
    }

    pub(crate) fn is_ip(&self) -> bool {
        matches!(
            self.ty,
            fdt::IPV4_SOCK | fdt::IPV6_SOCK | fdt::IPV4_SERVSOCK | fdt::IPV6_SERVSOCK
        )
    }

    /// The transport as libsinsp reports it: unknown until the socket has a role (raw excepted).
    pub(crate) fn l4proto(&self) -> u8 {
        match self.ty {
            fdt::IPV4_SOCK | fdt::IPV6_SOCK => {
                if self.l4 == l4::RAW {
                    l4::RAW
                } else if self.role == Role::None {
                    l4::UNKNOWN
                } else {
                    self.l4
                }
            }
            fdt::IPV4_SERVSOCK | fdt::IPV6_SERVSOCK => self.l4,
            _ => l4::UNKNOWN,
        }
    }

    /// The `<6t>` prefix of a rendered fd.
    pub(crate) fn tag(&self) -> String {
        let mut s = String::with_capacity(4);
        s.push('<');
        s.push(self.typechar());
        if self.is_ip() {
            match self.l4proto() {
                l4::TCP => s.push('t'),
                l4::UDP => s.push('u'),
                l4::ICMP => s.push('i'),
                l4::RAW => s.push('r'),
                _ => {}
            }
        }
        s.push('>');
        s
    }

    /// A datagram's tuple on a socket: the ends as for connect, the protocol UDP when unknown, and an unbound
    /// source inferred from a loopback destination (libsinsp asks its interface list; loopback is the case
    /// that needs no list).
    fn update_from_rw(&mut self, t: &SockTuple, inferred: Option<IpAddr>) {
        self.set_tuple(t);
        if let SockTuple::Ip(..) = t {
            if self.l4 == l4::UNKNOWN {
                self.l4 = l4::UDP;
            }
            if self.role == Role::None {
                self.role = Role::Client;
            }
            if let (Some(s), Some(d), Some(local)) = (self.sip, self.dip, inferred)
                && s.is_unspecified()
            {
                self.sip = Some(local);
                self.name = format!(
                    "{}->{}",
                    events::ip_port(&local, self.sport),
                    events::ip_port(&d, self.dport)
                );
            }
        }
    }

    /// Fills the addresses from a tuple and names the socket `src:port->dst:port`.
    fn set_tuple(&mut self, t: &SockTuple) {
        match t {
            SockTuple::Ip(s, sp, d, dp) => {
                let same = |a: &IpAddr, ap: u16, b: &IpAddr, bp: u16| {
                    self.sip == Some(*a)
                        && self.sport == ap
                        && self.dip == Some(*b)
                        && self.dport == bp
                };
                if self.is_ip() && (same(s, *sp, d, *dp) || same(d, *dp, s, *sp)) {
                    // The same connection seen from the other end (a reply): nothing changes.
                    return;
                }
                self.sip = Some(*s);
                self.sport = *sp;
                self.dip = Some(*d);
                self.dport = *dp;
                if matches!(self.ty, fdt::IPV4_SOCK | fdt::IPV6_SOCK | fdt::UNKNOWN)
                    || self.ty == fdt::IPV4_SERVSOCK
                    || self.ty == fdt::IPV6_SERVSOCK
                {
                    self.ty = if s.is_ipv4() {
                        fdt::IPV4_SOCK
                    } else {
                        fdt::IPV6_SOCK
                    };
                }
                self.name = format!("{}->{}", events::ip_port(s, *sp), events::ip_port(d, *dp));
            }
            SockTuple::Unix(src, dst, path) => {
                self.ty = fdt::UNIX_SOCK;
                self.name = format!("{src:x}->{dst:x} {path}");
            }
            SockTuple::Other(_) => {}
        }
    }
}

/// The longest enter parameter kept for the exit's parser (paths are at most 4096 bytes).
const MAX_KEPT_PARAM: usize = 8192;
/// Caps on the state a capture can build, so memory stays bounded whatever the input: threads, fds per process,
/// fds in all, containers, users and groups. Past a cap, new threads, fds and containers are not kept.
pub(crate) const MAX_THREADS: usize = 1 << 18;
pub(crate) const MAX_FDS_PER_PROCESS: usize = 1 << 16;
pub(crate) const MAX_CONTAINERS: usize = 1 << 14;
pub(crate) const MAX_USERS: usize = 1 << 16;

/// A copy of an enter event's parameters (one buffer, reused), for the exit event's parser.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnterParams {
    bytes: Vec<u8>,
    ranges: Vec<(u32, u32)>,
}

impl EnterParams {
    fn set(&mut self, ev: &RawEvent, body: &[u8]) {
        self.bytes.clear();
        self.ranges.clear();
        for i in 0..ev.params.len() {
            let p = ev.param(body, i).unwrap_or(&[]);
            // Exit parsers read small parameters (numbers, addresses, paths); a data buffer is cut so a thread
            // never keeps a large event alive.
            let p = &p[..p.len().min(MAX_KEPT_PARAM)];
            self.ranges.push((self.bytes.len() as u32, p.len() as u32));
            self.bytes.extend_from_slice(p);
        }
        if self.bytes.capacity() > 4 * MAX_KEPT_PARAM {
            self.bytes.shrink_to(4 * MAX_KEPT_PARAM);
        }
    }

    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let (o, l) = *self.ranges.get(i)?;
        self.bytes.get(o as usize..(o + l) as usize)
    }
}

/// A fast hasher for the integer keys of the thread and fd tables (ids, not attacker-chosen strings; a
/// capture that collides them on purpose only slows itself down).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_i64(&mut self, v: i64) {
        self.0 = (self.0.rotate_left(5) ^ v as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, v: u32) {
        self.write_i64(i64::from(v));
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

/// A thread, with the process it belongs to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Thread {
    pub p: Process,
    /// The last enter event of this thread: its type, and a copy of its parameters.
    pub enter_ty: Option<u16>,
    pub enter_params: EnterParams,
    /// The fd the last enter event named (for exit events that use it).
    pub enter_fd: Option<i64>,
    /// The time of the last enter event.
    pub enter_ts: u64,
}

/// Users and groups of the capture's user list.
#[derive(Debug, Clone, Default)]
pub(crate) struct User {
    pub name: String,
    pub home: String,
    pub shell: String,
}

/// The whole state.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub threads: IdMap<i64, Thread>,
    /// Fd tables, by process id (threads of a process share one).
    pub fds: IdMap<i64, IdMap<i64, Fd>>,
    pub users: IdMap<u32, User>,
    pub groups: IdMap<u32, String>,
    /// Containers by full and short id, from `container` events.
    pub containers: HashMap<String, std::sync::Arc<crate::process::ContainerInfo>>,
    pub hostname: String,
    /// The scratch thread [`State::thread_mut`] hands out when the table is full.
    spare: Thread,
    /// `evt.latency` of the event being delivered: exit time minus its enter's, 0 for enter events.
    pub latency: u64,
    /// Interface addresses and netmasks of the capturing machine (interface list).
    pub interfaces: Vec<(IpAddr, IpAddr)>,
    /// The time of the capture's first event, for `evt.reltime`.
    pub first_ts: Option<u64>,
}

impl ProcessTable for State {
    fn get(&self, pid: i64) -> Option<&Process> {
        self.threads.get(&pid).map(|t| &t.p)
    }
}

/// Splits a NUL-separated list.
fn nul_list(b: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = b
        .split(|&c| c == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    while v.last().is_some_and(String::is_empty) {
        v.pop();
    }
    v
}

/// A working directory as libsinsp keeps it: ending in `/`.
fn with_slash(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Joins a working directory and a path the way libsinsp does (`..` and `.` resolved); absolute paths stay.
pub(crate) fn join_path(cwd: &str, path: &str) -> String {
    let full = if path.starts_with('/') || cwd.is_empty() {
        path.to_string()
    } else {
        format!("{}/{}", cwd.trim_end_matches('/'), path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&parts.join("/"));
    out
}

impl State {
    /// The user record for a uid.
    pub(crate) fn user(&self, uid: u32) -> Option<&User> {
        self.users.get(&uid)
    }

    /// The container a process's cgroups name, with what `container` events told about it.
    fn attach_container(&self, p: &mut Process) {
        p.container = super::container::from_cgroups(&p.cgroups).map(|(full, runtime)| {
            self.containers
                .get(&full)
                .or_else(|| self.containers.get(&full[..12]))
                .cloned()
                .unwrap_or_else(|| std::sync::Arc::new(super::container::minimal(&full, runtime)))
        });
    }

    /// A `container` event: remember the container and give it to the processes already in it.
    fn container_event(&mut self, info: std::sync::Arc<crate::process::ContainerInfo>) {
        for t in self.threads.values_mut() {
            if let Some(c) = &t.p.container
                && (c.full_id == info.full_id || c.id == info.id || c.full_id.starts_with(&info.id))
            {
                t.p.container = Some(info.clone());
            }
        }
        if self.containers.len() < MAX_CONTAINERS {
            self.containers.insert(info.id.clone(), info.clone());
            self.containers.insert(info.full_id.clone(), info);
        }
    }

    fn fill_names(&self, p: &mut Process) {
        self.attach_container(p);
        self.fill_user_names(p);
    }

    fn fill_user_names(&self, p: &mut Process) {
        if let Some(u) = self.users.get(&p.uid) {
            p.user_name = Some(u.name.clone());
            p.user_home = Some(u.home.clone());
            p.user_shell = Some(u.shell.clone());
        }
        if let Some(g) = self.groups.get(&p.gid) {
            p.group_name = Some(g.clone());
        }
        if p.loginuid >= 0 {
            p.login_name = u32::try_from(p.loginuid)
                .ok()
                .and_then(|l| self.users.get(&l))
                .map(|u| u.name.clone());
        }
    }

    /// Reads a process list block (PL_V1..PL_V9).
    pub(crate) fn read_proclist(&mut self, ty: u32, body: &[u8]) -> Result<(), String> {
        let mut c = Cur::new(body);
        let v = match ty {
            reader::PL_V1 => 1,
            reader::PL_V2 => 2,
            reader::PL_V3 => 3,
            reader::PL_V4 => 4,
            reader::PL_V5 => 5,
            reader::PL_V6 => 6,
            reader::PL_V7 => 7,
            reader::PL_V8 => 8,
            _ => 9,
        };
        while c.left() >= 4 {
            let entry_start = c.pos;
            let sub_len = if v == 9 { c.u32()? as usize } else { 0 };
            if v == 9 && (sub_len < 4 || sub_len > body.len() - entry_start) {
                return Err(format!(
                    "process entry at body offset {entry_start} declares length {sub_len}, outside the block"
                ));
            }
            let mut p = Process {
                tid: c.i64()?,
                ..Process::default()
            };
            p.pid = c.i64()?;
            p.ppid = c.i64()?;
            p.sid = -1;
            p.vpgid = -1;
            p.loginuid = -1;
            if v >= 6 {
                p.sid = c.i64()?;
            }
            if v >= 8 {
                p.vpgid = c.i64()?;
            }
            p.comm = c.str16()?;
            p.exe = c.str16()?;
            if v >= 7 {
                p.exepath = c.str16()?;
            }
            p.args = nul_list(c.bytes16()?);
            p.cwd = with_slash(c.str16()?);
            let _fdlimit = c.u64()?;
            let _flags = c.u32()?;
            p.uid = c.u32()?;
            p.gid = c.u32()?;
            if v >= 2 {
                let _vmsize = c.u32()?;
                let _vmrss = c.u32()?;
                let _vmswap = c.u32()?;
                let _pfmaj = c.u64()?;
                let _pfmin = c.u64()?;
                if v >= 3 {
                    p.env = nul_list(c.bytes16()?);
                }
                if v >= 4 {
                    p.vtid = c.i64()?;
                    p.vpid = c.i64()?;
                    let cg = c.bytes16()?;
                    p.cgroups = nul_list(cg)
                        .into_iter()
                        .filter_map(|s| {
                            s.split_once('=')
                                .map(|(a, b)| (a.to_string(), b.to_string()))
                        })
                        .collect();
                    if v >= 5 {
                        let _root = c.bytes16()?;
                    }
                }
            }
            if v == 9 {
                let end = entry_start + sub_len;
                let read = c.pos - entry_start;
                if read > sub_len {
                    return Err(format!(
                        "process entry at body offset {entry_start} is longer ({read} bytes) than its declared {sub_len}"
                    ));
                }
                // Optional trailing fields, each present only if the entry is long enough.
                let pre_0_10 = sub_len - read <= 29;
                let fits = |c: &Cur<'_>, n: usize| c.pos + n <= end;
                if !pre_0_10 {
                    if fits(&c, 8) {
                        c.u64()?;
                    }
                    if fits(&c, 4) {
                        p.tty = c.u32()?;
                    }
                }
                if fits(&c, 4) {
                    let l = c.u32()?;
                    p.loginuid = if l == u32::MAX { -1 } else { i64::from(l) };
                }
                if fits(&c, 1) {
                    p.exe_writable = c.u8()? != 0;
                }
                if fits(&c, 8) {
                    p.cap_inheritable = c.u64()?;
                }
                if fits(&c, 8) {
                    p.cap_permitted = c.u64()?;
                }
                if fits(&c, 8) {
                    p.cap_effective = c.u64()?;
                }
                if fits(&c, 1) {
                    p.exe_upper_layer = c.u8()? != 0;
                }
                if fits(&c, 8) {
                    p.exe_ino = c.u64()?;
                }
                if fits(&c, 8) {
                    p.exe_ino_ctime = c.i64()?;
                }
                if fits(&c, 8) {
                    p.exe_ino_mtime = c.i64()?;
                }
                if fits(&c, 1) {
                    p.exe_from_memfd = c.u8()? != 0;
                }
                c.pos = end;
            }
            if p.vtid <= 0 {
                p.vtid = p.tid;
            }
            if p.vpid <= 0 {
                p.vpid = p.pid;
            }
            self.fill_names(&mut p);
            let tid = p.tid;
            *self.thread_mut(tid) = Thread {
                p,
                ..Thread::default()
            };
        }
        Ok(())
    }

    /// Reads an interface list block (IL, IL_V2): entries of type (1 IPv4, 2 IPv6, 3/4 the same without link
    /// speed), name length, address, netmask, broadcast, [link speed u64], name; V2 entries start with their
    /// length.
    pub(crate) fn read_iflist(&mut self, ty: u32, body: &[u8]) -> Result<(), String> {
        let mut c = Cur::new(body);
        while c.left() >= 4 {
            let start = c.pos;
            let entry = if ty == reader::IL_V2 {
                Some(c.u32()? as usize)
            } else {
                None
            };
            let body_start = c.pos;
            let kind = c.u16()?;
            let namelen = c.u16()? as usize;
            let (alen, speed) = match kind {
                1 => (4, true),
                2 => (16, true),
                3 => (4, false),
                4 => (16, false),
                k => {
                    return Err(format!(
                        "interface entry at body offset {start} has unknown type {k}"
                    ));
                }
            };
            let addr = c.bytes(alen)?;
            let mask = c.bytes(alen)?;
            c.bytes(alen)?;
            if speed {
                c.u64()?;
            }
            c.bytes(namelen)?;
            let ip = |b: &[u8]| -> IpAddr {
                if b.len() == 4 {
                    IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
                } else {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(b);
                    IpAddr::V6(Ipv6Addr::from(a))
                }
            };
            if self.interfaces.len() < MAX_USERS {
                self.interfaces.push((ip(addr), ip(mask)));
            }
            if let Some(n) = entry {
                if c.pos - body_start > n || body_start + n > body.len() {
                    return Err(format!(
                        "interface entry at body offset {start} does not fit its length {n}"
                    ));
                }
                c.pos = body_start + n;
            }
        }
        Ok(())
    }

    /// The machine's address for talking to `dst`: the interface on `dst`'s network, else `dst` itself when it
    /// is loopback (libsinsp's inference for an unbound source).
    pub(crate) fn infer_local(&self, dst: IpAddr) -> Option<IpAddr> {
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v) => u128::from(u32::from(v)),
                IpAddr::V6(v) => u128::from(v),
            }
        };
        self.interfaces
            .iter()
            .find(|(a, m)| {
                a.is_ipv4() == dst.is_ipv4()
                    && bits(*a) & bits(*m) == bits(dst) & bits(*m)
                    && !m.is_unspecified()
            })
            .map(|(a, _)| *a)
            .or_else(|| dst.is_loopback().then_some(dst))
    }

    /// Reads the machine info block: the hostname (after num_cpus u32, memory u64, max_pid u64; 128 bytes).
    pub(crate) fn read_machine_info(&mut self, body: &[u8]) {
        if let Some(h) = body.get(20..148) {
            self.hostname = String::from_utf8_lossy(cstr(h)).into_owned();
        }
    }

    /// Reads a file descriptor list block (FDL, FDL_V2).
    pub(crate) fn read_fdlist(&mut self, ty: u32, body: &[u8]) -> Result<(), String> {
        let mut c = Cur::new(body);
        let tid = c.i64()?;
        let pid = self.threads.get(&tid).map_or(tid, |t| t.p.pid);
        while c.left() >= 4 {
            let start = c.pos;
            let sub_len = if ty == reader::FDL_V2 {
                c.u32()? as usize
            } else {
                0
            };
            if ty == reader::FDL_V2 && (sub_len < 4 || sub_len > body.len() - start) {
                return Err(format!(
                    "fd entry at body offset {start} declares length {sub_len}, outside the block"
                ));
            }
            let num = c.i64()?;
            let ino = c.u64()?;
            let t = c.u8()?;
            let mut fd = Fd {
                ty: t,
                ino,
                ..Fd::default()
            };
            let ip4 = |c: &mut Cur<'_>| -> Result<IpAddr, String> {
                let b = c.bytes(4)?;
                Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
            };
            let ip6 = |c: &mut Cur<'_>| -> Result<IpAddr, String> {
                let b = c.bytes(16)?;
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Ok(IpAddr::V6(Ipv6Addr::from(a)))
            };
            match t {
                fdt::IPV4_SOCK | fdt::IPV6_SOCK => {
                    let s = if t == fdt::IPV4_SOCK {
                        ip4(&mut c)?
                    } else {
                        ip6(&mut c)?
                    };
                    let d = if t == fdt::IPV4_SOCK {
                        ip4(&mut c)?
                    } else {
                        ip6(&mut c)?
                    };
                    fd.sport = c.u16()?;
                    fd.dport = c.u16()?;
                    fd.l4 = c.u8()?;
                    fd.sip = Some(s);
                    fd.dip = Some(d);
                    fd.role = Role::Client;
                    fd.name = format!(
                        "{}->{}",
                        events::ip_port(&s, fd.sport),
                        events::ip_port(&d, fd.dport)
                    );
                }
                fdt::IPV4_SERVSOCK | fdt::IPV6_SERVSOCK => {
                    let ip = if t == fdt::IPV4_SERVSOCK {
                        ip4(&mut c)?
                    } else {
                        ip6(&mut c)?
                    };
                    fd.dport = c.u16()?;
                    fd.l4 = c.u8()?;
                    fd.dip = Some(ip);
                    fd.role = Role::Server;
                    fd.name = events::ip_port(&ip, fd.dport);
                }
                fdt::UNIX_SOCK => {
                    c.u64()?;
                    c.u64()?;
                    fd.name = c.str16()?;
                }
                fdt::FILE_V2 => {
                    fd.open_flags = c.u32()?;
                    fd.name = c.str16()?;
                    if sub_len != 0 && c.pos - start + 4 <= sub_len {
                        fd.dev = c.u32()?;
                    }
                    fd.ty = fdt::FILE;
                }
                fdt::FIFO
                | fdt::FILE
                | fdt::DIRECTORY
                | fdt::UNSUPPORTED
                | fdt::EVENT
                | fdt::SIGNALFD
                | fdt::EVENTPOLL
                | fdt::INOTIFY
                | fdt::TIMERFD
                | fdt::NETLINK
                | fdt::BPF
                | fdt::USERFAULTFD
                | fdt::IOURING
                | fdt::MEMFD
                | fdt::PIDFD => {
                    fd.name = c.str16()?;
                }
                fdt::UNKNOWN => {}
                other => {
                    fd.ty = fdt::UNSUPPORTED;
                    fd.name = format!("unknown-type:[{other}]");
                }
            }
            if sub_len != 0 {
                let read = c.pos - start;
                if read > sub_len {
                    return Err(format!(
                        "fd entry at body offset {start} is longer ({read} bytes) than its declared {sub_len}"
                    ));
                }
                c.pos = start + sub_len;
            }
            fd.name_raw.clone_from(&fd.name);
            self.insert_fd(pid, num, fd);
        }
        Ok(())
    }

    /// Reads a user list block (UL, UL_V2).
    pub(crate) fn read_userlist(&mut self, ty: u32, body: &[u8]) -> Result<(), String> {
        let mut c = Cur::new(body);
        while c.left() >= 4 {
            let start = c.pos;
            let sub_len = if ty == reader::UL_V2 {
                c.u32()? as usize
            } else {
                0
            };
            if ty == reader::UL_V2 && (sub_len < 4 || sub_len > body.len() - start) {
                return Err(format!(
                    "user entry at body offset {start} declares length {sub_len}, outside the block"
                ));
            }
            let kind = c.u8()?;
            if kind == 0 {
                let uid = c.u32()?;
                let _gid = c.u32()?;
                let name = c.str16()?;
                let home = c.str16()?;
                let shell = c.str16()?;
                if self.users.len() < MAX_USERS || self.users.contains_key(&uid) {
                    self.users.insert(uid, User { name, home, shell });
                }
            } else {
                let gid = c.u32()?;
                let name = c.str16()?;
                if self.groups.len() < MAX_USERS || self.groups.contains_key(&gid) {
                    self.groups.insert(gid, name);
                }
            }
            if sub_len != 0 {
                if c.pos - start > sub_len {
                    return Err(format!(
                        "user entry at body offset {start} is longer than its declared {sub_len}"
                    ));
                }
                c.pos = start + sub_len;
            }
        }
        Ok(())
    }

    /// After the process and user lists: names for every thread.
    pub(crate) fn resolve_users(&mut self) {
        if self.users.is_empty() && self.groups.is_empty() {
            return;
        }
        let tids: Vec<i64> = self.threads.keys().copied().collect();
        for t in tids {
            if let Some(mut th) = self.threads.remove(&t) {
                self.fill_user_names(&mut th.p);
                self.threads.insert(t, th);
            }
        }
    }

    /// The thread of an event, created empty if the capture never described it (libsinsp does the same).
    pub(crate) fn thread_mut(&mut self, tid: i64) -> &mut Thread {
        if self.threads.len() >= MAX_THREADS && !self.threads.contains_key(&tid) {
            // Full: the thread is not kept (a scratch record takes the update and is forgotten).
            self.spare = Thread::default();
            self.spare.p.tid = tid;
            self.spare.p.pid = tid;
            return &mut self.spare;
        }
        self.threads.entry(tid).or_insert_with(|| Thread {
            p: Process {
                tid,
                pid: tid,
                ppid: -1,
                vtid: tid,
                vpid: tid,
                sid: -1,
                vpgid: -1,
                loginuid: -1,
                // Unknown user, as libsinsp has it for threads it learns of from their events.
                uid: u32::MAX,
                gid: u32::MAX,
                ..Process::default()
            },
            ..Thread::default()
        })
    }

    /// The fd `num` of thread `tid`'s process.
    pub(crate) fn fd(&self, tid: i64, num: i64) -> Option<&Fd> {
        let pid = self.threads.get(&tid)?.p.pid;
        self.fds.get(&pid)?.get(&num)
    }

    fn fd_mut(&mut self, tid: i64, num: i64) -> Option<&mut Fd> {
        let pid = self.threads.get(&tid)?.p.pid;
        self.fds.get_mut(&pid)?.get_mut(&num)
    }

    fn add_fd(&mut self, tid: i64, num: i64, fd: Fd) {
        let pid = self.thread_mut(tid).p.pid;
        self.insert_fd(pid, num, fd);
    }

    /// Adds an fd to a process's table, within the caps.
    fn insert_fd(&mut self, pid: i64, num: i64, fd: Fd) {
        if self.fds.len() >= MAX_THREADS && !self.fds.contains_key(&pid) {
            return;
        }
        let table = self.fds.entry(pid).or_default();
        if table.len() < MAX_FDS_PER_PROCESS || table.contains_key(&num) {
            table.insert(num, fd);
        }
    }

    /// Updates the state for one event, before it is delivered. Returns the fd the event is about, if any, and
    /// queues removals (close, procexit) in `after` so the event itself still sees what it removes.
    pub(crate) fn parse(&mut self, ev: &RawEvent, body: &[u8], after: &mut After) -> Option<i64> {
        self.first_ts.get_or_insert(ev.ts);
        let info = events::info(ev.ty)?;
        let p = |i: usize| ev.param(body, i);
        let tid = ev.tid;
        self.thread_mut(tid);
        let name = info.name;
        if events::is_enter(ev.ty) {
            self.latency = 0;
            if info.flags & events::EF_SKIPPARSERESET != 0 || name == "switch" {
                // procinfo, switch, ...: not the enter of a call, they leave the thread's last enter (libsinsp
                // exempts the newer switch event by name too).
                if name == "procexit" {
                    after.remove_thread = Some(tid);
                }
                return None;
            }
            let th = self.thread_mut(tid);
            th.enter_ty = Some(ev.ty);
            th.enter_params.set(ev, body);
            th.enter_ts = ev.ts;
            th.enter_fd = None;
            let mut fdnum = None;
            if info.flags & events::EF_USES_FD != 0
                && let Some(i) = info.params.iter().position(|q| events::is_fd(q.ty))
                && let Some(b) = p(i)
            {
                fdnum = Some(le_i64(b));
            }
            self.thread_mut(tid).enter_fd = fdnum;
            if name == "procexit" {
                after.remove_thread = Some(tid);
            }
            if name == "container"
                && let Some(json) = info
                    .params
                    .iter()
                    .position(|q| q.name == "json")
                    .and_then(p)
                    .and_then(|b| super::container::from_json(cstr(b)))
            {
                self.container_event(json);
            }
            return fdnum;
        }
        // Exit events.
        self.latency = self
            .threads
            .get(&tid)
            .filter(|t| t.enter_ty == Some(ev.ty.wrapping_sub(1)))
            .map_or(0, |t| ev.ts.saturating_sub(t.enter_ts));
        let enter_fd = self.threads.get(&tid).and_then(|t| t.enter_fd);
        let res = info
            .params
            .first()
            .filter(|q| events::is_result(q.ty))
            .and_then(|_| p(0))
            .map(le_i64);
        match name {
            "open" | "openat" | "openat2" | "creat" | "open_by_handle_at" => {
                let fdn = res?;
                if fdn < 0 {
                    return Some(fdn);
                }
                // Newer exits carry every argument; older ones leave them in the enter event.
                let arg = |n: &str| -> Option<Vec<u8>> {
                    if let Some(b) = info.params.iter().position(|q| q.name == n).and_then(p) {
                        return Some(b.to_vec());
                    }
                    let th = self.threads.get(&tid)?;
                    let ei = th
                        .enter_ty
                        .and_then(events::info)
                        .filter(|e| e.name == name)?;
                    let i = ei.params.iter().position(|q| q.name == n)?;
                    th.enter_params.get(i).map(<[u8]>::to_vec)
                };
                let raw = arg("name")
                    .or_else(|| arg("path"))
                    .map(|b| String::from_utf8_lossy(cstr(&b)).into_owned())
                    .unwrap_or_default();
                // Relative to the directory fd for the *at calls, else to the working directory.
                let base = match arg("dirfd").map(|b| le_i64(&b)) {
                    Some(d) if d >= 0 => {
                        self.fd(tid, d).map(|f| f.name.clone()).unwrap_or_default()
                    }
                    _ => self
                        .threads
                        .get(&tid)
                        .map(|t| t.p.cwd.clone())
                        .unwrap_or_default(),
                };
                let full = if raw.starts_with('/') || raw.is_empty() {
                    raw.clone()
                } else {
                    join_path(&base, &raw)
                };
                let flags = arg("flags").map_or(0, |b| le_u64(&b) as u32);
                let dir = flags & (1 << 10) != 0; // PPM_O_DIRECTORY
                let fd = Fd {
                    ty: if dir { fdt::DIRECTORY } else { fdt::FILE },
                    name: full,
                    name_raw: raw,
                    open_flags: flags,
                    ..Fd::default()
                };
                self.add_fd(tid, fdn, fd);
                Some(fdn)
            }
            "socket" => {
                let fdn = res?;
                if fdn < 0 {
                    return Some(fdn);
                }
                let (dom, sty, proto) = self.enter_u32s(tid, "socket");
                let mut fd = Fd::default();
                match dom as u8 {
                    AF_UNIX => fd.ty = fdt::UNIX_SOCK,
                    AF_INET | AF_INET6 => {
                        fd.ty = if dom as u8 == AF_INET {
                            fdt::IPV4_SOCK
                        } else {
                            fdt::IPV6_SOCK
                        };
                        fd.l4 = match proto {
                            6 => {
                                if sty == 3 {
                                    l4::RAW
                                } else {
                                    l4::TCP
                                }
                            }
                            17 => {
                                if sty == 3 {
                                    l4::RAW
                                } else {
                                    l4::UDP
                                }
                            }
                            0 => match sty & 0xff {
                                1 => l4::TCP,
                                2 => l4::UDP,
                                _ => l4::UNKNOWN,
                            },
                            1 => {
                                if sty == 3 {
                                    l4::RAW
                                } else {
                                    l4::ICMP
                                }
                            }
                            255 => l4::RAW,
                            _ => l4::UNKNOWN,
                        };
                    }
                    16 => fd.ty = fdt::NETLINK,
                    _ => fd.ty = fdt::UNKNOWN,
                }
                self.add_fd(tid, fdn, fd);
                Some(fdn)
            }
            "connect" => {
                let fdn = enter_fd?;
                let tuple = info
                    .params
                    .iter()
                    .position(|q| q.ty == events::PT_SOCKTUPLE)
                    .and_then(p)
                    .and_then(events::socktuple);
                let ok = res.is_none_or(|r| r >= 0 || r == -115);
                if let (Some(t), Some(fd)) = (tuple, self.fd_mut(tid, fdn))
                    && ok
                {
                    fd.set_tuple(&t);
                    fd.role = Role::Client;
                    fd.name_changed = true;
                    after.clear_changed = Some((tid, fdn));
                }
                Some(fdn)
            }
            "accept" | "accept4" => {
                let fdn = res?;
                if fdn < 0 {
                    return Some(fdn);
                }
                let mut fd = Fd::default();
                if let Some(t) = info
                    .params
                    .iter()
                    .position(|q| q.ty == events::PT_SOCKTUPLE)
                    .and_then(p)
                    .and_then(events::socktuple)
                {
                    fd.set_tuple(&t);
                    if matches!(t, SockTuple::Ip(..)) {
                        // The listening socket's protocol.
                        fd.l4 = l4::TCP;
                    }
                }
                fd.role = Role::Server;
                self.add_fd(tid, fdn, fd);
                Some(fdn)
            }
            "bind" => {
                let fdn = enter_fd?;
                if res.is_some_and(|r| r < 0) {
                    return Some(fdn);
                }
                if let Some(a) = p(1).and_then(events::sockaddr)
                    && let Some(fd) = self.fd_mut(tid, fdn)
                {
                    match a {
                        SockAddr::Ip(ip, port) => {
                            // A port means the socket will listen (libsinsp's guess too).
                            if fd.is_ip() && port > 0 {
                                fd.ty = if ip.is_ipv4() {
                                    fdt::IPV4_SERVSOCK
                                } else {
                                    fdt::IPV6_SERVSOCK
                                };
                                fd.dip = Some(ip);
                                fd.dport = port;
                                fd.role = Role::Server;
                            }
                            fd.name = events::ip_port(&ip, port);
                        }
                        SockAddr::Unix(path) => fd.name = path,
                        SockAddr::Other(_) => {}
                    }
                }
                Some(fdn)
            }
            "close" => {
                let fdn = enter_fd?;
                if res.is_none_or(|r| r >= 0) {
                    after.close = Some((tid, fdn));
                }
                Some(fdn)
            }
            "dup" | "dup2" | "dup3" | "fcntl" => {
                let newfd = res?;
                let old = enter_fd?;
                if name == "fcntl" {
                    let cmd = self.enter_u32s(tid, "fcntl").1;
                    // F_DUPFD (0) and F_DUPFD_CLOEXEC (1030 in ppm numbering is 1 of the flags table).
                    if !(cmd == 1 || cmd == 0x406) {
                        return Some(old);
                    }
                }
                if newfd >= 0
                    && newfd != old
                    && let Some(fd) = self.fd(tid, old).cloned()
                {
                    self.add_fd(tid, newfd, fd);
                }
                Some(old)
            }
            "pipe" | "pipe2" => {
                if res.is_some_and(|r| r < 0) {
                    return None;
                }
                let ino = info
                    .params
                    .iter()
                    .position(|q| q.name == "ino")
                    .and_then(p)
                    .map_or(0, le_u64);
                for i in 1..=2 {
                    if let Some(b) = p(i) {
                        let fd = Fd {
                            ty: fdt::FIFO,
                            ino,
                            ..Fd::default()
                        };
                        self.add_fd(tid, le_i64(b), fd);
                    }
                }
                p(2).map(le_i64)
            }
            "execve" | "execveat" => {
                if res.is_some_and(|r| r < 0) {
                    return None;
                }
                self.apply_proc_params(tid, ev, body, false);
                None
            }
            "clone" | "fork" | "vfork" | "clone3" => {
                let r = res?;
                if r < 0 {
                    return None;
                }
                if r == 0 {
                    // The child: its own identity is in the parameters.
                    let new = !self.threads.contains_key(&tid);
                    self.apply_proc_params(tid, ev, body, true);
                    if new {
                        // libsinsp's m_clone_ts (proc.duration, proc.pid.ts): the clone's exit time.
                        self.thread_mut(tid).p.start_ns = i64::try_from(ev.ts).unwrap_or(i64::MAX);
                    }
                } else if !self.threads.contains_key(&r) {
                    // The parent: create the child now from the parent's view.
                    let parent = self
                        .threads
                        .get(&tid)
                        .map(|t| t.p.clone())
                        .unwrap_or_default();
                    let flags = info
                        .params
                        .iter()
                        .position(|q| q.name == "flags")
                        .and_then(p)
                        .map_or(0, |b| le_u64(b) as u32);
                    let is_thread = flags & (1 << 13) != 0; // PPM_CL_CLONE_THREAD
                    let mut child = parent.clone();
                    child.tid = r;
                    child.vtid = r;
                    child.start_ns = i64::try_from(ev.ts).unwrap_or(i64::MAX);
                    if !is_thread {
                        child.pid = r;
                        child.vpid = r;
                        child.ppid = parent.pid;
                        if let Some(fds) = self.fds.get(&parent.pid).cloned() {
                            self.fds.insert(r, fds);
                        }
                    }
                    *self.thread_mut(r) = Thread {
                        p: child,
                        ..Thread::default()
                    };
                }
                None
            }
            "procexit" => {
                after.remove_thread = Some(tid);
                None
            }
            "memfd_create" => {
                let fdn = res?;
                if fdn >= 0 {
                    let n = p(1)
                        .map(|b| String::from_utf8_lossy(cstr(b)).into_owned())
                        .unwrap_or_default();
                    let fd = Fd {
                        ty: fdt::MEMFD,
                        name: format!("memfd:{n}"),
                        ..Fd::default()
                    };
                    self.add_fd(tid, fdn, fd);
                }
                Some(fdn)
            }
            "sendto" | "sendmsg" | "recvfrom" | "recvmsg" => {
                let fdn = enter_fd?;
                if res.is_some_and(|r| r < 0) {
                    return Some(fdn);
                }
                // Datagram sockets (and sockets whose connect was missed) take their ends from the tuple:
                // sendto/sendmsg carry it in the enter event, recvfrom/recvmsg in the exit.
                let tuple = if name.starts_with("send") {
                    let th = self.threads.get(&tid)?;
                    let ei = th.enter_ty.and_then(events::info)?;
                    let i = ei
                        .params
                        .iter()
                        .position(|q| q.ty == events::PT_SOCKTUPLE)?;
                    th.enter_params.get(i).and_then(events::socktuple)
                } else {
                    info.params
                        .iter()
                        .position(|q| q.ty == events::PT_SOCKTUPLE)
                        .and_then(p)
                        .and_then(events::socktuple)
                };
                let inferred = match &tuple {
                    Some(SockTuple::Ip(_, _, d, _)) => self.infer_local(*d),
                    _ => None,
                };
                if let (Some(t), Some(fd)) = (tuple, self.fd_mut(tid, fdn))
                    && (fd.name.is_empty() || fd.l4proto() != l4::TCP)
                {
                    fd.update_from_rw(&t, inferred);
                }
                Some(fdn)
            }
            _ => {
                if info.flags & events::EF_CREATES_FD != 0 {
                    return res;
                }
                if info.flags & events::EF_USES_FD != 0 {
                    return enter_fd;
                }
                None
            }
        }
    }

    /// The first three `u32` parameters of the thread's last enter event, if it was of `name`'s type.
    fn enter_u32s(&self, tid: i64, name: &str) -> (u32, u32, u32) {
        let Some(th) = self.threads.get(&tid) else {
            return (0, 0, 0);
        };
        if th.enter_ty.and_then(events::info).map(|i| i.name) != Some(name) {
            return (0, 0, 0);
        }
        let g = |i: usize| th.enter_params.get(i).map_or(0, |b| le_u64(b) as u32);
        (g(0), g(1), g(2))
    }

    /// execve/clone exit parameters: exe, args, tid, pid, ptid, cwd, ..., comm, cgroups, env, uid, gid, ...
    fn apply_proc_params(&mut self, tid: i64, ev: &RawEvent, body: &[u8], is_clone_child: bool) {
        let Some(info) = events::info(ev.ty) else {
            return;
        };
        let get = |n: &str| {
            info.params
                .iter()
                .position(|q| q.name == n)
                .and_then(|i| ev.param(body, i))
        };
        let text = |b: &[u8]| String::from_utf8_lossy(cstr(b)).into_owned();
        let mut p = self.thread_mut(tid).p.clone();
        if let Some(b) = get("exe") {
            p.exe = text(b);
        }
        if let Some(b) = get("args") {
            p.args = nul_list(b);
        }
        if let Some(b) = get("pid") {
            p.pid = le_i64(b);
        }
        if let Some(b) = get("ptid") {
            p.ppid = le_i64(b);
        }
        if let Some(b) = get("cwd") {
            p.cwd = with_slash(text(b));
        }
        if let Some(b) = get("comm") {
            p.comm = text(b);
        } else if p.comm.is_empty() {
            p.comm = p.exe.rsplit('/').next().unwrap_or_default().to_string();
        }
        if let Some(b) = get("env") {
            p.env = nul_list(b);
        }
        if let Some(b) = get("cgroups") {
            p.cgroups = nul_list(b)
                .into_iter()
                .filter_map(|s| {
                    s.split_once('=')
                        .map(|(a, c)| (a.to_string(), c.to_string()))
                })
                .collect();
        }
        if let Some(b) = get("uid") {
            p.uid = le_u64(b) as u32;
        }
        if let Some(b) = get("gid") {
            p.gid = le_u64(b) as u32;
        }
        if let Some(b) = get("vtid") {
            p.vtid = le_i64(b);
        }
        if let Some(b) = get("vpid") {
            p.vpid = le_i64(b);
        }
        if let Some(b) = get("loginuid") {
            let l = le_u64(b) as u32;
            p.loginuid = if l == u32::MAX { -1 } else { i64::from(l) };
        }
        if let Some(b) = get("exepath").or_else(|| get("trusted_exepath")) {
            p.exepath = text(b);
        }
        p.tid = tid;
        if is_clone_child && p.pid != tid {
            // A new thread of an existing process keeps its process's fds.
        } else if is_clone_child {
            let parent_pid = self.threads.get(&p.ppid).map_or(p.ppid, |t| t.p.pid);
            if !self.fds.contains_key(&p.pid)
                && let Some(fds) = self.fds.get(&parent_pid).cloned()
            {
                self.fds.insert(p.pid, fds);
            }
        }
        self.fill_names(&mut p);
        self.thread_mut(tid).p = p;
    }

    /// Applies what [`State::parse`] queued.
    pub(crate) fn apply_after(&mut self, after: &mut After) {
        if let Some((tid, fdn)) = after.close.take()
            && let Some(pid) = self.threads.get(&tid).map(|t| t.p.pid)
            && let Some(t) = self.fds.get_mut(&pid)
        {
            t.remove(&fdn);
        }
        if let Some((tid, fdn)) = after.clear_changed.take()
            && let Some(fd) = self.fd_mut(tid, fdn)
        {
            fd.name_changed = false;
        }
        if let Some(tid) = after.remove_thread.take()
            && let Some(th) = self.threads.remove(&tid)
            && th.p.pid == tid
            && !self.threads.values().any(|t| t.p.pid == tid)
        {
            self.fds.remove(&tid);
        }
    }
}

/// State changes applied after an event is delivered.
#[derive(Debug, Default)]
pub(crate) struct After {
    pub close: Option<(i64, i64)>,
    pub remove_thread: Option<i64>,
    pub clear_changed: Option<(i64, i64)>,
}
