//! User configuration: custom rules, allow rules, disabled rules, limits. Loaded from YAML.
//!
//! ```yaml
//! show_secrets: false
//! max_file_size: 10485760
//! disable_rules: [generic-token]
//! default_allow_paths: true          # tests/, testdata/, fixtures/, lockfiles …
//! allow:
//!   paths: ['(^|/)docs/']           # regexes on the scanned path
//!   values: ['^my-known-fake-']      # regexes on the secret
//!   rules: [{ id: generic-secret, paths: ['\.md$'] }]
//! rules:
//!   - id: acme-api-key
//!     title: ACME API key
//!     severity: high
//!     keywords: [acme_]
//!     regex: '\b(acme_[a-z0-9]{32})\b'
//!     entropy: 3.0
//!     paths: ['\.env$']
//! ```

use serde::Deserialize;

/// Scanner configuration. `Config::default()` is the built-in behaviour.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Report the secret itself instead of the first four characters.
    pub show_secrets: bool,
    /// Files larger than this are skipped with a warning diagnostic.
    pub max_file_size: u64,
    /// Built-in (or custom) rule ids to turn off.
    pub disable_rules: Vec<String>,
    /// Apply the built-in path allow list (tests, fixtures, lockfiles, vendored docs).
    pub default_allow_paths: bool,
    pub allow: AllowConfig,
    pub rules: Vec<CustomRule>,
    /// Per rule, stop looking after this many keyword hits in one file (bounds time on adversarial input).
    pub max_hits_per_rule: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            show_secrets: false,
            max_file_size: 10 * 1024 * 1024,
            disable_rules: Vec::new(),
            default_allow_paths: true,
            allow: AllowConfig::default(),
            rules: Vec::new(),
            max_hits_per_rule: 1000,
        }
    }
}

impl Config {
    /// Parses a YAML configuration.
    pub fn from_yaml(text: &str) -> Result<Self, crate::SecretsError> {
        // Bounded nesting first: yaml_serde is quadratic on nested flow collections (red team #12).
        if let Some((line, why)) =
            bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
        {
            return Err(crate::SecretsError::Config(format!("line {line}: {why}")));
        }
        yaml_serde::from_str(text).map_err(|e| crate::SecretsError::Config(e.to_string()))
    }
}

/// Allow rules added to the built-ins.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllowConfig {
    /// Regexes on the path: matching files are not scanned.
    pub paths: Vec<String>,
    /// Regexes on the secret value: matching secrets are not reported.
    pub values: Vec<String>,
    /// Allow rules scoped to one rule id.
    pub rules: Vec<RuleAllow>,
}

/// Allow paths or values for one rule only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleAllow {
    pub id: String,
    pub paths: Vec<String>,
    pub values: Vec<String>,
}

/// A user-defined rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    /// Lowercase literals, one of which occurs in every match. Empty = regex runs on every file.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The secret is capture group 1 (or the group named `secret`), else the whole match.
    pub regex: String,
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Only scan paths matching one of these regexes.
    #[serde(default)]
    pub paths: Vec<String>,
}
