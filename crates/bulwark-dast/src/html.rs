//! A tolerant HTML tokenizer for what the spider and the rules need: start tags with their attributes (names
//! lower-cased, entity-decoded values), comments, and the raw text of `<script>`, `<style>`, `<textarea>` and
//! `<title>` elements. It never fails: malformed markup yields what could be read. No tree is built.
//!
//! It follows the tokenization states of the HTML Living Standard (§13.2.5) where they decide what a spider sees:
//! the tag open, tag name, attribute name/value (double-, single- and unquoted) states, the comment states
//! (including the abrupt `<!-->` and an unclosed comment running to the end), bogus comments (`<!…>`, `<?…>`,
//! `</ …>`), duplicate attributes (the first wins, §13.2.5.33), an end-of-file inside a tag (the tag is dropped,
//! §13.2.5.32 "eof-in-tag"), and the RAWTEXT/RCDATA elements whose content runs to the first matching end tag
//! compared case-insensitively (§13.2.5.12–§13.2.5.15). Simplified: the script-data escape states (`<!--` inside
//! `<script>`) are not modelled, `<plaintext>` is an ordinary element, and only the character references listed in
//! [`NAMED`] (plus every numeric one, with §13.2.5.80's replacements) are decoded.
//!
//! Linear: every byte is looked at a bounded number of times (an entity name is matched over at most 32 bytes).
//! Bounded: at most [`MAX_TAGS`] start tags, [`MAX_ATTRS`] attributes per tag and [`MAX_COMMENTS`] comments are
//! recorded per document, so a hostile page of millions of tags costs what its body costs and no more; the rest
//! of the page is still scanned for raw-text ends but not recorded, and [`Document::limited`] says so.

use std::ops::Range;

/// Start tags recorded per document, at most.
pub const MAX_TAGS: usize = 100_000;
/// Attributes recorded per tag, at most (later ones are dropped).
pub const MAX_ATTRS: usize = 256;
/// Comments recorded per document, at most.
pub const MAX_COMMENTS: usize = 10_000;

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
    /// Offsets of `</form>` end tags (to tell which fields belong to which form).
    pub form_ends: Vec<usize>,
    /// A recording bound ([`MAX_TAGS`], [`MAX_COMMENTS`]) was reached: later tags or comments were not recorded.
    pub limited: bool,
}

/// Elements whose content is raw text up to their end tag.
const RAW: [&str; 4] = ["script", "style", "textarea", "title"];

fn is_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

