//! User docs of the built-in rules, generated from the rule table (`bulwark rule github-pat`,
//! `docs/rules/secrets/`). A secret rule is data (keywords, pattern, entropy, example), so its page is that
//! data in words, plus what every leaked credential calls for.

use std::fmt::Write as _;

use bulwark_types::{RuleDoc, RuleFamily};

use crate::rules::{BUILTIN, Check, Pat, RuleDef};

/// One page per built-in rule, in table order.
#[must_use]
pub fn rule_docs() -> Vec<RuleDoc> {
    BUILTIN
        .iter()
        .map(|r| RuleDoc {
            id: r.id,
            name: r.id,
            family: RuleFamily::Secrets,
            severity: Some(r.severity),
            title: r.title,
            aliases: &[],
            docs: page(r),
        })
        .collect()
}

// Writing to a String cannot fail: the `let _ = write!` results below are always Ok.
fn page(r: &RuleDef) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "# {id}\n\n{title}.\n\n## What it does\n\nFlags the {lower} in any scanned file: image layers (deleted \
         files included), directories, Dockerfiles and Kubernetes manifest values. The finding points at the \
         line and column of the secret; its evidence shows only the first four characters (`--show-secrets` \
         shows all).\n\n",
        id = r.id,
        title = r.title,
        lower = lower_first(r.title),
    );
    let file_rule = matches!(r.pat, Pat::File(_));
    if file_rule {
        let _ = writeln!(
            s,
            "This rule looks at file names, not contents: every non-empty file whose path matches this \
             regex is reported, at line 1, with the file name as evidence:\n\n```regex\n{}\n```\n",
            crate::expand_pattern(r.pat)
        );
    } else {
        let kw: Vec<String> = r.keywords.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(
            s,
            "A file is searched only around these keywords (case-insensitive): {}. The secret reported is \
             the capture group of this regex (the group named `secret` where there is one):\n\n```regex\n{}\n```\n",
            kw.join(", "),
            crate::expand_pattern(r.pat)
        );
    }
    if !r.doc.is_empty() {
        let _ = writeln!(s, "## Format\n\n{}\n", r.doc);
    }
    if let Some(e) = r.entropy {
        let _ = writeln!(
            s,
            "The secret must have a Shannon entropy of at least {e} bits per character, so that placeholders \
             and repeated characters are not reported.\n"
        );
    }
    if r.generic {
        let _ = writeln!(
            s,
            "This is a generic rule: a specific rule that matches the same bytes wins, and values that look \
             like identifiers, UUIDs or variable references are skipped.\n"
        );
    }
    match r.check {
        Check::None => {}
        Check::Jwt => {
            let _ = writeln!(
                s,
                "The token's first segment must decode to a JSON header with an `\"alg\"` member.\n"
            );
        }
        Check::BasicAuth => {
            let _ = writeln!(s, "The value must decode from base64 to `user:password`.\n");
        }
    }
    if let Some(p) = r.path {
        let _ = writeln!(s, "Only files whose path matches `{p}` are searched.\n");
    }
    let _ = write!(
        s,
        "Files under test and fixture folders (`tests/`, `testdata/`, `fixtures/`, `examples/` …) and lockfiles \
         are skipped unless the secrets config sets `default_allow_paths: false`.\n\n## Example\n\nA {} it \
         flags (`<N kind>` stands for N random characters of that kind):\n\n```text\n{}\n```\n\n",
        if file_rule { "path" } else { "line" },
        placeholders(r.example)
    );
    let _ = write!(
        s,
        "## Why it matters\n\nWhoever can read the file can use the credential with every right it was issued \
         with: everyone who can pull the image, clone the repository or read the manifest, and every registry, \
         cache and CI log that holds a copy. Deleting the file in a later image layer does not remove it from \
         the image, and a secret committed once stays in the repository's history.\n\n## Fix\n\n1. Treat the \
         secret as leaked: revoke or rotate it where it was issued, first. Removing it from the file does not \
         un-leak it.\n2. Remove it from the source: rebuild the image without it (use a build secret, \
         `RUN --mount=type=secret`), rewrite the repository history if it was committed, and give the new \
         secret to the workload at run time (a Kubernetes Secret, a secret manager).\n3. If it is not a \
         secret (a documented example, a test value), say so: a `bulwark:allow` comment on the same line, or \
         in the file given to `--secrets-config`, an allow rule for this rule \
         (`allow: {{rules: [{{id: {id}, paths: ['…']}}]}}`) or `disable_rules: [{id}]`.\n",
        id = r.id
    );
    s
}

fn lower_first(title: &str) -> String {
    // Acronyms and brand names (AWS, GitHub) keep their case; a plain first word is lowercased.
    let mut words = title.splitn(2, ' ');
    let first = words.next().unwrap_or_default();
    let rest = words.next();
    let keep = first.chars().skip(1).any(char::is_uppercase)
        || first.chars().next().is_some_and(|c| !c.is_uppercase());
    let first = if keep {
        first.to_string()
    } else {
        first.to_lowercase()
    };
    match rest {
        Some(r) => format!("{first} {r}"),
        None => first,
    }
}

/// `AKIA$[B:16]` → `AKIA<16 base32>`: a page must never hold something that looks like a live secret.
fn placeholders(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("$[") {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find(']').map(|e| e + i) else {
            break;
        };
        let spec = &rest[i + 2..end];
        if spec == "basic" {
            out.push_str("<base64 of user:password>");
        } else {
            let (class, len) = spec.split_once(':').unwrap_or((spec, "?"));
            let kind = match class {
                "n" => "alnum",
                "a" => "lower-alnum",
                "A" => "upper-alnum",
                "x" => "hex",
                "X" => "HEX",
                "d" => "digits",
                "l" => "lower",
                "L" => "upper",
                "m" => "letters",
                "b" => "base64",
                "u" => "base64url",
                "B" => "base32",
                "c" => "base32-lower",
                "p" => "password-chars",
                "bech" => "bech32",
                other => other,
            };
            let _ = write!(out, "<{len} {kind}>");
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_hide_every_template_token() {
        assert_eq!(
            placeholders("aws_access_key_id = AKIA$[B:16]"),
            "aws_access_key_id = AKIA<16 base32>"
        );
        assert_eq!(
            placeholders("Authorization: Basic $[basic]"),
            "Authorization: Basic <base64 of user:password>"
        );
        for r in BUILTIN {
            assert!(
                !placeholders(r.example).contains("$["),
                "{}: template token left",
                r.id
            );
        }
    }

    /// The page must not itself be a finding: with placeholders, the example is not a secret. A rule whose
    /// whole match is a fixed header has no random part to hide; it is listed here.
    #[test]
    fn pages_are_not_flagged_by_their_own_rules() {
        const FIXED: &[&str] = &["private-key-putty"];
        let scanner = crate::Scanner::new(crate::Config::default()).unwrap();
        let mut flagged = Vec::new();
        for d in rule_docs() {
            let f = scanner.scan("docs/rules/secrets/x.md", d.docs.as_bytes());
            if f.iter().any(|f| f.id == d.id) {
                flagged.push(d.id);
            }
        }
        assert_eq!(flagged, FIXED);
    }

    #[test]
    fn titles_read_as_sentences() {
        assert_eq!(lower_first("AWS access key ID"), "AWS access key ID");
        assert_eq!(lower_first("Password assignment"), "password assignment");
        assert_eq!(lower_first("GitHub token"), "GitHub token");
    }
}
