//! Captures built here from the block and event layouts of libscap's savefile format (scap_savefile.h) and the
//! event numbers of `enum ppm_event_code` (e5c53d64), to exercise what the four real captures do not contain:
//! V2 event blocks with fewer parameters than the table, EVF blocks (flags before the header), large-payload
//! blocks (u32 parameter lengths), IPv4 sockets, `openat` relative to a directory fd, execve with cgroups, and a
//! container event.

use std::io::Cursor;

use bulwark_runtime::event::{Event, Schema, Value};
use bulwark_runtime::scap::CaptureSource;
use bulwark_runtime::syscall::SyscallSchema;

fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
    let pad = (4 - body.len() % 4) % 4;
    let total = (12 + body.len() + pad) as u32;
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.extend(std::iter::repeat_n(0u8, pad));
    out.extend_from_slice(&total.to_le_bytes());
}

fn shb(out: &mut Vec<u8>) {
    let mut b = Vec::new();
    b.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&(-1i64).to_le_bytes());
    block(out, 0x0A0D_0D0A, &b);
}

/// One event in a V2 block: `EV_V2` (0x216), `EVF_V2` (0x217, with flags) or `EV_V2_LARGE` (0x221, u32 lengths).
fn event(out: &mut Vec<u8>, block_ty: u32, ts: u64, tid: i64, ty: u16, params: &[Vec<u8>]) {
    let large = block_ty == 0x221;
    let lsz = if large { 4 } else { 2 };
    let mut b = Vec::new();
    b.extend_from_slice(&1u16.to_le_bytes()); // cpu
    if block_ty == 0x217 {
        b.extend_from_slice(&0u32.to_le_bytes());
    }
    let len = 26 + params.len() * lsz + params.iter().map(Vec::len).sum::<usize>();
    b.extend_from_slice(&ts.to_le_bytes());
    b.extend_from_slice(&tid.to_le_bytes());
    b.extend_from_slice(&(len as u32).to_le_bytes());
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&(params.len() as u32).to_le_bytes());
    for p in params {
        if large {
            b.extend_from_slice(&(p.len() as u32).to_le_bytes());
        } else {
            b.extend_from_slice(&(p.len() as u16).to_le_bytes());
        }
    }
    for p in params {
        b.extend_from_slice(p);
    }
    block(out, block_ty, &b);
}

