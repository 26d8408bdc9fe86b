//! Live process events on a Linux node. See the crate docs.
