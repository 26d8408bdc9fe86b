//! The rule registry: every rule, in one explicit list. Add a rule by adding its folder and one line here.

pub mod cross;
pub mod score;
pub(crate) mod util;

mod capabilities_not_dropped;
mod custom_selinux_options;
mod host_namespace_sharing;
mod host_path_volume;
mod host_port;
mod missing_seccomp_profile;
mod non_core_volume_type;
mod non_default_capabilities;
mod privilege_escalation_allowed;
mod privileged_container;
mod probe_host_override;
mod root_user_id;
mod run_as_root_allowed;
mod unconfined_apparmor_profile;
mod unconfined_seccomp_profile;
mod unmasked_proc_mount;
mod unsafe_sysctls;
mod windows_host_process;

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
];

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
];
