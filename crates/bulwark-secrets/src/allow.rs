//! Built-in allow logic: documented examples, placeholders, low-entropy and identifier-like values.

/// Values published in vendor documentation as examples. Matching one is never a leak.
pub(crate) const DOC_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "rk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "xoxb-not-a-real-token-this-will-not-work",
    "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "dXNlcm5hbWU6cGFzc3dvcmQ=",
    // Azurite's well-known development storage account key (Microsoft, "Use the Azurite emulator").
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // API keys that Firebase's own SDKs ship as test and sample values (firebase/firebase-android-sdk
    // test classes such as `TesterApiHttpClientTest`, firebase/firebase-js-sdk `isValidApiKeyFormat`
    // tests): public, in every clone of those SDKs, and not keys of any live project.
    "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
    "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
    "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
    "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
    "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
    "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
    "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
    // The `apiKey` example value in the `FirebaseOptions` doc comment of `@firebase/app`
    // (`app-public.d.ts`, "example value: …"), copied into countless web configs.
    "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",
    // The sample feed passwords of Microsoft's "nuget.config reference" (learn.microsoft.com/nuget/
    // reference/nuget-config-file, `<packageSourceCredentials>`).
    "33f!!lloppa",
    "hal+9ooo_da!sY",
];

/// Words that mark a value as a stand-in (case-insensitive substring).
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "dummy",
    "redacted",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yourpassword",
    "replace_me",
    "replaceme",
    "insert_",
    "notreal",
    "not_real",
    "not-a-real",
    "sample",
    "fake_",
    "fakekey",
    "faketoken",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "replace_with",
    "replace-with",
    "goes_here",
    "goes-here",
];

/// Values that name where a secret is kept rather than holding it: an AWS ARN (Secrets Manager, SSM),
/// Vault paths, 1Password `op://` references, `ref+…://` (vals), `sm://`, `gcpsm://`, `azkv://`,
/// Kubernetes-style `secretKeyRef`. A reference is not a leak.
const SECRET_REFERENCE_PREFIXES: &[&str] = &[
    "arn:",
    "vault:",
    "op://",
    "ref+",
    "sm://",
    "gcpsm://",
    "gsm://",
    "azkv://",
    "akv://",
    "ssm:",
    "secretsmanager:",
    "keyvault:",
    "doppler://",
    "infisical://",
    "bws://",
];

/// Common stand-in passwords in connection strings and docs (exact, case-insensitive).
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "postgres",
    "root",
    "admin",
    "guest",
    "test",
    "user",
    "username",
    "mysql",
    "redis",
    "rabbitmq",
    "mongo",
    "mongodb",
    "default",
    "foo",
    "bar",
    "foobar",
    "p@ssw0rd",
    "passw0rd",
    "mypassword",
    "letmein",
    "123456",
    "12345678",
    "qwerty",
    "pa55word",
    "hunter2",
];

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The entropy a rule asks for, lowered for short values over small alphabets, where a fixed floor would
/// reject random keys: 20 random hex characters have a mean entropy of about 3.46 bits and 5 % of them
/// fall under 3.05. The expected entropy of `n` random characters from the value's alphabet (hex 16,
/// one-case alphanumerics 36, alphanumerics 62, else 64) is estimated with the Miller–Madow correction,
/// `log2 k' - (k' - 1) / (2 n ln 2)` with `k' = min(k, n)`, and the floor is at most that minus 0.6 (more
/// than three standard deviations for these lengths). Placeholders and repeated runs stay far below it.
pub(crate) fn entropy_floor(min: f64, value: &[u8]) -> f64 {
    let n = value.len();
    if n == 0 {
        return min;
    }
    let k: usize = if value.iter().all(u8::is_ascii_hexdigit)
        && (value.iter().all(|c| !c.is_ascii_uppercase())
            || value.iter().all(|c| !c.is_ascii_lowercase()))
    {
        16
    } else if value
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        || value
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        36
    } else if value.iter().all(u8::is_ascii_alphanumeric) {
        62
    } else {
        64
    };
    let k = k.min(n) as f64;
    let n = n as f64;
    let expected = k.log2() - (k - 1.0) / (2.0 * n * std::f64::consts::LN_2);
    min.min(expected - 0.6)
}

