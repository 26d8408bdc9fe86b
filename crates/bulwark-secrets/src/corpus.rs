//! The labelled precision/recall corpus, generated deterministically (`examples/gen_corpus.rs` writes it to
//! `testdata/corpus/`, and a test checks the committed copy is what this code generates).
//!
//! Positives: for every built-in rule, three fake secrets expanded from the rule's example template with a
//! seed derived from the rule id, plus extra syntaxes for the generic rules. None is a real credential.
//! Hard negatives (interleaved and in their own files): UUIDs, git SHAs, sha256/sha512 digests, base64
//! blobs, lockfile integrity hashes, JWT-looking non-JWTs, public keys and certificates, placeholders,
//! template variables, documented vendor examples, and real-format secrets on test paths or marked
//! `bulwark:allow` (which the scanner must skip).

use std::fmt::Write as _;

use crate::rules::{BUILTIN, Pat};
use crate::sample::{Rng, expand};

/// A generated file: path relative to the corpus root, and contents.
pub type CorpusFile = (String, String);

/// Extra positive syntaxes: (rule id, template).
const EXTRA_POSITIVES: &[(&str, &str)] = &[
    ("generic-password", "  password: \"$[p:12]$[d:3]\""),
    ("generic-password", "DB_PASSWORD=$[n:14]$[d:2]!"),
    (
        "generic-password",
        "\t\"adminPassword\": \"$[p:10]$[d:2]\",",
    ),
    ("generic-password", "pwd := \"$[p:12]$[d:2]\""),
    ("generic-api-key", "API_KEY=$[n:28]$[d:4]"),
    ("generic-api-key", "  apiKey: '$[u:28]$[d:4]'"),
    ("generic-secret", "SECRET_KEY = \"$[u:40]$[d:2]\""),
    ("generic-secret", "  client-secret: $[n:30]$[d:3]"),
    ("generic-token", "ACCESS_TOKEN=$[n:36]$[d:4]"),
    ("generic-token", "  refresh_token: \"$[u:48]$[d:2]\""),
    (
        "jwt",
        "  id_token: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJ$[u:120].$[u:86]",
    ),
    ("aws-access-key-id", "  \"AccessKeyId\": \"ASIA$[B:16]\","),
    (
        "aws-secret-access-key",
        "  \"SecretAccessKey\": \"$[b:40]\",",
    ),
    (
        "postgres-url-password",
        "postgresql://svc_reader:$[p:16]$[d:2]@10.0.3.7/warehouse?sslmode=require",
    ),
    (
        "private-key-rsa",
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,$[X:32]\n\n$[b:64]\n$[b:64]\n-----END RSA PRIVATE KEY-----",
    ),
    (
        "github-pat",
        "git clone https://x-access-token:ghp_$[n:36]@github.com/org/repo.git",
    ),
    (
        "slack-webhook-url",
        "curl -X POST -d '{\"text\":\"hi\"}' https://hooks.slack.com/services/T$[A:8]/B$[A:10]/$[n:24]",
    ),
];

