//! Channel configuration: the serde types a team's `channels:` list is made of, secrets from the environment,
//! and validation (templates compile, URLs and addresses parse) with errors that name the channel.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// Largest channel config file read (bytes): a config is hand-written, a few KiB.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// One delivery target of a team.
///
/// ```yaml
/// - name: platform-slack          # optional; errors and rate limits use it (default: "<type>#<index>")
///   type: slack                   # webhook | slack | teams | jira | email | falco
///   webhook_url_env: SLACK_URL    # secrets: `<key>_env: VAR`, or `${VAR}` inside the value
///   min_interval_secs: 1          # at most one delivery per second on this channel
///   timeout_secs: 10              # each HTTP request (or SMTP session) times out after this
///   templates:
///     title: "{{ summary.new }} new findings for {{ team }}"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub kind: ChannelKind,
    #[serde(default, skip_serializing_if = "Templates::is_empty")]
    pub templates: Templates,
    /// Minimum time between two deliveries on this channel; an earlier call returns `Outcome::Retry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_interval_secs: Option<f64>,
    /// Timeout of each request (HTTP) or session (SMTP). Default 30 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

impl ChannelConfig {
    /// The channel's name for errors and rate limits: `name`, else `<type>`.
    #[must_use]
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.kind.type_name().to_owned())
    }

    #[must_use]
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.timeout_secs
                .unwrap_or(DEFAULT_TIMEOUT_SECS)
                .clamp(1, 600),
        )
    }
}

/// Per-channel template overrides (minijinja). The context has `team`, `summary`, `events`, `dedupe_key`,
/// and for per-event renderings (Jira issues, Falco lines) `event`. See the README for the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    /// Slack header and fallback text, Teams title, mail subject, Jira summary (per event), Falco output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Slack and Teams summary text, mail text body, Jira description and fixed comment (per event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Mail HTML part (none by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

impl Templates {
    fn is_empty(&self) -> bool {
        self.title.is_none() && self.text.is_none() && self.html.is_none()
    }
}

/// The channel types and their settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ChannelKind {
    /// CloudEvents 1.0, structured mode, JSON.
    Webhook(WebhookConfig),
    /// Slack incoming webhook.
    Slack(SlackConfig),
    /// Microsoft Teams (Workflows or incoming webhook), an Adaptive Card.
    Teams(TeamsConfig),
    /// Jira REST API v2.
    Jira(JiraConfig),
    /// SMTP with STARTTLS.
    Email(EmailConfig),
    /// Falco-compatible JSON lines on stdout, for falcosidekick.
    Falco(FalcoConfig),
}

impl ChannelKind {
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Webhook(_) => "webhook",
            Self::Slack(_) => "slack",
            Self::Teams(_) => "teams",
            Self::Jira(_) => "jira",
            Self::Email(_) => "email",
            Self::Falco(_) => "falco",
        }
    }
}

/// A string that may hold `${VAR}` references, expanded from the environment at delivery time. Its `Debug`
/// does not print the value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Looks up environment variables; tests pass a map.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Expands `${VAR}` in `value`; `$$` is a literal `$`. A missing variable is an error naming the channel, the
/// key and the variable (never the value).
pub fn expand(value: &str, channel: &str, key: &str, env: &dyn Env) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                return Err(ConfigError::Invalid {
                    channel: channel.to_owned(),
                    message: format!("`{key}`: unterminated `${{` in the value"),
                });
            };
            let var = &body[..end];
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(ConfigError::Invalid {
                    channel: channel.to_owned(),
                    message: format!("`{key}`: `${{{var}}}` is not an environment variable name"),
                });
            }
            let v = env.var(var).ok_or_else(|| ConfigError::MissingEnv {
                channel: channel.to_owned(),
                key: key.to_owned(),
                var: var.to_owned(),
            })?;
            out.push_str(&v);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A required secret given either inline (`key: value`, with `${VAR}` expansion) or as `key_env: VAR`.
