#![no_main]

// kube-bench check files and cfg/config.yaml: any input loads or is refused with an error naming the file and
// line, never a panic; a check file that loads is judged with the input as every audit's output, and the input
// is also read as a JSONPath template over a fixed document.
use bulwark_node::config::Config;
use bulwark_node::controls;
use bulwark_node::eval::{self, Outputs};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = eval::jsonpath(text, &serde_json::json!({"a": [1, {"b": "c"}], "d": true}));
    match Config::parse(text, "config.yaml") {
        Ok(cfg) => {
            let vars = cfg.variables("node", &|_| false, &|_| true);
            let _ = bulwark_node::config::substitute(text, &vars);
            let _ = cfg.benchmark_for(text);
        }
        Err(e) => assert!(e.to_string().starts_with("config.yaml:")),
    }
    let c = match controls::parse(text, "f.yaml") {
        Ok(c) => c,
        Err(e) => {
            assert!(e.to_string().starts_with("f.yaml:"));
            return;
        }
    };
    let out = Outputs {
        audit: text.into(),
        audit_config: text.into(),
        audit_env: text.into(),
    };
    for check in c.groups.iter().flat_map(|g| &g.checks).take(64) {
        let _ = eval::judge(check, Ok(&out));
    }
});
