//! Red-team regressions for hostile image layers (`../shared/redteam/README.md`; the case numbers are theirs):
//! small inputs generated here, a deadline per run, assertions on what a user sees. CI runs this file under
//! `prlimit --as=1G`.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::oci::{entry, file, gzip, layout, tar};

/// Runs bulwark with a deadline; a run that is still going then is killed and fails the test.
fn run(args: &[&str], deadline: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    cmd.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    let out = common::output_within(cmd, deadline);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn sbom_json(img: &Path, deadline: Duration) -> (Output, serde_json::Value) {
    let out = run(
        &["sbom", "-f", "json", "-q", img.to_str().unwrap()],
        deadline,
    );
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}, stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, v)
}

const OS_RELEASE: &str = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

/// A dpkg status file of `n` packages.
fn status(n: usize) -> String {
    use std::fmt::Write as _;
    (0..n).fold(String::new(), |mut s, i| {
        let _ = write!(
            s,
            "Package: pkg{i}\nStatus: install ok installed\nVersion: 1.0-{i}\nArchitecture: amd64\nDescription: x\n\n"
        );
        s
    })
}

/// #2: one layer blob listed many times in the manifest. Each position used to keep its own copy of the
/// wanted files (and the dpkg cataloger parsed one snapshot per position): 300 x 4 MiB is over the 1 GiB
/// address-space cap CI runs this file under. Read once, shared, the positions cost nothing.
#[test]
fn a_blob_listed_many_times_is_read_once() {
    let t = tempfile::tempdir().unwrap();
    let n = 50_000;
    let s = status(n);
    assert!(s.len() > 4 << 20);
    let layer = gzip(&tar(&[
        file("etc/os-release", OS_RELEASE),
        file("var/lib/dpkg/status", &s),
    ]));
    let layers = vec![layer; 300];
    let img = t.path().join("img");
    layout(&img, &layers, &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_mins(1));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), n);
    // The first position brought every package in.
    assert!(pkgs.iter().all(|p| p["layer"]["index"] == 0), "{}", pkgs[0]);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
}

/// #2, the merge side: a blob repeated around another layer still applies at each position, in order. A
/// later copy of the base brings back the file the middle layer deleted.
#[test]
fn a_repeated_blob_applies_at_every_position() {
    let t = tempfile::tempdir().unwrap();
    let base = gzip(&tar(&[
        file("etc/os-release", OS_RELEASE),
        file(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b13\n",
        ),
    ]));
    let wipe = gzip(&tar(&[entry("var/lib/dpkg/.wh.status", b'0', "", b"")]));
    let img = t.path().join("img");
    layout(&img, &[base.clone(), wipe.clone(), base.clone()], &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0));
    let pkgs = v["packages"].as_array().unwrap();
    assert_eq!(pkgs.len(), 1, "{v:#}");
    assert_eq!(pkgs[0]["layer"]["index"], 2, "{}", pkgs[0]);

    let img2 = t.path().join("img2");
    layout(&img2, &[base.clone(), base, wipe], &[], &[]);
    let (out, v) = sbom_json(&img2, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(v["packages"].as_array().unwrap().len(), 0, "{v:#}");
}

