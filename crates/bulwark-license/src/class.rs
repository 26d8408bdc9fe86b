//! License classes: what a license asks of software that uses it.
//!
//! The table is by id prefix, most specific first. SPDX ids not named here are permissive when the OSI
//! approved them or they belong to a permissive family (BSD, MIT, HPND, …), and unknown otherwise. A
//! `LicenseRef-` is unknown unless its name says what it is: `public-domain`, `permissive`, a BSD/MIT/ISC/Expat
//! variant name (permissive), or `proprietary` / `commercial` (proprietary).

use serde::{Deserialize, Serialize};

use crate::expr::{Expression, LicenseItem, LicenseReq};
use crate::ids;

/// What a license requires, from least to most demanding; `Proprietary` and `Unknown` stand apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Notice and attribution only (MIT, BSD, Apache-2.0, ISC, Zlib, public domain).
    Permissive,
    /// Changes to the licensed files must be shared (LGPL, MPL, EPL, CDDL).
    WeakCopyleft,
    /// Derived works must be distributed under the same license (GPL, EUPL, CC-BY-SA).
    StrongCopyleft,
    /// Like strong copyleft, and offering the software over a network counts as distribution (AGPL, SSPL).
    NetworkCopyleft,
    /// Not an open-source grant (non-commercial, no-derivatives, source-available, `UNLICENSED`).
    Proprietary,
    Unknown,
}

impl Class {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permissive => "permissive",
            Self::WeakCopyleft => "weak-copyleft",
            Self::StrongCopyleft => "strong-copyleft",
            Self::NetworkCopyleft => "network-copyleft",
            Self::Proprietary => "proprietary",
            Self::Unknown => "unknown",
        }
    }

    /// How demanding, for comparing classes: unknown counts as the most demanding (nothing is known).
    fn rank(self) -> u8 {
        match self {
            Self::Permissive => 0,
            Self::WeakCopyleft => 1,
            Self::StrongCopyleft => 2,
            Self::NetworkCopyleft => 3,
            Self::Proprietary => 4,
            Self::Unknown => 5,
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Class {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "permissive" => Self::Permissive,
            "weak-copyleft" => Self::WeakCopyleft,
            "strong-copyleft" | "copyleft" => Self::StrongCopyleft,
            "network-copyleft" => Self::NetworkCopyleft,
            "proprietary" => Self::Proprietary,
            "unknown" => Self::Unknown,
            other => {
                return Err(format!(
                    "unknown license class '{other}' (expected permissive, weak-copyleft, strong-copyleft, network-copyleft, proprietary or unknown)"
                ));
            }
        })
    }
}

/// Prefixes of SPDX ids, checked in order (the first match wins).
const PREFIXES: &[(&str, Class)] = &[
    ("AGPL-", Class::NetworkCopyleft),
    ("SSPL-", Class::NetworkCopyleft),
    ("OSL-", Class::NetworkCopyleft),
    ("RPL-", Class::NetworkCopyleft),
    ("NPOSL-", Class::NetworkCopyleft),
    ("CPAL-", Class::NetworkCopyleft),
    ("LGPL", Class::WeakCopyleft),
    ("GPL-", Class::StrongCopyleft),
    ("GFDL-", Class::StrongCopyleft),
    ("SMAIL-GPL", Class::StrongCopyleft),
    ("EUPL-", Class::StrongCopyleft),
    ("CC-BY-NC", Class::Proprietary),
    ("CC-BY-ND", Class::Proprietary),
    ("CC-BY-SA-", Class::StrongCopyleft),
    ("CC-BY-", Class::Permissive),
    ("CECILL-B", Class::Permissive),
    ("CECILL-C", Class::WeakCopyleft),
    ("CECILL-", Class::StrongCopyleft),
    ("copyleft-next-", Class::StrongCopyleft),
    ("Sleepycat", Class::StrongCopyleft),
    ("QPL-", Class::StrongCopyleft),
    ("SimPL-", Class::StrongCopyleft),
    ("ODbL-", Class::StrongCopyleft),
    ("IPL-", Class::WeakCopyleft),
    ("MPL-", Class::WeakCopyleft),
    ("EPL-", Class::WeakCopyleft),
    ("CDDL-", Class::WeakCopyleft),
    ("CPL-", Class::WeakCopyleft),
    ("APSL-", Class::WeakCopyleft),
    ("MS-RL", Class::WeakCopyleft),
    ("NPL-", Class::WeakCopyleft),
    ("SPL-", Class::WeakCopyleft),
    ("ErlPL-", Class::WeakCopyleft),
    ("OFL-", Class::WeakCopyleft),
    ("LPPL-", Class::WeakCopyleft),
    ("eCos-", Class::WeakCopyleft),
    ("BUSL-", Class::Proprietary),
    ("Elastic-", Class::Proprietary),
    ("PolyForm-", Class::Proprietary),
    ("Commons-Clause", Class::Proprietary),
    ("CC-PDDC", Class::Permissive),
    ("CC0-", Class::Permissive),
];

