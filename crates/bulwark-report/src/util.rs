//! Small helpers shared by the renderers: stable hashing, id de-duplication, URI escaping.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::rc::Rc;

use bulwark_types::LayerRef;

use crate::Report;

/// The project's home (the workspace `repository`), for SARIF `informationUri` and SPDX namespaces.
pub(crate) fn project_url() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY").trim_end_matches('/') {
        "" => "https://bulwark.invalid",
        url => url,
    }
}

/// FNV-1a, 128-bit. Not cryptographic: it only derives stable, well-spread identifiers (serial numbers, document
/// namespaces, fingerprints) from content, so that the same report renders byte-identically.
pub(crate) fn fnv1a128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// FNV-1a 128 over everything written to it: hashes a serialisation without holding it.
struct FnvWriter(u128);

impl std::io::Write for FnvWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
        self.0 = buf
            .iter()
            .fold(self.0, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A UUID (RFC 9562 layout, version 4 bits and variant set) derived from the whole report. Deterministic: the same
/// report, including its `created_at`, yields the same UUID; any difference in content changes it. The report's
/// compact JSON is hashed as it is produced, never held (a million packages make hundreds of megabytes of it).
pub(crate) fn report_uuid(report: &Report) -> String {
    let mut hasher = FnvWriter(fnv1a128(b""));
    if serde_json::to_writer(&mut hasher, report).is_err() {
        // As before: a report that does not serialise hashes as no bytes.
        hasher = FnvWriter(fnv1a128(b""));
    }
    let mut h = hasher.0.to_be_bytes();
    h[6] = (h[6] & 0x0f) | 0x40;
    h[8] = (h[8] & 0x3f) | 0x80;
    let hex = h.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Hands out identifiers, appending `-2`, `-3`… (or `sep`+n) to any that was already taken.
///
/// Linear in the number of claims: each base remembers the next suffix to try, so claiming the same base N times
/// tries N candidates in all, not N²/2 (red-team case 07: 40,000 copies of one package). A candidate is skipped
/// only when some other claim already holds it, and each held id can be skipped once per base at most.
#[derive(Default)]
pub(crate) struct UniqueIds {
    taken: HashSet<Rc<str>>,
    /// Next suffix to try, for bases claimed more than once.
    next: HashMap<Rc<str>, u64>,
}

impl UniqueIds {
    pub(crate) fn claim(&mut self, base: &str, sep: &str) -> Rc<str> {
        if !self.taken.contains(base) {
            let id: Rc<str> = Rc::from(base);
            self.taken.insert(Rc::clone(&id));
            return id;
        }
        // The base is taken, so this shares its allocation rather than copying it.
        let key = self
            .taken
            .get(base)
            .map_or_else(|| Rc::from(base), Rc::clone);
        let n = self.next.entry(key).or_insert(2);
        loop {
            let candidate = format!("{base}{sep}{n}");
            *n += 1;
            if !self.taken.contains(candidate.as_str()) {
                let id: Rc<str> = Rc::from(candidate);
                self.taken.insert(Rc::clone(&id));
                return id;
            }
        }
    }
}

/// Serialises the items of an iterator, made when needed, as a JSON array without collecting them first: the
/// writers stream a million components in the memory of one.
pub(crate) struct SeqOf<F>(pub(crate) F);

impl<F, I> serde::Serialize for SeqOf<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// Percent-encodes a path for use as a *relative* URI reference: keeps unreserved characters and `/`, encodes the
/// rest (so `alpine:3.19` does not read as a URI with scheme `alpine`). A leading `/` is dropped because SARIF
/// consumers such as GitHub want paths relative to the repository or scan root.
pub(crate) fn relative_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters (for purl versions and qualifier values).
fn purl_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The image's purl (`pkg:oci/<name>@<manifest digest>?arch=…&repository_url=…`), when the target is an image with
/// a well-formed sha256 manifest digest.
pub(crate) fn oci_purl(target: &crate::Target) -> Option<String> {
    if target.kind != crate::TargetKind::Image {
        return None;
    }
    let image = target.image.as_ref()?;
    let digest = image
        .manifest_digest
        .as_deref()
        .filter(|d| sha256_hex(d).is_some())?;
    let reference = target.name.split('@').next().unwrap_or_default();
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    let repository = match reference.rfind(':') {
        Some(colon) if colon >= last_slash => &reference[..colon],
        _ => reference,
    };
    let name = repository
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return None;
    }
    let mut qualifiers = Vec::new();
    if let Some(arch) = image.architecture.as_deref().filter(|a| !a.is_empty()) {
        qualifiers.push(format!("arch={}", purl_encode(arch)));
    }
    if repository != name {
        qualifiers.push(format!("repository_url={}", purl_encode(repository)));
    }
    let mut purl = format!("pkg:oci/{name}@{}", purl_encode(digest));
    if !qualifiers.is_empty() {
        purl.push('?');
        purl.push_str(&qualifiers.join("&"));
    }
    Some(purl)
}

/// `sha256:<64 hex>` → (`SHA-256`/`SHA256` spelling is the caller's), the hex part, when the digest is well formed.
pub(crate) fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// One-line description of a layer: `layer 2 (sha256:0123456789ab): RUN apt-get install -y curl`.
pub(crate) fn describe_layer(layer: &LayerRef) -> String {
    let mut s = format!("layer {}", layer.index);
    if let Some(d) = layer.diff_id.as_ref().or(layer.digest.as_ref()) {
        let _ = write!(s, " ({})", bulwark_types::short_digest(d));
    }
    if let Some(c) = &layer.created_by {
        s.push_str(": ");
        s.push_str(c.trim());
    }
    s
}

/// `YYYY-MM-DDThh:mm:ssZ` from an RFC 3339 UTC timestamp, dropping fractional seconds; `None` when the text does
/// not start with that shape. (Reports are created in UTC, see [`crate::rfc3339_now`].)
pub(crate) fn utc_seconds(ts: &str) -> Option<String> {
    let head = ts.get(..19)?;
    let shape_ok = head.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    shape_ok.then(|| format!("{head}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_vectors() {
        // Offset basis from the FNV spec; "a" cross-checked with an independent Python FNV-1a 128 computation.
        assert_eq!(fnv1a128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv1a128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn unique_ids_suffix_duplicates() {
        let mut ids = UniqueIds::default();
        assert_eq!(&*ids.claim("a", "-"), "a");
        assert_eq!(&*ids.claim("a", "-"), "a-2");
        assert_eq!(&*ids.claim("a-2", "-"), "a-2-2");
        assert_eq!(&*ids.claim("a", "-"), "a-3");
        // A suffixed id taken by a claim of its own is skipped, not handed out twice.
        assert_eq!(&*ids.claim("b-2", "-"), "b-2");
        assert_eq!(&*ids.claim("b", "-"), "b");
        assert_eq!(&*ids.claim("b", "-"), "b-3");
        assert_eq!(&*ids.claim("b", "-"), "b-4");
    }

    #[test]
    fn unique_ids_are_linear_in_duplicates() {
        // 200,000 copies of one base: the quadratic search took minutes for a fifth of this.
        let started = std::time::Instant::now();
        let mut ids = UniqueIds::default();
        for _ in 0..200_000 {
            ids.claim("pkg:deb/debian/p@1.0", "#");
        }
        assert_eq!(
            &*ids.claim("pkg:deb/debian/p@1.0", "#"),
            "pkg:deb/debian/p@1.0#200001"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn streamed_uuid_hashes_the_compact_json() {
        let r = Report::new(crate::Target {
            kind: crate::TargetKind::Image,
            name: "img".into(),
            image: None,
        });
        let whole = fnv1a128(&serde_json::to_vec(&r).unwrap()).to_be_bytes();
        let hex = whole.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        let uuid = report_uuid(&r).replace('-', "");
        // Equal but for the version and variant bits.
        assert_eq!(uuid[..12], hex[..12]);
        assert_eq!(uuid[13..16], hex[13..16]);
        assert_eq!(uuid[17..], hex[17..]);
    }

    #[test]
    fn seq_of_streams_like_a_vec() {
        let v = [1, 2, 3];
        let s = SeqOf(|| v.iter().filter(|&&x| x != 2));
        assert_eq!(
            serde_json::to_string_pretty(&s).unwrap(),
            serde_json::to_string_pretty(&[1, 3]).unwrap()
        );
        let empty = SeqOf(|| v.iter().filter(|&&x| x > 5));
        assert_eq!(serde_json::to_string_pretty(&empty).unwrap(), "[]");
    }

    #[test]
    fn relative_uri_escapes() {
        assert_eq!(relative_uri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(relative_uri("alpine:3.19"), "alpine%3A3.19");
        assert_eq!(relative_uri("a b@c"), "a%20b%40c");
    }

    #[test]
    fn oci_purls() {
        let digest = format!("sha256:{}", "a1".repeat(32));
        let image = |name: &str, digest: Option<&str>| crate::Target {
            kind: crate::TargetKind::Image,
            name: name.into(),
            image: Some(crate::ImageMetadata {
                manifest_digest: digest.map(str::to_owned),
                architecture: Some("amd64".into()),
                ..crate::ImageMetadata::default()
            }),
        };
        let enc = format!("sha256%3A{}", "a1".repeat(32));
        assert_eq!(
            oci_purl(&image(
                "registry.example.com:5000/team/Web:1.4",
                Some(&digest)
            ))
            .unwrap(),
            format!(
                "pkg:oci/web@{enc}?arch=amd64&repository_url=registry.example.com%3A5000%2Fteam%2FWeb"
            )
        );
        assert_eq!(
            oci_purl(&image("alpine", Some(&digest))).unwrap(),
            format!("pkg:oci/alpine@{enc}?arch=amd64")
        );
        assert_eq!(
            oci_purl(&image("alpine:3.19@sha256:00", Some(&digest))).unwrap(),
            format!("pkg:oci/alpine@{enc}?arch=amd64")
        );
        assert_eq!(oci_purl(&image("alpine", None)), None);
    }

    #[test]
    fn sha256_hex_checks_shape() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(sha256_hex(&d), Some("ab".repeat(32).as_str()));
        assert_eq!(sha256_hex("sha256:abc"), None);
        assert_eq!(sha256_hex("sha512:00"), None);
    }
}
