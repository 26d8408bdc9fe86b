//! The built-in rule table.
//!
//! One explicit list (`BUILTIN`), one row per rule, in the style of ripgrep's `FLAGS`. A secret rule is five
//! facts (id, title, severity, keywords, pattern) plus an example; a folder per rule would be 150 folders of
//! five lines each, so the table *is* the registry and the per-rule "cases" are the `example` templates,
//! which the registry test expands and scans (every rule must find its own example) and the corpus generator
//! uses to make the labelled positives.
//!
//! Pattern conventions: the secret is capture group 1 (or the group named `secret`). `%B` and `%E` are
//! token boundaries (`(?:^|[^A-Za-z0-9_-])` and `(?:[^A-Za-z0-9_-]|$)`), used where `\b` would fail because
//! the token may start or end with `-`; `%P` is a stricter start for short prefixes (not after `.` or `/`,
//! where the prefix is inside a file name or URL path). `Pat::Ctx(key, value)` builds "key … = value" for formats that are
//! only recognisable next to their name (a bare 32-hex string is not a Datadog key). Keywords are
//! lowercase literals that occur in every match (case-insensitive), so the aho-corasick prefilter can skip
//! a rule whose keywords are absent. Example templates use `$[class:len]`; see `sample.rs`.

use bulwark_types::Severity;

use Severity::{Critical, High, Low, Medium};

/// How a rule's regex is written.
#[derive(Debug, Clone, Copy)]
pub enum Pat {
    /// A complete regex.
    Raw(&'static str),
    /// `key` (case-insensitive regex) followed by an assignment and `value` (regex).
    Ctx(&'static str, &'static str),
    /// A regex on the file's path (case-insensitive): the file itself is the secret, whatever it holds
    /// (a PKCS#12 key store is binary). The `example` of such a rule is a path template.
    File(&'static str),
}

/// Extra checks on a candidate secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// The first JWT segment must decode to JSON with an `"alg"` member.
    Jwt,
    /// Base64 that must decode to `user:password`.
    BasicAuth,
}

/// One built-in rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub keywords: &'static [&'static str],
    pub pat: Pat,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f64>,
    /// A line (or lines) that the rule must flag, as a `sample` template.
    pub example: &'static str,
    /// Generic rules (keyword = value) yield to a specific rule that matched the same bytes, and their
    /// values must look like secrets (mixed classes, not an identifier, not a UUID).
    pub generic: bool,
    pub check: Check,
    /// Only scan paths matching this regex.
    pub path: Option<&'static str>,
    /// The vendor's published format and where it is documented, and why the pattern is shaped as it is
    /// (a "Format" section of the rule's page). Empty for rules that predate the field.
    pub doc: &'static str,
}

const fn raw(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    re: &'static str,
    example: &'static str,
) -> RuleDef {
    RuleDef {
        id,
        title,
        severity,
        keywords,
        pat: Pat::Raw(re),
        entropy: None,
        example,
        generic: false,
        check: Check::None,
        path: None,
        doc: "",
    }
}

const fn ctx(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    key: &'static str,
    value: &'static str,
    example: &'static str,
) -> RuleDef {
    RuleDef {
        id,
        title,
        severity,
        keywords,
        pat: Pat::Ctx(key, value),
        entropy: Some(3.0),
        example,
        generic: false,
        check: Check::None,
        path: None,
        doc: "",
    }
}

const fn file(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    path_re: &'static str,
    example: &'static str,
) -> RuleDef {
    RuleDef {
        id,
        title,
        severity,
        keywords: &[],
        pat: Pat::File(path_re),
        entropy: None,
        example,
        generic: false,
        check: Check::None,
        path: None,
        doc: "",
    }
}

impl RuleDef {
    const fn doc(mut self, d: &'static str) -> Self {
        self.doc = d;
        self
    }
    const fn ent(mut self, e: f64) -> Self {
        self.entropy = Some(e);
        self
    }
    const fn generic(mut self) -> Self {
        self.generic = true;
        self
    }
    const fn check(mut self, c: Check) -> Self {
        self.check = c;
        self
    }
}

const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// Value charset of generic assignments: no quotes, spaces, brackets or `$` (variable references).
pub(crate) const GENERIC_VALUE: &str = r"[^\s'`\x22;,<>(){}\[\]$\\]";

