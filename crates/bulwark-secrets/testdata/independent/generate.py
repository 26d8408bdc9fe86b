#!/usr/bin/env python3
"""Independent labelled corpus for bulwark-secrets.

Written apart from the Rust rules: every true secret follows the vendor's *published* token format, or the
format that other open-source scanners' detector tests describe (gitleaks `cmd/generate/config/rules/*.go`,
trufflehog `pkg/detectors/<vendor>/`, Yelp detect-secrets `tests/plugins/`), cited next to each family. No
code or data is copied from those projects: every value is random, made here in the documented shape, and
every hard negative is generated here after the categories their false-positive lists and invalid test cases
show (wrong length, wrong charset, placeholders, look-alikes, public identifiers, hashes).
Private keys come from the real tools (openssl, ssh-keygen, gpg).

    python3 crates/bulwark-secrets/testdata/independent/generate.py [SEED [DIR]]

writes `files/` and `LABELS.tsv` next to this script. Everything except the key material is a function of
SEED; openssl/ssh-keygen/gpg cannot be seeded, so keys are fresh on each run (their labels do not change).
No value is a real credential: all tokens are random bytes in the vendor's shape.

LABELS.tsv: `file<TAB>line<TAB>family<TAB>rule-regex`.
- `line` is a 1-based line, or `a-b` (a secret spread over lines, e.g. an XML element: a finding on any of
  them counts), or `0` (the file itself, e.g. a `.p12` key store found by its name).
- A positive family is `vendor` or `vendor/kind`; its regex lists the rule ids that may report it.
- A `neg:<category>` row marks a hard-negative line: any finding there is a false positive.
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
import sys
import tempfile
import uuid
import zlib

# `generate.py [SEED [DIR]]` writes a held-out corpus with another seed into DIR (default: this directory),
# to check that the rules were not fitted to the committed strings (tests/independent_corpus.rs reads DIR
# when INDEPENDENT_CORPUS_DIR is set).
SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 20261206
HERE = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "files")

rng = random.Random(SEED)

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
HEXL = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B32 = string.ascii_uppercase + "234567"
LOWNUM = string.ascii_lowercase + string.digits
UPNUM = string.ascii_uppercase + string.digits
DIG = string.digits
B64C = ALNUM + "+/"

GL = "gitleaks cmd/generate/config/rules/"
TH = "trufflehog pkg/detectors/"
DS = "detect-secrets tests/plugins/"


def rs(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(alphabet, n):
    """Random string that has at least one upper, one lower and one digit when the alphabet allows it."""
    while True:
        s = rs(alphabet, n)
        need = [c for c in (string.ascii_uppercase, string.ascii_lowercase, string.digits) if set(c) & set(alphabet)]
        if all(any(ch in cls for ch in s) for cls in need):
            return s


def H(n):
    return rs(HEXL, n)


def AN(n):
    return mixed(ALNUM, n)


def U(n):
    return mixed(URLSAFE, n)


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def b64(n):
    return base64.b64encode(rbytes(n)).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uuid4():
    return str(uuid.UUID(bytes=rbytes(16), version=4))


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def password():
    return rs(ALNUM, 10) + rng.choice("!#%*-_") + rs(ALNUM, 4) + rng.choice(DIG) + rs(ALNUM, 3)


# ---------------------------------------------------------------- generators needing more than one line


def github_classic(prefix):
    # GitHub, "Behind GitHub's new authentication token formats" (2021): prefix, 30 base62 characters, then
    # the CRC32 of those 30 characters in base62, left-padded to 6.
    def gen():
        body = rs(B62, 30)
        return prefix + body + base62(zlib.crc32(body.encode()), 6)

    return gen


def npm_token():
    # npm tokens: npm_ + 36 base62 (30 random + 6 CRC32 checksum, as GitHub's).
    body = rs(B62, 30)
    return "npm_" + body + base62(zlib.crc32(body.encode()), 6)


def pypi_token():
    # PyPI API tokens are macaroons (pymacaroons v2 binary serialisation, base64url), prefixed "pypi-".
    def field(tag, data):
        return bytes([tag, len(data)]) + data

    ident = uuid4().encode()
    caveat = json.dumps({"version": 1, "permissions": "user"}, separators=(",", ":")).encode()
    raw = b"\x02" + field(1, b"pypi.org") + field(2, ident) + b"\x00" + field(2, caveat) + b"\x00\x00" + field(6, rbytes(32))
    return "pypi-" + b64url(raw)


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
    return (hrp + "1" + "".join(charset[d] for d in data + chk)).upper()


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
    si = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(json.dumps(payload, separators=(",", ":")).encode())
    return si + "." + b64url(hmac.new(rbytes(32), si.encode(), hashlib.sha256).digest())


def db_url():
    pw = password()
    host = rng.choice(["db.internal", "10.0.3.17", "pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com"])
    scheme, port, user = rng.choice(
        [("postgresql", 5432, "app_user"), ("postgres", 5432, "billing"), ("mysql", 3306, "wordpress"),
         ("mongodb+srv", None, "reporting"), ("redis", 6379, "cache"), ("amqp", 5672, "orders")]
    )
    hp = host if port is None else f"{host}:{port}"
    return f"{scheme}://{user}:{pw}@{hp}/{rs(string.ascii_lowercase, 6)}"


def azure_conn():
    # Azure Storage connection string: AccountKey is base64 of a 64-byte key (88 characters).
    name = rs(LOWNUM, 12)
    return f"DefaultEndpointsProtocol=https;AccountName={name};AccountKey={b64(64)};EndpointSuffix=core.windows.net"


def bedrock_long():
    # AWS Bedrock long-term API keys: "ABSK" + base64("BedrockAPIKey-<id>-at-<account>:<secret>")
    # (AWS Bedrock user guide, "API keys"; gitleaks aws.go, rule aws-amazon-bedrock-api-key-long-lived).
    # With a 60-character secret the key is 132 characters, the length of gitleaks' examples.
    raw = f"BedrockAPIKey-{rs(LOWNUM, 5)}-at-{rs(DIG, 12)}:{rs(B64C, 60)}"
    return "ABSK" + base64.b64encode(raw.encode()).decode()


def bedrock_short():
    # Short-term keys: "bedrock-api-key-" + base64 of a presigned bedrock.amazonaws.com URL
    # (aws-bedrock-token-generator; gitleaks aws.go, rule aws-amazon-bedrock-api-key-short-lived).
    url = ("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
           f"&X-Amz-Credential=ASIA{rs(B32, 16)}%2F20261201%2Fus-east-1%2Fbedrock%2Faws4_request"
           f"&X-Amz-Date=20261201T101010Z&X-Amz-Expires=43200&X-Amz-Security-Token={b64(120)}"
           f"&X-Amz-Signature={H(64)}&Version=1")
    return "bedrock-api-key-" + base64.b64encode(url.encode()).decode()


def onepassword_sa():
    # 1Password service account tokens: "ops_" + base64 of a JSON document (starts "eyJ").
    doc = json.dumps({"signInAddress": "my.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
                      "iterations": 650000, "salt": b64url(rbytes(16))}, "email": f"{rs(LOWNUM, 12)}@1passwordserviceaccounts.com",
                      "srpX": H(64), "muk": {"alg": "A256GCM", "ext": True, "k": b64url(rbytes(32)), "key_ops": ["encrypt", "decrypt"],
                      "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + rs(UPNUM, 6), "throttleSecret": {"seed": H(64), "uuid": rs(UPNUM, 26)},
                      "deviceUuid": rs(LOWNUM, 26)}, separators=(",", ":"))
    return "ops_" + base64.b64encode(doc.encode()).decode().rstrip("=")


def mapbox_secret():
    # Mapbox secret tokens: "sk." + base64url JSON {"u": user, "a": id} + "." + 22 characters.
    j = b64url(json.dumps({"u": rs(string.ascii_lowercase, 8), "a": rs(LOWNUM, 25)}, separators=(",", ":")).encode())
    return "sk." + j + "." + U(22)


def grafana_cloud():
    # Grafana Cloud access policy tokens: "glc_" + base64 of JSON {"o","n","k","m"}.
    doc = json.dumps({"o": rs(DIG, 6), "n": "stack-" + rs(DIG, 6) + "-hm-read", "k": AN(24), "m": {"r": "prod-eu-west-0"}},
                     separators=(",", ":"))
    return "glc_" + base64.b64encode(doc.encode()).decode()


def grafana_legacy():
    # Legacy Grafana API keys: base64 of {"k": 32 alnum, "n": name, "id": n} (starts eyJrIjoi).
    doc = json.dumps({"k": AN(32), "n": rs(string.ascii_lowercase, 8), "id": rng.randrange(1, 99)}, separators=(",", ":"))
    return base64.b64encode(doc.encode()).decode()


def sentry_org():
    # Sentry org auth tokens: "sntrys_" + base64 JSON (iat, url, region_url, org) + "_" + 43 base64.
    doc = json.dumps({"iat": 1700000000 + rng.randrange(10**7), "url": "https://sentry.io",
                      "region_url": "https://us.sentry.io", "org": rs(string.ascii_lowercase, 8)}, separators=(",", ":"))
    return "sntrys_" + base64.b64encode(doc.encode()).decode().rstrip("=") + "_" + rs(B64C, 43)


def discord_bot():
    # Discord bot tokens: base64(user id) "." 6 chars (timestamp) "." 27-38 chars HMAC.
    uid = str(rng.randrange(10**17, 10**18 * 2))
    return base64.b64encode(uid.encode()).decode().rstrip("=") + "." + U(6) + "." + U(38)


def intercom():
    # Intercom access tokens: base64 of "tok:<uuid with underscores>:1:0", 60 characters ending "="
    # (they start "dG9rOj"; trufflehog intercom/ matches 59 characters and "=").
    raw = f"tok:{uuid4().replace('-', '_')}:1:0"
    return base64.b64encode(raw.encode()).decode()


def teams_webhook():
    return (f"https://{rs(string.ascii_lowercase, 8)}.webhook.office.com/webhookb2/{uuid4()}@{uuid4()}"
            f"/IncomingWebhook/{H(32)}/{uuid4()}")


def freenet_usk():
    # Freenet updatable subspace keys: USK@<routing key>,<crypto key>,<extra>/<site>/<edition>/ (base64 with
    # "~" and "-"). The middle of a key can read "...7Q~..." like an Azure AD client secret.
    def part():
        s = list(rs(ALNUM + "~-", 43))
        i = rng.randrange(3, 30)
        s[i - 1], s[i], s[i + 1] = rng.choice(DIG), "Q", "~"
        return "".join(s)

    return f"USK@{part()},{part()},AQACAAE/{rng.choice(['freesite', 'blog', 'index'])}/{rng.randrange(1, 90)}/"


# ---------------------------------------------------------------- true secrets, by published format
# (family, variable name, generator, rule-id regex, source, how many, look-alike)
# The variable carries the vendor's name because the formats without a distinctive prefix are only
# recognisable with it (the "keyword + value" detectors of gitleaks and trufflehog). `bad` makes a
# look-alike in the wrong shape (length or charset), written under a neutral name as a hard negative.
FAMILIES = []


def F(family, var, gen, rx, src, n=3, bad=None, env_only=False):
    FAMILIES.append(dict(family=family, var=var, gen=gen, rx=rx, src=src, n=n, bad=bad, env_only=env_only))


# --- the vendors the issue lists as having no rule
F("adafruit", "ADAFRUIT_IO_KEY", lambda: "aio_" + AN(28), r"^adafruit-", TH + "adafruitio/ (aio_ + 28); " + GL + "adafruit.go", 4)
F("adobe/client-secret", "ADOBE_CLIENT_SECRET", lambda: "p8e-" + mixed(ALNUM, 32), r"^adobe-", GL + "adobe.go (p8e- + 32)", 4,
  bad=lambda: "p8e-" + AN(12))
F("confluent/api-key", "CONFLUENT_CLOUD_API_KEY", lambda: mixed(UPNUM, 16), r"^confluent-", GL + "confluent.go (16 alnum); " + TH + "confluent/", 3)
F("confluent/api-secret", "CONFLUENT_CLOUD_API_SECRET", lambda: AN(64), r"^confluent-", GL + "confluent.go (64 alnum)", 3)
F("fastly", "FASTLY_API_TOKEN", lambda: U(32), r"^fastly-", GL + "fastly.go; " + TH + "fastlypersonaltoken/", 4)
F("etsy", "ETSY_API_KEY", lambda: mixed(LOWNUM, 24), r"^etsy-", GL + "etsy.go (24 alnum, keyword ETSY/Etsy/etsy)", 4)
F("looker/client-id", "LOOKER_CLIENT_ID", lambda: AN(20), r"^looker-", GL + "looker.go (20 alnum)", 3)
F("looker/client-secret", "LOOKER_CLIENT_SECRET", lambda: AN(24), r"^looker-", GL + "looker.go (24 alnum)", 3)
F("settlemint", "SETTLEMINT_ACCESS_TOKEN", lambda: rng.choice(["sm_pat_", "sm_aat_", "sm_sat_"]) + AN(16), r"^settlemint-",
  GL + "settlemint.go (sm_pat_/sm_aat_/sm_sat_ + 16)", 4, bad=lambda: "sm_pat_" + AN(10))
F("sourcegraph", "SRC_ACCESS_TOKEN", lambda: rng.choice(["sgp_" + H(16) + "_" + H(40), "sgp_local_" + H(40), "sgp_" + H(40)]),
  r"^sourcegraph-", GL + "sourcegraph.go; " + TH + "sourcegraph/", 4, bad=lambda: "sgp_" + H(20))
F("squarespace", "SQUARESPACE_API_KEY", uuid4, r"^squarespace-", GL + "squarespace.go (keyword + UUID); " + TH + "squarespace/", 3)
F("hubspot/api-key", "HUBSPOT_API_KEY", uuid4, r"^hubspot-", GL + "hubspot.go (keyword + UUID); " + TH + "hubspot_apikey/", 3)
F("hubspot/private-app", "HUBSPOT_ACCESS_TOKEN", lambda: f"pat-{rng.choice(['na1', 'eu1'])}-{uuid4()}", r"^hubspot-",
  "HubSpot developer docs, private app access tokens (pat-<region>-<uuid>); " + TH + "hubspot_apikey/v2/", 3)
F("aws/bedrock-long-term", "AWS_BEARER_TOKEN_BEDROCK", bedrock_long, r"^aws-.*bedrock|^bedrock", GL + "aws.go (ABSK…)", 3)
F("aws/bedrock-short-term", "AWS_BEARER_TOKEN_BEDROCK", bedrock_short, r"^aws-.*bedrock|^bedrock", GL + "aws.go (bedrock-api-key-…)", 2)
F("slack/config-access", "SLACK_CONFIG_TOKEN", lambda: "xoxe.xoxp-1-" + mixed(ALNUM, 164), r"^slack-config", GL + "slack.go (xoxe.xox[bp]-1- + 163-166, mixed case)", 3)
F("slack/config-refresh", "SLACK_CONFIG_REFRESH_TOKEN", lambda: "xoxe-1-" + mixed(ALNUM, 146), r"^slack-", GL + "slack.go (xoxe-1- + 146 mixed case)", 3,
  bad=lambda: "xoxe-1-" + AN(20))
# --- formats with a distinctive prefix
F("github/classic-pat", "GITHUB_TOKEN", github_classic("ghp_"), r"^github-pat$", "GitHub blog, token formats; " + GL + "github.go", 4,
  bad=lambda: "ghp_" + AN(20))
F("github/oauth", "GITHUB_OAUTH_TOKEN", github_classic("gho_"), r"^github-oauth-token$", GL + "github.go", 2)
F("github/app", "GITHUB_APP_TOKEN", github_classic(rng.choice(["ghs_", "ghu_"])), r"^github-app-token$", GL + "github.go", 2)
F("github/refresh", "GITHUB_REFRESH_TOKEN", github_classic("ghr_"), r"^github-refresh-token$", GL + "github.go", 2)
F("github/fine-grained", "GH_PAT", lambda: "github_pat_" + AN(22) + "_" + AN(59), r"^github-fine-grained-pat$", "GitHub docs; " + GL + "github.go", 3)
F("aws/access-key-id", "AWS_ACCESS_KEY_ID", lambda: rng.choice(["AKIA", "AKIA", "ASIA", "ABIA"]) + rs(B32, 16), r"^aws-access-key-id$",
  "AWS IAM user guide, unique id prefixes; " + GL + "aws.go", 4, bad=lambda: "AKIA" + rs("0189abcdef", 16))
F("slack/bot", "SLACK_BOT_TOKEN", lambda: f"xoxb-{rs(DIG, 12)}-{rs(DIG, 13)}-{AN(24)}", r"^slack-bot-token$", "Slack token types; " + GL + "slack.go", 3)
F("slack/user", "SLACK_USER_TOKEN", lambda: f"xoxp-{rs(DIG, 12)}-{rs(DIG, 12)}-{rs(DIG, 13)}-{H(32)}", r"^slack-user-token$", GL + "slack.go", 2)
F("slack/app", "SLACK_APP_TOKEN", lambda: f"xapp-1-A{rs(UPNUM, 10)}-{rs(DIG, 13)}-{H(64)}", r"^slack-app-token$", GL + "slack.go", 2)
F("slack/webhook", "SLACK_WEBHOOK_URL", lambda: f"https://hooks.slack.com/services/T{rs(UPNUM, 10)}/B{rs(UPNUM, 10)}/{AN(24)}",
  r"^slack-webhook-url$", GL + "slack.go; " + TH + "slackwebhook/", 3)
F("stripe/secret", "STRIPE_SECRET_KEY", lambda: "sk_live_" + (AN(24) if rng.random() < 0.5 else "51" + AN(97)), r"^stripe-secret-key$", GL + "stripe.go", 3)
F("stripe/restricted", "STRIPE_RESTRICTED_KEY", lambda: "rk_live_" + (AN(24) if rng.random() < 0.5 else "51" + AN(97)), r"^stripe-restricted-key$", GL + "stripe.go", 2)
F("stripe/webhook", "STRIPE_WEBHOOK_SECRET", lambda: "whsec_" + AN(32), r"^stripe-webhook-secret$", "Stripe docs, webhook signing secrets", 2)
F("gitlab/pat", "GITLAB_TOKEN", lambda: "glpat-" + U(20), r"^gitlab-pat", "GitLab token overview; " + GL + "gitlab.go", 3, bad=lambda: "glpat-" + AN(8))
F("gitlab/runner", "CI_RUNNER_TOKEN", lambda: "glrt-" + U(20), r"^gitlab-runner", GL + "gitlab.go", 2)
F("gitlab/deploy", "GITLAB_DEPLOY_TOKEN", lambda: "gldt-" + U(20), r"^gitlab-deploy-token$", GL + "gitlab.go", 2)
F("gitlab/other", "GITLAB_API_TOKEN", lambda: rng.choice(["glft-" + U(20), "glimt-" + mixed(LOWNUM, 25), "glagent-" + U(50), "gloas-" + U(64),
                                                            "glptt-" + H(40), "glsoat-" + U(20), "GR1348941" + U(20), "glcbt-64_" + U(20)]),
  r"^gitlab-", GL + "gitlab.go (glft/glimt/glagent/gloas/glptt/glsoat/GR1348941/glcbt)", 6)
F("npm", "NPM_TOKEN", npm_token, r"^npm", "npm docs, access tokens; " + GL + "npm.go", 3, bad=lambda: "npm_" + AN(12))
F("pypi", "PYPI_TOKEN", pypi_token, r"^pypi-token$", "PyPI docs (macaroon); " + GL + "pypi.go", 3)
F("docker-hub", "DOCKERHUB_TOKEN", lambda: "dckr_pat_" + U(27), r"^docker-hub-pat$", "Docker docs, access tokens; " + TH + "dockerhub/", 3)
F("sendgrid", "SENDGRID_API_KEY", lambda: "SG." + U(22) + "." + U(43), r"^sendgrid-api-key$", GL + "sendgrid.go", 3)
F("twilio/api-key", "TWILIO_API_KEY", lambda: "SK" + H(32), r"^twilio-api-key$", GL + "twilio.go", 3)
F("twilio/auth-token", "TWILIO_AUTH_TOKEN", lambda: H(32), r"^twilio-auth-token$", TH + "twilio/", 3)
F("google/api-key", "GOOGLE_API_KEY", lambda: "AIza" + U(35), r"^gcp-api-key$", GL + "gcp.go", 3, bad=lambda: "AIza" + U(20))
F("google/oauth-client-secret", "GOOGLE_CLIENT_SECRET", lambda: "GOCSPX-" + U(28), r"^gcp-oauth-client-secret$", "Google OAuth client secrets (GOCSPX- + 28)", 2)
F("google/oauth-access-token", "GOOGLE_ACCESS_TOKEN", lambda: "ya29." + U(150), r"^gcp-oauth-access-token$", TH + "googleoauth2/", 2)
F("digitalocean", "DIGITALOCEAN_TOKEN", lambda: rng.choice(["dop_v1_", "doo_v1_", "dor_v1_"]) + H(64), r"^digitalocean-", GL + "digitalocean.go", 3,
  bad=lambda: "dop_v1_" + H(30))
F("alibaba/access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_ID", lambda: "LTAI" + AN(20), r"^alibaba-access-key-id$", GL + "alibaba.go", 3)
F("alibaba/secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", lambda: AN(30), r"^alibaba-secret-key$", GL + "alibaba.go", 2)
F("openai", "OPENAI_API_KEY", lambda: rng.choice(["sk-proj-", "sk-svcacct-", "sk-admin-"]) + U(74) + "T3BlbkFJ" + U(74)
  if rng.random() < 0.7 else "sk-" + AN(20) + "T3BlbkFJ" + AN(20), r"^openai-api-key$", GL + "openai.go; " + TH + "openai/", 4)
F("anthropic", "ANTHROPIC_API_KEY", lambda: rng.choice(["sk-ant-api03-", "sk-ant-admin01-"]) + U(93) + "AA", r"^anthropic-", GL + "anthropic.go", 3)
F("huggingface", "HF_TOKEN", lambda: rng.choice(["hf_", "api_org_"]) + mixed(string.ascii_letters, 34), r"^huggingface-", GL + "huggingface.go", 3,
  bad=lambda: "hf_" + rs(string.ascii_letters, 10))
F("shopify", "SHOPIFY_ACCESS_TOKEN", lambda: rng.choice(["shpat_", "shpss_", "shpca_", "shppa_"]) + H(32), r"^shopify-", GL + "shopify.go", 4,
  bad=lambda: "shpat_" + H(16))
F("telegram", "TELEGRAM_BOT_TOKEN", lambda: rs(DIG, 10) + ":AA" + U(33), r"^telegram-bot-token$", "Telegram Bot API; " + GL + "telegram.go", 3)
F("mailgun", "MAILGUN_API_KEY", lambda: rng.choice(["key-" + H(32), H(32) + "-" + H(8) + "-" + H(8)]), r"^mailgun-", GL + "mailgun.go", 3)
F("datadog/api-key", "DD_API_KEY", lambda: H(32), r"^datadog-api-key$", TH + "datadogtoken/", 2)
F("datadog/app-key", "DD_APP_KEY", lambda: H(40), r"^datadog-app-key$", TH + "datadogtoken/; " + GL + "datadog.go", 2)
F("age", "AGE_KEY", age_key, r"^age-secret-key$", "C2SP age spec; " + GL + "age.go", 2)
F("jwt", "AUTH_TOKEN", jwt, r"^jwt$", "RFC 7519; " + GL + "jwt.go", 3)
F("database-url", "DATABASE_URL", db_url, r"-url-password$|^url-credentials$", DS + "basic_auth_test.py (URL credentials)", 6)
F("azure/storage", "AZURE_STORAGE_CONNECTION_STRING", azure_conn, r"^azure-storage-", TH + "azure_storage/", 3)
F("azure/ad-client-secret", "AZURE_CLIENT_SECRET", lambda: AN(3) + rng.choice(DIG) + "Q~" + rs(ALNUM + "_~.-", 34), r"^azure-ad-client-secret$",
  GL + "azure.go (3 chars, digit, Q~, 31-34)", 3)
F("azure/devops-pat", "AZURE_DEVOPS_PAT", lambda: rs(string.ascii_lowercase + "234567", 52), r"^azure-devops-pat$", TH + "azuredevopspersonalaccesstoken/", 2)
F("1password/service-account", "OP_SERVICE_ACCOUNT_TOKEN", onepassword_sa, r"^onepassword-", GL + "1password.go (ops_eyJ…)", 2)
F("1password/secret-key", "OP_SECRET_KEY", lambda: f"A3-{rs(UPNUM, 6)}-{rs(UPNUM, 11)}-{rs(UPNUM, 5)}-{rs(UPNUM, 5)}-{rs(UPNUM, 5)}",
  r"^onepassword-", GL + "1password.go (A3-…)", 2)
F("airtable", "AIRTABLE_TOKEN", lambda: "pat" + AN(14) + "." + H(64), r"^airtable-", GL + "airtable.go; " + TH + "airtablepersonalaccesstoken/", 3)
F("algolia", "ALGOLIA_ADMIN_API_KEY", lambda: H(32), r"^algolia-", GL + "algolia.go; " + TH + "algoliaadminkey/", 3)
F("jfrog", "ARTIFACTORY_API_KEY", lambda: rng.choice(["AKCp" + AN(69), "cmVmdGtuOjAxOj" + AN(50)]), r"^(jfrog|artifactory)-",
  GL + "artifactory.go; " + TH + "artifactory/", 3, bad=lambda: "AKCp" + AN(20))
F("asana", "ASANA_ACCESS_TOKEN", lambda: f"{rng.choice(['1', '2'])}/{rs(DIG, 16)}:{H(32)}", r"^asana-", TH + "asanapersonalaccesstoken/", 3)
F("atlassian", "ATLASSIAN_API_TOKEN", lambda: "ATATT3" + U(177) + "=" + rs(HEXU, 8), r"^atlassian-|^jira-", GL + "atlassian.go (ATATT3…)", 3)
F("bitbucket", "BITBUCKET_APP_PASSWORD", lambda: "ATBB" + AN(28) + rs(HEXU, 8), r"^bitbucket-", TH + "bitbucketapppassword/", 3,
  bad=lambda: "ATBB" + AN(10))
F("clickhouse", "CLICKHOUSE_API_SECRET", lambda: "4b1d" + AN(38), r"^clickhouse-", GL + "clickhouse.go (4b1d + 38)", 2)
F("clojars", "CLOJARS_DEPLOY_TOKEN", lambda: "CLOJARS_" + mixed(LOWNUM, 60), r"^clojars-", GL + "clojars.go", 2)
F("cloudflare/api-token", "CLOUDFLARE_API_TOKEN", lambda: U(40), r"^cloudflare-", GL + "cloudflare.go; " + TH + "cloudflareapitoken/", 3)
F("cloudflare/global-key", "CLOUDFLARE_API_KEY", lambda: H(37), r"^cloudflare-", GL + "cloudflare.go (37 hex)", 2)
F("cloudflare/origin-ca", "CLOUDFLARE_ORIGIN_CA_KEY", lambda: "v1.0-" + H(24) + "-" + H(146), r"^cloudflare-", GL + "cloudflare.go; " + TH + "cloudflarecakey/", 2)
F("codecov", "CODECOV_TOKEN", uuid4, r"^codecov-", "Codecov docs, repository upload token (UUID); " + GL + "codecov.go", 2)
F("cohere", "COHERE_API_KEY", lambda: AN(40), r"^cohere-", GL + "cohere.go", 2)
F("contentful", "CONTENTFUL_MANAGEMENT_TOKEN", lambda: "CFPAT-" + U(43), r"^contentful-", TH + "contentfulpersonalaccesstoken/", 2)
F("databricks", "DATABRICKS_TOKEN", lambda: "dapi" + H(32) + rng.choice(["", "-2", "-3"]), r"^databricks-", GL + "databricks.go", 3,
  bad=lambda: "dapi" + H(16))
F("discord/bot", "DISCORD_BOT_TOKEN", discord_bot, r"^discord-", TH + "discordbottoken/", 2)
F("discord/webhook", "DISCORD_WEBHOOK_URL", lambda: f"https://discord.com/api/webhooks/{rs(DIG, 18)}/{U(68)}", r"^discord-", TH + "discordwebhook/", 2)
F("doppler", "DOPPLER_TOKEN", lambda: rng.choice(["dp.pt.", "dp.ct."]) + AN(43), r"^doppler-", GL + "doppler.go; " + TH + "doppler/", 3)
F("dropbox", "DROPBOX_ACCESS_TOKEN", lambda: "sl." + U(135), r"^dropbox-", GL + "dropbox.go (sl. + 135)", 2)
F("duffel", "DUFFEL_ACCESS_TOKEN", lambda: "duffel_" + rng.choice(["live", "test"]) + "_" + U(43), r"^duffel-", GL + "duffel.go", 2)
F("dynatrace", "DT_API_TOKEN", lambda: f"dt0c01.{rs(UPNUM, 24)}.{rs(UPNUM, 64)}", r"^dynatrace-", GL + "dynatrace.go", 2)
F("easypost", "EASYPOST_API_KEY", lambda: "EZAK" + AN(54), r"^easypost-", GL + "easypost.go", 2, bad=lambda: "EZAK" + AN(20))
F("facebook/access-token", "FACEBOOK_ACCESS_TOKEN", lambda: "EAA" + rng.choice("CM") + AN(160), r"^facebook-", GL + "facebook.go (EAA[CM]…)", 2)
F("facebook/app-secret", "FACEBOOK_APP_SECRET", lambda: H(32), r"^facebook-", GL + "facebook.go (keyword + 32 hex)", 2)
F("firebase/fcm", "FCM_SERVER_KEY", lambda: "AAAA" + U(7) + ":APA91b" + U(134), r"^firebase-", "Firebase Cloud Messaging legacy server keys (AAAA + 7 : APA91b + 134)", 2)
F("flutterwave", "FLUTTERWAVE_SECRET_KEY", lambda: rng.choice(["FLWSECK-", "FLWSECK_TEST-"]) + H(32) + "-X", r"^flutterwave-", GL + "flutterwave.go", 2)
F("flyio", "FLY_API_TOKEN", lambda: "fo1_" + U(43), r"^flyio-", GL + "flyio.go", 2)
F("frameio", "FRAMEIO_TOKEN", lambda: "fio-u-" + U(64), r"^frameio-", GL + "frameio.go", 2)
F("gocardless", "GOCARDLESS_ACCESS_TOKEN", lambda: "live_" + U(40), r"^gocardless-", GL + "gocardless.go", 2)
F("grafana", "GRAFANA_TOKEN", lambda: rng.choice([grafana_cloud(), "glsa_" + AN(32) + "_" + H(8), grafana_legacy()]), r"^grafana-",
  GL + "grafana.go (glc_/glsa_/eyJrIjoi)", 4)
F("harness", "HARNESS_API_KEY", lambda: f"{rng.choice(['pat', 'sat'])}.{U(22)}.{H(24)}.{AN(20)}", r"^harness-", GL + "harness.go", 2)
F("terraform-cloud", "TFE_TOKEN", lambda: f"{AN(14)}.atlasv1.{U(67)}", r"^terraform-|^hashicorp-", GL + "hashicorp.go (atlasv1)", 2)
F("vault", "VAULT_TOKEN", lambda: rng.choice(["hvs." + U(95), "hvb." + U(140), "s." + AN(24)]), r"^vault-", GL + "hashicorp_vault.go", 3,
  bad=lambda: "hvs." + AN(12))
F("heroku", "HEROKU_API_KEY", lambda: rng.choice(["HRKU-AA" + U(58), uuid4()]), r"^heroku-", GL + "heroku.go", 3)
F("infracost", "INFRACOST_API_KEY", lambda: "ico-" + AN(32), r"^infracost-", GL + "infracost.go", 2)
F("intercom", "INTERCOM_ACCESS_TOKEN", intercom, r"^intercom-", GL + "intercom.go; " + TH + "intercom/", 2)
F("intra42", "FT_CLIENT_SECRET", lambda: "s-s4t2" + rng.choice(["ud", "af"]) + "-" + H(64), r"^intra42-", GL + "intra42.go", 2)
F("kraken", "KRAKEN_PRIVATE_KEY", lambda: b64(64), r"^kraken-", GL + "kraken.go; " + TH + "kraken/", 2)
F("launchdarkly", "LAUNCHDARKLY_ACCESS_TOKEN", lambda: rng.choice(["api-", "sdk-"]) + uuid4(), r"^launchdarkly-", GL + "launchdarkly.go; " + TH + "launchdarkly/", 2)
F("linear", "LINEAR_API_KEY", lambda: "lin_api_" + AN(40), r"^linear-", GL + "linear.go", 2, bad=lambda: "lin_api_" + AN(12))
F("lob", "LOB_API_KEY", lambda: rng.choice(["live_", "test_"]) + H(35), r"^lob-", GL + "lob.go", 2)
F("mailchimp", "MAILCHIMP_API_KEY", lambda: H(32) + "-us" + str(rng.randrange(10, 22)), r"^mailchimp-", GL + "mailchimp.go", 3)
F("mapbox", "MAPBOX_SECRET_TOKEN", mapbox_secret, r"^mapbox-", GL + "mapbox.go; " + TH + "mapbox/", 2)
F("mattermost", "MATTERMOST_ACCESS_TOKEN", lambda: mixed(LOWNUM, 26), r"^mattermost-", GL + "mattermost.go", 2)
F("maxmind", "MAXMIND_LICENSE_KEY", lambda: AN(6) + "_" + AN(29) + "_mmk", r"^maxmind-", GL + "maxmind.go", 2)
F("meraki", "MERAKI_DASHBOARD_API_KEY", lambda: H(40), r"meraki", GL + "meraki.go", 2)
F("messagebird", "MESSAGEBIRD_API_KEY", lambda: AN(25), r"^messagebird-", GL + "messagebird.go", 2)
F("netlify", "NETLIFY_AUTH_TOKEN", lambda: rng.choice(["nfp_" + AN(36), U(43)]), r"^netlify-", GL + "netlify.go; " + TH + "netlify/", 2)
F("newrelic", "NEW_RELIC_API_KEY", lambda: rng.choice(["NRAK-" + rs(UPNUM, 27), "NRJS-" + H(19), H(36) + "NRAL", "NRII-" + U(32)]),
  r"^newrelic-|^new-relic-", GL + "newrelic.go", 4)
F("notion", "NOTION_TOKEN", lambda: rng.choice(["secret_" + AN(43), "ntn_" + rs(DIG, 11) + AN(35)]), r"^notion-", GL + "notion.go", 2)
F("nuget/api-key", "NUGET_API_KEY", lambda: "oy2" + mixed(LOWNUM, 43), r"^nuget-api-key$", TH + "nugetapikey/", 2)
F("octopus-deploy", "OCTOPUS_API_KEY", lambda: "API-" + rs(UPNUM, 26), r"^octopus-", GL + "octopusdeploy.go", 2)
F("okta", "OKTA_API_TOKEN", lambda: "00" + U(40), r"^okta-", GL + "okta.go", 2)
F("openshift", "OPENSHIFT_TOKEN", lambda: "sha256~" + U(43), r"^openshift-", GL + "openshift.go", 2)
F("perplexity", "PERPLEXITY_API_KEY", lambda: "pplx-" + AN(48), r"^perplexity-", GL + "perplexity.go", 2, bad=lambda: "pplx-" + AN(16))
F("plaid/access-token", "PLAID_ACCESS_TOKEN", lambda: f"access-{rng.choice(['production', 'development', 'sandbox'])}-{uuid4()}", r"^plaid-", GL + "plaid.go", 2)
F("plaid/secret", "PLAID_SECRET", lambda: H(30), r"^plaid-", GL + "plaid.go (keyword + 30)", 2)
F("planetscale", "PLANETSCALE_TOKEN", lambda: rng.choice(["pscale_pw_", "pscale_tkn_", "pscale_oauth_"]) + U(43), r"^planetscale-", GL + "planetscale.go", 3,
  bad=lambda: "pscale_pw_" + AN(8))
F("postman", "POSTMAN_API_KEY", lambda: f"PMAK-{H(24)}-{H(34)}", r"^postman-", GL + "postman.go", 2)
F("prefect", "PREFECT_API_KEY", lambda: "pnu_" + AN(36), r"^prefect-", GL + "prefect.go", 2, bad=lambda: "pnu_" + AN(12))
F("pulumi", "PULUMI_ACCESS_TOKEN", lambda: "pul-" + H(40), r"^pulumi-", GL + "pulumi.go", 2, bad=lambda: "pul-" + H(20))
F("readme", "README_API_KEY", lambda: "rdme_" + mixed(LOWNUM, 70), r"^readme-", GL + "readme.go", 2)
F("rubygems", "GEM_HOST_API_KEY", lambda: "rubygems_" + H(48), r"^rubygems-", GL + "rubygems.go", 2, bad=lambda: "rubygems_" + H(20))
F("scalingo", "SCALINGO_API_TOKEN", lambda: "tk-us-" + U(48), r"^scalingo-", GL + "scalingo.go", 2)
F("sendbird", "SENDBIRD_API_TOKEN", lambda: H(40), r"^sendbird-", GL + "sendbird.go", 2)
F("brevo", "SENDINBLUE_API_KEY", lambda: f"xkeysib-{H(64)}-{AN(16)}", r"^sendinblue-|^brevo-", GL + "sendinblue.go", 2)
F("sentry", "SENTRY_AUTH_TOKEN", lambda: rng.choice(["sntryu_" + H(64), sentry_org()]), r"^sentry-", GL + "sentry.go", 3, bad=lambda: "sntryu_" + H(20))
F("shippo", "SHIPPO_API_TOKEN", lambda: "shippo_" + rng.choice(["live", "test"]) + "_" + H(40), r"^shippo-", GL + "shippo.go", 2)
F("sidekiq", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM", lambda: H(8) + ":" + H(8), r"^sidekiq-", GL + "sidekiq.go (bundler's environment variable)", 2,
  env_only=True)
F("snyk", "SNYK_TOKEN", uuid4, r"^snyk-", GL + "snyk.go; " + TH + "snykkey/", 2)
F("sonarqube", "SONAR_TOKEN", lambda: rng.choice(["squ_", "sqp_", "sqa_"]) + H(40), r"^sonar", GL + "sonar.go", 2)
F("square", "SQUARE_ACCESS_TOKEN", lambda: rng.choice(["EAAA" + U(60), "sq0atp-" + U(22), "sq0csp-" + U(43)]), r"^square-", GL + "square.go", 3)
F("sumologic/access-id", "SUMO_ACCESS_ID", lambda: "su" + AN(12), r"^sumologic-", GL + "sumologic.go", 2)
F("sumologic/access-key", "SUMO_ACCESS_KEY", lambda: AN(64), r"^sumologic-", GL + "sumologic.go", 2)
F("microsoft-teams", "TEAMS_WEBHOOK_URL", teams_webhook, r"^teams-|^microsoft-teams", GL + "teams.go; " + TH + "microsoftteamswebhook/", 2)
F("travis-ci", "TRAVIS_API_TOKEN", lambda: AN(22), r"^travis", GL + "travisci.go", 2)
F("trello", "TRELLO_TOKEN", lambda: rng.choice(["ATTA" + H(64) + rs(HEXU, 8), H(64)]), r"^trello-", GL + "trello.go; " + TH + "trelloapikey/", 2)
F("twitch", "TWITCH_CLIENT_SECRET", lambda: mixed(LOWNUM, 30), r"^twitch-", GL + "twitch.go", 2)
F("twitter/bearer", "TWITTER_BEARER_TOKEN", lambda: "A" * 22 + AN(80), r"^twitter-", GL + "twitter.go", 2)
F("twitter/secret", "TWITTER_API_SECRET", lambda: AN(50), r"^twitter-", GL + "twitter.go", 2)
F("typeform", "TYPEFORM_TOKEN", lambda: "tfp_" + U(44) + "_" + AN(14), r"^typeform-", GL + "typeform.go", 2)
F("yandex", "YC_TOKEN", lambda: rng.choice(["AQVN" + U(36), "YC" + U(38), "t1." + U(80) + "." + U(86)]), r"^yandex-", GL + "yandex.go", 3)
F("zendesk", "ZENDESK_API_TOKEN", lambda: AN(40), r"^zendesk-", GL + "zendesk.go; " + TH + "zendeskapi/", 2)
F("zapier", "ZAPIER_WEBHOOK_URL", lambda: f"https://hooks.zapier.com/hooks/catch/{rs(DIG, 7)}/{rs(LOWNUM, 6)}/", r"^zapier-", TH + "zapierwebhook/", 2)
F("cloudinary", "CLOUDINARY_URL", lambda: f"cloudinary://{rs(DIG, 15)}:{U(27)}@{rs(string.ascii_lowercase, 8)}", r"^cloudinary-", TH + "cloudinary/", 2)
F("groq", "GROQ_API_KEY", lambda: "gsk_" + AN(52), r"^groq-", TH + "groq/", 2)
F("xai", "XAI_API_KEY", lambda: "xai-" + AN(80), r"^xai-", TH + "xai/", 2)
F("replicate", "REPLICATE_API_TOKEN", lambda: "r8_" + AN(37), r"^replicate-", TH + "replicate/", 2)
F("langsmith", "LANGSMITH_API_KEY", lambda: rng.choice(["lsv2_pt_", "lsv2_sk_"]) + H(32) + "_" + H(10), r"^langsmith-", TH + "langsmith/", 2)
F("mistral", "MISTRAL_API_KEY", lambda: AN(32), r"^mistral-", "Mistral AI docs (32 alnum, recognised by name)", 2)
F("wandb", "WANDB_API_KEY", lambda: H(40), r"^wandb-", TH + "weightsandbiases/", 2)
F("render", "RENDER_API_KEY", lambda: "rnd_" + AN(32), r"^render-", "Render docs, API keys (rnd_)", 2)
F("vercel", "VERCEL_TOKEN", lambda: AN(24), r"^vercel-", TH + "vercel/", 2)
F("supabase", "SUPABASE_ACCESS_TOKEN", lambda: "sbp_" + H(40), r"^supabase-", TH + "supabasetoken/", 2)
F("tailscale", "TS_AUTHKEY", lambda: f"tskey-{rng.choice(['auth', 'api', 'client'])}-{AN(17)}-{AN(33)}", r"^tailscale-", TH + "tailscale/", 2)
F("linode", "LINODE_TOKEN", lambda: H(64), r"^linode-", "Linode API docs (64 hex personal access token)", 2)
F("scaleway", "SCW_SECRET_KEY", uuid4, r"^scaleway-", TH + "scalewaykey/", 2)
F("ngrok", "NGROK_AUTHTOKEN", lambda: "2" + AN(26) + "_" + rng.choice(DIG) + AN(20), r"^ngrok-", TH + "ngrok/", 2)
F("opsgenie", "OPSGENIE_API_KEY", uuid4, r"^opsgenie-", "Opsgenie API key (UUID, by name)", 2)
F("pagerduty", "PAGERDUTY_API_KEY", lambda: rng.choice(["u+", "y_"]) + U(18), r"^pagerduty-", TH + "pagerdutyapikey/", 2)
F("postmark", "POSTMARK_SERVER_TOKEN", uuid4, r"^postmark-", TH + "postmark/", 2)
F("sparkpost", "SPARKPOST_API_KEY", lambda: H(40), r"^sparkpost-", TH + "sparkpost/", 2)
F("mailjet", "MAILJET_SECRET_KEY", lambda: H(32), r"^mailjet-", TH + "mailjetbasicauth/", 2)
F("mailersend", "MAILERSEND_API_TOKEN", lambda: "mlsn." + H(64), r"^mailersend-", "MailerSend API tokens (mlsn. + 64 hex)", 2)
F("mandrill", "MANDRILL_API_KEY", lambda: U(22), r"^mandrill-", TH + "mandrill/", 2)
F("pusher", "PUSHER_APP_SECRET", lambda: H(20), r"^pusher-", TH + "pusherchannelkey/", 2)
F("braintree", "BRAINTREE_ACCESS_TOKEN", lambda: f"access_token$production${rs(LOWNUM, 16)}${H(32)}", r"^braintree-", TH + "braintreepayments/", 2)
F("ibm-cloud", "IBM_CLOUD_API_KEY", lambda: U(44), r"^ibm-", TH + "ibmclouduserkey/", 2)
F("honeycomb", "HONEYCOMB_API_KEY", lambda: rng.choice(["hcaik_" + rs(LOWNUM, 58), AN(22), H(32)]), r"^honeycomb-", TH + "honeycomb/", 2)
F("figma", "FIGMA_TOKEN", lambda: "figd_" + U(40), r"^figma-", TH + "figmapersonalaccesstoken/", 2)
F("buildkite", "BUILDKITE_API_TOKEN", lambda: "bkua_" + H(40), r"^buildkite-", TH + "buildkite/", 2)
F("circleci", "CIRCLECI_TOKEN", lambda: "CCIPAT_" + AN(22) + "_" + H(40), r"^circleci-", TH + "circleci/", 2)
F("crates-io", "CARGO_REGISTRY_TOKEN", lambda: "cio" + AN(32), r"^crates-io-", "crates.io API tokens (cio + 32)", 2)
F("splunk", "SPLUNK_HEC_TOKEN", uuid4, r"^splunk-", "Splunk HTTP Event Collector tokens (UUID, by name)", 2)
F("tencent", "TENCENTCLOUD_SECRET_ID", lambda: "AKID" + AN(32), r"^tencent-", "Tencent Cloud CAM (AKID + 32)", 2)
F("akamai", "AKAMAI_CLIENT_TOKEN", lambda: f"akab-{rs(LOWNUM, 16)}-{rs(LOWNUM, 16)}", r"^akamai-", "Akamai EdgeGrid credentials (akab-…)", 2)
F("azure/sas", "AZURE_SAS_URL", lambda: (f"https://{rs(LOWNUM, 10)}.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl"
                                           f"&se=2027-01-01T00:00:00Z&spr=https&sig={base64.b64encode(rbytes(32)).decode().replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}"),
  r"^azure-sas", TH + "azuresastoken/", 2)
F("google/chat-webhook", "GOOGLE_CHAT_WEBHOOK", lambda: f"https://chat.googleapis.com/v1/spaces/AAAA{U(7)}/messages?key=AIza{U(35)}&token={U(43)}",
  r"^google-chat-webhook-url$|^gcp-api-key$", "Google Chat incoming webhooks", 2)
F("paypal", "PAYPAL_CLIENT_SECRET", lambda: "E" + U(79), r"^paypal-", TH + "paypaloauth/", 2)
F("docker-hub/org", "DOCKER_ORG_TOKEN", lambda: "dckr_oat_" + U(32), r"^docker-hub-", "Docker docs, organisation access tokens (dckr_oat_)", 2)
F("deepseek", "DEEPSEEK_API_KEY", lambda: "sk-" + H(32), r"^deepseek-", TH + "deepseek/", 2)
F("elevenlabs", "ELEVENLABS_API_KEY", lambda: "sk_" + H(48), r"^elevenlabs-", TH + "elevenlabs/", 2)
F("posthog", "POSTHOG_PERSONAL_API_KEY", lambda: "phx_" + AN(43), r"^posthog-", TH + "posthog/", 2)
F("pinecone", "PINECONE_API_KEY", lambda: "pcsk_" + AN(5) + "_" + AN(63), r"^pinecone-", TH + "pinecone/", 2)
F("openrouter", "OPENROUTER_API_KEY", lambda: "sk-or-v1-" + H(64), r"^openrouter-", TH + "openrouter/", 2)
F("vultr", "VULTR_API_KEY", lambda: rs(UPNUM, 36), r"^vultr-", TH + "vultrapikey/", 2)
F("google/gemini", "GEMINI_API_KEY", lambda: "AIza" + U(35), r"^gcp-api-key$|^gemini-", TH + "googlegemini/", 2)
F("lemonsqueezy", "LEMONSQUEEZY_API_KEY", jwt, r"^jwt$|^lemonsqueezy-", TH + "lemonsqueezy/ (a JWT)", 2)
F("azure/openai", "AZURE_OPENAI_API_KEY", lambda: H(32), r"^azure-", TH + "azure_openai/", 2)
F("telnyx", "TELNYX_API_KEY", lambda: "KEY" + rs(UPNUM, 32) + "_" + AN(22), r"^telnyx-", TH + "telnyx/", 2)
F("resend", "RESEND_API_KEY", lambda: "re_" + AN(8) + "_" + AN(24), r"^resend-", "Resend API keys (re_…)", 2)


# ---------------------------------------------------------------- hard negatives
# (variable, value, category). Neutral names for shaped look-alikes; vendor names for placeholders and
# non-secret vendor settings.

NEUTRAL = ["release_tag", "build_label", "asset_ref", "widget_id", "doc_anchor", "image_tag", "sku", "trace_ref", "shard_name",
           "route_name", "feature_slug", "locale_bundle"]


def vendor_words(var):
    return var.split("_")[0]


def placeholder(var):
    w = vendor_words(var).lower()
    return rng.choice([
        "${" + var + "}",
        f"<your-{w}-token>",
        "{{ .Values." + w + ".token }}",
        "x" * rng.choice([24, 32, 40]),
        f"REPLACE_WITH_{var}",
        "%" + var + "%",
        "********",
        "changeme",
        f"your_{w}_key_here",
        "",
        "{{ " + var.lower() + " }}",
        "${{ secrets." + var + " }}",
        "$(" + var + ")",
        "<" + var + ">",
        f"op://prod/{w}/credential",
        "vault:secret/data/" + w + "#token",
        "arn:aws:secretsmanager:eu-west-1:" + rs(DIG, 12) + ":secret:" + w + "-" + rs(ALNUM, 6),
    ])


def vendor_setting(var):
    w = vendor_words(var).lower()
    k, v = rng.choice([
        ("URL", f"https://api.{w}.com/v2"),
        ("REGION", rng.choice(["eu-west-1", "us-east-1", "ap-south-1"])),
        ("USERNAME", rng.choice(["deploy-bot", "ci", "platform-team"])),
        ("ENABLED", rng.choice(["true", "false"])),
        ("TIMEOUT_SECONDS", str(rng.choice([5, 10, 30, 60]))),
        ("PROJECT", rng.choice(["billing", "storefront", "analytics"])),
        ("ORG", rng.choice(["acme-corp", "example-org", "platform"])),
        ("ACCOUNT_ID", rs(DIG, rng.choice([6, 8, 12]))),
        ("TOKEN_TTL", rng.choice(["3600", "24h", "7d"])),
        ("KEY_ROTATION_DAYS", str(rng.choice([30, 90]))),
        ("SECRET_NAME", f"prod/{w}/api-key"),
        ("TOKEN_HEADER", rng.choice(["X-Api-Key", "Authorization", "X-Auth-Token"])),
        ("API_VERSION", rng.choice(["2023-10-16", "v3", "2024-01"])),
    ])
    return f"{var.split('_')[0]}_{k}", v


def generic_negatives():
    """Shapes that look random but are not secrets, after the categories of the other scanners' fps lists."""
    out = [
        ("REQUEST_ID", uuid4(), "uuid"),
        ("TENANT_ID", uuid4(), "uuid"),
        ("CORRELATION_ID", uuid4(), "uuid"),
        ("GIT_COMMIT", rbytes(20).hex(), "git-sha"),
        ("GIT_SHA", rbytes(20).hex(), "git-sha"),
        ("ARTIFACT_SHA256", rbytes(32).hex(), "digest"),
        ("IMAGE_DIGEST", "sha256:" + rbytes(32).hex(), "digest"),
        ("CHECKSUM_MD5", rbytes(16).hex(), "digest"),
        ("CA_BUNDLE_B64", b64(rng.choice([48, 96, 150])), "base64-blob"),
        ("LOGO_PNG", "data:image/png;base64," + b64(90), "base64-blob"),
        ("INTEGRITY", "sha512-" + b64(64), "integrity-hash"),
        ("SRI_HASH", "sha384-" + b64(48), "integrity-hash"),
        ("STRIPE_PUBLISHABLE_KEY", "pk_live_" + AN(24), "public-key"),
        ("GOOGLE_CLIENT_ID", f"{rs(DIG, 12)}-{rs(LOWNUM, 32)}.apps.googleusercontent.com", "public-identifier"),
        ("TWILIO_ACCOUNT_SID", "AC" + H(32), "public-identifier"),
        ("SENTRY_DSN", f"https://{H(32)}@o{rs(DIG, 6)}.ingest.sentry.io/{rs(DIG, 7)}", "public-identifier"),
        ("MAPBOX_PUBLIC_TOKEN", "pk." + b64url(json.dumps({"u": "acme", "a": rs(LOWNUM, 25)}).encode()) + "." + U(22), "public-key"),
        ("ALGOLIA_APP_ID", rs(UPNUM, 10), "public-identifier"),
        ("BUILD_ID", H(32), "hex-id"),
        ("TRACE_ID", H(32), "hex-id"),
        ("SPAN_ID", H(16), "hex-id"),
        ("CACHE_BUSTER", H(20), "hex-id"),
        ("ETAG", "W/" + H(32), "hex-id"),
        ("ADMIN_PASSWORD_HASH", "$2y$10$" + rs(ALNUM + "./", 53), "password-hash"),
        ("PASSWORD_HASH", f"$argon2id$v=19$m=65536,t=3,p=4${b64url(rbytes(16))}${b64url(rbytes(32))}", "password-hash"),
        ("DB_PASSWORD", f"ENC[AES256_GCM,data:{b64(18)},iv:{b64(32)},tag:{b64(16)},type:str]", "encrypted"),
        ("API_KEY", f"ENC[AES256_GCM,data:{b64(24)},iv:{b64(32)},tag:{b64(16)},type:str]", "encrypted"),
        ("PASSWORD_MIN_LENGTH", str(rng.choice([8, 12, 16])), "secret-reference"),
        ("PASSWORD_FIELD", rng.choice(["password_confirmation", "new_password", "current_password"]), "secret-reference"),
        ("API_KEY_ENV", rng.choice(["PAYMENTS_API_KEY", "OPENAI_API_KEY", "STRIPE_SECRET_KEY"]), "secret-reference"),
        ("SECRET_KEY_BASE_FILE", "/run/secrets/secret_key_base", "secret-reference"),
        ("TOKEN_URL", "https://auth.example.com/oauth2/token", "secret-reference"),
        ("AUTH_TOKEN_PATH", "/var/run/secrets/kubernetes.io/serviceaccount/token", "secret-reference"),
        ("SECRET_ARN", f"arn:aws:secretsmanager:eu-west-1:{rs(DIG, 12)}:secret:prod/db-{rs(ALNUM, 6)}", "secret-reference"),
        ("API_KEY", "a" * 32, "low-entropy"),
        ("SECRET", "abcdefghijklmnopqrstuvwxyz012345", "low-entropy"),
        ("TOKEN", "0123456789" * 4, "low-entropy"),
        ("ACCESS_TOKEN", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "low-entropy"),
        ("DOCKER_IMAGE", f"registry.acme.internal/platform/api@sha256:{H(64)}", "digest"),
        ("GO_MODULE_SUM", f"h1:{b64(32)}", "digest"),
        ("WEBPACK_CHUNK", f"static/js/main.{H(8)}.chunk.js", "hashed-file-name"),
        ("FAVICON", f"favicon.ico-{H(32)}.png", "hashed-file-name"),
        ("ASSET", f"{rng.choice(['video_box', 'hero', 'logo_dark'])}.ico-{H(32)}.png", "hashed-file-name"),
        ("STYLESHEET", f"application-{H(64)}.css", "hashed-file-name"),
        ("FREENET_INDEX", freenet_usk(), "freenet-key"),
        ("CSRF_TOKEN_FIELD", "csrf-token", "csrf"),
        ("SSH_HOST_KEY_FINGERPRINT", "SHA256:" + b64(32).rstrip("="), "public-identifier"),
        ("GPG_FINGERPRINT", rs(HEXU, 40), "public-identifier"),
        ("AWS_ACCOUNT_ID", rs(DIG, 12), "public-identifier"),
        ("AWS_ROLE_ARN", f"arn:aws:iam::{rs(DIG, 12)}:role/deploy", "public-identifier"),
        ("AZURE_SUBSCRIPTION_ID", uuid4(), "uuid"),
        ("VERSION", f"{rng.randrange(1, 9)}.{rng.randrange(0, 30)}.{rng.randrange(0, 99)}+build.{H(7)}", "version"),
    ]
    return out


