//! `bulwark scan k8s` and `bulwark rule`.

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct K8sArgs {
    /// Files or directories; `-` reads stdin.
    #[arg(required = true)]
    pub(crate) paths: Vec<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RuleArgs {
    /// Rule id or name.
    pub(crate) id: String,
}

pub(crate) fn scan(_args: &K8sArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("scan k8s is not implemented yet")
}

pub(crate) fn rule(_args: &RuleArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("rule docs are not implemented yet")
}
