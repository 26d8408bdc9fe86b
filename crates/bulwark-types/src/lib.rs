//! Bulwark's domain types, shared by every crate: what was scanned, what was found in it, and where.
//!
//! These types have few dependencies on purpose (only serde), so that parsers, matchers and renderers can all
//! depend on them without pulling each other in.
//!
//! ```
//! use bulwark_types::{Package, PackageType, Severity};
//! let mut p = Package::new(PackageType::Dpkg, "bash", "5.2.15-2+b13");
//! p.arch = Some("amd64".into());
//! assert_eq!(p.name, "bash");
//! assert!(Severity::High > Severity::Medium);
//! ```

pub mod files;
mod finding;
mod package;
pub mod purl;
mod rule;
pub mod sort;
pub mod text;
pub mod time;
pub mod yaml;

pub use finding::{
    Diagnostic, DiagnosticLevel, Finding, FindingKind, Location, Severity, short_digest,
};
pub use package::{Distro, LayerRef, Package, PackageType};
pub use purl::Purl;
pub use rule::{RuleDoc, RuleFamily};
pub use text::escape_control;
