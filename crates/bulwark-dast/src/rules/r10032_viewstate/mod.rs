//! Viewstate (ZAP 10032): ASP.NET `__VIEWSTATE` fields without a MAC, from ASP.NET 1.x, split, or carrying email
//! or IP addresses. See README.md.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::message::HttpMessage;
use crate::rules::content::base64_decode;
use crate::rules::{Alert, Confidence, PassiveRule, Risk, RuleInfo, RuleStatus, ScanContext};

pub(crate) struct Viewstate;

static INFO: RuleInfo = RuleInfo {
    id: 10032,
    name: "Viewstate",
    status: RuleStatus::Release,
    cwe: 642,
    wasc: 14,
    description: "The page carries an ASP.NET ViewState, state the client sends back to the server.",
    solution: "Check that the ViewState holds nothing confidential, is protected by a MAC, and runs on a supported \
               ASP.NET version.",
    references: &["https://learn.microsoft.com/en-us/previous-versions/msp-n-p/ff649308(v=pandp.10)"],
};

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,4}").expect("email regex"));
static IP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").expect("ip regex"));

#[derive(PartialEq, Eq, Clone, Copy)]
enum Version {
    AspNet1,
    AspNet2,
}

impl PassiveRule for Viewstate {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn scan(&self, msg: &HttpMessage, cx: &ScanContext<'_>, out: &mut Vec<Alert>) {
        let Some(doc) = cx.doc else { return };
        // Hidden fields by id (or name): every <input>, and any element named `__…`.
        let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
        for t in &doc.tags {
            if t.name != "input" && !t.attr("name").is_some_and(|n| n.starts_with("__")) {
                continue;
            }
            if let Some(key) = t.attr("id").or(t.attr("name")) {
                fields.insert(key, t.attr("value").unwrap_or(""));
            }
        }
        let Some(first) = fields.get("__VIEWSTATE") else { return };
        let (value, split) = match fields.get("__VIEWSTATEFIELDCOUNT").and_then(|c| c.trim().parse::<usize>().ok()) {
            Some(n) => {
                let mut v = (*first).to_string();
                for i in 1..n.min(1000) {
                    v.push_str(fields.get(format!("__VIEWSTATE{i}").as_str()).copied().unwrap_or(""));
                }
                (v, true)
            }
            None => ((*first).to_string(), false),
        };
        let version = if value.starts_with("/w") {
            Version::AspNet2
        } else if value.starts_with("dD") {
            Version::AspNet1
        } else {
            return;
        };
        let Some(bytes) = base64_decode(&value) else { return };
        let decoded: Vec<char> = String::from_utf8_lossy(&bytes).chars().collect();
        let l = decoded.len();
        if l < 22 {
            return;
        }
        let marker: String = decoded[l - 22..l - 20].iter().collect();
        let last: String = decoded[l - 2..].iter().collect();
        let end = if version == Version::AspNet2 { "dd" } else { ">>" };
        let alert = |name: &str, risk, confidence, n: u32| {
            let mut a = Alert::new(&INFO, msg, risk, confidence);
            a.name = name.to_string();
            a.alert_ref = format!("10032-{n}");
            a
        };
        // The marker 20 characters before the end means a MAC follows; the marker at the very end means none.
        // Only both together are sure (ZAP reports the unsure case at LOW).
        if marker != end && last == end {
            out.push(alert("Viewstate without MAC Signature (Sure)", Risk::High, Confidence::Medium, 5));
        }
        if version == Version::AspNet1 {
            out.push(alert("Old Asp.Net Version in Use", Risk::Low, Confidence::Medium, 3));
        }
        let text: String = decoded.iter().collect();
        for (re, name, n) in [
            (&*EMAIL, "Emails Found in the Viewstate", 2),
            (&*IP, "Potential IP Addresses Found in the Viewstate", 1),
        ] {
            let found: BTreeSet<&str> = re.find_iter(&text).map(|m| m.as_str()).collect();
            if !found.is_empty() {
                let mut a = alert(name, Risk::Medium, Confidence::Medium, n);
                a.other_info = format!("[{}]", found.into_iter().collect::<Vec<_>>().join(", "));
                out.push(a);
            }
        }
        if split {
            out.push(alert("Split Viewstate in Use", Risk::Informational, Confidence::Low, 6));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{msg, run, MsgExt};

    fn page(body: &str) -> Vec<Alert> {
        run(&Viewstate, &msg("http://example.com", 200).header("Content-Type", "text/html").body(body))
    }

    fn b64(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in data.chunks(3) {
            let n = c.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                s.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
            }
        }
        s
    }

    const BASE: &str = "/wEPDwUJODczNjQ5OTk0D2QWAgIDD2QWAgIFDw8WAh4EVGV4dAUWSSBMb3ZlIERvdG5ldEN1cnJ5LmNvbWRkZMHbBY9JqBTvB5/6kXnY15AUSAwa";

    /// ViewStateScanRuleUnitTest.getViewstateWithText: the text inserted after the 40th byte.
    fn with_text(t: &str) -> String {
        let d = base64_decode(BASE).expect("base");
        let mut v = d[..40].to_vec();
        v.extend_from_slice(t.as_bytes());
        v.extend_from_slice(&d[40..]);
        b64(&v)
    }

    /// shouldRaiseAlertAsThereIsNoValidMACSure, shouldRaiseAlertForOldASPVersion,
    /// shouldRaiseAlertBecauseTheParametersDoesHaveEmail / …HaveIP, shouldRaiseAlertAsViewstateIsSplit.
    #[test]
    fn fires_on_each_variant() {
        let a = page("<input name=\"__VIEWSTATE\" value=\"/wEPDWUKMTkwNjc4NTIwwEPDWUKMTkwNjc4NTIwMWRkaMWRka\">");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].name.as_str(), a[0].risk, a[0].alert_ref.as_str()), ("Viewstate without MAC Signature (Sure)", Risk::High, "10032-5"));
        let a = page("<input name=\"__VIEWSTATE\" value=\"dDPDWUKMTkwNjc4NTIwMWRkaKrolbpTKYmPUNsab597kh8iOBU=\">");
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].name.as_str(), a[0].risk, a[0].confidence, a[0].alert_ref.as_str()), ("Old Asp.Net Version in Use", Risk::Low, Confidence::Medium, "10032-3"));
        let a = page(&format!("<input name=\"__VIEWSTATE\" value=\"{}\">", with_text("test@test.com")));
        assert_eq!(a.len(), 1);
        assert_eq!((a[0].name.as_str(), a[0].other_info.as_str(), a[0].alert_ref.as_str()), ("Emails Found in the Viewstate", "[Itest@test.com]", "10032-2"));
        let a = page(&format!("<input name=\"__VIEWSTATE\" value=\"{}\">", with_text("127.0.0.1")));
        assert_eq!((a.len(), a[0].other_info.as_str(), a[0].alert_ref.as_str()), (1, "[127.0.0.1]", "10032-1"));
        let a = page("<input type=\"hidden\" name=\"__VIEWSTATEFIELDCOUNT\" id=\"__VIEWSTATEFIELDCOUNT\" value=\"3\" /><input type=\"hidden\" name=\"__VIEWSTATE\" id=\"__VIEWSTATE\" value=\"/wEPDwUKLTk2Njk3OTQxNg9kFgICAw9kFgICCQ88\" /><input type=\"hidden\" name=\"__VIEWSTATE1\" id=\"__VIEWSTATE1\" value=\"KwANAGQYAQUJR3JpZFZpZXcxD2dk4sjERFfnDXV/\" /><input type=\"hidden\" name=\"__VIEWSTATE2\" id=\"__VIEWSTATE2\" value=\"hMFGAL10HQUnZbk=\" />");
        assert!(a.iter().any(|x| x.name == "Split Viewstate in Use" && x.alert_ref == "10032-6"), "{a:?}");
    }

    /// shouldNotRaiseAlertAsThereIsNoContent, …NoValidViewState, …AnUnknownVersionOfASP,
    /// shouldNotRaiseAlertAsThereIsNoValidMACUnsureMediumOrHighThreshold, …TheParametersDoNotHaveEmailsOrIps.
    #[test]
    fn quiet_cases() {
        assert!(page("").is_empty());
        assert!(page("<input name=\"__specialstate\" value=\"bm90dmFsaWQ=\">").is_empty());
        assert!(page("<input name=\"__VIEWSTATE\" value=\"/wEPDWUKMTkwNjc4NTIwMWRkaKrolbpTKYmPUNsab597kh8iOBU=\">").is_empty());
        assert!(page(&format!("<input name=\"__VIEWSTATE\" value=\"{BASE}\">")).is_empty());
    }
}
