//! The process model both syscall sources fill: a capture's thread table ([`crate::scap`]) and `/proc` on a live
//! node ([`crate::live`]); and the extraction of the `proc.*`, `thread.*`, `user.*`, `group.*`, `container.*` and
//! `k8s.*` fields from it, so that both sources give rules the same values.

use std::sync::Arc;

use crate::event::{Field, FieldArg, Value};
use crate::syscall::SysField;

/// What is known about the container a process runs in, and the Kubernetes workload around it. Filled from the
/// capture's container events or, on a live node, from the cgroup's container id through the server's inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    /// The 12-character id (`container.id`); `host` for processes outside any container.
    pub id: String,
    /// The full 64-character id.
    pub full_id: String,
    /// Container name.
    pub name: String,
    /// `docker`, `containerd`, `cri-o`, `podman`.
    pub runtime: String,
    /// The image reference as the runtime knows it (`nginx:1.25`).
    pub image: String,
    /// Repository part of the image (`docker.io/library/nginx`).
    pub image_repository: String,
    /// Tag part of the image.
    pub image_tag: String,
    /// The image digest (`sha256:…`), the key of baselines.
    pub image_digest: String,
    /// Whether the container is privileged.
    pub privileged: bool,
    /// Mounts as (source, destination, read-write).
    pub mounts: Vec<(String, String, bool)>,
    /// Container start, ns since the epoch.
    pub start_ns: i64,
    /// Kubernetes pod name, namespace, uid and labels, when known.
    pub pod_name: String,
    /// Kubernetes namespace.
    pub namespace: String,
    /// Pod uid.
    pub pod_uid: String,
    /// Pod labels.
    pub pod_labels: Vec<(String, String)>,
    /// The owning workload (`Deployment`, `DaemonSet`, ...) kind and name, when known.
    pub workload_kind: String,
    /// The owning workload's name.
    pub workload_name: String,
}

/// One process (thread group leader) or thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Process {
    /// Thread id.
    pub tid: i64,
    /// Process id (thread group id).
    pub pid: i64,
    /// Parent process id.
    pub ppid: i64,
    /// Process id inside its pid namespace.
    pub vpid: i64,
    /// Thread id inside its pid namespace.
    pub vtid: i64,
    /// Process group id inside its namespace.
    pub vpgid: i64,
    /// Session id.
    pub sid: i64,
    /// `comm`: the name the kernel knows (at most 15 bytes), Falco's `proc.name`.
    pub comm: String,
    /// `argv[0]`, Falco's `proc.exe`.
    pub exe: String,
    /// The full path of the executable, Falco's `proc.exepath`.
    pub exepath: String,
    /// Arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Environment as `KEY=VALUE`.
    pub env: Vec<String>,
    /// Working directory, ending in `/` as libsinsp keeps it.
    pub cwd: String,
    /// Effective uid and gid.
    pub uid: u32,
    /// Effective gid.
    pub gid: u32,
    /// Audit login uid (`-1` when unset).
    pub loginuid: i64,
    /// User name for `uid`, when known.
    pub user_name: Option<String>,
    /// Home directory for `uid`.
    pub user_home: Option<String>,
    /// Login shell for `uid`.
    pub user_shell: Option<String>,
    /// Login name for `loginuid`.
    pub login_name: Option<String>,
    /// Group name for `gid`.
    pub group_name: Option<String>,
    /// Controlling terminal (0 when none).
    pub tty: u32,
    /// Capabilities, as bitmasks.
    pub cap_permitted: u64,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
    /// Effective capabilities.
    pub cap_effective: u64,
    /// Process start, ns since the epoch.
    pub start_ns: i64,
    /// The executable lives on an overlay's upper layer (written after the container started).
    pub exe_upper_layer: bool,
    /// The executable was loaded from a memfd.
    pub exe_from_memfd: bool,
    /// The executable is writable by the process's user.
    pub exe_writable: bool,
    /// Executable inode number, ctime and mtime (ns).
    pub exe_ino: u64,
    /// Executable ctime, ns.
    pub exe_ino_ctime: i64,
    /// Executable mtime, ns.
    pub exe_ino_mtime: i64,
    /// Cgroups as (controller, path).
    pub cgroups: Vec<(String, String)>,
    /// The container, if the process runs in one; `None` means the host.
    pub container: Option<Arc<ContainerInfo>>,
}

