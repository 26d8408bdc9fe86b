//! Bulwark's own SBOMs read back: build realistic reports in code, render them with `bulwark-report`'s
//! CycloneDX and SPDX renderers, parse the output, and compare with the packages and distro that went in.

use bulwark_report::{
    ImageMetadata, Report, Target, TargetKind, render_cyclonedx, render_spdx_json,
};
use bulwark_sbom::{SbomFormat, parse_sbom};
use bulwark_types::{Distro, LayerRef, Package, PackageType};

fn layer(index: usize, hex: char, created_by: &str) -> LayerRef {
    LayerRef {
        index,
        digest: Some(format!("sha256:{}", hex.to_string().repeat(64)).into()),
        diff_id: Some(format!("sha256:{}0", hex.to_string().repeat(63)).into()),
        created_by: Some(created_by.into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn os_pkg(
    ty: PackageType,
    name: &str,
    version: &str,
    arch: &str,
    source: Option<(&str, &str)>,
    purl: &str,
    found_in: &str,
    licenses: &[&str],
) -> Package {
    let mut p = Package::new(ty, name, version);
    p.arch = Some(arch.into());
    p.source_name = source.map(|s| s.0.into());
    p.source_version = source.map(|s| s.1.into());
    p.purl = purl.into();
    p.found_in = Some(found_in.into());
    p.licenses = licenses.iter().map(|l| (*l).to_string()).collect();
    p.layer = Some(layer(0, 'a', "/bin/sh -c #(nop) ADD file:0123 in / "));
    p.files = vec![format!("/usr/share/doc/{name}/copyright")];
    p
}

fn lang_pkg(ty: PackageType, name: &str, version: &str, purl: &str, found_in: &str) -> Package {
    let mut p = Package::new(ty, name, version);
    p.purl = purl.into();
    p.found_in = Some(found_in.into());
    p.licenses = vec!["MIT".into()];
    p.layer = Some(layer(2, 'c', "COPY app /app # buildkit"));
    p
}

/// A Debian image as `bulwark sbom` would describe it (purls as the dpkg cataloger builds them).
fn debian_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "registry.example.com/team/app:1.4".into(),
        image: Some(ImageMetadata {
            manifest_digest: Some(format!("sha256:{}", "1".repeat(64))),
            config_digest: Some(format!("sha256:{}", "2".repeat(64))),
            repo_tags: vec!["registry.example.com/team/app:1.4".into()],
            architecture: Some("amd64".into()),
            os: Some("linux".into()),
            layers: vec![
                layer(0, 'a', "/bin/sh -c #(nop) ADD file:0123 in / "),
                layer(1, 'b', "RUN apt-get update && apt-get install -y curl"),
                layer(2, 'c', "COPY app /app # buildkit"),
            ],
            ..ImageMetadata::default()
        }),
    });
    r.os = Some(Distro {
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        id_like: vec![],
    });
    let status = "/var/lib/dpkg/status";
    let mut libc = os_pkg(
        PackageType::Dpkg,
        "libc6",
        "2.36-9+deb12u4",
        "amd64",
        Some(("glibc", "2.36-9+deb12u4")),
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
        status,
        &["GPL-2.0-only", "LGPL-2.1-only"],
    );
    libc.last_changed_layer = Some(layer(
        1,
        'b',
        "RUN apt-get update && apt-get install -y curl",
    ));
    let zlib = os_pkg(
        PackageType::Dpkg,
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "amd64",
        Some(("zlib", "1:1.2.13.dfsg-1")),
        "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib",
        status,
        &["Zlib"],
    );
    let mut curl = os_pkg(
        PackageType::Dpkg,
        "curl",
        "7.88.1-10+deb12u5",
        "amd64",
        None,
        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12",
        status,
        &["curl"],
    );
    curl.layer = Some(layer(
        1,
        'b',
        "RUN apt-get update && apt-get install -y curl",
    ));
    let stdcxx = os_pkg(
        PackageType::Dpkg,
        "libstdc++6",
        "12.2.0-14",
        "amd64",
        Some(("gcc-12", "12.2.0-14")),
        "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12",
        status,
        &[],
    );
    let mut lodash = lang_pkg(
        PackageType::Npm,
        "lodash",
        "4.17.21",
        "pkg:npm/lodash@4.17.21",
        "/app/package-lock.json",
    );
    lodash.direct = Some(true);
    let mut babel = lang_pkg(
        PackageType::Npm,
        "@babel/core",
        "7.24.0",
        "pkg:npm/%40babel/core@7.24.0",
        "/app/package-lock.json",
    );
    babel.direct = Some(false);
    babel.dev = true;
    let requests = lang_pkg(
        PackageType::Python,
        "requests",
        "2.31.0",
        "pkg:pypi/requests@2.31.0",
        "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
    );
    let guava = lang_pkg(
        PackageType::Maven,
        "com.google.guava:guava",
        "31.1-jre",
        "pkg:maven/com.google.guava/guava@31.1-jre",
        "/app/lib/guava-31.1-jre.jar",
    );
    let text = lang_pkg(
        PackageType::Go,
        "golang.org/x/text",
        "v0.14.0",
        "pkg:golang/golang.org/x/text@v0.14.0",
        "/app/bin/server",
    );
    r.packages = vec![
        libc, zlib, curl, stdcxx, lodash, babel, requests, guava, text,
    ];
    r
}

