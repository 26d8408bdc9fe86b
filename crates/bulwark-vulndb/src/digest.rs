//! A compact digest of a DB's contents, and the delta between two of them, for incremental re-matching.
//!
//! The digest keeps, per package name, a hash of every affected rule naming it (in any namespace), and per
//! advisory id or alias, a hash of its records and of the enrichment (NVD severity and CVSS, EPSS, KEV) of each
//! name it goes by, plus a hash of the namespace list. Names are kept as 64-bit hashes only, so a digest of the
//! full DB is a few MB (16 bytes a name), small enough to keep in the store beside the findings it explains.
//!
//! Package names are compared *loosely* (ASCII lower case, `-`, `_` and `.` dropped), a coarser equivalence than
//! any ecosystem's own normalisation: two names the matcher would look up as one always share a key, so the
//! delta can only over-state which packages changed, never miss one.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use crate::Error;

const MAGIC: &[u8; 8] = b"BWDBDG01";

/// The digest of one DB. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbDigest {
    /// Hash of the sorted namespace list.
    pub namespaces: u64,
    /// Loose package-name key → hash of its rules.
    pub packages: HashMap<u64, u64>,
    /// Advisory id or alias key → hash of its records and enrichment.
    pub vulns: HashMap<u64, u64>,
}

/// What differs between two digests: the keys whose hash differs or that one side lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// The namespace list changed (informative: the rules of an added or dropped namespace are in
    /// `packages`).
    pub namespaces_changed: bool,
    pub packages: HashSet<u64>,
    pub vulns: HashSet<u64>,
    /// Package keys in the newer DB (for the "too large to be worth it" threshold).
    pub package_total: usize,
}

/// 64-bit FNV-1a, then a finaliser (splitmix64) so that sums of hashes stay well spread. Stable across builds
/// and platforms (the digest outlives the binary that wrote it), unlike `std`'s `DefaultHasher`.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The loose form of a package name: ASCII lower case with `-`, `_` and `.` removed.
fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The key of a package name (any spelling the matcher would look up under the same name).
#[must_use]
pub fn package_key(name: &str) -> u64 {
    hash(&[loose(name).as_bytes()])
}

/// The key of an advisory id or alias (`CVE-2024-1`, `GHSA-…`, `DSA-…`).
#[must_use]
pub fn vuln_key(id: &str) -> u64 {
    hash(&[id.as_bytes()])
}

fn fold(map: &mut HashMap<u64, u64>, key: u64, h: u64) {
    // A sum: order-independent, so the rows of one key may come in any order.
    let e = map.entry(key).or_insert(0);
    *e = e.wrapping_add(h);
}

impl DbDigest {
    /// Reads every rule, advisory, alias and enrichment row of `conn` (an open Bulwark DB).
    pub(crate) fn of_connection(conn: &Connection) -> rusqlite::Result<DbDigest> {
        let mut d = DbDigest::default();
        let mut ns = Vec::new();
        let mut stmt = conn.prepare("SELECT namespace FROM namespaces ORDER BY namespace")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            ns.push(r.get::<_, String>(0)?);
        }
        let parts: Vec<&[u8]> = ns.iter().map(String::as_bytes).collect();
        d.namespaces = hash(&parts);

