//! Test back ends: a SQLite file in a temp dir, and a REAL PostgreSQL server (Debian's `postgresql` package)
//! started in a temp dir on a unix socket, no TCP port.
//!
//! One PostgreSQL server per test binary (`shared_pg()`), a fresh database per test. The server is stopped and
//! its directory removed by a watchdog shell that waits for the test process to end (normally, by panic or by
//! SIGKILL), since a `static` is never dropped; [`PgServer`] owned by a value is also stopped on `Drop`.
#![allow(dead_code, unreachable_pub)]

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A PostgreSQL binary from Debian's package (`/usr/lib/postgresql/<v>/bin`, newest first) or from PATH.
pub fn pg_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.reverse();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for d in dirs {
        let p = d.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "PostgreSQL's `{name}` is not installed (looked in /usr/lib/postgresql/*/bin and PATH): run .ci/install-deps.sh"
    );
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `cmd args…`, as the `postgres` user when we are root (initdb and postgres refuse to run as root).
fn as_pg_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A running PostgreSQL server in a temp dir, reachable on a unix socket in that dir.
pub struct PgServer {
    pub dir: PathBuf,
    watchdog: std::process::Child,
    stopped: bool,
}

impl PgServer {
    /// initdb + start + wait until it accepts connections.
    pub fn start() -> Self {
        let initdb = pg_bin("initdb");
        let postgres = pg_bin("postgres");
        let pg_ctl = pg_bin("pg_ctl");
        let dir = tempfile::Builder::new()
            .prefix("bulwark-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("run chown")
                .success();
            assert!(
                ok,
                "chown postgres {}: is the `postgres` user there? run .ci/install-deps.sh",
                dir.display()
            );
        }
        let data = dir.join("data");
        let out = as_pg_user(&initdb)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}: run .ci/install-deps.sh", initdb.display()));
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The watchdog starts the server, then stops it and removes the dir when this process is gone.
        let q = |p: &Path| format!("'{}'", p.display());
        let run_as = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "{run_as}{postgres} -D {data} -k {dir} -c listen_addresses='' -c fsync=off -c max_connections=200 \
             -c shared_buffers=32MB > {log} 2>&1 &\n\
             pg=$!\n\
             while kill -0 {parent} 2>/dev/null && kill -0 $pg 2>/dev/null && [ ! -e {dir}/stop ]; do sleep 0.3; done\n\
             {run_as}{pg_ctl} stop -D {data} -m immediate -w >/dev/null 2>&1\n\
             wait $pg\n\
             rm -rf {dir}\n",
            postgres = q(&postgres),
            pg_ctl = q(&pg_ctl),
            data = q(&data),
            dir = q(&dir),
            log = q(&dir.join("server.log")),
            parent = std::process::id(),
        );
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sh");
        let server = Self {
            dir,
            watchdog,
            stopped: false,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            match postgres::Client::connect(&self.url("postgres"), postgres::NoTls) {
                Ok(_) => return,
                Err(e) => {
                    if Instant::now() > deadline {
                        let log = std::fs::read_to_string(self.dir.join("server.log"))
                            .unwrap_or_default();
                        panic!("PostgreSQL did not start in 60 s: {e}\n{log}");
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Key=value connection string for database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("host={} user=postgres dbname={db}", self.dir.display())
    }

    /// A new empty database; returns its connection string.
    pub fn fresh_db(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to postgres");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(&name)
    }

    pub fn stop(&mut self) {
        if !self.stopped {
            self.stopped = true;
            let _ = std::fs::write(self.dir.join("stop"), b"");
            let _ = self.watchdog.wait();
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server shared by every test of this binary.
pub fn shared_pg() -> &'static PgServer {
    static PG: OnceLock<PgServer> = OnceLock::new();
    PG.get_or_init(PgServer::start)
}

/// Which back end a test runs on, and how to open more connections to the same store.
pub struct TestDb {
    pub location: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = format!("sqlite:{}", dir.path().join("store.db").display());
        Self {
            location,
            _dir: Some(dir),
        }
    }

    pub fn postgres() -> Self {
        Self {
            location: shared_pg().fresh_db(),
            _dir: None,
        }
    }

    pub fn open(&self) -> bulwark_store::Store {
        bulwark_store::Store::open(&self.location)
            .unwrap_or_else(|e| panic!("open {}: {e}", self.location))
    }
}
