//! Live process events on a Linux node without a kernel module: the netlink process connector (fork, exec,
//! exit, uid/gid/sid/comm changes), enriched from `/proc` (exe, args, cwd, uid, caps, parent chain, cgroup →
//! container id). Events implement the syscall source's fields (`evt.type = execve`, `evt.dir = <`, `proc.*`,
//! `user.*`, `container.*`), so the same rules apply.
//!
//! Two threads: a reader receives datagrams from the socket, parses them ([`proto`]) and, for each exec, reads
//! `/proc/PID` at once (the process may exit soon); it hands items to the consumer (the caller of
//! [`EventSource::run`]) through a bounded queue. A full queue drops the item (counted in
//! [`Drops::dropped_full`]), as does the socket's `ENOBUFS` (the kernel dropped an unknown number of messages:
//! counted once per error, and in [`LiveStats::enobufs`]). The consumer keeps the process table, resolves
//! containers through a [`ContainerResolver`] and calls the sink.
//!
//! An eBPF sensor can replace the reader: it produces the same [`Process`] snapshots per exec and fork/exit
//! notices; the table, container resolution, events and everything downstream (rules, baselines, drift) stay.

pub mod procfs;
pub mod proto;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::event::{Drops, Event, EventSource, Field, FieldArg, SourceError, Value};
use crate::process::{ContainerInfo, Process, ProcessTable, extract};
use crate::syscall::SysField;

use proto::{ProcEvent, Received};

/// Maps a container id (the full 64-hex id from the cgroup) to what the inventory knows: pod, namespace, image,
/// digest, workload. The live source fills the runtime and ids itself; the resolver adds the rest.
pub trait ContainerResolver: Send + Sync {
    /// What is known about the container, or `None`.
    fn resolve(&self, full_id: &str) -> Option<ContainerInfo>;
}

/// A fixed map of containers (tests, or a node without a server).
#[derive(Debug, Default, Clone)]
pub struct StaticResolver(pub HashMap<String, ContainerInfo>);

impl ContainerResolver for StaticResolver {
    fn resolve(&self, full_id: &str) -> Option<ContainerInfo> {
        self.0.get(full_id).cloned()
    }
}

/// How long a container the resolver did not know is taken as unknown before asking again.
pub const RESOLVE_RETRY: Duration = Duration::from_secs(30);

/// Where and how much the live source reads.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The `/proc` to read (`/proc`).
    pub proc_root: PathBuf,
    /// The host's root as seen from here, to reach overlay upper directories (`/proc/1/root`).
    pub host_root: PathBuf,
    /// Items the queue between the reader and the consumer holds.
    pub queue: usize,
    /// Stop after this many events delivered to the sink.
    pub max_events: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Most processes kept in the table; forks past it are not tracked (counted).
    pub max_processes: usize,
    /// Socket receive buffer, bytes (0: the system default).
    pub rcvbuf: usize,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            proc_root: PathBuf::from("/proc"),
            host_root: PathBuf::from("/proc/1/root"),
            queue: 8192,
            max_events: None,
            duration: None,
            max_processes: 1 << 16,
            rcvbuf: 4 << 20,
        }
    }
}

/// Counts beyond [`Drops`]: what the connector reported and what could not be enriched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LiveStats {
    /// Datagrams received.
    pub datagrams: u64,
    /// Fork, exec and exit events received.
    pub forks: u64,
    /// Execs received.
    pub execs: u64,
    /// Exits received.
    pub exits: u64,
    /// Execs whose process was gone before `/proc` was read: delivered with what the connector gave (pid, parent).
    pub exec_unenriched: u64,
    /// `ENOBUFS` errors on the socket (the kernel dropped messages).
    pub enobufs: u64,
    /// Items dropped because the queue was full.
    pub queue_full: u64,
    /// Datagrams that did not parse.
    pub invalid: u64,
    /// Forks not tracked because the table was full.
    pub table_full: u64,
}

#[derive(Default)]
struct Counters {
    datagrams: AtomicU64,
    forks: AtomicU64,
    execs: AtomicU64,
    exits: AtomicU64,
    exec_unenriched: AtomicU64,
    enobufs: AtomicU64,
    queue_full: AtomicU64,
    invalid: AtomicU64,
}

/// The process table of the live source: thread-group leaders by pid.
#[derive(Debug, Default)]
pub struct LiveTable {
    procs: HashMap<i64, Process>,
}

