//! Regression tests for the red team's report-size cases (`../shared/redteam/README.md`; the case numbers are
//! theirs): #5 unique ids in CycloneDX/SPDX without a quadratic search (cases 07 and 40), #16 SBOM writers that
//! stream rather than build the whole document as a JSON tree (case 06), #4 a service account's RBAC reach
//! stored once rather than copied into every finding of every Pod (cases 73 and 72). Each run has a deadline,
//! so a hang fails the test instead of stalling CI; the inputs are small. CI runs this file under
//! `prlimit --as=1G`.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What one run did: its exit status, stderr, and its peak resident memory in KiB (`VmHWM`, sampled while it
/// runs; 0 where `/proc` is missing).
struct Run {
    status: ExitStatus,
    stderr: String,
    peak_kib: u64,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs bulwark with a deadline; a run still going then is killed and fails the test. Reports go to files
/// (`-o`), so stdout is not read; stderr is small.
fn run(args: &[&str], dir: &Path, deadline: Duration) -> Run {
    let err_path = dir.join(format!("stderr-{}.txt", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run bulwark");
    let start = Instant::now();
    let mut peak_kib = 0;
    let status = loop {
        // The high-water mark only grows; the last sample before exit is at most a few ms old.
        if let Some(k) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(k);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bulwark {args:?} still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    Run {
        status,
        stderr,
        peak_kib,
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CycloneDX SBOM of `n` components, as another tool could write it: `components(i)` gives name and purl.
fn write_sbom(path: &Path, n: usize, component: impl Fn(usize) -> (String, String)) {
    let comps: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let (name, purl) = component(i);
            serde_json::json!({"type": "library", "name": name, "version": "4.17.20", "purl": purl})
        })
        .collect();
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": comps,
    });
    std::fs::write(path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

fn assert_ok(r: &Run, what: &str) {
    assert_eq!(r.status.code(), Some(0), "{what}: {}", r.stderr);
}

/// #5 (cases 07 and 40): 20,000 copies of one package. Each gets its own CycloneDX `bom-ref` and SPDX id
/// (`#2`, `#3`, … and `-2`, `-3`, …), found in linear time: the search that tried every suffix from 2 took minutes
/// for this input (10,000 copies: 49 s in a debug build, 7 s in a release build).
#[test]
fn case5_duplicate_packages_get_unique_ids_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    write_sbom(&dir.path().join("dups.cdx.json"), n, |_| {
        ("lodash".into(), "pkg:npm/lodash@4.17.20".into())
    });
    let deadline = Duration::from_mins(1);
    for (format, out) in [
        ("json", "out.json"),
        ("cyclonedx", "out.cdx.json"),
        ("spdx-json", "out.spdx.json"),
    ] {
        let r = run(
            &[
                "scan",
                "sbom",
                "dups.cdx.json",
                "--no-vulns",
                "-q",
                "-f",
                format,
                "-o",
                out,
            ],
            dir.path(),
            deadline,
        );
        assert_ok(&r, format);
    }
    // As many packages as the inventory lists (every copy, unless duplicates come to be merged).
    let packages = read_json(&dir.path().join("out.json"))["packages"]
        .as_array()
        .unwrap()
        .len();
    assert!(packages >= 1);

    let bom = read_json(&dir.path().join("out.cdx.json"));
    let refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), packages);
    let unique: std::collections::HashSet<&str> = refs.iter().copied().collect();
    assert_eq!(unique.len(), refs.len(), "duplicate bom-ref");
    if packages == n {
        assert_eq!(refs[0], "pkg:npm/lodash@4.17.20");
        assert_eq!(refs[1], "pkg:npm/lodash@4.17.20#2");
        assert_eq!(refs[n - 1], format!("pkg:npm/lodash@4.17.20#{n}"));
    }
    // Every component is a dependency of the target, by its own ref.
    let depends_on = bom["dependencies"][0]["dependsOn"].as_array().unwrap();
    assert_eq!(depends_on.len(), packages);

    let doc = read_json(&dir.path().join("out.spdx.json"));
    let ids: Vec<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["SPDXID"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        packages + 1,
        "the target's package and every package"
    );
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate SPDXID");
    if packages == n {
        assert_eq!(ids[n], format!("SPDXRef-Package-npm-lodash-4.17.20-{n}"));
    }
}

/// #16 (case 06): CycloneDX and SPDX are written as streams, so they need about the memory of the `json` report
/// of the same scan. Built as whole-document JSON trees they needed 1.9× (CycloneDX) and 2.1× (SPDX) the peak
/// of `json` for 100,000 packages, and 5.8× / 4.5× for a million.
#[test]
fn case16_sbom_writers_stream_in_the_memory_of_the_json_report() {
    if vm_hwm_kib(std::process::id()).is_none() {
        eprintln!("no /proc/PID/status VmHWM here: the memory comparison cannot be made");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n = 60_000;
    write_sbom(&dir.path().join("many.cdx.json"), n, |i| {
        (format!("p{i}"), format!("pkg:npm/p{i}@4.17.20"))
    });
    let deadline = Duration::from_mins(2);
    let mut peaks = Vec::new();
    for (format, out) in [
        ("json", "out.json"),
        ("cyclonedx", "out.cdx.json"),
        ("spdx-json", "out.spdx.json"),
    ] {
        let r = run(
            &[
                "scan",
                "sbom",
                "many.cdx.json",
                "--no-vulns",
                "-q",
                "-f",
                format,
                "-o",
                out,
            ],
            dir.path(),
            deadline,
        );
        assert_ok(&r, format);
        peaks.push((format, r.peak_kib));
    }
    let json_peak = peaks[0].1;
    for &(format, peak) in &peaks[1..] {
        // The ids the writers keep (one per package) and rendering one component at a time, on top of the
        // report: well under a third more. A tree of the whole document was 90% more and over.
        assert!(
            peak * 10 < json_peak * 13 + 20 * 1024 * 10,
            "{format}: peak {peak} KiB against {json_peak} KiB for json ({peaks:?})"
        );
    }
    // And the documents are whole.
    let bom = read_json(&dir.path().join("out.cdx.json"));
    assert_eq!(bom["components"].as_array().unwrap().len(), n);
    assert_eq!(bom["dependencies"].as_array().unwrap().len(), n + 1);
    let doc = read_json(&dir.path().join("out.spdx.json"));
    assert_eq!(doc["packages"].as_array().unwrap().len(), n + 1);
    assert_eq!(doc["relationships"].as_array().unwrap().len(), n + 1);
}

/// `n` Pods of the default service account and `n` RoleBindings of it (the red team's case 73 generator).
fn rbac_fanout(n: usize) -> String {
    let mut docs = Vec::new();
    for i in 0..n {
        docs.push(format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
        ));
    }
    for i in 0..n {
        docs.push(format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb{i}\nsubjects: [{{kind: ServiceAccount, name: default}}]\nroleRef: {{kind: ClusterRole, name: r{i}, apiGroup: rbac.authorization.k8s.io}}\n"
        ));
    }
    docs.join("---\n")
}

