//! E-mail over SMTP through lettre (blocking, rustls with the aws-lc-rs provider). STARTTLS is required by
//! default: a server that does not offer it gets no message.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{SmtpTransport, Transport};

use crate::config::{self, ChannelConfig, EmailConfig, Env, SmtpTls};
use crate::deliver::{Outcome, backoff};

/// Largest `ca_file` read.
const MAX_CA_FILE_BYTES: u64 = 4 << 20;

pub(crate) struct Mail<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
    pub dedupe_key: &'a str,
}

fn failed(label: &str, msg: impl std::fmt::Display) -> Outcome {
    Outcome::Failed {
        error: format!("channel {label:?}: {msg}"),
    }
}

fn tls_parameters(label: &str, e: &EmailConfig) -> Result<TlsParameters, Outcome> {
    let name = e.tls_name.clone().unwrap_or_else(|| e.host.clone());
    let mut b = TlsParameters::builder(name);
    if let Some(path) = &e.ca_file {
        let pem = read_bounded(path)
            .map_err(|err| failed(label, format!("ca_file {}: {err}", path.display())))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|err| failed(label, format!("ca_file {}: {err}", path.display())))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls()
        .map_err(|err| failed(label, format!("TLS set-up: {err}")))
}

fn read_bounded(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CA_FILE_BYTES)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// Sends one e-mail; SMTP 4xx, timeouts and connection errors → `Retry`; 5xx, TLS refusals, a missing
/// STARTTLS and bad addresses → `Failed`.
pub(crate) fn send(
    channel: &ChannelConfig,
    e: &EmailConfig,
    env: &dyn Env,
    mail: &Mail<'_>,
    base_backoff: Duration,
    attempt: u32,
) -> Outcome {
    let label = channel.label();
    let parse = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|err| failed(&label, format!("address {a:?}: {err}")))
    };
    let build = || -> Result<lettre::Message, Outcome> {
        let mut m = lettre::Message::builder()
            .from(parse(&e.from)?)
            .subject(mail.subject)
            .message_id(Some(format!("<{}@bulwark.invalid>", mail.dedupe_key)))
            .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")).to_owned());
        for to in &e.to {
            m = m.to(parse(to)?);
        }
        let built = match mail.html {
            Some(html) => m.multipart(MultiPart::alternative_plain_html(
                mail.text.to_owned(),
                html.to_owned(),
            )),
            None => m.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.text.to_owned()),
            ),
        };
        built.map_err(|err| failed(&label, format!("building the message: {err}")))
    };
    let message = match build() {
        Ok(m) => m,
        Err(o) => return o,
    };
    let tls = match e.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Required => match tls_parameters(&label, e) {
            Ok(p) => Tls::Required(p),
            Err(o) => return o,
        },
        SmtpTls::Opportunistic => match tls_parameters(&label, e) {
            Ok(p) => Tls::Opportunistic(p),
            Err(o) => return o,
        },
        SmtpTls::Implicit => match tls_parameters(&label, e) {
            Ok(p) => Tls::Wrapper(p),
            Err(o) => return o,
        },
    };
    let mut t = SmtpTransport::builder_dangerous(e.host.as_str())
        .port(e.port())
        .tls(tls)
        .timeout(Some(channel.timeout()))
        .hello_name(ClientId::Domain("bulwark.invalid".to_owned()));
    let password = match config::optional_secret(
        e.password.as_ref(),
        e.password_env.as_deref(),
        &label,
        "password",
        env,
    ) {
        Ok(p) => p,
        Err(err) => {
            return Outcome::Failed {
                error: err.to_string(),
            };
        }
    };
    match (&e.username, password) {
        (Some(u), Some(p)) => t = t.credentials(Credentials::new(u.clone(), p)),
        (None, None) => {}
        _ => return failed(&label, "`username` and `password` go together"),
    }
    let transport = t.build();
    match transport.send(&message) {
        Ok(_) => Outcome::Delivered,
        Err(err) => {
            let what = format!("SMTP {}:{}: {err}", e.host, e.port());
            // A refused certificate, a missing STARTTLS and SMTP 5xx need a person; 4xx, timeouts and
            // broken connections may heal.
            let refused = crate::deliver::is_tls_refusal(&err);
            if !refused
                && (err.is_transient()
                    || err.is_timeout()
                    || (!err.is_permanent() && !err.is_client() && !err.is_tls()))
            {
                Outcome::Retry {
                    after: backoff(base_backoff, attempt),
                    reason: format!("channel {label:?}: {what}"),
                }
            } else {
                failed(&label, what)
            }
        }
    }
}
