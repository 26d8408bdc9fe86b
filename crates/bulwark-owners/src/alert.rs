//! Routing a runtime alert: the team that owns what the alert is about.
//!
//! An alert about a file (`proc.exepath`, the program that ran; `fd.name`, the file it opened) whose path is
//! in the image's SBOM goes where a finding in that file's package would: the package → the layer that brought
//! it in → the owners rule for that layer (`createdBy`, `baseImage`) or package (`purl`), so alerts reach the
//! team that owns the affected layer. Otherwise the alert is routed by what else is known: the image
//! (`registry`), the workload's labels and annotations, the namespace. [`route_alert`] says which file and
//! package decided, and which rule (file:line), as findings' routes do.

use std::collections::HashMap;
use std::fmt::Write as _;

use bulwark_types::Package;
use serde_json::Value;

use crate::model::{Ownership, Route};
use crate::route::{FindingContext, ImageContext, LayerContext, WorkloadContext, route};

/// The output fields that name a file an alert is about, in order of preference.
pub const ALERT_FILE_FIELDS: [&str; 2] = ["proc.exepath", "fd.name"];

/// The absolute paths an alert's output fields name (see [`ALERT_FILE_FIELDS`]), in order, without
/// repeats; sockets, pipes and relative names are left out.
#[must_use]
pub fn alert_paths(output_fields: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in ALERT_FILE_FIELDS {
        if let Some(p) = output_fields.get(k).and_then(Value::as_str)
            && p.starts_with('/')
            && p.len() <= 4096
        {
            let p = normalize(p);
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Collapses `//` and `/./` and drops a trailing `/`; `..` is kept (a path with it is looked up as written).
fn normalize(p: &str) -> String {
    let mut s = String::with_capacity(p.len());
    for part in p.split('/').filter(|c| !c.is_empty() && *c != ".") {
        s.push('/');
        s.push_str(part);
    }
    if s.is_empty() { "/".to_owned() } else { s }
}

/// The same file under merged `/usr` (Debian 12, Fedora, Ubuntu): `/bin/sh` is `/usr/bin/sh`. A package
/// database may list either spelling while the kernel reports the resolved one.
fn usrmerge_alias(p: &str) -> Option<String> {
    const MERGED: [&str; 5] = ["/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/"];
    if let Some(rest) = p.strip_prefix("/usr")
        && MERGED.iter().any(|m| rest.starts_with(m))
    {
        return Some(rest.to_owned());
    }
    MERGED
        .iter()
        .any(|m| p.starts_with(m))
        .then(|| format!("/usr{p}"))
}

/// Which package installed which file, from an SBOM's packages (`Package::files`).
pub struct FileOwners<'p> {
    by_path: HashMap<String, &'p Package>,
}

impl<'p> FileOwners<'p> {
    /// Indexes `packages`' files; a file two packages list goes to the first.
    #[must_use]
    pub fn new(packages: &'p [Package]) -> Self {
        let mut by_path = HashMap::new();
        for p in packages {
            for f in &p.files {
                let f = if f.starts_with('/') {
                    normalize(f)
                } else {
                    normalize(&format!("/{f}"))
                };
                by_path.entry(f).or_insert(p);
            }
        }
        Self { by_path }
    }

    /// The package that installed `path` (also under its merged-`/usr` spelling).
    #[must_use]
    pub fn owner(&self, path: &str) -> Option<&'p Package> {
        let p = normalize(path);
        self.by_path
            .get(&p)
            .or_else(|| usrmerge_alias(&p).and_then(|a| self.by_path.get(&a)))
            .copied()
    }

    /// How many files are indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }
}

/// What is known about one alert.
#[derive(Clone, Copy, Default)]
pub struct AlertContext<'a> {
    /// The files the alert is about ([`alert_paths`]).
    pub paths: &'a [String],
    /// The image's packages, from its stored SBOM (`None` when the image has none).
    pub files: Option<&'a FileOwners<'a>>,
    /// How many bottom layers belong to the base image, when known.
    pub base_layers: Option<usize>,
    pub image: ImageContext<'a>,
    pub workload: WorkloadContext<'a>,
}

