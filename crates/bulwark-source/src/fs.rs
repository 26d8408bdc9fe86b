//! The merged, read-only view of an image's filesystem: layers applied in order with whiteouts, opaque
//! directories, hard links and symlinks resolved inside the image root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_types::{Diagnostic, LayerRef, Location};

use crate::layer::{Entry, LayerContents, NodeKind, split};

/// Symlink hops before a path is declared a loop (Linux's `ELOOP` limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// One path in the merged tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Index of the layer that last wrote this path.
    pub layer: usize,
    pub kind: NodeKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content, for wanted files.
    pub content: Option<Arc<[u8]>>,
    /// A wanted file of a root filesystem directory whose content was left on disk
    /// ([`crate::ReadOptions::deferred`]): read it with [`ImageFs::open`].
    pub deferred: bool,
}

/// A wanted file's state after a layer changed it. `content == None` means the layer removed it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub layer: usize,
    pub content: Option<Arc<[u8]>>,
}

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    Loop,
}

/// The merged filesystem of an image or a root directory.
#[derive(Debug, Default)]
pub struct ImageFs {
    nodes: BTreeMap<String, Node>,
    history: BTreeMap<String, Vec<Snapshot>>,
    /// The layers, bottom first. Empty for a root filesystem directory.
    pub layers: Vec<LayerRef>,
    pub diagnostics: Vec<Diagnostic>,
    /// The directory a root filesystem was read from (where deferred files are opened).
    root: Option<PathBuf>,
}

impl ImageFs {
    /// Applies layers in order. `layers[i]` describes `contents[i]`.
    #[must_use]
    pub fn merge(layers: Vec<LayerRef>, contents: Vec<LayerContents>) -> Self {
        let mut fs = Self {
            layers,
            ..Self::default()
        };
        for (index, c) in contents.into_iter().enumerate() {
            fs.apply(index, c);
        }
        fs.check_symlinks();
        fs
    }

    /// [`ImageFs::merge`] where one layer's contents may stand at several positions (a blob the manifest
    /// lists more than once): each position applies it again, its diagnostics are reported once.
    #[must_use]
    pub(crate) fn merge_shared(layers: Vec<LayerRef>, contents: Vec<Arc<LayerContents>>) -> Self {
        let mut fs = Self {
            layers,
            ..Self::default()
        };
        let mut seen = std::collections::HashSet::new();
        for (index, c) in contents.into_iter().enumerate() {
            let first = seen.insert(Arc::as_ptr(&c) as usize);
            match Arc::try_unwrap(c) {
                Ok(mut owned) => {
                    if !first {
                        owned.diagnostics.clear();
                    }
                    fs.apply(index, owned);
                }
                Err(shared) => {
                    if first {
                        fs.diagnostics.extend(shared.diagnostics.iter().cloned());
                    }
                    fs.apply_hiding(index, &shared);
                    for e in &shared.entries {
                        fs.add(index, e.clone(), false);
                    }
                }
            }
        }
        fs.check_symlinks();
        fs
    }

    /// Reports symlinks that never resolve (loops), attributed to the layer that wrote them.
    fn check_symlinks(&mut self) {
        let looping: Vec<(String, usize)> = self
            .nodes
            .iter()
            .filter(|(_, n)| matches!(n.kind, NodeKind::Symlink(_)))
            .filter(|(p, _)| self.resolve(p) == Err(ResolveError::Loop))
            .map(|(p, n)| (p.clone(), n.layer))
            .collect();
        for (path, layer) in looping {
            let loc = self.location(layer, &path);
            self.diagnostics.push(Diagnostic::warning(
                format!(
                    "symlink loop: more than {MAX_SYMLINK_HOPS} links to follow; treated as missing"
                ),
                loc,
            ));
        }
    }

    fn location(&self, index: usize, path: &str) -> Location {
        Location {
            path: Some(format!("/{path}").into()),
            layer: self.layers.get(index).cloned().map(Box::new),
            ..Location::default()
        }
    }

    /// An empty tree for a root filesystem read from `root`: entries come through [`ImageFs::add`], then
    /// [`ImageFs::finish_rootfs`].
    pub(crate) fn rootfs(root: PathBuf) -> Self {
        Self {
            root: Some(root),
            ..Self::default()
        }
    }

    /// Checks the symlinks of a root filesystem once every entry is in.
    pub(crate) fn finish_rootfs(&mut self) {
        self.check_symlinks();
    }

    pub(crate) fn apply(&mut self, index: usize, mut c: LayerContents) {
        self.diagnostics.append(&mut c.diagnostics);
        self.apply_hiding(index, &c);
        for e in c.entries {
            self.add(index, e, false);
        }
    }

