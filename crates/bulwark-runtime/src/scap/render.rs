//! Parameters rendered as sysdig 0.29 prints them: `evt.info`, `evt.args`, `evt.arg.NAME` (resolved) and
//! `evt.rawarg.NAME`-style raw text.

use std::fmt::Write as _;

use super::events::{self, ParamInfo, RawEvent};
use super::state::State;
use super::table;

const AT_FDCWD: i64 = -100;

/// Renders parameter `i`: the value, and the resolved text libsinsp shows in parentheses (empty when none).
pub(crate) fn param(
    state: &State,
    ev: &RawEvent,
    body: &[u8],
    i: usize,
    val: &mut String,
    res: &mut String,
) {
    let Some(info) = events::info(ev.ty) else {
        return;
    };
    let Some(pi) = info.params.get(i) else {
        return;
    };
    let Some(p) = ev.param(body, i) else {
        return;
    };
    if pi.ty == events::PT_FSRELPATH {
        // A path relative to a directory fd: resolved against that fd's name, or the working directory for
        // AT_FDCWD.
        let s = events::sanitized(events::cstr(p));
        val.push_str(&s);
        if !s.is_empty() && !s.starts_with('/') && s != "<NA>" {
            let dirfd = pi
                .dirfd
                .and_then(|d| ev.param(body, usize::from(d)))
                .map_or(AT_FDCWD, events::le_i64);
            let base = if dirfd == AT_FDCWD {
                state.threads.get(&ev.tid).map(|t| t.p.cwd.clone())
            } else {
                state.fd(ev.tid, dirfd).map(|f| f.name.clone())
            };
            if let Some(base) = base {
                res.push_str(&super::state::join_path(&base, &s));
            }
        }
        return;
    }
    render(state, ev.tid, pi, p, val, res);
}

