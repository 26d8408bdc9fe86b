//! Bundle loading from the user's side: directories and `.tar.gz` made by the real `tar`, the digest against
//! `sha256sum`, hostile archives, `file:line` errors naming the policy, unknown fields as warnings, documents
//! handed to engines.

use std::path::Path;
use std::process::Command;

use bulwark_policy::{
    Action, Bundle, BundleError, Decision, Engine, EngineError, EngineOutput, Hit, Instant, Limits,
    LoadOptions, Outcome, RawDocument, RuleResult, Stage, Subject,
};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, text) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn sh(dir: &Path, script: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const SET: &str = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata:\n  name: base\nrules:\n  - id: no-critical\n    stages: {build: fail}\n    vulnerabilities:\n      minSeverity: CRITICAL\n";

const VAP: &str = r#"# An admission policy for the CEL engine.
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-limit
spec:
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-limit-binding
spec:
  policyName: replicas-limit
  validationActions: [Deny]
"#;

const REGO: &str =
    "package main\n\ndeny contains msg if {\n  input.kind == \"Pod\"\n  msg := \"no pods\"\n}\n";

#[test]
fn digest_is_sha256_of_the_sha256sum_listing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b");
    write(
        &dir,
        &[
            ("rules/base.yaml", SET),
            ("admission/vap.yaml", VAP),
            ("rego/pods.rego", REGO),
            ("README.md", "# team policies\n"),
        ],
    );
    // The same listing, made by coreutils.
    let expected = sh(
        &dir,
        "find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1",
    );
    let b = Bundle::from_dir(&dir, &Limits::default()).unwrap();
    assert_eq!(b.info.digest, format!("sha256:{expected}"));
    assert_eq!(b.info.name, "b");

    // The same files in a .tar.gz made by GNU tar give the same digest.
    sh(&dir, "tar czf ../bundle.tar.gz .");
    let opts = LoadOptions::new(tmp.path().join("cache"));
    let t = Bundle::load(tmp.path().join("bundle.tar.gz").to_str().unwrap(), &opts).unwrap();
    assert_eq!(t.info.digest, b.info.digest);
    assert_eq!(t.info.name, "bundle");

    // A changed byte changes it.
    write(&dir, &[("README.md", "# team policies!\n")]);
    assert_ne!(
        Bundle::from_dir(&dir, &Limits::default())
            .unwrap()
            .info
            .digest,
        b.info.digest
    );

    // Documents for the engines, with their file, line, kind, name and own text.
    let docs: Vec<(&str, &str, u32, Option<&str>)> = b
        .documents
        .iter()
        .map(|d| (d.kind.as_str(), d.file.as_str(), d.line, d.name.as_deref()))
        .collect();
    assert_eq!(
        docs,
        [
            (
                "ValidatingAdmissionPolicy",
                "admission/vap.yaml",
                2,
                Some("replicas-limit")
            ),
            (
                "ValidatingAdmissionPolicyBinding",
                "admission/vap.yaml",
                10,
                Some("replicas-limit-binding")
            ),
            ("Rego", "rego/pods.rego", 1, None),
        ]
    );
    assert!(
        b.documents[0]
            .text
            .starts_with("apiVersion: admissionregistration.k8s.io/v1\n")
    );
    assert!(
        b.documents[0]
            .text
            .ends_with("object.spec.replicas <= 5\"\n"),
        "{:?}",
        b.documents[0].text
    );
    assert!(b.documents[1].text.ends_with("validationActions: [Deny]\n"));
    assert_eq!(b.documents[2].text, REGO);
    assert_eq!(
        b.documents[0].value.as_ref().unwrap()["spec"]["validations"][0]["expression"],
        "object.spec.replicas <= 5"
    );
}

