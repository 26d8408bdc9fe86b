#![no_main]
//! TUF metadata (bulwark-tuf): the strict JSON parse (duplicate keys refused), the canonical form signatures
//! are computed over, typed reading of every role, signature checks with every key type, and the trusted set's
//! update steps fed a root and a second document (split at the first `\n--\n`).

use bulwark_tuf::metadata::{self, MetaList, Root, Targets};
use bulwark_tuf::{TrustedSet, cjson};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(env) = metadata::parse_envelope(data) {
        // The canonical form is stable: when it parses back (it may not: canonical JSON writes control
        // characters raw), it canonicalises to the same bytes.
        if let Ok(again) = cjson::parse_strict(&env.canonical) {
            assert_eq!(cjson::canonical(&again).as_deref(), Ok(env.canonical.as_slice()));
        }
        let _ = metadata::typed::<MetaList>(&env.signed, "timestamp");
        let _ = metadata::typed::<MetaList>(&env.signed, "snapshot");
        if let Ok(t) = metadata::typed::<Targets>(&env.signed, "targets")
            && let Some(d) = &t.delegations
        {
            for r in &d.roles {
                let _ = r.covers("a/b.tar.gz");
            }
        }
        if let Ok(r) = metadata::typed::<Root>(&env.signed, "root") {
            for key in r.keys.values().take(8) {
                for s in env.signatures.iter().take(8) {
                    let _ = metadata::verify_sig(key, &env.canonical, &s.sig);
                }
            }
        }
    }
    let (root, rest) = match data.windows(4).position(|w| w == b"\n--\n") {
        Some(i) => (&data[..i], &data[i + 4..]),
        None => (data, &b""[..]),
    };
    if let Ok(mut set) = TrustedSet::new(root, 0) {
        let _ = set.update_root(rest);
        let _ = set.update_timestamp(rest);
        let _ = set.update_snapshot(rest, false);
        let _ = set.update_targets("targets", None, rest, false);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && text.starts_with("tuf+")
        && text.len() < 4096
    {
        let _ = bulwark_tuf::Repository::parse(text);
    }
});
