//! A kubesec-style score per workload: hardening earns points, findings cost points by severity.

use bulwark_types::{Finding, Severity};

use crate::model::Object;

/// Points: +1 for each hardening setting present on every container (read-only root filesystem, runAsNonRoot,
/// capabilities dropped, CPU and memory limits and requests, seccomp profile), +1 for a dedicated service
/// account and for a disabled token automount; minus 30/9/3/1 per distinct rule hit at
/// Critical/High/Medium/Low.
#[must_use]
pub fn score(obj: &Object<'_>, findings: &[Finding]) -> i32 {
    let mut score = 0i32;
    let mut seen: Vec<&str> = Vec::new();
    for f in findings {
        if seen.contains(&&*f.id) {
            continue;
        }
        seen.push(&f.id);
        score -= match f.severity {
            Severity::Critical => 30,
            Severity::High => 9,
            Severity::Medium => 3,
            Severity::Low => 1,
            _ => 0,
        };
    }
    let Some(pod) = &obj.pod else { return score };
    let doc = obj.doc;
    let all = |path: &[&str], ok: &dyn Fn(crate::yaml::NodeId) -> bool| {
        !pod.containers.is_empty()
            && pod
                .containers
                .iter()
                .all(|c| doc.path(c.node, path).is_some_and(ok))
    };
    let truthy = |n| doc.bool(n) == Some(true);
    let present = |_| true;
    score += i32::from(all(&["securityContext", "readOnlyRootFilesystem"], &truthy));
    score += i32::from(all(&["securityContext", "runAsNonRoot"], &truthy));
    score += i32::from(all(&["securityContext", "capabilities", "drop"], &present));
    score += i32::from(all(&["resources", "limits", "cpu"], &present));
    score += i32::from(all(&["resources", "limits", "memory"], &present));
    score += i32::from(all(&["resources", "requests", "cpu"], &present));
    score += i32::from(all(&["resources", "requests", "memory"], &present));
    score += i32::from(
        doc.path(pod.spec, &["securityContext", "seccompProfile"])
            .is_some()
            || all(&["securityContext", "seccompProfile"], &present),
    );
    score += i32::from(obj.service_account() != "default");
    score += i32::from(
        doc.get(pod.spec, "automountServiceAccountToken")
            .and_then(|v| doc.bool(v))
            == Some(false),
    );
    score
}
