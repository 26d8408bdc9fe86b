//! Reading a Bulwark JSON report back (`bulwark report compliance`, attestations): the document `json` writes,
//! from any scan (`scan image`, `scan fs`, `scan k8s`, `scan sbom`). Keys a scan adds after the report's own
//! (`scan k8s`'s `workloads`, `compliance`) are ignored.

use crate::{Report, SCHEMA_VERSION};

/// Why a document is not a Bulwark report this version can read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{name}: not a Bulwark JSON report: {source}")]
    Json {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{name}: JSON report schema version {found}, this bulwark reads version {SCHEMA_VERSION}"
    )]
    Version { name: String, found: u32 },
}

/// Parses `bytes` (named `name` in errors) as a [`Report`]. A document of another schema version is refused
/// rather than half-read; serde_json's nesting limit bounds hostile input.
///
/// ```
/// let r = bulwark_report::Report::new(bulwark_report::Target {
///     kind: bulwark_report::TargetKind::Manifests, name: "deploy/".into(), image: None });
/// let mut out = Vec::new();
/// bulwark_report::render_json(&r, &mut out)?;
/// assert_eq!(bulwark_report::read_report(&out, "r.json")?, r);
/// assert!(bulwark_report::read_report(b"{}", "x.json").unwrap_err().to_string().starts_with("x.json: "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_report(bytes: &[u8], name: &str) -> Result<Report, ReadError> {
    let r: Report = serde_json::from_slice(bytes).map_err(|source| ReadError::Json {
        name: name.to_owned(),
        source,
    })?;
    if r.schema_version != SCHEMA_VERSION {
        return Err(ReadError::Version {
            name: name.to_owned(),
            found: r.schema_version,
        });
    }
    Ok(r)
}
