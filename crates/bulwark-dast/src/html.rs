//! A tolerant HTML tokenizer for what the spider and the rules need: start tags with their attributes (names
//! lower-cased, entity-decoded values), comments, and the raw text of `<script>` and `<style>` elements. It never
//! fails: malformed markup yields what could be read. Linear in the input; no tree is built.
//!
//! STUB: the tokenizer, links and forms are built by the spider work (helper "crawl").

use std::ops::Range;

/// One start tag (or self-closing tag).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    /// Lower-cased element name (`a`, `script`, `meta`).
    pub name: String,
    /// Attributes in source order: lower-cased name, entity-decoded value (`""` for a bare attribute).
    pub attrs: Vec<(String, String)>,
    /// Byte offset of the `<` in the body.
    pub offset: usize,
    /// For `script`, `style`, `textarea`, `title`: the byte range of the raw content up to the end tag.
    pub content: Option<Range<usize>>,
}

impl Tag {
    /// The value of an attribute (name lower-case).
    #[must_use]
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One `<!-- … -->` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The text between `<!--` and `-->`.
    pub text: String,
    pub offset: usize,
}

/// A link found in a page, resolved against the page URL and `<base href>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Absolute URL, fragment removed.
    pub url: String,
    /// The element and attribute it came from (`a/href`, `script/src`, `form/action`).
    pub source: &'static str,
}

/// A form: never submitted by default; its action is crawled with GET only when `--submit-forms` says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Absolute action URL (the page itself when absent).
    pub action: String,
    /// Upper-cased method (`GET`, `POST`).
    pub method: String,
    /// Field names with their default values.
    pub fields: Vec<(String, String)>,
    pub offset: usize,
}

/// A parsed page.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub tags: Vec<Tag>,
    pub comments: Vec<Comment>,
}

impl Document {
    /// Tokenizes a body. Never fails; bounded by the input length.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        let _ = body;
        Self::default()
    }

    /// Tags of that (lower-case) name.
    pub fn tags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Tag> + 'a {
        self.tags.iter().filter(move |t| t.name == name)
    }

    /// The raw content of a tag (`script`, `style`) from the body it was parsed from.
    #[must_use]
    pub fn content<'b>(&self, tag: &Tag, body: &'b [u8]) -> Option<&'b [u8]> {
        tag.content.clone().and_then(|r| body.get(r))
    }

    /// Links to crawl, resolved against `page_url` and `<base href>`; only http(s).
    #[must_use]
    pub fn links(&self, page_url: &str) -> Vec<Link> {
        let _ = page_url;
        Vec::new()
    }

    /// The page's forms.
    #[must_use]
    pub fn forms(&self, page_url: &str) -> Vec<Form> {
        let _ = page_url;
        Vec::new()
    }
}
