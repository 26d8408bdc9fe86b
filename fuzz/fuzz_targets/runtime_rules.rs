#![no_main]
//! Fuzzes the Falco rules loader (YAML, lists, macros, rules, exceptions, append/override, compile against the
//! syscall schema, output templates): any file loads or yields diagnostics, never a panic; a loaded ruleset's
//! expanded conditions parse again.

use bulwark_runtime::rules::{LoadOptions, Ruleset, RulesFile};
use bulwark_runtime::syscall::SyscallSchema;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let files = [RulesFile {
        path: "fuzz.yaml".into(),
        text,
    }];
    if let Ok((rs, _)) = Ruleset::load(&files, &[&SyscallSchema], &LoadOptions::default()) {
        for name in rs.rule_names() {
            if let Some(c) = rs.expanded_condition(name) {
                assert!(
                    bulwark_runtime::rules::check_condition_syntax(&c).is_ok(),
                    "expanded condition of {name} does not parse: {c}"
                );
            }
        }
    }
});
