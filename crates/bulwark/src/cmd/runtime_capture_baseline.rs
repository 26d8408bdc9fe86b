//! `bulwark runtime replay CAPTURE --baseline-image DIGEST`: a capture's executed binaries and network destinations
//! learned into (or checked against) the baseline of that image and container, the one the live watchers share
//! through the store.
//!
//! What a capture adds to the live source is the network: the live source sees process events only, a capture
//! sees every `connect`. Learned from a capture:
//! - `exec`: the `proc.exepath` of every successful `execve`/`execveat` exit;
//! - `net`: `<server ip>:<server port>/<l4 protocol>` of every successful (or in-progress, `EINPROGRESS`)
//!   `connect` exit on an IPv4 or IPv6 socket: where the container connects to. Unconnected UDP `sendto`s are not
//!   learned (their destination changes per datagram).
//!
//! With `--store`, the baseline is loaded first and what the capture taught is merged back at the end (the same
//! merge the watchers use: entries are a union, a locked baseline stays locked); a locked baseline turns what it
//! has not learned into `Baseline Deviation` alerts, each (kind, value) once. Without a store the capture learns
//! into an empty baseline and nothing deviates.

use std::collections::BTreeMap;
use std::net::IpAddr;

use anyhow::{Context as _, Result};
use bulwark_runtime::baseline::{BaselineKey, Baselines, EXEC, LearnPolicy, NET, Observation};
use bulwark_runtime::event::{Event, Field, Schema as _, Value};
use bulwark_runtime::rules::{Alert, Priority, json_value};
use bulwark_runtime::syscall::SyscallSchema;
use bulwark_store::{BaselineDelta, Store};

use super::runtime_live::{BASELINE_RULE, to_baseline};

/// Learns a capture into one baseline.
pub(crate) struct CaptureBaseline {
    key: BaselineKey,
    baselines: Baselines,
    store: Option<Store>,
    generation: i64,
    learned_events: i64,
    learned: Vec<(String, String)>,
    deviations: u64,
    f: Fields,
}

struct Fields {
    dir: Field,
    rawres: Field,
    exepath: Field,
    cmdline: Field,
    fd_type: Field,
    sip: Field,
    sport: Field,
    l4proto: Field,
    fd_name: Field,
    pname: Field,
}

impl Fields {
    fn new() -> Self {
        let f = |n: &str| {
            SyscallSchema
                .resolve(n, None)
                .expect("a catalogued syscall field")
        };
        Fields {
            dir: f("evt.dir"),
            rawres: f("evt.rawres"),
            exepath: f("proc.exepath"),
            cmdline: f("proc.cmdline"),
            fd_type: f("fd.type"),
            sip: f("fd.sip"),
            sport: f("fd.sport"),
            l4proto: f("fd.l4proto"),
            fd_name: f("fd.name"),
            pname: f("proc.pname"),
        }
    }
}

fn text(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Str(s) if !s.is_empty() => Some(s.to_string()),
        _ => None,
    }
}

impl CaptureBaseline {
    /// The baseline of `image_digest` and `container`, loaded from the store when one is given.
    pub(crate) fn new(image_digest: &str, container: &str, store: Option<&str>) -> Result<Self> {
        let key = BaselineKey {
            image_digest: image_digest.to_owned(),
            container: container.to_owned(),
        };
        let mut baselines = Baselines::new(LearnPolicy::default());
        let mut generation = 1;
        let store = match store {
            Some(url) => {
                let s = Store::open(url).with_context(|| format!("cannot open the store {url}"))?;
                for r in s.baselines(Some(image_digest), Some(container))? {
                    generation = r.generation;
                    baselines.insert(to_baseline(&r));
                }
                Some(s)
            }
            None => None,
        };
        Ok(CaptureBaseline {
            key,
            baselines,
            store,
            generation,
            learned_events: 0,
            learned: Vec::new(),
            deviations: 0,
            f: Fields::new(),
        })
    }

