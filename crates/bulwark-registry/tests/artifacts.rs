//! Artifact operations against a real `docker-registry` (CNCF distribution 2.8, Debian) on 127.0.0.1: chunked
//! blob upload, manifest GET, tag listing with `Link` pagination, and the referrers **tag-schema fallback**
//! (that registry has no referrers API). What we pushed is read back with `skopeo` and `sha256sum`.
//!
//! The referrers **API** path (and `OCI-Subject`) is tested against `support/fake.rs`, a small in-memory
//! registry of our own written for these tests, because Debian's registry does not implement it; so are the
//! hostile answers (a 10,000-entry tag list, an oversized or truncated manifest, a 100k-entry fallback index,
//! a blob that does not match its digest).
//!
//! Needs `apt-get install -y docker-registry skopeo apache2-utils openssl`.

mod support;

use std::process::Command;

use bulwark_registry::{
    OCI_INDEX, OCI_MANIFEST, PushOptions, Pusher, Reference, ReferrersSource, RegistryError,
};
use support::fake::{Canned, FakeRegistry, digest_of};
use support::{TestRegistry, temp_dir};

fn pusher(host: &str, repo: &str) -> Pusher {
    let reference: Reference = format!("{host}/{repo}:x").parse().unwrap();
    let opts = PushOptions {
        docker_config: Some(std::env::temp_dir().join("bulwark-no-docker-config.json")),
        ..PushOptions::default()
    };
    Pusher::new(&reference, &opts).unwrap()
}

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn artifact(config: &str, layer: &str, layer_size: usize, subject: Option<(&str, u64)>) -> Vec<u8> {
    let mut m = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.bulwark.test.v1",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.bulwark.test.layer.v1", "digest": layer, "size": layer_size}],
        "annotations": {"org.example.kind": "test"},
    });
    if let Some((d, size)) = subject {
        m["subject"] = serde_json::json!({"mediaType": OCI_MANIFEST, "digest": d, "size": size});
    }
    serde_json::to_vec(&m).unwrap()
}

#[test]
fn chunked_upload_reads_back_byte_for_byte() {
    let work = temp_dir("chunked");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let mut p = pusher(&reg.host, "chunks/art");
    // 100,003 bytes in 16 KiB chunks: 7 PATCHes, the last one short.
    let blob: Vec<u8> = (0..100_003u32).map(|i| (i * 7 % 251) as u8).collect();
    let pushed = p.push_blob_chunked(&blob, 16 * 1024).unwrap();
    assert!(pushed.uploaded);
    assert_eq!(pushed.digest.to_string(), digest_of(&blob));
    let log = std::fs::read_to_string(reg.workdir.join("registry.log")).unwrap();
    let patches = log
        .lines()
        .filter(|l| l.contains("\"PATCH /v2/chunks/art/blobs/uploads/") && l.contains("\" 202 "))
        .count();
    assert_eq!(patches, 7, "{log}");
    // What the registry stored is our blob (read back, digest and size checked).
    let back = p
        .get_blob(&pushed.digest, blob.len() as u64, 1 << 20)
        .unwrap();
    assert_eq!(back, blob);
    // And a manifest over it is accepted and served to skopeo as we wrote it.
    let config = p.push_blob(b"{}").unwrap();
    let m = artifact(
        &config.digest.to_string(),
        &pushed.digest.to_string(),
        blob.len(),
        None,
    );
    p.push_manifest("v1", OCI_MANIFEST, &m).unwrap();
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/chunks/art:v1", reg.host),
    ]);
    assert_eq!(raw, m);
    // A second chunked push is a HEAD only.
    assert!(!p.push_blob_chunked(&blob, 16 * 1024).unwrap().uploaded);

    // push_blob goes chunked above CHUNKED_THRESHOLD: 16 MiB + 1 byte is 3 PATCHes of at most 8 MiB.
    let big: Vec<u8> = (0..=bulwark_registry::CHUNKED_THRESHOLD)
        .map(|i| (i % 253) as u8)
        .collect();
    let pushed = p.push_blob(&big).unwrap();
    assert_eq!(pushed.digest.to_string(), digest_of(&big));
    let log = std::fs::read_to_string(reg.workdir.join("registry.log")).unwrap();
    let patches = log
        .lines()
        .filter(|l| l.contains("\"PATCH /v2/chunks/art/blobs/uploads/") && l.contains("\" 202 "))
        .count();
    assert_eq!(patches, 7 + 3, "{log}");
    assert_eq!(
        p.get_blob(&pushed.digest, big.len() as u64, 1 << 30)
            .unwrap(),
        big
    );
}

