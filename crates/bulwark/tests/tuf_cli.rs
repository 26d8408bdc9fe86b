//! TUF repositories as the source of the vulnerability DB (`db update --db-repository tuf+http://… --tuf-root`)
//! and of policy bundles (`policy pull tuf+http://…#TARGET --tuf-root`, then `--policy tuf+…`), against
//! repositories published by python-tuf (tuf==7.0.1, the reference implementation) and served on 127.0.0.1.
//! Each attack (an older timestamp replayed, an expired timestamp, a root rotation signed under threshold, a
//! target that does not match its metadata) exits 2 naming the role, the version and the reason, and the
//! previous DB / cached bundle stays usable.

mod common;

#[path = "../../bulwark-tuf/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{Repo, Server};

fn bw(home: &Path, args: &[&str]) -> Output {
    bw_env(home, args, &[])
}

fn bw_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("BULWARK_DB")
        .env_remove("BULWARK_DB_REPOSITORY")
        .env_remove("BULWARK_POLICY")
        .env_remove("BULWARK_POLICY_PUBLIC_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("run bulwark")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// sha256 by coreutils, not by the code under test.
fn sha256sum(path: &Path) -> String {
    String::from_utf8(run(Command::new("sha256sum").arg(path))).unwrap()[..64].to_owned()
}

fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-vulndb/testdata")
        .join(rel)
        .display()
        .to_string()
}

/// A DB built by `db build` from the given feed flags, gzipped by gzip: (plain, gz).
fn built_db(home: &Path, name: &str, feeds: &[&str]) -> (PathBuf, Vec<u8>) {
    let db = home.join(format!("{name}.db"));
    let mut args = vec!["db", "build", "-q", "-o", db.to_str().unwrap()];
    args.extend_from_slice(feeds);
    let o = bw(home, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let gz = run(Command::new("gzip").args(["-n", "-c"]).arg(&db));
    (db, gz)
}

fn expect_refused(o: &Output, why: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(o));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains(why), "expected '{why}': {}", text(o));
}

