//! The rule registry: every rule, in one explicit list. Add a rule by adding its folder and one line here.

pub mod api_lifecycle;
pub mod cross;
pub mod score;
pub(crate) mod util;

pub use util::BASELINE_CAPABILITIES;

mod capabilities_not_dropped;
mod cluster_admin_broad_binding;
mod custom_selinux_options;
mod default_namespace;
mod default_service_account;
mod host_aliases;
mod host_namespace_sharing;
mod host_path_volume;
mod host_port;
mod image_pull_policy_not_always;
mod image_without_digest;
mod latest_image_tag;
mod load_balancer_service;
mod missing_liveness_probe;
mod missing_readiness_probe;
mod missing_resource_limits;
mod missing_resource_requests;
mod missing_seccomp_profile;
mod net_raw_capability;
mod node_port_service;
mod non_core_volume_type;
mod non_default_capabilities;
mod privilege_escalation_allowed;
mod privileged_container;
mod privileged_port;
mod probe_host_override;
mod rbac_csr_approval;
mod rbac_escalation_verbs;
mod rbac_nodes_proxy;
mod rbac_persistent_volume_create;
mod rbac_pod_create_or_exec;
mod rbac_secret_read;
mod rbac_token_create;
mod rbac_webhook_config;
mod rbac_wildcard;
mod root_user_id;
mod run_as_root_allowed;
mod scc_host_access;
mod scc_privileged_container;
mod scc_relaxed_pod_constraints;
mod secret_in_config_map;
mod secret_in_env_value;
mod sensitive_host_path;
mod service_account_token_automount;
mod service_selector_matches_nothing;
mod sys_admin_capability;
mod system_masters_binding;
mod unconfined_apparmor_profile;
mod unconfined_seccomp_profile;
mod unmasked_proc_mount;
mod unsafe_sysctls;
mod windows_host_process;
mod workload_without_network_policy;
mod writable_root_filesystem;
// Dangling references, API versions and the optional best-practices group (BW-K8S-0080…).
mod dangling_horizontal_pod_autoscaler;
mod dangling_ingress;
mod dangling_network_policy;
mod dangling_role_binding;
mod deprecated_api_version;
mod duplicate_env_var;
mod low_replica_count;
mod missing_anti_affinity;
mod missing_pod_disruption_budget;
mod missing_priority_class;
mod missing_service_account;
mod probe_port_not_exposed;
mod removed_api_version;

use crate::rule::Rule;

