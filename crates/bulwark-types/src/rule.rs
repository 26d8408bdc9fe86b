//! Rule documentation shared by every rule family, so that `bulwark rule ID` and the generated `docs/rules/`
//! pages come from one registry that each checking crate feeds.

use crate::Severity;

/// The family a rule belongs to: which crate checks it and which part of a scan reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleFamily {
    /// Kubernetes manifests (`scan k8s`).
    Kubernetes,
    /// Image configuration and filesystem checks (`scan image`).
    Image,
    /// Dockerfile checks (`scan fs`).
    Dockerfile,
    /// Secret detection (every scan).
    Secrets,
    /// License policy (`--deny-license`, `--allow-license`, `--license-policy`).
    License,
    /// Malware signatures (`scan image`, `scan fs`).
    Malware,
}

impl RuleFamily {
    /// Every family, in the order `bulwark rule all` lists them.
    pub const ALL: [Self; 6] = [
        Self::Kubernetes,
        Self::Image,
        Self::Dockerfile,
        Self::Secrets,
        Self::License,
        Self::Malware,
    ];

    /// Short name: the folder under `docs/rules/` and the argument of `bulwark rule <family>`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kubernetes => "k8s",
            Self::Image => "image",
            Self::Dockerfile => "dockerfile",
            Self::Secrets => "secrets",
            Self::License => "license",
            Self::Malware => "malware",
        }
    }

    /// Heading for listings.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Kubernetes => "Kubernetes manifests",
            Self::Image => "Image configuration",
            Self::Dockerfile => "Dockerfiles",
            Self::Secrets => "Secrets",
            Self::License => "License policy",
            Self::Malware => "Malware",
        }
    }
}

impl std::fmt::Display for RuleFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a user needs to know about one finding id.
///
/// ```
/// use bulwark_types::{RuleDoc, RuleFamily, Severity};
/// let d = RuleDoc {
///     id: "BW-X-0001",
///     name: "example-rule",
///     family: RuleFamily::Image,
///     severity: Some(Severity::Low),
///     title: "An example",
///     aliases: &[],
///     docs: "# example-rule (BW-X-0001)\n\nAn example.\n".into(),
/// };
/// assert!(d.page().starts_with("# example-rule (BW-X-0001)\n"));
/// assert!(d.page().contains("Default severity: LOW"));
/// assert!(d.answers_to("bw-x-0001") && d.answers_to("Example-Rule"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    /// The id findings carry (`BW-K8S-0002`, `github-pat`, `BW-LIC-0001`, `Eicar-Test-Signature`).
    pub id: &'static str,
    /// Kebab-case name (the same as `id` for secret rules).
    pub name: &'static str,
    pub family: RuleFamily,
    /// Default severity; `None` when it depends on the finding (a license's class).
    pub severity: Option<Severity>,
    /// One-line title.
    pub title: &'static str,
    /// Other ids that name the same thing (another scanner's name for the same signature).
    pub aliases: &'static [&'static str],
    /// Markdown, starting with a `# ` heading, with `## What it does`, `## Why it matters` and `## Fix`.
    pub docs: String,
}

impl RuleDoc {
    /// The severity as listed: the level, or `VARIES`.
    #[must_use]
    pub fn severity_label(&self) -> &'static str {
        self.severity.map_or("VARIES", Severity::as_str)
    }

    /// Whether `key` is this rule's id, name or an alias (ASCII case-insensitive).
    #[must_use]
    pub fn answers_to(&self, key: &str) -> bool {
        self.id.eq_ignore_ascii_case(key)
            || self.name.eq_ignore_ascii_case(key)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
    }

    /// The full page: the docs, then the facts every page shares. `bulwark rule ID` prints it and
    /// `docs/rules/<family>/<ID>.md` holds it.
    #[must_use]
    pub fn page(&self) -> String {
        use std::fmt::Write;
        let mut s = self.docs.trim_end().to_string();
        // Writing to a String cannot fail.
        let _ = write!(
            s,
            "\n\n---\n\nId: `{}` · Name: `{}` · Family: {} · Default severity: {}\n",
            self.id,
            self.name,
            self.family,
            self.severity_label()
        );
        if !self.aliases.is_empty() {
            let a: Vec<String> = self.aliases.iter().map(|a| format!("`{a}`")).collect();
            let _ = write!(s, "\nAlso answers to: {}\n", a.join(", "));
        }
        s
    }
}
