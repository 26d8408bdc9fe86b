//! The client against repositories published by python-tuf (the reference implementation) and served on
//! 127.0.0.1: a good update, then each attack the specification's client workflow must refuse. python-tuf's
//! own client (`ngclient`) is run on the same repository at the same points and must reach the same verdict.

mod support;

use std::path::Path;

use bulwark_tuf::{Client, Repository, TufError};
use support::{Repo, Server, python_client};

/// python-tuf's client, with its trusted metadata in `cache/python`.
fn python(server: &Server, repo: &Repo, cache: &Path, target: &str) -> Result<Vec<u8>, String> {
    python_client(server, &repo.root(), &cache.join("python"), target)
}

fn client(server: &Server, cache: &Path, root: Option<&Path>) -> Client {
    let (repo, _) = Repository::parse(&server.url()).unwrap();
    Client::open(repo, cache, root).unwrap()
}

fn fetch(c: &mut Client, name: &str) -> Result<Vec<u8>, TufError> {
    let t = c.find_target(name)?;
    let mut out = Vec::new();
    c.download_target(&t, &mut out, 1 << 20)?;
    Ok(out)
}

fn refresh_err(server: &Server, cache: &Path, root: Option<&Path>) -> String {
    let mut c = client(server, cache, root);
    match c.refresh() {
        Ok(v) => panic!("refresh succeeded: {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn good_update_with_consistent_snapshots_and_a_delegation() {
    let repo = Repo::init(
        &[
            ("db/bulwark.db", b"db one"),
            ("baseline.tar.gz", b"bundle one"),
        ],
        &["policies=*.tar.gz"],
    );
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let mut c = client(&server, cache.path(), Some(&repo.root()));
    let v = c.refresh().unwrap();
    assert_eq!((v.root, v.timestamp, v.snapshot, v.targets), (1, 1, 1, 1));
    assert_eq!(fetch(&mut c, "db/bulwark.db").unwrap(), b"db one");
    let t = c.find_target("baseline.tar.gz").unwrap();
    assert_eq!(t.role, "policies", "listed by the delegated role");
    assert_eq!(fetch(&mut c, "baseline.tar.gz").unwrap(), b"bundle one");
    assert_eq!(
        python(&server, &repo, cache.path(), "baseline.tar.gz").unwrap(),
        b"bundle one"
    );
    // Consistent snapshots: the target URL is HASH.NAME.
    assert!(
        c.target_url(&t)
            .contains(&format!("/targets/{}.baseline.tar.gz", t.sha256().unwrap()))
    );
    // The trusted metadata is persisted per repository.
    for f in [
        "root.json",
        "timestamp.json",
        "snapshot.json",
        "targets.json",
        "delegated/policies.json",
    ] {
        assert!(c.cache_dir().join(f).is_file(), "{f}");
    }
    let e = c.find_target("missing").unwrap_err().to_string();
    assert!(
        e.contains("target missing: not listed by targets v1"),
        "{e}"
    );

    repo.publish(&[
        ("db/bulwark.db", b"db two"),
        ("baseline.tar.gz", b"bundle two"),
    ]);
    // A new process: no bootstrap root, the cached one is used.
    let mut c = client(&server, cache.path(), None);
    let v = c.refresh().unwrap();
    assert_eq!((v.root, v.timestamp, v.snapshot, v.targets), (1, 2, 2, 2));
    assert_eq!(fetch(&mut c, "db/bulwark.db").unwrap(), b"db two");
    assert_eq!(fetch(&mut c, "baseline.tar.gz").unwrap(), b"bundle two");
    assert_eq!(
        python(&server, &repo, cache.path(), "db/bulwark.db").unwrap(),
        b"db two"
    );
}

#[test]
fn no_trusted_root_is_an_error_that_says_what_to_pass() {
    let repo = Repo::init(&[("a", b"a")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let (r, _) = Repository::parse(&server.url()).unwrap();
    let e = Client::open(r, cache.path(), None).unwrap_err().to_string();
    assert!(
        e.contains("no trusted root") && e.contains("--tuf-root"),
        "{e}"
    );
}

#[test]
fn rollback_to_an_older_timestamp_is_refused() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let old_ts = std::fs::read(repo.metadata("timestamp.json")).unwrap();
    repo.publish(&[("a", b"two")]);
    client(&server, cache.path(), Some(&repo.root()))
        .refresh()
        .unwrap();
    assert_eq!(python(&server, &repo, cache.path(), "a").unwrap(), b"two");
    // The attacker serves the older (still valid, correctly signed) timestamp.
    std::fs::write(repo.metadata("timestamp.json"), old_ts).unwrap();
    let e = refresh_err(&server, cache.path(), None);
    assert_eq!(e, "timestamp version 1 is older than the trusted version 2");
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("BadVersionNumberError"), "{py}");
}

#[test]
fn rollback_to_an_older_snapshot_is_refused() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    repo.publish(&[("a", b"two")]);
    client(&server, cache.path(), Some(&repo.root()))
        .refresh()
        .unwrap();
    python(&server, &repo, cache.path(), "a").unwrap();
    // A new timestamp (the timestamp key is online, so the likeliest to leak) naming snapshot version 1.
    repo.cmd("timestamp", &["--snapshot-version", "1"]);
    let e = refresh_err(&server, cache.path(), None);
    assert_eq!(
        e,
        "snapshot version 1 is older than the trusted version 2 (listed in timestamp v3)"
    );
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("BadVersionNumberError"), "{py}");
}

