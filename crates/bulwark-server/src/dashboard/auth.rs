//! Who is asking: the API's bearer tokens (the same file and roles), a session cookie made by `POST /login`
//! with such a token, or, only from a trusted proxy's address, the proxy's user and groups headers (OIDC in
//! front). Sessions live in memory (a restart logs everyone out); the CSRF token of a request is derived from
//! the server's random secret and the identity, so it needs no storage.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use crate::api::{Role, Tokens};

/// Cookie name of the session.
pub(crate) const COOKIE: &str = "bulwark_session";
/// Sessions kept at most; past it the oldest is dropped.
const MAX_SESSIONS: usize = 10_000;
/// A session's life.
pub(crate) const SESSION_TTL: Duration = Duration::from_hours(12);

/// A network range, `10.0.0.0/8`, `::1/128` or a bare address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{s}' is not an address or CIDR range (10.0.0.0/8, fd00::/8)"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { net, prefix })
    }
}

impl Cidr {
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        let (a, b, bits) = match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (
                u128::from(u32::from(n)) << 96,
                u128::from(u32::from(i)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), self.prefix),
            _ => return false,
        };
        if bits == 0 {
            return true;
        }
        let mask = u128::MAX << (128 - u32::from(bits));
        a & mask == b & mask
    }
}

/// The settings of proxy authentication.
#[derive(Debug, Clone, Default)]
pub struct ProxyAuth {
    /// The header naming the user (`X-Forwarded-User`, `X-Auth-Request-User`).
    pub user_header: Option<String>,
    /// The header listing the user's groups, comma-separated.
    pub groups_header: Option<String>,
    /// Members of this group are admins; everyone else the proxy lets through reads.
    pub admin_group: Option<String>,
    /// The proxies whose headers are believed; from any other address they are ignored.
    pub trusted: Vec<Cidr>,
}

/// Who the request is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The token's name or the proxy's user, for the page and the log.
    pub(crate) name: String,
    pub(crate) role: Role,
    /// What the CSRF token is bound to (the session id, the token's name, the proxy user).
    pub(crate) bind: String,
    /// The session id, when it came from the cookie.
    pub(crate) session: Option<String>,
}

struct Session {
    name: String,
    role: Role,
    created: Instant,
}

/// The server's sessions and its secret.
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    secret: [u8; 32],
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

/// `n` random bytes from the TLS stack's generator (aws-lc-rs).
fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    // A failing system generator leaves no safe way to make sessions: the process cannot go on.
    provider
        .secure_random
        .fill(&mut b)
        .expect("the system's random number generator failed");
    b
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            use std::fmt::Write as _;
            let _ = write!(s, "{x:02x}");
            s
        })
}

impl Default for Sessions {
    fn default() -> Self {
        Self {
            map: Mutex::default(),
            secret: random(),
        }
    }
}

impl Sessions {
    /// A new session for a token holder: its id (the cookie's value).
    pub(crate) fn create(&self, name: &str, role: Role) -> String {
        let id = hex(&random::<32>());
        let mut m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        m.retain(|_, s| s.created.elapsed() < SESSION_TTL);
        if m.len() >= MAX_SESSIONS
            && let Some(oldest) = m
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
        {
            m.remove(&oldest);
        }
        m.insert(
            id.clone(),
            Session {
                name: name.to_owned(),
                role,
                created: Instant::now(),
            },
        );
        id
    }

    pub(crate) fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    fn get(&self, id: &str) -> Option<(String, Role)> {
        let m = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let s = m.get(id)?;
        (s.created.elapsed() < SESSION_TTL).then(|| (s.name.clone(), s.role))
    }

    /// The CSRF token of an identity: SHA-256 over the secret and what it is bound to.
    pub(crate) fn csrf(&self, bind: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.secret);
        h.update(b"csrf\0");
        h.update(bind.as_bytes());
        hex(&h.finalize())
    }

    /// Whether `presented` is the CSRF token of `bind` (compared in constant time).
    pub(crate) fn csrf_ok(&self, bind: &str, presented: &str) -> bool {
        let want = self.csrf(bind);
        want.len() == presented.len()
            && want
                .bytes()
                .zip(presented.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// What a request carries that can identify it.
pub(crate) struct Presented<'a> {
    pub(crate) peer: Option<IpAddr>,
    pub(crate) authorization: Option<&'a [u8]>,
    pub(crate) cookie: Option<&'a [u8]>,
    /// Header lookup by lower-case name.
    pub(crate) header: &'a dyn Fn(&str) -> Option<String>,
}

/// The session id in a `Cookie` header.
pub(crate) fn session_cookie(cookie: &[u8]) -> Option<&str> {
    std::str::from_utf8(cookie)
        .ok()?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The identity, in this order: a trusted proxy's headers, a bearer token, a session cookie. `None`: no valid
/// credential (401).
pub(crate) fn identify(
    p: &Presented<'_>,
    tokens: Option<&Tokens>,
    proxy: &ProxyAuth,
    sessions: &Sessions,
) -> Option<Identity> {
    if let (Some(user_header), Some(peer)) = (&proxy.user_header, p.peer)
        && proxy.trusted.iter().any(|c| c.contains(peer))
        && let Some(user) = (p.header)(&user_header.to_ascii_lowercase())
        && !user.trim().is_empty()
    {
        let user = user.trim().to_owned();
        let admin = match (&proxy.groups_header, &proxy.admin_group) {
            (Some(g), Some(admin)) => (p.header)(&g.to_ascii_lowercase())
                .is_some_and(|v| v.split(',').any(|x| x.trim() == admin)),
            _ => false,
        };
        return Some(Identity {
            bind: format!("proxy:{user}"),
            name: user,
            role: if admin { Role::Admin } else { Role::Read },
            session: None,
        });
    }
    if let Some(h) = p.authorization {
        let presented = std::str::from_utf8(h).ok().and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            let token = rest.trim_matches(' ');
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
        })?;
        let (name, role) = tokens?.check(presented)?;
        return Some(Identity {
            name: name.to_owned(),
            role,
            bind: format!("token:{name}"),
            session: None,
        });
    }
    let id = session_cookie(p.cookie?)?;
    let (name, role) = sessions.get(id)?;
    Some(Identity {
        name,
        role,
        bind: format!("session:{id}"),
        session: Some(id.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_ranges() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains("10.1.200.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.0.9".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "x", "10.0.0.0/", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn csrf_is_bound_and_compared_whole() {
        let s = Sessions::default();
        let t = s.csrf("session:a");
        assert!(s.csrf_ok("session:a", &t));
        assert!(!s.csrf_ok("session:b", &t));
        assert!(!s.csrf_ok("session:a", &t[..10]));
        assert!(!s.csrf_ok("session:a", ""));
        assert_ne!(
            Sessions::default().csrf("session:a"),
            t,
            "a secret per server"
        );
    }

    #[test]
    fn cookie_parsing() {
        let id = "a".repeat(64);
        assert_eq!(
            session_cookie(format!("x=1; {COOKIE}={id}; y=2").as_bytes()),
            Some(id.as_str())
        );
        assert_eq!(session_cookie(format!("{COOKIE}=short").as_bytes()), None);
        assert_eq!(session_cookie(b"\xff"), None);
    }
}
