//! `bulwark probe ADDRESS|CIDR`: a read-only exposure probe (kubelet 10255/10250 anonymous access, etcd 2379 without
//! client auth, API server anonymous access and `/version`, the dashboard, `/metrics` and `/debug/pprof`, container
//! runtime sockets over TCP). GET only, bounded reads and timeouts; ranges larger than a /24 need `--force`.
//!
//! STUB.
