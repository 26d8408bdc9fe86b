//! Enforcement: which alerts lead to which actions (kill the pod, scale its workload to zero, isolate it, deny
//! its image digest at admission), decided here without I/O; the caller carries the actions out through
//! bulwark-kube and the store and records each [`ActionRecord`] it gets.
//!
//! Safe by default: `dryRun: true` unless the file says otherwise, system namespaces are excluded, a global rate
//! limit caps actions per window (dry runs count, so that a dry run shows what a real run would do), and the same
//! action on the same target is not repeated within the dedupe window. Every decision, including "not done
//! because…", becomes a record, so the audit trail shows what was skipped and why.
//!
//! ```yaml
//! dryRun: true                  # default true
//! rateLimit: {max: 5, perSeconds: 60}
//! dedupeSeconds: 600
//! excludeNamespaces: [kube-system, kube-public, kube-node-lease]
//! actions:
//!   - rule: "Terminal shell in container"   # a rule name, `*` globs allowed
//!     minPriority: WARNING                  # optional
//!     namespaces: ["prod-*"]                # optional namespace globs
//!     do: [isolate, deny-digest]            # kill-pod, scale-to-zero, isolate, deny-digest
//! ```

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::rules::{Alert, Priority};

/// One enforcement action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Delete the pod.
    KillPod,
    /// Scale the owning Deployment/StatefulSet/ReplicaSet to zero, or suspend the Job/CronJob.
    ScaleToZero,
    /// Label the pod and select it with the namespace's deny-all NetworkPolicy.
    Isolate,
    /// Refuse future admission of the image digest (the admission webhook reads the deny list).
    DenyDigest,
}

impl ActionKind {
    /// The name used in configuration and records.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::KillPod => "kill-pod",
            ActionKind::ScaleToZero => "scale-to-zero",
            ActionKind::Isolate => "isolate",
            ActionKind::DenyDigest => "deny-digest",
        }
    }
}

/// What an alert is about, for enforcement: the pod and what runs in it. Empty strings are unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// Kubernetes namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Owning workload kind (`Deployment`, …) and name.
    pub workload_kind: String,
    /// Owning workload name.
    pub workload_name: String,
    /// The container's image digest.
    pub image_digest: String,
}

/// Why an action was or was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Carry it out.
    Execute,
    /// Carry it out as a dry run (the API server's `dryRun=All`; a deny-list entry is not written).
    DryRun,
    /// Over the rate limit.
    RateLimited,
    /// The same action on the same target ran within the dedupe window.
    Duplicate,
    /// The namespace is excluded.
    Excluded,
    /// The alert does not name what the action needs (no pod, no workload, no digest).
    NoTarget,
}

/// One decision, for the audit trail. `result` is filled by the caller after carrying the action out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    /// When it was decided, ns since the epoch.
    pub time_ns: i64,
    /// The rule that fired.
    pub rule: String,
    /// The action.
    pub action: ActionKind,
    /// The target.
    pub subject: Subject,
    /// The decision.
    pub decision: Decision,
    /// What happened when carried out (the API status, the error), set by the caller.
    pub result: Option<String>,
}

/// An enforcement configuration error, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateLimitFile {
    max: u32,
    per_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleFile {
    rule: String,
    #[serde(default)]
    min_priority: Option<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(rename = "do")]
    actions: Vec<ActionKind>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    rate_limit: Option<RateLimitFile>,
    #[serde(default)]
    dedupe_seconds: Option<u64>,
    #[serde(default)]
    exclude_namespaces: Option<Vec<String>>,
    #[serde(default)]
    actions: Vec<RuleFile>,
}

#[derive(Debug, Clone)]
struct ActionRule {
    rule: String,
    min_priority: Option<Priority>,
    namespaces: Vec<String>,
    actions: Vec<ActionKind>,
}

/// Namespaces excluded unless the file names its own list.
pub const DEFAULT_EXCLUDED: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The enforcement policy with its rate-limit and dedupe state.
#[derive(Debug, Clone)]
pub struct Enforcer {
    dry_run: bool,
    max: u32,
    window_ns: i64,
    dedupe_ns: i64,
    excluded: Vec<String>,
    rules: Vec<ActionRule>,
    recent: VecDeque<i64>,
    last: HashMap<(ActionKind, String), i64>,
}

/// `*`-glob match (no other metacharacters: rule names contain `[`, `(` and `?` literally).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

