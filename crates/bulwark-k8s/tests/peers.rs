//! Rendering through real `helm` and `kubectl kustomize`. These tests FAIL when the binaries are missing:
//! install them with `../shared/tools/install-peers.sh` (CI runs it), which puts them in
//! `~/.cache/bulwark-peers/bin`, a directory Bulwark searches after PATH.

use bulwark_k8s::{Input, ScanOptions, find_tool, scan};

fn need(tool: &str) {
    assert!(
        find_tool(tool).is_some(),
        "{tool} not found on PATH or in ~/.cache/bulwark-peers/bin: run ../shared/tools/install-peers.sh"
    );
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("bulwark-k8s-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn helm_chart_with_set_and_values() {
    need("helm");
    let d = tmp("chart");
    std::fs::create_dir_all(d.join("templates")).unwrap();
    std::fs::write(
        d.join("Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(d.join("values.yaml"), "privileged: false\nhostPID: false\n").unwrap();
    std::fs::write(
        d.join("templates/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\nspec:\n  hostPID: {{ .Values.hostPID }}\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: {{ .Values.privileged }}\n",
    )
    .unwrap();
    let extra = d.join("extra.yaml");
    std::fs::write(&extra, "hostPID: true\n").unwrap();
    let input = Input::HelmChart {
        dir: d.clone(),
        set: vec!["privileged=true".into()],
        values: vec![extra],
    };
    let r = scan(&[input], &ScanOptions::default()).unwrap();
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_ref()).collect();
    assert!(
        ids.contains(&"BW-K8S-0002"),
        "--set privileged=true not applied: {ids:?}"
    );
    assert!(
        ids.contains(&"BW-K8S-0001"),
        "--values hostPID: true not applied: {ids:?}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn kustomize_directory() {
    assert!(
        find_tool("kubectl").is_some() || find_tool("kustomize").is_some(),
        "install kubectl or kustomize"
    );
    let d = tmp("kust");
    std::fs::write(
        d.join("kustomization.yaml"),
        "resources:\n- pod.yaml\nnamespace: team\n",
    )
    .unwrap();
    std::fs::write(
        d.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: k\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x\n",
    )
    .unwrap();
    let r = scan(&[Input::Kustomize(d.clone())], &ScanOptions::default()).unwrap();
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "BW-K8S-0001")
        .expect("hostNetwork");
    assert_eq!(f.location.resource.as_deref(), Some("Pod/team/k"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn missing_chart_is_an_error() {
    need("helm");
    let r = scan(
        &[Input::HelmChart {
            dir: "/nonexistent/chart".into(),
            set: vec![],
            values: vec![],
        }],
        &ScanOptions::default(),
    );
    assert!(r.is_err());
}
