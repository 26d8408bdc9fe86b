//! Reading audit events from a byte stream, one JSON document per line, as the k8saudit plugin reads a file or a
//! webhook body: a line holds an `Event` (`kind: Event`), an `EventList` (`kind: EventList`, `items`), or a JSON
//! array of those. `EventList` items and array elements are deserialized one at a time, so memory is bounded by
//! the per-event cap whatever the length of the list or line.

pub(crate) use crate::time::civil_from_days;
use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::rc::Rc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::AuditEvent;
use crate::event::{Drops, SourceError};

/// The default cap on one event's JSON, 16 MiB (the plugin's `maxEventSize` default is 256 MiB; the API server
/// refuses objects over 3 MiB in etcd, so an event over 16 MiB is not a real one).
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 << 20;

/// Falco's message for JSON that is neither an `Event`, an `EventList` nor an array of those.
pub const NOT_RECOGNIZED: &str = "data not recognized as a k8s audit event";

/// What went wrong with one line or one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// Not JSON (syntax, invalid UTF-8, nesting over serde_json's limit of 128, trailing data).
    InvalidJson,
    /// Over the per-event size cap.
    TooLarge,
    /// JSON, but not an audit `Event`/`EventList` (Falco's "data not recognized as a k8s audit event").
    NotRecognized,
    /// An event without a usable `stageTimestamp`.
    BadEvent,
}

/// A problem with one line or item of the input; reading goes on after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditIssue {
    /// The input's name (path, `-`, or a request description).
    pub input: String,
    /// 1-based line.
    pub line: u64,
    /// 0-based position of the item in the line's `EventList` or array, when the problem is one item.
    pub item: Option<u64>,
    /// The class of problem.
    pub kind: IssueKind,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for AuditIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.item {
            Some(i) => write!(
                f,
                "{}:{}: item {i}: {}",
                self.input, self.line, self.message
            ),
            None => write!(f, "{}:{}: {}", self.input, self.line, self.message),
        }
    }
}

/// Reads every event of `input`, calling `on_event` for each and `on_issue` for each line or item dropped
/// (counted in [`Drops::dropped_invalid`]). Only an I/O error of the input ends the stream early.
///
/// # Errors
/// [`SourceError::Io`] when reading `input` fails.
pub fn read(
    name: &str,
    input: impl Read,
    max_event_size: usize,
    on_event: &mut dyn FnMut(AuditEvent),
    on_issue: &mut dyn FnMut(&AuditIssue),
) -> Result<Drops, SourceError> {
    let mut inner = BufReader::with_capacity(64 * 1024, input);
    let used = Rc::new(Cell::new(0usize));
    let mut drops = Drops::default();
    let mut line = 0u64;
    let io_err = |source| SourceError::Io {
        path: name.to_string(),
        source,
    };
    loop {
        let buf = inner.fill_buf().map_err(io_err)?;
        if buf.is_empty() {
            return Ok(drops);
        }
        line += 1;
        // Skip blank lines (the plugin skips empty ones).
        if skip_blank_line(&mut inner).map_err(io_err)? {
            continue;
        }
        used.set(0);
        let over = Rc::new(Cell::new(false));
        let io_failed: Rc<Cell<Option<std::io::ErrorKind>>> = Rc::new(Cell::new(None));
        let mut ctx = Ctx {
            name,
            line,
            item: None,
            used: used.clone(),
            on_event,
            on_issue,
            drops: &mut drops,
            top: true,
            pending: None,
        };
        let mut lr = LineReader {
            inner: &mut inner,
            used: used.clone(),
            max: max_event_size,
            over: over.clone(),
            io_failed: io_failed.clone(),
            at_eol: false,
        };
        let mut de = serde_json::Deserializer::from_reader(&mut lr);
        let result = Doc(&mut ctx).deserialize(&mut de).and_then(|()| de.end());
        drop(de);
        drop(lr);
        // A single event is delivered only once the line is known to hold nothing else (the plugin parses the
        // whole line first).
        if let (Ok(()), Some(ev)) = (&result, ctx.pending.take()) {
            ctx.drops.events += 1;
            (ctx.on_event)(ev);
        }
        if let Err(e) = result {
            let eof = e.is_eof();
            if let Some(kind) = io_failed.get() {
                return Err(io_err(std::io::Error::new(kind, e.to_string())));
            }
            // serde_json counts lines within the line it was given: keep only the column.
            let text = e.to_string();
            let pos = format!(" at line {} column {}", e.line(), e.column());
            let e = match text.strip_suffix(&pos) {
                Some(t) if e.column() > 0 => format!("{t} at column {}", e.column()),
                Some(t) => t.to_string(),
                None => text,
            };
            let (kind, message) = if over.get() {
                (
                    IssueKind::TooLarge,
                    format!(
                        "event larger than the maximum event size ({max_event_size} bytes); rest of the line skipped"
                    ),
                )
            } else if eof {
                (
                    IssueKind::InvalidJson,
                    format!(
                        "invalid JSON: {e} (each Event, EventList or array must be on one line, as the API server writes them)"
                    ),
                )
            } else {
                (IssueKind::InvalidJson, format!("invalid JSON: {e}"))
            };
            ctx.issue(kind, message);
        }
        // Skip whatever remains of the line (after an error, or trailing `\r`).
        skip_rest_of_line(&mut inner).map_err(io_err)?;
    }
}

