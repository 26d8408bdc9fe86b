//! Pushing to a registry: blobs (`HEAD` to skip what is there, then a monolithic `POST` + `PUT` upload, or
//! `POST`, `PATCH`es and `PUT` for a chunked one) and manifests (`PUT`), with the same TLS, credentials and token
//! handling as pulls; and the reads signing needs (raw manifests, blobs, tags, referrers). The distribution
//! spec's "pushing blobs", "pushing manifests", "listing tags" and "listing referrers" sections are what is
//! followed.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use crate::client::Client;
use crate::{Digest, Reference, RegistryError};

/// How to push. `PushOptions::default()` speaks HTTPS (plain HTTP to loopback), with credentials from the
/// Docker config file when it has some for the registry.
#[derive(Clone)]
pub struct PushOptions {
    /// Speak plain HTTP to the registry.
    pub insecure: bool,
    /// PEM bundle of CA certificates to trust instead of the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// Explicit credentials; they take precedence over the Docker config file.
    pub username: Option<String>,
    pub password: Option<String>,
    /// Docker config file to read credentials from; `None` means the default one.
    pub docker_config: Option<PathBuf>,
    /// The whole push must finish within this. `None`: no deadline.
    pub deadline: Option<Duration>,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            insecure: false,
            ca_file: None,
            username: None,
            password: None,
            docker_config: None,
            deadline: Some(crate::DEFAULT_PULL_DEADLINE),
        }
    }
}

impl std::fmt::Debug for PushOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushOptions")
            .field("insecure", &self.insecure)
            .field("ca_file", &self.ca_file)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("docker_config", &self.docker_config)
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// A connection to one repository for pushing, and for reading back what pushes need (manifests, blobs, tags,
/// referrers).
pub struct Pusher {
    client: Client,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("repository", &self.client.repository())
            .finish_non_exhaustive()
    }
}

/// What [`Pusher::push_blob`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedBlob {
    pub digest: Digest,
    pub size: u64,
    /// False when the registry already had it (nothing was uploaded).
    pub uploaded: bool,
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn status_err(
    method: &'static str,
    url: &str,
    resp: ureq::http::Response<ureq::Body>,
) -> RegistryError {
    let status = resp.status().as_u16();
    let mut detail = String::new();
    if let Ok(text) = resp
        .into_body()
        .into_with_config()
        .limit(4096)
        .read_to_string()
    {
        let text: String = text
            .chars()
            .take(300)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if !text.trim().is_empty() {
            detail = format!(": {}", text.trim());
        }
    }
    RegistryError::Status {
        method,
        url: url.to_owned(),
        status,
        detail,
    }
}

impl Pusher {
    /// Opens `reference`'s repository (its tag or digest is not used here).
    pub fn new(reference: &Reference, opts: &PushOptions) -> Result<Self, RegistryError> {
        let client = crate::connect(
            reference,
            &crate::Access {
                insecure: opts.insecure,
                ca_file: opts.ca_file.as_deref(),
                username: opts.username.as_deref(),
                password: opts.password.as_deref(),
                docker_config: opts.docker_config.as_deref(),
                deadline: opts.deadline,
            },
        )?;
        Ok(Self { client })
    }