fn tar_gz_with(entries: &str) -> Vec<u8> {
    // Python's tarfile writes the hostile entries GNU tar refuses to create.
    let tmp = tempfile::tempdir().unwrap();
    let script =
        format!("import tarfile, io\nt = tarfile.open('x.tar.gz', 'w:gz')\n{entries}\nt.close()\n");
    std::fs::write(tmp.path().join("make.py"), script).unwrap();
    sh(tmp.path(), "python3 make.py");
    std::fs::read(tmp.path().join("x.tar.gz")).unwrap()
}

const ADD_FILE: &str = "def add(name, data):\n    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))\n";

#[test]
fn hostile_archives_are_refused() {
    let limits = Limits::default();
    let escape = tar_gz_with(&format!("{ADD_FILE}add('../evil.yaml', b'a: 1\\n')"));
    let e = Bundle::from_tar_gz(&escape, "x", &limits).unwrap_err();
    assert_eq!(e.to_string(), "../evil.yaml: path escapes the bundle");

    let absolute = tar_gz_with(&format!("{ADD_FILE}add('/etc/evil.yaml', b'a: 1\\n')"));
    let e = Bundle::from_tar_gz(&absolute, "x", &limits).unwrap_err();
    assert!(matches!(e, BundleError::Unsafe { .. }), "{e}");

    let link = tar_gz_with(
        "i = tarfile.TarInfo('rules.yaml'); i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'; t.addfile(i)",
    );
    let e = Bundle::from_tar_gz(&link, "x", &limits)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("rules.yaml: Symlink entries are refused"),
        "{e}"
    );

    let hard = tar_gz_with(
        "i = tarfile.TarInfo('rules.yaml'); i.type = tarfile.LNKTYPE; i.linkname = 'other'; t.addfile(i)",
    );
    assert!(Bundle::from_tar_gz(&hard, "x", &limits).is_err());

    let twice = tar_gz_with(&format!(
        "{ADD_FILE}add('a.yaml', b'a: 1\\n')\nadd('./a.yaml', b'b: 1\\n')"
    ));
    let e = Bundle::from_tar_gz(&twice, "x", &limits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("twice"), "{e}");

    // A gzip bomb stops at the bound, not at the end of the stream.
    let bomb = tar_gz_with(&format!("{ADD_FILE}add('big.yaml', b'#' * (8 << 20))"));
    assert!(bomb.len() < 100_000);
    let small = Limits {
        max_file_bytes: 1 << 20,
        ..Limits::default()
    };
    let e = Bundle::from_tar_gz(&bomb, "x", &small)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "big.yaml is over the limit of 1048576");
    let e = Bundle::from_tar_gz(b"not gzip at all", "x", &limits).unwrap_err();
    assert!(matches!(e, BundleError::Io { .. }), "{e}");
}

#[cfg(unix)]
#[test]
fn symlinks_escaping_a_directory_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &[("rules.yaml", SET), ("sub/x.txt", "x")]);
    std::os::unix::fs::symlink("/etc/passwd", tmp.path().join("passwd.yaml")).unwrap();
    let e = Bundle::from_dir(tmp.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("passwd.yaml: symbolic link to /etc/passwd escapes the bundle directory"),
        "{e}"
    );
    std::fs::remove_file(tmp.path().join("passwd.yaml")).unwrap();
    // Relative escapes too, and a link back up the tree is a loop, not an endless walk.
    std::os::unix::fs::symlink("../../etc", tmp.path().join("sub/etc")).unwrap();
    let e = Bundle::from_dir(tmp.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("sub/etc: symbolic link to ../../etc escapes"),
        "{e}"
    );
    std::fs::remove_file(tmp.path().join("sub/etc")).unwrap();
    std::os::unix::fs::symlink("..", tmp.path().join("sub/up")).unwrap();
    let e = Bundle::from_dir(tmp.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert_eq!(e, "sub/up: symbolic link to .. makes a loop");
    std::fs::remove_file(tmp.path().join("sub/up")).unwrap();
    // A link that stays inside is followed, under its own name.
    std::os::unix::fs::symlink("sub", tmp.path().join("alias")).unwrap();
    let files = bulwark_policy::files_from_dir(tmp.path(), &Limits::default()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["alias/x.txt", "rules.yaml", "sub/x.txt"]);
}

