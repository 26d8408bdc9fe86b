//! One module per command family. Each owns its clap argument struct and its `run` functions.

pub(crate) mod compliance;
pub(crate) mod db;
pub(crate) mod evaluate;
pub(crate) mod fs;
pub(crate) mod image;
pub(crate) mod inventory;
pub(crate) mod k8s;
pub(crate) mod keys;
pub(crate) mod kube;
pub(crate) mod licenses;
pub(crate) mod malware;
pub(crate) mod owners;
pub(crate) mod policy;
pub(crate) mod report;
pub(crate) mod rule;
pub(crate) mod secrets;
pub(crate) mod selfcheck;
pub(crate) mod serve;
pub(crate) mod serve_api;
pub(crate) mod serve_feeds;
pub(crate) mod serve_loops;
pub(crate) mod serve_reload;
pub(crate) mod sign;
pub(crate) mod verdict;
pub(crate) mod version;
pub(crate) mod vulns;
