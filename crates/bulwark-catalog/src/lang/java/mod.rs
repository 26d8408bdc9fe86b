//! Java: archives (`.jar`, `.war`, `.ear`, `.par`, and Jenkins' `.jpi`/`.hpi`) including archives nested in
//! them, `gradle.lockfile`, and `pom.xml` dependencies with explicit (or property-resolved) versions.
//!
//! An archive's identity comes from each `META-INF/maven/<group>/<artifact>/pom.properties` (shaded jars hold
//! several); without one, from `META-INF/MANIFEST.MF` (`Implementation-*`, then `Bundle-*`); without that,
//! from the file name (`name-1.2.3.jar`). Nested archives are reported as `outer.war!/WEB-INF/lib/x.jar`.
//!
//! Hostile archives are bounded by [`Limits`]: nesting depth, entries visited, bytes inflated in total and
//! per entry. An archive that exceeds them is reported with a warning and what was read so far.

use std::io::{Read, Seek};

use bulwark_types::{Package, PackageType};

use crate::lang::{Descriptor, Input, Output, Parser, file_name, text};

pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "java",
    package_type: PackageType::Maven,
    version_scheme: "maven",
    cache_version: 1,
    parser,
};

/// Archive extensions read as Java archives.
pub const ARCHIVE_EXTS: &[&str] = &[".jar", ".war", ".ear", ".par", ".jpi", ".hpi"];

fn parser(path: &str) -> Option<Parser> {
    let name = file_name(path);
    let p = |name, parse| Some(Parser { name, parse });
    if ARCHIVE_EXTS.iter().any(|e| name.ends_with(e)) {
        return p("jar", parse_jar);
    }
    match name {
        "gradle.lockfile" => p("gradle_lockfile", parse_gradle_lockfile),
        "pom.xml" => p("pom_xml", parse_pom_xml),
        _ => None,
    }
}

/// Bounds on one top-level archive and everything nested in it.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_entries: usize,
    /// Bytes inflated (metadata files and nested archives) over the whole tree.
    pub max_total_bytes: u64,
    /// A nested archive larger than this (uncompressed) is skipped.
    pub max_nested_bytes: u64,
    /// `pom.properties` and `MANIFEST.MF` larger than this are skipped.
    pub max_meta_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 4,
            max_entries: 200_000,
            max_total_bytes: 512 << 20,
            max_nested_bytes: 128 << 20,
            max_meta_bytes: 1 << 20,
        }
    }
}

struct Budget {
    limits: Limits,
    entries: usize,
    bytes: u64,
    exhausted: bool,
}

/// Parses an archive held in memory.
pub fn parse_jar(input: &Input<'_>, out: &mut Output) {
    parse_archive(
        std::io::Cursor::new(input.data),
        input.path,
        &Limits::default(),
        out,
    );
}

/// Parses an archive from any seekable reader (a file on disk is read entry by entry, never whole).
pub fn parse_archive<R: Read + Seek>(r: R, path: &str, limits: &Limits, out: &mut Output) {
    let mut budget = Budget {
        limits: limits.clone(),
        entries: 0,
        bytes: 0,
        exhausted: false,
    };
    archive(r, path, 0, &mut budget, out);
    if budget.exhausted {
        out.warn(
            path,
            None,
            format!(
                "archive exceeds the limits ({} entries, {} bytes inflated, depth {}); partly read",
                budget.limits.max_entries, budget.limits.max_total_bytes, budget.limits.max_depth
            ),
        );
    }
}

fn read_entry(e: &mut impl Read, size: u64, max: u64, budget: &mut Budget) -> Option<Vec<u8>> {
    if size > max || budget.bytes + size > budget.limits.max_total_bytes {
        budget.exhausted = budget.exhausted || size <= max;
        return None;
    }
    let mut buf = Vec::with_capacity(size as usize);
    // The declared size may lie: never read more than it said.
    let n = e.take(size.min(max) + 1).read_to_end(&mut buf).ok()? as u64;
    budget.bytes += n;
    (n <= max).then_some(buf)
}

