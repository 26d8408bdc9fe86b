//! The version readers on their own: manifest image tags, and the linked-in version string of a binary across the
//! reader's piece boundaries and among decoys.

use bulwark_node::detect::{version_from_binary, version_from_manifest};

#[test]
fn manifest_tags() {
    let m =
        |image: &str| version_from_manifest(&format!("spec:\n  containers:\n  - image: {image}\n"));
    assert_eq!(
        m("k8s.gcr.io/kube-apiserver:v1.21.1").as_deref(),
        Some("1.21")
    );
    assert_eq!(
        m("\"registry.k8s.io/kube-apiserver:v1.31.2\"").as_deref(),
        Some("1.31")
    );
    assert_eq!(
        m("registry.local:5000/kube-apiserver:v1.29.0-eks-1").as_deref(),
        Some("1.29")
    );
    assert_eq!(
        m("registry.local:5000/kube-apiserver@sha256:abcd"),
        None,
        "a port is not a tag"
    );
    assert_eq!(m("kube-apiserver:latest"), None);
    assert_eq!(m("kube-apiserver"), None);
    // The first image with a version tag wins.
    let two = "  - image: busybox:1.36\n  - image: k8s.gcr.io/kube-apiserver:v1.20.7\n";
    assert_eq!(version_from_manifest(two).as_deref(), Some("1.20"));
}

#[test]
fn binary_strings_across_piece_boundaries() {
    const MIB: usize = 1 << 20;
    // The version straddles each position around the first and second 1 MiB boundaries.
    for at in [
        MIB - 9,
        MIB - 4,
        MIB - 1,
        MIB,
        MIB + 60,
        2 * MIB + 62,
        2 * MIB + 65,
    ] {
        let mut b = vec![0x41u8; 3 * MIB];
        let s = b"\0v1.30.14\0";
        b[at..at + s.len()].copy_from_slice(s);
        assert_eq!(
            version_from_binary(&b[..]).as_deref(),
            Some("1.30"),
            "at {at}"
        );
    }
}

#[test]
fn binary_version_among_decoys() {
    let mut b = Vec::new();
    // Module versions inside longer strings (build info, symbol names) do not count.
    for _ in 0..50 {
        b.extend_from_slice(b"dep\tgithub.com/spf13/cobra\tv1.8.0\th1:xyz\n");
        b.extend_from_slice(b"k8s.io/klog/v2@v1.20.0/klog.go\0");
    }
    b.extend_from_slice(b"\0v1.29.3\0v1.29.3\0\0go1.21.9\0");
    // A lone different NUL-delimited version is outvoted.
    b.extend_from_slice(b"\0v1.2.3\0");
    assert_eq!(version_from_binary(&b[..]).as_deref(), Some("1.29"));
    assert_eq!(version_from_binary(&b"\0v2.0.0\0 no kube here"[..]), None);
    assert_eq!(version_from_binary(&[][..]), None);
}