/// [`read`] over a buffer (a webhook request body).
#[must_use]
pub fn read_bytes(
    name: &str,
    bytes: &[u8],
    max_event_size: usize,
    on_event: &mut dyn FnMut(AuditEvent),
    on_issue: &mut dyn FnMut(&AuditIssue),
) -> Drops {
    // Reading a slice cannot fail.
    read(name, bytes, max_event_size, on_event, on_issue).unwrap_or_default()
}

/// Consumes the line if it holds only whitespace; true if it did.
fn skip_blank_line<R: Read>(inner: &mut BufReader<R>) -> std::io::Result<bool> {
    loop {
        let buf = inner.fill_buf()?;
        if buf.is_empty() {
            return Ok(true);
        }
        let n = buf
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
            .count();
        if n < buf.len() {
            let nl = buf[n] == b'\n';
            inner.consume(if nl { n + 1 } else { n });
            return Ok(nl);
        }
        inner.consume(n);
    }
}

fn skip_rest_of_line<R: Read>(inner: &mut BufReader<R>) -> std::io::Result<()> {
    loop {
        let buf = inner.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(p) = buf.iter().position(|&b| b == b'\n') {
            inner.consume(p + 1);
            return Ok(());
        }
        let n = buf.len();
        inner.consume(n);
    }
}

/// Yields the bytes of the current line (EOF at `\n`, which stays unread), failing once the bytes read since the
/// last reset of `used` pass `max`.
struct LineReader<'r, R: Read> {
    inner: &'r mut BufReader<R>,
    used: Rc<Cell<usize>>,
    max: usize,
    over: Rc<Cell<bool>>,
    io_failed: Rc<Cell<Option<std::io::ErrorKind>>>,
    at_eol: bool,
}

impl<R: Read> Read for LineReader<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at_eol || out.is_empty() {
            return Ok(0);
        }
        let buf = match self.inner.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                self.io_failed.set(Some(e.kind()));
                return Err(e);
            }
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let used = self.used.get();
        if used >= self.max {
            self.over.set(true);
            return Err(std::io::Error::other("event over the size limit"));
        }
        let mut n = buf.len().min(out.len()).min(self.max - used);
        if let Some(p) = buf[..n].iter().position(|&b| b == b'\n') {
            n = p;
            self.at_eol = true;
        }
        out[..n].copy_from_slice(&buf[..n]);
        self.inner.consume(n);
        self.used.set(used + n);
        Ok(n)
    }
}

struct Ctx<'c> {
    name: &'c str,
    line: u64,
    item: Option<u64>,
    used: Rc<Cell<usize>>,
    on_event: &'c mut dyn FnMut(AuditEvent),
    on_issue: &'c mut dyn FnMut(&AuditIssue),
    drops: &'c mut Drops,
    /// True while reading the line's top-level value.
    top: bool,
    /// The line's single event, held until the end of the line is checked.
    pending: Option<AuditEvent>,
}