/// #4 (case 73): every finding on a Pod carried the whole RBAC reach of its service account, so the report grew
/// as Pods × findings × bindings (500 + 500 objects, 158 KB of YAML: a 266 MB report and 1.1 GB of memory).
/// The reach is now stored once, under `serviceAccounts`, and workloads and findings name the account.
#[test]
fn case4_rbac_reach_is_stored_once_per_service_account() {
    let dir = tempfile::tempdir().unwrap();
    let n = 500;
    std::fs::write(dir.path().join("rb.yaml"), rbac_fanout(n)).unwrap();
    let r = run(
        &[
            "scan", "k8s", "rb.yaml", "-q", "-f", "json", "-o", "out.json",
        ],
        dir.path(),
        Duration::from_mins(1),
    );
    assert_ok(&r, "scan k8s");
    let size = std::fs::metadata(dir.path().join("out.json"))
        .unwrap()
        .len();
    // About 7,500 findings of ~700 bytes each; the copies made it 266 MB.
    assert!(size < 16 << 20, "report of {size} bytes");
    let v = read_json(&dir.path().join("out.json"));
    let accounts = v["serviceAccounts"].as_object().unwrap();
    assert_eq!(
        accounts.len(),
        1,
        "{:?}",
        accounts.keys().collect::<Vec<_>>()
    );
    let reach = accounts["default/default"].as_array().unwrap();
    assert_eq!(reach.len(), n);
    assert!(
        reach
            .iter()
            .any(|p| p == "RoleBinding rb499 -> ClusterRole r499 (not in the input)"),
        "{:?}",
        &reach[..3]
    );
    let workloads = v["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), n);
    assert!(
        workloads
            .iter()
            .all(|w| w["serviceAccount"] == "default/default")
    );
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() >= n);
    for f in findings {
        assert_eq!(f["properties"]["serviceAccount"], "default/default", "{f}");
        assert!(f["properties"].get("serviceAccountRbac").is_none());
    }
    // Peak memory stays far from the 1.1 GB the copies took (the report itself is a few MB).
    if r.peak_kib > 0 {
        assert!(r.peak_kib < 400 * 1024, "peak {} KiB", r.peak_kib);
    }
}

