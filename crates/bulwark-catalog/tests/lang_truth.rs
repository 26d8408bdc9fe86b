//! Language catalogers against the real tools' own listings (truth files under `src/lang/*/testdata`, made
//! by the `generate.sh`/`build.sh` scripts beside them), and against the shared bookworm-app image.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bulwark_catalog::lang::{self, Output, walk};
use bulwark_types::{Package, PackageType};

fn lang_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lang")
}

fn fixtures() -> PathBuf {
    std::env::var_os("BULWARK_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"),
        PathBuf::from,
    )
}

type Set = BTreeSet<(String, String)>;

fn set(pkgs: &[Package]) -> Set {
    pkgs.iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn parse_file(path: &Path) -> Output {
    let data = std::fs::read(path).unwrap();
    let mut out = Output::default();
    lang::parse_bytes(&path.display().to_string(), &data, &mut out);
    out
}

/// `pip list --format json` output.
fn pip_list(path: &Path) -> Set {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `npm ls --all --json` output, flattened.
fn npm_ls(path: &Path) -> Set {
    fn walk(v: &serde_json::Value, out: &mut Set) {
        if let Some(deps) = v.get("dependencies").and_then(|d| d.as_object()) {
            for (name, d) in deps {
                out.insert((name.clone(), d["version"].as_str().unwrap().to_string()));
                walk(d, out);
            }
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut s = Set::new();
    walk(&v, &mut s);
    s
}

/// `name==version` lines (pip freeze, uv export, pipenv requirements), PEP 503-normalised names.
fn pinned_lines(path: &Path) -> Set {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split(';').next()?.trim().split_once("=="))
        .map(|(n, v)| (lang::python::normalize(n), v.trim().to_string()))
        .collect()
}

fn normalized(s: &Set) -> Set {
    s.iter()
        .map(|(n, v)| (lang::python::normalize(n), v.clone()))
        .collect()
}

fn no_warnings(out: &Output) {
    assert!(out.diags.is_empty(), "{:?}", out.diags);
}

#[test]
fn python_installed_matches_pip_list() {
    let td = lang_dir().join("python/testdata");
    let got = walk::scan_dir(&td.join("site-packages"), &walk::DirOptions::default()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    assert_eq!(
        set(&got.packages),
        pip_list(&td.join("site-packages.truth.json"))
    );
    let jinja = got.packages.iter().find(|p| p.name == "Jinja2").unwrap();
    assert_eq!(jinja.purl, "pkg:pypi/jinja2@3.1.2");
    assert_eq!(jinja.package_type.osv_ecosystem(), Some("PyPI"));
    assert_eq!(jinja.licenses, ["BSD-3-Clause"]);
    assert_eq!(
        jinja.found_in.as_deref(),
        Some("Jinja2-3.1.2.dist-info/METADATA")
    );
}

#[test]
fn python_lockfiles_match_their_tools() {
    let td = lang_dir().join("python/testdata");
    let truth = normalized(&pip_list(&td.join("site-packages.truth.json")));
    // pip freeze of the installed set, read back.
    let out = parse_file(&td.join("requirements-freeze.txt"));
    no_warnings(&out);
    assert_eq!(normalized(&set(&out.packages)), truth);
    // Hashes, continuation lines, an include and an unpinned line.
    let out = parse_file(&td.join("requirements-hashes.txt"));
    no_warnings(&out);
    assert_eq!(
        set(&out.packages),
        [("idna", "3.4"), ("requests", "2.31.0")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into()
    );
    // uv.lock against `uv export`.
    let out = parse_file(&td.join("uv.lock"));
    no_warnings(&out);
    assert_eq!(
        normalized(&set(&out.packages)),
        pinned_lines(&td.join("uv.lock.truth.txt"))
    );
    // poetry.lock against `poetry show`.
    let out = parse_file(&td.join("poetry.lock"));
    no_warnings(&out);
    let poetry: Set = std::fs::read_to_string(td.join("poetry.lock.truth.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().filter(|w| *w != "(!)").collect();
            (lang::python::normalize(f[0]), f[1].to_string())
        })
        .collect();
    // poetry.lock also holds pytest's Windows-only `colorama; sys_platform == "win32"`, which `poetry show`
    // leaves out on Linux.
    let ours = normalized(&set(&out.packages));
    let extra: Vec<_> = ours.difference(&poetry).collect();
    assert_eq!(extra, [&("colorama".to_string(), "0.4.6".to_string())]);
    assert!(poetry.is_subset(&ours));
    // Pipfile.lock against `pipenv requirements` and `--dev-only`.
    let out = parse_file(&td.join("Pipfile.lock"));
    no_warnings(&out);
    let prod: Vec<Package> = out.packages.iter().filter(|p| !p.dev).cloned().collect();
    let dev: Vec<Package> = out.packages.iter().filter(|p| p.dev).cloned().collect();
    assert_eq!(
        normalized(&set(&prod)),
        pinned_lines(&td.join("Pipfile.lock.truth.txt"))
    );
    assert_eq!(
        normalized(&set(&dev)),
        pinned_lines(&td.join("Pipfile.lock.dev.truth.txt"))
    );
}

#[test]
fn node_installed_and_lockfiles_match_npm_ls() {
    let td = lang_dir().join("node/testdata");
    let all = npm_ls(&td.join("npm-ls.truth.json"));
    let prod = npm_ls(&td.join("npm-ls-prod.truth.json"));
    let got = walk::scan_dir(&td.join("installed"), &walk::DirOptions::default()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    assert_eq!(set(&got.packages), all);
    let scoped = got
        .packages
        .iter()
        .find(|p| p.name == "@sindresorhus/is")
        .unwrap();
    assert_eq!(scoped.purl, "pkg:npm/%40sindresorhus/is@4.6.0");
    assert_eq!(scoped.licenses, ["MIT"]);
    for f in [
        "package-lock-v1.json",
        "package-lock-v2.json",
        "package-lock-v3.json",
        "yarn-classic.lock",
        "yarn-berry.lock",
        "pnpm-lock-8.yaml",
        "pnpm-lock-9.yaml",
    ] {
        let data = std::fs::read(td.join(f)).unwrap();
        // The parser is chosen by the real file name.
        let real = if f.starts_with("package-lock") {
            "package-lock.json"
        } else if f.starts_with("yarn") {
            "yarn.lock"
        } else {
            "pnpm-lock.yaml"
        };
        let mut out = Output::default();
        (lang::parser_for(real).unwrap().parse)(
            &lang::Input {
                path: f,
                data: &data,
            },
            &mut out,
        );
        no_warnings(&out);
        assert_eq!(set(&out.packages), all, "{f}");
        // Dev marking where the format records it (npm, pnpm v6-v8); direct dev deps for pnpm v9.
        if f.starts_with("package-lock") || f == "pnpm-lock-8.yaml" {
            let p: Vec<Package> = out.packages.iter().filter(|p| !p.dev).cloned().collect();
            assert_eq!(set(&p), prod, "{f}");
        }
        if f == "pnpm-lock-9.yaml" || f == "package-lock-v3.json" {
            let semver = out.packages.iter().find(|p| p.name == "semver").unwrap();
            assert!(semver.dev && semver.direct == Some(true), "{f}");
            let ms = out
                .packages
                .iter()
                .find(|p| p.name == "ms" && p.version == "2.0.0")
                .unwrap();
            assert_eq!(ms.direct, Some(false), "{f}");
        }
    }
}

/// `go version -m` output: (path, version) of the built modules (replacements applied as in the
/// cataloger's documented rule), plus the toolchain as stdlib.
fn go_version_m(path: &Path) -> Set {
    let text = std::fs::read_to_string(path).unwrap();
    let mut s = Set::new();
    let mut last: Option<(String, String)> = None;
    let go = text.lines().next().unwrap().rsplit(' ').next().unwrap();
    s.insert(("stdlib".into(), format!("v{}", go.trim_start_matches("go"))));
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.trim_start().split('\t').collect();
        match f.as_slice() {
            ["mod" | "dep", p, v, ..] => {
                if let Some(x) = last.take() {
                    s.insert(x);
                }
                last = Some(((*p).to_string(), (*v).to_string()));
            }
            ["=>", p, v, ..] if !v.starts_with('(') => {
                last = Some(((*p).to_string(), (*v).to_string()));
            }
            _ => {}
        }
    }
    if let Some(x) = last {
        s.insert(x);
    }
    s
}

#[test]
fn go_binary_matches_go_version_m() {
    let td = lang_dir().join("golang/testdata");
    let out = parse_file(&td.join("hello-bin"));
    no_warnings(&out);
    let truth = go_version_m(&td.join("hello-bin.truth.txt"));
    assert_eq!(set(&out.packages), truth);
    // The versioned replacement is what was built; the local one keeps the required version.
    assert!(truth.contains(&("example.com/lib".into(), "v1.1.0".into())));
    assert!(truth.contains(&("example.com/greet".into(), "v1.0.0".into())));
    // Streaming from disk gives the same answer as bytes in memory.
    let got = walk::scan_dir(&td, &walk::DirOptions::default()).unwrap();
    let from_bin: Vec<Package> = got
        .packages
        .iter()
        .filter(|p| p.found_in.as_deref() == Some("hello-bin"))
        .cloned()
        .collect();
    assert_eq!(set(&from_bin), truth);
    // go.mod of the same program: the replacement applied, go.sum skipped beside it.
    let gomod: Vec<Package> = got
        .packages
        .iter()
        .filter(|p| p.found_in.as_deref() == Some("hello/go.mod"))
        .cloned()
        .collect();
    assert_eq!(
        set(&gomod),
        [
            ("example.com/greet", "v1.0.0"),
            ("example.com/lib", "v1.1.0")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into()
    );
    assert!(
        !got.packages
            .iter()
            .any(|p| p.found_in.as_deref() == Some("hello/go.sum"))
    );
}

#[test]
fn debian_docker_registry_matches_go_version_m() {
    let bin = Path::new("/usr/bin/docker-registry");
    if !bin.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install docker-registry (apt-get install docker-registry)"
        );
        eprintln!("skipped: /usr/bin/docker-registry is not installed");
        return;
    }
    // Truth made at test time when the Go toolchain is present, else the committed output.
    let truth_file = lang_dir().join("golang/testdata/docker-registry.truth.txt");
    let live = std::process::Command::new("go")
        .args(["version", "-m", "/usr/bin/docker-registry"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let truth = match live {
        Some(o) => {
            let p = std::env::temp_dir().join(format!("bw-dr-{}.txt", std::process::id()));
            std::fs::write(&p, &o.stdout).unwrap();
            let t = go_version_m(&p);
            std::fs::remove_file(&p).ok();
            t
        }
        None => go_version_m(&truth_file),
    };
    let f = std::fs::File::open(bin).unwrap();
    let len = f.metadata().unwrap().len();
    let mut out = Output::default();
    lang::binary(
        "/usr/bin/docker-registry",
        &lang::elf::Source::File(&f, len),
        &mut out,
    );
    no_warnings(&out);
    assert_eq!(set(&out.packages), truth);
}

/// Layer index of each metadata file in the bookworm-app image, from `tar -t` of each layer blob.
fn layer_files() -> Vec<(usize, String)> {
    std::fs::read_to_string(lang_dir().join("testdata/bookworm-app/layer-files.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let (i, p) = l.split_once('\t').unwrap();
            (i.parse().unwrap(), p.to_string())
        })
        .collect()
}

fn check_bookworm_app(fs: &bulwark_source::ImageFs) {
    let catalog = bulwark_catalog::catalog(fs);
    let td = lang_dir().join("testdata/bookworm-app");
    let lang_pkgs: Vec<&Package> = catalog
        .packages
        .iter()
        .filter(|p| !p.package_type.is_os())
        .collect();
    let py: Vec<Package> = lang_pkgs
        .iter()
        .filter(|p| p.package_type == PackageType::Python)
        .map(|p| (*p).clone())
        .collect();
    let npm: Vec<Package> = lang_pkgs
        .iter()
        .filter(|p| p.package_type == PackageType::Npm)
        .map(|p| (*p).clone())
        .collect();
    let mut pip_truth = pip_list(&td.join("pip-usr-local.json"));
    pip_truth.extend(pip_list(&td.join("pip-debian.json")));
    assert_eq!(set(&py), pip_truth);
    assert_eq!(set(&npm), npm_ls(&td.join("npm-ls-app.json")));
    assert_eq!(lang_pkgs.len(), py.len() + npm.len(), "{lang_pkgs:#?}");
    let layers = layer_files();
    for p in &lang_pkgs {
        let f = p.found_in.as_deref().unwrap();
        let (idx, _) = layers
            .iter()
            .find(|(_, path)| path == f)
            .unwrap_or_else(|| panic!("{f}"));
        assert_eq!(p.layer.as_ref().map(|l| l.index), Some(*idx), "{f}");
    }
    // Debian's own pip, setuptools and wheel are reported and owned by dpkg packages; pip-installed ones not.
    let os: Vec<Package> = catalog
        .packages
        .iter()
        .filter(|p| p.package_type.is_os())
        .cloned()
        .collect();
    for p in &py {
        let owner = lang::os_owner(p, &os).map(|o| o.name.as_str());
        let debian = p
            .found_in
            .as_deref()
            .unwrap()
            .starts_with("/usr/lib/python3/");
        assert_eq!(owner.is_some(), debian, "{} owned by {owner:?}", p.name);
    }
    let pip = py.iter().find(|p| p.name == "pip").unwrap();
    assert_eq!(lang::os_owner(pip, &os).unwrap().name, "python3-pip");
}

#[test]
fn bookworm_app_oci_layout() {
    let dir = fixtures().join("images/oci-mini");
    let image = bulwark_source::Image::open_oci_dir(
        &dir,
        Some("bookworm-app"),
        &bulwark_source::PlatformSpec::default(),
    )
    .unwrap();
    let fs = image
        .read_fs(&bulwark_source::ReadOptions {
            wanted: &bulwark_catalog::wanted,
            ..bulwark_source::ReadOptions::default()
        })
        .unwrap();
    check_bookworm_app(&fs);
}

#[test]
fn bookworm_app_docker_archive() {
    let tar = fixtures().join("images/bookworm-app-mini.docker.tar");
    let image =
        bulwark_source::Image::open_archive(&tar, None, &bulwark_source::PlatformSpec::default())
            .unwrap();
    let fs = image
        .read_fs(&bulwark_source::ReadOptions {
            wanted: &bulwark_catalog::wanted,
            ..bulwark_source::ReadOptions::default()
        })
        .unwrap();
    check_bookworm_app(&fs);
}

#[test]
fn rust_cargo_lock_and_auditable_binary_match_cargo_metadata() {
    let td = lang_dir().join("rust/testdata");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(td.join("cargo-metadata.truth.json")).unwrap())
            .unwrap();
    let truth: Set = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let out = parse_file(&td.join("tiny/Cargo.lock"));
    no_warnings(&out);
    assert_eq!(set(&out.packages), truth);
    let itoa = out.packages.iter().find(|p| p.name == "itoa").unwrap();
    assert_eq!(itoa.direct, Some(true));
    assert_eq!(itoa.package_type.osv_ecosystem(), Some("crates.io"));
    // The cargo-auditable binary embeds the same graph (no build-only dependencies here).
    let out = parse_file(&td.join("tiny-auditable"));
    no_warnings(&out);
    assert_eq!(set(&out.packages), truth);
}

#[test]
fn java_archives_match_unzip() {
    let td = lang_dir().join("java/testdata");
    let truth: BTreeSet<(String, String, String)> = std::fs::read_to_string(td.join("truth.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect();
    let got = walk::scan_dir(&td, &walk::DirOptions::default()).unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let ours: BTreeSet<(String, String, String)> = got
        .packages
        .iter()
        .map(|p| {
            (
                p.found_in.clone().unwrap(),
                p.name.clone(),
                p.version.clone(),
            )
        })
        .collect();
    assert_eq!(ours, truth);
    let slf = got
        .packages
        .iter()
        .find(|p| p.name == "org.slf4j:jul-to-slf4j")
        .unwrap();
    assert_eq!(slf.purl, "pkg:maven/org.slf4j/jul-to-slf4j@1.7.32");
    // The same jars read from memory, as an image scan does.
    let out = parse_file(&td.join("app.ear"));
    assert_eq!(out.packages.len(), 3);
}

#[test]
fn ruby_gemspecs_match_rubygems() {
    let td = lang_dir().join("ruby/testdata");
    let got = walk::scan_dir(
        &td,
        &walk::DirOptions {
            skip_dirs: vec!["bundle".into()],
            ..walk::DirOptions::default()
        },
    )
    .unwrap();
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    let ours: BTreeSet<(String, String, String)> = got
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.licenses.join(",")))
        .collect();
    let truth: BTreeSet<(String, String, String)> =
        std::fs::read_to_string(td.join("gemspec.truth.tsv"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[1].to_string(), f[2].to_string(), f[3].to_string())
            })
            .collect();
    assert_eq!(ours, truth);
}

/// An image scan keeps executables under bin directories (by path), finds the Go build info and the
/// cargo-auditable data in them, and attributes them to the layer that wrote them.
#[test]
fn binaries_in_image_layers() {
    use std::sync::Arc;
    let td = lang_dir();
    let entry = |path: &str, file: &str| {
        assert!(bulwark_catalog::wanted(path), "{path}");
        let data = std::fs::read(td.join(file)).unwrap();
        bulwark_source::Entry {
            path: path.into(),
            kind: bulwark_source::NodeKind::File {
                size: data.len() as u64,
            },
            mode: 0o755,
            uid: 0,
            gid: 0,
            content: Some(Arc::from(data)),
        }
    };
    let layers = (0..2)
        .map(|i| bulwark_types::LayerRef {
            index: i,
            ..bulwark_types::LayerRef::default()
        })
        .collect();
    let l0 = bulwark_source::LayerContents {
        entries: vec![entry("usr/local/bin/hello", "golang/testdata/hello-bin")],
        ..bulwark_source::LayerContents::default()
    };
    let l1 = bulwark_source::LayerContents {
        entries: vec![entry("opt/tiny/bin/tiny", "rust/testdata/tiny-auditable")],
        ..bulwark_source::LayerContents::default()
    };
    let fs = bulwark_source::ImageFs::merge(layers, vec![l0, l1]);
    let mut diags = Vec::new();
    let pkgs = lang::catalog(&fs, &[], &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let layer_of = |name: &str| {
        pkgs.iter()
            .find(|p| p.name == name)
            .and_then(|p| p.layer.as_ref())
            .map(|l| l.index)
    };
    assert_eq!(layer_of("example.com/lib"), Some(0));
    assert_eq!(layer_of("stdlib"), Some(0));
    assert_eq!(layer_of("semver"), Some(1));
    assert!(
        pkgs.iter()
            .any(|p| p.found_in.as_deref() == Some("/usr/local/bin/hello"))
    );
}

#[test]
fn php_composer_lock_and_installed_match_composer_show() {
    let td = lang_dir().join("php/testdata");
    let show = |f: &str| -> Set {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(td.join(f)).unwrap()).unwrap();
        v["installed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["version"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let all = show("composer-show.truth.json");
    let prod = show("composer-show-no-dev.truth.json");
    for f in ["composer.lock", "vendor/composer/installed.json"] {
        let out = parse_file(&td.join(f));
        no_warnings(&out);
        assert_eq!(set(&out.packages), all, "{f}");
        let p: Vec<Package> = out.packages.iter().filter(|p| !p.dev).cloned().collect();
        assert_eq!(set(&p), prod, "{f}");
        let http = out.packages.iter().find(|p| p.name == "acme/http").unwrap();
        assert_eq!(http.purl, "pkg:composer/acme/http@2.0.1");
        assert_eq!(http.licenses, ["Apache-2.0"]);
    }
}

#[test]
fn ruby_gemfile_lock_matches_bundle_list() {
    let td = lang_dir().join("ruby/testdata/bundle");
    let truth: Set = std::fs::read_to_string(td.join("bundle-list.truth.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("* "))
        .map(|l| {
            let (n, v) = l.split_once(" (").unwrap();
            (n.to_string(), v.trim_end_matches(')').to_string())
        })
        .collect();
    let out = parse_file(&td.join("Gemfile.lock"));
    no_warnings(&out);
    assert_eq!(set(&out.packages), truth);
    assert!(out.packages.iter().all(|p| p.direct == Some(true)));
}