impl Process {
    /// `proc.cmdline`: name and arguments, as libsinsp prints it (`comm` then the arguments, space-separated).
    #[must_use]
    pub fn cmdline(&self) -> String {
        let mut s = self.comm.clone();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    /// `proc.exeline`: `argv[0]` and the arguments.
    #[must_use]
    pub fn exeline(&self) -> String {
        let mut s = self.exe.clone();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        s
    }
}

/// Looks processes up by pid, to walk the parent chain for `proc.pname`, `proc.aname[n]`, `proc.vpgid.name`, ...
pub trait ProcessTable {
    /// The process (thread group leader) with this pid.
    fn get(&self, pid: i64) -> Option<&Process>;
}

/// The `n`th ancestor (`0` = the process itself), following `ppid` through the table; stops at loops.
fn ancestor<'t>(p: &'t Process, n: i64, table: &'t dyn ProcessTable) -> Option<&'t Process> {
    let mut cur = p;
    for _ in 0..n {
        if cur.ppid <= 0 || cur.ppid == cur.pid {
            return None;
        }
        cur = table.get(cur.ppid)?;
    }
    Some(cur)
}

/// Every ancestor, parent first, at most 64 deep (Falco's `proc.aname` without index matches any of them).
fn ancestors<'t>(p: &'t Process, table: &'t dyn ProcessTable) -> Vec<&'t Process> {
    let mut out = Vec::new();
    let mut cur = p;
    while out.len() < 64 {
        if cur.ppid <= 0 || cur.ppid == cur.pid {
            break;
        }
        match table.get(cur.ppid) {
            Some(parent) => {
                out.push(parent);
                cur = parent;
            }
            None => break,
        }
    }
    out
}

fn opt_str(s: Option<&String>) -> Value<'_> {
    s.map_or(Value::Missing, |s| Value::str(s))
}

fn caps(mask: u64) -> Value<'static> {
    Value::string(capabilities_text(mask))
}

/// Capability names set in a mask, space-separated, as libsinsp prints `thread.cap_*` (`CAP_CHOWN CAP_KILL`).
#[must_use]
pub fn capabilities_text(mask: u64) -> String {
    const NAMES: &[&str] = &[
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ];
    let mut out = Vec::new();
    for (i, n) in NAMES.iter().enumerate() {
        if mask & (1u64 << i) != 0 {
            out.push(*n);
        }
    }
    out.join(" ")
}