fn render(state: &State, tid: i64, pi: &ParamInfo, p: &[u8], val: &mut String, res: &mut String) {
    use events::{
        AF_INET, PT_ABSTIME, PT_BOOL, PT_BYTEBUF, PT_CHARBUF, PT_DYN, PT_ENUMFLAGS8,
        PT_ENUMFLAGS16, PT_ENUMFLAGS32, PT_ERRNO, PT_FD, PT_FD32, PT_FDLIST, PT_FLAGS8, PT_FLAGS16,
        PT_FLAGS32, PT_FSPATH, PT_FSRELPATH, PT_GID, PT_INT8, PT_INT16, PT_INT32, PT_INT64,
        PT_L4PROTO, PT_MODE, PT_PID, PT_PID32, PT_PORT, PT_RELTIME, PT_SIGSET, PT_SIGTYPE,
        PT_SOCKADDR, PT_SOCKFAMILY, PT_SOCKTUPLE, PT_SYSCALLID, PT_UID, PT_UINT8, PT_UINT16,
        PT_UINT32, PT_UINT64, SockAddr, SockTuple, cstr, dots, errno_name, flag_names, fmt_g,
        ip_port, le_i64, le_u64, numeric, sockaddr, socktuple,
    };
    match pi.ty {
        PT_INT8 | PT_INT16 | PT_INT32 | PT_INT64 => {
            let s = le_i64(p);
            let u = match p.len() {
                1 => u64::from(p[0]),
                2 => u64::from(u16::from_le_bytes([p[0], p[1]])),
                4 => u64::from(u32::from_le_bytes([p[0], p[1], p[2], p[3]])),
                _ => le_u64(p),
            };
            numeric(pi.fmt, s, u, val);
        }
        PT_UINT8 | PT_UINT16 | PT_UINT32 | PT_UINT64 | PT_PORT | PT_L4PROTO | PT_SOCKFAMILY
        | PT_BOOL | PT_SIGSET => {
            let u = le_u64(p);
            // `%d` of a u32 and `PRId64` of a u64 print the signed reading; u8/u16 promote unsigned.
            let s = match p.len() {
                4 => i64::from(u as u32 as i32),
                _ => u as i64,
            };
            numeric(pi.fmt, s, u, val);
        }
        PT_FD | PT_FD32 => {
            let fd = le_i64(p);
            let _ = write!(val, "{fd}");
            if fd >= 0 {
                if let Some(f) = state.fd(tid, fd) {
                    res.push_str(&f.tag());
                    res.push_str(&events::sanitized(f.name.as_bytes()));
                }
            } else if fd == AT_FDCWD {
                res.push_str("AT_FDCWD");
            } else if let Some(e) = errno_name(fd) {
                res.push_str(e);
            }
        }
        PT_PID | PT_PID32 => {
            let v = le_i64(p);
            let _ = write!(val, "{v}");
            if let Some(t) = state.threads.get(&v) {
                res.push_str(&t.p.comm);
            }
        }
        PT_ERRNO => {
            let v = le_i64(p);
            let _ = write!(val, "{v}");
            if let Some(e) = errno_name(v) {
                res.push_str(e);
            }
        }
        PT_CHARBUF => {
            val.push_str(&String::from_utf8_lossy(cstr(p)));
        }
        PT_FSPATH | PT_FSRELPATH => {
            let s = events::sanitized(cstr(p));
            if !s.starts_with('/')
                && !s.is_empty()
                && s != "<NA>"
                && let Some(t) = state.threads.get(&tid)
            {
                res.push_str(&super::state::join_path(&t.p.cwd, &s));
            }
            val.push_str(&s);
        }
        PT_BYTEBUF => dots(p, val),
        PT_SOCKADDR => {
            if p.is_empty() {
                val.push_str("NULL");
            } else {
                match sockaddr(p) {
                    Some(SockAddr::Ip(ip, port)) => val.push_str(&ip_port(&ip, port)),
                    Some(SockAddr::Unix(path)) => val.push_str(&events::sanitized(path.as_bytes())),
                    Some(SockAddr::Other(f)) => {
                        let _ = write!(val, "family {f}");
                    }
                    None => val.push_str(if p[0] == AF_INET {
                        "INVALID IPv4"
                    } else {
                        "INVALID IPv6"
                    }),
                }
            }
        }
        PT_SOCKTUPLE => {
            if p.is_empty() {
                val.push_str("NULL");
            } else {
                match socktuple(p) {
                    Some(SockTuple::Ip(s, sp, d, dp)) => {
                        let _ = write!(val, "{}->{}", ip_port(&s, sp), ip_port(&d, dp));
                    }
                    Some(SockTuple::Unix(a, b, path)) => {
                        let _ = write!(val, "{a:x}->{b:x} {}", events::sanitized(path.as_bytes()));
                    }
                    Some(SockTuple::Other(f)) => {
                        let _ = write!(val, "family {f}");
                    }
                    None => val.push_str(if p[0] == AF_INET {
                        "INVALID IPv4"
                    } else {
                        "INVALID IPv6"
                    }),
                }
            }
        }
        PT_FDLIST => {
            if p.len() < 2 || !state.threads.contains_key(&tid) {
                return;
            }
            let n = u16::from_le_bytes([p[0], p[1]]) as usize;
            let mut pos = 2;
            for j in 0..n {
                if pos + 10 > p.len() {
                    break;
                }
                let fd = le_i64(&p[pos..pos + 8]);
                let fl = i16::from_le_bytes([p[pos + 8], p[pos + 9]]);
                let tch = state.fd(tid, fd).map_or('?', super::state::Fd::typechar);
                let _ = write!(val, "{}:{}{:x}", fd as u64, tch, fl as i32 as u32);
                if j + 1 < n {
                    val.push(' ');
                }
                pos += 10;
            }
        }
        PT_SYSCALLID if p.len() >= 2 => {
            let id = u16::from_le_bytes([p[0], p[1]]);
            let _ = write!(val, "{id}");
            if let Some(n) = table::SYSCALL_NAMES.get(id as usize) {
                res.push_str(n);
            } else {
                val.clear();
                val.push_str("<unknown syscall>");
            }
        }
        PT_SIGTYPE => {
            let v = p.first().copied().unwrap_or(0);
            let _ = write!(val, "{v}");
            if let Some((_, n)) = table::SIGNAL_NAMES.iter().find(|(s, _)| *s == v) {
                res.push_str(n);
            }
        }
        PT_RELTIME => {
            let v = le_u64(p);
            if v == u64::MAX {
                val.push_str("none");
            } else {
                let _ = write!(val, "{v}");
                let _ = write!(res, "{}s", fmt_g(v as f64 / 1e9));
            }
        }
        PT_FLAGS8 | PT_FLAGS16 | PT_FLAGS32 => {
            let v = match pi.ty {
                PT_FLAGS8 => u32::from(p.first().copied().unwrap_or(0)),
                PT_FLAGS16 => le_u64(p) as u16 as u32,
                _ => le_u64(p) as u32,
            };
            let _ = write!(val, "{v}");
            if let Some(names) = pi.names {
                flag_names(names, v, res);
            }
        }
        PT_ENUMFLAGS8 | PT_ENUMFLAGS16 | PT_ENUMFLAGS32 => {
            // One of contiguous values: the name whose value equals it.
            let v = le_u64(p) as u32;
            let _ = write!(val, "{v}");
            if let Some((n, _)) = pi.names.and_then(|t| t.iter().find(|(_, x)| *x == v)) {
                res.push_str(n);
            }
        }
        PT_MODE => {
            let v = le_u64(p) as u32;
            numeric(pi.fmt, i64::from(v as i32), u64::from(v), val);
            if let Some(names) = pi.names {
                flag_names(names, v, res);
            }
        }
        PT_UID | PT_GID => {
            let v = le_u64(p) as u32;
            if v == u32::MAX {
                val.push_str("-1");
                res.push_str("<NONE>");
            } else {
                let _ = write!(val, "{}", v as i32);
                let name = if pi.ty == PT_UID {
                    state.user(v).map(|u| u.name.as_str())
                } else {
                    state.groups.get(&v).map(String::as_str)
                };
                res.push_str(name.unwrap_or("<NA>"));
            }
        }
        PT_ABSTIME | PT_DYN => val.push_str("INVALID DYNAMIC PARAMETER"),
        _ => {}
    }
}

/// `evt.info` / `evt.args`: `name=value(resolved) ` for every parameter; empty for generic events.
pub(crate) fn args(state: &State, ev: &RawEvent, body: &[u8]) -> String {
    if ev.ty == events::code::GENERIC_E || ev.ty == events::code::GENERIC_X {
        return String::new();
    }
    let Some(info) = events::info(ev.ty) else {
        return String::new();
    };
    let mut out = String::new();
    let mut val = String::new();
    let mut res = String::new();
    for i in 0..ev.params.len().min(info.params.len()) {
        val.clear();
        res.clear();
        param(state, ev, body, i, &mut val, &mut res);
        out.push_str(info.params[i].name);
        out.push('=');
        out.push_str(&val);
        if !res.is_empty() {
            out.push('(');
            out.push_str(&res);
            out.push(')');
        }
        out.push(' ');
    }
    out
}