impl ProcessTable for LiveTable {
    fn get(&self, pid: i64) -> Option<&Process> {
        self.procs.get(&pid)
    }
}

impl LiveTable {
    /// Number of processes held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }
}

/// What the reader hands the consumer.
enum Item {
    Fork {
        ppid: i64,
        pid: i64,
        time_ns: i64,
    },
    Exec {
        process: Box<Process>,
        enriched: bool,
        time_ns: i64,
    },
    Exit {
        pid: i64,
    },
    Ids {
        pid: i64,
        uid: Option<u32>,
        gid: Option<u32>,
        sid: bool,
        comm: Option<String>,
    },
}

/// The live source: subscribed to the process connector when built by [`ProcConnector::open`]; [`run`] reads
/// until stopped ([`ProcConnector::stop_handle`]), `max_events` or `duration`.
///
/// [`run`]: EventSource::run
pub struct ProcConnector {
    opts: LiveOptions,
    resolver: Arc<dyn ContainerResolver>,
    socket: Option<std::os::fd::OwnedFd>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    table: LiveTable,
    table_full: u64,
    last_prune: Option<Instant>,
    containers: HashMap<String, Arc<ContainerInfo>>,
    /// Containers the resolver did not know, with when it was asked: asked again after [`RESOLVE_RETRY`].
    unresolved: HashMap<String, (Instant, Arc<ContainerInfo>)>,
    hostname: String,
    clock: procfs::Clock,
    evt_num: u64,
}

fn io_err(what: &str, e: impl Into<std::io::Error>) -> SourceError {
    SourceError::Io {
        path: format!("netlink process connector: {what}"),
        source: e.into(),
    }
}