impl Document {
    /// Tokenizes a body. Never fails; linear in the input and bounded as the module says.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        let mut doc = Self::default();
        let n = body.len();
        let mut i = 0;
        while i < n {
            let Some(p) = memchr(b'<', &body[i..]) else {
                break;
            };
            let lt = i + p;
            i = lt + 1;
            let Some(&c) = body.get(i) else { break };
            if c == b'!' {
                if body[i + 1..].starts_with(b"--") {
                    i = doc.comment(body, lt, i + 3);
                } else {
                    // Bogus comment: a doctype, CDATA or `<!x`: skipped to the next `>`.
                    i = skip_to_gt(body, i);
                }
            } else if c == b'?' {
                i = skip_to_gt(body, i);
            } else if c == b'/' {
                // End tag: `</>` is dropped; `</ x>` is a bogus comment; `</name …>` ends at `>`.
                let name_start = i + 1;
                let end = skip_to_gt(body, i);
                if body.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                    let name_end = body[name_start..end.min(n)]
                        .iter()
                        .position(|&b| is_ws(b) || b == b'/' || b == b'>')
                        .map_or(end.min(n), |q| name_start + q);
                    if end <= n
                        && body[name_start..name_end].eq_ignore_ascii_case(b"form")
                        && body.get(end - 1) == Some(&b'>')
                    {
                        doc.form_ends.push(lt);
                    }
                }
                i = end;
            } else if c.is_ascii_alphabetic() {
                match start_tag(body, lt, i) {
                    Some((mut tag, after)) => {
                        i = after;
                        if RAW.contains(&tag.name.as_str()) {
                            let (content, next) = raw_text(body, after, &tag.name);
                            tag.content = Some(content);
                            i = next;
                        }
                        if doc.tags.len() < MAX_TAGS {
                            doc.tags.push(tag);
                        } else {
                            doc.limited = true;
                        }
                    }
                    // End of file inside the tag: dropped (§13.2.5 "eof-in-tag").
                    None => break,
                }
            }
            // Otherwise a lone `<` is text.
        }
        doc
    }

    /// Reads a comment whose text starts at `start` (after `<!--`); returns where to go on.
    fn comment(&mut self, body: &[u8], lt: usize, start: usize) -> usize {
        let n = body.len();
        // `<!-->` and `<!--->` are abrupt, empty comments (§13.2.5.43, §13.2.5.44).
        let (text, next) = if body.get(start) == Some(&b'>') {
            (start..start, start + 1)
        } else if body[start..].starts_with(b"->") {
            (start..start, start + 2)
        } else {
            let mut j = start;
            loop {
                match memchr(b'-', &body[j..]) {
                    None => break (start..n, n),
                    Some(q) => {
                        let d = j + q;
                        if body[d..].starts_with(b"-->") {
                            break (start..d, d + 3);
                        }
                        // `--!>` also closes a comment (§13.2.5.52).
                        if body[d..].starts_with(b"--!>") {
                            break (start..d, d + 4);
                        }
                        j = d + 1;
                    }
                }
            }
        };
        if self.comments.len() < MAX_COMMENTS {
            self.comments.push(Comment {
                text: String::from_utf8_lossy(&body[text]).into_owned(),
                offset: lt,
            });
        } else {
            self.limited = true;
        }
        next
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

    /// The document's base URL: the first `<base href>` resolved against the page URL (HTML §4.2.3), else the
    /// page URL.
    fn base(&self, page_url: &str) -> Option<url::Url> {
        let page = url::Url::parse(page_url).ok()?;
        let base = self
            .tags_named("base")
            .find_map(|t| t.attr("href"))
            .and_then(|h| page.join(h).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        Some(base.unwrap_or(page))
    }

    /// Links to crawl, resolved against `page_url` and `<base href>`; only http(s), fragments removed, each URL
    /// once (the first source wins; a form action does not hide the same URL as a link), in document order. `javascript:`, `mailto:`, `data:` and other schemes are
    /// dropped.
    #[must_use]
    pub fn links(&self, page_url: &str) -> Vec<Link> {
        let Some(base) = self.base(page_url) else {
            return Vec::new();
        };
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for tag in &self.tags {
            let (value, source) = match tag.name.as_str() {
                "a" => (tag.attr("href"), "a/href"),
                "area" => (tag.attr("href"), "area/href"),
                "link" => (tag.attr("href"), "link/href"),
                "script" => (tag.attr("src"), "script/src"),
                "img" => (tag.attr("src"), "img/src"),
                "iframe" => (tag.attr("src"), "iframe/src"),
                "frame" => (tag.attr("src"), "frame/src"),
                "form" => (tag.attr("action"), "form/action"),
                "meta"
                    if tag
                        .attr("http-equiv")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh")) =>
                {
                    (tag.attr("content").and_then(refresh_url), "meta/refresh")
                }
                _ => continue,
            };
            let Some(value) = value else { continue };
            if let Some(url) = resolve(&base, value)
                && seen.insert((url.clone(), source == "form/action"))
            {
                out.push(Link { url, source });
            }
        }
        out
    }

    /// The page's forms, with the fields (`input`, `select`, `textarea`, `button` with a name) that follow each
    /// `<form>` up to its `</form>` or the next `<form>` (no tree is built; the `form=` attribute is not
    /// followed). Method upper-cased; a missing or unknown method is `GET` (HTML §4.10.18.6); a missing or empty
    /// action is the page (after `<base href>`).
    #[must_use]
    pub fn forms(&self, page_url: &str) -> Vec<Form> {
        let Some(base) = self.base(page_url) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut current: Option<Form> = None;
        let mut ends = self.form_ends.iter().peekable();
        for tag in &self.tags {
            while let Some(&&e) = ends.peek() {
                if e < tag.offset {
                    ends.next();
                    if let Some(f) = current.take() {
                        out.push(f);
                    }
                } else {
                    break;
                }
            }
            match tag.name.as_str() {
                "form" => {
                    if let Some(f) = current.take() {
                        out.push(f);
                    }
                    let action = tag
                        .attr("action")
                        .filter(|a| !a.trim().is_empty())
                        .and_then(|a| base.join(a.trim()).ok())
                        .unwrap_or_else(|| base.clone());
                    let mut action = action;
                    action.set_fragment(None);
                    let method = match tag.attr("method").map(str::to_ascii_uppercase).as_deref() {
                        Some("POST") => "POST",
                        Some("DIALOG") => "DIALOG",
                        _ => "GET",
                    };
                    current = Some(Form {
                        action: action.to_string(),
                        method: method.to_string(),
                        fields: Vec::new(),
                        offset: tag.offset,
                    });
                }
                "input" | "select" | "textarea" | "button" => {
                    let Some(form) = current.as_mut() else {
                        continue;
                    };
                    let Some(name) = tag.attr("name").filter(|n| !n.is_empty()) else {
                        continue;
                    };
                    let kind = tag.attr("type").unwrap_or("").to_ascii_lowercase();
                    if tag.name == "input"
                        && matches!(kind.as_str(), "checkbox" | "radio")
                        && tag.attr("checked").is_none()
                    {
                        continue;
                    }
                    if matches!(
                        kind.as_str(),
                        "submit" | "image" | "reset" | "button" | "file"
                    ) || tag.name == "button"
                    {
                        continue;
                    }
                    let value = tag.attr("value").unwrap_or("").to_string();
                    form.fields.push((name.to_string(), value));
                }
                _ => {}
            }
        }
        if let Some(f) = current.take() {
            out.push(f);
        }
        out
    }
}

/// Resolves an attribute URL against the base: http(s) only, fragment removed.
fn resolve(base: &url::Url, value: &str) -> Option<String> {
    let mut u = base.join(value.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return None;
    }
    u.set_fragment(None);
    Some(u.to_string())
}

/// The URL of a `<meta http-equiv=refresh content=…>`: HTML §4.2.5.3 "shared declarative refresh steps" (a time
/// of digits and dots, then `;` or `,`, then optionally `url=`, the URL possibly quoted).
fn refresh_url(content: &str) -> Option<&str> {
    let s = content.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let s = s.trim_start_matches(|c: char| c.is_ascii_digit());
    let s = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let s = s.strip_prefix([';', ','])?;
    let s = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let s = if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("url")) {
        let rest = s[3..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        match rest.strip_prefix('=') {
            Some(r) => r.trim_start_matches(|c: char| c.is_ascii_whitespace()),
            None => s,
        }
    } else {
        s
    };
    let s = match s.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = &s[1..];
            inner.find(q).map_or(inner, |e| &inner[..e])
        }
        _ => s,
    };
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Index after the next `>` from `from` (or the end).
fn skip_to_gt(body: &[u8], from: usize) -> usize {
    memchr(b'>', &body[from.min(body.len())..]).map_or(body.len(), |q| from + q + 1)
}