    /// Whether the repository has the blob (`HEAD /v2/<name>/blobs/<digest>`).
    pub fn blob_exists(&mut self, digest: &Digest) -> Result<bool, RegistryError> {
        let url = self.client.url("blobs", &digest.to_string());
        let resp = self.client.send("HEAD", &url, None, None)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(status_err("HEAD", &url, resp)),
        }
    }

    /// Uploads `bytes` unless the repository already has them: up to [`CHUNKED_THRESHOLD`] bytes,
    /// `POST /v2/<name>/blobs/uploads/` then one `PUT <location>?digest=…` with the whole blob (monolithic);
    /// above it, in chunks ([`Pusher::push_blob_chunked`]).
    pub fn push_blob(&mut self, bytes: &[u8]) -> Result<PushedBlob, RegistryError> {
        if bytes.len() > CHUNKED_THRESHOLD {
            return self.push_blob_chunked(bytes, CHUNK_SIZE);
        }
        let digest = Digest::of(bytes);
        let size = bytes.len() as u64;
        if self.blob_exists(&digest)? {
            return Ok(PushedBlob {
                digest,
                size,
                uploaded: false,
            });
        }
        let (location, _) = self.start_upload()?;
        self.finish_upload(&location, &digest, bytes)?;
        Ok(PushedBlob {
            digest,
            size,
            uploaded: true,
        })
    }

    /// `PUT /v2/<name>/manifests/<target>` (a tag or a digest) with `media_type`; returns the manifest's
    /// digest. The registry's `Docker-Content-Digest`, when it sends one, must agree.
    pub fn push_manifest(
        &mut self,
        target: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, RegistryError> {
        let url = self.client.url("manifests", target);
        let digest = Digest::of(bytes);
        let resp = self
            .client
            .send("PUT", &url, None, Some((bytes, media_type)))?;
        if resp.status().as_u16() != 201 {
            return Err(status_err("PUT", &url, resp));
        }
        if let Some(claimed) = header(&resp, "docker-content-digest")
            && claimed.starts_with("sha256:")
            && claimed != digest.to_string()
        {
            return Err(RegistryError::DigestMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected: digest.to_string(),
                actual: claimed,
            });
        }
        Ok(digest)
    }
}

/// Blobs larger than this are uploaded in chunks ([`Pusher::push_blob_chunked`]) by [`Pusher::push_blob`].
pub const CHUNKED_THRESHOLD: usize = 16 * 1024 * 1024;
/// The chunk size of those uploads (unless the registry asks for larger chunks with `OCI-Chunk-Min-Length`).
pub const CHUNK_SIZE: usize = 8 * 1024 * 1024;

/// A manifest as the registry served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawManifest {
    pub bytes: Vec<u8>,
    /// The `Content-Type` the registry sent, else the body's `mediaType`, else empty.
    pub media_type: String,
    /// The sha256 of `bytes` (checked against the digest asked for, or the registry's `Docker-Content-Digest`).
    pub digest: Digest,
}

/// Where a referrers list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersSource {
    /// `GET /v2/<name>/referrers/<digest>`.
    Api,
    /// The image index tagged `sha256-<hex>` (the registry has no referrers API).
    TagSchema,
}

/// A referrers list, filtered by `artifactType` when one was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrers {
    pub manifests: Vec<crate::OciDescriptor>,
    pub source: ReferrersSource,
}

/// What [`Pusher::push_referrer`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedReferrer {
    pub digest: Digest,
    pub size: u64,
    /// The registry answered `OCI-Subject` (it has the referrers API and indexed the manifest itself).
    pub subject_indexed_by_registry: bool,
    /// We updated the `sha256-<hex>` fallback index (false when the registry indexed it, or the index already
    /// listed the manifest).
    pub fallback_updated: bool,
}

impl Pusher {
    fn location(
        &self,
        method: &'static str,
        url: &str,
        resp: &ureq::http::Response<ureq::Body>,
    ) -> Result<String, RegistryError> {
        let location = header(resp, "location").ok_or_else(|| RegistryError::Status {
            method,
            url: url.to_owned(),
            status: resp.status().as_u16(),
            detail: ": no Location header for the upload".to_owned(),
        })?;
        Ok(self.client.resolve_location(&location))
    }

    fn start_upload(&mut self) -> Result<(String, Option<usize>), RegistryError> {
        let start = self.client.url("blobs", "uploads/");
        let resp = self.client.send("POST", &start, None, Some((&[], "")))?;
        if resp.status().as_u16() != 202 {
            return Err(status_err("POST", &start, resp));
        }
        let min = header(&resp, "oci-chunk-min-length").and_then(|v| v.trim().parse().ok());
        Ok((self.location("POST", &start, &resp)?, min))
    }

    fn finish_upload(
        &mut self,
        location: &str,
        digest: &Digest,
        body: &[u8],
    ) -> Result<(), RegistryError> {
        let mut put = location.to_owned();
        put.push(if put.contains('?') { '&' } else { '?' });
        put.push_str("digest=");
        put.push_str(&digest.to_string().replace(':', "%3A"));
        let resp = self
            .client
            .send("PUT", &put, None, Some((body, "application/octet-stream")))?;
        if resp.status().as_u16() != 201 {
            return Err(status_err("PUT", &put, resp));
        }
        Ok(())
    }

