//! Where the cluster is and who we are: kubeconfig files (merged as kubectl merges `$KUBECONFIG`) and the
//! in-cluster service account.
//!
//! kubectl's rules, kept here: `--kubeconfig` names one file, which must exist; otherwise `$KUBECONFIG` is a
//! `:`-separated list whose missing entries are ignored, and the first file to define a cluster, user or
//! context (by name) or `current-context` wins; otherwise `~/.kube/config`. Relative paths in a file
//! (certificate-authority, client-certificate, client-key, tokenFile, an exec command with a `/`) are relative
//! to the directory of the file that holds them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::{KubeError, read_bounded};

/// Largest kubeconfig file read.
pub const MAX_KUBECONFIG_BYTES: u64 = 4 << 20;
/// Largest token, certificate or key file read.
pub(crate) const MAX_SECRET_BYTES: u64 = 1 << 20;

/// The service account directory mounted into every pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// How to reach one cluster as one user: the result of choosing a context, or of the in-cluster config.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// The cluster's name: the kubeconfig cluster entry, or `in-cluster`.
    pub cluster_name: String,
    /// The context chosen (empty in-cluster).
    pub context_name: String,
    /// `https://host:port` (or `http://` for a plain-HTTP server), no trailing `/`.
    pub server: String,
    /// PEM roots to trust instead of none (the API server's CA). `None`: no custom CA.
    pub ca_pem: Option<Vec<u8>>,
    pub insecure_skip_tls_verify: bool,
    /// The name to verify the server's certificate against, when it differs from the server URL's host.
    pub tls_server_name: Option<String>,
    pub auth: Auth,
    /// The context's namespace (or the service account's); `None` when unset.
    pub namespace: Option<String>,
}

/// The user's credentials.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    #[default]
    None,
    /// A bearer token given inline.
    Token(String),
    /// A bearer token read from a file, re-read when the file changes (service-account token rotation).
    TokenFile(PathBuf),
    Basic {
        username: String,
        password: String,
    },
    /// A client certificate and key (PEM), for mutual TLS.
    ClientCert {
        cert_pem: Vec<u8>,
        key_pem: Vec<u8>,
    },
    /// An `exec` credential plugin.
    Exec(ExecConfig),
}

