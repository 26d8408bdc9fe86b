//! Licenses: SPDX expressions, normalization of the licenses packages declare, Debian copyright files,
//! license text detection, classification, and an allow/deny policy that produces findings.
//!
//! ```
//! use bulwark_license::{Class, Expression, Policy, PolicyConfig, classify, normalize, normalize_dep5};
//! use bulwark_types::{Package, PackageType};
//!
//! assert_eq!(normalize("GPLv2+ or MIT License").to_string(), "GPL-2.0-or-later OR MIT");
//! assert_eq!(normalize_dep5("GPL-1+ or Artistic, and Expat").unwrap().to_string(),
//!            "(GPL-1.0-or-later OR Artistic-1.0-Perl) AND MIT");
//! assert_eq!(classify(&Expression::parse("MIT AND LGPL-2.1-only").unwrap()), Class::WeakCopyleft);
//!
//! let policy = Policy::from_config(&PolicyConfig {
//!     deny: vec!["GPL-3.0-only".into()],
//!     ..PolicyConfig::default()
//! }).unwrap();
//! let mut p = Package::new(PackageType::Npm, "x", "1.0.0");
//! p.licenses = vec!["MIT OR GPL-3.0-only".into()];
//! assert!(bulwark_license::evaluate(&[p.clone()], &policy).is_empty()); // MIT may be chosen
//! p.licenses = vec!["GPL-3.0".into()];
//! assert_eq!(bulwark_license::evaluate(&[p], &policy)[0].id, "BW-LIC-0001");
//! ```

pub mod class;
pub mod dep5;
pub mod detect;
pub mod expr;
mod glob;
pub mod ids;
pub mod normalize;
pub mod policy;
mod rules;
mod spdx_table;

pub use class::{Class, classify, classify_id};
pub use expr::{Addition, Expression, LicenseItem, LicenseReq, ParseError};
pub use normalize::{normalize, normalize_all, normalize_dep5};
pub use policy::{
    DENIED_ID, ExceptionConfig, NOT_ALLOWED_ID, Policy, PolicyConfig, PolicyError, Rejection,
    UNLICENSED_ID, annotate, evaluate, evaluate_file, package_expression,
};
pub use rules::rule_docs;

/// Version of the SPDX License List package the id table was generated from.
pub const SPDX_LIST_SOURCE: &str = spdx_table::SOURCE_VERSION;
