//! Enforcement of the audit webhook's alerts: each alert, with the subject its fields name, goes to the
//! [`AlertSink`] the binary gives (`bulwark serve --enforce FILE`), which decides and carries out the actions
//! on its own worker. Called on the blocking pool after evaluation, so event intake never waits for it.

use bulwark_runtime::enforce::Subject;
use bulwark_runtime::k8saudit::AuditEvent;
use bulwark_runtime::rules::Alert;

use crate::audit::AuditConfig;

/// Receives alerts for enforcement. Must not block: queue the alert and return.
pub trait AlertSink: Send + Sync {
    /// One alert about `subject`; `key` is the alert's dedupe key (source + audit ID + rule), the same as the
    /// stored alert's.
    fn alert(&self, alert: &Alert, subject: Subject, key: &str);
}

/// Hands `alerts` (of `ev`) to the configured sink, if any.
pub(crate) fn alerts(cfg: &AuditConfig, ev: &AuditEvent, alerts: &[Alert]) {
    let Some(sink) = &cfg.enforce else { return };
    for a in alerts {
        let key = crate::audit::alert_row(&cfg.cluster, ev, a).dedupe_key;
        sink.alert(a, bulwark_runtime::findings::subject_from_fields(a), &key);
    }
}
