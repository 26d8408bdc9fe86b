//! The `k8s_audit` field catalog and extraction, with the semantics of the k8saudit plugin's `extract.go`
//! (falcosecurity/plugins, read, not copied) and the json plugin's `jevt.*`/`json.*` fields.
//!
//! Every plugin field is a string (`Value::Str`); list fields yield `Value::List` of strings; a field the event
//! does not have, or a list with no values, is `Value::Missing` (Falco's `<NA>`). Non-string JSON values are
//! printed as compact JSON, as the plugin does (`true`, `101`, `["NET_ADMIN"]`). One difference: objects print
//! their keys sorted (serde_json's map), where the plugin keeps the input's order; this shows only in fields
//! that print whole objects (`ka.req.configmap.obj`, `ka.req.role.rules`, `jevt.obj`, `jevt.value[/obj]`).
//!
//! Plugin quirks kept on purpose, because rules written for Falco rely on Falco's values:
//! - `ka.req.binding.subject.has_name[X]` is always `true`.
//! - `ka.sourceips` reads `requestObject.rules[].sourceIPs` (so it is `<NA>` on real events).
//! - `ka.req.pod.containers.eff_run_as_user`/`eff_run_as_group` read `spec.runAsUser`/`containers[].runAsUser`
//!   (not the `securityContext`s).
//! - `ka.req.volume.hostpath[P]` looks at the first volume only (the SDK's index is 0 for a key argument);
//!   `P*` is a prefix match.
//! - `ka.req.pod.containers.add_capabilities` yields each container's `add` list as one JSON text.
//! - `ka.req.container.image.repository` cuts the image at the first `:` then `@`.

use std::borrow::Cow;

use serde_json::Value as J;

use super::AuditEvent;
use super::parse::civil_from_days;
use crate::event::{Field, FieldArg, FieldType, Schema, Value};

/// The `k8s_audit` source's field catalog.
#[derive(Debug, Default, Clone, Copy)]
pub struct K8sAuditSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgSpec {
    /// No argument.
    None,
    /// An optional numeric index.
    Index,
    /// A required key.
    Key,
}

