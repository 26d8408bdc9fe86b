//! One capture event as the rule engine sees it: `evt.*`, `fd.*`, and the process fields of its thread.

use std::borrow::Cow;
use std::net::IpAddr;

use super::events::{self, RawEvent, le_i64, le_u64};
use super::render;
use super::state::{Fd, Role, State, fdt, l4};
use crate::event::{Event, Field, FieldArg, Value};
use crate::process;
use crate::syscall::SysField;

/// An event read from a capture, with the state at that point.
pub struct CaptureEvent<'a> {
    st: &'a State,
    raw: &'a RawEvent,
    body: &'a [u8],
    num: u64,
    fdnum: Option<i64>,
    name: &'static str,
}

impl<'a> CaptureEvent<'a> {
    pub(crate) fn new(
        st: &'a State,
        raw: &'a RawEvent,
        body: &'a [u8],
        num: u64,
        fdnum: Option<i64>,
    ) -> CaptureEvent<'a> {
        let name = events::type_name(raw.ty, raw.param(body, 0));
        CaptureEvent {
            st,
            raw,
            body,
            num,
            fdnum,
            name,
        }
    }

    /// `evt.num`: the event's 1-based position among the capture's events.
    #[must_use]
    pub fn num(&self) -> u64 {
        self.num
    }

    /// `evt.cpu`.
    #[must_use]
    pub fn cpu(&self) -> u16 {
        self.raw.cpu
    }

    /// `evt.dir`: `>` for enter, `<` for exit.
    #[must_use]
    pub fn dir(&self) -> &'static str {
        if events::is_enter(self.raw.ty) {
            ">"
        } else {
            "<"
        }
    }

    /// `thread.tid`.
    #[must_use]
    pub fn tid(&self) -> i64 {
        self.raw.tid
    }

    /// `evt.info` as sysdig prints it (with its trailing space).
    #[must_use]
    pub fn info(&self) -> String {
        render::args(self.st, self.raw, self.body)
    }

    /// `proc.name`, `None` when the thread's name is unknown (sysdig's `<NA>`).
    #[must_use]
    pub fn proc_name(&self) -> Option<&str> {
        self.st
            .threads
            .get(&self.raw.tid)
            .map(|t| t.p.comm.as_str())
            .filter(|s| !s.is_empty())
    }

    fn fd(&self) -> Option<&'a Fd> {
        let n = self.fdnum?;
        if n < 0 {
            return None;
        }
        self.st.fd(self.raw.tid, n)
    }

    fn param_index(&self, arg: &FieldArg) -> Option<usize> {
        let info = events::info(self.raw.ty)?;
        let i = match arg {
            FieldArg::Index(i) => usize::try_from(*i).ok()?,
            FieldArg::Key(k) => info.params.iter().position(|p| p.name == k)?,
            FieldArg::None => return None,
        };
        (i < self.raw.params.len() && i < info.params.len()).then_some(i)
    }

    /// The result of an exit event: its first parameter when that is an errno, fd or pid.
    fn res(&self) -> Option<i64> {
        if events::is_enter(self.raw.ty) {
            return None;
        }
        let info = events::info(self.raw.ty)?;
        let i = info
            .params
            .iter()
            .position(|p| p.name == "res")
            .or_else(|| {
                info.params
                    .first()
                    .filter(|p| events::is_result(p.ty))
                    .map(|_| 0)
            })?;
        let p = info.params.get(i)?;
        if !(events::is_result(p.ty) || matches!(p.ty, events::PT_INT64 | events::PT_UINT64)) {
            return None;
        }
        self.raw.param(self.body, i).map(le_i64)
    }

    fn open_flags(&self) -> Option<u32> {
        if events::is_enter(self.raw.ty) {
            return None;
        }
        if !matches!(
            self.name,
            "open" | "openat" | "openat2" | "creat" | "open_by_handle_at"
        ) {
            return None;
        }
        let info = events::info(self.raw.ty)?;
        let i = info.params.iter().position(|p| p.name == "flags")?;
        self.raw.param(self.body, i).map(|b| le_u64(b) as u32)
    }

    /// `fd.name` of an event whose fd is not in the table: a failed open names the path it tried (as libsinsp
    /// does).
    fn fd_name_without_fd(&self) -> Value<'a> {
        if events::is_enter(self.raw.ty) || self.res().is_none_or(|r| r >= 0) {
            return Value::Missing;
        }
        let Some(info) = events::info(self.raw.ty) else {
            return Value::Missing;
        };
        if !matches!(self.name, "open" | "openat" | "openat2" | "creat") {
            return Value::Missing;
        }
        let Some(b) = info
            .params
            .iter()
            .position(|p| p.name == "name" || p.name == "path")
            .and_then(|i| self.raw.param(self.body, i))
        else {
            return Value::Missing;
        };
        let raw = String::from_utf8_lossy(events::cstr(b)).into_owned();
        let cwd = self
            .st
            .threads
            .get(&self.raw.tid)
            .map_or("", |t| t.p.cwd.as_str());
        Value::string(if raw.starts_with('/') {
            raw
        } else {
            super::state::join_path(cwd, &raw)
        })
    }

    /// `fs.path.*`: the path a file syscall works on (`name`), or the two of rename/link/symlink (`source`,
    /// `target`); resolved against the directory fd or working directory, or raw as passed.
    fn fs_path(&self, which: SysField) -> Value<'a> {
        use SysField as F;
        let Some(info) = events::info(self.raw.ty) else {
            return Value::Missing;
        };
        let keys: &[&str] = match which {
            F::FsPathName | F::FsPathNameraw => &["name", "path", "pathname"],
            F::FsPathSource | F::FsPathSourceraw => &["oldpath", "target"],
            _ => &["newpath", "linkpath"],
        };
        let Some(i) = info.params.iter().position(|p| {
            keys.contains(&p.name)
                && matches!(
                    p.ty,
                    events::PT_FSPATH | events::PT_FSRELPATH | events::PT_CHARBUF
                )
        }) else {
            return Value::Missing;
        };
        if self.raw.param(self.body, i).is_none() {
            return Value::Missing;
        }
        let mut val = String::new();
        let mut res = String::new();
        render::param(self.st, self.raw, self.body, i, &mut val, &mut res);
        let raw = matches!(
            which,
            F::FsPathNameraw | F::FsPathSourceraw | F::FsPathTargetraw
        );
        Value::string(if raw || res.is_empty() { val } else { res })
    }

    fn open_mode(&self) -> Option<u32> {
        let info = events::info(self.raw.ty)?;
        let i = info.params.iter().position(|p| p.name == "mode")?;
        self.raw.param(self.body, i).map(|b| le_u64(b) as u32)
    }

    fn data(&self) -> Option<&'a [u8]> {
        let info = events::info(self.raw.ty)?;
        let i = info.params.iter().position(|p| p.name == "data")?;
        self.raw.param(self.body, i)
    }
}

