//! Hostile and broken input: every malformed lockfile becomes a warning with its file and line and the scan
//! goes on; zip bombs and deep nesting stay bounded; files over the size limits are skipped with a warning.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use bulwark_catalog::lang::{self, Output, walk};

/// (file name, malformed content, expected 1-based line of the warning).
const BROKEN: &[(&str, &str, u32)] = &[
    (
        "package-lock.json",
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {,\n}",
        3,
    ),
    (
        "yarn.lock",
        "# yarn lockfile v1\n\nlodash@^4:\n  resolved \"x\"\n",
        3,
    ),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n",
        3,
    ),
    ("requirements.txt", "requests==2.19.0\n==1.0\n", 2),
    (
        "Pipfile.lock",
        "{\"default\": {\n\"a\": {\"version\": 1}}}",
        2,
    ),
    (
        "poetry.lock",
        "[[package]]\nname = \"a\"\nthis is not toml\n",
        3,
    ),
    ("uv.lock", "version = 1\n[[package]\n", 2),
    ("pdm.lock", "[[package]]\nname = \"a\"\n", 1),
    ("go.mod", "module x\n\nrequire (\n\tgithub.com/a/b\n)\n", 4),
    ("sumonly/go.sum", "github.com/a/b v1.0.0\n", 1),
    (
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"a\"\n",
        3,
    ),
    ("gradle.lockfile", "a:b:1=x\nnot-a-coordinate\n", 2),
    (
        "pom.xml",
        "<project>\n<dependencies>\n<dependency>\n<artifactId>x</artifactId>\n</dependency>\n</dependencies>\n</project>\n",
        3,
    ),
    ("Gemfile.lock", "GEM\n  specs:\n    rack 2.0\n", 3),
    ("composer.lock", "{\"packages\": [\n{\"name\": 1}]}", 2),
    (
        "packages.lock.json",
        "{\"version\": 1,\n\"dependencies\": [}",
        2,
    ),
    ("app.deps.json", "{\n\"libraries\": 5}", 2),
    (
        "x.dist-info/METADATA",
        "Metadata-Version: 2.1\nSummary: no name\n",
        1,
    ),
    (
        "node_modules/a/package.json",
        "{\"name\": \"a\",\n\"version\": }",
        2,
    ),
];

#[test]
fn malformed_lockfiles_warn_with_file_and_line_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    for (name, body, _) in BROKEN {
        let p = dir.path().join("broken").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    std::fs::write(dir.path().join("requirements-ok.txt"), "urllib3==1.23\n").unwrap();
    let got = walk::scan_dir(dir.path(), &walk::DirOptions::default()).unwrap();
    for (name, _, line) in BROKEN {
        let path = format!("broken/{name}");
        let d = got
            .diagnostics
            .iter()
            .find(|d| d.location.path.as_deref() == Some(path.as_str()))
            .unwrap_or_else(|| panic!("no warning for {path}: {:#?}", got.diagnostics));
        assert_eq!(d.location.line, Some(*line), "{path}: {d}");
    }
    // The good file in the same tree, and the good line of the broken requirements file, are reported.
    let names: Vec<&str> = got.packages.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"urllib3") && names.contains(&"requests"),
        "{names:?}"
    );
}

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn deeply_nested_jars_are_bounded() {
    let pom = b"groupId=g\nartifactId=a\nversion=1\n";
    let mut jar = zip_with(&[("META-INF/maven/g/a/pom.properties", pom)]);
    for _ in 0..30 {
        jar = zip_with(&[
            ("META-INF/maven/g/a/pom.properties", pom),
            ("inner.jar", &jar),
        ]);
    }
    let start = Instant::now();
    let mut out = Output::default();
    lang::parse_bytes("/deep.jar", &jar, &mut out);
    assert!(start.elapsed() < Duration::from_secs(5));
    // Depth 0..=4 read, the rest refused with a warning.
    assert_eq!(out.packages.len(), 5);
    assert!(
        out.diags.iter().any(|d| d.message.contains("limits")),
        "{:?}",
        out.diags
    );
}