/// An Alpine rootfs (no image metadata), purls as the apk cataloger builds them (`distro=` is the bare version).
fn alpine_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Rootfs,
        name: "/srv/rootfs".into(),
        image: None,
    });
    r.os = Some(Distro {
        id: "alpine".into(),
        version_id: Some("3.14.0".into()),
        codename: None,
        pretty_name: Some("Alpine Linux v3.14".into()),
        id_like: vec![],
    });
    let installed = "/lib/apk/db/installed";
    let mut musl = os_pkg(
        PackageType::Apk,
        "musl",
        "1.2.2-r3",
        "x86_64",
        Some(("musl", "1.2.2-r3")),
        "pkg:apk/alpine/musl@1.2.2-r3?arch=x86_64&distro=3.14.0",
        installed,
        &["MIT"],
    );
    musl.layer = None;
    let mut ssl = os_pkg(
        PackageType::Apk,
        "libssl1.1",
        "1.1.1k-r0",
        "x86_64",
        Some(("openssl", "1.1.1k-r0")),
        "pkg:apk/alpine/libssl1.1@1.1.1k-r0?arch=x86_64&distro=3.14.0&upstream=openssl",
        installed,
        &["OpenSSL"],
    );
    ssl.layer = None;
    r.packages = vec![musl, ssl];
    r
}

/// A Rocky Linux package, the way the rpm cataloger builds the purl.
fn rpm_report() -> Report {
    let mut r = Report::new(Target {
        kind: TargetKind::Image,
        name: "rockylinux:9".into(),
        image: None,
    });
    r.os = Some(Distro {
        id: "rocky".into(),
        version_id: Some("9.3".into()),
        codename: None,
        pretty_name: Some("Rocky Linux 9.3 (Blue Onyx)".into()),
        id_like: vec!["rhel".into(), "centos".into(), "fedora".into()],
    });
    let mut bash = os_pkg(
        PackageType::Rpm,
        "bash",
        "5.1.8-6.el9_1",
        "x86_64",
        Some(("bash", "5.1.8-6.el9_1")),
        "pkg:rpm/rocky/bash@5.1.8-6.el9_1?arch=x86_64&distro=rocky-9.3&upstream=bash-5.1.8-6.el9_1.src.rpm",
        "/var/lib/rpm/rpmdb.sqlite",
        &["GPL-3.0-or-later"],
    );
    bash.layer = None;
    let mut shadow = os_pkg(
        PackageType::Rpm,
        "shadow-utils",
        "2:4.9-8.el9",
        "x86_64",
        Some(("shadow-utils", "2:4.9-8.el9")),
        "pkg:rpm/rocky/shadow-utils@4.9-8.el9?arch=x86_64&epoch=2&distro=rocky-9.3&upstream=shadow-utils-4.9-8.el9.src.rpm",
        "/var/lib/rpm/rpmdb.sqlite",
        &["BSD-3-Clause", "GPL-2.0-or-later"],
    );
    shadow.layer = None;
    r.packages = vec![bash, shadow];
    r
}

