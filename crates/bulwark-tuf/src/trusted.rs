//! The trusted metadata set: the verification steps of the TUF client workflow (specification §5.3–§5.6),
//! fed bytes and giving verdicts, with no I/O (the fuzz target `tuf_metadata` drives it directly).

use std::collections::BTreeMap;

use crate::TufError;
use crate::metadata::{
    self, Envelope, Key, MetaFile, MetaList, RoleKeys, Root, TargetFile, Targets,
};

/// A verified document and the bytes it was read from (kept to persist them).
#[derive(Debug, Clone)]
pub struct Verified<T> {
    pub signed: T,
    pub raw: Vec<u8>,
}

/// The trusted root, timestamp, snapshot, targets and delegated targets roles, at time `now`.
#[derive(Debug, Clone)]
pub struct TrustedSet {
    now: i64,
    root: Verified<Root>,
    timestamp: Option<Verified<MetaList>>,
    snapshot: Option<Verified<MetaList>>,
    targets: BTreeMap<String, Verified<Targets>>,
}

fn parse(what: &str, bytes: &[u8]) -> Result<Envelope, TufError> {
    metadata::parse_envelope(bytes).map_err(|e| TufError::meta(what, e))
}

fn check_threshold(
    env: &Envelope,
    role: &str,
    version: u64,
    keys: &BTreeMap<String, Key>,
    role_keys: Option<&RoleKeys>,
    signer: &str,
) -> Result<(), TufError> {
    let Some(rk) = role_keys else {
        return Err(TufError::meta(
            format!("{role} v{version}"),
            format!("{signer} defines no {role} role"),
        ));
    };
    if rk.threshold == 0 {
        return Err(TufError::meta(
            signer,
            format!("the {role} role has threshold 0"),
        ));
    }
    let valid = metadata::count_valid(env, keys, rk);
    if (valid as u64) < rk.threshold {
        return Err(TufError::Threshold {
            role: role.to_owned(),
            version,
            valid,
            threshold: rk.threshold,
            signer: signer.to_owned(),
        });
    }
    Ok(())
}

fn expires_at(role: &str, version: u64, expires: &str) -> Result<i64, TufError> {
    crate::time::parse(expires).ok_or_else(|| {
        TufError::meta(
            format!("{role} v{version}"),
            format!("expires \"{expires}\" is not a date like 2030-01-01T00:00:00Z"),
        )
    })
}

fn check_expiry(now: i64, role: &str, version: u64, expires: &str) -> Result<(), TufError> {
    if expires_at(role, version, expires)? <= now {
        return Err(TufError::Expired {
            role: role.to_owned(),
            version,
            expires: expires.to_owned(),
        });
    }
    Ok(())
}

fn check_version(role: &str, version: u64) -> Result<(), TufError> {
    if version == 0 {
        return Err(TufError::meta(role, "version 0 (versions start at 1)"));
    }
    Ok(())
}

/// Checks `bytes` against a `meta` entry's length and hashes (unknown hash algorithms are ignored; at least
/// one listed algorithm must be known).
pub(crate) fn check_meta_file(
    what: &str,
    bytes: &[u8],
    meta: &MetaFile,
    listed_in: &str,
) -> Result<(), TufError> {
    if let Some(len) = meta.length
        && bytes.len() as u64 != len
    {
        return Err(TufError::meta(
            what,
            format!("{} bytes, but {listed_in} lists {len}", bytes.len()),
        ));
    }
    if let Some(hashes) = &meta.hashes {
        crate::check_hashes(bytes, hashes)
            .map_err(|e| TufError::meta(what, format!("{e} (listed in {listed_in})")))?;
    }
    Ok(())
}

impl TrustedSet {
    /// Starts from a trusted root (spec §5.2): it must be a root signed by a threshold of its own root keys.
    /// Its expiry is checked after the root update (§5.3.10), by [`Self::check_root_expiry`].
    pub fn new(root: &[u8], now: i64) -> Result<Self, TufError> {
        let env = parse("the trusted root", root)?;
        let r: Root = metadata::typed(&env.signed, "root")
            .map_err(|e| TufError::meta("the trusted root", e))?;
        check_version("root", r.version)?;
        let label = format!("root v{}", r.version);
        check_threshold(
            &env,
            "root",
            r.version,
            &r.keys,
            r.roles.get("root"),
            &format!("{label} (its own)"),
        )?;
        Ok(Self {
            now,
            root: Verified {
                signed: r,
                raw: root.to_vec(),
            },
            timestamp: None,
            snapshot: None,
            targets: BTreeMap::new(),
        })
    }

