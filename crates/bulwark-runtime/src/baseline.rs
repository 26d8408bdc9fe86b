//! Baselines of what a container does, per (image digest, container name), and drift: logic only, no I/O.
//!
//! A baseline learns for a window (a duration and/or a minimum number of observations), then locks. Locked, an
//! observation it has not learned is a deviation. What is learned is typed by a kind (`exec` for executed
//! binary paths; `net` for network destinations from captures; more later) and a value.
//!
//! Drift ("unowned binary") does not depend on learning: an executed path that no package of the image's SBOM
//! owns, or that lies on the container's overlay upper layer, always alerts.

use std::collections::{BTreeSet, HashMap, HashSet};

/// Kind of learned entries for executed binaries.
pub const EXEC: &str = "exec";
/// Kind of learned entries for network destinations (`ip:port/proto`).
pub const NET: &str = "net";

/// The key of a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BaselineKey {
    /// `sha256:…`.
    pub image_digest: String,
    /// The container's name in the pod spec.
    pub container: String,
}

/// Learning or locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Still adding what it observes.
    Learning,
    /// Reporting what it did not learn.
    Locked,
}

impl BaselineState {
    /// `learning` / `locked`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::Learning => "learning",
            BaselineState::Locked => "locked",
        }
    }

    /// Parses `learning` / `locked`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "learning" => Some(BaselineState::Learning),
            "locked" => Some(BaselineState::Locked),
            _ => None,
        }
    }
}

/// When learning ends: both conditions that are set must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearnPolicy {
    /// Learn at least this long (ns) after the first observation.
    pub window_ns: Option<i64>,
    /// Learn from at least this many observations.
    pub min_events: Option<u64>,
}

impl Default for LearnPolicy {
    /// One hour, at least 10 observations.
    fn default() -> Self {
        LearnPolicy {
            window_ns: Some(3_600 * 1_000_000_000),
            min_events: Some(10),
        }
    }
}

/// One baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Its key.
    pub key: BaselineKey,
    /// Learning or locked.
    pub state: BaselineState,
    /// First observation, ns since the epoch.
    pub started_ns: i64,
    /// When it locked.
    pub locked_ns: Option<i64>,
    /// Observations counted while learning.
    pub events: u64,
    /// What it learned: (kind, value).
    pub entries: BTreeSet<(String, String)>,
}

/// What one observation meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// Learning; `new` when the value was added.
    Learned {
        /// The value was not known yet.
        new: bool,
    },
    /// Locked and known.
    Known,
    /// Locked and not learned.
    Deviation,
}

impl Baseline {
    /// A new, empty, learning baseline.
    #[must_use]
    pub fn new(key: BaselineKey, now_ns: i64) -> Self {
        Baseline {
            key,
            state: BaselineState::Learning,
            started_ns: now_ns,
            locked_ns: None,
            events: 0,
            entries: BTreeSet::new(),
        }
    }

    /// Whether learning is over under `policy` at `now_ns` (a policy with neither condition never ends it).
    #[must_use]
    pub fn learning_done(&self, policy: &LearnPolicy, now_ns: i64) -> bool {
        if policy.window_ns.is_none() && policy.min_events.is_none() {
            return false;
        }
        policy
            .window_ns
            .is_none_or(|w| now_ns.saturating_sub(self.started_ns) >= w)
            && policy.min_events.is_none_or(|m| self.events >= m)
    }

    /// Records an observation. While learning, the value is added; the baseline locks when the policy says
    /// learning is done (checked before the observation, so the observation that arrives after the window is
    /// already judged against the locked set).
    pub fn observe(
        &mut self,
        kind: &str,
        value: &str,
        policy: &LearnPolicy,
        now_ns: i64,
    ) -> Observation {
        if self.state == BaselineState::Learning && self.learning_done(policy, now_ns) {
            self.lock(now_ns);
        }
        let known = self.entries.contains(&(kind.to_owned(), value.to_owned()));
        match self.state {
            BaselineState::Learning => {
                self.events += 1;
                if !known {
                    self.entries.insert((kind.to_owned(), value.to_owned()));
                }
                Observation::Learned { new: !known }
            }
            BaselineState::Locked if known => Observation::Known,
            BaselineState::Locked => Observation::Deviation,
        }
    }

