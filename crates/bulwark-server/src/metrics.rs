//! Prometheus metrics in the text exposition format (version 0.0.4), kept with atomics so that recording a
//! request costs a few nanoseconds and never blocks.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
                "bulwark_tls_reloads_total",
                "Certificate reloads after the files changed.",
                &self.tls_reloads,
            ),
            (
                "bulwark_tls_reload_failures_total",
                "Certificate reloads that failed (the previous certificate stays in use).",
                &self.tls_reload_failures,
            ),
        ] {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                load(a)
            );
        }
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
}
