//! Secret in Response (Bulwark 1000001; no ZAP equivalent): Bulwark's secrets engine run over response bodies —
//! API keys, tokens, private keys served to the client. See README.md.

use bulwark_types::Severity;

use crate::message::HttpMessage;
use crate::rules::content::is_binary_type;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct SecretsInResponse;

/// A Bulwark plugin id: 1000001 is not in ZAP's scan rule registry (`docs/scanners.md`), whose ids stop at
/// six digits.
static INFO: RuleInfo = RuleInfo {
    id: 1_000_001,
    name: "Secret in Response",
    status: RuleStatus::Release,
    cwe: 200,
    wasc: 13,
    description: "The response body contains a credential (an API key, an access token, a private key) that \
                  Bulwark's secrets engine recognises. Anything served to a browser is public.",
    solution: "Remove the secret from what the server sends, revoke it and issue a new one; keep secrets \
               server-side and give clients short-lived, narrowly scoped tokens.",
    references: &["https://cwe.mitre.org/data/definitions/200.html"],
};

fn risk(s: Severity) -> Risk {
    match s {
        Severity::Critical | Severity::High => Risk::High,
        Severity::Medium => Risk::Medium,
        Severity::Low => Risk::Low,
        Severity::Info | Severity::Unknown => Risk::Informational,
    }
}

impl PassiveRule for SecretsInResponse {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Some(scanner) = cx.secrets else { return };
        if msg.body.is_empty() || is_binary_type(msg) {
            return;
        }
        for f in scanner.scan(&msg.url, &msg.body) {
            let mut a = Alert::new(&INFO, msg, risk(f.severity), Confidence::Medium);
            a.param = f.id.to_string();
            // The engine's evidence is already redacted (first four characters, then `*****`).
            a.evidence = f.evidence.clone().unwrap_or_default();
            let line = f.location.line.map(|l| format!(" at line {l}")).unwrap_or_default();
            a.other_info = format!("{} ({}){line}.", f.title, f.id);
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, MsgExt};

    fn run_with_secrets(m: &HttpMessage) -> Vec<Alert> {
        let scanner = bulwark_secrets::Scanner::new(bulwark_secrets::Config::default()).expect("scanner");
        let origins = [String::from("https://app.example.com")];
        let text = m.body_text();
        let cx = ScanContext { doc: None, text: &text, vulns: None, secrets: Some(&scanner), origins: &origins };
        let mut out = Vec::new();
        SecretsInResponse.scan(m, &cx, &mut out);
        out
    }

    /// A GitHub personal access token in a served config file (the secrets crate's documented example token).
    #[test]
    fn fires_with_redacted_evidence() {
        let m = msg("https://app.example.com/config.js", 200)
            .header("Content-Type", "application/javascript")
            .body("window.cfg = {\n  GITHUB_TOKEN: \"ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\"\n};\n");
        let a = run_with_secrets(&m);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].plugin_id, 1_000_001);
        assert!(a[0].evidence.starts_with("ghp_") && !a[0].evidence.contains("a8Kd93"), "{}", a[0].evidence);
        assert!(a[0].risk >= Risk::Medium);
    }

    /// AWS's documented example key is on the engine's allow list; an ordinary page has nothing; no engine, no
    /// alert; binary types are skipped.
    #[test]
    fn quiet_cases() {
        let m = msg("https://app.example.com/", 200)
            .header("Content-Type", "text/html")
            .body("<p>AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE</p><p>hello</p>");
        assert!(run_with_secrets(&m).is_empty());
        let m = msg("https://app.example.com/x.png", 200)
            .header("Content-Type", "image/png")
            .body("GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G");
        assert!(run_with_secrets(&m).is_empty());
        let m = msg("https://app.example.com/", 200).body("GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G");
        assert!(crate::rules::testing::run(&SecretsInResponse, &m).is_empty());
    }
}
