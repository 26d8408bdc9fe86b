//! Prometheus metrics in the text exposition format (version 0.0.4), kept with atomics so that recording a
//! request costs a few nanoseconds and never blocks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::Webhook;

/// Distinct `policy` label values kept; more (a server never judges by more than one bundle today) are
/// counted under `policy="other"`, so that the exposition stays bounded.
const MAX_POLICIES: usize = 32;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0,
];

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    /// Allowed because the namespace is exempt.
    Exempt,
    /// The body was not an answerable review (HTTP 4xx).
    Rejected,
    /// No decision within the deadline; the failure action answered.
    Timeout,
}

impl Outcome {
    const ALL: [Self; 5] = [
        Self::Allowed,
        Self::Denied,
        Self::Exempt,
        Self::Rejected,
        Self::Timeout,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Exempt => "exempt",
            Self::Rejected => "rejected",
            Self::Timeout => "timeout",
        }
    }
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    outcomes: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// Sum of latencies in microseconds.
    sum_us: AtomicU64,
    warnings: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    tls_reloads: AtomicU64,
    tls_reload_failures: AtomicU64,
    policy_reloads: AtomicU64,
    policy_reload_failures: AtomicU64,
    dry_runs: AtomicU64,
    patched: AtomicU64,
    /// Decisions by (webhook, policy, outcome).
    decisions: Mutex<BTreeMap<(&'static str, String, &'static str), u64>>,
}

