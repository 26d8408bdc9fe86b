//! Small helpers shared by the schemes.

use std::cmp::Ordering;

/// Compares two ASCII digit strings as arbitrary-precision non-negative integers.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_zeros(a);
    let b = strip_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Drops leading `'0'` bytes.
pub(crate) fn strip_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    &s[n..]
}

/// Whether a digit string is zero (or empty).
pub(crate) fn is_zero(s: &[u8]) -> bool {
    s.iter().all(|&c| c == b'0')
}

/// Ordering from a C-style signed comparison result.
pub(crate) fn sign(n: i64) -> Ordering {
    n.cmp(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(cmp_digits(b"010", b"10"), Ordering::Equal);
        assert_eq!(cmp_digits(b"9", b"10"), Ordering::Less);
        assert_eq!(cmp_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(
            cmp_digits(
                b"123456789012345678901234567890",
                b"123456789012345678901234567891"
            ),
            Ordering::Less
        );
    }
}
