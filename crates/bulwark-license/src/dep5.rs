//! Debian copyright files (`/usr/share/doc/<package>/copyright`).
//!
//! A machine-readable file (DEP-5, <https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/>) starts
//! with a `Format:` field and is a series of RFC 822-style paragraphs: a header, `Files:` paragraphs whose
//! `License:` first line is a short-name expression, and stand-alone `License:` paragraphs with license texts.
//! The declared licenses of a package are the first lines of the header's and of every `Files:` paragraph's
//! `License:` field. Other copyright files get [`crate::detect::detect_debian_copyright`].

use crate::expr::Expression;
use crate::normalize::normalize_dep5;

/// One paragraph: fields in order, names as written, values with continuation lines joined by `\n`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    /// 1-based line of the paragraph's first field.
    pub line: u32,
    pub fields: Vec<(String, String)>,
}

impl Paragraph {
    /// A field's value, by case-insensitive name.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A `License:` field: the first line (the short-name expression) and the text after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseField {
    pub synopsis: String,
    pub text: String,
}

impl LicenseField {
    fn parse(value: &str) -> Self {
        let (first, rest) = value.split_once('\n').unwrap_or((value, ""));
        let text = rest
            .lines()
            .map(|l| if l.trim() == "." { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            synopsis: first.trim().to_string(),
            text,
        }
    }
}

/// A `Files:` paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesParagraph {
    pub line: u32,
    /// The patterns, whitespace-separated in the file.
    pub files: Vec<String>,
    pub license: Option<LicenseField>,
}

/// A parsed copyright file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copyright {
    /// The header has a `Format:` field.
    pub machine_readable: bool,
    pub header_license: Option<LicenseField>,
    pub files: Vec<FilesParagraph>,
    /// Stand-alone `License:` paragraphs (texts that `Files:` paragraphs refer to by short name).
    pub licenses: Vec<LicenseField>,
}

/// Splits RFC 822-style text into paragraphs. Lines starting with `#` are comments; a line that is neither a
/// field nor a continuation is appended to the current field's value (python-debian does the same in its
/// non-strict mode), so nothing is lost. Never fails.
#[must_use]
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                if cur.fields.is_empty() {
                    cur.line = n;
                }
                cur.fields.push((k.to_string(), v.trim().to_string()));
            }
            _ => {
                if let Some((_, v)) = cur.fields.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
            }
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    out
}

/// Parses a copyright file. Files without a `Format:` header are returned with `machine_readable: false` and no
/// paragraphs.
#[must_use]
pub fn parse(text: &str) -> Copyright {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let paras = paragraphs(text);
    let machine_readable = paras.first().is_some_and(|p| p.get("Format").is_some());
    let mut c = Copyright {
        machine_readable,
        header_license: None,
        files: Vec::new(),
        licenses: Vec::new(),
    };
    if !machine_readable {
        return c;
    }
    c.header_license = paras[0].get("License").map(LicenseField::parse);
    for p in &paras[1..] {
        let license = p.get("License").map(LicenseField::parse);
        if let Some(files) = p.get("Files") {
            c.files.push(FilesParagraph {
                line: p.line,
                files: files.split_whitespace().map(str::to_string).collect(),
                license,
            });
        } else if let Some(l) = license {
            c.licenses.push(l);
        }
    }
    c
}

impl Copyright {
    /// The declared short-name expressions: the header's and every `Files:` paragraph's `License:` first line,
    /// each once, in order of appearance (empty first lines included, as they are declared).
    #[must_use]
    pub fn declared(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .header_license
            .iter()
            .chain(self.files.iter().filter_map(|f| f.license.as_ref()));
        for l in all {
            if !out.contains(&l.synopsis) {
                out.push(l.synopsis.clone());
            }
        }
        out
    }
}

/// What a copyright file says about a package's licenses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageLicenses {
    pub machine_readable: bool,
    /// DEP-5 short-name expressions (machine-readable files, empty ones left out), or the SPDX ids detected in
    /// the text of other files.
    pub declared: Vec<String>,
    /// All of them normalized and joined with `AND`: every `Files:` paragraph applies to part of the package.
    pub expression: Option<Expression>,
}

/// Reads a copyright file: DEP-5 when machine-readable, else the conservative text detection. A `Files:`
/// paragraph with an empty short name gets its license from the text under it.
#[must_use]
pub fn package_licenses(text: &str) -> PackageLicenses {
    let c = parse(text);
    if !c.machine_readable {
        let declared = crate::detect::detect_debian_copyright(text);
        // Nothing recognised is still something: the package is reported with an unknown license.
        let expression =
            Expression::and_all(declared.iter().filter_map(|d| Expression::parse(d).ok()))
                .unwrap_or_else(|| {
                    Expression::License(crate::expr::LicenseReq::reference("unknown"))
                });
        return PackageLicenses {
            machine_readable: false,
            declared,
            expression: Some(expression),
        };
    }
    let mut declared = Vec::new();
    let mut exprs = Vec::new();
    let all = c
        .header_license
        .iter()
        .chain(c.files.iter().filter_map(|f| f.license.as_ref()));
    for l in all {
        if let Some(e) = normalize_dep5(&l.synopsis) {
            if !declared.contains(&l.synopsis) {
                declared.push(l.synopsis.clone());
            }
            exprs.push(e);
        } else {
            let found = crate::detect::detect(&l.text);
            exprs.extend(found.iter().filter_map(|d| Expression::parse(d.id).ok()));
            if found.is_empty() && !l.text.trim().is_empty() {
                exprs.push(Expression::License(crate::expr::LicenseReq::reference(
                    "unknown",
                )));
            }
        }
    }
    PackageLicenses {
        machine_readable: true,
        declared,
        expression: Expression::and_all(exprs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n# a comment\n\nFiles: *\nCopyright: 2020 A\n 2021 B\nLicense: GPL-2+\n\nFiles: lib/* src/a.c\nCopyright: 2020 C\nLicense: Expat or Apache-2.0\n\nLicense: GPL-2+\n This program is free software.\n .\n More.\n\nLicense: Expat\n Permission is hereby granted.\n";

    #[test]
    fn parses_dep5() {
        let c = parse(SAMPLE);
        assert!(c.machine_readable);
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.files[1].files, ["lib/*", "src/a.c"]);
        assert_eq!(c.files[1].line, 10);
        assert_eq!(c.licenses.len(), 2);
        assert_eq!(
            c.licenses[0].text,
            "This program is free software.\n\nMore."
        );
        assert_eq!(c.declared(), ["GPL-2+", "Expat or Apache-2.0"]);
        let p = package_licenses(SAMPLE);
        assert_eq!(
            p.expression.unwrap().to_string(),
            "GPL-2.0-or-later AND (MIT OR Apache-2.0)"
        );
    }

    #[test]
    fn not_machine_readable() {
        let c = parse("This package was debianized by X.\n\nIt is GPL.\n");
        assert!(!c.machine_readable);
        assert!(c.files.is_empty());
    }

    #[test]
    fn hostile_input() {
        for t in [
            "",
            ":",
            "Format:\n",
            "Format: x\n\n:\n \n\tcont\nLicense:",
            "\u{feff}Format: x\nLicense:\n",
        ] {
            let _ = package_licenses(t);
        }
    }
}