/// Is this value a placeholder, template variable, repeated or sequential run?
pub(crate) fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    if PLACEHOLDER_PASSWORDS.contains(&lower.as_str()) {
        return true;
    }
    if value.contains("${") || value.contains("{{") || value.contains("$(") || value.contains("%(")
    {
        return true;
    }
    if value.starts_with('<')
        || value.ends_with('>')
        || value.starts_with('$')
        || value.starts_with('%')
    {
        return true;
    }
    let b = value.as_bytes();
    // All (or nearly all) the same character in the tail: ghp_000000…, AKIAAAAAAAAA…
    let tail = &b[b.len().saturating_sub(16)..];
    if tail.len() >= 8 {
        let mut seen = [false; 256];
        let distinct = tail
            .iter()
            .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
            .count();
        if distinct <= 2 {
            return true;
        }
    }
    // A run of 8+ ascending or descending characters: 12345678, abcdefgh, 0123456789abcdef.
    let mut up = 1;
    let mut down = 1;
    for w in b.windows(2) {
        up = if w[1] == w[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if w[1].wrapping_add(1) == w[0] {
            down + 1
        } else {
            1
        };
        if up >= 8 || down >= 8 {
            return true;
        }
    }
    false
}

/// Extra conditions on the value of a generic (`key = value`) rule.
pub(crate) fn generic_value_ok(value: &str) -> bool {
    let b = value.as_bytes();
    let has_alpha = b.iter().any(u8::is_ascii_alphabetic);
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_symbol = b.iter().any(|c| !c.is_ascii_alphanumeric());
    if !has_alpha || !(has_digit || has_symbol) {
        return false;
    }
    // Code, not a literal: references, pointers, paths, operators.
    if value.starts_with(['&', '*', ':', '.', '|', '='])
        || value.contains("::")
        || value.contains("->")
    {
        return false;
    }
    // Identifiers and constants: priv_key_from_bytes, CLIENT_HANDSHAKE_TRAFFIC_SECRET, TLS13_AES_128.
    if b.iter()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'.' | b':' | b'-'))
        || (value.contains('_')
            && b.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_'))
    {
        return false;
    }
    let lower_value = value.to_ascii_lowercase();
    if SECRET_REFERENCE_PREFIXES
        .iter()
        .any(|p| lower_value.starts_with(p))
    {
        return false;
    }
    // URLs are reported by the URL rules, with their own checks.
    if value.contains("://") {
        return false;
    }
    // Publishable keys are public by design (Stripe `pk_live_`, Mapbox `pk.`).
    if value.starts_with("pk.") || value.starts_with("pk_live_") || value.starts_with("pk_test_") {
        return false;
    }
    // UUIDs are ids, not secrets, when all we know is the name of the field.
    if is_uuid(b) {
        return false;
    }
    // Identifier paths and calls: self.password, config.api_key, os.environ.get.
    let ident_path = value.contains('.')
        && value.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !p.as_bytes()[0].is_ascii_digit()
        });
    if ident_path {
        return false;
    }
    // Paths and file names.
    if value.starts_with('/') || value.starts_with("./") || value.starts_with("~/") {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    // A file name, often with a content hash (`video_box.ico-7a38….png`, `app.3f9c….js`).
    for ext in [
        ".json", ".yaml", ".yml", ".pem", ".key", ".txt", ".env", ".crt", ".p12", ".pfx", ".html",
        ".htm", ".js", ".mjs", ".css", ".map", ".rs", ".py", ".png", ".jpg", ".jpeg", ".gif",
        ".svg", ".ico", ".webp", ".woff", ".woff2", ".ttf", ".xml", ".toml", ".ini", ".conf",
        ".cfg", ".log", ".md", ".zip", ".gz", ".tgz", ".jar", ".sh", ".so", ".dll", ".exe",
    ] {
        if lower.ends_with(ext) {
            return false;
        }
    }
    true
}

/// Field names that hold something other than the secret itself.
///
/// The key is split into words (at `_`, `-`, `.`, other punctuation and lower-to-upper case changes), and a
/// word must *be* one of `EXACT` or *start with* one of `PREFIX`: `ADMIN_PASSWORD` is not a `min_` field and
/// `keystore_password` is not a `store` field, while `password_min_length` and `tokenStore` are.
pub(crate) fn generic_key_denied(key: &str) -> bool {
    // `csrf`/`xsrf`/`authenticity` tokens are per-session anti-forgery nonces that pages publish in their
    // HTML (`<meta name="csrf-token" …>`, Rails `authenticity_token`): not credentials.
    const EXACT: &[&str] = &[
        "dir",
        "env",
        "len",
        "min",
        "max",
        "id",
        "ref",
        "arn",
        "at",
        "csrf",
        "xsrf",
        "authenticity",
    ];
    const PREFIX: &[&str] = &[
        "hash",
        "digest",
        "sha1",
        "sha2",
        "sha5",
        "md5",
        "salt",
        "file",
        "path",
        "url",
        "uri",
        "length",
        "minimum",
        "maximum",
        "policy",
        "field",
        "prompt",
        "reset",
        "regex",
        "pattern",
        "type",
        "name",
        "hint",
        "label",
        "format",
        "count",
        "expir",
        "timeout",
        "ttl",
        "header",
        "param",
        "column",
        "endpoint",
        "validat",
        "strength",
        "rule",
        "error",
        "message",
        "msg",
        "required",
        "enabled",
        "flag",
        "mode",
        "version",
        "size",
        "manager",
        "store",
        "provider",
        "public",
        "kind",
        "class",
        "limit",
        "cache",
        "bucket",
        "source",
        "input",
        "option",
        "index",
        "tokenizer",
        "encrypt",
        "algorithm",
        "method",
        "scheme",
        "tokens",
    ];
    key_words(key)
        .iter()
        .any(|w| EXACT.contains(&w.as_str()) || PREFIX.iter().any(|p| w.starts_with(p)))
}

