//! `table`: the human-readable report.
//!
//! A summary (target, package count, DB, findings by severity, what filters left out), then one section per
//! finding kind. Vulnerabilities get one table per package class, as trivy prints them: the OS packages
//! (`debian 12 (os)`) and each language ecosystem (`Python (python-pkg)`), with the package type, the file it
//! was found in and the layer that brought it; a legend names the layers. Image-configuration findings share one
//! table; other findings are grouped by file or resource. Diagnostics close the output.
//!
//! Everything fits [`RenderOptions::width`]: identifiers (package names, versions, advisory and rule ids) wrap
//! and are never cut; titles and paths are shortened first (see [`crate::layout`]). Colour (ANSI, severity cells
//! only) is used only when [`RenderOptions::color`] asks for it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use bulwark_types::{Finding, FindingKind, LayerRef, Package, PackageType, Severity};

use crate::layout::{Cell, Column, Elide, LAST, Table, ansi, draw, paragraph, width};
use crate::util::describe_layer;
use crate::{RenderOptions, Report, ReportError, TargetKind, link};

const SEVERITIES: [Severity; 6] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
    Severity::Unknown,
];

fn summary(findings: &[&Finding], color: bool) -> String {
    let parts: Vec<String> = SEVERITIES
        .iter()
        .map(|&s| {
            let n = findings.iter().filter(|f| f.severity == s).count();
            if color && n > 0 {
                format!("{}{s}: {n}\x1b[0m", ansi(s))
            } else {
                format!("{s}: {n}")
            }
        })
        .collect();
    format!("{} ({})", findings.len(), parts.join(", "))
}

/// Writes a summary line; colour codes take no room, so the line is wrapped on its plain text.
fn summary_line(out: &mut String, label: &str, findings: &[&Finding], o: &RenderOptions) {
    if o.color {
        let plain = format!("{label}: {}", summary(findings, false));
        if width(&plain) <= o.width {
            let _ = writeln!(out, "{label}: {}", summary(findings, true));
            return;
        }
    }
    paragraph(
        out,
        &format!("{label}: {}", summary(findings, false)),
        o.width,
        2,
    );
}

fn kind_title(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Vulnerability => "Vulnerabilities",
        FindingKind::Misconfiguration => "Misconfigurations",
        FindingKind::Secret => "Secrets",
        FindingKind::License => "Licenses",
        FindingKind::Malware => "Malware",
        FindingKind::Policy => "Policy violations",
        FindingKind::Runtime => "Runtime alerts",
        FindingKind::Dast => "DAST alerts",
    }
}

/// A package class: one table each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Os,
    Lang(PackageType),
    Other,
}

fn class_of(t: PackageType) -> Class {
    if t.is_os() { Class::Os } else { Class::Lang(t) }
}

/// The class of a finding without a package in the report, from its purl type.
fn class_of_purl(purl: &str) -> Class {
    let ty = purl
        .strip_prefix("pkg:")
        .and_then(|p| p.split('/').next())
        .unwrap_or("");
    match ty {
        "deb" | "apk" | "rpm" => Class::Os,
        "pypi" => Class::Lang(PackageType::Python),
        "npm" => Class::Lang(PackageType::Npm),
        "golang" => Class::Lang(PackageType::Go),
        "cargo" => Class::Lang(PackageType::Cargo),
        "maven" => Class::Lang(PackageType::Maven),
        "gem" => Class::Lang(PackageType::Gem),
        "composer" => Class::Lang(PackageType::Composer),
        "nuget" => Class::Lang(PackageType::Nuget),
        _ => Class::Other,
    }
}