fn archive<R: Read + Seek>(r: R, path: &str, depth: usize, budget: &mut Budget, out: &mut Output) {
    let mut zip = match zip::ZipArchive::new(r) {
        Ok(z) => z,
        Err(e) => {
            out.warn(path, None, format!("unreadable Java archive: {e}"));
            return;
        }
    };
    let mut poms: Vec<Package> = Vec::new();
    let mut manifest: Option<Vec<u8>> = None;
    let mut nested: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        budget.entries += 1;
        if budget.entries > budget.limits.max_entries {
            budget.exhausted = true;
            break;
        }
        let Ok(mut e) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = e.name().map(std::borrow::Cow::into_owned) else {
            continue;
        };
        let size = e.size();
        if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            if let Some(p) = read_entry(&mut e, size, budget.limits.max_meta_bytes, budget)
                .and_then(|b| pom_properties(&String::from_utf8_lossy(&b)))
            {
                poms.push(p);
            }
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            manifest = read_entry(&mut e, size, budget.limits.max_meta_bytes, budget);
        } else if ARCHIVE_EXTS.iter().any(|x| name.ends_with(x)) && e.is_file() {
            if depth + 1 > budget.limits.max_depth {
                budget.exhausted = true;
                continue;
            }
            if let Some(b) = read_entry(&mut e, size, budget.limits.max_nested_bytes, budget) {
                nested.push((name, b));
            } else {
                out.warn(
                    path,
                    None,
                    format!("nested archive {name} ({size} bytes) skipped: over the limits"),
                );
            }
        }
    }
    drop(zip);
    let manifest = manifest.map(|m| parse_manifest(&String::from_utf8_lossy(&m)));
    let licenses: Vec<String> = manifest
        .as_ref()
        .and_then(|m| m.get("Bundle-License"))
        .map(|l| vec![l.clone()])
        .unwrap_or_default();
    if poms.is_empty()
        && let Some(p) = manifest
            .as_ref()
            .and_then(from_manifest)
            .or_else(|| from_file_name(path))
    {
        poms.push(p);
    }
    for mut p in poms {
        if p.licenses.is_empty() {
            p.licenses.clone_from(&licenses);
        }
        out.add(p, path);
    }
    for (name, bytes) in nested {
        let inner = format!("{path}!/{name}");
        archive(std::io::Cursor::new(bytes), &inner, depth + 1, budget, out);
    }
}

fn properties(text: &str) -> std::collections::HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with(['#', '!']))
        .filter_map(|l| l.split_once(['=', ':']))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn maven(group: Option<&str>, artifact: &str, version: &str) -> Package {
    let name = match group.filter(|g| !g.is_empty()) {
        Some(g) => format!("{g}:{artifact}"),
        None => artifact.to_string(),
    };
    Package::new(PackageType::Maven, name, version)
}

fn pom_properties(text: &str) -> Option<Package> {
    let p = properties(text);
    let a = p.get("artifactId").filter(|s| !s.is_empty())?;
    let v = p.get("version").filter(|s| !s.is_empty())?;
    Some(maven(p.get("groupId").map(String::as_str), a, v))
}

/// MANIFEST.MF main section, with 72-column continuation lines joined.
fn parse_manifest(text: &str) -> std::collections::HashMap<String, String> {
    let mut m = std::collections::HashMap::new();
    let mut last: Option<String> = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(k) = &last {
                m.entry(k.clone())
                    .and_modify(|v: &mut String| v.push_str(cont));
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            m.insert(k.trim().to_string(), v.trim().to_string());
            last = Some(k.trim().to_string());
        }
    }
    m
}

fn from_manifest(m: &std::collections::HashMap<String, String>) -> Option<Package> {
    let get = |k: &str| {
        m.get(k)
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
    };
    let version = get("Implementation-Version").or_else(|| get("Bundle-Version"))?;
    let artifact = get("Bundle-SymbolicName")
        .or_else(|| get("Implementation-Title"))
        .or_else(|| get("Automatic-Module-Name"))?;
    let group = get("Implementation-Vendor-Id");
    Some(maven(group.as_deref(), &artifact, &version))
}

fn from_file_name(path: &str) -> Option<Package> {
    let name = file_name(path);
    let stem = &name[..name.rfind('.')?];
    // name-1.2.3: the version starts at the first '-' followed by a digit.
    let i = stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))?
        .0;
    Some(maven(None, &stem[..i], &stem[i + 1..]))
}

/// Parses gradle.lockfile: `group:artifact:version=configurations`.
pub fn parse_gradle_lockfile(input: &Input<'_>, out: &mut Output) {
    let Some(text) = text(input, out) else {
        return;
    };
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("empty=") {
            continue;
        }
        let (coord, confs) = l.split_once('=').unwrap_or((l, ""));
        let parts: Vec<&str> = coord.split(':').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty()) {
            out.warn(
                input.path,
                Some(i + 1),
                format!("malformed lockfile line '{l}'"),
            );
            continue;
        }
        let mut p = maven(Some(parts[0]), parts[1], parts[2]);
        p.dev = !confs.is_empty() && confs.split(',').all(|c| c.starts_with("test"));
        out.add(p, input.path);
    }
}

