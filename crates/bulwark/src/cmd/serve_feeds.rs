//! `bulwark serve`'s inventory-feed flags (issue #15): they become [`bulwark_server::feeds::FeedsConfig`].
//! The cluster flags are `bulwark kube`'s own ([`super::kube::KubeFlags`]); the watch runs when the server is
//! given `--kubeconfig` or `--in-cluster`, and admitted objects become placements whenever it has a store.

use anyhow::{Context as _, Result};

#[derive(Debug, clap::Args)]
pub(crate) struct FeedFlags {
    #[command(flatten)]
    kube: super::kube::KubeFlags,
    /// Admission events waiting for the store at most; more are dropped and counted in /metrics
    /// (bulwark_feed_admission_dropped_total): admission never waits for the store.
    #[arg(long, value_name = "N", hide = true, default_value_t = bulwark_server::feeds::DEFAULT_QUEUE,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..1_000_000))]
    admission_queue: usize,
}

impl FeedFlags {
    pub(crate) fn config(&self) -> Result<bulwark_server::feeds::FeedsConfig> {
        let k = &self.kube;
        let kube = if k.kubeconfig.is_some() || k.in_cluster {
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
        Ok(config)
    }
}