/// Extracts a process, thread, user, group, container or Kubernetes field of `p`. Fields of other classes
/// (`evt.*`, `fd.*`) are the source's own and give `None` here, so the caller can try them.
#[must_use]
pub fn extract<'p>(
    field: &Field,
    which: SysField,
    p: &'p Process,
    table: &'p dyn ProcessTable,
) -> Option<Value<'p>> {
    use SysField as F;
    let idx = match field.arg {
        FieldArg::Index(i) => Some(i),
        _ => None,
    };
    let container = p.container.as_deref();
    let v = match which {
        F::ProcPid => Value::Int(p.pid),
        F::ProcPpid => Value::Int(p.ppid),
        F::ProcVpid => Value::Int(p.vpid),
        F::ProcSid => Value::Int(p.sid),
        F::ProcVpgid => Value::Int(p.vpgid),
        F::ProcTty => Value::Int(i64::from(p.tty)),
        F::ProcName => Value::str(&p.comm),
        F::ProcExe => Value::str(&p.exe),
        F::ProcExepath => Value::str(&p.exepath),
        F::ProcArgs => Value::string(p.args.join(" ")),
        F::ProcCmdline => Value::string(p.cmdline()),
        F::ProcExeline => Value::string(p.exeline()),
        F::ProcCwd => Value::str(&p.cwd),
        F::ProcEnv => match &field.arg {
            FieldArg::Key(k) => p
                .env
                .iter()
                .find_map(|e| e.strip_prefix(k.as_str()).and_then(|r| r.strip_prefix('=')))
                .map_or(Value::Missing, Value::str),
            _ => Value::string(p.env.join(" ")),
        },
        F::ProcPname => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::str(&q.comm)),
        F::ProcPcmdline => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::string(q.cmdline())),
        F::ProcPexe => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::str(&q.exe)),
        F::ProcPexepath => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::str(&q.exepath)),
        F::ProcPvpid => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::Int(q.vpid)),
        F::ProcAname | F::ProcApid | F::ProcAexe | F::ProcAexepath | F::ProcAcmdline => {
            let pick = |q: &'p Process| -> Value<'p> {
                match which {
                    F::ProcAname => Value::str(&q.comm),
                    F::ProcApid => Value::Int(q.pid),
                    F::ProcAexe => Value::str(&q.exe),
                    F::ProcAexepath => Value::str(&q.exepath),
                    _ => Value::string(q.cmdline()),
                }
            };
            match idx {
                Some(n) => ancestor(p, n, table).map_or(Value::Missing, pick),
                None => Value::List(ancestors(p, table).into_iter().map(pick).collect()),
            }
        }
        F::ProcDuration => Value::Missing, // needs the event time: the source computes it
        F::ProcPidTs => Value::Int(p.start_ns),
        F::ProcPpidTs => table
            .get(p.ppid)
            .map_or(Value::Missing, |q| Value::Int(q.start_ns)),
        F::ProcIsExeWritable => Value::Bool(p.exe_writable),
        F::ProcIsExeUpperLayer => Value::Bool(p.exe_upper_layer),
        F::ProcIsExeFromMemfd => Value::Bool(p.exe_from_memfd),
        F::ProcExeIno => Value::Int(p.exe_ino.cast_signed()),
        F::ProcExeInoCtime => Value::Int(p.exe_ino_ctime),
        F::ProcExeInoMtime => Value::Int(p.exe_ino_mtime),
        F::ProcIsVpgidLeader => Value::Bool(p.vpid == p.vpgid),
        F::ProcIsSidLeader => Value::Bool(p.pid == p.sid),
        F::ProcVpgidName | F::ProcVpgidExe | F::ProcVpgidExepath => {
            // The group leader is found by its namespace pid among the ancestors (libsinsp walks the same way).
            let leader = std::iter::once(p)
                .chain(ancestors(p, table))
                .find(|q| q.vpid == p.vpgid);
            leader.map_or(Value::Missing, |q| match which {
                F::ProcVpgidName => Value::str(&q.comm),
                F::ProcVpgidExe => Value::str(&q.exe),
                _ => Value::str(&q.exepath),
            })
        }
        F::ProcSname => {
            let leader = std::iter::once(p)
                .chain(ancestors(p, table))
                .find(|q| q.pid == p.sid);
            leader.map_or(Value::Missing, |q| Value::str(&q.comm))
        }
        F::ThreadTid => Value::Int(p.tid),
        F::ThreadVtid => Value::Int(p.vtid),
        F::ThreadIsmain => Value::Bool(p.tid == p.pid),
        F::ThreadCapPermitted => caps(p.cap_permitted),
        F::ThreadCapInheritable => caps(p.cap_inheritable),
        F::ThreadCapEffective => caps(p.cap_effective),
        F::UserUid => Value::Int(i64::from(p.uid)),
        F::UserName => opt_str(p.user_name.as_ref()),
        F::UserHomedir => opt_str(p.user_home.as_ref()),
        F::UserShell => opt_str(p.user_shell.as_ref()),
        F::UserLoginuid => Value::Int(p.loginuid),
        F::UserLoginname => opt_str(p.login_name.as_ref()),
        F::GroupGid => Value::Int(i64::from(p.gid)),
        F::GroupName => opt_str(p.group_name.as_ref()),
        F::ContainerId => Value::str(container.map_or("host", |c| c.id.as_str())),
        F::ContainerFullId => Value::str(container.map_or("host", |c| c.full_id.as_str())),
        F::ContainerName => Value::str(container.map_or("host", |c| c.name.as_str())),
        F::ContainerType => container.map_or(Value::Missing, |c| Value::str(&c.runtime)),
        F::ContainerImage => container.map_or(Value::Missing, |c| Value::str(&c.image)),
        F::ContainerImageRepository => {
            container.map_or(Value::Missing, |c| Value::str(&c.image_repository))
        }
        F::ContainerImageTag => container.map_or(Value::Missing, |c| Value::str(&c.image_tag)),
        F::ContainerImageDigest | F::ContainerImageId => {
            container.map_or(Value::Missing, |c| Value::str(&c.image_digest))
        }
        F::ContainerPrivileged => container.map_or(Value::Missing, |c| Value::Bool(c.privileged)),
        F::ContainerStartTs => container.map_or(Value::Missing, |c| Value::Int(c.start_ns)),
        F::ContainerMounts => container.map_or(Value::Missing, |c| {
            Value::string(
                c.mounts
                    .iter()
                    .map(|(s, d, rw)| format!("{s}:{d}:{}", if *rw { "rw" } else { "ro" }))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        }),
        F::ContainerMountDest | F::ContainerMountSource | F::ContainerMount => {
            // `container.mount.dest[/etc]` is the destination of the mount whose destination matches the key
            // (a glob in libsinsp); the rules only compare it with `exists`/`!=`, so an exact or `*` prefix match.
            let FieldArg::Key(key) = &field.arg else {
                return Some(Value::Missing);
            };
            let hit = container.and_then(|c| {
                c.mounts.iter().find(|(s, d, _)| {
                    let target = if which == F::ContainerMountSource {
                        s
                    } else {
                        d
                    };
                    match key.strip_suffix('*') {
                        Some(prefix) => target.starts_with(prefix),
                        None => target == key,
                    }
                })
            });
            hit.map_or(Value::Missing, |(s, d, rw)| match which {
                F::ContainerMountSource => Value::str(s),
                F::ContainerMountDest => Value::str(d),
                _ => Value::string(format!("{s}:{d}:{}", if *rw { "rw" } else { "ro" })),
            })
        }
        F::K8sPodName => k8s(container, |c| &c.pod_name),
        F::K8sNsName => k8s(container, |c| &c.namespace),
        F::K8sPodId | F::K8sPodUid => k8s(container, |c| &c.pod_uid),
        F::K8sWorkloadKind => k8s(container, |c| &c.workload_kind),
        F::K8sWorkloadName | F::K8sDeploymentName => k8s(container, |c| &c.workload_name),
        F::K8sPodLabel => match (&field.arg, container) {
            (FieldArg::Key(k), Some(c)) => c
                .pod_labels
                .iter()
                .find(|(n, _)| n == k)
                .map_or(Value::Missing, |(_, v)| Value::str(v)),
            _ => Value::Missing,
        },
        F::K8sPodLabels => container.map_or(Value::Missing, |c| {
            Value::string(
                c.pod_labels
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }),
        _ => return None,
    };
    Some(v)
}