/// The fields with a fixed name: (name, id, list, argument).
const FIELDS: &[(&str, u32, bool, ArgSpec)] = &[
    ("ka.auditid", AUDITID, false, ArgSpec::None),
    ("ka.stage", STAGE, false, ArgSpec::None),
    ("ka.auth.decision", AUTH_DECISION, false, ArgSpec::None),
    ("ka.auth.reason", AUTH_REASON, false, ArgSpec::None),
    (
        "ka.auth.openshift.decision",
        OPENSHIFT_DECISION,
        false,
        ArgSpec::None,
    ),
    (
        "ka.validations.admission.policy.failure",
        VAP_FAILURE,
        false,
        ArgSpec::None,
    ),
    (
        "ka.security.pod.violations",
        POD_VIOLATIONS,
        false,
        ArgSpec::None,
    ),
    (
        "ka.auth.openshift.username",
        OPENSHIFT_USERNAME,
        false,
        ArgSpec::None,
    ),
    ("ka.user.name", USER_NAME, false, ArgSpec::None),
    ("ka.user.groups", USER_GROUPS, true, ArgSpec::None),
    ("ka.impuser.name", IMPUSER_NAME, false, ArgSpec::None),
    ("ka.verb", VERB, false, ArgSpec::None),
    ("ka.uri", URI, false, ArgSpec::None),
    ("ka.uri.param", URI_PARAM, false, ArgSpec::Key),
    ("ka.target.name", TARGET_NAME, false, ArgSpec::None),
    (
        "ka.target.namespace",
        TARGET_NAMESPACE,
        false,
        ArgSpec::None,
    ),
    ("ka.target.resource", TARGET_RESOURCE, false, ArgSpec::None),
    (
        "ka.target.subresource",
        TARGET_SUBRESOURCE,
        false,
        ArgSpec::None,
    ),
    ("ka.target.pod.name", TARGET_POD_NAME, false, ArgSpec::None),
    (
        "ka.req.binding.subjects",
        BINDING_SUBJECTS,
        true,
        ArgSpec::None,
    ),
    (
        "ka.req.binding.subjects.user_names",
        SUBJECTS_USERS,
        true,
        ArgSpec::None,
    ),
    (
        "ka.req.binding.subjects.serviceaccount_names",
        SUBJECTS_SAS,
        true,
        ArgSpec::None,
    ),
    (
        "ka.req.binding.subjects.serviceaccount_ns_names",
        SUBJECTS_SA_NS,
        true,
        ArgSpec::None,
    ),
    (
        "ka.req.binding.subjects.group_names",
        SUBJECTS_GROUPS,
        true,
        ArgSpec::None,
    ),
    ("ka.req.binding.role", BINDING_ROLE, false, ArgSpec::None),
    (
        "ka.req.binding.subject.has_name",
        SUBJECT_HAS_NAME,
        false,
        ArgSpec::Key,
    ),
    (
        "ka.req.configmap.name",
        CONFIGMAP_NAME,
        false,
        ArgSpec::None,
    ),
    ("ka.req.configmap.obj", CONFIGMAP_OBJ, false, ArgSpec::None),
    (
        "ka.req.container.image",
        CONTAINER_IMAGE,
        false,
        ArgSpec::None,
    ),
    (
        "ka.req.container.image.repository",
        CONTAINER_REPO,
        false,
        ArgSpec::None,
    ),
    ("ka.req.pod.host_ipc", POD_HOST_IPC, false, ArgSpec::None),
    (
        "ka.req.pod.host_network",
        POD_HOST_NETWORK,
        false,
        ArgSpec::None,
    ),
    (
        "ka.req.container.host_network",
        CONTAINER_HOST_NETWORK,
        false,
        ArgSpec::None,
    ),
    ("ka.req.pod.host_pid", POD_HOST_PID, false, ArgSpec::None),
    (
        "ka.req.container.privileged",
        CONTAINER_PRIVILEGED,
        false,
        ArgSpec::None,
    ),
    (
        "ka.req.pod.run_as_user",
        POD_RUN_AS_USER,
        false,
        ArgSpec::None,
    ),
    (
        "ka.req.pod.run_as_group",
        POD_RUN_AS_GROUP,
        false,
        ArgSpec::None,
    ),
    ("ka.req.role.rules", ROLE_RULES, true, ArgSpec::None),
    (
        "ka.req.role.rules.apiGroups",
        RULES_API_GROUPS,
        true,
        ArgSpec::Index,
    ),
    (
        "ka.req.role.rules.nonResourceURLs",
        RULES_NON_RESOURCE_URLS,
        true,
        ArgSpec::Index,
    ),
    ("ka.req.role.rules.verbs", RULES_VERBS, true, ArgSpec::Index),
    (
        "ka.req.role.rules.resources",
        RULES_RESOURCES,
        true,
        ArgSpec::Index,
    ),
    ("ka.req.pod.fs_group", POD_FS_GROUP, false, ArgSpec::None),
    (
        "ka.req.pod.supplemental_groups",
        POD_SUPPLEMENTAL_GROUPS,
        true,
        ArgSpec::None,
    ),
    ("ka.req.service.type", SERVICE_TYPE, false, ArgSpec::None),
    ("ka.req.service.ports", SERVICE_PORTS, true, ArgSpec::Index),
    (
        "ka.req.volume.hostpath",
        VOLUME_HOSTPATH,
        false,
        ArgSpec::Key,
    ),
    (
        "ka.req.pod.volumes.hostpath",
        VOLUMES_HOSTPATH,
        true,
        ArgSpec::Index,
    ),
    (
        "ka.req.pod.volumes.flexvolume_driver",
        VOLUMES_FLEX_DRIVER,
        true,
        ArgSpec::Index,
    ),
    (
        "ka.req.pod.volumes.volume_type",
        VOLUMES_TYPE,
        true,
        ArgSpec::Index,
    ),
    ("ka.resp.name", RESP_NAME, false, ArgSpec::None),
    ("ka.response.code", RESPONSE_CODE, false, ArgSpec::None),
    ("ka.response.reason", RESPONSE_REASON, false, ArgSpec::None),
    ("ka.useragent", USERAGENT, false, ArgSpec::None),
    ("ka.sourceips", SOURCEIPS, true, ArgSpec::Index),
    ("ka.cluster.name", CLUSTER_NAME, false, ArgSpec::None),
    // The json plugin (loaded with k8saudit by Falco's configuration), and its `json.*` names.
    ("jevt.value", JSON_VALUE, false, ArgSpec::Key),
    ("json.value", JSON_VALUE, false, ArgSpec::Key),
    ("jevt.obj", JSON_OBJ, false, ArgSpec::None),
    ("json.obj", JSON_OBJ, false, ArgSpec::None),
    ("jevt.rawtime", JSON_RAWTIME, false, ArgSpec::None),
    ("json.rawtime", JSON_RAWTIME, false, ArgSpec::None),
    // Falco's own json event fields before plugins (engine v4 era rules print them).
    ("jevt.time", TIME, false, ArgSpec::None),
    ("jevt.time.iso8601", TIME_ISO8601, false, ArgSpec::None),
    // Falco's `evt.*` fields that apply to plugin events.
    ("evt.time", TIME, false, ArgSpec::None),
    ("evt.time.iso8601", TIME_ISO8601, false, ArgSpec::None),
    ("evt.rawtime", EVT_RAWTIME, false, ArgSpec::None),
    ("evt.datetime", DATETIME, false, ArgSpec::None),
    ("evt.source", EVT_SOURCE, false, ArgSpec::None),
];

