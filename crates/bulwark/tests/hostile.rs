//! Hostile images: each gives a clear message naming the layer and the path, exit 2 when the inventory cannot
//! be trusted, and never a panic, a hang or a write outside the output.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::bulwark;
use common::oci::{debian_base, entry, file, gzip, layout, sha256, tar};

fn scan(dir: &std::path::Path) -> (Output, String) {
    let out_file = dir.join("out.json");
    let out = bulwark(&[
        "sbom",
        "-f",
        "json",
        "-o",
        out_file.to_str().unwrap(),
        dir.join("img").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out, stderr)
}

fn packages(dir: &std::path::Path) -> Vec<String> {
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn dot_dot_entries_are_refused_and_nothing_is_written_outside() {
    let t = tempfile::tempdir().unwrap();
    let marker = format!("bulwark-escape-{}", std::process::id());
    let escape = format!("../../../../../../../../tmp/{marker}");
    let mut entries = debian_base();
    entries.push(file(&escape, "pwned"));
    layout(&t.path().join("img"), &[gzip(&tar(&entries))], &[], &[]);
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("layer 0")
            && stderr.contains(&escape)
            && stderr.contains("escapes the image root"),
        "{stderr}"
    );
    assert!(!std::path::Path::new("/tmp").join(&marker).exists());
    // The report is still written, with the error in it.
    assert_eq!(packages(t.path()), vec!["bash"]);
}

#[test]
fn absolute_symlink_out_of_root_resolves_inside_the_image() {
    let t = tempfile::tempdir().unwrap();
    // A naive extractor would read the host's /etc/passwd as the dpkg database.
    let entries = vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        entry(
            "var/lib/dpkg/status",
            b'2',
            "/../../../../../../etc/passwd",
            b"",
        ),
    ];
    layout(&t.path().join("img"), &[gzip(&tar(&entries))], &[], &[]);
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("/var/lib/dpkg/status")
            && stderr.contains("outside the image root")
            && stderr.contains("layer 0"),
        "{stderr}"
    );
    assert!(packages(t.path()).is_empty());
}

#[test]
fn symlink_loop_is_reported() {
    let t = tempfile::tempdir().unwrap();
    let mut entries = debian_base();
    entries.remove(0);
    entries.push(entry("etc/os-release", b'2', "os-release.d/x", b""));
    entries.push(entry("etc/os-release.d", b'2', "../etc/os-release", b""));
    layout(&t.path().join("img"), &[gzip(&tar(&entries))], &[], &[]);
    let (out, stderr) = scan(t.path());
    assert!(out.status.code().is_some(), "no hang, no signal");
    assert!(
        stderr.contains("symlink loop")
            && stderr.contains("/etc/os-release")
            && stderr.contains("layer 0"),
        "{stderr}"
    );
}

#[test]
fn hard_link_to_missing_target() {
    let t = tempfile::tempdir().unwrap();
    let entries = vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        entry("var/lib/dpkg/status", b'1', "var/lib/dpkg/gone", b""),
    ];
    layout(&t.path().join("img"), &[gzip(&tar(&entries))], &[], &[]);
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("hard link to missing target '/var/lib/dpkg/gone'")
            && stderr.contains("/var/lib/dpkg/status"),
        "{stderr}"
    );
}

#[test]
fn truncated_gzip_stream() {
    let t = tempfile::tempdir().unwrap();
    let mut entries = debian_base();
    entries.push(file("usr/share/big", &"x".repeat(200_000)));
    let gz = gzip(&tar(&entries));
    let cut = gz[..gz.len() / 2].to_vec();
    layout(&t.path().join("img"), std::slice::from_ref(&cut), &[], &[]);
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("layer 0 ({})", sha256(&cut))),
        "{stderr}"
    );
    assert!(!t.path().join("out.json").exists(), "no half report");
}

#[test]
fn gzip_bomb_is_stopped_early() {
    // 64 MiB of zeros compress to ~64 KiB; gzip members concatenate, so 64 copies claim 4 GiB.
    let t = tempfile::tempdir().unwrap();
    let zeros = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut e, &vec![0u8; 64 << 20]).unwrap();
        e.finish().unwrap()
    };
    // Patch the header's size field to 4 GiB so tar reads the zeros as file content.
    let header = {
        let mut h = entry("huge", b'0', "", b"")[..512].to_vec();
        h[124..136].copy_from_slice(format!("{:011o}\0", 4u64 << 30).as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    };
    let mut blob = gzip(&header);
    for _ in 0..64 {
        blob.extend_from_slice(&zeros);
    }
    layout(&t.path().join("img"), &[blob], &[], &[]);
    let start = Instant::now();
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("decompression bomb") && stderr.contains("layer 0"),
        "{stderr}"
    );
    assert!(
        start.elapsed() < Duration::from_mins(1),
        "stopped early, not after 4 GiB"
    );
}

