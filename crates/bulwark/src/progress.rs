//! Progress on stderr for registry pulls, only when stderr is a terminal.

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
