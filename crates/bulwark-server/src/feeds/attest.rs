//! SBOM attestations from the registry (`--sbom-from-registry`): every digest the admission or watch feed
//! writes is offered to a bounded, deduplicated queue ([`super::FeedHandle::want_sbom`]: a set lookup and
//! `try_send`, never a wait, never on the admission request path: the offer is made by the feeds' writers after
//! their store write). One task drains it; each digest is looked up in the store and, when it has no SBOM, its
//! attestation is fetched, verified and ingested on the blocking pool by the binary's [`SbomFetcher`]
//! (`bulwark_inventory::attest::pull_sbom`). A refusal or a registry error is logged with its reason and retried
//! with exponential backoff (an image may be attested after it is deployed), up to [`SbomFeed::attempts`];
//! then the digest is forgotten, so that a later sighting starts again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bulwark_store::Store;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::FeedHandle;
use crate::log;

/// Fetches, verifies and stores the SBOM of (`image`, `digest`) into the store: `Ok` with a summary to log,
/// `Err` with the reason (a refusal names every attestation set aside).
pub type SbomFetcher =
    Arc<dyn Fn(&Store, &str, &str) -> Result<serde_json::Value, String> + Send + Sync>;

/// Digests remembered at most (queued, waiting for a retry, or done); past it the set starts again (a digest
/// already stored is then only looked up once more).
pub const MAX_KNOWN: usize = 65_536;
/// Digests waiting for a retry at most; more are given up at once.
pub const MAX_RETRIES: usize = 4096;

/// The feed's settings.
#[derive(Clone)]
pub struct SbomFeed {
    pub fetch: SbomFetcher,
    /// Digests waiting at most; more are dropped and counted (a later sighting offers them again).
    pub queue: usize,
    /// The first retry's delay; each next one doubles, up to `max_retry`.
    pub retry: Duration,
    pub max_retry: Duration,
    /// Attempts per digest before it is given up.
    pub attempts: u32,
}

impl std::fmt::Debug for SbomFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SbomFeed")
            .field("queue", &self.queue)
            .field("retry", &self.retry)
            .field("max_retry", &self.max_retry)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A digest to fetch, with the reference it runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub(crate) digest: String,
    pub(crate) image: String,
}

enum Outcome {
    Stored(serde_json::Value),
    Already,
    Failed(String),
}

fn attempt(store: &mut Option<Store>, location: &str, fetch: &SbomFetcher, w: &Wanted) -> Outcome {
    let s = match store {
        Some(s) => s,
        None => match Store::open(location) {
            Ok(s) => store.insert(s),
            Err(e) => return Outcome::Failed(format!("store: {e}")),
        },
    };
    match s.image(&w.digest) {
        Ok(Some(i)) if i.has_sbom => return Outcome::Already,
        Ok(_) => {}
        Err(e) => {
            // A new connection next time: a broken PostgreSQL connection does not heal.
            *store = None;
            return Outcome::Failed(format!("store: {e}"));
        }
    }
    match fetch(s, &w.image, &w.digest) {
        Ok(v) => Outcome::Stored(v),
        Err(e) => Outcome::Failed(e),
    }
}

/// The delay before attempt `n + 1` after `n` failed ones.
fn backoff(feed: &SbomFeed, failed: u32) -> Duration {
    let factor = 1u32 << failed.saturating_sub(1).min(20);
    feed.retry.saturating_mul(factor).min(feed.max_retry)
}

/// Drains the queue until it closes: one fetch at a time on the blocking pool, retries in time order.
pub(crate) async fn worker(
    mut rx: mpsc::Receiver<Wanted>,
    feed: SbomFeed,
    location: String,
    handle: FeedHandle,
) {
    let location = Arc::new(location);
    let mut store: Option<Store> = None;
    // (due, sequence) → (digest, failed attempts so far).
    let mut retries: BTreeMap<(Instant, u64), (Wanted, u32)> = BTreeMap::new();
    let mut seq = 0u64;
    loop {
        let next = retries.first_key_value().map(|(k, _)| k.0);
        let (wanted, failed) = tokio::select! {
            got = rx.recv() => match got {
                Some(w) => (w, 0),
                None => break,
            },
            () = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                match retries.pop_first() {
                    Some((_, item)) => item,
                    None => continue,
                }
            }
        };
        let c = handle.counters();
        let (loc, fetch, w) = (location.clone(), feed.fetch.clone(), wanted.clone());
        let mut st = store.take();
        let done = tokio::task::spawn_blocking(move || {
            let r = attempt(&mut st, &loc, &fetch, &w);
            (st, r)
        })
        .await;
        let outcome = match done {
            Ok((st, r)) => {
                store = st;
                r
            }
            Err(_) => Outcome::Failed("panic while fetching the attestation".to_owned()),
        };
        match outcome {
            Outcome::Already => {
                c.sbom_already.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Stored(summary) => {
                c.sbom_ingested.fetch_add(1, Ordering::Relaxed);
                log(
                    json!({"level": "info", "event": "sbom-attestation-ingested",
                    "image": wanted.image, "digest": wanted.digest, "sbom": summary}),
                );
            }
            Outcome::Failed(error) => {
                c.sbom_failures.fetch_add(1, Ordering::Relaxed);
                let failed = failed + 1;
                let give_up = failed >= feed.attempts.max(1) || retries.len() >= MAX_RETRIES;
                let delay = backoff(&feed, failed);
                log(json!({
                    "level": "warn", "event": "sbom-attestation-refused", "image": wanted.image,
                    "digest": wanted.digest, "error": error, "attempt": failed, "givenUp": give_up,
                    "retryInSeconds": (!give_up).then_some(delay.as_secs_f64()),
                }));
                if give_up {
                    c.sbom_given_up.fetch_add(1, Ordering::Relaxed);
                    handle.forget_sbom(&wanted.digest);
                } else {
                    seq += 1;
                    retries.insert((Instant::now() + delay, seq), (wanted, failed));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let feed = SbomFeed {
            fetch: Arc::new(|_, _, _| Ok(json!({}))),
            queue: 1,
            retry: Duration::from_secs(30),
            max_retry: Duration::from_mins(10),
            attempts: 10,
        };
        let secs: Vec<u64> = (1..=7).map(|n| backoff(&feed, n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(backoff(&feed, u32::MAX).as_secs(), 600);
    }
}