# Documented sample values (vendors' docs): must be allow-listed, never reported.
DOC_EXAMPLES = [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS IAM user guide"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS IAM user guide"),
    ("STRIPE_SECRET_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "Stripe API reference"),
    ("SLACK_BOT_TOKEN", "xoxb-not-a-real-token-this-will-not-work", "Slack API docs"),
    ("TWILIO_ACCOUNT_SID", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "Twilio docs"),
    ("JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "jwt.io debugger sample"),
    ("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLl"
     "mEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
     "Microsoft docs, Azurite emulator"),
    # Firebase's documentation ("Learn about using and managing API keys for Firebase") shows web config
    # objects with sample API keys.
    ("FIREBASE_API_KEY", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "Firebase docs sample config"),
    ("FIREBASE_API_KEY", "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO", "Firebase docs sample config"),
    ("GITHUB_TOKEN", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "GitHub docs sample"),
]


# ---------------------------------------------------------------- file formats


def camel(k):
    w = k.lower().split("_")
    return w[0] + "".join(x.capitalize() for x in w[1:])


def pascal(k):
    return "".join(x.capitalize() for x in k.lower().split("_"))


def yq(v):
    return json.dumps(v) if (v == "" or any(c in v for c in ":#{}[]&*!|>'\"%@`,") or v.startswith(("-", "?")) or v in ("true", "false")
                             or v.isdigit()) else v


def xesc(v):
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sq(v):
    return v.replace("'", "''")


# name: (path template, header, line renderer, footer, filler lines)
CONTEXTS = {
    "env": ("services/{n}/.env", ["# service configuration", "NODE_ENV=production", "PORT=8080"],
            lambda k, v: f"{k}={v}", [], ["LOG_LEVEL=info", "FEATURE_FLAGS=search,export", "CACHE_TTL=300"]),
    "shell": ("scripts/deploy-{n}.sh", ["#!/usr/bin/env bash", "set -euo pipefail", 'REGION="eu-west-1"'],
              lambda k, v: f'export {k}="{v}"', ['echo "deploying to $REGION"'], ['echo "starting"', 'TIMEOUT_MS="2500"']),
    "yaml": ("config/{n}/application.yml", ["server:", "  port: 8080", "credentials:"],
             lambda k, v: f"  {k.lower()}: {yq(v)}", ["logging:", "  level: info"], ["  region: eu-west-1", "  retries: 3"]),
    "json": ("config/{n}/settings.json", ["{", '  "service": "billing",', '  "timeoutSeconds": 30,'],
             lambda k, v: f'  "{camel(k)}": {json.dumps(v)},', ['  "retries": 3', "}"], ['  "enabled": true,', '  "maxConnections": 20,']),
    "toml": ("deploy/{n}/config.toml", ["# deploy settings", "[service]", 'name = "billing"'],
             lambda k, v: f"{k.lower()} = {json.dumps(v)}", ["", "[logging]", 'level = "info"'], ["workers = 4", 'region = "eu-west-1"']),
    "ini": ("etc/{n}/app.ini", ["; application settings", "[main]", "debug = false", "[credentials]"],
            lambda k, v: f"{k.lower()} = {v}", ["[cache]", "ttl = 300"], ["retries = 3", "pool_size = 10"]),
    "properties": ("conf/{n}/application.properties", ["spring.application.name=billing", "server.port=8080"],
                   lambda k, v: f"{k.lower().replace('_', '.')}={v}", [], ["logging.level.root=INFO", "server.compression.enabled=true"]),
    "xml": ("conf/{n}/settings.xml", ['<?xml version="1.0" encoding="UTF-8"?>', "<settings>"],
            lambda k, v: f"  <{camel(k)}>{xesc(v)}</{camel(k)}>", ["</settings>"], ["  <timeout>30</timeout>", "  <region>eu-west-1</region>"]),
    "python": ("app/{n}/settings.py", ["import os", "", "DEBUG = False"],
               lambda k, v: f"{k} = {json.dumps(v)}", ['ALLOWED_HOSTS = ["*"]'], ['TIME_ZONE = "UTC"', "USE_TZ = True"]),
    "js": ("web/src/{n}/config.js", ["'use strict';", ""],
           lambda k, v: f"const {camel(k)} = {json.dumps(v)};", ["", "module.exports = {};"], ["const retries = 3;", "const region = 'eu-west-1';"]),
    "ts": ("web/src/{n}/env.ts", ["// runtime configuration", ""],
           lambda k, v: f"export const {camel(k)}: string = {json.dumps(v)};", [], ["export const retries = 3;", "export const debug = false;"]),
    "go": ("internal/{n}/config.go", ["package config", "", "const ("],
           lambda k, v: f"\t{pascal(k)} = {json.dumps(v)}", [")"], ["\tDefaultTimeout = 30", '\tRegion = "eu-west-1"']),
    "java": ("src/main/java/com/acme/app{n}/Config.java", ["package com.acme.app;", "", "public final class Config {"],
             lambda k, v: f"    public static final String {k} = {json.dumps(v)};", ["}"], ["    public static final int RETRIES = 3;"]),
    "kotlin": ("app/src/main/kotlin/com/acme/m{n}/Keys.kt", ["package com.acme", "", "object Keys {"],
               lambda k, v: f"    const val {k} = {json.dumps(v)}", ["}"], ["    const val RETRIES = 3"]),
    "csharp": ("src/Acme.Api{n}/Settings.cs", ["namespace Acme.Api;", "", "public static class Settings", "{"],
               lambda k, v: f"    public const string {pascal(k)} = {json.dumps(v)};", ["}"], ["    public const int Retries = 3;"]),
    "ruby": ("config/initializers/app{n}.rb", ["Rails.application.configure do"],
             lambda k, v: f"  config.x.{k.lower()} = {json.dumps(v)}", ["end"], ["  config.x.retries = 3", "  config.x.region = 'eu-west-1'"]),
    "php": ("wp-content/plugins/acme{n}/config.php", ["<?php", "return ["],
            lambda k, v: f"    '{k.lower()}' => '{v}',", ["];"], ["    'retries' => 3,", "    'region' => 'eu-west-1',"]),
    "makefile": ("build/{n}/Makefile", [".PHONY: deploy", "REGION := eu-west-1"],
                 lambda k, v: f"{k} := {v}", ["", "deploy:", "\t./deploy.sh $(REGION)"], ["IMAGE := acme/app", "TAG := latest"]),
    "dockerfile": ("images/{n}/Dockerfile", ["FROM debian:bookworm-slim", "WORKDIR /app"],
                   lambda k, v: f"ENV {k}={v}", ['CMD ["/app/server"]'], ["ENV LANG=C.UTF-8", "EXPOSE 8080"]),
    "terraform": ("infra/{n}/main.tf", ['provider "aws" {', '  region = "eu-west-1"', "}", "locals {"],
                  lambda k, v: f"  {k.lower()} = {json.dumps(v)}", ["}"], ['  environment = "prod"', "  instance_count = 3"]),
    "compose": ("compose/{n}/docker-compose.yml", ["services:", "  app:", "    image: registry.invalid/app:1.0", "    environment:"],
                lambda k, v: f"      - {k}={v}", ["    ports:", '      - "8080:8080"'], ["      - LOG_LEVEL=info", "      - TZ=UTC"]),
    "k8s": ("k8s/{n}/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: app-{n}", "  namespace: prod", "type: Opaque",
                                     "stringData:"],
            lambda k, v: f"  {k}: {json.dumps(v)}", [], ['  LOG_LEVEL: "info"', '  REGION: "eu-west-1"']),
    "ipynb": ("notebooks/{n}/analysis.ipynb", ["{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 1,',
                                               '   "metadata": {},', '   "outputs": [],', '   "source": [', '    "import os\\n",'],
              lambda k, v: "    " + json.dumps(f'os.environ["{k}"] = "{v}"\n') + ",",
              ['    "print(\\"ready\\")"', "   ]", "  }", " ],", ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', "}"],
              ['    "import pandas as pd\\n",', '    "REGION = \\"eu-west-1\\"\\n",']),
    "markdown": ("docs/runbooks/{n}/setup.md", ["# Setting up the service", "", "Export these before running `make deploy`:", "", "```sh"],
                 lambda k, v: f"export {k}={v}", ["```", "", "Ask the platform team for access."], ["export LOG_LEVEL=debug"]),
    "html": ("public/{n}/index.html", ["<!doctype html>", "<html><head>", "<script>", "window.APP_CONFIG = {};"],
             lambda k, v: f"window.APP_CONFIG.{camel(k)} = {json.dumps(v)};", ["</script>", "</head><body></body></html>"],
             ['window.APP_CONFIG.region = "eu-west-1";']),
    "sql": ("db/migrations/{n}_seed_settings.sql", ["-- seed application settings", "BEGIN;"],
            lambda k, v: f"UPDATE app_settings SET {k.lower()} = '{sq(v)}' WHERE id = 1;", ["COMMIT;"],
            ["UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;"]),
    "gradle": ("android/app{n}/build.gradle", ["plugins {", "    id 'com.android.application'", "}", "ext {"],
               lambda k, v: f"    {camel(k)} = {json.dumps(v)}", ["}"], ["    minSdk = 24", "    versionCode = 42"]),
    "powershell": ("scripts/windows/setup{n}.ps1", ["$ErrorActionPreference = 'Stop'"],
                   lambda k, v: f"$env:{k} = '{sq(v)}'", ["Write-Host 'done'"], ["$region = 'eu-west-1'"]),
    "helm": ("charts/app{n}/values.yaml", ["replicaCount: 2", "env:"],
             lambda k, v: f"  {camel(k)}: {yq(v)}", ["resources: {}"], ["  logLevel: info"]),
    "tfvars": ("infra/envs/prod{n}.tfvars", ['region = "eu-west-1"'],
               lambda k, v: f"{k.lower()} = {json.dumps(v)}", [], ["instance_type = \"t3.small\""]),
    "gha": (".github/workflows/deploy{n}.yml", ["name: deploy", "on: push", "jobs:", "  deploy:", "    runs-on: ubuntu-latest",
                                                 "    env:"],
            lambda k, v: f"      {k}: {yq(v)}", ["    steps:", "      - uses: actions/checkout@v4", "      - run: make deploy"],
            ["      LOG_LEVEL: info"]),
    "jenkinsfile": ("ci/jobs/job{n}/Jenkinsfile", ["pipeline {", "  agent any", "  environment {"],
                    lambda k, v: f"    {k} = '{v}'", ["  }", "  stages { stage('build') { steps { sh 'make' } } }", "}"],
                    ["    REGION = 'eu-west-1'"]),
    "cfg": ("tools/job{n}/setup.cfg", ["[metadata]", "name = acme-tools", "", "[acme]"],
            lambda k, v: f"{k.lower()}: {v}", [], ["retries: 3"]),
    "php-define": ("wp-content/mu-plugins/acme{n}-keys.php", ["<?php"],
                   lambda k, v: f"define( '{k}', '{v}' );", [], ["define( 'WP_DEBUG', false );"]),
    "dotnet-secrets": ("src/Acme.Web{n}/secrets.json", ["{", '  "Logging:LogLevel:Default": "Information",'],
                       lambda k, v: f'  "{pascal(k.split("_")[0])}:{pascal("_".join(k.split("_")[1:]) or k)}": {json.dumps(v)},',
                       ['  "AllowedHosts": "*"', "}"], ['  "Kestrel:Limits:MaxRequestBodySize": "1048576",']),
    "k8s-env": ("k8s/deploy/app{n}.yaml", ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: app{n}", "spec:",
                                           "  template:", "    spec:", "      containers:", "        - name: app",
                                           "          image: registry.invalid/app:1.0", "          env:"],
                lambda k, v: f"            - name: {k}\n              value: {json.dumps(v)}", [],
                ["            - name: LOG_LEVEL\n              value: info"]),
    "env-quoted": ("deploy/{n}/.env.local", ["# local overrides"],
                   lambda k, v: f"{k}='{v}'" if "'" not in v else f'{k}="{v}"', [], ["DEBUG='false'"]),
}


