//! `teams:` in `bulwark serve`'s config file (issue #20, the team switch): each team names its namespaces (glob
//! patterns), its policy bundle (what `--policy` takes), the NAMES of its tokens in `--api-tokens`, and optionally
//! its owners.yaml teams and the stage pushes are judged at (`pushStage`, default release).
//!
//! ```yaml
//! teams:
//!   - name: payments
//!     namespaces: [payments, "payments-*"]
//!     policy: /etc/bulwark/teams/payments
//!     tokens: [payments-ci]
//!     owners: [team-payments]
//! ```
//!
//! Meaning: an admission request in a team's namespace is judged by the team's bundle ([`TeamsJudge`]); an SBOM
//! pushed with a team's token is judged by the team's bundle at the push stage ([`push_judge`]), one with a
//! token of no team by the global `--policy`; everything else keeps the global bundle. Every bundle is loaded
//! and prepared at start (a bad one stops the server) and a bundle directory is reloaded when it changes, as
//! the global one is (`serve_reload.rs`). The decisions are the one policy function's: `k8s::judge_review` for
//! admission, `inventory::rescan_judge` (`Policy::judge` on the report `scan sbom` builds) for pushes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};
use bulwark_policy::Stage;
use bulwark_server::{Judge, Judgement, Request};

use super::verdict::{Policy, TrustFlags};

/// One team of the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TeamSpec {
    pub(crate) name: String,
    pub(crate) namespaces: Vec<String>,
    pub(crate) policy: String,
    pub(crate) tokens: Vec<String>,
    pub(crate) owners: Vec<String>,
    /// The stage an SBOM pushed with the team's token is judged at.
    pub(crate) push_stage: Stage,
}

/// Longest team name and namespace: a DNS-1123 label.
const MAX_LABEL: usize = 63;

fn dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_LABEL
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A namespace pattern: a DNS-1123 label where `*` stands for any run of characters and `?` for one.
fn valid_glob(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_LABEL
        && s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'*' | b'?')
        })
}

/// Whether `name` matches `pattern` (`*`: any run, `?`: one character).
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether some name matches both patterns: a search over pairs of positions (the product of the two
/// patterns' automata), `*` staying or moving on, each step consuming one character both accept.
pub(crate) fn globs_overlap(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut seen = vec![false; (a.len() + 1) * (b.len() + 1)];
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        let cell = i * (b.len() + 1) + j;
        if seen[cell] {
            continue;
        }
        seen[cell] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        // A star may match nothing.
        if i < a.len() && a[i] == b'*' {
            todo.push((i + 1, j));
        }
        if j < b.len() && b[j] == b'*' {
            todo.push((i, j + 1));
        }
        // Both consume one character.
        if i < a.len() && j < b.len() {
            let (ca, cb) = (a[i], b[j]);
            let any = |c: u8| c == b'*' || c == b'?';
            if any(ca) || any(cb) || ca == cb {
                let ni = if ca == b'*' { i } else { i + 1 };
                let nj = if cb == b'*' { j } else { j + 1 };
                todo.push((ni, nj));
            }
        }
    }
    false
}

/// The `teams:` of the config file this command line uses (`--config`, `$BULWARK_CONFIG`, `./bulwark.yaml`),
/// at the top level or under `serve:`; empty without one.
pub(crate) fn from_config() -> Result<Vec<TeamSpec>> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let Some(path) = crate::config::locate(&args)? else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// The line of the `index`-th `- ` item after the line holding `teams:` (for messages), when it can be found.
fn item_line(text: &str, index: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("teams:"))?;
    let indent = lines
        .iter()
        .skip(start + 1)
        .find(|l| l.trim_start().starts_with("- "))
        .map(|l| l.len() - l.trim_start().len())?;
    lines
        .iter()
        .enumerate()
        .skip(start + 1)
        .filter(|(_, l)| {
            l.len() - l.trim_start().len() == indent && l.trim_start().starts_with("- ")
        })
        .nth(index)
        .map(|(i, _)| i + 1)
}

