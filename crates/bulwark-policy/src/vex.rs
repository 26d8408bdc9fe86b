//! OpenVEX v0.2.0 export of accepted vulnerability exceptions (`bulwark policy vex`).
//!
//! Every vulnerability that an exception accepted in a [`Verdict`] becomes a `not_affected` statement: the
//! exception's `justification` (one of OpenVEX's five) when it has one, and its reason as the
//! `impact_statement` (the spec requires one of the two for `not_affected`); owner, ticket and expiry go in
//! `status_notes`. Products are the packages' purls, as subcomponents of the image (`pkg:oci/…@digest`) when
//! the verdict names an image digest. The document `@id` is derived from its statements, so the same verdict
//! exports the same document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::bundle::Bundle;
use crate::model::Verdict;

/// OpenVEX JSON-LD context of the version written.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// A finding id is a vulnerability when it is not one of Bulwark's rule ids.
fn is_vulnerability(id: &str) -> bool {
    !id.starts_with("BW-")
}

/// `pkg:oci/<name>@<digest>` for an image (digest `:` percent-encoded, as the purl spec's oci examples).
fn oci_purl(name: &str, digest: &str) -> String {
    let repo = name.split('@').next().unwrap_or(name);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    let last = last.split(':').next().unwrap_or(last).to_ascii_lowercase();
    format!("pkg:oci/{last}@{}", digest.replace(':', "%3A"))
}

/// The OpenVEX document for `verdict`'s accepted vulnerabilities; `None` when it has none.
#[must_use]
pub fn export(bundle: &Bundle, verdict: &Verdict, author: &str) -> Option<Value> {
    // (exception, vulnerability) → purls
    let mut grouped: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for r in &verdict.results {
        for e in &r.excepted {
            let (Some(id), Some(purl)) = (e.hit.finding_id.as_deref(), e.hit.purl.as_deref())
            else {
                continue;
            };
            if is_vulnerability(id) {
                grouped
                    .entry((e.exception.as_str(), id))
                    .or_default()
                    .push(purl);
            }
        }
    }
    if grouped.is_empty() {
        return None;
    }
    let image = verdict
        .subject
        .digest
        .as_deref()
        .filter(|_| verdict.subject.kind == "image")
        .map(|d| oci_purl(&verdict.subject.name, d));
    let mut statements = Vec::new();
    for ((exception, vuln), mut purls) in grouped {
        purls.sort_unstable();
        purls.dedup();
        let ex = bundle.exceptions.iter().find(|e| e.id == exception);
        let components: Vec<Value> = purls.iter().map(|p| json!({"@id": p})).collect();
        let products = match &image {
            Some(img) => json!([{"@id": img, "subcomponents": components}]),
            None => Value::Array(components),
        };
        let mut st = json!({
            "vulnerability": {"name": vuln},
            "products": products,
            "status": "not_affected",
            "timestamp": verdict.evaluated_at,
        });
        if let Some(ex) = ex {
            if let Some(j) = &ex.justification {
                st["justification"] = json!(j);
            }
            st["impact_statement"] = json!(ex.reason);
            let mut notes = format!(
                "Bulwark exception {} ({}), owner {}",
                ex.id, ex.source, ex.owner
            );
            if let Some(t) = &ex.ticket {
                let _ = write!(notes, ", ticket {t}");
            }
            if let Some(x) = &ex.expires_text {
                let _ = write!(notes, ", expires {x}");
            }
            st["status_notes"] = json!(notes);
        } else {
            st["impact_statement"] = json!(format!("accepted by exception {exception}"));
        }
        statements.push(st);
    }
    let body = serde_json::to_string(&statements).unwrap_or_default();
    let id = format!(
        "https://openvex.dev/docs/public/bulwark-{}",
        Sha256::digest(
            format!("{}\n{}\n{body}", bundle.info.digest, verdict.subject.name).as_bytes()
        )
        .iter()
        .take(16)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    );
    Some(json!({
        "@context": CONTEXT,
        "@id": id,
        "author": author,
        "timestamp": verdict.evaluated_at,
        "version": 1,
        "tooling": "bulwark",
        "statements": statements,
    }))
}
