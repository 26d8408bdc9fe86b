//! A per-digest verification cache for the admission webhook: admission is a lookup, not a scan.
//!
//! - A verified digest is remembered for `ttl`; a refused one for `negative_ttl` (shorter, so a signature pushed
//!   after a first refusal is seen soon, while a flood of requests for an unsigned image costs one verification).
//! - The cache is bounded: at `capacity` entries the oldest insertion is evicted first.
//! - Keys are the manifest digest plus whatever else the verification depended on (the key or identity, the
//!   attestation policy), so one cache can serve several policies.
//!
//! The cache is `Sync` (one mutex, held for a hash lookup only); the clock is a parameter of the `*_at` methods
//! so that tests do not sleep.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Cache sizing and lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct CacheConfig {
    pub ttl: Duration,
    pub negative_ttl: Duration,
    pub capacity: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_mins(5),
            negative_ttl: Duration::from_secs(30),
            capacity: 10_000,
        }
    }
}

struct Entry<V> {
    value: Result<V, String>,
    expires: Instant,
    /// Insertion generation, to match the eviction queue.
    generation: u64,
}

struct Inner<V> {
    map: HashMap<String, Entry<V>>,
    order: VecDeque<(String, u64)>,
    generation: u64,
}

/// Verification results by key: `Ok(value)` for a verified digest, `Err(reason)` for a refused one.
pub struct VerdictCache<V> {
    config: CacheConfig,
    inner: Mutex<Inner<V>>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached<V> {
    Verified(V),
    Refused(String),
    Miss,
}

impl<V: Clone> VerdictCache<V> {
    #[must_use]
    pub fn new(config: CacheConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                generation: 0,
            }),
        }
    }

    #[must_use]
    pub fn config(&self) -> CacheConfig {
        self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        // A panic while holding the lock cannot leave the map inconsistent (every mutation is one call), so a
        // poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached result for `key` at `now`; expired entries are misses.
    pub fn get_at(&self, key: &str, now: Instant) -> Cached<V> {
        let inner = self.lock();
        match inner.map.get(key) {
            Some(e) if e.expires > now => match &e.value {
                Ok(v) => Cached::Verified(v.clone()),
                Err(r) => Cached::Refused(r.clone()),
            },
            _ => Cached::Miss,
        }
    }

    pub fn get(&self, key: &str) -> Cached<V> {
        self.get_at(key, Instant::now())
    }

    /// Records a result at `now`.
    pub fn put_at(&self, key: &str, value: Result<V, String>, now: Instant) {
        if self.config.capacity == 0 {
            return;
        }
        let ttl = if value.is_ok() {
            self.config.ttl
        } else {
            self.config.negative_ttl
        };
        let mut inner = self.lock();
        inner.generation += 1;
        let generation = inner.generation;
        inner.map.insert(
            key.to_owned(),
            Entry {
                value,
                expires: now + ttl,
                generation,
            },
        );
        inner.order.push_back((key.to_owned(), generation));
        // Evict the oldest insertions; queue entries whose key was re-inserted since are stale and skipped.
        while inner.map.len() > self.config.capacity {
            let Some((old, g)) = inner.order.pop_front() else {
                break;
            };
            if inner.map.get(&old).is_some_and(|e| e.generation == g) {
                inner.map.remove(&old);
            }
        }
        // Keep the queue from growing without bound when the same keys are re-inserted often.
        if inner.order.len() > self.config.capacity.saturating_mul(2) + 16 {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|(k, g)| map.get(k).is_some_and(|e| e.generation == *g));
        }
    }

    pub fn put(&self, key: &str, value: Result<V, String>) {
        self.put_at(key, value, Instant::now());
    }

    /// Returns the cached result, or runs `verify`, caches and returns its result.
    pub fn get_or_verify(
        &self,
        key: &str,
        verify: impl FnOnce() -> Result<V, String>,
    ) -> Result<V, String> {
        let now = Instant::now();
        match self.get_at(key, now) {
            Cached::Verified(v) => Ok(v),
            Cached::Refused(r) => Err(r),
            Cached::Miss => {
                let result = verify();
                self.put_at(key, result.clone(), Instant::now());
                result
            }
        }
    }

    /// The number of entries (expired ones included until evicted).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> VerdictCache<u32> {
        VerdictCache::new(CacheConfig {
            ttl: Duration::from_mins(1),
            negative_ttl: Duration::from_secs(5),
            capacity,
        })
    }

    #[test]
    fn positive_and_negative_entries_expire_at_their_own_ttl() {
        let c = cache(10);
        let t0 = Instant::now();
        c.put_at("good", Ok(1), t0);
        c.put_at("bad", Err("no signature".into()), t0);
        assert_eq!(c.get_at("good", t0), Cached::Verified(1));
        assert_eq!(c.get_at("bad", t0), Cached::Refused("no signature".into()));
        let t6 = t0 + Duration::from_secs(6);
        assert_eq!(c.get_at("good", t6), Cached::Verified(1));
        assert_eq!(c.get_at("bad", t6), Cached::Miss);
        assert_eq!(c.get_at("good", t0 + Duration::from_mins(1)), Cached::Miss);
        assert_eq!(c.get_at("other", t0), Cached::Miss);
    }

    #[test]
    fn bounded_with_oldest_evicted_first() {
        let c = cache(3);
        let t = Instant::now();
        for (i, k) in ["a", "b", "c", "d"].iter().enumerate() {
            c.put_at(k, Ok(u32::try_from(i).unwrap()), t);
        }
        assert_eq!(c.len(), 3);
        assert_eq!(c.get_at("a", t), Cached::Miss);
        assert_eq!(c.get_at("d", t), Cached::Verified(3));
        // Re-inserting "b" makes it the newest: the next eviction takes "c".
        c.put_at("b", Ok(9), t);
        c.put_at("e", Ok(4), t);
        assert_eq!(c.get_at("c", t), Cached::Miss);
        assert_eq!(c.get_at("b", t), Cached::Verified(9));
        // Many re-insertions keep the queue bounded.
        for i in 0..10_000 {
            c.put_at("b", Ok(i), t);
        }
        assert!(c.lock().order.len() <= 3 * 2 + 16 + 1);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn get_or_verify_runs_the_verification_once_per_ttl() {
        let c = cache(10);
        let mut calls = 0;
        for _ in 0..5 {
            let r = c.get_or_verify("d", || {
                calls += 1;
                Err("refused".into())
            });
            assert_eq!(r, Err("refused".into()));
        }
        assert_eq!(calls, 1);
        let zero = cache(0);
        zero.put("x", Ok(1));
        assert_eq!(zero.get("x"), Cached::Miss);
    }
}
