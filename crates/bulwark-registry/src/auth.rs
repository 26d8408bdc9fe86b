//! Credentials and `WWW-Authenticate` challenges.
//!
//! Credential helpers (`credsStore`, `credHelpers`) and OAuth2 identity tokens are out of
//! scope: only `auths.<host>.auth` / `username` / `password` entries are read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::RegistryError;
use crate::reference::{DOCKER_HUB, DOCKER_HUB_API};

/// A username and password for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// The value of an `Authorization: Basic …` header.
    #[must_use]
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

/// One parsed challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Lower-cased scheme: `basic`, `bearer`…
    pub scheme: String,
    /// Lower-cased parameter names with their (unquoted) values.
    pub params: BTreeMap<String, String>,
}

/// Parses a `WWW-Authenticate` header value (RFC 7235) into its challenges, e.g.
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"`.
/// Malformed input yields whatever could be read; it never panics.
#[must_use]
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        // A token followed by '=' is a parameter of the current challenge; otherwise it starts
        // a new challenge.
        let tok_end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..tok_end];
        let after = rest[tok_end..].trim_start_matches([' ', '\t']);
        if token.is_empty() {
            break;
        }
        if let Some(value_part) = after.strip_prefix('=').filter(|_| !out.is_empty()) {
            let value_part = value_part.trim_start();
            let (value, remaining) = if let Some(q) = value_part.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = q.char_indices();
                let mut end = q.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        _ => value.push(c),
                    }
                }
                (value, &q[end.min(q.len())..])
            } else {
                let end = value_part.find(',').unwrap_or(value_part.len());
                (value_part[..end].trim().to_owned(), &value_part[end..])
            };
            if let Some(last) = out.last_mut() {
                last.params.insert(token.to_ascii_lowercase(), value);
            }
            rest = remaining;
        } else if after.starts_with('=') {
            // A parameter before any scheme: skip it.
            let end = after.find(',').unwrap_or(after.len());
            rest = &after[end..];
        } else {
            out.push(Challenge {
                scheme: token.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
            rest = after;
        }
    }
    out
}

#[derive(Debug, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Debug, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
#[must_use]
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Credentials for `registry` (as written in the reference, e.g. `docker.io` or
/// `127.0.0.1:5000`) from a Docker config file. A missing file means no credentials.
pub fn credentials_from_docker_config(
    path: &Path,
    registry: &str,
) -> Result<Option<Credentials>, RegistryError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RegistryError::io("reading", path, e)),
    };
    let bad = |reason: String| RegistryError::DockerConfig {
        path: path.to_owned(),
        reason,
    };
    let config: DockerConfig = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let wanted = normalise_host(registry);
    let Some((key, entry)) = config
        .auths
        .iter()
        .find(|(key, _)| normalise_host(key) == wanted)
    else {
        return Ok(None);
    };
    if let (Some(username), Some(password)) = (&entry.username, &entry.password)
        && !username.is_empty()
    {
        return Ok(Some(Credentials {
            username: username.clone(),
            password: password.clone(),
        }));
    }
    let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(auth.trim())
        .map_err(|e| bad(format!("auths.{key}.auth is not base64: {e}")))?;
    let decoded =
        String::from_utf8(decoded).map_err(|_| bad(format!("auths.{key}.auth is not UTF-8")))?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| bad(format!("auths.{key}.auth is not user:password")))?;
    Ok(Some(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    }))
}

/// Reduces a config key (`https://index.docker.io/v1/`, `ghcr.io`, `http://h:5000/`) to the
/// registry name used in references; all Docker Hub spellings become `docker.io`.
fn normalise_host(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or("").to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | DOCKER_HUB_API | "registry.hub.docker.com" => DOCKER_HUB.to_owned(),
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer_challenge() {
        // The header Docker Hub sends for an anonymous manifest request.
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        let c = parse_challenges(h);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].params["realm"], "https://auth.docker.io/token");
        assert_eq!(c[0].params["service"], "registry.docker.io");
        assert_eq!(c[0].params["scope"], "repository:library/nginx:pull");
    }

    #[test]
    fn distribution_challenges() {
        // The header our test distribution server sends (token auth), and the htpasswd one.
        let c = parse_challenges(
            r#"Bearer realm="http://127.0.0.1:9/token",service="bulwark-test",scope="repository:alpine:pull""#,
        );
        assert_eq!(c[0].params["scope"], "repository:alpine:pull");
        let c = parse_challenges(r#"Basic realm="bulwark-test""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].params["realm"], "bulwark-test");
    }

    #[test]
    fn odd_challenges() {
        // Multiple scopes, escaped quotes, unquoted tokens, two challenges in one header.
        let c = parse_challenges(
            r#"Basic realm="a \"q\"", BEARER realm=https://x/t , scope="repository:a:pull,push repository:b:pull",error=insufficient_scope"#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].params["realm"], "a \"q\"");
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].params["realm"], "https://x/t");
        assert_eq!(
            c[1].params["scope"],
            "repository:a:pull,push repository:b:pull"
        );
        assert_eq!(c[1].params["error"], "insufficient_scope");
        for junk in ["", "=", "\"", "Bearer realm=\"unterminated", ",,,", "a=b"] {
            let _ = parse_challenges(junk);
        }
        assert_eq!(parse_challenges("Bearer realm=\"x")[0].params["realm"], "x");
    }

    #[test]
    fn docker_config_entries() {
        let dir =
            std::env::temp_dir().join(format!("bulwark-registry-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        // base64("u1:p:1") and an explicit username/password.
        std::fs::write(
            &path,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTE6cDox"},
                "127.0.0.1:5000":{"username":"u2","password":"p2"},
                "ghcr.io":{"auth":"!!"}},"credsStore":"desktop"}"#,
        )
        .unwrap();
        let hub = credentials_from_docker_config(&path, "docker.io")
            .unwrap()
            .unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.password.as_str()),
            ("u1", "p:1")
        );
        let local = credentials_from_docker_config(&path, "127.0.0.1:5000")
            .unwrap()
            .unwrap();
        assert_eq!(local.username, "u2");
        assert!(
            credentials_from_docker_config(&path, "quay.io")
                .unwrap()
                .is_none()
        );
        assert!(credentials_from_docker_config(&path, "ghcr.io").is_err());
        assert!(
            credentials_from_docker_config(&dir.join("missing.json"), "x")
                .unwrap()
                .is_none()
        );
        assert!(!format!("{hub:?}").contains("p:1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
