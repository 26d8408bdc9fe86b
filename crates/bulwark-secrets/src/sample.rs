//! Deterministic generation of fake secrets from rule example templates.
//!
//! A template is literal text with `$[class:len]` tokens (`$` not followed by `[` is literal):
//! `n` base62, `a` lowercase alnum, `A` uppercase alnum, `x`/`X` hex, `d` digits, `l`/`L`/`m` letters
//! (lower/upper/mixed), `b` base64, `u` base64url, `B` base32 upper, `c` base32 lower, `p` password
//! characters, `bech:N` bech32 characters, and `basic` (base64 of `user:password`). Nothing here is a real
//! credential: every value is random from a fixed seed.

/// xorshift64* — small, deterministic, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// A generator seeded from a string (FNV-1a), so each rule's samples stay put when rules are added.
    #[must_use]
    pub fn from_str_seed(s: &str, n: u64) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self::new(h ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick(&mut self, set: &[u8]) -> u8 {
        set[self.below(set.len())]
    }

    #[must_use]
    pub fn string(&mut self, set: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(self.pick(set))).collect()
    }
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

fn charset(class: &str) -> Option<Vec<u8>> {
    let cat = |parts: &[&[u8]]| parts.concat();
    Some(match class {
        "n" => cat(&[UPPER, LOWER, DIGITS]),
        "a" => cat(&[LOWER, DIGITS]),
        "A" => cat(&[UPPER, DIGITS]),
        "x" => b"0123456789abcdef".to_vec(),
        "X" => b"0123456789ABCDEF".to_vec(),
        "d" => DIGITS.to_vec(),
        "l" => LOWER.to_vec(),
        "L" => UPPER.to_vec(),
        "m" => cat(&[UPPER, LOWER]),
        "b" => cat(&[UPPER, LOWER, DIGITS, b"+/"]),
        "u" => cat(&[UPPER, LOWER, DIGITS, b"-_"]),
        "B" => cat(&[UPPER, b"234567"]),
        "c" => cat(&[LOWER, b"234567"]),
        "p" => cat(&[UPPER, LOWER, DIGITS, b"!#%^&*+?@~_-"]),
        "bech" => b"qpzry9x8gf2tvdw0s3jn54khce6mua7l".to_ascii_uppercase(),
        _ => return None,
    })
}

/// Standard base64 with padding.
#[must_use]
pub fn base64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Expands a template. Panics on an unknown class (templates are compile-time constants, checked by tests).
#[must_use]
pub fn expand(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find("$[") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(']').expect("unterminated $[ in template") + i;
        let spec = &rest[i + 2..end];
        if spec == "basic" {
            let user = rng.string(LOWER, 6);
            let pass = rng.string(&charset("n").unwrap_or_default(), 16);
            out.push_str(&base64(format!("{user}:{pass}").as_bytes()));
        } else {
            let (class, len) = spec
                .split_once(':')
                .expect("template token needs class:len");
            let set = charset(class).unwrap_or_else(|| panic!("unknown template class {class}"));
            let len: usize = len.parse().expect("template length");
            out.push_str(&rng.string(&set, len));
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_deterministically() {
        let a = expand("AKIA$[B:16] $$[x:4]", &mut Rng::new(7));
        let b = expand("AKIA$[B:16] $$[x:4]", &mut Rng::new(7));
        assert_eq!(a, b);
        assert_eq!(a.len(), 4 + 16 + 2 + 4);
        assert!(a.contains(" $"));
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
