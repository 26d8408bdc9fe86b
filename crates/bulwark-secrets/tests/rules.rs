//! Registry invariants: ids unique and kebab-case, every keyword lowercase, every rule finds its example.

use std::collections::HashSet;

use bulwark_secrets::sample::{Rng, expand};
use bulwark_secrets::{BUILTIN, Config, Pat, Scanner};

#[test]
fn at_least_150_rules_with_unique_kebab_ids() {
    assert!(BUILTIN.len() >= 150, "only {} rules", BUILTIN.len());
    let mut seen = HashSet::new();
    for r in BUILTIN {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        assert!(
            r.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "id not kebab-case: {}",
            r.id
        );
        for k in r.keywords {
            assert_eq!(
                *k,
                k.to_ascii_lowercase(),
                "keyword of {} must be lowercase",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_finds_its_own_example() {
    let scanner = Scanner::new(Config::default()).unwrap();
    let mut failures = Vec::new();
    for r in BUILTIN {
        for n in 0..20 {
            let text = expand(r.example, &mut Rng::from_str_seed(r.id, 1000 + n));
            // A file-name rule's example is a path; its content does not matter (DER bytes here).
            let findings = if matches!(r.pat, Pat::File(_)) {
                scanner.scan(
                    &text,
                    b"\x30\x82\x0a\x1f\x02\x01\x03\x30\x82\x09\xe5\x06\x09\x2a",
                )
            } else {
                scanner.scan("config/app.env", format!("{text}\n").as_bytes())
            };
            let ids: Vec<&str> = findings.iter().map(|f| f.id.as_ref()).collect();
            if ids != [r.id] {
                failures.push(format!("{}: {ids:?} on {text:?}", r.id));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rules failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rule ids found in `text` (a file at `path`), in order.
fn ids_at(path: &str, text: &str) -> Vec<String> {
    static SCANNER: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    SCANNER
        .get_or_init(|| Scanner::new(Config::default()).unwrap())
        .scan(path, text.as_bytes())
        .into_iter()
        .map(|f| f.id.into_owned())
        .collect()
}

fn ids(text: &str) -> Vec<String> {
    ids_at("src/settings.txt", text)
}

/// Random characters from `set`, from a fixed seed (tests must not depend on the rules' own templates).
fn rand(set: &str, len: usize, seed: u64) -> String {
    let set = set.as_bytes();
    let mut r = Rng::new(seed);
    (0..len).map(|_| char::from(r.pick(set))).collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn uuid(seed: u64) -> String {
    let h = rand(HEX, 32, seed);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The assignment forms other scanners test their rules with (gitleaks' `GenerateSampleSecrets`, issue
/// #1222): INI, JSON, an escaped `\n` in a JSON string, XML over several lines, YAML, C#, Go, Java,
/// Kotlin, PHP `.=`, Python, `System.setProperty`, logstash `=>`, and Makefile `=`, `:=`, `::=`, `:::=`,
/// `?=`. `{i}` is the lower-case name, `{I}` the upper-case one, `{s}` the secret.
const FORMS: &[&str] = &[
    "{i}Token=\"{s}\"",
    "{i}Token = \"{s}\"",
    "{i}Token={s}",
    "{i}Token = {s}",
    "{\n    \"{i}_token\": \"{s}\"\n}",
    "{\"config.ini\": \"{I}_TOKEN={s}\\nBACKUP_ENABLED=true\"}",
    "<{i}Token>\n    {s}\n</{i}Token>",
    "<{i}Token>{s}</{i}Token>",
    "{i}_token: {s}",
    "{i}_token: '{s}'",
    "{i}_token: \"{s}\"",
    "string {i}Token = \"{s}\";",
    "var {i}Token string = \"{s}\"",
    "{i}Token := \"{s}\"",
    "{i}Token := `{s}`",
    "String {i}Token = \"{s}\";",
    "var {i}Token = \"{s}\"",
    "${i}Token .= \"{s}\"",
    "{i}Token = '{s}'",
    "System.setProperty(\"{I}_TOKEN\", \"{s}\")",
    "  \"{i}Token\" => \"{s}\"",
    "{I}_TOKEN = \"{s}\"",
    "{I}_TOKEN := \"{s}\"",
    "{I}_TOKEN ::= \"{s}\"",
    "{I}_TOKEN :::= \"{s}\"",
    "{I}_TOKEN ?= \"{s}\"",
];

fn forms(name: &str, secret: &str) -> Vec<String> {
    FORMS
        .iter()
        .map(|f| {
            f.replace("{i}", name)
                .replace("{I}", &name.to_ascii_uppercase())
                .replace("{s}", secret)
        })
        .collect()
}

/// Every form must give exactly one finding of `rule`; failures are collected in `bad`.
fn check_forms(bad: &mut Vec<String>, rule: &str, name: &str, secret: &str) {
    for text in forms(name, secret) {
        let got = ids(&text);
        if got != [rule] {
            bad.push(format!("{rule}: {got:?} on {text:?}"));
        }
    }
}

#[test]
fn vendor_rules_find_every_assignment_form() {
    let mut bad = Vec::new();
    // Adafruit IO: `aio_` + 28 alphanumerics (io.adafruit.com/api/docs); older keys: 32 of [A-Za-z0-9_-].
    check_forms(
        &mut bad,
        "adafruit-io-key",
        "adafruit",
        &format!("aio_{}", rand(ALNUM, 28, 1)),
    );
    check_forms(
        &mut bad,
        "adafruit-api-key",
        "adafruit",
        &rand(B64URL, 32, 2),
    );
    // Confluent Cloud: 16 upper-case alphanumerics / 64 base64 characters.
    check_forms(
        &mut bad,
        "confluent-api-key",
        "confluent",
        &rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16, 3),
    );
    check_forms(
        &mut bad,
        "confluent-api-secret",
        "confluent",
        &rand(B64, 64, 4),
    );
    // Fastly: 32 base64url.
    check_forms(&mut bad, "fastly-api-token", "fastly", &rand(B64URL, 32, 5));
    // Etsy: 24 lower-case alphanumerics.
    check_forms(&mut bad, "etsy-api-key", "etsy", &rand(LOWER_ALNUM, 24, 6));
    // Looker API3: client ID 20, client secret 24 alphanumerics.
    check_forms(&mut bad, "looker-client-id", "looker", &rand(ALNUM, 20, 7));
    check_forms(
        &mut bad,
        "looker-client-secret",
        "looker",
        &rand(ALNUM, 24, 8),
    );
    // SettleMint: sm_pat_/sm_aat_/sm_sat_ + 16 alphanumerics.
    for (i, p) in ["sm_pat_", "sm_aat_", "sm_sat_"].iter().enumerate() {
        check_forms(
            &mut bad,
            "settlemint-token",
            "settlemint",
            &format!("{p}{}", rand(ALNUM, 16, 9 + i as u64)),
        );
    }
    // Adobe: client ID 32 hex, client secret p8e- + 32 alphanumerics.
    check_forms(&mut bad, "adobe-client-id", "adobe", &rand(HEX, 32, 12));
    check_forms(
        &mut bad,
        "adobe-client-secret",
        "adobe",
        &format!("p8e-{}", rand(ALNUM, 32, 13)),
    );
    // Sourcegraph: sgp_<16 hex>_<40 hex>, sgp_local_<40 hex>, sgp_<40 hex>, unprefixed 40 hex.
    check_forms(
        &mut bad,
        "sourcegraph-access-token",
        "sourcegraph",
        &format!("sgp_{}_{}", rand(HEX, 16, 14), rand(HEX, 40, 15)),
    );
    check_forms(
        &mut bad,
        "sourcegraph-access-token",
        "src",
        &format!("sgp_local_{}", rand(HEX, 40, 16)),
    );
    check_forms(
        &mut bad,
        "sourcegraph-access-token",
        "src",
        &format!("sgp_{}", rand(HEX, 40, 17)),
    );
    check_forms(
        &mut bad,
        "sourcegraph-legacy-token",
        "sourcegraph",
        &rand(HEX, 40, 18),
    );
    // Squarespace and HubSpot (legacy): UUIDs, only next to the vendor's name.
    check_forms(&mut bad, "squarespace-api-key", "squarespace", &uuid(19));
    check_forms(&mut bad, "hubspot-api-key", "hubspot", &uuid(20));
    // Amazon Bedrock: ABSK + base64 (113-273 characters in all).
    check_forms(
        &mut bad,
        "aws-bedrock-api-key",
        "bedrock",
        &format!("ABSKQmVkcm9ja0FQSUtleS0{}=", rand(B64, 120, 21)),
    );
    check_forms(
        &mut bad,
        "aws-bedrock-short-term-api-key",
        "bedrock",
        &format!(
            "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249{}",
            rand(B64, 600, 22)
        ),
    );
    // Slack configuration tokens: mixed case; and the `xoxe-1-` refresh token.
    check_forms(
        &mut bad,
        "slack-config-token",
        "slack",
        &format!("xoxe.xoxp-1-{}", rand(ALNUM, 164, 23)),
    );
    check_forms(
        &mut bad,
        "slack-config-refresh-token",
        "slack",
        &format!("xoxe-1-{}", rand(ALNUM, 146, 24)),
    );
    assert!(
        bad.is_empty(),
        "{} failures:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn generic_rules_find_every_assignment_form() {
    // A secret with letters, digits and a `-`, so no vendor rule claims it.
    let mut bad = Vec::new();
    let s = format!("{}-{}", rand(ALNUM, 20, 30), rand(ALNUM, 12, 31));
    check_forms(&mut bad, "generic-token", "generic", &s);
    assert!(
        bad.is_empty(),
        "{} failures:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn freemius_nuget_and_key_store_files() {
    let sk = format!(
        "sk_{}",
        rand(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789#&@*$",
            29,
            40
        )
    );
    assert_eq!(
        ids_at(
            "wp-content/plugins/x/init.php",
            &format!("$config = array(\n    \"secret_key\" => \"{sk}\",\n);\n")
        ),
        ["freemius-secret-key"]
    );
    // The quoted key name is required.
    assert!(
        ids_at("x.php", &format!("secret_key => \"{sk}\",\n"))
            .iter()
            .all(|i| i != "freemius-secret-key")
    );
    let pw = format!("{}!{}", rand(ALNUM, 10, 41), rand(ALNUM, 4, 42));
    for line in [
        format!("<add key=\"ClearTextPassword\" value=\"{pw}\" />"),
        format!("<add key=\"Password\" value=\"{pw}\"/>"),
    ] {
        assert_eq!(
            ids_at("NuGet.Config", &line),
            ["nuget-config-password"],
            "{line}"
        );
    }
    // Environment variables and the reference's own samples are not passwords.
    for v in ["%FEED_PASSWORD%", "33f!!lloppa", "hal+9ooo_da!sY", "abc"] {
        let line = format!("<add key=\"ClearTextPassword\" value=\"{v}\" />");
        assert!(ids_at("nuget.config", &line).is_empty(), "{line}");
    }
    let scanner = Scanner::new(Config::default()).unwrap();
    let der = b"\x30\x82\x0a\x1f\x02\x01\x03\x30\x82\x09\xe5\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\x00";
    for path in [
        "certs/client.p12",
        "Signing/App_TemporaryKey.PFX",
        "k/a.P12",
    ] {
        let f = scanner.scan(path, der);
        assert_eq!(f.len(), 1, "{path}");
        assert_eq!(f[0].id, "pkcs12-keystore");
        assert_eq!(f[0].location.line, Some(1));
    }
    for path in [
        "doc/type.P126.html",
        "scripts/syntest.p1200.sh",
        "certs/client.pem.txt",
    ] {
        assert!(scanner.scan(path, der).is_empty(), "{path}");
    }
    assert!(scanner.scan("certs/client.p12", b"").is_empty());
    assert!(
        scanner
            .scan(
                "certs/client.p12",
                b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 2573\n"
            )
            .is_empty()
    );
    assert!(scanner.scan("tests/fixtures/client.p12", der).is_empty());
}

#[test]
fn hard_negatives_from_other_scanners_tests() {
    let usk = "<Trust Comment=\"\" Identity=\"USK@u2vn3Lh6Kte2-TgBSNKorbsKkuAt34ckoLmgx0ndXO0,4~q8Q~3wIHjX9DT0yCNfQmr9oxmYrDZoQVLOdNg~yk0,AQACAAE/WebOfTrustRC2/2\" Value=\"100\"/>";
    let csrf = format!(
        "csrf-token={}+{}/{}==",
        rand(ALNUM, 30, 50),
        rand(ALNUM, 20, 51),
        rand(ALNUM, 34, 52)
    );
    let cases = [
        // Empty assignments: the next line's name is not the value.
        "GITHUB_API_KEY=\nDYNATRACE_API_KEY=\n".to_string(),
        "snowflake.password=\njdbc.snowflake.url=\n".to_string(),
        "API_KEY=\nOTHER_SECRET_TOKEN=\n".to_string(),
        // A file name with a content hash.
        "http://assets.example.com/media/video_box.ico-7a388b69018576d24b59331fd60aab0c.png"
            .to_string(),
        "icon = \"static/app.ico-4f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c.png\"".to_string(),
        // Low-entropy look-alikes of runner and other tokens.
        "GR134894112312312312312312312".to_string(),
        "GR1348941XXXXXXXXXXXXXXXXXXXX".to_string(),
        "glrt-tx_xxxxxxxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxx".to_string(),
        "sgp_5555555dAAAAA7777777CcccCFaaaaaaaaaaaaaa".to_string(),
        "xoxe-1-xxx".to_string(),
        // Freenet keys contain `Q~` runs.
        usk.to_string(),
        // CSRF tokens are published in the page.
        csrf,
        "<meta name=\"csrf-token\" content=\"Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7\">".to_string(),
        "authenticity_token: \"k9Qz7Xw2Lp4Rt8Vn1Bc6Hy3Jm5Df0Gs\"".to_string(),
        // Words that contain a vendor's letters.
        format!("SetSysctl = \"{}\"", rand(LOWER_ALNUM, 24, 53)),
        // Firebase SDK test keys.
        "apiKey: \"AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs\"".to_string(),
        "const TEST_API_KEY = \"AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU\";".to_string(),
        // Identifiers that start like Adafruit IO keys.
        "from aiohttp import aio_http_client_session_factory".to_string(),
    ];
    let mut bad = Vec::new();
    for c in &cases {
        let got = ids(c);
        if !got.is_empty() {
            bad.push(format!("{got:?} on {c:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // …while the real formats next to them are found.
    assert_eq!(
        ids(&format!(
            "GITLAB_RUNNER_TOKEN=glrt-{}",
            rand(B64URL, 20, 54)
        )),
        ["gitlab-runner-auth-token"]
    );
    assert_eq!(
        ids(&format!(
            "client_secret: {}8Q~{}",
            rand(ALNUM, 3, 55),
            rand(ALNUM, 34, 56)
        )),
        ["azure-ad-client-secret"]
    );
    assert_eq!(
        ids(&format!("INFRACOST_API_KEY=ico-{}", rand(ALNUM, 32, 57))),
        ["infracost-api-key"]
    );
}

#[test]
fn vendor_formats_from_the_independent_corpus_work() {
    // One case per published format (each rule's `doc` names the source), in a form other than `.env`.
    let cases: Vec<(&str, String)> = vec![
        (
            "posthog-personal-api-key",
            format!(
                "const val POSTHOG_PERSONAL_API_KEY = \"phx_{}\"",
                rand(ALNUM, 43, 60)
            ),
        ),
        (
            "telnyx-api-key",
            format!(
                "export TELNYX_API_KEY=KEY{}_{}",
                rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32, 61),
                rand(ALNUM, 22, 62)
            ),
        ),
        (
            "maxmind-license-key",
            format!(
                "LicenseKey {}_{}_mmk",
                rand(ALNUM, 6, 63),
                rand(ALNUM, 29, 64)
            ),
        ),
        (
            "trello-api-token",
            format!(
                "ENV TRELLO_TOKEN=ATTA{}{}",
                rand(HEX, 64, 65),
                rand("0123456789ABCDEF", 8, 66)
            ),
        ),
        (
            "clickhouse-cloud-api-secret",
            format!(
                "<clickhouseApiSecret>4b1d{}</clickhouseApiSecret>",
                rand(ALNUM, 38, 67)
            ),
        ),
        (
            "resend-api-key",
            format!(
                "const resendApiKey = \"re_{}_{}\";",
                rand(ALNUM, 8, 68),
                rand(ALNUM, 24, 69)
            ),
        ),
        (
            "openshift-user-token",
            format!(
                "oc login --token=sha256~{} --server=https://api.c:6443",
                rand(B64URL, 43, 70)
            ),
        ),
        (
            "openrouter-api-key",
            format!("openrouter.api.key=sk-or-v1-{}", rand(HEX, 64, 71)),
        ),
        (
            "deepseek-api-key",
            format!("  \"deepseekApiKey\": \"sk-{}\",", rand(HEX, 32, 72)),
        ),
        (
            "pinecone-api-key",
            format!(
                "PINECONE_API_KEY: \"pcsk_{}_{}\"",
                rand(ALNUM, 5, 73),
                rand(ALNUM, 63, 74)
            ),
        ),
        (
            "meraki-api-key",
            format!(
                "    \"os.environ[\\\"MERAKI_DASHBOARD_API_KEY\\\"] = \\\"{}\\\"\\n\",",
                rand(HEX, 40, 75)
            ),
        ),
        (
            "vultr-api-key",
            format!(
                "  vultr_api_key = \"{}\"",
                rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36, 76)
            ),
        ),
        (
            "intra42-client-secret",
            format!("\tFtClientSecret = \"s-s4t2af-{}\"", rand(HEX, 64, 77)),
        ),
        (
            "elevenlabs-api-key",
            format!("$env:ELEVENLABS_API_KEY = 'sk_{}'", rand(HEX, 48, 78)),
        ),
        (
            "azure-openai-api-key",
            format!(
                "public static final String AZURE_OPENAI_API_KEY = \"{}\";",
                rand(HEX, 32, 79)
            ),
        ),
        (
            "launchdarkly-access-token",
            format!("      - LAUNCHDARKLY_SDK_KEY=sdk-{}", uuid(80)),
        ),
        (
            "gitlab-oauth-app-secret",
            format!(
                "export GITLAB_APP_SECRET=\"gloas-{}\"",
                rand(B64URL, 64, 81)
            ),
        ),
        (
            "yandex-access-key",
            format!("YC_TOKEN = \"YC{}\"", rand(B64URL, 38, 82)),
        ),
        (
            "heroku-netrc-api-key",
            format!(
                "machine api.heroku.com login ops@example.org password {}",
                uuid(83)
            ),
        ),
        (
            "curl-basic-auth",
            format!(
                "curl -sS -u \"deploy:{}#{}\" https://nexus.internal/x",
                rand(ALNUM, 10, 84),
                rand(ALNUM, 8, 85)
            ),
        ),
        // A Kubernetes env entry (name, then value on the next line) and a .NET `Section:Key` name.
        (
            "looker-client-id",
            format!(
                "            - name: LOOKER_CLIENT_ID\n              value: \"{}\"",
                rand(ALNUM, 20, 97)
            ),
        ),
        (
            "cloudflare-global-api-key",
            format!("  \"Cloudflare:ApiKey\": \"{}\",", rand(HEX, 37, 98)),
        ),
        (
            "datadog-api-key",
            format!("  \"Dd:ApiKey\": \"{}\",", rand(HEX, 32, 99)),
        ),
        // Generic forms: typed constants in Rust, TypeScript, Python; Objective-C literals; #define and
        // fish `set -x`; an index expression; a JSON value that ends in an escaped newline.
        (
            "generic-token",
            format!("const API_TOKEN: &str = \"{}\";", rand(ALNUM, 40, 86)),
        ),
        (
            "generic-secret",
            format!(
                "static CLIENT_SECRET: &'static str = \"{}-{}\";",
                rand(ALNUM, 20, 87),
                rand(ALNUM, 12, 88)
            ),
        ),
        (
            "generic-api-key",
            format!(
                "export const algoliaAdminApiKeyX: string = \"{}\";",
                rand(ALNUM, 36, 89)
            ),
        ),
        (
            "generic-token",
            format!("private_token: str = \"{}\"", rand(ALNUM, 36, 90)),
        ),
        (
            "generic-api-key",
            format!(
                "static NSString *const kApiSecret = @\"{}\";",
                rand(ALNUM, 40, 91)
            ),
        ),
        (
            "generic-api-key",
            format!("#define API_SECRET \"{}\"", rand(ALNUM, 32, 92)),
        ),
        (
            "generic-token",
            format!("set -x PRIVATE_TOKEN \"{}\"", rand(ALNUM, 36, 93)),
        ),
        (
            "generic-secret",
            format!("config[\"client_secret\"] = \"{}\"", rand(ALNUM, 36, 94)),
        ),
        (
            "generic-token",
            format!("  \"apiToken\": \"{}\\n\",", rand(ALNUM, 40, 95)),
        ),
        (
            "generic-api-key",
            format!("var signingKey string = \"{}\"", rand(ALNUM, 32, 96)),
        ),
    ];
    let mut bad = Vec::new();
    for (rule, text) in &cases {
        let got = ids(text);
        if got != [*rule] {
            bad.push(format!("{rule}: {got:?} on {text:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn secret_references_and_placeholders_are_not_secrets() {
    for text in [
        "const val SQUARE_ACCESS_TOKEN = \"arn:aws:secretsmanager:eu-west-1:085449528504:secret:square-zziGpO\"",
        "MANDRILL_API_KEY := vault:secret/data/mandrill#token",
        "GITHUB_TOKEN=op://ci/github/token",
        "db_password: ref+vault://secret/db#password",
        "RUNNER_TOKEN=glrt-REPLACE_WITH_TOKEN__",
        "  token: glrt-runner-token-goes-here",
        "FIREBASE_API_KEY=AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",
        "log.info(\"invalid password 'Xk29aLq0pZ'\")",
        "curl -u \"deploy:$NEXUS_PASSWORD\" https://nexus.internal/x",
        // An empty shell assignment, then the next argument.
        "docker run --rm -e CODECOV_TOKEN= registry.invalid/app:1.0",
        // A list, not a call's arguments (krb5's copyright file in Debian).
        "OpenVision Kerberos Administration system located in \"kadmin/create\",\n\"kadmin/dbutil\", \"kadmin/passwd\", \"kadmin/server\", \"lib/kadm5\"",
        // A name followed by a quoted string, without #define/set: prose.
        "error: wrong api_token \"Xk29aLq0pZ7w\" given",
        // Tables of names (aws-lc `obj_dat.h`, `nid.h`): the value is the key's own name.
        "    {\"setAttr-Token-B0Prime\", \"setAttr-Token-B0Prime\",",
        "#define SN_setAttr_Token_B0Prime \"setAttr-Token-B0Prime\"",
    ] {
        assert!(ids(text).is_empty(), "{:?} on {text:?}", ids(text));
    }
}