fn i64p(v: i64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn u32p(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn u64p(v: u64) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}
fn strp(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}
fn tuple4(s: [u8; 4], sp: u16, d: [u8; 4], dp: u16) -> Vec<u8> {
    let mut v = vec![2u8];
    v.extend_from_slice(&s);
    v.extend_from_slice(&sp.to_le_bytes());
    v.extend_from_slice(&d);
    v.extend_from_slice(&dp.to_le_bytes());
    v
}

const ID: &str = "3f4b5d2a9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
const TID: i64 = 4242;

fn capture() -> Vec<u8> {
    let mut c = Vec::new();
    shb(&mut c);
    let mut ts = 1_700_000_000_000_000_000u64;
    let mut ev = |c: &mut Vec<u8>, bt: u32, ty: u16, p: Vec<Vec<u8>>| {
        ts += 1000;
        event(c, bt, ts, TID, ty, &p);
    };
    // execve exit (PPME_SYSCALL_EXECVE_19_X = 293) with 15 of its 20 parameters, up to cgroups.
    let cg = format!("cpuset=/kubepods/besteffort/pod1/{ID}\0cpu=/kubepods/besteffort/pod1/{ID}\0");
    ev(&mut c, 0x216, 292, vec![strp("/usr/bin/cat")]);
    ev(
        &mut c,
        0x216,
        293,
        vec![
            i64p(0),
            strp("/usr/bin/cat"),
            b"/etc/passwd\0".to_vec(),
            i64p(TID),
            i64p(TID),
            i64p(1),
            strp("/root"),
            u64p(1024),
            u64p(0),
            u64p(0),
            u32p(0),
            u32p(0),
            u32p(0),
            strp("cat"),
            cg.into_bytes(),
        ],
    );
    // A container event with u32 parameter lengths (PPME_CONTAINER_JSON_2_E = 324, EF_LARGE_PAYLOAD).
    let json = format!(
        r#"{{"container":{{"id":"{}","full_id":"{ID}","type":7,"name":"web","image":"nginx:1.25","imagerepo":"nginx","imagetag":"1.25","imagedigest":"sha256:0123","privileged":true,"labels":{{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"shop"}}}}}}"#,
        &ID[..12]
    );
    ev(&mut c, 0x221, 324, vec![strp(&json)]);
    // openat(AT_FDCWD, "/etc", O_DIRECTORY|O_RDONLY) = 4, then openat(4, "passwd", O_RDONLY) = 5.
    ev(
        &mut c,
        0x216,
        306,
        vec![i64p(-100), strp("/etc"), u32p(1 | 1 << 10), u32p(0)],
    );
    ev(
        &mut c,
        0x216,
        307,
        vec![
            i64p(4),
            i64p(-100),
            strp("/etc"),
            u32p(1 | 1 << 10),
            u32p(0),
            u32p(0),
        ],
    );
    ev(
        &mut c,
        0x216,
        306,
        vec![i64p(4), strp("passwd"), u32p(1), u32p(0)],
    );
    ev(
        &mut c,
        0x216,
        307,
        vec![i64p(5), i64p(4), strp("passwd"), u32p(1), u32p(0), u32p(0)],
    );
    // read(5) in EVF_V2 blocks (flags before the header).
    ev(&mut c, 0x217, 6, vec![i64p(5), u32p(64)]);
    ev(&mut c, 0x217, 7, vec![i64p(11), b"root:x:0:0\n".to_vec()]);
    // socket(AF_INET, SOCK_STREAM, 0) = 3; connect(3, 93.184.216.34:443).
    ev(&mut c, 0x216, 18, vec![u32p(2), u32p(1), u32p(0)]);
    ev(&mut c, 0x216, 19, vec![i64p(3)]);
    let mut addr = vec![2u8, 93, 184, 216, 34];
    addr.extend_from_slice(&443u16.to_le_bytes());
    ev(&mut c, 0x216, 22, vec![i64p(3), addr]);
    ev(
        &mut c,
        0x216,
        23,
        vec![
            i64p(0),
            tuple4([10, 0, 0, 7], 40000, [93, 184, 216, 34], 443),
        ],
    );
    // close(5).
    ev(&mut c, 0x216, 4, vec![i64p(5)]);
    ev(&mut c, 0x216, 5, vec![i64p(0)]);
    ev(&mut c, 0x216, 6, vec![i64p(5), u32p(64)]);
    // openat(AT_FDCWD, "x.sh", O_WRONLY|O_CREAT, 0755) = 6, created by the call (PPM_O_F_CREATED).
    ev(
        &mut c,
        0x216,
        306,
        vec![i64p(-100), strp("x.sh"), u32p(2 | 4), u32p(0o755)],
    );
    ev(
        &mut c,
        0x216,
        307,
        vec![
            i64p(6),
            i64p(-100),
            strp("x.sh"),
            u32p(2 | 4 | 1 << 14),
            u32p(0o755),
            u32p(0),
        ],
    );
    // memfd_create (a newer event, PPME_SYSCALL_MEMFD_CREATE_X = 405 in libs after 2022) = 7.
    ev(&mut c, 0x216, 404, vec![]);
    ev(&mut c, 0x216, 405, vec![i64p(7), strp("payload"), u32p(0)]);
    // An unknown block between events, skipped.
    block(&mut c, 0x7777, b"skip me");
    c
}

fn fields(names: &[&str]) -> Vec<Vec<(String, String)>> {
    let schema = SyscallSchema;
    let fs: Vec<_> = names
        .iter()
        .map(|n| match n.split_once('[') {
            Some((a, b)) => schema.resolve(a, Some(b.trim_end_matches(']'))).unwrap(),
            None => schema.resolve(n, None).unwrap(),
        })
        .collect();
    let mut out = Vec::new();
    let mut src =
        CaptureSource::from_reader(Box::new(Cursor::new(capture())), "synthetic.scap", 1 << 30)
            .unwrap();
    src.run_events(&mut |e| {
        let mut row = vec![("info".to_string(), e.info())];
        for (n, f) in names.iter().zip(&fs) {
            let v = match e.extract(f) {
                Value::Missing => "<NA>".to_string(),
                Value::Str(s) => s.into_owned(),
                Value::Int(i) => i.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Ip(ip) => ip.to_string(),
                other => format!("{other:?}"),
            };
            row.push(((*n).to_string(), v));
        }
        out.push(row);
    })
    .unwrap();
    let s = src.summary();
    assert_eq!(s.blocks.get("EVF_V2"), Some(&2));
    assert_eq!(s.blocks.get("EV_V2_LARGE"), Some(&1));
    assert_eq!(s.blocks.get("unknown"), Some(&1));
    out
}

fn at<'a>(rows: &'a [Vec<(String, String)>], i: usize, f: &str) -> &'a str {
    &rows[i].iter().find(|(n, _)| n == f).unwrap().1
}

