//! The `.scap` capture reader. See the crate docs.
