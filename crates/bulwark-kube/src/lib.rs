//! Kubernetes inventory for Bulwark: which image digests run where.
//!
//! A deliberately small, synchronous client (ureq + rustls/aws-lc-rs, no tokio, no kube-rs): the inventory needs
//! five GET endpoints and one watch, and the scanning side of Bulwark is blocking. The server runs
//! [`Inventory::watch`] on a thread of its own.
//!
//! - [`config`]: kubeconfig files (`--kubeconfig`, `$KUBECONFIG` merged as kubectl merges it, `~/.kube/config`),
//!   contexts, clusters, users (token, tokenFile, client certificates, basic auth, `exec` plugins) and the
//!   in-cluster service account.
//! - [`client`]: GET JSON and open watch streams, with bounded bodies and lines and timeouts.
//! - [`watch`]: the watch stream parser.
//! - [`inventory`]: paged lists with 410 restarts, watches with bookmarks, 410 re-lists and re-watches, pod →
//!   owner workload → [`Placement`]s and [`Change`]s.
//! - [`objects`]: the same paged lists and watches for the objects that give a workload its risk context
//!   (Services, Ingresses, NetworkPolicies, ServiceAccounts, RBAC, workload controllers), one kind at a time.
//! - [`actions`]: enforcement through the API (delete a pod, scale to zero or suspend, isolate with a quarantine
//!   label and a deny-all NetworkPolicy), with the API server's own dry run.
//! - [`env`]: environments from namespace labels or an `environments.yaml` of namespace globs.

pub mod actions;
pub mod client;
pub mod config;
pub mod env;
mod error;
pub mod inventory;
pub mod model;
pub mod objects;
pub mod watch;

pub use client::{Client, ClientOptions};
pub use config::{Auth, ClusterConfig, Kubeconfig};
pub use env::Environments;
pub use error::KubeError;
pub use inventory::{Inventory, InventoryOptions, Stats};
pub use model::{Change, Placement, PlacementKey, RunningContainer};
pub use objects::{CONTEXT_RESOURCES, ObjectChange, ObjectWatch, ObjectWatchOptions, Resource};
