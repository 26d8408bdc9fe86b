//! Sonobuoy result tarballs (`sonobuoy retrieve`): a gzip'd (or plain) tar whose plugins write JUnit XML
//! (`plugins/<plugin>/results/global/junit_01.xml` for e2e). Every `.xml` member is read as JUnit; each
//! `<testcase>` with a `<failure>` or `<error>` child is a finding (id `sonobuoy/<plugin>`, the test's name as its
//! title, severity medium). Skipped and passed tests are not findings.
//!
//! Bounds, checked on each header before its data is read: the entry count, one entry's size, and the total;
//! a tar bomb is refused naming the tarball and the entry.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use bulwark_types::{Finding, FindingKind, Location, Severity};
use serde_json::Value;

use crate::{ConsolidateError, InputKind, Sink, cut};

pub(crate) fn read(r: impl Read, sink: &mut Sink<'_>) -> Result<(), ConsolidateError> {
    let mut r = std::io::BufReader::new(r);
    let gz = {
        use std::io::BufRead as _;
        let head = r.fill_buf().map_err(|error| ConsolidateError::Io {
            name: sink.name().to_owned(),
            error,
        })?;
        head.starts_with(&[0x1f, 0x8b])
    };
    if gz {
        walk(flate2::bufread::MultiGzDecoder::new(r), sink)
    } else {
        walk(r, sink)
    }
}

fn walk(r: impl Read, sink: &mut Sink<'_>) -> Result<(), ConsolidateError> {
    let limits = sink.limits();
    let name = sink.name().to_owned();
    let tar_err = |message: String| ConsolidateError::Tar {
        name: name.clone(),
        message,
    };
    let mut archive = tar::Archive::new(r);
    let entries = archive
        .entries()
        .map_err(|e| tar_err(format!("not a tar archive: {e}")))?;
    let mut count = 0usize;
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_err(format!("after {count} entries: {e}")))?;
        count += 1;
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let shown = cut(&path, 512);
        if count > limits.max_tar_entries {
            return Err(tar_err(format!(
                "entry {shown}: more than {} entries",
                limits.max_tar_entries
            )));
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.max_tar_entry_bytes {
            return Err(tar_err(format!(
                "entry {shown}: {size} bytes is over the {}-byte entry limit",
                limits.max_tar_entry_bytes
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_tar_total_bytes {
            return Err(tar_err(format!(
                "entry {shown}: the members unpack to more than {} bytes",
                limits.max_tar_total_bytes
            )));
        }
        if !entry.header().entry_type().is_file() || !path.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        let member = format!("{name}!{shown}");
        if size > limits.max_file_bytes {
            return Err(ConsolidateError::TooLarge {
                name: member,
                size,
                limit: limits.max_file_bytes,
            });
        }
        let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| tar_err(format!("entry {shown}: {e}")))?;
        junit(&bytes, &path, &member, sink)?;
    }
    Ok(())
}

/// The plugin a member belongs to: the directory after `plugins/`.
fn plugin_of(path: &str) -> &str {
    let mut parts = path.trim_start_matches("./").split('/');
    while let Some(p) = parts.next() {
        if p == "plugins" {
            return parts.next().unwrap_or("unknown");
        }
    }
    "unknown"
}

fn junit(
    bytes: &[u8],
    path: &str,
    member: &str,
    sink: &mut Sink<'_>,
) -> Result<(), ConsolidateError> {
    let invalid = |message: String| ConsolidateError::Invalid {
        name: member.to_owned(),
        kind: InputKind::Sonobuoy,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8: {e}")))?;
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 5_000_000,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| invalid(format!("not XML: {e}")))?;
    let plugin = plugin_of(path);
    let location_path: Arc<str> = Arc::from(cut(path, 4096));
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let Some(fail) = case
            .children()
            .find(|c| c.has_tag_name("failure") || c.has_tag_name("error"))
        else {
            continue;
        };
        let test = case.attribute("name").unwrap_or("unnamed test");
        let detail = fail
            .attribute("message")
            .map(str::to_owned)
            .or_else(|| fail.text().map(|t| t.trim().to_owned()))
            .unwrap_or_default();
        let mut p = BTreeMap::new();
        p.insert("plugin".into(), Value::String(plugin.to_owned()));
        if let Some(c) = case.attribute("classname") {
            p.insert("classname".into(), Value::String(cut(c, 1000)));
        }
        p.insert(
            "outcome".into(),
            Value::String(fail.tag_name().name().to_owned()),
        );
        sink.push(
            "sonobuoy",
            Finding {
                kind: FindingKind::Policy,
                id: cut(&format!("sonobuoy/{plugin}"), 512).into(),
                name: None,
                severity: Severity::Medium,
                title: cut(test, 1000).into(),
                message: Arc::from(cut(
                    &if detail.is_empty() {
                        format!("{test} failed")
                    } else {
                        format!("{test} failed: {detail}")
                    },
                    64 << 10,
                )),
                location: Location {
                    path: Some(location_path.clone()),
                    resource: Some(Arc::from(format!("plugin/{}", cut(plugin, 256)))),
                    ..Location::default()
                },
                evidence: None,
                references: Vec::new(),
                properties: p,
                shared_properties: None,
            },
        )?;
    }
    Ok(())
}