        let mut stmt = conn.prepare("SELECT namespace, package, vuln_id, data FROM affected")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let package = r.get_ref(1)?.as_str()?;
            let h = hash(&[
                r.get_ref(0)?.as_bytes()?,
                package.as_bytes(),
                r.get_ref(2)?.as_bytes()?,
                r.get_ref(3)?.as_bytes()?,
            ]);
            fold(&mut d.packages, package_key(package), h);
        }
        // An advisory's record under its own id and under each alias (a finding names one of them).
        let mut stmt = conn.prepare(
            "SELECT id, origin, data FROM vulns \
             UNION ALL SELECT a.alias, v.origin, v.data FROM aliases a JOIN vulns v ON v.id = a.id AND v.origin = a.origin",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let h = hash(&[
                b"vuln",
                r.get_ref(1)?.as_bytes()?,
                r.get_ref(2)?.as_bytes()?,
            ]);
            fold(&mut d.vulns, hash(&[r.get_ref(0)?.as_bytes()?]), h);
        }
        // Enrichment under the CVE, and under each advisory that names the CVE (its own id or an alias): the
        // matcher joins enrichment by every CVE id an advisory names.
        let mut stmt = conn.prepare(
            "SELECT cve, cve, data FROM enrich \
             UNION ALL SELECT a.id, a.alias, e.data FROM aliases a JOIN enrich e ON e.cve = a.alias \
             UNION ALL SELECT a2.alias, a.alias, e.data FROM aliases a JOIN enrich e ON e.cve = a.alias \
                JOIN aliases a2 ON a2.id = a.id AND a2.origin = a.origin AND a2.alias <> a.alias",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let h = hash(&[
                b"enrich",
                r.get_ref(1)?.as_bytes()?,
                r.get_ref(2)?.as_bytes()?,
            ]);
            fold(&mut d.vulns, hash(&[r.get_ref(0)?.as_bytes()?]), h);
        }
        Ok(d)
    }

    /// The digest as bytes: a magic, the counts, then sorted `(key, hash)` pairs, little-endian.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + 16 * (self.packages.len() + self.vulns.len()));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.namespaces.to_le_bytes());
        for map in [&self.packages, &self.vulns] {
            let mut pairs: Vec<(u64, u64)> = map.iter().map(|(k, v)| (*k, *v)).collect();
            pairs.sort_unstable();
            out.extend_from_slice(&(pairs.len() as u64).to_le_bytes());
            for (k, v) in pairs {
                out.extend_from_slice(&k.to_le_bytes());
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out
    }

    /// Reads [`DbDigest::to_bytes`]' output; `None` for anything else (a truncated or foreign blob).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<DbDigest> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let word = |b: &[u8], at: usize| -> Option<u64> {
            Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
        };
        let namespaces = word(rest, 0)?;
        let mut at = 8;
        let mut maps = [HashMap::new(), HashMap::new()];
        for map in &mut maps {
            let n = usize::try_from(word(rest, at)?).ok()?;
            at += 8;
            // The count must fit in what is left: no allocation on a hostile count.
            if n.checked_mul(16)? > rest.len().saturating_sub(at) {
                return None;
            }
            map.reserve(n);
            for _ in 0..n {
                map.insert(word(rest, at)?, word(rest, at + 8)?);
                at += 16;
            }
        }
        if at != rest.len() {
            return None;
        }
        let [packages, vulns] = maps;
        Some(DbDigest {
            namespaces,
            packages,
            vulns,
        })
    }

    /// What changed from `self` (the older DB) to `newer`.
    #[must_use]
    pub fn delta(&self, newer: &DbDigest) -> Delta {
        let diff = |a: &HashMap<u64, u64>, b: &HashMap<u64, u64>| -> HashSet<u64> {
            let mut out: HashSet<u64> = a
                .iter()
                .filter(|(k, v)| b.get(k) != Some(v))
                .map(|(k, _)| *k)
                .collect();
            out.extend(b.keys().filter(|k| !a.contains_key(k)));
            out
        };
        Delta {
            namespaces_changed: self.namespaces != newer.namespaces,
            packages: diff(&self.packages, &newer.packages),
            vulns: diff(&self.vulns, &newer.vulns),
            package_total: newer.packages.len(),
        }
    }
}

impl Delta {
    /// Whether the rules for a package named `name` changed.
    #[must_use]
    pub fn touches_package(&self, name: &str) -> bool {
        self.packages.contains(&package_key(name))
    }

    /// Whether advisory `id` (its records or enrichment) changed.
    #[must_use]
    pub fn touches_vuln(&self, id: &str) -> bool {
        self.vulns.contains(&vuln_key(id))
    }

    /// Nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.namespaces_changed && self.packages.is_empty() && self.vulns.is_empty()
    }
}

/// Turns a rusqlite error during [`crate::VulnDb::digest`] into the DB's error.
pub(crate) fn corrupt(path: &std::path::Path, e: &rusqlite::Error) -> Error {
    Error::Corrupt {
        path: path.to_owned(),
        reason: format!("reading the DB for its digest: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_keys_cover_pypi_normalisation() {
        assert_eq!(package_key("Foo_Bar.baz"), package_key("foo-bar-baz"));
        assert_eq!(
            package_key(&crate::normalize_name("PyPI", "Zope.Interface")),
            package_key("zope_interface")
        );
        assert_ne!(package_key("openssl"), package_key("openssh"));
    }

    #[test]
    fn bytes_round_trip_and_refuse_truncation() {
        let mut d = DbDigest {
            namespaces: 7,
            ..DbDigest::default()
        };
        d.packages.insert(1, 2);
        d.packages.insert(3, 4);
        d.vulns.insert(5, 6);
        let b = d.to_bytes();
        assert_eq!(DbDigest::from_bytes(&b), Some(d));
        for cut in 0..b.len() {
            assert_eq!(DbDigest::from_bytes(&b[..cut]), None, "cut at {cut}");
        }
        let mut huge = b[..16].to_vec();
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(DbDigest::from_bytes(&huge), None);
    }

    #[test]
    fn delta_names_changed_added_and_removed_keys() {
        let mut a = DbDigest::default();
        a.packages.extend([(1, 10), (2, 20), (3, 30)]);
        let mut b = a.clone();
        b.packages.insert(2, 21);
        b.packages.remove(&3);
        b.packages.insert(4, 40);
        let d = a.delta(&b);
        assert_eq!(d.packages, HashSet::from([2, 3, 4]));
        assert!(!d.namespaces_changed);
        assert!(a.delta(&a).is_empty());
    }
}
