//! `bulwark serve --self-check`: checks webhook configurations (`ValidatingWebhookConfiguration`,
//! `MutatingWebhookConfiguration`, as YAML or JSON files: `helm template` output, `kubectl get … -o yaml`)
//! against the failure rules of the server, so a misconfiguration is caught before it fails open or wedges a
//! cluster:
//!
//! - `timeoutSeconds` (10 when absent) is above the server's `--deadline` plus [`Expect::margin`], so the server
//!   answers (with its on-timeout decision) before the API server gives up, and at most 30;
//! - `failurePolicy` (Fail when absent) is `Fail` on every webhook whose rules cover workloads;
//! - `namespaceSelector` certainly excludes `kube-system`, `kube-public` and the server's own namespace (by the
//!   `kubernetes.io/metadata.name` label every namespace carries), so the webhook never judges the objects the
//!   cluster needs to recover, nor its own; this also keeps rules on `namespaces` off the server's namespace;
//! - `clientConfig.caBundle` holds PEM certificates and, when the serving certificate is known, verifies it for
//!   the name the API server dials (`<service>.<namespace>.svc`, or the URL's host); an empty caBundle is
//!   accepted only with cert-manager's `cert-manager.io/inject-ca-from` annotation;
//! - `sideEffects` is `None` or `NoneOnDryRun`; `admissionReviewVersions` contains `v1`;
//! - the path is `/validate` (validating) or `/mutate` (mutating), and the service is in the server's namespace;
//! - the rules cover CREATE and UPDATE of Pods and every pod controller (Deployment, StatefulSet, DaemonSet,
//!   ReplicaSet, ReplicationController, Job, CronJob), and UPDATE of `pods/ephemeralcontainers` (`kubectl debug`
//!   adds containers to a running Pod through it).
//!
//! Pure: files are read by the caller; this module parses bytes and returns problems.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::Value;

/// Largest webhook configuration file read (a rendered chart is a few tens of KiB).
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// Most documents read from one file.
pub const MAX_DOCUMENTS: usize = 1000;
/// The API server's bound on `timeoutSeconds`.
pub const MAX_TIMEOUT_SECONDS: u64 = 30;

/// The label the API server puts on every namespace (Kubernetes 1.21+), the one selectors exclude by.
const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Namespaces the cluster needs to recover: never judged.
pub const SYSTEM_NAMESPACES: [&str; 2] = ["kube-system", "kube-public"];

/// Pods and every pod controller: (API group, resource, kind).
pub const WORKLOADS: [(&str, &str, &str); 8] = [
    ("", "pods", "Pod"),
    ("", "replicationcontrollers", "ReplicationController"),
    ("apps", "deployments", "Deployment"),
    ("apps", "statefulsets", "StatefulSet"),
    ("apps", "daemonsets", "DaemonSet"),
    ("apps", "replicasets", "ReplicaSet"),
    ("batch", "jobs", "Job"),
    ("batch", "cronjobs", "CronJob"),
];

/// What the server is configured with.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The server's `--deadline`.
    pub deadline: Duration,
    /// Time left to the API server between the deadline and its timeout (network, TLS, queueing).
    pub margin: Duration,
    /// The server's own namespace (`$POD_NAMESPACE`), when known.
    pub namespace: Option<String>,
    /// The serving certificate chain (leaf first), when known.
    pub serving_chain: Option<Vec<CertificateDer<'static>>>,
}

impl Expect {
    #[must_use]
    pub fn new(deadline: Duration) -> Self {
        Self {
            deadline,
            margin: Duration::from_secs(1),
            namespace: None,
            serving_chain: None,
        }
    }
}

/// One problem: where, which field, what is wrong and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub source: String,
    /// `ValidatingWebhookConfiguration/<name>`, with ` webhook <name>` when about one webhook.
    pub webhook: String,
    /// The field, as a path from the webhook (`timeoutSeconds`, `clientConfig.caBundle`).
    pub field: String,
    pub message: String,
    pub fix: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: {}: {} (fix: {})",
            self.source, self.webhook, self.field, self.message, self.fix
        )
    }
}

/// An input that cannot be read as webhook configurations.
#[derive(Debug, thiserror::Error)]
pub enum SelfCheckError {
    #[error("{file}: larger than {limit} bytes")]
    TooLarge { file: String, limit: usize },
    #[error("{file}: more than {limit} documents")]
    TooManyDocuments { file: String, limit: usize },
    #[error("{file}:{line}: {reason}")]
    Parse {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("{file}: {reason}")]
    Certificate { file: String, reason: String },
}