#[test]
fn synthetic_capture() {
    let rows = fields(&[
        "evt.type",
        "evt.dir",
        "proc.name",
        "proc.exe",
        "proc.args",
        "proc.cwd",
        "container.id",
        "container.image",
        "container.name",
        "k8s.pod.name",
        "k8s.ns.name",
        "fd.name",
        "fd.type",
        "fd.num",
        "evt.is_open_read",
        "fd.directory",
        "fd.filename",
        "fd.l4proto",
        "fd.sip",
        "fd.sport",
        "fd.cip",
        "fd.lip",
        "evt.buffer",
        "evt.rawres",
        "evt.arg.flags",
        "fd.is_server",
        "evt.arg[1]",
        "evt.is_open_exec",
        "evt.is_open_create",
        "evt.is_open_write",
        "evt.arg.mode",
        "evt.arg.name",
        "fs.path.name",
        "fs.path.nameraw",
        "fd.containername",
        "proc.fdopencount",
        "proc.nthreads",
        "evt.reltime",
        "evt.latency",
    ]);
    assert_eq!(rows.len(), 20);
    // execve exit.
    assert_eq!(at(&rows, 1, "proc.name"), "cat");
    assert_eq!(at(&rows, 1, "proc.exe"), "/usr/bin/cat");
    assert_eq!(at(&rows, 1, "proc.args"), "/etc/passwd");
    assert_eq!(at(&rows, 1, "proc.cwd"), "/root/");
    assert_eq!(at(&rows, 1, "container.id"), &ID[..12]);
    // After the container event, the process has its metadata.
    assert_eq!(at(&rows, 3, "container.image"), "nginx:1.25");
    assert_eq!(at(&rows, 3, "container.name"), "web");
    assert_eq!(at(&rows, 3, "k8s.pod.name"), "web-1");
    assert_eq!(at(&rows, 3, "k8s.ns.name"), "shop");
    assert_eq!(at(&rows, 2, "evt.type"), "container");
    // openat of the directory, then of a path relative to it.
    assert_eq!(at(&rows, 4, "fd.type"), "directory");
    assert_eq!(at(&rows, 6, "fd.name"), "/etc/passwd");
    assert_eq!(at(&rows, 6, "fd.num"), "5");
    assert_eq!(at(&rows, 6, "evt.is_open_read"), "true");
    assert_eq!(at(&rows, 6, "fd.directory"), "/etc");
    assert_eq!(at(&rows, 6, "fd.filename"), "passwd");
    assert_eq!(at(&rows, 6, "evt.arg.flags"), "O_RDONLY");
    assert_eq!(
        at(&rows, 6, "info"),
        "fd=5(<f>/etc/passwd) dirfd=4(<d>/etc) name=passwd(/etc/passwd) flags=1(O_RDONLY) mode=0 dev=0 "
    );
    assert_eq!(at(&rows, 6, "fs.path.name"), "/etc/passwd");
    assert_eq!(at(&rows, 6, "fs.path.nameraw"), "passwd");
    assert_eq!(
        at(&rows, 6, "fd.containername"),
        format!("{}:/etc/passwd", &ID[..12])
    );
    assert_eq!(at(&rows, 6, "proc.fdopencount"), "2");
    assert_eq!(at(&rows, 6, "proc.nthreads"), "1");
    assert_eq!(at(&rows, 6, "evt.reltime"), "6000");
    assert_eq!(at(&rows, 6, "evt.latency"), "1000");
    assert_eq!(at(&rows, 5, "evt.latency"), "0");
    // read in EVF blocks.
    assert_eq!(at(&rows, 7, "fd.name"), "/etc/passwd");
    assert_eq!(
        at(&rows, 8, "evt.buffer"),
        "Bytes([114, 111, 111, 116, 58, 120, 58, 48, 58, 48, 10])"
    );
    assert_eq!(at(&rows, 8, "evt.rawres"), "11");
    assert_eq!(at(&rows, 8, "info"), "res=11 data=root:x:0:0. ");
    // IPv4 connect.
    assert_eq!(at(&rows, 10, "info"), "fd=3(<4>) ");
    assert_eq!(at(&rows, 11, "info"), "fd=3(<4>) addr=93.184.216.34:443 ");
    assert_eq!(
        at(&rows, 12, "info"),
        "res=0 tuple=10.0.0.7:40000->93.184.216.34:443 "
    );
    assert_eq!(
        at(&rows, 12, "fd.name"),
        "10.0.0.7:40000->93.184.216.34:443"
    );
    assert_eq!(at(&rows, 12, "fd.l4proto"), "tcp");
    assert_eq!(at(&rows, 12, "fd.sip"), "93.184.216.34");
    assert_eq!(at(&rows, 12, "fd.sport"), "443");
    assert_eq!(at(&rows, 12, "fd.cip"), "10.0.0.7");
    assert_eq!(at(&rows, 12, "fd.lip"), "10.0.0.7");
    assert_eq!(at(&rows, 12, "fd.is_server"), "false");
    // close: the exit still sees the fd; afterwards it is gone.
    assert_eq!(at(&rows, 14, "fd.name"), "/etc/passwd");
    assert_eq!(at(&rows, 15, "fd.name"), "<NA>");
    assert_eq!(at(&rows, 15, "info"), "fd=5 size=64 ");
    // A created executable file, relative to the working directory.
    assert_eq!(at(&rows, 17, "fd.name"), "/root/x.sh");
    assert_eq!(at(&rows, 17, "evt.is_open_exec"), "true");
    assert_eq!(at(&rows, 17, "evt.is_open_create"), "true");
    assert_eq!(at(&rows, 17, "evt.is_open_write"), "true");
    assert_eq!(at(&rows, 17, "evt.is_open_read"), "false");
    assert_eq!(at(&rows, 17, "evt.arg.mode"), "0755");
    // evt.arg of a relative path is the resolved one.
    assert_eq!(at(&rows, 17, "evt.arg.name"), "/root/x.sh");
    assert_eq!(at(&rows, 6, "evt.is_open_exec"), "false");
    assert_eq!(at(&rows, 19, "evt.type"), "memfd_create");
    assert_eq!(at(&rows, 19, "fd.name"), "memfd:payload");
    assert_eq!(at(&rows, 19, "fd.type"), "memfd");
    assert_eq!(
        at(&rows, 19, "info"),
        "fd=7(<?>memfd:payload) name=payload flags=0 "
    );
    assert_eq!(at(&rows, 6, "evt.is_open_create"), "false");
}
