//! Probe targets: an address, host:port, or CIDR; more than 256 addresses need `force`.

use bulwark_node::probe::{Target, parse_targets};

fn t(host: &str, port: Option<u16>) -> Target {
    Target {
        host: host.into(),
        port,
    }
}

#[test]
fn address_host_port_and_names() {
    assert_eq!(
        parse_targets("10.0.0.7", false).unwrap(),
        [t("10.0.0.7", None)]
    );
    assert_eq!(
        parse_targets("10.0.0.7:10250", false).unwrap(),
        [t("10.0.0.7", Some(10250))]
    );
    assert_eq!(
        parse_targets("[::1]:2379", false).unwrap(),
        [t("::1", Some(2379))]
    );
    assert_eq!(parse_targets("::1", false).unwrap(), [t("::1", None)]);
    assert_eq!(
        parse_targets("node-1.local:10255", false).unwrap(),
        [t("node-1.local", Some(10255))]
    );
    assert_eq!(parse_targets("node-1", false).unwrap(), [t("node-1", None)]);
    for bad in [
        "",
        "10.0.0.7:99999",
        "a b",
        "10.0.0.7/33",
        "x/24",
        "10.0.0.0/abc",
        "host:port",
    ] {
        assert!(parse_targets(bad, false).is_err(), "{bad}");
    }
}

#[test]
fn cidr_expands_and_a_slash_24_is_the_limit() {
    let v = parse_targets("192.168.1.77/30", false).unwrap();
    let hosts: Vec<&str> = v.iter().map(|t| t.host.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "192.168.1.76",
            "192.168.1.77",
            "192.168.1.78",
            "192.168.1.79"
        ]
    );
    let v = parse_targets("10.1.2.3/24", false).unwrap();
    assert_eq!(v.len(), 256);
    assert_eq!(v[0].host, "10.1.2.0");
    assert_eq!(v[255].host, "10.1.2.255");
    assert_eq!(
        parse_targets("10.1.2.3/32", false).unwrap(),
        [t("10.1.2.3", None)]
    );
    assert_eq!(parse_targets("fd00::1/120", false).unwrap().len(), 256);
    let e = parse_targets("10.1.0.0/23", false).unwrap_err().to_string();
    assert!(e.contains("512 addresses") && e.contains("--force"), "{e}");
    let e = parse_targets("fd00::/64", false).unwrap_err().to_string();
    assert!(e.contains("--force"), "{e}");
    assert_eq!(parse_targets("10.1.0.0/23", true).unwrap().len(), 512);
    assert_eq!(parse_targets("10.1.0.0/16", true).unwrap().len(), 65536);
    for huge in ["10.0.0.0/15", "0.0.0.0/0", "fd00::/64", "::/0"] {
        let e = parse_targets(huge, true).unwrap_err().to_string();
        assert!(e.contains("even with --force"), "{huge}: {e}");
    }
}
