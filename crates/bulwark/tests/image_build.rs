//! The release image (issue #20, "Bulwark on Bulwark"): `scripts/build-image.sh` turns the static musl binary
//! into an OCI layout; the layout is reproducible and shell-less (checked against GNU tar's listing of the
//! layer, not Bulwark's reading of it); the binary runs from the unpacked rootfs under `chroot` as user 65532
//! (`bulwark version` and a fixture scan against the inventory truth of `tests/truth/`); and `bulwark scan
//! image oci:LAYOUT:TAG` with the fixture DB and the release policy (`scripts/release-policy`) passes, with an
//! SBOM that lists exactly the crates cargo resolves for the binary (`cargo tree`) and nothing else.
//!
//! The binary: $BULWARK_IMAGE_BINARY, else `<target>/x86_64-unknown-linux-musl/debug/bulwark` when it exists
//! (`cargo auditable build -p bulwark --target x86_64-unknown-linux-musl`), else this test's own glibc build,
//! which the script takes with IMAGE_ALLOW_DYNAMIC=1 and ships with its Debian libraries and their dpkg
//! stanzas (what CI does: a second, musl, build of the dependency graph does not fit its time budget; see
//! ARCHITECTURE.md "Packaging"). The crates-vs-`cargo tree` check runs when the binary carries
//! cargo-auditable's `.dep-v0` section (as `readelf` lists it).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use common::{bulwark, diff, fixtures, image, inventory, output_within, truth};

const TAG: &str = "test";
/// 2026-01-02T03:04:05Z: a fixed SOURCE_DATE_EPOCH, so two builds must be byte-identical.
const EPOCH: &str = "1767323045";
const CREATED: &str = "2026-01-02T03:04:05Z";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (the binary, whether it is statically linked).
fn image_binary() -> &'static (PathBuf, bool) {
    static B: OnceLock<(PathBuf, bool)> = OnceLock::new();
    B.get_or_init(|| {
        let target = Path::new(env!("CARGO_BIN_EXE_bulwark"))
            .parent()
            .and_then(Path::parent)
            .expect("target dir");
        let musl = target.join("x86_64-unknown-linux-musl/debug/bulwark");
        let p = std::env::var_os("BULWARK_IMAGE_BINARY").map_or_else(
            || {
                if musl.is_file() {
                    musl
                } else {
                    PathBuf::from(env!("CARGO_BIN_EXE_bulwark"))
                }
            },
            PathBuf::from,
        );
        // `file` (libmagic) says how it is linked, independently of the script's own ELF reading.
        let out = Command::new("file")
            .arg("-L")
            .arg(&p)
            .output()
            .expect("file");
        let what = String::from_utf8_lossy(&out.stdout).into_owned();
        let is_static = what.contains("statically linked") || what.contains("static-pie linked");
        eprintln!("image_build: {}", what.trim());
        (p, is_static)
    })
}

fn has_auditable_section(binary: &Path) -> bool {
    let out = Command::new("readelf")
        .args(["-S", "-W"])
        .arg(binary)
        .output()
        .expect("readelf");
    String::from_utf8_lossy(&out.stdout).contains(".dep-v0")
}

/// Runs a prepared command with a deadline (a hang fails the test).
fn run(cmd: &mut Command) -> Output {
    output_within(
        std::mem::replace(cmd, Command::new("true")),
        Duration::from_mins(10),
    )
}

fn ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what} exited {:?}:\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
    layout: PathBuf,
}

fn build_into(binary: &Path, out: &Path) {
    let o = run(Command::new("bash")
        .arg(repo().join("scripts/build-image.sh"))
        .arg(binary)
        .arg(out)
        .arg(TAG)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("IMAGE_VERSION", env!("CARGO_PKG_VERSION"))
        .env("IMAGE_REVISION", "0000000000000000000000000000000000000000")
        .env(
            "IMAGE_ALLOW_DYNAMIC",
            if image_binary().1 { "0" } else { "1" },
        ));
    ok("scripts/build-image.sh", &o);
}

