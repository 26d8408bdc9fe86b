#![no_main]
// Fuzzes the .gitignore parser and glob matcher (crates/bulwark-catalog/src/lang/gitignore.rs): the first
// line is the path to test, the rest the .gitignore.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (path, rules) = text.split_once('\n').unwrap_or((&text, ""));
    let g = bulwark_catalog::lang::gitignore::Gitignore::parse(rules);
    let _ = g.decide(path, false);
    let _ = g.decide(path, true);
    let _ = bulwark_catalog::lang::gitignore::Glob::new(rules).matches(path);
});
