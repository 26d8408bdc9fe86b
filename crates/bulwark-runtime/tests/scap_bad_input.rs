//! Hostile and broken captures: truncation anywhere, lying lengths, huge declared blocks, a gzip bomb, files
//! that are not captures. Each must end in a clear error naming the input, block and byte offset — never a panic,
//! a hang or unbounded memory.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

use bulwark_runtime::event::SourceError;
use bulwark_runtime::scap::CaptureSource;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/upstream/scap")
}

fn raw(name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(dir().join(name)).unwrap())
        .read_to_end(&mut v)
        .unwrap();
    v
}

fn run(bytes: Vec<u8>, limit: u64) -> Result<u64, SourceError> {
    let mut src = CaptureSource::from_reader(Box::new(Cursor::new(bytes)), "test.scap", limit)?;
    let mut n = 0;
    src.run_events(&mut |_| n += 1)?;
    Ok(n)
}

/// Offsets of every block in a decompressed capture.
fn blocks(b: &[u8]) -> Vec<(usize, u32, u32)> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 8 <= b.len() {
        let ty = u32::from_le_bytes(b[off..off + 4].try_into().unwrap());
        let len = u32::from_le_bytes(b[off + 4..off + 8].try_into().unwrap());
        out.push((off, ty, len));
        off += len as usize;
    }
    out
}

fn assert_located(e: &SourceError, what: &str) {
    let m = e.to_string();
    assert!(
        m.starts_with("test.scap"),
        "{what}: error does not name the input: {m}"
    );
    assert!(
        m.contains("block ") && m.contains(" at byte "),
        "{what}: error does not name block and offset: {m}"
    );
}

#[test]
fn truncated_at_every_997th_byte() {
    for name in ["curl_google.scap", "single_ipv6_conn.scap"] {
        let full = raw(name);
        let bounds: Vec<usize> = blocks(&full)
            .iter()
            .map(|b| b.0)
            .chain([full.len()])
            .collect();
        let whole = run(full.clone(), u64::MAX).unwrap();
        for cut in (1..full.len()).step_by(997) {
            match run(full[..cut].to_vec(), u64::MAX) {
                Ok(n) => {
                    assert!(
                        bounds.contains(&cut),
                        "{name} cut at {cut}: read without error mid-block"
                    );
                    assert!(n <= whole);
                }
                Err(e) => {
                    assert!(
                        !bounds.contains(&cut),
                        "{name} cut at {cut} (a block boundary): {e}"
                    );
                    assert_located(&e, &format!("{name} cut at {cut}"));
                    assert!(
                        e.to_string().contains("truncated"),
                        "{name} cut at {cut}: {e}"
                    );
                }
            }
        }
        assert!(matches!(
            run(Vec::new(), u64::MAX),
            Err(SourceError::Read { .. })
        ));
    }
}

#[test]
fn truncated_gzip_stream() {
    let gz = std::fs::read(dir().join("test_ipv6_client.scap")).unwrap();
    for cut in (10..gz.len()).step_by(997) {
        let err = run(gz[..cut].to_vec(), u64::MAX).expect_err("a cut gzip stream must fail");
        assert!(err.to_string().starts_with("test.scap"), "{err}");
    }
}

#[test]
fn corrupted_lengths() {
    let full = raw("test_ipv6_client.scap");
    let bl = blocks(&full);
    for (i, &(off, ty, len)) in bl.iter().enumerate().step_by(7) {
        for bad in [
            0u32,
            4,
            11,
            13,
            len + 4,
            len.wrapping_sub(4),
            u32::MAX,
            0x8000_0000,
        ] {
            if bad == len {
                continue;
            }
            let mut b = full.clone();
            b[off + 4..off + 8].copy_from_slice(&bad.to_le_bytes());
            let r = run(b, u64::MAX);
            let e = r.expect_err(&format!(
                "block {i} (type {ty:#x}) with length {bad} must fail"
            ));
            assert_located(&e, &format!("block {i} length {bad}"));
        }
    }
    // A lying parameter length inside an event block.
    let (off, _, _) = bl.iter().copied().find(|b| b.1 == 0x204).unwrap();
    let mut b = full.clone();
    // EV body: cpuid(2) ts(8) tid(8) len(4) type(2), then the first parameter length.
    b[off + 8 + 24..off + 8 + 26].copy_from_slice(&0xffffu16.to_le_bytes());
    let e = run(b, u64::MAX).expect_err("lying parameter length");
    assert_located(&e, "parameter length");
    // A lying event length.
    let mut b = full.clone();
    b[off + 8 + 18..off + 8 + 22].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let e = run(b, u64::MAX).expect_err("lying event length");
    assert_located(&e, "event length");
}