/// The image, built once per test binary from a copy of the static binary without its line tables (smaller
/// layers; `strip --strip-debug` keeps cargo-auditable's `.dep-v0` section).
fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let binary = &image_binary().0;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let stripped = root.join("bulwark");
        ok(
            "strip",
            &run(Command::new("strip")
                .arg("--strip-debug")
                .arg("-o")
                .arg(&stripped)
                .arg(binary)),
        );
        let layout = root.join("layout");
        build_into(&stripped, &layout);
        Built {
            _dir: dir,
            root,
            layout,
        }
    })
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn blob(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").expect("sha256 digest"))
}

/// (manifest, config, layer blob paths) of the tag.
fn parts(layout: &Path) -> (serde_json::Value, serde_json::Value, Vec<PathBuf>) {
    let index = read_json(&layout.join("index.json"));
    let ms = index["manifests"].as_array().unwrap();
    assert_eq!(ms.len(), 1, "one image in the layout: {index}");
    assert_eq!(
        ms[0]["annotations"]["org.opencontainers.image.ref.name"],
        TAG
    );
    let manifest = read_json(&blob(layout, ms[0]["digest"].as_str().unwrap()));
    let config = read_json(&blob(
        layout,
        manifest["config"]["digest"].as_str().unwrap(),
    ));
    let layers = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| blob(layout, l["digest"].as_str().unwrap()))
        .collect();
    (manifest, config, layers)
}

