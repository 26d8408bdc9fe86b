//! `bulwark serve --self-check --webhook-config FILE…`: checks webhook configurations against the failure rules of
//! the server it would run (its `--deadline`, its namespace, its certificate), with the rules in
//! `bulwark_server::selfcheck`. There is no API server here: the configurations are read from files (`helm
//! template` output, `kubectl get validatingwebhookconfiguration NAME -o yaml`).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use bulwark_server::selfcheck;

use crate::Outcome;

/// The `--self-check` flags of `bulwark serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct SelfCheckArgs {
    /// Do not serve: check the webhook configurations of --webhook-config against this server's failure rules
    /// (timeoutSeconds above --deadline, failurePolicy Fail, kube-system, kube-public and the server's namespace
    /// excluded, caBundle verifying --tls-cert, sideEffects, v1 reviews, paths, rules on pods and every
    /// controller). One line per problem naming the webhook, the field and the fix; exit 1 if any.
    #[arg(long, requires = "webhook_configs")]
    pub(crate) self_check: bool,
    /// A YAML or JSON file with ValidatingWebhookConfiguration or MutatingWebhookConfiguration objects (other
    /// kinds are ignored); repeatable.
    #[arg(long = "webhook-config", value_name = "FILE", requires = "self_check")]
    pub(crate) webhook_configs: Vec<PathBuf>,
    /// The server's namespace, which the webhooks must exclude and their service must be in [default:
    /// $POD_NAMESPACE].
    #[arg(long, value_name = "NAMESPACE", requires = "self_check")]
    pub(crate) namespace: Option<String>,
}

fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut buf = Vec::new();
    f.take(selfcheck::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() > selfcheck::MAX_FILE_BYTES {
        anyhow::bail!(
            "{}: larger than {} bytes",
            path.display(),
            selfcheck::MAX_FILE_BYTES
        );
    }
    Ok(buf)
}

/// Runs the self-check for `bulwark serve` with these arguments.
pub(crate) fn run(a: &super::serve::ServeArgs) -> Result<Outcome> {
    let flags = &a.self_check;
    let mut expect = selfcheck::Expect::new(a.deadline);
    expect.namespace = flags.namespace.clone().or_else(|| {
        std::env::var("POD_NAMESPACE")
            .ok()
            .filter(|s| !s.is_empty())
    });
    let cert = match (&a.tls_cert, &a.generate_certs) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(dir)) => Some(dir.join("tls.crt")),
        (None, None) => None,
    };
    if let Some(cert) = &cert {
        let pem = read_bounded(cert)?;
        expect.serving_chain = Some(selfcheck::pem_chain(&cert.display().to_string(), &pem)?);
    }
    let mut report = selfcheck::Report::default();
    for file in &flags.webhook_configs {
        let name = file.display().to_string();
        let docs = selfcheck::parse(&name, &read_bounded(file)?)?;
        selfcheck::check(&name, &docs, &expect, &mut report);
    }
    for p in &report.problems {
        println!("{p}");
    }
    let files = flags
        .webhook_configs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if report.configurations == 0 {
        println!(
            "{files}: no ValidatingWebhookConfiguration or MutatingWebhookConfiguration (fix: give the file the chart renders, or `kubectl get validatingwebhookconfiguration NAME -o yaml`)"
        );
        return Ok(Outcome::PolicyFailed);
    }
    eprintln!(
        "bulwark: self-check: {} webhook(s) in {} configuration(s), deadline {:?}, namespace {}, certificate {}: {} problem(s)",
        report.webhooks,
        report.configurations,
        a.deadline,
        expect.namespace.as_deref().unwrap_or("unknown"),
        cert.as_ref()
            .map_or_else(|| "not given".to_owned(), |c| c.display().to_string()),
        report.problems.len()
    );
    Ok(if report.problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::PolicyFailed
    })
}