#[test]
fn huge_declared_block_length() {
    let full = raw("test_ipv6_client.scap");
    let shb_len = blocks(&full)[0].2 as usize;
    // A known block type declaring almost 4 GiB: refused before anything is allocated.
    let mut b = full[..shb_len].to_vec();
    b.extend_from_slice(&0x204u32.to_le_bytes());
    b.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 64]);
    let e = run(b, u64::MAX).unwrap_err();
    assert_located(&e, "huge EV");
    assert!(e.to_string().contains("limit"), "{e}");
    // An unknown type declaring almost 4 GiB over a short input: skipped as a stream, ends truncated.
    let mut b = full[..shb_len].to_vec();
    b.extend_from_slice(&0x7777u32.to_le_bytes());
    b.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    b.extend_from_slice(&[0u8; 1000]);
    let e = run(b, u64::MAX).unwrap_err();
    assert_located(&e, "huge unknown");
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn gzip_bomb_is_bounded() {
    // A valid section header, then an unknown block declaring 3 GiB of zeros that compress to a few KiB per MiB.
    let full = raw("test_ipv6_client.scap");
    let shb_len = blocks(&full)[0].2 as usize;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&full[..shb_len]).unwrap();
    enc.write_all(&0x7777u32.to_le_bytes()).unwrap();
    enc.write_all(&0xc000_0000u32.to_le_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        enc.write_all(&zeros).unwrap();
    }
    let gz = enc.finish().unwrap();
    assert!(gz.len() < 200_000);
    let e = run(gz, 4 << 20).unwrap_err();
    assert!(e.to_string().contains("exceeds the limit"), "{e}");
    assert_located(&e, "bomb");
}

#[test]
fn not_a_capture() {
    let e = run(
        b"hello, this is not a capture file at all\n".to_vec(),
        u64::MAX,
    )
    .unwrap_err();
    assert_located(&e, "text");
    assert!(e.to_string().contains("not a capture"), "{e}");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"{\"kind\":\"Event\"}\n").unwrap();
    let e = run(enc.finish().unwrap(), u64::MAX).unwrap_err();
    assert!(e.to_string().contains("test.scap"), "{e}");
    // A section header with the wrong magic, and with a version from the future.
    let full = raw("test_ipv6_client.scap");
    let mut b = full.clone();
    b[8] ^= 0xff;
    let e = run(b, u64::MAX).unwrap_err();
    assert!(e.to_string().contains("magic"), "{e}");
    let mut b = full;
    b[12..14].copy_from_slice(&7u16.to_le_bytes());
    let e = run(b, u64::MAX).unwrap_err();
    assert!(e.to_string().contains("version 7"), "{e}");
    // A missing file.
    let e = CaptureSource::open(&dir().join("no-such.scap")).unwrap_err();
    assert!(matches!(e, SourceError::Io { .. }), "{e}");
}

/// Deterministic mutations of a real capture (bytes flipped, lengths bumped), every field of every event
/// extracted: errors are fine, panics are not. A small in-tree stand-in for the `runtime_scap` fuzz target.
#[test]
fn mutated_captures_never_panic() {
    use bulwark_runtime::event::{Event, Schema};
    use bulwark_runtime::syscall::{SyscallSchema, field_names};
    let schema = SyscallSchema;
    let fields: Vec<_> = field_names()
        .filter_map(|n| {
            schema
                .resolve(n, None)
                .or_else(|_| schema.resolve(n, Some("0")))
                .ok()
        })
        .collect();
    assert!(fields.len() > 100);
    let bases = [raw("test_ipv6_client.scap"), raw("single_ipv6_conn.scap")];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut delivered = 0u64;
    for round in 0..400 {
        let mut b = bases[round % 2].clone();
        let flips = 1 + (next() % 8) as usize;
        for _ in 0..flips {
            let at = (next() % b.len() as u64) as usize;
            b[at] = match (round / 2) % 3 {
                0 => b[at] ^ (1 << (next() % 8)),
                1 => 0xff,
                _ => (next() & 0xff) as u8,
            };
        }
        if let Ok(mut src) =
            CaptureSource::from_reader(Box::new(Cursor::new(b)), "m.scap", 64 << 20)
        {
            let _ = src.run_events(&mut |e| {
                delivered += 1;
                for f in &fields {
                    let _ = e.extract(f);
                }
                let _ = e.info();
            });
        }
    }
    assert!(delivered > 0, "the mutations never got past the header");
}

/// A capture of 300,000 clone exits each naming a new thread: past the thread cap (2^18) new threads are not
/// kept, every event is still delivered, and the run stays linear (no eviction scans).
#[test]
fn state_is_capped() {
    // SHB, then EV_V2 events: clone exit (PPME_SYSCALL_CLONE_20_X = 223) with res = a new tid, 300,000 times.
    let mut c = Vec::new();
    let push = |c: &mut Vec<u8>, ty: u32, body: &[u8]| {
        let pad = (4 - body.len() % 4) % 4;
        let total = (12 + body.len() + pad) as u32;
        c.extend_from_slice(&ty.to_le_bytes());
        c.extend_from_slice(&total.to_le_bytes());
        c.extend_from_slice(body);
        c.extend(std::iter::repeat_n(0u8, pad));
        c.extend_from_slice(&total.to_le_bytes());
    };
    let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 2, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    push(&mut c, 0x0A0D_0D0A, &shb);
    for i in 0..300_000i64 {
        let mut b = vec![0u8, 0];
        b.extend_from_slice(&(i as u64).to_le_bytes());
        b.extend_from_slice(&1i64.to_le_bytes());
        b.extend_from_slice(&(26u32 + 2 + 8).to_le_bytes());
        b.extend_from_slice(&223u16.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&8u16.to_le_bytes());
        b.extend_from_slice(&(1000 + i).to_le_bytes());
        push(&mut c, 0x216, &b);
    }
    let n = run(c, u64::MAX).unwrap();
    assert_eq!(n, 300_000);
}