    /// Locks now.
    pub fn lock(&mut self, now_ns: i64) {
        if self.state != BaselineState::Locked {
            self.state = BaselineState::Locked;
            self.locked_ns = Some(now_ns);
        }
    }

    /// Forgets everything and learns again from `now_ns`.
    pub fn reset(&mut self, now_ns: i64) {
        *self = Baseline::new(self.key.clone(), now_ns);
    }
}

/// Every baseline of a watcher, with one learning policy.
#[derive(Debug, Clone, Default)]
pub struct Baselines {
    /// The policy.
    pub policy: LearnPolicy,
    map: HashMap<BaselineKey, Baseline>,
    /// (key, kind, value) already reported as deviations, so each is reported once per watcher.
    reported: HashSet<(BaselineKey, String, String)>,
}

/// A deviation to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// The baseline.
    pub key: BaselineKey,
    /// `exec`, `net`, ...
    pub kind: String,
    /// The value not learned.
    pub value: String,
}

impl Baselines {
    /// Empty, with `policy`.
    #[must_use]
    pub fn new(policy: LearnPolicy) -> Self {
        Baselines {
            policy,
            ..Baselines::default()
        }
    }

    /// Adds or replaces a baseline (loaded from the store).
    pub fn insert(&mut self, b: Baseline) {
        self.map.insert(b.key.clone(), b);
    }

    /// The baseline of `key`.
    #[must_use]
    pub fn get(&self, key: &BaselineKey) -> Option<&Baseline> {
        self.map.get(key)
    }

    /// Every baseline.
    pub fn iter(&self) -> impl Iterator<Item = &Baseline> {
        self.map.values()
    }

    /// Observes `value` of `kind` for `key` at `now_ns`; a deviation is returned the first time only.
    pub fn observe(
        &mut self,
        key: &BaselineKey,
        kind: &str,
        value: &str,
        now_ns: i64,
    ) -> (Observation, Option<Deviation>) {
        let b = self
            .map
            .entry(key.clone())
            .or_insert_with(|| Baseline::new(key.clone(), now_ns));
        let o = b.observe(kind, value, &self.policy, now_ns);
        if o == Observation::Deviation
            && self
                .reported
                .insert((key.clone(), kind.to_owned(), value.to_owned()))
        {
            return (
                o,
                Some(Deviation {
                    key: key.clone(),
                    kind: kind.to_owned(),
                    value: value.to_owned(),
                }),
            );
        }
        (o, None)
    }
}

/// The files an image's packages own, for drift: built from the SBOM's `Package::files`.
#[derive(Debug, Clone, Default)]
pub struct OwnedFiles {
    files: HashSet<String>,
}

/// Merged-`/usr` aliases: on Debian 12+ and most distributions `/bin`, `/sbin`, `/lib*` are links into `/usr`,
/// so dpkg lists `/bin/cat` while `/proc/PID/exe` says `/usr/bin/cat`.
const USR_MERGED: &[&str] = &["/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"];

fn aliases(path: &str) -> Vec<String> {
    let mut out = vec![path.to_owned()];
    for d in USR_MERGED {
        if let Some(rest) = path.strip_prefix(d) {
            out.push(format!("/usr{d}{rest}"));
        }
        if let Some(rest) = path.strip_prefix("/usr").and_then(|p| p.strip_prefix(d)) {
            out.push(format!("{d}{rest}"));
        }
    }
    out
}