#[cfg(unix)]
#[path = "support/kubelet.rs"]
mod kubelet;
#[cfg(unix)]
use kubelet::kubelet_project;

/// A bundle mounted from a ConfigMap reads as its keys, with the digest of the same files in a plain
/// directory; an update (the atomic `..data` swap) reads as the new version only.
#[cfg(unix)]
#[test]
fn a_configmap_volume_reads_as_its_keys_across_updates() {
    let plain_digest = |files: &[(&str, &str)]| {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), files);
        Bundle::from_dir(tmp.path(), &Limits::default())
            .unwrap()
            .info
            .digest
    };
    let volume = tempfile::tempdir().unwrap();
    let v1: &[(&str, &str)] = &[("rules.yaml", SET), ("engines/vap.yaml", VAP)];
    kubelet_project(volume.path(), v1, 1);
    let files = bulwark_policy::files_from_dir(volume.path(), &Limits::default()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["engines/vap.yaml", "rules.yaml"]);
    let b = Bundle::from_dir(volume.path(), &Limits::default()).unwrap();
    assert_eq!(b.info.digest, plain_digest(v1));
    assert_eq!(b.documents.len(), 2, "{:?}", b.documents);

    // An update removes a key and changes another.
    let set2 = SET.replace("CRITICAL", "HIGH");
    let v2: &[(&str, &str)] = &[("rules.yaml", &set2)];
    kubelet_project(volume.path(), v2, 2);
    assert!(!volume.path().join("engines").exists());
    let b = Bundle::from_dir(volume.path(), &Limits::default()).unwrap();
    assert_eq!(b.info.digest, plain_digest(v2));
    assert!(b.documents.is_empty());

    // Between the writer's steps 7 and 9 a new key is linked but not yet in `..data`: the load reads the
    // current version without it.
    std::os::unix::fs::symlink("..data/later.yaml", volume.path().join("later.yaml")).unwrap();
    let b = Bundle::from_dir(volume.path(), &Limits::default()).unwrap();
    assert_eq!(b.info.digest, plain_digest(v2));

    // A key of the volume that links outside it is refused, naming it.
    std::fs::remove_file(volume.path().join("later.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", volume.path().join("host.yaml")).unwrap();
    let e = Bundle::from_dir(volume.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("host.yaml: symbolic link to /etc/hostname escapes"),
        "{e}"
    );
    std::fs::remove_file(volume.path().join("host.yaml")).unwrap();
    // So is a `..data` that points outside.
    let outside = tempfile::tempdir().unwrap();
    std::fs::remove_file(volume.path().join("..data")).unwrap();
    std::os::unix::fs::symlink(outside.path(), volume.path().join("..data")).unwrap();
    let e = Bundle::from_dir(volume.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("..data: symbolic link to "), "{e}");
}

fn load_one(name: &str, text: &str) -> Result<Bundle, BundleError> {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &[(name, text)]);
    Bundle::from_dir(tmp.path(), &Limits::default())
}