    /// Whiteouts and opaque markers hide lower layers only, so they go before the layer's entries.
    fn apply_hiding(&mut self, index: usize, c: &LayerContents) {
        for dir in &c.opaque_dirs {
            self.remove_children(dir, index);
        }
        for path in &c.whiteouts {
            self.remove_path(path, index);
        }
    }

    /// Applies one entry of layer `index` on top of the tree.
    pub(crate) fn add(&mut self, index: usize, e: Entry, deferred: bool) {
        if !matches!(e.kind, NodeKind::Dir) {
            // A non-directory replaces a directory together with everything under it.
            if matches!(
                self.nodes.get(&e.path),
                Some(Node {
                    kind: NodeKind::Dir,
                    ..
                })
            ) {
                self.remove_children(&e.path, index);
            }
        } else if matches!(
            self.nodes.get(&e.path),
            Some(Node {
                kind: NodeKind::Dir,
                ..
            })
        ) {
            // Re-stating a directory changes its metadata, not its children.
        }
        let mut content = e.content;
        if let NodeKind::Hardlink(target) = &e.kind {
            match self.nodes.get(target) {
                Some(t) => {
                    if content.is_none() {
                        content.clone_from(&t.content);
                    }
                }
                // Docker and containerd refuse such a layer; the inventory cannot be trusted.
                None => self.diagnostics.push(Diagnostic::error(
                    format!("hard link to missing target '/{target}'"),
                    self.location(index, &e.path),
                )),
            }
        }
        if let NodeKind::Symlink(target) = &e.kind
            && escapes_root(&e.path, target)
        {
            self.diagnostics.push(Diagnostic::warning(
                format!("symlink to '{target}' points outside the image root; it is resolved inside the image"),
                self.location(index, &e.path),
            ));
        }
        if content.is_some() || self.history.contains_key(&e.path) {
            let h = self.history.entry(e.path.clone()).or_default();
            // The very same bytes again (a blob listed twice, read once) change nothing a reader of the
            // history could see; a snapshot each time would make catalogers parse them once per position.
            let same = matches!(
                (h.last().and_then(|s| s.content.as_ref()), &content),
                (Some(a), Some(b)) if Arc::ptr_eq(a, b)
            );
            if !same {
                h.push(Snapshot {
                    layer: index,
                    content: content.clone(),
                });
            }
        }
        self.nodes.insert(
            e.path,
            Node {
                layer: index,
                kind: e.kind,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                content,
                deferred,
            },
        );
    }

    fn remove_path(&mut self, path: &str, index: usize) {
        if self.nodes.remove(path).is_some() {
            self.note_removed(path, index);
        }
        self.remove_children(path, index);
    }