/// #4 / #16 (case 72): Pods, Services, NetworkPolicies and RoleBindings of one service account, 600 of each.
/// The RBAC reach is stored once and the JSON report is written as a stream; the red team's 2,500 of each
/// (1.45 MB of YAML) reached 23.8 GB before the kernel killed the scan.
#[test]
fn case4_cross_object_rbac_json_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let n = 600;
    let mut docs = Vec::new();
    for i in 0..n {
        docs.push(format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  labels: {{app: a{i}}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"));
    }
    for i in 0..n {
        docs.push(format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  selector: {{app: zz{i}}}\n  ports: [{{port: 80}}]\n"));
    }
    for i in 0..n {
        docs.push(format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: n{i}\nspec:\n  podSelector: {{matchLabels: {{app: yy{i}}}}}\n"));
    }
    let rb = rbac_fanout(n);
    let yaml = format!(
        "{}\n---\n{}",
        docs.join("---\n"),
        rb.split("---\n").skip(n).collect::<Vec<_>>().join("---\n")
    );
    std::fs::write(dir.path().join("cross.yaml"), yaml).unwrap();
    let r = run(
        &[
            "scan",
            "k8s",
            "cross.yaml",
            "-q",
            "-f",
            "json",
            "-o",
            "out.json",
        ],
        dir.path(),
        Duration::from_secs(90),
    );
    assert_ok(&r, "scan k8s");
    let v = read_json(&dir.path().join("out.json"));
    assert_eq!(
        v["serviceAccounts"]["default/default"]
            .as_array()
            .unwrap()
            .len(),
        n
    );
    assert_eq!(v["workloads"].as_array().unwrap().len(), n);
    let size = std::fs::metadata(dir.path().join("out.json"))
        .unwrap()
        .len();
    assert!(size < 32 << 20, "report of {size} bytes");
    if r.peak_kib > 0 {
        assert!(r.peak_kib < 500 * 1024, "peak {} KiB", r.peak_kib);
    }
}

/// #16 (case 72): the findings of a Kubernetes scan are written as they are checked, not held for the report,
/// so memory does not grow with their number. Held, they took ~300 bytes each (100,000 Pods, 1.5 million
/// findings: 648 MB in a release build, of which 226 MB for the manifests themselves). Here 2,500 and 10,000 Pods
/// (15 findings each), each also scanned with one rule that finds nothing: the manifests, the index and the
/// buffers, without findings. From 2,500 to 10,000 Pods, 112,500 more findings (~34 MB held) may add only a
/// little more than the manifests themselves add.
#[test]
fn case16_k8s_findings_are_streamed_to_the_json_report() {
    if vm_hwm_kib(std::process::id()).is_none() {
        eprintln!("no /proc/PID/status VmHWM here: the memory comparison cannot be made");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let deadline = Duration::from_mins(3);
    let mut peaks = Vec::new();
    for n in [2_500, 10_000] {
        let file = format!("pods{n}.yaml");
        let yaml: Vec<String> = (0..n)
            .map(|i| {
                format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: nginx\n")
            })
            .collect();
        std::fs::write(dir.path().join(&file), yaml.join("---\n")).unwrap();
        let out = format!("all{n}.json");
        let all = run(
            &["scan", "k8s", &file, "-q", "-f", "json", "-o", &out],
            dir.path(),
            deadline,
        );
        assert_ok(&all, "all rules");
        let none = run(
            &[
                "scan",
                "k8s",
                &file,
                "-q",
                "-f",
                "json",
                "--rules",
                "privileged-container",
                "-o",
                "none.json",
            ],
            dir.path(),
            deadline,
        );
        assert_ok(&none, "one rule");
        let v = read_json(&dir.path().join(&out));
        let findings = v["findings"].as_array().unwrap();
        assert!(findings.len() >= 10 * n, "{} findings", findings.len());
        // In report order: file, line, column, rule.
        let key = |f: &serde_json::Value| {
            (
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
                f["id"].as_str().unwrap().to_string(),
            )
        };
        assert!(findings.windows(2).all(|w| key(&w[0]) <= key(&w[1])));
        assert_eq!(v["workloads"].as_array().unwrap().len(), n);
        assert_eq!(
            read_json(&dir.path().join("none.json"))["findings"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        std::fs::remove_file(dir.path().join(&out)).unwrap();
        peaks.push((n, all.peak_kib, none.peak_kib));
    }
    let kib = |k: u64| i64::try_from(k).unwrap();
    let with_findings = kib(peaks[1].1) - kib(peaks[0].1);
    let without = kib(peaks[1].2) - kib(peaks[0].2);
    assert!(
        with_findings - without < 12 * 1024,
        "from 2,500 to 10,000 Pods: +{with_findings} KiB with findings, +{without} KiB without ({peaks:?})"
    );
}