/// The text of the first `<tag>…</tag>` in `s`, with its start offset.
fn tag<'a>(s: &'a str, name: &str) -> Option<(&'a str, usize)> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let i = s.find(&open)?;
    let j = s[i..].find(&close)? + i;
    Some((s[i + open.len()..j].trim(), i))
}

/// Removes `<!-- comments -->` (keeping newlines, so lines still count right).
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        let Some(e) = rest[i..].find("-->") else {
            rest = "";
            break;
        };
        out.extend(rest[i..i + e].chars().filter(|&c| c == '\n'));
        rest = &rest[i + e + 3..];
    }
    out.push_str(rest);
    out
}

/// 1-based line numbers of increasing offsets, counting each newline once (a POM with N dependencies on N
/// lines must not count from the start of the file N times).
struct Lines<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.pos {
            (self.pos, self.line) = (0, 1);
        }
        // Offsets are those of ASCII tags, so always on character boundaries.
        self.line += self.text[self.pos..offset].matches('\n').count();
        self.pos = offset;
        self.line
    }
}

/// The `<name>value</name>` entries of a `<properties>` body: each tag takes the text up to the first
/// `</name>` after it, and scanning goes on after that close; a tag never closed is passed over.
///
/// Searching the rest of the body for each tag's close made N unclosed tags cost O(N²) (600 KB: 50 s).
/// Instead every `</…>` is indexed once by name, in order, and each name's cursor only moves forward (tags
/// are visited in order), so the whole body is read a bounded number of times.
fn pom_properties_map(p: &str) -> std::collections::HashMap<String, String> {
    use std::collections::HashMap;
    // Positions of `</name>` by name. `name` is everything up to the next `>`, as in a `</{name}>` search.
    let mut closes: HashMap<&str, (Vec<usize>, usize)> = HashMap::new();
    let mut next_gt: Option<usize> = None;
    let mut from = 0;
    while let Some(j) = p[from..].find("</").map(|j| from + j) {
        if next_gt.is_none_or(|g| g < j + 2) {
            next_gt = p[j + 2..].find('>').map(|g| j + 2 + g);
        }
        let Some(g) = next_gt else { break };
        closes.entry(&p[j + 2..g]).or_default().0.push(j);
        from = j + 1;
    }
    let mut props = HashMap::new();
    let mut pos = 0;
    while let Some(lt) = p[pos..].find('<').map(|i| pos + i) {
        let Some(gt) = p[lt + 1..].find('>').map(|g| lt + 1 + g) else {
            break;
        };
        let name = &p[lt + 1..gt];
        let body = gt + 1;
        pos = body;
        if name.starts_with(['/', '!', '?']) {
            continue;
        }
        if let Some((at, cursor)) = closes.get_mut(name) {
            while at.get(*cursor).is_some_and(|&c| c < body) {
                *cursor += 1;
            }
            if let Some(&end) = at.get(*cursor) {
                props.insert(name.to_string(), p[body..end].trim().to_string());
                pos = end + name.len() + 3;
            }
        }
    }
    props
}

