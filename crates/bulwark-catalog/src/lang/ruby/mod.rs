//! Ruby: `Gemfile.lock` (the `specs:` of every `GEM`, `GIT` and `PATH` section; `DEPENDENCIES` marks direct
//! gems) and installed gem specifications (`specifications/*.gemspec`, as RubyGems and Debian's `ruby-*`
//! packages install them).

use std::collections::HashSet;

use bulwark_types::{Package, PackageType};

use crate::lang::{Descriptor, Input, Output, Parser, file_name, text};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "ruby",
    package_type: PackageType::Gem,
    version_scheme: "rubygems",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    let name = file_name(path);
    if name == "Gemfile.lock" || name == "gems.locked" {
        return Some(Parser {
            name: "gemfile_lock",
            parse: parse_gemfile_lock,
        });
    }
    if name.ends_with(".gemspec") && path.contains("specifications/") {
        return Some(Parser {
            name: "gemspec",
            parse: parse_gemspec,
        });
    }
    None
}

/// Parses Gemfile.lock.
pub fn parse_gemfile_lock(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let mut section = "";
    let mut in_specs = false;
    let mut specs: Vec<(String, String)> = Vec::new();
    let mut direct = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            in_specs = false;
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let l = line.trim();
        match section {
            "GEM" | "GIT" | "PATH" | "PLUGIN SOURCE" => {
                if indent == 2 {
                    in_specs = l == "specs:";
                } else if indent == 4 && in_specs {
                    let Some((name, rest)) = l.split_once(" (") else {
                        out.warn(
                            input.path,
                            Some(i + 1),
                            format!("malformed spec line '{l}'"),
                        );
                        continue;
                    };
                    let v = rest.trim_end_matches(')');
                    // `1.13.1-x86_64-linux`: the platform is not part of the version.
                    let v = match v.split_once('-') {
                        Some((ver, plat))
                            if plat.chars().next().is_some_and(char::is_alphabetic) =>
                        {
                            ver
                        }
                        _ => v,
                    };
                    specs.push((name.to_string(), v.to_string()));
                }
            }
            "DEPENDENCIES" if indent == 2 => {
                let name = l.split([' ', '!']).next().unwrap_or("");
                direct.insert(name.to_string());
            }
            _ => {}
        }
    }
    for (name, v) in specs {
        let mut p = Package::new(PackageType::Gem, &name, v);
        p.direct = Some(direct.contains(&name));
        out.add(p, input.path);
    }
}

/// The first string literal after `key =` on a line (`"x".freeze`, `'x'`, `["a".freeze, "b"]`).
fn strings_of(rest: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut r = rest;
    while let Some(i) = r.find(['"', '\'']) {
        let q = r.as_bytes()[i] as char;
        let after = &r[i + 1..];
        let Some(e) = after.find(q) else { break };
        v.push(after[..e].to_string());
        r = &after[e + 1..];
    }
    v
}

/// Parses an installed gemspec (the Ruby that `gem install` writes: `s.name = "x".freeze`).
pub fn parse_gemspec(input: &Input<'_>, out: &mut Output) {
    let text = String::from_utf8_lossy(input.data);
    let (mut name, mut version, mut licenses) = (None, None, Vec::new());
    for line in text.lines() {
        let l = line.trim();
        let Some((lhs, rhs)) = l.split_once('=') else {
            continue;
        };
        let key = lhs.trim().rsplit('.').next().unwrap_or("");
        if !lhs.trim().contains('.') {
            continue;
        }
        match key {
            "name" if name.is_none() => name = strings_of(rhs).into_iter().next(),
            "version" if version.is_none() => {
                version = strings_of(rhs).into_iter().next();
            }
            "licenses" | "license" if licenses.is_empty() => licenses = strings_of(rhs),
            _ => {}
        }
    }
    // `Gem::Specification.new do |s| s.name = "x"; s.version = "1.0"` variants that use the new(...) form.
    if name.is_none() || version.is_none() {
        let n = text
            .find("Gem::Specification.new")
            .map(|i| strings_of(&text[i..]));
        if let Some(v) = n.filter(|v| v.len() >= 2) {
            name = name.or_else(|| Some(v[0].clone()));
            version = version.or_else(|| Some(v[1].clone()));
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        out.warn(input.path, None, "gemspec without name or version");
        return;
    };
    let mut p = Package::new(PackageType::Gem, name, version);
    p.licenses = licenses;
    out.add(p, input.path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemfile_lock() {
        let lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.1-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.6.0)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n\nBUNDLED WITH\n   2.3.5\n";
        let mut out = Output::default();
        parse_gemfile_lock(
            &Input {
                path: "Gemfile.lock",
                data: lock.as_bytes(),
            },
            &mut out,
        );
        let got: Vec<_> = out
            .packages
            .iter()
            .map(|p| (p.purl.as_str(), p.direct))
            .collect();
        assert_eq!(
            got,
            [
                ("pkg:gem/nokogiri@1.13.1", Some(true)),
                ("pkg:gem/racc@1.6.0", Some(false))
            ]
        );
    }
}