const AUDITID: u32 = 1;
const STAGE: u32 = 2;
const AUTH_DECISION: u32 = 3;
const AUTH_REASON: u32 = 4;
const OPENSHIFT_DECISION: u32 = 5;
const VAP_FAILURE: u32 = 6;
const POD_VIOLATIONS: u32 = 7;
const OPENSHIFT_USERNAME: u32 = 8;
const USER_NAME: u32 = 9;
const USER_GROUPS: u32 = 10;
const IMPUSER_NAME: u32 = 11;
const VERB: u32 = 12;
const URI: u32 = 13;
const URI_PARAM: u32 = 14;
const TARGET_NAME: u32 = 15;
const TARGET_NAMESPACE: u32 = 16;
const TARGET_RESOURCE: u32 = 17;
const TARGET_SUBRESOURCE: u32 = 18;
const TARGET_POD_NAME: u32 = 19;
const BINDING_SUBJECTS: u32 = 20;
const SUBJECTS_USERS: u32 = 21;
const SUBJECTS_SAS: u32 = 22;
const SUBJECTS_SA_NS: u32 = 23;
const SUBJECTS_GROUPS: u32 = 24;
const BINDING_ROLE: u32 = 25;
const SUBJECT_HAS_NAME: u32 = 26;
const CONFIGMAP_NAME: u32 = 27;
const CONFIGMAP_OBJ: u32 = 28;
const CONTAINER_IMAGE: u32 = 29;
const CONTAINER_REPO: u32 = 30;
const POD_HOST_IPC: u32 = 31;
const POD_HOST_NETWORK: u32 = 32;
const CONTAINER_HOST_NETWORK: u32 = 33;
const POD_HOST_PID: u32 = 34;
const CONTAINER_PRIVILEGED: u32 = 35;
const POD_RUN_AS_USER: u32 = 36;
const POD_RUN_AS_GROUP: u32 = 37;
const ROLE_RULES: u32 = 38;
const RULES_API_GROUPS: u32 = 39;
const RULES_NON_RESOURCE_URLS: u32 = 40;
const RULES_VERBS: u32 = 41;
const RULES_RESOURCES: u32 = 42;
const POD_FS_GROUP: u32 = 43;
const POD_SUPPLEMENTAL_GROUPS: u32 = 44;
const SERVICE_TYPE: u32 = 45;
const SERVICE_PORTS: u32 = 46;
const VOLUME_HOSTPATH: u32 = 47;
const VOLUMES_HOSTPATH: u32 = 48;
const VOLUMES_FLEX_DRIVER: u32 = 49;
const VOLUMES_TYPE: u32 = 50;
const RESP_NAME: u32 = 51;
const RESPONSE_CODE: u32 = 52;
const RESPONSE_REASON: u32 = 53;
const USERAGENT: u32 = 54;
const SOURCEIPS: u32 = 55;
const CLUSTER_NAME: u32 = 56;
const JSON_VALUE: u32 = 100;
const JSON_OBJ: u32 = 101;
const JSON_RAWTIME: u32 = 102;
const TIME: u32 = 103;
const TIME_ISO8601: u32 = 104;
const EVT_RAWTIME: u32 = 105;
const DATETIME: u32 = 106;
const EVT_SOURCE: u32 = 107;