/// `users[].user.exec` (client.authentication.k8s.io).
#[derive(Debug, Clone)]
pub struct ExecConfig {
    pub api_version: String,
    /// The command, resolved against the kubeconfig's directory when it contains a `/`.
    pub command: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

// ---- the file format (only the fields we use; unknown ones are ignored as kubectl ignores them) ----

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    clusters: Option<Vec<Named<RawCluster>>>,
    #[serde(default)]
    users: Option<Vec<Named<RawUser>>>,
    #[serde(default)]
    contexts: Option<Vec<Named<RawContext>>>,
    #[serde(default)]
    current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Named<T> {
    name: String,
    #[serde(alias = "cluster", alias = "user", alias = "context")]
    #[serde(default = "none")]
    value: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawCluster {
    #[serde(default)]
    server: Option<String>,
    #[serde(default)]
    certificate_authority: Option<String>,
    #[serde(default)]
    certificate_authority_data: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: Option<bool>,
    #[serde(default)]
    tls_server_name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawUser {
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "tokenFile")]
    token_file: Option<String>,
    #[serde(default)]
    client_certificate: Option<String>,
    #[serde(default)]
    client_certificate_data: Option<String>,
    #[serde(default)]
    client_key: Option<String>,
    #[serde(default)]
    client_key_data: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    exec: Option<RawExec>,
    #[serde(default, rename = "auth-provider")]
    auth_provider: Option<serde_yaml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExec {
    #[serde(default)]
    api_version: Option<String>,
    command: String,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    env: Option<Vec<RawEnv>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawEnv {
    name: String,
    value: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawContext {
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

/// An entry with the directory of the file that defined it (for its relative paths).
#[derive(Debug, Clone)]
struct Sourced<T> {
    value: T,
    file: PathBuf,
}

/// One or more kubeconfig files merged as kubectl merges them.
#[derive(Debug, Default)]
pub struct Kubeconfig {
    clusters: BTreeMap<String, Sourced<RawCluster>>,
    users: BTreeMap<String, Sourced<RawUser>>,
    contexts: BTreeMap<String, Sourced<RawContext>>,
    current_context: Option<String>,
    /// The files read, in order, for messages.
    pub files: Vec<PathBuf>,
}

/// Parses one kubeconfig text; `path` names it in errors (`path:line:column: …`).
fn parse_one(text: &[u8], path: &Path) -> Result<RawConfig, KubeError> {
    if let Some((line, what)) =
        bulwark_types::yaml::depth_over(text, bulwark_types::yaml::MAX_DEPTH)
    {
        return Err(KubeError::File {
            at: format!("{}:{line}", path.display()),
            reason: what,
        });
    }
    let text = std::str::from_utf8(text).map_err(|e| KubeError::file(path, e.to_string()))?;
    if text.trim().is_empty() {
        return Ok(RawConfig::default());
    }
    serde_yaml::from_str::<Option<RawConfig>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|e| match e.location() {
            Some(l) => KubeError::File {
                at: format!("{}:{}:{}", path.display(), l.line(), l.column()),
                reason: format!("not a valid kubeconfig: {e}"),
            },
            None => KubeError::file(path, format!("not a valid kubeconfig: {e}")),
        })
}

impl Kubeconfig {
    /// Parses one kubeconfig from bytes (what the fuzz target drives).
    pub fn parse(text: &[u8], path: &Path) -> Result<Self, KubeError> {
        let mut k = Self::default();
        k.merge(parse_one(text, path)?, path);
        Ok(k)
    }

    /// Reads the kubeconfig kubectl would read: `explicit` (must exist), else `$KUBECONFIG` (`:`-separated,
    /// missing files ignored), else `~/.kube/config`. `kubeconfig_env` and `home` are passed in so that tests
    /// and the server choose them; the CLI passes the process's.
    pub fn load(
        explicit: Option<&Path>,
        kubeconfig_env: Option<&str>,
        home: Option<&Path>,
    ) -> Result<Self, KubeError> {
        let mut k = Self::default();
        if let Some(p) = explicit {
            k.read_file(p)?;
            return Ok(k);
        }
        if let Some(list) = kubeconfig_env.filter(|s| !s.is_empty()) {
            let mut seen = std::collections::BTreeSet::new();
            for entry in list.split(':').filter(|s| !s.is_empty()) {
                let p = PathBuf::from(entry);
                if !seen.insert(p.clone()) || !p.exists() {
                    continue;
                }
                k.read_file(&p)?;
            }
            if k.files.is_empty() {
                return Err(KubeError::Config(format!(
                    "none of the files in KUBECONFIG ({list}) exists"
                )));
            }
            return Ok(k);
        }
        let Some(home) = home else {
            return Err(KubeError::Config(
                "no kubeconfig: pass --kubeconfig, set KUBECONFIG, or set HOME (for ~/.kube/config)"
                    .to_owned(),
            ));
        };
        let p = home.join(".kube/config");
        if !p.exists() {
            return Err(KubeError::Config(format!(
                "no kubeconfig: {} does not exist (pass --kubeconfig or set KUBECONFIG)",
                p.display()
            )));
        }
        k.read_file(&p)?;
        Ok(k)
    }

    fn read_file(&mut self, p: &Path) -> Result<(), KubeError> {
        let text = read_bounded(p, MAX_KUBECONFIG_BYTES)?;
        let raw = parse_one(&text, p)?;
        self.merge(raw, p);
        Ok(())
    }

    fn merge(&mut self, raw: RawConfig, file: &Path) {
        self.files.push(file.to_owned());
        let file = file.to_owned();
        for c in raw.clusters.unwrap_or_default() {
            self.clusters.entry(c.name).or_insert(Sourced {
                value: c.value.unwrap_or_default(),
                file: file.clone(),
            });
        }
        for u in raw.users.unwrap_or_default() {
            self.users.entry(u.name).or_insert(Sourced {
                value: u.value.unwrap_or_default(),
                file: file.clone(),
            });
        }
        for c in raw.contexts.unwrap_or_default() {
            self.contexts.entry(c.name).or_insert(Sourced {
                value: c.value.unwrap_or_default(),
                file: file.clone(),
            });
        }
        if self.current_context.as_deref().is_none_or(str::is_empty) {
            self.current_context = raw.current_context.filter(|s| !s.is_empty());
        }
    }

    /// The context names defined, sorted.
    #[must_use]
    pub fn contexts(&self) -> Vec<&str> {
        self.contexts.keys().map(String::as_str).collect()
    }

    #[must_use]
    pub fn current_context(&self) -> Option<&str> {
        self.current_context.as_deref()
    }

    fn files_text(&self) -> String {
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Chooses `context` (or the current context) and resolves its cluster and user, reading the files they
    /// name.
    pub fn resolve(&self, context: Option<&str>) -> Result<ClusterConfig, KubeError> {
        let Some(name) = context.or(self.current_context.as_deref()) else {
            return Err(KubeError::Config(format!(
                "no current-context in {}; pass --context (defined: {})",
                self.files_text(),
                self.contexts().join(", ")
            )));
        };
        let Some(ctx) = self.contexts.get(name) else {
            return Err(KubeError::Config(format!(
                "context {name:?} not found in {} (defined: {})",
                self.files_text(),
                if self.contexts.is_empty() {
                    "none".to_owned()
                } else {
                    self.contexts().join(", ")
                }
            )));
        };
        let cluster_name = ctx.value.cluster.clone().unwrap_or_default();
        let Some(cluster) = self.clusters.get(&cluster_name) else {
            return Err(KubeError::Config(format!(
                "context {name:?} (in {}) names cluster {cluster_name:?}, which is not defined",
                ctx.file.display()
            )));
        };
        let cfile = &cluster.file;
        let c = &cluster.value;
        let server = c.server.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
            KubeError::Config(format!(
                "cluster {cluster_name:?} (in {}) has no server",
                cfile.display()
            ))
        })?;
        if !(server.starts_with("https://") || server.starts_with("http://")) {
            return Err(KubeError::Config(format!(
                "cluster {cluster_name:?} (in {}): server {server:?} is not an http(s) URL",
                cfile.display()
            )));
        }
        let ca_pem = if let Some(data) = c.certificate_authority_data.as_deref() {
            Some(b64(data, cfile, "certificate-authority-data")?)
        } else if let Some(p) = c.certificate_authority.as_deref() {
            Some(read_bounded(&relative(cfile, p), MAX_SECRET_BYTES)?)
        } else {
            None
        };
        let auth = match ctx.value.user.as_deref().filter(|s| !s.is_empty()) {
            None => Auth::None,
            Some(u) => match self.users.get(u) {
                // kubectl treats an undefined user as no credentials.
                None => Auth::None,
                Some(user) => auth_of(u, &user.value, &user.file)?,
            },
        };
        Ok(ClusterConfig {
            cluster_name,
            context_name: name.to_owned(),
            server: server.trim_end_matches('/').to_owned(),
            ca_pem,
            insecure_skip_tls_verify: c.insecure_skip_tls_verify.unwrap_or(false),
            tls_server_name: c.tls_server_name.clone().filter(|s| !s.is_empty()),
            auth,
            namespace: ctx.value.namespace.clone().filter(|s| !s.is_empty()),
        })
    }
}

fn relative(file: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_owned()
    } else {
        file.parent().unwrap_or(Path::new(".")).join(p)
    }
}

fn b64(data: &str, file: &Path, field: &str) -> Result<Vec<u8>, KubeError> {
    let clean: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|e| KubeError::file(file, format!("{field} is not base64: {e}")))
}

fn auth_of(name: &str, u: &RawUser, file: &Path) -> Result<Auth, KubeError> {
    let cert = match (&u.client_certificate_data, &u.client_certificate) {
        (Some(d), _) => Some(b64(d, file, "client-certificate-data")?),
        (None, Some(p)) => Some(read_bounded(&relative(file, p), MAX_SECRET_BYTES)?),
        _ => None,
    };
    let key = match (&u.client_key_data, &u.client_key) {
        (Some(d), _) => Some(b64(d, file, "client-key-data")?),
        (None, Some(p)) => Some(read_bounded(&relative(file, p), MAX_SECRET_BYTES)?),
        _ => None,
    };
    match (cert, key) {
        (Some(cert_pem), Some(key_pem)) => return Ok(Auth::ClientCert { cert_pem, key_pem }),
        (Some(_), None) | (None, Some(_)) => {
            return Err(KubeError::file(
                file,
                format!(
                    "user {name:?} has a client certificate without its key, or a key without its certificate"
                ),
            ));
        }
        (None, None) => {}
    }
    if let Some(t) = u.token.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Auth::Token(t.to_owned()));
    }
    if let Some(p) = u.token_file.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Auth::TokenFile(relative(file, p)));
    }
    if let (Some(username), Some(password)) = (&u.username, &u.password) {
        return Ok(Auth::Basic {
            username: username.clone(),
            password: password.clone(),
        });
    }
    if let Some(e) = &u.exec {
        let command = if e.command.contains('/') {
            relative(file, &e.command)
        } else {
            PathBuf::from(&e.command)
        };
        return Ok(Auth::Exec(ExecConfig {
            api_version: e
                .api_version
                .clone()
                .unwrap_or_else(|| "client.authentication.k8s.io/v1".to_owned()),
            command,
            args: e.args.clone().unwrap_or_default(),
            env: e
                .env
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
        }));
    }
    if u.auth_provider.is_some() {
        return Err(KubeError::file(
            file,
            format!(
                "user {name:?} uses an auth-provider, which kubectl removed in 1.26 and Bulwark does not support; use an exec plugin"
            ),
        ));
    }
    Ok(Auth::None)
}

