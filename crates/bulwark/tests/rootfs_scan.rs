//! `bulwark scan rootfs` on root filesystems unpacked here from the shared fixture images with `tar` (layers
//! applied in order, whiteouts honoured): it finds exactly the packages the image scan finds, the OS packages
//! equal what dpkg and apk report (truth files), language files left on disk until they are parsed give the
//! same packages as files read up front, and the progress line only ever reaches a terminal.

mod common;

use std::path::Path;
use std::process::Command;

use common::{bulwark, diff, fixtures, image, inventory, truth};

/// Unpacks a docker-archive's layers into `dest` as a container runtime would: in order, each layer's
/// whiteouts (`.wh.name`) and opaque markers (`.wh..wh..opq`) first removing what lower layers wrote.
fn unpack(archive: &Path, dest: &Path) {
    let t = tempfile::tempdir().unwrap();
    run(Command::new("tar")
        .arg("-xf")
        .arg(archive)
        .arg("-C")
        .arg(t.path()));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("manifest.json")).unwrap()).unwrap();
    for layer in manifest[0]["Layers"].as_array().unwrap() {
        let layer = t.path().join(layer.as_str().unwrap());
        let list = run(Command::new("tar").arg("-tf").arg(&layer));
        let mut markers = Vec::new();
        for name in String::from_utf8(list).unwrap().lines() {
            let name = name.trim_start_matches("./").trim_end_matches('/');
            let (dir, base) = name.rsplit_once('/').unwrap_or(("", name));
            let Some(hidden) = base.strip_prefix(".wh.") else {
                continue;
            };
            let dir = dest.join(dir);
            if hidden == ".wh..opq" {
                for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    remove(&e.path());
                }
            } else {
                remove(&dir.join(hidden));
            }
            markers.push(dest.join(name));
        }
        run(Command::new("tar")
            .arg("-xf")
            .arg(&layer)
            .arg("-C")
            .arg(dest));
        for m in markers {
            remove(&m);
        }
    }
}

fn remove(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).unwrap(),
        Ok(_) => std::fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

