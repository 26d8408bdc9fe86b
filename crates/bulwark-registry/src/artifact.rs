//! OCI artifacts on a registry: descriptors and image indexes as the OCI image spec writes them, the tag
//! listing (`/v2/<name>/tags/list` and its `Link` header) and the referrers API (`/v2/<name>/referrers/<digest>`)
//! with its tag-schema fallback. The parsers here are pure functions over bytes, so that they can be fuzzed.
//!
//! Where each rule comes from: the OCI distribution spec (opencontainers/distribution-spec `spec.md`,
//! sections "Listing Tags", "Listing Referrers", "Pushing Manifests with Subject" and "Referrers Tag Schema").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Digest, OCI_INDEX};

/// Referrers lists (from the API or the fallback tag) with more descriptors than this are refused. A 4 MiB
/// index holds about 20,000 descriptors; real images have a handful of referrers.
pub const MAX_REFERRERS: usize = 4096;
/// The tag listing stops with an error past this many tags, unless told otherwise.
pub const MAX_TAGS: usize = 100_000;
/// Tags asked for per page of `/v2/<name>/tags/list`.
pub const TAG_PAGE_SIZE: usize = 1000;
/// How many pages a listing (tags, referrers) may take before we give up (a `Link` loop).
pub(crate) const MAX_PAGES: usize = 10_000;

/// A content descriptor, serialized with go-containerregistry's field order (`mediaType`, `size`, `digest`,
/// `annotations`, `artifactType`) so that what we write has cosign's layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OciDescriptor {
    #[serde(default)]
    pub media_type: String,
    pub size: u64,
    pub digest: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl OciDescriptor {
    /// A descriptor of `bytes` with `media_type` and no annotations.
    #[must_use]
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self {
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
            digest: Digest::of(bytes).to_string(),
            annotations: BTreeMap::new(),
            artifact_type: None,
        }
    }
}

/// An OCI image index (`application/vnd.oci.image.index.v1+json`), as the referrers API and the referrers tag
/// schema return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OciIndex {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    pub manifests: Vec<OciDescriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl OciIndex {
    /// An empty referrers list.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            schema_version: 2,
            media_type: OCI_INDEX.to_owned(),
            manifests: Vec::new(),
            annotations: BTreeMap::new(),
        }
    }
}

/// What the fields of a pushed manifest say about referrers: its `subject`, `artifactType`, config media type
/// and annotations (what goes into its descriptor in a referrers list).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrerFields {
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub subject: Option<OciDescriptor>,
    #[serde(default)]
    pub config: Option<OciDescriptor>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Reads the referrer-related fields of a manifest.
pub fn parse_referrer_fields(bytes: &[u8]) -> Result<ReferrerFields, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))
}

/// Parses a referrers list: an OCI image index (schemaVersion 2, `mediaType` the OCI index type when present)
/// of at most [`MAX_REFERRERS`] descriptors, each with a well-formed sha256 digest.
pub fn parse_referrers_index(bytes: &[u8]) -> Result<OciIndex, String> {
    // Count the descriptors before building them: serde would allocate the whole list first.
    #[derive(Deserialize)]
    struct Shape {
        #[serde(rename = "schemaVersion")]
        schema_version: Option<u32>,
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<Vec<serde::de::IgnoredAny>>,
    }
    let shape: Shape =
        serde_json::from_slice(bytes).map_err(|e| format!("not an image index: {e}"))?;
    if shape.schema_version != Some(2) {
        return Err(format!(
            "not an image index: schemaVersion {:?}, expected 2",
            shape.schema_version
        ));
    }
    if let Some(mt) = shape.media_type.as_deref()
        && mt != OCI_INDEX
    {
        return Err(format!("not an OCI image index: mediaType {mt:?}"));
    }
    let Some(entries) = shape.manifests else {
        return Err("not an image index: no manifests list".to_owned());
    };
    if entries.len() > MAX_REFERRERS {
        return Err(format!(
            "{} entries, more than the limit of {MAX_REFERRERS}",
            entries.len()
        ));
    }
    let index: OciIndex =
        serde_json::from_slice(bytes).map_err(|e| format!("not an image index: {e}"))?;
    for d in &index.manifests {
        Digest::parse(&d.digest).map_err(|e| format!("entry {}: {e}", d.digest))?;
    }
    Ok(index)
}

/// The tag schema of the referrers fallback: `sha256:<hex>` → `sha256-<hex>`.
#[must_use]
pub fn referrers_tag(digest: &Digest) -> String {
    format!("sha256-{}", digest.hex())
}

/// One page of `/v2/<name>/tags/list`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagPage {
    #[serde(default)]
    pub name: String,
    /// `null` on some registries for an empty repository.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Parses one page of a tag listing; refuses a page of more than `limit` tags before building them, and
