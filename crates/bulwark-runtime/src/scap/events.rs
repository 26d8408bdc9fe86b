//! The event table's types, the decoding of one event block into its parameters, and the rendering of
//! parameters as sysdig prints them in `evt.info` / `evt.arg.*`.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::reader::{self, Cur};
use super::table;

/// One event type: its name, `EF_*` flags and parameters.
#[derive(Debug)]
pub(crate) struct EvInfo {
    pub name: &'static str,
    pub flags: u32,
    pub params: &'static [ParamInfo],
}

/// One parameter: name, `PT_*` type, `PF_*` print format, and the flag names for flag and mode types.
#[derive(Debug)]
pub(crate) struct ParamInfo {
    pub name: &'static str,
    pub ty: u8,
    pub fmt: u8,
    pub names: Option<&'static [(&'static str, u32)]>,
    /// For `PT_FSRELPATH`: the index of the directory fd parameter the path is relative to.
    pub dirfd: Option<u8>,
}

pub(crate) const EF_CREATES_FD: u32 = 1 << 0;
pub(crate) const EF_DESTROYS_FD: u32 = 1 << 1;
pub(crate) const EF_USES_FD: u32 = 1 << 2;
pub(crate) const EF_READS_FROM_FD: u32 = 1 << 3;
pub(crate) const EF_WRITES_TO_FD: u32 = 1 << 4;
pub(crate) const EF_WAITS: u32 = 1 << 7;
pub(crate) const EF_SKIPPARSERESET: u32 = 1 << 8;
pub(crate) const EF_LARGE_PAYLOAD: u32 = 1 << 11;

// Parameter types (`enum ppm_param_type`).
pub(crate) const PT_INT8: u8 = 1;
pub(crate) const PT_INT16: u8 = 2;
pub(crate) const PT_INT32: u8 = 3;
pub(crate) const PT_INT64: u8 = 4;
pub(crate) const PT_UINT8: u8 = 5;
pub(crate) const PT_UINT16: u8 = 6;
pub(crate) const PT_UINT32: u8 = 7;
pub(crate) const PT_UINT64: u8 = 8;
pub(crate) const PT_CHARBUF: u8 = 9;
pub(crate) const PT_BYTEBUF: u8 = 10;
pub(crate) const PT_ERRNO: u8 = 11;
pub(crate) const PT_SOCKADDR: u8 = 12;
pub(crate) const PT_SOCKTUPLE: u8 = 13;
pub(crate) const PT_FD: u8 = 14;
pub(crate) const PT_PID: u8 = 15;
pub(crate) const PT_FDLIST: u8 = 16;
pub(crate) const PT_FSPATH: u8 = 17;
pub(crate) const PT_SYSCALLID: u8 = 18;
pub(crate) const PT_SIGTYPE: u8 = 19;
pub(crate) const PT_RELTIME: u8 = 20;
pub(crate) const PT_ABSTIME: u8 = 21;
pub(crate) const PT_PORT: u8 = 22;
pub(crate) const PT_L4PROTO: u8 = 23;
pub(crate) const PT_SOCKFAMILY: u8 = 24;
pub(crate) const PT_BOOL: u8 = 25;
pub(crate) const PT_DYN: u8 = 27;
pub(crate) const PT_FLAGS8: u8 = 28;
pub(crate) const PT_FLAGS16: u8 = 29;
pub(crate) const PT_FLAGS32: u8 = 30;
pub(crate) const PT_UID: u8 = 31;
pub(crate) const PT_GID: u8 = 32;
pub(crate) const PT_SIGSET: u8 = 34;
pub(crate) const PT_MODE: u8 = 42;
pub(crate) const PT_FSRELPATH: u8 = 43;
pub(crate) const PT_ENUMFLAGS8: u8 = 44;
pub(crate) const PT_ENUMFLAGS16: u8 = 45;
pub(crate) const PT_ENUMFLAGS32: u8 = 46;
pub(crate) const PT_FD32: u8 = 47;
pub(crate) const PT_PID32: u8 = 48;

