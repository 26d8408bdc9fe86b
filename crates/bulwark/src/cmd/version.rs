//! `bulwark version`: the binary's version and commit, and the vulnerability DB's path, build time, age and
//! sources (as `trivy version` prints its Vulnerability DB block).

use std::time::SystemTime;

use anyhow::Result;
use bulwark_vulndb::VulnDb;

use crate::Outcome;

/// The commit the binary was built from (`build.rs`; "unknown" outside a git checkout).
pub(crate) const COMMIT: &str = env!("BULWARK_COMMIT");

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum VersionFormat {
    /// `Key: value` lines.
    Table,
    /// One JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct VersionArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = VersionFormat::Table)]
    pub(crate) format: VersionFormat,
    #[command(flatten)]
    pub(crate) db: super::db::DbPath,
}

pub(crate) fn version(args: &VersionArgs) -> Result<Outcome> {
    let path = args.db.path();
    let now = SystemTime::now();
    // A missing DB is normal before the first `db update`; an unreadable one is reported, not fatal: this
    // command describes the installation, whatever its state.
    let db = path.exists().then(|| VulnDb::open(&path));
    match args.format {
        VersionFormat::Json => {
            let db_json = match &db {
                None => serde_json::json!({"path": path, "present": false}),
                Some(Err(e)) => {
                    serde_json::json!({"path": path, "present": true, "error": e.to_string()})
                }
                Some(Ok(db)) => {
                    let meta = db.meta();
                    serde_json::json!({
                        "path": path,
                        "present": true,
                        "schemaVersion": meta.schema_version,
                        "builtAt": bulwark_vulndb::time::rfc3339(meta.built_at),
                        "ageSeconds": meta.age(now).as_secs(),
                        "sources": meta.sources,
                    })
                }
            };
            let doc = serde_json::json!({
                "version": env!("CARGO_PKG_VERSION"),
                "commit": COMMIT,
                "vulnerabilityDB": db_json,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        VersionFormat::Table => {
            println!("Version: {}", env!("CARGO_PKG_VERSION"));
            println!("Commit: {COMMIT}");
            match &db {
                None => println!(
                    "Vulnerability DB: no DB yet at {} (run `bulwark db update`)",
                    path.display()
                ),
                Some(Err(e)) => println!("Vulnerability DB: unreadable: {e}"),
                Some(Ok(db)) => {
                    let meta = db.meta();
                    println!("Vulnerability DB:");
                    println!("  Path: {}", path.display());
                    println!("  Schema: {}", meta.schema_version);
                    println!(
                        "  BuiltAt: {}",
                        bulwark_vulndb::time::rfc3339(meta.built_at)
                    );
                    println!("  Age: {}", age(meta.age(now)));
                    println!("  Sources:");
                    for s in &meta.sources {
                        println!(
                            "    {} ({} records{})",
                            s.name,
                            s.records,
                            s.date
                                .as_deref()
                                .map_or_else(String::new, |d| format!(", {d}"))
                        );
                    }
                }
            }
        }
    }
    Ok(Outcome::Clean)
}

fn age(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        0..3600 => format!("{} minutes", s / 60),
        3600..172_800 => format!("{} hours", s / 3600),
        _ => format!("{} days", s / 86400),
    }
}
