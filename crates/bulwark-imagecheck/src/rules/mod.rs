//! The rule registry: every rule, in one explicit list. Add a rule by adding its folder and one line here.

pub(crate) mod util;

pub(crate) mod add_remote_url;
pub(crate) mod apt_install_recommends;
pub(crate) mod base_image_without_digest;
pub(crate) mod curl_pipe_shell;
pub(crate) mod expose_ssh_port;
pub mod file_outside_allowed_paths;
pub(crate) mod final_stage_root_user;
pub(crate) mod final_stage_without_healthcheck;
pub(crate) mod image_root_user;
pub(crate) mod image_without_healthcheck;
pub(crate) mod latest_base_image;
pub(crate) mod latest_base_tag;
pub(crate) mod package_manager_cache;
pub(crate) mod remote_add_in_history;
pub(crate) mod secret_in_dockerfile;
pub(crate) mod secret_in_image_config;
pub(crate) mod setuid_setgid_file;
pub(crate) mod ssh_port_exposed;
pub(crate) mod stale_image;
pub(crate) mod sudo_installed;
pub(crate) mod sudo_usage;
pub(crate) mod unpinned_package_version;
pub(crate) mod world_writable_file;

use crate::rule::Rule;

/// Every rule: image rules (`BW-IMG-*`) then Dockerfile rules (`BW-DF-*`), in id order.
pub static RULES: &[&Rule] = &[
    &image_root_user::RULE,
    &secret_in_image_config::RULE,
    &remote_add_in_history::RULE,
    &sudo_installed::RULE,
    &ssh_port_exposed::RULE,
    &image_without_healthcheck::RULE,
    &setuid_setgid_file::RULE,
    &world_writable_file::RULE,
    &package_manager_cache::RULE,
    &latest_base_image::RULE,
    &stale_image::RULE,
    &file_outside_allowed_paths::RULE,
    &final_stage_root_user::RULE,
    &secret_in_dockerfile::RULE,
    &add_remote_url::RULE,
    &sudo_usage::RULE,
    &expose_ssh_port::RULE,
    &final_stage_without_healthcheck::RULE,
    &apt_install_recommends::RULE,
    &curl_pipe_shell::RULE,
    &unpinned_package_version::RULE,
    &latest_base_tag::RULE,
    &base_image_without_digest::RULE,
];

/// The folder of each rule in [`RULES`], in the same order (the case runner reads `src/rules/<dir>/cases`).
pub static RULE_DIRS: &[&str] = &[
    "image_root_user",
    "secret_in_image_config",
    "remote_add_in_history",
    "sudo_installed",
    "ssh_port_exposed",
    "image_without_healthcheck",
    "setuid_setgid_file",
    "world_writable_file",
    "package_manager_cache",
    "latest_base_image",
    "stale_image",
    "file_outside_allowed_paths",
    "final_stage_root_user",
    "secret_in_dockerfile",
    "add_remote_url",
    "sudo_usage",
    "expose_ssh_port",
    "final_stage_without_healthcheck",
    "apt_install_recommends",
    "curl_pipe_shell",
    "unpinned_package_version",
    "latest_base_tag",
    "base_image_without_digest",
];
