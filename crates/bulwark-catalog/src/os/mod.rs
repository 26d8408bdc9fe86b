//! OS package catalogers: one module per package database.

pub mod apk;
pub mod dpkg;
pub mod release;
pub mod rpm;
pub mod stanza;

use std::collections::HashMap;
use std::hash::Hash;

use bulwark_source::ImageFs;
use bulwark_types::Package;

/// Where a package came from, layer-wise.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    /// The layer where the package appeared (in its current run of presence).
    pub introduced: usize,
    /// The last layer that changed its version.
    pub last_changed: usize,
    pub version: String,
}

impl Attribution {
    /// Sets `layer` and `last_changed_layer` on a package. A root filesystem has no layers: nothing is set.
    pub fn apply(&self, p: &mut Package, fs: &ImageFs) {
        p.layer = fs.layers.get(self.introduced).cloned();
        if self.last_changed != self.introduced {
            p.last_changed_layer = fs.layers.get(self.last_changed).cloned();
        }
    }
}

/// Follows a package database through the layers that changed it (`(layer, entries)`, `None` when the layer
/// removed the database). Each package of the final state is attributed to the layer where it appeared in its
/// current run of presence, and to the last layer that changed its version.
pub(crate) fn attribute<E, K: Eq + Hash>(
    snapshots: Vec<(usize, Option<Vec<E>>)>,
    key: impl Fn(&E) -> K,
    version: impl Fn(&E) -> String,
) -> Vec<(E, Attribution)> {
    let mut state: HashMap<K, Attribution> = HashMap::new();
    let mut last = Vec::new();
    for (layer, entries) in snapshots {
        let Some(entries) = entries else {
            state.clear();
            last.clear();
            continue;
        };
        state = entries
            .iter()
            .map(|e| {
                let v = version(e);
                let a = match state.get(&key(e)) {
                    Some(a) if a.version == v => a.clone(),
                    Some(a) => Attribution {
                        introduced: a.introduced,
                        last_changed: layer,
                        version: v,
                    },
                    None => Attribution {
                        introduced: layer,
                        last_changed: layer,
                        version: v,
                    },
                };
                (key(e), a)
            })
            .collect();
        last = entries;
    }
    last.into_iter()
        .map(|e| {
            let a = state.get(&key(&e)).cloned().unwrap_or_default();
            (e, a)
        })
        .collect()
}
