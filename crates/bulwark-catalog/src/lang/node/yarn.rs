//! `yarn.lock`: classic (v1, `version "1.2.3"`) and berry (YAML, `version: 1.2.3`). Both are read line by
//! line: an unindented `descriptors:` line opens an entry, its indented `version` gives the version.
//! Workspace, link, portal and file entries are the project's own and are skipped.

use bulwark_types::{Package, PackageType};

use crate::lang::{Input, Output, text};

/// `"@scope/name@npm:^1.0.0", "@scope/name@^1"` → `@scope/name`.
fn name_of(header: &str) -> Option<&str> {
    let first = header.split(", ").next()?.trim().trim_matches('"');
    let at = first.get(1..)?.find('@')? + 1;
    Some(&first[..at])
}

fn flush(entry: &mut Option<(String, usize, Option<String>)>, path: &str, out: &mut Output) {
    let Some((header, line, version)) = entry.take() else {
        return;
    };
    if header == "__metadata"
        || ["@workspace:", "@link:", "@portal:", "@file:", "@exec:"]
            .iter()
            .any(|k| header.contains(k))
    {
        return;
    }
    let (Some(name), Some(version)) = (name_of(&header), version) else {
        out.warn(
            path,
            Some(line),
            format!("yarn.lock entry '{header}' without name or version"),
        );
        return;
    };
    out.add(Package::new(PackageType::Npm, name, version), path);
}

/// Parses yarn.lock.
pub fn parse(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let mut entry: Option<(String, usize, Option<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            flush(&mut entry, input.path, out);
            let Some(h) = line.strip_suffix(':') else {
                out.warn(
                    input.path,
                    Some(i + 1),
                    "expected an entry header ending in ':'",
                );
                continue;
            };
            entry = Some((h.to_string(), i + 1, None));
            continue;
        }
        let Some(e) = entry.as_mut() else {
            out.warn(input.path, Some(i + 1), "indented line outside an entry");
            continue;
        };
        // Only the entry's own keys (two spaces), not nested dependency maps.
        if line.starts_with("   ") {
            continue;
        }
        let l = line.trim();
        if let Some(v) = l.strip_prefix("version") {
            let v = v.trim_start_matches(':').trim().trim_matches('"');
            if !v.is_empty() {
                e.2 = Some(v.to_string());
            }
        }
    }
    flush(&mut entry, input.path, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_berry() {
        let classic = "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  dependencies:\n    \"@babel/highlight\" \"^7.12.13\"\n\nlodash@^4.17.4:\n  version \"4.17.21\"\n\nbroken@^1:\n  resolved \"x\"\n";
        let mut out = Output::default();
        parse(
            &Input {
                path: "yarn.lock",
                data: classic.as_bytes(),
            },
            &mut out,
        );
        let got: Vec<_> = out.packages.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            got,
            [
                "pkg:npm/%40babel/code-frame@7.12.13",
                "pkg:npm/lodash@4.17.21"
            ]
        );
        assert_eq!(out.diags[0].location.line, Some(12));
        let berry = "__metadata:\n  version: 6\n\n\"app@workspace:.\":\n  version: 0.0.0-use.local\n\n\"lodash@npm:^4.17.4\":\n  version: 4.17.21\n  resolution: \"lodash@npm:4.17.21\"\n";
        let mut out = Output::default();
        parse(
            &Input {
                path: "yarn.lock",
                data: berry.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].version, "4.17.21");
    }
}
