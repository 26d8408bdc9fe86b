//! The seed scenario of issue #12, from the user's side: a security team's policy repository (a real git
//! repository made here) says no container runs as root, no AWS credentials in the image, no GPL-3.0 package,
//! and only /web/html may be written. The image breaks all four; an exception with an expiry makes it pass;
//! past the expiry it fails again; every verdict names the commit.

use std::path::Path;
use std::process::Command;

use bulwark_policy::{
    Bundle, Decision, ImageFacts, ImageFile, Instant, LoadOptions, Outcome, Stage, Subject,
};
use bulwark_report::{ImageMetadata, Report, Target, TargetKind};
use bulwark_types::{Finding, FindingKind, Location, Package, PackageType, Severity};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Security Team")
        .env("GIT_AUTHOR_EMAIL", "sec@example.com")
        .env("GIT_COMMITTER_NAME", "Security Team")
        .env("GIT_COMMITTER_EMAIL", "sec@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const MANIFEST: &str = "name: web-security\nversion: 1.0.0\n";

const RULES: &str = r#"apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: web
rules:
  - id: no-root-user
    description: No container runs as root.
    stages: {build: fail, release: fail, deploy: fail}
    image:
      nonRootUser: true
  - id: no-aws-credentials
    description: No AWS credentials in the image.
    stages: {build: fail, release: fail}
    secrets:
      ids: ["aws-*"]
  - id: no-gpl3
    description: No GPL-3.0 package.
    stages: {build: fail, release: fail}
    licenses:
      deny: [GPL-3.0-or-later]
  - id: only-web-html-writable
    description: Only /web/html may be written by the application layers.
    stages: {build: fail, release: fail}
    files:
      allowedPaths: [/web/html]
      baseLayers: 1
"#;

const EXCEPTION: &str = r"apiVersion: policy.bulwark.dev/v1
kind: Exceptions
exceptions:
  - id: SEC-42-shop-migration
    image: registry.example.com/web/shop:1.4
    rules: [no-root-user, no-aws-credentials, no-gpl3, only-web-html-writable]
    expires: 2026-12-31
    owner: team-shop
    ticket: SEC-42
    reason: legacy image, replaced by the rewrite before the end of the year
";

fn report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/web/shop:1.4".into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(
                "sha256:1111111111111111111111111111111111111111111111111111111111111111".into(),
            ),
            created: Some("2026-11-01T00:00:00Z".into()),
            config: serde_json::json!({"User": "root", "Labels": {"team": "shop"}}),
            ..ImageMetadata::default()
        }),
    });
    r.created_at = "2026-12-01T00:00:00Z".into();
    let mut readline = Package::new(PackageType::Dpkg, "shop-cli", "2.1-1");
    readline.purl = "pkg:deb/debian/shop-cli@2.1-1".into();
    readline.licenses = vec!["GPL-3.0-only".into()];
    readline.found_in = Some("/var/lib/dpkg/status".into());
    let mut zlib = Package::new(PackageType::Dpkg, "zlib1g", "1:1.2.13.dfsg-1");
    zlib.purl = "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1".into();
    zlib.licenses = vec!["Zlib".into()];
    r.packages = vec![readline, zlib];
    r.findings.push(Finding {
        kind: FindingKind::Secret,
        id: "aws-access-key-id".into(),
        name: Some("aws-access-key-id".into()),
        severity: Severity::Critical,
        title: "AWS access key ID".into(),
        message: "AWS access key ID found in /app/settings.py".into(),
        location: Location::file("/app/settings.py").with_line(3, Some(20)),
        evidence: Some("AKIA****************".into()),
        references: vec![],
        properties: std::collections::BTreeMap::default(),
        shared_properties: None,
    });
    // A secret the rule does not select.
    r.findings.push(Finding {
        kind: FindingKind::Secret,
        id: "github-pat".into(),
        name: None,
        severity: Severity::Critical,
        title: "GitHub token".into(),
        message: "".into(),
        location: Location::file("/app/.env"),
        evidence: None,
        references: vec![],
        properties: std::collections::BTreeMap::default(),
        shared_properties: None,
    });
    r
}

fn facts() -> ImageFacts {
    ImageFacts {
        files: Some(vec![
            ImageFile {
                path: "/etc/passwd".into(),
                layer: 0,
            },
            ImageFile {
                path: "/web/html/index.html".into(),
                layer: 1,
            },
            ImageFile {
                path: "/usr/local/bin/helper".into(),
                layer: 1,
            },
            ImageFile {
                path: "/app/settings.py".into(),
                layer: 2,
            },
        ]),
        ..ImageFacts::default()
    }
}

