//! Kubernetes audit events and the `ka.*`/`jevt.*` fields. See the crate docs.
