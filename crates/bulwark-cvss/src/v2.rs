//! CVSS v2 base score: "A Complete Guide to the Common Vulnerability Scoring System Version 2.0", §3.2.1.

use crate::{CvssError, Version, components};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Base {
    av: f64,
    ac: f64,
    au: f64,
    c: f64,
    i: f64,
    a: f64,
}

/// Every v2 metric with its allowed values (guide §2.4, Table 13).
const METRICS: &[(&str, &[&str])] = &[
    ("AV", &["L", "A", "N"]),
    ("AC", &["H", "M", "L"]),
    ("Au", &["M", "S", "N"]),
    ("C", &["N", "P", "C"]),
    ("I", &["N", "P", "C"]),
    ("A", &["N", "P", "C"]),
    ("E", &["U", "POC", "F", "H", "ND"]),
    ("RL", &["OF", "TF", "W", "U", "ND"]),
    ("RC", &["UC", "UR", "C", "ND"]),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
    ("TD", &["N", "L", "M", "H", "ND"]),
    ("CR", &["L", "M", "H", "ND"]),
    ("IR", &["L", "M", "H", "ND"]),
    ("AR", &["L", "M", "H", "ND"]),
];

const BASE: [&str; 6] = ["AV", "AC", "Au", "C", "I", "A"];

fn impact(v: &str) -> f64 {
    match v {
        "P" => 0.275,
        "C" => 0.660,
        _ => 0.0,
    }
}

impl Base {
    pub(crate) fn parse(rest: &str) -> Result<Self, CvssError> {
        let mut base: [&str; 6] = [""; 6];
        for (k, v) in components(rest)? {
            let Some((_, allowed)) = METRICS.iter().find(|(m, _)| *m == k) else {
                return Err(CvssError::UnknownMetric {
                    version: Version::V2,
                    metric: k.to_string(),
                });
            };
            if !allowed.contains(&v) {
                return Err(CvssError::InvalidValue {
                    version: Version::V2,
                    metric: k.to_string(),
                    value: v.to_string(),
                });
            }
            if let Some(idx) = BASE.iter().position(|b| *b == k) {
                base[idx] = v;
            }
        }
        if let Some(idx) = base.iter().position(|b| b.is_empty()) {
            return Err(CvssError::Missing {
                version: Version::V2,
                metric: BASE[idx],
            });
        }
        let [av, ac, au, c, i, a] = base;
        Ok(Self {
            av: match av {
                "L" => 0.395,
                "A" => 0.646,
                _ => 1.0,
            },
            ac: match ac {
                "H" => 0.35,
                "M" => 0.61,
                _ => 0.71,
            },
            au: match au {
                "M" => 0.45,
                "S" => 0.56,
                _ => 0.704,
            },
            c: impact(c),
            i: impact(i),
            a: impact(a),
        })
    }

    pub(crate) fn score(&self) -> f64 {
        let impact = 10.41 * (1.0 - (1.0 - self.c) * (1.0 - self.i) * (1.0 - self.a));
        if impact == 0.0 {
            return 0.0;
        }
        let exploitability = 20.0 * self.av * self.ac * self.au;
        let raw = (0.6 * impact + 0.4 * exploitability - 1.5) * 1.176;
        // "round_to_1_decimal"; the epsilon keeps 4.35 computed as 4.3499999 from rounding down.
        ((raw * 10.0 + 1e-9).round() / 10.0).clamp(0.0, 10.0)
    }
}
