//! Live process events on a Linux node without a kernel module: the netlink process connector (fork, exec,
//! exit), enriched from `/proc` (exe, args, cwd, uid, parent chain, cgroup → container id). Events implement the
//! syscall source's fields (`evt.type = execve`, `proc.*`, `user.*`, `container.*`), so the same rules apply.