/// Parses pom.xml `<dependency>` elements whose versions are explicit or come from `<properties>`.
pub fn parse_pom_xml(input: &Input<'_>, out: &mut Output) {
    let Some(raw) = text(input, out) else {
        return;
    };
    let xml = strip_comments(raw);
    if !xml.contains("<project") {
        out.warn(
            input.path,
            Some(1),
            "not a Maven POM (no <project> element)",
        );
        return;
    }
    let props = tag(&xml, "properties")
        .map(|(p, _)| pom_properties_map(p))
        .unwrap_or_default();
    let mut rest: &str = &xml;
    let mut offset = 0;
    let mut lines = Lines::new(&xml);
    while let Some(i) = rest.find("<dependency>") {
        let start = offset + i;
        let line = lines.at(start);
        let Some(close) = rest[i..].find("</dependency>") else {
            out.warn(input.path, Some(line), "unclosed <dependency>");
            return;
        };
        let body = &rest[i..i + close];
        let get = |n| tag(body, n).map(|(v, _)| v.to_string());
        match (get("groupId"), get("artifactId")) {
            (Some(group), Some(artifact)) => {
                let version = get("version").map(|v| {
                    v.strip_prefix("${")
                        .and_then(|k| k.strip_suffix('}'))
                        .and_then(|k| props.get(k).cloned())
                        .unwrap_or(v)
                });
                if let Some(version) = version.filter(|v| !v.contains("${") && !v.is_empty()) {
                    let mut p = maven(Some(&group), &artifact, &version);
                    p.dev = get("scope").as_deref() == Some("test");
                    p.direct = Some(true);
                    out.add(p, input.path);
                }
            }
            _ => out.warn(
                input.path,
                Some(line),
                "dependency without groupId or artifactId",
            ),
        }
        offset += i + close;
        rest = &rest[i + close..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradle_and_pom() {
        let mut out = Output::default();
        let g = "# comment\ncom.google.guava:guava:31.1-jre=compileClasspath\njunit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\nbroken\nempty=\n";
        parse_gradle_lockfile(
            &Input {
                path: "gradle.lockfile",
                data: g.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(
            out.packages[0].purl,
            "pkg:maven/com.google.guava/guava@31.1-jre"
        );
        assert!(out.packages[1].dev);
        assert_eq!(out.diags[0].location.line, Some(4));
        let pom = "<project>\n<properties><x.v>1.5</x.v></properties>\n<dependencies>\n<!-- <dependency><groupId>no</groupId><artifactId>no</artifactId><version>1</version></dependency> -->\n<dependency><groupId>a</groupId><artifactId>b</artifactId><version>${x.v}</version></dependency>\n<dependency><groupId>c</groupId><artifactId>d</artifactId></dependency>\n<dependency><artifactId>e</artifactId></dependency>\n</dependencies></project>";
        let mut out = Output::default();
        parse_pom_xml(
            &Input {
                path: "pom.xml",
                data: pom.as_bytes(),
            },
            &mut out,
        );
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].purl, "pkg:maven/a/b@1.5");
        assert_eq!(out.diags[0].location.line, Some(7));
    }

    /// The scan `pom_properties_map` replaced (one search of the rest of the body per tag), kept to check that
    /// the linear one finds the same entries.
    fn quadratic_properties(p: &str) -> std::collections::HashMap<String, String> {
        let mut props = std::collections::HashMap::new();
        let mut rest = p;
        while let Some(lt) = rest.find('<') {
            let after = &rest[lt + 1..];
            let Some(gt) = after.find('>') else { break };
            let name = &after[..gt];
            let body = &after[gt + 1..];
            let close = format!("</{name}>");
            match body.find(&close) {
                Some(end) if !name.starts_with(['/', '!', '?']) => {
                    props.insert(name.to_string(), body[..end].trim().to_string());
                    rest = &body[end + close.len()..];
                }
                _ => rest = body,
            }
        }
        props
    }

    #[test]
    fn properties_match_the_quadratic_scan_on_every_short_text() {
        let alphabet = ['<', '>', '/', 'a', 'b', '!'];
        let mut checked = 0;
        for len in 0..=7u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut s = String::new();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(pom_properties_map(&s), quadratic_properties(&s), "{s:?}");
                checked += 1;
            }
        }
        assert!(checked > 300_000);
        let real = "<a.v>1</a.v>\n<b>x<c>2</c>y</b><open><d> 3 </d></open>";
        let m = pom_properties_map(real);
        assert_eq!(m, quadratic_properties(real));
        assert_eq!(m["a.v"], "1");
        assert_eq!(m["b"], "x<c>2</c>y");
        assert_eq!(m["open"], "<d> 3 </d>");
    }

    #[test]
    fn hostile_poms_stay_linear() {
        use std::fmt::Write as _;
        fn input(data: &str) -> Input<'_> {
            Input {
                path: "pom.xml",
                data: data.as_bytes(),
            }
        }
        let n = 100_000;
        let unclosed = format!(
            "<project><properties>{}<v>1.0</v></properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${{v}}</version></dependency></dependencies></project>",
            "<x>".repeat(n)
        );
        let mut many = String::from("<project>\n<dependencies>\n");
        for i in 0..n {
            let _ = writeln!(
                many,
                "<dependency><artifactId>a{i}</artifactId></dependency>"
            );
        }
        many.push_str("</dependencies></project>\n");
        let start = std::time::Instant::now();
        let mut out = Output::default();
        parse_pom_xml(&input(&unclosed), &mut out);
        assert_eq!(out.packages.len(), 1);
        assert_eq!(out.packages[0].purl, "pkg:maven/g/a@1.0");
        let mut out = Output::default();
        parse_pom_xml(&input(&many), &mut out);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        // Every dependency lacks a groupId: one warning each, on its own line.
        assert_eq!(out.diags.len(), n);
        for (i, d) in out.diags.iter().enumerate() {
            assert_eq!(d.location.line, Some(i as u32 + 3));
        }
    }

    #[test]
    fn file_name_fallback() {
        assert_eq!(
            from_file_name("/x/commons-io-2.11.0.jar").unwrap().version,
            "2.11.0"
        );
    }
}