# `generate.py SEED DIR blind` writes the same families and negatives in these other contexts instead (a
# check of formats, not only of values: a value in an attribute, a default in code, a command-line flag,
# the vendor's name on the line above). They are not in the committed corpus.
BLIND = len(sys.argv) > 3 and sys.argv[3] == "blind"


def kebab(k):
    return k.lower().replace("_", "-")


def nested(k):
    head, _, rest = k.partition("_")
    return head.lower(), (rest or k).lower()


BLIND_CONTEXTS = {
    "xml-add": ("web/{n}/Web.config", ['<?xml version="1.0"?>', "<configuration>", "  <appSettings>"],
                lambda k, v: f'    <add key="{k}" value="{xesc(v)}" />', ["  </appSettings>", "</configuration>"], [""]),
    "properties-colon": ("conf/{n}/app.properties", ["# colon separators"], lambda k, v: f"{k.lower().replace('_', '.')}: {v}", [], [""]),
    "gradle-buildconfig": ("android/b{n}/build.gradle", ["android {", "  defaultConfig {"],
                           lambda k, v: f'    buildConfigField "String", "{k}", "\\"{v}\\""', ["  }", "}"], [""]),
    "plist": ("ios/App{n}/Info.plist", ['<?xml version="1.0" encoding="UTF-8"?>', '<plist version="1.0">', "<dict>"],
              lambda k, v: f"\t<key>{pascal(k)}</key>\n\t<string>{xesc(v)}</string>", ["</dict>", "</plist>"], [""]),
    "hcl-variable": ("infra/vars{n}/variables.tf", ["# inputs"],
                     lambda k, v: f'variable "{k.lower()}" {{\n  default = {json.dumps(v)}\n}}', [], [""]),
    "yaml-nested": ("config/nested{n}/credentials.yml", ["production:"],
                    lambda k, v: f"  {nested(k)[0]}:\n    {nested(k)[1]}: {yq(v)}", [], [""]),
    "json-inline-object": ("config/inline{n}/appsettings.json", ["{"],
                           lambda k, v: f'  "{pascal(nested(k)[0])}": {{ "{pascal(nested(k)[1])}": {json.dumps(v)} }},',
                           ['  "end": true', "}"], [""]),
    "python-getenv-default": ("app/defaults{n}/settings.py", ["import os"],
                              lambda k, v: f'{k} = os.getenv("{k}", {json.dumps(v)})', [], [""]),
    "js-env-default": ("web/defaults{n}/config.js", ["'use strict';"],
                       lambda k, v: f"const {camel(k)} = process.env.{k} || {json.dumps(v)};", [], [""]),
    "ruby-env-fetch": ("config/fetch{n}/env.rb", ["# frozen_string_literal: true"],
                       lambda k, v: f'{k.lower()} = ENV.fetch("{k}", {json.dumps(v)})', [], [""]),
    "docker-run": ("scripts/run{n}.sh", ["#!/bin/sh"], lambda k, v: f"docker run --rm -e {k}={v} registry.invalid/app:1.0", [], [""]),
    "helm-set": ("scripts/helm{n}.sh", ["#!/bin/sh"], lambda k, v: f"helm upgrade --install app ./chart --set env.{k}={v}", [], [""]),
    "cli-flag": ("scripts/cli{n}.sh", ["#!/bin/sh"], lambda k, v: f"acme-cli deploy --{kebab(k)} {v} --region eu-west-1", [], [""]),
    "csharp-dictionary": ("src/Dict{n}/Settings.cs", ["var settings = new Dictionary<string, string>", "{"],
                          lambda k, v: f'    ["{k}"] = {json.dumps(v)},', ["};"], [""]),
}


