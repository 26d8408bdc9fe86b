//! Pushing to a registry: blobs (`HEAD` to skip what is there, then a monolithic `POST` + `PUT` upload) and
//! manifests (`PUT`), with the same TLS, credentials and token handling as pulls. The distribution spec's
//! "pushing blobs" and "pushing manifests" sections are what is followed.

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

/// A connection to one repository for pushing.
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

    /// Uploads `bytes` unless the repository already has them: `POST /v2/<name>/blobs/uploads/`, then one
    /// `PUT <location>?digest=…` with the whole blob.
    pub fn push_blob(&mut self, bytes: &[u8]) -> Result<PushedBlob, RegistryError> {
        let digest = Digest::of(bytes);
        let size = bytes.len() as u64;
        if self.blob_exists(&digest)? {
            return Ok(PushedBlob {
                digest,
                size,
                uploaded: false,
            });
        }
        let start = self.client.url("blobs", "uploads/");
        let resp = self.client.send("POST", &start, None, Some((&[], "")))?;
        if resp.status().as_u16() != 202 {
            return Err(status_err("POST", &start, resp));
        }
        let location = header(&resp, "location").ok_or_else(|| RegistryError::Status {
            method: "POST",
            url: start.clone(),
            status: 202,
            detail: ": no Location header for the upload".to_owned(),
        })?;
        let mut put = self.client.resolve_location(&location);
        put.push(if put.contains('?') { '&' } else { '?' });
        put.push_str("digest=");
        put.push_str(&digest.to_string().replace(':', "%3A"));
        let resp =
            self.client
                .send("PUT", &put, None, Some((bytes, "application/octet-stream")))?;
        if resp.status().as_u16() != 201 {
            return Err(status_err("PUT", &put, resp));
        }
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
