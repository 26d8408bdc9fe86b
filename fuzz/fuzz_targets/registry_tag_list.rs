#![no_main]
//! bulwark-registry's tag listing parsers: one `/v2/<name>/tags/list` page (bounded, tag grammar checked) and
//! the RFC 5988 `Link` header whose `rel="next"` target the listing follows.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(page) = bulwark_registry::parse_tag_page(data, 1000) {
        assert!(page.tags.len() <= 1000);
        assert!(page.tags.iter().all(|t| bulwark_registry::valid_tag(t)));
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(next) = bulwark_registry::parse_link_next(text)
    {
        assert!(!next.is_empty() && !next.chars().any(char::is_control));
        assert!(text.contains(&next));
    }
});
