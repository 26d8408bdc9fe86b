//! Counting alerts per rule and level, the `zap-baseline.py` output lines and summary, and the exit code.
//!
//! STUB: built by helper "zap".
