//! Bad input: binary garbage, a 50 MB single-line file, invalid UTF-8, size limit. Bounded time, no panic.

use std::time::{Duration, Instant};

use bulwark_secrets::sample::Rng;
use bulwark_secrets::{Config, Scanner};

fn scanner() -> Scanner {
    Scanner::new(Config::default()).unwrap()
}

#[test]
fn binary_garbage_is_skipped() {
    let mut r = Rng::new(9);
    let mut data: Vec<u8> = (0..1 << 20).map(|_| r.next_u64() as u8).collect();
    data.extend_from_slice(b"\nGITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n");
    assert!(bulwark_secrets::is_binary(&data));
    assert!(scanner().scan("blob.bin", &data).is_empty());
}

#[test]
fn invalid_utf8_lines_are_scanned() {
    let mut data = b"caf\xe9 \xff\xfe\n".to_vec();
    data.extend_from_slice(
        b"\xc3\x28 token GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G \xa0\xa1\n",
    );
    let f = scanner().scan("latin1.conf", &data);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].id, "github-pat");
    assert_eq!(f[0].location.line, Some(2));
    assert_eq!(f[0].location.column, Some(23));
}

#[test]
fn oversized_file_is_skipped_with_a_diagnostic() {
    let cfg = Config {
        max_file_size: 1024,
        ..Config::default()
    };
    let s = Scanner::new(cfg).unwrap();
    let r = s.scan_with_diagnostics("big.txt", &vec![b'a'; 2048]);
    assert!(r.findings.is_empty());
    assert_eq!(r.diagnostics.len(), 1);
    assert!(
        r.diagnostics[0]
            .message
            .contains("over the 1024 byte limit")
    );
}

/// 50 MB on one line, dense with keywords of many rules, scanned with the size limit lifted.
#[test]
fn fifty_megabyte_single_line_is_bounded() {
    let unit = b"password=Zq9!xv token:eyJhbGciOiJIUzI1NiJ9 secret_ AKIA ghp_ sk_live_ xoxb- -----BEGIN RSA PRIVATE KEY----- postgres:// ";
    let mut data = Vec::with_capacity(50 << 20);
    while data.len() < 50 << 20 {
        data.extend_from_slice(unit);
    }
    data.extend_from_slice(b" ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G");
    let cfg = Config {
        max_file_size: 64 << 20,
        ..Config::default()
    };
    let s = Scanner::new(cfg).unwrap();
    let t = Instant::now();
    let r = s.scan_with_diagnostics("minified.js", &data);
    let took = t.elapsed();
    println!(
        "50 MB single line: {took:?}, {} findings, {} diagnostics",
        r.findings.len(),
        r.diagnostics.len()
    );
    assert!(took < Duration::from_mins(1), "took {took:?}");
    // Work per rule is capped, so the tail of the line may go unscanned; the diagnostic says so.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.message.contains("truncated"))
    );
    // The default limit skips it outright.
    assert!(
        scanner()
            .scan_with_diagnostics("minified.js", &data)
            .diagnostics[0]
            .message
            .contains("limit")
    );
}

#[test]
fn long_line_with_one_secret_is_found_with_column() {
    let mut data = vec![b'a'; 5 << 20];
    data.extend_from_slice(b" key=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G ");
    data.extend(std::iter::repeat_n(b'b', 1 << 20));
    let f = scanner().scan("bundle.js", &data);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].location.line, Some(1));
    assert_eq!(f[0].location.column, Some((5 << 20) + 6));
}

#[test]
fn redaction_show_secrets_inline_allow_and_test_paths() {
    let line = b"GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n";
    assert_eq!(
        scanner().scan("a.env", line)[0].evidence.as_deref(),
        Some("ghp_*****")
    );
    let shown = Scanner::new(Config {
        show_secrets: true,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(
        shown.scan("a.env", line)[0].evidence.as_deref(),
        Some("ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G")
    );
    assert!(
        scanner()
            .scan(
                "a.env",
                b"X=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G # bulwark:allow\n"
            )
            .is_empty()
    );
    assert!(scanner().scan("pkg/tests/data.env", line).is_empty());
    let no_default = Scanner::new(Config {
        default_allow_paths: false,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(no_default.scan("pkg/tests/data.env", line).len(), 1);
}

#[test]
fn yaml_config_custom_rules_allow_and_disable() {
    let cfg = Config::from_yaml(
        r"
disable_rules: [github-pat]
allow:
  paths: ['(^|/)docs/']
  values: ['^sk_live_0000']
rules:
  - id: acme-api-key
    title: ACME API key
    severity: critical
    keywords: [acme_]
    regex: '\b(acme_[a-z0-9]{32})\b'
    entropy: 3.0
",
    )
    .unwrap();
    let s = Scanner::new(cfg).unwrap();
    assert!(!s.rule_ids().any(|id| id == "github-pat"));
    let text = b"A=acme_k3j4h5g6f7d8s9a0p1o2i3u4y5t6r7e8\nB=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\nC=sk_live_0000a8Kd93jfLq0Zx7Yb2Nc4Vm6\n";
    let f = s.scan("app.env", text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, "acme-api-key");
    assert_eq!(f[0].severity, bulwark_types::Severity::Critical);
    assert!(s.scan("docs/app.env", text).is_empty());
    assert!(
        Config::from_yaml("rules: [{id: x, regex: '('}]").is_ok_and(|c| Scanner::new(c).is_err())
    );
    assert!(Config::from_yaml("bogus: 1").is_err());
}

/// As `scan fs` drives it: one walk, each file's size checked before its bytes are read.
#[test]
fn scanner_is_shareable_and_a_walk_reports_relative_paths() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Scanner>();
    let dir = std::env::temp_dir().join(format!("bulwark-secrets-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let line = b"GITHUB_TOKEN=ghp_a8Kd93jfLq0Zx7Yb2Nc4Vm6Pw1Rt5Su9Eh3G\n";
    std::fs::write(dir.join(".git/config"), line).unwrap();
    std::fs::write(dir.join("app/.env"), line).unwrap();
    std::fs::write(dir.join("app/big.log"), vec![b'x'; 2048]).unwrap();
    let s = Scanner::new(Config {
        max_file_size: 1024,
        ..Config::default()
    })
    .unwrap();
    let walked = bulwark_catalog::lang::walk::walk(
        &dir,
        &bulwark_catalog::lang::walk::DirOptions::default(),
        |e: &bulwark_catalog::lang::walk::FileEntry<'_>,
         out: &mut Vec<bulwark_secrets::FileScan>| {
            out.push(s.scan_sized(e.path(), e.size(), || e.bytes()));
        },
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let (cat, scans) = walked.unwrap();
    // big.log is over the limit: never read.
    assert_eq!(cat.files_loaded, 1);
    let (f, d): (Vec<_>, Vec<_>) = scans
        .into_iter()
        .flatten()
        .map(|r| (r.findings, r.diagnostics))
        .unzip();
    let (f, d) = (f.concat(), d.concat());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].location.path.as_deref(), Some("app/.env"));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].location.path.as_deref(), Some("app/big.log"));
}