/// Every rule, in id order.
pub static RULES: &[&dyn Rule] = &[
    &host_namespace_sharing::HostNamespaceSharing,
    &privileged_container::PrivilegedContainer,
    &non_default_capabilities::NonDefaultCapabilities,
    &host_path_volume::HostPathVolume,
    &host_port::HostPort,
    &unconfined_apparmor_profile::UnconfinedApparmorProfile,
    &custom_selinux_options::CustomSelinuxOptions,
    &unmasked_proc_mount::UnmaskedProcMount,
    &unconfined_seccomp_profile::UnconfinedSeccompProfile,
    &unsafe_sysctls::UnsafeSysctls,
    &windows_host_process::WindowsHostProcess,
    &probe_host_override::ProbeHostOverride,
    &non_core_volume_type::NonCoreVolumeType,
    &privilege_escalation_allowed::PrivilegeEscalationAllowed,
    &run_as_root_allowed::RunAsRootAllowed,
    &root_user_id::RootUserId,
    &missing_seccomp_profile::MissingSeccompProfile,
    &capabilities_not_dropped::CapabilitiesNotDropped,
    &writable_root_filesystem::WritableRootFilesystem,
    &missing_resource_limits::MissingResourceLimits,
    &missing_resource_requests::MissingResourceRequests,
    &latest_image_tag::LatestImageTag,
    &image_without_digest::ImageWithoutDigest,
    &image_pull_policy_not_always::ImagePullPolicyNotAlways,
    &missing_liveness_probe::MissingLivenessProbe,
    &missing_readiness_probe::MissingReadinessProbe,
    &service_account_token_automount::ServiceAccountTokenAutomount,
    &default_service_account::DefaultServiceAccount,
    &secret_in_env_value::SecretInEnvValue,
    &host_aliases::HostAliases,
    &sensitive_host_path::SensitiveHostPath,
    &sys_admin_capability::SysAdminCapability,
    &net_raw_capability::NetRawCapability,
    &privileged_port::PrivilegedPort,
    &rbac_wildcard::RbacWildcard,
    &rbac_secret_read::RbacSecretRead,
    &rbac_pod_create_or_exec::RbacPodCreateOrExec,
    &rbac_escalation_verbs::RbacEscalationVerbs,
    &rbac_nodes_proxy::RbacNodesProxy,
    &cluster_admin_broad_binding::ClusterAdminBroadBinding,
    &workload_without_network_policy::WorkloadWithoutNetworkPolicy,
    &service_selector_matches_nothing::ServiceSelectorMatchesNothing,
    &rbac_persistent_volume_create::RbacPersistentVolumeCreate,
    &rbac_csr_approval::RbacCsrApproval,
    &rbac_webhook_config::RbacWebhookConfig,
    &rbac_token_create::RbacTokenCreate,
    &system_masters_binding::SystemMastersBinding,
    &default_namespace::DefaultNamespace,
    &dangling_network_policy::DanglingNetworkPolicy,
    &dangling_ingress::DanglingIngress,
    &dangling_horizontal_pod_autoscaler::DanglingHorizontalPodAutoscaler,
    &dangling_role_binding::DanglingRoleBinding,
    &missing_service_account::MissingServiceAccount,
    &removed_api_version::RemovedApiVersion,
    &deprecated_api_version::DeprecatedApiVersion,
    &low_replica_count::LowReplicaCount,
    &missing_anti_affinity::MissingAntiAffinity,
    &missing_pod_disruption_budget::MissingPodDisruptionBudget,
    &missing_priority_class::MissingPriorityClass,
    &probe_port_not_exposed::ProbePortNotExposed,
    &duplicate_env_var::DuplicateEnvVar,
    &secret_in_config_map::SecretInConfigMap,
    &node_port_service::NodePortService,
    &load_balancer_service::LoadBalancerService,
    &scc_privileged_container::SccPrivilegedContainer,
    &scc_host_access::SccHostAccess,
    &scc_relaxed_pod_constraints::SccRelaxedPodConstraints,
];

/// Optional rule groups, off by default: `--include best-practices` (or a rule's id or name) runs them.
pub const GROUPS: &[(&str, &[&str])] = &[(
    "best-practices",
    &[
        "BW-K8S-0087",
        "BW-K8S-0088",
        "BW-K8S-0089",
        "BW-K8S-0090",
        "BW-K8S-0091",
        "BW-K8S-0092",
    ],
)];

/// The optional group a rule belongs to; `None` for rules that run by default.
#[must_use]
pub fn group_of(id: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map(|(g, _)| *g)
}

/// Looks a rule up by id (`BW-K8S-0002`, case-insensitive) or name (`privileged-container`).
#[must_use]
pub fn rule_by_id_or_name(s: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(s) || r.meta().name == s)
}

