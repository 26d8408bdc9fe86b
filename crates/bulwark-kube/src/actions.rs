//! Enforcement actions through the Kubernetes API: delete a pod, scale its workload to zero (or suspend a Job or
//! CronJob), isolate it (a quarantine label and a deny-all NetworkPolicy that selects it).
//!
//! Dry run is the API server's own (`?dryRun=All`): the request is authenticated, authorised, admitted and
//! validated exactly as the real one, and nothing is persisted. So a dry run proves that the real action would
//! work with these credentials. Names are checked against Kubernetes' DNS rules before they go into a URL: they
//! come from events, which are untrusted.

use serde_json::{Value, json};

use crate::{Client, KubeError};

/// The label that marks a quarantined pod; the quarantine NetworkPolicy selects it.
pub const QUARANTINE_LABEL: &str = "bulwark.dev/quarantine";
/// The name of the deny-all NetworkPolicy created in a namespace on the first isolation there.
pub const QUARANTINE_POLICY: &str = "bulwark-quarantine";

/// One request an action sent, and how the API server answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    /// `DELETE`, `PATCH`, `POST`.
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    /// The HTTP status (0 when the request failed before an answer).
    pub status: u16,
    /// The API server's reason on failure (`NotFound`, `Forbidden`…), or what happened.
    pub message: String,
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// True when every request succeeded (an `AlreadyExists` quarantine policy counts as success).
    pub ok: bool,
    /// Whether the requests carried `dryRun=All`.
    pub dry_run: bool,
    /// The requests, in order.
    pub sent: Vec<Sent>,
}

/// A workload controller an action can scale or suspend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// `Deployment`, `StatefulSet`, `ReplicaSet`, `Job`, `CronJob`, `DaemonSet`, `Pod`.
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// Is `s` a valid DNS-1123 subdomain (namespace, pod and workload names)?
#[must_use]
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

fn check(what: &str, s: &str) -> Result<(), KubeError> {
    if valid_name(s) {
        Ok(())
    } else {
        Err(KubeError::Config(format!(
            "{what} {s:?} is not a valid Kubernetes name; no request sent"
        )))
    }
}

fn dry(path: String, dry_run: bool) -> String {
    if dry_run {
        format!("{path}?dryRun=All")
    } else {
        path
    }
}

fn send(
    client: &Client,
    out: &mut Outcome,
    method: &'static str,
    path: String,
    body: Option<(&str, &Value)>,
    ok_reasons: &[&str],
) -> bool {
    let bytes = body.map(|(_, v)| v.to_string().into_bytes());
    let arg = body.zip(bytes.as_deref()).map(|((ct, _), b)| (ct, b));
    let (status, message, ok) = match client.write_json(method, &path, arg) {
        Ok((status, _)) => (status, "done".to_owned(), true),
        Err(KubeError::Status {
            status,
            reason,
            message,
            ..
        }) => {
            let ok = ok_reasons.contains(&reason.as_str());
            (
                status,
                if message.is_empty() {
                    reason
                } else {
                    format!("{reason}: {message}")
                },
                ok,
            )
        }
        Err(e) => (0, e.to_string(), false),
    };
    out.sent.push(Sent {
        method,
        path,
        status,
        message,
    });
    out.ok &= ok;
    ok
}

/// Deletes a pod (its controller, if any, starts a fresh one from the image; pair with a digest deny to keep a
/// compromised image out).
pub fn kill_pod(
    client: &Client,
    namespace: &str,
    pod: &str,
    dry_run: bool,
) -> Result<Outcome, KubeError> {
    check("namespace", namespace)?;
    check("pod", pod)?;
    let mut out = Outcome {
        ok: true,
        dry_run,
        sent: Vec::new(),
    };
    let path = dry(
        format!("/api/v1/namespaces/{namespace}/pods/{pod}"),
        dry_run,
    );
    send(client, &mut out, "DELETE", path, None, &[]);
    Ok(out)
}

/// Scales a Deployment, StatefulSet or ReplicaSet to zero through its `scale` subresource, or suspends a Job or
/// CronJob. A DaemonSet or a bare Pod cannot be scaled: that is an error (use isolate or kill).
pub fn scale_to_zero(
    client: &Client,
    namespace: &str,
    workload: &Workload,
    dry_run: bool,
) -> Result<Outcome, KubeError> {
    check("namespace", namespace)?;
    check(&workload.kind, &workload.name)?;
    let name = &workload.name;
    let merge = "application/merge-patch+json";
    let (path, body) = match workload.kind.as_str() {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            let plural = format!("{}s", workload.kind.to_ascii_lowercase());
            (
                format!("/apis/apps/v1/namespaces/{namespace}/{plural}/{name}/scale"),
                json!({"spec": {"replicas": 0}}),
            )
        }
        "Job" => (
            format!("/apis/batch/v1/namespaces/{namespace}/jobs/{name}"),
            json!({"spec": {"suspend": true}}),
        ),
        "CronJob" => (
            format!("/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}"),
            json!({"spec": {"suspend": true}}),
        ),
        other => {
            return Err(KubeError::Config(format!(
                "a {other} cannot be scaled to zero ({name}); use isolate or kill-pod"
            )));
        }
    };
    let mut out = Outcome {
        ok: true,
        dry_run,
        sent: Vec::new(),
    };
    send(
        client,
        &mut out,
        "PATCH",
        dry(path, dry_run),
        Some((merge, &body)),
        &[],
    );
    Ok(out)
}

/// The deny-all NetworkPolicy that isolates every pod carrying [`QUARANTINE_LABEL`] in a namespace: it selects
/// them, declares both policy types and allows nothing.
#[must_use]
pub fn quarantine_policy(namespace: &str) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": QUARANTINE_POLICY,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "bulwark"}
        },
        "spec": {
            "podSelector": {"matchLabels": {QUARANTINE_LABEL: "true"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": []
        }
    })
}

/// Isolates a pod: labels it [`QUARANTINE_LABEL`]`=true`, then makes sure the namespace's deny-all quarantine
/// NetworkPolicy exists (`AlreadyExists` is success). The label goes first so that the pod is never selected by
/// a policy it does not yet match; if labelling fails, no policy is created.
pub fn isolate(
    client: &Client,
    namespace: &str,
    pod: &str,
    dry_run: bool,
) -> Result<Outcome, KubeError> {
    check("namespace", namespace)?;
    check("pod", pod)?;
    let mut out = Outcome {
        ok: true,
        dry_run,
        sent: Vec::new(),
    };
    let label = json!({"metadata": {"labels": {QUARANTINE_LABEL: "true"}}});
    let path = dry(
        format!("/api/v1/namespaces/{namespace}/pods/{pod}"),
        dry_run,
    );
    if !send(
        client,
        &mut out,
        "PATCH",
        path,
        Some(("application/merge-patch+json", &label)),
        &[],
    ) {
        return Ok(out);
    }
    let path = dry(
        format!("/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies"),
        dry_run,
    );
    send(
        client,
        &mut out,
        "POST",
        path,
        Some(("application/json", &quarantine_policy(namespace))),
        &["AlreadyExists"],
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_1123() {
        for ok in ["web", "web-7d9f8-abcde", "a.b", "0abc"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Web",
            "a/b",
            "../x",
            "a?dryRun=",
            "-a",
            "a-",
            &"a".repeat(254),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
