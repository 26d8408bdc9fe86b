//! License text detection for LICENSE, COPYING and similar files, and for copyright files that are not
//! machine-readable.
//!
//! The text is normalized (lower case, words of letters and digits separated by single spaces, quotes and
//! punctuation gone) and checked for key phrases of each license: the title line with its date for the GNU
//! licenses, and the operative sentences for the short permissive ones. A file can hold several licenses;
//! each is reported once, in the order found. GNU notices ("… either version 2 of the License, or (at your
//! option) any later version") are read too, and say `-only` or `-or-later`; a bare GNU license text says
//! neither and is reported as `-only`.

use std::sync::OnceLock;

use regex::Regex;

/// What was found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// SPDX id.
    pub id: &'static str,
    /// Byte offset in the normalized text where the evidence starts (for ordering).
    pub offset: usize,
    /// The key phrase that matched.
    pub evidence: &'static str,
}

/// File names that hold license texts: `LICENSE`, `LICENCE`, `COPYING`, `COPYRIGHT`, `UNLICENSE`, with any
/// extension or suffix (`LICENSE.md`, `LICENSE-MIT`, `COPYING.LESSER`), case-insensitively.
#[must_use]
pub fn is_license_file(name: &str) -> bool {
    let n = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    [
        "license",
        "licence",
        "copying",
        "copyright",
        "unlicense",
        "notice",
    ]
    .iter()
    .any(|p| n.starts_with(p))
}

/// Lower-cased words of ASCII letters and digits joined by single spaces.
#[must_use]
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            space = false;
        } else if !space && !matches!(c, '\'' | '\u{2019}') {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

struct Rule {
    id: &'static str,
    /// Every phrase must occur (normalized form).
    all: &'static [&'static str],
    /// None of these may occur.
    none: &'static [&'static str],
}

const MIT_GRANT: &str =
    "permission is hereby granted free of charge to any person obtaining a copy of this software";
const MIT_CONDITION: &str = "the above copyright notice and this permission notice shall be included in all copies or substantial portions of the software";
const ISC_GRANT: &str = "permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted";
const BSD_GRANT: &str = "redistribution and use in source and binary forms with or without modification are permitted provided that";
const BSD_BINARY: &str = "redistributions in binary form must reproduce the above copyright notice";
const BSD_ENDORSE: &str = "to endorse or promote products derived from this software without specific prior written permission";
const BSD_ADVERT: &str = "all advertising materials mentioning features or use of this software must display the following acknowledgement";

