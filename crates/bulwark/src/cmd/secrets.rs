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
        let Some(mut config) = self.config()? else {
            return Ok(None);
        };
        config.show_secrets = self.show_secrets;
        Ok(Some(Scanner::new(config)?))
    }

    /// The scanner config from `--secrets-config` (or the default), or `None` when secret scanning is off.
    pub(crate) fn config(&self) -> Result<Option<Config>> {
        if self.skip_secrets {
            return Ok(None);
        }
        let config = match &self.secrets_config {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                Config::from_yaml(&text)
                    .with_context(|| format!("invalid secrets config {}", p.display()))?
            }
            None => Config::default(),
        };
        Ok(Some(config))
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
            x.location.layer = Some(Box::new(layer.clone()));
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
                    .into();
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

/// Secrets in the values of Kubernetes manifests ([`bulwark_k8s::values`]).
///
/// A one-line value is scanned as `KEY=value`, so that rules that need the variable's name (an AWS secret
/// key, a generic `password`) see it; a multi-line value (a file kept in a Secret or ConfigMap: `.env`,
/// `id_rsa`, `config.json`) is scanned as a file named after its key. The path handed to the scanner is the
/// key, not the manifest's path: the manifests were named on the command line, so the allow list for test
/// directories does not apply to them, while a key named like a lockfile still does.
///
/// Findings point at the manifest file and the line of the value's key, name the object in `resource`, and
/// carry `key`, `field` and `container` properties. The same secret found again in the same object (the
/// last-applied-configuration annotation repeats the object) is reported once, at its first place.
/// `bulwark.dev/ignore` applies (`secrets` there stands for every secret rule); the ignore file is applied with
/// every other finding's (bulwark-evaluate).
pub(crate) struct ManifestSecrets<'a> {
    /// Built with `show_secrets`: redaction is applied here, after de-duplication on the full value.
    pub(crate) scanner: &'a Scanner,
    pub(crate) show_secrets: bool,
}

impl ManifestSecrets<'_> {
    /// The findings, and how many the ignore annotation or file suppressed.
    pub(crate) fn scan(
        &self,
        values: &[bulwark_k8s::values::ManifestValue],
    ) -> (Vec<Finding>, usize) {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut suppressed = 0;
        for v in values {
            let trimmed = v.value.trim_ascii_end();
            let one_line = !trimmed.contains(&b'\n');
            let content = if one_line {
                let mut c = format!("{}=", v.key).into_bytes();
                c.extend_from_slice(trimmed);
                c.push(b'\n');
                c
            } else {
                v.value.clone()
            };
            for mut f in self.scanner.scan(&v.key, &content) {
                let secret = f.evidence.take().unwrap_or_default();
                if !seen.insert((
                    v.path.clone(),
                    v.resource.clone(),
                    f.id.clone(),
                    secret.clone(),
                )) {
                    continue;
                }
                let ignored = v
                    .ignore
                    .iter()
                    .any(|i| i.eq_ignore_ascii_case(&f.id) || i == "all" || i == "secrets");
                if ignored {
                    suppressed += 1;
                    continue;
                }
                let inner_line = f.location.line;
                f.evidence = Some(if self.show_secrets {
                    secret
                } else {
                    bulwark_secrets::redact(&secret)
                });
                f.location = Location {
                    resource: Some(v.resource.as_str().into()),
                    ..Location::file(v.path.as_str()).with_line(v.line, Some(v.column))
                };
                let pointer = v.pointer();
                let mut message = format!("found in {} {pointer}", v.resource);
                if v.field.in_secret_object() {
                    message.push_str(
                        " (a Secret manifest holds its values in clear: base64 is an encoding, not encryption; \
                         keep it out of version control or encrypt it with SOPS, Sealed Secrets or External Secrets)",
                    );
                }
                f.message = message.into();
                let p = &mut f.properties;
                p.insert("key".into(), v.key.clone().into());
                p.insert("field".into(), pointer.into());
                p.insert("inSecretObject".into(), v.field.in_secret_object().into());
                if let Some(c) = &v.container {
                    p.insert("container".into(), c.clone().into());
                }
                if !one_line && let Some(l) = inner_line {
                    p.insert("valueLine".into(), l.into());
                }
                out.push(f);
            }
        }
        (out, suppressed)
    }
}
