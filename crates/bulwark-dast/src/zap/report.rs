//! ZAP's traditional reports: JSON (`-J`), HTML (`-r`) and Markdown (`-w`).
//!
//! STUB: built by helper "zap".