/// Hard negatives that are the same in every run.
const FIXED_NEGATIVES: &[&str] = &[
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AWS_ACCESS_KEY_ID=AKIAAAAAAAAAAAAAAAAA",
    "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
    "aws_secret_access_key: \"{{ .Values.aws.secretKey }}\"",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "GITHUB_TOKEN=ghp_000000000000000000000000000000000000",
    "token: ghp_<your-token-here>",
    "stripe.api_key = \"sk_test_4eC39HqLyjWDarjtT1zdp7dc\"",
    "STRIPE_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
    "SLACK_BOT_TOKEN=xoxb-not-a-real-token-this-will-not-work",
    "SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "Authorization: Bearer ${API_TOKEN}",
    "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",
    "password = \"changeme\"",
    "password: <your-password>",
    "password = os.environ[\"DB_PASSWORD\"]",
    "password = getPassword()",
    "self.password = password",
    "password: ${DB_PASSWORD}",
    "PASSWORD=$DB_PASSWORD",
    "password = config.database.password",
    "password_file = /run/secrets/db_password.txt",
    "min_password_length = 12",
    "password_policy: strong",
    "token_type = \"bearer\"",
    "max_tokens = 4096",
    "secret_name: my-app-secret",
    "api_key = \"YOUR_API_KEY\"",
    "api_key = \"<API_KEY>\"",
    "apiKey: process.env.API_KEY",
    "secret: {{ .Values.secret }}",
    "token = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
    "token: \"1234567890abcdefghij\"",
    "DATABASE_URL=postgres://user:password@localhost:5432/app",
    "DATABASE_URL=postgres://postgres:postgres@db:5432/postgres",
    "MONGO_URL=mongodb://root:example@mongo:27017/",
    "REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379",
    "amqp://guest:guest@localhost:5672/",
    "mysql://root:root@127.0.0.1:3306/test",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----\n<paste your key here>\n-----END PRIVATE KEY-----",
    "const header = \"-----BEGIN OPENSSH PRIVATE KEY-----\"",
    "# Paste the key that starts with -----BEGIN PGP PRIVATE KEY BLOCK----- below",
    "https://user:pass@example.com/path",
    "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
    "npm_config_cache=/tmp/.npm",
    "key-value store: key-0123456789abcdef0123456789abcdef",
    // Code and config seen in real trees (false positives of earlier versions).
    "        formatter.field(\"paren_token\", &self.paren_token);",
    "    pub Password: ::windows_sys::core::PWSTR,",
    "            let bob_secret = priv_key_from_bytes",
    "            ClientHandshakeTrafficSecret => \"CLIENT_HANDSHAKE_TRAFFIC_SECRET\",",
    "    OPENSSL_PUT_ERROR(TRUST_TOKEN, TRUST_TOKEN_R_DECODE_FAILURE);",
    "  let s:netrw_hup[host].passwd = s:netrw_passwd",
    "    'Pod::Simple::PullParserEndToken'=> 'https://github.com/perl-pod/pod-simple/issues',",
    "#password_encryption = scram-sha-256\t# scram-sha-256 or md5",
    "base-passwd: no-debconf-config",
    "machine HOSTNAME login USERID password \"PASSWORD\"",
    "type netrcLine struct {\n\tmachine  string\n\tlogin    string\n\tpassword string\n}",
];

/// Real-format secrets that must be skipped because of the path they are in.
const ALLOWED_PATHS: &[&str] = &[
    "negatives/tests/fixtures.env",
    "negatives/testdata/creds.yaml",
    "negatives/go.sum",
];

fn uuid(r: &mut Rng) -> String {
    expand("$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]", r)
}

/// Randomised hard negatives.
fn generated_negative(r: &mut Rng) -> String {
    let templates = [
        "id: UUID",
        "\"request_id\": \"UUID\",",
        "token_id = \"UUID\"",
        "commit $[x:40]",
        "rev = \"$[x:40]\"",
        "Merge: $[x:7] $[x:7]",
        "checksum = \"$[x:64]\"",
        "sha256sum: $[x:64]  app.tar.gz",
        "image: registry.example.org/app@sha256:$[x:64]",
        "\"integrity\": \"sha512-$[b:86]==\",",
        "  integrity sha1-$[b:27]=",
        "h1:$[b:43]=",
        "data: $[b:76]",
        "  $[b:64]",
        "blob = \"$[b:120]\"",
        "payload = \"eyJ$[u:40]\"",
        "cursor: eyJmb28iOiJiYXIifQ.eyJ$[u:40].$[u:43]",
        "etag: \"W/$[x:32]\"",
        "password_hash = \"$[x:32]\"",
        "secret_sha256 = \"$[x:64]\"",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ$[b:200] deploy@host",
        "-----BEGIN CERTIFICATE-----\nMIID$[b:60]\n$[b:64]\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjAN$[b:56]\n-----END PUBLIC KEY-----",
        "STRIPE_PUBLISHABLE_KEY=pk_live_$[n:24]",
        "mapbox_token = pk.eyJ1Ijoi$[u:40].$[u:22]",
        "version = \"$[d:1].$[d:2].$[d:1]\"",
        "color: #$[x:6]",
        "const hash = 0x$[x:16];",
        "\"nonce\": \"$[d:12]\"",
        "tokenizer_path = \"models/$[a:8]/tokenizer.json\"",
    ];
    let t = templates[r.below(templates.len())];
    let t = if t.contains("UUID") {
        t.replace("UUID", &uuid(r))
    } else {
        t.to_string()
    };
    expand(&t, r)
}

