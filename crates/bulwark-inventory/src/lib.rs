//! The run stage's work on the store (`bulwark-store`), synchronous like every crate but the server's:
//! - **ingest**: an image's SBOM (pushed from CI, or read from the registry) and where images run;
//! - **re-match** ([`rescan`]): when the vulnerability DB changes, every stored SBOM is matched again with no
//!   image pull, as jobs shared by every replica through the store; each apply records what it opened and fixed;
//! - **notify**: when a DB version's jobs are all done, its changes (not an image's first match, its baseline)
//!   become one message per team, routed by `owners.yaml` (the layer that brought the package in, mostly), queued
//!   once per channel with a dedupe key; [`deliver_due`] sends what is due and records the outcome, so a
//!   notification survives a restart and is sent once.
//!
//! - **rank** ([`rank_workloads`]): every running workload's open findings scored in the context its stored
//!   Kubernetes objects give it (`bulwark-risk`).
//!
//! The server runs these on its loops (spawn_blocking); the CLI runs one pass of each (`bulwark inventory`,
//! `bulwark rescan`, `bulwark notify`, `bulwark get cve`).

pub mod attest;
mod cycle;
mod ingest;
mod risk;
mod verdict;

pub use attest::{AttestError, Pulled, SbomTrust, pull_sbom};
pub use cycle::{
    CycleReport, DeliveryReport, MAX_PREFIXES, MAX_SOURCE_NAME, MAX_UPSTREAMS, deliver_due,
    lookup_names, notify_cycle, rematch_one, reroute, rescan,
};
pub use ingest::{Ingested, db_version, ingest_sbom};
pub use risk::{RankedWorkload, StoredEvidence, rank_workloads, stored_evidence};
pub use verdict::{Judge, Judgement, Rematched};

/// Why a pass could not run. A finding is never an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] bulwark_store::Error),
    #[error("{0}")]
    Sbom(#[from] bulwark_sbom::SbomError),
    #[error("matching {digest}: {source}")]
    Match {
        digest: String,
        #[source]
        source: bulwark_match::MatchError,
    },
    #[error("judging {digest}: {message}")]
    Judge { digest: String, message: String },
    #[error("{digest} has no stored SBOM")]
    NoSbom { digest: String },
    #[error("cannot read the vulnerability DB {path}: {source}")]
    DbFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("team '{team}' has an invalid channel: {message}")]
    Channel { team: String, message: String },
}

/// Seconds since the Unix epoch, now.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
