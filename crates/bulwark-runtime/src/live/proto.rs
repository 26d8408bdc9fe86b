//! The netlink process connector's wire format, parsed with bounds checks: a netlink header (`nlmsghdr`), the
//! connector header (`cn_msg`) and the process event (`proc_event`), all in host byte order
//! (`include/uapi/linux/netlink.h`, `connector.h`, `cn_proc.h`).

/// `CN_IDX_PROC` / `CN_VAL_PROC`: the connector id of process events; also the multicast group to join.
pub const CN_IDX_PROC: u32 = 1;
/// `CN_VAL_PROC`.
pub const CN_VAL_PROC: u32 = 1;
/// `NLMSG_DONE`: the connector sends every message with this type.
const NLMSG_DONE: u16 = 3;
/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// `NLMSG_NOOP`.
const NLMSG_NOOP: u16 = 1;
/// `PROC_CN_MCAST_LISTEN` / `PROC_CN_MCAST_IGNORE`.
pub const PROC_CN_MCAST_LISTEN: u32 = 1;
/// Stop listening.
pub const PROC_CN_MCAST_IGNORE: u32 = 2;

const NLMSG_HDRLEN: usize = 16;
const CN_MSG_LEN: usize = 20;
/// `what`, `cpu`, `timestamp_ns`.
const PROC_EVENT_HDR: usize = 16;

/// One process event as the kernel reports it. Pids are global (init namespace) ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcEvent {
    /// The acknowledgement of a listen/ignore request (`PROC_EVENT_NONE`), with its error code.
    Ack {
        /// 0 on success.
        err: u32,
    },
    /// `fork`/`clone`: a new thread or process.
    Fork {
        /// Parent thread id.
        parent_pid: u32,
        /// Parent process id.
        parent_tgid: u32,
        /// Child thread id.
        child_pid: u32,
        /// Child process id (equals `child_pid` for a new process, differs for a new thread).
        child_tgid: u32,
    },
    /// A successful `execve`.
    Exec {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
    },
    /// A change of real/effective uid.
    Uid {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
        /// Real uid.
        ruid: u32,
        /// Effective uid.
        euid: u32,
    },
    /// A change of real/effective gid.
    Gid {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
        /// Real gid.
        rgid: u32,
        /// Effective gid.
        egid: u32,
    },
    /// `setsid`.
    Sid {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
    },
    /// A change of `comm` (`prctl(PR_SET_NAME)`).
    Comm {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
        /// The new name.
        comm: String,
    },
    /// A thread or process ended.
    Exit {
        /// Thread id.
        pid: u32,
        /// Process id.
        tgid: u32,
        /// Exit code as `wait` reports it.
        exit_code: u32,
    },
    /// An event this parser does not use (ptrace, coredump, non-leader events of unknown kinds).
    Other {
        /// The `what` code.
        what: u32,
    },
}

/// A process event with the header fields every event carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// CPU that reported it.
    pub cpu: u32,
    /// Monotonic (`CLOCK_MONOTONIC`) time of the event, ns.
    pub timestamp_ns: u64,
    /// The event.
    pub event: ProcEvent,
}

