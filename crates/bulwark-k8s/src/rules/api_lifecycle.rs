//! When Kubernetes deprecated and stopped serving each beta API version, for `removed-api-version` and
//! `deprecated-api-version`.
//!
//! Source: the Kubernetes "Deprecated API Migration Guide"
//! (<https://kubernetes.io/docs/reference/using-api/deprecation-guide/>, "Removed APIs by release", v1.16 to
//! v1.32) for the release that stopped serving each version, its replacement and the release the replacement
//! became available in. The guide does not say when each version was *deprecated*; that comes from the same
//! API types' `+k8s:prerelease-lifecycle-gen:deprecated` tags (`staging/src/k8s.io/api/<group>/<version>/
//! zz_generated.prerelease-lifecycle.go` in kubernetes/kubernetes), which is also what the API server's
//! `Warning: … is deprecated in v1.N+, unavailable in v1.M+` header reports. One row per group/version/kind.

/// One API version of one kind that Kubernetes stopped serving.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle {
    /// `group/version` as written in `apiVersion` (`extensions/v1beta1`).
    pub api_version: &'static str,
    pub kind: &'static str,
    /// Minor release (`1.N`) that deprecated it.
    pub deprecated: u16,
    /// Minor release that no longer serves it.
    pub removed: u16,
    /// What to use instead: `apiVersion`, or advice when there is no like-for-like replacement.
    pub replacement: &'static str,
    /// Minor release the replacement is available since (0 when the guide gives none).
    pub since: u16,
}

const fn row(
    api_version: &'static str,
    kind: &'static str,
    deprecated: u16,
    removed: u16,
    replacement: &'static str,
    since: u16,
) -> Lifecycle {
    Lifecycle {
        api_version,
        kind,
        deprecated,
        removed,
        replacement,
        since,
    }
}

const FLOWCONTROL_V1: &str = "flowcontrol.apiserver.k8s.io/v1";

/// Every deprecated API version the migration guide lists, newest removal first.
pub const TABLE: &[Lifecycle] = &[
    // v1.32
    row(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        32,
        FLOWCONTROL_V1,
        29,
    ),
    row(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        32,
        FLOWCONTROL_V1,
        29,
    ),
    // v1.29
    row(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        29,
        FLOWCONTROL_V1,
        29,
    ),
    row(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        29,
        FLOWCONTROL_V1,
        29,
    ),
    // v1.27
    row(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        "storage.k8s.io/v1",
        24,
    ),
    // v1.26
    row(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        26,
        FLOWCONTROL_V1,
        29,
    ),
    row(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        26,
        FLOWCONTROL_V1,
        29,
    ),
    row(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        "autoscaling/v2",
        23,
    ),
    // v1.25
    row("batch/v1beta1", "CronJob", 21, 25, "batch/v1", 21),
    row(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        "discovery.k8s.io/v1",
        21,
    ),
    row(
        "events.k8s.io/v1beta1",
        "Event",
        22,
        25,
        "events.k8s.io/v1",
        19,
    ),
    row(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        25,
        "autoscaling/v2",
        23,
    ),
    row(
        "policy/v1beta1",
        "PodDisruptionBudget",
        21,
        25,
        "policy/v1",
        21,
    ),
    row(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "no replacement API: Pod Security Admission (namespace labels) or a third-party admission webhook",
        0,
    ),
    row(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        22,
        25,
        "node.k8s.io/v1",
        20,
    ),
    // v1.22
    row(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
        16,
    ),
    row(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
        16,
    ),
    row(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        "apiextensions.k8s.io/v1",
        16,
    ),
    row(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        22,
        "apiregistration.k8s.io/v1",
        10,
    ),
    row(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        19,
        22,
        "authentication.k8s.io/v1",
        6,
    ),
    row(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        19,
        22,
        "authorization.k8s.io/v1",
        6,
    ),
    row(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        19,
        22,
        "authorization.k8s.io/v1",
        6,
    ),
    row(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        19,
        22,
        "authorization.k8s.io/v1",
        6,
    ),
    row(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        19,
        22,
        "authorization.k8s.io/v1",
        6,
    ),
    row(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        "certificates.k8s.io/v1",
        19,
    ),
    row(
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        22,
        "coordination.k8s.io/v1",
        14,
    ),
    row(
        "extensions/v1beta1",
        "Ingress",
        14,
        22,
        "networking.k8s.io/v1",
        19,
    ),
    row(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1",
        19,
    ),
    row(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        "networking.k8s.io/v1",
        19,
    ),
    row(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
        8,
    ),
    row(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
        8,
    ),
    row(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
        8,
    ),
    row(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
        8,
    ),
    row(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        "scheduling.k8s.io/v1",
        14,
    ),
    row(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        "storage.k8s.io/v1",
        19,
    ),
    row(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        "storage.k8s.io/v1",
        17,
    ),
    row(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        22,
        "storage.k8s.io/v1",
        6,
    ),
    row(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        22,
        "storage.k8s.io/v1",
        13,
    ),
    // v1.16
    row(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        "networking.k8s.io/v1",
        8,
    ),
    row(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        11,
        16,
        "policy/v1beta1 (itself removed in v1.25)",
        10,
    ),
    row("extensions/v1beta1", "DaemonSet", 8, 16, "apps/v1", 9),
    row("extensions/v1beta1", "Deployment", 8, 16, "apps/v1", 9),
    row("extensions/v1beta1", "ReplicaSet", 8, 16, "apps/v1", 9),
    row("apps/v1beta1", "Deployment", 8, 16, "apps/v1", 9),
    row("apps/v1beta1", "StatefulSet", 8, 16, "apps/v1", 9),
    row("apps/v1beta1", "ReplicaSet", 8, 16, "apps/v1", 9),
    row("apps/v1beta2", "DaemonSet", 9, 16, "apps/v1", 9),
    row("apps/v1beta2", "Deployment", 9, 16, "apps/v1", 9),
    row("apps/v1beta2", "StatefulSet", 9, 16, "apps/v1", 9),
    row("apps/v1beta2", "ReplicaSet", 9, 16, "apps/v1", 9),
];

/// The lifecycle of `apiVersion` + `kind`, when Kubernetes deprecated it.
#[must_use]
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Lifecycle> {
    TABLE
        .iter()
        .find(|l| l.api_version == api_version.trim() && l.kind == kind)
}

impl Lifecycle {
    /// `use apps/v1 (available since v1.9)`.
    #[must_use]
    pub fn advice(&self) -> String {
        if self.replacement.contains(' ') {
            self.replacement.to_string()
        } else if self.since > 0 {
            format!(
                "use {} {} (available since v1.{})",
                self.replacement, self.kind, self.since
            )
        } else {
            format!("use {} {}", self.replacement, self.kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_consistent() {
        let mut seen = std::collections::HashSet::new();
        for l in TABLE {
            assert!(seen.insert((l.api_version, l.kind)), "duplicate {l:?}");
            assert!(l.deprecated < l.removed, "{l:?}");
            // The deprecation policy: a beta version is served for at least 3 releases after its deprecation.
            assert!(l.removed - l.deprecated >= 3, "{l:?}");
        }
        assert_eq!(lookup("batch/v1beta1", "CronJob").unwrap().removed, 25);
        assert!(lookup("batch/v1", "CronJob").is_none());
    }
}
