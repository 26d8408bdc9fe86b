//! Errors of configuration and rendering. Delivery problems are not errors: they are an [`crate::Outcome`].

/// A channel's configuration or template is wrong. Every variant names the file or the channel.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The channel file does not parse.
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    /// A setting is wrong.
    #[error("channel {channel:?}: {message}")]
    Invalid { channel: String, message: String },
    /// A secret's environment variable is not set.
    #[error(
        "channel {channel:?}: `{key}` refers to the environment variable {var}, which is not set"
    )]
    MissingEnv {
        channel: String,
        key: String,
        var: String,
    },
    /// A template does not compile or fails to render.
    #[error("channel {channel:?}: template `{template}`: {message}")]
    Template {
        channel: String,
        template: String,
        message: String,
    },
}