/// The end of a raw-text element's content: the first `</name` (ASCII case-insensitive) followed by whitespace,
/// `/` or `>`. Returns the content range and where tokenizing resumes (after the end tag's `>`).
fn raw_text(body: &[u8], start: usize, name: &str) -> (Range<usize>, usize) {
    let n = body.len();
    let name = name.as_bytes();
    let mut j = start;
    while let Some(q) = memchr(b'<', &body[j..]) {
        let lt = j + q;
        let after = lt + 2 + name.len();
        if body.get(lt + 1) == Some(&b'/')
            && after <= n
            && body[lt + 2..after].eq_ignore_ascii_case(name)
            && body
                .get(after)
                .is_some_and(|&b| is_ws(b) || b == b'/' || b == b'>')
        {
            return (start..lt, skip_to_gt(body, after));
        }
        j = lt + 1;
    }
    (start..n, n)
}

/// Reads a start tag whose name begins at `i` (after `<`). `None` when the input ends inside the tag.
#[allow(clippy::many_single_char_names)] // i, n, c, q, e: the tokenizer's cursor, length, byte, quote, end
fn start_tag(body: &[u8], lt: usize, mut i: usize) -> Option<(Tag, usize)> {
    let n = body.len();
    let name_start = i;
    while i < n && !is_ws(body[i]) && body[i] != b'/' && body[i] != b'>' {
        i += 1;
    }
    let mut tag = Tag {
        name: lower(&body[name_start..i]),
        attrs: Vec::new(),
        offset: lt,
        content: None,
    };
    loop {
        // Before attribute name: whitespace and stray `/` are skipped.
        while i < n && (is_ws(body[i]) || body[i] == b'/') {
            i += 1;
        }
        let &c = body.get(i)?;
        if c == b'>' {
            return Some((tag, i + 1));
        }
        // Attribute name: a leading `=` is part of the name (§13.2.5.32).
        let an = i;
        i += 1;
        while i < n && !is_ws(body[i]) && !matches!(body[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let name = lower(&body[an..i]);
        while i < n && is_ws(body[i]) {
            i += 1;
        }
        let mut value = String::new();
        if body.get(i) == Some(&b'=') {
            i += 1;
            while i < n && is_ws(body[i]) {
                i += 1;
            }
            match body.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let vs = i + 1;
                    let e = memchr(q, &body[vs..]).map(|p| vs + p)?;
                    value = decode_entities(&body[vs..e], true);
                    i = e + 1;
                }
                Some(b'>') => {}
                Some(_) => {
                    let vs = i;
                    while i < n && !is_ws(body[i]) && body[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&body[vs..i], true);
                }
                None => return None,
            }
        }
        // Duplicate attributes: the first wins (§13.2.5.33).
        if tag.attrs.len() < MAX_ATTRS && !tag.attrs.iter().any(|(k, _)| *k == name) {
            tag.attrs.push((name, value));
        }
    }
}

fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_ascii_lowercase()
}

/// Named character references decoded (a common subset of HTML §13.5). The `legacy` ones are also recognised
/// without a trailing `;`, as the standard's table does for them.
const NAMED: &[(&str, &str, bool)] = &[
    ("amp", "&", true),
    ("lt", "<", true),
    ("gt", ">", true),
    ("quot", "\"", true),
    ("apos", "'", false),
    ("nbsp", "\u{a0}", true),
    ("copy", "\u{a9}", true),
    ("AMP", "&", true),
    ("LT", "<", true),
    ("GT", ">", true),
    ("QUOT", "\"", true),
    ("COPY", "\u{a9}", true),
    ("REG", "\u{ae}", true),
    ("notin", "\u{2209}", false),
    ("reg", "\u{ae}", true),
    ("trade", "\u{2122}", false),
    ("hellip", "\u{2026}", false),
    ("mdash", "\u{2014}", false),
    ("ndash", "\u{2013}", false),
    ("lsquo", "\u{2018}", false),
    ("rsquo", "\u{2019}", false),
    ("ldquo", "\u{201c}", false),
    ("rdquo", "\u{201d}", false),
    ("laquo", "\u{ab}", true),
    ("raquo", "\u{bb}", true),
    ("middot", "\u{b7}", true),
    ("deg", "\u{b0}", true),
    ("times", "\u{d7}", true),
    ("divide", "\u{f7}", true),
    ("euro", "\u{20ac}", false),
    ("pound", "\u{a3}", true),
    ("yen", "\u{a5}", true),
    ("cent", "\u{a2}", true),
    ("sect", "\u{a7}", true),
    ("para", "\u{b6}", true),
    ("not", "\u{ac}", true),
    ("shy", "\u{ad}", true),
    ("iexcl", "\u{a1}", true),
    ("iquest", "\u{bf}", true),
    ("bull", "\u{2022}", false),
    ("colon", ":", false),
    ("sol", "/", false),
    ("quest", "?", false),
    ("equals", "=", false),
    ("num", "#", false),
    ("percnt", "%", false),
    ("period", ".", false),
    ("commat", "@", false),
    ("lpar", "(", false),
    ("rpar", ")", false),
    ("newline", "\n", false),
    ("tab", "\t", false),
];

