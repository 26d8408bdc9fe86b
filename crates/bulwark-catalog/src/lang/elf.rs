//! Just enough ELF to find named sections: the file header, the section headers and the section name table,
//! for 32- and 64-bit, little- and big-endian files. Reads go through [`Source`], so a binary on disk is
//! never loaded whole: only its headers and the sections asked for are read.

use std::borrow::Cow;
use std::os::unix::fs::FileExt;

/// Section headers beyond this are refused (real binaries have fewer than 100).
const MAX_SECTIONS: usize = 4096;
/// The section name table is at most this large.
const MAX_SHSTRTAB: u64 = 1 << 20;

/// Where the bytes of a binary are.
pub enum Source<'a> {
    Bytes(&'a [u8]),
    /// An open file and its length: read with positioned reads.
    File(&'a std::fs::File, u64),
}

impl Source<'_> {
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            Source::Bytes(b) => b.len() as u64,
            Source::File(_, n) => *n,
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `len` bytes at `offset`, refusing reads past the end or over `max`.
    pub fn read(&self, offset: u64, len: u64, max: u64) -> Result<Cow<'_, [u8]>, String> {
        if len > max {
            return Err(format!(
                "section of {len} bytes is over the {max} byte limit"
            ));
        }
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.len())
            .ok_or_else(|| format!("range {offset}+{len} is past the end of the file"))?;
        match self {
            Source::Bytes(b) => Ok(Cow::Borrowed(&b[offset as usize..end as usize])),
            Source::File(f, _) => {
                let mut buf = vec![0; len as usize];
                f.read_exact_at(&mut buf, offset)
                    .map_err(|e| format!("read failed: {e}"))?;
                Ok(Cow::Owned(buf))
            }
        }
    }
}

/// One section header.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    pub kind: u32,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
}

/// The parts of an ELF file the catalogers use.
#[derive(Debug, Clone, Default)]
pub struct Elf {
    pub little: bool,
    pub is64: bool,
    pub sections: Vec<Section>,
}

impl Elf {
    #[must_use]
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.name == name && s.kind != SHT_NOBITS)
    }

    /// Reads an unsigned integer of `size` bytes (4 or 8) in the file's byte order.
    #[must_use]
    pub fn uint(&self, b: &[u8]) -> u64 {
        let mut v = 0u64;
        if self.little {
            for &x in b.iter().rev() {
                v = (v << 8) | u64::from(x);
            }
        } else {
            for &x in b {
                v = (v << 8) | u64::from(x);
            }
        }
        v
    }
}

/// Section type of `.bss`-like sections that occupy no file space.
const SHT_NOBITS: u32 = 8;

/// Whether bytes start with the ELF magic.
#[must_use]
pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

/// Reads the section table.
pub fn sections(src: &Source<'_>) -> Result<Elf, String> {
    let ident = src.read(0, 64.min(src.len()), 64)?;
    if ident.len() < 52 || !is_elf(&ident) {
        return Err("not an ELF file".into());
    }
    let is64 = match ident[4] {
        1 => false,
        2 => true,
        c => return Err(format!("unknown ELF class {c}")),
    };
    let little = match ident[5] {
        1 => true,
        2 => false,
        d => return Err(format!("unknown ELF data encoding {d}")),
    };
    let mut elf = Elf {
        little,
        is64,
        sections: Vec::new(),
    };
    let (shoff, shentsize, shnum, shstrndx) = if is64 {
        if ident.len() < 64 {
            return Err("truncated ELF header".into());
        }
        (
            elf.uint(&ident[0x28..0x30]),
            elf.uint(&ident[0x3A..0x3C]),
            elf.uint(&ident[0x3C..0x3E]) as usize,
            elf.uint(&ident[0x3E..0x40]) as usize,
        )
    } else {
        (
            elf.uint(&ident[0x20..0x24]),
            elf.uint(&ident[0x2E..0x30]),
            elf.uint(&ident[0x30..0x32]) as usize,
            elf.uint(&ident[0x32..0x34]) as usize,
        )
    };
    if shoff == 0 || shnum == 0 {
        return Ok(elf);
    }
    let want = if is64 { 64 } else { 40 };
    if shentsize < want || shnum > MAX_SECTIONS {
        return Err(format!(
            "implausible section table ({shnum} entries of {shentsize} bytes)"
        ));
    }
    let table = src.read(
        shoff,
        shentsize * shnum as u64,
        shentsize * MAX_SECTIONS as u64,
    )?;
    let mut raw = Vec::with_capacity(shnum);
    for i in 0..shnum {
        let h = &table[i * shentsize as usize..];
        let (name, kind, addr, offset, size) = if is64 {
            (
                elf.uint(&h[0..4]),
                elf.uint(&h[4..8]) as u32,
                elf.uint(&h[0x10..0x18]),
                elf.uint(&h[0x18..0x20]),
                elf.uint(&h[0x20..0x28]),
            )
        } else {
            (
                elf.uint(&h[0..4]),
                elf.uint(&h[4..8]) as u32,
                elf.uint(&h[0x0C..0x10]),
                elf.uint(&h[0x10..0x14]),
                elf.uint(&h[0x14..0x18]),
            )
        };
        raw.push((name as usize, kind, addr, offset, size));
    }
    let names = match raw.get(shstrndx) {
        Some(&(_, _, _, off, size)) => src.read(off, size, MAX_SHSTRTAB)?,
        None => Cow::Borrowed(&[][..]),
    };
    for (name, kind, addr, offset, size) in raw {
        let name = names
            .get(name..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
        elf.sections.push(Section {
            name,
            kind,
            addr,
            offset,
            size,
        });
    }
    Ok(elf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let f = std::fs::File::open(&exe).unwrap();
        let len = f.metadata().unwrap().len();
        let elf = sections(&Source::File(&f, len)).unwrap();
        assert!(elf.is64 && elf.little);
        assert!(elf.section(".text").is_some());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(sections(&Source::Bytes(b"\x7fELF\x02\x01")).is_err());
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[0x28] = 0xff; // shoff past the end
        h[0x3A] = 64;
        h[0x3C] = 1;
        assert!(sections(&Source::Bytes(&h)).is_err());
    }
}
