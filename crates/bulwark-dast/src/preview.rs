//! Preview apps: the Ingress hosts and Services of a namespace (from manifests or the API), resolved to URLs to
//! scan and to the workloads behind them, so findings name the Ingress, Service and workload that served them.
//!
//! STUB: built by helper "preview".

/// One URL to scan and what serves it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewTarget {
    /// The URL to scan (`https://pr-42.preview.example.com/`, or a Service URL).
    pub url: String,
    pub namespace: String,
    /// `Ingress/<ns>/<name>` when the URL comes from an Ingress rule.
    pub ingress: Option<String>,
    /// `Service/<ns>/<name>` the rule's backend (or the Service itself).
    pub service: Option<String>,
    /// `Deployment/<ns>/<name>` … whose pod template labels the Service selects.
    pub workloads: Vec<String>,
    /// The path prefix of the Ingress rule (`/` when none): alerts whose URL path starts with it belong here.
    pub path: String,
}