#[test]
fn manifests_by_tag_and_digest_and_tag_pagination() {
    let work = temp_dir("tags");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let mut p = pusher(&reg.host, "paged/art");
    let config = p.push_blob(b"{}").unwrap().digest.to_string();
    let mut pushed = Vec::new();
    for i in 0..25 {
        let layer = format!("layer {i}");
        let l = p.push_blob(layer.as_bytes()).unwrap().digest.to_string();
        let m = artifact(&config, &l, layer.len(), None);
        let d = p
            .push_manifest(&format!("t{i:02}"), OCI_MANIFEST, &m)
            .unwrap();
        pushed.push((m, d));
    }
    let (m, d) = &pushed[7];
    let by_tag = p.get_manifest("t07", OCI_MANIFEST).unwrap().unwrap();
    assert_eq!(&by_tag.bytes, m);
    assert_eq!(&by_tag.digest, d);
    assert_eq!(by_tag.media_type, OCI_MANIFEST);
    let by_digest = p
        .get_manifest(&d.to_string(), OCI_MANIFEST)
        .unwrap()
        .unwrap();
    assert_eq!(by_digest, by_tag);
    assert!(p.get_manifest("absent", OCI_MANIFEST).unwrap().is_none());

    // Asked for pages of 10. Debian's docker-registry 2.8.2 ignores `n` (observed: one answer with all 25
    // tags, in storage order, no Link header), so pagination itself is exercised on the loopback registry
    // below; here the listing must be the same set skopeo lists.
    let mut tags = p.list_tags(10, 1000).unwrap();
    tags.sort();
    let expected: Vec<String> = (0..25).map(|i| format!("t{i:02}")).collect();
    assert_eq!(tags, expected);
    let listed: serde_json::Value = serde_json::from_slice(&skopeo(&[
        "list-tags",
        "--tls-verify=false",
        &format!("docker://{}/paged/art", reg.host),
    ]))
    .unwrap();
    let mut theirs: Vec<String> = serde_json::from_value(listed["Tags"].clone()).unwrap();
    theirs.sort();
    assert_eq!(theirs, expected);
    // Bounded: more tags than allowed is an error, not a longer list.
    let e = p.list_tags(10, 24).unwrap_err();
    assert!(
        matches!(e, RegistryError::TooManyEntries { limit: 24, .. }),
        "{e}"
    );
}

#[test]
fn referrers_fall_back_to_the_tag_schema_on_docker_registry() {
    let work = temp_dir("fallback");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let mut p = pusher(&reg.host, "refs/art");
    let config = p.push_blob(b"{}").unwrap().digest.to_string();
    let l = p.push_blob(b"subject layer").unwrap().digest.to_string();
    let subject = artifact(&config, &l, 13, None);
    let subject_digest = p.push_manifest("v1", OCI_MANIFEST, &subject).unwrap();
    let none = p.referrers(&subject_digest, None).unwrap();
    assert_eq!(none.source, ReferrersSource::TagSchema);
    assert!(none.manifests.is_empty());

    let mut referrers = Vec::new();
    for text in ["first referrer", "second referrer"] {
        let l = p.push_blob(text.as_bytes()).unwrap().digest.to_string();
        let m = artifact(
            &config,
            &l,
            text.len(),
            Some((&subject_digest.to_string(), subject.len() as u64)),
        );
        let pushed = p.push_referrer(OCI_MANIFEST, &m).unwrap();
        assert!(!pushed.subject_indexed_by_registry);
        assert!(pushed.fallback_updated);
        // Pushing it again does not list it twice.
        assert!(!p.push_referrer(OCI_MANIFEST, &m).unwrap().fallback_updated);
        referrers.push((m, pushed.digest));
    }
    let tag = format!("sha256-{}", subject_digest.hex());
    // skopeo reads the fallback index: an OCI index listing both, with artifactType and annotations.
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/refs/art:{tag}", reg.host),
    ]);
    let index: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(index["mediaType"], OCI_INDEX);
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    for (i, (m, d)) in referrers.iter().enumerate() {
        let e = &index["manifests"][i];
        assert_eq!(e["digest"], d.to_string());
        assert_eq!(e["size"], m.len());
        assert_eq!(e["mediaType"], OCI_MANIFEST);
        assert_eq!(e["artifactType"], "application/vnd.bulwark.test.v1");
        assert_eq!(e["annotations"]["org.example.kind"], "test");
    }
    let found = p
        .referrers(&subject_digest, Some("application/vnd.bulwark.test.v1"))
        .unwrap();
    assert_eq!(found.source, ReferrersSource::TagSchema);
    assert_eq!(found.manifests.len(), 2);
    assert!(
        p.referrers(&subject_digest, Some("other/type"))
            .unwrap()
            .manifests
            .is_empty()
    );
}

