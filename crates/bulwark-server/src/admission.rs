//! The `AdmissionReview` wire format (`admission.k8s.io/v1`, and `v1beta1`, which has the same shape): the
//! request the API server posts and the response it expects. Unknown fields are ignored, as the API server adds
//! fields over time; a review without `request.uid`, or whose `request.object` is not an object, cannot be
//! answered and is an HTTP 400. `bulwark policy eval` reads an AdmissionReview file through [`parse`] too, so a
//! file the webhook would refuse is refused (exit 2) with the same message.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Group, version and kind (`request.kind`, `request.requestKind`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// Group, version and resource (`request.resource`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct GroupVersionResource {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub resource: String,
}

/// `request` of an `AdmissionReview`: what the webhook judges.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    #[serde(default)]
    pub uid: String,
    #[serde(default)]
    pub kind: GroupVersionKind,
    #[serde(default)]
    pub resource: GroupVersionResource,
    #[serde(default)]
    pub sub_resource: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// CREATE, UPDATE, DELETE or CONNECT.
    #[serde(default)]
    pub operation: String,
    #[serde(default)]
    pub user_info: Value,
    /// The object as it will be stored (null for DELETE).
    #[serde(default)]
    pub object: Value,
    #[serde(default)]
    pub old_object: Value,
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl Request {
    /// `namespace/name` (or the object's `metadata.name`/`generateName` when the request has no name yet).
    #[must_use]
    pub fn display_name(&self) -> String {
        let meta = self.object.get("metadata");
        let name = self
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| {
                meta.and_then(|m| m.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| {
                meta.and_then(|m| m.get("generateName"))
                    .and_then(Value::as_str)
                    .map(|g| format!("{g}*"))
            })
            .unwrap_or_default();
        match self.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
            _ => name,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    request: Option<Request>,
}

/// A review that cannot be answered (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("the body is not an AdmissionReview: {0}")]
    Json(String),
    #[error("kind is {0:?}, expected AdmissionReview")]
    Kind(String),
    #[error("apiVersion is {0:?}, expected admission.k8s.io/v1 or admission.k8s.io/v1beta1")]
    Version(String),
    #[error("the AdmissionReview has no request")]
    NoRequest,
    #[error("the AdmissionReview request has no uid (request.uid)")]
    NoUid,
    /// A field of the request has the wrong JSON type (`request`, `request.object`, `request.oldObject`…):
    /// the field and what it is.
    #[error("{field} is {found}, expected {expected}")]
    Field {
        field: &'static str,
        found: &'static str,
        expected: &'static str,
    },
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The field that made a body of valid JSON fail to read as a review, for the error message (only on that
/// error path: a review that reads is not parsed twice).
fn wrong_field(body: &[u8]) -> Option<ReviewError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let wrong = |field, v: &Value, expected| ReviewError::Field {
        field,
        found: json_type(v),
        expected,
    };
    let Some(review) = v.as_object() else {
        return Some(wrong("the body", &v, "an AdmissionReview object"));
    };
    for (key, field) in [("apiVersion", "apiVersion"), ("kind", "kind")] {
        if let Some(x) = review.get(key).filter(|x| !x.is_string()) {
            return Some(wrong(field, x, "a string"));
        }
    }
    let request = review.get("request")?;
    let Some(request) = request.as_object() else {
        return Some(wrong("request", request, "an object"));
    };
    // (key, field, expected, null allowed): the fields `Request` reads with a type.
    for (key, field, expected, nullable) in [
        ("uid", "request.uid", "a string", false),
        ("operation", "request.operation", "a string", false),
        ("name", "request.name", "a string", true),
        ("namespace", "request.namespace", "a string", true),
        ("subResource", "request.subResource", "a string", true),
        ("dryRun", "request.dryRun", "a boolean", true),
        ("kind", "request.kind", "an object", false),
        ("resource", "request.resource", "an object", false),
    ] {
        let Some(x) = request.get(key) else { continue };
        let ok = match expected {
            "a string" => x.is_string(),
            "a boolean" => x.is_boolean(),
            _ => x.is_object(),
        };
        if !(ok || (nullable && x.is_null())) {
            return Some(wrong(field, x, expected));
        }
    }
    None
}

/// Parses a posted review; returns its `apiVersion` (echoed in the response) and the request.
pub fn parse(body: &[u8]) -> Result<(String, Request), ReviewError> {
    let review: Review = serde_json::from_slice(body)
        .map_err(|e| wrong_field(body).unwrap_or_else(|| ReviewError::Json(e.to_string())))?;
    if review.kind != "AdmissionReview" {
        return Err(ReviewError::Kind(review.kind));
    }
    if !matches!(
        review.api_version.as_str(),
        "admission.k8s.io/v1" | "admission.k8s.io/v1beta1"
    ) {
        return Err(ReviewError::Version(review.api_version));
    }
    let request = review.request.ok_or(ReviewError::NoRequest)?;
    if request.uid.is_empty() {
        return Err(ReviewError::NoUid);
    }
    // The object the request stores (and the one it replaces): null for DELETE and CONNECT, else an object.
    for (field, v) in [
        ("request.object", &request.object),
        ("request.oldObject", &request.old_object),
    ] {
        if !(v.is_null() || v.is_object()) {
            return Err(ReviewError::Field {
                field,
                found: json_type(v),
                expected: "an object (or null)",
            });
        }
    }
    Ok((review.api_version, request))
}

/// The webhook's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub allowed: bool,
    /// Shown by kubectl after "admission webhook … denied the request:".
    pub message: Option<String>,
    /// Shown by kubectl as `Warning: …` lines.
    pub warnings: Vec<String>,
    /// A JSONPatch (mutating webhooks).
    pub patch: Option<Value>,
    /// `auditAnnotations`: recorded by the API server in its audit log (keys `bulwark.dev/…`).
    pub audit_annotations: std::collections::BTreeMap<String, String>,
}

/// The response document for `uid`, in the request's `api_version`, as JSON bytes: built from borrowed
/// fields and written in one pass (no intermediate `Value` tree on the request path).
#[must_use]
pub fn respond(api_version: &str, uid: &str, r: &Response) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Review<'a> {
        #[serde(rename = "apiVersion")]
        api_version: &'a str,
        kind: &'static str,
        response: Body<'a>,
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        uid: &'a str,
        allowed: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<Status<'a>>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        warnings: &'a [String],
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        audit_annotations: &'a std::collections::BTreeMap<String, String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        patch_type: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        patch: Option<String>,
    }
    #[derive(serde::Serialize)]
    struct Status<'a> {
        code: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
        message: &'a str,
    }
    let status = if r.allowed {
        r.message.as_deref().map(|m| Status {
            code: 200,
            reason: None,
            message: m,
        })
    } else {
        Some(Status {
            code: 403,
            reason: Some("Forbidden"),
            message: r.message.as_deref().unwrap_or("denied by bulwark"),
        })
    };
    let patch = r.patch.as_ref().map(|p| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(p).unwrap_or_default())
    });
    let doc = Review {
        api_version,
        kind: "AdmissionReview",
        response: Body {
            uid,
            allowed: r.allowed,
            status,
            warnings: &r.warnings,
            audit_annotations: &r.audit_annotations,
            patch_type: patch.as_ref().map(|_| "JSONPatch"),
            patch,
        },
    };
    // Serialising borrowed strings, bools and maps of strings cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// A container image of a workload: where it is (as people write it, and as an RFC 6901 JSON pointer for a
