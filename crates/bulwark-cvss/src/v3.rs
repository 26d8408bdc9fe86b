//! CVSS v3.0 and v3.1 base score: v3.1 specification §7.1 and Appendix A (`Roundup`); v3.0 specification §8.1.

use crate::{CvssError, Version, components};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Base {
    pub(crate) version: Version,
    av: f64,
    ac: f64,
    /// Privileges Required as a letter: its weight depends on Scope.
    pr: u8,
    ui: f64,
    scope_changed: bool,
    c: f64,
    i: f64,
    a: f64,
}

/// Every metric name v3 defines, with its allowed values (v3.1 §6, Table 15).
const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
    ("E", &["X", "H", "F", "P", "U"]),
    ("RL", &["X", "U", "W", "T", "O"]),
    ("RC", &["X", "C", "R", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "H", "L", "N"]),
    ("MI", &["X", "H", "L", "N"]),
    ("MA", &["X", "H", "L", "N"]),
];

const BASE: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

fn cia(v: u8) -> f64 {
    match v {
        b'H' => 0.56,
        b'L' => 0.22,
        _ => 0.0,
    }
}

impl Base {
    pub(crate) fn parse(version: Version, rest: &str) -> Result<Self, CvssError> {
        let pairs = components(rest)?;
        let mut base = [0u8; 8];
        for (k, v) in pairs {
            let Some((_, allowed)) = METRICS.iter().find(|(m, _)| *m == k) else {
                return Err(CvssError::UnknownMetric {
                    version,
                    metric: k.to_string(),
                });
            };
            if !allowed.contains(&v) {
                return Err(CvssError::InvalidValue {
                    version,
                    metric: k.to_string(),
                    value: v.to_string(),
                });
            }
            if let Some(idx) = BASE.iter().position(|b| *b == k) {
                base[idx] = v.as_bytes()[0];
            }
        }
        if let Some(idx) = base.iter().position(|b| *b == 0) {
            return Err(CvssError::Missing {
                version,
                metric: BASE[idx],
            });
        }
        let [av, ac, pr, ui, s, c, i, a] = base;
        Ok(Self {
            version,
            av: match av {
                b'N' => 0.85,
                b'A' => 0.62,
                b'L' => 0.55,
                _ => 0.2,
            },
            ac: if ac == b'L' { 0.77 } else { 0.44 },
            pr,
            ui: if ui == b'N' { 0.85 } else { 0.62 },
            scope_changed: s == b'C',
            c: cia(c),
            i: cia(i),
            a: cia(a),
        })
    }

    pub(crate) fn score(&self) -> f64 {
        let pr = match (self.pr, self.scope_changed) {
            (b'N', _) => 0.85,
            (b'L', false) => 0.62,
            (b'L', true) => 0.68,
            (_, false) => 0.27,
            (_, true) => 0.5,
        };
        let iss = 1.0 - (1.0 - self.c) * (1.0 - self.i) * (1.0 - self.a);
        let impact = if self.scope_changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability = 8.22 * self.av * self.ac * pr * self.ui;
        if impact <= 0.0 {
            return 0.0;
        }
        let raw = if self.scope_changed {
            (1.08 * (impact + exploitability)).min(10.0)
        } else {
            (impact + exploitability).min(10.0)
        };
        match self.version {
            Version::V3_0 => roundup_v30(raw),
            _ => roundup_v31(raw),
        }
    }
}

/// v3.1 Appendix A: the smallest number, to one decimal, that is ≥ its input, computed on integers so that
/// floating-point noise (e.g. 4.000000000000001) does not round up.
fn roundup_v31(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

/// v3.0 §8.1: "Round up … to one decimal place", i.e. a plain ceiling.
fn roundup_v30(x: f64) -> f64 {
    (x * 10.0).ceil() / 10.0
}

// Exact comparison is the point: Roundup must produce these exact one-decimal values.
#[cfg(test)]
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn roundup_examples_from_spec_appendix_a() {
        // CVSS v3.1 specification, Appendix A: "Roundup(4.02) is 4.1; and Roundup(4.00) is 4.0".
        assert_eq!(roundup_v31(4.02), 4.1);
        assert_eq!(roundup_v31(4.00), 4.0);
        // Appendix A's motivating case: 4.000000000000001 must not become 4.1.
        assert_eq!(roundup_v31(4.000_000_000_000_001), 4.0);
    }
}
