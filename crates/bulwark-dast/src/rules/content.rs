//! The registry of content rules: bodies, comments, scripts, disclosures (helper "rules-content" owns this file),
//! and the small helpers they share (ZAP's notions of a text, JavaScript, CSS or image response; tag stripping;
//! query parameters; base64).
//!
//! Every rule follows ZAP's default alert threshold, MEDIUM; where ZAP behaves differently at LOW or HIGH the
//! rule's README says what we left out.

use std::sync::Arc;

use super::PassiveRule;
use crate::message::HttpMessage;

macro_rules! rule_mods {
    ($($m:ident = $p:literal),* $(,)?) => {
        $( #[path = $p] mod $m; )*
    };
}

rule_mods! {
    r2_private_ip = "r2_private_ip/mod.rs",
    r10062_pii = "r10062_pii/mod.rs",
    r10023_debug_errors = "r10023_debug_errors/mod.rs",
    r90022_application_error = "r90022_application_error/mod.rs",
    r10033_directory_browsing = "r10033_directory_browsing/mod.rs",
    r10096_timestamp_disclosure = "r10096_timestamp_disclosure/mod.rs",
    r10097_hash_disclosure = "r10097_hash_disclosure/mod.rs",
    r90002_java_serialization = "r90002_java_serialization/mod.rs",
    r10009_in_page_banner = "r10009_in_page_banner/mod.rs",
    r10057_username_hash = "r10057_username_hash/mod.rs",
    r10110_dangerous_js = "r10110_dangerous_js/mod.rs",
    r110009_full_path_disclosure = "r110009_full_path_disclosure/mod.rs",
    r10094_base64_disclosure = "r10094_base64_disclosure/mod.rs",
    r1000001_secrets = "r1000001_secrets/mod.rs",
    r10099_source_code_disclosure = "r10099_source_code_disclosure/mod.rs",
    r10027_suspicious_comments = "r10027_suspicious_comments/mod.rs",
    r10040_mixed_content = "r10040_mixed_content/mod.rs",
    r90003_sri_missing = "r90003_sri_missing/mod.rs",
    r10017_cross_domain_script = "r10017_cross_domain_script/mod.rs",
    r10108_reverse_tabnabbing = "r10108_reverse_tabnabbing/mod.rs",
    r10115_polyfill_script = "r10115_polyfill_script/mod.rs",
    r10202_anti_csrf = "r10202_anti_csrf/mod.rs",
    r10041_insecure_form_load = "r10041_insecure_form_load/mod.rs",
    r10042_insecure_form_post = "r10042_insecure_form_post/mod.rs",
    r10032_viewstate = "r10032_viewstate/mod.rs",
    r90001_insecure_jsf_viewstate = "r90001_insecure_jsf_viewstate/mod.rs",
    r90011_charset_mismatch = "r90011_charset_mismatch/mod.rs",
    r10109_modern_web_app = "r10109_modern_web_app/mod.rs",
    r10031_user_controlled_attribute = "r10031_user_controlled_attribute/mod.rs",
    r10043_user_controlled_js_event = "r10043_user_controlled_js_event/mod.rs",
    r10026_http_parameter_override = "r10026_http_parameter_override/mod.rs",
    r10003_vulnerable_js_library = "r10003_vulnerable_js_library/mod.rs",
    r1000002_email_disclosure = "r1000002_email_disclosure/mod.rs",
}

pub(super) fn rules() -> Vec<Arc<dyn PassiveRule>> {
    vec![
        Arc::new(r2_private_ip::PrivateIp),
        Arc::new(r10062_pii::Pii),
        Arc::new(r10023_debug_errors::DebugErrors),
        Arc::new(r90022_application_error::ApplicationError),
        Arc::new(r10033_directory_browsing::DirectoryBrowsing),
        Arc::new(r10096_timestamp_disclosure::TimestampDisclosure),
        Arc::new(r10097_hash_disclosure::HashDisclosure),
        Arc::new(r90002_java_serialization::JavaSerialization),
        Arc::new(r10009_in_page_banner::InPageBanner),
        Arc::new(r10057_username_hash::UsernameHash),
        Arc::new(r10110_dangerous_js::DangerousJs),
        Arc::new(r110009_full_path_disclosure::FullPathDisclosure),
        Arc::new(r10094_base64_disclosure::Base64Disclosure),
        Arc::new(r1000001_secrets::SecretsInResponse),
        Arc::new(r1000002_email_disclosure::EmailDisclosure),
        Arc::new(r10099_source_code_disclosure::SourceCodeDisclosure),
        Arc::new(r10027_suspicious_comments::SuspiciousComments),
        Arc::new(r10040_mixed_content::MixedContent),
        Arc::new(r90003_sri_missing::SriMissing),
        Arc::new(r10017_cross_domain_script::CrossDomainScript),
        Arc::new(r10108_reverse_tabnabbing::ReverseTabnabbing),
        Arc::new(r10115_polyfill_script::PolyfillScript),
        Arc::new(r10202_anti_csrf::AntiCsrf),
        Arc::new(r10041_insecure_form_load::InsecureFormLoad),
        Arc::new(r10042_insecure_form_post::InsecureFormPost),
        Arc::new(r10032_viewstate::Viewstate),
        Arc::new(r90001_insecure_jsf_viewstate::InsecureJsfViewstate),
        Arc::new(r90011_charset_mismatch::CharsetMismatch),
        Arc::new(r10109_modern_web_app::ModernWebApp),
        Arc::new(r10031_user_controlled_attribute::UserControlledAttribute),
        Arc::new(r10043_user_controlled_js_event::UserControlledJsEvent),
        Arc::new(r10026_http_parameter_override::ParameterOverride {
            low_threshold: false,
        }),
        Arc::new(r10003_vulnerable_js_library::VulnerableJsLibrary),
    ]
}

/// ZAP's `isText()`: a `text/*` type or one naming HTML, XML, JSON or JavaScript. No Content-Type is not text.
pub(crate) fn is_text(msg: &HttpMessage) -> bool {
    msg.media_type().is_some_and(|mt| {
        mt.starts_with("text")
            || ["html", "xml", "json", "javascript", "ecmascript"]
                .iter()
                .any(|k| mt.contains(k))
    })
}

/// The URL's path, lower-cased, without query or fragment.
pub(crate) fn url_path_lower(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let end = path.find(['?', '#']).unwrap_or(path.len());
    path[..end].to_ascii_lowercase()
}

/// Whether the URL's path ends with one of `exts` (`.js`), case-insensitively.
pub(crate) fn path_has_ext(url: &str, exts: &[&str]) -> bool {
    let p = url_path_lower(url);
    exts.iter().any(|e| {
        p.len() >= e.len() && p.as_bytes()[p.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
    })
}

/// ZAP's `ResourceIdentificationUtils.isFont`: a font media type or a font file extension.
pub(crate) fn is_font(msg: &HttpMessage) -> bool {
    msg.media_type().is_some_and(|m| m.contains("font"))
        || path_has_ext(&msg.url, &[".woff", ".woff2", ".ttf", ".otf", ".eot"])
}

/// The response header block (`Name: value` lines, CRLF-terminated), as ZAP's `getHeadersAsString`; headers
/// named in `skip` (case-insensitive) are left out.
pub(crate) fn headers_block(msg: &HttpMessage, skip: &[&str]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for (k, v) in msg
        .response_headers
        .iter()
        .filter(|(k, _)| !skip.iter().any(|x| x.eq_ignore_ascii_case(k)))
    {
        let _ = write!(s, "{k}: {v}\r\n");
    }
    s
}

/// ZAP's `ResourceIdentificationUtils.isJavaScript`: a JavaScript media type or a `.js` path.
pub(crate) fn is_javascript(msg: &HttpMessage) -> bool {
    msg.media_type()
        .is_some_and(|mt| mt.contains("javascript") || mt.contains("ecmascript"))
        || path_has_ext(&msg.url, &[".js"])
}

/// ZAP's `ResourceIdentificationUtils.isCss`: `text/css` or a `.css` path.
pub(crate) fn is_css(msg: &HttpMessage) -> bool {
    msg.media_type().is_some_and(|mt| mt.contains("css")) || path_has_ext(&msg.url, &[".css"])
}

/// ZAP's `ResourceIdentificationUtils.isImage`: an `image/*` type or an image file extension.
pub(crate) fn is_image(msg: &HttpMessage) -> bool {
    const EXT: &[&str] = &[
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".svg", ".webp", ".tif", ".tiff", ".avif",
    ];
    msg.media_type().is_some_and(|mt| mt.starts_with("image/")) || path_has_ext(&msg.url, EXT)
}

/// Media types that are never text to judge (fonts, audio, video, archives, images, octet streams).
pub(crate) fn is_binary_type(msg: &HttpMessage) -> bool {
    msg.media_type().is_some_and(|mt| {
        ["image/", "audio/", "video/", "font/"]
            .iter()
            .any(|p| mt.starts_with(p))
            || [
                "application/octet-stream",
                "application/pdf",
                "application/zip",
                "application/gzip",
                "application/x-gzip",
                "application/wasm",
                "application/x-tar",
                "application/vnd.ms-fontobject",
                "application/font-woff",
            ]
            .contains(&mt.as_str())
    })
}

/// ZAP's `responseContainsControlChars`: a body that is not text (control bytes, or not UTF-8) in its first 8 KiB.
pub(crate) fn looks_binary(body: &[u8]) -> bool {
    let head = &body[..body.len().min(8192)];
    let cut = head.len() < body.len();
    if head
        .iter()
        .any(|&b| matches!(b, 0..=8 | 0x0b | 0x0e..=0x1f | 0x7f))
    {
        return true;
    }
    match std::str::from_utf8(head) {
        Ok(_) => false,
        // A multi-byte character cut at the 8 KiB boundary is not a reason.
        Err(e) => !(cut && e.error_len().is_none()),
    }
}

/// The visible text of an HTML page, as Jericho's text extractor gives ZAP: markup removed, `<script>` and
/// `<style>` contents left out, each tag a space. Linear.
pub(crate) fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let next = html[i..].find('<').map_or(b.len(), |n| i + n);
            out.push_str(&html[i..next]);
            i = next;
            continue;
        }
        if lower[i..].starts_with("<!--") {
            i = lower[i + 4..]
                .find("-->")
                .map_or(b.len(), |n| i + 4 + n + 3);
            continue;
        }
        let skip_to = ["script", "style"].iter().find_map(|t| {
            let open = format!("<{t}");
            let after = lower.as_bytes().get(i + open.len()).copied();
            (lower[i..].starts_with(&open)
                && matches!(after, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')))
            .then(|| format!("</{t}"))
        });
        let close = lower[i..].find('>').map_or(b.len(), |n| i + n + 1);
        i = match skip_to {
            Some(end) => lower[close..].find(&end).map_or(b.len(), |n| {
                let e = close + n;
                lower[e..].find('>').map_or(b.len(), |m| e + m + 1)
            }),
            None => close,
        };
        out.push(' ');
    }
    out
}

/// The request's parameters: the URL query and, for a form body, its fields (names and percent-decoded values).
pub(crate) fn request_params(msg: &HttpMessage) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(u) = url::Url::parse(&msg.url) {
        out.extend(
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    let form = msg.request_header("content-type").is_some_and(|c| {
        c.to_ascii_lowercase()
            .contains("application/x-www-form-urlencoded")
    });
    if form {
        out.extend(
            url::form_urlencoded::parse(&msg.request_body)
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    out
}

/// Decodes standard or URL-safe base64, with or without padding; `None` on any other character.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        })
    }
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s.as_bytes() {
        acc = (acc << 6) | val(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// At most `max` bytes of `s` around a char boundary, for evidence.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The text of a start tag in the body (from `<` to its `>`, quotes respected), for evidence.
pub(crate) fn start_tag_text<'b>(body: &'b str, tag: &crate::html::Tag) -> &'b str {
    let b = body.as_bytes();
    let mut i = tag.offset;
    let mut quote = 0u8;
    while i < b.len() {
        match (quote, b[i]) {
            (0, b'"' | b'\'') => quote = b[i],
            (q, c) if q != 0 && c == q => quote = 0,
            (0, b'>') => return body.get(tag.offset..=i).unwrap_or(""),
            _ => {}
        }
        i += 1;
    }
    body.get(tag.offset..).map_or("", |s| clip(s, 512))
}

/// The text of an element (start tag, content, end tag when found within 4 KiB), for evidence as ZAP gives it.
pub(crate) fn element_text<'b>(body: &'b str, tag: &crate::html::Tag) -> &'b str {
    let start = start_tag_text(body, tag);
    if start.ends_with("/>") {
        return start;
    }
    let from = tag
        .content
        .as_ref()
        .map_or(tag.offset + start.len(), |r| r.end);
    let Some(rest) = body.get(from..) else {
        return start;
    };
    let window = clip(rest, 4096);
    let close = format!("</{}", tag.name);
    match window.to_ascii_lowercase().find(&close) {
        Some(n) => {
            let end = window[n..].find('>').map_or(window.len(), |m| n + m + 1);
            body.get(tag.offset..from + end).unwrap_or(start)
        }
        None => start,
    }
}

/// The lower-cased host of an absolute URL.
pub(crate) fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// An attribute URL resolved against the page URL (`None` when it does not resolve).
pub(crate) fn resolve(page: &str, href: &str) -> Option<url::Url> {
    url::Url::parse(page).ok()?.join(href.trim()).ok()
}

/// The `scheme://host[:port]` origin of a URL, lower-cased; `None` when it does not parse.
pub(crate) fn origin(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_unique_and_named_as_zap() {
        let rules = rules();
        let mut ids: Vec<u32> = rules.iter().map(|r| r.info().id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate plugin ids");
        // Names as in ZAP's passive rule table (shared fixture, read at test time, not committed).
        let tsv =
            std::fs::read_to_string("/work/shared/fixtures/upstream/zap/passive-scan-rules.tsv");
        if let Ok(tsv) = tsv {
            for r in &rules {
                let info = r.info();
                if let Some(line) = tsv
                    .lines()
                    .find(|l| l.split('\t').next() == Some(&info.id.to_string()))
                {
                    let name = line.split('\t').nth(1).unwrap_or_default();
                    assert_eq!(info.name, name, "rule {}", info.id);
                }
            }
        }
    }

    /// Every `r<id>_<name>/` folder under `src/rules/` that is a content rule is registered and has a README
    /// naming its id; every registered content rule has a folder.
    #[test]
    fn folders_match_registry() {
        let ids: Vec<u32> = rules().iter().map(|r| r.info().id).collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut folders = Vec::new();
        for e in std::fs::read_dir(&dir).expect("rules dir") {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            let Some(id) = name
                .strip_prefix('r')
                .and_then(|r| r.split('_').next())
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if !ids.contains(&id) {
                continue; // a header rule folder (headers.rs)
            }
            let readme =
                std::fs::read_to_string(dir.join(&name).join("README.md")).expect("README.md");
            assert!(readme.starts_with(&format!("# {id} ")), "{name}/README.md");
            assert!(readme.contains("Cases"), "{name}/README.md names its cases");
            folders.push(id);
        }
        for id in ids {
            assert!(folders.contains(&id), "rule {id} has no folder");
        }
    }

    /// 10 MiB bodies (the body limit) of adversarial shapes go through every content rule in bounded time, the
    /// page parsed once as the scan loop does: many tags, comments, scripts and forms; one huge comment; long
    /// digit runs; one huge base64 run; a run of slashes; binary bytes. A quadratic step shows as minutes.
    #[test]
    fn huge_bodies_stay_linear() {
        use crate::html::Document;
        use crate::rules::ScanContext;
        use crate::rules::testing::{MsgExt, msg};
        const SIZE: usize = 10 * 1024 * 1024;
        let chunk = "<p class=x>10.0.0.1 4111 1111 1111 1111 1704114087 TODO</p><!-- FIXME admin --><script>// x\nvar a=1;</script><a href='https://o.test/' target=_blank rel=opener>x</a><form method=post><input name=q></form>\n";
        let bodies = [
            chunk.repeat(SIZE / chunk.len()),
            format!("<!-- {} -->", "a TODO ".repeat(SIZE / 7)),
            "1234567890 ".repeat(SIZE / 11),
            format!("<p>{}</p>", "QUJD".repeat(SIZE / 4)),
            "/".repeat(SIZE),
        ];
        let rules = rules();
        let origins = [String::from("https://app.test")];
        for (i, body) in bodies.iter().enumerate() {
            for ct in ["text/html", "application/javascript"] {
                let m = msg("https://app.test/page?q=x", 200)
                    .header("Content-Type", ct)
                    .body(body);
                let doc = m.is_html().then(|| Document::parse(&m.body));
                let text = m.body_text();
                let cx = ScanContext {
                    doc: doc.as_ref(),
                    text: &text,
                    vulns: None,
                    secrets: None,
                    origins: &origins,
                };
                for r in &rules {
                    let t = std::time::Instant::now();
                    let mut out = Vec::new();
                    r.scan(&m, &cx, &mut out);
                    let took = t.elapsed();
                    assert!(
                        took.as_secs() < 20,
                        "rule {} took {took:?} on body {i} ({ct})",
                        r.info().id
                    );
                }
            }
        }
        let mut m =
            msg("https://app.test/x.bin", 200).header("Content-Type", "application/octet-stream");
        m.body = (0..SIZE).map(|i| (i * 7 % 256) as u8).collect();
        for r in &rules {
            let _ = crate::rules::testing::run(r.as_ref(), &m);
        }
    }

    #[test]
    fn visible_text_drops_markup_scripts_and_styles() {
        let t = visible_text("<p>a<b>b</b></p><script>x=1</script><STYLE>.c{}</STYLE><!-- c -->d");
        assert_eq!(t.split_whitespace().collect::<Vec<_>>(), ["a", "b", "d"]);
    }

    #[test]
    fn base64_round() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert!(base64_decode("a b").is_none());
    }
}