/// The folder of each rule, relative to `src/rules/` (for the case-runner test).
pub const RULE_DIRS: &[(&str, &str)] = &[
    ("BW-K8S-0001", "host_namespace_sharing"),
    ("BW-K8S-0002", "privileged_container"),
    ("BW-K8S-0003", "non_default_capabilities"),
    ("BW-K8S-0004", "host_path_volume"),
    ("BW-K8S-0005", "host_port"),
    ("BW-K8S-0006", "unconfined_apparmor_profile"),
    ("BW-K8S-0007", "custom_selinux_options"),
    ("BW-K8S-0008", "unmasked_proc_mount"),
    ("BW-K8S-0009", "unconfined_seccomp_profile"),
    ("BW-K8S-0010", "unsafe_sysctls"),
    ("BW-K8S-0011", "windows_host_process"),
    ("BW-K8S-0012", "probe_host_override"),
    ("BW-K8S-0013", "non_core_volume_type"),
    ("BW-K8S-0014", "privilege_escalation_allowed"),
    ("BW-K8S-0015", "run_as_root_allowed"),
    ("BW-K8S-0016", "root_user_id"),
    ("BW-K8S-0017", "missing_seccomp_profile"),
    ("BW-K8S-0018", "capabilities_not_dropped"),
    ("BW-K8S-0019", "writable_root_filesystem"),
    ("BW-K8S-0020", "missing_resource_limits"),
    ("BW-K8S-0021", "missing_resource_requests"),
    ("BW-K8S-0022", "latest_image_tag"),
    ("BW-K8S-0023", "image_without_digest"),
    ("BW-K8S-0024", "image_pull_policy_not_always"),
    ("BW-K8S-0025", "missing_liveness_probe"),
    ("BW-K8S-0026", "missing_readiness_probe"),
    ("BW-K8S-0027", "service_account_token_automount"),
    ("BW-K8S-0028", "default_service_account"),
    ("BW-K8S-0029", "secret_in_env_value"),
    ("BW-K8S-0030", "host_aliases"),
    ("BW-K8S-0031", "sensitive_host_path"),
    ("BW-K8S-0032", "sys_admin_capability"),
    ("BW-K8S-0033", "net_raw_capability"),
    ("BW-K8S-0034", "privileged_port"),
    ("BW-K8S-0035", "rbac_wildcard"),
    ("BW-K8S-0036", "rbac_secret_read"),
    ("BW-K8S-0037", "rbac_pod_create_or_exec"),
    ("BW-K8S-0038", "rbac_escalation_verbs"),
    ("BW-K8S-0039", "rbac_nodes_proxy"),
    ("BW-K8S-0040", "cluster_admin_broad_binding"),
    ("BW-K8S-0041", "workload_without_network_policy"),
    ("BW-K8S-0042", "service_selector_matches_nothing"),
    ("BW-K8S-0043", "rbac_persistent_volume_create"),
    ("BW-K8S-0044", "rbac_csr_approval"),
    ("BW-K8S-0045", "rbac_webhook_config"),
    ("BW-K8S-0046", "rbac_token_create"),
    ("BW-K8S-0047", "system_masters_binding"),
    ("BW-K8S-0048", "default_namespace"),
    ("BW-K8S-0080", "dangling_network_policy"),
    ("BW-K8S-0081", "dangling_ingress"),
    ("BW-K8S-0082", "dangling_horizontal_pod_autoscaler"),
    ("BW-K8S-0083", "dangling_role_binding"),
    ("BW-K8S-0084", "missing_service_account"),
    ("BW-K8S-0085", "removed_api_version"),
    ("BW-K8S-0086", "deprecated_api_version"),
    ("BW-K8S-0087", "low_replica_count"),
    ("BW-K8S-0088", "missing_anti_affinity"),
    ("BW-K8S-0089", "missing_pod_disruption_budget"),
    ("BW-K8S-0090", "missing_priority_class"),
    ("BW-K8S-0091", "probe_port_not_exposed"),
    ("BW-K8S-0092", "duplicate_env_var"),
    ("BW-K8S-0070", "secret_in_config_map"),
    ("BW-K8S-0071", "node_port_service"),
    ("BW-K8S-0072", "load_balancer_service"),
    ("BW-K8S-0073", "scc_privileged_container"),
    ("BW-K8S-0074", "scc_host_access"),
    ("BW-K8S-0075", "scc_relaxed_pod_constraints"),
];