# ---------------------------------------------------------------- key material from the real tools


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def key_material(tmp):
    """Private and public keys from the real tools. Returns {name: pem text}; PKCS#12 stores as bytes."""
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
    c = os.path.join(tmp, "cert.pem")
    with open(c, "w") as f:
        f.write(k["certificate"])
    p12 = os.path.join(tmp, "store.p12")
    run(["openssl", "pkcs12", "-export", "-inkey", p, "-in", c, "-out", p12, "-passout", "pass:corpus-only"])
    k["pkcs12"] = open(p12, "rb").read()
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
        """labels: list of (0-based line index or (first, last) indices or None for the file, family, regex)."""
        assert path not in self.files, path
        self.files[path] = "\n".join(lines) + "\n"
        for i, fam, rx in labels:
            if i is None:
                at = "0"
            elif isinstance(i, tuple):
                at = f"{i[0] + 1}-{i[1] + 1}"
            else:
                at = str(i + 1)
            self.labels.append((path, at, fam, rx))


def neg(cat):
    return "neg:" + cat


# ---------------------------------------------------------------- the generic assignment forms (issue #11)


def generic_forms(corpus):
    src = "detect-secrets tests/plugins/keyword_test.py (assignment forms per language); gitleaks generic.go"
    G = r"^generic-"
    # Go: `var x string = "…"` (typed var declaration), and `x := "…"`.
    lines, labels = ["package main", "", "import \"fmt\"", ""], []
    for name in ["apiToken", "dbPassword", "clientSecret", "signingKey", "authToken"]:
        labels.append((len(lines), "generic/go-typed-var", G))
        lines.append(f'var {name} string = "{password() if "assword" in name else AN(32)}"')
    for name in ["webhookSecret", "apiKey"]:
        labels.append((len(lines), "generic/go-short-var", G))
        lines.append(f'\t{name} := "{AN(36)}"')
    lines += ["", "func main() { fmt.Println(apiToken) }"]
    corpus.add("cmd/server/secrets.go", lines, labels)
    # PHP: `.=` concatenating assignment.
    lines, labels = ["<?php", "$api_key = '';"], [(1, neg("empty-assignment"), "")]
    for name in ["api_key", "secret", "auth_token", "db_password"]:
        labels.append((len(lines), "generic/php-concat-assign", G))
        lines.append(f"${name} .= '{AN(32) if name != 'db_password' else password()}';")
    corpus.add("public/legacy/bootstrap.php", lines, labels)
    # Makefile: `::=` (POSIX), `:::=` (GNU make 4.4) and `?=`.
    lines, labels = [".PHONY: release", ""], []
    for op in ["::=", ":::=", "?=", "::=", ":::=", "?="]:
        name = rng.choice(["API_TOKEN", "CLIENT_SECRET", "DB_PASSWORD", "REGISTRY_PASSWORD", "SIGNING_KEY", "ACCESS_TOKEN"])
        labels.append((len(lines), "generic/make-assign", G))
        lines.append(f"{name} {op} {password() if 'PASSWORD' in name else AN(32)}")
    lines += ["", "release:", "\t./release.sh"]
    corpus.add("release/Makefile", lines, labels)
    # Java: System.setProperty("k", "…").
    lines, labels = ["package com.acme.boot;", "", "public final class Boot {", "    static {"], []
    for k in ["db.password", "api.token", "oauth.client.secret", "aws.secretKey", "app.signing.key"]:
        labels.append((len(lines), "generic/java-setproperty", G))
        lines.append(f'        System.setProperty("{k}", "{password() if "password" in k else AN(36)}");')
    lines += ["    }", "}"]
    corpus.add("src/main/java/com/acme/boot/Boot.java", lines, labels)
    # JSON string values ending in an escaped newline (notebooks, serialised env files).
    lines, labels = ["{", '  "name": "worker",'], []
    for k in ["API_TOKEN", "CLIENT_SECRET", "DB_PASSWORD", "SECRET_KEY"]:
        labels.append((len(lines), "generic/json-escaped-newline", G))
        v = password() if "PASSWORD" in k else AN(40)
        lines.append(f'  "{camel(k)}": "{v}\\n",')
    labels.append((len(lines), "generic/json-escaped-newline", G))
    lines.append('  "env": "API_TOKEN=' + AN(40) + '\\nLOG_LEVEL=info\\n",')
    lines += ['  "replicas": 2', "}"]
    corpus.add("deploy/worker/task-definition.json", lines, labels)
    # XML elements spanning lines.
    lines, labels = ['<?xml version="1.0" encoding="UTF-8"?>', "<configuration>"], []
    for tag in ["password", "apiToken", "clientSecret", "secretKey"]:
        v = password() if tag == "password" else AN(40)
        start = len(lines)
        if rng.random() < 0.5:
            lines += [f"  <{tag}>", f"    {v}", f"  </{tag}>"]
        else:
            lines += [f"  <{tag}>{v}", f"  </{tag}>"]
        labels.append(((start, len(lines) - 1), "generic/xml-multiline", G))
    lines += ["</configuration>"]
    corpus.add("conf/server/credentials.xml", lines, labels)
    # The plain forms of detect-secrets' keyword plugin in more languages.
    lines, labels = [], []
    forms = [
        lambda v: f'password = "{v}"',
        lambda v: f"secret_key: '{v}'",
        lambda v: f'"api_key" => "{v}",',
        lambda v: f'token := "{v}"',
        lambda v: f'config["client_secret"] = "{v}"',
        lambda v: f'self.auth_token = "{v}"',
        lambda v: f'apikey="{v}"',
        lambda v: f'ACCESS_TOKEN ||= "{v}"',
        lambda v: f'set -x PRIVATE_TOKEN "{v}"',
        lambda v: f'private_token: str = "{v}"',
    ]
    for form in forms:
        labels.append((len(lines), "generic/keyword-forms", G))
        lines.append(form(password() if form is forms[0] else AN(36)))
    corpus.add("lib/legacy/keyword_forms.txt", lines, labels)
    # HTTP credentials in commands and URLs.
    lines, labels = ["#!/bin/sh"], []
    for _ in range(3):
        labels.append((len(lines), "generic/bearer-header", r"^http-bearer-token$|^generic-|^jwt$"))
        lines.append(f'curl -sS -H "Authorization: Bearer {U(48)}" https://api.acme.invalid/v1/jobs')
    for _ in range(3):
        labels.append((len(lines), "generic/basic-auth-url", r"^url-credentials$|^http-basic-auth$|-url-password$"))
        lines.append(f"git clone https://deploy:{password()}@git.acme.invalid/platform/infra.git")
    corpus.add("scripts/ci/fetch.sh", lines, labels)


