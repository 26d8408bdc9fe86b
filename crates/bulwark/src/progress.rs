//! Progress on stderr for registry pulls, for reading large local layers and for walking a root filesystem,
//! only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use bulwark_registry::{BlobKind, ProgressEvent, ProgressFn, ProgressState};

/// A one-line progress display for layer downloads, or `None` when quiet or not on a terminal.
pub(crate) fn bar(quiet: bool) -> Option<ProgressFn> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let last = Mutex::new(std::time::Instant::now());
    Some(Box::new(move |e: ProgressEvent| {
        if e.kind != BlobKind::Layer {
            return;
        }
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let done = matches!(e.state, ProgressState::Finished | ProgressState::Cached);
        if !done && last.elapsed().as_millis() < 100 {
            return;
        }
        *last = std::time::Instant::now();
        let short = e.digest.get(7..19).unwrap_or(&e.digest);
        let pct = (e.done * 100).checked_div(e.total).unwrap_or(0);
        let state = match e.state {
            ProgressState::Cached => "cached".to_string(),
            ProgressState::Finished => "done".to_string(),
            _ => format!("{pct:3}% of {} MiB", e.total >> 20),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2Klayer {short}: {state}");
        if done {
            let _ = writeln!(err);
        }
    }))
}

/// Layers at least this large get a progress line while they are read.
const LARGE_LAYER: u64 = 32 << 20;

/// A one-line display of how far the image's layers have been read, for [`bulwark_source::ReadOptions`]
/// `progress`. Silent unless a layer of at least 32 MiB is being read; [`LayerBar::finish`] clears the line.
pub(crate) struct LayerBar {
    state: Mutex<LayerBarState>,
}

struct LayerBarState {
    /// Per layer index: (bytes read, layer size).
    layers: std::collections::BTreeMap<usize, (u64, u64)>,
    last: std::time::Instant,
    shown: bool,
}

impl LayerBar {
    pub(crate) fn new(quiet: bool) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Self {
            state: Mutex::new(LayerBarState {
                layers: std::collections::BTreeMap::new(),
                last: std::time::Instant::now(),
                shown: false,
            }),
        })
    }

    pub(crate) fn report(&self, index: usize, done: u64, total: u64) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.layers.insert(index, (done, total));
        let large = s.layers.values().any(|&(_, t)| t >= LARGE_LAYER);
        if !large || s.last.elapsed().as_millis() < 100 {
            return;
        }
        s.last = std::time::Instant::now();
        s.shown = true;
        let (done, total) = s
            .layers
            .values()
            .fold((0, 0), |(d, t), &(ld, lt)| (d + ld, t + lt));
        let finished = s.layers.values().filter(|&&(d, t)| d >= t).count();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kreading layers: {} of {} MiB ({finished} of {} layers done)",
            done >> 20,
            total >> 20,
            s.layers.len()
        );
    }

    /// Clears the progress line if one was drawn.
    pub(crate) fn finish(&self) {
        let s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if s.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// A one-line display of a root filesystem scan: entries walked, wanted files found, then the cataloging
/// phase. Drawn only on a terminal; [`WalkBar::finish`] clears it.
pub(crate) struct WalkBar {
    dir: String,
    state: Mutex<WalkBarState>,
}

struct WalkBarState {
    last: Option<std::time::Instant>,
    shown: bool,
}

impl WalkBar {
    pub(crate) fn new(quiet: bool, dir: &std::path::Path) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Self {
            dir: dir.display().to_string(),
            state: Mutex::new(WalkBarState {
                last: None,
                shown: false,
            }),
        })
    }

    /// For [`bulwark_source::ReadOptions::walk_progress`]: at most ten redraws a second.
    pub(crate) fn report(&self, seen: u64, wanted: u64) {
        self.draw(
            &format!(
                "scanning {}: {seen} entries, {wanted} package files",
                self.dir
            ),
            false,
        );
    }

    /// Announces the next phase (drawn at once).
    pub(crate) fn phase(&self, what: &str) {
        self.draw(&format!("scanning {}: {what}", self.dir), true);
    }

    fn draw(&self, line: &str, now: bool) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !now && s.last.is_some_and(|t| t.elapsed().as_millis() < 100) {
            return;
        }
        s.last = Some(std::time::Instant::now());
        s.shown = true;
        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{line}");
    }

    /// Clears the progress line if one was drawn.
    pub(crate) fn finish(&self) {
        let s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if s.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}
