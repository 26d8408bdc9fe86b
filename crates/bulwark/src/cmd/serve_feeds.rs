//! `bulwark serve`'s inventory-feed flags (issue #15): they become [`bulwark_server::feeds::FeedsConfig`].
//! The cluster flags are `bulwark kube`'s own ([`super::kube::KubeFlags`]); the watch runs when the server is
//! given `--kubeconfig` or `--in-cluster`, and admitted objects become placements whenever it has a store.
//! With `--sbom-from-registry`, every digest they write without a stored SBOM gets its CycloneDX or SPDX
//! attestation fetched, verified (`--sbom-key`, else `--verify-key`) and ingested
//! (`bulwark_inventory::attest::pull_sbom`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};

#[derive(Debug, clap::Args)]
pub(crate) struct FeedFlags {
    #[command(flatten)]
    pub(crate) kube: super::kube::KubeFlags,
    /// Admission events waiting for the store at most; more are dropped and counted in /metrics
    /// (bulwark_feed_admission_dropped_total): admission never waits for the store.
    #[arg(long, value_name = "N", hide = true, default_value_t = bulwark_server::feeds::DEFAULT_QUEUE,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..1_000_000))]
    admission_queue: usize,
    /// Fetch the SBOM attestation (CycloneDX, else SPDX; cosign's `.att` tag or a Sigstore bundle referrer) of
    /// every digest the admission or watch feed records without a stored SBOM; verify it with --sbom-key (or
    /// --verify-key) and store the SBOM, so that the next rescan matches the image. Off the admission path;
    /// refusals are logged (`sbom-attestation-refused`) and retried with backoff.
    #[arg(long, requires = "store")]
    sbom_from_registry: bool,
    /// A public key (PEM) an SBOM attestation may be signed with (repeatable) [default: --verify-key].
    #[arg(
        long = "sbom-key",
        value_name = "FILE",
        requires = "sbom_from_registry"
    )]
    sbom_keys: Vec<PathBuf>,
    /// Digests waiting for their attestation at most; more are dropped and counted
    /// (bulwark_feed_sbom_dropped_total) and offered again when next seen.
    #[arg(long, value_name = "N", hide = true, default_value_t = 4096,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..1_000_000))]
    sbom_queue: usize,
    /// The first retry of a digest whose attestation was missing or refused; each next one waits twice as long
    /// (at most an hour).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = super::serve::parse_duration,
        requires = "sbom_from_registry")]
    sbom_retry: Duration,
    /// Attempts per digest before it is given up (until the feeds see it again).
    #[arg(long, value_name = "N", default_value_t = 8, requires = "sbom_from_registry",
        value_parser = clap::builder::RangedU64ValueParser::<u32>::new().range(1..1000))]
    sbom_attempts: u32,
}

impl FeedFlags {
    /// Whether a Kubernetes watch was asked for (`--kubeconfig`, `--in-cluster`).
    pub(crate) fn watches(&self) -> bool {
        self.kube.kubeconfig.is_some() || self.kube.in_cluster
    }

    /// The feeds' settings; `images` gives `--verify-key` and the registry flags to the SBOM feed.
    pub(crate) fn config(
        &self,
        images: &super::serve::ImageFlags,
    ) -> Result<bulwark_server::feeds::FeedsConfig> {
        let k = &self.kube;
        let kube = if self.watches() {
            let cluster = k
                .cluster_config()
                .context("the Kubernetes watch (--kubeconfig / --in-cluster)")?;
            Some(bulwark_server::feeds::KubeWatch {
                cluster,
                client: bulwark_kube::ClientOptions {
                    request_timeout: k.request_timeout,
                    ..bulwark_kube::ClientOptions::default()
                },
                page_size: k.page_size,
            })
        } else {
            None
        };
        let mut config = bulwark_server::feeds::FeedsConfig::default();
        config.cluster.clone_from(&k.cluster);
        config.environments = k.environments()?;
        config.kube = kube;
        config.queue = self.admission_queue;
        if self.sbom_from_registry {
            config.sbom = Some(self.sbom_feed(images)?);
        }
        Ok(config)
    }

    fn sbom_feed(
        &self,
        images: &super::serve::ImageFlags,
    ) -> Result<bulwark_server::feeds::attest::SbomFeed> {
        let paths: Vec<&PathBuf> = if self.sbom_keys.is_empty() {
            images.verify_key.iter().collect()
        } else {
            self.sbom_keys.iter().collect()
        };
        if paths.is_empty() {
            anyhow::bail!(
                "--sbom-from-registry verifies attestations: give --sbom-key (or --verify-key)"
            );
        }
        let keys = paths
            .into_iter()
            .map(|p| super::keys::load_public(p))
            .collect::<Result<Vec<_>>>()?;
        let trust = bulwark_inventory::SbomTrust::Keys(keys);
        let mut options = images.registry.options();
        // A stalled registry holds one blocking thread for this long at most.
        options.deadline = Some(Duration::from_mins(2));
        let fetch: bulwark_server::feeds::attest::SbomFetcher =
            Arc::new(move |store, image, digest| {
                let reference = bulwark_inventory::attest::reference(image, Some(digest))
                    .map_err(|e| e.to_string())?;
                let now = bulwark_inventory::now();
                bulwark_inventory::pull_sbom(
                    store,
                    &reference,
                    &options,
                    &trust,
                    &bulwark_inventory::attest::SBOM_KINDS,
                    now,
                )
                .map(|p| serde_json::to_value(&p).unwrap_or_default())
                .map_err(|e| e.to_string())
            });
        Ok(bulwark_server::feeds::attest::SbomFeed {
            fetch,
            queue: self.sbom_queue,
            retry: self.sbom_retry,
            max_retry: Duration::from_hours(1).max(self.sbom_retry),
            attempts: self.sbom_attempts,
        })
    }
}