def code_references(corpus):
    """Assignments whose value is code, not a literal (the categories of detect-secrets' keyword_test.py
    negatives: function calls, subscripts, attributes, parameters passed by name, booleans, empty strings,
    fakes), with a few literal positives in the same languages (Objective-C @"...", Rust, Swift, C)."""
    G = r"^generic-"
    files = {
        "src/auth/session.py": [
            ("neg", 'password = get_password(user)'),
            ("neg", "api_key = request.json_body['api_key']"),
            ("neg", 'secret = settings.SECRET_KEY'),
            ("neg", 'token = os.environ["SERVICE_TOKEN"]'),
            ("neg", 'login(username=username, password=password)'),
            ("neg", 'my_password = True'),
            ("neg", 'client_secret = ""'),
            ("neg", 'def connect(self, password=None, api_key=None):'),
            ("neg", 'if password == confirm_password:'),
            ("neg", 'access_token = response.json()["access_token"]'),
            ("neg", 'secret_key = base64.b64decode(encoded_secret_key)'),
            ("neg", 'auth_token: str = field(default_factory=lambda: os.getenv("AUTH_TOKEN", ""))'),
            ("pos", lambda: f'self.api_secret = "{AN(36)}"'),
        ],
        "web/src/auth/client.js": [
            ("neg", "apiKey: this.apiKey,"),
            ("neg", "apiKey: fs.readFileSync('/run/secrets/api_key', 'utf8'),"),
            ("neg", "const token = req.headers['x-auth-token'];"),
            ("neg", "const password = document.getElementById('password').value;"),
            ("neg", "secret: process.env.SESSION_SECRET,"),
            ("neg", "const accessToken = await getAccessToken(scope);"),
            ("neg", "headers: { Authorization: `Bearer ${token}` },"),
            ("pos", lambda: f"  clientSecret: '{AN(40)}',"),
        ],
        "app/Http/Auth.php": [
            ("neg", "$password = $input;"),
            ("neg", "$token = $request->bearerToken();"),
            ("neg", "$secret = config('services.stripe.secret');"),
            ("neg", "$apiKey = env('MAILGUN_API_KEY');"),
            ("pos", lambda: f"$api_secret = '{AN(32)}';"),
        ],
        "src/main/java/com/acme/auth/Login.java": [
            ("neg", 'String password = System.getenv("DB_PASSWORD");'),
            ("neg", 'String token = request.getHeader("X-Auth-Token");'),
            ("neg", 'char[] password = console.readPassword();'),
            ("neg", 'String secret = vault.read("secret/data/app").getData().get("secret");'),
            ("pos", lambda: f'    private String apiToken = "{AN(40)}";'),
        ],
        "ios/Acme/Secrets.m": [
            ("neg", "NSString *password = [keychain stringForKey:@\"password\"];"),
            ("pos", lambda: f'static NSString *const kApiSecret = @"{AN(40)}";'),
            ("pos", lambda: f'NSString *authToken = @"{U(40)}";'),
        ],
        "ios/Acme/Config.swift": [
            ("neg", 'let password = KeychainWrapper.standard.string(forKey: "password")'),
            ("pos", lambda: f'let apiSecret = "{AN(40)}"'),
            ("pos", lambda: f'static let clientSecret = "{AN(32)}"'),
        ],
        "crates/client/src/config.rs": [
            ("neg", 'let token = std::env::var("API_TOKEN")?;'),
            ("neg", "let password = prompt_password()?;"),
            ("pos", lambda: f'const API_TOKEN: &str = "{AN(40)}";'),
            ("pos", lambda: f'static CLIENT_SECRET: &str = "{U(36)}";'),
        ],
        "firmware/include/secrets.h": [
            ("neg", "#define PASSWORD_MAX_LEN 64"),
            ("pos", lambda: f'#define API_SECRET "{AN(32)}"'),
            ("pos", lambda: f'static const char *auth_token = "{AN(40)}";'),
        ],
    }
    for path, rows in files.items():
        lines, labels = [], []
        for kind, row in rows:
            if kind == "neg":
                labels.append((len(lines), neg("code-reference"), ""))
                lines.append(row)
            else:
                labels.append((len(lines), "generic/code-literal", G))
                lines.append(row())
        corpus.add(path, lines, labels)