/// Full-text rules; the GNU titles include their dates, which tell the versions apart.
const RULES: &[Rule] = &[
    Rule {
        id: "AGPL-3.0-only",
        all: &["gnu affero general public license version 3 19 november 2007"],
        none: &[],
    },
    Rule {
        id: "LGPL-3.0-only",
        all: &["gnu lesser general public license version 3 29 june 2007"],
        none: &[],
    },
    Rule {
        id: "GPL-3.0-only",
        all: &["gnu general public license version 3 29 june 2007"],
        none: &[],
    },
    Rule {
        id: "LGPL-2.1-only",
        all: &["gnu lesser general public license version 2 1 february 1999"],
        none: &[],
    },
    Rule {
        id: "LGPL-2.0-only",
        all: &["gnu library general public license version 2 june 1991"],
        none: &[],
    },
    Rule {
        id: "GPL-2.0-only",
        all: &["gnu general public license version 2 june 1991"],
        none: &[],
    },
    Rule {
        id: "GPL-1.0-only",
        all: &["gnu general public license version 1 february 1989"],
        none: &[],
    },
    Rule {
        id: "GFDL-1.3-only",
        all: &["gnu free documentation license version 1 3 3 november 2008"],
        none: &[],
    },
    Rule {
        id: "GFDL-1.2-only",
        all: &["gnu free documentation license version 1 2 november 2002"],
        none: &[],
    },
    Rule {
        id: "Apache-2.0",
        all: &["apache license version 2 0 january 2004"],
        none: &[],
    },
    Rule {
        id: "Apache-2.0",
        all: &[
            "licensed under the apache license version 2 0",
            "you may not use this file except in compliance with the license",
        ],
        none: &["apache license version 2 0 january 2004"],
    },
    Rule {
        id: "MPL-2.0",
        all: &["mozilla public license version 2 0"],
        none: &[],
    },
    Rule {
        id: "MPL-1.1",
        all: &["mozilla public license version 1 1"],
        none: &["mozilla public license version 2 0"],
    },
    Rule {
        id: "EPL-2.0",
        all: &["eclipse public license v 2 0"],
        none: &[],
    },
    Rule {
        id: "EPL-1.0",
        all: &["eclipse public license v 1 0"],
        none: &[],
    },
    Rule {
        id: "CDDL-1.0",
        all: &["common development and distribution license cddl version 1 0"],
        none: &[],
    },
    Rule {
        id: "EUPL-1.2",
        all: &["european union public licence v 1 2"],
        none: &[],
    },
    Rule {
        id: "Artistic-2.0",
        all: &["the artistic license 2 0"],
        none: &[],
    },
    Rule {
        id: "Artistic-1.0-Perl",
        all: &[
            "the artistic license",
            "the intent of this document is to state the conditions under which a package may be copied",
        ],
        none: &["the artistic license 2 0"],
    },
    Rule {
        id: "BSL-1.0",
        all: &["boost software license version 1 0 august 17th 2003"],
        none: &[],
    },
    Rule {
        id: "Unlicense",
        all: &["this is free and unencumbered software released into the public domain"],
        none: &[],
    },
    Rule {
        id: "CC0-1.0",
        all: &["cc0 1 0 universal"],
        none: &[],
    },
    Rule {
        id: "CC-BY-SA-4.0",
        all: &["attribution sharealike 4 0 international"],
        none: &[],
    },
    Rule {
        id: "CC-BY-4.0",
        all: &["creative commons attribution 4 0 international public license"],
        none: &[],
    },
    Rule {
        id: "WTFPL",
        all: &["do what the fuck you want to public license"],
        none: &[],
    },
    Rule {
        id: "BlueOak-1.0.0",
        all: &["blue oak model license"],
        none: &[],
    },
    Rule {
        id: "Zlib",
        all: &[
            "altered source versions must be plainly marked as such and must not be misrepresented as being the original software",
        ],
        none: &[],
    },
    Rule {
        id: "NCSA",
        all: &["university of illinois ncsa open source license"],
        none: &[],
    },
    Rule {
        id: "OFL-1.1",
        all: &["sil open font license version 1 1"],
        none: &[],
    },
    Rule {
        id: "Unicode-3.0",
        all: &["unicode license v3"],
        none: &[],
    },
    Rule {
        id: "Unicode-DFS-2016",
        all: &["unicode data files and software"],
        none: &["unicode license v3"],
    },
    Rule {
        id: "Python-2.0",
        all: &["python software foundation license version 2", "beopen"],
        none: &[],
    },
    Rule {
        id: "PSF-2.0",
        all: &["python software foundation license version 2"],
        none: &["beopen"],
    },
    Rule {
        id: "OpenSSL",
        all: &["developed by the openssl project for use in the openssl toolkit"],
        none: &[],
    },
    Rule {
        id: "MIT",
        all: &[MIT_GRANT, MIT_CONDITION],
        none: &[],
    },
    Rule {
        id: "MIT-0",
        all: &[MIT_GRANT],
        none: &[MIT_CONDITION],
    },
    Rule {
        id: "ISC",
        all: &[
            ISC_GRANT,
            "provided that the above copyright notice and this permission notice appear in all copies",
        ],
        none: &[],
    },
    Rule {
        id: "0BSD",
        all: &[ISC_GRANT],
        none: &[
            "provided that the above copyright notice and this permission notice appear in all copies",
        ],
    },
    Rule {
        id: "BSD-4-Clause",
        all: &[BSD_GRANT, BSD_ADVERT],
        none: &[],
    },
    Rule {
        id: "BSD-3-Clause",
        all: &[BSD_GRANT, BSD_BINARY, BSD_ENDORSE],
        none: &[BSD_ADVERT],
    },
    Rule {
        id: "BSD-2-Clause",
        all: &[BSD_GRANT, BSD_BINARY],
        none: &[BSD_ENDORSE, BSD_ADVERT],
    },
];

/// Detects the licenses whose texts (or GNU notices) `text` holds, each id once, in order of appearance.
#[must_use]
pub fn detect(text: &str) -> Vec<Detection> {
    let norm = normalize_text(text);
    let mut found: Vec<Detection> = Vec::new();
    for r in RULES {
        if r.none.iter().any(|p| norm.contains(p)) {
            continue;
        }
        let offsets: Option<Vec<usize>> = r.all.iter().map(|p| norm.find(p)).collect();
        if let Some(o) = offsets {
            push(&mut found, r.id, o.into_iter().min().unwrap_or(0), r.all[0]);
        }
    }
    // A full GNU text ends with a sample notice ("How to Apply These Terms"): notices of the same license after
    // the start of its text are that sample, not a statement about this file.
    let texts: Vec<(String, usize)> = found
        .iter()
        .filter(|d| d.evidence.starts_with("gnu "))
        .map(|d| (d.id.trim_end_matches("-only").to_string(), d.offset))
        .collect();
    for d in gnu_notices(&norm) {
        let fam = d.id.trim_end_matches("-only").trim_end_matches("-or-later");
        if texts.iter().any(|(f, o)| f == fam && d.offset > *o) {
            continue;
        }
        push(&mut found, d.id, d.offset, d.evidence);
    }
    found.sort_by_key(|d| d.offset);
    found
}

fn push(found: &mut Vec<Detection>, id: &'static str, offset: usize, evidence: &'static str) {
    match found.iter_mut().find(|d| d.id == id) {
        Some(d) => d.offset = d.offset.min(offset),
        None => found.push(Detection {
            id,
            offset,
            evidence,
        }),
    }
}