    #[must_use]
    pub fn root(&self) -> &Verified<Root> {
        &self.root
    }
    #[must_use]
    pub fn timestamp(&self) -> Option<&Verified<MetaList>> {
        self.timestamp.as_ref()
    }
    #[must_use]
    pub fn snapshot(&self) -> Option<&Verified<MetaList>> {
        self.snapshot.as_ref()
    }
    #[must_use]
    pub fn targets(&self) -> Option<&Verified<Targets>> {
        self.targets.get("targets")
    }
    #[must_use]
    pub fn delegated(&self, role: &str) -> Option<&Verified<Targets>> {
        self.targets.get(role)
    }

    /// §5.3.4–§5.3.8: `bytes` is root version N+1, signed by a threshold of root N's root keys and of its own.
    /// When the timestamp or snapshot keys change, the trusted timestamp and snapshot are dropped (§5.3.11:
    /// recovery from a fast-forward attack).
    pub fn update_root(&mut self, bytes: &[u8]) -> Result<bool, TufError> {
        let cur = &self.root.signed;
        let next = cur.version.checked_add(1).ok_or_else(|| {
            TufError::meta(format!("root v{}", cur.version), "no version can follow it")
        })?;
        let what = format!("root v{next}");
        let env = parse(&what, bytes)?;
        let r: Root = metadata::typed(&env.signed, "root").map_err(|e| TufError::meta(&what, e))?;
        let old_label = format!("root v{}", cur.version);
        check_threshold(
            &env,
            "root",
            r.version,
            &cur.keys,
            cur.roles.get("root"),
            &old_label,
        )?;
        if r.version != next {
            return Err(TufError::meta(
                format!("{next}.root.json"),
                format!("holds root version {}, not {next}", r.version),
            ));
        }
        check_threshold(
            &env,
            "root",
            r.version,
            &r.keys,
            r.roles.get("root"),
            &format!("root v{} (its own)", r.version),
        )?;
        let keys_of = |root: &Root, role: &str| -> Option<(Vec<Key>, u64)> {
            root.roles.get(role).map(|rk| {
                let mut ks: Vec<Key> = rk
                    .keyids
                    .iter()
                    .filter_map(|id| root.keys.get(id).cloned())
                    .collect();
                ks.sort_by(|a, b| a.keyval.public.cmp(&b.keyval.public));
                (ks, rk.threshold)
            })
        };
        let rotated = ["timestamp", "snapshot"]
            .iter()
            .any(|role| keys_of(cur, role) != keys_of(&r, role));
        if rotated {
            self.timestamp = None;
            self.snapshot = None;
        }
        self.root = Verified {
            signed: r,
            raw: bytes.to_vec(),
        };
        Ok(rotated)
    }

    /// §5.3.10: the final root must not be expired.
    pub fn check_root_expiry(&self) -> Result<(), TufError> {
        let r = &self.root.signed;
        check_expiry(self.now, "root", r.version, &r.expires)
    }

    #[must_use]
    pub fn root_version(&self) -> u64 {
        self.root.signed.version
    }