/// Where an alert goes, and through which file and package when one decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRoute {
    pub route: Route,
    /// The alert's file found in the SBOM.
    pub file: Option<String>,
    /// The purl of the package that installed it.
    pub package: Option<String>,
    /// The layer that brought the package in (0 = bottom).
    pub layer: Option<usize>,
    /// One sentence: the file, package and layer, then the rule's explanation.
    pub why: String,
}

/// Routes an alert (see the module docs); `None` when no rule matches and there is no `defaultTeam`.
#[must_use]
pub fn route_alert(ownership: &Ownership, cx: &AlertContext<'_>) -> Option<AlertRoute> {
    let base = FindingContext {
        purl: None,
        layer: None,
        image: cx.image,
        workload: cx.workload,
    };
    if let Some(files) = cx.files {
        for path in cx.paths {
            let Some(pkg) = files.owner(path) else {
                continue;
            };
            let layer = pkg
                .layer
                .as_ref()
                .map(|l| LayerContext::of(l, cx.base_layers));
            let fcx = FindingContext {
                purl: Some(&pkg.purl),
                layer,
                ..base
            };
            let r = route(ownership, &fcx)?;
            let mut why = format!("file {path} is from package {}", pkg.purl);
            if let Some(l) = &layer {
                let _ = write!(why, " (layer {}", l.index);
                if let Some(c) = l.created_by {
                    let short: String = c.chars().take(60).collect();
                    let _ = write!(why, ", created by \"{short}\"");
                }
                why.push(')');
            }
            why.push_str("; ");
            why.push_str(&r.explanation);
            return Some(AlertRoute {
                file: Some(path.clone()),
                package: Some(pkg.purl.clone()),
                layer: layer.map(|l| l.index),
                why,
                route: r,
            });
        }
    }
    let r = route(ownership, &base)?;
    let why = if cx.paths.is_empty() || cx.files.is_none() {
        r.explanation.clone()
    } else {
        format!(
            "{} not in the image's SBOM; {}",
            cx.paths.join(", "),
            r.explanation
        )
    };
    Some(AlertRoute {
        route: r,
        file: None,
        package: None,
        layer: None,
        why,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use bulwark_types::{LayerRef, PackageType};
    use serde_json::json;

    use super::*;
    use crate::parse_bytes;

    // Line numbers are the rules' lines in this text (1-based).
    const OWNERS: &str = "\
teams:
  platform: {}
  payments: {}
  web: {}
  data: {}
rules:
  - {team: platform, createdBy: \"ADD rootfs.tar.xz *\"}
  - {team: web, createdBy: \"*npm ci*\"}
  - {team: data, registry: \"registry.example/shop/*\"}
  - {team: payments, namespace: payments}
";

    fn pkg(name: &str, purl: &str, layer: usize, created_by: &str, files: &[&str]) -> Package {
        let mut p = Package::new(PackageType::Dpkg, name, "1");
        p.purl = purl.into();
        p.layer = Some(LayerRef {
            index: layer,
            digest: None,
            diff_id: None,
            created_by: Some(Arc::from(created_by)),
        });
        p.files = files.iter().map(|f| (*f).to_owned()).collect();
        p
    }

    fn packages() -> Vec<Package> {
        vec![
            pkg(
                "curl",
                "pkg:deb/debian/curl@7.88.1-10",
                0,
                "ADD rootfs.tar.xz / # buildkit",
                &["/usr/bin/curl", "/usr/share/doc/curl/copyright"],
            ),
            pkg(
                "bash",
                "pkg:deb/debian/bash@5.2.15-2",
                0,
                "ADD rootfs.tar.xz / # buildkit",
                &["/bin/bash"],
            ),
            pkg(
                "express",
                "pkg:npm/express@4.18.2",
                3,
                "RUN npm ci --omit=dev",
                &["app/node_modules/express/index.js"],
            ),
        ]
    }

    fn routed(fields: &Value, with_sbom: bool) -> (String, u32, Option<String>, String) {
        let o = parse_bytes(OWNERS.as_bytes(), "owners.yaml").unwrap();
        let pk = packages();
        let owners = FileOwners::new(&pk);
        let paths = alert_paths(fields);
        let cx = AlertContext {
            paths: &paths,
            files: with_sbom.then_some(&owners),
            image: ImageContext {
                reference: Some("registry.example/shop/payments:1.4"),
                ..ImageContext::default()
            },
            workload: WorkloadContext {
                namespace: Some("payments"),
                ..WorkloadContext::default()
            },
            ..AlertContext::default()
        };
        let r = route_alert(&o, &cx).unwrap();
        (r.route.team, r.route.rule.line, r.package, r.why)
    }

    #[test]
    fn a_program_from_the_base_layer_goes_to_the_base_layers_owner() {
        let (team, line, pkg, why) = routed(&json!({"proc.exepath": "/usr/bin/curl"}), true);
        assert_eq!((team.as_str(), line), ("platform", 7));
        assert_eq!(pkg.as_deref(), Some("pkg:deb/debian/curl@7.88.1-10"));
        assert!(
            why.starts_with(
                "file /usr/bin/curl is from package pkg:deb/debian/curl@7.88.1-10 (layer 0"
            ),
            "{why}"
        );
        assert!(why.contains("owners.yaml:7"), "{why}");
    }

    #[test]
    fn merged_usr_and_relative_sbom_paths_are_found() {
        // The kernel reports /usr/bin/bash; dpkg lists /bin/bash.
        let (team, line, pkg, _) = routed(&json!({"proc.exepath": "/usr/bin/bash"}), true);
        assert_eq!(
            (team.as_str(), line, pkg.as_deref()),
            ("platform", 7, Some("pkg:deb/debian/bash@5.2.15-2"))
        );
        // A file the program opened, in an application layer.
        let (team, line, _, _) = routed(
            &json!({"proc.exepath": "/usr/local/bin/node", "fd.name": "/app//node_modules/express/./index.js"}),
            true,
        );
        assert_eq!((team.as_str(), line), ("web", 8));
    }

    #[test]
    fn without_the_file_in_the_sbom_the_image_then_the_namespace_decide() {
        let (team, line, pkg, why) = routed(&json!({"proc.exepath": "/tmp/xmrig"}), true);
        assert_eq!((team.as_str(), line, pkg), ("data", 9, None));
        assert!(why.starts_with("/tmp/xmrig not in the image's SBOM; image registry.example/shop/payments:1.4 matches"), "{why}");
        let (team, line, _, _) = routed(&json!({"fd.name": "10.0.0.1:443->10.0.0.2:5000"}), false);
        assert_eq!((team.as_str(), line), ("data", 9));
        // Without an image the namespace rule is left.
        let o = parse_bytes(OWNERS.as_bytes(), "owners.yaml").unwrap();
        let cx = AlertContext {
            workload: WorkloadContext {
                namespace: Some("payments"),
                labels: None,
                annotations: None,
            },
            ..AlertContext::default()
        };
        let r = route_alert(&o, &cx).unwrap();
        assert_eq!((r.route.team.as_str(), r.route.rule.line), ("payments", 10));
        // An owner label on the workload names the team outright.
        let labels: BTreeMap<String, String> =
            [("bulwark.dev/owner".to_owned(), "web".to_owned())].into();
        let cx = AlertContext {
            workload: WorkloadContext {
                labels: Some(&labels),
                ..cx.workload
            },
            ..cx
        };
        assert_eq!(route_alert(&o, &cx).unwrap().route.team, "web");
    }

    #[test]
    fn alert_paths_keep_absolute_files_in_order() {
        assert_eq!(
            alert_paths(&json!({"fd.name": "/etc//shadow", "proc.exepath": "/usr/bin/cat"})),
            ["/usr/bin/cat", "/etc/shadow"]
        );
        assert!(alert_paths(&json!({"fd.name": "pipe:[123]", "proc.exepath": 7})).is_empty());
        assert_eq!(usrmerge_alias("/usr/lib/x"), Some("/lib/x".into()));
        assert_eq!(usrmerge_alias("/usr/share/x"), None);
        assert_eq!(usrmerge_alias("/sbin/init"), Some("/usr/sbin/init".into()));
    }
}
