#![no_main]
//! Fuzzes the Falco condition parser: any text is accepted or refused with a positioned error, never a panic,
//! a stack overflow (nesting is bounded) or a hang.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bulwark_runtime::rules::check_condition_syntax(&text);
});
