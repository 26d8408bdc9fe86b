//! `bulwark serve`'s inventory-feed flags (issue #15): they become [`bulwark_server::feeds::FeedsConfig`].

use anyhow::Result;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct FeedFlags {}

impl FeedFlags {
    #[allow(clippy::unused_self, clippy::unnecessary_wraps)] // the skeleton: its flags are added next
    pub(crate) fn config(&self) -> Result<bulwark_server::feeds::FeedsConfig> {
        Ok(bulwark_server::feeds::FeedsConfig::default())
    }
}
