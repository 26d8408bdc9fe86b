//! The syscall source's field catalog, shared by the capture reader ([`crate::scap`]) and the live source
//! ([`crate::live`]). Names and types follow libsinsp's field classes (`evt`, `process`/`thread`, `fd`, `user`,
//! `group`, `container`, `k8s`, `fs.path`), as the Falco rules read them. Each source extracts the fields it knows
//! and gives [`crate::event::Value::Missing`] for the rest.

use crate::event::{Field, FieldArg, FieldType, Schema};

/// A syscall-source field. The `u32` in [`Field::id`] is this enum's discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[allow(missing_docs)]
pub enum SysField {
    EvtNum,
    EvtTime,
    EvtTimeS,
    EvtTimeIso8601,
    EvtDatetime,
    EvtRawtime,
    EvtRawtimeS,
    EvtRawtimeNs,
    EvtOutputtime,
    EvtReltime,
    EvtLatency,
    EvtDir,
    EvtType,
    EvtCpu,
    EvtArgs,
    EvtInfo,
    EvtArg,
    EvtRawarg,
    EvtRes,
    EvtRawres,
    EvtFailed,
    EvtIsIo,
    EvtIsIoRead,
    EvtIsIoWrite,
    EvtIsOpenRead,
    EvtIsOpenWrite,
    EvtIsOpenExec,
    EvtIsOpenCreate,
    EvtBuffer,
    EvtBuflen,
    EvtCount,
    EvtHostname,
    EvtSource,
    EvtCategory,
    EvtIsWait,
    EvtPluginname,
    ProcPid,
    ProcExe,
    ProcName,
    ProcArgs,
    ProcEnv,
    ProcCmdline,
    ProcExeline,
    ProcExepath,
    ProcCwd,
    ProcNthreads,
    ProcPpid,
    ProcPname,
    ProcPcmdline,
    ProcPexe,
    ProcPexepath,
    ProcApid,
    ProcAname,
    ProcAexe,
    ProcAexepath,
    ProcAcmdline,
    ProcLoginshellid,
    ProcDuration,
    ProcPpidDuration,
    ProcPidTs,
    ProcPpidTs,
    ProcIsExeWritable,
    ProcIsExeUpperLayer,
    ProcIsExeFromMemfd,
    ProcExeIno,
    ProcExeInoCtime,
    ProcExeInoMtime,
    ProcExeInoCtimeDurationProcStart,
    ProcSid,
    ProcSname,
    ProcTty,
    ProcVpid,
    ProcPvpid,
    ProcVpgid,
    ProcVpgidName,
    ProcVpgidExe,
    ProcVpgidExepath,
    ProcIsVpgidLeader,
    ProcIsSidLeader,
    ProcIsContainerHealthcheck,
    ProcStdinName,
    ProcStdoutName,
    ProcStderrName,
    ProcFdopencount,
    ThreadTid,
    ThreadVtid,
    ThreadIsmain,
    ThreadCapPermitted,
    ThreadCapInheritable,
    ThreadCapEffective,
    FdNum,
    FdType,
    FdTypechar,
    FdName,
    FdDirectory,
    FdFilename,
    FdIp,
    FdCip,
    FdSip,
    FdLip,
    FdRip,
    FdPort,
    FdCport,
    FdSport,
    FdLport,
    FdRport,
    FdL4proto,
    FdSockfamily,
    FdIsServer,
    FdUid,
    FdContainername,
    FdContainerdirectory,
    FdProto,
    FdCproto,
    FdSproto,
    FdLproto,
    FdRproto,
    FdNet,
    FdCnet,
    FdSnet,
    FdLnet,
    FdRnet,
    FdConnected,
    FdNameChanged,
    FdCipName,
    FdSipName,
    FdLipName,
    FdRipName,
    FdDev,
    FdDevMajor,
    FdDevMinor,
    FdIno,
    FdNameraw,
    FdTypes,
    UserUid,
    UserName,
    UserHomedir,
    UserShell,
    UserLoginuid,
    UserLoginname,
    GroupGid,
    GroupName,
    ContainerId,
    ContainerFullId,
    ContainerName,
    ContainerImage,
    ContainerImageId,
    ContainerImageRepository,
    ContainerImageTag,
    ContainerImageDigest,
    ContainerType,
    ContainerPrivileged,
    ContainerMounts,
    ContainerMount,
    ContainerMountSource,
    ContainerMountDest,
    ContainerStartTs,
    ContainerDuration,
    ContainerHealthcheck,
    ContainerIp,
    ContainerCniJson,
    K8sPodName,
    K8sPodId,
    K8sPodUid,
    K8sPodLabel,
    K8sPodLabels,
    K8sPodIp,
    K8sNsName,
    K8sRcName,
    K8sRsName,
    K8sSvcName,
    K8sDeploymentName,
    K8sWorkloadKind,
    K8sWorkloadName,
    FsPathName,
    FsPathNameraw,
    FsPathSource,
    FsPathSourceraw,
    FsPathTarget,
    FsPathTargetraw,
}