impl ProcConnector {
    /// Opens the netlink socket, joins the process connector's group, asks for events (`PROC_CN_MCAST_LISTEN`)
    /// and waits for the kernel's acknowledgement, then seeds the process table from `/proc`. Needs
    /// `CAP_NET_ADMIN` in the initial user namespace.
    pub fn open(
        opts: LiveOptions,
        resolver: Arc<dyn ContainerResolver>,
    ) -> Result<Self, SourceError> {
        use rustix::net::{
            AddressFamily, SocketFlags, SocketType, bind, netlink, recv, send, sockopt,
        };
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC,
            Some(netlink::CONNECTOR),
        )
        .map_err(|e| io_err("socket", e))?;
        if opts.rcvbuf > 0 {
            // The forced size needs CAP_NET_ADMIN, which the subscription needs too; fall back to the capped one.
            if sockopt::set_socket_recv_buffer_size_force(&fd, opts.rcvbuf).is_err() {
                sockopt::set_socket_recv_buffer_size(&fd, opts.rcvbuf)
                    .map_err(|e| io_err("SO_RCVBUF", e))?;
            }
        }
        bind(&fd, &netlink::SocketAddrNetlink::new(0, proto::CN_IDX_PROC))
            .map_err(|e| io_err("bind", e))?;
        let port = match rustix::net::getsockname(&fd) {
            Ok(a) => netlink::SocketAddrNetlink::try_from(a).map_or(0, |a| a.pid()),
            Err(_) => 0,
        };
        sockopt::set_socket_timeout(
            &fd,
            sockopt::Timeout::Recv,
            Some(Duration::from_millis(100)),
        )
        .map_err(|e| io_err("SO_RCVTIMEO", e))?;
        send(
            &fd,
            &proto::subscribe_message(port, proto::PROC_CN_MCAST_LISTEN),
            rustix::net::SendFlags::empty(),
        )
        .map_err(|e| io_err("subscribe", e))?;
        // Wait for the acknowledgement (other events may arrive first).
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut buf = vec![0u8; 64 << 10];
        'ack: loop {
            if Instant::now() > deadline {
                return Err(io_err(
                    "no acknowledgement of PROC_CN_MCAST_LISTEN within 2 s",
                    std::io::Error::from(std::io::ErrorKind::TimedOut),
                ));
            }
            match recv(&fd, &mut buf[..], rustix::net::RecvFlags::empty()) {
                Ok((n, _)) => {
                    for r in proto::parse_datagram(&buf[..n]).unwrap_or_default() {
                        if let ProcEvent::Ack { err } = r.event {
                            if err != 0 {
                                return Err(io_err(
                                    "PROC_CN_MCAST_LISTEN refused",
                                    std::io::Error::from_raw_os_error(
                                        i32::try_from(err).unwrap_or(i32::MAX),
                                    ),
                                ));
                            }
                            break 'ack;
                        }
                    }
                }
                Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::NOBUFS => {}
                Err(e) => return Err(io_err("recv", e)),
            }
        }
        let clock = procfs::Clock::now();
        let hostname = std::fs::read_to_string(opts.proc_root.join("sys/kernel/hostname"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let mut me = ProcConnector {
            opts,
            resolver,
            socket: Some(fd),
            stop: Arc::new(AtomicBool::new(false)),
            counters: Arc::new(Counters::default()),
            table: LiveTable::default(),
            table_full: 0,
            last_prune: None,
            containers: HashMap::new(),
            unresolved: HashMap::new(),
            hostname,
            clock,
            evt_num: 0,
        };
        me.seed();
        Ok(me)
    }

    /// Fills the table from `/proc` (every numeric directory), so that parents started before the watch have
    /// names.
    fn seed(&mut self) {
        let Ok(dir) = std::fs::read_dir(&self.opts.proc_root) else {
            return;
        };
        let mut users = UserCache::default();
        for ent in dir.flatten() {
            let Some(pid) = ent.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) else {
                continue;
            };
            if self.table.procs.len() >= self.opts.max_processes {
                self.table_full += 1;
                break;
            }
            let mut p = Process::default();
            if procfs::read_process(&self.opts.proc_root, pid, &self.clock, &mut p) {
                users.fill(&self.opts.proc_root, &mut p);
                self.attach_container(&mut p);
                self.table.procs.insert(pid, p);
            }
        }
    }

    /// A flag that stops [`EventSource::run`] within about 100 ms when set.
    #[must_use]
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// The counts so far.
    #[must_use]
    pub fn stats(&self) -> LiveStats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LiveStats {
            datagrams: l(&c.datagrams),
            forks: l(&c.forks),
            execs: l(&c.execs),
            exits: l(&c.exits),
            exec_unenriched: l(&c.exec_unenriched),
            enobufs: l(&c.enobufs),
            queue_full: l(&c.queue_full),
            invalid: l(&c.invalid),
            table_full: self.table_full,
        }
    }

    /// The process table.
    #[must_use]
    pub fn table(&self) -> &LiveTable {
        &self.table
    }

    fn attach_container(&mut self, p: &mut Process) {
        let Some(c) = p
            .cgroups
            .iter()
            .find_map(|(_, path)| procfs::container_from_cgroup(path))
        else {
            p.container = None;
            return;
        };
        if let Some(info) = self.containers.get(&c.full_id) {
            p.container = Some(Arc::clone(info));
            return;
        }
        if let Some((asked, info)) = self.unresolved.get(&c.full_id)
            && asked.elapsed() < RESOLVE_RETRY
        {
            p.container = Some(Arc::clone(info));
            return;
        }
        let resolved = self.resolver.resolve(&c.full_id);
        let known = resolved.is_some();
        let mut info = resolved.unwrap_or_default();
        info.full_id.clone_from(&c.full_id);
        info.id = c.full_id.chars().take(12).collect();
        if info.runtime.is_empty() {
            c.runtime.clone_into(&mut info.runtime);
        }
        if info.pod_uid.is_empty()
            && let Some(u) = c.pod_uid
        {
            info.pod_uid = u;
        }
        let info = Arc::new(info);
        // Bounded caches: a node runs far fewer containers than this.
        if self.containers.len() >= 4096 {
            self.containers.clear();
        }
        if self.unresolved.len() >= 4096 {
            self.unresolved.clear();
        }
        if known {
            self.unresolved.remove(&c.full_id);
            self.containers.insert(c.full_id, Arc::clone(&info));
        } else {
            // The inventory may learn the container soon after it starts: ask again later.
            self.unresolved
                .insert(c.full_id, (Instant::now(), Arc::clone(&info)));
        }
        p.container = Some(info);
    }

    /// Forgets cached container resolutions (after the inventory learned new containers).
    pub fn forget_containers(&mut self) {
        self.containers.clear();
        self.unresolved.clear();
    }

    /// Whether `pid` cannot be added. A full table first drops the processes `/proc` no longer has (their exit
    /// events were lost to `ENOBUFS` or a full queue), at most once per second.
    fn table_is_full(&mut self, pid: i64) -> bool {
        if self.table.procs.len() < self.opts.max_processes || self.table.procs.contains_key(&pid) {
            return false;
        }
        if self
            .last_prune
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.last_prune = Some(Instant::now());
            let root = &self.opts.proc_root;
            self.table
                .procs
                .retain(|p, _| root.join(p.to_string()).exists());
        }
        self.table.procs.len() >= self.opts.max_processes
    }

    fn apply(&mut self, item: Item, sink: &mut dyn FnMut(&dyn Event)) -> bool {
        match item {
            Item::Fork { ppid, pid, time_ns } => {
                if self.table_is_full(pid) {
                    self.table_full += 1;
                    return false;
                }
                let mut child = self.table.procs.get(&ppid).cloned().unwrap_or_default();
                child.pid = pid;
                child.tid = pid;
                child.ppid = ppid;
                child.start_ns = time_ns;
                self.table.procs.insert(pid, child);
                false
            }
            Item::Exit { pid } => {
                self.table.procs.remove(&pid);
                false
            }
            Item::Ids {
                pid,
                uid,
                gid,
                sid,
                comm,
            } => {
                if let Some(p) = self.table.procs.get_mut(&pid) {
                    if let Some(u) = uid {
                        p.uid = u;
                    }
                    if let Some(g) = gid {
                        p.gid = g;
                    }
                    if sid {
                        p.sid = pid;
                    }
                    if let Some(c) = comm {
                        p.comm = c;
                    }
                }
                false
            }
            Item::Exec {
                mut process,
                enriched,
                time_ns,
            } => {
                let pid = process.pid;
                if !enriched {
                    // Keep what the fork told: the parent; the rest is unknown.
                    if let Some(old) = self.table.procs.get(&pid) {
                        process.ppid = old.ppid;
                        process.start_ns = old.start_ns;
                    }
                }
                self.attach_container(&mut process);
                if self.table_is_full(pid) {
                    self.table_full += 1;
                    let table = &self.table;
                    self.evt_num += 1;
                    sink(&LiveEvent {
                        num: self.evt_num,
                        time_ns,
                        process: &process,
                        table,
                        hostname: &self.hostname,
                    });
                    return true;
                }
                self.table.procs.insert(pid, *process);
                self.evt_num += 1;
                let Some(p) = self.table.procs.get(&pid) else {
                    return false;
                };
                sink(&LiveEvent {
                    num: self.evt_num,
                    time_ns,
                    process: p,
                    table: &self.table,
                    hostname: &self.hostname,
                });
                true
            }
        }
    }
}