/// `debian 12 (os)`, `Python (python-pkg)`: the table's title, as trivy names its targets.
fn class_heading(report: &Report, class: Class) -> String {
    match class {
        Class::Os => match &report.os {
            Some(os) => match os.version_id.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => format!("{} {v} (os)", os.id),
                None => format!("{} (os)", os.id),
            },
            None => "OS packages (os)".to_owned(),
        },
        Class::Lang(t) => match t {
            PackageType::Python => "Python (python-pkg)",
            PackageType::Npm => "Node.js (node-pkg)",
            PackageType::Go => "Go (go-module)",
            PackageType::Cargo => "Rust (cargo)",
            PackageType::Maven => "Java (jar)",
            PackageType::Gem => "Ruby (gemspec)",
            PackageType::Composer => "PHP (composer)",
            PackageType::Nuget => ".NET (nuget)",
            PackageType::Dpkg | PackageType::Apk | PackageType::Rpm => "OS packages (os)",
        }
        .to_owned(),
        Class::Other => "Other packages".to_owned(),
    }
}

fn layer_cell(l: Option<&LayerRef>) -> Cell {
    Cell::new(l.map_or_else(|| "-".to_owned(), |l| l.index.to_string()))
}

/// One vulnerability row before it becomes cells.
struct VulnRow<'a> {
    name: &'a str,
    finding: &'a Finding,
    installed: String,
    ty: String,
    path: String,
    layer: Option<&'a LayerRef>,
}

fn vulnerabilities(out: &mut String, report: &Report, vulns: &[&Finding], o: &RenderOptions) {
    let mut classes: BTreeMap<Class, Vec<VulnRow<'_>>> = BTreeMap::new();
    for f in vulns {
        let pkg: Option<&Package> = link::package_of(report, f).map(|i| &report.packages[i]);
        let class = pkg.map_or_else(
            || link::purl(f).map_or(Class::Other, class_of_purl),
            |p| class_of(p.package_type),
        );
        let row = VulnRow {
            name: link::package_name(f)
                .or(pkg.map(|p| p.name.as_str()))
                .unwrap_or("-"),
            finding: f,
            installed: link::installed_version(f)
                .map(str::to_owned)
                .or_else(|| pkg.map(|p| p.version.clone()))
                .unwrap_or_default(),
            ty: pkg.map_or_else(
                || match class {
                    Class::Lang(t) => t.as_str().to_owned(),
                    _ => String::new(),
                },
                |p| p.package_type.as_str().to_owned(),
            ),
            path: pkg
                .and_then(|p| p.found_in.clone())
                .or_else(|| f.location.path.as_deref().map(str::to_owned))
                .unwrap_or_default(),
            layer: pkg
                .and_then(|p| p.layer.as_ref())
                .or(f.location.layer.as_deref()),
        };
        classes.entry(class).or_default().push(row);
    }
    let mut layers: BTreeMap<usize, &LayerRef> = BTreeMap::new();
    for (class, mut rows) in classes {
        paragraph(out, &class_heading(report, class), o.width, 2);
        rows.sort_by(|a, b| {
            a.name
                .cmp(b.name)
                .then_with(|| a.installed.cmp(&b.installed))
                .then(b.finding.severity.cmp(&a.finding.severity))
                .then_with(|| a.finding.id.cmp(&b.finding.id))
        });
        let with_layers = rows.iter().any(|r| r.layer.is_some());
        let mut columns = vec![
            Column::id("Package"),
            Column::id("Vulnerability"),
            Column::keep("Severity"),
            Column::keep("Installed"),
            Column::keep("Fixed"),
            Column::optional("Type", 3),
            Column::shorten("Path", Elide::Start, 12, 1),
        ];
        if with_layers {
            columns.push(Column::optional("Layer", 2));
        }
        columns.push(Column::title("Title", Elide::Distinct, 24));
        let rows: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| {
                let f = r.finding;
                let mut cells = vec![
                    Cell::new(r.name),
                    Cell::new(&f.id),
                    Cell::severity(f.severity),
                    Cell::new(&r.installed),
                    Cell::new(link::fixed_version(f).unwrap_or("")),
                    Cell::new(&r.ty),
                    Cell::new(&r.path),
                ];
                if with_layers {
                    if let Some(l) = r.layer {
                        layers.insert(l.index, l);
                    }
                    cells.push(layer_cell(r.layer));
                }
                cells.push(Cell::new(&f.title));
                cells
            })
            .collect();
        draw(out, &Table { columns, rows }, o.width, o.color);
        out.push('\n');
    }
    layer_legend(out, &layers, o);
}