pub(crate) fn secret(
    inline: Option<&Secret>,
    env_name: Option<&str>,
    channel: &str,
    key: &str,
    env: &dyn Env,
) -> Result<String, ConfigError> {
    match (inline, env_name) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            channel: channel.to_owned(),
            message: format!("give `{key}` or `{key}_env`, not both"),
        }),
        (Some(s), None) => expand(&s.0, channel, key, env),
        (None, Some(var)) => env.var(var).ok_or_else(|| ConfigError::MissingEnv {
            channel: channel.to_owned(),
            key: format!("{key}_env"),
            var: var.to_owned(),
        }),
        (None, None) => Err(ConfigError::Invalid {
            channel: channel.to_owned(),
            message: format!("`{key}` (or `{key}_env`) is required"),
        }),
    }
}

/// An optional secret: `Ok(None)` when neither form is given.
pub(crate) fn optional_secret(
    inline: Option<&Secret>,
    env_name: Option<&str>,
    channel: &str,
    key: &str,
    env: &dyn Env,
) -> Result<Option<String>, ConfigError> {
    if inline.is_none() && env_name.is_none() {
        return Ok(None);
    }
    secret(inline, env_name, channel, key, env).map(Some)
}

/// Generic webhook: CloudEvents 1.0 structured mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// CloudEvents `source` (a URI-reference). Default `/bulwark`.
    #[serde(default = "default_source")]
    pub source: String,
    /// CloudEvents `type`. Default `dev.bulwark.findings.v1`.
    #[serde(default = "default_event_type", rename = "event_type")]
    pub event_type: String,
    /// Extra request headers (e.g. `Authorization: Bearer ${HOOK_TOKEN}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Secret>,
}

fn default_source() -> String {
    "/bulwark".to_owned()
}

fn default_event_type() -> String {
    "dev.bulwark.findings.v1".to_owned()
}

/// Slack incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_env: Option<String>,
}

/// Microsoft Teams: a Workflows "post to a channel when a webhook request is received" URL or a (retiring)
/// Office 365 connector URL; both take the same message with an Adaptive Card attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_env: Option<String>,
}

/// Which Jira search endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum JiraSearch {
    /// Jira Cloud: `GET /rest/api/2/search/jql` (the old `/search` is being removed from Cloud).
    #[default]
    Cloud,
    /// Jira Data Center / Server: `GET /rest/api/2/search`.
    Legacy,
}

/// Jira REST API v2: one issue per finding, deduplicated by a fingerprint label (or a custom field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// Base URL: `https://example.atlassian.net`.
    pub url: String,
    /// Project key: `SEC`.
    pub project: String,
    /// Default `Bug`.
    #[serde(default = "default_issue_type")]
    pub issue_type: String,
    /// Extra labels on every issue (no spaces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Basic auth user (Jira Cloud: the account e-mail) with `token`; without `email`, `token` is a bearer
    /// token (Data Center personal access token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// When a finding is fixed: move its issue through the transition of this name (e.g. `Done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_transition: Option<String>,
    /// A text custom field (`customfield_10050`) that holds the fingerprint, searched with `cf[10050] ~ "…"`;
    /// without it the fingerprint is the label `bulwark-fp-<first 32 hex digits>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_field: Option<String>,
    #[serde(default)]
    pub search: JiraSearch,
}

fn default_issue_type() -> String {
    "Bug".to_owned()
}

/// How SMTP is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// STARTTLS, and refuse a server that does not offer it (the default).
    #[default]
    Required,
    /// STARTTLS when offered, else plain text.
    Opportunistic,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
    /// Plain text. Only for a relay on the same host.
    None,
}

/// E-mail over SMTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub host: String,
    /// Default 587 (465 for `tls: implicit`, 25 for `tls: none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// The name the certificate must carry, when it is not `host` (e.g. `host: 127.0.0.1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_name: Option<String>,
    /// Extra PEM roots to trust (a private CA, or a test's self-signed certificate), besides the Mozilla roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

impl EmailConfig {
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Implicit => 465,
            SmtpTls::None => 25,
            SmtpTls::Required | SmtpTls::Opportunistic => 587,
        })
    }
}

/// Falco JSON output lines (one per event) on stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FalcoConfig {
    /// `hostname` field. Default: `$HOSTNAME`, else `/etc/hostname`, else `bulwark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `source` field. Default `bulwark`.
    #[serde(default = "default_falco_source")]
    pub source: String,
    /// Extra `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

fn default_falco_source() -> String {
    "bulwark".to_owned()
}

/// A file of channels: `channels: [...]` (the shape a team's entry in `owners.yaml` can embed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsFile {
    pub channels: Vec<ChannelConfig>,
}

