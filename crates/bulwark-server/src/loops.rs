//! The run stage's loops (issue #15).

use std::sync::Arc;

use crate::State;

/// The loops' settings.
#[derive(Debug, Clone, Default)]
pub struct LoopsConfig {}

/// Starts the loops of the run stage, when the server has one.
pub(crate) fn spawn(state: &Arc<State>) -> Vec<tokio::task::JoinHandle<()>> {
    let _ = state;
    Vec::new()
}