fn run(c: &mut Command) -> Vec<u8> {
    let o = c.output().expect("run tar");
    assert!(
        o.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Runs bulwark, checks it exited 0 with no escape codes on stderr (not a terminal here), parses the report.
fn report(args: &[&str]) -> serde_json::Value {
    let o = bulwark(args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "bulwark {args:?}: {stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "escape codes off a terminal: {stderr:?}"
    );
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

/// Every package field except the layer attribution (a root filesystem has no layers), one JSON line each,
/// sorted.
fn packages(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let mut p = p.clone();
            let o = p.as_object_mut().unwrap();
            o.remove("layer");
            o.remove("lastChangedLayer");
            p.to_string()
        })
        .collect();
    v.sort();
    v
}

fn scan_rootfs(dir: &Path) -> serde_json::Value {
    report(&[
        "scan",
        "rootfs",
        "--no-vulns",
        "-f",
        "json",
        dir.to_str().unwrap(),
    ])
}

fn same(expected: &[String], actual: &[String], what: &str) {
    assert!(
        expected == actual,
        "{what}: {} vs {} packages\n{}",
        expected.len(),
        actual.len(),
        diff(expected, actual)
    );
}

#[test]
fn unpacked_images_give_the_packages_of_the_image_scan() {
    for (name, truth_file, min) in [
        (
            "bookworm-app-mini.docker.tar",
            "bookworm-app-mini.docker.tsv",
            140,
        ),
        ("alpine314.docker.tar", "alpine314.docker.tsv", 20),
    ] {
        let t = tempfile::tempdir().unwrap();
        unpack(&fixtures().join("images").join(name), t.path());
        let rootfs = scan_rootfs(t.path());
        let image = report(&["sbom", "-q", "-f", "json", &image(name)]);
        let expected = packages(&image);
        assert!(expected.len() >= min, "{name}: {} packages", expected.len());
        same(&expected, &packages(&rootfs), name);
        // The OS packages are what dpkg-query / apk report for the same image (tests/truth/generate.sh).
        let want = truth(truth_file);
        same(&want, &inventory(&rootfs), truth_file);
        assert_eq!(rootfs["os"], image["os"]);
        assert_eq!(rootfs["diagnostics"], image["diagnostics"], "{name}");
    }
}

/// Binaries and archives of a root filesystem stay on disk until the language catalogers read them
/// (`scan rootfs`); `sbom dir:` reads the same files into memory while it walks. Both find the same packages,
/// and those are what the real tools say is in the files (`go version -m`, `unzip -l`: testdata truth).
#[test]
fn files_read_from_disk_late_give_the_packages_of_files_read_up_front() {
    let t = tempfile::tempdir().unwrap();
    unpack(image("bookworm-app-mini.docker.tar").as_ref(), t.path());
    let lang = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-catalog/src/lang");
    let place = |from: &str, to: &str| {
        let to = t.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(lang.join(from), to).unwrap();
    };
    place("golang/testdata/hello-bin", "usr/local/bin/hello");
    place("rust/testdata/tiny-auditable", "opt/tiny/bin/tiny");
    place("java/testdata/app.ear", "srv/app/app.ear");
    place(
        "java/testdata/aopalliance-1.0.jar",
        "usr/share/java/aopalliance-1.0.jar",
    );
    // os-release reached only through a symlink, which resolves inside the root.
    std::fs::remove_file(t.path().join("etc/os-release")).unwrap();
    std::fs::create_dir_all(t.path().join("opt/release")).unwrap();
    std::fs::rename(
        t.path().join("usr/lib/os-release"),
        t.path().join("opt/release/os-release"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/opt/release/os-release", t.path().join("etc/os-release")).unwrap();
    // A large file under a bin directory that is not ELF: only its first bytes are read.
    std::fs::write(t.path().join("usr/local/bin/data"), vec![b'x'; 3 << 20]).unwrap();
    let late = scan_rootfs(t.path());
    let dir = t.path().to_str().unwrap();
    let early = report(&["sbom", "-q", "-f", "json", &format!("dir:{dir}")]);
    same(
        &packages(&early),
        &packages(&late),
        "sbom dir: vs scan rootfs",
    );
    assert_eq!(late["diagnostics"], early["diagnostics"]);
    assert_eq!(late["os"]["id"], "debian");
    assert_eq!(late["os"]["versionId"], "12");

    let found = |ty: &str| -> Vec<(String, String, String)> {
        let mut v: Vec<_> = late["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["type"] == ty)
            .map(|p| {
                (
                    p["foundIn"].as_str().unwrap().to_string(),
                    p["name"].as_str().unwrap().to_string(),
                    p["version"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    // java/testdata/truth.tsv: `unzip` listings and the pom.properties inside.
    let mut java: Vec<(String, String, String)> =
        std::fs::read_to_string(lang.join("java/testdata/truth.tsv"))
            .unwrap()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let at = if f[0].starts_with("app.ear") {
                    "/srv/app/"
                } else if f[0] == "aopalliance-1.0.jar" {
                    "/usr/share/java/"
                } else {
                    return None;
                };
                Some((format!("{at}{}", f[0]), f[1].to_string(), f[2].to_string()))
            })
            .collect();
    java.sort();
    assert_eq!(found("maven"), java);
    // golang/testdata/hello-bin.truth.txt (`go version -m`): example.com/lib v1.0.0 replaced by v1.1.0.
    let go = found("go");
    assert!(
        go.contains(&(
            "/usr/local/bin/hello".to_string(),
            "example.com/lib".to_string(),
            "v1.1.0".to_string()
        )),
        "{go:?}"
    );
    // rust/testdata/cargo-metadata.truth.json: the crates cargo-auditable embedded.
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lang.join("rust/testdata/cargo-metadata.truth.json")).unwrap(),
    )
    .unwrap();
    let mut crates: Vec<(String, String, String)> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                "/opt/tiny/bin/tiny".to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    crates.sort();
    assert_eq!(found("cargo"), crates);
}

/// On a terminal the walk draws a progress line on stderr and clears it; `-q` draws nothing. (`script` gives
/// the command a pseudo-terminal; util-linux.)
#[test]
fn progress_line_only_on_a_terminal() {
    let t = tempfile::tempdir().unwrap();
    unpack(image("alpine314-mini.docker.tar").as_ref(), t.path());
    let out = t.path().join("report.json");
    let run_tty = |quiet: bool| {
        let cmd = format!(
            "{} scan rootfs --no-vulns -f json -o {} {} {}",
            env!("CARGO_BIN_EXE_bulwark"),
            out.display(),
            if quiet { "-q" } else { "" },
            t.path().display()
        );
        let o = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .expect("script (util-linux)");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let tty = run_tty(false);
    assert!(tty.contains("\r\x1b[2Kscanning "), "{tty:?}");
    assert!(tty.contains(" entries, "), "{tty:?}");
    assert!(
        tty.ends_with("\r\x1b[2K"),
        "the line is cleared at the end: {tty:?}"
    );
    assert!(!run_tty(true).contains('\x1b'));
    // Off a terminal (stderr is a pipe here): no escape codes, and the same report.
    let piped = report(&[
        "scan",
        "rootfs",
        "--no-vulns",
        "-f",
        "json",
        t.path().to_str().unwrap(),
    ]);
    let on_tty: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(packages(&piped), packages(&on_tty));
    assert!(!packages(&piped).is_empty());
}
