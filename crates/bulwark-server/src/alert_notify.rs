//! A stored runtime alert → its owner's notification channels (issue #17): the alert is routed by
//! [`bulwark_owners::route_alert`] — the file it names (`proc.exepath`, `fd.name`) looked up in the image's stored
//! SBOM → package → layer → the owners rule for that layer; else the image, the workload, the namespace — and
//! queued as a [`bulwark_notify::Message::alert`] on each of the team's channels, keyed by the alert's store
//! dedupe key and the channel (the outbox stores a key once, so the same alert is notified once).
//!
//! Used by the audit webhook ([`crate::audit`]) and by `bulwark runtime watch --store`. Synchronous: call it
//! where the store is used (the blocking pool in the server).

use bulwark_notify::{ImageRef, Message, RuntimeAlert as AlertMessage};
use bulwark_owners::{
    AlertContext, FileOwners, ImageContext, Ownership, WorkloadContext, alert_paths, route_alert,
};
use bulwark_store::{PlacementFilter, RuntimeAlert, Store};
use serde_json::Value;

/// What [`enqueue_alert`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Queued {
    /// The team the alert went to (`None`: no rule matched and there is no `defaultTeam`).
    pub team: Option<String>,
    /// Why that team.
    pub why: Option<String>,
    /// Notifications newly queued (0 for a key already queued).
    pub queued: u64,
}

/// The image's manifest digest: the alert's `container.image.digest` field, else the `@sha256:…` of its image.
fn digest_of(row: &RuntimeAlert) -> Option<String> {
    let field = row
        .output_fields
        .get("container.image.digest")
        .and_then(Value::as_str)
        .filter(|d| d.contains(':'));
    field
        .map(str::to_owned)
        .or_else(|| {
            row.image
                .as_deref()
                .and_then(|i| i.rsplit_once('@'))
                .map(|(_, d)| d.to_owned())
        })
        .filter(|d| d.len() <= 200)
}

/// Routes `row` and queues it for its team's channels. `hostname` is the host the event came from (the node,
/// for the syscall source). Problems reading the image's SBOM only mean routing without it; store errors are
/// returned.
pub fn enqueue_alert(
    store: &Store,
    owners: &Ownership,
    row: &RuntimeAlert,
    hostname: Option<&str>,
    now: i64,
) -> Result<Queued, String> {
    let digest = digest_of(row);
    let packages = digest
        .as_deref()
        .and_then(|d| store.sbom(d).ok().flatten().map(|b| (d, b)))
        .and_then(|(d, bytes)| bulwark_sbom::parse_sbom(&bytes, d).ok())
        .map(|s| s.packages)
        .unwrap_or_default();
    let files = FileOwners::new(&packages);
    // Where the image runs, for its reference and workload: the placement in the alert's namespace.
    let placement = match &digest {
        Some(d) => store
            .placements(&PlacementFilter {
                digest: Some(d.clone()),
                namespace: row.namespace.clone(),
                ..PlacementFilter::default()
            })
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .map(|p| p.placement),
        None => None,
    };
    let reference = row
        .image
        .clone()
        .or_else(|| placement.as_ref().and_then(|p| p.image_ref.clone()));
    let paths = alert_paths(&row.output_fields);
    let cx = AlertContext {
        paths: &paths,
        files: (!files.is_empty()).then_some(&files),
        base_layers: None,
        image: ImageContext {
            reference: reference.as_deref(),
            digest: digest.as_deref(),
            ..ImageContext::default()
        },
        workload: WorkloadContext {
            namespace: row.namespace.as_deref(),
            ..WorkloadContext::default()
        },
    };
    let Some(route) = route_alert(owners, &cx) else {
        return Ok(Queued::default());
    };
    let Some(team) = owners.team(&route.route.team) else {
        return Ok(Queued::default());
    };
    let why = format!("{} ({})", route.why, route.route.rule);
    let alert = AlertMessage {
        rule: row.rule.clone(),
        priority: row.priority.clone(),
        output: row.output.clone(),
        output_fields: row
            .output_fields
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        source: row.source.clone(),
        time_ns: row.time_ns,
        tags: row.tags.clone(),
        hostname: hostname.map(str::to_owned),
        cluster: Some(row.cluster.clone()).filter(|c| !c.is_empty()),
        namespace: row.namespace.clone(),
        pod: row.pod.clone(),
        image: ImageRef {
            reference: reference.unwrap_or_default(),
            digest: digest.unwrap_or_default(),
        },
        workload: placement
            .as_ref()
            .map(|p| format!("{}/{}", p.workload_kind, p.workload_name)),
        team: team.name.clone(),
        why: why.clone(),
        dedupe_key: row.dedupe_key.clone(),
    };
    let message = Message::alert(alert);
    let payload = serde_json::to_string(&message).map_err(|e| e.to_string())?;
    let mut queued = 0;
    for raw in &team.channels {
        let channel: bulwark_notify::ChannelConfig = serde_json::from_value(raw.clone())
            .map_err(|e| format!("team {}: channel: {e}", team.name))?;
        let label = channel.label();
        let key = format!("{}:{label}", row.dedupe_key);
        if store
            .enqueue(&team.name, &label, &key, &payload, now)
            .map_err(|e| e.to_string())?
        {
            queued += 1;
        }
    }
    Ok(Queued {
        team: Some(team.name.clone()),
        why: Some(why),
        queued,
    })
}