/// Is this an fd parameter (64 or 32 bits)?
pub(crate) fn is_fd(ty: u8) -> bool {
    ty == PT_FD || ty == PT_FD32
}

/// Is this an errno, fd or pid parameter (what a result is)?
pub(crate) fn is_result(ty: u8) -> bool {
    matches!(ty, PT_ERRNO | PT_FD | PT_PID | PT_FD32 | PT_PID32)
}

// Print formats.
pub(crate) const PF_HEX: u8 = 2;
pub(crate) const PF_10_PADDED_DEC: u8 = 3;
pub(crate) const PF_OCT: u8 = 6;

/// Event numbers the state parsers and fields look at.
pub(crate) mod code {
    pub(crate) const GENERIC_E: u16 = 0;
    pub(crate) const GENERIC_X: u16 = 1;
    pub(crate) const PROCINFO_E: u16 = 234;
}

/// The table entry of an event type, if it exists.
pub(crate) fn info(ty: u16) -> Option<&'static EvInfo> {
    table::EVENTS.get(ty as usize)
}

/// Is this event number an enter event (even numbers)?
pub(crate) fn is_enter(ty: u16) -> bool {
    ty & 1 == 0
}

/// The name `evt.type` shows: the table's, or for generic events the syscall's.
pub(crate) fn type_name(ty: u16, first_param: Option<&[u8]>) -> &'static str {
    if ty == code::GENERIC_E || ty == code::GENERIC_X {
        if let Some(p) = first_param
            && p.len() >= 2
        {
            let id = u16::from_le_bytes([p[0], p[1]]) as usize;
            return table::SYSCALL_NAMES.get(id).copied().unwrap_or("<unknown>");
        }
        return "syscall";
    }
    info(ty).map_or("NA", |i| i.name)
}

/// One decoded event: header fields and the byte ranges of its parameters in the block body.
#[derive(Debug, Default, Clone)]
pub(crate) struct RawEvent {
    pub cpu: u16,
    pub ts: u64,
    pub tid: i64,
    pub ty: u16,
    /// (offset, length) of each parameter in the body.
    pub params: Vec<(u32, u32)>,
}

impl RawEvent {
    /// Parameter `i`'s bytes.
    pub(crate) fn param<'b>(&self, body: &'b [u8], i: usize) -> Option<&'b [u8]> {
        let (o, l) = *self.params.get(i)?;
        body.get(o as usize..(o + l) as usize)
    }
}

/// Decodes an EV/EVF block body (any version) into `ev`. Errors say what is wrong (the caller adds where).
pub(crate) fn decode(block_ty: u32, body: &[u8], ev: &mut RawEvent) -> Result<(), String> {
    let mut c = Cur::new(body);
    ev.cpu = c.u16()?;
    if matches!(
        block_ty,
        reader::EVF | reader::EVF_V2 | reader::EVF_V2_LARGE
    ) {
        c.u32()?;
    }
    let start = c.pos;
    ev.ts = c.u64()?;
    ev.tid = c.i64()?;
    let len = c.u32()? as usize;
    ev.ty = c.u16()?;
    let v2 = matches!(
        block_ty,
        reader::EV_V2 | reader::EV_V2_LARGE | reader::EVF_V2 | reader::EVF_V2_LARGE
    );
    let hdr = if v2 { 26 } else { 22 };
    let declared_nparams = if v2 { Some(c.u32()?) } else { None };
    if len < hdr || start + len > body.len() {
        return Err(format!(
            "event length {len} outside the {}-byte header and the {} bytes of the block",
            hdr,
            body.len() - start
        ));
    }
    let end = start + len;
    let large = info(ev.ty).is_some_and(|i| i.flags & EF_LARGE_PAYLOAD != 0);
    let lsz = if large { 4 } else { 2 };
    let read_len = |i: usize| -> usize {
        let p = start + hdr + i * lsz;
        if large {
            u32::from_le_bytes([body[p], body[p + 1], body[p + 2], body[p + 3]]) as usize
        } else {
            u16::from_le_bytes([body[p], body[p + 1]]) as usize
        }
    };
    let nparams = if let Some(n) = declared_nparams {
        let n = n as usize;
        if n > (len - hdr) / lsz {
            return Err(format!("{n} parameters do not fit in event length {len}"));
        }
        let mut total = hdr + n * lsz;
        for i in 0..n {
            total += read_len(i);
        }
        if total > len {
            return Err(format!(
                "parameters take {total} bytes, more than the event length {len}"
            ));
        }
        n
    } else {
        // Old events carry no count: the largest count the table allows whose lengths add up to `len`.
        let max = info(ev.ty).map_or(0, |i| i.params.len());
        let mut found = None;
        for n in (0..=max).rev() {
            if hdr + n * lsz > len {
                continue;
            }
            let mut total = hdr + n * lsz;
            for i in 0..n {
                total += read_len(i);
            }
            if total < len {
                return Err(format!(
                    "cannot work out the parameter count: {n} parameters take {total} of {len} bytes"
                ));
            }
            if total == len {
                found = Some(n);
                break;
            }
        }
        found.ok_or_else(|| {
            format!(
                "cannot work out the parameter count of event type {} (length {len})",
                ev.ty
            )
        })?
    };
    ev.params.clear();
    let mut off = start + hdr + nparams * lsz;
    for i in 0..nparams {
        let l = read_len(i);
        ev.params.push((off as u32, l as u32));
        off += l;
    }
    debug_assert!(off <= end);
    Ok(())
}

