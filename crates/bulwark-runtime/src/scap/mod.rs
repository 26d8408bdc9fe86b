//! The `.scap` capture reader (libscap's pcapng-like block format, gzip or plain) and the syscall event state
//! (thread and fd tables) that gives events their `proc.*` and `fd.*` values.
//!
//! - [`reader`]: blocks, lengths, gzip, limits.
//! - `events`/`table`: the event table (generated from libscap's, see `tools/gen_scap_table.py`) and the
//!   decoding of an event's parameters.
//! - `state`: threads, fds, users, updated by the process/fd/user lists and by events.
//! - `render`: parameters as sysdig prints them (`evt.info`).
//! - `cevent`: the [`Event`] implementation (`evt.*`, `fd.*`, and `proc.*` through [`crate::process::extract`]).

// Binary decoding: widths are checked where it matters; wrapping casts mirror C's reading of the same bytes.
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_lossless
)]

mod cevent;
mod container;
mod events;
mod reader;
mod render;
mod state;
mod table;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::event::{Drops, Event, EventSource, SourceError};

pub use cevent::CaptureEvent;
pub use reader::block_name;

/// The default cap on a capture's decompressed size: 16 GiB (reading is streamed; the cap bounds time, and a
/// gzip bomb ends with an error).
pub const DEFAULT_LIMIT: u64 = 16 << 30;

/// What a run read: blocks by type name, bytes, events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Block counts by type name (`SHB`, `EV`, `PL_V5`, `unknown`, ...).
    pub blocks: BTreeMap<&'static str, u64>,
    /// Decompressed bytes of all blocks, which is the whole input when it was read to its end.
    pub bytes: u64,
    /// Event blocks read (including `procinfo` events, which are not delivered).
    pub events: u64,
    /// SHB version, major and minor.
    pub version: (u16, u16),
}

/// A capture file opened for replay.
pub struct CaptureSource {
    path: String,
    reader: Option<reader::BlockReader>,
    summary: Summary,
}

