//! Language ecosystem catalogers (Python, Node, Go, Rust, Java, Ruby, PHP, .NET): one folder each.

use bulwark_source::ImageFs;
use bulwark_types::{Diagnostic, Package};

/// Whether any language cataloger needs the content of `path` (image path, no leading `/`).
#[must_use]
pub fn wanted(_path: &str) -> bool {
    false
}

/// Catalogs language packages. `os_packages` lets a cataloger mark files owned by an OS package.
pub fn catalog(
    _fs: &ImageFs,
    _os_packages: &[Package],
    _diags: &mut Vec<Diagnostic>,
) -> Vec<Package> {
    Vec::new()
}