/// The pod's container lists with per-container fields (`ka.req.pod.<list>.<field>`).
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
/// The per-container fields; `host_port` (last) is not defined for ephemeral containers, which have no ports.
const CONTAINER_SUBFIELDS: [&str; 15] = [
    "name",
    "image",
    "image.repository",
    "command",
    "args",
    "privileged",
    "allow_privilege_escalation",
    "read_only_fs",
    "run_as_user",
    "eff_run_as_user",
    "run_as_group",
    "eff_run_as_group",
    "proc_mount",
    "add_capabilities",
    "host_port",
];
const CONTAINER_BASE: u32 = 1000;

impl K8sAuditSchema {
    /// Every field name this schema resolves (without arguments), for listing and tests.
    #[must_use]
    pub fn field_names() -> Vec<String> {
        let mut names: Vec<String> = FIELDS.iter().map(|f| f.0.to_string()).collect();
        for (li, list) in CONTAINER_LISTS.iter().enumerate() {
            for (si, sub) in CONTAINER_SUBFIELDS.iter().enumerate() {
                if li == 2 && si == CONTAINER_SUBFIELDS.len() - 1 {
                    continue;
                }
                names.push(format!("ka.req.pod.{list}.{sub}"));
            }
        }
        names
    }
}

fn lookup(name: &str) -> Option<(u32, bool, ArgSpec)> {
    if let Some(f) = FIELDS.iter().find(|f| f.0 == name) {
        return Some((f.1, f.2, f.3));
    }
    for (li, list) in CONTAINER_LISTS.iter().enumerate() {
        let Some(rest) = name
            .strip_prefix("ka.req.pod.")
            .and_then(|r| r.strip_prefix(list))
        else {
            continue;
        };
        let sub = rest.strip_prefix('.')?;
        let si = CONTAINER_SUBFIELDS.iter().position(|s| *s == sub)?;
        if li == 2 && sub == "host_port" {
            return None;
        }
        return Some((
            CONTAINER_BASE + li as u32 * 100 + si as u32,
            true,
            ArgSpec::Index,
        ));
    }
    None
}

impl Schema for K8sAuditSchema {
    fn source(&self) -> &'static str {
        "k8s_audit"
    }

    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<Field, String> {
        let Some((id, list, spec)) = lookup(name) else {
            return Err(format!("unknown field `{name}` for source k8s_audit"));
        };
        let (arg, shown) = match (spec, arg) {
            (ArgSpec::None | ArgSpec::Index, None) => (FieldArg::None, name.to_string()),
            (ArgSpec::None, Some(a)) => {
                return Err(format!("field `{name}` takes no argument (got `[{a}]`)"));
            }
            (ArgSpec::Index, Some(a)) => match a.trim().parse::<u32>() {
                Ok(i) => (FieldArg::Index(i64::from(i)), format!("{name}[{a}]")),
                Err(_) => return Err(format!("field `{name}` takes a numeric index, not `[{a}]`")),
            },
            (ArgSpec::Key, Some(a)) if !a.is_empty() || id == JSON_VALUE => {
                (FieldArg::Key(a.to_string()), format!("{name}[{a}]"))
            }
            (ArgSpec::Key, _) => {
                return Err(format!(
                    "field `{name}` requires an argument, e.g. `{name}[...]`"
                ));
            }
        };
        Ok(Field {
            id,
            name: shown,
            arg,
            ty: FieldType::Str,
            list,
        })
    }
}