#[test]
fn rollback_of_targets_inside_a_new_snapshot_is_refused() {
    // Mix-and-match: a new snapshot, correctly signed, that lists an older targets version than the trusted
    // snapshot did.
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    repo.publish(&[("a", b"two")]);
    client(&server, cache.path(), Some(&repo.root()))
        .refresh()
        .unwrap();
    python(&server, &repo, cache.path(), "a").unwrap();
    repo.cmd("snapshot", &["--targets-version", "1"]);
    let e = refresh_err(&server, cache.path(), None);
    assert_eq!(
        e,
        "targets version 1 is older than the trusted version 2 (listed in snapshot v3)"
    );
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("BadVersionNumberError"), "{py}");
}

#[test]
fn an_expired_timestamp_is_refused() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    repo.cmd("timestamp", &["--expires-days", "-1"]);
    let ts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.metadata("timestamp.json")).unwrap()).unwrap();
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert_eq!(
        e,
        format!(
            "timestamp v2 expired at {}",
            ts["signed"]["expires"].as_str().unwrap()
        )
    );
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("ExpiredMetadataError"), "{py}");
}

#[test]
fn a_root_rotation_signed_under_threshold_is_refused() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    client(&server, cache.path(), Some(&repo.root()))
        .refresh()
        .unwrap();
    python(&server, &repo, cache.path(), "a").unwrap();
    // Root v1 needs 2 of {root1, root2}; v2 replaces root2 by root3 and is signed by root1 and root3 only.
    repo.cmd(
        "rotate-root",
        &["--replace", "root2=root3", "--sign-with", "root1,root3"],
    );
    let e = refresh_err(&server, cache.path(), None);
    assert_eq!(e, "root v2 is signed by 1 of 2 required keys of root v1");
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("UnsignedMetadataError"), "{py}");
    // And signed by the old keys but not by its own new key.
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    repo.cmd(
        "rotate-root",
        &["--replace", "root2=root3", "--sign-with", "root1,root2"],
    );
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert_eq!(
        e,
        "root v2 is signed by 1 of 2 required keys of root v2 (its own)"
    );
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("UnsignedMetadataError"), "{py}");
}

#[test]
fn good_root_rotations_are_followed_and_persisted() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    client(&server, cache.path(), Some(&repo.root()))
        .refresh()
        .unwrap();
    python(&server, &repo, cache.path(), "a").unwrap();
    repo.cmd("rotate-root", &["--replace", "root2=root3"]);
    repo.cmd("rotate-root", &["--replace", "root1=root4"]);
    repo.publish(&[("a", b"two")]);
    let mut c = client(&server, cache.path(), None);
    assert_eq!(c.refresh().unwrap().root, 3);
    assert_eq!(fetch(&mut c, "a").unwrap(), b"two");
    assert_eq!(python(&server, &repo, cache.path(), "a").unwrap(), b"two");
    // The bootstrap root v1 given again does not replace the trusted v3.
    let c = client(&server, cache.path(), Some(&repo.root()));
    assert_eq!(c.trusted().root_version(), 3);
}

