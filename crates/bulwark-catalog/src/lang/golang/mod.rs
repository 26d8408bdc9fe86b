//! Go: module build information embedded in binaries ([`buildinfo`]), and `go.mod` / `go.sum`.
//!
//! - Binaries report the main module, every `dep` (a `=>` replacement with a version replaces the module;
//!   a local-directory replacement keeps the required path and version), and the toolchain as `stdlib`
//!   (`go1.19.8` → `v1.19.8`), as `go version -m` lists them.
//! - `go.mod`: `require` lines (single and blocks) with `// indirect` marking transitive modules, and
//!   `replace` directives applied. `go.sum` is read only when no `go.mod` sits beside it (Go < 1.17 modules
//!   list only direct requirements in go.mod; go.sum then holds the graph).

pub mod buildinfo;

use bulwark_types::{Package, PackageType};

use crate::lang::{Descriptor, Input, Output, Parser, file_name, text};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "go",
    package_type: PackageType::Go,
    version_scheme: "go",
    cache_version: 1,
    parser,
};

fn parser(path: &str) -> Option<Parser> {
    match file_name(path) {
        "go.mod" => Some(Parser {
            name: "gomod",
            parse: parse_go_mod,
        }),
        "go.sum" => Some(Parser {
            name: "gosum",
            parse: parse_go_sum,
        }),
        _ => None,
    }
}

fn strip_comment(l: &str) -> (&str, bool) {
    match l.find("//") {
        Some(i) => (l[..i].trim(), l[i..].contains("indirect")),
        None => (l.trim(), false),
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches('"').trim_matches('`')
}

/// Parses go.mod.
pub fn parse_go_mod(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let mut requires: Vec<(String, String, bool, usize)> = Vec::new();
    let mut replaces: Vec<(String, Option<String>, String, Option<String>)> = Vec::new();
    let mut block: Option<&str> = None;
    for (i, raw) in text.lines().enumerate() {
        let (l, indirect) = strip_comment(raw);
        if l.is_empty() {
            continue;
        }
        let (verb, rest) = match block {
            Some(b) if l == ")" => {
                let _ = b;
                block = None;
                continue;
            }
            Some(b) => (b, l),
            None => {
                let (v, r) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
                let r = r.trim();
                if r == "(" {
                    block = Some(v);
                    continue;
                }
                (v, r)
            }
        };
        let f: Vec<&str> = rest.split_whitespace().map(unquote).collect();
        match verb {
            "require" => {
                if f.len() == 2 {
                    requires.push((f[0].to_string(), f[1].to_string(), !indirect, i + 1));
                } else {
                    out.warn(input.path, Some(i + 1), "malformed require line");
                }
            }
            "replace" => {
                let Some(arrow) = f.iter().position(|x| *x == "=>") else {
                    out.warn(input.path, Some(i + 1), "replace without =>");
                    continue;
                };
                let (l, r) = (&f[..arrow], &f[arrow + 1..]);
                if l.is_empty() || r.is_empty() || l.len() > 2 || r.len() > 2 {
                    out.warn(input.path, Some(i + 1), "malformed replace line");
                    continue;
                }
                replaces.push((
                    l[0].to_string(),
                    l.get(1).map(|s| (*s).to_string()),
                    r[0].to_string(),
                    r.get(1).map(|s| (*s).to_string()),
                ));
            }
            _ => {}
        }
    }
    for (path, version, direct, _) in requires {
        let rep = replaces
            .iter()
            .find(|(p, v, _, _)| *p == path && v.as_ref().is_none_or(|v| *v == version));
        let (name, ver) = match rep {
            Some((_, _, np, Some(nv))) => (np.clone(), nv.clone()),
            _ => (path, version),
        };
        let mut p = Package::new(PackageType::Go, name, ver);
        p.direct = Some(direct);
        out.add(p, input.path);
    }
}

/// Parses go.sum: one module per `path version` (the `/go.mod`-only hashes are skipped).
pub fn parse_go_sum(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for (i, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() != 3 {
            out.warn(input.path, Some(i + 1), "malformed go.sum line");
            continue;
        }
        if f[1].ends_with("/go.mod") || !seen.insert((f[0], f[1])) {
            continue;
        }
        out.add(Package::new(PackageType::Go, f[0], f[1]), input.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_requires_replaces_and_indirect() {
        let mut out = Output::default();
        let src = "module example.com/hello\n\ngo 1.19\n\nrequire (\n\tgolang.org/x/text v0.3.0\n\tgithub.com/a/b v1.2.3 // indirect\n)\n\nrequire example.com/greet v1.0.0\n\nreplace golang.org/x/text => golang.org/x/text v0.14.0\nreplace example.com/greet => ./greet\nrequire broken\n";
        parse_go_mod(
            &Input {
                path: "go.mod",
                data: src.as_bytes(),
            },
            &mut out,
        );
        let got: Vec<(String, String, Option<bool>)> = out
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.direct))
            .collect();
        assert_eq!(
            got,
            vec![
                ("golang.org/x/text".into(), "v0.14.0".into(), Some(true)),
                ("github.com/a/b".into(), "v1.2.3".into(), Some(false)),
                ("example.com/greet".into(), "v1.0.0".into(), Some(true)),
            ]
        );
        assert_eq!(out.diags[0].location.line, Some(14));
        assert_eq!(out.packages[0].purl, "pkg:golang/golang.org/x/text@v0.14.0");
    }
}