impl std::fmt::Debug for CaptureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureSource")
            .field("path", &self.path)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl CaptureSource {
    /// Opens a capture (gzip-compressed or plain); the section header is checked here.
    pub fn open(path: &Path) -> Result<CaptureSource, SourceError> {
        Self::open_with_limit(path, DEFAULT_LIMIT)
    }

    /// Opens a capture with a cap on its decompressed size.
    pub fn open_with_limit(path: &Path, limit: u64) -> Result<CaptureSource, SourceError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| SourceError::Io {
            path: name.clone(),
            source,
        })?;
        Self::from_reader(Box::new(file), &name, limit)
    }

    /// Reads a capture from any input (`name` is used in errors).
    pub fn from_reader(
        input: Box<dyn Read>,
        name: &str,
        limit: u64,
    ) -> Result<CaptureSource, SourceError> {
        let mut r =
            reader::BlockReader::new(input, name, limit).map_err(|source| SourceError::Io {
                path: name.to_string(),
                source,
            })?;
        let mut summary = Summary::default();
        let first = r.next_block()?;
        let Some((ty, pos)) = first else {
            return Err(SourceError::Read {
                where_: name.to_string(),
                message: "empty input: not a capture".into(),
            });
        };
        if ty != reader::SHB {
            return Err(r.err(
                pos,
                format!("not a capture: the first block has type 0x{ty:08x}, not a section header"),
            ));
        }
        summary.version = check_shb(&r, pos)?;
        *summary.blocks.entry("SHB").or_default() += 1;
        summary.bytes = r.body.len() as u64 + 12;
        Ok(CaptureSource {
            path: name.to_string(),
            reader: Some(r),
            summary,
        })
    }

    /// Does this look like a capture (gzip magic or the section header block type)?
    #[must_use]
    pub fn sniff(head: &[u8]) -> bool {
        head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a])
    }

    /// What has been read so far (all of it after [`EventSource::run`] returned).
    #[must_use]
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Reads every block, calling `sink` with each delivered event, concretely typed (tests and tools use the
    /// capture-specific accessors).
    pub fn run_events(
        &mut self,
        sink: &mut dyn FnMut(&CaptureEvent<'_>),
    ) -> Result<Drops, SourceError> {
        let Some(mut r) = self.reader.take() else {
            return Err(SourceError::Read {
                where_: self.path.clone(),
                message: "the capture was already read".into(),
            });
        };
        let mut st = state::State::default();
        let mut drops = Drops::default();
        let mut raw = events::RawEvent::default();
        let mut after = state::After::default();
        let mut num: u64 = 0;
        let mut lists_done = false;
        while let Some((ty, pos)) = r.next_block()? {
            *self
                .summary
                .blocks
                .entry(reader::block_name(ty))
                .or_default() += 1;
            self.summary.bytes += if reader::is_known(ty) {
                r.body.len() as u64 + 12
            } else {
                0
            };
            let body = &r.body;
            let res: Result<(), String> = match ty {
                reader::SHB => check_shb(&r, pos).map(|_| ()).map_err(|e| e.to_string()),
                reader::PL_V1
                | reader::PL_V2
                | reader::PL_V3
                | reader::PL_V4
                | reader::PL_V5
                | reader::PL_V6
                | reader::PL_V7
                | reader::PL_V8
                | reader::PL_V9 => st.read_proclist(ty, body),
                reader::FDL | reader::FDL_V2 => st.read_fdlist(ty, body),
                reader::IL | reader::IL_V2 => st.read_iflist(ty, body),
                reader::MI => {
                    st.read_machine_info(body);
                    Ok(())
                }
                reader::UL | reader::UL_V2 => st.read_userlist(ty, body),
                reader::EV
                | reader::EV_V2
                | reader::EV_V2_LARGE
                | reader::EVF
                | reader::EVF_V2
                | reader::EVF_V2_LARGE => {
                    if !lists_done {
                        st.resolve_users();
                        lists_done = true;
                    }
                    if let Err(e) = events::decode(ty, body, &mut raw) {
                        Err(e)
                    } else if events::info(raw.ty).is_none() {
                        num += 1;
                        self.summary.events += 1;
                        drops.dropped_invalid += 1;
                        Ok(())
                    } else {
                        num += 1;
                        self.summary.events += 1;
                        let fdnum = st.parse(&raw, body, &mut after);
                        if raw.ty != events::code::PROCINFO_E {
                            drops.events += 1;
                            let ev = CaptureEvent::new(&st, &raw, body, num, fdnum);
                            sink(&ev);
                        }
                        st.apply_after(&mut after);
                        Ok(())
                    }
                }
                _ => Ok(()),
            };
            if let Err(m) = res {
                return Err(r.err(pos, format!("{} block: {m}", reader::block_name(ty))));
            }
        }
        Ok(drops)
    }
}

/// Checks a section header body: magic and a major version this reader knows (1).
fn check_shb(r: &reader::BlockReader, pos: reader::BlockPos) -> Result<(u16, u16), SourceError> {
    let b = &r.body;
    if b.len() < 16 {
        return Err(r.err(
            pos,
            format!("section header body has {} bytes, needs 16", b.len()),
        ));
    }
    let magic = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if magic != reader::SHB_MAGIC {
        return Err(r.err(
            pos,
            format!("section header magic 0x{magic:08x} is not 0x1a2b3c4d (byte-swapped captures are not read)"),
        ));
    }
    let major = u16::from_le_bytes([b[4], b[5]]);
    let minor = u16::from_le_bytes([b[6], b[7]]);
    if major > 1 {
        return Err(r.err(
            pos,
            format!("capture version {major}.{minor} is newer than this reader (1.x)"),
        ));
    }
    // Options (pcapng `opt_comment`, `shb_userappl`, ...) follow the 16 fixed bytes; they are not needed.
    Ok((major, minor))
}

impl EventSource for CaptureSource {
    fn source(&self) -> &'static str {
        "syscall"
    }

    fn run(&mut self, sink: &mut dyn FnMut(&dyn Event)) -> Result<Drops, SourceError> {
        self.run_events(&mut |e| sink(e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_event_name_is_a_syscall_event_type() {
        let known = crate::syscall::EVENT_TYPES;
        for e in super::table::EVENTS {
            let na = e.name == "NA" || (e.name.starts_with("NA") && e.name.len() == 3);
            assert!(
                na || known.contains(&e.name),
                "{} missing from EVENT_TYPES",
                e.name
            );
        }
        for n in super::table::SYSCALL_NAMES {
            assert!(
                *n == "<unknown>" || known.contains(n),
                "{n} missing from EVENT_TYPES"
            );
        }
    }

    #[test]
    fn event_numbers_are_libscaps() {
        // Numbers from `enum ppm_event_code` (driver/ppm_events_public.h at e5c53d64, and the newer libs for
        // the later events), checked independently of the generator: the table is indexed by them.
        for (num, name, first) in [
            (186u16, "procexit", Some("status")),
            (234, "procinfo", Some("cpu_usr")),
            (272, "container", Some("json")),
            (293, "execve", Some("res")),
            (307, "openat", Some("fd")),
            (324, "container", Some("json")),
            (327, "openat2", Some("fd")),
            (331, "execveat", Some("res")),
            (335, "clone3", Some("res")),
        ] {
            let e = super::events::info(num).unwrap();
            assert_eq!(e.name, name, "event {num}");
            assert_eq!(e.params.first().map(|p| p.name), first, "event {num}");
        }
        // Events libs added after 2022 (numbers from the newer `ppm_events_public.h`).
        for (num, name) in [
            (336u16, "open_by_handle_at"),
            (401, "prctl"),
            (406, "pidfd_getfd"),
            (410, "init_module"),
            (413, "finit_module"),
        ] {
            assert_eq!(super::events::info(num).unwrap().name, name, "event {num}");
        }
        assert!(super::events::info(454).is_none());
        assert_ne!(
            super::events::info(324).unwrap().flags & super::events::EF_LARGE_PAYLOAD,
            0
        );
    }

    #[test]
    fn relative_time_prints_like_c_g() {
        assert_eq!(super::events::fmt_g(0.5), "0.5");
        assert_eq!(super::events::fmt_g(1.0), "1");
        assert_eq!(super::events::fmt_g(123_456_789.0), "1.23457e+08");
        assert_eq!(super::events::fmt_g(0.000_012_5), "1.25e-05");
        assert_eq!(super::events::fmt_g(2.000_001), "2");
    }

    #[test]
    fn flag_names_follow_libsinsp_order() {
        let names: &[(&str, u32)] = &[
            ("O_RDWR", 3),
            ("O_WRONLY", 2),
            ("O_RDONLY", 1),
            ("O_CLOEXEC", 4096),
        ];
        let mut s = String::new();
        super::events::flag_names(names, 4097, &mut s);
        assert_eq!(s, "O_RDONLY|O_CLOEXEC");
        s.clear();
        super::events::flag_names(names, 3, &mut s);
        assert_eq!(s, "O_RDWR");
    }
}