/// Why a datagram could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// Fewer bytes than a header or a declared length needs.
    #[error("truncated {what}: need {need} bytes at offset {at}, have {have}")]
    Truncated {
        /// Which structure.
        what: &'static str,
        /// Offset in the datagram.
        at: usize,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A netlink error message (`NLMSG_ERROR`) with its errno.
    #[error("netlink error {0}")]
    Netlink(i32),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn need(b: &[u8], at: usize, n: usize, what: &'static str) -> Result<(), ProtoError> {
    if at.checked_add(n).is_none_or(|end| end > b.len()) {
        return Err(ProtoError::Truncated {
            what,
            at,
            need: n,
            have: b.len().saturating_sub(at),
        });
    }
    Ok(())
}

/// Parses one datagram: a sequence of netlink messages, each holding one connector message. Messages for other
/// connector ids are skipped; `NLMSG_NOOP` is skipped. Every read is bounds-checked against the datagram and
/// the lengths the headers declare.
pub fn parse_datagram(buf: &[u8]) -> Result<Vec<Received>, ProtoError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < buf.len() {
        need(buf, at, NLMSG_HDRLEN, "nlmsghdr")?;
        let len = u32_at(buf, at).unwrap_or(0) as usize;
        let ty = u16_at(buf, at + 4).unwrap_or(0);
        if len < NLMSG_HDRLEN {
            return Err(ProtoError::Truncated {
                what: "nlmsghdr (declared length)",
                at,
                need: NLMSG_HDRLEN,
                have: len,
            });
        }
        need(buf, at, len, "netlink message")?;
        let msg = &buf[at + NLMSG_HDRLEN..at + len];
        match ty {
            NLMSG_ERROR => {
                let errno = u32_at(msg, 0).map_or(0, u32::cast_signed);
                if errno != 0 {
                    return Err(ProtoError::Netlink(errno));
                }
            }
            NLMSG_NOOP => {}
            _ => {
                if let Some(r) = parse_cn_msg(msg)? {
                    out.push(r);
                }
            }
        }
        // NLMSG_ALIGN: messages are padded to 4 bytes.
        at += (len + 3) & !3;
    }
    Ok(out)
}

/// Parses a connector message (`cn_msg` + payload); `None` for another connector id.
pub fn parse_cn_msg(msg: &[u8]) -> Result<Option<Received>, ProtoError> {
    need(msg, 0, CN_MSG_LEN, "cn_msg")?;
    let idx = u32_at(msg, 0).unwrap_or(0);
    let val = u32_at(msg, 4).unwrap_or(0);
    let data_len = usize::from(u16_at(msg, 16).unwrap_or(0));
    if idx != CN_IDX_PROC || val != CN_VAL_PROC {
        return Ok(None);
    }
    need(msg, CN_MSG_LEN, data_len, "cn_msg payload")?;
    parse_proc_event(&msg[CN_MSG_LEN..CN_MSG_LEN + data_len]).map(Some)
}

/// Parses a `proc_event` payload.
pub fn parse_proc_event(d: &[u8]) -> Result<Received, ProtoError> {
    need(d, 0, PROC_EVENT_HDR, "proc_event")?;
    let what = u32_at(d, 0).unwrap_or(0);
    let cpu = u32_at(d, 4).unwrap_or(0);
    let timestamp_ns = u64_at(d, 8).unwrap_or(0);
    let e = PROC_EVENT_HDR;
    let words = |n: usize, what: &'static str| -> Result<Vec<u32>, ProtoError> {
        need(d, e, n * 4, what)?;
        Ok((0..n).filter_map(|i| u32_at(d, e + i * 4)).collect())
    };
    let event = match what {
        0 => ProcEvent::Ack {
            err: words(1, "ack")?[0],
        },
        0x1 => {
            let w = words(4, "fork event")?;
            ProcEvent::Fork {
                parent_pid: w[0],
                parent_tgid: w[1],
                child_pid: w[2],
                child_tgid: w[3],
            }
        }
        0x2 => {
            let w = words(2, "exec event")?;
            ProcEvent::Exec {
                pid: w[0],
                tgid: w[1],
            }
        }
        0x4 => {
            let w = words(4, "uid event")?;
            ProcEvent::Uid {
                pid: w[0],
                tgid: w[1],
                ruid: w[2],
                euid: w[3],
            }
        }
        0x40 => {
            let w = words(4, "gid event")?;
            ProcEvent::Gid {
                pid: w[0],
                tgid: w[1],
                rgid: w[2],
                egid: w[3],
            }
        }
        0x80 => {
            let w = words(2, "sid event")?;
            ProcEvent::Sid {
                pid: w[0],
                tgid: w[1],
            }
        }
        0x200 => {
            let w = words(2, "comm event")?;
            need(d, e + 8, 16, "comm event name")?;
            let raw = &d[e + 8..e + 24];
            let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
            ProcEvent::Comm {
                pid: w[0],
                tgid: w[1],
                comm: String::from_utf8_lossy(&raw[..end]).into_owned(),
            }
        }
        0x8000_0000 => {
            let w = words(3, "exit event")?;
            ProcEvent::Exit {
                pid: w[0],
                tgid: w[1],
                exit_code: w[2],
            }
        }
        other => ProcEvent::Other { what: other },
    };
    Ok(Received {
        cpu,
        timestamp_ns,
        event,
    })
}

