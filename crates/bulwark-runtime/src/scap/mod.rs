//! The `.scap` capture reader (libscap's pcapng-like block format, gzip or plain) and the syscall event state
//! (thread and fd tables) that gives events their `proc.*` and `fd.*` values.

use std::path::Path;

use crate::event::{Drops, Event, EventSource, SourceError};

/// A capture file opened for replay.
#[derive(Debug)]
pub struct CaptureSource {
    path: String,
}

impl CaptureSource {
    /// Opens a capture (gzip-compressed or plain); the section header is checked here.
    pub fn open(path: &Path) -> Result<CaptureSource, SourceError> {
        Err(SourceError::Read {
            where_: path.display().to_string(),
            message: "capture reader not built yet".into(),
        })
    }

    /// Does this look like a capture (gzip magic or the section header block type)?
    #[must_use]
    pub fn sniff(head: &[u8]) -> bool {
        head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a])
    }
}

impl EventSource for CaptureSource {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn run(&mut self, _sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
        Err(SourceError::Read {
            where_: self.path.clone(),
            message: "capture reader not built yet".into(),
        })
    }
}