    /// Uploads `bytes` in chunks of `chunk_size` (or the registry's `OCI-Chunk-Min-Length`, when larger):
    /// `POST`, one `PATCH` per chunk with `Content-Range: <start>-<end>` following each `Location`, and a final
    /// `PUT ?digest=` without a body. Skips the upload when the registry has the blob.
    pub fn push_blob_chunked(
        &mut self,
        bytes: &[u8],
        chunk_size: usize,
    ) -> Result<PushedBlob, RegistryError> {
        let digest = Digest::of(bytes);
        let size = bytes.len() as u64;
        if self.blob_exists(&digest)? {
            return Ok(PushedBlob {
                digest,
                size,
                uploaded: false,
            });
        }
        let (mut location, min) = self.start_upload()?;
        let chunk_size = chunk_size.max(min.unwrap_or(1)).max(1);
        let mut offset = 0usize;
        for chunk in bytes.chunks(chunk_size) {
            let end = offset + chunk.len() - 1;
            let range = format!("{offset}-{end}");
            let resp = self.client.send_with_headers(
                "PATCH",
                &location,
                None,
                Some((chunk, "application/octet-stream")),
                // ureq sets Content-Length from the body.
                &[("Content-Range", &range)],
            )?;
            if resp.status().as_u16() != 202 {
                return Err(status_err("PATCH", &location, resp));
            }
            // The registry says how far it got; anything but our end is an upload we cannot trust.
            if let Some(got) = header(&resp, "range")
                && got.trim().rsplit('-').next() != Some(end.to_string().as_str())
            {
                return Err(RegistryError::Status {
                    method: "PATCH",
                    url: location,
                    status: 202,
                    detail: format!(": the registry acknowledged range {got:?}, we sent {range}"),
                });
            }
            location = self.location("PATCH", &location, &resp)?;
            offset = end + 1;
        }
        self.finish_upload(&location, &digest, &[])?;
        Ok(PushedBlob {
            digest,
            size,
            uploaded: true,
        })
    }