/// The in-cluster configuration: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service-account directory (`root`,
/// normally [`SERVICE_ACCOUNT_DIR`]). The token is a [`Auth::TokenFile`], re-read when kubelet rotates it.
pub fn in_cluster(
    host: Option<&str>,
    port: Option<&str>,
    root: &Path,
) -> Result<ClusterConfig, KubeError> {
    let (Some(host), Some(port)) = (
        host.filter(|h| !h.is_empty()),
        port.filter(|p| !p.is_empty()),
    ) else {
        return Err(KubeError::Config(
            "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set"
                .to_owned(),
        ));
    };
    if port.parse::<u16>().is_err() {
        return Err(KubeError::Config(format!(
            "KUBERNETES_SERVICE_PORT {port:?} is not a port number"
        )));
    }
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let token = root.join("token");
    // Read once now so that a missing token is reported at start, not at the first request.
    read_bounded(&token, MAX_SECRET_BYTES)?;
    let ca = root.join("ca.crt");
    let ca_pem = Some(read_bounded(&ca, MAX_SECRET_BYTES)?);
    let namespace = std::fs::read_to_string(root.join("namespace"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    Ok(ClusterConfig {
        cluster_name: "in-cluster".to_owned(),
        context_name: String::new(),
        server: format!("https://{host}:{port}"),
        ca_pem,
        insecure_skip_tls_verify: false,
        tls_server_name: None,
        auth: Auth::TokenFile(token),
        namespace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const A: &str = "apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters:\n- name: c1\n  cluster:\n    server: https://one.example:6443/\n    certificate-authority: ca.pem\ncontexts:\n- name: a\n  context:\n    cluster: c1\n    user: u1\n    namespace: team-a\n- name: shared\n  context:\n    cluster: c1\n    user: u1\nusers:\n- name: u1\n  user:\n    tokenFile: tok\n";
    const B: &str = "apiVersion: v1\nkind: Config\ncurrent-context: b\nclusters:\n- name: c2\n  cluster:\n    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true\ncontexts:\n- name: b\n  context:\n    cluster: c2\n    user: u2\n- name: shared\n  context:\n    cluster: c2\n    user: u2\nusers:\n- name: u2\n  user:\n    username: admin\n    password: secret\n";

    #[test]
    #[allow(clippy::many_single_char_names)]
    fn kubeconfig_env_merges_first_wins_and_resolves_relative_paths() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "a.yaml", A);
        let b = write(d.path(), "b.yaml", B);
        write(d.path(), "ca.pem", "PEM");
        let list = format!(
            "{}:{}:{}",
            a.display(),
            d.path().join("missing").display(),
            b.display()
        );
        let k = Kubeconfig::load(None, Some(&list), None).unwrap();
        assert_eq!(
            k.current_context(),
            Some("a"),
            "first file's current-context wins"
        );
        assert_eq!(k.contexts(), vec!["a", "b", "shared"]);
        let a = k.resolve(None).unwrap();
        assert_eq!(a.server, "https://one.example:6443");
        assert_eq!(a.ca_pem.as_deref(), Some(&b"PEM"[..]));
        assert_eq!(a.namespace.as_deref(), Some("team-a"));
        assert!(matches!(&a.auth, Auth::TokenFile(p) if *p == d.path().join("tok")));
        // `shared` is defined in both: the first file's definition wins.
        assert_eq!(k.resolve(Some("shared")).unwrap().cluster_name, "c1");
        let b = k.resolve(Some("b")).unwrap();
        assert!(b.insecure_skip_tls_verify);
        assert!(matches!(b.auth, Auth::Basic { ref username, .. } if username == "admin"));
    }

    #[test]
    fn unknown_context_and_bad_yaml_are_clear() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "a.yaml", A);
        let k = Kubeconfig::load(Some(&a), None, None).unwrap();
        let e = k.resolve(Some("nope")).unwrap_err().to_string();
        assert!(
            e.contains("context \"nope\" not found") && e.contains("a, shared"),
            "{e}"
        );
        let bad = write(
            d.path(),
            "bad.yaml",
            "clusters:\n- name: x\n  cluster:\n    server: [\n",
        );
        let e = Kubeconfig::load(Some(&bad), None, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(&format!("{}:", bad.display())) && e.contains(':'),
            "{e}"
        );
        let wrong_type = write(d.path(), "t.yaml", "clusters: 5\n");
        let e = Kubeconfig::load(Some(&wrong_type), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.yaml:1:"), "{e}");
    }

    #[test]
    fn in_cluster_reads_the_service_account() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", "t0k");
        write(d.path(), "ca.crt", "CA");
        write(d.path(), "namespace", "bulwark\n");
        let c = in_cluster(Some("fd00::1"), Some("443"), d.path()).unwrap();
        assert_eq!(c.server, "https://[fd00::1]:443");
        assert_eq!(c.namespace.as_deref(), Some("bulwark"));
        assert!(in_cluster(None, Some("443"), d.path()).is_err());
        let e = in_cluster(Some("10.0.0.1"), Some("443"), &d.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("token"), "{e}");
    }
}