#[test]
fn referrers_api_and_oci_subject_on_our_loopback_registry() {
    let fake = FakeRegistry::start(true);
    let mut p = pusher(&fake.host, "api/art");
    let config = p.push_blob(b"{}").unwrap().digest.to_string();
    let subject = artifact(&config, &config, 2, None);
    let subject_digest = p.push_manifest("v1", OCI_MANIFEST, &subject).unwrap();
    let m = artifact(
        &config,
        &config,
        2,
        Some((&subject_digest.to_string(), subject.len() as u64)),
    );
    let pushed = p.push_referrer(OCI_MANIFEST, &m).unwrap();
    assert!(pushed.subject_indexed_by_registry);
    assert!(!pushed.fallback_updated);
    // No fallback tag was written or read.
    assert_eq!(fake.count("/manifests/sha256-"), 0);
    let found = p
        .referrers(&subject_digest, Some("application/vnd.bulwark.test.v1"))
        .unwrap();
    assert_eq!(found.source, ReferrersSource::Api);
    assert_eq!(found.manifests.len(), 1);
    assert_eq!(found.manifests[0].digest, pushed.digest.to_string());
    assert_eq!(found.manifests[0].annotations["org.example.kind"], "test");
    assert_eq!(
        fake.count("artifactType=application%2Fvnd.bulwark.test.v1"),
        1
    );
    assert!(
        p.referrers(&subject_digest, Some("x/y"))
            .unwrap()
            .manifests
            .is_empty()
    );

    // Chunked upload on this registry: Location relative after POST, absolute after PATCH.
    let blob = vec![7u8; 10_000];
    p.push_blob_chunked(&blob, 3000).unwrap();
    assert_eq!(fake.count("PATCH "), 4);
    assert_eq!(fake.lock().blobs[&digest_of(&blob)], blob);
}

