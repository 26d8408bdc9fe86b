//! `bulwark serve` with a policy bundle from a local directory: the judge is rebuilt when the bundle's files
//! change, so a bundle mounted from a ConfigMap (the Helm chart's default) is picked up when the kubelet swaps
//! `..data`, without a restart. The new bundle is loaded and prepared in full before it replaces the old one;
//! a bundle that does not load is refused and the old one stays in use (as a bad certificate pair leaves the
//! old certificate), reported once per content.
//!
//! The check runs every `--tls-reload` (10 s) on the server's reload tick: the files are read and digested as
//! the bundle digest is made (a few KiB for a typical bundle); only a new digest loads the bundle. A request
//! pays one read lock and one reference count to find the judge in use; sources that cannot change under a
//! running server (OCI, HTTPS, git by commit, `.tar.gz`) are served without the wrapper.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use anyhow::Result;
use bulwark_policy::Stage;
use bulwark_server::{Judge, Judgement, Request};

use super::serve::PolicyJudge;
use super::verdict::{Policy, TrustFlags};

/// The judge for `source`: reloading when it is a local directory, else `judge` itself.
pub(crate) fn judge<F>(
    source: &str,
    stage: Stage,
    trust: &TrustFlags,
    judge: PolicyJudge,
    make: F,
) -> Arc<dyn Judge>
where
    F: Fn(Policy) -> PolicyJudge + Send + Sync + 'static,
{
    if !Path::new(source).is_dir() {
        return Arc::new(judge);
    }
    let digest = judge.policy.bundle.info.digest.clone();
    Arc::new(Reloading {
        source: source.to_owned(),
        stage,
        trust: trust.clone(),
        current: RwLock::new(Arc::new(judge)),
        seen: Mutex::new(Seen {
            digest,
            refused: None,
        }),
        make: Box::new(make),
    })
}

/// What the reload tick has seen.
struct Seen {
    /// The digest of the bundle in use.
    digest: String,
    /// The last content (digest) or read error refused, so that it is reported once.
    refused: Option<String>,
}

struct Reloading {
    source: String,
    stage: Stage,
    trust: TrustFlags,
    current: RwLock<Arc<PolicyJudge>>,
    seen: Mutex<Seen>,
    make: Box<dyn Fn(Policy) -> PolicyJudge + Send + Sync>,
}

impl Reloading {
    fn get(&self) -> Arc<PolicyJudge> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Loads and prepares the bundle: a judge ready for requests, or why not.
    fn load(&self) -> Result<PolicyJudge> {
        let policy = Policy::load(&self.source, self.stage, None, &self.trust)?;
        super::k8s::prepared(&policy)?;
        Ok((self.make)(policy))
    }
}

impl Judge for Reloading {
    fn judge(&self, request: &Request) -> Judgement {
        self.get().judge(request)
    }

    fn answers_from_memory(&self, request: &Request) -> bool {
        self.get().answers_from_memory(request)
    }

    fn mutate(&self, request: &Request) -> Judgement {
        self.get().mutate(request)
    }

    fn reload(&self) -> Result<Option<String>, String> {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let limits = bulwark_policy::Limits::default();
        let now = match bulwark_policy::files_from_dir(Path::new(&self.source), &limits) {
            Ok(files) => bulwark_policy::digest(&files),
            Err(e) => {
                let why = format!("{}: {e}", self.source);
                if seen.refused.as_ref() == Some(&why) {
                    return Ok(None);
                }
                seen.refused = Some(why.clone());
                return Err(why);
            }
        };
        if now == seen.digest || seen.refused.as_ref() == Some(&now) {
            return Ok(None);
        }
        match self.load() {
            Ok(judge) => {
                let info = &judge.policy.bundle.info;
                let what = match &info.version {
                    Some(v) => format!("{}@{v} ({})", info.name, info.digest),
                    None => format!("{} ({})", info.name, info.digest),
                };
                seen.digest.clone_from(&info.digest);
                seen.refused = None;
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(judge);
                Ok(Some(what))
            }
            Err(e) => {
                seen.refused = Some(now);
                Err(format!(
                    "{}: {e:#} (the previous bundle stays in use)",
                    self.source
                ))
            }
        }
    }
}