    /// §5.4: a new timestamp. Returns `false` when it has the trusted version (nothing new; the trusted one
    /// stays). Versions never go down, nor does the snapshot version it lists.
    pub fn update_timestamp(&mut self, bytes: &[u8]) -> Result<bool, TufError> {
        self.check_root_expiry()?;
        let env = parse("timestamp", bytes)?;
        let t: MetaList = metadata::typed(&env.signed, "timestamp")
            .map_err(|e| TufError::meta("timestamp", e))?;
        check_version("timestamp", t.version)?;
        let root = &self.root.signed;
        check_threshold(
            &env,
            "timestamp",
            t.version,
            &root.keys,
            root.roles.get("timestamp"),
            &format!("root v{}", root.version),
        )?;
        let Some(snap) = t.meta.get("snapshot.json") else {
            return Err(TufError::meta(
                format!("timestamp v{}", t.version),
                "it lists no snapshot.json",
            ));
        };
        check_version("snapshot.json", snap.version)?;
        if let Some(old) = &self.timestamp {
            let ov = old.signed.version;
            if t.version < ov {
                return Err(TufError::Rollback {
                    role: "timestamp".into(),
                    version: t.version,
                    trusted: ov,
                    context: String::new(),
                });
            }
            if t.version == ov {
                return Ok(false);
            }
            let old_snap = old
                .signed
                .meta
                .get("snapshot.json")
                .map_or(0, |m| m.version);
            if snap.version < old_snap {
                return Err(TufError::Rollback {
                    role: "snapshot".into(),
                    version: snap.version,
                    trusted: old_snap,
                    context: format!(" (listed in timestamp v{})", t.version),
                });
            }
        }
        // Stored before the expiry check, as python-tuf does: a newer (even expired) timestamp still guards
        // against rollback for the rest of this run. It is not persisted unless the whole step succeeds.
        let (version, expires) = (t.version, t.expires.clone());
        self.timestamp = Some(Verified {
            signed: t,
            raw: bytes.to_vec(),
        });
        check_expiry(self.now, "timestamp", version, &expires)?;
        Ok(true)
    }

    fn check_final_timestamp(&self) -> Result<&Verified<MetaList>, TufError> {
        let ts = self
            .timestamp
            .as_ref()
            .ok_or_else(|| TufError::meta("snapshot", "no trusted timestamp"))?;
        check_expiry(self.now, "timestamp", ts.signed.version, &ts.signed.expires)?;
        Ok(ts)
    }

    /// The trusted snapshot must be the version the timestamp lists, and unexpired.
    fn check_final_snapshot(&self) -> Result<&Verified<MetaList>, TufError> {
        let ts = self.check_final_timestamp()?;
        let snap = self
            .snapshot
            .as_ref()
            .ok_or_else(|| TufError::meta("targets", "no trusted snapshot"))?;
        let listed = ts.signed.meta.get("snapshot.json").map_or(0, |m| m.version);
        let s = &snap.signed;
        if s.version != listed {
            if s.version < listed {
                return Err(TufError::Rollback {
                    role: "snapshot".into(),
                    version: s.version,
                    trusted: listed,
                    context: format!(" (timestamp v{} lists version {listed})", ts.signed.version),
                });
            }
            return Err(TufError::meta(
                format!("snapshot v{}", s.version),
                format!(
                    "timestamp v{} lists snapshot version {listed}",
                    ts.signed.version
                ),
            ));
        }
        check_expiry(self.now, "snapshot", s.version, &s.expires)?;
        Ok(snap)
    }

    /// The `snapshot.json` entry of the trusted timestamp.
    #[must_use]
    pub fn snapshot_meta(&self) -> Option<&MetaFile> {
        self.timestamp.as_ref()?.signed.meta.get("snapshot.json")
    }

