//! Preview apps: the Ingress hosts and Services of a namespace (from manifests or the API), resolved to URLs to
//! scan and to the workloads behind them, so findings name the Ingress, Service and workload that served them.
//!
//! [`discover`] reads Kubernetes objects as JSON (one namespace's, as parsed from manifests or listed from the
//! API) and follows the API reference's semantics:
//!
//! - **Ingress** (`networking.k8s.io/v1`): each `spec.rules[].host` with each `http.paths[]` gives a URL,
//!   `https` when a `spec.tls[]` entry lists the host (a `*.example.com` TLS host covers one label; an entry
//!   without `hosts` covers every host), else `http`. The path is the rule's `path` (`/` when absent) with its
//!   `pathType`: `Exact` matches that path only, `Prefix` element by element (`/foo` matches `/foo/bar`, not
//!   `/foobar`), `ImplementationSpecific` is taken as `Prefix` (a regex path is cut before its first
//!   metacharacter). Each path's `backend.service` (`name`, `port.name` or `port.number`) names the Service; a
//!   `spec.defaultBackend` serves each host at `/` when no rule path covers it. A rule without `host` matches
//!   any host on the controller's address, which is not known here: skipped with a note, unless a Service URL
//!   template is given, then the backend Service's URL is scanned. A wildcard host (`*.foo.com`) names no
//!   host to request: skipped with a note.
//! - **HTTPRoute** (`gateway.networking.k8s.io/v1`): each `spec.hostnames[]` with each `rules[].matches[].path`
//!   (`PathPrefix`, `Exact`; `/` when there is no match) and the rule's first Service `backendRefs[]`; `https`
//!   when a parent Gateway in the objects has an `HTTPS` listener, else `http`.
//! - **Service**: `spec.ports[]` by `name` or `port`; its `spec.selector` selects the workloads whose pod
//!   template labels hold every pair (an empty or absent selector selects nothing: endpoints are managed
//!   elsewhere). Workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job (`spec.template`), CronJob
//!   (`spec.jobTemplate.spec.template`), Pod (`metadata.labels`); an object whose controller (a controller
//!   `ownerReference`) is among the objects is named through its controller only (a Deployment, not its
//!   ReplicaSets and Pods).
//! - **Services no route names**, of type ClusterIP, NodePort or LoadBalancer, get one URL per HTTP-looking
//!   port (name `http`, `https`, `web`, or `appProtocol` `http`/`https`, or port 80, 443, 8080, 8443) from a
//!   template: `{scheme}://{service}.{namespace}.svc:{port}` by default (`{scheme}` is `https` for a port
//!   named `https`, `appProtocol: https`, or 443/8443).
//!
//! [`target_for`] maps an alert's URL back to the most specific target: same host (and port), then the
//! longest matching path, `Exact` before `Prefix` on a tie (the Ingress precedence rule).
//!
//! Owners: the `bulwark.dev/owner` annotation of the workload, else the Service, else the Ingress or
//! HTTPRoute, is carried in [`PreviewTarget::owner`]; the merged annotations and the workload's pod labels
//! are carried for owners.yaml routing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The annotation that names a team directly (the key bulwark-owners reads).
pub const OWNER_ANNOTATION: &str = "bulwark.dev/owner";

/// The Service URL template used when none is given.
pub const DEFAULT_SERVICE_URL: &str = "{scheme}://{service}.{namespace}.svc:{port}";

