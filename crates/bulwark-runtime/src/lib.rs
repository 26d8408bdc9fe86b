//! Bulwark's run stage: a Falco-compatible rule engine and the event sources it reads.
//!
//! - [`event`]: the event model every source implements and the engine reads: a [`event::Schema`] resolves a
//!   field name once, when a rule is compiled; an [`event::Event`] extracts a resolved field's value per event.
//! - [`syscall`]: the catalog of syscall-source fields (`evt.*`, `proc.*`, `fd.*`, `user.*`, `group.*`,
//!   `container.*`, `k8s.*`) shared by the capture reader and the live source.
//! - [`process`]: the process model (what a capture's thread table and `/proc` know about a process) and the
//!   extraction of `proc.*`/`user.*`/`container.*` fields from it.
//! - [`rules`]: Falco rules files (lists, macros, rules, exceptions, append/override), the condition language,
//!   compilation indexed by source and event type, output formatting.
//! - [`scap`]: the `.scap` capture file reader (libscap's block format) and the syscall event state.
//! - [`k8saudit`]: Kubernetes audit events and the k8saudit plugin's `ka.*`/`jevt.*` fields.
//! - [`live`]: live process events from the kernel's netlink process connector, enriched from `/proc`.
//! - [`baseline`]: baselines of executed binaries per image digest and container (learn, lock, deviation) and
//!   drift (a binary no package of the image's SBOM owns).
//! - [`findings`]: alerts as findings of the one report model (`FindingKind::Runtime`), for every output.
//! - [`enforce`]: which alerts lead to which actions (kill, scale to zero, isolate, deny the digest), dry run by
//!   default, rate-limited, deduplicated, every decision recorded.

pub mod baseline;
pub mod enforce;
pub mod event;
pub mod findings;
pub mod k8saudit;
pub mod live;
pub mod process;
pub mod rules;
pub mod scap;
pub mod syscall;
pub mod time;