#[test]
fn errors_name_the_file_line_and_policy() {
    // Malformed YAML: the line of the fault, and the rule it is in.
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: web}\nrules:\n  - id: no-root\n    stages: {build: fail\n    image: {nonRootUser: true}\n";
    let e = load_one("rules/web.yaml", text).unwrap_err().to_string();
    assert!(
        e.starts_with("rules/web.yaml:7: near 'no-root': malformed YAML"),
        "{e}"
    );

    // A wrong type: the line of the field and the policy set and rule.
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: web}\nrules:\n  - id: ok\n    stages: {build: fail}\n    image: {nonRootUser: true}\n  - id: bad-cvss\n    stages: {build: fail}\n    vulnerabilities:\n      cvssAtLeast: high\n";
    let e = load_one("web.yaml", text).unwrap_err().to_string();
    assert!(
        e.starts_with("web.yaml:11: policy set 'web', rule 'bad-cvss': `cvssAtLeast`: invalid type: string \"high\""),
        "{e}"
    );

    // An unknown stage.
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: web}\nrules:\n  - id: r\n    stages: {ship: fail}\n    image: {nonRootUser: true}\n";
    let e = load_one("web.yaml", text).unwrap_err().to_string();
    assert!(
        e.starts_with("web.yaml:6: policy set 'web', rule 'r': "),
        "{e}"
    );
    assert!(e.contains("ship"), "{e}");

    // A rule that selects nothing.
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: web}\nrules:\n  - id: empty\n    stages: {build: fail}\n";
    let e = load_one("web.yaml", text).unwrap_err().to_string();
    assert!(
        e.starts_with("web.yaml:5: policy set 'web', rule 'empty': rule 'empty' selects nothing"),
        "{e}"
    );

    // An exception without an owner, and one with a bad date.
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: e1\n    finding: CVE-1\n    reason: r\n";
    let e = load_one("ex.yaml", text).unwrap_err().to_string();
    assert!(e.starts_with("ex.yaml:4: exception 'e1': "), "{e}");
    assert!(e.contains("owner"), "{e}");
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: e1\n    finding: CVE-1\n    owner: o\n    reason: r\n    expires: 2026-02-30\n";
    let e = load_one("ex.yaml", text).unwrap_err().to_string();
    assert!(
        e.starts_with("ex.yaml:4: exception 'e1': exception 'e1': invalid date"),
        "{e}"
    );

    // Our apiVersion with an unknown kind.
    let e = load_one("x.yaml", "apiVersion: policy.bulwark.dev/v1\nkind: Polcy\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("x.yaml:2: unknown kind 'Polcy'"), "{e}");

    // Syntax errors in other engines' documents are errors too.
    let e = load_one(
        "vap.yaml",
        "apiVersion: v1\nkind: ValidatingAdmissionPolicy\nspec: [\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("vap.yaml:"), "{e}");
    assert!(e.contains("malformed YAML"), "{e}");

    // Deep nesting is refused before parsing.
    let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
    let e = load_one("deep.yaml", &deep).unwrap_err().to_string();
    assert!(
        e.starts_with("deep.yaml:1: nests collections more than 64 levels"),
        "{e}"
    );

    // Duplicate rule ids across files.
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("a.yaml", SET),
            ("b.yaml", &SET.replace("name: base", "name: other")),
        ],
    );
    let e = Bundle::from_dir(tmp.path(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "b.yaml:6: rule 'no-critical' is defined twice (first at a.yaml:6)"
    );
}

#[test]
fn unknown_fields_warn() {
    let text = "apiVersion: policy.bulwark.dev/v1\nkind: PolicySet\nmetadata: {name: web}\nrules:\n  - id: r\n    stages: {build: fail}\n    severity: high\n    image:\n      nonRootUser: true\n      userr: app\n";
    let b = load_one("web.yaml", text).unwrap();
    let w: Vec<String> = b.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        [
            "web.yaml:7: policy set 'web', rule 'r': unknown field `severity` ignored",
            "web.yaml:10: policy set 'web', rule 'r': unknown field `userr` ignored",
        ]
    );
    assert_eq!(b.rules().count(), 1);
    let b = load_one("x.yaml", "just: a mapping\n").unwrap();
    assert_eq!(
        b.warnings[0].to_string(),
        "x.yaml:1: document has no `kind`; ignored"
    );
}

/// An engine as the lead will plug in: it takes the Rego file and fails the subject with one hit.
struct FakeRego;

