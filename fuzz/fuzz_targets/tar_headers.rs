#![no_main]
//! Fuzzes the tar header walker (`HeaderGuard`) against the `tar` crate it guards: through the guard, the
//! crate lists the same members at the same offsets with the same sizes as without it, streamed or seeking,
//! until the guard refuses a header (and only with its own error); never a panic or a disagreement.

use std::io::{self, Cursor, Read, Seek};

use bulwark_source::HeaderGuard;

/// `(header offset, data offset, size)` of each member, then the first error, if any.
fn list<R: Read>(
    entries: io::Result<tar::Entries<'_, R>>,
) -> (Vec<(u64, u64, u64)>, Option<String>) {
    let mut out = Vec::new();
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return (out, Some(e.to_string())),
    };
    for e in entries {
        match e {
            Ok(mut e) => {
                let at = (e.raw_header_position(), e.raw_file_position(), e.size());
                // Read bodies too, so that the guard sees reads as well as skips.
                let _ = io::copy(&mut (&mut e).take(1 << 16), &mut io::sink());
                out.push(at);
            }
            Err(e) => return (out, Some(e.to_string())),
        }
    }
    (out, None)
}

fn compare(plain: (Vec<(u64, u64, u64)>, Option<String>), guarded: (Vec<(u64, u64, u64)>, Option<String>)) {
    match &guarded.1 {
        Some(e) if e.starts_with("tar member ") => {
            assert!(plain.0.len() >= guarded.0.len());
            assert_eq!(plain.0[..guarded.0.len()], guarded.0[..]);
        }
        _ => assert_eq!(plain, guarded),
    }
}

fn seeking<R: Read + Seek>(r: R) -> (Vec<(u64, u64, u64)>, Option<String>) {
    let mut a = tar::Archive::new(r);
    list(a.entries_with_seek())
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let plain = list(tar::Archive::new(data).entries());
    let guarded = list(tar::Archive::new(HeaderGuard::new(data)).entries());
    compare(plain, guarded);
    let plain = seeking(Cursor::new(data));
    let guarded = seeking(HeaderGuard::new(Cursor::new(data)));
    compare(plain, guarded);
});