impl Enforcer {
    /// Reads an enforcement file; `path` names it in errors.
    pub fn from_yaml(path: &str, text: &str) -> Result<Enforcer, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_string(),
            message,
        };
        let file: ConfigFile = yaml_serde::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut rules = Vec::new();
        for (i, r) in file.actions.into_iter().enumerate() {
            let min_priority = match &r.min_priority {
                Some(p) => Some(
                    Priority::parse(p)
                        .ok_or_else(|| err(format!("actions[{i}]: unknown priority {p:?}")))?,
                ),
                None => None,
            };
            if r.actions.is_empty() {
                return Err(err(format!(
                    "actions[{i}] ({}): `do` names no action",
                    r.rule
                )));
            }
            rules.push(ActionRule {
                rule: r.rule,
                min_priority,
                namespaces: r.namespaces,
                actions: r.actions,
            });
        }
        let rate = file.rate_limit.unwrap_or(RateLimitFile {
            max: 5,
            per_seconds: 60,
        });
        if rate.per_seconds == 0 {
            return Err(err("rateLimit.perSeconds must be above 0".into()));
        }
        Ok(Enforcer {
            dry_run: file.dry_run.unwrap_or(true),
            max: rate.max,
            window_ns: i64::try_from(rate.per_seconds)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000_000),
            dedupe_ns: i64::try_from(file.dedupe_seconds.unwrap_or(600))
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000_000),
            excluded: file
                .exclude_namespaces
                .unwrap_or_else(|| DEFAULT_EXCLUDED.iter().map(|s| (*s).to_string()).collect()),
            rules,
            recent: VecDeque::new(),
            last: HashMap::new(),
        })
    }

    /// Whether actions run for real.
    #[must_use]
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Decides the actions for one alert about `subject` at `now_ns`. Each configured action that applies gives one
    /// record; the caller carries out those with [`Decision::Execute`] or [`Decision::DryRun`].
    pub fn plan(&mut self, alert: &Alert, subject: &Subject, now_ns: i64) -> Vec<ActionRecord> {
        let mut out = Vec::new();
        let mut wanted: Vec<ActionKind> = Vec::new();
        for r in &self.rules {
            if !glob(&r.rule, &alert.rule) {
                continue;
            }
            if r.min_priority.is_some_and(|p| alert.priority > p) {
                continue;
            }
            if !r.namespaces.is_empty() && !r.namespaces.iter().any(|g| glob(g, &subject.namespace))
            {
                continue;
            }
            for a in &r.actions {
                if !wanted.contains(a) {
                    wanted.push(*a);
                }
            }
        }
        while self
            .recent
            .front()
            .is_some_and(|t| now_ns - t >= self.window_ns)
        {
            self.recent.pop_front();
        }
        for action in wanted {
            let target = match action {
                ActionKind::KillPod | ActionKind::Isolate if !subject.pod.is_empty() => {
                    Some(format!("{}/{}", subject.namespace, subject.pod))
                }
                ActionKind::ScaleToZero if !subject.workload_name.is_empty() => Some(format!(
                    "{}/{}/{}",
                    subject.namespace, subject.workload_kind, subject.workload_name
                )),
                ActionKind::DenyDigest if !subject.image_digest.is_empty() => {
                    Some(subject.image_digest.clone())
                }
                _ => None,
            };
            let decision = if target.is_none() {
                Decision::NoTarget
            } else if action != ActionKind::DenyDigest
                && self.excluded.iter().any(|g| glob(g, &subject.namespace))
            {
                Decision::Excluded
            } else if target
                .as_ref()
                .and_then(|t| self.last.get(&(action, t.clone())))
                .is_some_and(|t| now_ns - t < self.dedupe_ns)
            {
                Decision::Duplicate
            } else if self.recent.len() >= self.max as usize {
                Decision::RateLimited
            } else {
                self.recent.push_back(now_ns);
                if let Some(t) = &target {
                    self.last.insert((action, t.clone()), now_ns);
                }
                if self.dry_run {
                    Decision::DryRun
                } else {
                    Decision::Execute
                }
            };
            out.push(ActionRecord {
                time_ns: now_ns,
                rule: alert.rule.clone(),
                action,
                subject: subject.clone(),
                decision,
                result: None,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn alert(rule: &str, priority: Priority) -> Alert {
        Alert {
            rule: rule.into(),
            priority,
            source: "syscall".into(),
            time_ns: 0,
            output: String::new(),
            output_fields: BTreeMap::new(),
            tags: Vec::new(),
        }
    }

    fn subject(ns: &str, pod: &str) -> Subject {
        Subject {
            namespace: ns.into(),
            pod: pod.into(),
            workload_kind: "Deployment".into(),
            workload_name: "web".into(),
            image_digest: "sha256:aa".into(),
        }
    }

    const S: i64 = 1_000_000_000;

    #[test]
    fn dry_run_by_default_with_exclusions_dedupe_and_rate_limit() {
        let mut e = Enforcer::from_yaml(
            "enforce.yaml",
            "rateLimit: {max: 2, perSeconds: 60}\ndedupeSeconds: 30\nactions:\n- rule: 'Terminal shell*'\n  minPriority: NOTICE\n  do: [isolate, deny-digest]\n",
        )
        .unwrap();
        assert!(e.dry_run());
        let a = alert("Terminal shell in container", Priority::Notice);
        let d = |r: &[ActionRecord]| r.iter().map(|r| (r.action, r.decision)).collect::<Vec<_>>();
        assert_eq!(
            d(&e.plan(&a, &subject("prod", "web-1"), 0)),
            [
                (ActionKind::Isolate, Decision::DryRun),
                (ActionKind::DenyDigest, Decision::DryRun)
            ]
        );
        // Same target within 30 s: duplicates, and they do not use the rate budget.
        assert_eq!(
            d(&e.plan(&a, &subject("prod", "web-1"), S)),
            [
                (ActionKind::Isolate, Decision::Duplicate),
                (ActionKind::DenyDigest, Decision::Duplicate)
            ]
        );
        // A new pod: the budget of 2 per 60 s is spent.
        let mut other = subject("prod", "web-2");
        other.image_digest = "sha256:bb".into();
        assert_eq!(
            d(&e.plan(&a, &other, 2 * S)),
            [
                (ActionKind::Isolate, Decision::RateLimited),
                (ActionKind::DenyDigest, Decision::RateLimited)
            ]
        );
        // After the window, allowed again.
        assert_eq!(
            d(&e.plan(&a, &other, 61 * S))[0],
            (ActionKind::Isolate, Decision::DryRun)
        );
        // System namespaces are excluded from pod actions; a digest deny still applies (it is cluster-wide).
        let sys = e.plan(&a, &subject("kube-system", "coredns-1"), 200 * S);
        assert_eq!(
            d(&sys),
            [
                (ActionKind::Isolate, Decision::Excluded),
                (ActionKind::DenyDigest, Decision::DryRun)
            ]
        );
        // Below the minimum priority, or another rule: nothing.
        assert!(
            e.plan(
                &alert("Terminal shell in container", Priority::Informational),
                &subject("prod", "x"),
                300 * S
            )
            .is_empty()
        );
        assert!(
            e.plan(
                &alert("Read sensitive file untrusted", Priority::Critical),
                &subject("prod", "x"),
                300 * S
            )
            .is_empty()
        );
        // No pod known: the pod action has no target.
        assert_eq!(
            d(&e.plan(&a, &Subject::default(), 400 * S))[0],
            (ActionKind::Isolate, Decision::NoTarget)
        );
    }

    #[test]
    fn real_runs_must_be_asked_for_and_bad_files_name_themselves() {
        let mut e = Enforcer::from_yaml(
            "e.yaml",
            "dryRun: false\nactions:\n- rule: X\n  do: [kill-pod, scale-to-zero]\n",
        )
        .unwrap();
        let r = e.plan(&alert("X", Priority::Debug), &subject("prod", "p"), 0);
        assert!(r.iter().all(|r| r.decision == Decision::Execute), "{r:?}");
        for bad in [
            "actions:\n- rule: X\n  do: [explode]\n",
            "actions:\n- rule: X\n  do: []\n",
            "actions:\n- rule: X\n  minPriority: LOUD\n  do: [kill-pod]\n",
            "rateLimit: {max: 1, perSeconds: 0}\n",
            "dryrun: false\n",
        ] {
            let err = Enforcer::from_yaml("e.yaml", bad).unwrap_err().to_string();
            assert!(err.starts_with("e.yaml: "), "{err}");
        }
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob("Terminal shell*", "Terminal shell in container"));
        assert!(glob("*shell*", "Terminal shell in container"));
        assert!(!glob("shell", "Terminal shell in container"));
        assert!(glob("prod-*", "prod-eu"));
        assert!(!glob("prod-*-x", "prod-eu"));
        assert!(glob(
            "Read sensitive file (untrusted)",
            "Read sensitive file (untrusted)"
        ));
    }
}