#[test]
fn ten_thousand_tags_are_paged_and_bounded() {
    let fake = FakeRegistry::start(false);
    {
        let mut s = fake.lock();
        for i in 0..10_000 {
            s.tags.insert(format!("t{i:05}"), String::new());
        }
    }
    let mut p = pusher(&fake.host, "many/tags");
    let tags = p.list_tags(1000, 10_000).unwrap();
    assert_eq!(tags.len(), 10_000);
    assert_eq!(tags[9_999], "t09999");
    assert_eq!(fake.count("/tags/list"), 10);
    let e = p.list_tags(1000, 9_999).unwrap_err();
    assert!(matches!(e, RegistryError::TooManyEntries { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("tag list has more than 9999 entries"),
        "{e}"
    );
    // Without Link headers, full pages are followed with `last`: 10 pages, then an empty one.
    fake.lock().no_tag_link = true;
    let before = fake.count("/tags/list");
    let before_last = fake.count("/tags/list?n=1000&last=t08999");
    assert_eq!(p.list_tags(1000, 10_000).unwrap(), tags);
    assert_eq!(fake.count("/tags/list") - before, 11);
    assert_eq!(fake.count("/tags/list?n=1000&last=t08999") - before_last, 1);
    fake.lock().no_tag_link = false;
    // A registry that ignores `n` and sends 10,000 tags in one page: refused on that page.
    fake.lock().max_tag_page = usize::MAX;
    let e = p.list_tags(100, 5_000).unwrap_err();
    assert!(matches!(e, RegistryError::TooManyEntries { .. }), "{e}");
    // A Link to another host is not followed.
    fake.lock().overrides.insert(
        "/v2/many/tags/tags/list".into(),
        Canned {
            status: 200,
            headers: vec![(
                "Link".into(),
                "<http://evil.example/v2/x/tags/list>; rel=\"next\"".into(),
            )],
            body: br#"{"name":"many/tags","tags":["a"]}"#.to_vec(),
        },
    );
    let e = p.list_tags(100, 5_000).unwrap_err();
    assert!(e.to_string().contains("another host"), "{e}");
}

#[test]
fn hostile_manifests_indexes_and_blobs_are_clear_errors() {
    let fake = FakeRegistry::start(false);
    let mut p = pusher(&fake.host, "bad/art");
    let subject = bulwark_registry::Digest::of(b"subject");
    let tag_path = format!("/v2/bad/art/manifests/sha256-{}", subject.hex());
    let entry = format!(
        r#"{{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"sha256:{}","artifactType":"a"}}"#,
        "a".repeat(64)
    );
    let index = |n: usize| {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{}]}}"#,
            vec![entry.as_str(); n].join(",")
        )
        .into_bytes()
    };
    let serve = |body: Vec<u8>| Canned {
        status: 200,
        headers: vec![("Content-Type".into(), OCI_INDEX.into())],
        body,
    };
    // 100k entries: over the 4 MiB manifest limit.
    fake.lock()
        .overrides
        .insert(tag_path.clone(), serve(index(100_000)));
    let e = p.referrers(&subject, None).unwrap_err();
    assert!(matches!(e, RegistryError::TooLarge { .. }), "{e}");
    assert!(
        e.to_string().contains(&format!("sha256-{}", subject.hex())),
        "{e}"
    );
    // 5,000 entries fit in 4 MiB but are more referrers than we hold.
    fake.lock()
        .overrides
        .insert(tag_path.clone(), serve(index(5_000)));
    let e = p.referrers(&subject, None).unwrap_err();
    assert!(matches!(e, RegistryError::TooManyEntries { .. }), "{e}");
    // Truncated.
    let mut cut = index(3);
    cut.truncate(cut.len() / 2);
    fake.lock().overrides.insert(tag_path.clone(), serve(cut));
    let e = p.referrers(&subject, None).unwrap_err();
    assert!(matches!(e, RegistryError::InvalidManifest { .. }), "{e}");
    // Not an OCI index (a Docker manifest list under the fallback tag).
    let docker = String::from_utf8(index(1))
        .unwrap()
        .replace(OCI_INDEX, bulwark_registry::DOCKER_MANIFEST_LIST);
    fake.lock()
        .overrides
        .insert(tag_path.clone(), serve(docker.into_bytes()));
    let e = p.referrers(&subject, None).unwrap_err();
    assert!(e.to_string().contains("not an OCI image index"), "{e}");
    // ... and pushing a referrer does not overwrite it.
    let m = artifact(
        &format!("sha256:{}", "b".repeat(64)),
        &format!("sha256:{}", "c".repeat(64)),
        1,
        Some((&subject.to_string(), 7)),
    );
    let e = p.push_referrer(OCI_MANIFEST, &m).unwrap_err();
    assert!(e.to_string().contains("not an OCI image index"), "{e}");

    // An oversized manifest (5 MiB) by tag.
    fake.lock().overrides.insert(
        "/v2/bad/art/manifests/big".into(),
        serve(vec![b' '; 5 << 20]),
    );
    let e = p.get_manifest("big", OCI_MANIFEST).unwrap_err();
    assert!(matches!(e, RegistryError::TooLarge { .. }), "{e}");
    // A manifest that does not hash to the digest asked for.
    let wrong = format!("sha256:{}", "d".repeat(64));
    fake.put_manifest(None, OCI_MANIFEST, b"{}");
    let real = digest_of(b"{}");
    let body = fake.lock().manifests[&real].clone();
    fake.lock().manifests.insert(wrong.clone(), body);
    let e = p.get_manifest(&wrong, OCI_MANIFEST).unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");
    // A blob that does not match its digest, one longer than declared, one larger than allowed.
    let d = bulwark_registry::Digest::of(b"expected");
    fake.lock()
        .blobs
        .insert(d.to_string(), b"tampered".to_vec());
    let e = p.get_blob(&d, 8, 1024).unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");
    let e = p.get_blob(&d, 4, 1024).unwrap_err();
    assert!(matches!(e, RegistryError::SizeMismatch { .. }), "{e}");
    let e = p.get_blob(&d, 8, 4).unwrap_err();
    assert!(matches!(e, RegistryError::TooLarge { .. }), "{e}");
}

