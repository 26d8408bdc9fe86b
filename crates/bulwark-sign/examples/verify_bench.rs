//! Verification timing for `bench/verify.sh`: an image signed and attested in a registry, verified
//! (signature + verdict attestation) N times cold and N times warm.
//!
//! - cold, new connection: connect, resolve the tag, read the tag layout (the referrers only when it does not
//!   satisfy), verify (a webhook's first sight of a digest on a fresh process);
//! - cold, reused connection: the same on one registry connection (a running webhook);
//! - cold, exhaustive: both layouts read and verified every time (`bulwark verify`);
//! - warm: the per-digest cache answering.
//!
//! `cargo run --release -p bulwark-sign --example verify_bench -- REF PUBLIC.pem [N]`
//!
//! With `--bundle BUNDLE.json PUBLIC.pem [N]`: one key-based Sigstore bundle verified N times in memory (parse +
//! DSSE signature + statement), the same work as `bench/verify-sigstore-js.js` does with sigstore-js.

use std::time::{Duration, Instant};

use bulwark_sign::cache::{CacheConfig, VerdictCache};
use bulwark_sign::oci::Store;
use bulwark_sign::verify::{Requirements, Verified, verify};

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn show(name: &str, v: &mut [Duration]) {
    let (p50, p99) = (pct(v, 0.5), pct(v, 0.99));
    println!(
        "{name}: n={} p50={:.3} ms p99={:.3} ms",
        v.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
}

fn bundle_only(args: &[String]) {
    let text = std::fs::read(&args[2]).expect("bundle");
    let pem = std::fs::read_to_string(&args[3]).expect("public key");
    let key = bulwark_signature::PublicKey::from_pem(&pem, &args[3]).expect("key");
    let n: usize = args.get(4).map_or(1000, |s| s.parse().expect("N"));
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let b = bulwark_sign::bundle::Bundle::from_json(&text).expect("bundle");
        let content = b.content().expect("content");
        let bulwark_sign::bundle::Content::Dsse(env) = content else {
            panic!("not a DSSE bundle")
        };
        std::hint::black_box(env.verify(&env.payload_type, &key).expect("verified"));
        times.push(t.elapsed());
    }
    show("bulwark-sign bundle verify", &mut times);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--bundle") {
        bundle_only(&args);
        return;
    }
    let reference: bulwark_registry::Reference = args[1].parse().expect("reference");
    let pem = std::fs::read_to_string(&args[2]).expect("public key");
    let key = bulwark_signature::PublicKey::from_pem(&pem, &args[2]).expect("key");
    let n: usize = args.get(3).map_or(200, |s| s.parse().expect("N"));
    let req = Requirements {
        predicate_type: Some(bulwark_sign::predicate::VERDICT_V1.to_owned()),
        ..Requirements::default()
    };
    let opts = bulwark_registry::PushOptions::default();
    let now = 2_000_000_000;

    let exhaustive = Requirements {
        exhaustive: true,
        ..req.clone()
    };
    let once = |store: &mut Store| -> Verified {
        let target = store.resolve(&reference).expect("resolve");
        verify(store, &target, &key, &req, now).expect("verified")
    };
    let all = |store: &mut Store| -> Verified {
        let target = store.resolve(&reference).expect("resolve");
        verify(store, &target, &key, &exhaustive, now).expect("verified")
    };

    let mut fresh = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let mut store = Store::connect(&reference, &opts).expect("connect");
        std::hint::black_box(once(&mut store));
        fresh.push(t.elapsed());
    }
    show("cold (new connection)", &mut fresh);

    let mut store = Store::connect(&reference, &opts).expect("connect");
    let mut reused = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(once(&mut store));
        reused.push(t.elapsed());
    }
    show("cold (reused connection)", &mut reused);
    let mut both = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(all(&mut store));
        both.push(t.elapsed());
    }
    show("cold (reused connection, both layouts)", &mut both);

    let cache: VerdictCache<std::sync::Arc<Verified>> = VerdictCache::new(CacheConfig::default());
    let digest = store
        .resolve(&reference)
        .expect("resolve")
        .digest
        .to_string();
    let key_id = format!("{digest}|{}", key.source);
    cache.put(&key_id, Ok(std::sync::Arc::new(once(&mut store))));
    let mut warm = Vec::with_capacity(n * 100);
    for _ in 0..n * 100 {
        let t = Instant::now();
        std::hint::black_box(cache.get(&key_id));
        warm.push(t.elapsed());
    }
    let (p50, p99) = (pct(&mut warm, 0.5), pct(&mut warm, 0.99));
    println!(
        "warm (cache): n={} p50={:.2} us p99={:.2} us",
        warm.len(),
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
}
