//! Go build information embedded in binaries (`go version -m`): the `.go.buildinfo` section starts with the
//! 14-byte magic `\xff Go buildinf:`, a pointer size, and flags. Go 1.18+ (flag bit 2) stores the toolchain
//! version and the module info inline as varint-prefixed strings; older binaries store pointers to them,
//! which are followed through the section table.

use bulwark_types::{Package, PackageType};

use crate::lang::Output;
use crate::lang::elf::{Elf, Source};

const MAGIC: &[u8] = b"\xff Go buildinf:";
/// The section, version and module info are bounded (real ones are a few kilobytes).
const MAX_SECTION: u64 = 8 << 20;

/// A `dep` line: path, version, and the `=>` replacement (path, version) if any.
pub type Dep = (String, String, Option<(String, String)>);

/// What `go version -m` prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    pub go_version: String,
    pub path: String,
    /// (path, version): `mod` line.
    pub main: Option<(String, String)>,
    /// (path, version, replacement (path, version)).
    pub deps: Vec<Dep>,
}

/// Finds and decodes build info in an ELF file.
pub fn from_elf(path: &str, src: &Source<'_>, elf: &Elf, out: &mut Output) {
    let data = match elf.section(".go.buildinfo") {
        Some(s) => match src.read(s.offset, s.size, MAX_SECTION) {
            Ok(d) => d,
            Err(e) => {
                out.warn(path, None, format!("Go build info: {e}"));
                return;
            }
        },
        None => match src {
            // No section table entry (stripped section headers): look for the 16-byte aligned magic.
            Source::Bytes(b) if elf.sections.is_empty() => {
                match (0..b.len().saturating_sub(32))
                    .step_by(16)
                    .find(|&i| b[i..].starts_with(MAGIC))
                {
                    Some(i) => std::borrow::Cow::Borrowed(&b[i..]),
                    None => return,
                }
            }
            _ => return,
        },
    };
    match decode(&data, src, elf) {
        Ok(Some(info)) => packages(&info, path, out),
        Ok(None) => {}
        Err(e) => out.warn(path, None, format!("Go build info: {e}")),
    }
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(10) {
        v |= u64::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn inline_string(b: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let (n, used) = uvarint(b).ok_or("bad varint")?;
    let rest = &b[used..];
    let n = usize::try_from(n).map_err(|_| "length overflow")?;
    if n > rest.len() {
        return Err("string runs past the section".into());
    }
    Ok((&rest[..n], &rest[n..]))
}

/// Reads a Go string header `{ptr, len}` at virtual address `addr`, then its bytes.
fn pointed_string(src: &Source<'_>, elf: &Elf, addr: u64, ptr: usize) -> Result<Vec<u8>, String> {
    let read_va = |va: u64, len: u64| -> Result<Vec<u8>, String> {
        let s = elf
            .sections
            .iter()
            .find(|s| s.addr != 0 && va >= s.addr && va - s.addr + len <= s.size)
            .ok_or_else(|| format!("address {va:#x} is in no section"))?;
        Ok(src
            .read(s.offset + (va - s.addr), len, MAX_SECTION)?
            .into_owned())
    };
    let hdr = read_va(addr, 2 * ptr as u64)?;
    let data = elf.uint(&hdr[..ptr]);
    let len = elf.uint(&hdr[ptr..]);
    if len == 0 {
        return Ok(Vec::new());
    }
    read_va(data, len)
}

/// Decodes the build info that starts at `b` (which begins with the magic).
pub fn decode(b: &[u8], src: &Source<'_>, elf: &Elf) -> Result<Option<BuildInfo>, String> {
    if b.len() < 32 || !b.starts_with(MAGIC) {
        return Ok(None);
    }
    let ptr = b[14] as usize;
    let flags = b[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let (v, rest) = inline_string(&b[32..])?;
        let (m, _) = inline_string(rest)?;
        (v.to_vec(), m.to_vec())
    } else {
        if ptr != 4 && ptr != 8 {
            return Err(format!("unknown pointer size {ptr}"));
        }
        let big = flags & 1 != 0;
        let e = Elf {
            little: !big,
            ..elf.clone()
        };
        let vaddr = e.uint(&b[16..16 + ptr]);
        let maddr = e.uint(&b[16 + ptr..16 + 2 * ptr]);
        (
            pointed_string(src, &e, vaddr, ptr)?,
            pointed_string(src, &e, maddr, ptr)?,
        )
    };
    let mut m = modinfo.as_slice();
    // Module info is wrapped in 16-byte sentinels.
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        m = &m[16..m.len() - 16];
    }
    let m = String::from_utf8_lossy(m);
    let mut info = BuildInfo {
        go_version: String::from_utf8_lossy(&version).into_owned(),
        ..BuildInfo::default()
    };
    parse_modinfo(&m, &mut info);
    Ok(Some(info))
}

/// Parses the text `go version -m` prints after the file name.
pub fn parse_modinfo(m: &str, info: &mut BuildInfo) {
    let mut last_is_main = false;
    for line in m.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["path", p, ..] => info.path = (*p).to_string(),
            ["mod", p, v, ..] => {
                info.main = Some(((*p).to_string(), (*v).to_string()));
                last_is_main = true;
            }
            ["dep", p, v, ..] => {
                info.deps.push(((*p).to_string(), (*v).to_string(), None));
                last_is_main = false;
            }
            ["=>", p, rest @ ..] => {
                let v = rest.first().copied().unwrap_or("").to_string();
                if last_is_main {
                    continue;
                }
                if let Some(d) = info.deps.last_mut() {
                    d.2 = Some(((*p).to_string(), v));
                }
            }
            _ => {}
        }
    }
}

/// `go1.19.8` → `v1.19.8` (`go1.22.0 X:boringcrypto` → `v1.22.0`); `None` for development toolchains.
#[must_use]
pub fn stdlib_version(go: &str) -> Option<String> {
    let v = go.split_whitespace().next()?.strip_prefix("go")?;
    if v.is_empty() || !v.as_bytes()[0].is_ascii_digit() || v.contains("devel") {
        return None;
    }
    Some(format!("v{v}"))
}

fn packages(info: &BuildInfo, path: &str, out: &mut Output) {
    if let Some((p, v)) = &info.main {
        let mut pkg = Package::new(PackageType::Go, p, v);
        pkg.direct = None;
        out.add(pkg, path);
    }
    for (p, v, rep) in &info.deps {
        // A replacement with a version is the module actually built; a local directory keeps the
        // required path and version.
        let (name, version) = match rep {
            Some((rp, rv)) if !rv.is_empty() && !rv.starts_with('(') => (rp.as_str(), rv.as_str()),
            _ => (p.as_str(), v.as_str()),
        };
        out.add(Package::new(PackageType::Go, name, version), path);
    }
    if let Some(v) = stdlib_version(&info.go_version) {
        out.add(Package::new(PackageType::Go, "stdlib", v), path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_with_replacements() {
        let mut info = BuildInfo::default();
        parse_modinfo(
            "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.0\t\n=>\tgolang.org/x/text\tv0.14.0\th1:abc=\ndep\texample.com/greet\tv1.0.0\n=>\t./greet\t(devel)\t\nbuild\t-compiler=gc\n",
            &mut info,
        );
        assert_eq!(info.deps.len(), 2);
        assert_eq!(
            info.deps[0].2,
            Some(("golang.org/x/text".into(), "v0.14.0".into()))
        );
        assert_eq!(stdlib_version("go1.19.8").as_deref(), Some("v1.19.8"));
        assert_eq!(stdlib_version("devel go1.23"), None);
    }
}
