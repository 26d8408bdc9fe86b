//! The event model: what every source implements and what the rule engine reads.
//!
//! Field names are resolved once, when a rule is compiled ([`Schema::resolve`] turns `proc.aname[2]` into a
//! [`Field`] holding a source-specific id and its argument); per event, the engine asks the event for the
//! resolved field's value ([`Event::extract`]). No string lookup of field names happens per event.
//!
//! An eBPF sensor or any other new source plugs in by implementing [`Schema`] once and [`Event`] for its events.

use std::borrow::Cow;
use std::net::IpAddr;

/// The type of a field's values, which decides how a rule's literal on the other side of an operator is parsed
/// (`proc.pid = 1` is numeric, `fd.net = 10.0.0.0/8` is a network) and which operators apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text (also paths and names).
    Str,
    /// Signed or unsigned integers, durations in ns, timestamps in ns; also `fd.num`, ports, uids.
    Int,
    /// `true`/`false`.
    Bool,
    /// An IPv4 or IPv6 address; compares with `=` against an address and with `=` against a network for `*.net`.
    Ip,
    /// An IP network (`fd.net`, `fd.snet`, ...): the event's value is an address, the literal a CIDR.
    Net,
    /// Raw bytes (`evt.buffer`, `evt.arg.data`): `bcontains`/`bstartswith` read these.
    Bytes,
}

/// The argument of a field written with brackets: `proc.aname[2]`, `container.mount.dest[/etc]`,
/// `ka.req.pod.containers.image[0]`, `jevt.value[/user/username]`, `evt.arg[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FieldArg {
    /// No argument.
    #[default]
    None,
    /// A numeric index (`proc.aname[2]`, `evt.arg[0]`).
    Index(i64),
    /// A key or path (`container.mount.dest[/etc]`, `jevt.value[/user/username]`, `evt.arg.path` is resolved
    /// to `Key("path")`).
    Key(String),
}

/// A field resolved by a source's [`Schema`], ready for extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The source-specific id (for the syscall source, a [`crate::syscall::SysField`] as `u32`).
    pub id: u32,
    /// The field as written in rules and printed in outputs, with its argument: `proc.aname[2]`.
    pub name: String,
    /// The argument, if any.
    pub arg: FieldArg,
    /// The type of each value.
    pub ty: FieldType,
    /// True when the field yields a list of values (`ka.req.pod.containers.image`, `proc.aname` without index is
    /// not a list). For lists, `in` means every value is in the set and `intersects` means one is.
    pub list: bool,
}

/// One value extracted from an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// The field does not apply to this event or its value is unknown. Falco prints `<NA>`; every comparison
    /// except `exists` is false on it, `!=` included (libsinsp's `compare_nocache` returns false for a missing
    /// value before it looks at the operator), so `not (x = a)` and `x != a` differ there.
    Missing,
    /// Text.
    Str(Cow<'a, str>),
    /// A number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An address.
    Ip(IpAddr),
    /// Raw bytes.
    Bytes(Cow<'a, [u8]>),
    /// Several values (list fields).
    List(Vec<Value<'a>>),
}

impl Value<'_> {
    /// A borrowed string value.
    #[must_use]
    pub fn str(s: &str) -> Value<'_> {
        Value::Str(Cow::Borrowed(s))
    }

    /// An owned string value.
    #[must_use]
    pub fn string(s: String) -> Value<'static> {
        Value::Str(Cow::Owned(s))
    }

    /// Is this [`Value::Missing`]?
    #[must_use]
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

/// A source's field catalog: resolves the field names written in rules, at compile time.
pub trait Schema: Send + Sync {
    /// The source name rules select with `source:` (`syscall`, `k8s_audit`).
    fn source(&self) -> &'static str;

    /// Resolve a field name (`proc.name`, `evt.arg.path`, `ka.req.pod.containers.image`) with its bracketed
    /// argument, if any, as written (`2`, `/etc`, `/user/username`). The error says why the field is unknown or
    /// the argument invalid; the engine adds the file, rule and position.
    fn resolve(&self, name: &str, arg: Option<&str>) -> Result<Field, String>;

    /// The field whose comparisons restrict a rule to event types (`evt.type`), for indexing rules by event type.
    /// `None` when events of this source have no types worth indexing (`k8s_audit`).
    fn event_type_field(&self) -> Option<&'static str> {
        None
    }

    /// Every event type name of this source (`execve`, `open`, ...), for rules that do not restrict the type and
    /// for the "matches too many event types" warning. Empty when [`Schema::event_type_field`] is `None`.
    fn event_types(&self) -> &[&'static str] {
        &[]
    }
}

/// One event from a source.
pub trait Event {
    /// The source name, as in [`Schema::source`].
    fn source(&self) -> &str;

    /// The event type name (`execve`, `open`, `connect`); rules are indexed by it. Sources without event types
    /// return `""`.
    fn event_type(&self) -> &str;

    /// Nanoseconds since the Unix epoch.
    fn time_ns(&self) -> i64;

    /// The value of a field this source's [`Schema`] resolved. Fields that do not apply give [`Value::Missing`].
    fn extract(&self, field: &Field) -> Value<'_>;
}

/// An error reading events: the source, where (file, byte offset, line, block) and what.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading failed.
    #[error("{where_}: {message}")]
    Read {
        /// File and position, e.g. `capture.scap: block 12 at byte 4096` or `audit.jsonl:3`.
        where_: String,
        /// What is wrong.
        message: String,
    },
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Counts a source keeps about events it could not deliver, reported like Falco's `syscall_event_drops`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Drops {
    /// Events read.
    pub events: u64,
    /// Events dropped because a buffer or queue was full.
    pub dropped_full: u64,
    /// Events dropped because they could not be parsed (truncated, corrupt, too large).
    pub dropped_invalid: u64,
}

/// A stream of events: a capture file, an audit log, the live process connector. The source calls `sink` once
/// per event, in order, and returns its counts when the input ends (or, for a live source, when stopped).
pub trait EventSource {
    /// The source name of the events it yields.
    fn source(&self) -> &'static str;

    /// Reads every event, calling `sink` for each. An error ends the stream and names the input and position;
    /// events already delivered stay delivered.
    fn run(&mut self, sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError>;
}