/// `HH:MM:SS.nnnnnnnnn` in UTC (Falco's `evt.time`).
#[must_use]
pub fn format_time(ns: i64) -> String {
    crate::time::clock_ns(ns)
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (Falco's `evt.time.iso8601`).
#[must_use]
pub fn format_time_iso8601(ns: i64) -> String {
    crate::time::rfc3339_ns(ns)
}

fn split_time(ns: i64) -> ((i64, i64, i64), i64, i64, i64, i64) {
    let secs = ns.div_euclid(1_000_000_000);
    let n = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    (
        {
            let (y, m, d) = civil_from_days(days);
            (y, i64::from(m), i64::from(d))
        },
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        n,
    )
}

/// A JSON value as the plugin prints it: strings as they are, anything else as compact JSON.
fn text(v: &J) -> Cow<'_, str> {
    match v {
        J::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// fastjson's `Get(key)`: an object's member, or an array's element by decimal index.
fn get_one<'a>(v: &'a J, key: &str) -> Option<&'a J> {
    match v {
        J::Object(m) => m.get(key),
        J::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

fn get_path<'a>(mut v: &'a J, keys: &[&str]) -> Option<&'a J> {
    for k in keys {
        v = get_one(v, k)?;
    }
    Some(v)
}

/// The plugin's `getValuesRecursive`: walks `keys`, fanning out over every array met on the way (or taking
/// element `index` of each); an element without the rest of the path gives `None`. `Err` = not available.
fn values_rec<'a>(
    mut v: &'a J,
    index: Option<usize>,
    keys: &[&str],
) -> Result<Vec<Option<&'a J>>, ()> {
    for (i, k) in keys.iter().enumerate() {
        if let J::Array(arr) = v {
            match index {
                None => {
                    let mut res = Vec::new();
                    for e in arr {
                        match values_rec(e, index, &keys[i..]) {
                            Ok(vals) => res.extend(vals),
                            Err(()) => res.push(None),
                        }
                    }
                    return Ok(res);
                }
                Some(f) => v = arr.get(f).ok_or(())?,
            }
        }
        if !k.is_empty() {
            v = get_one(v, k).ok_or(())?;
        }
    }
    Ok(vec![Some(v)])
}

fn strings_skip_none<'a>(vals: &[Option<&'a J>]) -> Vec<Cow<'a, str>> {
    vals.iter().flatten().map(|v| text(v)).collect()
}

fn list(vals: Vec<Cow<'_, str>>) -> Value<'_> {
    if vals.is_empty() {
        Value::Missing
    } else {
        Value::List(vals.into_iter().map(Value::Str).collect())
    }
}

fn index_of(field: &Field) -> Option<usize> {
    match field.arg {
        FieldArg::Index(i) => usize::try_from(i).ok(),
        _ => None,
    }
}

fn key_of(field: &Field) -> &str {
    match &field.arg {
        FieldArg::Key(k) => k,
        _ => "",
    }
}

/// A field as `extractFromKeys` reads it: a string (or a list of strings when the field is a list).
fn from_keys<'a>(ev: &'a J, field: &Field, keys: &[&str]) -> Value<'a> {
    let Some(v) = get_path(ev, keys) else {
        return Value::Missing;
    };
    if field.list {
        match v {
            J::Array(a) => list(a.iter().map(text).collect()),
            // The plugin's "wrong type" error: no value.
            _ => Value::Missing,
        }
    } else {
        Value::Str(text(v))
    }
}