/// Parses and validates a `channels:` document; `origin` (a path) names it in errors.
pub fn parse_channels(text: &[u8], origin: &str) -> Result<Vec<ChannelConfig>, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Parse {
            origin: origin.to_owned(),
            message: format!("larger than {MAX_CONFIG_BYTES} bytes"),
        });
    }
    if let Some((line, why)) = bulwark_types::yaml::depth_over(text, bulwark_types::yaml::MAX_DEPTH)
    {
        return Err(ConfigError::Parse {
            origin: format!("{origin}:{line}"),
            message: why,
        });
    }
    let file: ChannelsFile = yaml_serde::from_slice(text).map_err(|e| {
        let origin = match e.location() {
            Some(l) => format!("{origin}:{}:{}", l.line(), l.column()),
            None => origin.to_owned(),
        };
        ConfigError::Parse {
            origin,
            message: e.to_string(),
        }
    })?;
    validate(&file.channels)?;
    Ok(file.channels)
}

/// Checks a team's channels without touching the network or the environment: unique names, templates that
/// compile, URLs that are http(s), addresses that parse.
pub fn validate(channels: &[ChannelConfig]) -> Result<(), ConfigError> {
    let mut names = BTreeSet::new();
    for c in channels {
        let label = c.label();
        if c.name.is_some() && !names.insert(label.clone()) {
            return Err(ConfigError::Invalid {
                channel: label,
                message: "two channels have this name".to_owned(),
            });
        }
        if let Some(secs) = c.min_interval_secs
            && !(0.0..=86_400.0).contains(&secs)
        {
            return Err(ConfigError::Invalid {
                channel: label,
                message: format!("min_interval_secs {secs} is outside 0..=86400"),
            });
        }
        crate::render::check_templates(c)?;
        let static_url = |inline: Option<&Secret>, env: Option<&String>, key: &str| {
            if inline.is_some() && env.is_some() {
                return Err(ConfigError::Invalid {
                    channel: label.clone(),
                    message: format!("give `{key}` or `{key}_env`, not both"),
                });
            }
            if inline.is_none() && env.is_none() {
                return Err(ConfigError::Invalid {
                    channel: label.clone(),
                    message: format!("`{key}` (or `{key}_env`) is required"),
                });
            }
            if let Some(s) = inline
                && !s.0.contains("${")
            {
                check_url(&s.0, &label, key)?;
            }
            Ok(())
        };
        match &c.kind {
            ChannelKind::Webhook(w) => {
                static_url(w.url.as_ref(), w.url_env.as_ref(), "url")?;
                if w.source.is_empty() || w.event_type.is_empty() {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: "CloudEvents `source` and `event_type` must not be empty"
                            .to_owned(),
                    });
                }
            }
            ChannelKind::Slack(s) => {
                static_url(
                    s.webhook_url.as_ref(),
                    s.webhook_url_env.as_ref(),
                    "webhook_url",
                )?;
            }
            ChannelKind::Teams(t) => {
                static_url(
                    t.webhook_url.as_ref(),
                    t.webhook_url_env.as_ref(),
                    "webhook_url",
                )?;
            }
            ChannelKind::Jira(j) => {
                check_url(&j.url, &label, "url")?;
                if j.project.is_empty() || j.issue_type.is_empty() {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: "`project` and `issue_type` must not be empty".to_owned(),
                    });
                }
                if let Some(l) = j
                    .labels
                    .iter()
                    .find(|l| l.is_empty() || l.contains(char::is_whitespace))
                {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: format!("Jira label {l:?} must be non-empty and without spaces"),
                    });
                }
                if j.token.is_none() && j.token_env.is_none() {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: "`token` (or `token_env`) is required".to_owned(),
                    });
                }
                if let Some(f) = &j.fingerprint_field
                    && f.strip_prefix("customfield_")
                        .is_none_or(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: format!("fingerprint_field {f:?} is not `customfield_<number>`"),
                    });
                }
            }
            ChannelKind::Email(e) => {
                if e.host.is_empty() {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: "`host` must not be empty".to_owned(),
                    });
                }
                if e.to.is_empty() {
                    return Err(ConfigError::Invalid {
                        channel: label,
                        message: "`to` needs at least one address".to_owned(),
                    });
                }
                for a in std::iter::once(&e.from).chain(&e.to) {
                    if a.parse::<lettre::message::Mailbox>().is_err() {
                        return Err(ConfigError::Invalid {
                            channel: label,
                            message: format!("{a:?} is not an e-mail address"),
                        });
                    }
                }
            }
            ChannelKind::Falco(_) => {}
        }
    }
    Ok(())
}