/// Parses and checks the `teams:` key of a config file's text (what can be checked without the token file).
pub(crate) fn parse(text: &str, file: &str) -> Result<Vec<TeamSpec>> {
    if let Some((line, why)) =
        bulwark_types::yaml::depth_over(text.as_bytes(), bulwark_types::yaml::MAX_DEPTH)
    {
        bail!("config file {file}:{line}: {why}");
    }
    let doc: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| anyhow::anyhow!("config file {file}: {e}"))?;
    let teams = doc
        .get("teams")
        .or_else(|| doc.get("serve").and_then(|s| s.get("teams")));
    let Some(teams) = teams.filter(|t| !t.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(items) = teams.as_sequence() else {
        bail!("config file {file}: `teams` must be a list of {{name, namespaces, policy, tokens}}");
    };
    let mut out: Vec<TeamSpec> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = match item_line(text, i) {
            Some(l) => format!("config file {file}:{l}: teams[{i}]"),
            None => format!("config file {file}: teams[{i}]"),
        };
        let Some(map) = item.as_mapping() else {
            bail!("{at}: a team must be a mapping with name, namespaces, policy and tokens");
        };
        for k in map.keys() {
            let k = k.as_str().unwrap_or_default();
            if !matches!(
                k,
                "name" | "namespaces" | "policy" | "tokens" | "owners" | "pushStage"
            ) {
                bail!(
                    "{at}: unknown key \"{}\" (expected name, namespaces, policy, tokens, owners, pushStage)",
                    bulwark_types::escape_control(k)
                );
            }
        }
        let string = |key: &str| -> Result<Option<String>> {
            match map.get(key) {
                None | Some(serde_yaml::Value::Null) => Ok(None),
                Some(serde_yaml::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => bail!("{at}: `{key}` must be a string"),
            }
        };
        let list = |key: &str| -> Result<Vec<String>> {
            match map.get(key) {
                None | Some(serde_yaml::Value::Null) => Ok(Vec::new()),
                Some(serde_yaml::Value::String(s)) => Ok(vec![s.clone()]),
                Some(serde_yaml::Value::Sequence(v)) => v
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .with_context(|| format!("{at}: `{key}` must be a list of strings"))
                    })
                    .collect(),
                Some(_) => bail!("{at}: `{key}` must be a list of strings"),
            }
        };
        let Some(name) = string("name")? else {
            bail!("{at}: a team has no `name`");
        };
        let at = format!("{at} ({})", bulwark_types::escape_control(&name));
        if !dns_label(&name) {
            bail!(
                "{at}: the team name is not a DNS-1123 label (1 to 63 lower-case letters, digits and '-', starting \
                 and ending with a letter or digit)"
            );
        }
        if let Some(first) = out.iter().find(|t| t.name == name) {
            bail!("{at}: the team name \"{}\" is given twice", first.name);
        }
        let namespaces = list("namespaces")?;
        if namespaces.is_empty() {
            bail!("{at}: `namespaces` is empty: a team covers at least one namespace (or pattern)");
        }
        for ns in &namespaces {
            if !valid_glob(ns) {
                bail!(
                    "{at}: namespace \"{}\" is not a DNS-1123 label or a pattern of one (`*` and `?` are the only \
                     wildcards)",
                    bulwark_types::escape_control(ns)
                );
            }
        }
        let Some(policy) = string("policy")?.filter(|p| !p.trim().is_empty()) else {
            bail!("{at}: a team has no `policy` (a bundle source, as --policy takes)");
        };
        let tokens = list("tokens")?;
        let owners = list("owners")?;
        let push_stage = match string("pushStage")? {
            None => Stage::Release,
            Some(s) => s
                .parse::<Stage>()
                .map_err(|e| anyhow::anyhow!("{at}: `pushStage`: {e}"))?,
        };
        // No namespace may belong to two teams.
        for other in &out {
            for a in &namespaces {
                if let Some(b) = other.namespaces.iter().find(|b| globs_overlap(a, b)) {
                    bail!(
                        "{at}: namespace pattern \"{a}\" overlaps \"{b}\" of team {}: a namespace must belong to \
                         one team only",
                        other.name
                    );
                }
            }
            if let Some(t) = tokens.iter().find(|t| other.tokens.contains(t)) {
                bail!(
                    "{at}: token \"{}\" is also team {}'s: a token pushes for one team only",
                    bulwark_types::escape_control(t),
                    other.name
                );
            }
        }
        out.push(TeamSpec {
            name,
            namespaces,
            policy,
            tokens,
            owners,
            push_stage,
        });
    }
    Ok(out)
}

