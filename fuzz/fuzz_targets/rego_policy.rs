#![no_main]
//! Template and constraint loading (YAML → model → Rego compile) and Rego parsing, from arbitrary text. The
//! first byte picks the entry point. Nothing is evaluated: compiling prepares the modules only.

use bulwark_rego::{Limits, Module, Program, RegoVersion};
use std::time::Duration;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let limits = Limits {
        time: Duration::from_millis(50),
    };
    match mode % 3 {
        0 => {
            let _ = bulwark_rego::gatekeeper::load_templates("fuzz.yaml", text, limits);
        }
        1 => {
            let _ = bulwark_rego::gatekeeper::load_constraints("fuzz.yaml", text);
        }
        _ => {
            let version = match mode % 9 {
                2 => RegoVersion::V0,
                5 => RegoVersion::V1,
                _ => RegoVersion::Auto,
            };
            let m = Module {
                name: "fuzz.rego".into(),
                text: text.into(),
                version,
                file: "fuzz.rego".into(),
                line_offset: None,
            };
            let _ = Program::compile("fuzz", &[m], limits);
        }
    }
});