/// The built-in rules. Ids are stable and never reused.
pub const BUILTIN: &[RuleDef] = &[
    // ---- AWS
    raw(
        "aws-access-key-id",
        "AWS access key ID",
        Critical,
        &["akia", "asia", "abia", "acca"],
        r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        "aws_access_key_id = AKIA$[B:16]",
    ),
    ctx(
        "aws-secret-access-key",
        "AWS secret access key",
        Critical,
        &[
            "secret_access",
            "secretaccess",
            "secret-access",
            "aws_secret",
            "aws-secret",
            "awssecret",
        ],
        r"(?:aws[_.-]?)?secret[_.-]?access[_.-]?key|aws[_.-]?secret(?:[_.-]?key)?",
        r"[A-Za-z0-9/+]{40}",
        "aws_secret_access_key = $[b:40]",
    )
    .ent(3.5),
    ctx(
        "aws-session-token",
        "AWS session token",
        Critical,
        &[
            "session_token",
            "sessiontoken",
            "session-token",
            "security_token",
            "securitytoken",
        ],
        r"aws[_.-]?session[_.-]?token|(?:aws[_.-]?)?security[_.-]?token|sessiontoken",
        r"[A-Za-z0-9/+=]{100,1500}",
        "AWS_SESSION_TOKEN=\"FwoGZXIvYXdzE$[b:220]\"",
    )
    .ent(4.0),
    raw(
        "aws-mws-key",
        "Amazon MWS auth token",
        High,
        &["amzn.mws."],
        r"\b(amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        "mws_auth_token: amzn.mws.$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    ),
    raw(
        "aws-bedrock-api-key",
        "Amazon Bedrock API key (long-term)",
        Critical,
        &["absk"],
        r"\b(ABSK[A-Za-z0-9+/]{109,269}={0,2})%E",
        "AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS0$[b:120]",
    )
    .ent(3.5)
    .doc(
        "A long-term Amazon Bedrock API key is `ABSK` followed by standard base64 (it encodes \
         `BedrockAPIKey-…`), 113 to 273 characters in all; the SDKs read it from \
         `AWS_BEARER_TOKEN_BEDROCK` (AWS, *Amazon Bedrock User Guide*, \"How Amazon Bedrock API keys work\", \
         docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html). The prefix and the length \
         bound make it specific without a key name; the entropy floor drops `ABSK` followed by repeated \
         filler.",
    ),
    raw(
        "aws-bedrock-short-term-api-key",
        "Amazon Bedrock API key (short-term)",
        High,
        &["bedrock-api-key-"],
        r"\b(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{20,4000}={0,2})",
        "AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t$[b:400]",
    )
    .ent(3.5)
    .doc(
        "A short-term Amazon Bedrock API key is `bedrock-api-key-` followed by the base64 of a presigned \
         `bedrock.amazonaws.com/?Action=CallWithBearerToken&…` URL, so it always continues with \
         `YmVkcm9jay5hbWF6b25hd3MuY29t` (base64 of `bedrock.amazonaws.com`) (AWS, \"Generate Amazon Bedrock \
         API keys\", docs.aws.amazon.com/bedrock/latest/userguide/api-keys-generate.html; \
         aws/aws-bedrock-token-generator-js `src/token.ts`). The presigned part must follow: the bare \
         prefix in documentation is not a key.",
    ),
    raw(
        "google-chat-webhook-url",
        "Google Chat webhook URL",
        Medium,
        &["chat.googleapis.com"],
        r"(https://chat\.googleapis\.com/v1/spaces/[A-Za-z0-9_\-]{8,}/messages\?key=[A-Za-z0-9_\-]{39}&token=[A-Za-z0-9_\-%=]{40,})",
        "WEBHOOK=https://chat.googleapis.com/v1/spaces/AAAA$[u:7]/messages?key=AIza$[u:35]&token=$[u:43]%3D",
    ),
    // ---- Google Cloud
    raw(
        "gcp-service-account-private-key",
        "GCP service account private key",
        Critical,
        &["private_key"],
        r#""private_key"\s*:\s*"(-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\n|\s)+[A-Za-z0-9+/=]{40,64})"#,
        r#"  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEv$[b:59]\n$[b:64]\n-----END PRIVATE KEY-----\n","#,
    ),
    raw(
        "gcp-api-key",
        "Google API key",
        High,
        &["aiza"],
        r"\b(AIza[0-9A-Za-z_\-]{35})%E",
        "GOOGLE_API_KEY=AIza$[u:35]",
    ),
    raw(
        "gcp-oauth-client-secret",
        "Google OAuth client secret",
        High,
        &["gocspx-"],
        r"\b(GOCSPX-[A-Za-z0-9_\-]{28})%E",
        "\"client_secret\": \"GOCSPX-$[u:28]\"",
    ),
    raw(
        "gcp-oauth-access-token",
        "Google OAuth access token",
        High,
        &["ya29."],
        r"\b(ya29\.[0-9A-Za-z_\-]{30,300})%E",
        "Authorization token ya29.a0$[u:120]",
    ),
    raw(
        "firebase-cloud-messaging-key",
        "Firebase Cloud Messaging server key",
        High,
        &["apa91b"],
        r"\b(AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{134})%E",
        "fcm_server_key = AAAA$[u:7]:APA91b$[u:134]",
    ),
    // ---- Azure
    raw(
        "azure-storage-account-key",
        "Azure storage account key (connection string)",
        Critical,
        &["accountkey="],
        r"(?i:AccountKey)=([A-Za-z0-9+/]{86}==)",
        "DefaultEndpointsProtocol=https;AccountName=$[a:12];AccountKey=$[b:86]==;EndpointSuffix=core.windows.net",
    ),
    ctx(
        "azure-storage-key",
        "Azure storage key",
        Critical,
        &["azure_storage", "azurestorage", "azure-storage"],
        r"azure[_.-]?storage[_.-]?(?:account[_.-]?)?(?:access[_.-]?)?key",
        r"[A-Za-z0-9+/]{86}==",
        "AZURE_STORAGE_KEY=\"$[b:86]==\"",
    ),
    raw(
        "azure-sas-token",
        "Azure shared access signature",
        High,
        &["sv=20"],
        r"\bsv=20\d\d-\d\d-\d\d&[^\s'\x22<>]{0,300}?\bsig=([A-Za-z0-9%/+]{40,64}(?:%3D|=))",
        "https://$[a:10].blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&spr=https&sig=$[n:43]%3D",
    ),
    raw(
        "azure-ad-client-secret",
        "Azure AD client secret",
        High,
        &["q~"],
        r"(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|\.(?:[^A-Za-z0-9_~.\-]|$)|$)",
        "AZURE_CLIENT_SECRET=$[n:3]8Q~$[n:34]",
    )
    .doc(
        "Entra ID (Azure AD) client secrets are three characters, a digit, `Q~`, then 31 to 34 characters of \
         `[A-Za-z0-9_~.-]` (Microsoft, \"Add and manage application credentials\", \
         learn.microsoft.com/entra/identity-platform/how-to-add-credentials). Because `~` and `.` belong to \
         the secret's alphabet, they are not accepted as its boundaries either: a Freenet `USK@…,4~q8Q~…~yk0` \
         key has a `Q~` run that would otherwise end at the next `~`. A sentence's final `.` still ends it.",
    ),
    ctx(
        "azure-devops-pat",
        "Azure DevOps personal access token",
        High,
        &["devops", "ado_", "ado-", "vsts"],
        r"(?:azure[_.-]?devops|ado|vsts)[_.-]?(?:pat|token)",
        r"[a-z2-7]{52}",
        "AZURE_DEVOPS_PAT=$[c:52]",
    )
    .ent(3.5),
    // ---- Alibaba, DigitalOcean, IBM, Yandex, Tencent, other clouds
    raw(
        "alibaba-access-key-id",
        "Alibaba Cloud AccessKey ID",
        High,
        &["ltai"],
        r"\b(LTAI[A-Za-z0-9]{12,20})\b",
        "ALIBABA_ACCESS_KEY_ID=LTAI$[n:20]",
    ),
    ctx(
        "alibaba-secret-key",
        "Alibaba Cloud AccessKey secret",
        High,
        &["alibaba", "aliyun", "alicloud"],
        r"(?:alibaba|aliyun|alicloud)[\w.\-]{0,20}secret",
        r"[A-Za-z0-9]{30}",
        "aliyun_access_key_secret = \"$[n:30]\"",
    ),
    raw(
        "digitalocean-pat",
        "DigitalOcean personal access token",
        Critical,
        &["dop_v1_"],
        r"\b(dop_v1_[a-f0-9]{64})\b",
        "DIGITALOCEAN_TOKEN=dop_v1_$[x:64]",
    ),
    raw(
        "digitalocean-oauth-token",
        "DigitalOcean OAuth token",
        High,
        &["doo_v1_"],
        r"\b(doo_v1_[a-f0-9]{64})\b",
        "token: doo_v1_$[x:64]",
    ),
    raw(
        "digitalocean-refresh-token",
        "DigitalOcean refresh token",
        High,
        &["dor_v1_"],
        r"\b(dor_v1_[a-f0-9]{64})\b",
        "refresh: dor_v1_$[x:64]",
    ),
    ctx(
        "ibm-cloud-api-key",
        "IBM Cloud API key",
        High,
        &["ibm"],
        r"ibm[_.-]?(?:cloud[_.-]?)?api[_.-]?key",
        r"[A-Za-z0-9_\-]{44}",
        "IBMCLOUD_API_KEY=$[u:44]",
    )
    .ent(3.5),
    raw(
        "yandex-api-key",
        "Yandex Cloud API key",
        High,
        &["aqvn"],
        r"\b(AQVN[A-Za-z0-9_\-]{35,38})%E",
        "yc_api_key: AQVN$[u:36]",
    ),
    ctx(
        "yandex-access-key",
        "Yandex Cloud static access key",
        High,
        &["yandex", "yc_", "yc.", "yc-", "yctoken", "ycsecret", "yckey", "ycaccess"],
        r"yandex|\b(?-i:yc|Yc|YC)(?:[_.\-]|(?-i:[A-Z]))",
        r"YC[A-Za-z0-9_\-]{38}",
        "yandex_secret_key = YC$[u:38]",
    )
    .doc(
        "Yandex Cloud static access key secrets are `YC` and 38 base64url characters (Yandex Cloud, \
         \"Static access keys\", yandex.cloud/en/docs/iam/concepts/authorization/access-key), assigned to a \
         `yandex…` or `YC_…` name (the `yc` CLI's variables, `YC_TOKEN`).",
    ),
    raw(
        "yandex-iam-token",
        "Yandex IAM token",
        High,
        &["t1."],
        r"\b(t1\.[A-Za-z0-9_\-]{40,}={0,2}\.[A-Za-z0-9_\-]{86}={0,2})%E",
        "iam: t1.9euelZ$[u:60].$[u:86]",
    ),
    ctx(
        "tencent-secret-key",
        "Tencent Cloud secret key",
        High,
        &["tencent"],
        r"tencent[\w.\-]{0,20}(?:secret|key)",
        r"[A-Za-z0-9]{32}",
        "TENCENTCLOUD_SECRET_KEY=$[n:32]",
    )
    .ent(3.5),
    raw(
        "tencent-secret-id",
        "Tencent Cloud SecretId",
        Medium,
        &["akid"],
        r"\b(AKID[A-Za-z0-9]{32})\b",
        "secret_id = AKID$[n:32]",
    ),
    ctx(
        "heroku-api-key",
        "Heroku API key",
        High,
        &["heroku"],
        r"heroku[\w.\-]{0,20}",
        UUID,
        "HEROKU_API_KEY=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    raw(
        "heroku-api-key-v2",
        "Heroku API key (HRKU)",
        High,
        &["hrku-"],
        r"\b(HRKU-[A-Za-z0-9_\-]{60})%E",
        "HEROKU_API_KEY=HRKU-$[u:60]",
    ),
    raw(
        "heroku-netrc-api-key",
        "Heroku API key in a .netrc file",
        High,
        &["heroku.com"],
        r"\bmachine\s+(?:api|git)\.heroku\.com\s+login\s+\S+\s+password\s+((?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|HRKU-[A-Za-z0-9_\-]{60}))%E",
        "machine api.heroku.com\n  login ops@example.org\n  password $[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    )
    .doc(
        "`heroku login` stores the account's API key as the password of `machine api.heroku.com` (and \
         `git.heroku.com`) in `~/.netrc` (Heroku Dev Center, \"Heroku CLI Authentication\", \
         devcenter.heroku.com/articles/authentication). The key is a UUID or an `HRKU-` token; a UUID is \
         an ID anywhere else, hence this rule instead of the generic `.netrc` one.",
    ),
    ctx(
        "cloudflare-api-token",
        "Cloudflare API token",
        High,
        &["cloudflare"],
        r"cloudflare[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9_\-]{40}",
        "CLOUDFLARE_API_TOKEN=$[u:40]",
    )
    .ent(3.5),
    ctx(
        "cloudflare-global-api-key",
        "Cloudflare global API key",
        High,
        &["cloudflare", "cf_api_key"],
        r"(?:cloudflare|cf)[\w.\-]{0,20}key",
        r"[a-f0-9]{37}",
        "CF_API_KEY=$[x:37]",
    ),
    raw(
        "cloudflare-origin-ca-key",
        "Cloudflare Origin CA key",
        High,
        &["v1.0-"],
        r"\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b",
        "origin_ca_key = v1.0-$[x:24]-$[x:146]",
    ),
    raw(
        "flyio-access-token",
        "Fly.io access token",
        High,
        &["fo1_", "fm1", "fm2_"],
        r"%B((?:fo1_[A-Za-z0-9_\-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3}))%E",
        "FLY_API_TOKEN=fo1_$[u:43]",
    ),
    ctx(
        "vercel-token",
        "Vercel access token",
        High,
        &["vercel"],
        r"vercel[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9]{24}",
        "VERCEL_TOKEN=$[n:24]",
    )
    .ent(3.5),
    ctx(
        "netlify-access-token",
        "Netlify access token",
        High,
        &["netlify"],
        r"netlify[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9_\-]{40,46}",
        "NETLIFY_AUTH_TOKEN=$[u:43]",
    )
    .ent(3.5),
    raw(
        "netlify-pat",
        "Netlify personal access token (nfp)",
        High,
        &["nfp_"],
        r"\b(nfp_[A-Za-z0-9]{36})\b",
        "token = nfp_$[n:36]",
    ),
    ctx(
        "linode-token",
        "Linode (Akamai) API token",
        High,
        &["linode"],
        r"linode[\w.\-]{0,20}(?:token|key)",
        r"[a-f0-9]{64}",
        "LINODE_TOKEN=$[x:64]",
    ),
    ctx(
        "scaleway-secret-key",
        "Scaleway secret key",
        High,
        &["scw_secret", "scwsecret", "scw-secret", "scw.secret", "scaleway"],
        r"(?:scw|scaleway)[_.-]?secret[_.-]?key",
        UUID,
        "SCW_SECRET_KEY=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    raw(
        "akamai-client-token",
        "Akamai EdgeGrid client token",
        High,
        &["akab-"],
        r"\b(akab-[a-z0-9]{16}-[a-z0-9]{16})\b",
        "client_token = akab-$[a:16]-$[a:16]",
    ),
    // ---- GitHub
    raw(
        "github-pat",
        "GitHub personal access token (classic)",
        Critical,
        &["ghp_"],
        r"\b(ghp_[A-Za-z0-9]{36})\b",
        "GITHUB_TOKEN=ghp_$[n:36]",
    )
    .ent(3.0),
    raw(
        "github-fine-grained-pat",
        "GitHub fine-grained personal access token",
        Critical,
        &["github_pat_"],
        r"\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b",
        "token: github_pat_$[n:22]_$[n:59]",
    )
    .ent(3.0),
    raw(
        "github-oauth-token",
        "GitHub OAuth access token",
        Critical,
        &["gho_"],
        r"\b(gho_[A-Za-z0-9]{36})\b",
        "oauth_token: gho_$[n:36]",
    )
    .ent(3.0),
    raw(
        "github-app-token",
        "GitHub App token",
        Critical,
        &["ghu_", "ghs_"],
        r"\b((?:ghu|ghs)_[A-Za-z0-9]{36})\b",
        "installation_token = \"ghs_$[n:36]\"",
    )
    .ent(3.0),
    raw(
        "github-refresh-token",
        "GitHub refresh token",
        Critical,
        &["ghr_"],
        r"\b(ghr_[A-Za-z0-9]{36,76})\b",
        "refresh_token: ghr_$[n:76]",
    )
    .ent(3.0),
    // ---- GitLab
    raw(
        "gitlab-pat",
        "GitLab personal access token",
        Critical,
        &["glpat-"],
        r"%B(glpat-[A-Za-z0-9_\-]{20}(?:[A-Za-z0-9_\-]{7,300}\.[0-9a-z]{2}\.[0-9a-z]{9})?)%E",
        "GITLAB_TOKEN=glpat-$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-runner-registration-token",
        "GitLab runner registration token",
        High,
        &["gr1348941"],
        r"\b(GR1348941[A-Za-z0-9_\-]{20})%E",
        "registration-token: GR1348941$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-runner-auth-token",
        "GitLab runner authentication token",
        High,
        &["glrt-"],
        r"%B(glrt-[A-Za-z0-9_\-]{20,}(?:\.[0-9a-z]{9})?)%E",
        "token = \"glrt-$[u:20]\"",
    )
    .ent(3.0)
    .doc(
        "Runner authentication tokens are `glrt-` and at least 20 characters of `[A-Za-z0-9_-]`; routable \
         ones (GitLab 16.x+) are `glrt-t<digit>_…` with a `.` and a 9-character suffix (GitLab, \"Token \
         overview\", docs.gitlab.com/security/tokens/). Like every GitHub and GitLab token rule, it needs a \
         Shannon entropy of 3 bits per character over the whole token: look-alikes such as \
         `GR134894112312312312312312312` or `glrt-` followed by one repeated letter are not random.",
    ),
    raw(
        "gitlab-deploy-token",
        "GitLab deploy token",
        High,
        &["gldt-"],
        r"%B(gldt-[A-Za-z0-9_\-]{20})%E",
        "CI_DEPLOY_PASSWORD=gldt-$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-pipeline-trigger-token",
        "GitLab pipeline trigger token",
        High,
        &["glptt-"],
        r"%B(glptt-[a-f0-9]{40})%E",
        "TRIGGER_TOKEN=glptt-$[x:40]",
    )
    .ent(3.0),
    raw(
        "gitlab-cicd-job-token",
        "GitLab CI/CD job token",
        High,
        &["glcbt-"],
        r"%B(glcbt-[a-f0-9]{1,5}_[A-Za-z0-9_\-]{20})%E",
        "job_token: glcbt-$[x:2]_$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-feed-token",
        "GitLab feed token",
        Medium,
        &["glft-"],
        r"%B(glft-[A-Za-z0-9_\-]{20})%E",
        "feed_token=glft-$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-incoming-mail-token",
        "GitLab incoming mail token",
        Medium,
        &["glimt-"],
        r"%B(glimt-[a-z0-9]{25})%E",
        "incoming_email_token: glimt-$[a:25]",
    )
    .ent(3.0),
    raw(
        "gitlab-oauth-app-secret",
        "GitLab OAuth application secret",
        High,
        &["gloas-"],
        r"%B(gloas-[A-Za-z0-9_\-]{64})%E",
        "app_secret: gloas-$[x:64]",
    )
    .ent(3.0),
    raw(
        "gitlab-scim-token",
        "GitLab SCIM token",
        High,
        &["glsoat-"],
        r"%B(glsoat-[A-Za-z0-9_\-]{20})%E",
        "scim = glsoat-$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-feature-flag-token",
        "GitLab feature flag client token",
        Medium,
        &["glffct-"],
        r"%B(glffct-[A-Za-z0-9_\-]{20})%E",
        "UNLEASH_TOKEN=glffct-$[u:20]",
    )
    .ent(3.0),
    raw(
        "gitlab-agent-token",
        "GitLab Kubernetes agent token",
        High,
        &["glagent-"],
        r"%B(glagent-[A-Za-z0-9_\-]{50})%E",
        "agent_token: glagent-$[u:50]",
    )
    .ent(3.0),
    // ---- Atlassian / Bitbucket
    raw(
        "atlassian-api-token",
        "Atlassian API token",
        High,
        &["atatt3"],
        r"\b(ATATT3[A-Za-z0-9_\-=]{186})%E",
        "JIRA_API_TOKEN=ATATT3xFfGF0$[n:171]=$[X:8]",
    ),
    raw(
        "bitbucket-app-password",
        "Bitbucket app password",
        High,
        &["atbb"],
        r"\b(ATBB[A-Za-z0-9]{28}[A-F0-9]{8})\b",
        "BITBUCKET_APP_PASSWORD=ATBB$[n:28]$[X:8]",
    ),
    raw(
        "bitbucket-access-token",
        "Bitbucket repository/workspace access token",
        High,
        &["atctt3"],
        r"\b(ATCTT3[A-Za-z0-9_\-=]{186})%E",
        "BITBUCKET_TOKEN=ATCTT3xFfGN0$[n:171]=$[X:8]",
    ),
    ctx(
        "bitbucket-client-secret",
        "Bitbucket OAuth client secret",
        High,
        &["bitbucket"],
        r"bitbucket[\w.\-]{0,20}secret",
        r"[A-Za-z0-9_\-]{32,64}",
        "BITBUCKET_CLIENT_SECRET=$[n:32]",
    )
    .ent(3.5),
    ctx(
        "jira-api-token-legacy",
        "Jira/Confluence API token (legacy)",
        High,
        &["jira", "confluence"],
        r"(?:jira|confluence)[\w.\-]{0,20}token",
        r"[A-Za-z0-9]{24}",
        "JIRA_TOKEN=$[n:24]",
    )
    .ent(3.5),
    // ---- CI/CD and developer platforms
    raw(
        "circleci-pat",
        "CircleCI personal API token",
        High,
        &["ccipat_"],
        r"\b(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\b",
        "CIRCLE_TOKEN=CCIPAT_$[n:22]_$[x:40]",
    ),
    ctx(
        "circleci-token",
        "CircleCI API token",
        High,
        &["circle"],
        r"circle[\w.\-]{0,20}token",
        r"[a-f0-9]{40}",
        "CIRCLECI_TOKEN=$[x:40]",
    ),
    ctx(
        "travisci-token",
        "Travis CI token",
        Medium,
        &["travis"],
        r"travis[\w.\-]{0,20}token",
        r"[A-Za-z0-9_\-]{22}",
        "TRAVIS_TOKEN=$[n:22]",
    )
    .ent(3.5),
    raw(
        "buildkite-token",
        "Buildkite user token",
        High,
        &["bkua_"],
        r"\b(bkua_[a-f0-9]{40})\b",
        "BUILDKITE_API_TOKEN=bkua_$[x:40]",
    ),
    raw(
        "sonarqube-token",
        "SonarQube token",
        High,
        &["sqp_", "squ_", "sqa_"],
        r"\b(sq[pua]_[a-f0-9]{40})\b",
        "SONAR_TOKEN=squ_$[x:40]",
    ),
    ctx(
        "snyk-token",
        "Snyk API token",
        High,
        &["snyk"],
        r"snyk[\w.\-]{0,20}(?:token|key)",
        UUID,
        "SNYK_TOKEN=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    raw(
        "jfrog-api-key",
        "JFrog Artifactory API key",
        High,
        &["akcp"],
        r"\b(AKCp[A-Za-z0-9]{69})\b",
        "ARTIFACTORY_API_KEY=AKCp$[n:69]",
    ),
    raw(
        "jfrog-reference-token",
        "JFrog reference token",
        High,
        &["cmvmdgtuoj"],
        r"\b(cmVmdGtuOj[A-Za-z0-9]{54,})\b",
        "ARTIFACTORY_TOKEN=cmVmdGtuOjAxOjE3$[n:48]",
    ),
    raw(
        "harness-pat",
        "Harness API token",
        High,
        &["pat.", "sat."],
        r"\b((?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20})\b",
        "HARNESS_API_KEY=pat.$[u:22].$[x:24].$[n:20]",
    ),
    raw(
        "octopus-deploy-api-key",
        "Octopus Deploy API key",
        High,
        &["api-"],
        r"\b(API-[A-Z0-9]{26})\b",
        "OCTOPUS_API_KEY=API-$[A:26]",
    ),
    raw(
        "terraform-cloud-token",
        "Terraform Cloud / Enterprise API token",
        High,
        &["atlasv1"],
        r"\b([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70})%E",
        "TFE_TOKEN=$[n:14].atlasv1.$[u:67]",
    ),
    raw(
        "vault-service-token",
        "HashiCorp Vault service token",
        Critical,
        &["hvs."],
        r"\b(hvs\.[A-Za-z0-9_\-]{90,120})%E",
        "VAULT_TOKEN=hvs.CAESI$[u:90]",
    ),
    raw(
        "vault-batch-token",
        "HashiCorp Vault batch token",
        High,
        &["hvb."],
        r"\b(hvb\.[A-Za-z0-9_\-]{138,300})%E",
        "VAULT_TOKEN=hvb.AAAAAQ$[u:140]",
    ),
    ctx(
        "vault-legacy-token",
        "HashiCorp Vault token (legacy)",
        High,
        &["vault"],
        r"vault[\w.\-]{0,20}token",
        r"s\.[A-Za-z0-9]{24}",
        "VAULT_TOKEN=s.$[n:24]",
    ),
    raw(
        "pulumi-access-token",
        "Pulumi access token",
        High,
        &["pul-"],
        r"\b(pul-[a-f0-9]{40})\b",
        "PULUMI_ACCESS_TOKEN=pul-$[x:40]",
    ),
    raw(
        "doppler-token",
        "Doppler token",
        High,
        &[
            "dp.pt.",
            "dp.st.",
            "dp.ct.",
            "dp.sa.",
            "dp.scim.",
            "dp.audit.",
        ],
        r"\b(dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9_\-]{40,44})%E",
        "DOPPLER_TOKEN=dp.pt.$[n:43]",
    ),
    raw(
        "prefect-api-key",
        "Prefect API key",
        High,
        &["pnu_"],
        r"\b(pnu_[A-Za-z0-9]{36})\b",
        "PREFECT_API_KEY=pnu_$[n:36]",
    ),
    raw(
        "postman-api-key",
        "Postman API key",
        High,
        &["pmak-"],
        r"\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b",
        "POSTMAN_API_KEY=PMAK-$[x:24]-$[x:34]",
    ),
    raw(
        "readme-api-key",
        "ReadMe API key",
        Medium,
        &["rdme_"],
        r"\b(rdme_[a-z0-9]{70})\b",
        "README_API_KEY=rdme_$[a:70]",
    ),
    raw(
        "linear-api-key",
        "Linear API key",
        High,
        &["lin_api_"],
        r"\b(lin_api_[A-Za-z0-9]{40})\b",
        "LINEAR_API_KEY=lin_api_$[n:40]",
    ),
    raw(
        "linear-oauth-secret",
        "Linear OAuth token",
        High,
        &["lin_oauth_"],
        r"\b(lin_oauth_[a-f0-9]{64})\b",
        "token: lin_oauth_$[x:64]",
    ),
    raw(
        "figma-pat",
        "Figma personal access token",
        High,
        &["figd_"],
        r"\b(figd_[A-Za-z0-9_\-]{40})%E",
        "FIGMA_TOKEN=figd_$[u:40]",
    ),
    raw(
        "notion-token",
        "Notion integration token",
        High,
        &["ntn_", "secret_"],
        r"\b(ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b",
        "NOTION_TOKEN=ntn_$[d:11]$[n:35]",
    ),
    raw(
        "planetscale-token",
        "PlanetScale token or password",
        High,
        &["pscale_"],
        r"\b(pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.\-]{32,64})%E",
        "DATABASE_PASSWORD=pscale_pw_$[u:43]",
    ),
    raw(
        "supabase-token",
        "Supabase personal access token",
        High,
        &["sbp_"],
        r"\b(sbp_[a-f0-9]{40})\b",
        "SUPABASE_ACCESS_TOKEN=sbp_$[x:40]",
    ),
    raw(
        "render-api-key",
        "Render API key",
        High,
        &["rnd_"],
        r"\b(rnd_[A-Za-z0-9]{32})\b",
        "RENDER_API_KEY=rnd_$[n:32]",
    ),
    raw(
        "tailscale-key",
        "Tailscale key",
        High,
        &["tskey-"],
        r"\b(tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{10,}-[A-Za-z0-9]{20,})\b",
        "TS_AUTHKEY=tskey-auth-$[n:17]-$[n:33]",
    ),
    ctx(
        "ngrok-authtoken",
        "ngrok auth token",
        Medium,
        &["ngrok"],
        r"ngrok[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9]{25,27}_[A-Za-z0-9]{20,22}",
        "NGROK_AUTHTOKEN=2$[n:26]_$[n:21]",
    ),
    raw(
        "infracost-api-key",
        "Infracost API key",
        Medium,
        &["ico-"],
        r"%P(ico-[A-Za-z0-9]{32})\b(?:[^.]|\.[^A-Za-z]|$)",
        "INFRACOST_API_KEY=ico-$[n:32]",
    )
    .ent(3.0)
    .doc(
        "`ico-` followed by 32 letters and digits (Infracost, \"Authentication\", \
         infracost.io/docs/integrations/environment_variables, `INFRACOST_API_KEY`). `ico` is also a file \
         extension: a token right after `.` or `/`, or followed by `.` and a letter, is the tail of a file \
         name (`video_box.ico-7a38….png`), not a key.",
    ),
    raw(
        "scalingo-token",
        "Scalingo API token",
        High,
        &["tk-us-"],
        r"\b(tk-us-[A-Za-z0-9_\-]{48})%E",
        "SCALINGO_API_TOKEN=tk-us-$[u:48]",
    ),
    raw(
        "launchdarkly-access-token",
        "LaunchDarkly access token",
        High,
        &["api-", "sdk-", "mob-"],
        r"\b((?:api|sdk|mob)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\b",
        "LD_ACCESS_TOKEN=api-$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    )
    .doc(
        "LaunchDarkly API access tokens (`api-`), server-side SDK keys (`sdk-`) and mobile keys (`mob-`) \
         are the prefix and a UUID (LaunchDarkly, \"Keys\", launchdarkly.com/docs/home/account/\
         environment/keys). Client-side IDs are bare hex and public.",
    ),
    ctx(
        "codecov-token",
        "Codecov upload token",
        Medium,
        &["codecov"],
        r"codecov[\w.\-]{0,20}token",
        UUID,
        "CODECOV_TOKEN=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    // ---- Package registries
    raw(
        "npm-access-token",
        "npm access token",
        Critical,
        &["npm_"],
        r"\b(npm_[A-Za-z0-9]{36})\b",
        "NPM_TOKEN=npm_$[n:36]",
    ),
    raw(
        "npmrc-auth-token",
        "npm registry auth token in .npmrc",
        High,
        &["_authtoken"],
        r":_(?:authToken|auth|password)\s*=\s*([A-Za-z0-9_\-+/.=]{20,})",
        "//registry.npmjs.org/:_authToken=$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    )
    .ent(3.0),
    raw(
        "pypi-token",
        "PyPI upload token",
        Critical,
        &["pypi-ageichlwas5vcmc", "pypi-agendgvzdc5wexbplm9yzw"],
        r"\b(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,})%E",
        "password = pypi-AgEIcHlwaS5vcmc$[u:140]",
    ),
    raw(
        "rubygems-api-key",
        "RubyGems API key",
        High,
        &["rubygems_"],
        r"\b(rubygems_[a-f0-9]{48})\b",
        "GEM_HOST_API_KEY=rubygems_$[x:48]",
    ),
    raw(
        "nuget-api-key",
        "NuGet API key",
        High,
        &["oy2"],
        r"\b(oy2[a-z0-9]{43})\b",
        "NUGET_API_KEY=oy2$[a:43]",
    ),
    raw(
        "clojars-token",
        "Clojars deploy token",
        High,
        &["clojars_"],
        r"\b(CLOJARS_[a-z0-9]{60})\b",
        "CLOJARS_PASSWORD=CLOJARS_$[a:60]",
    ),
    ctx(
        "crates-io-token",
        "crates.io API token",
        High,
        &["cio"],
        r"(?:cargo|crates)[\w.\-]{0,20}token",
        r"cio[A-Za-z0-9]{32}",
        "CARGO_REGISTRY_TOKEN=cio$[n:32]",
    ),
    raw(
        "docker-hub-pat",
        "Docker Hub personal access token",
        High,
        &["dckr_pat_"],
        r"\b(dckr_pat_[A-Za-z0-9_\-]{27})%E",
        "DOCKERHUB_TOKEN=dckr_pat_$[u:27]",
    ),
    raw(
        "docker-hub-org-token",
        "Docker Hub organization access token",
        High,
        &["dckr_oat_"],
        r"\b(dckr_oat_[A-Za-z0-9_\-]{32})%E",
        "DOCKER_ORG_TOKEN=dckr_oat_$[u:32]",
    ),
    raw(
        "docker-config-auth",
        "Registry credentials in a Docker config",
        High,
        &["\"auth\""],
        r#""auth"\s*:\s*"([A-Za-z0-9+/]{12,}={0,2})""#,
        r#"    "https://index.docker.io/v1/": { "auth": "$[basic]" }"#,
    )
    .check(Check::BasicAuth),
    // ---- Chat
    raw(
        "slack-bot-token",
        "Slack bot token",
        High,
        &["xoxb-"],
        r"\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24})\b",
        "SLACK_BOT_TOKEN=xoxb-$[d:12]-$[d:13]-$[n:24]",
    ),
    raw(
        "slack-user-token",
        "Slack user token",
        High,
        &["xoxp-"],
        r"\b(xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32})\b",
        "SLACK_USER_TOKEN=xoxp-$[d:12]-$[d:12]-$[d:13]-$[x:32]",
    ),
    raw(
        "slack-app-token",
        "Slack app-level token",
        High,
        &["xapp-"],
        r"\b(xapp-\d-[A-Z0-9]{9,12}-\d{10,13}-[a-f0-9]{64})\b",
        "SLACK_APP_TOKEN=xapp-1-A$[A:10]-$[d:13]-$[x:64]",
    ),
    raw(
        "slack-config-token",
        "Slack configuration token",
        High,
        &["xoxe."],
        r"\b(xoxe\.xox[bp]-\d-[A-Za-z0-9]{163,166})\b",
        "config_token: xoxe.xoxp-1-$[n:164]",
    )
    .ent(3.5)
    .doc(
        "App configuration access tokens are `xoxe.xoxp-1-` or `xoxe.xoxb-1-` followed by 163 to 166 \
         letters and digits in both cases (Slack, \"Configuration tokens\", \
         api.slack.com/authentication/config-tokens; issued tokens are base64 text such as `Mi0yLTM0…`). \
         Earlier versions accepted only upper case and missed every real token.",
    ),
    raw(
        "slack-config-refresh-token",
        "Slack configuration refresh token",
        High,
        &["xoxe-"],
        r"\b(xoxe-\d-[A-Za-z0-9]{140,160})\b",
        "SLACK_CONFIG_REFRESH_TOKEN=xoxe-1-$[n:146]",
    )
    .ent(3.5)
    .doc(
        "The refresh token that comes with an app configuration token is `xoxe-1-` followed by about 146 \
         letters and digits (Slack, \"Configuration tokens\", api.slack.com/authentication/config-tokens, \
         `tooling.tokens.rotate`). The length window (140–160) and the entropy floor keep short \
         `xoxe-1-xxx` placeholders and words out.",
    ),
    raw(
        "slack-legacy-token",
        "Slack legacy token",
        High,
        &["xoxo-", "xoxs-", "xoxa-", "xoxr-"],
        r"\b(xox[osar]-(?:\d+-){1,3}[A-Za-z0-9]{8,64})\b",
        "SLACK_TOKEN=xoxs-$[d:11]-$[d:11]-$[d:12]-$[x:64]",
    ),
    raw(
        "slack-webhook-url",
        "Slack incoming webhook URL",
        High,
        &["hooks.slack.com"],
        r"(https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{8,}/[A-Za-z0-9+/]{8,}/[A-Za-z0-9+/]{20,})",
        "SLACK_WEBHOOK=https://hooks.slack.com/services/T$[A:10]/B$[A:10]/$[n:24]",
    ),
    raw(
        "discord-webhook-url",
        "Discord webhook URL",
        High,
        &["discord"],
        r"(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})",
        "DISCORD_WEBHOOK=https://discord.com/api/webhooks/$[d:19]/$[u:68]",
    ),
    ctx(
        "discord-bot-token",
        "Discord bot token",
        High,
        &["discord"],
        r"discord[\w.\-]{0,20}(?:token|secret)",
        r"[MNO][A-Za-z0-9]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}",
        "DISCORD_BOT_TOKEN=M$[n:25].$[u:6].$[u:38]",
    )
    .doc(
        "A Discord bot token is the base64 of the bot's user ID, a timestamp and an HMAC, joined by `.` \
         (Discord Developer Portal, \"Authentication\", discord.com/developers/docs/reference#authentication). \
         The ID is a decimal snowflake, so its base64 starts with `M`, `N` or `O` (the first byte is a digit \
         `1`–`9`); IDs issued since 2021 start with `O`.",
    ),
    raw(
        "telegram-bot-token",
        "Telegram bot token",
        High,
        &[":aa"],
        r"%B([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})%E",
        "TELEGRAM_BOT_TOKEN=$[d:10]:AA$[u:33]",
    ),
    raw(
        "teams-webhook-url",
        "Microsoft Teams incoming webhook URL",
        Medium,
        &["webhook.office.com"],
        r"(https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-f0-9\-]{36}@[a-f0-9\-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9\-]{36})",
        "url: https://$[a:8].webhook.office.com/webhookb2/$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]@$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]/IncomingWebhook/$[x:32]/$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    ),
    ctx(
        "mattermost-token",
        "Mattermost access token",
        Medium,
        &["mattermost"],
        r"mattermost[\w.\-]{0,20}token",
        r"[a-z0-9]{26}",
        "MATTERMOST_TOKEN=$[a:26]",
    ),
    ctx(
        "twitch-api-token",
        "Twitch API token",
        Medium,
        &["twitch"],
        r"twitch[\w.\-]{0,20}(?:token|secret)",
        r"[a-z0-9]{30}",
        "TWITCH_CLIENT_SECRET=$[a:30]",
    ),
    // ---- Payments
    raw(
        "stripe-secret-key",
        "Stripe live secret key",
        Critical,
        &["sk_live_"],
        r"\b(sk_live_[A-Za-z0-9]{24,99})\b",
        "STRIPE_SECRET_KEY=sk_live_$[n:99]",
    ),
    raw(
        "stripe-test-secret-key",
        "Stripe test secret key",
        Low,
        &["sk_test_"],
        r"\b(sk_test_[A-Za-z0-9]{24,99})\b",
        "stripe.api_key = \"sk_test_$[n:24]\"",
    ),
    raw(
        "stripe-restricted-key",
        "Stripe restricted key",
        High,
        &["rk_live_", "rk_test_"],
        r"\b(rk_(?:live|test)_[A-Za-z0-9]{24,99})\b",
        "STRIPE_KEY=rk_live_$[n:99]",
    ),
    raw(
        "stripe-webhook-secret",
        "Stripe webhook signing secret",
        High,
        &["whsec_"],
        r"\b(whsec_[A-Za-z0-9]{32,64})\b",
        "STRIPE_WEBHOOK_SECRET=whsec_$[n:32]",
    ),
    raw(
        "square-access-token",
        "Square access token",
        High,
        &["eaaa"],
        r"\b(EAAA[A-Za-z0-9_\-]{60})%E",
        "SQUARE_ACCESS_TOKEN=EAAA$[u:60]",
    ),
    raw(
        "square-oauth-secret",
        "Square OAuth secret",
        High,
        &["sq0csp-"],
        r"\b(sq0csp-[A-Za-z0-9_\-]{43})%E",
        "SQUARE_APP_SECRET=sq0csp-$[u:43]",
    ),
    raw(
        "square-legacy-token",
        "Square access token (legacy)",
        High,
        &["sq0atp-"],
        r"\b(sq0atp-[A-Za-z0-9_\-]{22})%E",
        "SQUARE_TOKEN=sq0atp-$[u:22]",
    ),
    raw(
        "braintree-access-token",
        "PayPal Braintree access token",
        Critical,
        &["access_token$"],
        r"\b(access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})\b",
        "BRAINTREE_TOKEN=access_token$production$$[a:16]$$[x:32]",
    ),
    ctx(
        "paypal-client-secret",
        "PayPal client secret",
        High,
        &["paypal"],
        r"paypal[\w.\-]{0,20}secret",
        r"E[A-Za-z0-9_\-]{79}",
        "PAYPAL_CLIENT_SECRET=E$[u:79]",
    ),
    raw(
        "flutterwave-secret-key",
        "Flutterwave secret key",
        High,
        &["flwseck"],
        r"\b(FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)\b",
        "FLW_SECRET_KEY=FLWSECK_TEST-$[x:32]-X",
    ),
    raw(
        "flutterwave-encryption-key",
        "Flutterwave encryption key",
        Medium,
        &["flwseck_test"],
        r"\b(FLWSECK_TEST[a-h0-9]{12})\b",
        "FLW_ENCRYPTION_KEY=FLWSECK_TEST$[x:12]",
    ),
    ctx(
        "gocardless-token",
        "GoCardless access token",
        High,
        &["gocardless"],
        r"gocardless[\w.\-]{0,20}(?:token|key)",
        r"(?:live|sandbox)_[A-Za-z0-9_=\-]{40}",
        "GOCARDLESS_TOKEN=live_$[u:40]",
    ),
    raw(
        "shippo-api-token",
        "Shippo API token",
        High,
        &["shippo_"],
        r"\b(shippo_(?:live|test)_[a-f0-9]{40})\b",
        "SHIPPO_TOKEN=shippo_live_$[x:40]",
    ),
    raw(
        "easypost-api-key",
        "EasyPost API key",
        High,
        &["ezak", "eztk"],
        r"\b(EZ[AT]K[A-Za-z0-9]{54})\b",
        "EASYPOST_API_KEY=EZAK$[n:54]",
    ),
    raw(
        "duffel-api-token",
        "Duffel API token",
        High,
        &["duffel_"],
        r"\b(duffel_(?:test|live)_[A-Za-z0-9_=\-]{43})%E",
        "DUFFEL_TOKEN=duffel_live_$[u:43]",
    ),
    raw(
        "plaid-access-token",
        "Plaid access token",
        High,
        &[
            "access-sandbox-",
            "access-development-",
            "access-production-",
        ],
        r"\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b",
        "PLAID_ACCESS_TOKEN=access-production-$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    ),
    ctx(
        "plaid-secret",
        "Plaid secret",
        High,
        &["plaid"],
        r"plaid[\w.\-]{0,20}secret",
        r"[a-f0-9]{30}",
        "PLAID_SECRET=$[x:30]",
    ),
    ctx(
        "coinbase-api-secret",
        "Coinbase API secret",
        High,
        &["coinbase"],
        r"coinbase[\w.\-]{0,20}(?:secret|key)",
        r"[A-Za-z0-9+/_\-]{64}={0,2}",
        "COINBASE_API_SECRET=$[n:64]",
    )
    .ent(3.5),
    ctx(
        "kraken-private-key",
        "Kraken private API key",
        High,
        &["kraken"],
        r"kraken[\w.\-]{0,20}(?:secret|key)",
        r"[A-Za-z0-9+/\-_]{80,90}={0,2}",
        "KRAKEN_PRIVATE_KEY=$[b:86]==",
    )
    .ent(3.5),
    // ---- Email and messaging
    raw(
        "sendgrid-api-key",
        "SendGrid API key",
        High,
        &["sg."],
        r"\b(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})%E",
        "SENDGRID_API_KEY=SG.$[u:22].$[u:43]",
    ),
    ctx(
        "twilio-auth-token",
        "Twilio auth token",
        High,
        &["twilio"],
        r"twilio[\w.\-]{0,20}(?:token|secret)",
        r"[a-f0-9]{32}",
        "TWILIO_AUTH_TOKEN=$[x:32]",
    ),
    raw(
        "twilio-api-key",
        "Twilio API key SID",
        Medium,
        &[],
        r"\b(SK[0-9a-f]{32})\b",
        "TWILIO_API_KEY=SK$[x:32]",
    ),
    raw(
        "mailgun-api-key",
        "Mailgun private API key",
        High,
        &["key-"],
        r"\b(key-[0-9a-f]{32})\b",
        "MAILGUN_API_KEY=key-$[x:32]",
    ),
    ctx(
        "mailgun-signing-key",
        "Mailgun webhook signing key",
        Medium,
        &["mailgun"],
        r"mailgun[\w.\-]{0,20}",
        r"[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}",
        "MAILGUN_SIGNING_KEY=$[x:32]-$[x:8]-$[x:8]",
    ),
    raw(
        "mailchimp-api-key",
        "Mailchimp API key",
        High,
        &["-us"],
        r"\b([0-9a-f]{32}-us[0-9]{1,2})\b",
        "MAILCHIMP_API_KEY=$[x:32]-us14",
    ),
    raw(
        "sendinblue-api-key",
        "Brevo (Sendinblue) API key",
        High,
        &["xkeysib-", "xsmtpsib-"],
        r"\b(x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16})\b",
        "BREVO_API_KEY=xkeysib-$[x:64]-$[n:16]",
    ),
    raw(
        "mailersend-api-token",
        "MailerSend API token",
        High,
        &["mlsn."],
        r"\b(mlsn\.[a-f0-9]{64})\b",
        "MAILERSEND_API_KEY=mlsn.$[x:64]",
    ),
    ctx(
        "mailjet-secret",
        "Mailjet API secret",
        High,
        &["mailjet"],
        r"mailjet[\w.\-]{0,20}(?:secret|key)",
        r"[a-f0-9]{32}",
        "MAILJET_SECRET_KEY=$[x:32]",
    ),
    ctx(
        "mandrill-api-key",
        "Mandrill API key",
        High,
        &["mandrill"],
        r"mandrill[\w.\-]{0,20}key",
        r"[A-Za-z0-9_\-]{22}",
        "MANDRILL_API_KEY=$[n:22]",
    )
    .ent(3.5),
    ctx(
        "postmark-server-token",
        "Postmark server token",
        High,
        &["postmark"],
        r"postmark[\w.\-]{0,20}(?:token|key)",
        UUID,
        "POSTMARK_SERVER_TOKEN=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    ctx(
        "sparkpost-api-key",
        "SparkPost API key",
        High,
        &["sparkpost"],
        r"sparkpost[\w.\-]{0,20}key",
        r"[a-f0-9]{40}",
        "SPARKPOST_API_KEY=$[x:40]",
    ),
    raw(
        "mapbox-secret-token",
        "Mapbox secret access token",
        High,
        &["sk.eyj"],
        r"\b(sk\.eyJ1Ijoi[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{22})%E",
        "MAPBOX_SECRET_TOKEN=sk.eyJ1Ijoi$[u:40].$[u:22]",
    ),
    raw(
        "lob-api-key",
        "Lob API key",
        High,
        &["live_", "test_"],
        r"\b((?:live|test)_[a-f0-9]{35})\b",
        "LOB_API_KEY=live_$[x:35]",
    ),
    ctx(
        "messagebird-api-key",
        "MessageBird API key",
        High,
        &["messagebird", "message_bird", "message-bird"],
        r"message[_\-]?bird[\w.\-]{0,20}",
        r"[A-Za-z0-9]{25}",
        "MESSAGEBIRD_API_KEY=$[n:25]",
    )
    .ent(3.5),
    ctx(
        "pusher-secret",
        "Pusher app secret",
        Medium,
        &["pusher"],
        r"pusher[\w.\-]{0,20}secret",
        r"[a-f0-9]{20}",
        "PUSHER_APP_SECRET=$[x:20]",
    ),
    ctx(
        "sendbird-api-token",
        "Sendbird API token",
        Medium,
        &["sendbird"],
        r"sendbird[\w.\-]{0,20}token",
        r"[a-f0-9]{40}",
        "SENDBIRD_API_TOKEN=$[x:40]",
    ),
    ctx(
        "intercom-access-token",
        "Intercom access token",
        High,
        &["intercom"],
        r"intercom[\w.\-]{0,20}token",
        r"[A-Za-z0-9=_\-]{60}",
        "INTERCOM_ACCESS_TOKEN=dG9rOj$[n:54]",
    )
    .ent(3.5),
    ctx(
        "zendesk-api-token",
        "Zendesk API token",
        High,
        &["zendesk"],
        r"zendesk[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9]{40}",
        "ZENDESK_API_TOKEN=$[n:40]",
    )
    .ent(3.5),
    // ---- Commerce, content, productivity
    raw(
        "shopify-access-token",
        "Shopify access token",
        High,
        &["shpat_"],
        r"\b(shpat_[a-fA-F0-9]{32})\b",
        "SHOPIFY_ACCESS_TOKEN=shpat_$[x:32]",
    ),
    raw(
        "shopify-custom-app-token",
        "Shopify custom app access token",
        High,
        &["shpca_"],
        r"\b(shpca_[a-fA-F0-9]{32})\b",
        "SHOPIFY_TOKEN=shpca_$[x:32]",
    ),
    raw(
        "shopify-private-app-token",
        "Shopify private app access token",
        High,
        &["shppa_"],
        r"\b(shppa_[a-fA-F0-9]{32})\b",
        "SHOPIFY_PASSWORD=shppa_$[x:32]",
    ),
    raw(
        "shopify-shared-secret",
        "Shopify shared secret",
        High,
        &["shpss_"],
        r"\b(shpss_[a-fA-F0-9]{32})\b",
        "SHOPIFY_SHARED_SECRET=shpss_$[x:32]",
    ),
    raw(
        "contentful-token",
        "Contentful personal access token",
        High,
        &["cfpat-"],
        r"\b(CFPAT-[A-Za-z0-9_\-]{43})%E",
        "CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-$[u:43]",
    ),
    raw(
        "typeform-token",
        "Typeform personal access token",
        Medium,
        &["tfp_"],
        r"\b(tfp_[A-Za-z0-9_\-.=]{59})%E",
        "TYPEFORM_TOKEN=tfp_$[u:59]",
    ),
    raw(
        "frameio-token",
        "Frame.io API token",
        Medium,
        &["fio-u-"],
        r"\b(fio-u-[A-Za-z0-9_=\-]{64})%E",
        "FRAMEIO_TOKEN=fio-u-$[u:64]",
    ),
    ctx(
        "asana-pat",
        "Asana personal access token",
        High,
        &["asana"],
        r"asana[\w.\-]{0,20}(?:token|pat|key)",
        r"[0-9]/[0-9]{13,19}:[a-f0-9]{32}",
        "ASANA_TOKEN=1/$[d:16]:$[x:32]",
    ),
    raw(
        "airtable-pat",
        "Airtable personal access token",
        High,
        &[],
        r"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
        "AIRTABLE_TOKEN=pat$[n:14].$[x:64]",
    ),
    ctx(
        "airtable-api-key",
        "Airtable API key (legacy)",
        Medium,
        &["airtable"],
        r"airtable[\w.\-]{0,20}key",
        r"key[A-Za-z0-9]{14}",
        "AIRTABLE_API_KEY=key$[n:14]",
    ),
    ctx(
        "algolia-api-key",
        "Algolia admin API key",
        High,
        &["algolia"],
        r"algolia[\w.\-]{0,20}key",
        r"[a-f0-9]{32}",
        "ALGOLIA_ADMIN_KEY=$[x:32]",
    ),
    raw(
        "hubspot-pat",
        "HubSpot private app token",
        High,
        &["pat-na1-", "pat-eu1-"],
        r"\b(pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})\b",
        "HUBSPOT_TOKEN=pat-na1-$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    ),
    ctx(
        "trello-token",
        "Trello API token",
        Medium,
        &["trello"],
        r"trello[\w.\-]{0,20}(?:token|key)",
        r"[a-f0-9]{32}(?:[a-f0-9]{32})?",
        "TRELLO_TOKEN=$[x:64]",
    ),
    raw(
        "zapier-webhook-url",
        "Zapier webhook URL",
        Medium,
        &["hooks.zapier.com"],
        r"(https://hooks\.zapier\.com/hooks/catch/[0-9]+/[a-z0-9]{6,}/?)",
        "ZAP=https://hooks.zapier.com/hooks/catch/$[d:7]/$[a:7]/",
    ),
    ctx(
        "dropbox-api-token",
        "Dropbox API token",
        High,
        &["dropbox"],
        r"dropbox[\w.\-]{0,20}(?:token|key|secret)",
        r"sl\.[A-Za-z0-9_\-]{130,160}|[a-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_\-]{43}",
        "DROPBOX_TOKEN=sl.B$[u:135]",
    ),
    raw(
        "dropbox-short-lived-token",
        "Dropbox short-lived token",
        High,
        &["sl.u.", "sl.b"],
        r"\b(sl\.(?:u\.)?[A-Za-z0-9_\-]{130,160})%E",
        "token = sl.u.$[u:140]",
    ),
    // ---- Social
    raw(
        "facebook-access-token",
        "Facebook access token",
        High,
        &["eaa"],
        r"\b(EAA[BCDGIJKLMNPSTUVWXYZ][A-Za-z0-9]{90,400})\b",
        "FB_ACCESS_TOKEN=EAAB$[n:180]",
    ),
    ctx(
        "facebook-app-secret",
        "Facebook app secret",
        High,
        &["facebook", "fb_", "fb-"],
        r"(?:facebook|fb)[_.\-]?(?:app[_.\-]?)?secret",
        r"[a-f0-9]{32}",
        "FACEBOOK_APP_SECRET=$[x:32]",
    ),
    raw(
        "twitter-bearer-token",
        "Twitter/X bearer token",
        High,
        &["aaaaaaaaaaaaaaaaaaaaa"],
        r"\b(AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{50,120})\b",
        "TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAA$[n:80]",
    ),
    ctx(
        "twitter-api-secret",
        "Twitter/X API secret",
        High,
        &["twitter"],
        r"twitter[\w.\-]{0,20}secret",
        r"[A-Za-z0-9]{45,50}",
        "TWITTER_API_SECRET=$[n:50]",
    )
    .ent(3.5),
    ctx(
        "twitter-access-token",
        "Twitter/X access token",
        High,
        &["twitter"],
        r"twitter[\w.\-]{0,20}token",
        r"[0-9]{15,25}-[A-Za-z0-9]{20,40}",
        "TWITTER_ACCESS_TOKEN=$[d:19]-$[n:30]",
    ),
    ctx(
        "linkedin-client-secret",
        "LinkedIn client secret",
        High,
        &["linkedin"],
        r"linkedin[\w.\-]{0,20}secret",
        r"[A-Za-z0-9]{16}",
        "LINKEDIN_CLIENT_SECRET=$[n:16]",
    )
    .ent(3.3),
    // ---- Observability
    ctx(
        "datadog-api-key",
        "Datadog API key",
        High,
        &["datadog", "dd_api", "dd-api", "dd.api", "ddapi"],
        r"(?:datadog|dd)[_.\-]?(?:api)[_.\-]?key",
        r"[a-f0-9]{32}",
        "DD_API_KEY=$[x:32]",
    ),
    ctx(
        "datadog-app-key",
        "Datadog application key",
        High,
        &["datadog", "dd_app", "dd-app", "ddapp"],
        r"(?:datadog|dd)[_.\-]?app(?:lication)?[_.\-]?key",
        r"[a-f0-9]{40}",
        "DD_APP_KEY=$[x:40]",
    ),
    raw(
        "newrelic-user-api-key",
        "New Relic user API key",
        High,
        &["nrak-"],
        r"\b(NRAK-[A-Z0-9]{27})\b",
        "NEW_RELIC_API_KEY=NRAK-$[A:27]",
    ),
    raw(
        "newrelic-insert-key",
        "New Relic insights insert key",
        Medium,
        &["nrii-"],
        r"\b(NRII-[A-Za-z0-9_\-]{32})%E",
        "NEW_RELIC_INSERT_KEY=NRII-$[u:32]",
    ),
    raw(
        "newrelic-license-key",
        "New Relic license key",
        High,
        &["nral"],
        r"\b([a-f0-9]{36}NRAL)\b",
        "NEW_RELIC_LICENSE_KEY=$[x:36]NRAL",
    ),
    raw(
        "newrelic-browser-key",
        "New Relic browser API key",
        Low,
        &["nrjs-"],
        r"\b(NRJS-[a-f0-9]{19})\b",
        "NEW_RELIC_BROWSER_KEY=NRJS-$[x:19]",
    ),
    raw(
        "sentry-user-token",
        "Sentry user auth token",
        High,
        &["sntryu_"],
        r"\b(sntryu_[a-f0-9]{64})\b",
        "SENTRY_AUTH_TOKEN=sntryu_$[x:64]",
    ),
    raw(
        "sentry-org-token",
        "Sentry organization auth token",
        High,
        &["sntrys_"],
        r"\b(sntrys_eyJpYXQiO[A-Za-z0-9+/=_\-]{60,400})%E",
        "SENTRY_AUTH_TOKEN=sntrys_eyJpYXQiO$[b:120]",
    ),
    ctx(
        "sentry-auth-token-legacy",
        "Sentry auth token (legacy)",
        High,
        &["sentry"],
        r"sentry[\w.\-]{0,20}token",
        r"[a-f0-9]{64}",
        "SENTRY_TOKEN=$[x:64]",
    ),
    raw(
        "dynatrace-api-token",
        "Dynatrace API token",
        High,
        &["dt0c01."],
        r"\b(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b",
        "DT_API_TOKEN=dt0c01.$[A:24].$[A:64]",
    ),
    raw(
        "grafana-api-key",
        "Grafana API key",
        High,
        &["eyjrijoi"],
        r"\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,2})",
        "GRAFANA_API_KEY=eyJrIjoi$[n:90]",
    ),
    raw(
        "grafana-cloud-token",
        "Grafana Cloud API token",
        High,
        &["glc_"],
        r"\b(glc_[A-Za-z0-9+/]{32,400}={0,2})",
        "GRAFANA_CLOUD_TOKEN=glc_$[n:120]",
    ),
    raw(
        "grafana-service-account-token",
        "Grafana service account token",
        High,
        &["glsa_"],
        r"\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b",
        "GRAFANA_TOKEN=glsa_$[n:32]_$[x:8]",
    ),
    ctx(
        "sumologic-access-id",
        "Sumo Logic access ID",
        Medium,
        &["sumo"],
        r"sumo[\w.\-]{0,20}(?:id)",
        r"su[A-Za-z0-9]{12}",
        "SUMO_ACCESS_ID=su$[n:12]",
    ),
    ctx(
        "sumologic-access-key",
        "Sumo Logic access key",
        High,
        &["sumo"],
        r"sumo[\w.\-]{0,20}key",
        r"[A-Za-z0-9]{64}",
        "SUMO_ACCESS_KEY=$[n:64]",
    )
    .ent(3.5),
    ctx(
        "honeycomb-api-key",
        "Honeycomb API key",
        Medium,
        &["honeycomb"],
        r"honeycomb[\w.\-]{0,20}key",
        r"[A-Za-z0-9]{22}|[a-f0-9]{32}|hc[a-z]ik_[a-z0-9]{58}",
        "HONEYCOMB_API_KEY=$[n:22]",
    )
    .ent(3.3)
    .doc(
        "Honeycomb environment API keys are 22 letters and digits, ingest keys `hc?ik_` and 58 more, and \
         Honeycomb Classic keys 32 hex characters (Honeycomb, \"API Keys\", docs.honeycomb.io/\
         configure/environments/manage-api-keys/).",
    ),
    ctx(
        "splunk-hec-token",
        "Splunk HEC token",
        Medium,
        &["splunk"],
        r"splunk[\w.\-]{0,20}token",
        UUID,
        "SPLUNK_HEC_TOKEN=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    ctx(
        "pagerduty-api-key",
        "PagerDuty API key",
        High,
        &["pagerduty"],
        r"pagerduty[\w.\-]{0,20}(?:token|key)",
        r"[A-Za-z0-9_+\-]{20}",
        "PAGERDUTY_TOKEN=u+$[n:18]",
    )
    .ent(3.3),
    ctx(
        "opsgenie-api-key",
        "Opsgenie API key",
        High,
        &["opsgenie"],
        r"opsgenie[\w.\-]{0,20}key",
        UUID,
        "OPSGENIE_API_KEY=$[x:8]-$[x:4]-4$[x:3]-a$[x:3]-$[x:12]",
    ),
    raw(
        "langsmith-api-key",
        "LangSmith API key",
        High,
        &["lsv2_"],
        r"\b(lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})\b",
        "LANGCHAIN_API_KEY=lsv2_pt_$[x:32]_$[x:10]",
    ),
    // ---- AI providers
    raw(
        "openai-api-key",
        "OpenAI API key",
        Critical,
        &["t3blbkfj"],
        r"\b(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,160}T3BlbkFJ[A-Za-z0-9_\-]{20,160})%E",
        "OPENAI_API_KEY=sk-proj-$[u:74]T3BlbkFJ$[u:74]",
    ),
    raw(
        "anthropic-api-key",
        "Anthropic API key",
        Critical,
        &["sk-ant-api", "sk-ant-admin"],
        r"\b(sk-ant-(?:api|admin)0\d-[A-Za-z0-9_\-]{80,100}AA)%E",
        "ANTHROPIC_API_KEY=sk-ant-api03-$[u:93]AA",
    ),
    raw(
        "huggingface-token",
        "Hugging Face access token",
        High,
        &["hf_"],
        r"\b(hf_[A-Za-z]{34})\b",
        "HF_TOKEN=hf_$[m:34]",
    ),
    raw(
        "huggingface-org-token",
        "Hugging Face organization token",
        High,
        &["api_org_"],
        r"\b(api_org_[A-Za-z]{34})\b",
        "HUGGINGFACE_ORG_TOKEN=api_org_$[m:34]",
    ),
    raw(
        "groq-api-key",
        "Groq API key",
        High,
        &["gsk_"],
        r"\b(gsk_[A-Za-z0-9]{52})\b",
        "GROQ_API_KEY=gsk_$[n:52]",
    ),
    raw(
        "perplexity-api-key",
        "Perplexity API key",
        High,
        &["pplx-"],
        r"\b(pplx-[A-Za-z0-9]{48})\b",
        "PERPLEXITY_API_KEY=pplx-$[n:48]",
    ),
    raw(
        "replicate-api-token",
        "Replicate API token",
        High,
        &["r8_"],
        r"\b(r8_[A-Za-z0-9]{37})\b",
        "REPLICATE_API_TOKEN=r8_$[n:37]",
    ),
    raw(
        "xai-api-key",
        "xAI API key",
        High,
        &["xai-"],
        r"\b(xai-[A-Za-z0-9]{80})\b",
        "XAI_API_KEY=xai-$[n:80]",
    ),
    ctx(
        "cohere-api-key",
        "Cohere API key",
        High,
        &["cohere", "co_api"],
        r"(?:cohere|co)[_.\-]?api[_.\-]?key",
        r"[A-Za-z0-9]{40}",
        "COHERE_API_KEY=$[n:40]",
    )
    .ent(3.5),
    ctx(
        "mistral-api-key",
        "Mistral API key",
        High,
        &["mistral"],
        r"mistral[\w.\-]{0,20}key",
        r"[A-Za-z0-9]{32}",
        "MISTRAL_API_KEY=$[n:32]",
    )
    .ent(3.5),
    ctx(
        "wandb-api-key",
        "Weights & Biases API key",
        High,
        &["wandb"],
        r"wandb[\w.\-]{0,20}key",
        r"[a-f0-9]{40}",
        "WANDB_API_KEY=$[x:40]",
    ),
    raw(
        "databricks-token",
        "Databricks access token",
        High,
        &["dapi"],
        r"\b(dapi[a-f0-9]{32}(?:-\d)?)\b",
        "DATABRICKS_TOKEN=dapi$[x:32]",
    ),
    // ---- Identity
    ctx(
        "okta-api-token",
        "Okta API token",
        High,
        &["okta"],
        r"okta[\w.\-]{0,20}(?:token|key)",
        r"00[A-Za-z0-9_\-]{40}",
        "OKTA_API_TOKEN=00$[u:40]",
    )
    .ent(3.5),
    ctx(
        "auth0-client-secret",
        "Auth0 client secret",
        High,
        &["auth0"],
        r"auth0[\w.\-]{0,20}secret",
        r"[A-Za-z0-9_\-]{64}",
        "AUTH0_CLIENT_SECRET=$[u:64]",
    )
    .ent(3.5),
    raw(
        "onepassword-service-account-token",
        "1Password service account token",
        Critical,
        &["ops_eyj"],
        r"\b(ops_eyJ[A-Za-z0-9+/]{250,}={0,3})",
        "OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ$[b:300]",
    ),
    raw(
        "onepassword-secret-key",
        "1Password secret key",
        Critical,
        &["a3-"],
        r"\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b",
        "secret key: A3-$[A:6]-$[A:11]-$[A:5]-$[A:5]-$[A:5]",
    ),
    // ---- Vendors added from the independent corpus (issue #11): each `doc` names the published format.
    raw(
        "adafruit-io-key",
        "Adafruit IO key",
        High,
        &["aio_"],
        r"%P(aio_[A-Za-z0-9]{28})%E",
        "ADAFRUIT_IO_KEY=aio_$[n:28]",
    )
    .ent(3.5)
    .doc(
        "Adafruit IO keys are `aio_` followed by 28 letters and digits, 32 characters in all (Adafruit, \
         \"Adafruit IO API\", io.adafruit.com/api/docs, header `X-AIO-Key`; trufflehog \
         `pkg/detectors/adafruitio`). `aio_` also starts Python identifiers (`aio_http_client`): those \
         have `_` or lower-case words and fail the length, boundary or entropy test.",
    ),
    ctx(
        "adafruit-api-key",
        "Adafruit API key",
        High,
        &["adafruit"],
        r"adafruit",
        r"[A-Za-z0-9_\-]{32}",
        "ADAFRUIT_KEY=$[u:32]",
    )
    .ent(3.5)
    .doc(
        "A 32-character key of `[A-Za-z0-9_-]` assigned to a name containing `adafruit` (the form of \
         Adafruit IO keys before the `aio_` prefix; gitleaks `adafruit-api-key`). Only recognisable next \
         to its name.",
    ),
    ctx(
        "confluent-api-secret",
        "Confluent Cloud API secret",
        High,
        &["confluent"],
        r"confluent",
        r"[A-Za-z0-9+/]{64}",
        "CONFLUENT_CLOUD_API_SECRET=$[b:64]",
    )
    .ent(4.0)
    .doc(
        "Confluent Cloud API secrets are 64 characters of base64 letters, digits, `+` and `/` (Confluent, \
         \"Use API Keys to Authenticate to Confluent Cloud\", docs.confluent.io/cloud/current/security/\
         authenticate/workload-identities/service-accounts/api-keys/overview.html; env \
         `CONFLUENT_CLOUD_API_SECRET`). Only recognisable next to a `confluent` name.",
    ),
    ctx(
        "confluent-api-key",
        "Confluent Cloud API key",
        Medium,
        &["confluent"],
        r"confluent",
        r"[A-Za-z0-9]{16}",
        "CONFLUENT_CLOUD_API_KEY=$[A:16]",
    )
    .doc(
        "Confluent Cloud API keys (the key half of a key/secret pair) are 16 upper-case letters and digits \
         (same Confluent page, env `CONFLUENT_CLOUD_API_KEY`); lower case is accepted too. The secret half is \
         `confluent-api-secret`.",
    ),
    ctx(
        "fastly-api-token",
        "Fastly API token",
        High,
        &["fastly"],
        r"fastly",
        r"[A-Za-z0-9_\-]{32}",
        "FASTLY_API_TOKEN=$[u:32]",
    )
    .ent(3.5)
    .doc(
        "Fastly API tokens are 32 characters of base64url (Fastly, \"Using API tokens\", \
         docs.fastly.com/en/guides/using-api-tokens; header `Fastly-Key`, env `FASTLY_API_TOKEN`). Only \
         recognisable next to a `fastly` name.",
    ),
    ctx(
        "etsy-api-key",
        "Etsy API key",
        High,
        &["etsy"],
        r"(?-i:ETSY|[Ee]tsy)",
        r"[A-Za-z0-9]{24}",
        "ETSY_API_KEY=$[a:24]",
    )
    .doc(
        "Etsy Open API v3 keystrings are 24 lower-case letters and digits (Etsy, \"Authentication\", \
         developers.etsy.com/documentation/essentials/authentication, header `x-api-key`). The name must \
         be written `etsy`, `Etsy` or `ETSY`, so that words that merely contain the letters (`SetSysctl`) \
         are not taken for it.",
    ),
    ctx(
        "looker-client-secret",
        "Looker API client secret",
        High,
        &["looker"],
        r"looker",
        r"[A-Za-z0-9]{24}",
        "LOOKERSDK_CLIENT_SECRET=$[n:24]",
    )
    .doc(
        "Looker API3 credentials: a 24-character client secret of letters and digits (Looker, \"Looker API \
         authentication\", cloud.google.com/looker/docs/api-auth; env `LOOKERSDK_CLIENT_SECRET`).",
    ),
    ctx(
        "looker-client-id",
        "Looker API client ID",
        Low,
        &["looker"],
        r"looker",
        r"[A-Za-z0-9]{20}",
        "LOOKERSDK_CLIENT_ID=$[n:20]",
    )
    .doc(
        "Looker API3 credentials: a 20-character client ID of letters and digits (same Looker page; env \
         `LOOKERSDK_CLIENT_ID`). An ID alone does not authenticate, hence the low severity; it is reported \
         because its secret is usually next to it.",
    ),
    raw(
        "settlemint-token",
        "SettleMint access token",
        High,
        &["sm_pat_", "sm_aat_", "sm_sat_"],
        r"%P(sm_(?:pat|aat|sat)_[A-Za-z0-9]{16,64})%E",
        "SETTLEMINT_ACCESS_TOKEN=sm_pat_$[n:16]",
    )
    .ent(3.0)
    .doc(
        "SettleMint personal, application and service access tokens are `sm_pat_`, `sm_aat_` or `sm_sat_` \
         followed by at least 16 letters and digits (SettleMint, \"Personal access tokens\" and \"Application \
         access tokens\", console.settlemint.com/documentation; env `SETTLEMINT_ACCESS_TOKEN`).",
    ),
    ctx(
        "adobe-client-id",
        "Adobe OAuth client ID",
        Medium,
        &["adobe"],
        r"adobe",
        r"[a-fA-F0-9]{32}",
        "ADOBE_CLIENT_ID=$[x:32]",
    )
    .doc(
        "Adobe Developer Console OAuth client IDs (API keys) are 32 hex characters (Adobe, \"OAuth \
         Server-to-Server credential implementation guide\", developer.adobe.com/developer-console/docs/\
         guides/authentication/ServerToServerAuthentication/implementation/). Only recognisable next to an \
         `adobe` name.",
    ),
    raw(
        "adobe-client-secret",
        "Adobe OAuth client secret",
        High,
        &["p8e-"],
        r"%P(p8e-[A-Za-z0-9]{32})%E",
        "ADOBE_CLIENT_SECRET=p8e-$[n:32]",
    )
    .ent(3.0)
    .doc(
        "Adobe Developer Console client secrets are `p8e-` followed by 32 letters and digits (same Adobe \
         guide, `client_secret`).",
    ),
    raw(
        "sourcegraph-access-token",
        "Sourcegraph access token",
        High,
        &["sgp_"],
        r"\b(sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40})\b",
        "SRC_ACCESS_TOKEN=sgp_$[x:16]_$[x:40]",
    )
    .ent(3.0)
    .doc(
        "Sourcegraph access tokens are `sgp_`, then the 16-hex instance identifier and `_` (or `local_`), \
         then 40 hex characters; tokens made before 5.x are `sgp_` and 40 hex (Sourcegraph, \"Access \
         tokens\", sourcegraph.com/docs/cli/how-tos/creating_an_access_token; env `SRC_ACCESS_TOKEN`). \
         The entropy floor drops runs such as `sgp_5555555dAAAAA7777777…`.",
    ),
    ctx(
        "sourcegraph-legacy-token",
        "Sourcegraph access token (unprefixed)",
        High,
        &["sourcegraph", "src_access_token"],
        r"sourcegraph|src[_.\-]?access[_.\-]?token",
        r"[a-fA-F0-9]{40}",
        "SRC_ACCESS_TOKEN=$[x:40]",
    )
    .doc(
        "Sourcegraph tokens made before the `sgp_` prefix are 40 hex characters (same Sourcegraph page); \
         only recognisable next to a `sourcegraph` or `SRC_ACCESS_TOKEN` name.",
    ),
    ctx(
        "squarespace-api-key",
        "Squarespace API key",
        High,
        &["squarespace"],
        r"squarespace",
        UUID,
        "SQUARESPACE_API_KEY=$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    )
    .doc(
        "Squarespace Commerce API keys are UUIDs, 8-4-4-4-12 hex (Squarespace, \"Authentication\", \
         developers.squarespace.com/commerce-apis/authentication-and-permissions). A UUID is an ID unless \
         it is assigned to a `squarespace` name.",
    ),
    ctx(
        "hubspot-api-key",
        "HubSpot API key (legacy)",
        High,
        &["hubspot", "hapikey"],
        r"hubspot|hapikey",
        UUID,
        "HUBSPOT_API_KEY=$[x:8]-$[x:4]-$[x:4]-$[x:4]-$[x:12]",
    )
    .doc(
        "HubSpot's (retired but still accepted by old portals) API keys are UUIDs passed as the `hapikey` \
         query parameter (HubSpot, \"HubSpot APIs: Authentication methods\", \
         developers.hubspot.com/docs/api/intro-to-auth). Private app tokens (`pat-na1-…`) are \
         `hubspot-pat`.",
    ),
    raw(
        "freemius-secret-key",
        "Freemius secret key",
        High,
        &["'secret_key'", "\"secret_key\""],
        r#"(?i:["']secret_key["'])\s*(?:=>|:)\s*["'](sk_[^\s'"]{29})["']"#,
        "        'secret_key' => 'sk_$[p:29]',",
    )
    .ent(3.0)
    .doc(
        "The Freemius WordPress SDK is configured with a PHP array whose `'secret_key'` is `sk_` and 29 \
         printable characters (Freemius, \"Integrating the Freemius SDK\", \
         freemius.com/help/documentation/wordpress-sdk/integrating-freemius-sdk/). The quoted key name and \
         the quoted value are required, in PHP (`=>`) or JSON (`:`) form.",
    ),
    raw(
        "nuget-config-password",
        "Password in a NuGet config file",
        High,
        &["cleartextpassword", "key=\"password\""],
        r#"(?i)<add\s+key\s*=\s*"(?:ClearText)?Password"\s+value\s*=\s*"([^"]{8,})"\s*/?>"#,
        "      <add key=\"ClearTextPassword\" value=\"$[p:14]$[d:2]\" />",
    )
    .ent(2.0)
    .doc(
        "`nuget.config` holds feed credentials in `<packageSourceCredentials>` as `<add key=\"Username\" …/>` \
         and `<add key=\"ClearTextPassword\" value=\"…\"/>` (or `Password`, DPAPI-encrypted) (Microsoft, \
         \"nuget.config reference\", learn.microsoft.com/nuget/reference/nuget-config-file). Values that are \
         environment variables (`%FEED_PASSWORD%`) and the reference's own samples are not reported.",
    ),
    raw(
        "posthog-personal-api-key",
        "PostHog personal API key",
        High,
        &["phx_"],
        r"\b(phx_[A-Za-z0-9_]{43})%E",
        "POSTHOG_PERSONAL_API_KEY=phx_$[n:43]",
    )
    .ent(3.5)
    .doc(
        "PostHog personal API keys are `phx_` and 43 letters, digits or `_` (PostHog, \"Personal API \
         keys\", posthog.com/docs/api#private-endpoint-authentication; trufflehog `pkg/detectors/posthog`). \
         Project keys (`phc_`) are public by design and not reported.",
    ),
    raw(
        "telnyx-api-key",
        "Telnyx API key",
        High,
        &["telnyx"],
        r"\b(KEY[0-9A-Za-z_\-]{55})%E",
        "TELNYX_API_KEY=KEY$[A:32]_$[n:22]",
    )
    .ent(3.5)
    .doc(
        "Telnyx API v2 keys are `KEY` and 55 characters of `[0-9A-Za-z_-]` (Telnyx, \"Authentication\", \
         developers.telnyx.com/docs/overview/authentication; trufflehog `pkg/detectors/telnyx`). `key` is \
         in too much text to be a prefilter keyword, so the key is looked for within a few KiB of the word \
         `telnyx`.",
    ),
    raw(
        "maxmind-license-key",
        "MaxMind license key",
        High,
        &["_mmk"],
        r"\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)\b",
        "MAXMIND_LICENSE_KEY=$[n:6]_$[n:29]_mmk",
    )
    .ent(3.5)
    .doc(
        "MaxMind license keys made since 2023 are 6 alphanumerics, `_`, 29 alphanumerics and the suffix \
         `_mmk` (MaxMind, \"Generating a license key\" and the GeoIP.conf `LicenseKey`, \
         support.maxmind.com; trufflehog `pkg/detectors/maxmindlicense`).",
    ),
    raw(
        "trello-api-token",
        "Trello API token (ATTA)",
        High,
        &["trello"],
        r"\b(ATTA[a-f0-9]{64}[A-F0-9]{8})\b",
        "TRELLO_TOKEN=ATTA$[x:64]$[X:8]",
    )
    .ent(3.0)
    .doc(
        "Trello user tokens issued since 2023 are `ATTA`, 64 lower-case hex and an 8-character upper-case \
         hex checksum (Atlassian, \"Trello REST API: API introduction\", developer.atlassian.com/cloud/\
         trello/guides/rest-api/api-introduction/). Older 64-hex tokens are `trello-token`. The prefix \
         `atta` is in `attach` and `attack` (about 5,000 hits in a Rust registry tree), so the token is \
         looked for near the word `trello` instead.",
    ),
    raw(
        "clickhouse-cloud-api-secret",
        "ClickHouse Cloud API key secret",
        High,
        &["4b1d"],
        r"\b(4b1d[A-Za-z0-9]{38})\b",
        "CLICKHOUSE_KEY_SECRET=4b1d$[n:38]",
    )
    .ent(3.5)
    .doc(
        "ClickHouse Cloud API key secrets are `4b1d` and 38 letters and digits (ClickHouse, \"Managing API \
         keys\", clickhouse.com/docs/cloud/manage/openapi; gitleaks `clickhouse-cloud-api-secret-key`).",
    ),
    raw(
        "resend-api-key",
        "Resend API key",
        High,
        &["resend"],
        r"\b(re_[0-9A-Za-z]{8}_[0-9A-Za-z]{24})\b",
        "RESEND_API_KEY=re_$[n:8]_$[n:24]",
    )
    .ent(3.5)
    .doc(
        "Resend API keys are `re_`, 8 alphanumerics, `_` and 24 alphanumerics (Resend, \"API keys\", \
         resend.com/docs/dashboard/api-keys/introduction; trufflehog `pkg/detectors/resend`). `re_` is in \
         countless identifiers (`store_`, `are_`), so the key is looked for near the word `resend`.",
    ),
    raw(
        "openshift-user-token",
        "OpenShift user token",
        High,
        &["sha256~"],
        r"\b(sha256~[A-Za-z0-9_\-]{43})%E",
        "oc login --token=sha256~$[u:43] --server=https://api.cluster.internal:6443",
    )
    .ent(3.5)
    .doc(
        "OpenShift 4.x OAuth access tokens are `sha256~` and 43 base64url characters (Red Hat, \"Managing \
         OAuth tokens\", docs.openshift.com/container-platform/latest/authentication/\
         managing-oauth-access-tokens.html; `oc whoami -t`).",
    ),
    raw(
        "openrouter-api-key",
        "OpenRouter API key",
        High,
        &["sk-or-v1-"],
        r"\b(sk-or-v1-[a-f0-9]{64})\b",
        "OPENROUTER_API_KEY=sk-or-v1-$[x:64]",
    )
    .ent(3.0)
    .doc(
        "OpenRouter API keys are `sk-or-v1-` and 64 hex characters (OpenRouter, \"API Keys\", \
         openrouter.ai/docs/api-reference/authentication).",
    ),
    ctx(
        "deepseek-api-key",
        "DeepSeek API key",
        High,
        &["deepseek"],
        r"deepseek",
        r"sk-[a-f0-9]{32}",
        "DEEPSEEK_API_KEY=sk-$[x:32]",
    )
    .doc(
        "DeepSeek API keys are `sk-` and 32 hex characters (DeepSeek, \"Your First API Call\", \
         api-docs.deepseek.com). `sk-` and 32 hex is not distinctive alone, so it must be assigned to a \
         `deepseek` name.",
    ),
    raw(
        "pinecone-api-key",
        "Pinecone API key",
        High,
        &["pcsk_"],
        r"\b(pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80})\b",
        "PINECONE_API_KEY=pcsk_$[n:5]_$[n:63]",
    )
    .ent(3.5)
    .doc(
        "Pinecone API keys are `pcsk_`, a short key ID, `_` and the secret (Pinecone, \"Authentication\", \
         docs.pinecone.io/guides/projects/manage-api-keys). Older keys are UUIDs next to a `pinecone` \
         name and are left to the generic rules.",
    ),
    ctx(
        "meraki-api-key",
        "Cisco Meraki API key",
        High,
        &["meraki"],
        r"meraki",
        r"[a-f0-9]{40}",
        "MERAKI_DASHBOARD_API_KEY=$[x:40]",
    )
    .doc(
        "Meraki Dashboard API keys are 40 hex characters (Cisco Meraki, \"Meraki Dashboard API\", \
         developer.cisco.com/meraki/api-v1/authorization/; env `MERAKI_DASHBOARD_API_KEY`).",
    ),
    ctx(
        "vultr-api-key",
        "Vultr API key",
        High,
        &["vultr"],
        r"vultr",
        r"[A-Z0-9]{36}",
        "VULTR_API_KEY=$[A:36]",
    )
    .doc(
        "Vultr API keys are 36 upper-case letters and digits (Vultr, \"API\", \
         www.vultr.com/api/#section/Authentication; env `VULTR_API_KEY`).",
    ),
    raw(
        "intra42-client-secret",
        "42 Intra API client secret",
        High,
        &["s-s4t2"],
        r"\b(s-s4t2(?:af|ud)-[a-f0-9]{64})\b",
        "FT_CLIENT_SECRET=s-s4t2af-$[x:64]",
    )
    .ent(3.0)
    .doc(
        "42 (École 42) Intra OAuth application secrets are `s-s4t2af-` or `s-s4t2ud-` and 64 hex \
         characters (api.intra.42.fr/apidoc/guides/getting_started; gitleaks `intra42-client-secret`).",
    ),
    raw(
        "elevenlabs-api-key",
        "ElevenLabs API key",
        High,
        &["elevenlabs", "xi-api-key", "xi_api_key"],
        r"\b(sk_[a-f0-9]{48})\b",
        "ELEVENLABS_API_KEY=sk_$[x:48]",
    )
    .ent(3.0)
    .doc(
        "ElevenLabs API keys are `sk_` and 48 hex characters, sent as `xi-api-key` (ElevenLabs, \
         \"Authentication\", elevenlabs.io/docs/api-reference/authentication). `sk_` is in too many \
         identifiers (`task_`, `disk_`) to be a prefilter keyword, so the key is looked for near \
         `elevenlabs` or `xi-api-key`.",
    ),
    ctx(
        "azure-openai-api-key",
        "Azure OpenAI API key",
        High,
        &["openai"],
        r"azure[_.\-]?openai|openai[_.\-]?azure",
        r"[a-f0-9]{32}",
        "AZURE_OPENAI_API_KEY=$[x:32]",
    )
    .doc(
        "Azure OpenAI (Azure AI services) resource keys are 32 hex characters (Microsoft, \"Azure OpenAI \
         Service REST API reference\", learn.microsoft.com/azure/ai-services/openai/reference, header \
         `api-key`, env `AZURE_OPENAI_API_KEY`).",
    ),
    // ---- Private keys and certificates
    raw(
        "private-key-rsa",
        "RSA private key",
        Critical,
        &["begin rsa private key"],
        r"(-----BEGIN RSA PRIVATE KEY-----(?:\\r|\\n|\s)+(?:[A-Za-z\-]+: ?[^\r\n\\]{1,100}(?:\\r|\\n|\s)+){0,4}[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpA$[b:58]\n$[b:64]\n-----END RSA PRIVATE KEY-----",
    ),
    raw(
        "private-key-ec",
        "EC private key",
        Critical,
        &["begin ec private key"],
        r"(-----BEGIN EC PRIVATE KEY-----(?:\\r|\\n|\s)+(?:[A-Za-z\-]+: ?[^\r\n\\]{1,100}(?:\\r|\\n|\s)+){0,4}[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE$[b:56]\n$[b:40]\n-----END EC PRIVATE KEY-----",
    ),
    raw(
        "private-key-dsa",
        "DSA private key",
        Critical,
        &["begin dsa private key"],
        r"(-----BEGIN DSA PRIVATE KEY-----(?:\\r|\\n|\s)+(?:[A-Za-z\-]+: ?[^\r\n\\]{1,100}(?:\\r|\\n|\s)+){0,4}[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN DSA PRIVATE KEY-----\nMIIBuw$[b:58]\n$[b:64]\n-----END DSA PRIVATE KEY-----",
    ),
    raw(
        "private-key-pkcs8",
        "PKCS#8 private key",
        Critical,
        &["begin private key"],
        r"(-----BEGIN PRIVATE KEY-----(?:\\r|\\n|\s)+[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQ$[b:58]\n$[b:64]\n-----END PRIVATE KEY-----",
    ),
    raw(
        "private-key-encrypted",
        "Encrypted private key",
        High,
        &["begin encrypted private key"],
        r"(-----BEGIN ENCRYPTED PRIVATE KEY-----(?:\\r|\\n|\s)+[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHz$[b:58]\n$[b:64]\n-----END ENCRYPTED PRIVATE KEY-----",
    ),
    raw(
        "private-key-openssh",
        "OpenSSH private key",
        Critical,
        &["begin openssh private key"],
        r"(-----BEGIN OPENSSH PRIVATE KEY-----(?:\\r|\\n|\s)+b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=]{21,64})",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA$[b:46]\n$[b:70]\n-----END OPENSSH PRIVATE KEY-----",
    ),
    raw(
        "private-key-pgp",
        "PGP private key block",
        Critical,
        &["begin pgp private key block"],
        r"(-----BEGIN PGP PRIVATE KEY BLOCK-----(?:\\r|\\n|\s)+(?:[A-Za-z\-]+: ?[^\r\n\\]{1,100}(?:\\r|\\n|\s)+){0,4}[A-Za-z0-9+/=]{40,64})",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBF$[b:58]\n$[b:64]\n-----END PGP PRIVATE KEY BLOCK-----",
    ),
    raw(
        "private-key-putty",
        "PuTTY private key",
        Critical,
        &["putty-user-key-file"],
        r"(PuTTY-User-Key-File-[23]: (?:ssh-rsa|ssh-dss|ecdsa-sha2-nistp\d+|ssh-ed25519))",
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n$[b:64]",
    ),
    raw(
        "private-key-base64-pem",
        "Base64-encoded PEM private key",
        Critical,
        &["ls0tls1crudjti"],
        r"\b(LS0tLS1CRUdJTi(?:BSU0EgUFJJVkFURSBLRVkt|BFQyBQUklWQVRFIEtFWS0t|BQUklWQVRFIEtFWS0t|BPUEVOU1NIIFBSSVZBVEUgS0VZLS0t|BFTkNSWVBURUQgUFJJVkFURSBLRVkt)[A-Za-z0-9+/=]{40,})",
        "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo$[b:200]",
    ),
    raw(
        "age-secret-key",
        "age secret key",
        Critical,
        &["age-secret-key-1"],
        r"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        "AGE-SECRET-KEY-1$[bech:58]",
    ),
    file(
        "pkcs12-keystore",
        "PKCS#12 key store file",
        High,
        r"(?:^|/)[^/]+\.p(?:12|fx)$",
        "deploy/certs/$[a:8].p12",
    )
    .doc(
        "A `.p12` or `.pfx` file is a PKCS#12 key store: a private key with its certificate chain, \
         protected by a password that is often empty or weak (RFC 7292; OpenSSL `openssl pkcs12 -export`). \
         The file name is the finding, whatever the bytes (they are binary and encrypted). Empty files \
         and Git LFS pointers are not reported.",
    ),
    // ---- Tokens and credentials in URLs
    raw(
        "jwt",
        "JSON Web Token",
        Medium,
        &["eyj"],
        r"\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{16,})%E",
        "Authorization = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ$[u:60].$[u:43]",
    )
    .check(Check::Jwt),
    raw(
        "postgres-url-password",
        "PostgreSQL connection string with password",
        High,
        &["postgres"],
        r"\bpostgres(?:ql)?(?:\+[a-z0-9]+)?://[^\s:/@'\x22]{1,64}:([^\s:/@'\x22]{3,128})@[^\s'\x22/]+",
        "DATABASE_URL=postgres://app:$[n:20]@db.internal:5432/app",
    ),
    raw(
        "mysql-url-password",
        "MySQL connection string with password",
        High,
        &["mysql", "mariadb"],
        r"\b(?:mysql|mariadb)(?:\+[a-z0-9]+)?://[^\s:/@'\x22]{1,64}:([^\s:/@'\x22]{3,128})@[^\s'\x22/]+",
        "SQLALCHEMY_DATABASE_URI = \"mysql+pymysql://root:$[n:18]@mysql:3306/app\"",
    ),
    raw(
        "mongodb-url-password",
        "MongoDB connection string with password",
        High,
        &["mongodb"],
        r"\bmongodb(?:\+srv)?://[^\s:/@'\x22]{1,64}:([^\s:/@'\x22]{3,128})@[^\s'\x22/]+",
        "MONGO_URL=mongodb+srv://admin:$[n:16]@cluster0.$[a:5].mongodb.net/test",
    ),
    raw(
        "redis-url-password",
        "Redis connection string with password",
        High,
        &["redis"],
        r"\brediss?://[^\s:/@'\x22]{0,64}:([^\s:/@'\x22]{3,128})@[^\s'\x22/]+",
        "REDIS_URL=redis://default:$[n:24]@redis.internal:6379/0",
    ),
    raw(
        "amqp-url-password",
        "AMQP connection string with password",
        High,
        &["amqp"],
        r"\bamqps?://[^\s:/@'\x22]{1,64}:([^\s:/@'\x22]{3,128})@[^\s'\x22/]+",
        "BROKER_URL=amqp://rabbit:$[n:20]@rabbitmq:5672//",
    ),
    raw(
        "mssql-url-password",
        "SQL Server connection string with password",
        High,
        &["password="],
        r"(?i:Server|Data Source)=[^;\x22']{1,100};[^\x22'\n]{0,200}?(?i:Password|Pwd)=([^;\x22'\s]{6,128})",
        "ConnectionStrings__Default=Server=tcp:db.internal,1433;Database=app;User Id=sa;Password=$[n:18];",
    ),
    raw(
        "cloudinary-url",
        "Cloudinary URL with API secret",
        High,
        &["cloudinary://"],
        r"cloudinary://[0-9]{15}:([A-Za-z0-9_\-]{27})@[a-z0-9\-]+",
        "CLOUDINARY_URL=cloudinary://$[d:15]:$[u:27]@$[a:8]",
    ),
    raw(
        "sidekiq-secret",
        "Sidekiq Enterprise/Pro credentials",
        High,
        &["contribsys"],
        r"(?i:BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM)\s*[:=]\s*[\x22']?([a-f0-9]{8}:[a-f0-9]{8})",
        "BUNDLE_ENTERPRISE__CONTRIBSYS__COM=$[x:8]:$[x:8]",
    ),
    raw(
        "sidekiq-sensitive-url",
        "Sidekiq credentials in a gem source URL",
        High,
        &["contribsys.com"],
        r"https?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com",
        "source \"https://$[x:8]:$[x:8]@gems.contribsys.com/\"",
    ),
    raw(
        "url-credentials",
        "Credentials in a URL",
        Medium,
        &["://"],
        r"\bhttps?://[A-Za-z0-9_.%\-]{1,64}:([^\s:/@'\x22$<>{}]{6,128})@[A-Za-z0-9.\-]+",
        "url = https://deploy:$[n:12]$[d:4]@git.internal.example.org/repo.git",
    )
    .ent(3.0)
    .generic(),
    raw(
        "netrc-password",
        "Password in a .netrc file",
        High,
        &["machine"],
        r"\bmachine\s+[A-Za-z0-9.\-]+\s+login\s+\S+\s+password\s+[\x22']?([^\s\x22']{6,128})",
        "machine api.internal.example.org login deploy password $[p:14]$[d:2]",
    )
    .generic(),
    // ---- Generic assignments (last: specific rules win on the same bytes)
    raw(
        "http-bearer-token",
        "Bearer token in an Authorization header",
        Medium,
        &["bearer"],
        r"(?i:authorization)[\x22']?\s*[:=,]\s*[\x22']?(?i:bearer)\s+([A-Za-z0-9_\-.=~+/]{20,512})",
        "curl -H \"Authorization: Bearer $[u:32]$[d:4]\" https://api.internal",
    )
    .ent(3.5)
    .generic(),
    raw(
        "http-basic-auth",
        "Basic credentials in an Authorization header",
        Medium,
        &["basic"],
        r"(?i:authorization)[\x22']?\s*[:=,]\s*[\x22']?(?i:basic)\s+([A-Za-z0-9+/]{12,}={0,2})",
        "Authorization: Basic $[basic]",
    )
    .check(Check::BasicAuth)
    .generic(),
    ctx(
        "generic-password",
        "Password assignment",
        Medium,
        &["password", "passwd", "pwd", "passphrase"],
        r"(?P<key>[\w.\-]{0,25}(?:password|passwd|pwd|passphrase)[\w.\-]{0,25})",
        "",
        "db_password = \"$[p:14]$[d:2]\"",
    )
    .ent(3.0)
    .generic(),
    ctx(
        "generic-api-key",
        "API key assignment",
        Medium,
        &[
            "api_key",
            "apikey",
            "api-key",
            "api_secret",
            "apisecret",
            "api-secret",
            "access_key",
            "accesskey",
            "access-key",
            "api.key",
            "access.key",
            "signing_key",
            "signingkey",
            "signing-key",
            "signing.key",
            "encryption_key",
            "encryptionkey",
            "encryption-key",
            "encryption.key",
            "master_key",
            "masterkey",
            "master-key",
            "master.key",
            "license_key",
            "licensekey",
            "license-key",
            "license.key",
        ],
        r"(?P<key>[\w.\-]{0,25}(?:api[_.\-]?key|api[_.\-]?secret|access[_.\-]?key|signing[_.\-]?key|encryption[_.\-]?key|master[_.\-]?key|license[_.\-]?key)[\w.\-]{0,25})",
        "",
        "config.api_key = '$[n:30]$[d:2]'",
    )
    .ent(3.5)
    .generic()
    .doc(
        "Names of API, access, signing, encryption, master and license keys, in every assignment form: \
         `=`, `:`, `:=`, Makefile `::=`, `:::=`, `?=`, PHP `.=`, `=>`, a call's comma \
         (`System.setProperty(\"app.signing.key\", \"…\")`), typed declarations (Go `var k string = …`, \
         TypeScript/Kotlin/Python/Rust annotations), quotes escaped inside JSON strings and notebooks, a \
         value ending in an escaped `\\n`, and XML elements on one or several lines. The other scanners' \
         published rule tests use these forms (gitleaks `cmd/generate/config/utils/generate.go`, \
         `GenerateSampleSecrets`). Generic keys are not the word `key` alone: it is in too much code to be \
         a prefilter keyword.",
    ),
    ctx(
        "generic-secret",
        "Secret assignment",
        Medium,
        &["secret"],
        r"(?P<key>[\w.\-]{0,25}secret[\w.\-]{0,25})",
        "",
        "client_secret: $[n:30]$[d:2]",
    )
    .ent(3.5)
    .generic(),
    ctx(
        "generic-token",
        "Token assignment",
        Medium,
        &["token"],
        r"(?P<key>[\w.\-]{0,25}token[\w.\-]{0,25})",
        "",
        "\"auth_token\": \"$[u:36]$[d:4]\"",
    )
    .ent(3.5)
    .generic(),
    ctx(
        "generic-private-key-var",
        "Private key assignment",
        Medium,
        &["private_key", "privatekey", "private-key"],
        r"(?P<key>[\w.\-]{0,25}private[_.\-]?key[\w.\-]{0,25})",
        "",
        "signing.private_key = $[b:40]$[d:4]",
    )
    .ent(3.5)
    .generic(),
    raw(
        "curl-basic-auth",
        "Credentials on a curl command line",
        Medium,
        &["curl"],
        r#"\bcurl\b[^\n]{0,300}?[ \t](?:-u|--user)(?:=|[ \t]{1,5})["']?[^\s:"'$]{1,64}:([^\s"'$]{6,128}?)["']?(?:\s|$)"#,
        "curl -sS -u \"deploy:$[n:16]$[d:2]\" https://nexus.internal/service/rest/v1/status",
    )
    .ent(3.0)
    .generic()
    .doc(
        "`curl -u user:password` / `--user user:password` sends HTTP basic credentials (curl(1), \
         `--user <user:password>`). The password part is reported; variables (`$PASS`) and placeholders \
         are not.",
    ),
];
