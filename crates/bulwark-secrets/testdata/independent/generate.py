#!/usr/bin/env python3
"""Independent labelled corpus for bulwark-secrets.

Written apart from the Rust rules: every true secret follows the vendor's *published* token format (cited
next to each generator), not the rules' example templates, and private keys come from the real tools
(openssl, ssh-keygen, gpg). Hard negatives are UUIDs, digests, base64 blobs, placeholders, vendor
documentation examples, integrity hashes, public keys and certificates.

    python3 crates/bulwark-secrets/testdata/independent/generate.py

writes `files/` and `LABELS.tsv` next to this script. Everything except the key material is a function of
SEED; openssl/ssh-keygen/gpg cannot be seeded, so keys are fresh on each run (their labels do not change).
No value is a real credential: all tokens are random bytes in the vendor's shape.

LABELS.tsv: `file<TAB>line<TAB>family<TAB>rule-regex`. A positive family's regex lists the rule ids that
may report it; a `neg:<category>` row marks a hard negative line (any finding there is a false positive,
reported under that category).
"""

import base64
import hashlib
import hmac
import json
import os
import random
import shutil
import string
import subprocess
import tempfile
import uuid
import zlib

SEED = 20261122
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "files")

rng = random.Random(SEED)

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"


def rs(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


# ---------------------------------------------------------------- true secrets, by published format
# Each returns (variable name, value). The family's rule regex says which rule ids may report it.


def github_classic(prefix):
    # GitHub (2021 "Behind GitHub's new authentication token formats"): prefix, 30 base62 characters of
    # entropy, then the CRC32 of those 30 characters in base62, left-padded to 6.
    def gen():
        body = rs(B62, 30)
        return "GITHUB_TOKEN", prefix + body + base62(zlib.crc32(body.encode()), 6)

    return gen


def github_fine_grained():
    # github_pat_ + 22 base62 + '_' + 59 base62 (GitHub docs: fine-grained PATs, 93 characters).
    return "GH_PAT", "github_pat_" + rs(B62, 22) + "_" + rs(B62, 59)


def aws_key_id():
    # AWS IAM: access key ids are AKIA (long-term) or ASIA (STS) + 16 characters of RFC 4648 base32.
    return "AWS_ACCESS_KEY_ID", rng.choice(["AKIA", "AKIA", "ASIA"]) + rs(B32, 16)


def aws_secret():
    # 40 characters of base64 alphabet (AWS IAM User Guide, "Managing access keys").
    return "AWS_SECRET_ACCESS_KEY", rs(ALNUM + "/+", 40)


def slack_bot():
    # xoxb-<team id digits>-<bot id digits>-<24 alphanumerics> (Slack token types).
    return "SLACK_BOT_TOKEN", f"xoxb-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(ALNUM, 24)}"


def slack_user():
    return "SLACK_USER_TOKEN", (
        f"xoxp-{rs(string.digits, 12)}-{rs(string.digits, 12)}-{rs(string.digits, 13)}-{rs(HEX, 32)}"
    )


def slack_app():
    return "SLACK_APP_TOKEN", (
        f"xapp-1-A{rs(string.ascii_uppercase + string.digits, 10)}-{rs(string.digits, 13)}-{rs(HEX, 64)}"
    )


def slack_webhook():
    return "SLACK_WEBHOOK_URL", (
        "https://hooks.slack.com/services/T"
        + rs(string.ascii_uppercase + string.digits, 10)
        + "/B"
        + rs(string.ascii_uppercase + string.digits, 10)
        + "/"
        + rs(ALNUM, 24)
    )


def stripe_secret():
    # Stripe API keys: sk_live_ + 24 alphanumerics (classic) or sk_live_51 + 97 (current accounts).
    body = rs(ALNUM, 24) if rng.random() < 0.5 else "51" + rs(ALNUM, 97)
    return "STRIPE_SECRET_KEY", "sk_live_" + body


def stripe_restricted():
    body = rs(ALNUM, 24) if rng.random() < 0.5 else "51" + rs(ALNUM, 97)
    return "STRIPE_RESTRICTED_KEY", "rk_live_" + body


def stripe_webhook():
    return "STRIPE_WEBHOOK_SECRET", "whsec_" + rs(ALNUM, 32)


def gitlab_pat():
    # GitLab token overview: glpat- + 20 characters [0-9a-zA-Z_-].
    return "GITLAB_TOKEN", "glpat-" + rs(URLSAFE, 20)


def gitlab_runner():
    return "RUNNER_TOKEN", "glrt-" + rs(URLSAFE, 20)


def gitlab_deploy():
    return "GITLAB_DEPLOY_TOKEN", "gldt-" + rs(URLSAFE, 20)


def npm_token():
    # npm granular/automation tokens: npm_ + 36 base62 (30 random + 6 CRC32 checksum, as GitHub's).
    body = rs(B62, 30)
    return "NPM_TOKEN", "npm_" + body + base62(zlib.crc32(body.encode()), 6)


def pypi_token():
    # PyPI API tokens are macaroons (pymacaroons v2 binary serialisation, base64url), prefixed "pypi-".
    # Fields: version 2; location "pypi.org"; identifier; caveat; signature (32 bytes).
    def field(tag, data):
        return bytes([tag, len(data)]) + data

    ident = str(uuid.UUID(bytes=rbytes(16), version=4)).encode()
    caveat = json.dumps({"version": 1, "permissions": "user"}, separators=(",", ":")).encode()
    raw = (
        b"\x02"
        + field(1, b"pypi.org")
        + field(2, ident)
        + b"\x00"
        + field(2, caveat)
        + b"\x00\x00"
        + field(6, rbytes(32))
    )
    return "PYPI_TOKEN", "pypi-" + b64url(raw)


def docker_pat():
    # Docker Hub personal access tokens: dckr_pat_ + 27 characters.
    return "DOCKERHUB_TOKEN", "dckr_pat_" + rs(URLSAFE, 27)


def sendgrid():
    # SendGrid: SG.<22 id>.<43 secret>, base64url.
    return "SENDGRID_API_KEY", "SG." + rs(URLSAFE, 22) + "." + rs(URLSAFE, 43)


def twilio_key():
    # Twilio API key SIDs: SK + 32 lowercase hex.
    return "TWILIO_API_KEY", "SK" + rs(HEX, 32)


def twilio_token():
    return "TWILIO_AUTH_TOKEN", rs(HEX, 32)


def google_api_key():
    # Google API keys: AIza + 35 characters [0-9A-Za-z_-].
    return "GOOGLE_API_KEY", "AIza" + rs(URLSAFE, 35)


def digitalocean():
    # DigitalOcean (2021 token prefixes): dop_v1_ / doo_v1_ / dor_v1_ + 64 hex.
    return "DIGITALOCEAN_TOKEN", rng.choice(["dop_v1_", "doo_v1_"]) + rs(HEX, 64)


def alibaba_id():
    # Alibaba Cloud AccessKey IDs: LTAI + 20 alphanumerics (older ones 12-16).
    return "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI" + rs(ALNUM, rng.choice([16, 20]))


def alibaba_secret():
    return "ALIBABA_CLOUD_ACCESS_KEY_SECRET", rs(ALNUM, 30)


def openai():
    # OpenAI: sk-proj-… (project keys, T3BlbkFJ = base64 "OpenAI" in the middle) and legacy sk-<20>T3BlbkFJ<20>.
    if rng.random() < 0.5:
        return "OPENAI_API_KEY", "sk-proj-" + rs(URLSAFE, 74) + "T3BlbkFJ" + rs(URLSAFE, 74)
    return "OPENAI_API_KEY", "sk-" + rs(ALNUM, 20) + "T3BlbkFJ" + rs(ALNUM, 20)


def anthropic():
    # Anthropic: sk-ant-api03- + 93 base64url + "AA".
    return "ANTHROPIC_API_KEY", "sk-ant-api03-" + rs(URLSAFE, 93) + "AA"


def huggingface():
    # Hugging Face user access tokens: hf_ + 34 letters.
    return "HF_TOKEN", "hf_" + rs(string.ascii_letters, 34)


def shopify():
    # Shopify admin API access tokens: shpat_ + 32 hex.
    return "SHOPIFY_ACCESS_TOKEN", "shpat_" + rs(HEX, 32)


def telegram():
    # Telegram Bot API: <bot id>:<35 characters starting "AA">.
    return "TELEGRAM_BOT_TOKEN", rs(string.digits, 10) + ":AA" + rs(URLSAFE, 33)


def mailgun():
    # Mailgun private API keys: key- + 32 hex.
    return "MAILGUN_API_KEY", "key-" + rs(HEX, 32)


def datadog():
    # Datadog API keys: 32 hex, recognisable only by their variable name.
    return "DD_API_KEY", rs(HEX, 32)


def age_key():
    # age (C2SP age spec): Bech32 of the 32-byte X25519 identity, HRP "AGE-SECRET-KEY-", uppercase.
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

    def polymod(values):
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for v in values:
            b = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if (b >> i) & 1 else 0
        return chk

    hrp = "age-secret-key-"
    acc, bits, data = 0, 0, []
    for byte in rbytes(32):
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data
    pm = polymod(values + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return "AGE_KEY", (hrp + "1" + "".join(charset[d] for d in data + chk)).upper()


def jwt():
    # RFC 7519 JWT, HS256-signed with a random key (RFC 7515 §A.1 shape).
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {
        "sub": str(rng.randrange(10**6, 10**7)),
        "name": rng.choice(["svc-billing", "ci-runner", "reporting"]),
        "iat": 1700000000 + rng.randrange(10**7),
        "exp": 1800000000 + rng.randrange(10**7),
        "scope": rng.choice(["read write", "admin", "deploy"]),
    }
    si = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(
        json.dumps(payload, separators=(",", ":")).encode()
    )
    sig = hmac.new(rbytes(32), si.encode(), hashlib.sha256).digest()
    return "AUTH_TOKEN", si + "." + b64url(sig)


def password():
    return rs(ALNUM, 10) + rng.choice("!#%&*-_") + rs(ALNUM, 8)


def db_url():
    pw = password()
    host = rng.choice(["db.internal", "10.0.3.17", "pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com"])
    scheme, port, user = rng.choice(
        [
            ("postgresql", 5432, "app_user"),
            ("postgres", 5432, "billing"),
            ("mysql", 3306, "wordpress"),
            ("mongodb+srv", None, "reporting"),
            ("redis", 6379, "default"),
            ("amqp", 5672, "orders"),
        ]
    )
    hp = host if port is None else f"{host}:{port}"
    return "DATABASE_URL", f"{scheme}://{user}:{pw}@{hp}/{rs(string.ascii_lowercase, 6)}"


def generic_password():
    return rng.choice(["DB_PASSWORD", "ADMIN_PASSWORD", "SMTP_PASSWORD", "REDIS_PASSWORD"]), password()


def generic_api_key():
    return rng.choice(["PAYMENTS_API_KEY", "INTERNAL_API_KEY", "API_KEY"]), rs(ALNUM, 32)


def generic_secret():
    return rng.choice(["CLIENT_SECRET", "APP_SECRET", "SIGNING_SECRET", "SECRET_KEY"]), rs(ALNUM + "+/", 40)


def generic_token():
    return rng.choice(["ACCESS_TOKEN", "SERVICE_TOKEN", "REFRESH_TOKEN"]), rs(URLSAFE, 40)


def azure_conn():
    # Azure Storage connection string: AccountKey is base64 of a 64-byte key (88 characters).
    key = base64.b64encode(rbytes(64)).decode()
    name = rs(string.ascii_lowercase + string.digits, 12)
    return "AZURE_STORAGE_CONNECTION_STRING", (
        f"DefaultEndpointsProtocol=https;AccountName={name};AccountKey={key};EndpointSuffix=core.windows.net"
    )


# family -> (generator, rule-id regex, how many)
SINGLE = {
    "github-classic": (github_classic("ghp_"), r"^github-pat$", 6),
    "github-oauth": (github_classic("gho_"), r"^github-oauth-token$", 3),
    "github-app": (github_classic("ghs_"), r"^github-app-token$", 3),
    "github-fine-grained": (github_fine_grained, r"^github-fine-grained-pat$", 4),
    "aws-access-key-id": (aws_key_id, r"^aws-access-key-id$", 6),
    "aws-secret-access-key": (aws_secret, r"^aws-secret-access-key$", 6),
    "slack-bot": (slack_bot, r"^slack-bot-token$", 4),
    "slack-user": (slack_user, r"^slack-user-token$", 3),
    "slack-app": (slack_app, r"^slack-app-token$", 3),
    "slack-webhook": (slack_webhook, r"^slack-webhook-url$", 3),
    "stripe-secret": (stripe_secret, r"^stripe-secret-key$", 5),
    "stripe-restricted": (stripe_restricted, r"^stripe-restricted-key$", 4),
    "stripe-webhook": (stripe_webhook, r"^stripe-webhook-secret$", 3),
    "gitlab-pat": (gitlab_pat, r"^gitlab-pat$", 5),
    "gitlab-runner": (gitlab_runner, r"^gitlab-runner-auth-token$", 3),
    "gitlab-deploy": (gitlab_deploy, r"^gitlab-deploy-token$", 3),
    "npm": (npm_token, r"^npm-access-token$", 5),
    "pypi": (pypi_token, r"^pypi-token$", 5),
    "docker-hub": (docker_pat, r"^docker-hub-pat$", 4),
    "sendgrid": (sendgrid, r"^sendgrid-api-key$", 4),
    "twilio-api-key": (twilio_key, r"^twilio-api-key$", 4),
    "twilio-auth-token": (twilio_token, r"^twilio-auth-token$", 4),
    "google-api-key": (google_api_key, r"^gcp-api-key$", 5),
    "digitalocean": (digitalocean, r"^digitalocean-(pat|oauth-token)$", 4),
    "alibaba-id": (alibaba_id, r"^alibaba-access-key-id$", 4),
    "alibaba-secret": (alibaba_secret, r"^alibaba-secret-key$", 4),
    "openai": (openai, r"^openai-api-key$", 4),
    "anthropic": (anthropic, r"^anthropic-api-key$", 3),
    "huggingface": (huggingface, r"^huggingface-token$", 3),
    "shopify": (shopify, r"^shopify-access-token$", 3),
    "telegram": (telegram, r"^telegram-bot-token$", 3),
    "mailgun": (mailgun, r"^mailgun-api-key$", 3),
    "datadog": (datadog, r"^datadog-api-key$", 3),
    "age": (age_key, r"^age-secret-key$", 3),
    "jwt": (jwt, r"^jwt$", 5),
    "db-url": (db_url, r"^(postgres|mysql|mongodb|redis|amqp|mssql)-url-password$|^url-credentials$", 8),
    "azure-storage": (azure_conn, r"^azure-storage-account-key$", 4),
    "generic-password": (generic_password, r"^generic-password$", 6),
    "generic-api-key": (generic_api_key, r"^generic-api-key$", 5),
    "generic-secret": (generic_secret, r"^generic-(secret|api-key)$", 5),
    "generic-token": (generic_token, r"^generic-token$", 5),
}

# ---------------------------------------------------------------- hard negatives (name, value, category)


def uuid4():
    return str(uuid.UUID(bytes=rbytes(16), version=4))


def negatives():
    out = []
    for _ in range(4):
        out += [
            ("REQUEST_ID", uuid4(), "uuid"),
            ("TENANT_ID", uuid4(), "uuid"),
            ("SUBSCRIPTION_ID", uuid4(), "uuid"),
            ("GIT_COMMIT", rbytes(20).hex(), "sha1"),
            ("ARTIFACT_SHA256", rbytes(32).hex(), "sha256"),
            ("IMAGE_DIGEST", "sha256:" + rbytes(32).hex(), "sha256"),
            ("CA_BUNDLE", base64.b64encode(rbytes(rng.choice([48, 96, 150]))).decode(), "base64-blob"),
            ("LOGO_PNG", "data:image/png;base64," + base64.b64encode(rbytes(90)).decode(), "base64-blob"),
            ("INTEGRITY", "sha512-" + base64.b64encode(rbytes(64)).decode(), "integrity-hash"),
            ("SRI_HASH", "sha384-" + base64.b64encode(rbytes(48)).decode(), "integrity-hash"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_live_" + rs(ALNUM, 24), "publishable-key"),
            ("GOOGLE_CLIENT_ID", f"{rs(string.digits, 12)}-{rs(string.ascii_lowercase + string.digits, 32)}.apps.googleusercontent.com", "public-identifier"),
            ("TWILIO_ACCOUNT_SID", "AC" + rs(HEX, 32), "public-identifier"),
            ("BUILD_ID", rs(HEX, 32), "hex-id"),
        ]
    out += [
        ("GITHUB_TOKEN", "${GITHUB_TOKEN}", "placeholder"),
        ("DB_PASSWORD", "${DB_PASSWORD}", "placeholder"),
        ("API_KEY", "<your-api-key>", "placeholder"),
        ("API_TOKEN", "<your-token>", "placeholder"),
        ("SLACK_BOT_TOKEN", "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx", "placeholder"),
        ("GITHUB_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder"),
        ("AWS_SECRET_ACCESS_KEY", "YOUR_SECRET_ACCESS_KEY", "placeholder"),
        ("PASSWORD", "changeme", "placeholder"),
        ("ADMIN_PASSWORD", "********", "placeholder"),
        ("CLIENT_SECRET", "{{ .Values.oauth.clientSecret }}", "placeholder"),
        ("SECRET_KEY", "REPLACE_ME", "placeholder"),
        ("STRIPE_SECRET_KEY", "sk_live_...", "placeholder"),
        ("DATABASE_URL", "postgres://app:${PGPASSWORD}@db:5432/app", "placeholder"),
        ("DATABASE_URL", "postgres://postgres:postgres@localhost:5432/app", "placeholder"),
        ("SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder"),
        ("GITLAB_TOKEN", "glpat-xxxxxxxxxxxxxxxxxxxx", "placeholder"),
        ("DB_PASSWORD", "${{ secrets.DB_PASSWORD }}", "placeholder"),
        ("API_TOKEN", "$(cat /run/secrets/api_token)", "placeholder"),
        # Encrypted values are not plaintext secrets: SOPS and Ansible Vault.
        ("DB_PASSWORD", "ENC[AES256_GCM,data:" + base64.b64encode(rbytes(18)).decode() + ",iv:" + base64.b64encode(rbytes(32)).decode() + ",tag:" + base64.b64encode(rbytes(16)).decode() + ",type:str]", "encrypted"),
        ("API_KEY", "ENC[AES256_GCM,data:" + base64.b64encode(rbytes(24)).decode() + ",iv:" + base64.b64encode(rbytes(32)).decode() + ",tag:" + base64.b64encode(rbytes(16)).decode() + ",type:str]", "encrypted"),
        # Password hashes (bcrypt, as htpasswd -B writes them) are not the password.
        ("ADMIN_PASSWORD_HASH", "$2y$10$" + rs(ALNUM + "./", 53), "hash"),
        ("PASSWORD_SHA256", rbytes(32).hex(), "hash"),
        # Vendor documentation examples (each quoted from the vendor's docs).
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "doc-example"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "doc-example"),
        ("STRIPE_SECRET_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "doc-example"),
        ("SLACK_BOT_TOKEN", "xoxb-not-a-real-token-this-will-not-work", "doc-example"),
        ("TWILIO_ACCOUNT_SID", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "doc-example"),
        ("JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "doc-example"),
        # Azurite's well-known development storage key (Microsoft docs, "Use the Azurite emulator").
        ("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;", "doc-example"),
    ]
    return out


# ---------------------------------------------------------------- contexts


def quote_needed(v):
    return any(c in v for c in ":#{}[]&*!|>'\"%@`,") or v.startswith(("-", "?"))


CONTEXTS = {
    # name: (path template, header lines, line renderer, footer lines)
    "env": ("services/{n}/.env", ["# service configuration", "NODE_ENV=production", "PORT=8080"],
            lambda k, v: f"{k}={v}", []),
    "shell": ("scripts/deploy-{n}.sh", ["#!/usr/bin/env bash", "set -euo pipefail", 'REGION="eu-west-1"'],
              lambda k, v: f'export {k}="{v}"', ['echo "deploying to $REGION"']),
    "yaml": ("config/{n}/application.yml", ["server:", "  port: 8080", "credentials:"],
             lambda k, v: f"  {k.lower()}: " + (json.dumps(v) if quote_needed(v) else v), ["logging:", "  level: info"]),
    "json": ("config/{n}/settings.json", ["{", '  "service": "billing",', '  "timeoutSeconds": 30,'],
             lambda k, v: f'  "{k.lower()}": {json.dumps(v)},', ['  "retries": 3', "}"]),
    "python": ("app/{n}/settings.py", ["import os", "", "DEBUG = False"],
               lambda k, v: f"{k} = {json.dumps(v)}", ['ALLOWED_HOSTS = ["*"]']),
    "terraform": ("infra/{n}/main.tf", ['provider "aws" {', '  region = "eu-west-1"', "}", 'locals {'],
                  lambda k, v: f"  {k.lower()} = {json.dumps(v)}", ["}"]),
    "properties": ("conf/{n}/application.properties", ["spring.application.name=billing", "server.port=8080"],
                   lambda k, v: f"{k.lower().replace('_', '.')}={v}", []),
    "compose": ("compose/{n}/docker-compose.yml", ["services:", "  app:", "    image: registry.invalid/app:1.0", "    environment:"],
                lambda k, v: f"      - {k}={v}", ["    ports:", '      - "8080:8080"']),
    "xml": ("conf/{n}/settings.xml", ['<?xml version="1.0" encoding="UTF-8"?>', "<settings>"],
            lambda k, v: f"  <{k.lower()}>{v}</{k.lower()}>", ["</settings>"]),
    "go": ("internal/{n}/config.go", ["package config", "", "const ("],
           lambda k, v: f"\t{''.join(w.capitalize() for w in k.lower().split('_'))} = {json.dumps(v)}", [")"]),
    "k8s": ("k8s/{n}/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: app-{n}", "  namespace: prod", "type: Opaque", "stringData:"],
            lambda k, v: f"  {k}: {json.dumps(v)}", []),
}

FILLER = {
    "env": ["LOG_LEVEL=info", "FEATURE_FLAGS=search,export", "TIMEOUT_MS=2500", "CACHE_TTL=300"],
    "shell": ['LOG_LEVEL="info"', 'echo "starting"', 'TIMEOUT_MS="2500"'],
    "yaml": ["  region: eu-west-1", "  timeout: 30s", "  retries: 3"],
    "json": ['  "region": "eu-west-1",', '  "enabled": true,', '  "maxConnections": 20,'],
    "python": ["TIME_ZONE = \"UTC\"", "USE_TZ = True", "CACHE_TTL = 300"],
    "terraform": ['  environment = "prod"', "  instance_count = 3", '  owner = "platform-team"'],
    "k8s": ['  LOG_LEVEL: "info"', '  REGION: "eu-west-1"'],
    "properties": ["logging.level.root=INFO", "server.compression.enabled=true"],
    "compose": ["      - LOG_LEVEL=info", "      - TZ=UTC"],
    "xml": ["  <timeout>30</timeout>", "  <region>eu-west-1</region>"],
    "go": ["\tDefaultTimeout = 30", '\tRegion = "eu-west-1"'],
}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def key_material(tmp):
    """Private and public keys from the real tools. Returns {name: pem text}."""
    k = {}
    k["pkcs8-rsa"] = run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    k["pkcs8-ed25519"] = run(["openssl", "genpkey", "-algorithm", "ed25519"])
    k["rsa-traditional"] = run(["openssl", "genrsa", "-traditional", "2048"])
    k["ec"] = run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"])
    k["encrypted"] = run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                          "-aes-256-cbc", "-pass", "pass:corpus-only"])
    p = os.path.join(tmp, "rsa.pem")
    with open(p, "w") as f:
        f.write(k["pkcs8-rsa"])
    k["public"] = run(["openssl", "pkey", "-in", p, "-pubout"])
    k["certificate"] = run(["openssl", "req", "-x509", "-key", p, "-subj", "/CN=corpus.invalid", "-days", "30"])
    for t in ["ed25519", "rsa"]:
        kp = os.path.join(tmp, f"id_{t}")
        run(["ssh-keygen", "-q", "-t", t, "-N", "", "-C", "deploy@ci", "-f", kp])
        k[f"openssh-{t}"] = open(kp).read()
        k[f"ssh-pub-{t}"] = open(kp + ".pub").read()
    home = os.path.join(tmp, "gnupg")
    os.makedirs(home, mode=0o700)
    g = ["gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", ""]
    run(g + ["--quick-gen-key", "Corpus Signing <signing@corpus.invalid>", "ed25519", "sign", "never"])
    k["pgp-private"] = run(g + ["--armor", "--export-secret-keys"])
    k["pgp-public"] = run(g + ["--armor", "--export"])
    return k


class Corpus:
    def __init__(self):
        self.files = {}
        self.labels = []

    def add(self, path, lines, labels):
        """labels: list of (0-based line index, family, regex)."""
        self.files[path] = "\n".join(lines) + "\n"
        for i, fam, rx in labels:
            self.labels.append((path, i + 1, fam, rx))


def build():
    corpus = Corpus()
    entries = []
    for fam, (gen, rx, count) in SINGLE.items():
        for _ in range(count):
            k, v = gen()
            entries.append((k, v, fam, rx))
    # AWS key pairs on adjacent lines, as in ~/.aws/credentials, are added below; here the singles.
    for k, v, cat in negatives():
        entries.append((k, v, "neg:" + cat, ""))
    rng.shuffle(entries)
    ctx_names = list(CONTEXTS)
    per_file = 9
    chunks = [entries[i : i + per_file] for i in range(0, len(entries), per_file)]
    for n, chunk in enumerate(chunks):
        ctx = ctx_names[n % len(ctx_names)]
        tmpl, header, render, footer = CONTEXTS[ctx]
        lines = [h.replace("{n}", str(n)) for h in header]
        labels = []
        for k, v, fam, rx in chunk:
            if rng.random() < 0.4:
                lines.append(rng.choice(FILLER[ctx]))
            labels.append((len(lines), fam, rx))
            lines.append(render(k, v))
        lines += footer
        corpus.add(tmpl.replace("{n}", str(n)), lines, labels)

    # ~/.aws/credentials profiles.
    lines, labels = [], []
    for p in ["default", "ci", "billing-prod"]:
        lines.append(f"[{p}]")
        labels.append((len(lines), "aws-access-key-id", r"^aws-access-key-id$"))
        lines.append(f"aws_access_key_id = {aws_key_id()[1]}")
        labels.append((len(lines), "aws-secret-access-key", r"^aws-secret-access-key$"))
        lines.append(f"aws_secret_access_key = {aws_secret()[1]}")
        lines.append("region = eu-west-1")
        lines.append("")
    corpus.add("home/ops/.aws/credentials", lines, labels)

    with tempfile.TemporaryDirectory() as tmp:
        keys = key_material(tmp)
    private = {
        "pkcs8-rsa": r"^private-key-pkcs8$",
        "pkcs8-ed25519": r"^private-key-pkcs8$",
        "rsa-traditional": r"^private-key-rsa$",
        "ec": r"^private-key-ec$",
        "encrypted": r"^private-key-encrypted$",
        "openssh-ed25519": r"^private-key-openssh$",
        "openssh-rsa": r"^private-key-openssh$",
        "pgp-private": r"^private-key-pgp$",
    }
    for name, rx in private.items():
        text = keys[name].rstrip("\n").split("\n")
        begin = next(i for i, l in enumerate(text) if l.startswith("-----BEGIN"))
        # As a key file.
        corpus.add(f"keys/{name}/key.pem", text, [(begin, "private-key", rx)])
        # In a Kubernetes Secret as a block scalar.
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: tls-{name}", "type: Opaque", "stringData:", "  tls.key: |"]
        start = len(lines)
        lines += ["    " + l for l in text]
        corpus.add(f"k8s/keys/{name}.yaml", lines, [(start + begin, "private-key", rx)])
        # In Terraform as a heredoc.
        lines = ['resource "tls_cert_request" "app" {', "  private_key_pem = <<EOT"]
        start = len(lines)
        lines += text + ["EOT", "}"]
        corpus.add(f"infra/keys/{name}.tf", lines, [(start + begin, "private-key", rx)])
    # GCP service-account key files (the JSON `gcloud iam service-accounts keys create` writes).
    for n in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            pem = run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        project = f"corp-{rs(string.ascii_lowercase, 6)}-{rs(string.digits, 6)}"
        sa = {
            "type": "service_account",
            "project_id": project,
            "private_key_id": rbytes(20).hex(),
            "private_key": pem,
            "client_email": f"deployer@{project}.iam.gserviceaccount.com",
            "client_id": rs(string.digits, 21),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/deployer%40{project}.iam.gserviceaccount.com",
            "universe_domain": "googleapis.com",
        }
        lines = json.dumps(sa, indent=2).split("\n")
        at = next(i for i, l in enumerate(lines) if '"private_key":' in l)
        corpus.add(f"gcp/{n}/service-account.json", lines,
                   [(at, "gcp-service-account", r"^(gcp-service-account-private-key|private-key-pkcs8)$")])
    # Public material: never a finding.
    pub = []
    for name in ["public", "certificate", "ssh-pub-ed25519", "ssh-pub-rsa", "pgp-public"]:
        pub += keys[name].rstrip("\n").split("\n") + [""]
    corpus.add("keys/public/bundle.txt", pub, [(i, "neg:public-key", "") for i, l in enumerate(pub) if l])
    # Documentation prose with examples and placeholders.
    doc = [
        "# Configuring the CLI",
        "",
        "Set your token before running the deploy script:",
        "",
        "    export GITHUB_TOKEN=<your-token>",
        "    export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "    export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "    curl -H 'Authorization: Bearer $TOKEN' https://api.example.com/v1/me",
        "    psql postgres://user:password@localhost:5432/app",
        "",
        "The token looks like `ghp_` followed by 36 characters; never commit it.",
    ]
    corpus.add("docs/configuration.md", doc, [(i, "neg:doc-example", "") for i in range(4, 9)])
    # An HTML page with subresource integrity hashes.
    html = ["<!doctype html>", "<html><head>"]
    for lib in ["react", "react-dom", "lodash"]:
        html.append(
            f'<script src="https://cdn.jsdelivr.net/npm/{lib}@18.2.0/umd/{lib}.production.min.js" '
            f'integrity="sha384-{base64.b64encode(rbytes(48)).decode()}" crossorigin="anonymous"></script>'
        )
    html += ["</head><body></body></html>"]
    corpus.add("web/index.html", html, [(i, "neg:integrity-hash", "") for i in range(2, 5)])
    return corpus


def main():
    corpus = build()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for path, text in corpus.files.items():
        full = os.path.join(OUT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    with open(os.path.join(HERE, "LABELS.tsv"), "w") as f:
        f.write("# file\tline\tfamily\trule-regex (generated by generate.py; do not edit)\n")
        for path, line, fam, rx in sorted(corpus.labels):
            f.write(f"{path}\t{line}\t{fam}\t{rx}\n")
    pos = sum(1 for l in corpus.labels if not l[2].startswith("neg:"))
    print(f"{len(corpus.files)} files, {pos} positive labels, {len(corpus.labels) - pos} negative lines")


if __name__ == "__main__":
    main()
