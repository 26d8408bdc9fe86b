//! The policy verdict of a re-matched image. The policy function is the binary's (`Policy::judge`, the one every
//! entry point calls): this crate hands it what the re-match has, and stores what it returns. It evaluates
//! nothing itself.

use bulwark_match::MatchResult;
use bulwark_sbom::Sbom;
use bulwark_vulndb::VulnDb;

/// What a re-match has for one image, handed over whole once its findings are routed: its stored SBOM as
/// parsed, and what matching it against the DB found.
pub struct Rematched<'a> {
    /// The image's manifest digest.
    pub digest: &'a str,
    /// The stored SBOM, parsed (its `target_name`, packages, distro and diagnostics).
    pub sbom: Sbom,
    /// The matcher's findings and diagnostics.
    pub matched: MatchResult,
    pub db: &'a VulnDb,
}

/// A verdict as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// `pass`, `warn` or `fail`.
    pub decision: String,
    pub bundle_name: Option<String>,
    pub bundle_version: Option<String>,
    pub bundle_digest: Option<String>,
    /// The verdict's canonical JSON (`Verdict::to_json()`).
    pub verdict_json: String,
}

/// The policy function passed in by the binary. An `Err` (the report could not be built) fails the image's job
/// with that message, as a match error does.
pub type Judge<'a> = dyn Fn(Rematched<'_>) -> Result<Judgement, String> + Sync + 'a;
