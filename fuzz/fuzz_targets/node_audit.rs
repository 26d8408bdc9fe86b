//! Fuzzes the audit recogniser of bulwark-node (the shell-word splitter and the native forms) and runs what it
//! recognises under an empty root: any panic or hang is a bug, and a recognised command never uses the shell.
//!
//! Needs `bulwark-node = { path = "../crates/bulwark-node" }` in fuzz/Cargo.toml (run `fuzz/register.sh`).
//! Run: `cargo +nightly fuzz run node_audit`.

#![no_main]

use bulwark_node::audit::{Auditor, RootAuditor, recognise};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(cmd) = std::str::from_utf8(data) else { return };
    if recognise(cmd).is_some() {
        let root = std::env::temp_dir().join("bulwark-fuzz-node-audit-empty-root");
        let mut a = RootAuditor::new(root);
        a.max_output = 4096;
        let out = a.run(cmd);
        assert!(!out.used_shell);
        assert!(out.stdout.len() <= 4096);
    }
});