#[test]
fn seed_scenario_from_a_git_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("policies");
    std::fs::create_dir_all(repo.join("rules")).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(repo.join("bundle.yaml"), MANIFEST).unwrap();
    std::fs::write(repo.join("rules/web.yaml"), RULES).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "baseline"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);

    let opts = LoadOptions::new(tmp.path().join("cache"));
    let source = format!("git+file://{}@main", repo.display());
    let report = report();
    let facts = facts();
    let subject = Subject {
        report: Some(&report),
        image: Some(&facts),
        ..Subject::default()
    };
    let dec = Instant::parse("2026-12-01T12:00:00Z").unwrap();

    // 2. Fails with exactly the four reasons.
    let bundle = Bundle::load(&source, &opts).unwrap();
    assert!(bundle.warnings.is_empty(), "{:?}", bundle.warnings);
    assert_eq!(bundle.info.name, "web-security");
    assert_eq!(bundle.info.version.as_deref(), Some("1.0.0"));
    assert_eq!(bundle.info.commit.as_deref(), Some(first.as_str()));
    let v = bulwark_policy::evaluate(&bundle, &subject, Stage::Build, dec);
    assert_eq!(v.decision, Decision::Fail);
    let failed: Vec<(&str, Vec<String>)> = v
        .failures()
        .map(|r| {
            (
                r.rule.as_str(),
                r.hits.iter().map(|h| h.message.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            ("no-aws-credentials", vec!["AWS access key ID found in /app/settings.py".to_string()]),
            (
                "no-gpl3",
                // bulwark-license's own words for its BW-LIC-0001 finding.
                vec!["shop-cli 2.1-1 (dpkg) is licensed under GPL-3.0-only; denied: GPL-3.0-only (strong-copyleft, denied by GPL-3.0-or-later)".to_string()]
            ),
            ("no-root-user", vec!["the image runs as root (User \"root\")".to_string()]),
            (
                "only-web-html-writable",
                // Hits are sorted (by finding id, package, purl, then path).
                vec![
                    "layer 2 writes /app/settings.py, outside /web/html".to_string(),
                    "layer 1 writes /usr/local/bin/helper, outside /web/html".to_string(),
                ]
            ),
        ]
    );
    let gpl = &v.results.iter().find(|r| r.rule == "no-gpl3").unwrap().hits;
    assert_eq!(gpl.len(), 1);
    assert_eq!(gpl[0].package.as_deref(), Some("shop-cli"));
    assert_eq!(
        gpl[0].purl.as_deref(),
        Some("pkg:deb/debian/shop-cli@2.1-1")
    );
    let secret = &v
        .results
        .iter()
        .find(|r| r.rule == "no-aws-credentials")
        .unwrap()
        .hits[0];
    assert_eq!(secret.finding_id.as_deref(), Some("aws-access-key-id"));
    assert_eq!(secret.path.as_deref(), Some("/app/settings.py"));
    assert_eq!(v.bundle.commit.as_deref(), Some(first.as_str()));
    assert!(v.exceptions.applied.is_empty() && v.exceptions.expired.is_empty());

    // 3. The team commits an exception with an expiry: the scan passes.
    std::fs::write(repo.join("exceptions.yaml"), EXCEPTION).unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "commit",
            "--quiet",
            "-m",
            "SEC-42: accept until the end of the year",
        ],
    );
    let second = git(&repo, &["rev-parse", "HEAD"]);
    assert_ne!(first, second);
    let bundle = Bundle::load(&source, &opts).unwrap();
    assert_eq!(bundle.info.commit.as_deref(), Some(second.as_str()));
    let v = bulwark_policy::evaluate(&bundle, &subject, Stage::Build, dec);
    assert_eq!(v.decision, Decision::Pass, "{}", v.to_json());
    assert!(v.results.iter().all(|r| r.outcome == Outcome::Pass));
    assert_eq!(v.exceptions.applied.len(), 1);
    let applied = &v.exceptions.applied[0];
    assert_eq!(applied.id, "SEC-42-shop-migration");
    assert_eq!(applied.matched, 5);
    assert_eq!(applied.owner, "team-shop");
    assert_eq!(applied.ticket.as_deref(), Some("SEC-42"));
    assert_eq!(applied.source, "exceptions.yaml:4");
    assert_eq!(v.bundle.commit.as_deref(), Some(second.as_str()));
    // Still valid on the last day.
    let last = Instant::parse("2026-12-31T23:59:59Z").unwrap();
    assert_eq!(
        bulwark_policy::evaluate(&bundle, &subject, Stage::Build, last).decision,
        Decision::Pass
    );

    // 4. Past the expiry: fails again, with the same reasons, and the exception is reported as expired.
    let after = Instant::parse("2027-01-01T00:00:00Z").unwrap();
    let v2 = bulwark_policy::evaluate(&bundle, &subject, Stage::Build, after);
    assert_eq!(v2.decision, Decision::Fail);
    let rules: Vec<&str> = v2.failures().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "no-aws-credentials",
            "no-gpl3",
            "no-root-user",
            "only-web-html-writable"
        ]
    );
    assert!(v2.exceptions.applied.is_empty());
    assert_eq!(v2.exceptions.expired.len(), 1);
    assert_eq!(
        v2.exceptions.expired[0].expires.as_deref(),
        Some("2026-12-31")
    );
    assert_eq!(v2.exceptions.expired[0].matched, 5);
    assert_eq!(v2.bundle.commit.as_deref(), Some(second.as_str()));

    // The first commit is still reachable by its id, from the cache keyed by commit.
    let pinned = Bundle::load(&format!("git+file://{}@{first}", repo.display()), &opts);
    match pinned {
        Ok(b) => assert_eq!(b.info.commit.as_deref(), Some(first.as_str())),
        Err(e) => panic!("{e}"),
    }
    assert!(
        tmp.path()
            .join("cache/git")
            .join(&first)
            .join("rules/web.yaml")
            .is_file()
    );
    assert!(
        tmp.path()
            .join("cache/git")
            .join(&second)
            .join("exceptions.yaml")
            .is_file()
    );
}

#[test]
fn a_missing_ref_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("p");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(repo.join("bundle.yaml"), MANIFEST).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "x"]);
    let opts = LoadOptions::new(tmp.path().join("cache"));
    let err = Bundle::load(
        &format!("git+file://{}@no-such-branch", repo.display()),
        &opts,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("git: `git fetch"), "{text}");
    assert!(text.contains("no-such-branch"), "{text}");
    // Nothing half-made is left in the cache.
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("cache/git"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