/// Names the layers a `Layer` column referred to: `layer 2 (sha256:…): RUN apt-get install …`.
fn layer_legend(out: &mut String, layers: &BTreeMap<usize, &LayerRef>, o: &RenderOptions) {
    if layers.is_empty() {
        return;
    }
    out.push_str("Layers:\n");
    for l in layers.values() {
        paragraph(out, &format!("  {}", describe_layer(l)), o.width, 4);
    }
    out.push('\n');
}

/// The title and the specific message, as one cell.
fn title_and_message(f: &Finding) -> String {
    if f.message.is_empty() {
        f.title.to_string()
    } else {
        format!("{}: {}", f.title, f.message)
    }
}

fn line_cell(f: &Finding) -> Cell {
    Cell::new(
        f.location
            .line
            .filter(|&l| l > 0)
            .map_or_else(|| "-".to_owned(), |l| l.to_string()),
    )
}

/// Image checks (`BW-IMG-*`: the configuration, and the file-access policy) are about one image: one table per
/// kind, whatever part of the image they point at.
fn is_image_check(f: &Finding) -> bool {
    f.id.starts_with("BW-IMG-")
}

/// `config.User`, or `/usr/bin/su (layer 3)`.
fn where_in_image(f: &Finding) -> String {
    let loc = &f.location;
    let mut s = loc
        .resource
        .as_deref()
        .or(loc.path.as_deref())
        .map(str::to_owned)
        .unwrap_or_default();
    if let Some(l) = &loc.layer {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = write!(s, "(layer {})", l.index);
    }
    s
}

fn image_checks(out: &mut String, heading: &str, findings: &[&Finding], o: &RenderOptions) {
    paragraph(out, heading, o.width, 2);
    let mut rows: Vec<&&Finding> = findings.iter().collect();
    rows.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| where_in_image(a).cmp(&where_in_image(b)))
    });
    let table = Table {
        columns: vec![
            Column::id("Rule"),
            Column::optional("Name", 1),
            Column::keep("Severity"),
            Column::id("Where"),
            Column::title("Title", Elide::Distinct, 20),
        ],
        rows: rows
            .iter()
            .map(|f| {
                vec![
                    Cell::new(&f.id),
                    Cell::new(f.name.as_deref().unwrap_or("")),
                    Cell::severity(f.severity),
                    Cell::new(where_in_image(f)),
                    Cell::new(title_and_message(f)),
                ]
            })
            .collect(),
    };
    draw(out, &table, o.width, o.color);
    out.push('\n');
}

/// The file or resource a finding is in: the heading of its group.
fn group_key(report: &Report, f: &Finding) -> String {
    let loc = &f.location;
    let mut key = match (&loc.path, &loc.resource) {
        (Some(p), Some(r)) => format!("{p} [{r}]"),
        (Some(p), None) => p.to_string(),
        (None, Some(r)) => r.to_string(),
        (None, None) => report.target.name.clone(),
    };
    if let Some(l) = &loc.layer {
        let _ = write!(key, " (layer {})", l.index);
    }
    key
}

fn grouped<'a>(report: &Report, findings: &[&'a Finding]) -> BTreeMap<String, Vec<&'a Finding>> {
    let mut groups: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(group_key(report, f)).or_default().push(f);
    }
    for rows in groups.values_mut() {
        rows.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.location.line.cmp(&b.location.line))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    groups
}

/// Misconfigurations, licenses, policy violations: grouped by file or resource.
fn rule_findings(out: &mut String, report: &Report, findings: &[&Finding], o: &RenderOptions) {
    for (key, rows) in grouped(report, findings) {
        paragraph(out, &key, o.width, 2);
        let table = Table {
            columns: vec![
                Column::id("Rule"),
                Column::optional("Name", 1),
                Column::keep("Severity"),
                Column::keep("Line"),
                Column::title("Title", Elide::Distinct, 20),
            ],
            rows: rows
                .iter()
                .map(|f| {
                    vec![
                        Cell::new(&f.id),
                        Cell::new(f.name.as_deref().unwrap_or("")),
                        Cell::severity(f.severity),
                        line_cell(f),
                        Cell::new(title_and_message(f)),
                    ]
                })
                .collect(),
        };
        draw(out, &table, o.width, o.color);
        out.push('\n');
    }
}