/// Windows-1252 code points the standard maps C1 numeric references to (§13.2.5.80, numeric character reference
/// end state).
const C1: [u32; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

/// Decodes character references. In an attribute value (`attr`), a legacy reference without `;` followed by `=`
/// or an alphanumeric is left as written (§13.2.5.73, "for historical reasons"), so `?a=1&copy=2` stays a URL.
#[must_use]
pub fn decode_entities(raw: &[u8], attr: bool) -> String {
    if memchr(b'&', raw).is_none() {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let n = raw.len();
    let mut i = 0;
    while i < n {
        let b = raw[i];
        if b != b'&' {
            out.push(b);
            i += 1;
            continue;
        }
        if raw.get(i + 1) == Some(&b'#') {
            if let Some((ch, used)) = numeric(&raw[i + 2..]) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += 2 + used;
                continue;
            }
            out.push(b'&');
            i += 1;
            continue;
        }
        // Named: the longest name in the table that matches.
        let window = &raw[i + 1..n.min(i + 1 + 32)];
        let mut best: Option<(&str, usize)> = None;
        for &(name, val, legacy) in NAMED {
            let nb = name.as_bytes();
            if window.starts_with(nb) {
                let semi = window.get(nb.len()) == Some(&b';');
                if semi {
                    if best.is_none_or(|(_, l)| nb.len() + 1 > l) {
                        best = Some((val, nb.len() + 1));
                    }
                } else if legacy {
                    let next = window.get(nb.len()).copied();
                    let blocked =
                        attr && next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric());
                    if !blocked && best.is_none_or(|(_, l)| nb.len() > l) {
                        best = Some((val, nb.len()));
                    }
                }
            }
        }
        if let Some((val, used)) = best {
            out.extend_from_slice(val.as_bytes());
            i += 1 + used;
        } else {
            out.push(b'&');
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A numeric reference after `&#`: returns the character and the bytes used (digits and an optional `;`).
fn numeric(s: &[u8]) -> Option<(char, usize)> {
    let (hex, start) = match s.first() {
        Some(b'x' | b'X') => (true, 1),
        _ => (false, 0),
    };
    let mut j = start;
    let mut v: u32 = 0;
    while let Some(&c) = s.get(j) {
        let d = if hex {
            (c as char).to_digit(16)
        } else {
            (c as char).to_digit(10)
        };
        let Some(d) = d else { break };
        v = v
            .saturating_mul(if hex { 16 } else { 10 })
            .saturating_add(d);
        j += 1;
    }
    if j == start {
        return None;
    }
    if s.get(j) == Some(&b';') {
        j += 1;
    }
    let v = match v {
        0 => 0xFFFD,
        0x80..=0x9F => C1[(v - 0x80) as usize],
        _ => v,
    };
    Some((char::from_u32(v).unwrap_or('\u{FFFD}'), j))
}

#[cfg(test)]
mod tests;