#[test]
fn image_is_reproducible_shell_less_and_non_root() {
    let b = built();
    // A second build from the same inputs: every file of the layout is byte-identical.
    let again = b.root.join("layout-again");
    build_into(&b.root.join("bulwark"), &again);
    let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walk(d)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (first, second) = (files(&b.layout), files(&again));
    assert_eq!(
        first.iter().map(|f| &f.0).collect::<Vec<_>>(),
        second.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(first == second, "two builds differ");

    let (manifest, config, layers) = parts(&b.layout);
    // umoci leaves the manifest's optional mediaType out; the index's descriptor carries it.
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(
        read_json(&b.layout.join("index.json"))["manifests"][0]["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(layers.len(), 1);
    // GNU tar's listing of the one layer: exactly these entries, owners and modes.
    let listing = ok(
        "tar",
        &run(Command::new("tar")
            .env("TZ", "UTC")
            .args(["--numeric-owner", "-tvzf"])
            .arg(&layers[0])),
    );
    let entries: Vec<(String, String, String)> = listing
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[5].to_string(), f[0].to_string(), f[1].to_string())
        })
        .collect();
    let expected = [
        ("etc/", "drwxr-xr-x", "0/0"),
        ("etc/group", "-rw-r--r--", "0/0"),
        ("etc/passwd", "-rw-r--r--", "0/0"),
        ("etc/ssl/", "drwxr-xr-x", "0/0"),
        ("etc/ssl/certs/", "drwxr-xr-x", "0/0"),
        ("etc/ssl/certs/ca-certificates.crt", "-rw-r--r--", "0/0"),
        ("home/", "drwxr-xr-x", "0/0"),
        ("home/nonroot/", "drwx------", "65532/65532"),
        ("tmp/", "drwxrwxrwt", "0/0"),
        ("usr/", "drwxr-xr-x", "0/0"),
        ("usr/local/", "drwxr-xr-x", "0/0"),
        ("usr/local/bin/", "drwxr-xr-x", "0/0"),
        ("usr/local/bin/bulwark", "-rwxr-xr-x", "0/0"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
        .collect();
    if image_binary().1 {
        assert_eq!(entries, expected, "layer listing:\n{listing}");
    } else {
        // The dynamic test image adds only the libraries and their Debian metadata; each library is in the file
        // list of a package whose stanza the image carries.
        let lists = ok(
            "tar",
            &run(Command::new("tar")
                .args(["-xzOf"])
                .arg(&layers[0])
                .args(["--wildcards", "var/lib/dpkg/info/*.list"])),
        );
        for e in &expected {
            assert!(entries.contains(e), "{e:?} missing:\n{listing}");
        }
        for (path, mode, owner) in entries.iter().filter(|e| !expected.contains(e)) {
            assert_eq!(owner, "0/0", "{path}");
            if mode.starts_with('d') {
                // A directory is only a parent of the files below.
                assert!(
                    entries
                        .iter()
                        .any(|(p, m, _)| !m.starts_with('d') && p.starts_with(path.as_str())),
                    "empty directory {path}"
                );
                continue;
            }
            let meta = path == "etc/os-release"
                || path.starts_with("var/lib/dpkg/")
                || (path.starts_with("usr/share/doc/") && path.ends_with("/copyright"));
            let lib = (path.starts_with("lib") || path.starts_with("usr/lib"))
                && lists.lines().any(|l| l == format!("/{path}"));
            assert!(
                meta || lib,
                "{path} is not accounted for:\n{listing}\n{lists}"
            );
        }
    }
    assert!(
        !entries
            .iter()
            .any(|e| e.0.starts_with("bin") || e.0.ends_with("/sh")),
        "a shell in the image"
    );
    // Every entry carries SOURCE_DATE_EPOCH as its mtime.
    assert!(
        listing.lines().all(|l| l.contains("2026-01-02 03:04")),
        "mtimes not fixed:\n{listing}"
    );

    let c = &config["config"];
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["os"], "linux");
    assert_eq!(config["created"], CREATED);
    assert_eq!(c["User"], "65532:65532");
    assert_eq!(
        c["Entrypoint"],
        serde_json::json!(["/usr/local/bin/bulwark"])
    );
    assert!(c.get("Cmd").is_none_or(serde_json::Value::is_null), "{c}");
    let labels = &c["Labels"];
    assert_eq!(labels["org.opencontainers.image.title"], "bulwark");
    assert_eq!(
        labels["org.opencontainers.image.version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(labels["org.opencontainers.image.created"], CREATED);
    assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
    for h in config["history"].as_array().unwrap() {
        assert_eq!(h["created"], CREATED, "{h}");
    }
    // /etc/passwd maps 65532 to nonroot, whose home exists and is its own.
    let passwd = run(Command::new("tar")
        .args(["-xzOf"])
        .arg(&layers[0])
        .arg("etc/passwd"));
    assert!(
        ok("tar", &passwd).contains("nonroot:x:65532:65532:"),
        "{passwd:?}"
    );
}

fn walk(d: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs the image's binary inside its unpacked rootfs: `chroot --userspec=65532:65532` when we are root (the CI
/// machine is), else the extracted static binary directly (paths then stay host paths under the rootfs).
fn in_image(rootfs: &Path, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        // An absolute path: the child's PATH (the image's /usr/local/bin) is what Command searches.
        let mut c = Command::new("/usr/sbin/chroot");
        c.arg("--userspec=65532:65532")
            .arg(rootfs)
            .arg("/usr/local/bin/bulwark");
        c
    } else {
        eprintln!("image_build: not root, running the extracted binary without chroot");
        Command::new(rootfs.join("usr/local/bin/bulwark"))
    };
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin")
        .env("HOME", "/home/nonroot")
        .env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
    run(&mut cmd)
}

fn fixture_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let v = |rel: &str| fixtures().join("vulndata").join(rel);
        common::build_db(
            "image-build-fixtures.db",
            &[
                ("--osv", v("osv/crates.io-all.zip")),
                ("--secdb", v("alpine-secdb")),
                ("--secdb", common::vulndb_testdata("alpine-secdb")),
                ("--kev", v("kev/known_exploited_vulnerabilities.json")),
            ],
        )
    })
}