fn k8s<'p>(
    c: Option<&'p ContainerInfo>,
    get: impl Fn(&'p ContainerInfo) -> &'p String,
) -> Value<'p> {
    match c.map(get) {
        Some(s) if !s.is_empty() => Value::str(s),
        _ => Value::Missing,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::event::Schema;
    use crate::syscall::SyscallSchema;

    struct Table(HashMap<i64, Process>);
    impl ProcessTable for Table {
        fn get(&self, pid: i64) -> Option<&Process> {
            self.0.get(&pid)
        }
    }

    fn proc(pid: i64, ppid: i64, comm: &str) -> Process {
        Process {
            pid,
            tid: pid,
            ppid,
            comm: comm.into(),
            exe: comm.into(),
            ..Process::default()
        }
    }

    fn get<'p>(name: &str, arg: Option<&str>, p: &'p Process, t: &'p Table) -> Value<'p> {
        let f = SyscallSchema.resolve(name, arg).unwrap();
        extract(&f, SysField::from_id(f.id).unwrap(), p, t).unwrap()
    }

    #[test]
    fn ancestors_follow_the_parent_chain_and_stop_at_loops() {
        let t = Table(HashMap::from([
            (1, proc(1, 0, "init")),
            (10, proc(10, 1, "bash")),
            (20, proc(20, 20, "loop")),
        ]));
        let mut p = proc(11, 10, "cat");
        p.args = vec!["/etc/shadow".into()];
        assert_eq!(get("proc.pname", None, &p, &t), Value::str("bash"));
        assert_eq!(get("proc.aname", Some("2"), &p, &t), Value::str("init"));
        assert_eq!(get("proc.aname", Some("3"), &p, &t), Value::Missing);
        assert_eq!(
            get("proc.aname", None, &p, &t),
            Value::List(vec![Value::str("bash"), Value::str("init")])
        );
        assert_eq!(
            get("proc.cmdline", None, &p, &t),
            Value::str("cat /etc/shadow")
        );
        assert_eq!(get("container.id", None, &p, &t), Value::str("host"));
        assert_eq!(get("k8s.ns.name", None, &p, &t), Value::Missing);
        let looped = proc(21, 20, "x");
        assert_eq!(get("proc.aname", Some("5"), &looped, &t), Value::Missing);
        assert!(
            extract(
                &SyscallSchema.resolve("fd.name", None).unwrap(),
                SysField::FdName,
                &p,
                &t
            )
            .is_none()
        );
    }

    #[test]
    fn capabilities_print_by_name() {
        assert_eq!(capabilities_text((1 << 21) | 1), "CAP_CHOWN CAP_SYS_ADMIN");
    }
}
