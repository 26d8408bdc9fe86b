//! Secret scanning flags and glue: image layers (files deleted by a later layer included), the image config,
//! and directories.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use bulwark_secrets::{Config, Scanner};
use bulwark_source::Image;
use bulwark_types::{Finding, LayerRef, Location};

#[derive(Debug, clap::Args)]
pub(crate) struct SecretArgs {
    /// Do not look for secrets.
    #[arg(long)]
    pub(crate) skip_secrets: bool,
    /// Print secrets in full instead of redacted (first four characters, then `*****`).
    #[arg(long)]
    pub(crate) show_secrets: bool,
    /// YAML config with custom rules, allow rules and disabled rule ids.
    #[arg(long, value_name = "FILE")]
    pub(crate) secrets_config: Option<PathBuf>,
}

impl SecretArgs {
    /// The scanner, or `None` when secret scanning is off.
    pub(crate) fn scanner(&self) -> Result<Option<Scanner>> {
        if self.skip_secrets {
            return Ok(None);
        }
        let mut config = match &self.secrets_config {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                Config::from_yaml(&text)
                    .with_context(|| format!("invalid secrets config {}", p.display()))?
            }
            None => Config::default(),
        };
        config.show_secrets = self.show_secrets;
        Ok(Some(Scanner::new(config)?))
    }
}

/// Collects findings from the layer visitor (called from several threads).
pub(crate) struct LayerSecrets<'a> {
    scanner: &'a Scanner,
    found: Mutex<Vec<Finding>>,
}

impl<'a> LayerSecrets<'a> {
    pub(crate) fn new(scanner: &'a Scanner) -> Self {
        Self {
            scanner,
            found: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn visit(&self, layer: &LayerRef, path: &str, content: &[u8]) {
        let mut f = self.scanner.scan(&format!("/{path}"), content);
        if f.is_empty() {
            return;
        }
        for x in &mut f {
            x.location.layer = Some(layer.clone());
        }
        self.found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(f);
    }

    /// The findings, each marked when a later layer deleted or replaced the file: the secret still ships in
    /// the image's layer.
    pub(crate) fn finish(self, fs: &bulwark_source::ImageFs) -> Vec<Finding> {
        let mut found = self
            .found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for f in &mut found {
            let (Some(path), Some(layer)) = (&f.location.path, &f.location.layer) else {
                continue;
            };
            let now = fs
                .nodes()
                .find(|(p, _)| *p == path.trim_start_matches('/'))
                .map(|(_, n)| n.layer);
            if now != Some(layer.index) {
                f.properties
                    .insert("removedInLaterLayer".into(), serde_json::Value::Bool(true));
                f.message = format!("{} (the file is deleted or replaced by a later layer, but still ships in layer {})", f.message, layer.index)
                    .trim_start_matches(' ')
                    .to_string();
            }
        }
        found.sort_by(|a, b| {
            (
                a.location.layer.as_ref().map(|l| l.index),
                &a.location.path,
                a.location.line,
            )
                .cmp(&(
                    b.location.layer.as_ref().map(|l| l.index),
                    &b.location.path,
                    b.location.line,
                ))
        });
        found
    }
}

/// Secrets in the image config: `Env`, `Labels`, and each history `created_by` (build args leak there).
pub(crate) fn scan_config(scanner: &Scanner, image: &Image) -> Vec<Finding> {
    let mut text = String::new();
    let cfg = &image.config.config;
    for e in cfg
        .get("Env")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
    {
        let _ = writeln!(text, "ENV {e}");
    }
    for (k, v) in cfg
        .get("Labels")
        .and_then(|v| v.as_object())
        .into_iter()
        .flatten()
    {
        let _ = writeln!(text, "LABEL {k}={}", v.as_str().unwrap_or_default());
    }
    for h in &image.config.history {
        if let Some(c) = &h.created_by {
            let _ = writeln!(text, "{}", c.replace('\n', " "));
        }
    }
    let mut f = scanner.scan("image-config", text.as_bytes());
    for x in &mut f {
        x.location = Location {
            resource: Some("image config".into()),
            ..x.location.clone()
        };
    }
    f
}