#[test]
fn the_image_runs_version_and_a_fixture_scan_as_65532() {
    let b = built();
    let bundle = b.root.join("bundle");
    ok(
        "umoci unpack",
        &run(Command::new("umoci")
            .args(["--log", "error", "unpack", "--image"])
            .arg(format!("{}:{TAG}", b.layout.display()))
            .arg(&bundle)),
    );
    let rootfs = bundle.join("rootfs");
    assert!(!rootfs.join("bin/sh").exists() && !rootfs.join("bin").exists());
    let chrooted = is_root();
    let inside = |p: &str| -> String {
        if chrooted {
            p.to_string()
        } else {
            rootfs.join(p.trim_start_matches('/')).display().to_string()
        }
    };

    let out = in_image(&rootfs, &["version"]);
    let stdout = ok("bulwark version (in the image)", &out);
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");

    // A fixture scan from inside the image: the inventory of the Alpine fixture equals apk's own database.
    std::fs::copy(
        image("alpine314-mini.docker.tar"),
        rootfs.join("tmp/alpine.tar"),
    )
    .unwrap();
    std::fs::copy(fixture_db(), rootfs.join("tmp/fixtures.db")).unwrap();
    let report = rootfs.join("tmp/report.json");
    let out = in_image(
        &rootfs,
        &[
            "scan",
            "image",
            "-q",
            "--offline",
            "--db",
            &inside("/tmp/fixtures.db"),
            "-f",
            "json",
            "-o",
            &inside("/tmp/report.json"),
            &inside("/tmp/alpine.tar"),
        ],
    );
    ok("bulwark scan image (in the image)", &out);
    let r = read_json(&report);
    let expected = truth("alpine314-mini.docker.tsv");
    let actual = inventory(&r);
    assert_eq!(expected, actual, "{}", diff(&expected, &actual));
    if chrooted {
        // Written by the process: it ran as 65532.
        use std::os::unix::fs::MetadataExt as _;
        assert_eq!(std::fs::metadata(&report).unwrap().uid(), 65532);
    }
    // The static build finds what the test's (glibc) build finds in the same DB.
    let host = bulwark(&[
        "scan",
        "image",
        "-q",
        "--offline",
        "--db",
        &fixture_db().display().to_string(),
        "-f",
        "json",
        &image("alpine314-mini.docker.tar"),
    ]);
    let h: serde_json::Value = serde_json::from_slice(&host.stdout).expect("host report");
    let vulns = |r: &serde_json::Value| -> BTreeSet<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "vulnerability")
            .map(|f| format!("{} {}", f["properties"]["packageName"], f["id"]))
            .collect()
    };
    assert!(
        !vulns(&h).is_empty(),
        "the fixture DB finds nothing in Alpine 3.14"
    );
    assert_eq!(vulns(&r), vulns(&h));
}

/// `cargo tree`'s resolution of the binary's dependency graph (normal and build dependencies, for the musl
/// target): `name version` lines, the independent truth for the image's SBOM.
fn cargo_tree() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run(Command::new(cargo).current_dir(repo()).args([
        "tree",
        "--offline",
        "--locked",
        "-p",
        "bulwark",
        "--target",
        "x86_64-unknown-linux-musl",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "-f",
        "{p}",
    ]));
    ok("cargo tree", &out)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (name, version) = (w.next()?, w.next()?);
            Some(format!("{name} {}", version.trim_start_matches('v')))
        })
        .collect()
}