impl Engine for FakeRego {
    fn name(&self) -> &'static str {
        "rego"
    }
    fn accepts(&self, doc: &RawDocument) -> bool {
        doc.kind == "Rego"
    }
    fn evaluate(
        &self,
        docs: &[&RawDocument],
        _subject: &Subject<'_>,
        _stage: Stage,
        _now: Instant,
    ) -> Result<EngineOutput, EngineError> {
        if docs[0].text.contains("broken") {
            return Err(EngineError {
                file: docs[0].file.clone(),
                line: 3,
                policy: "main".into(),
                message: "rego_parse_error: unexpected token".into(),
            });
        }
        Ok(EngineOutput {
            results: vec![RuleResult {
                rule: "main.deny".into(),
                engine: "rego".into(),
                policy_set: None,
                source: Some(format!("{}:1", docs[0].file)),
                description: String::new(),
                action: Action::Fail,
                outcome: Outcome::Fail,
                message: None,
                hits: vec![Hit {
                    resource: Some("Pod/default/web".into()),
                    field: Some("spec".into()),
                    message: "no pods".into(),
                    ..Hit::default()
                }],
                excepted: vec![],
            }],
            notes: vec![],
        })
    }
}

#[test]
fn engines_get_their_documents_and_exceptions_apply_to_them() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &[("pods.rego", REGO), ("vap.yaml", VAP)]);
    let b = Bundle::from_dir(tmp.path(), &Limits::default()).unwrap();
    let now = Instant::parse("2026-12-01").unwrap();
    let object =
        serde_json::json!({"kind": "Pod", "metadata": {"name": "web", "namespace": "default"}});
    let subject = Subject::object(&object);

    // Without engines: nothing decided, and the verdict says what was not evaluated.
    let v = bulwark_policy::evaluate(&b, &subject, Stage::Deploy, now);
    assert_eq!(v.decision, Decision::Pass);
    assert_eq!(
        v.notes,
        [
            "1 Rego document(s) not evaluated: no engine for them here",
            "1 ValidatingAdmissionPolicy document(s) not evaluated: no engine for them here",
            "1 ValidatingAdmissionPolicyBinding document(s) not evaluated: no engine for them here",
        ]
    );
    assert_eq!(v.subject.kind, "kubernetes-object");
    assert_eq!(v.subject.name, "Pod/default/web");

    let v = bulwark_policy::evaluate_with(&b, &subject, Stage::Deploy, now, &[&FakeRego]);
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(v.results[0].engine, "rego");

    // An exception on the resource accepts the engine's hit.
    write(
        tmp.path(),
        &[(
            "exceptions.yaml",
            "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: web-pod\n    resource: Pod/default/*\n    rules: [main.deny]\n    expires: 2026-12-10\n    owner: platform\n    reason: migration\n",
        )],
    );
    let b = Bundle::from_dir(tmp.path(), &Limits::default()).unwrap();
    let v = bulwark_policy::evaluate_with(&b, &subject, Stage::Deploy, now, &[&FakeRego]);
    assert_eq!(v.decision, Decision::Pass);
    assert_eq!(v.results[0].outcome, Outcome::Pass);
    assert_eq!(v.results[0].excepted[0].exception, "web-pod");

    // A policy error fails closed and names the file and line.
    write(tmp.path(), &[("pods.rego", "package main\nbroken\n")]);
    let b = Bundle::from_dir(tmp.path(), &Limits::default()).unwrap();
    let v = bulwark_policy::evaluate_with(&b, &subject, Stage::Deploy, now, &[&FakeRego]);
    assert_eq!(v.decision, Decision::Fail);
    assert_eq!(v.results[0].outcome, Outcome::Error);
    assert_eq!(
        v.results[0].message.as_deref(),
        Some("pods.rego:3: main: rego_parse_error: unexpected token")
    );
}

/// The README's examples are a working bundle: they load without errors or warnings.
#[test]
fn readme_examples_load() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 3, "rules, mappings, exceptions");
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            ("rules/web.yaml", blocks[0]),
            ("mappings.yaml", blocks[1]),
            ("exceptions.yaml", blocks[2]),
        ],
    );
    let b = Bundle::from_dir(tmp.path(), &Limits::default()).unwrap();
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert_eq!(b.rules().count(), 13);
    assert_eq!(b.mappings.len(), 1);
    assert_eq!(b.exceptions.len(), 1);
    assert_eq!(b.default_sets.as_deref(), Some(&["web".to_string()][..]));
}