# ---------------------------------------------------------------- package-manager and tool config files


def tool_files(corpus):
    # .npmrc (npm docs, "npmrc": `//registry/:_authToken=`), with GitHub and GitLab package registries.
    for n in range(3):
        lines = ["registry=https://registry.npmjs.org/", "always-auth=true", f"@acme{n}:registry=https://npm.pkg.github.com/"]
        labels = [(0, neg("registry-setting"), ""), (1, neg("registry-setting"), ""), (2, neg("registry-setting"), "")]
        labels.append((len(lines), "npm", r"^npm"))
        lines.append(f"//registry.npmjs.org/:_authToken={npm_token()}")
        labels.append((len(lines), "github/classic-pat", r"^github-pat$|^npmrc-"))
        lines.append(f"//npm.pkg.github.com/:_authToken={github_classic('ghp_')()}")
        labels.append((len(lines), "gitlab/pat", r"^gitlab-pat|^npmrc-"))
        lines.append(f"//gitlab.acme.invalid/api/v4/projects/{rs(DIG, 4)}/packages/npm/:_authToken=glpat-{U(20)}")
        labels.append((len(lines), "npm/legacy-auth", r"^npm"))
        lines.append(f"//nexus.acme.invalid/repository/npm/:_auth={base64.b64encode(f'ci:{password()}'.encode()).decode()}")
        labels.append((len(lines), neg("placeholder"), ""))
        lines.append("//registry.yarnpkg.com/:_authToken=${NPM_TOKEN}")
        corpus.add(f"frontend/pkg{n}/.npmrc", lines, labels)
    # .pypirc (PyPA docs, "The .pypirc file").
    for n in range(2):
        lines = ["[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__"]
        labels = [(6, neg("username"), "")]
        labels.append((len(lines), "pypi", r"^pypi-token$"))
        lines.append(f"password = {pypi_token()}")
        lines += ["", "[internal]", "repository = https://pypi.acme.invalid/simple/", "username = ci-uploader"]
        labels.append((len(lines), "pypirc/password", r"^generic-password$|^pypirc-"))
        lines.append(f"password = {password()}")
        corpus.add(f"python/pkg{n}/.pypirc", lines, labels)
    # nuget.config (Microsoft, "nuget.config reference": packageSourceCredentials, apikeys).
    for n in range(4):
        lines = ['<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <packageSources>",
                 f'    <add key="acme{n}" value="https://pkgs.acme.invalid/nuget/v3/index.json" />', "  </packageSources>",
                 "  <packageSourceCredentials>", f"    <acme{n}>", '      <add key="Username" value="ci-feed" />']
        labels = [(3, neg("registry-setting"), ""), (7, neg("username"), "")]
        labels.append((len(lines), "nuget/config-password", r"^nuget-.*pass|^nuget-config"))
        lines.append(f'      <add key="ClearTextPassword" value="{xesc(password())}" />')
        lines += [f"    </acme{n}>", "  </packageSourceCredentials>", "  <apikeys>"]
        labels.append((len(lines), "nuget/api-key", r"^nuget-api-key$"))
        lines.append(f'    <add key="https://www.nuget.org/api/v2/package" value="oy2{mixed(LOWNUM, 43)}" />')
        lines += ["  </apikeys>", "</configuration>"]
        corpus.add(f"dotnet/Acme{n}/nuget.config" if n % 2 else f"dotnet/Acme{n}/NuGet.Config", lines, labels)
    # nuget.config negatives: environment references, and the sample passwords of Microsoft's reference page.
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <packageSourceCredentials>", "    <Contoso>",
             '      <add key="Username" value="user@contoso.com" />', '      <add key="ClearTextPassword" value="%NUGET_FEED_PASSWORD%" />',
             "    </Contoso>", "    <Test_x0020_Source>", '      <add key="Username" value="user" />',
             '      <add key="ClearTextPassword" value="hal+9ooo_da!sY" />', "    </Test_x0020_Source>",
             "    <Feed2>", '      <add key="ClearTextPassword" value="33f!!lloppa" />', "    </Feed2>",
             "  </packageSourceCredentials>", "</configuration>"]
    labels = [(4, neg("username"), ""), (5, neg("placeholder"), ""), (8, neg("username"), ""), (9, neg("doc-example"), ""),
              (12, neg("doc-example"), "")]
    corpus.add("dotnet/Shared/nuget.config", lines, labels)
    # ~/.aws/credentials profiles.
    lines, labels = [], []
    for p in ["default", "ci", "billing-prod"]:
        lines.append(f"[{p}]")
        labels.append((len(lines), "aws/access-key-id", r"^aws-access-key-id$"))
        lines.append(f"aws_access_key_id = {rng.choice(['AKIA', 'ASIA'])}{rs(B32, 16)}")
        labels.append((len(lines), "aws/secret-access-key", r"^aws-secret-access-key$"))
        lines.append(f"aws_secret_access_key = {rs(B64C, 40)}")
        labels.append((len(lines), neg("region"), ""))
        lines.append("region = eu-west-1")
        lines.append("")
    corpus.add("home/ops/.aws/credentials", lines, labels)
    # ~/.docker/config.json (Docker CLI reference, credentials store): "auth" is base64(user:password).
    auths = {}
    for host in ["registry.acme.invalid", "ghcr.io", "https://index.docker.io/v1/"]:
        auths[host] = {"auth": base64.b64encode(f"deploy:{password()}".encode()).decode()}
    lines = json.dumps({"auths": auths, "credsStore": "", "currentContext": "default"}, indent=2).split("\n")
    labels = [(i, "docker/config-auth", r"^docker-config-auth$") for i, l in enumerate(lines) if '"auth":' in l]
    corpus.add("home/ops/.docker/config.json", lines, labels)
    # ~/.netrc (GNU inetutils manual).
    lines, labels = [], []
    for host in ["api.heroku.com", "git.acme.invalid", "ftp.acme.invalid"]:
        labels.append((len(lines), "netrc/password", r"^netrc-password$|^heroku-"))
        lines.append(f"machine {host} login deploy@acme.invalid password {uuid4() if 'heroku' in host else password()}")
    corpus.add("home/ops/.netrc", lines, labels)
    # Freemius WordPress SDK init (Freemius docs, integrating the SDK; gitleaks freemius.go).
    for n in range(3):
        lines = ["<?php", "if ( ! function_exists( 'acme_fs' ) ) {", "    function acme_fs() {", "        $acme_fs = fs_dynamic_init( array(",
                 f"            'id'                  => '{rs(DIG, 5)}',", f"            'slug'                => 'acme-{n}',",
                 f"            'public_key'          => 'pk_{H(29)}',"]
        labels = [(4, neg("public-identifier"), ""), (6, neg("public-key"), "")]
        labels.append((len(lines), "freemius", r"^freemius-"))
        lines.append(f"            'secret_key'          => 'sk_{rs(ALNUM + '#&@*!%^.~', 29)}',")
        lines += ["        ) );", "        return $acme_fs;", "    }", "}"]
        corpus.add(f"wp-content/plugins/acme-{n}/freemius-init.php", lines, labels)
    # Freemius look-alikes (gitleaks freemius.go fps, re-made): another key name, an unquoted constant.
    lines = ["<?php", "$config = array(", f"    'public_key' => 'pk_{H(29)}',", "    'secret_key' => FS_SECRET_KEY,", ");"]
    corpus.add("wp-content/plugins/acme-lookalike/config.php", lines, [(2, neg("public-key"), ""), (3, neg("secret-reference"), "")])