impl Ctx<'_> {
    fn issue(&mut self, kind: IssueKind, message: String) {
        self.drops.dropped_invalid += 1;
        (self.on_issue)(&AuditIssue {
            input: self.name.to_string(),
            line: self.line,
            item: self.item,
            kind,
            message,
        });
    }

    fn event(&mut self, json: serde_json::Value) {
        match AuditEvent::from_json(json) {
            Ok(ev) if self.top => self.pending = Some(ev),
            Ok(ev) => {
                self.drops.events += 1;
                (self.on_event)(ev);
            }
            Err(m) => self.issue(IssueKind::BadEvent, m),
        }
    }

    fn begin_item(&mut self, index: u64) {
        self.top = false;
        self.item = Some(index);
        self.used.set(0);
    }
}

/// A document: an Event, an EventList, or an array of documents.
struct Doc<'a, 'c>(&'a mut Ctx<'c>);

impl<'de> DeserializeSeed<'de> for Doc<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an audit Event, an EventList or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut i = 0u64;
        loop {
            ctx.begin_item(i);
            // The plugin recurses into arrays: each element may itself be an Event, EventList or array. A bad
            // element is reported and skipped (the plugin drops the whole array).
            if seq.next_element_seed(Doc(&mut *ctx))?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut obj = serde_json::Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            let is_list = obj.get("kind").and_then(serde_json::Value::as_str) == Some("EventList");
            if key == "items" && is_list && !streamed {
                map.next_value_seed(Items(&mut *ctx))?;
                streamed = true;
                continue;
            }
            let value: serde_json::Value = map.next_value()?;
            obj.insert(key, value);
        }
        if streamed {
            return Ok(());
        }
        match obj.get("kind").and_then(serde_json::Value::as_str) {
            Some("Event") => ctx.event(serde_json::Value::Object(obj)),
            Some("EventList") => {
                // `kind` came after `items`: the items were kept whole (under the size cap of the line).
                match obj.remove("items") {
                    Some(serde_json::Value::Array(items)) => {
                        ctx.top = false;
                        for (i, item) in items.into_iter().enumerate() {
                            ctx.item = Some(i as u64);
                            ctx.event(item);
                        }
                    }
                    _ => ctx.issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into()),
                }
            }
            _ => ctx.issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into()),
        }
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }
}

/// The `items` of an EventList, one at a time.
struct Items<'a, 'c>(&'a mut Ctx<'c>);

impl<'de> DeserializeSeed<'de> for Items<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of audit events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut i = 0u64;
        loop {
            ctx.begin_item(i);
            match seq.next_element::<serde_json::Value>()? {
                Some(v) => ctx.event(v),
                None => return Ok(()),
            }
            i += 1;
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        // `items: null` is an empty list as the API server may send it.
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        self.0
            .issue(IssueKind::NotRecognized, NOT_RECOGNIZED.into());
        Ok(())
    }
}

/// RFC 3339 (Go's `time.RFC3339Nano` layout among others) to ns since the epoch, through the workspace's one
/// parser, [`bulwark_types::time::parse_rfc3339_nanos`].
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let (secs, nanos) = bulwark_types::time::parse_rfc3339_nanos(text)?;
    secs.checked_mul(1_000_000_000)?
        .checked_add(i64::from(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_against_known_epochs() {
        // 2018-10-25T13:58:49Z = 1540475929 (date -u -d 2018-10-25T13:58:49Z +%s).
        assert_eq!(
            parse_rfc3339("2018-10-25T13:58:49Z"),
            Some(1_540_475_929_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2018-10-25T13:58:49.730588Z"),
            Some(1_540_475_929_730_588_000)
        );
        assert_eq!(
            parse_rfc3339("2018-10-25T15:58:49+02:00"),
            Some(1_540_475_929_000_000_000)
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2018-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2018-10-25_13:58:49Z"), None);
        assert_eq!(parse_rfc3339("2018-10-25T13:58:49.Z"), None);
        assert_eq!(civil_from_days(17_829), (2018, 10, 25));
    }
}
