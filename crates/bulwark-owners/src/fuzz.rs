//! The body of the `owners_yaml` fuzz target, here so that the unit tests run it too (over truncations and
//! byte flips of the example files) and it cannot rot between fuzz runs.

use std::collections::BTreeMap;

use crate::{
    Error, FindingContext, ImageContext, LayerContext, WorkloadContext, parse_bytes, route,
};

/// Loads `data` as owners.yaml and routes a few findings through it, checking that every problem has a line
/// inside the file and every route names a defined team and a rule line.
#[doc(hidden)]
pub fn parse_and_route(data: &[u8]) {
    let lines = crate::load::yaml_lines(data);
    let o = match parse_bytes(data, "fuzz.yaml") {
        Ok(o) => o,
        Err(Error::Invalid(problems)) => {
            assert!(!problems.is_empty());
            for p in problems {
                assert!(p.line >= 1 && p.line <= lines, "{p} outside 1..={lines}");
            }
            return;
        }
        Err(e) => panic!("parse_bytes does no I/O: {e}"),
    };
    for r in &o.rules {
        assert!(o.teams.contains_key(&r.team), "undefined team {}", r.team);
    }
    let text = String::from_utf8_lossy(data);
    let map: BTreeMap<String, String> = [
        ("app", "checkout"),
        ("tier", "web"),
        ("bulwark.dev/owner", "platform"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let some_text = Some(&*text);
    let contexts = [
        FindingContext::default(),
        FindingContext {
            purl: Some("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"),
            layer: Some(LayerContext {
                index: 0,
                digest: Some("sha256:0123"),
                created_by: Some("debootstrap --variant=minbase bookworm"),
                in_base: Some(true),
            }),
            image: ImageContext {
                reference: Some("registry.example.com/payments/api:1.2@sha256:ab"),
                digest: Some("sha256:ab"),
                base_name: Some("debian:bookworm@sha256:cd"),
                base_digest: Some("sha256:cd"),
            },
            workload: WorkloadContext {
                namespace: Some("shop-eu"),
                labels: Some(&map),
                annotations: None,
            },
        },
        // The input itself as every string: patterns written in it get a chance to match.
        FindingContext {
            purl: some_text,
            layer: Some(LayerContext {
                index: 3,
                digest: some_text,
                created_by: some_text,
                in_base: Some(true),
            }),
            image: ImageContext {
                reference: some_text,
                digest: some_text,
                base_name: some_text,
                base_digest: some_text,
            },
            workload: WorkloadContext {
                namespace: some_text,
                labels: None,
                annotations: Some(&map),
            },
        },
    ];
    for cx in &contexts {
        if let Some(r) = route(&o, cx) {
            assert!(
                o.teams.contains_key(&r.team),
                "routed to undefined team {}",
                r.team
            );
            assert!(r.rule.line >= 1 || r.rule.file == "workload");
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every truncation and a sweep of byte substitutions of a file that uses every key: no panic, and every
    /// problem at a line inside the input (the fuzz target's checks).
    #[test]
    fn mutations_of_a_full_file() {
        let full = "teams:\n  platform:\n    description: Base images\n    contacts: [a@example.com]\n    escalateTo: sre\n    channels:\n      - {type: slack, url: 'https://hooks.slack.example/T1'}\n  sre: {}\n  payments: ~\n\
                    defaultTeam: sre\n\
                    rules:\n  - {team: platform, baseImage: 'sha256:cd'}\n  - {team: platform, baseImage: 'debian:bookworm'}\n  - {team: platform, createdBy: 'debootstrap *'}\n\
                    \x20 - {team: payments, registry: 'registry.example.com/payments/**'}\n  - {team: payments, purl: 'pkg:deb/debian/openssl*'}\n\
                    \x20 - {team: sre, labels: {app: checkout, tier: 'w?b'}}\n  - {team: sre, annotations: {team: x}}\n  - {team: sre, namespace: 'shop-*'}\n";
        let bytes = full.as_bytes();
        super::parse_and_route(bytes);
        // Found by the fuzzer: a lone key with no value and no newline was reported on line 2.
        super::parse_and_route(b"? ");
        super::parse_and_route(b"teams:\n  a:");
        // Lone CRs are line breaks to YAML: the error on line 3 of `\r\r-4` is inside the file.
        super::parse_and_route(b"\r\r-4");
        assert_eq!(crate::load::yaml_lines(b"a\r\nb\rc\nd"), 4);
        for end in 0..bytes.len() {
            super::parse_and_route(&bytes[..end]);
        }
        let subst = [
            b'[', b'{', b':', b'-', b'\n', b' ', b'*', b'\\', b'\'', b'"', b'&', b'!', 0xff,
        ];
        for i in 0..bytes.len() {
            for &b in &subst {
                let mut m = bytes.to_vec();
                m[i] = b;
                super::parse_and_route(&m);
            }
        }
    }
}