/// Secrets, by file: the kind of secret by its own name (`AWS Access Key ID`), not the rule id twice.
fn secrets(out: &mut String, report: &Report, findings: &[&Finding], o: &RenderOptions) {
    for (key, rows) in grouped(report, findings) {
        paragraph(out, &key, o.width, 2);
        let table = Table {
            columns: vec![
                Column::id("Rule"),
                Column::id("Secret"),
                Column::keep("Severity"),
                Column::keep("Line"),
                Column::shorten("Match", Elide::End, 12, LAST),
            ],
            rows: rows
                .iter()
                .map(|f| {
                    vec![
                        Cell::new(&f.id),
                        Cell::new(&f.title),
                        Cell::severity(f.severity),
                        line_cell(f),
                        Cell::new(f.evidence.as_deref().unwrap_or("")),
                    ]
                })
                .collect(),
        };
        draw(out, &table, o.width, o.color);
        out.push('\n');
    }
}

/// Malware: one table, the signature's own name first, then where it is.
fn malware(out: &mut String, findings: &[&Finding], o: &RenderOptions) {
    let mut rows: Vec<&&Finding> = findings.iter().collect();
    rows.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.path.cmp(&b.location.path))
            .then_with(|| a.id.cmp(&b.id))
    });
    let with_layers = rows.iter().any(|f| f.location.layer.is_some());
    let mut columns = vec![
        Column::id("Signature"),
        Column::keep("Severity"),
        Column::id("Path"),
    ];
    if with_layers {
        columns.push(Column::optional("Layer", 2));
    }
    columns.push(Column::title("Detail", Elide::Distinct, 16));
    let mut layers = BTreeMap::new();
    let rows = rows
        .iter()
        .map(|f| {
            let mut cells = vec![
                Cell::new(&f.id),
                Cell::severity(f.severity),
                Cell::new(f.location.path.as_deref().unwrap_or("")),
            ];
            if with_layers {
                if let Some(l) = &f.location.layer {
                    layers.insert(l.index, &**l);
                }
                cells.push(layer_cell(f.location.layer.as_deref()));
            }
            cells.push(Cell::new(&f.message));
            cells
        })
        .collect();
    draw(out, &Table { columns, rows }, o.width, o.color);
    out.push('\n');
    layer_legend(out, &layers, o);
}

/// `sbom -f table`: every package, one table per class.
fn inventory(out: &mut String, report: &Report, o: &RenderOptions) {
    let mut classes: BTreeMap<Class, Vec<&Package>> = BTreeMap::new();
    for p in &report.packages {
        classes.entry(class_of(p.package_type)).or_default().push(p);
    }
    let mut layers = BTreeMap::new();
    for (class, mut pkgs) in classes {
        paragraph(
            out,
            &format!(
                "{}: {} package{}",
                class_heading(report, class),
                pkgs.len(),
                if pkgs.len() == 1 { "" } else { "s" }
            ),
            o.width,
            2,
        );
        pkgs.sort_by(|a, b| {
            (&a.name, &a.version, &a.found_in).cmp(&(&b.name, &b.version, &b.found_in))
        });
        let with_layers = pkgs.iter().any(|p| p.layer.is_some());
        let mut columns = vec![
            Column::id("Package"),
            Column::id("Version"),
            Column::optional("Type", 3),
            Column::shorten("Path", Elide::Start, 12, 1),
        ];
        if with_layers {
            columns.push(Column::optional("Layer", 2));
        }
        columns.push(Column::shorten("License", Elide::End, 12, LAST));
        let rows = pkgs
            .iter()
            .map(|p| {
                let mut cells = vec![
                    Cell::new(&p.name),
                    Cell::new(&p.version),
                    Cell::new(p.package_type.as_str()),
                    Cell::new(p.found_in.as_deref().unwrap_or("")),
                ];
                if with_layers {
                    if let Some(l) = &p.layer {
                        layers.insert(l.index, l);
                    }
                    cells.push(layer_cell(p.layer.as_ref()));
                }
                cells.push(Cell::new(
                    p.license_expression
                        .clone()
                        .unwrap_or_else(|| p.licenses.join(", ")),
                ));
                cells
            })
            .collect();
        draw(out, &Table { columns, rows }, o.width, o.color);
        out.push('\n');
    }
    layer_legend(out, &layers, o);
}