def key_files(corpus):
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
        fam = "private-key/" + name
        corpus.add(f"keys/{name}/key.pem", text, [(begin, fam, rx)])
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: tls-{name}", "type: Opaque", "stringData:", "  tls.key: |"]
        start = len(lines)
        lines += ["    " + l for l in text]
        corpus.add(f"k8s/keys/{name}.yaml", lines, [(start + begin, fam, rx)])
        lines = ['resource "tls_cert_request" "app" {', "  private_key_pem = <<EOT"]
        start = len(lines)
        lines += text + ["EOT", "}"]
        corpus.add(f"infra/keys/{name}.tf", lines, [(start + begin, fam, rx)])
    # PKCS#12 key stores, found by their file name (gitleaks privatekey.go, rule pkcs12-file).
    for path in ["certs/client.p12", "deploy/signing/release.pfx", "android/keystore/upload.P12", "windows/App_TemporaryKey.pfx"]:
        full_labels = [(None, "pkcs12-file", r"^pkcs12|p12|pfx")]
        corpus.files[path] = keys["pkcs12"]
        for i, fam, rx in full_labels:
            corpus.labels.append((path, "0", fam, rx))
    # GCP service-account key files.
    for n in range(3):
        pem = run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        project = f"corp-{rs(string.ascii_lowercase, 6)}-{rs(DIG, 6)}"
        sa = {"type": "service_account", "project_id": project, "private_key_id": rbytes(20).hex(), "private_key": pem,
              "client_email": f"deployer@{project}.iam.gserviceaccount.com", "client_id": rs(DIG, 21),
              "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
              "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
              "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/deployer%40{project}.iam.gserviceaccount.com",
              "universe_domain": "googleapis.com"}
        lines = json.dumps(sa, indent=2).split("\n")
        at = next(i for i, l in enumerate(lines) if '"private_key":' in l)
        labels = [(at, "gcp/service-account", r"^(gcp-service-account-private-key|private-key-pkcs8)$")]
        labels += [(i, neg("public-identifier"), "") for i, l in enumerate(lines) if '"private_key_id"' in l or '"client_id"' in l]
        corpus.add(f"gcp/{n}/service-account.json", lines, labels)
    # Public material: never a finding.
    pub = []
    for name in ["public", "certificate", "ssh-pub-ed25519", "ssh-pub-rsa", "pgp-public"]:
        pub += keys[name].rstrip("\n").split("\n") + [""]
    corpus.add("keys/public/bundle.txt", pub, [(i, neg("public-key"), "") for i, l in enumerate(pub) if l])
    # Names that only look like key stores (gitleaks privatekey.go fps, re-made).
    corpus.add("docs/formats/type.P126.html", ["<html><body>PKCS type P126</body></html>"], [(0, neg("file-name"), ""), (None, neg("file-name"), "")])
    corpus.add("docs/formats/p12-migration.md", ["# Moving from .p12 to PEM", "", "Convert with `openssl pkcs12 -in store.p12 -nodes`."],
               [(None, neg("file-name"), ""), (2, neg("prose"), "")])


# ---------------------------------------------------------------- the false positives the issue lists