impl OwnedFiles {
    /// From every package's file list.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = HashSet::new();
        for f in files {
            let f = f.trim_end_matches('/');
            if !f.is_empty() {
                set.insert(if f.starts_with('/') {
                    f.to_owned()
                } else {
                    format!("/{f}")
                });
            }
        }
        OwnedFiles { files: set }
    }

    /// How many files are known; an SBOM without file lists owns nothing and drift cannot be judged.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is known.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether a package owns `path` (directly or through a merged-`/usr` alias).
    #[must_use]
    pub fn owns(&self, path: &str) -> bool {
        aliases(path).iter().any(|a| self.files.contains(a))
    }
}

/// Why an executed path is drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// No package of the image owns it.
    Unowned,
    /// It lies on the container's overlay upper layer (written after the container started).
    UpperLayer,
    /// Loaded from a memfd: never in the image.
    Memfd,
}

impl Drift {
    /// A short reason for the alert output.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Drift::Unowned => "no package in the image owns it",
            Drift::UpperLayer => "it is on the container's writable layer",
            Drift::Memfd => "it was loaded from a memfd",
        }
    }
}

/// Drift of an executed `path`: memfd and upper-layer executables always; otherwise unowned, when an SBOM
/// with file lists is known (`owned` non-empty).
#[must_use]
pub fn drift(
    path: &str,
    owned: Option<&OwnedFiles>,
    upper_layer: bool,
    memfd: bool,
) -> Option<Drift> {
    if memfd {
        return Some(Drift::Memfd);
    }
    if upper_layer {
        return Some(Drift::UpperLayer);
    }
    match owned {
        Some(o) if !o.is_empty() && !path.is_empty() && !o.owns(path) => Some(Drift::Unowned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BaselineKey {
        BaselineKey {
            image_digest: "sha256:aa".into(),
            container: "app".into(),
        }
    }

    #[test]
    fn learns_for_the_window_then_reports_new_paths_once() {
        let s = 1_000_000_000;
        let mut bs = Baselines::new(LearnPolicy {
            window_ns: Some(10 * s),
            min_events: Some(2),
        });
        assert_eq!(
            bs.observe(&key(), EXEC, "/bin/sh", 0).0,
            Observation::Learned { new: true }
        );
        // Window passed but only one event: still learning.
        assert_eq!(
            bs.observe(&key(), EXEC, "/bin/sh", 11 * s).0,
            Observation::Learned { new: false }
        );
        assert_eq!(
            bs.observe(&key(), EXEC, "/bin/sh", 12 * s).0,
            Observation::Known
        );
        assert_eq!(bs.get(&key()).unwrap().state, BaselineState::Locked);
        let (o, d) = bs.observe(&key(), EXEC, "/usr/bin/curl", 13 * s);
        assert_eq!(o, Observation::Deviation);
        assert_eq!(d.unwrap().value, "/usr/bin/curl");
        assert_eq!(bs.observe(&key(), EXEC, "/usr/bin/curl", 14 * s).1, None);
        // The same path of another kind is another entry.
        assert_eq!(
            bs.observe(&key(), NET, "/bin/sh", 15 * s).0,
            Observation::Deviation
        );
    }

    #[test]
    fn drift_follows_merged_usr_and_needs_file_lists() {
        let owned = OwnedFiles::new(["/bin/cat", "/usr/bin/env", "bin/sh"]);
        assert_eq!(drift("/usr/bin/cat", Some(&owned), false, false), None);
        assert_eq!(drift("/bin/env", Some(&owned), false, false), None);
        assert_eq!(drift("/bin/sh", Some(&owned), false, false), None);
        assert_eq!(
            drift("/tmp/x/cat", Some(&owned), false, false),
            Some(Drift::Unowned)
        );
        assert_eq!(
            drift("/usr/bin/cat", Some(&owned), true, false),
            Some(Drift::UpperLayer)
        );
        assert_eq!(
            drift("/tmp/x", Some(&OwnedFiles::default()), false, false),
            None
        );
        assert_eq!(drift("/tmp/x", None, false, true), Some(Drift::Memfd));
    }
}