/// "… under the terms of the GNU Lesser General Public License as published by the Free Software Foundation;
/// either version 2.1 of the License, or (at your option) any later version."
fn gnu_notices(norm: &str) -> Vec<Detection> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"gnu (lesser |library |affero )?general public license as published by the free software foundation (?:either )?version (\d)(?: (\d))?(?: of the license)?( or at your option any later version)?",
        )
        .expect("valid regex")
    });
    let mut out = Vec::new();
    for c in re.captures_iter(norm) {
        let fam = match c.get(1).map(|m| m.as_str().trim()) {
            Some("lesser" | "library") => "LGPL",
            Some("affero") => "AGPL",
            _ => "GPL",
        };
        let version = format!("{}.{}", &c[2], c.get(3).map_or("0", |m| m.as_str()));
        let later = c.get(4).is_some();
        let id = format!(
            "{fam}-{version}-{}",
            if later { "or-later" } else { "only" }
        );
        if let Some(id) = crate::ids::license_id(&id) {
            out.push(Detection {
                id,
                offset: c.get(0).map_or(0, |m| m.start()),
                evidence: "GNU license notice",
            });
        }
    }
    out
}

fn add(out: &mut Vec<String>, s: String) {
    if !out.contains(&s) {
        out.push(s);
    }
}

/// For a copyright file that is not machine-readable: the licenses it names through
/// `/usr/share/common-licenses/<name>` (read as a DEP-5 short name; `+` when the sentence before says "any
/// later version"), plus the texts and notices [`detect`] finds. Each id once, in order.
#[must_use]
pub fn detect_debian_copyright(text: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+_-]*[A-Za-z0-9+])")
            .expect("valid regex")
    });
    let mut out: Vec<String> = Vec::new();
    let fam_ver = |id: &str| {
        id.trim_end_matches("-only")
            .trim_end_matches("-or-later")
            .to_string()
    };
    // Notices and full texts first: a notice says "-only" or "-or-later" precisely.
    for d in detect(text) {
        add(&mut out, d.id.to_string());
    }
    for c in re.captures_iter(text) {
        let m = c.get(0).expect("match");
        let name = &c[1];
        // The notice that points at the file is usually within the few lines before it.
        let mut start = m.start().saturating_sub(600);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let before = normalize_text(&text[start..m.start()]);
        let later = before.contains("any later version") && !name.ends_with('+');
        let short = format!("{name}{}", if later { "+" } else { "" });
        if let Some(e) = crate::normalize::normalize_dep5(&short) {
            let e = e.to_string();
            if !out.iter().any(|o| fam_ver(o) == fam_ver(&e)) {
                add(&mut out, e);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(t: &str) -> Vec<&'static str> {
        detect(t).into_iter().map(|d| d.id).collect()
    }

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_text("  The  \"MIT\" License,\n(c) 2024  "),
            "the mit license c 2024"
        );
        assert_eq!(normalize_text("Licensor's"), "licensors");
    }

    #[test]
    fn notices() {
        let t = "This program is free software; you can redistribute it and/or modify it under the terms of the GNU General Public License as published by\n the Free Software Foundation; either version 2 of the License, or\n (at your option) any later version.";
        assert_eq!(ids(t), ["GPL-2.0-or-later"]);
        let t = "under the terms of the GNU Lesser General Public License as published by the Free Software Foundation; version 2.1 of the License.";
        assert_eq!(ids(t), ["LGPL-2.1-only"]);
    }

    #[test]
    fn bsd_variants() {
        let two = "Redistribution and use in source and binary forms, with or without modification, are permitted provided that the following conditions are met: 1. Redistributions of source code must retain the above copyright notice. 2. Redistributions in binary form must reproduce the above copyright notice, this list.";
        assert_eq!(ids(two), ["BSD-2-Clause"]);
        let three = format!(
            "{two} 3. Neither the name of the copyright holder nor the names of its contributors may be used to endorse or promote products derived from this software without specific prior written permission."
        );
        assert_eq!(ids(&three), ["BSD-3-Clause"]);
    }

    #[test]
    fn license_file_names() {
        for n in [
            "LICENSE",
            "LICENSE.md",
            "license-mit",
            "COPYING",
            "COPYING.LESSER",
            "src/LICENCE.txt",
            "UNLICENSE",
        ] {
            assert!(is_license_file(n), "{n}");
        }
        assert!(!is_license_file("README.md"));
    }

    #[test]
    fn debian_references() {
        let t = "This program is free software; you can redistribute it and/or modify\nit under the terms of the GNU General Public License as published by\nthe Free Software Foundation; either version 2, or (at your option)\nany later version.\n\nOn Debian systems, the complete text of the GNU General Public License\ncan be found in `/usr/share/common-licenses/GPL-2'.\n";
        assert_eq!(detect_debian_copyright(t), ["GPL-2.0-or-later"]);
        let t = "The library is under the LGPL, see /usr/share/common-licenses/LGPL-2.1.\n";
        assert_eq!(detect_debian_copyright(t), ["LGPL-2.1-only"]);
    }
}
