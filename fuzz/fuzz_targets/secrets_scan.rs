#![no_main]

// Any bytes: scanning must not panic, findings must point inside the input, evidence must be redacted.
use std::sync::OnceLock;

static SCANNER: OnceLock<bulwark_secrets::Scanner> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let scanner =
        SCANNER.get_or_init(|| bulwark_secrets::Scanner::new(bulwark_secrets::Config::default()).unwrap());
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for f in scanner.scan("fuzz.env", data) {
        let line = f.location.line.unwrap() as usize;
        assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        assert!(f.location.column.unwrap() >= 1);
        assert!(f.evidence.as_deref().unwrap().ends_with("*****"));
    }
});
