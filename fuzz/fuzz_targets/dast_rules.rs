#![no_main]

// Every passive DAST rule over an arbitrary message, as a scan judges it: the first line is the URL, then
// `name: value` lines are response headers (`>name: value` request headers, `status N`) up to a blank line, then
// the body (bulwark_dast::testing::message). No rule may panic, and every alert must name a registered plugin id.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The builder crates/bulwark-dast/tests/hostile_messages.rs uses, so a crash here replays there.
    let msg = bulwark_dast::testing::message(data);
    let out = bulwark_dast::testing::judge_all(&msg, &[String::new()]);
    let ids: Vec<u32> = bulwark_dast::rules::all().iter().map(|r| r.info().id).collect();
    for a in &out {
        assert!(ids.contains(&a.plugin_id), "alert of unregistered plugin {}", a.plugin_id);
    }
});
