//! `bulwark serve`'s REST API flags (issue #15): they become [`bulwark_server::api::ApiConfig`].

use anyhow::Result;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ApiFlags {}

impl ApiFlags {
    #[allow(clippy::unused_self, clippy::unnecessary_wraps)] // the skeleton: its flags are added next
    pub(crate) fn config(&self) -> Result<bulwark_server::api::ApiConfig> {
        Ok(bulwark_server::api::ApiConfig::default())
    }
}