#[test]
fn manifest_references_missing_blob() {
    let t = tempfile::tempdir().unwrap();
    let l = gzip(&tar(&debian_base()));
    layout(&t.path().join("img"), std::slice::from_ref(&l), &[], &[0]);
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("references blob {}, which is missing", sha256(&l))),
        "{stderr}"
    );
}

#[test]
fn blob_with_wrong_digest_is_refused() {
    let t = tempfile::tempdir().unwrap();
    // An uncompressed layer whose content changed but still parses: only the digest can tell.
    let good = tar(&debian_base());
    let mut bad = good.clone();
    let n = bad.iter().position(|&b| b == b'b').unwrap();
    bad[n] = b'c';
    let dir = t.path().join("img");
    layout(&dir, std::slice::from_ref(&good), &[], &[]);
    std::fs::write(dir.join("blobs/sha256").join(&sha256(&good)[7..]), &bad).unwrap();
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("(layer 0)")
            && stderr.contains("digest mismatch")
            && stderr.contains(&sha256(&bad)),
        "{stderr}"
    );
}

#[test]
fn layered_whiteout_and_opaque_dir() {
    let t = tempfile::tempdir().unwrap();
    let l0 = tar(&[
        file("etc/os-release", "ID=alpine\nVERSION_ID=3.14.0\n"),
        file(
            "lib/apk/db/installed",
            "P:musl\nV:1.2.2-r3\nA:x86_64\no:musl\n\nP:zlib\nV:1.2.11-r3\nA:x86_64\no:zlib\n",
        ),
    ]);
    // Layer 1 deletes the database with a whiteout; layer 2 makes lib/apk/db opaque and writes a new one.
    let l1 = tar(&[entry("lib/apk/db/.wh.installed", b'0', "", b"")]);
    let l2 = tar(&[
        entry("lib/apk/db/.wh..wh..opq", b'0', "", b""),
        file(
            "lib/apk/db/installed",
            "P:zlib\nV:1.2.11-r3\nA:x86_64\no:zlib\n",
        ),
    ]);
    layout(
        &t.path().join("img"),
        &[gzip(&l0), gzip(&l1), gzip(&l2)],
        &[],
        &[],
    );
    let (out, stderr) = scan(t.path());
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("out.json")).unwrap()).unwrap();
    let pkgs = r["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 1);
    assert_eq!(pkgs[0]["name"], "zlib");
    // Deleted in layer 1 and re-added in layer 2: introduced by layer 2.
    assert_eq!(pkgs[0]["layer"]["index"], 2);
}

/// Regression: `-o` onto a special file (here a FIFO; `/dev/null` in real life) once renamed a temporary file
/// over it, replacing the device with a regular file. Special files are written in place.
#[test]
fn output_to_a_special_file_keeps_it_special() {
    use std::os::unix::fs::FileTypeExt;
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("out.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = bulwark(&[
        "sbom",
        "-q",
        "-f",
        "json",
        "-o",
        fifo.to_str().unwrap(),
        &common::image("alpine314-mini.docker.tar"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = reader.join().unwrap();
    assert!(got.starts_with(b"{"), "the report went through the FIFO");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "still a FIFO"
    );
}

/// A secret added in one layer and deleted in the next still ships in the image: it is reported with the layer
/// that holds it. The token is generated for this test (GitHub's `ghp_` format), never a real credential.
#[test]
fn secret_deleted_in_a_later_layer_is_reported() {
    let t = tempfile::tempdir().unwrap();
    let token = "ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G";
    let l0 = tar(&debian_base());
    let l1 = tar(&[file(
        "root/.config/gh/hosts.yml",
        &format!("github.com:\n  oauth_token: {token}\n"),
    )]);
    let l2 = tar(&[entry("root/.config/gh/.wh.hosts.yml", b'0', "", b"")]);
    layout(
        &t.path().join("img"),
        &[gzip(&l0), gzip(&l1), gzip(&l2)],
        &[],
        &[],
    );
    let o = bulwark(&[
        "scan",
        "image",
        "-q",
        "--no-vulns",
        "--skip-image-checks",
        "-f",
        "json",
        t.path().join("img").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains(token),
        "redacted by default"
    );
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = r["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["kind"], "secret");
    assert_eq!(f[0]["location"]["path"], "/root/.config/gh/hosts.yml");
    assert_eq!(f[0]["location"]["line"], 2);
    assert_eq!(f[0]["location"]["layer"]["index"], 1);
    assert_eq!(f[0]["properties"]["removedInLaterLayer"], true);
}