/// The documents of a YAML or JSON file (multi-document YAML; `List` objects are flattened); empty documents
/// are skipped.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<Value>, SelfCheckError> {
    use serde::Deserialize as _;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SelfCheckError::TooLarge {
            file: file.to_owned(),
            limit: MAX_FILE_BYTES,
        });
    }
    if let Some((line, reason)) = bulwark_types::yaml::depth_over(bytes, 64) {
        return Err(SelfCheckError::Parse {
            file: file.to_owned(),
            line,
            reason,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| SelfCheckError::Parse {
        file: file.to_owned(),
        line: 1,
        reason: format!("not UTF-8: {e}"),
    })?;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = Value::deserialize(doc).map_err(|e| SelfCheckError::Parse {
            file: file.to_owned(),
            line: e.location().map_or(1, |l| l.line()),
            reason: e.to_string(),
        })?;
        let mut push = |v: Value| {
            if !v.is_null() {
                out.push(v);
            }
        };
        match v.get("items").and_then(Value::as_array) {
            Some(items) if v.get("kind").and_then(Value::as_str) == Some("List") => {
                items.iter().cloned().for_each(&mut push);
            }
            _ => push(v),
        }
        if out.len() > MAX_DOCUMENTS {
            return Err(SelfCheckError::TooManyDocuments {
                file: file.to_owned(),
                limit: MAX_DOCUMENTS,
            });
        }
    }
    Ok(out)
}

