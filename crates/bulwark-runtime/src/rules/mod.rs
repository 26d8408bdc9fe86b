//! Falco rules files, the condition language, compilation and evaluation. See the crate docs.