/// An old-GNU sparse member (typeflag `S`): `data` is stored once, at the end of a file of `real` bytes;
/// a reader fills the hole before it with zeros. Layout per GNU tar's `struct oldgnu_header`.
fn gnu_sparse(name: &str, real: u64, data: &[u8]) -> Vec<u8> {
    let mut h = entry(name, b'S', "", data)[..512].to_vec();
    h[257..265].copy_from_slice(b"ustar  \0");
    let mut put =
        |at: usize, v: u64| h[at..at + 12].copy_from_slice(format!("{v:011o}\0").as_bytes());
    put(386, real - data.len() as u64); // sparse[0].offset
    put(398, data.len() as u64); // sparse[0].numbytes
    put(483, real); // realsize
    h[482] = 0; // isextended
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h;
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// #1: a 10 KiB uncompressed layer of wanted sparse files claiming 250 MiB each took 2.3 GB; the zeros the
/// tar reader fills in now count against the layer's expansion bounds, so the layer is refused as a bomb.
#[test]
fn sparse_members_count_against_the_bomb_limits() {
    let t = tempfile::tempdir().unwrap();
    let mut members = vec![file("etc/os-release", OS_RELEASE)];
    members.extend(
        (0..8).map(|i| gnu_sparse(&format!("var/lib/dpkg/info/p{i}.list"), 250 << 20, b"/x\n")),
    );
    let img = t.path().join("img");
    layout(&img, &[tar(&members)], &[], &[]);
    let start = Instant::now();
    let out = run(
        &[
            "sbom",
            "-f",
            "json",
            "-q",
            "-o",
            t.path().join("o.json").to_str().unwrap(),
            img.to_str().unwrap(),
        ],
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("layer 0") && err.contains("decompression bomb"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// #1 (`gen_cpu.py`): sparse files nobody wants were still expanded for the secret and malware visitors,
/// 32 MiB of zeros each from 1 KiB of gzip. Compressed layers refuse them the same way.
#[test]
fn sparse_members_in_a_gzip_layer_are_refused_before_they_are_visited() {
    let t = tempfile::tempdir().unwrap();
    let members: Vec<Vec<u8>> = (0..2000)
        .map(|i| gnu_sparse(&format!("data/f{i}"), 32 << 20, b"A"))
        .collect();
    let img = t.path().join("img");
    layout(&img, &[gzip(&tar(&members))], &[], &[]);
    let start = Instant::now();
    let out = run(
        &[
            "scan",
            "image",
            "--no-vulns",
            "-q",
            "-f",
            "json",
            "-o",
            t.path().join("o.json").to_str().unwrap(),
            img.to_str().unwrap(),
        ],
        Duration::from_secs(30),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("layer 0") && err.contains("decompression bomb"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// #1, the per-file cap: one wanted sparse file under the layer's bomb floor is listed but never read into
/// memory (it would be 200 MiB of zeros from 512 stored bytes); a warning names it, the scan goes on.
#[test]
fn a_wanted_sparse_file_is_not_read() {
    let t = tempfile::tempdir().unwrap();
    let img = t.path().join("img");
    let members = [
        file("etc/os-release", OS_RELEASE),
        file(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b13\n",
        ),
        gnu_sparse("var/lib/dpkg/info/bash.list", 200 << 20, b"/bin/bash\n"),
    ];
    layout(&img, &[tar(&members)], &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["packages"].as_array().unwrap().len(), 1, "{v:#}");
    let diags = v["diagnostics"].to_string();
    assert!(
        diags.contains("sparse file") && diags.contains("/var/lib/dpkg/info/bash.list"),
        "{diags}"
    );
}

/// A small sparse file (a few holes, as `cp --sparse` makes) is still read, holes as zeros.
#[test]
fn a_small_sparse_file_is_read() {
    let t = tempfile::tempdir().unwrap();
    let img = t.path().join("img");
    let members = [
        file("etc/os-release", OS_RELEASE),
        gnu_sparse("var/lib/dpkg/info/bash.list", 64 << 10, b"/bin/bash\n"),
    ];
    layout(&img, &[tar(&members)], &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
}

/// A PAX extended header (typeflag `x`) with one record, then the member it describes.
fn pax_member(key: &str, value: &[u8], member: Vec<u8>) -> Vec<u8> {
    let body_len = key.len() + value.len() + 3; // ' ', '=', '\n'
    let mut len = body_len + 1;
    while len != body_len + len.to_string().len() {
        len = body_len + len.to_string().len();
    }
    let mut rec = format!("{len} {key}=").into_bytes();
    rec.extend_from_slice(value);
    rec.push(b'\n');
    assert_eq!(rec.len(), len);
    let mut out = entry("PaxHeader/x", b'x', "", &rec);
    out.extend(member);
    out
}

/// Runs `sbom` on a one-layer image; its exit code and stderr.
fn sbom_err(img: &Path, deadline: Duration) -> (Option<i32>, String) {
    let out = run(
        &[
            "sbom",
            "-f",
            "json",
            "-q",
            "-o",
            "/dev/null",
            img.to_str().unwrap(),
        ],
        deadline,
    );
    (out.status.code(), stderr(&out))
}

/// #15: a 200 MiB PAX `path` (200 KiB of gzip) was copied four or five times, 1.07 GB; after a cap on the
/// parsed header, still 527 MB, as the tar crate buffered the whole body before we saw it. Extension
/// headers are now measured from the 512-byte header as it streams past: the layer fails at once, naming
/// the layer and the member, whether it is compressed (streamed) or not (read by seeking).
#[test]
fn huge_pax_header_fails_the_layer_from_its_header() {
    let t = tempfile::tempdir().unwrap();
    // 64 MiB: under the 1 GiB address-space cap CI runs this file under, it would fit in memory, so only
    // the error, its speed and its words tell the check ran from the header.
    let members = [
        file("etc/os-release", OS_RELEASE),
        pax_member("path", &vec![b'a'; 64 << 20], file("x", "hello")),
    ];
    let tar_bytes = tar(&members);
    for (name, blob) in [("gz", gzip(&tar_bytes)), ("plain", tar_bytes.clone())] {
        let img = t.path().join(name);
        layout(&img, &[blob], &[], &[]);
        let start = Instant::now();
        let (code, err) = sbom_err(&img, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("layer 0")
                && err.contains("tar member 2 ('PaxHeader/x', header at byte 1024)")
                // The record: "67108879 path=" (14 bytes), 64 MiB of 'a', "\n".
                && err.contains(&format!("PAX extended header of {} bytes", (64 << 20) + 15))
                && err.contains("1048576 byte limit")
                && err.len() < 600,
            "{err}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{name}: {:?}",
            start.elapsed()
        );
    }
}

/// #15, GNU long names (`L`) and long link names (`K`) are bounded the same way (64 KiB and the NUL).
#[test]
fn huge_gnu_long_names_fail_the_layer_from_their_header() {
    let t = tempfile::tempdir().unwrap();
    for (flag, what) in [(b'L', "GNU long name"), (b'K', "GNU long link name")] {
        let mut long = entry("././@LongLink", flag, "", &vec![b'n'; 32 << 20]);
        long.extend(entry("x", b'2', "y", b""));
        let img = t.path().join(format!("img{flag}"));
        layout(
            &img,
            &[gzip(&tar(&[file("etc/os-release", OS_RELEASE), long]))],
            &[],
            &[],
        );
        let (code, err) = sbom_err(&img, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("layer 0")
                && err.contains("'././@LongLink'")
                && err.contains(&format!("{what} of {} bytes", 32 << 20))
                && err.contains("65537 byte limit"),
            "{err}"
        );
    }
}

/// The header walker follows GNU sparse extension blocks: an oversized PAX header after a sparse member
/// with three of them is found where the tar reader would read it.
#[test]
fn huge_pax_header_after_a_sparse_member_is_found() {
    let t = tempfile::tempdir().unwrap();
    let mut sparse = gnu_sparse("var/tmp/s", 64 << 10, b"data");
    sparse[482] = 1; // isextended: three extension blocks follow the header
    sparse[148..156].copy_from_slice(b"        ");
    let sum: u32 = sparse[..512].iter().map(|&b| u32::from(b)).sum();
    sparse[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let body = sparse.split_off(512);
    for i in 0..3u8 {
        let mut ext = vec![0u8; 512];
        ext[504] = u8::from(i < 2);
        sparse.extend(ext);
    }
    sparse.extend(body);
    let members = [
        file("etc/os-release", OS_RELEASE),
        sparse,
        pax_member("path", &vec![b'a'; 4 << 20], file("x", "hello")),
    ];
    let img = t.path().join("img");
    layout(&img, &[gzip(&tar(&members))], &[], &[]);
    let (code, err) = sbom_err(&img, Duration::from_secs(30));
    assert_eq!(code, Some(2), "{err}");
    // os-release: 512 + 512; the sparse member: header, three extension blocks, 512 of data.
    assert!(
        err.contains("tar member 3 ('PaxHeader/x', header at byte 3584)")
            && err.contains("PAX extended header"),
        "{err}"
    );
}

/// PAX and GNU long names under the caps are still read: a 2 KiB PAX path, a 4 KiB GNU long name.
#[test]
fn long_names_under_the_caps_are_read() {
    let t = tempfile::tempdir().unwrap();
    let mut long = entry(
        "././@LongLink",
        b'L',
        "",
        format!("{}x\0", "d/".repeat(2000)).as_bytes(),
    );
    long.extend(file("placeholder", "x"));
    let members = [
        file("etc/os-release", OS_RELEASE),
        long,
        pax_member(
            "path",
            format!("var/lib/dpkg/{}status", "d/../".repeat(400)).as_bytes(),
            file(
                "placeholder",
                "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b13\n",
            ),
        ),
    ];
    let img = t.path().join("img");
    layout(&img, &[gzip(&tar(&members))], &[], &[]);
    let (out, v) = sbom_json(&img, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(v["packages"].as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
}

/// #6: resolving a symlink re-joined the whole path after every component, O(K²) per link, and every
/// symlink is resolved once to look for loops: 30 links of 30,000 components ran past a minute. Now linear;
/// the chroot semantics hold: `..` above the root stays at the root, and a long relative detour still lands.
#[test]
fn long_symlink_targets_resolve_in_linear_time() {
    let t = tempfile::tempdir().unwrap();
    let img = t.path().join("img");
    let long = vec!["d"; 30_000].join("/");
    // The ustar link field holds 100 bytes: long targets go through PAX `linkpath`.
    let detour = format!("../../../{}usr/lib/os-release", "x/../".repeat(5000));
    let mut members = vec![
        file("usr/lib/os-release", OS_RELEASE),
        pax_member(
            "linkpath",
            detour.as_bytes(),
            entry("etc/os-release", b'2', "", b""),
        ),
    ];
    for i in 0..30 {
        members.push(pax_member(
            "linkpath",
            long.as_bytes(),
            entry(&format!("l{i}"), b'2', "", b""),
        ));
    }
    layout(&img, &[gzip(&tar(&members))], &[], &[]);
    let start = Instant::now();
    let (out, v) = sbom_json(&img, Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(v["os"]["id"], "debian", "{v:#}");
    // Only the escape is worth a word; the 30 links resolve (to nothing) without a loop.
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("outside the image root")
            && diags[0]["location"]["path"] == "/etc/os-release",
        "{diags:?}"
    );
}

/// #3: an `rpmdb.sqlite` whose `Packages.blob` is a generated column (`zeroblob(900000000)`, a few KiB on
/// disk) is refused before any row is read, instead of materialising 900 MB per row.
#[test]
fn case3_rpmdb_generated_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rpmdb.sqlite");
    let ok = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.execute('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x INTEGER, blob BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL)'); \
             c.executemany('INSERT INTO Packages (hnum, x) VALUES (?, ?)', [(i, i) for i in range(1, 9)]); c.commit()",
        )
        .arg(&db)
        .status()
        .unwrap()
        .success();
    assert!(ok, "python3 sqlite3");
    let bytes = std::fs::read(&db).unwrap();
    let layer = tar(&[
        file("etc/os-release", "ID=rocky\nVERSION_ID=\"9.3\"\n"),
        entry("var/lib/rpm/rpmdb.sqlite", b'0', "", &bytes),
    ]);
    let img = dir.path().join("img");
    layout(&img, &[gzip(&layer)], &[], &[]);
    let start = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["sbom", "-f", "json"])
        .arg(&img)
        .output()
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(30));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let msgs: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("generated")), "{msgs:?}");
}