#[test]
fn zip_bomb_entries_are_not_inflated() {
    // 200 MiB of zeros deflates to about 200 KiB: declared larger than the nested-archive limit.
    let zeros = vec![0u8; 200 << 20];
    let bomb = zip_with(&[
        ("huge.jar", &zeros),
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nImplementation-Title: bomb\nImplementation-Version: 1\n",
        ),
    ]);
    drop(zeros);
    assert!(bomb.len() < 2 << 20);
    let start = Instant::now();
    let mut out = Output::default();
    lang::parse_bytes("/bomb.war", &bomb, &mut out);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(out.packages.len(), 1);
    assert!(
        out.diags.iter().any(|d| d.message.contains("huge.jar")),
        "{:?}",
        out.diags
    );
}

#[test]
fn files_over_the_limits_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse files: no disk or memory is spent on them.
    let f = std::fs::File::create(dir.path().join("package-lock.json")).unwrap();
    f.set_len(lang::MAX_TEXT_BYTES + 1).unwrap();
    let bin = dir.path().join("tool");
    let mut f = std::fs::File::create(&bin).unwrap();
    f.write_all(b"\x7fELF\x02\x01\x01").unwrap();
    f.set_len(lang::MAX_BINARY_BYTES + 1).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A truncated ELF that is executable: a warning, not a panic.
    let junk = dir.path().join("junk");
    std::fs::write(
        &junk,
        [b"\x7fELF\x02\x01\x01".as_slice(), &[0xff; 100]].concat(),
    )
    .unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o755)).unwrap();
    let got = walk::scan_dir(dir.path(), &walk::DirOptions::default()).unwrap();
    let msg = |p: &str| {
        got.diagnostics
            .iter()
            .find(|d| d.location.path.as_deref() == Some(p))
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert!(
        msg("package-lock.json").contains("limit"),
        "{:?}",
        got.diagnostics
    );
    assert!(msg("tool").contains("limit"), "{:?}", got.diagnostics);
    assert!(msg("junk").contains("ELF"), "{:?}", got.diagnostics);
    assert!(got.packages.is_empty());
}

#[test]
fn gitignore_and_skip_options() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (p, body) in [
        (".gitignore", "ignored/\n*.bak.txt\n!keep/\n"),
        ("requirements.txt", "a==1\n"),
        ("ignored/requirements.txt", "b==1\n"),
        ("sub/.gitignore", "/local-requirements.txt\n"),
        ("sub/requirements.txt", "c==1\n"),
        ("sub/requirements-local.txt", "d==1\n"),
        ("vendor/x/requirements.txt", "e==1\n"),
        ("tests/requirements-dev.txt", "f==1\n"),
        (".git/requirements.txt", "g==1\n"),
    ] {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, body).unwrap();
    }
    let names = |o: &walk::DirOptions| {
        let mut v: Vec<String> = walk::scan_dir(root, o)
            .unwrap()
            .packages
            .into_iter()
            .map(|p| p.name)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&walk::DirOptions::default()),
        ["a", "c", "d", "e", "f"]
    );
    let opts = walk::DirOptions {
        skip_dirs: vec!["vendor".into()],
        skip_files: vec!["**/requirements-dev.txt".into()],
        no_gitignore: true,
        ..walk::DirOptions::default()
    };
    assert_eq!(names(&opts), ["a", "b", "c", "d"]);
}

/// A small deterministic mutation run over every committed fixture (the `fuzz/fuzz_targets/lang_*.rs`
/// targets do this at scale): truncations and byte flips never panic.
#[test]
fn mutated_fixtures_never_panic() {
    let lang = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lang");
    let mut files = Vec::new();
    let mut stack = vec![lang];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains("testdata")
                && e.metadata().unwrap().len() < 2 << 20
            {
                files.push(p);
            }
        }
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let name = f.display().to_string();
        for round in 0..40 {
            let mut d = data.clone();
            if round % 2 == 0 && !d.is_empty() {
                d.truncate((rand() as usize) % d.len());
            }
            for _ in 0..(round % 5) {
                if !d.is_empty() {
                    let i = (rand() as usize) % d.len();
                    d[i] = rand() as u8;
                }
            }
            let mut out = Output::default();
            lang::parse_bytes(&name, &d, &mut out);
        }
    }
}