/// A label value with `\`, `"` and newlines escaped (the text format's rules).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Records one admission request.
    pub fn record(&self, outcome: Outcome, latency: Duration, warnings: usize) {
        let i = Outcome::ALL.iter().position(|o| *o == outcome).unwrap_or(0);
        self.outcomes[i].fetch_add(1, Ordering::Relaxed);
        let secs = latency.as_secs_f64();
        for (b, bound) in self.buckets.iter().zip(BUCKETS) {
            if secs <= bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(
            u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if warnings > 0 {
            self.warnings.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records who decided a request: the webhook, the policy (bundle `name@version`; empty when none did,
    /// e.g. exempt namespaces) and the outcome; whether it was a dry run and whether it carried a patch.
    pub fn decision(
        &self,
        webhook: Webhook,
        policy: &str,
        outcome: Outcome,
        dry_run: bool,
        patched: bool,
    ) {
        if dry_run {
            self.dry_runs.fetch_add(1, Ordering::Relaxed);
        }
        if patched {
            self.patched.fetch_add(1, Ordering::Relaxed);
        }
        let policy = if policy.is_empty() { "none" } else { policy };
        let mut map = self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let known = map.keys().any(|(_, p, _)| p == policy);
        let distinct = map
            .keys()
            .map(|(_, p, _)| p.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let policy = if known || distinct < MAX_POLICIES {
            policy.to_owned()
        } else {
            "other".to_owned()
        };
        *map.entry((webhook.as_str(), policy, outcome.as_str()))
            .or_insert(0) += 1;
    }

    /// Adds the image-verification cache hits and misses of one decision.
    pub fn cache_counts(&self, hits: u64, misses: u64) {
        self.cache_hits.fetch_add(hits, Ordering::Relaxed);
        self.cache_misses.fetch_add(misses, Ordering::Relaxed);
    }

    pub fn cache(&self, hit: bool) {
        if hit {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.cache_misses.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn tls_reload(&self, ok: bool) {
        if ok {
            self.tls_reloads.fetch_add(1, Ordering::Relaxed);
        } else {
            self.tls_reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A policy reload ([`crate::Judge::reload`]): done, or refused (the previous policy stays in use).
    pub fn policy_reload(&self, ok: bool) {
        if ok {
            self.policy_reloads.fetch_add(1, Ordering::Relaxed);
        } else {
            self.policy_reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(2048);
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        s.push_str("# HELP bulwark_admission_requests_total Admission requests by outcome.\n");
        s.push_str("# TYPE bulwark_admission_requests_total counter\n");
        for (o, a) in Outcome::ALL.iter().zip(&self.outcomes) {
            let _ = writeln!(
                s,
                "bulwark_admission_requests_total{{outcome=\"{}\"}} {}",
                o.as_str(),
                load(a)
            );
        }
        s.push_str("# HELP bulwark_admission_duration_seconds Time from the request body read to the response.\n");
        s.push_str("# TYPE bulwark_admission_duration_seconds histogram\n");
        for (b, bound) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                s,
                "bulwark_admission_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                load(b)
            );
        }
        let count = load(&self.count);
        let _ = writeln!(
            s,
            "bulwark_admission_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        #[allow(clippy::cast_precision_loss)]
        let sum = load(&self.sum_us) as f64 / 1e6;
        let _ = writeln!(s, "bulwark_admission_duration_seconds_sum {sum}");
        let _ = writeln!(s, "bulwark_admission_duration_seconds_count {count}");
        for (name, help, a) in [
            (
                "bulwark_admission_warned_total",
                "Admitted requests answered with warnings.",
                &self.warnings,
            ),
            (
                "bulwark_verification_cache_hits_total",
                "Signature verifications answered from the per-digest cache.",
                &self.cache_hits,
            ),
            (
                "bulwark_verification_cache_misses_total",
                "Signature verifications that had to reach the registry.",
                &self.cache_misses,
            ),
            (
                "bulwark_admission_dry_run_total",
                "Requests with dryRun: true (judged the same way, without writing the verification cache).",
                &self.dry_runs,
            ),
            (
                "bulwark_admission_patched_total",
                "Mutating answers that carried a JSONPatch (image tags pinned to verified digests).",
                &self.patched,
            ),
            (
                "bulwark_tls_reloads_total",
                "Certificate reloads after the files changed.",
                &self.tls_reloads,
            ),
            (
                "bulwark_tls_reload_failures_total",
                "Certificate reloads that failed (the previous certificate stays in use).",
                &self.tls_reload_failures,
            ),
            (
                "bulwark_policy_reloads_total",
                "Policy bundle reloads after its files changed.",
                &self.policy_reloads,
            ),
            (
                "bulwark_policy_reload_failures_total",
                "Changed policy bundles that were refused (the previous bundle stays in use).",
                &self.policy_reload_failures,
            ),
        ] {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                load(a)
            );
        }
        let (hits, misses) = (load(&self.cache_hits), load(&self.cache_misses));
        s.push_str("# HELP bulwark_verification_cache_hit_ratio Share of image verifications answered from the cache (0 before any).\n");
        s.push_str("# TYPE bulwark_verification_cache_hit_ratio gauge\n");
        #[allow(clippy::cast_precision_loss)]
        let ratio = if hits + misses == 0 {
            0.0
        } else {
            hits as f64 / (hits + misses) as f64
        };
        let _ = writeln!(s, "bulwark_verification_cache_hit_ratio {ratio}");
        s.push_str(
            "# HELP bulwark_admission_decisions_total Decisions by webhook, policy and outcome.\n",
        );
        s.push_str("# TYPE bulwark_admission_decisions_total counter\n");
        let map = self
            .decisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for ((webhook, policy, outcome), n) in map.iter() {
            let _ = writeln!(
                s,
                "bulwark_admission_decisions_total{{webhook=\"{webhook}\",policy=\"{}\",outcome=\"{outcome}\"}} {n}",
                label(policy)
            );
        }
        drop(map);
        // The run stage's loops, when the server runs them.
        crate::loops::render_metrics(&mut s);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record(Outcome::Allowed, Duration::from_micros(300), 0);
        m.record(Outcome::Denied, Duration::from_millis(3), 1);
        m.record(Outcome::Timeout, Duration::from_secs(30), 0);
        let t = m.render();
        assert!(
            t.contains("bulwark_admission_duration_seconds_bucket{le=\"0.0005\"} 1\n"),
            "{t}"
        );
        assert!(
            t.contains("bulwark_admission_duration_seconds_bucket{le=\"0.005\"} 2\n"),
            "{t}"
        );
        assert!(
            t.contains("bulwark_admission_duration_seconds_bucket{le=\"10\"} 2\n"),
            "{t}"
        );
        assert!(
            t.contains("bulwark_admission_duration_seconds_bucket{le=\"+Inf\"} 3\n"),
            "{t}"
        );
        assert!(
            t.contains("bulwark_admission_requests_total{outcome=\"timeout\"} 1\n"),
            "{t}"
        );
        assert!(t.contains("bulwark_admission_warned_total 1\n"), "{t}");
    }

    #[test]
    fn decisions_by_policy_and_the_cache_hit_ratio() {
        let m = Metrics::default();
        m.decision(Webhook::Validating, "base@1", Outcome::Denied, false, false);
        m.decision(Webhook::Validating, "base@1", Outcome::Denied, true, false);
        m.decision(Webhook::Mutating, "base@1", Outcome::Allowed, false, true);
        m.decision(Webhook::Validating, "", Outcome::Exempt, false, false);
        m.decision(Webhook::Validating, "a\"b", Outcome::Allowed, false, false);
        m.cache_counts(3, 1);
        let t = m.render();
        for line in [
            "bulwark_admission_decisions_total{webhook=\"validate\",policy=\"base@1\",outcome=\"denied\"} 2\n",
            "bulwark_admission_decisions_total{webhook=\"mutate\",policy=\"base@1\",outcome=\"allowed\"} 1\n",
            "bulwark_admission_decisions_total{webhook=\"validate\",policy=\"none\",outcome=\"exempt\"} 1\n",
            "bulwark_admission_decisions_total{webhook=\"validate\",policy=\"a\\\"b\",outcome=\"allowed\"} 1\n",
            "bulwark_admission_dry_run_total 1\n",
            "bulwark_admission_patched_total 1\n",
            "bulwark_verification_cache_hits_total 3\n",
            "bulwark_verification_cache_misses_total 1\n",
            "bulwark_verification_cache_hit_ratio 0.75\n",
        ] {
            assert!(t.contains(line), "{line}\n{t}");
        }
        // The policy label is bounded.
        for i in 0..100 {
            m.decision(
                Webhook::Validating,
                &format!("p{i}"),
                Outcome::Allowed,
                false,
                false,
            );
        }
        assert!(m.render().contains("policy=\"other\""));
        assert!(m.render().lines().count() < 200);
    }
}