fn ip_val(ip: Option<IpAddr>) -> Value<'static> {
    ip.map_or(Value::Missing, Value::Ip)
}

fn proto_name(p: u8) -> Value<'static> {
    match p {
        l4::TCP => Value::str("tcp"),
        l4::UDP => Value::str("udp"),
        l4::ICMP => Value::str("icmp"),
        l4::RAW => Value::str("raw"),
        _ => Value::Missing,
    }
}

fn time_parts(ns: u64) -> (i64, u32, u32, u64, u64, u64, u64) {
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = crate::time::civil_from_days(days);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, frac)
}

impl Event for CaptureEvent<'_> {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn event_type(&self) -> &str {
        self.name
    }

    fn time_ns(&self) -> i64 {
        i64::try_from(self.raw.ts).unwrap_or(i64::MAX)
    }

    #[allow(clippy::too_many_lines)]
    fn extract(&self, field: &Field) -> Value<'_> {
        use SysField as F;
        let Some(which) = SysField::from_id(field.id) else {
            return Value::Missing;
        };
        let thread = self.st.threads.get(&self.raw.tid);
        if which == F::ProcDuration {
            // libsinsp: the event time minus the thread's clone time, when the clone was seen.
            return match thread {
                Some(t) if t.p.start_ns != 0 => {
                    Value::Int(i64::try_from(self.raw.ts).unwrap_or(i64::MAX) - t.p.start_ns)
                }
                _ => Value::Missing,
            };
        }
        if let Some(t) = thread
            && let Some(v) = process::extract(field, which, &t.p, self.st)
        {
            // A thread known only from its events: libsinsp makes a placeholder whose comm and exe are the
            // string `<NA>` (thread_manager.cpp `fake_tinfo`), a value, not a missing field, so
            // `proc.name in (<NA>, N/A)` (the stable rules' `proc_name_exists`) is true for it.
            let unnamed = t.p.comm.is_empty() && t.p.exe.is_empty();
            if unnamed
                && matches!(
                    which,
                    F::ProcName | F::ProcExe | F::ProcCmdline | F::ProcExeline
                )
            {
                return Value::str("<NA>");
            }
            return v;
        }
        let ts = self.raw.ts;
        let fd = self.fd();
        match which {
            F::EvtNum => Value::Int(self.num as i64),
            F::EvtTime => {
                let (_, _, _, h, mi, s, f) = time_parts(ts);
                Value::string(format!("{h:02}:{mi:02}:{s:02}.{f:09}"))
            }
            F::EvtTimeS => {
                let (_, _, _, h, mi, s, _) = time_parts(ts);
                Value::string(format!("{h:02}:{mi:02}:{s:02}"))
            }
            F::EvtTimeIso8601 => {
                let (year, mon, day, hour, min, sec, frac) = time_parts(ts);
                Value::string(format!(
                    "{year:04}-{mon:02}-{day:02}T{hour:02}:{min:02}:{sec:02}.{frac:09}Z"
                ))
            }
            F::EvtDatetime => {
                let (year, mon, day, hour, min, sec, frac) = time_parts(ts);
                Value::string(format!(
                    "{year:04}-{mon:02}-{day:02} {hour:02}:{min:02}:{sec:02}.{frac:09}"
                ))
            }
            F::EvtRawtime | F::EvtOutputtime => Value::Int(ts as i64),
            F::EvtRawtimeS => Value::Int((ts / 1_000_000_000) as i64),
            F::EvtRawtimeNs => Value::Int((ts % 1_000_000_000) as i64),
            F::EvtDir => Value::str(self.dir()),
            F::EvtType => Value::str(self.name),
            F::EvtCpu => Value::Int(i64::from(self.raw.cpu)),
            F::EvtArgs | F::EvtInfo => Value::string(self.info()),
            F::EvtArg => {
                let Some(i) = self.param_index(&field.arg) else {
                    return Value::Missing;
                };
                let mut val = String::new();
                let mut res = String::new();
                render::param(self.st, self.raw, self.body, i, &mut val, &mut res);
                Value::string(if res.is_empty() { val } else { res })
            }
            F::EvtRawarg => {
                let Some(i) = self.param_index(&field.arg) else {
                    return Value::Missing;
                };
                let Some(info) = events::info(self.raw.ty) else {
                    return Value::Missing;
                };
                let p = self.raw.param(self.body, i).unwrap_or(&[]);
                match info.params[i].ty {
                    events::PT_CHARBUF | events::PT_FSPATH | events::PT_FSRELPATH => {
                        Value::Str(String::from_utf8_lossy(events::cstr(p)))
                    }
                    events::PT_BYTEBUF => Value::Bytes(Cow::Borrowed(p)),
                    events::PT_SOCKADDR | events::PT_SOCKTUPLE | events::PT_FDLIST => {
                        let mut val = String::new();
                        let mut res = String::new();
                        render::param(self.st, self.raw, self.body, i, &mut val, &mut res);
                        Value::string(val)
                    }
                    events::PT_INT8
                    | events::PT_INT16
                    | events::PT_INT32
                    | events::PT_INT64
                    | events::PT_ERRNO
                    | events::PT_FD
                    | events::PT_FD32
                    | events::PT_PID32
                    | events::PT_PID => Value::Int(le_i64(p)),
                    _ => Value::Int(le_u64(p) as i64),
                }
            }
            F::EvtRes => match self.res() {
                Some(r) if r >= 0 => Value::str("SUCCESS"),
                Some(r) => {
                    events::errno_name(r).map_or_else(|| Value::string(r.to_string()), Value::str)
                }
                None => Value::Missing,
            },
            F::EvtRawres => self.res().map_or(Value::Missing, Value::Int),
            F::EvtFailed => Value::Bool(self.res().is_some_and(|r| r < 0)),
            F::EvtIsIo | F::EvtIsIoRead | F::EvtIsIoWrite => {
                let fl = events::info(self.raw.ty).map_or(0, |i| i.flags);
                let r = fl & events::EF_READS_FROM_FD != 0;
                let w = fl & events::EF_WRITES_TO_FD != 0;
                Value::Bool(match which {
                    F::EvtIsIoRead => r,
                    F::EvtIsIoWrite => w,
                    _ => r || w,
                })
            }
            F::EvtIsWait => Value::Bool(
                events::info(self.raw.ty).is_some_and(|i| i.flags & events::EF_WAITS != 0),
            ),
            F::EvtIsOpenRead => Value::Bool(self.open_flags().is_some_and(|f| f & 1 != 0)),
            F::EvtIsOpenWrite => Value::Bool(self.open_flags().is_some_and(|f| f & 2 != 0)),
            // PPM_O_F_CREATED: the driver saw the file created by this call.
            F::EvtIsOpenCreate => {
                Value::Bool(self.open_flags().is_some_and(|f| f & (1 << 14) != 0))
            }
            // Created (O_CREAT or O_TMPFILE) with an execute bit in the mode.
            F::EvtIsOpenExec => Value::Bool(
                self.open_flags().is_some_and(|f| f & (4 | 1 << 13) != 0)
                    && self.open_mode().is_some_and(|m| m & 0o111 != 0),
            ),
            F::EvtBuffer => self
                .data()
                .map_or(Value::Missing, |d| Value::Bytes(Cow::Borrowed(d))),
            F::EvtBuflen => {
                let io = events::info(self.raw.ty).is_some_and(|i| {
                    i.flags & (events::EF_READS_FROM_FD | events::EF_WRITES_TO_FD) != 0
                });
                match self.res() {
                    Some(r) if io && r >= 0 && !events::is_enter(self.raw.ty) => Value::Int(r),
                    _ => Value::Missing,
                }
            }
            F::EvtCount => Value::Int(1),
            F::EvtLatency => Value::Int(self.st.latency as i64),
            F::EvtSource => Value::str("syscall"),
            F::EvtHostname => {
                if self.st.hostname.is_empty() {
                    Value::Missing
                } else {
                    Value::str(&self.st.hostname)
                }
            }
            F::ThreadTid => Value::Int(self.raw.tid),
            F::FdNum => match self.fdnum {
                // A failed call that would have created an fd has none (libsinsp: -1, not the errno).
                Some(n)
                    if n < 0
                        && events::info(self.raw.ty)
                            .is_some_and(|i| i.flags & events::EF_CREATES_FD != 0) =>
                {
                    Value::Int(-1)
                }
                Some(n) => Value::Int(n),
                // The enter event of a call that creates an fd has none yet (libsinsp: -1).
                None if events::is_enter(self.raw.ty)
                    && events::info(self.raw.ty)
                        .is_some_and(|i| i.flags & events::EF_CREATES_FD != 0) =>
                {
                    Value::Int(-1)
                }
                None => Value::Missing,
            },
            F::FdName if fd.is_none() => self.fd_name_without_fd(),
            // An fd event without an fd (a failed open, the enter event of a socket): libsinsp guesses the
            // type from the event (`sinsp_evt::extract_typechar`, libs 48dfd53cd), never `<NA>`.
            F::FdTypechar
                if fd.is_none()
                    && thread.is_some()
                    && events::info(self.raw.ty).is_some_and(|i| {
                        i.flags
                            & (events::EF_CREATES_FD | events::EF_USES_FD | events::EF_DESTROYS_FD)
                            != 0
                    }) =>
            {
                Value::str(typechar_of_event(self.name))
            }
            // A failed open's directory (libsinsp gives the directory, not the file name).
            F::FdDirectory if fd.is_none() => match self.fd_name_without_fd() {
                Value::Str(n) => Value::string(split_path(&n).0.to_string()),
                _ => Value::Missing,
            },
            F::FdName if self.name == "connect" && self.res().is_some_and(|r| r < 0) => {
                // A failed connect names the address it tried.
                let Some(i) = events::info(self.raw.ty)
                    .and_then(|i| i.params.iter().position(|p| p.ty == events::PT_SOCKTUPLE))
                else {
                    return Value::Missing;
                };
                let mut val = String::new();
                let mut res = String::new();
                render::param(self.st, self.raw, self.body, i, &mut val, &mut res);
                if val == "NULL" {
                    fd.map_or(Value::Missing, |f| Value::str(&f.name))
                } else {
                    Value::string(val)
                }
            }
            F::EvtReltime => Value::Int(ts.saturating_sub(self.st.first_ts.unwrap_or(ts)) as i64),
            F::ProcNthreads => match thread {
                Some(t) => Value::Int(
                    self.st
                        .threads
                        .values()
                        .filter(|o| o.p.pid == t.p.pid)
                        .count() as i64,
                ),
                None => Value::Missing,
            },
            F::ProcFdopencount => thread
                .and_then(|t| self.st.fds.get(&t.p.pid))
                .map_or(Value::Missing, |tab| Value::Int(tab.len() as i64)),
            F::ProcStdinName | F::ProcStdoutName | F::ProcStderrName => {
                let n = match which {
                    F::ProcStdinName => 0,
                    F::ProcStdoutName => 1,
                    _ => 2,
                };
                self.st
                    .fd(self.raw.tid, n)
                    .map_or(Value::Missing, |f| Value::str(&f.name))
            }
            F::FdContainername | F::FdContainerdirectory => {
                let Some(f) = fd else {
                    return Value::Missing;
                };
                let cid = thread
                    .and_then(|t| t.p.container.as_deref())
                    .map_or("host", |c| c.id.as_str());
                let part = if which == F::FdContainername {
                    f.name.as_str()
                } else {
                    split_path(&f.name).0
                };
                Value::string(format!("{cid}:{part}"))
            }
            F::FsPathName
            | F::FsPathNameraw
            | F::FsPathSource
            | F::FsPathSourceraw
            | F::FsPathTarget
            | F::FsPathTargetraw => self.fs_path(which),
            F::FdTypes => match thread.and_then(|t| self.st.fds.get(&t.p.pid)) {
                Some(tab) => {
                    let mut v: Vec<&'static str> = tab.values().map(Fd::type_name).collect();
                    v.sort_unstable();
                    v.dedup();
                    Value::List(v.into_iter().map(Value::str).collect())
                }
                None => Value::Missing,
            },
            _ => {
                let Some(fd) = fd else {
                    return Value::Missing;
                };
                fd_field(which, fd)
            }
        }
    }
}

