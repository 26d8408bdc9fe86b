//! One read-only view over container images and root filesystems.
//!
//! An [`Image`] is opened from a docker-archive, an oci-archive, an OCI layout directory or a registry pull in
//! the blob cache. [`Image::read_fs`] streams each layer once (in parallel), keeps only the files the caller
//! asks for, verifies every blob against its digest, and merges the layers into an [`ImageFs`] with whiteouts,
//! opaque directories, hard links and symlinks resolved inside the image root. Nothing is extracted to disk.
//!
//! ```no_run
//! use bulwark_source::{Image, PlatformSpec, ReadOptions};
//! let image = Image::open_archive("alpine.tar".as_ref(), None, &PlatformSpec::default())?;
//! let wanted = |p: &str| p == "lib/apk/db/installed";
//! let fs = image.read_fs(&ReadOptions { wanted: &wanted, ..ReadOptions::default() })?;
//! let db = fs.read("/lib/apk/db/installed").ok().flatten();
//! # Ok::<(), bulwark_source::SourceError>(())
//! ```

mod digest;
mod error;
mod fs;
mod image;
mod layer;
mod rootfs;
mod spec;
mod targuard;

pub use digest::sha256_digest;
pub use error::SourceError;
pub use fs::{ImageFs, Node, ResolveError, Snapshot};
pub use image::{History, Image, ImageConfig, Layer, PlatformSpec};
pub use layer::{
    Entry, FileVisitor, LayerContents, LayerProgress, NodeKind, PROGRESS_STEP, ReadOptions,
    Section, Verify, WALK_STEP, WalkProgress, normalize, read_layer, read_layer_file,
};
pub use rootfs::read_rootfs;
pub use spec::{SourceSpec, detect};
pub use targuard::{HeaderGuard, MAX_LONG_NAME_BYTES, MAX_PAX_BYTES, MAX_SPARSE_EXTENSIONS};
