//! Hostile and broken bundles never panic: thousands of deterministic mutations of the corpus's real policy
//! files (byte flips, truncations, YAML metacharacters, nesting, aliases) go through the loader and, when they
//! load, through `evaluate`. A quick stand-in for the `policy_bundle` fuzz target, run on every `cargo test`.

use std::path::Path;

use bulwark_policy::{Bundle, BundleFile, Instant, Limits, Stage, SubjectData};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPICE: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!binary ",
    "---\n",
    "\n",
    "'",
    "\"",
    "#",
    "|\n",
    ">-\n",
    "~",
    "null",
    "1e999",
    "-1",
    "9999999999999999999999",
    "é",
    "\u{0}",
    "\t",
    "? ",
    "<<: *a\n",
    "%YAML 1.2\n",
    "2026-02-30",
    "1.5",
    "yes",
    "*",
    "**",
    "../",
    "sha256:",
];

fn mutate(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(at),
            2 => {
                let s = SPICE[rng.below(SPICE.len())].as_bytes();
                out.splice(at..at, s.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + rng.below(40)).min(out.len());
                out.drain(at..end);
            }
            _ => {
                // Duplicate a slice elsewhere (repeats keys, documents, list items).
                let a = rng.below(out.len() + 1);
                let b = (a + rng.below(200)).min(out.len());
                let piece = out[a..b].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, piece);
            }
        }
    }
    out
}

#[test]
fn mutated_bundles_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance");
    let mut sources: Vec<(String, Vec<u8>)> = Vec::new();
    for b in ["vulns-excepted", "image", "k8s", "packages"] {
        for e in std::fs::read_dir(root.join("bundles").join(b)).unwrap() {
            let p = e.unwrap().path();
            sources.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    let inputs: Vec<SubjectData> = [
        "image-vulns",
        "image-config",
        "k8s-deployment",
        "sbom-packages",
    ]
    .iter()
    .map(|n| {
        serde_json::from_slice(&std::fs::read(root.join(format!("inputs/{n}.json"))).unwrap())
            .unwrap()
    })
    .collect();
    let now = Instant::parse("2026-12-01").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut loaded, mut refused) = (0, 0);
    let start = std::time::Instant::now();
    for round in 0..3000 {
        let mut files = Vec::new();
        for _ in 0..=rng.below(3) {
            let (name, text) = &sources[rng.below(sources.len())];
            files.push(BundleFile {
                path: format!("d{}/{name}", files.len()),
                bytes: mutate(&mut rng, text),
            });
        }
        match Bundle::from_files(files, "fuzz", None) {
            Ok(b) => {
                loaded += 1;
                let input = &inputs[round % inputs.len()];
                let stage = Stage::ALL[round % 4];
                let v = bulwark_policy::evaluate(&b, &input.subject(), stage, now);
                assert!(!v.to_json().is_empty());
            }
            Err(e) => {
                refused += 1;
                // Every error names where it is.
                assert!(!e.to_string().is_empty());
            }
        }
    }
    // Both paths were exercised.
    assert!(
        loaded > 100 && refused > 100,
        "loaded {loaded}, refused {refused}"
    );
    assert!(start.elapsed().as_secs() < 120, "{:?}", start.elapsed());

    // Mutated gzip streams.
    let tar = std::process::Command::new("tar")
        .args(["czf", "-", "-C"])
        .arg(root.join("bundles/k8s"))
        .arg(".")
        .output()
        .unwrap()
        .stdout;
    let limits = Limits::default();
    for _ in 0..500 {
        let m = mutate(&mut rng, &tar);
        let _ = Bundle::from_tar_gz(&m, "fuzz", &limits);
    }
    assert!(Bundle::from_tar_gz(&tar, "k8s", &limits).is_ok());
}