pub(super) fn extract<'a>(ev: &'a AuditEvent, field: &Field) -> Value<'a> {
    let j = &ev.json;
    match field.id {
        JSON_VALUE => return json_value(j, key_of(field)),
        JSON_OBJ => return serde_json::to_string_pretty(j).map_or(Value::Missing, Value::string),
        JSON_RAWTIME | EVT_RAWTIME => return Value::string(ev.time_ns.to_string()),
        TIME => return Value::string(format_time(ev.time_ns)),
        TIME_ISO8601 => return Value::string(format_time_iso8601(ev.time_ns)),
        DATETIME => {
            let ((year, month, day), hour, min, sec, _) = split_time(ev.time_ns);
            return Value::string(format!(
                "{year:04}-{month:02}-{day:02} {hour:02}:{min:02}:{sec:02}"
            ));
        }
        EVT_SOURCE => return Value::str("k8s_audit"),
        _ => {}
    }
    // The plugin ignores JSON that has no auditID.
    if j.get("auditID").is_none() {
        return Value::Missing;
    }
    if field.id >= CONTAINER_BASE {
        let li = ((field.id - CONTAINER_BASE) / 100) as usize;
        let si = ((field.id - CONTAINER_BASE) % 100) as usize;
        return container_field(
            j,
            CONTAINER_LISTS[li],
            CONTAINER_SUBFIELDS[si],
            index_of(field),
        )
        .unwrap_or(Value::Missing);
    }
    let k = |keys: &[&str]| from_keys(j, field, keys);
    match field.id {
        AUDITID => k(&["auditID"]),
        STAGE => k(&["stage"]),
        AUTH_DECISION => k(&["annotations", "authorization.k8s.io/decision"]),
        AUTH_REASON => k(&["annotations", "authorization.k8s.io/reason"]),
        OPENSHIFT_DECISION => k(&["annotations", "authentication.openshift.io/decision"]),
        OPENSHIFT_USERNAME => k(&["annotations", "authentication.openshift.io/username"]),
        VAP_FAILURE => k(&[
            "annotations",
            "validation.policy.admission.k8s.io/validation_failure",
        ]),
        POD_VIOLATIONS => k(&["annotations", "pod-security.kubernetes.io/audit-violations"]),
        USER_NAME => k(&["user", "username"]),
        USER_GROUPS => k(&["user", "groups"]),
        IMPUSER_NAME => k(&["impersonatedUser", "username"]),
        VERB => k(&["verb"]),
        URI => k(&["requestURI"]),
        URI_PARAM => uri_param(j, key_of(field)),
        TARGET_NAME | CONFIGMAP_NAME => k(&["objectRef", "name"]),
        TARGET_NAMESPACE => k(&["objectRef", "namespace"]),
        TARGET_RESOURCE => k(&["objectRef", "resource"]),
        TARGET_SUBRESOURCE => k(&["objectRef", "subresource"]),
        TARGET_POD_NAME => {
            let s = |key| {
                get_path(j, &["objectRef", key])
                    .and_then(J::as_str)
                    .unwrap_or("")
            };
            if s("resource") == "pods" && s("subresource").is_empty() {
                k(&["responseObject", "metadata", "name"])
            } else {
                Value::Missing
            }
        }
        BINDING_SUBJECTS => k(&["requestObject", "subjects"]),
        SUBJECTS_USERS => subject_names(j, "User", false),
        SUBJECTS_SAS => subject_names(j, "ServiceAccount", false),
        SUBJECTS_SA_NS => subject_names(j, "ServiceAccount", true),
        SUBJECTS_GROUPS => subject_names(j, "Group", false),
        BINDING_ROLE => k(&["requestObject", "roleRef", "name"]),
        // Documented as N/A; the plugin (like the original implementation) returns "true".
        SUBJECT_HAS_NAME => Value::str("true"),
        CONFIGMAP_OBJ => k(&["requestObject", "data"]),
        CONTAINER_IMAGE => match container_images(j, "containers", Some(0)) {
            Some(images) => images.into_iter().next().map_or(Value::Missing, Value::Str),
            None => Value::Missing,
        },
        CONTAINER_REPO => match container_images(j, "containers", Some(0)) {
            Some(images) => images
                .into_iter()
                .next()
                .map_or(Value::Missing, |i| Value::Str(repository(i))),
            None => Value::Missing,
        },
        POD_HOST_IPC => k(&["requestObject", "spec", "hostIPC"]),
        POD_HOST_NETWORK | CONTAINER_HOST_NETWORK => k(&["requestObject", "spec", "hostNetwork"]),
        POD_HOST_PID => k(&["requestObject", "spec", "hostPID"]),
        CONTAINER_PRIVILEGED => {
            match values_rec(
                j,
                None,
                &[
                    "requestObject",
                    "spec",
                    "containers",
                    "securityContext",
                    "privileged",
                ],
            ) {
                Ok(vals) => Value::str(if vals.iter().flatten().any(|v| **v == J::Bool(true)) {
                    "true"
                } else {
                    "false"
                }),
                Err(()) => Value::Missing,
            }
        }
        POD_RUN_AS_USER => k(&["requestObject", "spec", "securityContext", "runAsUser"]),
        POD_RUN_AS_GROUP => k(&["requestObject", "spec", "securityContext", "runAsGroup"]),
        ROLE_RULES => k(&["requestObject", "rules"]),
        RULES_API_GROUPS => rules_field(j, index_of(field), "apiGroups"),
        RULES_NON_RESOURCE_URLS => rules_field(j, index_of(field), "nonResourceURLs"),
        RULES_VERBS => rules_field(j, index_of(field), "verbs"),
        RULES_RESOURCES => rules_field(j, index_of(field), "resources"),
        POD_FS_GROUP => k(&["requestObject", "spec", "securityContext", "fsGroup"]),
        POD_SUPPLEMENTAL_GROUPS => k(&[
            "requestObject",
            "spec",
            "securityContext",
            "supplementalGroups",
        ]),
        SERVICE_TYPE => k(&["requestObject", "spec", "type"]),
        SERVICE_PORTS => {
            match values_rec(j, index_of(field), &["requestObject", "spec", "ports"]) {
                Ok(vals) => list(strings_skip_none(&vals)),
                Err(()) => Value::Missing,
            }
        }
        VOLUME_HOSTPATH => {
            let arg = key_of(field);
            match values_rec(
                j,
                Some(0),
                &["requestObject", "spec", "volumes", "hostPath", "path"],
            ) {
                Ok(vals) => {
                    let prefix = arg.strip_suffix('*');
                    let hit = strings_skip_none(&vals)
                        .iter()
                        .any(|v| prefix.is_some_and(|p| v.starts_with(p)) || v == arg);
                    Value::str(if hit { "true" } else { "false" })
                }
                Err(()) => Value::Missing,
            }
        }
        VOLUMES_HOSTPATH => volumes(j, index_of(field), &["hostPath", "path"]),
        VOLUMES_FLEX_DRIVER => volumes(j, index_of(field), &["flexVolume", "driver"]),
        VOLUMES_TYPE => match values_rec(
            j,
            index_of(field),
            &["requestObject", "spec", "volumes", ""],
        ) {
            Ok(vals) => list(
                vals.iter()
                    .flatten()
                    .filter_map(|v| v.as_object())
                    .flat_map(|o| {
                        o.keys()
                            .filter(|k| *k != "name")
                            .map(|k| Cow::Borrowed(k.as_str()))
                    })
                    .collect(),
            ),
            Err(()) => Value::Missing,
        },
        RESP_NAME => k(&["responseObject", "metadata", "name"]),
        RESPONSE_CODE => k(&["responseStatus", "code"]),
        RESPONSE_REASON => k(&["responseStatus", "reason"]),
        USERAGENT => k(&["userAgent"]),
        SOURCEIPS => rules_field(j, index_of(field), "sourceIPs"),
        CLUSTER_NAME => k(&["annotations", "cluster_name"]),
        _ => Value::Missing,
    }
}

