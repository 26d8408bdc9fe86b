//! `bulwark serve`'s REST API flags (issue #15): they become [`bulwark_server::api::ApiConfig`].

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct ApiFlags {
    /// Bearer tokens of the REST API under /api/v1 (with --store): a YAML or JSON file `tokens: [{name, role,
    /// sha256}]`, role read (every GET), push (POST /api/v1/reports only, for CI) or admin (everything);
    /// `sha256` is the token's SHA-256 in hex (`printf %s TOKEN | sha256sum`), `token: TOKEN` is accepted too.
    /// Without this file the API refuses every request (401) but GET /api/v1/openapi.json: it fails closed. A
    /// file that does not parse stops the server (exit 2, with the file and line).
    #[arg(long, value_name = "FILE", requires = "store")]
    pub(crate) api_tokens: Option<PathBuf>,
    /// Largest request body the API accepts, in MiB (an SBOM; larger ones are HTTP 413).
    #[arg(long, value_name = "MIB", default_value_t = 64, requires = "store")]
    pub(crate) api_max_body_mib: usize,
}

impl ApiFlags {
    pub(crate) fn config(&self) -> Result<bulwark_server::api::ApiConfig> {
        let mut config = bulwark_server::api::ApiConfig::default();
        if let Some(path) = &self.api_tokens {
            let tokens = bulwark_server::api::Tokens::load(path)
                .map_err(|e| anyhow::anyhow!("--api-tokens: {e}"))?;
            config.tokens = Some(Arc::new(tokens));
        }
        config.max_body_bytes = self.api_max_body_mib.max(1).saturating_mul(1 << 20);
        Ok(config)
    }
}