#[test]
fn a_target_that_does_not_match_its_metadata_is_refused() {
    let repo = Repo::init(&[("db/bulwark.db", b"the real DB")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let file = repo.target_file("db/bulwark.db");
    std::fs::write(&file, b"the evil DB").unwrap();
    let mut c = client(&server, cache.path(), Some(&repo.root()));
    let e = fetch(&mut c, "db/bulwark.db").unwrap_err().to_string();
    assert!(e.starts_with("target db/bulwark.db: its sha256 is "), "{e}");
    assert!(e.contains("but targets lists"), "{e}");
    let py = python(&server, &repo, cache.path(), "db/bulwark.db").unwrap_err();
    assert!(py.starts_with("LengthOrHashMismatchError"), "{py}");
    std::fs::write(&file, b"the real DB and more").unwrap();
    let e = fetch(&mut c, "db/bulwark.db").unwrap_err().to_string();
    assert!(
        e.contains("is longer than the 11 bytes its metadata (targets) lists"),
        "{e}"
    );
}

#[test]
fn metadata_longer_than_its_signed_length_is_refused() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let snap = repo.metadata("1.snapshot.json");
    let mut bytes = std::fs::read(&snap).unwrap();
    let len = bytes.len();
    bytes.extend_from_slice(&[b' '; 4096]);
    std::fs::write(&snap, bytes).unwrap();
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert!(
        e.ends_with(&format!(
            "1.snapshot.json: larger than {len} bytes (the length timestamp lists)"
        )),
        "{e}"
    );
    let py = python(&server, &repo, cache.path(), "a").unwrap_err();
    assert!(py.starts_with("DownloadLengthMismatchError"), "{py}");
}

#[test]
fn duplicate_keys_and_non_canonical_numbers_are_clear_errors() {
    let repo = Repo::init(&[("a", b"one")], &[]);
    let server = Server::start(&repo.served());
    let cache = tempfile::tempdir().unwrap();
    let ts = repo.metadata("timestamp.json");
    let text = std::fs::read_to_string(&ts).unwrap();
    let dup = text.replacen("\"version\": 1", "\"version\": 1, \"version\": 9", 1);
    assert_ne!(dup, text);
    std::fs::write(&ts, &dup).unwrap();
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert!(
        e.starts_with("timestamp: not valid JSON: duplicate key \"version\" at line"),
        "{e}"
    );
    let float = text.replacen("\"version\": 1", "\"version\": 1.0", 1);
    std::fs::write(&ts, &float).unwrap();
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert!(
        e.contains("not canonical JSON") && e.contains("is not an integer"),
        "{e}"
    );
    std::fs::write(&ts, &text[..text.len() / 2]).unwrap();
    let e = refresh_err(&server, cache.path(), Some(&repo.root()));
    assert!(e.starts_with("timestamp: not valid JSON: EOF"), "{e}");
}

#[test]
fn a_repository_copied_to_disk_is_read_through_a_file_url() {
    let repo = Repo::init(&[("db/bulwark.db", b"db one")], &[]);
    let cache = tempfile::tempdir().unwrap();
    let url = format!("tuf+file://{}#db/bulwark.db", repo.served().display());
    let (r, target) = Repository::parse(&url).unwrap();
    let mut c = Client::open(r, cache.path(), Some(&repo.root())).unwrap();
    assert_eq!(
        fetch(&mut c, target.as_deref().unwrap()).unwrap(),
        b"db one"
    );
    // The same checks apply: an expired timestamp is refused.
    repo.cmd("timestamp", &["--expires-days", "-1"]);
    let (r, _) = Repository::parse(&url).unwrap();
    let e = Client::open(r, cache.path(), None)
        .unwrap()
        .refresh()
        .unwrap_err();
    assert!(e.to_string().starts_with("timestamp v2 expired at "), "{e}");
}
