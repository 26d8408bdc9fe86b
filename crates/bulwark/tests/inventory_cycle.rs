//! The run stage's seed scenario, end to end through the CLI, on SQLite and on a real PostgreSQL:
//! 1. two images share the Debian base layer (owned by "platform"); their app layers are owned by "payments"
//!    and "search" (by registry path);
//! 2. both are pushed with their SBOMs (matched at once: their baseline) and run in `staging` and `production`;
//! 3. a DB update adds a CVE for a package of the base layer (`dash`) and a PyPI advisory for `requests`, which
//!    only the payments image's `pip install` layer holds;
//! 4. after the re-match, `bulwark get cve --environment staging` shows both as new;
//! 5. "platform" gets ONE message naming both images and their workloads, "payments" one, "search" none — the
//!    receiver is a real HTTP server on loopback, and every body is checked against the CloudEvents 1.0
//!    structured-mode JSON format;
//! 6. a second DB update that changes nothing sends nothing, and a second delivery pass sends nothing again.
//!
//! Truth comes from outside the code: which layer holds which package is the fixture image's own history
//! (`../shared/fixtures/README.md`: layer 1 is debootstrap, layer 2 the apt/pip/npm installs), and the CVEs
//! are the ones the test writes into the DB feeds.

mod common;

#[path = "../../bulwark-store/tests/support/mod.rs"]
mod pg;

use common::inventory::{
    DIGEST_A, DIGEST_B, PAYMENTS_REF, PAYMENTS_WORKLOAD, SEARCH_REF, SEARCH_WORKLOAD, Sink,
    build_db, check_new_in_staging, check_routing, feeds, ok, owners_yaml, sboms,
};

fn scenario(store: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sink = Sink::start(&dir.join("sink"));
    let (v1, v2) = feeds(dir);
    let (db1, db2, db3) = (dir.join("v1.db"), dir.join("v2.db"), dir.join("v3.db"));
    build_db(&db1, &v1);
    build_db(&db2, &v2);
    // The second update: the same advisories, built again (a new DB version that changes nothing).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    build_db(&db3, &v2);

    let (sbom_a, sbom_b) = sboms(dir);
    let owners = dir.join("owners.yaml");
    std::fs::write(&owners, owners_yaml(sink.port)).unwrap();
    let o = owners.display().to_string();
    let (d1, d2, d3) = (
        db1.display().to_string(),
        db2.display().to_string(),
        db3.display().to_string(),
    );

    for (digest, r, sbom) in [
        (DIGEST_A, PAYMENTS_REF, &sbom_a),
        (DIGEST_B, SEARCH_REF, &sbom_b),
    ] {
        let got = ok(&[
            "inventory",
            "push",
            "--store",
            store,
            "--digest",
            digest,
            "--ref",
            r,
            "--db",
            &d1,
            "--owners",
            &o,
            &sbom.display().to_string(),
        ]);
        assert!(got["packages"].as_u64().unwrap() > 80, "{got}");
    }
    // Where they run, as `bulwark kube inventory -o json` lists it.
    let place = |env: &str, ns: &str, name: &str, digest: &str, image: &str| {
        serde_json::json!({
            "cluster": "kind-test", "environment": env, "namespace": ns, "workload_kind": "Deployment",
            "workload_name": name, "container": "app", "container_type": "app", "image": image,
            "image_id": format!("{}@{digest}", image.split(':').next().unwrap()), "digest": digest,
            "labels": {}, "annotations": {}
        })
    };
    let placements = serde_json::json!([
        place(
            "staging",
            "shop-staging",
            PAYMENTS_WORKLOAD,
            DIGEST_A,
            PAYMENTS_REF
        ),
        place(
            "production",
            "shop",
            PAYMENTS_WORKLOAD,
            DIGEST_A,
            PAYMENTS_REF
        ),
        place(
            "staging",
            "search-staging",
            SEARCH_WORKLOAD,
            DIGEST_B,
            SEARCH_REF
        ),
        place(
            "production",
            "search",
            SEARCH_WORKLOAD,
            DIGEST_B,
            SEARCH_REF
        ),
    ]);
    let pfile = dir.join("placements.json");
    std::fs::write(&pfile, serde_json::to_vec(&placements).unwrap()).unwrap();
    let got = ok(&[
        "inventory",
        "place",
        "--store",
        store,
        &pfile.display().to_string(),
    ]);
    assert_eq!(got["stored"], 4);

    // The baseline (v1) notifies nothing.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d1,
        "--owners",
        &o,
    ]);
    assert_eq!(
        (r["complete"].as_bool(), r["queued"].as_u64()),
        (Some(true), Some(0)),
        "{r}"
    );

    // The DB update.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d2,
        "--owners",
        &o,
    ]);
    assert_eq!(r["complete"], true, "{r}");
    assert_eq!(r["jobsDone"], 2, "{r}");
    // dash in both images, requests in the payments image.
    assert_eq!(r["new"], 3, "{r}");
    assert_eq!(r["fixed"], 0, "{r}");
    assert_eq!(
        r["queued"], 2,
        "one message each for platform and payments: {r}"
    );

    check_new_in_staging(store);

    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(
        (d["delivered"].as_u64(), d["failed"].as_u64()),
        (Some(2), Some(0)),
        "{d}"
    );
    // Each body a CloudEvent in structured mode (the sink checks the content type).
    for ev in sink
        .bodies("platform")
        .iter()
        .chain(&sink.bodies("payments"))
    {
        for k in ["specversion", "id", "source", "type", "time", "data"] {
            assert!(ev.get(k).is_some(), "CloudEvent without {k}: {ev}");
        }
        assert_eq!(ev["specversion"], "1.0");
    }
    check_routing("webhook", |team| {
        sink.bodies(team).iter().map(ToString::to_string).collect()
    });

    // Delivered once: another pass sends nothing.
    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(d["delivered"], 0, "{d}");

    // The second update changes nothing and sends nothing.
    let r = ok(&[
        "inventory",
        "rescan",
        "--store",
        store,
        "--db",
        &d3,
        "--owners",
        &o,
    ]);
    assert_eq!(
        (r["new"].as_u64(), r["fixed"].as_u64(), r["queued"].as_u64()),
        (Some(0), Some(0), Some(0)),
        "{r}"
    );
    let d = ok(&["inventory", "notify", "--store", store, "--owners", &o]);
    assert_eq!(d["delivered"], 0, "{d}");
    assert_eq!(
        sink.bodies("platform").len() + sink.bodies("payments").len(),
        2
    );
}

#[test]
fn seed_scenario_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite:{}", tmp.path().join("store.db").display()));
}

#[test]
fn seed_scenario_on_postgresql() {
    let db = pg::TestDb::postgres();
    scenario(&db.location);
}
