//! `bulwark serve`'s inventory-loop flags (issue #15): they become [`bulwark_server::loops::LoopsConfig`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

#[derive(Debug, Default, clap::Args)]
pub(crate) struct LoopFlags {
    /// The vulnerability DB stored SBOMs are re-matched against; a new file renamed into place (`bulwark db
    /// update`) starts a cycle [default: $BULWARK_DB, else the default DB path].
    #[arg(long, value_name = "FILE", requires = "store")]
    pub(crate) vuln_db: Option<PathBuf>,
    /// owners.yaml: routes findings to teams and holds their channels (read again when it changes; a bad new
    /// one keeps the old). Without it nothing is routed or delivered.
    #[arg(long, value_name = "FILE", requires = "store")]
    pub(crate) owners: Option<PathBuf>,
    /// How often the DB file is checked for a new version (and unfinished re-matching jobs taken up).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = super::serve::parse_duration)]
    pub(crate) rescan_every: Duration,
    /// How often due notifications are delivered.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = super::serve::parse_duration)]
    pub(crate) deliver_every: Duration,
    /// How long a claimed re-matching job or notification stays this replica's before another may take it over.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub(crate) lease: i64,
    /// Fetch DB updates inside the server from this source (what `bulwark db update --from` takes: an https URL,
    /// `oci://REF`, `tuf+https://…`), into --vuln-db.
    #[arg(long, value_name = "REF", requires = "store")]
    pub(crate) db_repository: Option<String>,
    /// How often --db-repository is checked.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = super::serve::parse_duration, requires = "db_repository")]
    pub(crate) db_update_every: Duration,
    /// The stage every re-matched image is judged at by the --policy bundle (its verdict is stored: the one
    /// `bulwark inventory rescan --policy` and `bulwark scan sbom --policy --stage` give).
    #[arg(
        long,
        value_name = "STAGE",
        default_value = "runtime",
        requires = "store"
    )]
    pub(crate) rescan_stage: Option<bulwark_policy::Stage>,
}

impl LoopFlags {
    /// The loops' settings; `policy` (serve's `--policy` and its trust flags) judges every re-matched image at
    /// `--rescan-stage`, loaded here once (a bundle directory that changes later is reloaded for admission, not
    /// yet for the re-match). `deny` is the runtime deny list admission reads: a denied digest fails the
    /// re-match's verdict as it fails admission (one verdict).
    pub(crate) fn config(
        &self,
        policy: Option<(&str, &super::verdict::TrustFlags)>,
        deny: Option<Arc<super::runtime_enforce::DenyList>>,
    ) -> Result<bulwark_server::loops::LoopsConfig> {
        let vuln_db = self
            .vuln_db
            .clone()
            .unwrap_or_else(bulwark_vulndb::default_db_path);
        let db_update = match &self.db_repository {
            Some(source) => Some(db_update(source, &vuln_db)?),
            None => None,
        };
        let judge = match (policy, self.rescan_stage) {
            (Some((source, trust)), Some(stage)) => {
                let policy = super::verdict::Policy::load(source, stage, None, trust)?;
                let judge: bulwark_server::loops::RescanJudge = Arc::new(
                    super::inventory::rescan_judge(policy, vuln_db.clone(), deny),
                );
                Some(judge)
            }
            _ => None,
        };
        Ok(bulwark_server::loops::LoopsConfig {
            vuln_db,
            owners: self.owners.clone(),
            rescan_every: self.rescan_every,
            deliver_every: self.deliver_every,
            lease_secs: self.lease,
            db_update,
            db_update_every: self.db_update_every,
            judge,
        })
    }
}

/// The server's DB update: `bulwark db update` itself (the same flags, environment and checks: digests,
/// signatures, TUF), run in-process on the loop's schedule; an http(s)/file URL or a path goes to `--url`,
/// anything else (`REGISTRY/REPO:TAG`, `tuf+https://…`) to `--db-repository`. The arguments are checked here, at
/// start-up. An update is reported when the DB file's content changed (the rescan loop then reads its version).
fn db_update(source: &str, dest: &std::path::Path) -> Result<bulwark_server::loops::DbUpdate> {
    #[derive(clap::Parser)]
    struct Update {
        #[command(flatten)]
        args: super::db::UpdateArgs,
    }
    let is_url = ["http://", "https://", "file://"]
        .iter()
        .any(|p| source.starts_with(p))
        || std::path::Path::new(source).is_file();
    let flag = if is_url { "--url" } else { "--db-repository" };
    let argv = [
        "db-update".into(),
        "--quiet".into(),
        "--db".into(),
        dest.as_os_str().to_owned(),
        flag.into(),
        source.into(),
    ];
    let parsed = <Update as clap::Parser>::try_parse_from::<_, std::ffi::OsString>(argv)
        .map_err(|e| anyhow::anyhow!("--db-repository {source}: {e}"))?;
    let cmd = super::db::DbCommand::Update(Box::new(parsed.args));
    let dest = dest.to_owned();
    // What changed is the content: a source that serves the same DB again installs a new file but no update.
    let stamp = move || bulwark_vulndb::sha256_file(&dest).ok();
    let source = source.to_owned();
    Ok(Arc::new(move || {
        let before = stamp();
        super::db::run(&cmd).map_err(|e| format!("{e:#}"))?;
        Ok((stamp() != before).then(|| format!("installed from {source}")))
    }))
}
