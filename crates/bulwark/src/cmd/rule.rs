//! `bulwark rule`: the docs of every id a report can carry, from one registry that each checking crate feeds
//! (`rule_docs()` in bulwark-k8s, -imagecheck, -secrets, -license and -malware), and `--write-docs`, which
//! generates the checked-in `docs/rules/` from the same registry.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bulwark_types::{RuleDoc, RuleFamily};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct RuleArgs {
    /// Rule id or name (case-insensitive); a family (k8s, image, dockerfile, secrets, license, malware) or
    /// `all` lists rules.
    #[arg(required_unless_present = "write_docs")]
    pub(crate) id: Option<String>,
    /// Write one Markdown page per rule and an index into DIR (`docs/rules` in the repository).
    #[arg(
        long = "write-docs",
        value_name = "DIR",
        hide = true,
        conflicts_with = "id"
    )]
    pub(crate) write_docs: Option<PathBuf>,
}

/// Every rule of every family, families in [`RuleFamily::ALL`] order, each in its crate's registry order.
pub(crate) fn registry() -> Vec<RuleDoc> {
    let mut all = bulwark_k8s::rule_docs();
    all.extend(bulwark_imagecheck::rule_docs());
    all.extend(bulwark_secrets::rule_docs());
    all.extend(bulwark_license::rule_docs());
    all.extend(bulwark_malware::rule_docs());
    // Stable: keeps each crate's order within a family.
    all.sort_by_key(|d| d.family);
    all
}

pub(crate) fn rule(args: &RuleArgs) -> anyhow::Result<Outcome> {
    let reg = registry();
    if let Some(dir) = &args.write_docs {
        write_docs(&reg, dir)?;
        return Ok(Outcome::Clean);
    }
    let key = args.id.as_deref().unwrap_or_default().trim();
    let mut out = std::io::stdout().lock();
    if key.eq_ignore_ascii_case("all") {
        out.write_all(listing(&reg, None).as_bytes())?;
        return Ok(Outcome::Clean);
    }
    if let Some(f) = RuleFamily::ALL
        .into_iter()
        .find(|f| f.as_str().eq_ignore_ascii_case(key))
    {
        out.write_all(listing(&reg, Some(f)).as_bytes())?;
        return Ok(Outcome::Clean);
    }
    let doc = lookup(&reg, key)?;
    if !doc.answers_to(key) {
        writeln!(
            out,
            "{key} is the name of a malware signature, not a Bulwark rule. How malware findings are named:\n"
        )?;
    }
    writeln!(out, "{}", doc.page().trim_end())?;
    Ok(Outcome::Clean)
}

/// The page for `key`: a rule by id, name or alias; the malware page for a signature name; otherwise an error
/// that says what the key is (an advisory) or what it may have meant.
fn lookup<'r>(reg: &'r [RuleDoc], key: &str) -> anyhow::Result<&'r RuleDoc> {
    if let Some(d) = reg.iter().find(|d| d.answers_to(key)) {
        return Ok(d);
    }
    if is_advisory_id(key) {
        bail!(
            "{key} is a vulnerability advisory, not a rule: `--explain {key}` on a scan (`bulwark scan image \
             IMAGE --explain {key}`, also scan fs, rootfs and sbom) shows which package it matched and why"
        );
    }
    // A dotted key a couple of edits away from a rule is a typo of that rule, not a signature name.
    if bulwark_malware::is_signature_name(key)
        && !near_a_rule(reg, key)
        && let Some(d) = reg
            .iter()
            .find(|d| d.id == bulwark_malware::SIGNATURE_PAGE_ID)
    {
        return Ok(d);
    }
    let close = suggestions(reg, key);
    let mut msg = format!("no rule '{key}'");
    if close.is_empty() {
        msg.push('.');
    } else {
        let _ = write!(msg, ". Did you mean {}?", close.join(", "));
    }
    msg.push_str(
        " `bulwark rule all` lists every rule. Malware findings are named after the signature that matched \
         (`bulwark rule malware-signature`); custom rules from --secrets-config have no page.",
    );
    bail!(msg)
}

