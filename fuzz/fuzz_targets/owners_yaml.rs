#![no_main]

// owners.yaml: load (YAML, teams, rules, globs, conflicts), then route a few findings through what loaded.
libfuzzer_sys::fuzz_target!(|data: &[u8]| bulwark_owners::fuzz::parse_and_route(data));