/// The installed DB is still the one with digest `sha` and still opens and scans.
fn db_still_usable(home: &Path, dest: &Path, sha: &str) {
    assert_eq!(sha256sum(dest), sha, "the previous DB is kept");
    let o = bw(
        home,
        &["db", "info", "--db", dest.to_str().unwrap(), "-f", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let image = common::image("alpine314.docker.tar");
    let o = bw(
        home,
        &[
            "scan",
            "image",
            &image,
            "--db",
            dest.to_str().unwrap(),
            "-f",
            "json",
        ],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let vulns = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .count();
    assert!(
        vulns > 0,
        "the alpine 3.14 secdb matches the alpine 3.14 image"
    );
}

#[test]
fn db_update_from_a_tuf_repository_and_every_refusal_keeps_the_previous_db() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let secdb = testdata("alpine-secdb");
    let epss = testdata("epss/epss_scores-sample.csv.gz");
    let (db1, gz1) = built_db(home, "one", &["--secdb", &secdb]);
    let (db2, gz2) = built_db(home, "two", &["--secdb", &secdb, "--epss", &epss]);
    let repo = Repo::init(&[("bulwark.db.gz", &gz1)], &[]);
    let server = Server::start(&repo.served());
    let dest = home.join("db").join("bulwark.db");
    let d = dest.to_str().unwrap();
    let root = repo.root();
    let url = server.url();
    let update = |extra: &[&str]| {
        let mut args = vec!["db", "update", "-q", "--db", d, "--db-repository", &url];
        args.extend_from_slice(extra);
        bw(home, &args)
    };

    // Without a trusted root there is nothing to start from.
    expect_refused(&update(&[]), "--tuf-root ROOT.json");
    assert!(!dest.exists());
    // A public key is not how TUF is trusted.
    expect_refused(
        &update(&[
            "--tuf-root",
            root.to_str().unwrap(),
            "--public-key",
            root.to_str().unwrap(),
        ]),
        "the trust anchor",
    );

    let o = update(&["--tuf-root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let sha1 = sha256sum(&db1);
    db_still_usable(home, &dest, &sha1);
    // The trusted metadata is kept beside the DB.
    assert!(home.join("db/tuf").read_dir().unwrap().count() == 1);

    // A new DB is published: the trusted root is now read from the cache.
    let old_timestamp = std::fs::read(repo.metadata("timestamp.json")).unwrap();
    repo.publish(&[("bulwark.db.gz", &gz2)]);
    let o = update(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let sha2 = sha256sum(&db2);
    assert_ne!(sha1, sha2);
    db_still_usable(home, &dest, &sha2);

    // Rollback: the older timestamp (and so the older snapshot and DB) is served again.
    let new_timestamp = std::fs::read(repo.metadata("timestamp.json")).unwrap();
    std::fs::write(repo.metadata("timestamp.json"), &old_timestamp).unwrap();
    let o = update(&[]);
    expect_refused(
        &o,
        "timestamp version 1 is older than the trusted version 2",
    );
    expect_refused(&o, "the previous database is kept");
    db_still_usable(home, &dest, &sha2);
    std::fs::write(repo.metadata("timestamp.json"), &new_timestamp).unwrap();

    // Freeze: an expired timestamp.
    repo.cmd("timestamp", &["--expires-days", "-1"]);
    expect_refused(&update(&[]), "timestamp v3 expired at ");
    db_still_usable(home, &dest, &sha2);
    repo.cmd("timestamp", &[]);
    assert_eq!(update(&[]).status.code(), Some(0));

    // A target whose bytes do not match its signed hash.
    let target = repo.target_file("bulwark.db.gz");
    let good = std::fs::read(&target).unwrap();
    let mut evil = good.clone();
    let last = evil.len() - 1;
    evil[last] ^= 1;
    std::fs::write(&target, &evil).unwrap();
    expect_refused(&update(&[]), "target bulwark.db.gz: its sha256 is ");
    db_still_usable(home, &dest, &sha2);
    std::fs::write(&target, &good).unwrap();

    // A good root rotation (v2 signed by the old and the new keys) is followed ...
    repo.cmd("rotate-root", &["--replace", "root2=root3"]);
    assert_eq!(update(&[]).status.code(), Some(0));
    // ... one signed by 1 of the 2 keys of root v2 is refused.
    repo.cmd(
        "rotate-root",
        &["--replace", "root1=root4", "--sign-with", "root3,root4"],
    );
    expect_refused(
        &update(&[]),
        "root v3 is signed by 1 of 2 required keys of root v2",
    );
    db_still_usable(home, &dest, &sha2);
}

#[test]
fn a_scan_fetches_a_missing_db_from_the_tuf_repository_whose_root_it_trusts() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let (db, gz) = built_db(home, "one", &["--secdb", &testdata("alpine-secdb")]);
    let repo = Repo::init(&[("bulwark.db.gz", &gz)], &[]);
    let server = Server::start(&repo.served());
    let url = server.url();
    // The default DB path (under XDG_CACHE_HOME): `db update` trusts the root once.
    let o = bw(
        home,
        &[
            "db",
            "update",
            "-q",
            "--db-repository",
            &url,
            "--tuf-root",
            repo.root().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let dest = home.join("cache/bulwark/db/bulwark.db");
    assert_eq!(sha256sum(&dest), sha256sum(&db));
    std::fs::remove_file(&dest).unwrap();
    // A scan with the TUF repository as its DB source fetches the missing DB through it.
    let image = common::image("alpine314.docker.tar");
    let o = bw_env(
        home,
        &["scan", "image", &image, "-f", "json"],
        &[("BULWARK_DB_REPOSITORY", &url)],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains(&format!("downloading the vulnerability DB from {url}")),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("installed the vulnerability DB at"),
        "{}",
        text(&o)
    );
    assert_eq!(sha256sum(&dest), sha256sum(&db));
    // An expired timestamp: the scan's fetch fails with the reason (and the scan exits 2).
    std::fs::remove_file(&dest).unwrap();
    repo.cmd("timestamp", &["--expires-days", "-1"]);
    let o = bw_env(
        home,
        &["scan", "image", &image, "-f", "json"],
        &[("BULWARK_DB_REPOSITORY", &url)],
    );
    expect_refused(&o, "timestamp v2 expired at ");
}

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-root-user
    description: No container runs as root.
    stages: {build: fail, release: fail}
    image:
      nonRootUser: true
";

/// `scan image` of the root-running alpine fixture with `--policy`: (exit code, the verdict's bundle artifact).
fn scan_with_policy(home: &Path, policy: &str) -> (Output, Option<String>) {
    let out = home.join("report.json");
    let _ = std::fs::remove_file(&out);
    let image = common::image("alpine314.docker.tar");
    let o = bw(
        home,
        &[
            "scan",
            "image",
            &image,
            "--no-vulns",
            "--policy",
            policy,
            "-f",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let artifact = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|r| {
            r["verdict"]["bundle"]["artifact"]
                .as_str()
                .map(str::to_owned)
        });
    (o, artifact)
}

#[test]
fn policy_bundles_from_a_tuf_repository_through_a_delegated_role() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let src = home.join("bundle");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("rules.yaml"), RULES).unwrap();
    std::fs::write(
        src.join("bundle.yaml"),
        "apiVersion: policy.bulwark.dev/v1\nkind: Bundle\nname: team-baseline\nversion: '1'\n",
    )
    .unwrap();
    let tar = |name: &str| -> Vec<u8> {
        let p = home.join(name);
        run(Command::new("tar")
            .arg("czf")
            .arg(&p)
            .arg("-C")
            .arg(&src)
            .args(["rules.yaml", "bundle.yaml"]));
        std::fs::read(p).unwrap()
    };
    let one = tar("one.tar.gz");
    let repo = Repo::init(
        &[("team/baseline.tar.gz", &one)],
        &["policies=team/*.tar.gz"],
    );
    let server = Server::start(&repo.served());
    let source = format!("{}#team/baseline.tar.gz", server.url());
    let sha1 = sha256sum(&home.join("one.tar.gz"));

    let o = bw(home, &["policy", "pull", &server.url()]);
    expect_refused(&o, "name the bundle's target after '#'");
    let o = bw(home, &["policy", "pull", &source]);
    expect_refused(&o, "--tuf-root ROOT.json");

    let o = bw(
        home,
        &[
            "policy",
            "pull",
            &source,
            "--tuf-root",
            repo.root().to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        stdout.contains(&format!("artifact: sha256:{sha1}")),
        "{stdout}"
    );
    let cached = PathBuf::from(
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("cached:"))
            .unwrap()
            .trim(),
    );
    assert_eq!(sha256sum(&cached), sha1);

    // `--policy tuf+…` in a scan: the root trusted by the pull is in the cache.
    let (o, artifact) = scan_with_policy(home, &source);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the root user fails the policy: {}",
        text(&o)
    );
    assert_eq!(artifact.as_deref(), Some(format!("sha256:{sha1}").as_str()));

    // A new bundle version, then a rollback to the older timestamp.
    std::fs::write(
        src.join("bundle.yaml"),
        "apiVersion: policy.bulwark.dev/v1\nkind: Bundle\nname: team-baseline\nversion: '2'\n",
    )
    .unwrap();
    let two = tar("two.tar.gz");
    let sha2 = sha256sum(&home.join("two.tar.gz"));
    let old_timestamp = std::fs::read(repo.metadata("timestamp.json")).unwrap();
    repo.publish(&[("team/baseline.tar.gz", &two)]);
    let (o, artifact) = scan_with_policy(home, &source);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(artifact.as_deref(), Some(format!("sha256:{sha2}").as_str()));
    std::fs::write(repo.metadata("timestamp.json"), &old_timestamp).unwrap();
    let (o, artifact) = scan_with_policy(home, &source);
    expect_refused(
        &o,
        "timestamp version 1 is older than the trusted version 2",
    );
    assert!(artifact.is_none(), "no verdict from a refused bundle");
    // The previously pulled bundle is still in the cache and still loads.
    // (Exit 1 is the policy's verdict on the root user; a bundle that does not load exits 2.)
    let (o, _) = scan_with_policy(home, cached.to_str().unwrap());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = bw(home, &["policy", "pull", &source]);
    expect_refused(&o, "refused");

    // An expired timestamp, then a target that does not match its hash.
    repo.cmd("timestamp", &["--expires-days", "-1"]);
    expect_refused(
        &bw(home, &["policy", "pull", &source]),
        "timestamp v3 expired at ",
    );
    repo.cmd("timestamp", &[]);
    let target = repo.target_file("team/baseline.tar.gz");
    let mut evil = std::fs::read(&target).unwrap();
    evil[0] ^= 1;
    std::fs::write(&target, &evil).unwrap();
    let o = bw(home, &["policy", "pull", &source]);
    expect_refused(&o, "target team/baseline.tar.gz: its sha256 is ");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("refused"),
        "{}",
        text(&o)
    );
    assert_eq!(sha256sum(&cached), sha1, "the cached archive is untouched");
}
