//! Runs the live source on a thread and keeps a snapshot of each exec event of the test's own process tree.
#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bulwark_runtime::event::{Drops, Event, Schema, Value};
use bulwark_runtime::live::{LiveOptions, LiveStats, ProcConnector, StaticResolver};
use bulwark_runtime::syscall::SyscallSchema;

/// What a test checks of one exec event.
#[derive(Debug, Clone)]
pub struct Seen {
    pub pid: i64,
    pub ppid: i64,
    pub name: String,
    pub exepath: String,
    pub args: String,
    pub pname: String,
    pub uid: i64,
    pub cwd: String,
    pub evt_type: String,
    pub evt_dir: String,
    pub time_ns: i64,
    /// When the sink saw it, ns since the epoch.
    pub sink_ns: i64,
    pub upper: bool,
    pub memfd: bool,
}

pub struct Watch {
    pub rx: Receiver<Seen>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<(Drops, LiveStats)>>,
}

fn now_ns() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    )
    .unwrap()
}

fn text(v: Value<'_>) -> String {
    match v {
        Value::Str(s) => s.into_owned(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Missing => "<NA>".into(),
        other => format!("{other:?}"),
    }
}

/// Starts watching; only events whose ancestors include this test process are kept.
pub fn watch(opts: LiveOptions, slow_sink: Option<Duration>) -> Watch {
    let mut src = ProcConnector::open(opts, Arc::new(StaticResolver::default()))
        .expect("the netlink process connector (needs root / CAP_NET_ADMIN)");
    let stop = src.stop_handle();
    let (tx, rx) = channel();
    let me = i64::from(std::process::id());
    let s = SyscallSchema;
    let f = |n: &str| s.resolve(n, None).unwrap();
    let fields = [
        f("proc.pid"),
        f("proc.ppid"),
        f("proc.name"),
        f("proc.exepath"),
        f("proc.args"),
        f("proc.pname"),
        f("user.uid"),
        f("proc.cwd"),
        f("evt.type"),
        f("evt.dir"),
        f("proc.apid"),
        f("proc.is_exe_upper_layer"),
        f("proc.is_exe_from_memfd"),
    ];
    let tx = Mutex::new(tx);
    let handle = std::thread::spawn(move || {
        use bulwark_runtime::event::EventSource as _;
        let drops = src
            .run(&mut |e: &dyn Event| {
                if let Some(d) = slow_sink {
                    std::thread::sleep(d);
                }
                let sink_ns = now_ns();
                let apids = e.extract(&fields[10]);
                let mine = e.extract(&fields[0]) == Value::Int(me)
                    || matches!(&apids, Value::List(l) if l.contains(&Value::Int(me)));
                if !mine {
                    return;
                }
                let t = |i: usize| text(e.extract(&fields[i]));
                let _ = tx.lock().unwrap().send(Seen {
                    pid: t(0).parse().unwrap_or(-1),
                    ppid: t(1).parse().unwrap_or(-1),
                    name: t(2),
                    exepath: t(3),
                    args: t(4),
                    pname: t(5),
                    uid: t(6).parse().unwrap_or(-1),
                    cwd: t(7),
                    evt_type: t(8),
                    evt_dir: t(9),
                    time_ns: e.time_ns(),
                    sink_ns,
                    upper: t(11) == "true",
                    memfd: t(12) == "true",
                });
            })
            .unwrap();
        (drops, src.stats())
    });
    Watch {
        rx,
        stop,
        handle: Some(handle),
    }
}

impl Watch {
    /// Waits up to `within` for an event matching `pred`.
    pub fn wait_for(&self, within: Duration, pred: impl Fn(&Seen) -> bool) -> Option<Seen> {
        let end = std::time::Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            match self.rx.recv_timeout(left) {
                Ok(s) if pred(&s) => return Some(s),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Stops the source and returns its counts.
    pub fn finish(mut self) -> (Drops, LiveStats) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().unwrap().join().unwrap()
    }
}
