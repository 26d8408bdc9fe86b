//! User docs of the license policy's finding ids (`bulwark rule BW-LIC-0001`, `docs/rules/license/`). The
//! pages are Markdown files beside this module, one per id.

use bulwark_types::{RuleDoc, RuleFamily, Severity};

use crate::policy::{DENIED_ID, NOT_ALLOWED_ID, UNLICENSED_ID};

/// One page per license finding id. Severity of the first two follows the rejected license's class, so it is
/// listed as varying.
#[must_use]
pub fn rule_docs() -> Vec<RuleDoc> {
    let doc = |id, name, severity, title, docs: &str| RuleDoc {
        id,
        name,
        family: RuleFamily::License,
        severity,
        title,
        aliases: &[],
        docs: docs.to_owned(),
    };
    vec![
        doc(
            DENIED_ID,
            "denied-license",
            None,
            "Denied license",
            include_str!("rules/denied_license.md"),
        ),
        doc(
            NOT_ALLOWED_ID,
            "license-not-allowed",
            None,
            "License not allowed",
            include_str!("rules/license_not_allowed.md"),
        ),
        doc(
            UNLICENSED_ID,
            "unlicensed-package",
            Some(Severity::Unknown),
            "No license information",
            include_str!("rules/unlicensed_package.md"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    /// The pages name the ids and names that `policy.rs` puts in findings.
    #[test]
    fn pages_match_the_ids_findings_use() {
        for d in super::rule_docs() {
            assert!(
                d.docs.starts_with(&format!("# {} ({})\n", d.name, d.id)),
                "{}",
                d.id
            );
        }
    }
}
