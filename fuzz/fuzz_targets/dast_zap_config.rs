#![no_main]

// The zap-baseline.py rules config (`-c`), the progress file (`-p`) and the baseline over the config: any input
// parses or is refused with an error naming the file and line, never a panic; a config that parses judges a
// fixed set of alerts and renders.
use std::collections::HashMap;

use bulwark_dast::zap::baseline::{Baseline, Options};
use bulwark_dast::zap::config::{Progress, RulesConfig};
use bulwark_dast::{Alert, Confidence, Risk};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = Progress::parse(data, "p.json");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cfg = match RulesConfig::parse(text, "f.conf") {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().starts_with("f.conf:"));
            return;
        }
    };
    let alert = |id: u32, url: &str| Alert {
        plugin_id: id,
        alert_ref: id.to_string(),
        name: "n".into(),
        risk: Risk::Medium,
        confidence: Confidence::Medium,
        url: url.into(),
        method: "GET".into(),
        param: String::new(),
        attack: String::new(),
        evidence: String::new(),
        other_info: String::new(),
        description: String::new(),
        solution: String::new(),
        cwe: 0,
        wasc: 0,
    };
    let alerts = [alert(10020, "https://a.test/"), alert(10021, "https://a.test/x?y=1")];
    let statuses: HashMap<String, u16> = [("https://a.test/".to_string(), 200)].into();
    let b = Baseline::judge(
        [(10020, "a"), (10021, "b"), (2, "c")],
        &alerts,
        &cfg,
        &Progress::default(),
        &statuses,
    );
    let _ = b.render(&Options::default());
    let _ = b.exit_code(&Options::default());
});
