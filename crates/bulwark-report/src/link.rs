//! Ties a finding to the package it is about, through the finding's well-known properties.

use bulwark_types::{Finding, Package};

use crate::Report;

fn prop<'a>(f: &'a Finding, key: &str) -> Option<&'a str> {
    f.properties
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(crate) fn package_name(f: &Finding) -> Option<&str> {
    prop(f, "packageName").or_else(|| prop(f, "pkgName"))
}

pub(crate) fn installed_version(f: &Finding) -> Option<&str> {
    prop(f, "installedVersion")
}

pub(crate) fn fixed_version(f: &Finding) -> Option<&str> {
    prop(f, "fixedVersion")
}

pub(crate) fn purl(f: &Finding) -> Option<&str> {
    prop(f, "purl")
}

/// The index in `report.packages` of the package `finding` is about: matched by `purl`, else by `packageName` (and
/// `installedVersion` when given). Among several candidates (the same package installed twice), the one whose
/// `found_in` is the finding's path, or whose layer is the finding's layer, wins; otherwise the first.
pub(crate) fn package_of(report: &Report, finding: &Finding) -> Option<usize> {
    let by_purl = purl(finding);
    let by_name = package_name(finding);
    if by_purl.is_none() && by_name.is_none() {
        return None;
    }
    let version = installed_version(finding);
    let matches = |p: &Package| match (by_purl, by_name) {
        (Some(u), _) if !p.purl.is_empty() => p.purl == u,
        (_, Some(n)) => p.name == n && version.is_none_or(|v| p.version == v),
        _ => false,
    };
    let candidates: Vec<usize> = report
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| matches(p))
        .map(|(i, _)| i)
        .collect();
    let loc = &finding.location;
    candidates
        .iter()
        .copied()
        .find(|&i| {
            let p = &report.packages[i];
            (loc.path.is_some() && p.found_in.as_deref() == loc.path.as_deref())
                || (loc.layer.is_some()
                    && p.layer.as_ref().map(|l| l.index) == loc.layer.as_ref().map(|l| l.index))
        })
        .or_else(|| candidates.first().copied())
}