/// The subscription request: a netlink message (type `NLMSG_DONE`, sender `port`) holding a connector message to
/// the process connector whose payload is `op` ([`PROC_CN_MCAST_LISTEN`] or [`PROC_CN_MCAST_IGNORE`]).
#[must_use]
pub fn subscribe_message(port: u32, op: u32) -> Vec<u8> {
    let total = NLMSG_HDRLEN + CN_MSG_LEN + 4;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_ne_bytes());
    m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&port.to_ne_bytes());
    m.extend_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m.extend_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&0u32.to_ne_bytes()); // ack
    m.extend_from_slice(&4u16.to_ne_bytes()); // len
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    m.extend_from_slice(&op.to_ne_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a datagram as the kernel's `proc_fork_connector`/`proc_exec_connector` send it (cn_proc.c): the
    /// netlink header, `cn_msg` with id {1,1} and the `proc_event`.
    fn datagram(what: u32, words: &[u32]) -> Vec<u8> {
        let mut ev = Vec::new();
        ev.extend_from_slice(&what.to_ne_bytes());
        ev.extend_from_slice(&1u32.to_ne_bytes());
        ev.extend_from_slice(&123_456_789u64.to_ne_bytes());
        for w in words {
            ev.extend_from_slice(&w.to_ne_bytes());
        }
        // The kernel always sends the whole union (sizeof(struct proc_event) = 16 + 24 on x86_64).
        ev.resize(40, 0);
        let mut cn = Vec::new();
        cn.extend_from_slice(&1u32.to_ne_bytes());
        cn.extend_from_slice(&1u32.to_ne_bytes());
        cn.extend_from_slice(&[0; 8]);
        cn.extend_from_slice(&u16::try_from(ev.len()).unwrap().to_ne_bytes());
        cn.extend_from_slice(&[0; 2]);
        cn.extend_from_slice(&ev);
        let mut m = Vec::new();
        m.extend_from_slice(&u32::try_from(16 + cn.len()).unwrap().to_ne_bytes());
        m.extend_from_slice(&3u16.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&cn);
        m
    }

    #[test]
    fn fork_exec_exit_parse_and_truncation_is_an_error() {
        let f = parse_datagram(&datagram(1, &[10, 10, 11, 11])).unwrap();
        assert_eq!(
            f[0].event,
            ProcEvent::Fork {
                parent_pid: 10,
                parent_tgid: 10,
                child_pid: 11,
                child_tgid: 11
            }
        );
        assert_eq!(f[0].timestamp_ns, 123_456_789);
        let x = parse_datagram(&datagram(2, &[11, 11])).unwrap();
        assert_eq!(x[0].event, ProcEvent::Exec { pid: 11, tgid: 11 });
        let e = parse_datagram(&datagram(0x8000_0000, &[11, 11, 256, 17])).unwrap();
        assert_eq!(
            e[0].event,
            ProcEvent::Exit {
                pid: 11,
                tgid: 11,
                exit_code: 256
            }
        );
        let d = datagram(2, &[11, 11]);
        for cut in 0..d.len() {
            assert!(parse_datagram(&d[..cut]).is_err() || cut == 0, "cut {cut}");
        }
        let sub = subscribe_message(42, PROC_CN_MCAST_LISTEN);
        assert_eq!(sub.len(), 40);
        assert_eq!(u32_at(&sub, 0), Some(40));
    }
}