/// Every field: name, variant, value type, and which argument it takes.
const FIELDS: &[(&str, SysField, FieldType, ArgKind)] = &[
    ("evt.num", SysField::EvtNum, FieldType::Int, ArgKind::None),
    ("evt.time", SysField::EvtTime, FieldType::Str, ArgKind::None),
    (
        "evt.time.s",
        SysField::EvtTimeS,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.time.iso8601",
        SysField::EvtTimeIso8601,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.datetime",
        SysField::EvtDatetime,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.rawtime",
        SysField::EvtRawtime,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.rawtime.s",
        SysField::EvtRawtimeS,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.rawtime.ns",
        SysField::EvtRawtimeNs,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.outputtime",
        SysField::EvtOutputtime,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.reltime",
        SysField::EvtReltime,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.latency",
        SysField::EvtLatency,
        FieldType::Int,
        ArgKind::None,
    ),
    ("evt.dir", SysField::EvtDir, FieldType::Str, ArgKind::None),
    ("evt.type", SysField::EvtType, FieldType::Str, ArgKind::None),
    ("evt.cpu", SysField::EvtCpu, FieldType::Int, ArgKind::None),
    ("evt.args", SysField::EvtArgs, FieldType::Str, ArgKind::None),
    ("evt.info", SysField::EvtInfo, FieldType::Str, ArgKind::None),
    (
        "evt.arg",
        SysField::EvtArg,
        FieldType::Str,
        ArgKind::IndexOrKey,
    ),
    (
        "evt.rawarg",
        SysField::EvtRawarg,
        FieldType::Str,
        ArgKind::IndexOrKey,
    ),
    ("evt.res", SysField::EvtRes, FieldType::Str, ArgKind::None),
    (
        "evt.rawres",
        SysField::EvtRawres,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.failed",
        SysField::EvtFailed,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_io",
        SysField::EvtIsIo,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_io_read",
        SysField::EvtIsIoRead,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_io_write",
        SysField::EvtIsIoWrite,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_open_read",
        SysField::EvtIsOpenRead,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_open_write",
        SysField::EvtIsOpenWrite,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_open_exec",
        SysField::EvtIsOpenExec,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.is_open_create",
        SysField::EvtIsOpenCreate,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.buffer",
        SysField::EvtBuffer,
        FieldType::Bytes,
        ArgKind::None,
    ),
    (
        "evt.buflen",
        SysField::EvtBuflen,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.count",
        SysField::EvtCount,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "evt.hostname",
        SysField::EvtHostname,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.source",
        SysField::EvtSource,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.category",
        SysField::EvtCategory,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "evt.is_wait",
        SysField::EvtIsWait,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "evt.pluginname",
        SysField::EvtPluginname,
        FieldType::Str,
        ArgKind::None,
    ),
    ("proc.pid", SysField::ProcPid, FieldType::Int, ArgKind::None),
    ("proc.exe", SysField::ProcExe, FieldType::Str, ArgKind::None),
    (
        "proc.name",
        SysField::ProcName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.args",
        SysField::ProcArgs,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.env",
        SysField::ProcEnv,
        FieldType::Str,
        ArgKind::OptionalKey,
    ),
    (
        "proc.cmdline",
        SysField::ProcCmdline,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.exeline",
        SysField::ProcExeline,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.exepath",
        SysField::ProcExepath,
        FieldType::Str,
        ArgKind::None,
    ),
    ("proc.cwd", SysField::ProcCwd, FieldType::Str, ArgKind::None),
    (
        "proc.nthreads",
        SysField::ProcNthreads,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.ppid",
        SysField::ProcPpid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.pname",
        SysField::ProcPname,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.pcmdline",
        SysField::ProcPcmdline,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.pexe",
        SysField::ProcPexe,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.pexepath",
        SysField::ProcPexepath,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.apid",
        SysField::ProcApid,
        FieldType::Int,
        ArgKind::OptionalIndex,
    ),
    (
        "proc.aname",
        SysField::ProcAname,
        FieldType::Str,
        ArgKind::OptionalIndex,
    ),
    (
        "proc.aexe",
        SysField::ProcAexe,
        FieldType::Str,
        ArgKind::OptionalIndex,
    ),
    (
        "proc.aexepath",
        SysField::ProcAexepath,
        FieldType::Str,
        ArgKind::OptionalIndex,
    ),
    (
        "proc.acmdline",
        SysField::ProcAcmdline,
        FieldType::Str,
        ArgKind::OptionalIndex,
    ),
    (
        "proc.loginshellid",
        SysField::ProcLoginshellid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.duration",
        SysField::ProcDuration,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.ppid.duration",
        SysField::ProcPpidDuration,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.pid.ts",
        SysField::ProcPidTs,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.ppid.ts",
        SysField::ProcPpidTs,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.is_exe_writable",
        SysField::ProcIsExeWritable,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.is_exe_upper_layer",
        SysField::ProcIsExeUpperLayer,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.is_exe_from_memfd",
        SysField::ProcIsExeFromMemfd,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.exe_ino",
        SysField::ProcExeIno,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.exe_ino.ctime",
        SysField::ProcExeInoCtime,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.exe_ino.mtime",
        SysField::ProcExeInoMtime,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.exe_ino.ctime_duration_proc_start",
        SysField::ProcExeInoCtimeDurationProcStart,
        FieldType::Int,
        ArgKind::None,
    ),
    ("proc.sid", SysField::ProcSid, FieldType::Int, ArgKind::None),
    (
        "proc.sname",
        SysField::ProcSname,
        FieldType::Str,
        ArgKind::None,
    ),
    ("proc.tty", SysField::ProcTty, FieldType::Int, ArgKind::None),
    (
        "proc.vpid",
        SysField::ProcVpid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.pvpid",
        SysField::ProcPvpid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.vpgid",
        SysField::ProcVpgid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "proc.vpgid.name",
        SysField::ProcVpgidName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.vpgid.exe",
        SysField::ProcVpgidExe,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.vpgid.exepath",
        SysField::ProcVpgidExepath,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.is_vpgid_leader",
        SysField::ProcIsVpgidLeader,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.is_sid_leader",
        SysField::ProcIsSidLeader,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.is_container_healthcheck",
        SysField::ProcIsContainerHealthcheck,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "proc.stdin.name",
        SysField::ProcStdinName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.stdout.name",
        SysField::ProcStdoutName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.stderr.name",
        SysField::ProcStderrName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "proc.fdopencount",
        SysField::ProcFdopencount,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "thread.tid",
        SysField::ThreadTid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "thread.vtid",
        SysField::ThreadVtid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "thread.ismain",
        SysField::ThreadIsmain,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "thread.cap_permitted",
        SysField::ThreadCapPermitted,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "thread.cap_inheritable",
        SysField::ThreadCapInheritable,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "thread.cap_effective",
        SysField::ThreadCapEffective,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.num", SysField::FdNum, FieldType::Int, ArgKind::None),
    ("fd.type", SysField::FdType, FieldType::Str, ArgKind::None),
    (
        "fd.typechar",
        SysField::FdTypechar,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.name", SysField::FdName, FieldType::Str, ArgKind::None),
    (
        "fd.directory",
        SysField::FdDirectory,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.filename",
        SysField::FdFilename,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.ip", SysField::FdIp, FieldType::Ip, ArgKind::None),
    ("fd.cip", SysField::FdCip, FieldType::Ip, ArgKind::None),
    ("fd.sip", SysField::FdSip, FieldType::Ip, ArgKind::None),
    ("fd.lip", SysField::FdLip, FieldType::Ip, ArgKind::None),
    ("fd.rip", SysField::FdRip, FieldType::Ip, ArgKind::None),
    ("fd.port", SysField::FdPort, FieldType::Int, ArgKind::None),
    ("fd.cport", SysField::FdCport, FieldType::Int, ArgKind::None),
    ("fd.sport", SysField::FdSport, FieldType::Int, ArgKind::None),
    ("fd.lport", SysField::FdLport, FieldType::Int, ArgKind::None),
    ("fd.rport", SysField::FdRport, FieldType::Int, ArgKind::None),
    (
        "fd.l4proto",
        SysField::FdL4proto,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.sockfamily",
        SysField::FdSockfamily,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.is_server",
        SysField::FdIsServer,
        FieldType::Bool,
        ArgKind::None,
    ),
    ("fd.uid", SysField::FdUid, FieldType::Str, ArgKind::None),
    (
        "fd.containername",
        SysField::FdContainername,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.containerdirectory",
        SysField::FdContainerdirectory,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.proto", SysField::FdProto, FieldType::Str, ArgKind::None),
    (
        "fd.cproto",
        SysField::FdCproto,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.sproto",
        SysField::FdSproto,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.lproto",
        SysField::FdLproto,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.rproto",
        SysField::FdRproto,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.net", SysField::FdNet, FieldType::Net, ArgKind::None),
    ("fd.cnet", SysField::FdCnet, FieldType::Net, ArgKind::None),
    ("fd.snet", SysField::FdSnet, FieldType::Net, ArgKind::None),
    ("fd.lnet", SysField::FdLnet, FieldType::Net, ArgKind::None),
    ("fd.rnet", SysField::FdRnet, FieldType::Net, ArgKind::None),
    (
        "fd.connected",
        SysField::FdConnected,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "fd.name_changed",
        SysField::FdNameChanged,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "fd.cip.name",
        SysField::FdCipName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.sip.name",
        SysField::FdSipName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.lip.name",
        SysField::FdLipName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.rip.name",
        SysField::FdRipName,
        FieldType::Str,
        ArgKind::None,
    ),
    ("fd.dev", SysField::FdDev, FieldType::Int, ArgKind::None),
    (
        "fd.dev.major",
        SysField::FdDevMajor,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "fd.dev.minor",
        SysField::FdDevMinor,
        FieldType::Int,
        ArgKind::None,
    ),
    ("fd.ino", SysField::FdIno, FieldType::Int, ArgKind::None),
    (
        "fd.nameraw",
        SysField::FdNameraw,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fd.types",
        SysField::FdTypes,
        FieldType::Str,
        ArgKind::OptionalIndex,
    ),
    ("user.uid", SysField::UserUid, FieldType::Int, ArgKind::None),
    (
        "user.name",
        SysField::UserName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "user.homedir",
        SysField::UserHomedir,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "user.shell",
        SysField::UserShell,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "user.loginuid",
        SysField::UserLoginuid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "user.loginname",
        SysField::UserLoginname,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "group.gid",
        SysField::GroupGid,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "group.name",
        SysField::GroupName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.id",
        SysField::ContainerId,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.full_id",
        SysField::ContainerFullId,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.name",
        SysField::ContainerName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.image",
        SysField::ContainerImage,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.image.id",
        SysField::ContainerImageId,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.image.repository",
        SysField::ContainerImageRepository,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.image.tag",
        SysField::ContainerImageTag,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.image.digest",
        SysField::ContainerImageDigest,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.type",
        SysField::ContainerType,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.privileged",
        SysField::ContainerPrivileged,
        FieldType::Bool,
        ArgKind::None,
    ),
    (
        "container.mounts",
        SysField::ContainerMounts,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.mount",
        SysField::ContainerMount,
        FieldType::Str,
        ArgKind::Key,
    ),
    (
        "container.mount.source",
        SysField::ContainerMountSource,
        FieldType::Str,
        ArgKind::Key,
    ),
    (
        "container.mount.dest",
        SysField::ContainerMountDest,
        FieldType::Str,
        ArgKind::Key,
    ),
    (
        "container.start_ts",
        SysField::ContainerStartTs,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "container.duration",
        SysField::ContainerDuration,
        FieldType::Int,
        ArgKind::None,
    ),
    (
        "container.healthcheck",
        SysField::ContainerHealthcheck,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.ip",
        SysField::ContainerIp,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "container.cni.json",
        SysField::ContainerCniJson,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.pod.name",
        SysField::K8sPodName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.pod.id",
        SysField::K8sPodId,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.pod.uid",
        SysField::K8sPodUid,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.pod.label",
        SysField::K8sPodLabel,
        FieldType::Str,
        ArgKind::Key,
    ),
    (
        "k8s.pod.labels",
        SysField::K8sPodLabels,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.pod.ip",
        SysField::K8sPodIp,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.ns.name",
        SysField::K8sNsName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.rc.name",
        SysField::K8sRcName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.rs.name",
        SysField::K8sRsName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.svc.name",
        SysField::K8sSvcName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.deployment.name",
        SysField::K8sDeploymentName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.workload.kind",
        SysField::K8sWorkloadKind,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "k8s.workload.name",
        SysField::K8sWorkloadName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.name",
        SysField::FsPathName,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.nameraw",
        SysField::FsPathNameraw,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.source",
        SysField::FsPathSource,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.sourceraw",
        SysField::FsPathSourceraw,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.target",
        SysField::FsPathTarget,
        FieldType::Str,
        ArgKind::None,
    ),
    (
        "fs.path.targetraw",
        SysField::FsPathTargetraw,
        FieldType::Str,
        ArgKind::None,
    ),
];
/// Which bracketed argument a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArgKind {
    None,
    /// `proc.aname[2]`; without it, `proc.aname` matches any ancestor.
    OptionalIndex,
    /// `container.mount.dest[/etc]`.
    Key,
    /// `proc.env[HOME]` or all of `proc.env`.
    OptionalKey,
    /// `evt.arg[0]` or `evt.arg[path]`; also written `evt.arg.path`.
    IndexOrKey,
}

impl SysField {
    /// The variant for an id stored in [`Field::id`].
    #[must_use]
    pub fn from_id(id: u32) -> Option<SysField> {
        FIELDS.get(id as usize).map(|f| f.1)
    }

    /// The field's name without argument.
    #[must_use]
    pub fn name(self) -> &'static str {
        FIELDS[self as usize].0
    }
}

/// Every syscall-source field name, for `bulwark runtime fields` and the rules validator.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|f| f.0)
}

/// The syscall source's [`Schema`].
#[derive(Debug, Default, Clone, Copy)]
pub struct SyscallSchema;

impl Schema for SyscallSchema {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<Field, String> {
        // `evt.arg.path` and `evt.rawarg.flags` are `evt.arg[path]` written with a dot.
        let (base, arg): (&str, Option<&str>) = if let Some(k) = name.strip_prefix("evt.arg.") {
            ("evt.arg", Some(k))
        } else if let Some(k) = name.strip_prefix("evt.rawarg.") {
            ("evt.rawarg", Some(k))
        } else {
            (name, arg)
        };
        let Some(pos) = FIELDS.iter().position(|f| f.0 == base) else {
            return Err(format!("unknown field `{name}` for source syscall"));
        };
        let (_, var, ty, kind) = FIELDS[pos];
        let arg = match (kind, arg) {
            (ArgKind::None | ArgKind::OptionalIndex | ArgKind::OptionalKey, None) => FieldArg::None,
            (ArgKind::None, Some(a)) => {
                return Err(format!("field `{base}` takes no argument, got `[{a}]`"));
            }
            (ArgKind::Key | ArgKind::IndexOrKey, None) => {
                return Err(format!("field `{base}` needs an argument in brackets"));
            }
            (ArgKind::OptionalIndex, Some(a)) => match a.trim().parse::<i64>() {
                Ok(i) if i >= 0 => FieldArg::Index(i),
                _ => {
                    return Err(format!(
                        "field `{base}` needs a non-negative index, got `[{a}]`"
                    ));
                }
            },
            (ArgKind::Key | ArgKind::OptionalKey, Some(a)) => FieldArg::Key(a.to_string()),
            (ArgKind::IndexOrKey, Some(a)) => match a.trim().parse::<i64>() {
                Ok(i) if i >= 0 => FieldArg::Index(i),
                _ => FieldArg::Key(a.to_string()),
            },
        };
        let shown = match &arg {
            FieldArg::None => base.to_string(),
            FieldArg::Index(i)
                if name.starts_with("evt.arg.") || name.starts_with("evt.rawarg.") =>
            {
                format!("{base}[{i}]")
            }
            FieldArg::Index(i) => format!("{base}[{i}]"),
            FieldArg::Key(_) if name != base => name.to_string(),
            FieldArg::Key(k) => format!("{base}[{k}]"),
        };
        // `evt.arg.*` values are text unless the source knows better; `evt.rawarg.*` are numbers in the rules.
        Ok(Field {
            id: var as u32,
            name: shown,
            arg,
            ty,
            list: false,
        })
    }

    fn event_type_field(&self) -> Option<&'static str> {
        Some("evt.type")
    }

    fn event_types(&self) -> &[&'static str] {
        super::EVENT_TYPES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_arguments_and_rejects_unknown() {
        let s = SyscallSchema;
        let f = s.resolve("proc.aname", Some("2")).unwrap();
        assert_eq!(
            (SysField::from_id(f.id), f.arg.clone(), f.name.as_str()),
            (
                Some(SysField::ProcAname),
                FieldArg::Index(2),
                "proc.aname[2]"
            )
        );
        let f = s.resolve("evt.arg.path", None).unwrap();
        assert_eq!(
            (SysField::from_id(f.id), f.arg, f.name.as_str()),
            (
                Some(SysField::EvtArg),
                FieldArg::Key("path".into()),
                "evt.arg.path"
            )
        );
        assert!(s.resolve("proc.nosuch", None).is_err());
        assert!(s.resolve("proc.name", Some("1")).is_err());
        assert!(s.resolve("container.mount.dest", None).is_err());
        assert_eq!(s.resolve("fd.net", None).unwrap().ty, FieldType::Net);
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.1 as usize, i, "{} out of order", f.0);
        }
    }
}