/// One URL to scan and what serves it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewTarget {
    /// The URL to scan (`https://pr-42.preview.example.com/`, or a Service URL).
    pub url: String,
    pub namespace: String,
    /// `Ingress/<ns>/<name>` when the URL comes from an Ingress rule (`HTTPRoute/<ns>/<name>` from a route).
    pub ingress: Option<String>,
    /// `Service/<ns>/<name>` the rule's backend (or the Service itself).
    pub service: Option<String>,
    /// `Deployment/<ns>/<name>` … whose pod template labels the Service selects.
    pub workloads: Vec<String>,
    /// The path prefix of the Ingress rule (`/` when none): alerts whose URL path starts with it belong here.
    pub path: String,
    /// The path matches exactly (`pathType: Exact`), not as a prefix. (Added by helper "preview".)
    pub exact: bool,
    /// The team named by a `bulwark.dev/owner` annotation: the workload's, else the Service's, else the
    /// Ingress's or HTTPRoute's. (Added.)
    pub owner: Option<String>,
    /// The object whose annotation named [`PreviewTarget::owner`] (`Deployment/<ns>/<name>`). (Added.)
    pub owner_source: Option<String>,
    /// The pod template labels of the first workload, for owners.yaml `labels:` rules. (Added.)
    pub labels: BTreeMap<String, String>,
    /// The annotations of the Ingress, the Service and the first workload merged, the most specific winning
    /// (workload over Service over Ingress), for owners.yaml `annotations:` rules. (Added.)
    pub annotations: BTreeMap<String, String>,
}

/// What [`discover`] found, and what it could not use (each note names the object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    pub targets: Vec<PreviewTarget>,
    pub notes: Vec<String>,
}

/// How to build URLs for Services.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// The `--service-url` template (`{scheme}`, `{service}`, `{namespace}`, `{port}`, `{port_name}`); when
    /// set, Ingress rules without a host are scanned through their backend Service's URL.
    pub service_url: Option<String>,
}

const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

fn s<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

fn kind(o: &Value) -> &str {
    s(o, "/kind").unwrap_or("")
}

fn name(o: &Value) -> &str {
    s(o, "/metadata/name").unwrap_or("")
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn annotations(o: &Value) -> BTreeMap<String, String> {
    string_map(o.pointer("/metadata/annotations"))
}

/// The labels of the pods a workload makes (or a Pod's own).
fn pod_labels(o: &Value) -> BTreeMap<String, String> {
    let ptr = match kind(o) {
        "Pod" => "/metadata/labels",
        "CronJob" => "/spec/jobTemplate/spec/template/metadata/labels",
        _ => "/spec/template/metadata/labels",
    };
    string_map(o.pointer(ptr))
}

/// The objects of one namespace, indexed.
struct Index<'a> {
    ns: &'a str,
    services: BTreeMap<&'a str, &'a Value>,
    /// Workloads not controlled by another listed object, in input order.
    workloads: Vec<&'a Value>,
    gateways: BTreeMap<(String, String), &'a Value>,
}

impl<'a> Index<'a> {
    fn new(objects: &'a [Value], ns: &'a str) -> Self {
        let listed: BTreeSet<(&str, &str)> = objects.iter().map(|o| (kind(o), name(o))).collect();
        let mut services = BTreeMap::new();
        let mut workloads = Vec::new();
        let mut gateways = BTreeMap::new();
        for o in objects {
            match kind(o) {
                "Service" if !name(o).is_empty() => {
                    services.entry(name(o)).or_insert(o);
                }
                "Gateway" => {
                    let gns = s(o, "/metadata/namespace").unwrap_or(ns);
                    gateways.insert((gns.to_owned(), name(o).to_owned()), o);
                }
                k if WORKLOAD_KINDS.contains(&k) => {
                    let controlled = o
                        .pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                        .any(|r| {
                            listed.contains(&(
                                s(r, "/kind").unwrap_or(""),
                                s(r, "/name").unwrap_or(""),
                            ))
                        });
                    if !controlled {
                        workloads.push(o);
                    }
                }
                _ => {}
            }
        }
        Self {
            ns,
            services,
            workloads,
            gateways,
        }
    }

    fn resource(&self, kind: &str, name: &str) -> String {
        format!("{kind}/{}/{name}", self.ns)
    }

