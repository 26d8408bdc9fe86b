//! `bulwark report merge`: other tools' results (SARIF 2.1.0 from any tool, Trivy and Grype JSON, kube-bench
//! JSON, Sonobuoy result tarballs) and Bulwark JSON reports, read by bulwark-consolidate into one report,
//! deduplicated by fingerprint, in any format.

use std::path::PathBuf;

use anyhow::Result;

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct MergeArgs {
    /// The inputs: SARIF, Trivy JSON, Grype JSON, kube-bench JSON, Sonobuoy tarballs (.tar.gz) or Bulwark JSON
    /// reports, in any mix. Each one's type is read from its content, not its name.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output format: json, sarif, html, csv, junit, cyclonedx, spdx-json, policyreport or table.
    #[arg(long, short = 'f', value_name = "FORMAT", default_value = "json")]
    pub(crate) format: bulwark_report::Format,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// Reads every input (the first unreadable one stops the merge with an error naming it: exit 2), then renders.
pub(crate) fn run(a: &MergeArgs) -> Result<Outcome> {
    let mut merger = bulwark_consolidate::Merger::new(bulwark_consolidate::Limits::default());
    for path in &a.inputs {
        merger.read_file(path)?;
    }
    let report = merger.finish();
    let options = bulwark_report::RenderOptions {
        color: crate::term::color(a.output.is_none()),
        ..bulwark_report::RenderOptions::for_output(a.output.is_none())
    };
    super::image::write_output(a.output.as_deref(), |w| {
        bulwark_report::render(a.format, &report, &options, w).map_err(anyhow::Error::from)
    })?;
    Ok(Outcome::Clean)
}
