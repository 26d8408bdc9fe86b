//! A small SPDX license-expression validator.
//!
//! Both SBOM validators reject what they do not know: CycloneDX's schema enumerates license ids, and spdx-tools
//! rejects unknown ids in `licenseDeclared`. So only strings made of ids in [`KNOWN_IDS`] pass through; everything
//! else is carried as a name (CycloneDX) or a `LicenseRef-` (SPDX). The list holds the ids that package metadata
//! commonly states; a test checks that each one is in the SPDX list shipped with both validators.

/// Common SPDX license ids (including deprecated ones still in the SPDX list, such as `GPL-2.0+`), canonical case.
pub(crate) const KNOWN_IDS: &[&str] = &[
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "Beerware",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "bzip2-1.0.6",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CPL-1.0",
    "curl",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "FTL",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0+",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "ISC",
    "JSON",
    "LGPL-2.0",
    "LGPL-2.0+",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0+",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "Libpng",
    "libpng-2.0",
    "LPPL-1.3c",
    "MirOS",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MPL-1.1",
    "MPL-2.0",
    "MS-PL",
    "MS-RL",
    "NCSA",
    "OFL-1.1",
    "OpenSSL",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "Sleepycat",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
];

/// Common SPDX license exception ids (after `WITH`).
pub(crate) const KNOWN_EXCEPTIONS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "Linux-syscall-note",
];

/// The canonical spelling of a known license id (SPDX ids match case-insensitively).
pub(crate) fn canonical_id(s: &str) -> Option<&'static str> {
    KNOWN_IDS
        .iter()
        .copied()
        .find(|id| id.eq_ignore_ascii_case(s))
}

fn canonical_exception(s: &str) -> Option<&'static str> {
    KNOWN_EXCEPTIONS
        .iter()
        .copied()
        .find(|id| id.eq_ignore_ascii_case(s))
}

fn is_license_ref(s: &str) -> bool {
    s.strip_prefix("LicenseRef-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    })
}

fn tokenize(s: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if let Some(st) = start.take() {
                tokens.push(&s[st..i]);
            }
            if !c.is_whitespace() {
                tokens.push(&s[i..=i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        tokens.push(&s[st..]);
    }
    tokens
}

/// Recursive-descent parser over the SPDX 2.3 Annex D grammar, writing the canonical form as it goes.
struct Parser<'a> {
    tokens: Vec<&'a str>,
    pos: usize,
    out: String,
    /// `LicenseRef-` ids are only allowed where the caller can declare them.
    allow_refs: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.pos).copied()
    }

    fn or_expr(&mut self) -> Option<()> {
        self.and_expr()?;
        while self.peek() == Some("OR") {
            self.pos += 1;
            self.out.push_str(" OR ");
            self.and_expr()?;
        }
        Some(())
    }

    fn and_expr(&mut self) -> Option<()> {
        self.with_expr()?;
        while self.peek() == Some("AND") {
            self.pos += 1;
            self.out.push_str(" AND ");
            self.with_expr()?;
        }
        Some(())
    }

    fn with_expr(&mut self) -> Option<()> {
        self.primary()?;
        if self.peek() == Some("WITH") {
            self.pos += 1;
            let exc = canonical_exception(self.peek()?)?;
            self.pos += 1;
            self.out.push_str(" WITH ");
            self.out.push_str(exc);
        }
        Some(())
    }

    fn primary(&mut self) -> Option<()> {
        let tok = self.peek()?;
        self.pos += 1;
        if tok == "(" {
            self.out.push('(');
            self.or_expr()?;
            (self.peek()? == ")").then_some(())?;
            self.pos += 1;
            self.out.push(')');
            return Some(());
        }
        if self.allow_refs && is_license_ref(tok) {
            self.out.push_str(tok);
            return Some(());
        }
        // `+` is only accepted where the SPDX list has the `+` id itself (`GPL-2.0+`): spdx-tools rejects
        // `Apache-2.0+` as an unknown key.
        self.out.push_str(canonical_id(tok)?);
        Some(())
    }
}

/// The canonical form of `s` if it is a valid SPDX license expression over known ids, else `None`.
pub(crate) fn normalize_expression(s: &str, allow_refs: bool) -> Option<String> {
    let mut p = Parser {
        tokens: tokenize(s),
        pos: 0,
        out: String::new(),
        allow_refs,
    };
    p.or_expr()?;
    (p.pos == p.tokens.len()).then_some(p.out)
}

/// True when the expression has an operator at its top level, so that joining it with others needs parentheses.
pub(crate) fn is_compound(expr: &str) -> bool {
    tokenize(expr).len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_expressions() {
        assert_eq!(normalize_expression("mit", false).as_deref(), Some("MIT"));
        assert_eq!(
            normalize_expression("GPL-2.0+", false).as_deref(),
            Some("GPL-2.0+")
        );
        assert_eq!(
            normalize_expression(
                "(MIT OR apache-2.0) AND GPL-2.0-only WITH classpath-exception-2.0",
                false
            )
            .as_deref(),
            Some("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(
            normalize_expression("LicenseRef-foo AND MIT", true).as_deref(),
            Some("LicenseRef-foo AND MIT")
        );
    }

    #[test]
    fn rejects_what_validators_reject() {
        for bad in [
            "",
            "GPL",
            "public-domain",
            "MIT OR",
            "(MIT",
            "MIT)",
            "MIT or Apache-2.0",
            "MIT WITH Foo",
            "LicenseRef-x",
            "Apache-2.0+",
        ] {
            assert_eq!(normalize_expression(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn known_ids_are_unique_ignoring_case() {
        let mut seen = std::collections::HashSet::new();
        for id in KNOWN_IDS {
            assert!(seen.insert(id.to_ascii_lowercase()), "{id}");
        }
    }
}