    /// The workloads a Service's selector selects.
    fn selected(&self, svc: &Value) -> Vec<&'a Value> {
        let selector = string_map(svc.pointer("/spec/selector"));
        if selector.is_empty() {
            return Vec::new();
        }
        self.workloads
            .iter()
            .copied()
            .filter(|w| {
                let labels = pod_labels(w);
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .collect()
    }
}

/// What serves one route: the Service and the workloads it selects, with owner and labels.
#[derive(Default)]
struct Backend {
    service: Option<String>,
    workloads: Vec<String>,
    owner: Option<(String, String)>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

impl Backend {
    /// The Service (when listed) and its workloads; `route` is the Ingress or HTTPRoute that names it.
    fn of(
        ix: &Index<'_>,
        route: Option<(&Value, &str)>,
        svc_name: &str,
        notes: &mut Vec<String>,
    ) -> Self {
        let mut b = Self {
            service: Some(ix.resource("Service", svc_name)),
            ..Self::default()
        };
        let mut layers: Vec<(String, BTreeMap<String, String>)> = Vec::new();
        if let Some((o, r)) = route {
            layers.push((r.to_owned(), annotations(o)));
        }
        match ix.services.get(svc_name) {
            None => notes.push(format!(
                "{}: backend Service {}/{svc_name} is not among the objects; its workloads are unknown",
                route.map_or("?", |(_, r)| r),
                ix.ns
            )),
            Some(svc) => {
                layers.push((ix.resource("Service", svc_name), annotations(svc)));
                let selected = ix.selected(svc);
                if svc.pointer("/spec/selector").is_none() {
                    notes.push(format!(
                        "Service/{}/{svc_name} has no selector (its endpoints are managed elsewhere): no workload named",
                        ix.ns
                    ));
                }
                for (i, w) in selected.iter().enumerate() {
                    let r = ix.resource(kind(w), name(w));
                    if i == 0 {
                        b.labels = pod_labels(w);
                        layers.push((r.clone(), annotations(w)));
                    }
                    b.workloads.push(r);
                }
            }
        }
        for (source, ann) in layers {
            if let Some(team) = ann.get(OWNER_ANNOTATION) {
                b.owner = Some((team.clone(), source));
            }
            b.annotations.extend(ann);
        }
        b
    }

    fn target(
        self,
        url: String,
        ns: &str,
        ingress: Option<String>,
        path: String,
        exact: bool,
    ) -> PreviewTarget {
        let (owner, owner_source) = self.owner.map_or((None, None), |(t, s)| (Some(t), Some(s)));
        PreviewTarget {
            url,
            namespace: ns.to_owned(),
            ingress,
            service: self.service,
            workloads: self.workloads,
            path,
            exact,
            owner,
            owner_source,
            labels: self.labels,
            annotations: self.annotations,
        }
    }
}

/// A TLS host (possibly `*.example.com`) covers `host`: a wildcard stands for exactly one DNS label.
fn tls_covers(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    match p.strip_prefix("*.") {
        Some(rest) => h
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => p == h,
    }
}

fn https_host(ingress: &Value, host: &str) -> bool {
    ingress
        .pointer("/spec/tls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| match t.get("hosts").and_then(Value::as_array) {
            Some(hosts) if !hosts.is_empty() => hosts
                .iter()
                .filter_map(Value::as_str)
                .any(|p| tls_covers(p, host)),
            _ => true,
        })
}

/// The literal part of a path: an `ImplementationSpecific` path may be a controller's regex
/// (`/api(/|$)(.*)`); it is cut before the first metacharacter.
fn literal_path(path: &str) -> (String, bool) {
    let Some(i) = path.find(['(', '[', '*', '$', '?', '+', '|', '{', '\\', '^']) else {
        return (path.to_owned(), false);
    };
    // `.` before a quantifier is regex "any character", not part of the literal.
    let mut p = path[..i].trim_end_matches('.').to_owned();
    // A group or an end anchor right after an element (`/api(/|$)`) keeps the element; anything else cuts back
    // to the last whole element (`/api/v[0-9]+` is `/api/`).
    if !p.ends_with('/') && !path[i..].starts_with(['(', '$']) {
        p.truncate(p.rfind('/').map_or(0, |j| j + 1));
    }
    if p.is_empty() {
        p.push('/');
    }
    (p, true)
}

/// A path as the API requires it, starting with `/`.
fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

fn join_url(scheme: &str, host: &str, path: &str) -> String {
    format!("{scheme}://{}{}", host.to_ascii_lowercase(), absolute(path))
}

fn is_https_port(p: &Value) -> bool {
    s(p, "/name") == Some("https")
        || s(p, "/appProtocol") == Some("https")
        || matches!(p.get("port").and_then(Value::as_u64), Some(443 | 8443))
}

fn is_http_port(p: &Value) -> bool {
    matches!(s(p, "/name"), Some("http" | "https" | "web"))
        || matches!(
            s(p, "/appProtocol"),
            Some("http" | "https" | "kubernetes.io/h2c")
        )
        || matches!(
            p.get("port").and_then(Value::as_u64),
            Some(80 | 443 | 8080 | 8443)
        )
}

fn service_url(template: &str, svc: &str, ns: &str, port: &Value) -> String {
    let number = port.get("port").and_then(Value::as_u64).unwrap_or(80);
    template
        .replace(
            "{scheme}",
            if is_https_port(port) { "https" } else { "http" },
        )
        .replace("{service}", svc)
        .replace("{namespace}", ns)
        .replace("{port_name}", s(port, "/name").unwrap_or(""))
        .replace("{port}", &number.to_string())
}

/// The port of a Service that a backend names (`name` or `number`).
fn service_port<'v>(svc: &'v Value, want: &Value) -> Option<&'v Value> {
    let ports = svc.pointer("/spec/ports").and_then(Value::as_array)?;
    if let Some(n) = want.get("name").and_then(Value::as_str) {
        return ports.iter().find(|p| s(p, "/name") == Some(n));
    }
    let n = want
        .get("number")
        .or_else(|| want.get("port"))
        .and_then(Value::as_u64)?;
    ports
        .iter()
        .find(|p| p.get("port").and_then(Value::as_u64) == Some(n))
}