/// Generates the corpus files and the `MANIFEST.tsv` text (`file<TAB>line<TAB>rule`).
#[must_use]
pub fn generate() -> (Vec<CorpusFile>, String) {
    let mut files = Vec::new();
    let mut manifest =
        String::from("# file\tline\trule (generated by examples/gen_corpus.rs; do not edit)\n");
    let mut noise = Rng::new(0x5ec2_e75c_0de5_eed1);
    let mut add_positive =
        |file: &mut String, line: &mut usize, rule: &str, text: &str, name: &str| {
            let _ = writeln!(manifest, "{name}\t{line}\t{rule}");
            file.push_str(text);
            file.push('\n');
            *line += text.matches('\n').count() + 1;
        };
    for rule in BUILTIN {
        if matches!(rule.pat, Pat::File(_)) {
            // A file-name rule: three files named by its example, each flagged at line 1.
            let mut rng = Rng::from_str_seed(rule.id, 1);
            for _ in 0..3 {
                let name = format!("positives/{}", expand(rule.example, &mut rng));
                let der = expand("MIIKHwIBAzCCCeUGCSqGSIb3DQEHAaCCCdYE$[b:64]", &mut rng);
                let (mut content, mut line) = (String::new(), 1);
                add_positive(&mut content, &mut line, rule.id, &der, &name);
                files.push((name, content));
            }
            continue;
        }
        let name = format!("positives/{}.txt", rule.id);
        let mut text = String::new();
        let mut line = 1;
        let mut rng = Rng::from_str_seed(rule.id, 1);
        let multi = rule.example.contains('\n');
        for variant in 0..3 {
            let neg = generated_negative(&mut noise);
            text.push_str(&neg);
            text.push('\n');
            line += neg.matches('\n').count() + 1;
            let secret = expand(rule.example, &mut rng);
            let secret = match variant {
                1 if !multi => format!("    {secret}"),
                2 if !multi => format!("{secret}  # rotated quarterly"),
                _ => secret,
            };
            add_positive(&mut text, &mut line, rule.id, &secret, &name);
        }
        for (id, t) in EXTRA_POSITIVES.iter().filter(|(id, _)| *id == rule.id) {
            let secret = expand(t, &mut rng);
            add_positive(&mut text, &mut line, id, &secret, &name);
        }
        files.push((name, text));
    }
    let mut neg = String::new();
    for n in FIXED_NEGATIVES {
        neg.push_str(n);
        neg.push('\n');
    }
    files.push(("negatives/placeholders-and-examples.txt".to_string(), neg));
    let mut neg = String::new();
    for _ in 0..600 {
        neg.push_str(&generated_negative(&mut noise));
        neg.push('\n');
    }
    files.push(("negatives/hashes-ids-blobs.txt".to_string(), neg));
    // Real-format secrets on allowed paths and lines.
    let mut rng = Rng::new(42);
    for path in ALLOWED_PATHS {
        let mut t = String::new();
        for rule in BUILTIN.iter().take(40) {
            t.push_str(&expand(rule.example, &mut rng));
            t.push('\n');
        }
        files.push(((*path).to_string(), t));
    }
    let mut t = String::new();
    for rule in BUILTIN.iter().filter(|r| !r.example.contains('\n')) {
        let _ = writeln!(t, "{} # bulwark:allow", expand(rule.example, &mut rng));
    }
    files.push(("negatives/inline-allow.txt".to_string(), t));
    (files, manifest)
}
