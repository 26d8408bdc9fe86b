//! kube-bench's text output and JSON shape (`Controls`, `Totals`), JUnit, and checks as report findings with CIS
//! sections for the compliance evidence.
//!
//! STUB.