/// The certificates of a PEM text (a `tls.crt`): the serving chain, leaf first.
pub fn pem_chain(file: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, SelfCheckError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| SelfCheckError::Certificate {
            file: file.to_owned(),
            reason: format!("not a PEM certificate chain: {e}"),
        })?;
    if certs.is_empty() {
        return Err(SelfCheckError::Certificate {
            file: file.to_owned(),
            reason: "no CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

/// The result over all inputs.
#[derive(Debug, Default)]
pub struct Report {
    /// Webhook configurations seen.
    pub configurations: usize,
    /// Webhooks checked.
    pub webhooks: usize,
    pub problems: Vec<Problem>,
}

/// Checks every webhook configuration among `docs` (other kinds are ignored).
pub fn check(source: &str, docs: &[Value], expect: &Expect, report: &mut Report) {
    for doc in docs {
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        let mutating = match kind {
            "ValidatingWebhookConfiguration" => false,
            "MutatingWebhookConfiguration" => true,
            _ => continue,
        };
        report.configurations += 1;
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        let config = format!("{kind}/{name}");
        let injected = doc
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .is_some_and(|a| a.contains_key("cert-manager.io/inject-ca-from"));
        let webhooks = doc
            .get("webhooks")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if webhooks.is_empty() {
            report.problems.push(Problem {
                source: source.to_owned(),
                webhook: config.clone(),
                field: "webhooks".into(),
                message: "no webhooks: nothing is judged".into(),
                fix: "render the configuration from the chart (deploy/helm/bulwark)".into(),
            });
        }
        for (i, w) in webhooks.iter().enumerate() {
            report.webhooks += 1;
            let wname = w
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| format!("#{i}"), str::to_owned);
            let mut c = Ctx {
                source,
                webhook: format!("{config} webhook {wname}"),
                out: &mut report.problems,
            };
            check_webhook(&mut c, w, mutating, injected, expect);
        }
    }
}

struct Ctx<'a> {
    source: &'a str,
    webhook: String,
    out: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn problem(&mut self, field: &str, message: String, fix: impl Into<String>) {
        self.out.push(Problem {
            source: self.source.to_owned(),
            webhook: self.webhook.clone(),
            field: field.to_owned(),
            message,
            fix: fix.into(),
        });
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn check_webhook(c: &mut Ctx<'_>, w: &Value, mutating: bool, injected: bool, expect: &Expect) {
    let rules = w
        .get("rules")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let covers = |group: &str, resource: &str, op: &str| {
        rules.iter().any(|r| {
            let any = |field: &str, want: &str| {
                strings(r.get(field))
                    .iter()
                    .any(|s| *s == want || *s == "*")
            };
            any("apiGroups", group)
                && any("apiVersions", "v1")
                && strings(r.get("resources"))
                    .iter()
                    .any(|s| resource_matches(s, resource))
                && any("operations", op)
        })
    };
    let workload_rules = WORKLOADS
        .iter()
        .any(|(g, r, _)| covers(g, r, "CREATE") || covers(g, r, "UPDATE"));

    // failurePolicy: Fail is the v1 default.
    let policy = w
        .get("failurePolicy")
        .and_then(Value::as_str)
        .unwrap_or("Fail");
    if policy != "Fail" && workload_rules {
        c.problem(
            "failurePolicy",
            format!(
                "is {policy}: when the server is unreachable every workload is admitted unchecked (fails open)"
            ),
            "set failurePolicy: Fail (the namespaceSelector keeps kube-system and the server's namespace out, so the cluster can still recover)",
        );
    }

    // timeoutSeconds: 10 is the v1 default.
    let timeout = match w.get("timeoutSeconds") {
        None | Some(Value::Null) => Some(10),
        Some(v) => v.as_u64(),
    };
    let need = (expect.deadline + expect.margin).as_secs_f64().ceil() as u64;
    match timeout {
        None => c.problem(
            "timeoutSeconds",
            format!(
                "is {}, not a whole number of seconds",
                w.get("timeoutSeconds").unwrap_or(&Value::Null)
            ),
            format!("set timeoutSeconds: {}", need.clamp(1, MAX_TIMEOUT_SECONDS)),
        ),
        Some(t) if !(1..=MAX_TIMEOUT_SECONDS).contains(&t) => c.problem(
            "timeoutSeconds",
            format!("is {t}: the API server accepts 1 to {MAX_TIMEOUT_SECONDS}"),
            format!("set timeoutSeconds: {}", need.clamp(1, MAX_TIMEOUT_SECONDS)),
        ),
        Some(t) if Duration::from_secs(t) < expect.deadline + expect.margin => c.problem(
            "timeoutSeconds",
            format!(
                "is {t}s, not above the server's --deadline {} plus {} margin: the API server gives up first and applies failurePolicy instead of the server's decision",
                human(expect.deadline),
                human(expect.margin)
            ),
            if need <= MAX_TIMEOUT_SECONDS {
                format!("set timeoutSeconds: {need}, or lower the server's --deadline")
            } else {
                format!(
                    "lower the server's --deadline below {}s",
                    MAX_TIMEOUT_SECONDS - expect.margin.as_secs()
                )
            },
        ),
        Some(_) => {}
    }

    // sideEffects.
    match w.get("sideEffects").and_then(Value::as_str) {
        Some("None" | "NoneOnDryRun") => {}
        other => c.problem(
            "sideEffects",
            format!(
                "is {}: the API server refuses dry-run requests to such a webhook (and v1 requires None or NoneOnDryRun)",
                other.unwrap_or("missing")
            ),
            "set sideEffects: None",
        ),
    }

    // admissionReviewVersions.
    let versions = strings(w.get("admissionReviewVersions"));
    if !versions.contains(&"v1") {
        c.problem(
            "admissionReviewVersions",
            format!("is {versions:?}, without v1"),
            "set admissionReviewVersions: [v1]",
        );
    }

    // clientConfig: path, service namespace, caBundle.
    let client = w.get("clientConfig").unwrap_or(&Value::Null);
    let want_path = if mutating { "/mutate" } else { "/validate" };
    let service = client.get("service");
    let (path, host) = if let Some(s) = service {
        let name = s.get("name").and_then(Value::as_str).unwrap_or("");
        let ns = s.get("namespace").and_then(Value::as_str).unwrap_or("");
        if let Some(own) = &expect.namespace
            && ns != own
        {
            c.problem(
                "clientConfig.service.namespace",
                format!("is {ns:?}, not the server's namespace {own:?}"),
                format!("set clientConfig.service.namespace: {own}"),
            );
        }
        (
            s.get("path").and_then(Value::as_str).map(str::to_owned),
            format!("{name}.{ns}.svc"),
        )
    } else if let Some(url) = client.get("url").and_then(Value::as_str) {
        let rest = url.strip_prefix("https://").unwrap_or_else(|| {
            c.problem(
                "clientConfig.url",
                format!("{url:?} is not https://"),
                "use an https:// URL (the API server only calls webhooks over TLS)",
            );
            url.split_once("://").map_or(url, |(_, r)| r)
        });
        let (authority, path) = rest
            .find('/')
            .map_or((rest, None), |i| (&rest[..i], Some(rest[i..].to_owned())));
        let host = if authority.starts_with('[') {
            authority
                .split_once(']')
                .map_or(authority, |(h, _)| &h[1..])
                .to_owned()
        } else {
            authority
                .rsplit_once(':')
                .map_or(authority, |(h, _)| h)
                .to_owned()
        };
        (path, host)
    } else {
        c.problem(
            "clientConfig",
            "has neither service nor url".into(),
            "set clientConfig.service to the server's Service",
        );
        (None, String::new())
    };
    let path_only = path.as_deref().map(|p| p.split('?').next().unwrap_or(p));
    if path_only != Some(want_path) {
        c.problem(
            if service.is_some() {
                "clientConfig.service.path"
            } else {
                "clientConfig.url"
            },
            format!(
                "is {}, not {want_path}: the server answers {} reviews there",
                path_only.map_or_else(|| "missing".to_owned(), |p| format!("{p:?}")),
                if mutating { "mutating" } else { "validating" }
            ),
            format!("set the path to {want_path}"),
        );
    }
    check_ca_bundle(c, client, injected, &host, expect);

    // namespaceSelector.
    let selector = w.get("namespaceSelector").unwrap_or(&Value::Null);
    let mut must_exclude: Vec<&str> = SYSTEM_NAMESPACES.to_vec();
    if let Some(own) = &expect.namespace {
        must_exclude.push(own);
    }
    let judged: Vec<&str> = must_exclude
        .into_iter()
        .filter(|ns| !certainly_excluded(selector, ns))
        .collect();
    if !judged.is_empty() {
        c.problem(
            "namespaceSelector",
            format!(
                "does not exclude {}: a webhook that is down would block the cluster's (or its own) recovery",
                judged.join(", ")
            ),
            format!(
                "add to namespaceSelector.matchExpressions: {{key: {NAME_LABEL}, operator: NotIn, values: [{}]}}",
                judged.join(", ")
            ),
        );
    }

    // Rules: pods and every controller, CREATE and UPDATE.
    let missing: Vec<String> = WORKLOADS
        .iter()
        .flat_map(|(g, r, kind)| {
            ["CREATE", "UPDATE"]
                .into_iter()
                .filter(move |op| !covers(g, r, op))
                .map(move |op| format!("{op} {kind}"))
        })
        .collect();
    if !missing.is_empty() {
        c.problem(
            "rules",
            format!(
                "do not cover {}: such objects are admitted unchecked",
                missing.join(", ")
            ),
            "add rules for CREATE and UPDATE of pods, replicationcontrollers (\"\"), deployments, statefulsets, daemonsets, replicasets (apps) and jobs, cronjobs (batch), apiVersions [v1]",
        );
    }
    if !covers("", "pods/ephemeralcontainers", "UPDATE") {
        c.problem(
            "rules",
            "do not cover UPDATE of pods/ephemeralcontainers: `kubectl debug` adds a container with any image to a running Pod unchecked".into(),
            "add pods/ephemeralcontainers to the resources of the pods rule (operations UPDATE)",
        );
    }
}

/// Whether a rule's `resources` entry matches `want` (`pods`, `pods/ephemeralcontainers`), with the API
/// server's wildcards: `*` is every resource but no subresource, `pods/*` every subresource of pods, `*/scale`
/// that subresource of every resource, `*/*` everything.
fn resource_matches(entry: &str, want: &str) -> bool {
    let (eres, esub) = entry
        .split_once('/')
        .map_or((entry, None), |(r, s)| (r, Some(s)));
    let (res, sub) = want
        .split_once('/')
        .map_or((want, None), |(r, s)| (r, Some(s)));
    let res_ok = eres == "*" || eres == res;
    res_ok
        && match (esub, sub) {
            (None, None) | (Some("*"), Some(_)) => true,
            (Some("*"), None) => eres == "*",
            (Some(e), Some(s)) => e == s,
            _ => false,
        }
}

fn human(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Whether no namespace named `ns` can match `selector`, whatever its other labels: some requirement on the
/// `kubernetes.io/metadata.name` label (which the API server sets to the name) fails for it.
#[must_use]
pub fn certainly_excluded(selector: &Value, ns: &str) -> bool {
    if let Some(v) = selector
        .pointer("/matchLabels")
        .and_then(|m| m.get(NAME_LABEL))
        .and_then(Value::as_str)
        && v != ns
    {
        return true;
    }
    strings_of_exprs(selector).any(|(key, op, values)| {
        key == NAME_LABEL
            && match op {
                "NotIn" => values.contains(&ns),
                "In" => !values.contains(&ns),
                "DoesNotExist" => true,
                _ => false,
            }
    })
}

fn strings_of_exprs(selector: &Value) -> impl Iterator<Item = (&str, &str, Vec<&str>)> {
    selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e.get("key").and_then(Value::as_str).unwrap_or(""),
                e.get("operator").and_then(Value::as_str).unwrap_or(""),
                strings(e.get("values")),
            )
        })
}

fn check_ca_bundle(c: &mut Ctx<'_>, client: &Value, injected: bool, host: &str, expect: &Expect) {
    let field = "clientConfig.caBundle";
    let bundle = client.get("caBundle").and_then(Value::as_str).unwrap_or("");
    if bundle.is_empty() {
        if !injected {
            c.problem(
                field,
                "is empty: the API server cannot verify the server's certificate and every call fails".into(),
                "put the CA (ca.crt of the certificate Secret or of --generate-certs), base64-encoded, in caBundle, or let cert-manager inject it (annotation cert-manager.io/inject-ca-from)",
            );
        }
        return;
    }
    let pem = match base64::engine::general_purpose::STANDARD.decode(bundle.trim()) {
        Ok(p) => p,
        Err(e) => {
            c.problem(
                field,
                format!("is not base64: {e}"),
                "set caBundle to the base64 encoding of the CA's PEM",
            );
            return;
        }
    };
    let roots: Vec<CertificateDer<'static>> =
        match CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>() {
            Ok(r) if !r.is_empty() => r,
            Ok(_) => {
                c.problem(
                    field,
                    "holds no PEM CERTIFICATE block".into(),
                    "set caBundle to the base64 encoding of the CA's PEM",
                );
                return;
            }
            Err(e) => {
                c.problem(
                    field,
                    format!("is not PEM certificates: {e}"),
                    "set caBundle to the base64 encoding of the CA's PEM",
                );
                return;
            }
        };
    let Some(chain) = &expect.serving_chain else {
        return;
    };
    if let Err(why) = verify(&roots, chain, host) {
        c.problem(
            field,
            format!("does not verify the server's certificate for {host}: {why}"),
            "set caBundle to the CA that signed the serving certificate (ca.crt next to tls.crt), base64-encoded",
        );
    }
}

/// Verifies `chain` (leaf first) for `host` against the CA certificates `roots`, as the API server does.
fn verify(
    roots: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    host: &str,
) -> Result<(), String> {
    use rustls::client::danger::ServerCertVerifier as _;
    let mut store = rustls::RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(roots.iter().cloned());
    if added == 0 {
        return Err("no usable CA certificate in caBundle".into());
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("{host:?}: {e}"))?;
    let (leaf, rest) = chain.split_first().ok_or("no serving certificate")?;
    verifier
        .verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "bulwark"},
            "webhooks": [{
                "name": "validate.bulwark.dev",
                "admissionReviewVersions": ["v1"],
                "clientConfig": {"service": {"name": "bulwark", "namespace": "bulwark", "path": "/validate"}},
                "failurePolicy": "Fail",
                "sideEffects": "None",
                "timeoutSeconds": 10,
                "namespaceSelector": {"matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                     "values": ["kube-system", "kube-public", "bulwark"]}]},
                "rules": [
                    {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                     "resources": ["pods", "pods/ephemeralcontainers", "replicationcontrollers"]},
                    {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                     "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"]},
                    {"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": ["*"],
                     "resources": ["jobs", "cronjobs"]}
                ]
            }]
        })
    }

    fn expect() -> Expect {
        let mut e = Expect::new(Duration::from_secs(8));
        e.namespace = Some("bulwark".into());
        e
    }

    /// Problems, as (field, message) pairs; caBundle problems are left out unless asked for.
    fn run(doc: &Value, e: &Expect) -> Vec<Problem> {
        let mut r = Report::default();
        check("t.yaml", std::slice::from_ref(doc), e, &mut r);
        assert_eq!(r.configurations, 1);
        r.problems
    }

    fn without_ca(p: Vec<Problem>) -> Vec<Problem> {
        p.into_iter()
            .filter(|p| p.field != "clientConfig.caBundle")
            .collect()
    }

    fn fields(doc: &Value) -> Vec<String> {
        run(doc, &expect())
            .into_iter()
            .map(|p| p.field)
            .filter(|f| f != "clientConfig.caBundle")
            .collect()
    }

    fn set(doc: &mut Value, pointer: &str, v: Value) {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        match doc.pointer_mut(parent).unwrap() {
            Value::Object(m) => {
                m.insert(key.to_owned(), v);
            }
            other => *other.pointer_mut(&format!("/{key}")).unwrap() = v,
        }
    }

    #[test]
    fn a_good_configuration_has_no_problem_but_the_missing_ca_bundle() {
        let p = run(&good(), &expect());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "clientConfig.caBundle");
        assert!(p[0].message.contains("is empty"));
        // cert-manager fills it in.
        let mut d = good();
        set(
            &mut d,
            "/metadata",
            json!({"name": "b", "annotations": {"cert-manager.io/inject-ca-from": "bulwark/bulwark"}}),
        );
        assert!(run(&d, &expect()).is_empty());
    }

    #[test]
    fn fail_open_is_a_problem_on_workload_rules_only() {
        let mut d = good();
        set(&mut d, "/webhooks/0/failurePolicy", json!("Ignore"));
        assert_eq!(fields(&d), ["failurePolicy"]);
        let p = run(&d, &expect());
        assert!(
            p[0].to_string()
                .contains("webhook validate.bulwark.dev: failurePolicy: is Ignore")
        );
        // A webhook for CONNECT only may fail open (and is missing every workload rule).
        set(
            &mut d,
            "/webhooks/0/rules",
            json!([{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CONNECT"], "resources": ["pods/exec"]}]),
        );
        assert_eq!(fields(&d), ["rules", "rules"]);
        // Absent means Fail.
        let mut d = good();
        d["webhooks"][0]
            .as_object_mut()
            .unwrap()
            .remove("failurePolicy");
        assert!(fields(&d).is_empty());
    }

    #[test]
    fn timeout_must_exceed_the_deadline_with_margin() {
        let mut d = good();
        set(&mut d, "/webhooks/0/timeoutSeconds", json!(5));
        let p = run(&d, &expect());
        assert_eq!(p[0].field, "timeoutSeconds");
        assert!(
            p[0].message
                .contains("is 5s, not above the server's --deadline 8s plus 1s margin")
        );
        assert!(p[0].fix.contains("set timeoutSeconds: 9"));
        set(&mut d, "/webhooks/0/timeoutSeconds", json!(9));
        assert!(fields(&d).is_empty());
        set(&mut d, "/webhooks/0/timeoutSeconds", json!(31));
        assert_eq!(fields(&d), ["timeoutSeconds"]);
        set(&mut d, "/webhooks/0/timeoutSeconds", json!("ten"));
        assert_eq!(fields(&d), ["timeoutSeconds"]);
        // Absent means 10; a 9.5 s deadline needs 11.
        d["webhooks"][0]
            .as_object_mut()
            .unwrap()
            .remove("timeoutSeconds");
        assert!(fields(&d).is_empty());
        let mut e = expect();
        e.deadline = Duration::from_millis(9500);
        let p = run(&d, &e);
        assert!(
            p.iter().any(|p| p.fix.contains("set timeoutSeconds: 11")),
            "{p:?}"
        );
        // A deadline beyond what 30 s allows: the fix is the deadline.
        e.deadline = Duration::from_secs(40);
        let p = run(&d, &e);
        assert!(
            p.iter()
                .any(|p| p.fix.contains("lower the server's --deadline below 29s")),
            "{p:?}"
        );
    }

    #[test]
    fn namespace_selector_must_exclude_system_and_own_namespaces() {
        let mut d = good();
        set(
            &mut d,
            "/webhooks/0/namespaceSelector/matchExpressions/0/values",
            json!(["kube-public", "bulwark"]),
        );
        let p = without_ca(run(&d, &expect()));
        assert_eq!(p[0].field, "namespaceSelector");
        assert!(
            p[0].message.contains("does not exclude kube-system:"),
            "{}",
            p[0].message
        );
        // No selector: matches everything.
        d["webhooks"][0]
            .as_object_mut()
            .unwrap()
            .remove("namespaceSelector");
        let p = without_ca(run(&d, &expect()));
        assert!(p[0].message.contains("kube-system, kube-public, bulwark"));
        // An opt-out label alone is not a certain exclusion; an In list without them is.
        let sel = |s: Value| certainly_excluded(&s, "kube-system");
        assert!(!sel(
            json!({"matchExpressions": [{"key": "bulwark.dev/ignore", "operator": "DoesNotExist"}]})
        ));
        assert!(sel(
            json!({"matchExpressions": [{"key": NAME_LABEL, "operator": "In", "values": ["apps"]}]})
        ));
        assert!(!sel(
            json!({"matchExpressions": [{"key": NAME_LABEL, "operator": "In", "values": ["kube-system"]}]})
        ));
        assert!(sel(json!({"matchLabels": {NAME_LABEL: "apps"}})));
        assert!(!sel(json!({"matchLabels": {NAME_LABEL: "kube-system"}})));
        // The own namespace only when known.
        let mut e = expect();
        e.namespace = Some("security".into());
        let p = run(&good(), &e);
        assert!(
            p.iter()
                .any(|p| p.field == "namespaceSelector" && p.message.contains("exclude security"))
        );
        assert!(
            p.iter()
                .any(|p| p.field == "clientConfig.service.namespace")
        );
    }

    #[test]
    fn side_effects_versions_path_and_rules() {
        let mut d = good();
        set(&mut d, "/webhooks/0/sideEffects", json!("Unknown"));
        set(
            &mut d,
            "/webhooks/0/admissionReviewVersions",
            json!(["v1beta1"]),
        );
        set(
            &mut d,
            "/webhooks/0/clientConfig/service/path",
            json!("/mutate"),
        );
        set(&mut d, "/webhooks/0/rules/2/resources", json!(["jobs"]));
        assert_eq!(
            fields(&d),
            [
                "sideEffects",
                "admissionReviewVersions",
                "clientConfig.service.path",
                "rules"
            ]
        );
        let p = run(&d, &expect());
        let rules = p.iter().find(|p| p.field == "rules").unwrap();
        assert!(
            rules.message.contains("CREATE CronJob, UPDATE CronJob"),
            "{}",
            rules.message
        );
        // A mutating configuration wants /mutate.
        let mut m = good();
        m["kind"] = json!("MutatingWebhookConfiguration");
        assert_eq!(fields(&m), ["clientConfig.service.path"]);
        set(
            &mut m,
            "/webhooks/0/clientConfig/service/path",
            json!("/mutate"),
        );
        assert!(fields(&m).is_empty());
        // Wildcards cover everything.
        set(
            &mut m,
            "/webhooks/0/rules",
            json!([{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*/*"]}]),
        );
        assert!(fields(&m).is_empty());
    }

    #[test]
    fn resource_wildcards_follow_the_api_server() {
        assert!(resource_matches("pods", "pods"));
        assert!(resource_matches("*", "pods"));
        assert!(!resource_matches("*", "pods/ephemeralcontainers"));
        assert!(resource_matches("*/*", "pods"));
        assert!(resource_matches("*/*", "pods/ephemeralcontainers"));
        assert!(resource_matches("pods/*", "pods/ephemeralcontainers"));
        assert!(!resource_matches("pods/*", "pods"));
        assert!(resource_matches(
            "*/ephemeralcontainers",
            "pods/ephemeralcontainers"
        ));
        assert!(!resource_matches("pods/exec", "pods/ephemeralcontainers"));
        assert!(!resource_matches("pods", "pods/ephemeralcontainers"));
        // Without the subresource, `kubectl debug` is unchecked.
        let mut d = good();
        set(
            &mut d,
            "/webhooks/0/rules/0/resources",
            json!(["pods", "replicationcontrollers"]),
        );
        let p = without_ca(run(&d, &expect()));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("pods/ephemeralcontainers"));
    }

    #[test]
    fn url_client_config() {
        let mut d = good();
        set(
            &mut d,
            "/webhooks/0/clientConfig",
            json!({"url": "https://127.0.0.1:8443/validate?timeout=8s"}),
        );
        assert!(fields(&d).is_empty());
        set(
            &mut d,
            "/webhooks/0/clientConfig",
            json!({"url": "http://x/validate"}),
        );
        assert_eq!(fields(&d), ["clientConfig.url"]);
        set(&mut d, "/webhooks/0/clientConfig", json!({}));
        assert_eq!(fields(&d), ["clientConfig", "clientConfig.url"]);
    }

    #[test]
    fn ca_bundle_must_verify_the_serving_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = ["bulwark.bulwark.svc".to_owned()];
        let g = crate::tls::generate(&dir.path().join("a"), &hosts, 30).unwrap();
        let other = crate::tls::generate(&dir.path().join("b"), &hosts, 30).unwrap();
        let b64 = |p: &std::path::Path| {
            base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap())
        };
        let mut e = expect();
        e.serving_chain = Some(pem_chain("tls.crt", &std::fs::read(&g.cert).unwrap()).unwrap());
        let mut d = good();
        set(
            &mut d,
            "/webhooks/0/clientConfig/caBundle",
            json!(b64(&g.ca)),
        );
        assert!(run(&d, &e).is_empty(), "{:?}", run(&d, &e));
        // Another CA.
        set(
            &mut d,
            "/webhooks/0/clientConfig/caBundle",
            json!(b64(&other.ca)),
        );
        let p = run(&d, &e);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].message
                .starts_with("does not verify the server's certificate for bulwark.bulwark.svc")
        );
        // The right CA, but a service name the certificate does not carry.
        set(
            &mut d,
            "/webhooks/0/clientConfig/caBundle",
            json!(b64(&g.ca)),
        );
        set(
            &mut d,
            "/webhooks/0/clientConfig/service/name",
            json!("other"),
        );
        let p = run(&d, &e);
        assert!(p[0].message.contains("for other.bulwark.svc"), "{p:?}");
        // Garbage.
        set(&mut d, "/webhooks/0/clientConfig/caBundle", json!("%%%"));
        assert!(run(&d, &e)[0].message.starts_with("is not base64"));
        set(
            &mut d,
            "/webhooks/0/clientConfig/caBundle",
            json!("aGVsbG8="),
        );
        assert!(run(&d, &e)[0].message.contains("no PEM CERTIFICATE"));
    }

    #[test]
    fn parse_reads_yaml_streams_json_and_lists() {
        let y = b"# c\n---\napiVersion: v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: a}\n---\n---\nkind: Service\n";
        let docs = parse("f.yaml", y).unwrap();
        assert_eq!(docs.len(), 2);
        let list = serde_json::to_vec(&json!({"kind": "List", "items": [good(), good()]})).unwrap();
        assert_eq!(parse("l.json", &list).unwrap().len(), 2);
        let e = parse("bad.yaml", b"a: 1\nb: [\n").unwrap_err().to_string();
        assert!(e.starts_with("bad.yaml:"), "{e}");
        let deep = "[".repeat(10_000);
        assert!(parse("deep.yaml", deep.as_bytes()).is_err());
        assert!(parse("big.yaml", &vec![b'#'; MAX_FILE_BYTES + 1]).is_err());
        assert!(parse("u.yaml", b"a: \xff\n").is_err());
        let many = "---\na: 1\n".repeat(MAX_DOCUMENTS + 1);
        assert!(matches!(
            parse("many.yaml", many.as_bytes()),
            Err(SelfCheckError::TooManyDocuments { .. })
        ));
    }

    /// What the fuzz target does, over every truncation and many one-byte edits of a real configuration:
    /// an error or problems, never a panic.
    #[test]
    fn damaged_configurations_are_errors_or_problems() {
        let mut doc = good();
        set(
            &mut doc,
            "/webhooks/0/clientConfig/caBundle",
            json!("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="),
        );
        let text = serde_yaml::to_string(&doc).unwrap();
        let bytes = text.as_bytes();
        let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).map(|i| bytes[..i].to_vec()).collect();
        for i in (0..bytes.len()).step_by(3) {
            for b in [b'[', b'{', b':', b'-', b'\n', b'"', b'*', b'&', b'0', 0xff] {
                let mut v = bytes.to_vec();
                v[i] = b;
                inputs.push(v);
            }
        }
        let mut checked = 0;
        for input in &inputs {
            if let Ok(docs) = parse("d.yaml", input) {
                let mut r = Report::default();
                check("d.yaml", &docs, &expect(), &mut r);
                checked += usize::from(r.configurations > 0);
                for p in &r.problems {
                    assert!(p.to_string().starts_with("d.yaml: "));
                }
            }
        }
        assert!(checked > inputs.len() / 4, "{checked} of {}", inputs.len());
    }

    #[test]
    fn empty_configurations_and_other_kinds() {
        let mut r = Report::default();
        let docs = [
            json!({"kind": "Service"}),
            json!({"kind": "MutatingWebhookConfiguration", "metadata": {"name": "m"}}),
        ];
        check("x.yaml", &docs, &expect(), &mut r);
        assert_eq!(r.configurations, 1);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].field, "webhooks");
    }
}
