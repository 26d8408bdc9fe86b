#![no_main]
//! Fuzzes the DAST HTML tokenizer and link/form extraction: any bytes give a bounded document, links that are
//! absolute http(s) URLs without a fragment, and forms, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let doc = bulwark_dast::html::Document::parse(data);
    assert!(doc.tags.len() <= bulwark_dast::html::MAX_TAGS);
    assert!(doc.comments.len() <= bulwark_dast::html::MAX_COMMENTS);
    for tag in &doc.tags {
        assert!(tag.attrs.len() <= bulwark_dast::html::MAX_ATTRS);
        let _ = doc.content(tag, data);
    }
    for link in doc.links("https://example.com/dir/page.html?q=1") {
        assert!(link.url.starts_with("http://") || link.url.starts_with("https://"));
        assert!(!link.url.contains('#'));
    }
    let _ = doc.forms("https://example.com/dir/page.html?q=1");
});
