//! Fuzzes the Dockerfile parser and every BW-DF rule end to end: directives, continuations, heredocs, JSON form,
//! variable substitution and the RUN shell splitter. Any panic is a bug; so is a finding or diagnostic whose line
//! is not a line of the input.
//!
//! Needs `bulwark-imagecheck = { path = "../crates/bulwark-imagecheck" }` in fuzz/Cargo.toml (run
//! `fuzz/register.sh`). Run: `cargo +nightly fuzz run dockerfile`.

#![no_main]

use bulwark_imagecheck::{DockerfileCheckOptions, check_dockerfile_bytes, parse_dockerfile};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let opts = DockerfileCheckOptions {
        max_bytes: 1 << 20,
        ..DockerfileCheckOptions::default()
    };
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let (findings, diagnostics) = check_dockerfile_bytes("Dockerfile", data, &opts);
    for l in findings
        .iter()
        .map(|f| &f.location)
        .chain(diagnostics.iter().map(|d| &d.location))
    {
        if let Some(line) = l.line {
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && text.len() <= opts.max_bytes
    {
        // The strict parser agrees with the lenient one: it fails exactly when the check reported a parse
        // problem (a warning: a Dockerfile that does not parse does not make the rest of a scan untrusted).
        let strict = parse_dockerfile(text);
        let errors = diagnostics
            .iter()
            .any(|d| d.message.starts_with("cannot parse Dockerfile: "));
        assert_eq!(strict.is_err(), errors);
    }
});
