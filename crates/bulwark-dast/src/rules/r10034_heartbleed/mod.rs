//! 10034 Heartbleed OpenSSL Vulnerability (Indicative): a `Server` header naming an OpenSSL release known to
//! have CVE-2014-0160 (1.0.1 to 1.0.1f, 1.0.2-beta). Indicative only: the header may not be the TLS stack.

use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

static INFO: RuleInfo = RuleInfo {
    id: 10034,
    name: "Heartbleed OpenSSL Vulnerability (Indicative)",
    status: RuleStatus::Release,
    cwe: 119,
    wasc: 20,
    description: "The Server header names an OpenSSL version with the Heartbleed flaw (CVE-2014-0160), which lets \
                  anyone read server memory, including private keys and session data, over TLS.",
    solution: "Upgrade OpenSSL to 1.0.1g or later, then replace the server's keys and certificates.",
    references: &[
        "https://nvd.nist.gov/vuln/detail/CVE-2014-0160",
        "https://www.openssl.org/news/secadv/20140407.txt",
    ],
};

/// Versions the OpenSSL advisory of 2014-04-07 lists as affected, plus 1.0.2-beta (1.0.2-beta1).
const VULNERABLE: &[&str] = &[
    "1.0.1-beta1",
    "1.0.1-beta2",
    "1.0.1-beta3",
    "1.0.1",
    "1.0.1a",
    "1.0.1b",
    "1.0.1c",
    "1.0.1d",
    "1.0.1e",
    "1.0.1f",
    "1.0.2-beta",
];

static OPENSSL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(OpenSSL/([0-9.]+[a-z0-9-]+))").expect("static regex"));

pub(super) struct Rule;

impl PassiveRule for Rule {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, _cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        for v in msg.headers("server") {
            for c in OPENSSL.captures_iter(v) {
                let (Some(full), Some(ver)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                if VULNERABLE
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(ver.as_str()))
                {
                    let mut a = Alert::new(&INFO, msg, Risk::High, Confidence::Low);
                    a.evidence = full.as_str().to_string();
                    a.other_info = format!(
                        "{} is affected by CVE-2014-0160 (Heartbleed).",
                        full.as_str()
                    );
                    out.push(a);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{MsgExt, msg, run};

    fn server(v: &str) -> HttpMessage {
        msg("https://www.example.com/test/", 200).header("Server", v)
    }

    // HeartBleedScannerUnitTest.givenServerHeaderWithVulnerableOpenSSLThenAlertRaised, …VulnerableLowercase…
    #[test]
    fn vulnerable_versions_fire() {
        for v in VULNERABLE {
            let a = run(&Rule, &server(&format!("Apache-Coyote/1.1 (OpenSSL/{v})")));
            assert_eq!(a.len(), 1, "{v}");
            assert_eq!(a[0].evidence, format!("OpenSSL/{v}"));
            assert_eq!((a[0].risk, a[0].confidence), (Risk::High, Confidence::Low));
        }
        assert_eq!(
            run(&Rule, &server("Apache-Coyote/1.1 (openssl/1.0.1-beta1)"))[0].evidence,
            "openssl/1.0.1-beta1"
        );
    }

    // HeartBleedScannerUnitTest.givenServerHeaderWithSafeOpenSSLThenNoAlertRaised, …WithoutOpenSSL…, givenNoServerHeader…
    #[test]
    fn safe_or_absent_passes() {
        for v in [
            "Apache/2.4.1 (OpenSSL/1.1.1)",
            "Apache/2.4.1",
            "Apache/2.2.15 (OpenSSL/1.0.1g)",
            "x (OpenSSL/1.0.1e-fips)",
        ] {
            assert!(run(&Rule, &server(v)).is_empty(), "{v}");
        }
        assert!(run(&Rule, &msg("https://www.example.com/", 200)).is_empty());
    }

    // …givenServerHeaderWithVulnerableAndSafeOpenSSLVersionsThenAlertRaised, …SafeAndVulnerable…
    #[test]
    fn any_of_several_server_headers() {
        let m = server("Apache-Coyote/1.1 (OpenSSL/1.1.1)")
            .header("Server", "Apache-Coyote/1.1 (openssl/1.0.1)");
        assert_eq!(run(&Rule, &m).len(), 1);
    }
}
