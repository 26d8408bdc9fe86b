//! Shared pieces of the differential tests: a deterministic PRNG, generic mutation, and a
//! runner for the reference drivers under `tests/reference/`.

// Each test binary that includes this module uses a different subset of it, and `pub` here
// only reaches the including test crate.
#![allow(dead_code, unreachable_pub)]

use std::cmp::Ordering;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// SplitMix64: small, fast, deterministic across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// A digit run: usually small, sometimes with leading zeros, rarely long.
    pub fn digits(&mut self) -> String {
        match self.below(20) {
            0 => format!("0{}", self.below(10)),
            1 => "00".to_owned(),
            2 => format!("{}", self.next() % 100_000_000_000),
            3 => "20240131".to_owned(),
            4..=9 => self.below(3).to_string(),
            _ => self.below(12).to_string(),
        }
    }
}

/// A small random edit of `s` using characters from `alphabet`.
pub fn mutate(rng: &mut Rng, s: &str, alphabet: &[&str]) -> String {
    let chars: Vec<char> = s.chars().collect();
    let pos = if chars.is_empty() {
        0
    } else {
        rng.below(chars.len() + 1)
    };
    let mut out: Vec<char> = chars.clone();
    match rng.below(8) {
        0 | 1 => {
            // Insert a piece.
            let piece: Vec<char> = rng.pick(alphabet).chars().collect();
            out.splice(pos..pos, piece);
        }
        2 if !chars.is_empty() => {
            out.remove(pos.min(chars.len() - 1));
        }
        3 if !chars.is_empty() => {
            let piece: Vec<char> = rng.pick(alphabet).chars().collect();
            let at = pos.min(chars.len() - 1);
            out.splice(at..=at, piece);
        }
        4 => out.extend(rng.pick(alphabet).chars()),
        5 => {
            // Bump a digit.
            if let Some(i) = out.iter().rposition(char::is_ascii_digit) {
                let d = out[i].to_digit(10).unwrap_or(0);
                out[i] = char::from_digit((d + 1) % 10, 10).unwrap_or('0');
            }
        }
        6 => out.extend(".0".chars()),
        _ => {
            if !chars.is_empty() {
                out.truncate(pos.max(1));
            }
        }
    }
    out.into_iter().collect()
}

/// Pairs for one scheme: generated, mutated and real-world, `n` in all.
pub fn pairs(
    rng: &mut Rng,
    n: usize,
    real: &[&str],
    alphabet: &[&str],
    generate: &mut dyn FnMut(&mut Rng) -> String,
) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(n);
    // Every real-world version once, against its neighbour in sorted order.
    for w in real.windows(2) {
        if out.len() >= n / 4 {
            break;
        }
        out.push((w[0].to_owned(), w[1].to_owned()));
    }
    while out.len() < n {
        let real_pick = |rng: &mut Rng| real[rng.below(real.len())].to_owned();
        let pair = match rng.below(20) {
            0..=6 => (generate(rng), generate(rng)),
            7..=11 => {
                let a = generate(rng);
                let b = mutate(rng, &a, alphabet);
                (a, b)
            }
            12..=13 => (real_pick(rng), real_pick(rng)),
            14..=16 => {
                let a = real_pick(rng);
                let b = mutate(rng, &a, alphabet);
                (a, b)
            }
            17 => {
                let a = real_pick(rng);
                (a.clone(), a)
            }
            18 => {
                let a = generate(rng);
                (a, real_pick(rng))
            }
            _ => {
                let a = generate(rng);
                let b = mutate(rng, &a, alphabet);
                let c = mutate(rng, &b, alphabet);
                (a, c)
            }
        };
        // Drivers read tab-separated lines; blank strings mean "no version" to dpkg and "0"
        // to RubyGems but are errors here, so no pair holds one (unit tests cover them).
        let unusable = |s: &str| s.contains(['\t', '\n', '\r']) || s.trim().is_empty();
        if unusable(&pair.0) || unusable(&pair.1) {
            continue;
        }
        if rng.chance(50) {
            out.push(pair);
        } else {
            out.push((pair.1, pair.0));
        }
    }
    out
}

pub fn real_versions(text: &'static str) -> Vec<&'static str> {
    text.lines().filter(|l| !l.is_empty()).collect()
}

pub fn sign(o: &Result<Ordering, impl std::fmt::Debug>) -> String {
    match o {
        Ok(Ordering::Less) => "-1".into(),
        Ok(Ordering::Equal) => "0".into(),
        Ok(Ordering::Greater) => "1".into(),
        Err(_) => "err".into(),
    }
}

pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

/// Fails the test with the command that installs a missing reference tool.
pub fn require(ok: bool, what: &str, install: &str) {
    assert!(
        ok,
        "reference implementation missing: {what}. Install it with:\n    {install}\n(the differential tests never skip)"
    );
}

pub fn command_works(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a reference driver with `input` on stdin; returns its output lines.
pub fn run(mut cmd: Command, input: String, install: &str) -> Vec<String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}. Install with: {install}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // A driver that dies early is reported below with its stderr.
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read reference output");
    let mut err = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err);
    writer.join().expect("writer thread");
    let status = child.wait().expect("wait for reference driver");
    assert!(
        status.success(),
        "{cmd:?} failed ({status}): {err}\nInstall with: {install}"
    );
    out.lines().map(str::to_owned).collect()
}

/// Compares our answers with the reference's, printing every disagreement.
pub fn check(scheme: &str, reference: &str, inputs: &[String], ours: &[String], theirs: &[String]) {
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{scheme}: {reference} answered {} lines for {} inputs",
        theirs.len(),
        ours.len()
    );
    let mut bad = 0;
    for ((input, o), t) in inputs.iter().zip(ours).zip(theirs) {
        if o != t {
            bad += 1;
            if bad <= 40 {
                eprintln!("{scheme} DISAGREEMENT {input:?}: ours {o}, {reference} {t}");
            }
        }
    }
    assert_eq!(
        bad,
        0,
        "{scheme}: {bad} of {} answers differ from {reference}",
        ours.len()
    );
    eprintln!("{scheme}: {} answers agree with {reference}", ours.len());
}