/// `passwd`/`group` text per root (the host or a container), read from `/proc/PID/root/etc/`.
#[derive(Default)]
struct UserCache {
    files: HashMap<String, Arc<(String, String)>>,
}

impl UserCache {
    fn fill(&mut self, proc_root: &std::path::Path, p: &mut Process) {
        let key = p
            .cgroups
            .iter()
            .find_map(|(_, path)| procfs::container_from_cgroup(path))
            .map_or_else(|| "host".to_owned(), |c| c.full_id);
        let files = if let Some(f) = self.files.get(&key) {
            Arc::clone(f)
        } else {
            let root = proc_root.join(p.pid.to_string()).join("root/etc");
            let read = |n: &str| {
                procfs::read_bounded(&root.join(n))
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            };
            let (Some(pw), gr) = (read("passwd"), read("group")) else {
                return;
            };
            let f = Arc::new((pw, gr.unwrap_or_default()));
            if self.files.len() >= 1024 {
                self.files.clear();
            }
            self.files.insert(key, Arc::clone(&f));
            f
        };
        if let Some((name, home, shell)) = procfs::passwd_lookup(&files.0, p.uid) {
            p.user_name = Some(name);
            p.user_home = Some(home);
            p.user_shell = Some(shell);
        }
        if p.loginuid >= 0 {
            p.login_name = u32::try_from(p.loginuid)
                .ok()
                .and_then(|u| procfs::passwd_lookup(&files.0, u))
                .map(|(n, _, _)| n);
        }
        p.group_name = procfs::group_lookup(&files.1, p.gid);
    }
}

struct Reader {
    fd: std::os::fd::OwnedFd,
    tx: SyncSender<Item>,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    proc_root: PathBuf,
    host_root: PathBuf,
    clock: procfs::Clock,
    mono_offset: i64,
}

