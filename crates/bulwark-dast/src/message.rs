//! One request and its response, as every rule and report sees it.

use std::borrow::Cow;
use std::time::Duration;

/// A request and the response it got. Redirects are not followed by the client: each hop is its own message,
/// as ZAP records them (rules such as 10028 and 10044 judge redirects).
#[derive(Debug, Clone, Default)]
pub struct HttpMessage {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The absolute URL requested (fragment removed).
    pub url: String,
    /// Request headers as sent, in order.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    /// Response status code.
    pub status: u16,
    /// `HTTP/1.1`, `HTTP/2`.
    pub http_version: String,
    /// Response headers in the order received; names as received (compare case-insensitively).
    pub response_headers: Vec<(String, String)>,
    /// The response body, decoded from gzip/deflate/br where the client did so, cut at the body limit.
    pub body: Vec<u8>,
    /// The body was cut at the limit (`--max-body-size`); rules see the first part only.
    pub truncated: bool,
    /// Time to the end of the body.
    pub elapsed: Duration,
    /// Spider depth at which the URL was found (0 for a seed).
    pub depth: u32,
}

impl HttpMessage {
    /// The first response header of that name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every response header of that name, in order.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.response_headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first request header of that name (case-insensitive).
    #[must_use]
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The response media type, lower-cased, without parameters (`text/html`).
    #[must_use]
    pub fn media_type(&self) -> Option<String> {
        let ct = self.header("content-type")?;
        let mt = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        (!mt.is_empty()).then_some(mt)
    }

    /// Whether the response is HTML (`text/html`, `application/xhtml+xml`).
    #[must_use]
    pub fn is_html(&self) -> bool {
        matches!(
            self.media_type().as_deref(),
            Some("text/html" | "application/xhtml+xml")
        )
    }

    /// Whether the URL is `https:`.
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }

    /// Whether the status is a redirect (3xx with a Location).
    #[must_use]
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status) && self.header("location").is_some()
    }

    /// The body as text (UTF-8, invalid sequences replaced).
    #[must_use]
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}
