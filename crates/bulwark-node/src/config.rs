//! kube-bench's `cfg/config.yaml`: per target and component the candidate binaries, config files, kubeconfigs
//! and service files, and their defaults; `version_mapping` (Kubernetes version → benchmark) and
//! `target_mapping` (benchmark → targets). Fills the `$apiserverbin`, `$kubeletconf`, … variables.
//!
//! Variable names are built as kube-bench builds them: `$<component>bin`, `$<component>conf`,
//! `$<component>kubeconfig`, `$<component>svc` (and `$<component>cafile`, `$<component>datadir` from `cafile`
//! and `datadirs`). A component's value is the first candidate that is present (a running process for `bins`, an
//! existing file for the others), else its `default…` key (`defaultconf`, `defaultkubeconfig`, …), else the first
//! candidate; a component with no candidates and no default gives no variable.

use crate::controls::yaml::{self, Node, Value};
use std::collections::BTreeMap;

/// The variables of one run: `kubeletconf` → `/var/lib/kubelet/config.yaml`, …
pub type Variables = BTreeMap<String, String>;

/// The candidate lists kube-bench reads per component, with the variable suffix each fills and its default key.
pub const KINDS: &[(&str, &str, &str)] = &[
    ("bins", "bin", "defaultbin"),
    ("confs", "conf", "defaultconf"),
    ("kubeconfig", "kubeconfig", "defaultkubeconfig"),
    ("svc", "svc", "defaultsvc"),
    ("cafile", "cafile", "defaultcafile"),
    ("datadirs", "datadir", "defaultdatadir"),
];

/// One component of a target (`apiserver` under `master`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub optional: bool,
    /// Candidate lists by key (`bins`, `confs`, `kubeconfig`, `svc`, `cafile`, `datadirs`), in file order.
    pub candidates: BTreeMap<String, Vec<String>>,
    /// `defaultconf`, `defaultkubeconfig`, … by key.
    pub defaults: BTreeMap<String, String>,
}

/// A target's section (`master:`): its `components:` list and each component's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The `components:` list, in order.
    pub components: Vec<String>,
    /// Settings by component name (may include names not in `components`).
    pub settings: BTreeMap<String, Component>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// By target name (`master`, `node`, `etcd`, `controlplane`, `policies`, `managedservices`).
    pub targets: BTreeMap<String, Target>,
    /// Kubernetes version (`1.28`, `eks-1.2.0`) → benchmark, in file order.
    pub version_mapping: Vec<(String, String)>,
    /// Benchmark → its targets.
    pub target_mapping: BTreeMap<String, Vec<String>>,
    /// Other top-level scalars (a benchmark's `config.yaml` sets `AWS_ACCOUNT`, …).
    pub settings: BTreeMap<String, String>,
}

fn perr(name: &str, line: usize, reason: String) -> crate::NodeError {
    crate::NodeError::Parse {
        path: name.to_string(),
        line,
        reason,
    }
}

fn strings(n: &Node, what: &str, name: &str) -> Result<Vec<String>, crate::NodeError> {
    match &n.value {
        Value::Null => Ok(Vec::new()),
        Value::Scalar { text } => Ok(vec![text.clone()]),
        Value::Seq(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| perr(name, i.line, format!("{what}: expected a string")))
            })
            .collect(),
        Value::Map(_) => Err(perr(name, n.line, format!("{what}: expected a list"))),
    }
}

