//! OS package catalogers: one module per package database.

pub mod apk;
pub mod dpkg;
pub mod release;
pub mod rpm;
pub mod stanza;

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