/// `Not shown: 12 findings filtered out (--severity HIGH,CRITICAL), 2 suppressed (VEX, ignore file)`.
fn omitted_line(report: &Report) -> Option<String> {
    let om = report.omitted.as_ref()?;
    let mut parts = Vec::new();
    if om.filtered > 0 {
        let mut s = format!("{} filtered out", om.filtered);
        if !om.filters.is_empty() {
            let _ = write!(s, " by {}", om.filters.join(" "));
        }
        parts.push(s);
    }
    if om.suppressed > 0 {
        parts.push(format!(
            "{} suppressed by VEX or the ignore file (--show-suppressed lists them)",
            om.suppressed
        ));
    }
    (!parts.is_empty()).then(|| format!("Not shown: {}", parts.join("; ")))
}

/// Renders `report` as human-readable tables.
pub fn render_table(
    report: &Report,
    options: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let o = options;
    let mut out = String::new();
    let mut title = report.target.name.clone();
    if let Some(os) = &report.os {
        match os.version_id.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => {
                let _ = write!(title, " ({} {v})", os.id);
            }
            None => {
                let _ = write!(title, " ({})", os.id);
            }
        }
    }
    paragraph(&mut out, &title, o.width, 2);
    let _ = writeln!(out, "{}", "=".repeat(width(&title).clamp(1, o.width)));
    // Manifest scans have no packages: a `Packages: 0` line would suggest a failed inventory.
    if report.target.kind != TargetKind::Manifests {
        let _ = writeln!(out, "Packages: {}", report.packages.len());
    }
    if let Some(db) = &report.vulnerability_db {
        paragraph(
            &mut out,
            &format!(
                "Vulnerability DB: built {} ({} days old), {}",
                db.built_at, db.age_days, db.path
            ),
            o.width,
            2,
        );
    }
    if o.inventory {
        out.push('\n');
        inventory(&mut out, report, o);
    } else {
        let all: Vec<&Finding> = report.findings.iter().collect();
        summary_line(&mut out, "Findings", &all, o);
        if let Some(line) = omitted_line(report) {
            paragraph(&mut out, &line, o.width, 2);
        }
        out.push('\n');
        findings(&mut out, report, o);
    }
    if let Some(v) = &report.verdict {
        verdict(&mut out, v, o);
    }
    if !report.diagnostics.is_empty() {
        let _ = writeln!(out, "Diagnostics ({}):", report.diagnostics.len());
        for d in &report.diagnostics {
            paragraph(&mut out, &format!("  {d}"), o.width, 2);
        }
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// A policy verdict alone (`bulwark policy eval`), as the table report's "Policy" section shows it.
#[must_use]
pub fn render_verdict(v: &serde_json::Value, o: &RenderOptions) -> String {
    let mut out = String::new();
    verdict(&mut out, v, o);
    out
}

/// The policy verdict: decision, bundle, and every rule that did not pass, with what it points at.
fn verdict(out: &mut String, v: &serde_json::Value, o: &RenderOptions) {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let b = &v["bundle"];
    let mut bundle = s(&b["name"]);
    if let Some(ver) = b["version"].as_str() {
        let _ = write!(bundle, " {ver}");
    }
    if let Some(c) = b["commit"].as_str() {
        let _ = write!(bundle, " (commit {})", &c[..c.len().min(12)]);
    } else {
        let _ = write!(bundle, " ({})", s(&b["digest"]));
    }
    let decision = s(&v["decision"]).to_uppercase();
    paragraph(
        out,
        &format!(
            "Policy: {decision} at stage {}, bundle {bundle}",
            s(&v["stage"])
        ),
        o.width,
        2,
    );
    for r in v["results"].as_array().into_iter().flatten() {
        let outcome = s(&r["outcome"]);
        if outcome == "pass" || outcome == "skip" {
            continue;
        }
        let mut line = format!(
            "  {} {} ({}): {}",
            s(&r["action"]).to_uppercase(),
            s(&r["rule"]),
            outcome,
            s(&r["description"])
        );
        if let Some(m) = r["message"].as_str() {
            let _ = write!(line, " {m}");
        }
        paragraph(out, &line, o.width, 4);
        for h in r["hits"].as_array().into_iter().flatten().take(10) {
            let what: Vec<String> = [
                "findingId",
                "package",
                "path",
                "resource",
                "field",
                "message",
            ]
            .iter()
            .filter_map(|k| h[*k].as_str().map(|x| format!("{k} {x}")))
            .collect();
            paragraph(out, &format!("    - {}", what.join(", ")), o.width, 6);
        }
    }
    for e in v["exceptions"]["expired"].as_array().into_iter().flatten() {
        paragraph(
            out,
            &format!(
                "  expired exception {} (expired {})",
                s(&e["id"]),
                s(&e["expires"])
            ),
            o.width,
            4,
        );
    }
    out.push('\n');
}

fn findings(out: &mut String, report: &Report, o: &RenderOptions) {
    for kind in [
        FindingKind::Vulnerability,
        FindingKind::Misconfiguration,
        FindingKind::Secret,
        FindingKind::License,
        FindingKind::Malware,
        FindingKind::Policy,
        FindingKind::Runtime,
        FindingKind::Dast,
    ] {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.kind == kind).collect();
        if findings.is_empty() {
            continue;
        }
        summary_line(out, kind_title(kind), &findings, o);
        out.push('\n');
        match kind {
            FindingKind::Vulnerability => vulnerabilities(out, report, &findings, o),
            FindingKind::Misconfiguration | FindingKind::Policy => {
                let (image, rest): (Vec<&Finding>, Vec<&Finding>) =
                    findings.iter().partition(|f| is_image_check(f));
                if !image.is_empty() {
                    let heading = if kind == FindingKind::Policy {
                        "Image file-access policy"
                    } else {
                        "Image configuration"
                    };
                    image_checks(out, heading, &image, o);
                }
                rule_findings(out, report, &rest, o);
            }
            FindingKind::Secret => secrets(out, report, &findings, o),
            FindingKind::Malware => malware(out, &findings, o),
            FindingKind::License | FindingKind::Runtime | FindingKind::Dast => {
                rule_findings(out, report, &findings, o);
            }
        }
    }
    if report.findings.is_empty() {
        out.push_str("No findings.\n\n");
    }
}