impl Config {
    pub fn load(path: &std::path::Path) -> Result<Config, crate::NodeError> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::NodeError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, name: &str) -> Result<Config, crate::NodeError> {
        let root = yaml::parse(text, name)?;
        let mut cfg = Config::default();
        let entries = match &root.value {
            Value::Null => return Ok(cfg),
            Value::Map(m) => m,
            _ => return Err(perr(name, root.line, "the file is not a mapping".into())),
        };
        for (key, node) in entries {
            match (key.as_str(), &node.value) {
                ("version_mapping", Value::Map(m)) => {
                    for (k, v) in m {
                        let b = v.as_str().ok_or_else(|| {
                            perr(
                                name,
                                v.line,
                                format!("version_mapping {k}: expected a benchmark"),
                            )
                        })?;
                        cfg.version_mapping.push((k.clone(), b.to_string()));
                    }
                }
                ("target_mapping", Value::Map(m)) => {
                    for (k, v) in m {
                        cfg.target_mapping
                            .insert(k.clone(), strings(v, &format!("target_mapping {k}"), name)?);
                    }
                }
                ("version_mapping" | "target_mapping", _) => {
                    return Err(perr(name, node.line, format!("{key}: expected a mapping")));
                }
                (_, Value::Scalar { text }) => {
                    cfg.settings.insert(key.clone(), text.clone());
                }
                (_, Value::Map(m)) if m.iter().any(|(k, _)| k == "components") => {
                    cfg.targets.insert(key.clone(), target(m, name)?);
                }
                _ => {}
            }
        }
        Ok(cfg)
    }

    /// Layers a benchmark's own `config.yaml` over this one: its targets' components, mappings and settings
    /// replace those of the same name.
    pub fn merge(&mut self, over: Config) {
        for (t, target) in over.targets {
            let mine = self.targets.entry(t).or_default();
            if !target.components.is_empty() {
                mine.components = target.components;
            }
            mine.settings.extend(target.settings);
        }
        for (k, v) in over.version_mapping {
            match self.version_mapping.iter_mut().find(|(e, _)| *e == k) {
                Some(e) => e.1 = v,
                None => self.version_mapping.push((k, v)),
            }
        }
        self.target_mapping.extend(over.target_mapping);
        self.settings.extend(over.settings);
    }

    /// The benchmark for a Kubernetes version: `1.28.3`, `v1.28` and `1.28` all look up `1.28`; other keys
    /// (`eks-1.2.0`) match as written.
    pub fn benchmark_for(&self, version: &str) -> Option<&str> {
        let exact = self.version_mapping.iter().find(|(k, _)| k == version);
        if let Some((_, b)) = exact {
            return Some(b);
        }
        let v = version.trim_start_matches('v');
        let mut parts = v.split('.');
        let short = match (parts.next(), parts.next()) {
            (Some(a), Some(b)) => {
                let minor: String = b.chars().take_while(char::is_ascii_digit).collect();
                format!("{a}.{minor}")
            }
            _ => return None,
        };
        self.version_mapping
            .iter()
            .find(|(k, _)| *k == short)
            .map(|(_, b)| b.as_str())
    }

    /// The targets of a benchmark (`cis-1.12` → master, node, controlplane, etcd, policies).
    #[must_use]
    pub fn targets_for(&self, benchmark: &str) -> &[String] {
        self.target_mapping
            .get(benchmark)
            .map_or(&[], |v| v.as_slice())
    }

    /// The variables for a target's components. `running(bin)` says whether a process of that name runs;
    /// `exists(path)` whether a file exists (both under the host root, the caller's business).
    pub fn variables(
        &self,
        target: &str,
        running: &dyn Fn(&str) -> bool,
        exists: &dyn Fn(&str) -> bool,
    ) -> Variables {
        let mut vars = Variables::new();
        let Some(t) = self.targets.get(target) else {
            return vars;
        };
        for name in &t.components {
            let Some(c) = t.settings.get(name) else {
                continue;
            };
            for &(list, suffix, default) in KINDS {
                let cands = c.candidates.get(list).map_or(&[][..], |v| v.as_slice());
                let present: &dyn Fn(&str) -> bool = if list == "bins" { running } else { exists };
                let value = cands
                    .iter()
                    .find(|p| present(p))
                    .or_else(|| c.defaults.get(default))
                    .or_else(|| cands.first());
                if let Some(v) = value {
                    vars.insert(format!("{name}{suffix}"), v.clone());
                }
            }
        }
        vars
    }
}

fn target(m: &[(String, Node)], name: &str) -> Result<Target, crate::NodeError> {
    let mut t = Target::default();
    for (key, node) in m {
        if key == "components" {
            t.components = strings(node, "components", name)?;
            continue;
        }
        let Value::Map(entries) = &node.value else {
            continue;
        };
        let mut c = Component {
            name: key.clone(),
            ..Component::default()
        };
        for (k, v) in entries {
            if k == "optional" {
                c.optional = matches!(v.as_str(), Some("true" | "True" | "TRUE"));
            } else if k.starts_with("default") {
                if let Some(s) = v.as_str() {
                    c.defaults.insert(k.clone(), s.to_string());
                }
            } else {
                c.candidates
                    .insert(k.clone(), strings(v, &format!("{key}.{k}"), name)?);
            }
        }
        t.settings.insert(key.clone(), c);
    }
    Ok(t)
}

/// Replaces `$name` in an audit command with its variable; unknown `$names` (shell variables such as `$d`,
/// `$HOME`) are left as written. A name is the whole identifier after `$`, so `$kubeletconf` is never `$kubelet`.
#[must_use]
pub fn substitute(command: &str, vars: &Variables) -> String {
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let ident_len = after
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(after.len());
        let ident = &after[..ident_len];
        if let Some(v) = vars.get(ident) {
            out.push_str(v);
            rest = &after[ident_len..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