/// Families that are permissive even where the OSI has not listed the variant.
const PERMISSIVE_FAMILIES: &[&str] = &[
    "0BSD",
    "AFL-",
    "Apache-",
    "Artistic-",
    "Beerware",
    "BlueOak-",
    "BSD",
    "BSL-",
    "bzip2",
    "curl",
    "FSF",
    "HPND",
    "ICU",
    "IJG",
    "Info-ZIP",
    "ISC",
    "Latex2e",
    "libpng",
    "Libpng",
    "MIT",
    "MS-PL",
    "NCSA",
    "NTP",
    "OLDAP-",
    "OpenSSL",
    "PHP-",
    "PostgreSQL",
    "PSF-",
    "Python-",
    "RSA-MD",
    "Ruby",
    "SSLeay",
    "TCL",
    "Unicode-",
    "Unlicense",
    "UPL-",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Zend-",
    "Zlib",
    "zlib-",
    "ZPL-",
];

/// The class of one SPDX id or `LicenseRef-` (exceptions only add permissions and do not change it).
#[must_use]
pub fn classify_id(id: &str) -> Class {
    let base = id.trim_end_matches('+');
    if let Some(r) = base
        .strip_prefix("LicenseRef-")
        .or_else(|| base.split_once(":LicenseRef-").map(|x| x.1))
    {
        return classify_ref(r);
    }
    for (p, c) in PREFIXES {
        if base.starts_with(p) {
            return *c;
        }
    }
    if PERMISSIVE_FAMILIES.iter().any(|p| base.starts_with(p)) || ids::is_osi_approved(base) {
        return Class::Permissive;
    }
    Class::Unknown
}

fn classify_ref(name: &str) -> Class {
    let n = name.to_ascii_lowercase();
    let word = |w: &str| {
        n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|x| x == w)
    };
    if n.contains("proprietary") || n.contains("commercial") || word("unlicensed") {
        Class::Proprietary
    } else if n.contains("public-domain")
        || word("pd")
        || n.contains("permissive")
        || ["bsd", "mit", "isc", "expat", "x11"]
            .iter()
            .any(|w| word(w))
    {
        Class::Permissive
    } else {
        Class::Unknown
    }
}

/// The class of one requirement.
#[must_use]
pub fn classify_req(r: &LicenseReq) -> Class {
    match &r.license {
        LicenseItem::Spdx(id) => classify_id(id),
        LicenseItem::Ref(s) => classify_id(s),
    }
}

/// The class of a whole expression: `OR` takes the least demanding choice, `AND` the most demanding part.
#[must_use]
pub fn classify(e: &Expression) -> Class {
    match e {
        Expression::License(r) => classify_req(r),
        Expression::Or(v) => v
            .iter()
            .map(classify)
            .min_by_key(|c| c.rank())
            .unwrap_or(Class::Unknown),
        Expression::And(v) => v
            .iter()
            .map(classify)
            .max_by_key(|c| c.rank())
            .unwrap_or(Class::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(classify_id("MIT"), Class::Permissive);
        assert_eq!(classify_id("Apache-2.0"), Class::Permissive);
        assert_eq!(classify_id("BSD-3-Clause"), Class::Permissive);
        assert_eq!(classify_id("LGPL-2.1-or-later"), Class::WeakCopyleft);
        assert_eq!(classify_id("MPL-2.0"), Class::WeakCopyleft);
        assert_eq!(classify_id("GPL-3.0-only"), Class::StrongCopyleft);
        assert_eq!(classify_id("AGPL-3.0-or-later"), Class::NetworkCopyleft);
        assert_eq!(classify_id("CC-BY-NC-4.0"), Class::Proprietary);
        assert_eq!(classify_id("LicenseRef-proprietary"), Class::Proprietary);
        assert_eq!(classify_id("LicenseRef-public-domain"), Class::Permissive);
        assert_eq!(
            classify_id("LicenseRef-BSD-3-clause-California"),
            Class::Permissive
        );
        assert_eq!(
            classify_id("LicenseRef-same-as-rest-of-p11kit"),
            Class::Unknown
        );
        assert_eq!(classify_id("LicenseRef-Submitted"), Class::Unknown);
    }

    #[test]
    fn expressions() {
        let c = |s: &str| classify(&Expression::parse(s).unwrap());
        assert_eq!(c("MIT OR GPL-3.0-only"), Class::Permissive);
        assert_eq!(c("MIT AND GPL-3.0-only"), Class::StrongCopyleft);
        assert_eq!(
            c("(MIT OR AGPL-3.0-only) AND LGPL-2.1-only"),
            Class::WeakCopyleft
        );
        assert_eq!(c("MIT AND LicenseRef-x"), Class::Unknown);
    }
}
