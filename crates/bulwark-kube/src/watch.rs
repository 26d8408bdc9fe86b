//! The watch stream: one JSON object per line, `{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR",
//! "object": {…}}` (API concepts, "Efficient detection of changes"). Lines are bounded; nothing is buffered
//! beyond one line.

use std::io::BufRead;

use serde_json::Value;

/// Longest watch line accepted by default (one object; real pods are a few KiB, the API server's own limit for
/// an object in etcd is 1.5 MiB).
pub const DEFAULT_MAX_LINE: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// One watch event. For `Error`, `object` is a `Status` (`code`, `reason`, `message`).
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub kind: EventType,
    pub object: Value,
}

impl WatchEvent {
    /// `object.metadata.resourceVersion`, if any.
    #[must_use]
    pub fn resource_version(&self) -> Option<&str> {
        self.object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// For an `ERROR` event, the Status code (410 for "too old resource version").
    #[must_use]
    pub fn status_code(&self) -> Option<u64> {
        self.object.get("code").and_then(Value::as_u64)
    }
}

/// Parses one line of a watch stream.
pub fn parse_event(line: &[u8]) -> Result<WatchEvent, String> {
    let v: Value =
        serde_json::from_slice(line).map_err(|e| format!("watch event is not JSON: {e}"))?;
    let kind = match v.get("type").and_then(Value::as_str) {
        Some("ADDED") => EventType::Added,
        Some("MODIFIED") => EventType::Modified,
        Some("DELETED") => EventType::Deleted,
        Some("BOOKMARK") => EventType::Bookmark,
        Some("ERROR") => EventType::Error,
        Some(other) => return Err(format!("unknown watch event type {other:?}")),
        None => return Err("watch event has no \"type\"".to_owned()),
    };
    let Some(object) = v.get("object").filter(|o| o.is_object()) else {
        return Err("watch event has no \"object\"".to_owned());
    };
    Ok(WatchEvent {
        kind,
        object: object.clone(),
    })
}

/// Reads the events of a watch stream from any reader, one bounded line at a time.
pub struct EventReader<R> {
    inner: R,
    max_line: usize,
    buf: Vec<u8>,
    line_no: u64,
}

/// What reading the next event gave.
#[derive(Debug)]
pub enum Next {
    Event(WatchEvent),
    /// The stream ended cleanly (the server's `timeoutSeconds`, or it closed the connection).
    End,
}

impl<R: BufRead> EventReader<R> {
    pub fn new(inner: R, max_line: usize) -> Self {
        Self {
            inner,
            max_line,
            buf: Vec::new(),
            line_no: 0,
        }
    }

    /// The next event. `Err(Io)` for a broken connection; `Err(Bad)` for a line over the bound or not an event.
    pub fn next_event(&mut self) -> Result<Next, ReadError> {
        loop {
            self.buf.clear();
            let got = read_line_bounded(&mut self.inner, &mut self.buf, self.max_line)?;
            if !got {
                return Ok(Next::End);
            }
            self.line_no += 1;
            let line = self.buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            return parse_event(line)
                .map(Next::Event)
                .map_err(|e| ReadError::Bad(format!("line {}: {e}", self.line_no)));
        }
    }
}

#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Bad(String),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Appends one line (without its `\n`) to `buf`; `Ok(false)` at end of stream with nothing read. A final line
/// without `\n` is returned as a line. Never holds more than `max` bytes.
fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<bool, ReadError> {
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max {
            return Err(ReadError::Bad(format!(
                "a watch event line is longer than {max} bytes; stream abandoned"
            )));
        }
        buf.extend_from_slice(&chunk[..take]);
        r.consume(if done { take + 1 } else { take });
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_and_bounds_lines() {
        let text = b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"5\"}}}\n\n{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}";
        let mut r = EventReader::new(&text[..], 1000);
        let Next::Event(e) = r.next_event().unwrap() else {
            panic!()
        };
        assert_eq!(
            (e.kind, e.resource_version()),
            (EventType::Added, Some("5"))
        );
        let Next::Event(e) = r.next_event().unwrap() else {
            panic!()
        };
        assert_eq!(
            (e.kind, e.resource_version()),
            (EventType::Bookmark, Some("9"))
        );
        assert!(matches!(r.next_event().unwrap(), Next::End));

        let long = format!(
            "{{\"type\":\"ADDED\",\"object\":{{\"x\":\"{}\"}}}}\n",
            "a".repeat(200)
        );
        let mut r = EventReader::new(std::io::BufReader::with_capacity(16, long.as_bytes()), 100);
        assert!(matches!(r.next_event(), Err(ReadError::Bad(m)) if m.contains("longer than 100")));

        for bad in [
            &b"{\"type\":\"ADDED\"}\n"[..],
            b"not json\n",
            b"{\"type\":\"NOPE\",\"object\":{}}\n",
        ] {
            let mut r = EventReader::new(bad, 1000);
            assert!(matches!(r.next_event(), Err(ReadError::Bad(m)) if m.starts_with("line 1:")));
        }
    }
}
