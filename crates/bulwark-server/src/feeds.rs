//! The inventory feeds of the run stage (issue #15): where images run, from admission events and from the
//! Kubernetes watch, written to the store as placements.

use std::sync::Arc;

use crate::State;

/// The feeds' settings.
#[derive(Debug, Clone, Default)]
pub struct FeedsConfig {}

/// Starts the feeds of the run stage, when the server has one.
pub(crate) fn spawn(state: &Arc<State>) -> Vec<tokio::task::JoinHandle<()>> {
    let _ = state;
    Vec::new()
}