pub(crate) fn check_url(url: &str, channel: &str, key: &str) -> Result<(), ConfigError> {
    let ok = url.parse::<ureq::http::Uri>().ok().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            channel: channel.to_owned(),
            message: format!("`{key}` is not an http(s) URL"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn expands_env_references() {
        let e = env(&[("TOKEN", "s3cret")]);
        assert_eq!(
            expand("Bearer ${TOKEN}", "c", "k", &e).unwrap(),
            "Bearer s3cret"
        );
        assert_eq!(expand("a$$b$c", "c", "k", &e).unwrap(), "a$b$c");
        let err = expand("${NOPE}", "ops-hook", "url", &e)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ops-hook") && err.contains("NOPE") && err.contains("url"),
            "{err}"
        );
        assert!(expand("${TOKEN", "c", "k", &e).is_err());
        assert!(expand("${A-B}", "c", "k", &e).is_err());
    }

    #[test]
    fn secret_forms() {
        let e = env(&[("URL", "https://hooks.example/x")]);
        assert_eq!(
            secret(None, Some("URL"), "c", "url", &e).unwrap(),
            "https://hooks.example/x"
        );
        let both = secret(Some(&Secret("x".into())), Some("URL"), "c", "url", &e);
        assert!(both.unwrap_err().to_string().contains("not both"));
        let none = secret(None, None, "c", "url", &e).unwrap_err().to_string();
        assert!(none.contains("`url` (or `url_env`) is required"), "{none}");
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(…)");
    }

    #[test]
    fn parses_every_channel_type() {
        let yaml = br#"
channels:
  - name: hook
    type: webhook
    url: https://events.example/ingest
    headers: { Authorization: "Bearer ${HOOK_TOKEN}" }
  - type: slack
    webhook_url_env: SLACK_URL
    min_interval_secs: 1.5
  - type: teams
    webhook_url: "${TEAMS_URL}"
  - type: jira
    url: https://example.atlassian.net
    project: SEC
    email: bot@example.com
    token_env: JIRA_TOKEN
    fixed_transition: Done
  - type: email
    host: smtp.example.com
    from: bulwark@example.com
    to: [platform@example.com]
    templates: { title: "{{ team }}: {{ summary.new }} new" }
  - type: falco
"#;
        let ch = parse_channels(yaml, "owners.yaml").unwrap();
        assert_eq!(ch.len(), 6);
        assert_eq!(ch[0].label(), "hook");
        assert_eq!(ch[1].label(), "slack");
        assert_eq!(ch[1].min_interval_secs, Some(1.5));
        let ChannelKind::Jira(j) = &ch[3].kind else {
            panic!()
        };
        assert_eq!(j.issue_type, "Bug");
        assert_eq!(j.search, JiraSearch::Cloud);
        let ChannelKind::Email(m) = &ch[4].kind else {
            panic!()
        };
        assert_eq!(m.port(), 587);
        assert_eq!(m.tls, SmtpTls::Required);
    }

    #[test]
    fn errors_name_file_line_or_channel() {
        let err = parse_channels(b"channels:\n  - type: pager\n", "team.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("team.yaml:2"), "{err}");
        let err = parse_channels(
            b"channels:\n  - name: s\n    type: slack\n    webhook_url: ftp://x\n",
            "team.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("channel \"s\"") && err.contains("http(s)"),
            "{err}"
        );
        let err = parse_channels(
            b"channels:\n  - name: s\n    type: slack\n    webhook_url: https://x/\n    templates: { title: \"{{ team \" }\n",
            "team.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("channel \"s\"") && err.contains("title"),
            "{err}"
        );
        let err = parse_channels(
            b"channels:\n  - type: email\n    host: h\n    from: not-an-address\n    to: [a@b.c]\n",
            "t.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not-an-address"), "{err}");
        let deep = format!("channels: {}{}", "[".repeat(500), "]".repeat(500));
        assert!(parse_channels(deep.as_bytes(), "t.yaml").is_err());
    }
}