/// One path of an Ingress or HTTPRoute rule: the path, exact or prefix, and the backend Service's name and
/// port reference.
struct RoutePath<'v> {
    path: String,
    exact: bool,
    service: Option<&'v str>,
    port: Option<&'v Value>,
}

struct Builder<'a, 'o> {
    ix: Index<'a>,
    opts: &'o DiscoverOptions,
    out: Discovery,
    /// Services some route names (their Service URL is not scanned again).
    routed: BTreeSet<String>,
}

impl Builder<'_, '_> {
    fn push(&mut self, t: PreviewTarget) {
        if !self.out.targets.contains(&t) {
            self.out.targets.push(t);
        }
    }

    /// A route path on a host (or, without a host, on the backend Service's URL when a template is given).
    fn route_path(
        &mut self,
        route: &Value,
        route_ref: &str,
        host: Option<(&str, &str)>,
        rp: &RoutePath<'_>,
    ) {
        let Some(svc_name) = rp.service else {
            self.out.notes.push(format!(
                "{route_ref}: path {} has a backend that is not a Service: not scanned",
                rp.path
            ));
            return;
        };
        self.routed.insert(svc_name.to_owned());
        let backend = Backend::of(
            &self.ix,
            Some((route, route_ref)),
            svc_name,
            &mut self.out.notes,
        );
        let url = if let Some((scheme, host)) = host {
            join_url(scheme, host, &rp.path)
        } else {
            let Some(template) = self.opts.service_url.as_deref() else {
                self.out.notes.push(format!(
                        "{route_ref}: a rule without a host (path {}) matches any host on the controller's \
                         address, which is not known here: not scanned (give --service-url to scan its Service)",
                        rp.path
                    ));
                return;
            };
            let port = self
                .ix
                .services
                .get(svc_name)
                .and_then(|svc| rp.port.and_then(|p| service_port(svc, p)));
            let Some(port) = port else {
                self.out.notes.push(format!(
                        "{route_ref}: Service {}/{svc_name} or its port is not among the objects: no URL for the \
                         rule without a host",
                        self.ix.ns
                    ));
                return;
            };
            let base = service_url(template, svc_name, self.ix.ns, port);
            format!("{}{}", base.trim_end_matches('/'), rp.path)
        };
        if let (Some(svc), Some(p)) = (self.ix.services.get(svc_name), rp.port)
            && service_port(svc, p).is_none()
        {
            self.out.notes.push(format!(
                "{route_ref}: Service {}/{svc_name} has no port {}",
                self.ix.ns,
                p.get("name")
                    .or_else(|| p.get("number"))
                    .map_or_else(String::new, ToString::to_string)
            ));
        }
        let t = backend.target(
            url,
            self.ix.ns,
            Some(route_ref.to_owned()),
            rp.path.clone(),
            rp.exact,
        );
        self.push(t);
    }

