//! Cases from html5lib-tests `tokenizer/test1.test` (named by their `description`), the HTML Living Standard's
//! tokenization section (§13.2.5) and its link-bearing elements.

use super::*;

fn tags(html: &str) -> Vec<Tag> {
    Document::parse(html.as_bytes()).tags
}

fn attrs(t: &Tag) -> Vec<(&str, &str)> {
    t.attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn html5lib_start_tags_and_attributes() {
    // "Single Start Tag"
    assert_eq!(tags("<h>")[0].name, "h");
    // "Start Tag w/attribute", "Start Tag w/attribute no quotes"
    assert_eq!(attrs(&tags("<h a='b'>")[0]), [("a", "b")]);
    assert_eq!(attrs(&tags("<h a=b>")[0]), [("a", "b")]);
    // "Multiple atts no space"
    assert_eq!(attrs(&tags("<h a='b'c='d'>")[0]), [("a", "b"), ("c", "d")]);
    // "Repeated attr": the first wins.
    assert_eq!(attrs(&tags("<h a='b' a='d'>")[0]), [("a", "b")]);
    // "Empty start tag" is text; "Empty end tag" is nothing.
    assert!(tags("<>").is_empty());
    assert!(tags("</>").is_empty());
    // "Two unclosed start tags"
    let t = tags("<p>One<p>Two");
    assert_eq!(t.len(), 2);
    // "Unquoted attribute ending in ampersand"
    assert_eq!(attrs(&tags("<s o=& t>")[0]), [("o", "&"), ("t", "")]);
    // "Open angled bracket in unquoted attribute value state"
    assert_eq!(attrs(&tags("<a a=f<>")[0]), [("a", "f<")]);
    // Names are lower-cased (§13.2.5.8 tag name state, §13.2.5.33 attribute name state).
    assert_eq!(tags("<A HREF='/x'>")[0].attrs[0].0, "href");
    assert_eq!(tags("<A HREF='/x'>")[0].name, "a");
}

#[test]
fn html5lib_entities_in_attributes() {
    // "Hexadecimal entity in attribute"
    assert_eq!(tags("<h a='&#x3f;'></h>")[0].attr("a"), Some("?"));
    // "Entity in attribute without semicolon ending in x / 1 / i": left as written.
    assert_eq!(tags("<h a='&notx'>")[0].attr("a"), Some("&notx"));
    assert_eq!(tags("<h a='&not1'>")[0].attr("a"), Some("&not1"));
    assert_eq!(tags("<h a='&noti'>")[0].attr("a"), Some("&noti"));
    // "Entity in attribute without semicolon"
    assert_eq!(tags("<h a='&COPY'>")[0].attr("a"), Some("\u{a9}"));
    // The historical rule keeps query strings intact.
    assert_eq!(
        tags("<a href='/p?a=1&copy=2&amp;b=3'>")[0].attr("href"),
        Some("/p?a=1&copy=2&b=3")
    );
}

#[test]
fn html5lib_entities_in_text() {
    // "Entity with trailing semicolon (1)/(2)", "Entity without trailing semicolon (1)", "Partial entity match".
    assert_eq!(decode_entities(b"I'm &not;it", false), "I'm \u{ac}it");
    assert_eq!(decode_entities(b"I'm &notin;", false), "I'm \u{2209}");
    assert_eq!(decode_entities(b"I'm &notit", false), "I'm \u{ac}it");
    assert_eq!(decode_entities(b"I'm &no", false), "I'm &no");
    // "Ampersand EOF", "Ampersand, number sign", "Unfinished numeric entity", "ASCII decimal entity".
    assert_eq!(decode_entities(b"&", false), "&");
    assert_eq!(decode_entities(b"&#", false), "&#");
    assert_eq!(decode_entities(b"&#x", false), "&#x");
    assert_eq!(decode_entities(b"&#0036;", false), "$");
    // §13.2.5.80: NUL, out-of-range and C1 numeric references.
    assert_eq!(decode_entities(b"&#0;", false), "\u{FFFD}");
    assert_eq!(decode_entities(b"&#x110000;", false), "\u{FFFD}");
    assert_eq!(decode_entities(b"&#xD800;", false), "\u{FFFD}");
    assert_eq!(decode_entities(b"&#x80;", false), "\u{20AC}");
    assert_eq!(
        decode_entities(b"&#99999999999999999999;", false),
        "\u{FFFD}"
    );
}

#[test]
fn html5lib_comments() {
    let c = |s: &str| {
        Document::parse(s.as_bytes())
            .comments
            .into_iter()
            .map(|c| c.text)
            .collect::<Vec<_>>()
    };
    // "Simple comment", "Comment, Central dash no space", "Comment, two central dashes", "Unfinished comment",
    // "Short comment" / "two" / "three", "Nested comment".
    assert_eq!(c("<!--comment-->"), ["comment"]);
    assert_eq!(c("<!----->"), ["-"]);
    assert_eq!(c("<!-- --comment -->"), [" --comment "]);
    assert_eq!(c("<!--comment"), ["comment"]);
    assert_eq!(c("<!-->"), [""]);
    assert_eq!(c("<!--->"), [""]);
    assert_eq!(c("<!---->"), [""]);
    assert_eq!(c("<!-- <!--test-->"), [" <!--test"]);
    // A tag inside a comment is not a tag.
    assert!(tags("<!-- <a href='/x'> -->").is_empty());
    // "Truncated doctype start" is a bogus comment, not a tag: skipped.
    assert!(tags("<!DOC><b>")[0].name == "b");
}

#[test]
fn raw_text_elements_run_to_their_end_tag() {
    let body = b"<script>var s = '<a href=\"/no\">'; </SCRIPT ><a href=/yes>";
    let doc = Document::parse(body);
    assert_eq!(doc.tags.len(), 2);
    assert_eq!(
        doc.content(&doc.tags[0], body),
        Some(&b"var s = '<a href=\"/no\">'; "[..])
    );
    assert_eq!(doc.tags[1].attr("href"), Some("/yes"));
    // `</scripty>` does not end a script (§13.2.5.15: the name must be followed by whitespace, `/` or `>`).
    let body = b"<script>a</scripty>b</script>";
    let doc = Document::parse(body);
    assert_eq!(doc.content(&doc.tags[0], body), Some(&b"a</scripty>b"[..]));
    // Unclosed: runs to the end.
    let body = b"<title>abc";
    let doc = Document::parse(body);
    assert_eq!(doc.content(&doc.tags[0], body), Some(&b"abc"[..]));
}

#[test]
fn eof_inside_a_tag_drops_it() {
    // §13.2.5 "eof-in-tag": the tag being read is not emitted.
    assert!(tags("<a href='/x").is_empty());
    assert!(tags("<a href").is_empty());
    assert_eq!(tags("<b><a href='/x").len(), 1);
}

#[test]
fn links_of_every_source() {
    let html = r#"<base href="/dir/">
<a href="a.html#frag">a</a> <area href="/area"> <link rel=stylesheet href="s.css">
<script src="//cdn.example.com/j.js"></script> <img src="i.png"> <iframe src="f.html"></iframe>
<frame src="fr.html"> <form action="/act"></form>
<meta http-equiv="Refresh" content="0; URL='/refreshed'">
<a href="javascript:alert(1)">x</a><a href="mailto:a@b.c">m</a><a href="data:text/html,x">d</a>
<a href="ftp://example.com/">f</a><a href="a.html">dup</a>"#;
    let doc = Document::parse(html.as_bytes());
    let links: Vec<(String, &str)> = doc
        .links("http://example.com/page/index.html")
        .into_iter()
        .map(|l| (l.url, l.source))
        .collect();
    let expect = [
        ("http://example.com/dir/a.html", "a/href"),
        ("http://example.com/area", "area/href"),
        ("http://example.com/dir/s.css", "link/href"),
        ("http://cdn.example.com/j.js", "script/src"),
        ("http://example.com/dir/i.png", "img/src"),
        ("http://example.com/dir/f.html", "iframe/src"),
        ("http://example.com/dir/fr.html", "frame/src"),
        ("http://example.com/act", "form/action"),
        ("http://example.com/refreshed", "meta/refresh"),
    ];
    let got: Vec<(&str, &str)> = links.iter().map(|(u, s)| (u.as_str(), *s)).collect();
    assert_eq!(got, expect);
}

#[test]
fn meta_refresh_forms() {
    // HTML §4.2.5.3 examples: "5; URL=…", "0;url=…", unquoted, and a bare time (no URL).
    assert_eq!(refresh_url("5; URL=/x"), Some("/x"));
    assert_eq!(
        refresh_url("0;url=http://a.example/"),
        Some("http://a.example/")
    );
    assert_eq!(refresh_url("0; url=\"/q\" "), Some("/q"));
    assert_eq!(refresh_url("1.5, /y"), Some("/y"));
    assert_eq!(refresh_url("5"), None);
}

#[test]
fn forms_with_fields() {
    let html = r##"<form action="/search" method="get"><input name="q" value="x">
<input type="checkbox" name="c1"><input type="checkbox" name="c2" value="on" checked>
<input type="submit" name="go" value="Go"><select name="s"></select></form>
<input name="outside"><form method="POST"><input type="hidden" name="csrf" value="t&amp;k"></form>
<form method="bogus" action="#">"##;
    let doc = Document::parse(html.as_bytes());
    let forms = doc.forms("http://example.com/p?z=1");
    assert_eq!(forms.len(), 3);
    assert_eq!(forms[0].action, "http://example.com/search");
    assert_eq!(forms[0].method, "GET");
    assert_eq!(
        forms[0].fields,
        [
            ("q".to_string(), "x".to_string()),
            ("c2".into(), "on".into()),
            ("s".into(), String::new())
        ]
    );
    // No action: the page itself; method upper-cased.
    assert_eq!(forms[1].action, "http://example.com/p?z=1");
    assert_eq!(forms[1].method, "POST");
    assert_eq!(forms[1].fields, [("csrf".to_string(), "t&k".to_string())]);
    // An invalid method is GET (the attribute's invalid value default).
    assert_eq!(forms[2].method, "GET");
    assert_eq!(forms[2].action, "http://example.com/p?z=1");
}

#[test]
fn bounded_records() {
    let html = "<a>".repeat(MAX_TAGS + 10);
    let doc = Document::parse(html.as_bytes());
    assert_eq!(doc.tags.len(), MAX_TAGS);
    assert!(doc.limited);
    let many_attrs = format!(
        "<a {}>",
        (0..1000).fold(String::new(), |acc, i| acc + &format!("x{i}=1 "))
    );
    assert_eq!(tags(&many_attrs)[0].attrs.len(), MAX_ATTRS);
}

#[test]
fn malformed_never_panics() {
    for s in [
        "<",
        "<!",
        "<!-",
        "<!--",
        "<?",
        "</",
        "</a",
        "<a",
        "<a b",
        "<a b=",
        "<a b='",
        "&#",
        "&#x",
        "<script>",
        "<script></script",
        "<a href=\u{0}>",
        "<\u{80}>",
        "<a\u{ff}=\u{fe}>",
    ] {
        let doc = Document::parse(s.as_bytes());
        let _ = doc.links("http://h/");
        let _ = doc.forms("http://h/");
    }
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let _ = Document::parse(&bytes).links("http://h/");
}

#[test]
fn pathological_inputs_stay_linear() {
    // Patterns that make a naive tokenizer quadratic: unclosed end tags, attributes without end, dashes in a
    // comment, ampersands, repeated raw-text starts. 1 MiB each must parse in well under a second per MiB even
    // in a debug build; a quadratic walk would take minutes.
    for unit in [
        "</a",
        "<a <a ",
        "<!--",
        "-",
        "&&#x",
        "<script>",
        "<a href='",
        "a=",
        "&amp",
        "<!x",
        "</",
    ] {
        let input = unit.repeat((1 << 20) / unit.len());
        let t = std::time::Instant::now();
        let doc = Document::parse(input.as_bytes());
        let _ = doc.links("http://h/");
        let _ = doc.forms("http://h/");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(3),
            "{unit:?}: {:?}",
            t.elapsed()
        );
    }
}
