//! The run stage inside `bulwark serve` (issue #15), present when the server is given a store: the REST API
//! under `/api/v1` ([`crate::api`]) and the loops that keep the inventory current ([`crate::loops`]): admission
//! events and the Kubernetes watch become placements ([`crate::feeds`]), a DB change re-matches every stored
//! SBOM, and the notification queue is delivered. Every replica runs every loop; work is shared through the store.

use crate::api::ApiConfig;
use crate::feeds::FeedsConfig;
use crate::loops::LoopsConfig;

/// The run stage's settings.
#[derive(Debug, Clone)]
pub struct RunStage {
    /// The store: a SQLite file (`sqlite:PATH` or a path) or `postgres://…`.
    pub store: String,
    /// This replica's name in job and notification leases.
    pub worker: String,
    pub api: ApiConfig,
    pub loops: LoopsConfig,
    pub feeds: FeedsConfig,
}