/// Little-endian integers of a parameter, of whatever width it has (missing bytes read as 0).
pub(crate) fn le_u64(p: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = p.len().min(8);
    a[..n].copy_from_slice(&p[..n]);
    u64::from_le_bytes(a)
}

/// A parameter as a signed number, sign-extended from its width.
pub(crate) fn le_i64(p: &[u8]) -> i64 {
    match p.len() {
        1 => i64::from(p[0] as i8),
        2 => i64::from(i16::from_le_bytes([p[0], p[1]])),
        4 => i64::from(i32::from_le_bytes([p[0], p[1], p[2], p[3]])),
        _ => le_u64(p) as i64,
    }
}

/// A NUL-terminated text parameter.
pub(crate) fn cstr(p: &[u8]) -> &[u8] {
    p.split(|&c| c == 0).next().unwrap_or(p)
}

/// The errno name for a negative result.
pub(crate) fn errno_name(v: i64) -> Option<&'static str> {
    if v >= 0 {
        return None;
    }
    let code = u32::try_from(-v).ok()?;
    table::ERRNO_NAMES
        .iter()
        .find(|(n, _)| *n == code)
        .map(|(_, s)| *s)
}

/// Socket address families in parameters.
pub(crate) const AF_UNIX: u8 = 1;
pub(crate) const AF_INET: u8 = 2;
pub(crate) const AF_INET6: u8 = 10;

/// A decoded `PT_SOCKADDR`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SockAddr {
    Ip(IpAddr, u16),
    Unix(String),
    Other(u8),
}

/// Decodes a `PT_SOCKADDR` (family, address, port).
pub(crate) fn sockaddr(p: &[u8]) -> Option<SockAddr> {
    let (&fam, rest) = p.split_first()?;
    match fam {
        AF_INET if rest.len() == 6 => Some(SockAddr::Ip(
            IpAddr::V4(Ipv4Addr::new(rest[0], rest[1], rest[2], rest[3])),
            u16::from_le_bytes([rest[4], rest[5]]),
        )),
        AF_INET6 if rest.len() == 18 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&rest[..16]);
            Some(SockAddr::Ip(
                IpAddr::V6(Ipv6Addr::from(a)),
                u16::from_le_bytes([rest[16], rest[17]]),
            ))
        }
        AF_UNIX => Some(SockAddr::Unix(
            String::from_utf8_lossy(cstr(rest)).into_owned(),
        )),
        AF_INET | AF_INET6 => None,
        f => Some(SockAddr::Other(f)),
    }
}

/// A decoded `PT_SOCKTUPLE`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SockTuple {
    /// Source address and port, destination address and port.
    Ip(IpAddr, u16, IpAddr, u16),
    /// Source and destination kernel pointers, path.
    Unix(u64, u64, String),
    Other(u8),
}