    /// Observes one event; a deviation from a locked baseline becomes an alert in `out`.
    pub(crate) fn observe(&mut self, e: &dyn Event, out: &mut Vec<Alert>) {
        let kind_value = match e.event_type() {
            "execve" | "execveat" => {
                if e.extract(&self.f.dir) != Value::str("<")
                    || e.extract(&self.f.rawres) != Value::Int(0)
                {
                    return;
                }
                text(&e.extract(&self.f.exepath)).map(|p| (EXEC, p))
            }
            "connect" => {
                if e.extract(&self.f.dir) != Value::str("<")
                    || !matches!(e.extract(&self.f.rawres), Value::Int(0 | -115))
                    || !matches!(
                        text(&e.extract(&self.f.fd_type)).as_deref(),
                        Some("ipv4" | "ipv6")
                    )
                {
                    return;
                }
                let (Value::Ip(ip), Value::Int(port)) =
                    (e.extract(&self.f.sip), e.extract(&self.f.sport))
                else {
                    return;
                };
                let proto = text(&e.extract(&self.f.l4proto)).unwrap_or_else(|| "unknown".into());
                let host = match ip {
                    IpAddr::V4(a) => a.to_string(),
                    IpAddr::V6(a) => format!("[{a}]"),
                };
                Some((NET, format!("{host}:{port}/{proto}")))
            }
            _ => None,
        };
        let Some((kind, value)) = kind_value else {
            return;
        };
        let (obs, dev) = self.baselines.observe(&self.key, kind, &value, e.time_ns());
        match obs {
            Observation::Learned { new } => {
                self.learned_events += 1;
                if new {
                    self.learned.push((kind.to_owned(), value.clone()));
                }
            }
            Observation::Known | Observation::Deviation => {}
        }
        if dev.is_none() {
            return;
        }
        self.deviations += 1;
        let mut output_fields = BTreeMap::new();
        for f in [
            &self.f.exepath,
            &self.f.cmdline,
            &self.f.pname,
            &self.f.fd_name,
        ] {
            output_fields.insert(f.name.clone(), json_value(&e.extract(f)));
        }
        let what = if kind == EXEC {
            "Executed binary"
        } else {
            "Network destination"
        };
        let cmdline = text(&e.extract(&self.f.cmdline)).unwrap_or_default();
        out.push(Alert {
            rule: BASELINE_RULE.to_owned(),
            priority: Priority::Warning,
            source: "syscall".into(),
            time_ns: e.time_ns(),
            output: format!(
                "{what} not in the locked baseline ({kind}={value} proc.cmdline={cmdline} image={} container={})",
                self.key.image_digest, self.key.container
            ),
            output_fields,
            tags: vec!["baseline".into(), if kind == EXEC { "process" } else { "network" }.into()],
        });
    }

    /// Merges what was learned into the store, and says what happened on stderr.
    pub(crate) fn finish(self) -> Result<()> {
        let state = self
            .baselines
            .get(&self.key)
            .map(|b| (b.state, b.started_ns, b.locked_ns));
        let new = self.learned.len();
        if let (Some(store), Some((st, started, locked))) = (&self.store, state) {
            let delta = BaselineDelta {
                image_digest: self.key.image_digest.clone(),
                container: self.key.container.clone(),
                generation: self.generation,
                state: st.as_str().to_owned(),
                started_at: started,
                locked_at: locked,
                events: self.learned_events,
                entries: self.learned,
            };
            let merged = store.merge_baseline(&delta, super::runtime_live::now_ns())?;
            if !merged {
                eprintln!(
                    "baseline {} {}: reset while this capture was read; nothing merged",
                    self.key.image_digest, self.key.container
                );
            }
        }
        eprintln!(
            "Baseline {} {}: {} ({} new entr{} learned, {} deviation(s))",
            self.key.image_digest,
            self.key.container,
            state.map_or("learning", |s| s.0.as_str()),
            new,
            if new == 1 { "y" } else { "ies" },
            self.deviations
        );
        Ok(())
    }
}