    fn remove_children(&mut self, dir: &str, index: usize) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
            self.note_removed(&k, index);
        }
    }

    fn note_removed(&mut self, path: &str, index: usize) {
        if let Some(h) = self.history.get_mut(path) {
            h.push(Snapshot {
                layer: index,
                content: None,
            });
        }
    }

    /// Resolves symlinks in every component of `path`, inside the image root (`..` at the root stays there,
    /// as in a chroot). Returns the final path without a leading `/`.
    pub fn resolve(&self, path: &str) -> Result<String, ResolveError> {
        // Components still to walk, last first; `cur` is the resolved path so far, built in place, and
        // `starts` where each of its components begins, so that `..` and a symlink step back without
        // re-joining: linear in the length of the path and of the targets followed.
        let mut stack: Vec<&str> = path.split('/').rev().collect();
        let mut cur = String::new();
        let mut starts: Vec<usize> = Vec::new();
        let mut hops = 0;
        while let Some(c) = stack.pop() {
            match c {
                "" | "." => {}
                ".." => {
                    if let Some(s) = starts.pop() {
                        cur.truncate(s);
                    }
                }
                _ => {
                    let start = cur.len();
                    if !cur.is_empty() {
                        cur.push('/');
                    }
                    cur.push_str(c);
                    if let Some(Node {
                        kind: NodeKind::Symlink(target),
                        ..
                    }) = self.nodes.get(cur.as_str())
                    {
                        hops += 1;
                        if hops > MAX_SYMLINK_HOPS {
                            return Err(ResolveError::Loop);
                        }
                        cur.truncate(start);
                        if target.starts_with('/') {
                            cur.clear();
                            starts.clear();
                        }
                        stack.extend(target.split('/').rev());
                    } else {
                        starts.push(start);
                    }
                }
            }
        }
        Ok(cur)
    }

    /// The node at `path` after resolving symlinks (and hard links).
    pub fn node(&self, path: &str) -> Result<Option<&Node>, ResolveError> {
        let p = self.resolve(path.trim_start_matches('/'))?;
        let mut node = self.nodes.get(&p);
        if let Some(Node {
            kind: NodeKind::Hardlink(t),
            content: None,
            ..
        }) = node
        {
            node = self.nodes.get(t);
        }
        Ok(node)
    }

    /// Content of a wanted file, following symlinks. A symlink loop is recorded as a warning and reads as
    /// missing. A file left on disk ([`Node::deferred`]) is read from there (a symlink may lead an OS
    /// cataloger's path to a language file); an I/O error reads as missing.
    pub fn read(&self, path: &str) -> Result<Option<Arc<[u8]>>, ResolveError> {
        let resolved = self.resolve(path.trim_start_matches('/'))?;
        if let (
            Some(root),
            Some(Node {
                deferred: true,
                kind: NodeKind::File { size },
                ..
            }),
        ) = (self.root.as_deref(), self.nodes.get(&resolved))
        {
            // No more than the size the walk saw (and bounded by `max_file_bytes`), should the file grow.
            let mut data = Vec::new();
            return Ok(std::fs::File::open(root.join(&resolved))
                .and_then(|f| {
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, *size), &mut data)
                })
                .ok()
                .map(|_| Arc::from(data)));
        }
        Ok(self.node(path)?.and_then(|n| n.content.clone()))
    }

    /// Opens a file whose content was left on disk ([`Node::deferred`]) by its path as listed by
    /// [`ImageFs::nodes`]; `None` for any other path.
    #[must_use]
    pub fn open(&self, path: &str) -> Option<std::io::Result<std::fs::File>> {
        let path = path.trim_start_matches('/');
        let root = self.root.as_deref()?;
        match self.nodes.get(path) {
            Some(n) if n.deferred => Some(std::fs::File::open(root.join(path))),
            _ => None,
        }
    }

    /// The directory a root filesystem was read from; `None` for an image.
    #[must_use]
    pub fn root_dir(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// How a wanted file changed, layer by layer (only paths that were ever kept have a history).
    #[must_use]
    pub fn history(&self, path: &str) -> &[Snapshot] {
        self.history
            .get(path.trim_start_matches('/'))
            .map_or(&[], Vec::as_slice)
    }

    /// Every path in the merged tree, in order.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Paths of the direct and indirect children of `dir` (no leading `/`).
    pub fn list(&self, dir: &str) -> impl Iterator<Item = (&str, &Node)> {
        let dir = dir.trim_matches('/');
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Paths that ever had history (wanted files seen in any layer), including ones deleted since.
    pub fn history_paths(&self) -> impl Iterator<Item = &str> {
        self.history.keys().map(String::as_str)
    }

    /// Records a warning about `path`, attributed to the layer that last wrote it.
    pub fn warn(&mut self, path: &str, message: impl Into<String>) {
        let layer = self
            .nodes
            .get(path.trim_start_matches('/'))
            .map(|n| n.layer);
        let location = Location {
            path: Some(format!("/{}", path.trim_start_matches('/')).into()),
            layer: layer
                .and_then(|i| self.layers.get(i).cloned())
                .map(Box::new),
            ..Location::default()
        };
        self.diagnostics
            .push(Diagnostic::warning(message, location));
    }
}

/// Whether a symlink at `path` with `target` climbs above the root when resolved lexically.
fn escapes_root(path: &str, target: &str) -> bool {
    let (dir, _) = split(path);
    let base = if target.starts_with('/') {
        String::new()
    } else {
        dir.to_string()
    };
    let mut depth =
        i64::try_from(base.split('/').filter(|c| !c.is_empty()).count()).unwrap_or(i64::MAX);
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Entry;

    fn file(path: &str, content: &str) -> Entry {
        Entry {
            path: path.into(),
            kind: NodeKind::File {
                size: content.len() as u64,
            },
            mode: 0o644,
            uid: 0,
            gid: 0,
            content: Some(Arc::from(content.as_bytes())),
        }
    }

    fn link(path: &str, target: &str) -> Entry {
        Entry {
            path: path.into(),
            kind: NodeKind::Symlink(target.into()),
            mode: 0o777,
            uid: 0,
            gid: 0,
            content: None,
        }
    }

    fn layer(entries: Vec<Entry>, whiteouts: &[&str], opaque: &[&str]) -> LayerContents {
        LayerContents {
            entries,
            whiteouts: whiteouts.iter().map(|s| (*s).to_string()).collect(),
            opaque_dirs: opaque.iter().map(|s| (*s).to_string()).collect(),
            ..LayerContents::default()
        }
    }

    fn text(fs: &ImageFs, p: &str) -> Option<String> {
        fs.read(p)
            .unwrap()
            .map(|c| String::from_utf8_lossy(&c).into_owned())
    }

    #[test]
    fn whiteout_removes_file_and_subtree() {
        let fs = ImageFs::merge(
            vec![
                LayerRef::default(),
                LayerRef {
                    index: 1,
                    ..LayerRef::default()
                },
            ],
            vec![
                layer(
                    vec![file("usr/share/zoneinfo/UTC", "utc"), file("etc/a", "a")],
                    &[],
                    &[],
                ),
                layer(vec![], &["usr/share/zoneinfo"], &[]),
            ],
        );
        assert_eq!(text(&fs, "usr/share/zoneinfo/UTC"), None);
        assert_eq!(text(&fs, "etc/a").as_deref(), Some("a"));
        let h = fs.history("usr/share/zoneinfo/UTC");
        assert_eq!(h.len(), 2);
        assert!(h[1].content.is_none());
    }

    #[test]
    fn opaque_dir_hides_lower_children_but_keeps_same_layer_entries() {
        let fs = ImageFs::merge(
            vec![
                LayerRef::default(),
                LayerRef {
                    index: 1,
                    ..LayerRef::default()
                },
            ],
            vec![
                layer(vec![file("d/old", "o")], &[], &[]),
                // The opaque marker may come after the layer's own entries in the tar.
                layer(vec![file("d/new", "n")], &[], &["d"]),
            ],
        );
        assert_eq!(text(&fs, "d/old"), None);
        assert_eq!(text(&fs, "d/new").as_deref(), Some("n"));
    }

    #[test]
    fn symlinks_resolve_inside_root() {
        let fs = ImageFs::merge(
            vec![LayerRef::default()],
            vec![layer(
                vec![
                    file("usr/lib/os-release", "ID=debian"),
                    link("etc/os-release", "../usr/lib/os-release"),
                    link("escape", "../../../../usr/lib/os-release"),
                    link("abs", "/usr/lib/os-release"),
                    link("loop1", "loop2"),
                    link("loop2", "loop1"),
                ],
                &[],
                &[],
            )],
        );
        assert_eq!(text(&fs, "etc/os-release").as_deref(), Some("ID=debian"));
        assert_eq!(text(&fs, "/escape").as_deref(), Some("ID=debian"));
        assert_eq!(text(&fs, "abs").as_deref(), Some("ID=debian"));
        assert_eq!(fs.read("loop1"), Err(ResolveError::Loop));
        assert_eq!(fs.diagnostics.len(), 3, "{:?}", fs.diagnostics);
        assert!(fs.diagnostics[0].message.contains("outside the image root"));
        assert!(fs.diagnostics[1].message.contains("symlink loop"));
        assert_eq!(fs.diagnostics[1].location.path.as_deref(), Some("/loop1"));
    }

    #[test]
    fn escape_detection() {
        assert!(escapes_root("a/b", "../../x"));
        assert!(!escapes_root("a/b", "../x"));
        assert!(escapes_root("x", "/../etc"));
        assert!(!escapes_root("x", "/etc/passwd"));
    }

    /// Expected paths worked out by hand from path_resolution(7) under a chroot at the image root.
    #[test]
    fn resolve_follows_links_inside_the_root() {
        let fs = ImageFs::merge(
            vec![LayerRef::default()],
            vec![layer(
                vec![
                    file("usr/lib/os-release", "x"),
                    link("etc/os-release", "../usr/lib/os-release"),
                    link("lib", "usr/lib"),
                    link("abs", "/usr/../../../usr/lib"),
                    link("a/b", "../c"),
                    link("loop1", "loop2"),
                    link("loop2", "loop1"),
                ],
                &[],
                &[],
            )],
        );
        assert_eq!(fs.resolve("etc/os-release").unwrap(), "usr/lib/os-release");
        assert_eq!(fs.resolve("lib/os-release").unwrap(), "usr/lib/os-release");
        assert_eq!(
            fs.resolve("abs/x/../os-release").unwrap(),
            "usr/lib/os-release"
        );
        assert_eq!(fs.resolve("../../lib/./y").unwrap(), "usr/lib/y");
        assert_eq!(fs.resolve("a/b/d").unwrap(), "c/d");
        assert_eq!(fs.resolve("/lib/").unwrap(), "usr/lib");
        assert_eq!(fs.resolve("").unwrap(), "");
        assert_eq!(fs.resolve("loop1/x"), Err(ResolveError::Loop));
        assert_eq!(text(&fs, "/lib/../lib/os-release").as_deref(), Some("x"));
    }
}