/// Vulnerability ids (`CVE-2024-3651`, `GHSA-…`, OSV ids such as `PYSEC-2021-19`, `GO-2022-0001`,
/// `RUSTSEC-2020-0071`, Debian's `DSA-5000-1`/`TEMP-…`): an upper-case prefix of letters, then a dash and a
/// digit, or GHSA's letter groups. No rule id has that shape (`BW-` ids have a letter group after the dash).
fn is_advisory_id(key: &str) -> bool {
    let up = key.to_ascii_uppercase();
    let Some((prefix, rest)) = up.split_once('-') else {
        return false;
    };
    if prefix == "GHSA" {
        return rest.len() == 14 && rest.split('-').all(|g| g.len() == 4);
    }
    prefix.len() >= 2
        && prefix != "BW"
        && prefix.bytes().all(|b| b.is_ascii_uppercase())
        && rest.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

fn near_a_rule(reg: &[RuleDoc], key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    reg.iter().any(|d| {
        [d.id, d.name]
            .iter()
            .any(|c| levenshtein(&k, &c.to_ascii_lowercase()) <= 2)
    })
}

/// Up to five rules whose id, name or alias is within a small edit distance of `key`, or contains it.
fn suggestions(reg: &[RuleDoc], key: &str) -> Vec<String> {
    let k = key.to_ascii_lowercase();
    let limit = (k.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &RuleDoc)> = reg
        .iter()
        .filter_map(|d| {
            std::iter::once(d.id)
                .chain(std::iter::once(d.name))
                .chain(d.aliases.iter().copied())
                .filter_map(|c| {
                    let c = c.to_ascii_lowercase();
                    let dist = levenshtein(&k, &c);
                    if dist <= limit {
                        Some(dist)
                    } else if k.len() >= 3 && c.contains(&k) {
                        // Contained words rank after near spellings.
                        Some(limit + 1 + c.len() - k.len())
                    } else {
                        None
                    }
                })
                .min()
                .map(|s| (s, d))
        })
        .collect();
    scored.sort_by_key(|&(s, d)| (s, d.id));
    scored
        .into_iter()
        .take(5)
        .map(|(_, d)| {
            if d.id == d.name {
                d.id.to_string()
            } else {
                format!("{} ({})", d.id, d.name)
            }
        })
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `rule all` (or one family): a heading per family, then aligned columns id, name, severity, title. Widths
/// are per family: secret rule ids are long, and the short `BW-` ids should not be padded to them.
fn listing(reg: &[RuleDoc], only: Option<RuleFamily>) -> String {
    let mut s = String::new();
    for fam in RuleFamily::ALL {
        if only.is_some_and(|f| f != fam) {
            continue;
        }
        let rows: Vec<&RuleDoc> = reg.iter().filter(|d| d.family == fam).collect();
        if rows.is_empty() {
            continue;
        }
        let w = |f: fn(&RuleDoc) -> usize| rows.iter().map(|d| f(d)).max().unwrap_or(0);
        let (wid, wname, wsev) = (
            w(|d| d.id.len()),
            w(|d| d.name.len()),
            w(|d| d.severity_label().len()),
        );
        if !s.is_empty() {
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "{} ({}): {} rule{}",
            fam.title(),
            fam.as_str(),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        );
        for d in rows {
            let _ = writeln!(
                s,
                "  {:<wid$}  {:<wname$}  {:<wsev$}  {}",
                d.id,
                d.name,
                d.severity_label(),
                d.title
            );
        }
    }
    s
}

/// The file of a rule's page, relative to the docs directory.
fn page_path(d: &RuleDoc) -> PathBuf {
    Path::new(d.family.as_str()).join(format!("{}.md", d.id))
}

/// The index page: every family, a table of its rules linking to their pages.
fn index(reg: &[RuleDoc]) -> String {
    let mut s = String::from(
        "# Bulwark rules\n\nEvery id a Bulwark report can carry, except vulnerability advisories (CVE, GHSA and \
         other OSV ids: use `--explain ID` on a scan). `bulwark rule ID` prints the same page as this \
         directory holds.\n\nGenerated from the rule registry by `cargo run -p bulwark -- rule --write-docs \
         docs/rules`; do not edit by hand (a test fails when these pages are stale).\n",
    );
    for fam in RuleFamily::ALL {
        let rows: Vec<&RuleDoc> = reg.iter().filter(|d| d.family == fam).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(s, "\n## {} (`{}`)\n\n", fam.title(), fam.as_str());
        match fam {
            RuleFamily::Secrets => s.push_str(
                "Custom rules from `--secrets-config` report the ids their configuration gives them.\n\n",
            ),
            RuleFamily::Malware => s.push_str(
                "Other malware findings carry the name of the signature that matched, from the databases given \
                 with `--malware-rules`: see [malware-signature](malware/malware-signature.md).\n\n",
            ),
            _ => {}
        }
        s.push_str("| id | name | severity | title |\n|---|---|---|---|\n");
        for d in rows {
            let _ = writeln!(
                s,
                "| [{}]({}) | `{}` | {} | {} |",
                d.id,
                page_path(d).display(),
                d.name,
                d.severity_label(),
                d.title.replace('|', "\\|")
            );
        }
    }
    s
}

/// Writes every page and the index into `dir`, and removes pages of rules that no longer exist (only `.md`
/// files in the family folders, so that nothing else in `dir` is touched).
fn write_docs(reg: &[RuleDoc], dir: &Path) -> anyhow::Result<()> {
    let write = |rel: &Path, text: &str| -> anyhow::Result<()> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        std::fs::write(&p, text).with_context(|| format!("failed to write {}", p.display()))
    };
    let mut written = BTreeSet::new();
    for d in reg {
        let rel = page_path(d);
        write(&rel, &d.page())?;
        written.insert(dir.join(rel));
    }
    write(Path::new("README.md"), &index(reg))?;
    for fam in RuleFamily::ALL {
        let fdir = dir.join(fam.as_str());
        let Ok(entries) = std::fs::read_dir(&fdir) else {
            continue;
        };
        for e in entries {
            let p = e
                .with_context(|| format!("failed to list {}", fdir.display()))?
                .path();
            if p.extension().is_some_and(|x| x == "md") && !written.contains(&p) {
                std::fs::remove_file(&p)
                    .with_context(|| format!("failed to remove stale {}", p.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Ids, names and aliases are unique across all families (ignoring case, as lookup does), so every key
    /// names one page.
    #[test]
    fn every_key_names_one_rule() {
        let reg = registry();
        let mut seen: HashMap<String, &str> = HashMap::new();
        for d in &reg {
            let mut keys: BTreeSet<String> = BTreeSet::new();
            keys.insert(d.id.to_ascii_lowercase());
            keys.insert(d.name.to_ascii_lowercase());
            keys.extend(d.aliases.iter().map(|a| a.to_ascii_lowercase()));
            for k in keys {
                if let Some(other) = seen.insert(k.clone(), d.id) {
                    panic!("'{k}' names both {other} and {}", d.id);
                }
            }
        }
        assert!(reg.len() > 100, "{} rules", reg.len());
    }

    /// Every page has a title and the three sections a user looks for, and its id resolves to it.
    #[test]
    fn every_page_is_complete() {
        let reg = registry();
        for d in &reg {
            assert!(!d.title.trim().is_empty(), "{}: no title", d.id);
            assert!(
                d.docs.starts_with("# "),
                "{}: docs must open with a heading",
                d.id
            );
            for section in ["## What it does", "## Why it matters", "## Fix"] {
                let body = d
                    .docs
                    .split_once(&format!("{section}\n"))
                    .map(|(_, rest)| rest.split("\n## ").next().unwrap_or_default().trim());
                assert!(
                    body.is_some_and(|b| !b.is_empty()),
                    "{}: missing or empty '{section}'",
                    d.id
                );
            }
            assert_eq!(lookup(&reg, d.id).unwrap().id, d.id);
            assert_eq!(lookup(&reg, &d.name.to_ascii_uppercase()).unwrap().id, d.id);
        }
    }

    /// No rule is mistaken for an advisory or a malware signature name.
    #[test]
    fn rule_ids_are_neither_advisories_nor_signature_names() {
        for d in registry() {
            for k in [d.id, d.name] {
                assert!(!is_advisory_id(k), "{k}");
            }
            if d.family != RuleFamily::Malware {
                assert!(!bulwark_malware::is_signature_name(d.id), "{}", d.id);
            }
        }
        for a in [
            "CVE-2024-3651",
            "cve-2024-3651",
            "GHSA-jfh8-c2jp-5v3q",
            "PYSEC-2021-19",
            "GO-2022-0001",
            "RUSTSEC-2020-0071",
            "DSA-5000-1",
        ] {
            assert!(is_advisory_id(a), "{a}");
        }
    }

    #[test]
    fn signature_names_resolve_to_the_malware_page_but_dotted_typos_do_not() {
        let reg = registry();
        for name in ["Win.Trojan.Agent-1234567-0", "acme.Webshell_PHP"] {
            assert_eq!(lookup(&reg, name).unwrap().id, "malware-signature");
        }
        let err = lookup(&reg, "privileged.container")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Did you mean BW-K8S-0002"), "{err}");
    }

    #[test]
    fn near_misses_are_suggested() {
        let reg = registry();
        let s = suggestions(&reg, "privileged-contianer");
        assert_eq!(
            s.first().map(String::as_str),
            Some("BW-K8S-0002 (privileged-container)")
        );
        let s = suggestions(&reg, "bw-k8s-002");
        assert!(s.iter().any(|x| x.starts_with("BW-K8S-0002")), "{s:?}");
        assert!(suggestions(&reg, "zzzzzzzzzzzzzzzz").is_empty());
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }
}
