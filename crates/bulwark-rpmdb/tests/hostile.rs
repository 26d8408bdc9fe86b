//! Mutation smoke test standing in for the fuzz targets in CI: random byte flips and
//! truncations of the real fixtures must give `Ok` or `Err`, never a panic or a hang.

use std::fs;
use std::path::PathBuf;

use bulwark_rpmdb::{parse_header, read_bdb, read_ndb, read_packages};

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/rpmdb")
        .join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// xorshift64*: deterministic, so a failure names a reproducible iteration.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Flips a few bytes, biased towards the interesting values (0, 0xff, small counts), and
/// sometimes truncates.
fn mutate(rng: &mut Rng, input: &[u8], hot: std::ops::Range<usize>) -> Vec<u8> {
    let mut m = input.to_vec();
    for _ in 0..=rng.below(8) {
        let at = if rng.below(2) == 0 && !hot.is_empty() {
            hot.start + rng.below(hot.len())
        } else {
            rng.below(m.len())
        };
        m[at] = match rng.below(4) {
            0 => 0,
            1 => 0xff,
            2 => rng.below(4) as u8,
            _ => rng.next() as u8,
        };
    }
    if rng.below(8) == 0 {
        m.truncate(rng.below(m.len() + 1));
    }
    m
}

#[test]
fn mutated_bdb_never_panics() {
    let bdb = fixture("libuuid/Packages");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..3000 {
        // Half the flips land in the metadata page and the first data pages.
        let m = mutate(&mut rng, &bdb, 0..4096 * 4);
        let _ = read_bdb(&m);
        let _ = read_packages(&m, None);
        if i % 100 == 0 {
            let _ = parse_header(&m[m.len().min(4096)..]);
        }
    }
}

#[test]
fn mutated_ndb_never_panics() {
    let ndb = fixture("sle15-bci/Packages.db");
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..300 {
        let m = mutate(&mut rng, &ndb, 0..8192);
        let _ = read_ndb(&m);
    }
}

#[test]
fn random_headers_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let len = rng.below(256);
        let mut blob: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Make the preamble plausible often enough to reach the index and data checks.
        if blob.len() >= 8 && rng.below(2) == 0 {
            let il = 1 + rng.below(4) as u32;
            let dl = (len as u32).saturating_sub(8 + 16 * il);
            blob[..4].copy_from_slice(&il.to_be_bytes());
            blob[4..8].copy_from_slice(&dl.to_be_bytes());
            for e in 0..il as usize {
                let at = 8 + 16 * e;
                if at + 16 <= blob.len() {
                    blob[at..at + 4].copy_from_slice(&(1000 + rng.below(20) as u32).to_be_bytes());
                    blob[at + 4..at + 8].copy_from_slice(&(rng.below(10) as u32).to_be_bytes());
                    blob[at + 8..at + 12]
                        .copy_from_slice(&(rng.below(dl as usize + 2) as u32).to_be_bytes());
                    blob[at + 12..at + 16].copy_from_slice(&(rng.below(6) as u32).to_be_bytes());
                }
            }
        }
        let _ = parse_header(&blob);
    }
}