/// IPv4-mapped IPv6 addresses become IPv4, as libsinsp does for tuples where both ends are mapped.
fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

/// Decodes a `PT_SOCKTUPLE`.
pub(crate) fn socktuple(p: &[u8]) -> Option<SockTuple> {
    let (&fam, r) = p.split_first()?;
    match fam {
        AF_INET if r.len() == 12 => Some(SockTuple::Ip(
            IpAddr::V4(Ipv4Addr::new(r[0], r[1], r[2], r[3])),
            u16::from_le_bytes([r[4], r[5]]),
            IpAddr::V4(Ipv4Addr::new(r[6], r[7], r[8], r[9])),
            u16::from_le_bytes([r[10], r[11]]),
        )),
        AF_INET6 if r.len() == 36 => {
            let s = v6(&r[0..16]);
            let d = v6(&r[18..34]);
            let sp = u16::from_le_bytes([r[16], r[17]]);
            let dp = u16::from_le_bytes([r[34], r[35]]);
            match (s.to_ipv4_mapped(), d.to_ipv4_mapped()) {
                (Some(s4), Some(d4)) => Some(SockTuple::Ip(IpAddr::V4(s4), sp, IpAddr::V4(d4), dp)),
                _ => Some(SockTuple::Ip(IpAddr::V6(s), sp, IpAddr::V6(d), dp)),
            }
        }
        AF_UNIX if r.len() >= 16 => Some(SockTuple::Unix(
            le_u64(&r[0..8]),
            le_u64(&r[8..16]),
            String::from_utf8_lossy(cstr(&r[16..])).into_owned(),
        )),
        AF_INET | AF_INET6 | AF_UNIX => None,
        f => Some(SockTuple::Other(f)),
    }
}

/// `ip:port` as libsinsp prints it (IPv6 without brackets).
pub(crate) fn ip_port(ip: &IpAddr, port: u16) -> String {
    format!("{ip}:{port}")
}

/// Bytes as sysdig prints a byte buffer in normal mode: printable ASCII kept, everything else as `.`.
pub(crate) fn dots(p: &[u8], out: &mut String) {
    out.reserve(p.len());
    for &b in p {
        out.push(if (0x20..0x7f).contains(&b) {
            b as char
        } else {
            '.'
        });
    }
}

/// A text buffer with control characters removed, as libsinsp's `sanitize_string` does for names.
pub(crate) fn sanitized(p: &[u8]) -> String {
    String::from_utf8_lossy(p)
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// A number printed with a `PF_*` format, as libsinsp's `SET_NUMERIC_FORMAT` does; `signed` is the value as
/// C's `%d` would see it, `unsigned` as `%X`/`%o` would.
pub(crate) fn numeric(fmt: u8, signed: i64, unsigned: u64, out: &mut String) {
    match fmt {
        PF_OCT => {
            if unsigned == 0 {
                out.push('0');
            } else {
                let _ = write!(out, "0{unsigned:o}");
            }
        }
        PF_HEX => {
            let _ = write!(out, "{unsigned:X}");
        }
        PF_10_PADDED_DEC => {
            let _ = write!(out, "{signed:09}");
        }
        _ => {
            let _ = write!(out, "{signed}");
        }
    }
}

/// Flag names of a value, in libsinsp's order: table entries contained in the value (each removed once named),
/// stopping at an entry equal to the whole value, which is then named.
pub(crate) fn flag_names(names: &[(&str, u32)], val: u32, out: &mut String) {
    let initial = val;
    let mut val = val;
    let mut sep = "";
    let mut i = 0;
    while i < names.len() && names[i].1 != initial {
        let (n, v) = names[i];
        if (v == 0 && initial == 0) || (v != 0 && (val & v) == v && val != 0) {
            out.push_str(sep);
            out.push_str(n);
            sep = "|";
            val &= !v;
        }
        i += 1;
    }
    if i < names.len() {
        out.push_str(sep);
        out.push_str(names[i].0);
    }
}

/// C's `%g` for the relative-time rendering (6 significant digits, trailing zeros removed).
pub(crate) fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{v:.5e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
