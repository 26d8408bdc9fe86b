//! `bulwark bench host`: a compact Linux host benchmark for container nodes (sshd config, world-writable files in
//! system paths, kernel sysctls, auditd config, mounts with nodev/nosuid), in the same report.
//!
//! STUB.
