//! `zap-baseline.py` compatibility: the rules config (`-c`, `-g`), levels, the `-s` output and exit codes, and
//! ZAP's traditional reports (helper "zap" owns this folder).

pub mod baseline;
pub mod config;
pub mod report;