fn volumes<'a>(j: &'a J, index: Option<usize>, rest: &[&str]) -> Value<'a> {
    let mut keys = vec!["requestObject", "spec", "volumes"];
    keys.extend_from_slice(rest);
    match values_rec(j, index, &keys) {
        Ok(vals) => list(strings_skip_none(&vals)),
        Err(()) => Value::Missing,
    }
}

fn rules_field<'a>(j: &'a J, index: Option<usize>, key: &str) -> Value<'a> {
    match values_rec(j, index, &["requestObject", "rules", key]) {
        Ok(vals) => list(
            vals.iter()
                .flatten()
                .filter_map(|v| v.as_array())
                .flat_map(|a| a.iter().map(text))
                .collect(),
        ),
        Err(()) => Value::Missing,
    }
}

fn subject_names<'a>(j: &'a J, kind: &str, with_namespace: bool) -> Value<'a> {
    let Some(subjects) = get_path(j, &["requestObject", "subjects"]) else {
        return Value::Missing;
    };
    let Some(subjects) = subjects.as_array() else {
        return Value::Missing;
    };
    let mut out = Vec::new();
    for s in subjects {
        let (Some(k), Some(name)) = (get_one(s, "kind"), get_one(s, "name")) else {
            continue;
        };
        if text(k) != kind {
            continue;
        }
        if with_namespace {
            let Some(ns) = get_one(s, "namespace") else {
                continue;
            };
            out.push(Cow::Owned(format!("{}:{}", text(ns), text(name))));
        } else {
            out.push(text(name));
        }
    }
    list(out)
}

fn container_values<'a>(
    j: &'a J,
    list: &str,
    index: Option<usize>,
    sub: &[&str],
) -> Option<Vec<Option<&'a J>>> {
    let mut keys = vec!["requestObject", "spec", list];
    keys.extend_from_slice(sub);
    values_rec(j, index, &keys).ok()
}

/// `readContainerImages`: every value must be there (`None` otherwise).
fn container_images<'a>(j: &'a J, list: &str, index: Option<usize>) -> Option<Vec<Cow<'a, str>>> {
    container_values(j, list, index, &["image"])?
        .into_iter()
        .map(|v| v.map(text))
        .collect()
}

fn repository(image: Cow<'_, str>) -> Cow<'_, str> {
    let cut = |s: &str| -> usize {
        let a = s.split(':').next().unwrap_or("");
        a.split('@').next().unwrap_or("").len()
    };
    match image {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..cut(s)]),
        Cow::Owned(s) => Cow::Owned(s[..cut(&s)].to_string()),
    }
}

