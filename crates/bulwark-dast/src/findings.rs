//! Alerts as findings of the one report model, so SARIF, JUnit, the Bulwark report, policy and owners routing
//! take them as any finding.
//!
//! STUB: built by helper "zap".