/// Every team token must be a name of the `--api-tokens` file.
pub(crate) fn check_tokens(
    teams: &[TeamSpec],
    tokens: Option<&bulwark_server::api::Tokens>,
) -> Result<()> {
    for t in teams {
        for name in &t.tokens {
            let known = tokens.is_some_and(|f| f.names().any(|n| n == name));
            if !known {
                bail!(
                    "team {}: token \"{}\" is not a name in the --api-tokens file{}",
                    t.name,
                    bulwark_types::escape_control(name),
                    if tokens.is_none() {
                        " (no --api-tokens file was given)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}

/// The team whose namespaces hold `ns` (at most one: overlaps are refused at start).
#[cfg(test)]
pub(crate) fn team_of<'a>(teams: &'a [TeamSpec], ns: &str) -> Option<&'a TeamSpec> {
    teams
        .iter()
        .find(|t| t.namespaces.iter().any(|p| glob_match(p, ns)))
}

/// Admission by namespace: a request in a team's namespace goes to the team's judge, any other to the global
/// one. Each judge reloads its own bundle.
pub(crate) struct TeamsJudge {
    pub(crate) global: Arc<dyn Judge>,
    pub(crate) teams: Vec<(TeamSpec, Arc<dyn Judge>)>,
}

impl TeamsJudge {
    fn pick(&self, request: &Request) -> &Arc<dyn Judge> {
        let ns = request.namespace.as_deref().unwrap_or_default();
        self.teams
            .iter()
            .find(|(t, _)| t.namespaces.iter().any(|p| glob_match(p, ns)))
            .map_or(&self.global, |(_, j)| j)
    }
}

impl Judge for TeamsJudge {
    fn judge(&self, request: &Request) -> Judgement {
        self.pick(request).judge(request)
    }

    fn answers_from_memory(&self, request: &Request) -> bool {
        self.pick(request).answers_from_memory(request)
    }

    fn mutate(&self, request: &Request) -> Judgement {
        self.pick(request).mutate(request)
    }

    fn reload(&self) -> Result<Option<String>, String> {
        let mut done = Vec::new();
        let mut refused = Vec::new();
        let all = std::iter::once(("global".to_owned(), &self.global)).chain(
            self.teams
                .iter()
                .map(|(t, j)| (format!("team {}", t.name), j)),
        );
        for (who, j) in all {
            match j.reload() {
                Ok(Some(what)) => done.push(format!("{who}: {what}")),
                Ok(None) => {}
                Err(e) => refused.push(format!("{who}: {e}")),
            }
        }
        if !refused.is_empty() {
            refused.extend(done.into_iter().map(|d| format!("reloaded {d}")));
            return Err(refused.join("; "));
        }
        Ok((!done.is_empty()).then(|| done.join("; ")))
    }
}

/// A bundle for pushes, reloaded when its directory changes (checked at each push: a few KiB read and digested;
/// other sources are fixed for the server's life, as for admission).
struct PushPolicy {
    source: String,
    stage: Stage,
    trust: TrustFlags,
    deny: Option<Arc<super::runtime_enforce::DenyList>>,
    vuln_db: std::path::PathBuf,
    current: Mutex<(String, Arc<RematchJudge>)>,
}

type RematchJudge = dyn Fn(bulwark_inventory::Rematched<'_>) -> Result<bulwark_inventory::Judgement, String>
    + Send
    + Sync;

impl PushPolicy {
    fn load(
        source: &str,
        stage: Stage,
        trust: &TrustFlags,
        vuln_db: &Path,
        deny: Option<Arc<super::runtime_enforce::DenyList>>,
    ) -> Result<Self> {
        let policy = Policy::load(source, stage, None, trust)?;
        let digest = policy.bundle.info.digest.clone();
        let judge: Arc<RematchJudge> = Arc::new(super::inventory::rescan_judge(
            policy,
            vuln_db.to_path_buf(),
            deny.clone(),
        ));
        Ok(Self {
            source: source.to_owned(),
            stage,
            trust: trust.clone(),
            deny,
            vuln_db: vuln_db.to_path_buf(),
            current: Mutex::new((digest, judge)),
        })
    }

    /// The judge of the bundle as it is now: a changed directory is loaded again (a bundle that does not load
    /// keeps the previous one).
    fn judge(&self) -> Arc<RematchJudge> {
        let mut cur = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if Path::new(&self.source).is_dir() {
            let limits = bulwark_policy::Limits::default();
            if let Ok(files) = bulwark_policy::files_from_dir(Path::new(&self.source), &limits) {
                let now = bulwark_policy::digest(&files);
                if now != cur.0
                    && let Ok(policy) = Policy::load(&self.source, self.stage, None, &self.trust)
                {
                    let digest = policy.bundle.info.digest.clone();
                    let judge: Arc<RematchJudge> = Arc::new(super::inventory::rescan_judge(
                        policy,
                        self.vuln_db.clone(),
                        self.deny.clone(),
                    ));
                    *cur = (digest, judge);
                }
            }
        }
        cur.1.clone()
    }
}

/// The push judge of the API: the pushing token's team's bundle at its push stage, else the global bundle at
/// release; the SBOM matched against the server's DB (`--vuln-db`) and judged by `inventory::rescan_judge`, the
/// function the re-match uses (the report `scan sbom` builds, then `Policy::judge`).
pub(crate) fn push_judge(
    teams: &[TeamSpec],
    global: &str,
    trust: &TrustFlags,
    vuln_db: &Path,
    deny: Option<&Arc<super::runtime_enforce::DenyList>>,
) -> Result<bulwark_server::api::PushJudge> {
    let mut by_team: HashMap<String, PushPolicy> = HashMap::new();
    for t in teams {
        let p = PushPolicy::load(&t.policy, t.push_stage, trust, vuln_db, deny.cloned())
            .with_context(|| format!("team {}", t.name))?;
        by_team.insert(t.name.clone(), p);
    }
    let global = PushPolicy::load(global, Stage::Release, trust, vuln_db, deny.cloned())?;
    let vuln_db = vuln_db.to_path_buf();
    Ok(Arc::new(move |p: &bulwark_server::api::Pushed<'_>| {
        let policy = match p.team {
            Some(t) => by_team
                .get(t)
                .ok_or_else(|| format!("team {t} has no bundle"))?,
            None => &global,
        };
        let judge = policy.judge();
        if !vuln_db.is_file() {
            return Err(format!(
                "no vulnerability DB at {} (--vuln-db): the push cannot be judged",
                vuln_db.display()
            ));
        }
        let db = bulwark_vulndb::VulnDb::open(&vuln_db)
            .map_err(|e| format!("{}: {e}", vuln_db.display()))?;
        let db_version = bulwark_inventory::db_version(&db).ok();
        let sbom = bulwark_sbom::parse_sbom(p.sbom, p.digest).map_err(|e| e.to_string())?;
        let matched = bulwark_match::match_packages(
            &db,
            &sbom.packages,
            sbom.distro.as_ref(),
            &bulwark_match::MatchOptions::default(),
        )
        .map_err(|e| format!("matching {}: {e}", p.digest))?;
        let j = judge(bulwark_inventory::Rematched {
            digest: p.digest,
            sbom,
            matched,
            db: &db,
        })?;
        Ok(bulwark_server::api::PushVerdict {
            decision: j.decision,
            bundle_name: j.bundle_name,
            bundle_version: j.bundle_version,
            bundle_digest: j.bundle_digest,
            db_version,
            verdict_json: j.verdict_json,
        })
    }))
}

/// The rescan loop's judge with teams: an image whose running placements are all in one team's namespaces is
/// judged by that team's bundle at `--rescan-stage`, any other (no placement, placements of no team or of
/// several teams) by the global judge. The namespaces are read from the store (one connection, kept).
pub(crate) fn rescan_judge(
    teams: &[TeamSpec],
    global: bulwark_server::loops::RescanJudge,
    store: &str,
    stage: Stage,
    trust: &TrustFlags,
    vuln_db: &Path,
    deny: Option<&Arc<super::runtime_enforce::DenyList>>,
) -> Result<bulwark_server::loops::RescanJudge> {
    let mut by_team: Vec<(TeamSpec, Arc<RematchJudge>)> = Vec::new();
    for t in teams {
        let policy = Policy::load(&t.policy, stage, None, trust)
            .with_context(|| format!("team {}", t.name))?;
        let j: Arc<RematchJudge> = Arc::new(super::inventory::rescan_judge(
            policy,
            vuln_db.to_path_buf(),
            deny.cloned(),
        ));
        by_team.push((t.clone(), j));
    }
    let location = store.to_owned();
    let conn: Mutex<Option<bulwark_store::Store>> = Mutex::new(None);
    Ok(Arc::new(move |m: bulwark_inventory::Rematched<'_>| {
        let namespaces = {
            let mut c = conn.lock().unwrap_or_else(PoisonError::into_inner);
            if c.is_none() {
                *c = Some(bulwark_store::Store::open(&location).map_err(|e| e.to_string())?);
            }
            let s = c.as_ref().ok_or("no store")?;
            let rows = s
                .placements(&bulwark_store::PlacementFilter {
                    digest: Some(m.digest.to_owned()),
                    ..bulwark_store::PlacementFilter::default()
                })
                .map_err(|e| e.to_string());
            if rows.is_err() {
                // A connection that failed is not kept.
                *c = None;
            }
            rows?
                .into_iter()
                .map(|p| p.placement.namespace)
                .collect::<Vec<_>>()
        };
        let mut owner: Option<usize> = None;
        let mut one_team = !namespaces.is_empty();
        for ns in &namespaces {
            match by_team
                .iter()
                .position(|(t, _)| t.namespaces.iter().any(|p| glob_match(p, ns)))
            {
                Some(i) if owner.is_none_or(|o| o == i) => owner = Some(i),
                _ => one_team = false,
            }
        }
        match owner.filter(|_| one_team) {
            Some(i) => (by_team[i].1)(m),
            None => global(m),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("payments", "payments"));
        assert!(glob_match("payments-*", "payments-pr-12"));
        assert!(!glob_match("payments-*", "payments"));
        assert!(glob_match("*-staging", "shop-staging"));
        assert!(glob_match("team-?", "team-a"));
        assert!(!glob_match("team-?", "team-ab"));
        assert!(glob_match("*", "anything"));
    }

    #[test]
    fn overlaps() {
        // Each overlapping pair with a name both match, checked by glob_match (independent of the search).
        for (a, b, witness) in [
            ("payments-*", "payments-pr-*", "payments-pr-1"),
            ("*-staging", "payments-*", "payments-staging"),
            ("payments", "payments", "payments"),
            ("pay?ents", "*ments", "payments"),
            ("*", "search", "search"),
            ("a*b*c", "*bc", "abc"),
        ] {
            assert!(
                glob_match(a, witness) && glob_match(b, witness),
                "{witness}"
            );
            assert!(globs_overlap(a, b), "{a} {b}");
            assert!(globs_overlap(b, a), "{b} {a}");
        }
        for (a, b) in [
            ("payments", "payments-*"),
            ("payments-*", "search-*"),
            ("team-?", "team-??"),
            ("a*", "b*"),
            ("*-a", "*-b"),
        ] {
            assert!(!globs_overlap(a, b), "{a} {b}");
            assert!(!globs_overlap(b, a), "{b} {a}");
        }
    }

    #[test]
    fn config() {
        let ok = "policy: /g\nteams:\n  - name: payments\n    namespaces: [payments, \"payments-*\"]\n    policy: /p\n    tokens: [payments-ci]\n    owners: [team-payments]\n  - name: search\n    namespaces: search\n    policy: /s\n";
        let t = parse(ok, "c.yaml").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].namespaces, ["payments", "payments-*"]);
        assert_eq!(t[0].push_stage, Stage::Release);
        assert_eq!(t[1].namespaces, ["search"]);
        assert_eq!(team_of(&t, "payments-pr-7").unwrap().name, "payments");
        assert!(team_of(&t, "other").is_none());
        for (bad, line, why) in [
            (
                "teams:\n  - name: a\n    namespaces: [\"pay-*\"]\n    policy: /a\n  - name: b\n    namespaces: [\"*-x\"]\n    policy: /b\n",
                5,
                "overlaps \"pay-*\" of team a",
            ),
            (
                "teams:\n  - name: a\n    namespaces: [x]\n    policy: /a\n  - name: a\n    namespaces: [y]\n    policy: /b\n",
                5,
                "given twice",
            ),
            (
                "teams:\n  - name: A_b\n    namespaces: [x]\n    policy: /a\n",
                2,
                "DNS-1123",
            ),
            (
                "teams:\n  - name: a\n    namespaces: [x]\n",
                2,
                "no `policy`",
            ),
            (
                "teams:\n  - name: a\n    namespaces: [\"x/y\"]\n    policy: /a\n",
                2,
                "not a DNS-1123 label or a pattern",
            ),
            (
                "teams:\n  - name: a\n    namespaces: [x]\n    policy: /a\n    polcy: /b\n",
                2,
                "unknown key",
            ),
            (
                "teams:\n  - name: a\n    namespaces: [x]\n    policy: /a\n    tokens: [t]\n  - name: b\n    namespaces: [y]\n    policy: /b\n    tokens: [t]\n",
                6,
                "also team a's",
            ),
        ] {
            let e = format!("{:#}", parse(bad, "c.yaml").unwrap_err());
            assert!(e.contains(&format!("c.yaml:{line}:")), "{e}");
            assert!(e.contains(why), "{e}");
        }
    }
}