/// A compliance summary for the table output: the framework and each control by its human name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceTable {
    /// `Pod Security Standards (restricted)`.
    pub framework: String,
    pub controls: Vec<ComplianceControl>,
}

/// One control of a [`ComplianceTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceControl {
    /// `5.1.1`, `Privileged Containers`.
    pub id: String,
    /// `Ensure that the cluster-admin role is only used where required`; empty when the id is the name.
    pub title: String,
    pub failed: bool,
    /// Findings of the rules mapped to the control.
    pub findings: usize,
    /// Ids of the rules that check it.
    pub rules: Vec<String>,
}

/// Renders a compliance summary as a table that fits [`RenderOptions::width`].
pub fn render_compliance(
    c: &ComplianceTable,
    o: &RenderOptions,
    w: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut out = String::new();
    let failed = c.controls.iter().filter(|c| c.failed).count();
    paragraph(
        &mut out,
        &format!(
            "Compliance: {}: {} controls passed, {failed} failed",
            c.framework,
            c.controls.len() - failed
        ),
        o.width,
        2,
    );
    let numbered = c.controls.iter().any(|c| !c.title.is_empty());
    let mut columns = Vec::new();
    if numbered {
        columns.push(Column::id("ID"));
    }
    columns.extend([
        // The control's words wrap before the rule ids do.
        Column::keep("Control"),
        Column::keep("Status"),
        Column::keep("Findings"),
        Column::id("Rules"),
    ]);
    let mut controls: Vec<&ComplianceControl> = c.controls.iter().collect();
    // `5.1.2` before `5.1.10`: numbered controls in the framework's order.
    controls.sort_by_cached_key(|ctl| {
        ctl.id
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .map(|part| (part.parse::<u64>().unwrap_or(u64::MAX), part.to_owned()))
            .collect::<Vec<_>>()
    });
    let rows = controls
        .iter()
        .map(|ctl| {
            let mut cells = Vec::new();
            if numbered {
                cells.push(Cell::new(&ctl.id));
                cells.push(Cell::new(if ctl.title.is_empty() {
                    &ctl.id
                } else {
                    &ctl.title
                }));
            } else {
                cells.push(Cell::new(&ctl.id));
            }
            cells.push(if ctl.failed {
                Cell {
                    text: "FAIL".into(),
                    severity: Some(Severity::High),
                }
            } else {
                Cell::new("PASS")
            });
            cells.push(Cell::new(ctl.findings.to_string()));
            cells.push(Cell::new(ctl.rules.join(", ")));
            cells
        })
        .collect();
    draw(&mut out, &Table { columns, rows }, o.width, o.color);
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap as Map;

    use bulwark_types::{Distro, Location};

    use super::*;
    use crate::{Omitted, Target};

    fn package(t: PackageType, name: &str, version: &str, found_in: &str) -> Package {
        let mut p = Package::new(t, name, version);
        p.purl = format!("pkg:{}/{name}@{version}", t.purl_type());
        p.found_in = Some(found_in.into());
        p.layer = Some(LayerRef {
            index: 1,
            created_by: Some("RUN install".into()),
            ..LayerRef::default()
        });
        p
    }

    fn vuln(p: &Package, id: &str, severity: Severity) -> Finding {
        let mut properties = Map::new();
        properties.insert("purl".to_owned(), p.purl.clone().into());
        properties.insert("packageName".to_owned(), p.name.clone().into());
        properties.insert("installedVersion".to_owned(), p.version.clone().into());
        Finding {
            kind: FindingKind::Vulnerability,
            id: id.to_owned().into(),
            name: None,
            severity,
            title: format!("{id} in {}", p.name).into(),
            message: String::new().into(),
            location: Location::default(),
            evidence: None,
            references: Vec::new(),
            shared_properties: None,
            properties,
        }
    }

    fn report(kind: TargetKind) -> Report {
        let mut r = Report::new(Target {
            kind,
            name: "app:1".into(),
            image: None,
        });
        r.os = Some(Distro {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Distro::default()
        });
        let libc = package(
            PackageType::Dpkg,
            "libc6",
            "2.36-9+deb12u4",
            "/var/lib/dpkg/status",
        );
        let requests = package(
            PackageType::Python,
            "requests",
            "2.19.0",
            "/usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA",
        );
        r.findings = vec![
            vuln(&requests, "PYSEC-2018-28", Severity::Medium),
            vuln(&libc, "CVE-2024-2961", Severity::High),
        ];
        r.packages = vec![libc, requests];
        r
    }

    fn render(r: &Report, width: usize, inventory: bool) -> String {
        let mut out = Vec::new();
        let o = RenderOptions {
            width,
            inventory,
            ..RenderOptions::default()
        };
        render_table(r, &o, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The lines between a heading and the end of the table under it.
    fn section<'a>(text: &'a str, heading: &str) -> &'a str {
        let start = text
            .find(&format!("\n{heading}\n"))
            .unwrap_or_else(|| panic!("no {heading}:\n{text}"));
        let rest = &text[start..];
        &rest[..rest.find('└').unwrap()]
    }

    #[test]
    fn os_and_language_vulnerabilities_get_their_own_tables() {
        let text = render(&report(TargetKind::Image), 160, false);
        let os = section(&text, "debian 12 (os)");
        let py = section(&text, "Python (python-pkg)");
        assert!(os.contains("libc6") && os.contains("CVE-2024-2961") && os.contains("dpkg"));
        assert!(!os.contains("requests"));
        assert!(py.contains("requests") && py.contains("PYSEC-2018-28"));
        assert!(py.contains("requests-2.19.0.dist-info/METADATA"), "{py}");
        assert!(!py.contains("libc6"));
        assert!(text.find("debian 12 (os)") < text.find("Python (python-pkg)"));
        for h in ["Type", "Path", "Layer"] {
            assert!(os.contains(h) && py.contains(h), "{h}:\n{text}");
        }
        assert!(
            text.contains("layer 1: RUN install"),
            "layer legend:\n{text}"
        );
    }

    #[test]
    fn data_cannot_smuggle_escapes_or_break_lines() {
        let mut r = report(TargetKind::Image);
        r.findings[0].title = "evil\x1b[2J\ntitle\t日本語".into();
        r.target.name = "img\x1b]0;pwned\x07".into();
        let text = render(&r, 60, false);
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
        assert!(text.lines().all(|l| width(l) <= 60), "{text}");
        assert!(text.contains("evil [2J title 日本語"), "{text}");
    }

    #[test]
    fn package_count_only_where_there_are_packages_to_count() {
        assert!(render(&report(TargetKind::Image), 160, false).contains("\nPackages: 2\n"));
        let mut k8s = report(TargetKind::Manifests);
        k8s.packages.clear();
        k8s.os = None;
        assert!(!render(&k8s, 160, false).contains("Packages:"));
    }

    #[test]
    fn what_filters_left_out_is_said_in_the_summary() {
        let mut r = report(TargetKind::Image);
        assert!(!render(&r, 160, false).contains("Not shown"));
        r.omitted = Some(Omitted {
            filtered: 7,
            suppressed: 2,
            filters: vec!["--severity HIGH,CRITICAL".into()],
        });
        let text = render(&r, 160, false);
        let summary = &text[..text.find('┌').unwrap()];
        assert!(
            summary.contains(
                "Not shown: 7 filtered out by --severity HIGH,CRITICAL; 2 suppressed by VEX or the ignore file"
            ),
            "{summary}"
        );
    }

    #[test]
    fn inventory_lists_packages_not_findings() {
        let text = render(&report(TargetKind::Image), 100, true);
        assert!(section(&text, "debian 12 (os): 1 package").contains("2.36-9+deb12u4"));
        assert!(section(&text, "Python (python-pkg): 1 package").contains("requests"));
        assert!(!text.contains("CVE-2024-2961") && !text.contains("Findings"));
    }

    #[test]
    fn compliance_controls_in_numeric_order_with_titles() {
        let ctl = |id: &str, title: &str| ComplianceControl {
            id: id.into(),
            title: title.into(),
            failed: id == "5.1.10",
            findings: usize::from(id == "5.1.10"),
            rules: vec!["BW-K8S-0001".into()],
        };
        let c = ComplianceTable {
            framework: "CIS Kubernetes Benchmark v1.9.0".into(),
            controls: vec![
                ctl("5.1.10", "Ten"),
                ctl("5.1.2", "Two"),
                ctl("5.2.1", "Other"),
            ],
        };
        let mut out = Vec::new();
        render_compliance(&c, &RenderOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let pos = |s: &str| text.find(s).unwrap();
        assert!(
            pos("5.1.2 ") < pos("5.1.10") && pos("5.1.10") < pos("5.2.1"),
            "{text}"
        );
        assert!(text.contains("Two") && text.contains("FAIL"), "{text}");
        assert!(text.starts_with(
            "Compliance: CIS Kubernetes Benchmark v1.9.0: 2 controls passed, 1 failed"
        ));
    }
}