/// patch) and its reference as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    /// `spec.template.spec.containers[0].image`
    pub field: String,
    /// `/spec/template/spec/containers/0/image`
    pub pointer: String,
    pub image: String,
}

/// Pod specs of the objects admission judges: a Pod's `spec`, every pod controller's and custom workload's
/// `spec.template.spec`, a CronJob's `spec.jobTemplate.spec.template.spec`.
const POD_SPECS: [&[&str]; 3] = [
    &["spec"],
    &["spec", "template", "spec"],
    &["spec", "jobTemplate", "spec", "template", "spec"],
];

/// Every container image of a Pod or of an object with a pod template: init, regular and ephemeral containers.
/// Entries without a string `image` are skipped; the keys are fixed names and indices, so the pointers need no
/// escaping.
#[must_use]
pub fn container_images(object: &Value) -> Vec<ContainerImage> {
    let mut out = Vec::new();
    for path in POD_SPECS {
        let Some(spec) = path.iter().try_fold(object, |v, k| v.get(k)) else {
            continue;
        };
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for (i, c) in spec
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(image) = c.get("image").and_then(Value::as_str) {
                    out.push(ContainerImage {
                        field: format!("{}.{list}[{i}].image", path.join(".")),
                        pointer: format!("/{}/{list}/{i}/image", path.join("/")),
                        image: image.to_owned(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_review_and_refuses_unanswerable_ones() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"team-a","operation":"CREATE","object":{"metadata":{"generateName":"web-"}},"dryRun":false,"newField":1}}"#;
        let (v, r) = parse(body).unwrap();
        assert_eq!(v, "admission.k8s.io/v1");
        assert_eq!(r.kind.kind, "Pod");
        assert_eq!(r.display_name(), "team-a/web-*");
        assert_eq!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{}}}"#),
            Err(ReviewError::NoUid)
        );
        assert_eq!(
            parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#),
            Err(ReviewError::NoRequest)
        );
        assert!(matches!(parse(b"{"), Err(ReviewError::Json(_))));
        // A wrong type names the field (the API server never sends these; a hand-written file may).
        let field = |body: &str| match parse(body.as_bytes()) {
            Err(ReviewError::Field { field, found, .. }) => format!("{field}: {found}"),
            other => format!("{other:?}"),
        };
        let v1 = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","#;
        assert_eq!(
            field(&format!(r#"{v1}"request":"x"}}"#)),
            "request: a string"
        );
        assert_eq!(
            field(&format!(r#"{v1}"request":{{"uid":7}}}}"#)),
            "request.uid: a number"
        );
        assert_eq!(
            field(&format!(r#"{v1}"request":{{"uid":"u","object":"pod"}}}}"#)),
            "request.object: a string"
        );
        assert_eq!(
            field(&format!(
                r#"{v1}"request":{{"uid":"u","object":{{}},"oldObject":[1]}}}}"#
            )),
            "request.oldObject: an array"
        );
        assert_eq!(
            field(&format!(r#"{v1}"request":{{"uid":"u","kind":"Pod"}}}}"#)),
            "request.kind: a string"
        );
        assert_eq!(field("[1]"), "the body: an array");
        // null where the API server may send null (DELETE's object, an unset name) is fine.
        assert!(
            parse(format!(r#"{v1}"request":{{"uid":"u","name":null,"object":null}}}}"#).as_bytes())
                .is_ok()
        );
        assert!(matches!(
            parse(br#"{"apiVersion":"v1","kind":"AdmissionReview","request":{"uid":"1"}}"#),
            Err(ReviewError::Version(_))
        ));
        // Nesting deeper than serde_json's recursion limit is an error, not a stack overflow.
        let deep = format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"1","object":{}1{}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(parse(deep.as_bytes()), Err(ReviewError::Json(_))));
    }

    #[test]
    fn container_images_of_pods_controllers_and_cronjobs() {
        let cron = serde_json::json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "initContainers": [{"name": "i", "image": "a:1"}, {"name": "no-image"}],
            "containers": [{"name": "c", "image": "b@sha256:00"}, {"name": "n", "image": 7}]}}}}}});
        let found = container_images(&cron);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0].field,
            "spec.jobTemplate.spec.template.spec.initContainers[0].image"
        );
        assert_eq!(
            found[0].pointer,
            "/spec/jobTemplate/spec/template/spec/initContainers/0/image"
        );
        assert_eq!(found[1].image, "b@sha256:00");
        // The pointer names the field: following it in the object finds the image.
        for f in &found {
            assert_eq!(
                cron.pointer(&f.pointer).and_then(Value::as_str),
                Some(f.image.as_str())
            );
        }
        let pod = serde_json::json!({"spec": {"ephemeralContainers": [{"image": "x"}], "containers": "not a list"}});
        assert_eq!(
            container_images(&pod)[0].pointer,
            "/spec/ephemeralContainers/0/image"
        );
        assert!(container_images(&serde_json::json!([1, {"spec": null}])).is_empty());
    }

    #[test]
    fn responses_have_the_shape_the_api_server_reads() {
        let doc = |bytes: Vec<u8>| -> Value { serde_json::from_slice(&bytes).unwrap() };
        let deny = doc(respond(
            "admission.k8s.io/v1",
            "u1",
            &Response {
                allowed: false,
                message: Some("no".into()),
                warnings: vec!["w".into()],
                ..Response::default()
            },
        ));
        assert_eq!(deny["response"]["uid"], "u1");
        assert_eq!(deny["response"]["allowed"], false);
        assert_eq!(deny["response"]["status"]["code"], 403);
        assert_eq!(deny["response"]["warnings"][0], "w");
        let patch = doc(respond(
            "admission.k8s.io/v1beta1",
            "u2",
            &Response {
                allowed: true,
                patch: Some(
                    serde_json::json!([{"op":"replace","path":"/spec/containers/0/image","value":"a@sha256:00"}]),
                ),
                ..Response::default()
            },
        ));
        assert_eq!(patch["apiVersion"], "admission.k8s.io/v1beta1");
        assert_eq!(patch["response"]["patchType"], "JSONPatch");
        assert!(patch["response"].get("status").is_none());
        assert!(patch["response"].get("warnings").is_none());
        assert_eq!(deny["response"]["status"]["reason"], "Forbidden");
        assert_eq!(deny["response"]["status"]["message"], "no");
        let allowed_with_message = doc(respond(
            "admission.k8s.io/v1",
            "u3",
            &Response {
                allowed: true,
                message: Some("exempt".into()),
                ..Response::default()
            },
        ));
        assert_eq!(
            allowed_with_message["response"]["status"],
            serde_json::json!({"code": 200, "message": "exempt"})
        );
    }
}