/// The fd type libsinsp assumes for an event that has no fd (`sinsp_evt::extract_typechar` in libs 48dfd53cd):
/// files for `openat`/`openat2`/`creat` (not the older `open`, which gives `o`; sysdig 0.29 gave `f` for it
/// too), IPv4 sockets for `socket`/`accept`/`accept4` whatever the family, and so on.
fn typechar_of_event(name: &str) -> &'static str {
    match name {
        "openat" | "openat2" | "creat" => "f",
        "socket" | "accept" | "accept4" => "4",
        "pipe" | "pipe2" => "p",
        "eventfd" | "eventfd2" => "e",
        "signalfd" | "signalfd4" => "s",
        "timerfd_create" => "t",
        "inotify_init" | "inotify_init1" => "i",
        _ => "o",
    }
}

/// A path's directory and file name, as `fd.directory` / `fd.filename` give them.
fn split_path(name: &str) -> (&str, &str) {
    match name.rfind('/') {
        Some(0) => ("/", &name[1..]),
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    }
}

/// The local and remote ends of a socket, by role (client: local = source).
fn local_remote(fd: &Fd) -> (Option<IpAddr>, u16, Option<IpAddr>, u16) {
    match fd.role {
        Role::Server => (fd.dip, fd.dport, fd.sip, fd.sport),
        _ => (fd.sip, fd.sport, fd.dip, fd.dport),
    }
}

