//! Helpers shared by rules.

use crate::model::{Container, ContainerClass, PodView};
use crate::rule::{Cx, describe};
use crate::yaml::NodeId;

/// The pod template of the object being checked (rules with `Targets::Workloads` always have one).
pub(crate) fn pod<'a>(cx: &Cx<'a, '_>) -> Option<&'a PodView> {
    cx.obj.pod.as_ref()
}

/// A container's `securityContext` field as a boolean.
pub(crate) fn sc_flag(cx: &mut Cx<'_, '_>, c: &Container, key: &str) -> Option<(NodeId, bool)> {
    cx.flag(c.security_context, key)
}

/// Where to point for a container whose `securityContext` (or a field in it) is missing: the
/// `securityContext:` key if present, else the container's `name:`.
pub(crate) fn sc_anchor(cx: &Cx<'_, '_>, c: &Container) -> NodeId {
    cx.doc
        .get_entry(c.node, "securityContext")
        .map_or(c.anchor, |(k, _)| k)
}

/// Strings of a list field (non-strings skipped), with their nodes.
pub(crate) fn strings<'o>(
    cx: &mut Cx<'_, 'o>,
    map: Option<NodeId>,
    key: &str,
) -> Vec<(NodeId, &'o str)> {
    let Some((_, items)) = cx.list(map, key) else {
        return Vec::new();
    };
    let doc = cx.doc;
    items
        .iter()
        .filter_map(|&i| doc.text(i).map(|t| (i, t)))
        .collect()
}

/// `capabilities.add` / `capabilities.drop` of a container.
pub(crate) fn capabilities<'o>(
    cx: &mut Cx<'_, 'o>,
    c: &Container,
    key: &str,
) -> Vec<(NodeId, &'o str)> {
    let caps = cx.map(c.security_context, "capabilities").map(|(_, m)| m);
    strings(cx, caps, key)
}

/// Reports regular and init containers without `resources.<section>.cpu` or `.memory` (the limits and requests
/// rules differ only in the section), at `<section>:` when present, else `resources:`, else the container.
pub(crate) fn missing_resources(cx: &mut Cx<'_, '_>, section: &str, noun: &str) {
    let Some(pod) = pod(cx) else { return };
    for c in &pod.containers {
        if c.class == ContainerClass::Ephemeral {
            continue;
        }
        let res = cx.map(Some(c.node), "resources").map(|(_, m)| m);
        let sect = cx.map(res, section);
        let m = sect.map(|(_, m)| m);
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|k| m.and_then(|m| cx.doc.get(m, k)).is_none())
            .collect();
        if !missing.is_empty() {
            let at = sect
                .map(|(k, _)| k)
                .or_else(|| cx.doc.get_entry(c.node, "resources").map(|(k, _)| k))
                .unwrap_or(c.anchor);
            cx.report(
                at,
                format!("{} has no {} {noun}", describe(c), missing.join(" or ")),
            );
        }
    }
}

/// Capabilities the Pod Security Standards baseline lets a container add (`check_capabilities_baseline.go`); any
/// other is "beyond the default set". Shared by `non-default-capabilities` and the SCC rules.
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Whether a name (an environment variable's, a ConfigMap key) suggests a credential: after dropping `_`, `-`
/// and `.` and ignoring case, it contains `PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `APIKEY`, `ACCESSKEY`,
/// `PRIVATEKEY` or `CREDENTIAL` — so `DB_PASSWORD`, `api-key`, `apiKey` and `aws.access_key` all do — unless
/// its words say the value is about the credential rather than the credential itself: it ends in a word that
/// names a place, a command, a person or an object (`_FILE`, `_PATH`, `_DIR`, `_URL`, `_URI`, `_CMD`, `_COMMAND`,
/// `_USER`, `_USERNAME`, `_NAME`: `POSTGRES_PASSWORD_FILE`, `REGISTRY_CREDENTIAL_USERNAME`, `TLS_SECRET_NAME`), or has a word that makes it a switch
/// or a number (`ALLOW`, `ENABLE`, `DISABLE`, `REQUIRE`, `NUM`, `COUNT`, `LENGTH`, `TTL`: `ALLOW_EMPTY_PASSWORD`,
/// `CASSANDRA_NUM_TOKENS`). Words are split at `_`, `-`, `.` and lower-to-upper case changes. One classification
/// for `secret-in-env-value` and `secret-in-config-map`.
pub(crate) fn secret_like_name(name: &str) -> bool {
    const HINTS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "ACCESSKEY",
        "PRIVATEKEY",
        "CREDENTIAL",
    ];
    const NOT_THE_VALUE_LAST: &[&str] = &[
        "FILE", "PATH", "DIR", "URL", "URI", "CMD", "COMMAND", "USER", "USERNAME", "NAME",
    ];
    const NOT_THE_VALUE_ANY: &[&str] = &[
        "ALLOW", "ENABLE", "ENABLED", "DISABLE", "DISABLED", "REQUIRE", "REQUIRED", "NUM", "COUNT",
        "LENGTH", "TTL",
    ];
    let mut words: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.') {
            words.push(String::new());
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower || words.is_empty() {
            words.push(String::new());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if let Some(w) = words.last_mut() {
            w.push(c.to_ascii_uppercase());
        }
    }
    words.retain(|w| !w.is_empty());
    let folded = words.concat();
    HINTS.iter().any(|h| folded.contains(h))
        && !words
            .last()
            .is_some_and(|w| NOT_THE_VALUE_LAST.contains(&w.as_str()))
        && !words
            .iter()
            .any(|w| NOT_THE_VALUE_ANY.contains(&w.as_str()))
}

/// Whether a value under a secret-like name is a literal credential: not empty, not a `$(VAR)` reference, not a
/// switch (`true`, `false`, `yes`, `no`, `on`, `off`, any case), not an absolute path (a file that holds it).
pub(crate) fn literal_secret_value(v: &str) -> bool {
    let reference = v.starts_with("$(") && v.ends_with(')');
    let switch = ["true", "false", "yes", "no", "on", "off"]
        .iter()
        .any(|b| v.eq_ignore_ascii_case(b));
    !(v.is_empty() || reference || switch || v.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_like_names() {
        for n in [
            "DB_PASSWORD",
            "db-password",
            "apiKey",
            "API_KEY",
            "api.key",
            "aws_access_key_id",
            "GITHUB_TOKEN",
            "client-secret",
            "tls.privateKey",
            "credentials.json",
            "passwd",
        ] {
            assert!(secret_like_name(n), "{n}");
        }
        for n in [
            "LOG_LEVEL",
            "username",
            "api_url",
            "key",
            "PORT",
            "keyspace",
        ] {
            assert!(!secret_like_name(n), "{n}");
        }
    }

    #[test]
    fn literal_values() {
        assert!(literal_secret_value("hunter2"));
        for v in [
            "",
            "$(DB_PASSWORD)",
            "true",
            "False",
            "yes",
            "no",
            "/run/secrets/db",
        ] {
            assert!(!literal_secret_value(v), "{v}");
        }
    }
}
