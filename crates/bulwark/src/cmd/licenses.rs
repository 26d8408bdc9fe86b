//! License policy in `scan image|rootfs|fs|sbom`: every package gets its SPDX expression
//! (`licenseExpression`), and with a policy (flags or `--license-policy FILE`) packages that break it become
//! `BW-LIC-*` findings.

use anyhow::{Context, Result};
use bulwark_license::{Class, Policy, PolicyConfig};
use bulwark_report::{LicenseFile, Report};
use bulwark_types::Finding;

#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct LicenseArgs {
    /// Licenses no package may require (`GPL-3.0-only,AGPL-3.0-or-later`). SPDX expression semantics: a
    /// package under `MIT OR GPL-3.0-only` passes, since MIT can be chosen.
    #[arg(long, value_delimiter = ',', value_name = "SPDX-IDS")]
    pub(crate) deny_license: Vec<String>,
    /// When given, the only licenses packages may use.
    #[arg(long, value_delimiter = ',', value_name = "SPDX-IDS")]
    pub(crate) allow_license: Vec<String>,
    /// License classes to deny: permissive, weak-copyleft, strong-copyleft, network-copyleft, proprietary,
    /// unknown.
    #[arg(long, value_delimiter = ',', value_name = "CLASSES")]
    pub(crate) deny_license_class: Vec<Class>,
    /// A YAML policy: `allow`, `deny`, `deny-classes`, `unlicensed: true`, and `exceptions` (each with
    /// `package` or `path` globs, `allow` and `reason`). Flags add to it.
    #[arg(long, value_name = "FILE")]
    pub(crate) license_policy: Option<std::path::PathBuf>,
}

impl LicenseArgs {
    /// The policy the flags and file describe (empty when none is given).
    fn policy(&self) -> Result<Policy> {
        let mut config = match &self.license_policy {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read license policy {}", path.display()))?;
                // Bounded nesting first: yaml_serde is quadratic on nested flow collections (red team #12).
                if let Some((line, why)) =
                    bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
                {
                    anyhow::bail!("invalid license policy {}:{line}: {why}", path.display());
                }
                serde_yaml::from_str::<PolicyConfig>(&text)
                    .with_context(|| format!("invalid license policy {}", path.display()))?
            }
            None => PolicyConfig::default(),
        };
        config.deny.extend(self.deny_license.iter().cloned());
        config.allow.extend(self.allow_license.iter().cloned());
        config
            .deny_classes
            .extend(self.deny_license_class.iter().copied());
        let source = self.license_policy.as_ref().map_or_else(
            || "the license flags".to_owned(),
            |p| p.display().to_string(),
        );
        Policy::from_config(&config).with_context(|| format!("invalid license policy in {source}"))
    }
}

/// Sets each package's SPDX expression and adds the policy's findings (packages and license files) to the
/// report.
pub(crate) fn apply(report: &mut Report, args: &LicenseArgs) -> Result<()> {
    let policy = args.policy()?;
    bulwark_license::annotate(&mut report.packages);
    report
        .findings
        .extend(bulwark_license::evaluate(&report.packages, &policy));
    let file_findings: Vec<Finding> = report
        .license_files
        .iter()
        .filter_map(|f| bulwark_license::evaluate_file(&f.path, &f.licenses, &policy))
        .collect();
    report.findings.extend(file_findings);
    Ok(())
}

/// Files larger than this are not read for license texts (a license is a few KiB).
pub(crate) const MAX_LICENSE_FILE: u64 = 1 << 20;

/// Detects the licenses in a license file of a scanned directory, from its bytes.
pub(crate) fn detect_bytes(rel: &str, bytes: &[u8]) -> LicenseFile {
    let text = String::from_utf8_lossy(bytes);
    LicenseFile {
        path: rel.to_owned(),
        licenses: bulwark_license::detect::detect(&text)
            .into_iter()
            .map(|d| d.id.to_owned())
            .collect(),
    }
}
