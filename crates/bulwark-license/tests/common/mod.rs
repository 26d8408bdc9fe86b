//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

pub(crate) fn fixtures() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    )
}

/// A test whose outside tool or data is missing fails under CI and is skipped (with a note) elsewhere.
pub(crate) fn missing(what: &str) -> bool {
    assert!(
        std::env::var_os("CI").is_none_or(|v| v != "true"),
        "{what} is required when CI=true"
    );
    eprintln!("skipped: {what} is missing");
    true
}