/// `command`/`args`: each container's array of strings joined with spaces; a non-array or non-string is the
/// plugin's type error.
fn joined_arrays(vals: Vec<Option<&J>>) -> Option<Value<'_>> {
    let mut out = Vec::new();
    for v in vals.into_iter().flatten() {
        let a = v.as_array()?;
        let parts: Option<Vec<&str>> = a.iter().map(J::as_str).collect();
        out.push(Cow::Owned(parts?.join(" ")));
    }
    Some(list(out))
}

fn container_field<'a>(j: &'a J, lst: &str, sub: &str, index: Option<usize>) -> Option<Value<'a>> {
    let sc = |key: &str| -> Option<Value<'a>> {
        let vals = container_values(j, lst, index, &["securityContext", key])?;
        Some(list(strings_skip_none(&vals)))
    };
    match sub {
        "name" => {
            let vals = container_values(j, lst, index, &["name"])?;
            let names: Option<Vec<Cow<'a, str>>> = vals.into_iter().map(|v| v.map(text)).collect();
            Some(list(names?))
        }
        "image" => Some(list(container_images(j, lst, index)?)),
        "image.repository" => Some(list(
            container_images(j, lst, index)?
                .into_iter()
                .map(repository)
                .collect(),
        )),
        "command" => joined_arrays(container_values(j, lst, index, &["command"])?),
        "args" => joined_arrays(container_values(j, lst, index, &["args"])?),
        "privileged" => sc("privileged"),
        "allow_privilege_escalation" => sc("allowPrivilegeEscalation"),
        "read_only_fs" => sc("readOnlyRootFilesystem"),
        "run_as_user" => sc("runAsUser"),
        "run_as_group" => sc("runAsGroup"),
        "proc_mount" => sc("procMount"),
        "add_capabilities" => {
            let vals =
                container_values(j, lst, index, &["securityContext", "capabilities", "add"])?;
            Some(list(strings_skip_none(&vals)))
        }
        "eff_run_as_user" | "eff_run_as_group" => {
            let key = if sub == "eff_run_as_user" {
                "runAsUser"
            } else {
                "runAsGroup"
            };
            let pod = get_path(j, &["requestObject", "spec", key]).map_or(Cow::Borrowed("0"), text);
            let vals = container_values(j, lst, index, &[key])?;
            Some(list(
                vals.into_iter()
                    .map(|v| v.map_or_else(|| pod.clone(), text))
                    .collect(),
            ))
        }
        "host_port" => {
            let vals = container_values(j, lst, index, &["ports"])?;
            let mut out = Vec::new();
            for ports in vals.into_iter().flatten() {
                for port in ports.as_array()? {
                    if let Some(p) =
                        get_one(port, "hostPort").or_else(|| get_one(port, "containerPort"))
                    {
                        out.push(text(p));
                    }
                }
            }
            Some(list(out))
        }
        _ => None,
    }
}

/// The json plugin's `json.value[PTR]`: RFC 6901 (`~1` is `/`, `~0` is `~`), a missing key gives no value.
fn json_value<'a>(j: &'a J, ptr: &str) -> Value<'a> {
    if ptr.is_empty() {
        return Value::string(j.to_string());
    }
    let ptr = ptr.strip_prefix('/').unwrap_or(ptr);
    let mut v = j;
    for part in ptr.split('/') {
        let key = part.replace("~1", "/").replace("~0", "~");
        match get_one(v, &key) {
            Some(next) => v = next,
            None => return Value::Missing,
        }
    }
    Value::Str(text(v))
}

/// `ka.uri.param[KEY]`: the first value of KEY in the request URI's query, decoded as Go's `url.ParseQuery`
/// does (`+` is a space); any malformed pair (bad `%` escape, `;`) makes the field unavailable, as in the plugin.
fn uri_param<'a>(j: &'a J, key: &str) -> Value<'a> {
    let Some(uri) = j.get("requestURI") else {
        return Value::Missing;
    };
    let uri = text(uri);
    if uri.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Value::Missing;
    }
    let no_frag = uri.split('#').next().unwrap_or("");
    let Some((_, query)) = no_frag.split_once('?') else {
        return Value::Missing;
    };
    let mut found = None;
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        if pair.contains(';') {
            return Value::Missing;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (query_unescape(k), query_unescape(v)) else {
            return Value::Missing;
        };
        if found.is_none() && k == key {
            found = Some(v);
        }
    }
    found.map_or(Value::Missing, Value::string)
}

fn query_unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}