    fn ingress(&mut self, ing: &Value) {
        let route_ref = self.ix.resource("Ingress", name(ing));
        let rules: &[Value] = ing
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let default = ing.pointer("/spec/defaultBackend").map(|b| RoutePath {
            path: "/".into(),
            exact: false,
            service: s(b, "/service/name"),
            port: b.pointer("/service/port"),
        });
        let mut hosts: Vec<(String, bool)> = Vec::new();
        for rule in rules {
            let host = s(rule, "/host").filter(|h| !h.is_empty());
            if let Some(h) = host
                && h.starts_with('*')
            {
                self.out.notes.push(format!(
                    "{route_ref}: wildcard host {h} names no host to request: not scanned"
                ));
                continue;
            }
            let scheme = host.map(|h| if https_host(ing, h) { "https" } else { "http" });
            let paths = rule
                .pointer("/http/paths")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            let mut covers_root = false;
            for p in paths {
                // The API requires an absolute path; manifests are not validated yet.
                let raw = &absolute(s(p, "/path").unwrap_or("/"));
                let path_type = s(p, "/pathType").unwrap_or("ImplementationSpecific");
                let (path, cut) = if path_type == "ImplementationSpecific" {
                    literal_path(raw)
                } else {
                    (raw.to_owned(), false)
                };
                if cut {
                    self.out
                        .notes
                        .push(format!("{route_ref}: path {raw} read as the prefix {path}"));
                }
                let exact = path_type == "Exact";
                covers_root |= !exact && path.trim_end_matches('/').is_empty();
                let rp = RoutePath {
                    path,
                    exact,
                    service: s(p, "/backend/service/name"),
                    port: p.pointer("/backend/service/port"),
                };
                let host_scheme = host.zip(scheme).map(|(h, sc)| (sc, h));
                self.route_path(ing, &route_ref, host_scheme, &rp);
            }
            if let Some(h) = host {
                match hosts.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(h)) {
                    Some((_, c)) => *c |= covers_root,
                    None => hosts.push((h.to_owned(), covers_root)),
                }
            }
        }
        if let Some(d) = default {
            let uncovered: Vec<String> = hosts
                .iter()
                .filter(|(_, c)| !c)
                .map(|(h, _)| h.clone())
                .collect();
            if hosts.is_empty() {
                // Only a default backend: every host on the controller's address.
                self.route_path(ing, &route_ref, None, &d);
            }
            for h in uncovered {
                let scheme = if https_host(ing, &h) { "https" } else { "http" };
                self.route_path(ing, &route_ref, Some((scheme, &h)), &d);
            }
        } else if rules.is_empty() {
            self.out
                .notes
                .push(format!("{route_ref}: no rules and no default backend"));
        }
    }

    fn http_route(&mut self, route: &Value) {
        let route_ref = self.ix.resource("HTTPRoute", name(route));
        let hostnames: Vec<&str> = route
            .pointer("/spec/hostnames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let https = route
            .pointer("/spec/parentRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|p| self.gateway_https(p));
        let scheme = if https { "https" } else { "http" };
        if hostnames.is_empty() {
            self.out.notes.push(format!(
                "{route_ref}: no hostnames (the Gateway listener's hostname applies, not known here): not scanned"
            ));
        }
        let rules = route
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for rule in rules {
            let backend = rule
                .get("backendRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|b| {
                    matches!(s(b, "/kind"), None | Some("Service"))
                        && matches!(s(b, "/group"), None | Some(""))
                        && s(b, "/namespace").is_none_or(|n| n == self.ix.ns)
                });
            let port = backend
                .and_then(|b| b.get("port"))
                .map(|p| serde_json::json!({"number": p}));
            let matches: Vec<(String, bool)> = match rule.get("matches").and_then(Value::as_array) {
                Some(ms) if !ms.is_empty() => ms
                    .iter()
                    .map(|m| {
                        let t = s(m, "/path/type").unwrap_or("PathPrefix");
                        let v = &absolute(s(m, "/path/value").unwrap_or("/"));
                        match t {
                            "Exact" => (v.to_owned(), true),
                            "PathPrefix" => (v.to_owned(), false),
                            _ => {
                                let (p, _) = literal_path(v);
                                self.out.notes.push(format!(
                                    "{route_ref}: path {v} ({t}) read as the prefix {p}"
                                ));
                                (p, false)
                            }
                        }
                    })
                    .collect(),
                _ => vec![("/".to_owned(), false)],
            };
            for host in &hostnames {
                if host.starts_with('*') {
                    continue;
                }
                for (path, exact) in &matches {
                    let rp = RoutePath {
                        path: path.clone(),
                        exact: *exact,
                        service: backend.and_then(|b| s(b, "/name")),
                        port: port.as_ref(),
                    };
                    self.route_path(route, &route_ref, Some((scheme, host)), &rp);
                }
            }
        }
        for h in hostnames.iter().filter(|h| h.starts_with('*')) {
            self.out.notes.push(format!(
                "{route_ref}: wildcard hostname {h} names no host to request: not scanned"
            ));
        }
    }

    /// Whether a parentRef's Gateway (when it is among the objects) has an HTTPS listener for it.
    fn gateway_https(&self, parent: &Value) -> bool {
        let gns = s(parent, "/namespace").unwrap_or(self.ix.ns).to_owned();
        let Some(gw) = self
            .ix
            .gateways
            .get(&(gns, s(parent, "/name").unwrap_or("").to_owned()))
        else {
            return false;
        };
        let section = s(parent, "/sectionName");
        gw.pointer("/spec/listeners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|l| section.is_none_or(|sn| s(l, "/name") == Some(sn)))
            .any(|l| s(l, "/protocol") == Some("HTTPS"))
    }

    fn bare_service(&mut self, svc: &Value) {
        let svc_name = name(svc);
        let ty = s(svc, "/spec/type").unwrap_or("ClusterIP");
        if !matches!(ty, "ClusterIP" | "NodePort" | "LoadBalancer") {
            return;
        }
        let template = self
            .opts
            .service_url
            .as_deref()
            .unwrap_or(DEFAULT_SERVICE_URL);
        let ports = svc
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for port in ports.iter().filter(|p| is_http_port(p)) {
            let backend = Backend::of(&self.ix, None, svc_name, &mut self.out.notes);
            let url = service_url(template, svc_name, self.ix.ns, port);
            let url = if url::Url::parse(&url).is_ok_and(|u| u.path() == "/") && !url.ends_with('/')
            {
                format!("{url}/")
            } else {
                url
            };
            let t = backend.target(url, self.ix.ns, None, "/".into(), false);
            self.push(t);
        }
    }
}

/// The URLs to scan in namespace `ns` from its objects (manifests or API lists; objects of other namespaces
/// are the caller's to drop), each naming its Ingress (or HTTPRoute), Service and workloads.
#[must_use]
pub fn discover(objects: &[Value], ns: &str, opts: &DiscoverOptions) -> Discovery {
    let mut b = Builder {
        ix: Index::new(objects, ns),
        opts,
        out: Discovery::default(),
        routed: BTreeSet::new(),
    };
    for o in objects {
        let api = s(o, "/apiVersion").unwrap_or("");
        match kind(o) {
            "Ingress" if api == "networking.k8s.io/v1" => b.ingress(o),
            "Ingress" => b.out.notes.push(format!(
                "Ingress/{ns}/{}: apiVersion {api} is not networking.k8s.io/v1 (removed in Kubernetes 1.22): not read",
                name(o)
            )),
            "HTTPRoute" if api.starts_with("gateway.networking.k8s.io/") => b.http_route(o),
            _ => {}
        }
    }
    let services: Vec<&Value> = b.ix.services.values().copied().collect();
    for svc in services {
        if !b.routed.contains(name(svc)) {
            b.bare_service(svc);
        }
    }
    // A Service several paths name is noted once.
    let mut seen = BTreeSet::new();
    b.out.notes.retain(|n| seen.insert(n.clone()));
    b.out
}

/// Whether a request path matches a target path: exactly, or as a prefix element by element (`/foo` matches
/// `/foo`, `/foo/` and `/foo/bar`, not `/foobar`; a trailing `/` on either is ignored).
#[must_use]
pub fn path_matches(target: &str, exact: bool, path: &str) -> bool {
    if exact {
        return target == path;
    }
    let t = target.trim_end_matches('/');
    if t.is_empty() {
        return true;
    }
    let p = path.trim_end_matches('/');
    p == t || p.strip_prefix(t).is_some_and(|rest| rest.starts_with('/'))
}

/// The target that served `url`: one with the same host and port, then the longest matching path (`Exact`
/// before `Prefix` on a tie, as the Ingress API's precedence rule says). `None` when no target's host matches.
#[must_use]
pub fn target_for<'t>(url: &str, targets: &'t [PreviewTarget]) -> Option<&'t PreviewTarget> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let port = u.port_or_known_default();
    let path = u.path();
    targets
        .iter()
        .filter(|t| {
            url::Url::parse(&t.url).is_ok_and(|tu| {
                tu.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
                    && tu.port_or_known_default() == port
            })
        })
        .filter(|t| path_matches(&t.path, t.exact, path))
        .max_by_key(|t| (t.path.trim_end_matches('/').len(), t.exact))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefix_matches_element_by_element() {
        // The Ingress API reference's examples for pathType Prefix.
        assert!(path_matches("/foo/bar", false, "/foo/bar/baz"));
        assert!(!path_matches("/foo/bar", false, "/foo/barbaz"));
        assert!(path_matches("/foo/", false, "/foo"));
        assert!(path_matches("/", false, "/anything"));
        assert!(path_matches("/aaa/bb", false, "/aaa/bb/"));
        assert!(!path_matches("/foo", true, "/foo/"));
        assert!(path_matches("/foo", true, "/foo"));
    }

    #[test]
    fn tls_wildcard_covers_one_label() {
        assert!(tls_covers(
            "*.preview.example.com",
            "pr-1.preview.example.com"
        ));
        assert!(!tls_covers(
            "*.preview.example.com",
            "a.pr-1.preview.example.com"
        ));
        assert!(!tls_covers("*.preview.example.com", "preview.example.com"));
        assert!(tls_covers("Web.Example.com", "web.example.com"));
    }

    #[test]
    fn regex_paths_are_cut() {
        assert_eq!(literal_path("/api(/|$)(.*)"), ("/api".into(), true));
        assert_eq!(literal_path("/robots.txt"), ("/robots.txt".into(), false));
        assert_eq!(literal_path("/.*"), ("/".into(), true));
        assert_eq!(literal_path("/api/v[0-9]+/users"), ("/api/".into(), true));
    }

    #[test]
    fn exact_wins_over_prefix_of_the_same_length() {
        let t = |path: &str, exact| PreviewTarget {
            url: format!("https://h{path}"),
            path: path.into(),
            exact,
            ..PreviewTarget::default()
        };
        let ts = [t("/", false), t("/a", false), t("/a", true)];
        assert!(target_for("https://h/a", &ts).unwrap().exact);
        assert_eq!(target_for("https://h/a/b", &ts).unwrap().path, "/a");
        assert_eq!(target_for("https://h/b", &ts).unwrap().path, "/");
        assert!(target_for("https://other/a", &ts).is_none());
        assert!(
            target_for("http://h/a", &ts).is_none(),
            "port 80 is not 443"
        );
    }

    #[test]
    fn service_port_by_name_or_number() {
        let svc = json!({"spec": {"ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 9090}]}});
        assert_eq!(
            service_port(&svc, &json!({"name": "metrics"})).unwrap()["port"],
            9090
        );
        assert_eq!(
            service_port(&svc, &json!({"number": 80})).unwrap()["name"],
            "http"
        );
        assert!(service_port(&svc, &json!({"number": 81})).is_none());
    }

    /// Cases the kubectl-made fixtures of crates/bulwark/tests/dast_preview.rs do not hold, from the API
    /// reference: a TLS entry without `hosts`, a wildcard host, an ImplementationSpecific regex path, an
    /// ExternalName Service, StatefulSet and CronJob pod templates, a Service without selector.
    #[test]
    fn reference_cases_beyond_the_fixtures() {
        let objects = vec![
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"},
                "spec": {"tls": [{"secretName": "default-cert"}], "rules": [
                    {"host": "a.example.com", "http": {"paths": [{"path": "/api(/|$)(.*)",
                        "pathType": "ImplementationSpecific",
                        "backend": {"service": {"name": "db", "port": {"number": 5432}}}}]}},
                    {"host": "*.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                        "backend": {"service": {"name": "db", "port": {"number": 5432}}}}]}}]}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                "spec": {"selector": {"app": "db"}, "ports": [{"name": "pg", "port": 5432}]}}),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
                "spec": {"template": {"metadata": {"labels": {"app": "db", "tier": "data"}}}}}),
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "dump"},
                "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "db"}}}}}}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                "spec": {"type": "ExternalName", "externalName": "example.org", "ports": [{"port": 80}]}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "manual"},
                "spec": {"ports": [{"name": "web", "port": 3000}]}}),
        ];
        let d = discover(&objects, "ns", &DiscoverOptions::default());
        let got: Vec<(String, String, Vec<String>)> = d
            .targets
            .iter()
            .map(|t| (t.url.clone(), t.path.clone(), t.workloads.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "https://a.example.com/api".to_owned(),
                    "/api".to_owned(),
                    vec!["StatefulSet/ns/db".to_owned(), "CronJob/ns/dump".to_owned()]
                ),
                (
                    "http://manual.ns.svc:3000/".to_owned(),
                    "/".to_owned(),
                    vec![]
                ),
            ]
        );
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("wildcard host *.example.com")),
            "{:?}",
            d.notes
        );
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("Service/ns/manual has no selector")),
            "{:?}",
            d.notes
        );
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("read as the prefix /api")),
            "{:?}",
            d.notes
        );
    }

    /// What the fuzz target checks, over objects that break the API's rules (unvalidated manifests): relative
    /// paths, wrong types, empty names, a selector of numbers. No panic; every target has an absolute path.
    #[test]
    fn unvalidated_objects_do_not_panic() {
        let objects = vec![
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": ""},
                "spec": {"defaultBackend": {"service": {"name": 7}}, "tls": "x", "rules": [
                    {"host": "é.example.com", "http": {"paths": [{"path": "relative", "pathType": "Prefix",
                        "backend": {"service": {"name": "s", "port": {"number": -1}}}}, {"path": "(", "backend": {}}]}},
                    {"host": "", "http": {"paths": "no"}}, 5]}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"},
                "spec": {"hostnames": ["h", 3, "*.w"], "parentRefs": [{}], "rules": [{"matches": [{"path": {"value": "x"}}],
                    "backendRefs": [{"name": "s", "port": "http"}]}, {}]}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                "spec": {"selector": {"a": 1}, "ports": [{"port": 80}, {"name": "http"}, 3]}}),
            json!({"kind": "Pod", "metadata": {"name": "p", "labels": [], "ownerReferences": {"x": 1}}}),
            json!(null),
            json!([]),
        ];
        for service_url in [None, Some("{scheme}://{service}:{port}".to_owned())] {
            let d = discover(&objects, "ns", &DiscoverOptions { service_url });
            assert!(!d.targets.is_empty());
            for t in &d.targets {
                assert!(t.path.starts_with('/'), "{t:?}");
                assert!(t.url.starts_with("http"), "{t:?}");
                // A target's own URL maps back to a target (itself or a more specific one of its host).
                if url::Url::parse(&t.url).is_ok() {
                    assert!(target_for(&t.url, &d.targets).is_some(), "{t:?}");
                }
            }
        }
    }
}