    /// §5.5: the snapshot the trusted timestamp names (length and hashes unless `trusted_local`, the keys,
    /// the version), signed by the snapshot keys; no role an earlier trusted snapshot listed may go down or
    /// disappear (mix-and-match and rollback protection). A snapshot read from the local cache is kept for
    /// those comparisons even when it is not the version the new timestamp lists (then this returns an error
    /// and the caller downloads the new one).
    pub fn update_snapshot(&mut self, bytes: &[u8], trusted_local: bool) -> Result<(), TufError> {
        let ts = self.check_final_timestamp()?;
        let meta = ts
            .signed
            .meta
            .get("snapshot.json")
            .cloned()
            .unwrap_or(MetaFile {
                version: 0,
                length: None,
                hashes: None,
            });
        let listed_in = format!("timestamp v{}", ts.signed.version);
        if !trusted_local {
            check_meta_file(
                &format!("snapshot v{}", meta.version),
                bytes,
                &meta,
                &listed_in,
            )?;
        }
        let env = parse("snapshot", bytes)?;
        let s: MetaList =
            metadata::typed(&env.signed, "snapshot").map_err(|e| TufError::meta("snapshot", e))?;
        check_version("snapshot", s.version)?;
        let root = &self.root.signed;
        check_threshold(
            &env,
            "snapshot",
            s.version,
            &root.keys,
            root.roles.get("snapshot"),
            &format!("root v{}", root.version),
        )?;
        if let Some(old) = &self.snapshot {
            if s.version < old.signed.version {
                return Err(TufError::Rollback {
                    role: "snapshot".into(),
                    version: s.version,
                    trusted: old.signed.version,
                    context: String::new(),
                });
            }
            for (name, om) in &old.signed.meta {
                match s.meta.get(name) {
                    None => {
                        return Err(TufError::meta(
                            format!("snapshot v{}", s.version),
                            format!(
                                "{name} is no longer listed (trusted snapshot v{} lists it)",
                                old.signed.version
                            ),
                        ));
                    }
                    Some(nm) if nm.version < om.version => {
                        return Err(TufError::Rollback {
                            role: name.trim_end_matches(".json").to_owned(),
                            version: nm.version,
                            trusted: om.version,
                            context: format!(" (listed in snapshot v{})", s.version),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        self.snapshot = Some(Verified {
            signed: s,
            raw: bytes.to_vec(),
        });
        self.check_final_snapshot()?;
        Ok(())
    }

    /// The snapshot's entry for role `name` (`targets` or a delegated role).
    #[must_use]
    pub fn role_meta(&self, name: &str) -> Option<&MetaFile> {
        self.snapshot
            .as_ref()?
            .signed
            .meta
            .get(&format!("{name}.json"))
    }

    /// §5.6: the targets role, or a delegated targets role `name` delegated by `delegator` (whose trusted
    /// metadata holds the keys), at the version the snapshot lists.
    pub fn update_targets(
        &mut self,
        name: &str,
        delegator: Option<&str>,
        bytes: &[u8],
        trusted_local: bool,
    ) -> Result<(), TufError> {
        let snap = self.check_final_snapshot()?;
        let meta = snap
            .signed
            .meta
            .get(&format!("{name}.json"))
            .cloned()
            .ok_or_else(|| {
                TufError::meta(
                    name,
                    format!(
                        "snapshot v{} does not list {name}.json",
                        snap.signed.version
                    ),
                )
            })?;
        let listed_in = format!("snapshot v{}", snap.signed.version);
        if !trusted_local {
            check_meta_file(
                &format!("{name} v{}", meta.version),
                bytes,
                &meta,
                &listed_in,
            )?;
        }
        let env = parse(name, bytes)?;
        let t: Targets =
            metadata::typed(&env.signed, "targets").map_err(|e| TufError::meta(name, e))?;
        match delegator {
            None => {
                let root = &self.root.signed;
                check_threshold(
                    &env,
                    name,
                    t.version,
                    &root.keys,
                    root.roles.get("targets"),
                    &format!("root v{}", root.version),
                )?;
            }
            Some(d) => {
                let parent = self.targets.get(d).ok_or_else(|| {
                    TufError::meta(name, format!("its delegator {d} is not trusted"))
                })?;
                let delegations = parent.signed.delegations.as_ref();
                let role = delegations.and_then(|ds| ds.roles.iter().find(|r| r.name == name));
                let (Some(ds), Some(role)) = (delegations, role) else {
                    return Err(TufError::meta(name, format!("{d} does not delegate to it")));
                };
                let rk = RoleKeys {
                    keyids: role.keyids.clone(),
                    threshold: role.threshold,
                };
                check_threshold(
                    &env,
                    name,
                    t.version,
                    &ds.keys,
                    Some(&rk),
                    &format!("{d} v{} (its delegation)", parent.signed.version),
                )?;
            }
        }
        if t.version != meta.version {
            if t.version < meta.version {
                return Err(TufError::Rollback {
                    role: name.to_owned(),
                    version: t.version,
                    trusted: meta.version,
                    context: format!(" (the version {listed_in} lists)"),
                });
            }
            return Err(TufError::meta(
                format!("{name} v{}", t.version),
                format!("{listed_in} lists version {}", meta.version),
            ));
        }
        check_expiry(self.now, name, t.version, &t.expires)?;
        self.targets.insert(
            name.to_owned(),
            Verified {
                signed: t,
                raw: bytes.to_vec(),
            },
        );
        Ok(())
    }

    /// The target `path` in the trusted targets role, if listed there (delegations are walked by the client,
    /// which fetches them).
    #[must_use]
    pub fn top_level_target(&self, path: &str) -> Option<&TargetFile> {
        self.targets.get("targets")?.signed.targets.get(path)
    }
}