/// A value that spells its own name (`{"setAttr-Token-B0Prime", "setAttr-Token-B0Prime"}`, `#define
/// SN_setAttr_Token_B0Prime "setAttr-Token-B0Prime"`): a table of names, not a secret. Compared as lower-case
/// letters and digits, the value is contained in the key.
pub(crate) fn names_itself(key: &[u8], value: &[u8]) -> bool {
    let norm = |s: &[u8]| -> Vec<u8> {
        s.iter()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect()
    };
    let (k, v) = (norm(key), norm(value));
    !v.is_empty() && k.len() >= v.len() && k.windows(v.len()).any(|w| w == v.as_slice())
}

/// Lowercase words of an identifier: `dbPasswordHash` → `db`, `password`, `hash`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Lenient base64 / base64url decoding (padding optional). `None` on a bad character.
pub(crate) fn b64decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The JWT header must be JSON naming an algorithm.
pub(crate) fn jwt_ok(token: &[u8]) -> bool {
    let header = token.split(|&c| c == b'.').next().unwrap_or_default();
    b64decode(header).is_some_and(|h| {
        let h = String::from_utf8_lossy(&h);
        h.trim_start().starts_with('{') && h.contains("\"alg\"")
    })
}

/// Base64 that decodes to printable `user:password`.
pub(crate) fn basic_auth_ok(value: &[u8]) -> bool {
    b64decode(value).is_some_and(|d| {
        d.iter().all(|c| c.is_ascii_graphic() || *c == b' ')
            && d.iter()
                .position(|&c| c == b':')
                .is_some_and(|i| i > 0 && i + 3 < d.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_keys_are_whole_words() {
        for k in [
            "password_hash",
            "passwordHash",
            "PASSWORD_MIN_LENGTH",
            "token_url",
            "secret_name",
            "api_key_id",
            "tokenStore",
            "password_expires_at",
            "public_key",
            "csrf-token",
            "X-XSRF-TOKEN",
            "authenticity_token",
        ] {
            assert!(generic_key_denied(k), "{k}");
        }
        for k in [
            "ADMIN_PASSWORD",
            "keystore_password",
            "adminToken",
            "atlas_token",
            "identity_secret",
            "DB_PASSWORD",
        ] {
            assert!(!generic_key_denied(k), "{k}");
        }
    }

    #[test]
    fn placeholders() {
        for p in [
            "xxxxxxxxxxxxxxxx",
            "${DB_PASSWORD}",
            "<your-token>",
            "changeme",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_000000000000000000000000000000000000",
            "abcdefghijklmnop",
            "1234567890",
            "{{ .Values.pw }}",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in [
            "ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G",
            "Tr0ub4dor&3xyzQ",
        ] {
            assert!(!is_placeholder(p), "{p}");
        }
    }

    #[test]
    fn entropy_floor_follows_the_alphabet_and_length() {
        // A random 20-hex value under 3.0 bits (a Pusher app secret) passes a rule asking for 3.0…
        let v = b"1abdd5d5c6dc585bad9c";
        assert!(entropy(v) < 3.0);
        assert!(entropy(v) >= entropy_floor(3.0, v));
        // …long or rich values keep the rule's floor, and runs stay below any floor.
        assert!((entropy_floor(3.0, b"a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9") - 3.0).abs() < 1e-9);
        for low in [
            &b"GR134894112312312312312312312"[..],
            b"aaaaaaaaaaaaaaaaaaaa",
            b"ababababababababab",
        ] {
            assert!(
                entropy(low) < entropy_floor(3.0, low),
                "{}",
                String::from_utf8_lossy(low)
            );
        }
    }

    #[test]
    fn entropy_orders_values() {
        assert!(entropy(b"aaaaaaaa") < 0.1);
        assert!(entropy(b"a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9") > 4.0);
    }

    #[test]
    fn jwt_and_basic() {
        assert!(jwt_ok(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.x.y"));
        assert!(!jwt_ok(b"eyJmb28iOiJiYXIifQ.x.y"));
        assert!(basic_auth_ok(b"dXNlcjpwYXNzd29yZA=="));
        assert!(!basic_auth_ok(b"aGVsbG8gd29ybGQ="));
    }
}