impl Reader {
    fn push(&self, item: Item) {
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.counters.queue_full.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => self.stop.store(true, Ordering::Relaxed),
        }
    }

    fn run(self) {
        let mut buf = vec![0u8; 64 << 10];
        let mut users = UserCache::default();
        while !self.stop.load(Ordering::Relaxed) {
            let n = match rustix::net::recv(&self.fd, &mut buf[..], rustix::net::RecvFlags::empty())
            {
                Ok((n, _)) => n,
                Err(e) if e == rustix::io::Errno::NOBUFS => {
                    self.counters.enobufs.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::INTR => {
                    continue;
                }
                Err(_) => break,
            };
            self.counters.datagrams.fetch_add(1, Ordering::Relaxed);
            let Ok(events) = proto::parse_datagram(&buf[..n.min(buf.len())]) else {
                self.counters.invalid.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            for r in events {
                self.handle(r, &mut users);
            }
        }
        // Tell the kernel we stop listening; the socket closes on drop anyway.
        let _ = rustix::net::send(
            &self.fd,
            &proto::subscribe_message(0, proto::PROC_CN_MCAST_IGNORE),
            rustix::net::SendFlags::empty(),
        );
    }

    fn handle(&self, r: Received, users: &mut UserCache) {
        let time_ns = i64::try_from(r.timestamp_ns)
            .unwrap_or(i64::MAX)
            .saturating_add(self.mono_offset);
        let item = match r.event {
            ProcEvent::Fork {
                parent_tgid,
                child_pid,
                child_tgid,
                ..
            } => {
                if child_pid != child_tgid {
                    return; // a new thread
                }
                self.counters.forks.fetch_add(1, Ordering::Relaxed);
                Item::Fork {
                    ppid: i64::from(parent_tgid),
                    pid: i64::from(child_tgid),
                    time_ns,
                }
            }
            ProcEvent::Exec { tgid, .. } => {
                self.counters.execs.fetch_add(1, Ordering::Relaxed);
                let pid = i64::from(tgid);
                let mut p = Process {
                    pid,
                    tid: pid,
                    vpid: pid,
                    vtid: pid,
                    loginuid: -1,
                    ..Process::default()
                };
                let enriched = procfs::read_process(&self.proc_root, pid, &self.clock, &mut p);
                if enriched {
                    p.exe_upper_layer = procfs::exe_on_upper_layer(
                        &self.proc_root,
                        pid,
                        &p.exepath,
                        &self.host_root,
                    );
                    users.fill(&self.proc_root, &mut p);
                } else {
                    self.counters
                        .exec_unenriched
                        .fetch_add(1, Ordering::Relaxed);
                }
                Item::Exec {
                    process: Box::new(p),
                    enriched,
                    time_ns,
                }
            }
            ProcEvent::Exit { pid, tgid, .. } => {
                if pid != tgid {
                    return;
                }
                self.counters.exits.fetch_add(1, Ordering::Relaxed);
                Item::Exit {
                    pid: i64::from(tgid),
                }
            }
            ProcEvent::Uid { tgid, euid, .. } => Item::Ids {
                pid: i64::from(tgid),
                uid: Some(euid),
                gid: None,
                sid: false,
                comm: None,
            },
            ProcEvent::Gid { tgid, egid, .. } => Item::Ids {
                pid: i64::from(tgid),
                uid: None,
                gid: Some(egid),
                sid: false,
                comm: None,
            },
            ProcEvent::Sid { tgid, .. } => Item::Ids {
                pid: i64::from(tgid),
                uid: None,
                gid: None,
                sid: true,
                comm: None,
            },
            ProcEvent::Comm { pid, tgid, comm } if pid == tgid => Item::Ids {
                pid: i64::from(tgid),
                uid: None,
                gid: None,
                sid: false,
                comm: Some(comm),
            },
            _ => return,
        };
        self.push(item);
    }
}

impl EventSource for ProcConnector {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn run(&mut self, sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
        let Some(fd) = self.socket.take() else {
            return Err(io_err(
                "already run",
                std::io::Error::from(std::io::ErrorKind::Other),
            ));
        };
        let (tx, rx): (SyncSender<Item>, Receiver<Item>) =
            std::sync::mpsc::sync_channel(self.opts.queue.max(1));
        let reader = Reader {
            fd,
            tx,
            stop: Arc::clone(&self.stop),
            counters: Arc::clone(&self.counters),
            proc_root: self.opts.proc_root.clone(),
            host_root: self.opts.host_root.clone(),
            clock: self.clock,
            mono_offset: procfs::Clock::monotonic_offset(),
        };
        let handle = std::thread::Builder::new()
            .name("proc-connector".into())
            .spawn(move || reader.run())
            .map_err(|e| io_err("reader thread", e))?;
        let started = Instant::now();
        let mut delivered = 0u64;
        loop {
            if self.stop.load(Ordering::Relaxed)
                || self.opts.max_events.is_some_and(|m| delivered >= m)
                || self.opts.duration.is_some_and(|d| started.elapsed() >= d)
            {
                break;
            }
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(item) => {
                    if self.apply(item, sink) {
                        delivered += 1;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.stop.store(true, Ordering::Relaxed);
        drop(rx);
        let _ = handle.join();
        let s = self.stats();
        Ok(Drops {
            events: delivered,
            dropped_full: s.queue_full + s.enobufs,
            dropped_invalid: s.invalid,
        })
    }
}

/// One live event: an `execve` exit (`evt.dir = <`) of a process as `/proc` showed it.
pub struct LiveEvent<'a> {
    num: u64,
    time_ns: i64,
    process: &'a Process,
    table: &'a LiveTable,
    hostname: &'a str,
}

impl LiveEvent<'_> {
    /// The process that executed.
    #[must_use]
    pub fn process(&self) -> &Process {
        self.process
    }
}

/// `HH:MM:SS.nnnnnnnnn` (UTC), as Falco prints `evt.time`.
fn clock_time(ns: i64) -> String {
    crate::time::clock_ns(ns)
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
#[must_use]
pub fn iso8601(ns: i64) -> String {
    crate::time::rfc3339_ns(ns)
}

impl Event for LiveEvent<'_> {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn event_type(&self) -> &'static str {
        "execve"
    }

    fn time_ns(&self) -> i64 {
        self.time_ns
    }

    fn extract(&self, field: &Field) -> Value<'_> {
        use SysField as F;
        let Some(which) = SysField::from_id(field.id) else {
            return Value::Missing;
        };
        let p = self.process;
        match which {
            F::EvtNum => Value::Int(i64::try_from(self.num).unwrap_or(i64::MAX)),
            F::EvtType => Value::str("execve"),
            F::EvtDir => Value::str("<"),
            F::EvtTime => Value::string(clock_time(self.time_ns)),
            F::EvtTimeS => Value::string(clock_time(self.time_ns)[..8].to_owned()),
            F::EvtTimeIso8601 | F::EvtDatetime => Value::string(iso8601(self.time_ns)),
            F::EvtRawtime | F::EvtRawtimeNs | F::EvtOutputtime => Value::Int(self.time_ns),
            F::EvtRawtimeS => Value::Int(self.time_ns.div_euclid(1_000_000_000)),
            F::EvtSource => Value::str("syscall"),
            F::EvtHostname => Value::str(self.hostname),
            F::EvtCategory => Value::str("process"),
            F::EvtRes => Value::str("SUCCESS"),
            F::EvtRawres => Value::Int(0),
            F::EvtFailed | F::EvtIsWait => Value::Bool(false),
            F::EvtArg | F::EvtRawarg => match &field.arg {
                FieldArg::Key(k) => match k.as_str() {
                    "res" => Value::Int(0),
                    "exe" => Value::str(&p.exe),
                    "args" => Value::string(p.args.join(" ")),
                    "pid" | "tid" => Value::Int(p.pid),
                    "ptid" => Value::Int(p.ppid),
                    "cwd" => Value::str(&p.cwd),
                    "comm" => Value::str(&p.comm),
                    "uid" => Value::Int(i64::from(p.uid)),
                    "gid" => Value::Int(i64::from(p.gid)),
                    "loginuid" => Value::Int(p.loginuid),
                    "tty" => Value::Int(i64::from(p.tty)),
                    "trusted_exepath" => Value::str(&p.exepath),
                    _ => Value::Missing,
                },
                _ => Value::Missing,
            },
            F::ProcDuration => Value::Int(self.time_ns - p.start_ns),
            _ => extract(field, which, p, self.table).unwrap_or(Value::Missing),
        }
    }
}

/// A stop flag shared with a signal handler or another thread; kept for callers that want one object.
pub type StopFlag = Arc<AtomicBool>;

/// A shareable slot for the last stats, for callers that run the source on another thread.
pub type SharedStats = Arc<Mutex<LiveStats>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_falco_does() {
        // 2024-03-01T12:34:56.000000007Z = 1709296496 s.
        let ns = 1_709_296_496 * 1_000_000_000 + 7;
        assert_eq!(clock_time(ns), "12:34:56.000000007");
        assert_eq!(iso8601(ns), "2024-03-01T12:34:56.000000007Z");
    }
}