#[test]
fn tags_and_referrers_behind_bearer_tokens() {
    let work = temp_dir("artifacts-token");
    let server = support::TokenServer::start(&work, Some(("tok-user", "tok-pass")));
    let reg = TestRegistry::start("token", &work, &[&server.url], None);
    let reference: Reference = format!("{}/tok/art:v1", reg.host).parse().unwrap();
    let opts = PushOptions {
        username: Some("tok-user".into()),
        password: Some("tok-pass".into()),
        docker_config: Some(work.join("none.json")),
        ..PushOptions::default()
    };
    let mut p = Pusher::new(&reference, &opts).unwrap();
    // A GET first (pull scope), then PUTs (the 401 asks again, for pull,push).
    assert!(p.get_manifest("v1", OCI_MANIFEST).unwrap().is_none());
    let config = p.push_blob(b"{}").unwrap().digest.to_string();
    let subject = artifact(&config, &config, 2, None);
    let subject_digest = p.push_manifest("v1", OCI_MANIFEST, &subject).unwrap();
    let m = artifact(
        &config,
        &config,
        2,
        Some((&subject_digest.to_string(), subject.len() as u64)),
    );
    assert!(p.push_referrer(OCI_MANIFEST, &m).unwrap().fallback_updated);
    let found = p.referrers(&subject_digest, None).unwrap();
    assert_eq!(found.manifests.len(), 1);
    let mut tags = p.list_tags(100, 100).unwrap();
    tags.sort();
    assert_eq!(
        tags,
        vec![format!("sha256-{}", subject_digest.hex()), "v1".to_owned()]
    );
    // Without credentials the token server refuses, and we say so.
    let anonymous = PushOptions {
        docker_config: Some(work.join("none.json")),
        ..PushOptions::default()
    };
    let e = Pusher::new(&reference, &anonymous)
        .unwrap()
        .list_tags(100, 100)
        .unwrap_err();
    assert!(matches!(e, RegistryError::Token { .. }), "{e}");
}

/// 10,000 tags on the real registry. Pushing 10,000 manifests would take minutes, so the tags are written into
/// the registry's filesystem storage (`_manifests/tags/<tag>/current/link`, what `docker-registry` lists),
/// next to one pushed manifest they all point at. Debian's 2.8.2 answers the listing in one page whatever `n`
/// says: the bound applies to that page before its tags are built.
#[test]
fn ten_thousand_tags_on_docker_registry_are_bounded() {
    let work = temp_dir("many-tags");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let mut p = pusher(&reg.host, "many/tags");
    let config = p.push_blob(b"{}").unwrap().digest.to_string();
    let m = artifact(&config, &config, 2, None);
    let digest = p.push_manifest("t00000", OCI_MANIFEST, &m).unwrap();
    let tags_dir = reg
        .storage()
        .join("docker/registry/v2/repositories/many/tags/_manifests/tags");
    assert!(
        tags_dir.join("t00000/current/link").exists(),
        "storage layout changed"
    );
    for i in 1..10_000 {
        let d = tags_dir.join(format!("t{i:05}/current"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("link"), digest.to_string()).unwrap();
    }
    let tags = p.list_tags(1000, 10_000).unwrap();
    assert_eq!(tags.len(), 10_000);
    let e = p.list_tags(1000, 9_999).unwrap_err();
    assert!(
        matches!(e, RegistryError::TooManyEntries { limit: 9_999, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("/v2/many/tags/tags/list"), "{e}");
}
