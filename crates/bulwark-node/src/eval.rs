//! Applying a check's tests to its audit outputs, with kube-bench's result rules (see the fixtures README).
//!
//! STUB.
