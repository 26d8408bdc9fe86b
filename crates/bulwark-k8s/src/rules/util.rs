//! Helpers shared by rules.

use crate::model::{Container, PodView};
use crate::rule::Cx;
use crate::yaml::NodeId;

/// The pod template of the object being checked (rules with `Targets::Workloads` always have one).
pub(crate) fn pod<'a>(cx: &Cx<'a, '_>) -> Option<&'a PodView> {
    cx.obj.pod.as_ref()
}

/// A container's `securityContext` field as a boolean.
pub(crate) fn sc_flag(cx: &mut Cx<'_, '_>, c: &Container, key: &str) -> Option<(NodeId, bool)> {
    cx.flag(c.security_context, key)
}

/// Where to point for a container whose `securityContext` (or a field in it) is missing: the
/// `securityContext:` key if present, else the container's `name:`.
pub(crate) fn sc_anchor(cx: &Cx<'_, '_>, c: &Container) -> NodeId {
    cx.doc
        .get_entry(c.node, "securityContext")
        .map_or(c.anchor, |(k, _)| k)
}

/// Strings of a list field (non-strings skipped), with their nodes.
pub(crate) fn strings<'o>(
    cx: &mut Cx<'_, 'o>,
    map: Option<NodeId>,
    key: &str,
) -> Vec<(NodeId, &'o str)> {
    let Some((_, items)) = cx.list(map, key) else {
        return Vec::new();
    };
    let doc = cx.doc;
    items
        .iter()
        .filter_map(|&i| doc.text(i).map(|t| (i, t)))
        .collect()
}

/// `capabilities.add` / `capabilities.drop` of a container.
pub(crate) fn capabilities<'o>(
    cx: &mut Cx<'_, 'o>,
    c: &Container,
    key: &str,
) -> Vec<(NodeId, &'o str)> {
    let caps = cx.map(c.security_context, "capabilities").map(|(_, m)| m);
    strings(cx, caps, key)
}
