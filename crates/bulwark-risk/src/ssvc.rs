//! CISA's SSVC decision tree (the "CISA Coordinator" tree of the CISA SSVC Guide, November 2022): four
//! decision points give one of Track, Track*, Attend, Act. The tree is written out in [`decide`] row by row;
//! the test `ssvc_matches_certcc` compares every combination with CERT/CC's `certcc-ssvc` package.

use serde::Serialize;

/// Exploitation: "the present state of exploitation of the vulnerability".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Exploitation {
    /// No evidence of active exploitation and no public proof of concept.
    None,
    /// A public proof of concept exists (CISA: "PoC").
    Poc,
    /// Reliable evidence of exploitation in the wild.
    Active,
}

/// Automatable: whether steps 1–4 of the kill chain (reconnaissance, weaponization, delivery, exploitation) can
/// be automated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Automatable {
    No,
    Yes,
}

/// Technical impact: partial or total control over the vulnerable component, or total disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TechnicalImpact {
    Partial,
    Total,
}

/// Mission prevalence: how much the affected product supports the organisation's mission essential functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionPrevalence {
    Minimal,
    Support,
    Essential,
}

/// Public well-being impact of an exploitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicWellBeing {
    Minimal,
    Material,
    Irreversible,
}

/// Mission & well-being: the combination of [`MissionPrevalence`] and [`PublicWellBeing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissionWellBeing {
    Low,
    Medium,
    High,
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Decision {
    /// Remediate within standard update timelines.
    #[serde(rename = "track")]
    Track,
    /// Track, with closer monitoring for changes.
    #[serde(rename = "track*")]
    TrackStar,
    /// Attention from supervisors; remediate sooner than standard timelines.
    #[serde(rename = "attend")]
    Attend,
    /// Attention from leadership; remediate as soon as possible.
    #[serde(rename = "act")]
    Act,
}

impl Decision {
    /// `track`, `track*`, `attend`, `act`: the names policy rules use.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::TrackStar => "track*",
            Self::Attend => "attend",
            Self::Act => "act",
        }
    }
}

/// CISA's Mission & Well-being table: High when the mission prevalence is essential or the public well-being
/// impact irreversible; Low when both are minimal; Medium otherwise.
#[must_use]
pub fn mission_well_being(m: MissionPrevalence, w: PublicWellBeing) -> MissionWellBeing {
    match (m, w) {
        (MissionPrevalence::Essential, _) | (_, PublicWellBeing::Irreversible) => {
            MissionWellBeing::High
        }
        (MissionPrevalence::Minimal, PublicWellBeing::Minimal) => MissionWellBeing::Low,
        _ => MissionWellBeing::Medium,
    }
}

/// The CISA tree, one arm per branch of the guide's figure (exploitation → automatable → technical impact →
/// mission & well-being).
#[must_use]
// One arm group per exploitation branch, as the guide draws it: merging equal outcomes across branches would hide
// the tree's shape from a reviewer.
#[allow(clippy::match_same_arms)]
pub fn decide(
    e: Exploitation,
    a: Automatable,
    t: TechnicalImpact,
    m: MissionWellBeing,
) -> Decision {
    use Automatable as A;
    use Decision::{Act, Attend, Track, TrackStar};
    use Exploitation as E;
    use MissionWellBeing as M;
    use TechnicalImpact as T;
    match (e, a, t, m) {
        // None
        (E::None, A::No, T::Total, M::High) => TrackStar,
        (E::None, A::Yes, _, M::High) => Attend,
        (E::None, ..) => Track,
        // PoC
        (E::Poc, A::No, T::Partial, M::High) | (E::Poc, _, T::Total, M::Medium) => TrackStar,
        (E::Poc, A::Yes, _, M::High) | (E::Poc, A::No, T::Total, M::High) => Attend,
        (E::Poc, ..) => Track,
        // Active
        (E::Active, A::No, T::Partial, M::Low | M::Medium)
        | (E::Active, A::No, T::Total, M::Low) => Track,
        (E::Active, A::No, T::Partial, M::High)
        | (E::Active, A::No, T::Total, M::Medium)
        | (E::Active, A::Yes, T::Partial, M::Low | M::Medium)
        | (E::Active, A::Yes, T::Total, M::Low) => Attend,
        (E::Active, A::No, T::Total, M::High)
        | (E::Active, A::Yes, T::Partial, M::High)
        | (E::Active, A::Yes, T::Total, M::Medium | M::High) => Act,
    }
}

/// The four decision points and the outcome for one finding in one context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ssvc {
    pub exploitation: Exploitation,
    pub automatable: Automatable,
    pub technical_impact: TechnicalImpact,
    pub mission_prevalence: MissionPrevalence,
    pub public_well_being: PublicWellBeing,
    pub mission_well_being: MissionWellBeing,
    pub decision: Decision,
}
