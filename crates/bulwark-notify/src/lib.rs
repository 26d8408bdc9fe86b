//! Notifications: findings that appeared or went away, batched per team, rendered for a channel, delivered
//! with rate limits, retries and backoff. Synchronous (blocking HTTP through ureq, SMTP through lettre, both on
//! rustls with aws-lc-rs). No persistence: the caller (the server's notify loop) keeps the queue, calls
//! [`Notifier::deliver`] and records the [`Outcome`].
//!
//! ```
//! use bulwark_notify::{batch, parse_channels, render, Event, EventKind, ImageRef, Notifier, Outcome, PackageRef};
//!
//! let channels = parse_channels(b"channels:\n  - type: falco\n    hostname: node-1\n", "owners.yaml")?;
//! let event = Event {
//!     kind: EventKind::New,
//!     vulnerability: "CVE-2024-0001".into(),
//!     severity: bulwark_types::Severity::High,
//!     package: PackageRef { name: "zlib".into(), version: "1.2.13".into(), purl: "pkg:deb/debian/zlib@1.2.13".into() },
//!     fixed_version: Some("1.3".into()),
//!     image: ImageRef { reference: "registry.example/app:1".into(), digest: "sha256:ab".into() },
//!     layer: None,
//!     placements: vec![],
//!     team: "platform".into(),
//!     rule: "namespace payments (owners.yaml:3)".into(),
//!     time: 1_796_000_000,
//! };
//! let messages = batch(vec![event]);
//! let payload = render(&channels[0], &messages[0])?;
//! let notifier = Notifier::new().with_falco_output(Vec::new());
//! assert_eq!(notifier.deliver(&channels[0], &payload, 0), Outcome::Delivered);
//! # Ok::<(), bulwark_notify::ConfigError>(())
//! ```

mod alert;
pub mod config;
mod deliver;
mod error;
mod event;
mod render;
mod smtp;

pub use alert::{FALCO_PRIORITIES, RUNTIME_ALERT_TYPE, RuntimeAlert};
pub use config::{
    ChannelConfig, ChannelKind, ChannelsFile, EmailConfig, Env, FalcoConfig, JiraConfig,
    JiraSearch, ProcessEnv, Secret, SlackConfig, SmtpTls, TeamsConfig, Templates, WebhookConfig,
    parse_channels, validate,
};
pub use deliver::{
    BASE_BACKOFF, MAX_BACKOFF, MAX_RESPONSE_BYTES, MAX_RETRY_AFTER, Notifier, Outcome, backoff,
    jira_jql, parse_retry_after,
};
pub use error::ConfigError;
pub use event::{
    Event, EventKind, ImageRef, LayerInfo, Message, PackageRef, Placement, Summary, batch,
    image_label,
};
pub use render::{
    CLOUDEVENTS_JSON, JIRA_MAX_SUMMARY_CHARS, JiraItem, MAX_RENDERED_BYTES, Payload,
    SLACK_MAX_BLOCKS, SLACK_MAX_HEADER_CHARS, SLACK_MAX_SECTION_CHARS, SLACK_MAX_TOTAL_CHARS,
    TEAMS_MAX_CARD_BYTES, TEAMS_MAX_EVENTS, falco_priority, render,
};