def issue_negatives(corpus):
    # An empty assignment followed by the next line's key.
    lines, labels = [], []
    for _ in range(6):
        k = rng.choice(["API_KEY", "SECRET_KEY", "AUTH_TOKEN", "DB_PASSWORD", "CLIENT_SECRET", "GITHUB_TOKEN"])
        labels.append((len(lines), neg("empty-assignment"), ""))
        lines.append(f"{k}=")
        labels.append((len(lines), neg("empty-assignment"), ""))
        lines.append(rng.choice(["SERVICE_ACCOUNT_NAME=billing-worker", "DATABASE_HOST=db.internal", "OTHER_SETTING=enabled",
                                 "NEXT_PUBLIC_SITE_URL=https://www.acme.invalid", "LOG_FORMAT=json"]))
    corpus.add("services/empty/.env.production", lines, labels)
    lines, labels = [], []
    for _ in range(4):
        k = rng.choice(["app.api.key", "spring.datasource.password", "oauth.client.secret"])
        labels.append((len(lines), neg("empty-assignment"), ""))
        lines.append(f"{k}=")
        labels.append((len(lines), neg("empty-assignment"), ""))
        lines.append(rng.choice(["spring.datasource.username=app", "server.servlet.context-path=/api", "management.port=9090"]))
    corpus.add("conf/empty/application.properties", lines, labels)
    # Hashed asset file names (webpack/sprockets manifests): ".ico-<32 hex>" reads like an infracost key.
    manifest = {}
    for name in ["video_box", "favicon", "hero", "apple-touch", "logo_dark", "play_button", "banner", "spinner"]:
        manifest[f"{name}.ico"] = f"{name}.ico-{H(32)}.png"
        manifest[f"{name}.svg"] = f"{name}-{H(64)}.svg"
    lines = json.dumps(manifest, indent=2).split("\n")
    corpus.add("public/assets/manifest.json", lines, [(i, neg("hashed-file-name"), "") for i, l in enumerate(lines) if ":" in l])
    # Low-entropy runner-token look-alikes.
    lines = [
        "glrt-xxxxxxxxxxxxxxxxxxxx",
        "glrt-00000000000000000000",
        "glrt-abcdefghijklmnopqrst",
        "glrt-AAAAAAAAAAAAAAAAAAAA",
        "glrt-REPLACE_WITH_TOKEN__",
        "glrt-t1_xxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "GR1348941xxxxxxxxxxxxxxxxxxxx",
        "GR1348941_REGISTRATION_TOKEN",
        "glrt-runner-token-goes-here",
        "glrt-1234567890abcdefghij",
    ]
    lines = [f"  token: {v}" if i % 2 else f"RUNNER_TOKEN={v}" for i, v in enumerate(lines)]
    corpus.add("ci/runner/register.env", lines, [(i, neg("low-entropy-runner-token"), "") for i in range(len(lines))])
    # Freenet USK keys.
    lines = ["# freesites we mirror"]
    for _ in range(8):
        lines.append(rng.choice(["freesite = ", "index: ", "USK_INDEX="]) + freenet_usk())
    corpus.add("mirror/freenet/sites.conf", lines, [(i, neg("freenet-key"), "") for i in range(1, len(lines))])
    # CSRF tokens in pages, cookies and headers: per-session, public to the page, not credentials.
    lines = ["<!doctype html>", "<html><head>"]
    labels = []
    for _ in range(4):
        labels.append((len(lines), neg("csrf"), ""))
        lines.append(f'<meta name="csrf-token" content="{b64(64)}">')
    for _ in range(3):
        labels.append((len(lines), neg("csrf"), ""))
        lines.append(f'<input type="hidden" name="authenticity_token" value="{b64(32)}">')
    lines += ["</head><body></body></html>"]
    corpus.add("public/session/form.html", lines, labels)
    lines, labels = [], []
    for _ in range(4):
        labels.append((len(lines), neg("csrf"), ""))
        lines.append(f"Set-Cookie: csrf-token={U(43)}; Path=/; Secure; SameSite=Strict")
        labels.append((len(lines), neg("csrf"), ""))
        lines.append(f"X-CSRF-Token: {H(64)}")
        labels.append((len(lines), neg("csrf"), ""))
        lines.append(f"csrf-token={AN(40)}")
    corpus.add("docs/http/session-trace.txt", lines, labels)
    # Vendors' documented sample values, in a README.
    lines = ["# Configuration", "", "The values below are the samples from each vendor's documentation:", "", "```"]
    labels = []
    for k, v, _ in DOC_EXAMPLES:
        labels.append((len(lines), neg("doc-example"), ""))
        lines.append(f"{k}={v}")
    lines += ["```", "", "```js", "const firebaseConfig = {"]
    labels.append((len(lines), neg("doc-example"), ""))
    lines.append('  apiKey: "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",')
    lines += ['  authDomain: "myapp-project-123.firebaseapp.com",', "};", "```"]
    corpus.add("docs/vendor-samples.md", lines, labels)
    # Messages and identifiers that name a secret without holding one (i18n catalogues, constants).
    msgs = {
        "password_reset_token_expired": "Your password reset link has expired.",
        "api_key_label": "API key",
        "api_key_help": "Paste the key from your account settings.",
        "secret_key_missing": "The secret key is missing; set SECRET_KEY.",
        "token_invalid": "This token is invalid or has been revoked.",
        "password_too_short": "Passwords need at least 12 characters.",
        "client_secret_placeholder": "Enter the client secret",
        "access_token_copied": "Access token copied to the clipboard",
        "auth_token_rotated": "Your auth token was rotated on {date}.",
        "private_key_upload": "Upload your private key (PEM)",
    }
    lines = json.dumps({"en": msgs}, indent=2).split("\n")
    corpus.add("web/src/i18n/en.json", lines, [(i, neg("message"), "") for i, l in enumerate(lines) if '": "' in l])
    consts = [
        'TOKEN_KEY = "auth_token"',
        'PASSWORD_PARAM = "password"',
        'API_KEY_HEADER = "X-API-Key"',
        'SECRET_FILE = "/etc/acme/secret.json"',
        'CLIENT_SECRET_ENV = "ACME_CLIENT_SECRET"',
        'ACCESS_TOKEN_COOKIE = "__Host-access_token"',
        'PRIVATE_KEY_PATH = "~/.ssh/id_ed25519"',
        'API_TOKEN_SCOPE = "repo:read,packages:write"',
        'PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*\\d).{12,}$"',
        'SECRET_MANAGER_URL = "https://secretmanager.googleapis.com/v1"',
        'API_KEY_CONTROLLER = "ApiKeyController"',
        'REFRESH_TOKEN_TTL_SECONDS = 2592000',
    ]
    corpus.add("src/acme/constants.py", consts, [(i, neg("identifier"), "") for i in range(len(consts))])
    # After the other categories of gitleaks' fps lists (re-made): a prefix inside a longer base64 blob,
    # a wrong-case prefix, a vendor keyword inside another word, uppercase text running into AKIA/ASIA.
    lines, labels = [], []
    for pre, n in [("AKCp", 69), ("EZAK", 54), ("AIza", 35), ("cmVmd", 59), ("dapi", 32), ("4b1d", 38)]:
        blob = b64(60)
        cut = rng.randrange(8, 40)
        labels.append((len(lines), neg("embedded-in-blob"), ""))
        lines.append(f"  payload: {blob[:cut]}{pre}{rs(ALNUM, n)}{blob[cut:]}")
    for wrong in ["AkCp" + AN(69), "akia" + rs(B32, 16).lower(), "Ghp_" + AN(36), "SK_LIVE_" + AN(24), "XOXB-" + rs(DIG, 12) + "-" + AN(24)]:
        labels.append((len(lines), neg("wrong-case"), ""))
        lines.append(f"  {rng.choice(NEUTRAL)}: {wrong}")
    for row in ['  sysctl: SetSysctl("net.bridge.bridge-nf-call-iptables", "1")',
                f'  resetSystemSeed: "{rs(LOWNUM, 24)}"',
                f'  consumoMensal: "su{rs(ALNUM, 12)}"',
                f'  twitchyRetryJitter: "{rs(LOWNUM, 30)}"',
                "  banner: WELCOMETOTHEASIAPACIFICREGIONALOFFICEANNUALMEETING",
                "  motto: TODAYINASIAASACKOFRICEFELLOVERAGAIN",
                "  primer: " + "".join(rng.choice("ACGT") for _ in range(120))]:
        labels.append((len(lines), neg("keyword-collision"), ""))
        lines.append(row)
    corpus.add("config/data/blobs.yaml", lines, labels)
    # curl credentials: placeholders and variables are not secrets; literal user:password is.
    lines, labels = ["#!/usr/bin/env bash", "set -eu"], []
    for row in ['curl -sS -u "$API_USER:$API_PASSWORD" https://api.acme.invalid/v1/health',
                'curl -u "${USERNAME}:${PASSWORD}" https://registry.acme.invalid/v2/',
                "curl -u <user:password> https://api.acme.invalid/v1/items",
                'curl -H "Authorization: Bearer $TOKEN" https://api.acme.invalid/v1/me',
                'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://run.googleapis.com/v2/projects',
                'curl -H "Authorization: Bearer <your API token>" https://api.acme.invalid/v1/me',
                'curl -u ":" https://localhost:9200',
                'curl -u "ci-bot" https://api.acme.invalid/v1/check',
                'curl --user "${{ secrets.NEXUS_USER }}:${{ secrets.NEXUS_PASSWORD }}" https://nexus.acme.invalid/',
                'curl -H "X-Api-Key: ${ACME_API_KEY}" https://api.acme.invalid/v1/jobs']:
        labels.append((len(lines), neg("placeholder"), ""))
        lines.append(row)
    for _ in range(3):
        labels.append((len(lines), "generic/curl-user", r"^http-basic-auth$|^curl-|^generic-|^url-credentials$"))
        lines.append(f'curl -sS -u "deploy:{password()}" https://nexus.acme.invalid/service/rest/v1/status')
    corpus.add("scripts/api-examples.sh", lines, labels)
    # Shaped look-alikes under neutral names (wrong length or charset for the vendor's format).
    lines, labels = [], []
    for f in FAMILIES:
        if f["bad"]:
            for _ in range(2):
                labels.append((len(lines), neg("wrong-shape"), ""))
                lines.append(f"{rng.choice(NEUTRAL)}: {f['bad']()}")
    corpus.add("config/lookalikes/catalog.yaml", lines, labels)


def public_material(corpus):
    """Random-looking values that are public or not credentials: pinned hashes, host keys, resource and
    object ids, OAuth client ids, site keys, source maps, CSP nonces, Git LFS pointers."""
    lines, labels = [], []
    for pkg in ["requests==2.32.3", "urllib3==2.2.2", "idna==3.7", "certifi==2024.7.4"]:
        lines.append(pkg + " \\")
        for last in (False, True):
            labels.append((len(lines), neg("pinned-hash"), ""))
            lines.append(f"    --hash=sha256:{H(64)}" + ("" if last else " \\"))
    corpus.add("python/service/requirements.txt", lines, labels)
    lines, labels = [], []
    for host in ["github.com", "gitlab.com", "git.acme.invalid", "10.0.4.12"]:
        labels.append((len(lines), neg("public-key"), ""))
        lines.append(f"{host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{rs(B64C, 43)}")
        labels.append((len(lines), neg("public-key"), ""))
        lines.append(f"|1|{b64(20)}|{b64(20)} ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{rs(B64C, 87)}=")
    corpus.add("home/ops/.ssh/known_hosts", lines, labels)
    lines = ["version https://git-lfs.github.com/spec/v1", f"oid sha256:{H(64)}", f"size {rng.randrange(10**5, 10**8)}"]
    corpus.add("models/classifier.onnx", lines, [(1, neg("pinned-hash"), "")])
    mappings = ";".join(",".join(rs(ALNUM + "+/", rng.randrange(4, 9)) for _ in range(12)) for _ in range(40))
    lines = ['{"version":3,"file":"main.js","sources":["../src/index.ts"],"names":[],', f'"mappings":"{mappings}"', "}"]
    corpus.add("public/static/js/main.js.map", lines, [(1, neg("source-map"), "")])
    lines, labels = ["server {", "  listen 443 ssl;"], []
    for _ in range(3):
        labels.append((len(lines), neg("csp-nonce"), ""))
        lines.append(f"  add_header Content-Security-Policy \"script-src 'self' 'nonce-{b64(16)}'; object-src 'none'\";")
    lines.append("}")
    corpus.add("nginx/sites/app.conf", lines, labels)
    ids = [
        ("STRIPE_PRICE_ID", "price_1" + AN(23), "object-id"),
        ("STRIPE_PRODUCT_ID", "prod_" + AN(14), "object-id"),
        ("STRIPE_CUSTOMER_ID", "cus_" + AN(14), "object-id"),
        ("TWILIO_PHONE_NUMBER_SID", "PN" + H(32), "object-id"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG" + H(32), "object-id"),
        ("SLACK_CHANNEL_ID", "C0" + rs(UPNUM, 9), "object-id"),
        ("SLACK_TEAM_ID", "T0" + rs(UPNUM, 9), "object-id"),
        ("AUTH0_CLIENT_ID", AN(32), "client-id"),
        ("OKTA_CLIENT_ID", "0oa" + AN(17), "client-id"),
        ("GITHUB_APP_CLIENT_ID", "Iv1." + H(16), "client-id"),
        ("GITHUB_OAUTH_CLIENT_ID", "Ov23li" + AN(14), "client-id"),
        ("AZURE_CLIENT_ID", uuid4(), "client-id"),
        ("AZURE_TENANT_ID", uuid4(), "client-id"),
        ("RECAPTCHA_SITE_KEY", "6L" + U(38), "public-key"),
        ("GA_MEASUREMENT_ID", "G-" + rs(UPNUM, 10), "public-identifier"),
        ("GOOGLE_CLOUD_PROJECT", f"acme-prod-{rs(DIG, 6)}", "public-identifier"),
        ("KMS_KEY_ARN", f"arn:aws:kms:eu-west-1:{rs(DIG, 12)}:key/{uuid4()}", "resource-id"),
        ("SECURITY_GROUP_ID", "sg-0" + H(16), "resource-id"),
        ("VPC_ID", "vpc-0" + H(16), "resource-id"),
        ("AMI_ID", "ami-0" + H(16), "resource-id"),
        ("CLOUDFRONT_DISTRIBUTION_ID", "E" + rs(UPNUM, 13), "resource-id"),
        ("ROUTE53_ZONE_ID", "Z0" + rs(UPNUM, 19), "resource-id"),
        ("DATADOG_SITE", "datadoghq.eu", "vendor-setting"),
        ("SENTRY_RELEASE", H(40), "git-sha"),
    ]
    for variant in range(3):
        tmpl, header, render, footer, _ = CONTEXTS[["env", "yaml", "json"][variant]]
        lines = [h.replace("{n}", f"ids{variant}") for h in header]
        labels = []
        for k, v, cat in ids:
            labels.append((len(lines), neg(cat), ""))
            lines.append(render(k, v))
        lines += footer
        corpus.add(tmpl.replace("{n}", f"ids{variant}"), lines, labels)


# ---------------------------------------------------------------- assembly


def build():
    corpus = Corpus()
    entries, env_only = [], []
    for f in FAMILIES:
        for _ in range(f["n"]):
            (env_only if f["env_only"] else entries).append((f["var"], f["gen"](), f["family"], f["rx"]))
        # Hard negatives for each vendor: a placeholder under the vendor's variable, and a non-secret setting.
        for _ in range(2):
            entries.append((f["var"], placeholder(f["var"]), neg("placeholder"), ""))
        k, v = vendor_setting(f["var"])
        entries.append((k, v, neg("vendor-setting"), ""))
    for _ in range(12):
        for k, v, cat in generic_negatives():
            entries.append((k, v, neg(cat), ""))
    for k, v, _ in DOC_EXAMPLES:
        entries.append((k, v, neg("doc-example"), ""))
    rng.shuffle(entries)
    ctx_names = list(BLIND_CONTEXTS) if BLIND else list(CONTEXTS)
    per_file = 12
    chunks = [entries[i : i + per_file] for i in range(0, len(entries), per_file)]
    for n, chunk in enumerate(chunks):
        ctx = ctx_names[n % len(ctx_names)]
        tmpl, header, render, footer, filler = (BLIND_CONTEXTS if BLIND else CONTEXTS)[ctx]
        lines = [h.replace("{n}", str(n)) for h in header]
        labels = []
        for k, v, fam, rx in chunk:
            if rng.random() < 0.3:
                lines += rng.choice(filler).split("\n")
            rendered = render(k, v).split("\n")
            at = len(lines) if len(rendered) == 1 else (len(lines), len(lines) + len(rendered) - 1)
            labels.append((at, fam, rx))
            lines += rendered
        lines += footer
        corpus.add(tmpl.replace("{n}", str(n)), lines, labels)
    # Environment-variable-only credentials: as environment variables.
    for i, (k, v, fam, rx) in enumerate(env_only):
        tmpl, header, render, footer, _ = CONTEXTS[["env", "dockerfile", "compose", "shell"][i % 4]]
        lines = [h.replace("{n}", f"env{i}") for h in header]
        labels = [(len(lines), fam, rx)]
        lines.append(render(k, v))
        lines += footer
        corpus.add(tmpl.replace("{n}", f"env{i}"), lines, labels)
    generic_forms(corpus)
    code_references(corpus)
    tool_files(corpus)
    key_files(corpus)
    issue_negatives(corpus)
    public_material(corpus)
    return corpus


def main():
    corpus = build()
    os.makedirs(HERE, exist_ok=True)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for path, text in corpus.files.items():
        full = os.path.join(OUT, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb" if isinstance(text, bytes) else "w") as f:
            f.write(text)
    with open(os.path.join(HERE, "LABELS.tsv"), "w") as f:
        f.write("# file\tline\tfamily\trule-regex (generated by generate.py; do not edit)\n")
        for path, line, fam, rx in sorted(corpus.labels):
            f.write(f"{path}\t{line}\t{fam}\t{rx}\n")
    pos = [l for l in corpus.labels if not l[2].startswith("neg:")]
    vendors = {l[2].split("/")[0] for l in pos}
    print(f"{len(corpus.files)} files, {len(pos)} positive labels, {len(vendors)} vendors, "
          f"{len(corpus.labels) - len(pos)} negative lines")


if __name__ == "__main__":
    main()