    /// `GET /v2/<name>/manifests/<target>` (a tag or a digest) with `accept` (e.g. [`crate::MANIFEST_ACCEPT`]);
    /// `None` when the registry has no such manifest. At most [`crate::MAX_MANIFEST_BYTES`]; the bytes must hash
    /// to `target` when it is a digest, else to the registry's `Docker-Content-Digest` when it sends one.
    pub fn get_manifest(
        &mut self,
        target: &str,
        accept: &str,
    ) -> Result<Option<RawManifest>, RegistryError> {
        let url = self.client.url("manifests", target);
        let resp = self.client.get(&url, accept)?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            _ => return Err(status_err("GET", &url, resp)),
        }
        let content_type = header(&resp, "content-type")
            .map(|c| c.split(';').next().unwrap_or_default().trim().to_owned());
        let claimed = header(&resp, "docker-content-digest");
        let bytes = self.read_body(&url, "manifest", crate::MAX_MANIFEST_BYTES, resp)?;
        let digest = Digest::of(&bytes);
        let expected = if target.starts_with("sha256:") {
            Some(target.to_owned())
        } else {
            claimed.filter(|c| c.starts_with("sha256:"))
        };
        if let Some(expected) = expected
            && expected != digest.to_string()
        {
            return Err(RegistryError::DigestMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected,
                actual: digest.to_string(),
            });
        }
        let media_type = content_type
            .filter(|c| !c.is_empty() && c != "application/json")
            .or_else(|| {
                crate::artifact::parse_referrer_fields(&bytes)
                    .ok()
                    .and_then(|f| f.media_type)
            })
            .unwrap_or_default();
        Ok(Some(RawManifest {
            bytes,
            media_type,
            digest,
        }))
    }

    /// `GET /v2/<name>/blobs/<digest>`: the blob, refused before the download when `size` exceeds `limit`, and
    /// checked against `size` and `digest` after it.
    pub fn get_blob(
        &mut self,
        digest: &Digest,
        size: u64,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let url = self.client.url("blobs", &digest.to_string());
        if size > limit {
            return Err(RegistryError::TooLarge {
                url,
                what: "blob",
                limit,
            });
        }
        let resp = self.client.get(&url, "*/*")?;
        let resp = self
            .client
            .check_status(&url, &format!("blob {digest}"), resp)?;
        let bytes = match resp
            .into_body()
            .into_with_config()
            .limit(size)
            .read_to_vec()
        {
            Ok(b) => b,
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(RegistryError::SizeMismatch {
                    url,
                    repository: self.client.repository().to_owned(),
                    expected: size,
                    actual: size + 1,
                });
            }
            Err(e) => return Err(self.client.transport_err(&url, e)),
        };
        if bytes.len() as u64 != size {
            return Err(RegistryError::SizeMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected: size,
                actual: bytes.len() as u64,
            });
        }
        let actual = Digest::of(&bytes);
        if &actual != digest {
            return Err(RegistryError::DigestMismatch {
                url,
                repository: self.client.repository().to_owned(),
                expected: digest.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(bytes)
    }

    fn read_body(
        &self,
        url: &str,
        what: &'static str,
        limit: u64,
        resp: ureq::http::Response<ureq::Body>,
    ) -> Result<Vec<u8>, RegistryError> {
        match resp
            .into_body()
            .into_with_config()
            .limit(limit)
            .read_to_vec()
        {
            Ok(b) => Ok(b),
            Err(ureq::Error::BodyExceedsLimit(_)) => Err(RegistryError::TooLarge {
                url: url.to_owned(),
                what,
                limit,
            }),
            Err(e) => Err(self.client.transport_err(url, e)),
        }
    }

    /// A `Link: <…>; rel="next"` target as a URL on this registry; a link to another host is refused (our
    /// credentials must not follow it).
    fn next_url(&self, from: &str, link: &str) -> Result<String, RegistryError> {
        let next = self.client.resolve_location(link);
        let base = self.client.base();
        if next.len() > base.len() && next.starts_with(base) && next.as_bytes()[base.len()] == b'/'
        {
            Ok(next)
        } else {
            Err(RegistryError::Status {
                method: "GET",
                url: from.to_owned(),
                status: 200,
                detail: format!(": Link header points to another host: {link:?}"),
            })
        }
    }

    /// Every tag of the repository (`GET /v2/<name>/tags/list?n=<page_size>`), in the registry's order, each
    /// once. Pages are followed through `Link: <…>; rel="next"` (only to this registry); from a registry that
    /// sends no `Link`, a full page (exactly `page_size` tags) is followed by `?n=<page_size>&last=<its last
    /// tag>`, as the
    /// distribution spec allows registries to paginate without it; a page that adds no new tag ends the listing
    /// (a registry that ignores `last`). More than `max_tags` tags, in all or in one page, is an error
    /// ([`RegistryError::TooManyEntries`]), so memory stays bounded whatever the registry sends; each page is at
    /// most [`crate::MAX_MANIFEST_BYTES`].
    pub fn list_tags(
        &mut self,
        page_size: usize,
        max_tags: usize,
    ) -> Result<Vec<String>, RegistryError> {
        let page_size = page_size.clamp(1, 10_000);
        let first = self.client.api_url(&format!("tags/list?n={page_size}"));
        let too_many = |url: &str| RegistryError::TooManyEntries {
            url: url.to_owned(),
            what: "tag list".to_owned(),
            limit: max_tags,
        };
        let mut url = first.clone();
        let mut tags: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        // A registry that pages with `Link` says so on every page but the last.
        let mut uses_link = false;
        for _ in 0..crate::artifact::MAX_PAGES {
            let resp = self.client.get(&url, "application/json")?;
            let resp = self.client.check_status(&url, "tag list", resp)?;
            let link = header(&resp, "link");
            let body = self.read_body(&url, "tag list page", crate::MAX_MANIFEST_BYTES, resp)?;
            let page = crate::artifact::parse_tag_page(&body, max_tags).map_err(|reason| {
                if reason.contains("more than the limit") {
                    too_many(&first)
                } else {
                    RegistryError::InvalidManifest {
                        url: url.clone(),
                        reason,
                    }
                }
            })?;
            let full = page.tags.len() == page_size;
            let last = page.tags.last().cloned();
            let before = tags.len();
            for t in page.tags {
                if seen.insert(t.clone()) {
                    tags.push(t);
                }
            }
            if tags.len() > max_tags {
                return Err(too_many(&first));
            }
            if tags.len() == before {
                return Ok(tags);
            }
            match (
                link.as_deref().and_then(crate::artifact::parse_link_next),
                last,
            ) {
                (Some(next), _) => {
                    uses_link = true;
                    url = self.next_url(&url, &next)?;
                }
                (None, Some(last)) if full && !uses_link => {
                    url = self
                        .client
                        .api_url(&format!("tags/list?n={page_size}&last={last}"));
                }
                _ => return Ok(tags),
            }
        }
        Err(RegistryError::TooManyEntries {
            url: first,
            what: "tag list (pages)".to_owned(),
            limit: crate::artifact::MAX_PAGES,
        })
    }

    /// The manifests that name `subject` as their `subject`, filtered by `artifact_type`: the referrers API
    /// first (`GET /v2/<name>/referrers/<digest>[?artifactType=…]`, following `Link` pages), and when the
    /// registry answers 404 (or 400/406, as registries without the API do), the image index tagged
    /// `sha256-<hex>` (the referrers tag schema), which may be absent (no referrers). The filter is applied
    /// here when the registry did not (`OCI-Filters-Applied`). At most [`crate::MAX_REFERRERS`] entries.
    pub fn referrers(
        &mut self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, RegistryError> {
        let mut url = self.client.api_url(&format!("referrers/{subject}"));
        if let Some(t) = artifact_type {
            url.push_str("?artifactType=");
            url.push_str(&t.replace('+', "%2B").replace('/', "%2F"));
        }
        let first = url.clone();
        let mut out: Vec<crate::OciDescriptor> = Vec::new();
        let mut source = ReferrersSource::Api;
        for page in 0..crate::artifact::MAX_PAGES {
            let resp = self.client.get(&url, crate::OCI_INDEX)?;
            let status = resp.status().as_u16();
            let content_type = header(&resp, "content-type").unwrap_or_default();
            if page == 0
                && (matches!(status, 400 | 404 | 406)
                    || (status == 200 && !content_type.starts_with(crate::OCI_INDEX)))
            {
                source = ReferrersSource::TagSchema;
                break;
            }
            if status != 200 {
                return Err(status_err("GET", &url, resp));
            }
            let filtered = header(&resp, "oci-filters-applied")
                .is_some_and(|h| h.split(',').any(|f| f.trim() == "artifactType"));
            let link = header(&resp, "link");
            let body = self.read_body(&url, "referrers list", crate::MAX_MANIFEST_BYTES, resp)?;
            let index = Self::parse_index(&url, &body)?;
            out.extend(index.manifests.into_iter().filter(|d| {
                filtered || artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type
            }));
            if out.len() > crate::MAX_REFERRERS {
                return Err(RegistryError::TooManyEntries {
                    url: first,
                    what: "referrers list".to_owned(),
                    limit: crate::MAX_REFERRERS,
                });
            }
            match link.as_deref().and_then(crate::artifact::parse_link_next) {
                Some(next) => url = self.next_url(&url, &next)?,
                None => {
                    return Ok(Referrers {
                        manifests: out,
                        source,
                    });
                }
            }
        }
        if source == ReferrersSource::Api {
            return Err(RegistryError::TooManyEntries {
                url: first,
                what: "referrers list (pages)".to_owned(),
                limit: crate::artifact::MAX_PAGES,
            });
        }
        let tag = crate::artifact::referrers_tag(subject);
        let Some(raw) = self.get_manifest(&tag, crate::OCI_INDEX)? else {
            return Ok(Referrers {
                manifests: Vec::new(),
                source,
            });
        };
        let tag_url = self.client.url("manifests", &tag);
        let index = Self::parse_index(&tag_url, &raw.bytes)?;
        Ok(Referrers {
            manifests: index
                .manifests
                .into_iter()
                .filter(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type)
                .collect(),
            source,
        })
    }

    fn parse_index(url: &str, body: &[u8]) -> Result<crate::OciIndex, RegistryError> {
        crate::artifact::parse_referrers_index(body).map_err(|reason| {
            if reason.contains("more than the limit") {
                RegistryError::TooManyEntries {
                    url: url.to_owned(),
                    what: "referrers index".to_owned(),
                    limit: crate::MAX_REFERRERS,
                }
            } else {
                RegistryError::InvalidManifest {
                    url: url.to_owned(),
                    reason,
                }
            }
        })
    }

    /// Pushes a manifest that has a `subject` (by digest, as referrers are), and keeps the referrers list
    /// right: a registry with the referrers API answers `OCI-Subject` and indexes it itself; otherwise the
    /// image index tagged `sha256-<subject hex>` is read (404: start empty; anything but an OCI index: error),
    /// and a descriptor of the manifest, with its `artifactType` (else its config's media type) and all its
    /// annotations, is appended unless already listed, then the index is pushed back under that tag. The
    /// distribution spec's "Pushing Manifests with Subject".
    pub fn push_referrer(
        &mut self,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<PushedReferrer, RegistryError> {
        let digest = Digest::of(bytes);
        let fields = crate::artifact::parse_referrer_fields(bytes).map_err(|reason| {
            RegistryError::InvalidManifest {
                url: self.client.url("manifests", &digest.to_string()),
                reason,
            }
        })?;
        let subject = fields
            .subject
            .as_ref()
            .ok_or_else(|| RegistryError::InvalidManifest {
                url: self.client.url("manifests", &digest.to_string()),
                reason: "a referrer needs a subject".to_owned(),
            })?;
        let subject = Digest::parse(&subject.digest)?;
        let url = self.client.url("manifests", &digest.to_string());
        let resp = self
            .client
            .send("PUT", &url, None, Some((bytes, media_type)))?;
        if resp.status().as_u16() != 201 {
            return Err(status_err("PUT", &url, resp));
        }
        let mut pushed = PushedReferrer {
            digest: digest.clone(),
            size: bytes.len() as u64,
            subject_indexed_by_registry: header(&resp, "oci-subject").is_some(),
            fallback_updated: false,
        };
        if pushed.subject_indexed_by_registry {
            return Ok(pushed);
        }
        let tag = crate::artifact::referrers_tag(&subject);
        let tag_url = self.client.url("manifests", &tag);
        let mut index = match self.get_manifest(&tag, crate::OCI_INDEX)? {
            None => crate::OciIndex::empty(),
            Some(raw) => Self::parse_index(&tag_url, &raw.bytes)?,
        };
        if index
            .manifests
            .iter()
            .any(|d| d.digest == digest.to_string())
        {
            return Ok(pushed);
        }
        if index.manifests.len() >= crate::MAX_REFERRERS {
            return Err(RegistryError::TooManyEntries {
                url: tag_url,
                what: "referrers index".to_owned(),
                limit: crate::MAX_REFERRERS,
            });
        }
        crate::OCI_INDEX.clone_into(&mut index.media_type);
        index.manifests.push(crate::OciDescriptor {
            media_type: fields
                .media_type
                .clone()
                .unwrap_or_else(|| media_type.to_owned()),
            size: bytes.len() as u64,
            digest: digest.to_string(),
            annotations: fields.annotations.clone(),
            artifact_type: fields
                .artifact_type
                .clone()
                .filter(|t| !t.is_empty())
                .or_else(|| fields.config.as_ref().map(|c| c.media_type.clone())),
        });
        let body = serde_json::to_vec(&index).map_err(|e| RegistryError::InvalidManifest {
            url: tag_url.clone(),
            reason: e.to_string(),
        })?;
        self.push_manifest(&tag, crate::OCI_INDEX, &body)?;
        pushed.fallback_updated = true;
        Ok(pushed)
    }
}