#[test]
fn bulwark_scans_its_own_image_clean_with_its_release_policy() {
    let b = built();
    let target = format!("oci:{}:{TAG}", b.layout.display());
    let is_static = image_binary().1;
    let policy = if is_static {
        repo().join("scripts/release-policy")
    } else {
        // The dynamic test image also holds glibc and its dpkg metadata: the same policy with those paths added.
        let dir = b.root.join("policy");
        std::fs::create_dir_all(&dir).unwrap();
        let src = repo().join("scripts/release-policy");
        std::fs::copy(src.join("bundle.yaml"), dir.join("bundle.yaml")).unwrap();
        let rules = std::fs::read_to_string(src.join("rules.yaml")).unwrap();
        let extra = "        - /home/nonroot\n        - /etc/os-release\n        - /lib\n        - /lib64\n        - /usr/lib\n        \
                     - /usr/share/doc\n        - /var/lib/dpkg\n";
        assert!(rules.contains("        - /home/nonroot\n"));
        std::fs::write(
            dir.join("rules.yaml"),
            rules.replace("        - /home/nonroot\n", extra),
        )
        .unwrap();
        dir
    };
    let report = b.root.join("self-scan.json");
    let out = bulwark(&[
        "scan",
        "image",
        "-q",
        "--offline",
        "--db",
        &fixture_db().display().to_string(),
        "--policy",
        &policy.display().to_string(),
        "--stage",
        "release",
        "-f",
        "json",
        "-o",
        &report.display().to_string(),
        &target,
    ]);
    let r = read_json(&report);
    let high: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")))
        .collect();
    assert!(high.is_empty(), "HIGH/CRITICAL findings: {high:#?}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the release policy fails on Bulwark's image: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        serde_json::to_string_pretty(&r["verdict"]).unwrap()
    );

    // Every package is a crate of the binary (exactly the set cargo resolves for it, when the binary carries
    // cargo-auditable's list) or, in the dynamic test image, a Debian package whose stanza the image carries,
    // at the host's installed version (dpkg-query).
    let (_, _, layers) = parts(&b.layout);
    let listing = ok("tar", &run(Command::new("tar").arg("-tzf").arg(&layers[0])));
    let stanzas: BTreeSet<String> = listing
        .lines()
        .filter_map(|l| l.strip_prefix("var/lib/dpkg/status.d/"))
        .filter(|n| !n.is_empty())
        .map(|n| {
            let v = Command::new("dpkg-query")
                .args(["-W", "-f", "${Version}", n])
                .output()
                .expect("dpkg-query");
            format!("{n} {}", String::from_utf8_lossy(&v.stdout))
        })
        .collect();
    let (mut crates, mut debs) = (BTreeSet::new(), BTreeSet::new());
    for p in r["packages"].as_array().unwrap() {
        let id = format!(
            "{} {}",
            p["name"].as_str().unwrap(),
            p["version"].as_str().unwrap()
        );
        match p["type"].as_str() {
            Some("cargo") => {
                let path = serde_json::to_string(p).unwrap();
                assert!(path.contains("/usr/local/bin/bulwark"), "{p}");
                crates.insert(id);
            }
            Some("dpkg") if !is_static => {
                debs.insert(id);
            }
            _ => panic!("a package that is not part of the image's contents: {p}"),
        }
    }
    assert_eq!(debs, stanzas, "dpkg packages vs the image's status.d");
    if has_auditable_section(&b.root.join("bulwark")) {
        let truth = cargo_tree();
        let missing: Vec<&String> = truth.difference(&crates).collect();
        let extra: Vec<&String> = crates.difference(&truth).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "SBOM vs cargo tree: missing {missing:?}, extra {extra:?}"
        );
    } else {
        assert!(
            crates.is_empty(),
            "crates without a .dep-v0 section: {crates:?}"
        );
        eprintln!("image_build: the binary has no cargo-auditable section; crates not compared");
    }

    // The CycloneDX SBOM says the same: one component per crate (bulwark itself is the root component).
    let out = bulwark(&["sbom", "-q", "-f", "cyclonedx", &target]);
    let bom: serde_json::Value = serde_json::from_slice(&out.stdout).expect("CycloneDX");
    let mut names: BTreeSet<String> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library" || c["type"] == "application")
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:cargo/") || p.starts_with("pkg:deb/"))
        })
        .map(|c| {
            format!(
                "{} {}",
                c["name"].as_str().unwrap(),
                c["version"].as_str().unwrap()
            )
        })
        .collect();
    names.retain(|n| !n.is_empty());
    let packages: BTreeSet<String> = crates.union(&debs).cloned().collect();
    assert_eq!(
        names, packages,
        "CycloneDX components vs the JSON report's packages"
    );
}
