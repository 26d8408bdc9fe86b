//! Upstream's own expectations for these captures (falcosecurity/libs `test/libsinsp_e2e/ipv6.cpp`, restated in
//! the fixture README): socket fields of the IPv6 connections, on every matching event.

use std::net::IpAddr;
use std::path::PathBuf;

use bulwark_runtime::event::{Event, Schema, Value};
use bulwark_runtime::scap::CaptureSource;
use bulwark_runtime::syscall::SyscallSchema;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/scap")
}

fn s(v: &Value<'_>) -> String {
    match v {
        Value::Missing => "<NA>".into(),
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Ip(ip) => ip.to_string(),
        other => format!("{other:?}"),
    }
}

/// Is `v` an address inside `net` (`addr/len`)?
fn in_net(v: &Value<'_>, net: &str) -> bool {
    let Value::Ip(IpAddr::V6(a)) = v else {
        return false;
    };
    let (base, len) = net.split_once('/').unwrap();
    let base: std::net::Ipv6Addr = base.parse().unwrap();
    let len: u32 = len.parse().unwrap();
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    u128::from(*a) & mask == u128::from(base) & mask
}

/// Picks events by their field values.
type Select<'a> = &'a dyn Fn(&dyn Fn(&str) -> Value<'static>) -> bool;

const TYPES: &[&str] = &[
    "socket", "connect", "recvfrom", "sendto", "close", "accept", "bind", "read", "write", "poll",
];

/// Every event of `capture` passing ipv6.cpp's filter plus `select`, as field name -> value.
fn events(capture: &str, select: Select<'_>) -> Vec<Vec<(String, Value<'static>)>> {
    const F: &[&str] = &[
        "evt.type",
        "evt.num",
        "fd.type",
        "fd.typechar",
        "fd.sockfamily",
        "fd.name",
        "fd.cip",
        "fd.sip",
        "fd.cport",
        "fd.sport",
        "fd.l4proto",
        "fd.is_server",
        "fd.lip",
        "fd.rip",
        "fd.lport",
        "fd.rport",
        "fd.net",
        "fd.cnet",
        "fd.snet",
        "fd.ip",
        "thread.tid",
        "proc.pid",
        "proc.name",
        "evt.dir",
    ];
    let schema = SyscallSchema;
    let fields: Vec<_> = F.iter().map(|f| schema.resolve(f, None).unwrap()).collect();
    let mut out = Vec::new();
    let mut src = CaptureSource::open(&dir().join(capture)).unwrap();
    src.run_events(&mut |e| {
        let row: Vec<(String, Value<'static>)> = F
            .iter()
            .zip(&fields)
            .map(|(n, f)| {
                let v = match e.extract(f) {
                    Value::Str(c) => Value::Str(std::borrow::Cow::Owned(c.into_owned())),
                    Value::Missing => Value::Missing,
                    Value::Int(i) => Value::Int(i),
                    Value::Bool(b) => Value::Bool(b),
                    Value::Ip(i) => Value::Ip(i),
                    other => Value::string(format!("{other:?}")),
                };
                ((*n).to_string(), v)
            })
            .collect();
        let get = |k: &str| {
            row.iter()
                .find(|(n, _)| n == k)
                .map_or(Value::Missing, |(_, v)| v.clone())
        };
        let ty = s(&get("fd.type"));
        if TYPES.contains(&s(&get("evt.type")).as_str())
            && !matches!(ty.as_str(), "file" | "unix" | "pipe" | "<NA>")
            && select(&get)
        {
            out.push(row);
        }
    })
    .unwrap();
    out
}

fn get<'a>(row: &'a [(String, Value<'static>)], k: &str) -> &'a Value<'static> {
    &row.iter().find(|(n, _)| n == k).unwrap().1
}

struct Conn {
    cip: &'static str,
    cport: i64,
    sip: &'static str,
    sport: i64,
    l4: &'static str,
    cnet: &'static str,
    snet: &'static str,
    is_server: bool,
    local_remote: bool,
}

fn check(capture: &str, select: Select<'_>, c: &Conn) {
    let rows = events(capture, select);
    assert!(!rows.is_empty(), "{capture}: no matching events");
    let mut connected = 0;
    for r in &rows {
        let at = format!("{capture} evt {}", s(get(r, "evt.num")));
        assert_eq!(s(get(r, "fd.type")), "ipv6", "{at}");
        assert_eq!(s(get(r, "fd.typechar")), "6", "{at}");
        assert_eq!(s(get(r, "fd.sockfamily")), "ip", "{at}");
        let name = s(get(r, "fd.name"));
        if !name.contains("->") {
            continue;
        }
        connected += 1;
        assert_eq!(
            name,
            format!("{}:{}->{}:{}", c.cip, c.cport, c.sip, c.sport),
            "{at}"
        );
        assert_eq!(s(get(r, "fd.cip")), c.cip, "{at}");
        assert_eq!(s(get(r, "fd.sip")), c.sip, "{at}");
        assert_eq!(get(r, "fd.cport"), &Value::Int(c.cport), "{at}");
        assert_eq!(get(r, "fd.sport"), &Value::Int(c.sport), "{at}");
        assert_eq!(s(get(r, "fd.l4proto")), c.l4, "{at}");
        assert!(in_net(get(r, "fd.cnet"), c.cnet), "{at}: fd.cnet");
        assert!(in_net(get(r, "fd.snet"), c.snet), "{at}: fd.snet");
        assert!(
            in_net(get(r, "fd.net"), c.cnet) || in_net(get(r, "fd.net"), c.snet),
            "{at}: fd.net"
        );
        assert_eq!(get(r, "fd.is_server"), &Value::Bool(c.is_server), "{at}");
        if c.local_remote {
            assert_eq!(s(get(r, "fd.lip")), c.cip, "{at}");
            assert_eq!(s(get(r, "fd.rip")), c.sip, "{at}");
            assert_eq!(get(r, "fd.lport"), &Value::Int(c.cport), "{at}");
            assert_eq!(get(r, "fd.rport"), &Value::Int(c.sport), "{at}");
        }
    }
    assert!(connected > 0, "{capture}: never connected");
}

#[test]
fn curl_google_dns_over_udp() {
    check(
        "curl_google.scap",
        &|g| g("thread.tid") == Value::Int(17498),
        &Conn {
            cip: "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e",
            cport: 40251,
            sip: "2001:4860:4860::8888",
            sport: 53,
            l4: "udp",
            cnet: "2600:1f18:262c:6542::/64",
            snet: "2001:4860:4860::/64",
            is_server: false,
            local_remote: true,
        },
    );
}

#[test]
fn curl_google_http_over_tcp() {
    check(
        "curl_google.scap",
        &|g| g("thread.tid") == Value::Int(17497),
        &Conn {
            cip: "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e",
            cport: 37140,
            sip: "2607:f8b0:4004:802::2004",
            sport: 80,
            l4: "tcp",
            cnet: "2600:1f18:262c:6542::/64",
            snet: "2607:f8b0:4004:802::/64",
            is_server: false,
            local_remote: true,
        },
    );
}

fn single(pid: i64, is_server: bool) {
    check(
        "single_ipv6_conn.scap",
        &|g| g("proc.pid") == Value::Int(pid),
        &Conn {
            cip: "2001:db8::4",
            cport: 54405,
            sip: "2001:db8::3",
            sport: 1234,
            l4: "tcp",
            cnet: "2001:db8::/64",
            snet: "2001:db8::/64",
            is_server,
            local_remote: false,
        },
    );
}

#[test]
fn single_ipv6_conn_client() {
    single(25888, false);
}

#[test]
fn single_ipv6_conn_server() {
    single(25886, true);
}

#[test]
fn test_ipv6_client_send_names() {
    let rows = events("test_ipv6_client.scap", &|g| {
        g("proc.name") == Value::str("test_ipv6_clien").clone()
            && matches!(s(&g("evt.type")).as_str(), "sendto" | "send")
            && s(&g("evt.dir")) == "<"
    });
    let names: Vec<String> = rows.iter().map(|r| s(get(r, "fd.name"))).collect();
    assert_eq!(
        names,
        [
            "::1:0->::1:2345",
            "::1:38255->::1:2345",
            "::1:38255->2001:4860:4860::8888:53",
            "::1:38255->::1:2345"
        ]
    );
}
