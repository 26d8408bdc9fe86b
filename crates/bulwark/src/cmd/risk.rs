//! Contextual risk for policy rules that read it (`riskAtLeast`, `ssvc`): the vulnerability findings of a
//! subject's report scored by `bulwark-risk` before [`super::verdict::Policy::judge`] evaluates, so the CLI,
//! CI, the admission webhook and the rescan loop judge the same scores.
//!
//! The context is the subject's own workload object when it has one (admission: the Pod or controller being
//! admitted), else a stand-in Pod with nothing set, which is what Kubernetes runs when a manifest says nothing:
//! root allowed, writable root filesystem, no NetworkPolicy, no Service (docs/risk.md, "Policy").

use bulwark_report::Report;
use bulwark_types::FindingKind;

/// Whether some vulnerability finding of `report` has no `risk` yet.
pub(crate) fn needs_scoring(report: &Report) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Vulnerability && f.property("risk").is_none())
}

/// Scores every vulnerability finding of `report` that has no `risk` yet and writes `risk` and `ssvc` on it.
/// `now` is Unix seconds (the policy's clock).
pub(crate) fn annotate_report(report: &mut Report, object: Option<&serde_json::Value>, now: i64) {
    let Some(mut ctx) = object
        .and_then(context_of)
        .or_else(|| DEFAULT_CONTEXT.clone())
    else {
        return; // the analysis cannot read a bare Pod: nothing is scored, risk selectors match nothing
    };
    // An image report knows when the image was built: the age factor.
    ctx.image_created = report
        .target
        .image
        .as_ref()
        .and_then(|i| i.created.as_deref())
        .and_then(bulwark_risk::Date::parse);
    let date = bulwark_risk::Date::from_unix(now);
    for f in &mut report.findings {
        if f.kind == FindingKind::Vulnerability && f.property("risk").is_none() {
            let risk = bulwark_risk::score(f, &ctx, date);
            bulwark_risk::annotate(f, &risk);
        }
    }
}

/// The context of a workload object (a Pod or a pod controller), `None` for anything else.
fn context_of(object: &serde_json::Value) -> Option<bulwark_risk::WorkloadContext> {
    let bytes = serde_json::to_vec(object).ok()?;
    analyse(&bytes)
}

fn analyse(bytes: &[u8]) -> Option<bulwark_risk::WorkloadContext> {
    let opts = bulwark_k8s::ScanOptions {
        collect_posture: true,
        ..bulwark_k8s::ScanOptions::default()
    };
    let scan = bulwark_k8s::scan_bytes("subject", bytes, &opts);
    let w = scan.workloads.first()?;
    bulwark_risk::WorkloadContext::from_workload(w, &scan, &bulwark_risk::ContextOptions::default())
        .ok()
}

/// The stand-in: a Pod with one container and nothing else set.
static DEFAULT_CONTEXT: std::sync::LazyLock<Option<bulwark_risk::WorkloadContext>> =
    std::sync::LazyLock::new(|| {
        analyse(
            br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"unknown","namespace":"unknown"},
                 "spec":{"containers":[{"name":"app","image":"unknown"}]}}"#,
        )
    });