fn fd_field(which: SysField, fd: &Fd) -> Value<'_> {
    use SysField as F;
    let ip = fd.is_ip();
    let server_sock = matches!(fd.ty, fdt::IPV4_SERVSOCK | fdt::IPV6_SERVSOCK);
    let (lip, lport, rip, rport) = local_remote(fd);
    let has_addr = fd.sip.is_some() || fd.dip.is_some();
    let port = |p: u16, ok: bool| {
        if ok && ip && has_addr {
            Value::Int(i64::from(p))
        } else {
            Value::Missing
        }
    };
    let proto = |p: u16, ok: bool| {
        if ok && ip && has_addr {
            Value::string(p.to_string())
        } else {
            Value::Missing
        }
    };
    match which {
        F::FdType => Value::str(fd.type_name()),
        F::FdTypechar => Value::string(fd.typechar().to_string()),
        F::FdName => Value::str(&fd.name),
        F::FdNameraw => Value::str(&fd.name_raw),
        F::FdDirectory | F::FdFilename => {
            if !matches!(fd.ty, fdt::FILE | fdt::FILE_V2 | fdt::DIRECTORY) {
                return Value::Missing;
            }
            if fd.ty == fdt::DIRECTORY {
                return if which == F::FdDirectory {
                    Value::str(&fd.name)
                } else {
                    Value::Missing
                };
            }
            let (d, f) = split_path(&fd.name);
            Value::str(if which == F::FdDirectory { d } else { f })
        }
        F::FdIp | F::FdNet => {
            if !ip {
                return Value::Missing;
            }
            // `fd.ip` matches either end; as one value, the server's for servers, else the client's.
            ip_val(if server_sock { fd.dip } else { fd.sip })
        }
        F::FdCip | F::FdCnet => {
            if ip && !server_sock {
                ip_val(fd.sip)
            } else {
                Value::Missing
            }
        }
        F::FdSip | F::FdSnet => {
            if ip {
                ip_val(fd.dip)
            } else {
                Value::Missing
            }
        }
        F::FdLip | F::FdLnet => {
            if ip && !server_sock {
                ip_val(lip)
            } else {
                Value::Missing
            }
        }
        F::FdRip | F::FdRnet => {
            if ip && !server_sock {
                ip_val(rip)
            } else {
                Value::Missing
            }
        }
        F::FdPort => port(if server_sock { fd.dport } else { fd.sport }, true),
        F::FdCport => port(fd.sport, !server_sock),
        F::FdSport => port(fd.dport, true),
        F::FdLport => port(lport, !server_sock),
        F::FdRport => port(rport, !server_sock),
        // Protocol names are ports as text: without a services database, libsinsp prints the number too.
        F::FdProto => proto(if server_sock { fd.dport } else { fd.sport }, true),
        F::FdCproto => proto(fd.sport, !server_sock),
        F::FdSproto => proto(fd.dport, true),
        F::FdLproto => proto(lport, !server_sock),
        F::FdRproto => proto(rport, !server_sock),
        F::FdL4proto => {
            if ip {
                proto_name(fd.l4proto())
            } else {
                Value::Missing
            }
        }
        F::FdSockfamily => match fd.ty {
            fdt::IPV4_SOCK | fdt::IPV6_SOCK | fdt::IPV4_SERVSOCK | fdt::IPV6_SERVSOCK => {
                Value::str("ip")
            }
            fdt::UNIX_SOCK => Value::str("unix"),
            _ => Value::Missing,
        },
        F::FdIsServer => Value::Bool(fd.role == Role::Server || server_sock),
        F::FdConnected => {
            Value::Bool(fd.role != Role::None && (fd.dip.is_some() || fd.ty == fdt::UNIX_SOCK))
        }
        F::FdNameChanged => Value::Bool(fd.name_changed),
        F::FdIno => Value::Int(fd.ino as i64),
        F::FdDev => Value::Int(i64::from(fd.dev)),
        F::FdDevMajor => Value::Int(i64::from((fd.dev & 0xfff00) >> 8)),
        F::FdDevMinor => Value::Int(i64::from((fd.dev & 0xff) | ((fd.dev >> 12) & 0xfff00))),
        _ => Value::Missing,
    }
}
