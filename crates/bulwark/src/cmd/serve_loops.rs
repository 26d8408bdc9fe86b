//! `bulwark serve`'s inventory-loop flags (issue #15): they become [`bulwark_server::loops::LoopsConfig`].

use anyhow::Result;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct LoopFlags {}

impl LoopFlags {
    #[allow(clippy::unused_self, clippy::unnecessary_wraps)] // the skeleton: its flags are added next
    pub(crate) fn config(&self) -> Result<bulwark_server::loops::LoopsConfig> {
        Ok(bulwark_server::loops::LoopsConfig::default())
    }
}
