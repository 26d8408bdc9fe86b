//! CVSS v4.0: vector parsing (specification §7, Table 23) and scoring (§8.2: MacroVectors, the lookup table,
//! and interpolation by severity distance inside a MacroVector).

use crate::v4_table::LOOKUP;
use crate::{CvssError, Version, components};

/// Metric names and allowed values, in the specification's order (§7, Table 23). The first 11 are the mandatory
/// base metrics; the others default to `X` (Not Defined).
const METRICS: [(&str, &[&str]); 32] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

const BASE_COUNT: usize = 11;
/// Offset from a base metric to its `M…` environmental counterpart.
const MODIFIED_OFFSET: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metrics {
    values: [&'static str; 32],
}

impl Metrics {
    pub(crate) fn parse(rest: &str) -> Result<Self, CvssError> {
        let mut values: [&'static str; 32] = [""; 32];
        for (k, v) in components(rest)? {
            let Some(idx) = METRICS.iter().position(|(m, _)| *m == k) else {
                return Err(CvssError::UnknownMetric {
                    version: Version::V4_0,
                    metric: k.to_string(),
                });
            };
            let Some(allowed) = METRICS[idx].1.iter().find(|a| **a == v) else {
                return Err(CvssError::InvalidValue {
                    version: Version::V4_0,
                    metric: k.to_string(),
                    value: v.to_string(),
                });
            };
            values[idx] = allowed;
        }
        for (idx, value) in values.iter_mut().enumerate() {
            if value.is_empty() {
                if idx < BASE_COUNT {
                    return Err(CvssError::Missing {
                        version: Version::V4_0,
                        metric: METRICS[idx].0,
                    });
                }
                *value = "X";
            }
        }
        Ok(Self { values })
    }

    fn get(&self, name: &str) -> &'static str {
        METRICS
            .iter()
            .position(|(m, _)| *m == name)
            .map_or("X", |i| self.values[i])
    }

    /// The value a metric takes for scoring (§8.2): a defined `M…` metric overrides its base metric, and
    /// Not Defined threat/requirement metrics take their worst case (E:A, CR/IR/AR:H).
    fn effective(&self, name: &str) -> &'static str {
        let v = self.get(name);
        match (name, v) {
            ("E", "X") => return "A",
            ("CR" | "IR" | "AR", "X") => return "H",
            _ => {}
        }
        if let Some(i) = METRICS[..BASE_COUNT].iter().position(|(m, _)| *m == name) {
            let modified = self.values[i + MODIFIED_OFFSET];
            if modified != "X" {
                return modified;
            }
        }
        v
    }

    /// The MacroVector: EQ1..EQ6 (§8.2, Tables 24–29).
    fn macro_vector(&self) -> [u8; 6] {
        let e = |n| self.effective(n);
        let (av, pr, ui) = (e("AV"), e("PR"), e("UI"));
        let eq1 = if av == "N" && pr == "N" && ui == "N" {
            0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            1
        } else {
            2
        };
        let eq2 = u8::from(!(e("AC") == "L" && e("AT") == "N"));
        let (vc, vi, va) = (e("VC"), e("VI"), e("VA"));
        let eq3 = if vc == "H" && vi == "H" {
            0
        } else if vc == "H" || vi == "H" || va == "H" {
            1
        } else {
            2
        };
        let eq4 = if e("SI") == "S" || e("SA") == "S" {
            0
        } else if e("SC") == "H" || e("SI") == "H" || e("SA") == "H" {
            1
        } else {
            2
        };
        let eq5 = match e("E") {
            "A" => 0,
            "P" => 1,
            _ => 2,
        };
        let eq6 = u8::from(
            !((e("CR") == "H" && vc == "H")
                || (e("IR") == "H" && vi == "H")
                || (e("AR") == "H" && va == "H")),
        );
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    pub(crate) fn score(&self) -> f64 {
        if ["VC", "VI", "VA", "SC", "SI", "SA"]
            .iter()
            .all(|m| self.effective(m) == "N")
        {
            return 0.0;
        }
        let mv = self.macro_vector();
        let Some(value) = lookup(mv) else {
            // Unreachable for a vector that parsed: every MacroVector is in the table.
            return 0.0;
        };
        let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
        let with = |i: usize, d: u8| {
            let mut m = mv;
            m[i] += d;
            lookup(m)
        };

        // Scores of the next lower MacroVector along each EQ (None where there is none).
        let lower_eq1 = with(0, 1);
        let lower_eq2 = with(1, 1);
        let lower_eq3eq6 = match (eq3, eq6) {
            (0, 0) => {
                // Two ways down: 00 → 01 and 00 → 10; take the higher. A missing side makes it undefined.
                match (with(5, 1), with(2, 1)) {
                    (Some(l), Some(r)) => Some(l.max(r)),
                    _ => None,
                }
            }
            (1, 0) => with(5, 1),
            (0 | 1, 1) => with(2, 1),
            // 21 → 32 does not exist.
            _ => None,
        };
        let lower_eq4 = with(3, 1);
        let lower_eq5 = with(4, 1);

        // Find the first highest-severity vector of this MacroVector that the scored vector does not exceed.
        let eq3_maxes: &[&str] = match (eq3, eq6) {
            (0, 0) => &["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
            (0, _) => &[
                "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H",
                "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M",
            ],
            (1, 0) => &[
                "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H",
                "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H",
            ],
            (1, _) => &[
                "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H",
                "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
                "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
                "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
                "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
            ],
            _ => &["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"],
        };
        let eq1_maxes: &[&str] = match eq1 {
            0 => &["AV:N/PR:N/UI:N"],
            1 => &["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
            _ => &["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"],
        };
        let eq2_maxes: &[&str] = if eq2 == 0 {
            &["AC:L/AT:N"]
        } else {
            &["AC:H/AT:N", "AC:L/AT:P"]
        };
        let eq4_max = match eq4 {
            0 => "SC:H/SI:S/SA:S",
            1 => "SC:H/SI:H/SA:H",
            _ => "SC:L/SI:L/SA:L",
        };
        let eq5_max = match eq5 {
            0 => "E:A",
            1 => "E:P",
            _ => "E:U",
        };

        let own = |name: &str| level(name, self.effective(name));
        let mut distances = None;
        'search: for a in eq1_maxes {
            for b in eq2_maxes {
                for c in eq3_maxes {
                    let max = [*a, *b, *c, eq4_max, eq5_max];
                    let d = SCORED.map(|name| own(name) - max_level(&max, name));
                    if d.iter().all(|x| *x >= 0) {
                        distances = Some(d);
                        break 'search;
                    }
                }
            }
        }
        // The reference algorithm falls back to the last candidate's distances; with the published maxima a
        // candidate always dominates, so zero distance is only a guard.
        let d = distances.unwrap_or([0; 15]);
        let dist = |names: &[&str]| -> i32 {
            names
                .iter()
                .map(|n| d[SCORED.iter().position(|s| s == n).unwrap_or(0)])
                .sum()
        };

        // Depth of each MacroVector, in 0.1 steps (the reference "max severity" table).
        let depth_eq1 = [1, 4, 5][usize::from(eq1)];
        let depth_eq2 = [1, 2][usize::from(eq2)];
        let depth_eq3eq6 = match (eq3, eq6) {
            (0, 0) => 7,
            (0, _) => 6,
            (1, _) => 8,
            _ => 10,
        };
        let depth_eq4 = [6, 5, 4][usize::from(eq4)];

        let mut n_lower = 0u32;
        let mut sum = 0.0;
        for (lower, distance, depth) in [
            (lower_eq1, dist(&["AV", "PR", "UI"]), depth_eq1),
            (lower_eq2, dist(&["AC", "AT"]), depth_eq2),
            (
                lower_eq3eq6,
                dist(&["VC", "VI", "VA", "CR", "IR", "AR"]),
                depth_eq3eq6,
            ),
            (lower_eq4, dist(&["SC", "SI", "SA"]), depth_eq4),
            // EQ5's proportion is always 0, but an existing lower MacroVector still counts in the mean.
            (lower_eq5, 0, 1),
        ] {
            if let Some(lower) = lower {
                n_lower += 1;
                sum += (value - lower) * f64::from(distance) / f64::from(depth);
            }
        }
        let mean = if n_lower == 0 {
            0.0
        } else {
            sum / f64::from(n_lower)
        };
        let raw = (value - mean).clamp(0.0, 10.0);
        // Round half up to one decimal; the epsilon (10^-6, as in FIRST's calculator) absorbs float error such
        // as 1.4499999999999993 for 1.45.
        ((raw + 1e-6) * 10.0).round() / 10.0
    }
}

/// The metrics whose severity distance matters, in the reference order.
const SCORED: [&str; 15] = [
    "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "CR", "IR", "AR", "E",
];

/// Severity level of a metric value in tenths (0 = most severe); the spec's "metric levels".
fn level(name: &str, value: &str) -> i32 {
    let order: &[&str] = match name {
        "AV" => &["N", "A", "L", "P"],
        "PR" => &["N", "L", "H"],
        "UI" => &["N", "P", "A"],
        "AC" => &["L", "H"],
        "AT" => &["N", "P"],
        "VC" | "VI" | "VA" => &["H", "L", "N"],
        // SC cannot be S, but shares the scale of SI/SA so that H is 1 everywhere.
        "SC" | "SI" | "SA" => &["S", "H", "L", "N"],
        "CR" | "IR" | "AR" => &["H", "M", "L"],
        "E" => &["A", "P", "U"],
        _ => &[],
    };
    order
        .iter()
        .position(|v| *v == value)
        .map_or(0, |p| i32::try_from(p).unwrap_or(0))
}

fn max_level(parts: &[&str], name: &str) -> i32 {
    for part in parts {
        for comp in part.split('/') {
            if let Some((k, v)) = comp.split_once(':')
                && k == name
            {
                return level(name, v);
            }
        }
    }
    0
}

fn lookup(mv: [u8; 6]) -> Option<f64> {
    let key: [u8; 6] = mv.map(|d| b'0' + d);
    let key = std::str::from_utf8(&key).ok()?;
    LOOKUP
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .map(|i| LOOKUP[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        assert!(LOOKUP.windows(2).all(|w| w[0].0 < w[1].0));
        // 3 (EQ1) × 2 (EQ2) × 5 (EQ3+EQ6 pairs) × 3 (EQ4) × 3 (EQ5).
        assert_eq!(LOOKUP.len(), 3 * 2 * 5 * 3 * 3);
    }

    #[test]
    fn levels_match_the_reference_ordering() {
        assert_eq!(level("VC", "H"), 0);
        assert_eq!(level("VC", "L"), 1);
        assert_eq!(level("VC", "N"), 2);
        assert_eq!(level("CR", "H"), 0);
        assert_eq!(level("CR", "M"), 1);
        assert_eq!(level("CR", "L"), 2);
        assert_eq!(level("SI", "S"), 0);
        assert_eq!(level("SC", "H"), 1);
        assert_eq!(level("SA", "N"), 3);
        assert_eq!(level("E", "A"), 0);
        assert_eq!(level("E", "U"), 2);
    }
}
