//! Lookups in the SPDX license and exception lists (`spdx_table.rs`, generated). SPDX ids match
//! case-insensitively (SPDX spec, Annex D); lookups return the list's own spelling.

use crate::spdx_table::{EXCEPTIONS, LICENSES};

fn find<T>(table: &'static [T], key: impl Fn(&T) -> &'static str, id: &str) -> Option<&'static T> {
    table
        .binary_search_by(|e| cmp_ascii_ci(key(e), id))
        .ok()
        .map(|i| &table[i])
}

fn cmp_ascii_ci(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// The canonical spelling of an SPDX license id (`mit` → `MIT`), if the list has it.
#[must_use]
pub fn license_id(id: &str) -> Option<&'static str> {
    find(LICENSES, |e| e.0, id).map(|e| e.0)
}

/// The canonical spelling of an SPDX exception id (`classpath-exception-2.0` → `Classpath-exception-2.0`).
#[must_use]
pub fn exception_id(id: &str) -> Option<&'static str> {
    find(EXCEPTIONS, |e| e.0, id).map(|e| e.0)
}

/// Full name of a listed license (`Apache-2.0` → `Apache License 2.0`).
#[must_use]
pub fn license_name(id: &str) -> Option<&'static str> {
    find(LICENSES, |e| e.0, id).map(|e| e.1)
}

/// Whether the SPDX list marks the id as deprecated (`GPL-2.0`, `GPL-2.0+`, `BSD-2-Clause-NetBSD`).
#[must_use]
pub fn is_deprecated(id: &str) -> bool {
    find(LICENSES, |e| e.0, id).is_some_and(|e| e.2)
}

/// Whether the OSI approved the license, per the SPDX list.
#[must_use]
pub fn is_osi_approved(id: &str) -> bool {
    find(LICENSES, |e| e.0, id).is_some_and(|e| e.3)
}

/// Every listed license id, in the table's order.
pub fn all_license_ids() -> impl Iterator<Item = &'static str> {
    LICENSES.iter().map(|e| e.0)
}

/// Every listed exception id, in the table's order.
pub fn all_exception_ids() -> impl Iterator<Item = &'static str> {
    EXCEPTIONS.iter().map(|e| e.0)
}

/// GNU-style ids have `-only` and `-or-later` forms: `GPL-2.0` → `Some("GPL-2.0")`, `GPL-2.0-only` →
/// `Some("GPL-2.0")`, `MIT` → `None`. The returned base is canonical.
#[must_use]
pub fn gnu_base(id: &str) -> Option<&'static str> {
    let base = id
        .strip_suffix("-only")
        .or_else(|| id.strip_suffix("-or-later"))
        .or_else(|| id.strip_suffix('+'))
        .unwrap_or(id);
    let only = license_id(&format!("{base}-only"))?;
    license_id(&format!("{base}-or-later"))?;
    Some(&only[..only.len() - "-only".len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for w in LICENSES.windows(2) {
            assert_eq!(
                cmp_ascii_ci(w[0].0, w[1].0),
                std::cmp::Ordering::Less,
                "{w:?}"
            );
        }
        for w in EXCEPTIONS.windows(2) {
            assert_eq!(
                cmp_ascii_ci(w[0].0, w[1].0),
                std::cmp::Ordering::Less,
                "{w:?}"
            );
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(license_id("apache-2.0"), Some("Apache-2.0"));
        assert_eq!(license_id("GPL-2.0+"), Some("GPL-2.0+"));
        assert!(is_deprecated("GPL-2.0+"));
        assert!(!is_deprecated("GPL-2.0-or-later"));
        assert_eq!(license_id("Expat"), None);
        assert_eq!(
            exception_id("classpath-exception-2.0"),
            Some("Classpath-exception-2.0")
        );
        assert_eq!(gnu_base("GPL-3.0"), Some("GPL-3.0"));
        assert_eq!(gnu_base("lgpl-2.1-or-later"), Some("LGPL-2.1"));
        assert_eq!(
            gnu_base("GFDL-1.3-no-invariants-only"),
            Some("GFDL-1.3-no-invariants")
        );
        assert_eq!(gnu_base("MIT"), None);
        assert_eq!(gnu_base("Apache-2.0"), None);
    }
}