/// tags that are not valid tag names (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`).
pub fn parse_tag_page(bytes: &[u8], limit: usize) -> Result<TagPage, String> {
    #[derive(Deserialize)]
    struct Shape {
        #[serde(default)]
        tags: Option<Vec<serde::de::IgnoredAny>>,
    }
    let shape: Shape = serde_json::from_slice(bytes).map_err(|e| format!("not a tag list: {e}"))?;
    let n = shape.tags.map_or(0, |t| t.len());
    if n > limit {
        return Err(format!(
            "{n} tags in one page, more than the limit of {limit}"
        ));
    }
    let page: TagPage =
        serde_json::from_slice(bytes).map_err(|e| format!("not a tag list: {e}"))?;
    if let Some(bad) = page.tags.iter().find(|t| !valid_tag(t)) {
        let shown: String = bad.chars().take(80).collect();
        return Err(format!("invalid tag name {shown:?}"));
    }
    Ok(page)
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}` (the distribution spec's tag grammar).
#[must_use]
pub fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

/// The `rel="next"` target of an RFC 5988 `Link` header (`<url>; rel="next"`, possibly among other links),
/// or `None`.
#[must_use]
pub fn parse_link_next(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        let after = &rest[end + 1..];
        // The parameters run to the next link (`, <`) or the end.
        let params_end = after.find(',').unwrap_or(after.len());
        let params = &after[..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next && !target.is_empty() && !target.chars().any(char::is_control) {
            return Some(target.to_owned());
        }
        rest = &after[params_end..];
        if rest.is_empty() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_forms() {
        // docker-registry 2.8's form, then RFC 5988 variants.
        assert_eq!(
            parse_link_next(r#"</v2/a/tags/list?last=t9&n=10>; rel="next""#).as_deref(),
            Some("/v2/a/tags/list?last=t9&n=10")
        );
        assert_eq!(
            parse_link_next("<https://r.example/v2/a/tags/list?n=2&last=b>;rel=next").as_deref(),
            Some("https://r.example/v2/a/tags/list?n=2&last=b")
        );
        assert_eq!(
            parse_link_next(r#"</prev>; rel="prev", </next?x=1>; rel="next""#).as_deref(),
            Some("/next?x=1")
        );
        assert_eq!(parse_link_next(r#"</prev>; rel="prev""#), None);
        assert_eq!(parse_link_next(""), None);
        assert_eq!(parse_link_next("<unterminated; rel=next"), None);
    }

    #[test]
    fn tag_pages() {
        let p = parse_tag_page(br#"{"name":"a","tags":["v1","latest"]}"#, 10).unwrap();
        assert_eq!(p.tags, ["v1", "latest"]);
        assert!(
            parse_tag_page(br#"{"name":"a","tags":null}"#, 10)
                .unwrap()
                .tags
                .is_empty()
        );
        assert!(
            parse_tag_page(br#"{"name":"a","tags":["a","b","c"]}"#, 2)
                .unwrap_err()
                .contains("limit of 2")
        );
        assert!(
            parse_tag_page(br#"{"name":"a","tags":["../x"]}"#, 2)
                .unwrap_err()
                .contains("invalid tag")
        );
        assert!(parse_tag_page(b"{\"tags\":[", 2).is_err());
    }

    #[test]
    fn referrers_index_bounds_and_shape() {
        let d = format!("sha256:{}", "a".repeat(64));
        let ok = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"m","size":1,"digest":"{d}","artifactType":"t"}}]}}"#
        );
        let idx = parse_referrers_index(ok.as_bytes()).unwrap();
        assert_eq!(idx.manifests[0].artifact_type.as_deref(), Some("t"));
        let docker = ok.replace(OCI_INDEX, crate::DOCKER_MANIFEST_LIST);
        assert!(
            parse_referrers_index(docker.as_bytes())
                .unwrap_err()
                .contains("not an OCI image index")
        );
        let bad_digest = ok.replace(&d, "sha256:zz");
        assert!(parse_referrers_index(bad_digest.as_bytes()).is_err());
        let many = format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            vec!["{}"; MAX_REFERRERS + 1].join(",")
        );
        assert!(
            parse_referrers_index(many.as_bytes())
                .unwrap_err()
                .contains("more than the limit")
        );
    }

    #[test]
    fn descriptor_field_order_is_go_containerregistry_s() {
        let mut d = OciDescriptor::of("application/x", b"{}");
        d.annotations.insert("b".into(), "2".into());
        d.annotations.insert("a".into(), "1".into());
        d.artifact_type = Some("t".into());
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"mediaType":"application/x","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","annotations":{"a":"1","b":"2"},"artifactType":"t"}"#
        );
    }
}
