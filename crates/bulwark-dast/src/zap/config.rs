//! The baseline rules config file: `ID<TAB>IGNORE|INFO|WARN|FAIL|OUTOFSCOPE<TAB>text[<TAB>message]`.
//!
//! STUB: built by helper "zap".

/// A rule's level in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Pass,
    Ignore,
    Info,
    Warn,
    Fail,
}