fn render(report: &Report, cdx: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if cdx {
        render_cyclonedx(report, &mut out).unwrap();
    } else {
        render_spdx_json(report, &mut out).unwrap();
    }
    out
}

/// CycloneDX carries every field but the installed-file list.
#[test]
fn cyclonedx_round_trip_is_exact() {
    for report in [debian_report(), alpine_report(), rpm_report()] {
        let bytes = render(&report, true);
        let sbom = parse_sbom(&bytes, "bom.cdx.json").unwrap();
        assert_eq!(sbom.format, SbomFormat::CycloneDx);
        assert_eq!(sbom.spec_version, "1.6");
        assert!(sbom.diagnostics.is_empty(), "{:?}", sbom.diagnostics);
        assert_eq!(
            sbom.target_name.as_deref(),
            Some(report.target.name.as_str())
        );
        let expected: Vec<Package> = report
            .packages
            .iter()
            .cloned()
            .map(|mut p| {
                p.files.clear();
                p
            })
            .collect();
        assert_eq!(sbom.packages.len(), expected.len());
        for (got, want) in sbom.packages.iter().zip(&expected) {
            assert_eq!(got, want);
        }
        assert_eq!(sbom.distro, report.os);
    }
}

/// What SPDX carries: name, version, type, purl (so arch and the distro), licenses, found-in, the layer that
/// introduced the package, the last-changed layer's index and command, and the OS (id, version, pretty name).
/// The source package comes back from the purl's `upstream` qualifier.
#[test]
fn spdx_round_trip_keeps_what_spdx_carries() {
    for report in [debian_report(), alpine_report(), rpm_report()] {
        let bytes = render(&report, false);
        let sbom = parse_sbom(&bytes, "bom.spdx.json").unwrap();
        assert_eq!(sbom.format, SbomFormat::Spdx);
        assert_eq!(sbom.spec_version, "SPDX-2.3");
        assert!(sbom.diagnostics.is_empty(), "{:?}", sbom.diagnostics);
        assert_eq!(
            sbom.target_name.as_deref(),
            Some(report.target.name.as_str())
        );
        assert_eq!(sbom.packages.len(), report.packages.len());
        for (got, want) in sbom.packages.iter().zip(&report.packages) {
            assert_eq!(got.package_type, want.package_type, "{}", want.name);
            assert_eq!(got.name, want.name);
            assert_eq!(got.version, want.version);
            assert_eq!(got.purl, want.purl);
            assert_eq!(got.arch, want.arch, "{}", want.name);
            assert_eq!(got.licenses, want.licenses, "{}", want.name);
            assert_eq!(got.found_in, want.found_in, "{}", want.name);
            // SPDX comments hold the command trimmed (Docker's history often ends in a space).
            let trimmed = want.layer.clone().map(|mut l| {
                l.created_by = l.created_by.map(|c| c.trim().into());
                l
            });
            assert_eq!(got.layer, trimmed, "{}", want.name);
            assert_eq!(
                got.last_changed_layer
                    .as_ref()
                    .map(|l| (l.index, l.created_by.as_deref().map(str::to_string))),
                want.last_changed_layer.as_ref().map(|l| (
                    l.index,
                    l.created_by.as_deref().map(|c| c.trim().to_string())
                )),
                "{}",
                want.name
            );
            if want.package_type.is_os() {
                assert_eq!(got.source_or_name(), want.source_or_name(), "{}", want.name);
            }
        }
        let want = report.os.clone().unwrap();
        let got = sbom.distro.unwrap();
        assert_eq!(
            (got.id, got.version_id, got.pretty_name),
            (want.id, want.version_id, want.pretty_name)
        );
    }
}

#[test]
fn rpm_source_packages_from_the_upstream_qualifier() {
    let sbom = parse_sbom(&render(&rpm_report(), false), "bom.spdx.json").unwrap();
    let shadow = &sbom.packages[1];
    assert_eq!(shadow.version, "2:4.9-8.el9");
    assert_eq!(shadow.source_name.as_deref(), Some("shadow-utils"));
    assert_eq!(shadow.source_version.as_deref(), Some("2:4.9-8.el9"));
}
