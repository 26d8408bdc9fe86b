//! Policy bundle distribution: `bulwark policy push` to Debian's `docker-registry` on 127.0.0.1 (signed with
//! keys made by `openssl`), `scan … --policy oci://…` with `--policy-public-key`, tampering (another key, a
//! different blob under the same tag, a replayed signature) refused with exit 2 and no cached bundle used, and
//! the registry stopped: exit 2 unless `--policy-offline-ok`, which uses the last good copy and says so in the
//! verdict. HTTPS bundles come from a Python TLS server with a CA made by `openssl`.
//!
//! What was pushed is checked with independent tools: `skopeo inspect --raw` for the manifests, `openssl dgst
//! -verify` / `openssl pkeyutl -verify` for the cosign-style signature over the simple-signing payload.

mod common;

#[path = "../../bulwark-registry/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use support::{TestRegistry, temp_dir};

const RULES: &str = "apiVersion: policy.bulwark.dev/v1
kind: PolicySet
metadata:
  name: baseline
rules:
  - id: no-root-user
    description: No container runs as root.
    stages: {build: fail, release: fail}
    image:
      nonRootUser: true
";

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl genpkey` key pairs: `(DIR/NAME.pem, DIR/NAME.pub)`; `alg` is `EC` (P-256) or `ED25519`.
fn key_pair(dir: &Path, name: &str, alg: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub"));
    let mut cmd = Command::new("openssl");
    cmd.args(["genpkey", "-algorithm", alg]);
    if alg == "EC" {
        cmd.args(["-pkeyopt", "ec_paramgen_curve:P-256"]);
    }
    run(cmd.arg("-out").arg(&key));
    run(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public));
    (key, public)
}

fn bundle_dir(parent: &Path, name: &str, extra: Option<&str>) -> PathBuf {
    let d = parent.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("rules.yaml"), RULES).unwrap();
    std::fs::write(
        d.join("bundle.yaml"),
        "apiVersion: policy.bulwark.dev/v1\nkind: Bundle\nname: team-baseline\nversion: '1'\n",
    )
    .unwrap();
    if let Some(e) = extra {
        std::fs::write(d.join("extra.yaml"), e).unwrap();
    }
    d
}

/// bulwark with its own cache (`XDG_CACHE_HOME`) and no Docker credentials.
fn bw(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("DOCKER_CONFIG", home.join("docker"))
        .env_remove("BULWARK_POLICY")
        .env_remove("BULWARK_POLICY_PUBLIC_KEY")
        .output()
        .expect("run bulwark")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `scan image` of the root-running alpine fixture with `--policy`; the JSON report (if one was written).
fn scan(home: &Path, policy: &str, extra: &[&str]) -> (Output, Option<serde_json::Value>) {
    let out = home.join("report.json");
    let _ = std::fs::remove_file(&out);
    let image = common::image("alpine314.docker.tar");
    let mut args = vec![
        "scan",
        "image",
        &image,
        "--no-vulns",
        "--policy",
        policy,
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = bw(home, &args);
    let report = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    (o, report)
}

fn push(home: &Path, dir: &Path, reference: &str, key: Option<&Path>) -> String {
    let mut args = vec!["policy", "push", dir.to_str().unwrap(), reference];
    if let Some(k) = key {
        args.extend_from_slice(&["--key", k.to_str().unwrap()]);
    }
    let o = bw(home, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    // "pushed:    host/repo:tag@sha256:…"
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("pushed:"))
        .and_then(|l| l.trim().rsplit_once('@'))
        .map_or_else(|| panic!("no digest in {stdout}"), |(_, d)| d.to_owned())
}

fn skopeo_raw(reg: &TestRegistry, repo_tag: &str) -> Vec<u8> {
    run(Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/{repo_tag}", reg.host)))
}

fn sha256sum(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    String::from_utf8(out).unwrap()[..64].to_owned()
}

/// A blob, read with `skopeo copy` into an OCI layout (`skopeo` has no blob command).
fn blob_via_skopeo(reg: &TestRegistry, repo_tag: &str, digest: &str, dir: &Path) -> Vec<u8> {
    let layout = dir.join(format!("layout-{}", &digest[7..19]));
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false"])
        .arg(format!("docker://{}/{repo_tag}", reg.host))
        .arg(format!("oci:{}:x", layout.display())));
    std::fs::read(layout.join("blobs/sha256").join(&digest[7..])).unwrap()
}

fn decode_b64(s: &str, dir: &Path) -> PathBuf {
    let b64 = dir.join("sig.b64");
    let raw = dir.join("sig.raw");
    std::fs::write(&b64, s).unwrap();
    run(Command::new("openssl")
        .args(["base64", "-d", "-A", "-in"])
        .arg(&b64)
        .arg("-out")
        .arg(&raw));
    raw
}

fn verdict_bundle(report: &serde_json::Value) -> &serde_json::Value {
    &report["verdict"]["bundle"]
}

fn assert_refused(o: &Output, report: Option<&serde_json::Value>, source: &str, why: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(source), "names the reference: {}", text(o));
    assert!(err.contains("refused"), "{}", text(o));
    assert!(err.contains(why), "expected '{why}': {}", text(o));
    assert!(!err.contains("using the cached bundle"), "{}", text(o));
    assert!(
        report.is_none_or(|r| r.get("verdict").is_none()),
        "no verdict from a refused bundle"
    );
}

#[test]
fn signed_oci_bundle_push_pull_tamper_and_offline() {
    let work = temp_dir("policy-oci");
    let home = work.join("home");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let (key, public) = key_pair(&work, "team", "EC");
    let (other_key, other_public) = key_pair(&work, "intruder", "EC");
    let good = bundle_dir(&work, "bundle", None);
    let reference = format!("oci://{}/policies/base:v1", reg.host);

    // Push, signed.
    let digest = push(&home, &good, &reference, Some(&key));

    // skopeo: the manifest is what we say it is, an artifact with one bundle layer.
    let raw = skopeo_raw(&reg, "policies/base:v1");
    let raw_path = work.join("manifest.json");
    std::fs::write(&raw_path, &raw).unwrap();
    assert_eq!(format!("sha256:{}", sha256sum(&raw_path)), digest);
    let man: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        man["artifactType"],
        "application/vnd.bulwark.policy.bundle.v1"
    );
    assert_eq!(
        man["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(
        man["layers"][0]["mediaType"],
        "application/vnd.bulwark.policy.bundle.layer.v1.tar+gzip"
    );
    // The layer is a tar.gz that GNU tar lists.
    let layer = blob_via_skopeo(
        &reg,
        "policies/base:v1",
        man["layers"][0]["digest"].as_str().unwrap(),
        &work,
    );
    std::fs::write(work.join("layer.tar.gz"), &layer).unwrap();
    let listing = String::from_utf8(run(Command::new("tar")
        .arg("tzf")
        .arg(work.join("layer.tar.gz"))))
    .unwrap();
    assert_eq!(
        listing.lines().collect::<Vec<_>>(),
        ["bundle.yaml", "rules.yaml"]
    );

    // The signature, the cosign way: tag sha256-<hex>.sig, a simple-signing layer naming the digest, and an
    // annotation that openssl verifies over the payload with the team's public key.
    let sig_tag = format!("policies/base:{}.sig", digest.replace(':', "-"));
    let sm: serde_json::Value = serde_json::from_slice(&skopeo_raw(&reg, &sig_tag)).unwrap();
    let sl = &sm["layers"][0];
    assert_eq!(
        sl["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    let payload = blob_via_skopeo(&reg, &sig_tag, sl["digest"].as_str().unwrap(), &work);
    let pay: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        pay["critical"]["image"]["docker-manifest-digest"],
        digest.as_str()
    );
    assert_eq!(pay["critical"]["type"], "cosign container image signature");
    std::fs::write(work.join("payload.json"), &payload).unwrap();
    let sig = decode_b64(
        sl["annotations"]["dev.cosignproject.cosign/signature"]
            .as_str()
            .unwrap(),
        &work,
    );
    let check = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public)
        .arg("-signature")
        .arg(&sig)
        .arg(work.join("payload.json"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    let check = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&other_public)
        .arg("-signature")
        .arg(&sig)
        .arg(work.join("payload.json"))
        .output()
        .unwrap();
    assert!(!check.status.success(), "another key must not verify it");

    // Scan with verification: the policy decides (the image runs as root: exit 1), the verdict names the
    // artifact and is not offline.
    let pk = public.to_str().unwrap();
    let (o, report) = scan(&home, &reference, &["--policy-public-key", pk]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = report.unwrap();
    let binfo = verdict_bundle(&report);
    assert_eq!(binfo["artifact"], digest.as_str());
    assert_eq!(binfo["name"], "team-baseline");
    assert!(binfo.get("offline").is_none());
    assert_eq!(report["verdict"]["decision"], "fail");

    // `policy pull -o` writes the same files.
    let out_dir = work.join("pulled");
    let o = bw(
        &home,
        &[
            "policy",
            "pull",
            &reference,
            "--public-key",
            pk,
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&digest));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("rules.yaml")).unwrap(),
        RULES
    );

    // The bare reference (no oci://) is the same bundle.
    let bare = reference.trim_start_matches("oci://");
    let (o, report) = scan(&home, bare, &["--policy-public-key", pk]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        verdict_bundle(report.as_ref().unwrap())["artifact"],
        digest.as_str()
    );

    // The wrong key: refused.
    let (o, report) = scan(
        &home,
        &reference,
        &["--policy-public-key", other_public.to_str().unwrap()],
    );
    assert_refused(&o, report.as_ref(), &reference, "does not verify");

    // Keep a copy of the good signature manifest for the replay below.
    let skopeo_copy = |from: &str, to: &str| {
        run(Command::new("skopeo")
            .args([
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .arg(format!("docker://{}/{from}", reg.host))
            .arg(format!("docker://{}/{to}", reg.host)));
    };
    skopeo_copy(&sig_tag, "policies/replay:good-sig");

    // Tamper 1: someone re-signs the same manifest with another key (the .sig tag is replaced). Refused, and
    // --policy-offline-ok does not bring back the cached good copy: the registry answered.
    push(&home.join("intruder"), &good, &reference, Some(&other_key));
    let (o, report) = scan(&home, &reference, &["--policy-public-key", pk]);
    assert_refused(&o, report.as_ref(), &reference, "does not verify");
    let (o, report) = scan(
        &home,
        &reference,
        &["--policy-public-key", pk, "--policy-offline-ok"],
    );
    assert_refused(&o, report.as_ref(), &reference, "does not verify");

    // Tamper 2: a different bundle under the same tag, unsigned: no signature for its digest.
    let evil = bundle_dir(
        &work,
        "evil",
        Some(
            "apiVersion: policy.bulwark.dev/v1\nkind: Exceptions\nexceptions:\n  - id: all\n    rules: [no-root-user]\n    image: \"sha256:*\"\n    reason: nothing to see\n    owner: x\n    ticket: x\n    expires: 2999-01-01\n",
        ),
    );
    let evil_digest = push(&home.join("intruder"), &evil, &reference, None);
    assert_ne!(evil_digest, digest);
    let (o, report) = scan(
        &home,
        &reference,
        &["--policy-public-key", pk, "--policy-offline-ok"],
    );
    assert_refused(&o, report.as_ref(), &reference, "no signature");

    // Tamper 3: the good signature replayed onto the evil manifest's .sig tag: it names another digest.
    skopeo_copy(
        "policies/replay:good-sig",
        &format!("policies/base:{}.sig", evil_digest.replace(':', "-")),
    );
    let (o, report) = scan(&home, &reference, &["--policy-public-key", pk]);
    assert_refused(
        &o,
        report.as_ref(),
        &reference,
        &format!("the signature is for {digest}"),
    );

    // Without a key, the unsigned evil bundle loads: verification is what refused it above.
    let (o, report) = scan(&home, &reference, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        verdict_bundle(report.as_ref().unwrap())["artifact"],
        evil_digest.as_str()
    );

    // Restore the good bundle (the archive is deterministic: same digest), scan once to cache it.
    assert_eq!(push(&home, &good, &reference, Some(&key)), digest);
    let (o, _) = scan(&home, &reference, &["--policy-public-key", pk]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // The registry goes away.
    drop(reg);
    let (o, report) = scan(&home, &reference, &["--policy-public-key", pk]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(report.is_none_or(|r| r.get("verdict").is_none()));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&reference) && err.contains("--policy-offline-ok"),
        "{}",
        text(&o)
    );

    let (o, report) = scan(
        &home,
        &reference,
        &["--policy-public-key", pk, "--policy-offline-ok"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = report.unwrap();
    let binfo = verdict_bundle(&report);
    assert_eq!(binfo["artifact"], digest.as_str());
    assert!(
        binfo["offline"]["fetchedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{binfo}"
    );
    assert!(
        binfo["offline"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{binfo}"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("using the cached bundle"),
        "{}",
        text(&o)
    );

    // Offline, the cached copy is verified again: another key refuses it.
    let (o, report) = scan(
        &home,
        &reference,
        &[
            "--policy-public-key",
            other_public.to_str().unwrap(),
            "--policy-offline-ok",
        ],
    );
    assert_refused(
        &o,
        report.as_ref(),
        &reference,
        "cached copy fails verification",
    );

    // A source never fetched has nothing to fall back to.
    let never = reference.replace("base:v1", "never:v1");
    let (o, _) = scan(&home, &never, &["--policy-offline-ok"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("never fetched"),
        "{}",
        text(&o)
    );
}

#[test]
fn ed25519_signed_push_verifies_with_openssl_and_bulwark() {
    let work = temp_dir("policy-ed25519");
    let home = work.join("home");
    let reg = TestRegistry::start("plain", &work.join("reg"), &[], None);
    let (key, public) = key_pair(&work, "ed", "ED25519");
    let good = bundle_dir(&work, "bundle", None);
    let reference = format!("oci://{}/policies/ed:v1", reg.host);
    let digest = push(&home, &good, &reference, Some(&key));
    let sig_tag = format!("policies/ed:{}.sig", digest.replace(':', "-"));
    let sm: serde_json::Value = serde_json::from_slice(&skopeo_raw(&reg, &sig_tag)).unwrap();
    let sl = &sm["layers"][0];
    let payload = blob_via_skopeo(&reg, &sig_tag, sl["digest"].as_str().unwrap(), &work);
    std::fs::write(work.join("payload.json"), &payload).unwrap();
    let sig = decode_b64(
        sl["annotations"]["dev.cosignproject.cosign/signature"]
            .as_str()
            .unwrap(),
        &work,
    );
    run(Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey"])
        .arg(&public)
        .arg("-in")
        .arg(work.join("payload.json"))
        .arg("-sigfile")
        .arg(&sig));
    let o = bw(
        &home,
        &[
            "policy",
            "pull",
            &reference,
            "--public-key",
            public.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("signature: verified"));
}

/// `python3` serving `dir` over TLS on 127.0.0.1 with a server certificate signed by a CA made here.
struct HttpsServer {
    child: Child,
    url: String,
    ca: PathBuf,
}

impl HttpsServer {
    fn start(dir: &Path, work: &Path) -> Self {
        let ca_key = work.join("ca.key");
        let ca = work.join("ca.pem");
        run(Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-keyout",
            ])
            .arg(&ca_key)
            .arg("-out")
            .arg(&ca)
            .args([
                "-subj",
                "/CN=bulwark test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]));
        let key = work.join("server.key");
        let csr = work.join("server.csr");
        let cert = work.join("server.pem");
        let ext = work.join("server.ext");
        run(Command::new("openssl")
            .args([
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
            ])
            .arg(&key)
            .arg("-out")
            .arg(&csr)
            .args(["-subj", "/CN=127.0.0.1"]));
        std::fs::write(
            &ext,
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(Command::new("openssl")
            .args(["x509", "-req", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(&ca)
            .arg("-CAkey")
            .arg(&ca_key)
            .args(["-CAcreateserial", "-days", "2", "-extfile"])
            .arg(&ext)
            .arg("-out")
            .arg(&cert));
        let script = "import http.server,ssl,sys,os\n\
os.chdir(sys.argv[1])\n\
s=http.server.ThreadingHTTPServer(('127.0.0.1',0),http.server.SimpleHTTPRequestHandler)\n\
c=ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
c.load_cert_chain(sys.argv[2],sys.argv[3])\n\
s.socket=c.wrap_socket(s.socket,server_side=True)\n\
print(s.server_address[1],flush=True)\n\
s.serve_forever()\n";
        let mut child = Command::new("python3")
            .args(["-u", "-c", script])
            .arg(dir)
            .arg(&cert)
            .arg(&key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("no port in {line:?}"));
        Self {
            child,
            url: format!("https://127.0.0.1:{port}"),
            ca,
        }
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn https_bundle_pinned_by_sha256_and_signed() {
    let work = temp_dir("policy-https");
    let home = work.join("home");
    let serve = work.join("www");
    std::fs::create_dir_all(&serve).unwrap();
    let src = bundle_dir(&work, "bundle", None);
    // GNU tar makes the archive; openssl signs it (ECDSA P-256 over SHA-256, cosign sign-blob's scheme).
    run(Command::new("tar")
        .arg("czf")
        .arg(serve.join("b.tar.gz"))
        .arg("-C")
        .arg(&src)
        .args(["rules.yaml", "bundle.yaml"]));
    let (key, public) = key_pair(&work, "team", "EC");
    let (_, other_public) = key_pair(&work, "other", "EC");
    run(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key)
        .arg("-out")
        .arg(serve.join("b.tar.gz.sig"))
        .arg(serve.join("b.tar.gz")));
    let sha = sha256sum(&serve.join("b.tar.gz"));
    let server = HttpsServer::start(&serve, &work);
    let source = format!("{}/b.tar.gz#sha256={sha}", server.url);

    let run_scan = |policy: &str, extra: &[&str]| -> (Output, Option<serde_json::Value>) {
        let out = home.join("report.json");
        let _ = std::fs::remove_file(&out);
        let image = common::image("alpine314.docker.tar");
        let mut args = vec![
            "scan",
            "image",
            &image,
            "--no-vulns",
            "--policy",
            policy,
            "-f",
            "json",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(&args)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("SSL_CERT_FILE", &server.ca)
            .output()
            .unwrap();
        let report = std::fs::read_to_string(&out)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        (o, report)
    };

    let (o, report) = run_scan(&source, &["--policy-public-key", public.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        verdict_bundle(report.as_ref().unwrap())["artifact"],
        format!("sha256:{sha}").as_str()
    );

    // Another key: refused, naming the URL.
    let (o, report) = run_scan(
        &source,
        &["--policy-public-key", other_public.to_str().unwrap()],
    );
    assert_refused(&o, report.as_ref(), &server.url, "does not verify");

    // A wrong pin: refused before anything is parsed.
    let wrong = format!("{}/b.tar.gz#sha256={}", server.url, "0".repeat(64));
    let (o, report) = run_scan(&wrong, &[]);
    assert_refused(&o, report.as_ref(), &server.url, "not the pinned");

    // No pin at all: a usage error.
    let (o, _) = run_scan(&format!("{}/b.tar.gz", server.url), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("#sha256="),
        "{}",
        text(&o)
    );

    // Without the CA the server is not trusted.
    let o = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["policy", "pull", &source])
        .env("XDG_CACHE_HOME", home.join("cache2"))
        .env_remove("SSL_CERT_FILE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
