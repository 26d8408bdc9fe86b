//! The pages. Each takes the request's [`Ctx`] and its decoded query, reads the store and writes HTML through
//! [`Html`] only.

// Row counts shown on a page are far below i64::MAX.
#![allow(clippy::cast_possible_wrap)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use bulwark_store::{Finding, FindingQuery, SeverityCounts, WorkloadQuery, WorkloadRow};
use bulwark_types::Severity;

use super::Ctx;
use super::auth::Identity;
use super::html::{Html, enc};
use crate::api::Role;

pub(crate) enum PageError {
    NotFound(String),
    Bad(String),
    Store(bulwark_store::Error),
    /// A computation over the store failed (the risk ranking, the compliance evidence).
    Internal(String),
}

impl PageError {
    /// The message, for a log line.
    pub(crate) fn describe(self) -> String {
        match self {
            Self::NotFound(m) | Self::Bad(m) | Self::Internal(m) => m,
            Self::Store(e) => e.to_string(),
        }
    }
}

impl From<bulwark_store::Error> for PageError {
    fn from(e: bulwark_store::Error) -> Self {
        Self::Store(e)
    }
}

impl From<bulwark_inventory::Error> for PageError {
    fn from(e: bulwark_inventory::Error) -> Self {
        match e {
            bulwark_inventory::Error::Store(e) => Self::Store(e),
            e => Self::Internal(e.to_string()),
        }
    }
}

type Query = [(String, String)];

fn q<'a>(query: &'a Query, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn need<'a>(query: &'a Query, name: &str) -> Result<&'a str, PageError> {
    q(query, name)
        .ok_or_else(|| PageError::Bad(format!("this page needs the query parameter `{name}`")))
}

/// The navigation: (path, label, available).
const NAV: &[(&str, &str, bool)] = &[
    ("/", "Overview", true),
    ("/images", "Images", true),
    ("/workloads", "Workloads", true),
    ("/verdicts", "Policy verdicts", true),
    ("/trends", "Findings over time", true),
    ("/notifications", "Notifications", true),
    ("/compliance", "Compliance", true),
    ("/runtime", "Runtime alerts", true),
    ("/nodes", "Nodes", true),
    ("/results", "Results", true),
];

/// The page frame: `lang`, the stylesheet, the navigation (with the current page marked), who is signed in and
/// the sign-out form.
pub(crate) fn layout(
    h: &mut Html,
    title: &str,
    who: Option<(&Identity, &str)>,
    active: &str,
    body: impl FnOnce(&mut Html),
) {
    h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .text(title)
        .raw(" · Bulwark</title>")
        .raw("<link rel=\"stylesheet\" href=\"/static/dashboard.css\">")
        .raw("<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">")
        .raw("<script src=\"/static/dashboard.js\" defer></script></head><body>")
        .raw("<a class=\"skip\" href=\"#main\">Skip to content</a><header><span class=\"brand\">Bulwark</span>");
    if let Some((who, csrf)) = who {
        h.raw("<nav aria-label=\"Main\"><ul>");
        for (path, label, available) in NAV {
            h.raw("<li>");
            if *path == active {
                h.raw("<a aria-current=\"page\" href=\"")
                    .text(path)
                    .raw("\">");
            } else {
                h.raw("<a href=\"").text(path).raw("\">");
            }
            h.text(label);
            if !available {
                h.raw(" <span class=\"soon\">(not yet available)</span>");
            }
            h.raw("</a></li>");
        }
        h.raw("</ul></nav><form method=\"post\" action=\"/logout\" class=\"who\"><span>")
            .text(&who.name)
            .raw(" (")
            .text(who.role.as_str())
            .raw(")</span> <input type=\"hidden\" name=\"csrf\" value=\"")
            .text(csrf)
            .raw("\"><button type=\"submit\">Sign out</button></form>");
    }
    h.raw("</header><main id=\"main\"><h1>")
        .text(title)
        .raw("</h1>");
    body(h);
    h.raw("</main></body></html>\n");
}

pub(crate) fn render(ctx: &Ctx<'_>, path: &str, query: &Query) -> Result<Html, PageError> {
    if let Some(rest) = path.strip_prefix("/images/") {
        let digest = super::html::decode(rest, false).unwrap_or_default();
        return image(ctx, &digest);
    }
    if let Some(rest) = path.strip_prefix("/nodes/") {
        let node = super::html::decode(rest, false).unwrap_or_default();
        return node_page(ctx, &node);
    }
    if let Some(rest) = path.strip_prefix("/findings/") {
        let id = rest.parse::<i64>().map_err(|_| {
            PageError::NotFound(format!("no finding {rest}: finding ids are numbers"))
        })?;
        return finding(ctx, id);
    }
    match path {
        "/" => overview(ctx),
        "/images" => images(ctx, query),
        "/workloads" => workloads(ctx, query),
        "/workload" => workload(ctx, query),
        "/layer" => layer(ctx, query),
        "/owner" => owner(ctx, query),
        "/verdicts" => verdicts(ctx),
        "/trends" => trends(ctx),
        "/notifications" => notifications(ctx, query),
        "/compliance" => compliance(ctx, query),
        "/runtime" => runtime(ctx, query),
        "/nodes" => nodes(ctx),
        "/results" => results(ctx, query),
        _ => Err(PageError::NotFound(format!(
            "no page {}",
            path.chars().take(200).collect::<String>()
        ))),
    }
}

// ------------------------------------------------------------------------------------------------ helpers

/// Rows a long list shows at most (the images list pages by digest; the others say how many are left out).
const LIST_LIMIT: usize = 500;

const SEVS: &[(&str, &str)] = &[
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
];

fn count_of(c: &SeverityCounts, k: &str) -> i64 {
    match k {
        "critical" => c.critical,
        "high" => c.high,
        "medium" => c.medium,
        "low" => c.low,
        _ => c.total,
    }
}

/// The severity columns' headers.
fn sev_heads() -> Vec<&'static str> {
    let mut v: Vec<&str> = SEVS.iter().map(|(_, l)| *l).collect();
    v.push("Open findings");
    v
}

/// Critical, high, medium, low and total cells, each with `data-k` naming what it counts.
fn sev_cells(h: &mut Html, c: &SeverityCounts) {
    for (k, _) in SEVS.iter().chain(&[("total", "")]) {
        let n = count_of(c, k);
        h.raw("<td class=\"num sev-")
            .raw(k)
            .raw(if n > 0 { "" } else { " zero" })
            .raw("\" data-k=\"")
            .raw(k)
            .raw("\">")
            .num(n)
            .raw("</td>");
    }
}

fn add_counts(a: &mut SeverityCounts, b: &SeverityCounts) {
    a.critical += b.critical;
    a.high += b.high;
    a.medium += b.medium;
    a.low += b.low;
    a.info += b.info;
    a.unknown += b.unknown;
    a.total += b.total;
}

fn count_finding(c: &mut SeverityCounts, f: &Finding) {
    match f.severity {
        Severity::Critical => c.critical += 1,
        Severity::High => c.high += 1,
        Severity::Medium => c.medium += 1,
        Severity::Low => c.low += 1,
        Severity::Info => c.info += 1,
        Severity::Unknown => c.unknown += 1,
    }
    c.total += 1;
}

fn sev_badge(h: &mut Html, s: Severity) {
    let name = s.to_string();
    h.raw("<span class=\"badge sev-")
        .text(&name.to_ascii_lowercase())
        .raw("\">")
        .text(&name)
        .raw("</span>");
}

fn short(digest: &str) -> String {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    format!("{}…", hex.chars().take(12).collect::<String>())
}

fn image_href(digest: &str) -> String {
    format!("/images/{}", enc(digest))
}

fn workload_href(cluster: &str, namespace: &str, kind: &str, name: &str) -> String {
    format!(
        "/workload?cluster={}&namespace={}&kind={}&name={}",
        enc(cluster),
        enc(namespace),
        enc(kind),
        enc(name)
    )
}

fn layer_href(digest: &str, index: i64) -> String {
    format!("/layer?digest={}&index={index}", enc(digest))
}

fn owner_href(team: &str) -> String {
    format!("/owner?team={}", enc(team))
}

/// The name an image is shown by: its first reference, else its short digest.
fn image_name(refs: &[String], digest: &str) -> String {
    refs.first().cloned().unwrap_or_else(|| short(digest))
}

/// A findings table: vulnerability (link to the finding), severity, package, fixed in, layer, owner.
fn findings_table(h: &mut Html, fs: &[&Finding], label: &str) {
    if fs.is_empty() {
        h.raw("<p class=\"none\">No open findings.</p>");
        return;
    }
    h.raw("<table class=\"filterable\"><caption>")
        .text(label)
        .raw("</caption>")
        .head(&[
            "Vulnerability",
            "Severity",
            "Package",
            "Version",
            "Fixed in",
            "Layer",
            "Owner",
        ])
        .raw("<tbody>");
    for f in fs {
        h.raw("<tr><th scope=\"row\">")
            .link(&format!("/findings/{}", f.id), &f.vuln_id)
            .raw("</th><td>");
        sev_badge(h, f.severity);
        h.raw("</td><td>")
            .text(&f.package_name)
            .raw("</td><td>")
            .text(&f.package_version)
            .raw("</td><td>")
            .opt(f.fixed_version.as_deref())
            .raw("</td><td>");
        match f.layer_index {
            Some(i) => {
                h.link(&layer_href(&f.digest, i), &format!("layer {i}"));
            }
            None => {
                h.opt(None);
            }
        }
        h.raw("</td><td>");
        match &f.owner_team {
            Some(t) => {
                h.link(&owner_href(t), t);
            }
            None => {
                h.raw("<span class=\"none\">unowned</span>");
            }
        }
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}

// ------------------------------------------------------------------------------------------------ workloads

/// A workload (all its containers) as the ranking sees it.
pub(crate) struct WorkloadView {
    pub(crate) cluster: String,
    pub(crate) environment: Option<String>,
    pub(crate) namespace: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    /// (container, digest, image reference)
    pub(crate) containers: Vec<(String, String, Option<String>)>,
    /// Open findings of its images, each image once.
    pub(crate) findings: SeverityCounts,
    /// Its contextual risk (score, SSVC decision, whether its objects were stored), when ranked.
    pub(crate) risk: Option<(f64, Option<&'static str>, bool)>,
}

/// Puts each workload's contextual risk from the ranking on it.
fn attach_risk(ws: &mut [WorkloadView], ranking: &super::Ranking) {
    for w in ws {
        let key = (
            w.cluster.clone(),
            w.namespace.clone(),
            w.kind.clone(),
            w.name.clone(),
        );
        w.risk = ranking.get(&key).map(|r| {
            (
                r.risk.score,
                r.risk.decision.map(bulwark_risk::Decision::as_str),
                r.context_known,
            )
        });
    }
}

/// (cluster, namespace, kind, name)
type WorkloadKey = (String, String, String, String);

/// The workloads of these placement rows, one per (cluster, namespace, kind, name).
fn group_workloads(rows: Vec<WorkloadRow>) -> Vec<WorkloadView> {
    let mut by: BTreeMap<WorkloadKey, (WorkloadView, BTreeSet<String>)> = BTreeMap::new();
    for r in rows {
        let key = (
            r.cluster.clone(),
            r.namespace.clone(),
            r.kind.clone(),
            r.name.clone(),
        );
        let (w, seen) = by.entry(key).or_insert_with(|| {
            (
                WorkloadView {
                    cluster: r.cluster.clone(),
                    environment: r.environment.clone(),
                    namespace: r.namespace.clone(),
                    kind: r.kind.clone(),
                    name: r.name.clone(),
                    containers: Vec::new(),
                    findings: SeverityCounts::default(),
                    risk: None,
                },
                BTreeSet::new(),
            )
        });
        if seen.insert(r.digest.clone()) {
            add_counts(&mut w.findings, &r.findings);
        }
        w.containers.push((r.container, r.digest, r.image_ref));
    }
    by.into_values().map(|(w, _)| w).collect()
}

/// The most severe open finding's rank (critical 5 … unknown 0), or -1 without any.
fn worst(c: &SeverityCounts) -> i64 {
    [c.critical, c.high, c.medium, c.low, c.info, c.unknown]
        .iter()
        .position(|n| *n > 0)
        .map_or(-1, |i| 5 - i as i64)
}

/// The workload ranking, most urgent first: by contextual risk (bulwark-risk, docs/risk.md; unranked last),
/// then by worst open severity, then by the number of open findings, then by name. The one place the order is
/// decided.
pub(crate) fn rank_workloads(ws: &mut [WorkloadView]) {
    let score = |w: &WorkloadView| w.risk.map_or(-1.0, |r| r.0);
    ws.sort_by(|a, b| {
        score(b)
            .total_cmp(&score(a))
            .then(worst(&b.findings).cmp(&worst(&a.findings)))
            .then(b.findings.total.cmp(&a.findings.total))
            .then_with(|| {
                (&a.cluster, &a.namespace, &a.kind, &a.name).cmp(&(
                    &b.cluster,
                    &b.namespace,
                    &b.kind,
                    &b.name,
                ))
            })
    });
}

fn workloads_table(h: &mut Html, ws: &[WorkloadView], caption: &str) {
    h.raw("<table class=\"filterable\" id=\"workloads\"><caption>")
        .text(caption)
        .raw("</caption>");
    let mut heads = vec![
        "#",
        "Risk",
        "SSVC",
        "Workload",
        "Cluster",
        "Environment",
        "Namespace",
        "Images",
    ];
    heads.extend(sev_heads());
    h.head(&heads).raw("<tbody>");
    for (i, w) in ws.iter().enumerate() {
        let images: BTreeSet<&str> = w.containers.iter().map(|c| c.1.as_str()).collect();
        h.raw("<tr><td class=\"num\">")
            .num(i as i64 + 1)
            .raw("</td>");
        risk_cells(h, w.risk);
        h.raw("<th scope=\"row\">")
            .link(
                &workload_href(&w.cluster, &w.namespace, &w.kind, &w.name),
                &format!("{}/{}", w.kind, w.name),
            )
            .raw("</th><td>")
            .text(&w.cluster)
            .raw("</td><td>")
            .opt(w.environment.as_deref())
            .raw("</td><td>")
            .text(&w.namespace)
            .raw("</td><td class=\"num\">")
            .num(images.len() as i64)
            .raw("</td>");
        sev_cells(h, &w.findings);
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

/// The risk score and SSVC decision cells; a score on Kubernetes' defaults (no stored object) is marked.
fn risk_cells(h: &mut Html, risk: Option<(f64, Option<&'static str>, bool)>) {
    match risk {
        Some((score, decision, known)) => {
            h.raw("<td class=\"num\" data-k=\"risk\">")
                .text(&format!("{score:.1}"));
            if !known {
                h.raw("<span title=\"No object stored: scored on Kubernetes' defaults\">*</span>");
            }
            h.raw("</td><td data-k=\"ssvc\" class=\"ssvc-")
                .text(&decision.unwrap_or("none").replace('*', "-star"))
                .raw("\">")
                .text(decision.unwrap_or("-"))
                .raw("</td>");
        }
        None => {
            h.raw("<td class=\"num\" data-k=\"risk\">-</td><td data-k=\"ssvc\">-</td>");
        }
    }
}

// ------------------------------------------------------------------------------------------------ pages

fn overview(ctx: &Ctx<'_>) -> Result<Html, PageError> {
    let counts = ctx.cache.counts(ctx.store)?;
    let (rows, placements) = ctx.store.overview_with(Some(&counts))?;
    let mut ws = group_workloads(placements);
    let ranking = ctx
        .cache
        .ranking(ctx.store, super::Cache::key(ctx.store)?, ctx.now)?;
    attach_risk(&mut ws, &ranking);
    rank_workloads(&mut ws);
    let mut h = Html::default();
    layout(&mut h, "Overview", Some((ctx.who, &ctx.csrf)), "/", |h| {
        let mut total = SeverityCounts::default();
        let (mut images, mut failing) = (0, 0);
        for r in &rows {
            add_counts(&mut total, &r.findings);
            images += r.images;
            failing += r.failing;
        }
        h.raw("<table id=\"overview\"><caption>What runs now, by cluster, environment and namespace (each image's open findings counted once per namespace)</caption>");
        let mut heads = vec!["Cluster", "Environment", "Namespace", "Images", "Workloads"];
        heads.extend(sev_heads());
        heads.push("Failing verdicts");
        h.head(&heads).raw("<tbody>");
        for r in &rows {
            h.raw("<tr><td>")
                .text(&r.cluster)
                .raw("</td><td>")
                .opt(r.environment.as_deref())
                .raw("</td><th scope=\"row\">")
                .link(
                    &format!(
                        "/workloads?cluster={}&namespace={}",
                        enc(&r.cluster),
                        enc(&r.namespace)
                    ),
                    &r.namespace,
                )
                .raw("</th><td class=\"num\" data-k=\"images\">")
                .num(r.images)
                .raw("</td><td class=\"num\" data-k=\"workloads\">")
                .num(r.workloads)
                .raw("</td>");
            sev_cells(h, &r.findings);
            h.raw("<td class=\"num\" data-k=\"failing\">")
                .num(r.failing)
                .raw("</td></tr>");
        }
        h.raw("</tbody><tfoot><tr><th scope=\"row\" colspan=\"3\">All namespaces</th><td class=\"num\">")
            .num(images)
            .raw("</td><td class=\"num\">")
            .num(rows.iter().map(|r| r.workloads).sum())
            .raw("</td>");
        sev_cells(h, &total);
        h.raw("<td class=\"num\">")
            .num(failing)
            .raw("</td></tr></tfoot></table>");
        if rows.is_empty() {
            h.raw("<p class=\"none\">Nothing runs yet: the inventory fills from admission and the Kubernetes watch.</p>");
        }
        h.raw("<h2>Most urgent workloads</h2>");
        let top = ws.len().min(10);
        workloads_table(
            h,
            &ws[..top],
            "The ten workloads ranked first by contextual risk (docs/risk.md; * scored on Kubernetes' defaults: no object stored)",
        );
        h.raw("<p>").link("/workloads", "All workloads").raw("</p>");
    });
    Ok(h)
}

fn images(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let mut list = ctx
        .store
        .image_summaries(q(query, "after"), Some(LIST_LIMIT + 1))?;
    let more = list.len() > LIST_LIMIT;
    list.truncate(LIST_LIMIT);
    let mut h = Html::default();
    layout(
        &mut h,
        "Images",
        Some((ctx.who, &ctx.csrf)),
        "/images",
        |h| {
            h.raw("<table class=\"filterable\" id=\"images\"><caption>")
                .num(list.len() as i64)
                .raw(if more {
                    " images (the next ones on the next page)"
                } else {
                    " images"
                })
                .raw("</caption>");
            let mut heads = vec!["Image", "Digest", "Packages", "Workloads"];
            heads.extend(sev_heads());
            heads.push("Verdict");
            h.head(&heads).raw("<tbody>");
            for i in &list {
                h.raw("<tr><th scope=\"row\">")
                    .link(
                        &image_href(&i.digest),
                        &image_name(&i.references, &i.digest),
                    )
                    .raw("</th><td><code>")
                    .text(&short(&i.digest))
                    .raw("</code></td><td class=\"num\">")
                    .num(i.package_count)
                    .raw("</td><td class=\"num\">")
                    .num(i.workloads.len() as i64)
                    .raw("</td>");
                sev_cells(h, &i.findings);
                h.raw("<td>")
                    .opt(i.verdict.as_ref().map(|v| v.decision.as_str()))
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
            if more && let Some(last) = list.last() {
                h.raw("<p>")
                    .link(
                        &format!("/images?after={}", enc(&last.digest)),
                        "Next images",
                    )
                    .raw("</p>");
            }
        },
    );
    Ok(h)
}

fn image(ctx: &Ctx<'_>, digest: &str) -> Result<Html, PageError> {
    if !bulwark_store::valid_digest(digest) {
        return Err(PageError::NotFound(format!(
            "no image {}: an image is named by its digest (sha256:…)",
            digest.chars().take(200).collect::<String>()
        )));
    }
    let Some(d) = ctx.store.image_detail(digest)? else {
        return Err(PageError::NotFound(format!(
            "image {digest} is not in the inventory"
        )));
    };
    let s = &d.summary;
    let mut h = Html::default();
    let title = format!("Image {}", image_name(&s.references, digest));
    layout(&mut h, &title, Some((ctx.who, &ctx.csrf)), "/images", |h| {
        h.raw("<dl class=\"facts\"><dt>Digest</dt><dd><code>")
            .text(digest)
            .raw("</code></dd><dt>References</dt><dd>");
        for r in &s.references {
            h.raw("<code>").text(r).raw("</code> ");
        }
        h.raw("</dd><dt>Packages</dt><dd>")
            .num(s.package_count)
            .raw("</dd><dt>Matched against</dt><dd>")
            .opt(s.db_version.as_deref())
            .raw("</dd><dt>Verdict</dt><dd>")
            .opt(s.verdict.as_ref().map(|v| v.decision.as_str()))
            .raw("</dd></dl>");
        h.raw("<table id=\"counts\"><caption>Open findings</caption>")
            .head(&sev_heads())
            .raw("<tbody><tr>");
        sev_cells(h, &s.findings);
        h.raw("</tr></tbody></table>");
        h.raw("<h2>Where it runs</h2><ul>");
        for w in &s.workloads {
            h.raw("<li>")
                .link(
                    &workload_href(&w.cluster, &w.namespace, &w.kind, &w.name),
                    &format!(
                        "{}/{}/{}/{} ({})",
                        w.cluster, w.namespace, w.kind, w.name, w.container
                    ),
                )
                .raw("</li>");
        }
        if s.workloads.is_empty() {
            h.raw("<li class=\"none\">Not running.</li>");
        }
        h.raw("</ul>");
        // By owner team.
        let mut teams: BTreeMap<Option<&str>, SeverityCounts> = BTreeMap::new();
        for f in &d.open_findings {
            count_finding(teams.entry(f.owner_team.as_deref()).or_default(), f);
        }
        h.raw("<h2>Findings by owner</h2><table id=\"owners\"><caption>Open findings by the team that owns their layer</caption>");
        let mut heads = vec!["Owner"];
        heads.extend(sev_heads());
        h.head(&heads).raw("<tbody>");
        for (t, c) in &teams {
            h.raw("<tr><th scope=\"row\">");
            match t {
                Some(t) => {
                    h.link(&owner_href(t), t);
                }
                None => {
                    h.raw("<span class=\"none\">unowned</span>");
                }
            }
            h.raw("</th>");
            sev_cells(h, c);
            h.raw("</tr>");
        }
        h.raw("</tbody></table>");
        // By layer.
        let mut layers: BTreeMap<Option<i64>, Vec<&Finding>> = BTreeMap::new();
        for f in &d.open_findings {
            layers.entry(f.layer_index).or_default().push(f);
        }
        h.raw("<h2>Findings by layer</h2>");
        for (i, fs) in &layers {
            let created = fs.iter().find_map(|f| f.layer_created_by.as_deref());
            match i {
                Some(i) => {
                    h.raw("<h3 id=\"layer-").num(*i).raw("\">");
                    h.link(&layer_href(digest, *i), &format!("Layer {i}"));
                }
                None => {
                    h.raw("<h3>Layer unknown");
                }
            }
            h.raw("</h3>");
            if let Some(c) = created {
                h.raw("<p><code class=\"created\">")
                    .text(c)
                    .raw("</code></p>");
            }
            findings_table(h, fs, "Open findings of this layer");
        }
        if layers.is_empty() {
            h.raw("<p class=\"none\">No open findings.</p>");
        }
    });
    Ok(h)
}

fn workloads(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let filter = WorkloadQuery {
        cluster: q(query, "cluster").map(str::to_owned),
        environment: q(query, "environment").map(str::to_owned),
        namespace: q(query, "namespace").map(str::to_owned),
    };
    // Every placement with the cached counts, then the filter: one pass instead of a count per page.
    let counts = ctx.cache.counts(ctx.store)?;
    let rows: Vec<WorkloadRow> = ctx
        .store
        .overview_with(Some(&counts))?
        .1
        .into_iter()
        .filter(|r| {
            filter.cluster.as_ref().is_none_or(|c| *c == r.cluster)
                && filter.namespace.as_ref().is_none_or(|n| *n == r.namespace)
                && filter
                    .environment
                    .as_ref()
                    .is_none_or(|e| Some(e) == r.environment.as_ref())
        })
        .collect();
    let mut ws = group_workloads(rows);
    let ranking = ctx
        .cache
        .ranking(ctx.store, super::Cache::key(ctx.store)?, ctx.now)?;
    attach_risk(&mut ws, &ranking);
    rank_workloads(&mut ws);
    let mut h = Html::default();
    layout(
        &mut h,
        "Workloads",
        Some((ctx.who, &ctx.csrf)),
        "/workloads",
        |h| {
            if let Some(ns) = &filter.namespace {
                h.raw("<p>In namespace <strong>")
                    .text(ns)
                    .raw("</strong> · ")
                    .link("/workloads", "all workloads")
                    .raw("</p>");
            }
            let shown = if q(query, "all").is_some() {
                ws.len()
            } else {
                ws.len().min(LIST_LIMIT)
            };
            workloads_table(
                h,
                &ws[..shown],
                "Workloads running now, ranked by contextual risk (docs/risk.md; * scored on Kubernetes' defaults: no object stored), then worst open severity",
            );
            if shown < ws.len() {
                h.raw("<p>")
                    .num((ws.len() - shown) as i64)
                    .raw(" more ranked lower: ");
                let mut all = String::from("/workloads?all=1");
                for k in ["cluster", "environment", "namespace"] {
                    if let Some(v) = q(query, k) {
                        let _ = write!(all, "&{k}={}", enc(v));
                    }
                }
                h.link(&all, "show every workload").raw("</p>");
            }
            h.raw("<p>")
                .link("/export/workloads.csv", "Export the ranking as CSV")
                .raw("</p>");
        },
    );
    Ok(h)
}

fn workload(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let (cluster, namespace, kind, name) = (
        need(query, "cluster")?,
        need(query, "namespace")?,
        need(query, "kind")?,
        need(query, "name")?,
    );
    let rows: Vec<WorkloadRow> = ctx
        .store
        .workload_rows(
            &WorkloadQuery {
                cluster: Some(cluster.to_owned()),
                environment: None,
                namespace: Some(namespace.to_owned()),
            },
            None,
            None,
        )?
        .into_iter()
        .filter(|r| r.kind == kind && r.name == name)
        .collect();
    let Some(w) = group_workloads(rows).pop() else {
        return Err(PageError::NotFound(format!(
            "no workload {kind}/{name} runs in {cluster}/{namespace}"
        )));
    };
    let ranking = ctx
        .cache
        .ranking(ctx.store, super::Cache::key(ctx.store)?, ctx.now)?;
    let ranked = ranking.get(&(
        cluster.to_owned(),
        namespace.to_owned(),
        kind.to_owned(),
        name.to_owned(),
    ));
    let digests: BTreeSet<&str> = w.containers.iter().map(|c| c.1.as_str()).collect();
    let mut findings = Vec::new();
    for d in &digests {
        findings.extend(ctx.store.finding_rows(
            &FindingQuery {
                digest: Some((*d).to_owned()),
                ..FindingQuery::default()
            },
            None,
            None,
        )?);
    }
    findings.sort_by(|a, b| {
        (b.severity as i64)
            .cmp(&(a.severity as i64))
            .then(a.vuln_id.cmp(&b.vuln_id))
            .then(a.id.cmp(&b.id))
    });
    let mut h = Html::default();
    let title = format!("Workload {}/{}", w.kind, w.name);
    layout(
        &mut h,
        &title,
        Some((ctx.who, &ctx.csrf)),
        "/workloads",
        |h| {
            h.raw("<dl class=\"facts\"><dt>Cluster</dt><dd>")
                .text(&w.cluster)
                .raw("</dd><dt>Environment</dt><dd>")
                .opt(w.environment.as_deref())
                .raw("</dd><dt>Namespace</dt><dd>")
                .text(&w.namespace)
                .raw("</dd></dl>");
            if let Some(r) = ranked {
                risk_section(h, r);
            }
            h.raw("<table id=\"counts\"><caption>Open findings of its images</caption>")
                .head(&sev_heads())
                .raw("<tbody><tr>");
            sev_cells(h, &w.findings);
            h.raw("</tr></tbody></table>");
            h.raw("<table id=\"containers\"><caption>Containers</caption>")
                .head(&["Container", "Image", "Digest"])
                .raw("<tbody>");
            for (c, d, r) in &w.containers {
                h.raw("<tr><th scope=\"row\">")
                    .text(c)
                    .raw("</th><td>")
                    .opt(r.as_deref())
                    .raw("</td><td>")
                    .link(&image_href(d), &short(d))
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table><h2>Open findings</h2>");
            let refs: Vec<&Finding> = findings.iter().collect();
            findings_table(
                h,
                &refs,
                "Open findings of the workload's images, most severe first",
            );
        },
    );
    Ok(h)
}

fn compliance_href(framework: &str, control: Option<&str>) -> String {
    match control {
        Some(c) => format!(
            "/compliance?framework={}&control={}",
            enc(framework),
            enc(c)
        ),
        None => format!("/compliance?framework={}", enc(framework)),
    }
}

/// Compliance per framework over what the store holds (the Kubernetes checks of each cluster's stored objects,
/// the open findings of running images): the frameworks with their totals; one framework's controls; one
/// control's evidence and remediation.
fn compliance(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let who = Some((ctx.who, ctx.csrf.as_str()));
    let mut h = Html::default();
    let Some(id) = q(query, "framework") else {
        let mut reports = Vec::new();
        let key = super::Cache::key(ctx.store)?;
        for id in bulwark_compliance::ids() {
            let f = bulwark_compliance::framework(id)
                .map_err(|e| PageError::Internal(e.to_string()))?;
            reports.push(ctx.cache.compliance(ctx.store, key, &f, ctx.now)?);
        }
        layout(&mut h, "Compliance", who, "/compliance", |h| {
            h.raw("<p>Controls assessed from the Kubernetes checks of each cluster's stored objects and the open findings of the images that run. Controls no scan can assess are listed as manual; those whose scanners did not run here, as not assessed. <code>bulwark report compliance</code> writes the same from scan reports, with PDF, SARIF and CSV.</p>");
            h.raw("<table id=\"frameworks\"><caption>Frameworks</caption>")
                .head(&[
                    "Framework",
                    "Edition",
                    "Controls",
                    "Pass",
                    "Fail",
                    "Manual",
                    "Not assessed",
                ])
                .raw("<tbody>");
            for r in &reports {
                h.raw("<tr><th scope=\"row\">")
                    .link(&compliance_href(&r.framework, None), &r.name)
                    .raw("</th><td>")
                    .text(&r.edition)
                    .raw("</td><td class=\"num\">")
                    .num(r.totals.controls as i64)
                    .raw("</td><td class=\"num\" data-k=\"pass\">")
                    .num(r.totals.pass as i64)
                    .raw("</td><td class=\"num\" data-k=\"fail\">")
                    .num(r.totals.fail as i64)
                    .raw("</td><td class=\"num\">")
                    .num(r.totals.manual as i64)
                    .raw("</td><td class=\"num\">")
                    .num(r.totals.not_assessed as i64)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        });
        return Ok(h);
    };
    let f = bulwark_compliance::framework(id).map_err(|e| PageError::NotFound(e.to_string()))?;
    let r = ctx
        .cache
        .compliance(ctx.store, super::Cache::key(ctx.store)?, &f, ctx.now)?;
    if let Some(control) = q(query, "control") {
        let Some(c) = r.controls.iter().find(|c| c.id == control) else {
            return Err(PageError::NotFound(format!(
                "{} has no control {}",
                r.name,
                control.chars().take(100).collect::<String>()
            )));
        };
        let title = format!("{} {}", r.name, c.id);
        layout(&mut h, &title, who, "/compliance", |h| {
            h.raw("<p>")
                .link(&compliance_href(&r.framework, None), &r.name)
                .raw("</p>");
            h.raw("<dl class=\"facts\" id=\"control\"><dt>Control</dt><dd>")
                .text(&c.title)
                .raw("</dd><dt>Source</dt><dd>")
                .text(&c.source)
                .raw("</dd><dt>Status</dt><dd data-k=\"status\" class=\"status-")
                .text(c.status.as_str())
                .raw("\">")
                .text(c.status.as_str())
                .raw("</dd><dt>Read from</dt><dd>")
                .text(&c.selectors.join(", "))
                .raw("</dd><dt>Remediation</dt><dd>")
                .text(&c.remediation)
                .raw("</dd></dl>");
            h.raw("<table id=\"evidence\"><caption>Failing evidence (")
                .num(c.evidence_total as i64)
                .raw(if c.evidence.len() < c.evidence_total {
                    ", the first shown"
                } else {
                    ""
                })
                .raw(")</caption>")
                .head(&[
                    "Finding",
                    "Severity",
                    "Title",
                    "Object, file or package",
                    "Layer",
                    "Source",
                ])
                .raw("<tbody>");
            for e in &c.evidence {
                let at = e
                    .object
                    .as_deref()
                    .or(e.file.as_deref())
                    .or(e.package.as_deref());
                h.raw("<tr><th scope=\"row\">")
                    .text(&e.finding)
                    .raw("</th><td>");
                sev_badge(h, e.severity);
                h.raw("</td><td>")
                    .text(&e.title)
                    .raw("</td><td>")
                    .opt(at)
                    .raw("</td><td>")
                    .opt(e.layer.as_deref())
                    .raw("</td><td>")
                    .text(&e.source)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        });
        return Ok(h);
    }
    layout(&mut h, &r.name, who, "/compliance", |h| {
        h.raw("<p>")
            .link("/compliance", "All frameworks")
            .raw(" · ")
            .num(r.totals.pass as i64)
            .raw(" pass, ")
            .num(r.totals.fail as i64)
            .raw(" fail, ")
            .num(r.totals.manual as i64)
            .raw(" manual, ")
            .num(r.totals.not_assessed as i64)
            .raw(" not assessed</p>");
        h.raw("<p>")
            .link(
                &format!("/export/compliance.csv?framework={}", enc(&r.framework)),
                "Export as CSV",
            )
            .raw("</p>");
        h.raw("<table id=\"controls\"><caption>Controls, failing first</caption>")
            .head(&["Control", "Title", "Source", "Status", "Evidence"])
            .raw("<tbody>");
        let rank = |s: bulwark_compliance::Status| match s {
            bulwark_compliance::Status::Fail => 0,
            bulwark_compliance::Status::Pass => 1,
            bulwark_compliance::Status::NotAssessed => 2,
            bulwark_compliance::Status::Manual => 3,
        };
        let mut controls: Vec<&bulwark_compliance::ControlResult> = r.controls.iter().collect();
        controls.sort_by_key(|c| rank(c.status));
        for c in controls {
            h.raw("<tr><th scope=\"row\">")
                .link(&compliance_href(&r.framework, Some(&c.id)), &c.id)
                .raw("</th><td>")
                .text(&c.title)
                .raw("</td><td>")
                .text(&c.source)
                .raw("</td><td class=\"status-")
                .text(c.status.as_str())
                .raw("\">")
                .text(c.status.as_str())
                .raw("</td><td class=\"num\">")
                .num(c.evidence_total as i64)
                .raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    });
    Ok(h)
}

/// A workload's contextual risk: score, SSVC, the findings that drive it, and the factors with their evidence.
fn risk_section(h: &mut Html, r: &bulwark_inventory::RankedWorkload) {
    h.raw("<h2>Risk in context</h2><dl class=\"facts\" id=\"risk\"><dt>Risk</dt><dd data-k=\"risk\">")
        .text(&format!("{:.1}", r.risk.score))
        .raw(" / 10</dd><dt>SSVC decision</dt><dd data-k=\"ssvc\">")
        .text(r.risk.decision.map_or("-", bulwark_risk::Decision::as_str))
        .raw("</dd><dt>Context</dt><dd>")
        .text(if r.context_known {
            "from the workload's stored objects (exposure, NetworkPolicies, security context, RBAC)"
        } else {
            "no object stored for this workload: scored on Kubernetes' defaults (root allowed, writable root filesystem, not isolated)"
        })
        .raw("</dd></dl>");
    h.raw("<table id=\"top\"><caption>The findings that drive the score (docs/risk.md)</caption>")
        .head(&["Finding", "Package", "Score", "SSVC"])
        .raw("<tbody>");
    for t in &r.risk.top {
        h.raw("<tr><th scope=\"row\">")
            .text(&t.id)
            .raw("</th><td>")
            .opt(t.package.as_deref())
            .raw("</td><td class=\"num\">")
            .text(&format!("{:.1}", t.score))
            .raw("</td><td>")
            .text(t.decision.as_str())
            .raw("</td></tr>");
    }
    h.raw("</tbody></table>");
    h.raw(
        "<table id=\"factors\"><caption>Factors of the top finding, with their evidence</caption>",
    )
    .head(&["Group", "Factor", "Multiplier", "Evidence"])
    .raw("<tbody>");
    for f in &r.risk.factors {
        let group = serde_json::to_value(f.group)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        h.raw("<tr><td>")
            .text(&group)
            .raw("</td><th scope=\"row\">")
            .text(f.name)
            .raw("</th><td class=\"num\">")
            .text(&format!("×{:.2}", f.effect))
            .raw("</td><td><ul>");
        for e in &f.evidence {
            h.raw("<li>").text(e).raw("</li>");
        }
        h.raw("</ul></td></tr>");
    }
    h.raw("</tbody></table>");
}

fn finding(ctx: &Ctx<'_>, id: i64) -> Result<Html, PageError> {
    let Some(d) = ctx.store.finding_detail(id)? else {
        return Err(PageError::NotFound(format!("no finding {id}")));
    };
    let f = &d.finding;
    let mut h = Html::default();
    let title = format!("{} in {}", f.vuln_id, f.package_name);
    layout(&mut h, &title, Some((ctx.who, &ctx.csrf)), "", |h| {
        h.raw("<dl class=\"facts\" id=\"finding\"><dt>Severity</dt><dd>");
        sev_badge(h, f.severity);
        h.raw("</dd><dt>Package</dt><dd>")
            .text(&f.package_name)
            .raw(" ")
            .text(&f.package_version)
            .raw(" <code>")
            .text(&f.purl)
            .raw("</code></dd><dt>Fixed in</dt><dd>")
            .opt(f.fixed_version.as_deref())
            .raw("</dd><dt>Image</dt><dd>")
            .link(
                &image_href(&f.digest),
                &image_name(&d.references, &f.digest),
            )
            .raw("</dd><dt>Layer</dt><dd id=\"layer\">");
        match f.layer_index {
            Some(i) => {
                h.link(&layer_href(&f.digest, i), &format!("layer {i}"));
                if let Some(c) = &f.layer_created_by {
                    h.raw(" <code class=\"created\">").text(c).raw("</code>");
                }
            }
            None => {
                h.opt(None);
            }
        }
        h.raw("</dd><dt>Owner</dt><dd id=\"owner\">");
        match &f.owner_team {
            Some(t) => {
                h.link(&owner_href(t), t);
                if let Some(r) = &f.owner_rule {
                    h.raw(" <span class=\"hint\">by rule ")
                        .text(r)
                        .raw("</span>");
                }
            }
            None => {
                h.raw("<span class=\"none\">unowned</span>");
            }
        }
        h.raw("</dd><dt>State</dt><dd>")
            .raw(if f.fixed_at.is_some() {
                "fixed"
            } else {
                "open"
            })
            .raw("</dd></dl><h2>Where it runs</h2><ul id=\"runs\">");
        for w in &d.workloads {
            h.raw("<li>")
                .link(
                    &workload_href(&w.cluster, &w.namespace, &w.kind, &w.name),
                    &format!("{}/{}/{}/{}", w.cluster, w.namespace, w.kind, w.name),
                )
                .raw(" (container ")
                .text(&w.container)
                .raw(")</li>");
        }
        if d.workloads.is_empty() {
            h.raw("<li class=\"none\">Its image does not run now.</li>");
        }
        h.raw("</ul><h2>History</h2><table id=\"history\"><caption>Each time this vulnerability was open in this package of this image</caption>")
            .head(&["First seen", "Found by DB", "Last seen", "Fixed at", "Fixed by DB"])
            .raw("<tbody>");
        for e in &d.episodes {
            h.raw("<tr><td>")
                .time(e.first_seen)
                .raw("</td><td>")
                .text(&e.db_version)
                .raw("</td><td>")
                .time(e.last_seen)
                .raw("</td><td>");
            match e.fixed_at {
                Some(t) => {
                    h.time(t);
                }
                None => {
                    h.raw("open");
                }
            }
            h.raw("</td><td>")
                .opt(e.fixed_db_version.as_deref())
                .raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    });
    Ok(h)
}

fn layer(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let digest = need(query, "digest")?;
    let index: i64 = need(query, "index")?
        .parse()
        .map_err(|_| PageError::Bad("`index` must be a layer number".into()))?;
    if !bulwark_store::valid_digest(digest) {
        return Err(PageError::Bad(
            "`digest` must be an image digest (sha256:…)".into(),
        ));
    }
    let Some(d) = ctx.store.image_detail(digest)? else {
        return Err(PageError::NotFound(format!(
            "image {digest} is not in the inventory"
        )));
    };
    let pkgs: Vec<_> = d
        .packages
        .iter()
        .filter(|p| p.layer_index == Some(index))
        .collect();
    let fs: Vec<&Finding> = d
        .open_findings
        .iter()
        .filter(|f| f.layer_index == Some(index))
        .collect();
    let created = pkgs
        .iter()
        .find_map(|p| p.layer_created_by.as_deref())
        .or_else(|| fs.iter().find_map(|f| f.layer_created_by.as_deref()));
    let layer_digest = pkgs
        .iter()
        .find_map(|p| p.layer_digest.as_deref())
        .or_else(|| fs.iter().find_map(|f| f.layer_digest.as_deref()));
    let owners: BTreeSet<&str> = fs.iter().filter_map(|f| f.owner_team.as_deref()).collect();
    let mut h = Html::default();
    let title = format!(
        "Layer {index} of {}",
        image_name(&d.summary.references, digest)
    );
    layout(&mut h, &title, Some((ctx.who, &ctx.csrf)), "/images", |h| {
        h.raw("<dl class=\"facts\" id=\"layerfacts\"><dt>Image</dt><dd>")
            .link(
                &image_href(digest),
                &image_name(&d.summary.references, digest),
            )
            .raw("</dd><dt>Created by</dt><dd><code class=\"created\">")
            .opt(created)
            .raw("</code></dd><dt>Layer digest</dt><dd><code>")
            .opt(layer_digest)
            .raw("</code></dd><dt>Packages in it</dt><dd data-k=\"packages\">")
            .num(pkgs.len() as i64)
            .raw("</dd><dt>Owners</dt><dd>");
        for o in &owners {
            h.link(&owner_href(o), o).raw(" ");
        }
        h.raw("</dd></dl>");
        findings_table(h, &fs, "Open findings of this layer");
    });
    Ok(h)
}

fn owner(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let team = need(query, "team")?;
    let (c, images) = ctx.cache.owner(ctx.store, team)?;
    let fs = ctx.store.finding_rows(
        &FindingQuery {
            owner_team: Some(team.to_owned()),
            ..FindingQuery::default()
        },
        None,
        Some(LIST_LIMIT),
    )?;
    let mut h = Html::default();
    let title = format!("Owner {team}");
    layout(&mut h, &title, Some((ctx.who, &ctx.csrf)), "", |h| {
        h.raw("<p>Open findings routed to this team, in <span data-k=\"images\">")
            .num(images)
            .raw("</span> images.</p><table id=\"counts\"><caption>Open findings</caption>")
            .head(&sev_heads())
            .raw("<tbody><tr>");
        sev_cells(h, &c);
        h.raw("</tr></tbody></table>");
        let refs: Vec<&Finding> = fs.iter().collect();
        findings_table(
            h,
            &refs,
            &format!("Open findings, most severe first (at most {LIST_LIMIT})"),
        );
    });
    Ok(h)
}

fn verdicts(ctx: &Ctx<'_>) -> Result<Html, PageError> {
    let rows = ctx.store.verdict_rows()?;
    let exceptions = exceptions_of(&ctx.store.latest_verdict_documents()?);
    let mut h = Html::default();
    layout(
        &mut h,
        "Policy verdicts",
        Some((ctx.who, &ctx.csrf)),
        "/verdicts",
        |h| {
            h.raw("<table class=\"filterable\" id=\"verdicts\"><caption>The latest verdict of each image, failing first</caption>")
            .head(&["Image", "Decision", "Bundle", "DB version", "Judged at"])
            .raw("<tbody>");
            for r in &rows {
                h.raw("<tr><th scope=\"row\">")
                    .link(
                        &image_href(&r.digest),
                        &image_name(&r.references, &r.digest),
                    )
                    .raw("</th><td><span class=\"badge decision-")
                    .text(&r.decision)
                    .raw("\">")
                    .text(&r.decision)
                    .raw("</span></td><td>")
                    .opt(r.bundle_name.as_deref())
                    .raw(" ")
                    .opt(r.bundle_version.as_deref())
                    .raw("</td><td>")
                    .opt(r.db_version.as_deref())
                    .raw("</td><td>")
                    .time(r.created_at)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
            if rows.is_empty() {
                h.raw("<p class=\"none\">No verdicts yet: the re-match records one per image when the server has a policy.</p>");
            }
            exceptions_tables(h, &exceptions, ctx.now);
        },
    );
    Ok(h)
}

/// CSV exports (RFC 4180, CRLF, every cell through `bulwark_report::csv::cell`: quoted when needed, formula
/// prefixes neutralised): `workloads.csv` (the ranking, as the workloads page filters it) and
/// `compliance.csv?framework=ID` (the framework's controls, `bulwark report compliance -f csv`'s rows).
/// Returns the file name and the body.
pub(crate) fn export(
    ctx: &Ctx<'_>,
    name: &str,
    query: &Query,
) -> Result<(String, String), PageError> {
    match name {
        "workloads.csv" => {
            let ranking = ctx
                .cache
                .ranking(ctx.store, super::Cache::key(ctx.store)?, ctx.now)?;
            let mut rows: Vec<&bulwark_inventory::RankedWorkload> = ranking
                .values()
                .filter(|w| {
                    q(query, "cluster").is_none_or(|c| c == w.cluster)
                        && q(query, "namespace").is_none_or(|n| n == w.namespace)
                        && q(query, "environment")
                            .is_none_or(|e| Some(e) == w.environment.as_deref())
                })
                .collect();
            rows.sort_by(|a, b| {
                b.risk.score.total_cmp(&a.risk.score).then_with(|| {
                    (&a.cluster, &a.namespace, &a.kind, &a.name).cmp(&(
                        &b.cluster,
                        &b.namespace,
                        &b.kind,
                        &b.name,
                    ))
                })
            });
            let mut out = String::from(
                "rank,risk,ssvc,cluster,environment,namespace,kind,name,findings,top_finding,context\r\n",
            );
            for (i, w) in rows.iter().enumerate() {
                let cells = [
                    (i + 1).to_string(),
                    format!("{:.1}", w.risk.score),
                    w.risk
                        .decision
                        .map_or("", bulwark_risk::Decision::as_str)
                        .to_owned(),
                    w.cluster.clone(),
                    w.environment.clone().unwrap_or_default(),
                    w.namespace.clone(),
                    w.kind.clone(),
                    w.name.clone(),
                    w.risk.findings.to_string(),
                    w.risk.top.first().map(|t| t.id.clone()).unwrap_or_default(),
                    if w.context_known {
                        "objects"
                    } else {
                        "defaults"
                    }
                    .to_owned(),
                ];
                let line: Vec<String> =
                    cells.iter().map(|c| bulwark_report::csv::cell(c)).collect();
                out.push_str(&line.join(","));
                out.push_str("\r\n");
            }
            Ok(("bulwark-workloads.csv".into(), out))
        }
        "compliance.csv" => {
            let id = need(query, "framework")?;
            let f = bulwark_compliance::framework(id)
                .map_err(|e| PageError::NotFound(e.to_string()))?;
            let r = ctx
                .cache
                .compliance(ctx.store, super::Cache::key(ctx.store)?, &f, ctx.now)?;
            Ok((
                format!("bulwark-compliance-{}.csv", f.id),
                bulwark_compliance::render::csv(&r),
            ))
        }
        _ => Err(PageError::NotFound(format!(
            "no export {} (workloads.csv, compliance.csv?framework=ID)",
            name.chars().take(100).collect::<String>()
        ))),
    }
}

/// Days ahead an applied exception counts as "expiring soon".
const EXPIRING_DAYS: i64 = 30;

/// One exception as the latest verdicts name it, with the images whose verdict it appears in.
#[derive(Default)]
struct ExceptionView {
    expires: Option<String>,
    owner: String,
    ticket: Option<String>,
    reason: String,
    source: String,
    images: BTreeSet<String>,
}

/// The exceptions of the latest verdicts: (applied, expired), by id.
type ExceptionViews = (
    BTreeMap<String, ExceptionView>,
    BTreeMap<String, ExceptionView>,
);

fn exceptions_of(docs: &[(String, String)]) -> ExceptionViews {
    let (mut applied, mut expired) = (BTreeMap::new(), BTreeMap::new());
    for (digest, doc) in docs {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(doc) else {
            continue;
        };
        for (list, into) in [("applied", &mut applied), ("expired", &mut expired)] {
            for e in v
                .pointer(&format!("/exceptions/{list}"))
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
            {
                let s = |k: &str| {
                    e.get(k)
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                };
                let Some(id) = s("id") else { continue };
                let x: &mut ExceptionView = into.entry(id).or_default();
                x.expires = s("expires");
                x.owner = s("owner").unwrap_or_default();
                x.ticket = s("ticket");
                x.reason = s("reason").unwrap_or_default();
                x.source = s("source").unwrap_or_default();
                x.images.insert(digest.clone());
            }
        }
    }
    (applied, expired)
}

/// Days from `now` (Unix seconds) to the start of an expiry date (`YYYY-MM-DD` or RFC 3339), rounded down.
fn days_until(expires: &str, now: i64) -> Option<i64> {
    Some(bulwark_risk::Date::parse(expires)?.0 - now.div_euclid(86_400))
}

fn exceptions_tables(h: &mut Html, (applied, expired): &ExceptionViews, now: i64) {
    let soon: Vec<(&String, &ExceptionView, i64)> = applied
        .iter()
        .filter_map(|(id, x)| {
            let days = days_until(x.expires.as_deref()?, now)?;
            (days <= EXPIRING_DAYS).then_some((id, x, days))
        })
        .collect();
    let table =
        |h: &mut Html, id: &str, caption: &str, rows: &[(&String, &ExceptionView, Option<i64>)]| {
            h.raw("<table id=\"")
                .raw(id)
                .raw("\"><caption>")
                .text(caption)
                .raw("</caption>")
                .head(&[
                    "Exception",
                    "Expires",
                    "Owner",
                    "Ticket",
                    "Reason",
                    "Images",
                    "Source",
                ])
                .raw("<tbody>");
            for (id, x, days) in rows {
                h.raw("<tr><th scope=\"row\">")
                    .text(id)
                    .raw("</th><td>")
                    .opt(x.expires.as_deref());
                if let Some(d) = days {
                    h.raw(" (").text(&format!("in {d} days")).raw(")");
                }
                h.raw("</td><td>")
                    .text(&x.owner)
                    .raw("</td><td>")
                    .opt(x.ticket.as_deref())
                    .raw("</td><td>")
                    .text(&x.reason)
                    .raw("</td><td class=\"num\">")
                    .num(x.images.len() as i64)
                    .raw("</td><td>")
                    .text(&x.source)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        };
    h.raw("<h2>Exceptions expiring soon</h2>");
    if soon.is_empty() {
        h.raw("<p class=\"none\">No applied exception expires within ")
            .num(EXPIRING_DAYS)
            .raw(" days.</p>");
    } else {
        let rows: Vec<_> = soon.iter().map(|(i, x, d)| (*i, *x, Some(*d))).collect();
        table(
            h,
            "expiring",
            &format!(
                "Exceptions that applied to the latest verdicts and expire within {EXPIRING_DAYS} days"
            ),
            &rows,
        );
    }
    if !expired.is_empty() {
        let rows: Vec<_> = expired.iter().map(|(i, x)| (i, x, None)).collect();
        table(
            h,
            "expired",
            "Expired exceptions: they no longer apply, so what they accepted counts again",
            &rows,
        );
    }
}

/// Days shown on the chart.
const TREND_DAYS: i64 = 30;

fn trends(ctx: &Ctx<'_>) -> Result<Html, PageError> {
    let today = ctx.now.div_euclid(86_400);
    let first = today - TREND_DAYS + 1;
    let rows = ctx.store.daily_changes(first * 86_400)?;
    let mut by: BTreeMap<i64, (i64, i64)> = (first..=today).map(|d| (d, (0, 0))).collect();
    for r in &rows {
        if let Some(e) = by.get_mut(&r.day) {
            *e = (r.new, r.fixed);
        }
    }
    let mut h = Html::default();
    layout(
        &mut h,
        "Findings over time",
        Some((ctx.who, &ctx.csrf)),
        "/trends",
        |h| {
            chart(h, &by);
            h.raw("<table id=\"trend\"><caption>New and fixed findings per UTC day, the last 30 days</caption>")
            .head(&["Day", "New", "Fixed"])
            .raw("<tbody>");
            for (day, (new, fixed)) in by.iter().rev() {
                let date = bulwark_types::time::rfc3339(day * 86_400);
                h.raw("<tr><th scope=\"row\">")
                    .text(date.get(..10).unwrap_or(&date))
                    .raw("</th><td class=\"num\" data-k=\"new\">")
                    .num(*new)
                    .raw("</td><td class=\"num\" data-k=\"fixed\">")
                    .num(*fixed)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        },
    );
    Ok(h)
}

/// The bar chart of new (up) and fixed (down) findings per day, as inline SVG.
fn chart(h: &mut Html, by: &BTreeMap<i64, (i64, i64)>) {
    let (w, top, mid, bottom) = (720.0_f64, 20.0_f64, 130.0_f64, 240.0_f64);
    let left = 40.0;
    let max = by
        .values()
        .map(|(n, f)| (*n).max(*f))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (w - left - 10.0) / by.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure><svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {w} 260\" \
         width=\"{w}\" height=\"260\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">New findings \
         (above the line) and fixed findings (below) per day, the last 30 days; peak {max}</title>\
         <line class=\"axis\" x1=\"{left}\" y1=\"{mid}\" x2=\"{w}\" y2=\"{mid}\"/>\
         <text class=\"label\" x=\"2\" y=\"{}\">{max}</text><text class=\"label\" x=\"2\" y=\"{}\">{max}</text>\
         <text class=\"label\" x=\"2\" y=\"{}\">0</text>",
        top + 10.0,
        bottom,
        mid + 4.0
    );
    for (i, (new, fixed)) in by.values().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let hn = (*new as f64 / max) * (mid - top);
        let hf = (*fixed as f64 / max) * (bottom - mid);
        if *new > 0 {
            let _ = write!(
                s,
                "<rect class=\"bar-new\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{hn:.1}\"><title>{new} new</title></rect>",
                mid - hn
            );
        }
        if *fixed > 0 {
            let _ = write!(
                s,
                "<rect class=\"bar-fixed\" x=\"{x:.1}\" y=\"{mid:.1}\" width=\"{bar:.1}\" height=\"{hf:.1}\"><title>{fixed} fixed</title></rect>"
            );
        }
    }
    s.push_str("</svg><figcaption><span class=\"key key-new\"></span> new <span class=\"key key-fixed\"></span> fixed</figcaption></figure>");
    // Numbers only: nothing stored reaches the SVG.
    h.raw(&s);
}

fn notifications(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let rows = ctx.store.notification_rows(500)?;
    let admin = ctx.who.role == Role::Admin;
    let mut h = Html::default();
    layout(
        &mut h,
        "Notifications",
        Some((ctx.who, &ctx.csrf)),
        "/notifications",
        |h| {
            if let Some(id) = q(query, "retried") {
                h.raw("<p class=\"notice\" role=\"status\">Notification ")
                    .text(id)
                    .raw(" is pending again: the delivery loop sends it on its next tick.</p>");
            }
            h.raw("<table class=\"filterable\" id=\"notifications\"><caption>The last 500 notifications, newest first</caption>");
            let mut heads = vec![
                "#",
                "Team",
                "Channel",
                "State",
                "Attempts",
                "Queued",
                "Delivered",
                "Last error",
            ];
            if admin {
                heads.push("Action");
            }
            h.head(&heads).raw("<tbody>");
            for n in &rows {
                h.raw("<tr><th scope=\"row\">")
                    .num(n.id)
                    .raw("</th><td>")
                    .link(&owner_href(&n.team), &n.team)
                    .raw("</td><td>")
                    .text(&n.channel)
                    .raw("</td><td><span class=\"badge state-")
                    .text(&n.state)
                    .raw("\">")
                    .text(&n.state)
                    .raw("</span></td><td class=\"num\">")
                    .num(n.attempts)
                    .raw("</td><td>")
                    .time(n.created_at)
                    .raw("</td><td>");
                match n.delivered_at {
                    Some(t) => {
                        h.time(t);
                    }
                    None => {
                        h.opt(None);
                    }
                }
                h.raw("</td><td>").opt(n.last_error.as_deref()).raw("</td>");
                if admin {
                    h.raw("<td>");
                    if n.state == "failed" {
                        h.raw("<form method=\"post\" action=\"/notifications/retry\"><input type=\"hidden\" name=\"csrf\" value=\"")
                        .text(&ctx.csrf)
                        .raw("\"><input type=\"hidden\" name=\"id\" value=\"")
                        .num(n.id)
                        .raw("\"><button type=\"submit\">Retry</button></form>");
                    }
                    h.raw("</td>");
                }
                h.raw("</tr>");
            }
            h.raw("</tbody></table>");
            if rows.is_empty() {
                h.raw("<p class=\"none\">No notifications yet.</p>");
            }
        },
    );
    Ok(h)
}

/// A `<select>` of a filter form: "any" and `options`, the current value selected.
fn select(h: &mut Html, name: &str, label: &str, options: &[String], current: Option<&str>) {
    h.raw("<label>")
        .text(label)
        .raw(" <select name=\"")
        .text(name)
        .raw("\"><option value=\"\">any</option>");
    for o in options {
        h.raw("<option value=\"").text(o).raw("\"");
        if current == Some(o.as_str()) {
            h.raw(" selected");
        }
        h.raw(">").text(o).raw("</option>");
    }
    h.raw("</select></label> ");
}

/// Runtime alerts (issue #17): the recent alerts, filtered by namespace, rule and priority (and worse); the
/// counts per priority and per rule; the learned baselines.
fn runtime(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let filter = |k: &str| q(query, k).filter(|v| !v.is_empty()).map(str::to_owned);
    let (namespace, rule, priority) = (filter("namespace"), filter("rule"), filter("priority"));
    if let Some(p) = &priority
        && bulwark_store::priority_rank(p).is_none()
    {
        return Err(PageError::Bad(format!(
            "unknown priority `{}` (one of {})",
            p.chars().take(40).collect::<String>(),
            bulwark_store::PRIORITIES.join(", ")
        )));
    }
    let alerts = ctx
        .store
        .runtime_alerts(&bulwark_store::RuntimeAlertQuery {
            namespace: namespace.clone(),
            rule: rule.clone(),
            priority: priority.clone(),
            limit: Some(LIST_LIMIT),
            ..bulwark_store::RuntimeAlertQuery::default()
        })?;
    let counts = ctx.store.runtime_counts()?;
    let baselines = ctx.store.baselines(None, None)?;
    let mut h = Html::default();
    layout(
        &mut h,
        "Runtime alerts",
        Some((ctx.who, &ctx.csrf)),
        "/runtime",
        |h| {
            h.raw("<form method=\"get\" action=\"/runtime\" class=\"filters\">");
            select(
                h,
                "namespace",
                "Namespace",
                &counts.namespaces,
                namespace.as_deref(),
            );
            let rules: Vec<String> = counts.by_rule.iter().map(|(r, _, _)| r.clone()).collect();
            select(h, "rule", "Rule", &rules, rule.as_deref());
            let prios: Vec<String> = bulwark_store::PRIORITIES
                .iter()
                .map(|p| (*p).to_owned())
                .collect();
            select(
                h,
                "priority",
                "Priority and worse",
                &prios,
                priority.as_deref(),
            );
            h.raw("<button type=\"submit\">Filter</button></form>");

            h.raw("<table class=\"filterable\" id=\"runtime-alerts\"><caption>");
            h.text(&format!(
                "Recent alerts{}, newest first (at most {LIST_LIMIT})",
                if namespace.is_some() || rule.is_some() || priority.is_some() {
                    " matching the filter"
                } else {
                    ""
                }
            ))
            .raw("</caption>")
            .head(&[
                "Time",
                "Priority",
                "Rule",
                "Namespace",
                "Pod",
                "Image",
                "Output",
            ])
            .raw("<tbody>");
            for a in &alerts {
                h.raw("<tr><td>")
                    .time(a.time_ns.div_euclid(1_000_000_000))
                    .raw("</td><td><span class=\"badge priority-")
                    .text(&a.priority.to_ascii_lowercase())
                    .raw("\">")
                    .text(&a.priority)
                    .raw("</span></td><th scope=\"row\">")
                    .text(&a.rule)
                    .raw("</th><td>")
                    .opt(a.namespace.as_deref())
                    .raw("</td><td>")
                    .opt(a.pod.as_deref())
                    .raw("</td><td>")
                    .opt(a.image.as_deref())
                    .raw("</td><td><code>")
                    .text(&a.output.chars().take(1000).collect::<String>())
                    .raw("</code></td></tr>");
            }
            h.raw("</tbody></table>");
            if alerts.is_empty() {
                h.raw("<p class=\"none\">No runtime alerts")
                    .text(if counts.total > 0 { " match the filter." } else { " yet: they come from the audit webhook (POST /k8s-audit) and runtime watch --store." })
                    .raw("</p>");
            }

            h.raw(
                "<h2>Counts</h2><table id=\"runtime-by-priority\"><caption>Alerts per priority (",
            )
            .num(counts.total)
            .raw(" in all)</caption>")
            .head(&["Priority", "Alerts"])
            .raw("<tbody>");
            for (p, n) in &counts.by_priority {
                h.raw("<tr><th scope=\"row\">")
                    .link(&format!("/runtime?priority={}", enc(p)), p)
                    .raw("</th><td class=\"num\">")
                    .num(*n)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table><table id=\"runtime-by-rule\"><caption>Alerts per rule, most first</caption>")
                .head(&["Rule", "Worst priority", "Alerts"])
                .raw("<tbody>");
            for (r, p, n) in &counts.by_rule {
                h.raw("<tr><th scope=\"row\">")
                    .link(&format!("/runtime?rule={}", enc(r)), r)
                    .raw("</th><td>")
                    .text(p)
                    .raw("</td><td class=\"num\">")
                    .num(*n)
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");

            h.raw("<h2>Baselines</h2><table id=\"runtime-baselines\"><caption>What each image's containers were seen doing (runtime watch)</caption>")
                .head(&["Image", "Container", "State", "Events", "Entries", "Updated"])
                .raw("<tbody>");
            for b in &baselines {
                h.raw("<tr><th scope=\"row\">")
                    .link(&image_href(&b.image_digest), &short(&b.image_digest))
                    .raw("</th><td>")
                    .text(&b.container)
                    .raw("</td><td><span class=\"badge state-")
                    .text(&b.state)
                    .raw("\">")
                    .text(&b.state)
                    .raw("</span></td><td class=\"num\">")
                    .num(b.events)
                    .raw("</td><td><details><summary>")
                    .num(b.entries.len() as i64)
                    .raw("</summary><ul>");
                for (kind, value) in b.entries.iter().take(LIST_LIMIT) {
                    h.raw("<li>")
                        .text(kind)
                        .raw(" <code>")
                        .text(value)
                        .raw("</code></li>");
                }
                h.raw("</ul></details></td><td>")
                    .time(b.updated_at.div_euclid(1_000_000_000))
                    .raw("</td></tr>");
            }
            h.raw("</tbody></table>");
            if baselines.is_empty() {
                h.raw("<p class=\"none\">No baselines: runtime watch --store learns them.</p>");
            }
        },
    );
    Ok(h)
}

// ---------------------------------------------------------------------------------------------------- nodes

fn node_href(node: &str) -> String {
    format!("/nodes/{}", enc(node))
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "bench-node" => "Node benchmark",
        "bench-host" => "Host benchmark",
        "probe" => "Exposure probe",
        _ => "Other",
    }
}

/// The nodes with a stored run: per node and kind the benchmark, PASS/FAIL/WARN counts and the last run, with
/// a link to the node's failing checks.
fn nodes(ctx: &Ctx<'_>) -> Result<Html, PageError> {
    let rows = ctx.store.node_summaries()?;
    let mut h = Html::default();
    layout(&mut h, "Nodes", Some((ctx.who, &ctx.csrf)), "/nodes", |h| {
        h.raw("<p>The latest run of each node's CIS benchmark (<code>bulwark bench node</code>), host benchmark (<code>bulwark bench host</code>) and exposure probe (<code>bulwark probe</code>), as pushed with <code>bulwark report push --node</code>. Their findings are evidence on the <a href=\"/compliance\">compliance</a> page.</p>");
        h.raw("<table class=\"filterable\" id=\"nodes\"><caption>Nodes and their latest runs</caption>")
            .head(&["Node", "Run", "Benchmark", "Pass", "Fail", "Warn", "Last run", "Failing checks"])
            .raw("<tbody>");
        for r in &rows {
            h.raw("<tr><th scope=\"row\">")
                .link(&node_href(&r.node), &r.node)
                .raw("</th><td>")
                .text(kind_label(&r.kind))
                .raw("</td><td>")
                .opt(r.benchmark.as_deref())
                .raw("</td><td class=\"num\" data-k=\"pass\">");
            match r.totals.pass {
                Some(n) => h.num(n),
                None => h.raw("<span class=\"none\">—</span>"),
            };
            h.raw("</td><td class=\"num\" data-k=\"fail\">")
                .num(r.totals.fail)
                .raw("</td><td class=\"num\" data-k=\"warn\">")
                .num(r.totals.warn)
                .raw("</td><td>")
                .time(r.ran_at)
                .raw("</td><td>");
            if r.totals.fail + r.totals.warn > 0 {
                h.link(
                    &format!("{}#{}", node_href(&r.node), enc(&r.kind)),
                    &format!("{} failing, {} warning", r.totals.fail, r.totals.warn),
                );
            } else {
                h.raw("<span class=\"none\">none</span>");
            }
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        if rows.is_empty() {
            h.raw("<p class=\"none\">No node results yet: run <code>bulwark bench node -f json</code> on a node and push the report with <code>bulwark report push --node NAME</code>.</p>");
        }
    });
    Ok(h)
}

/// One node: each stored run's failing and warning checks.
fn node_page(ctx: &Ctx<'_>, node: &str) -> Result<Html, PageError> {
    if !bulwark_store::valid_node_name(node) {
        return Err(PageError::NotFound(format!(
            "no node {}: node names are DNS-1123 subdomains",
            node.chars().take(100).collect::<String>()
        )));
    }
    let results = ctx.store.node_results(Some(node))?;
    if results.is_empty() {
        return Err(PageError::NotFound(format!(
            "node {node} has no stored results"
        )));
    }
    let mut h = Html::default();
    layout(
        &mut h,
        &format!("Node {node}"),
        Some((ctx.who, &ctx.csrf)),
        "/nodes",
        |h| {
            for r in &results {
                h.raw("<section id=\"")
                    .text(&enc(&r.kind))
                    .raw("\"><h2>")
                    .text(kind_label(&r.kind));
                if let Some(b) = &r.benchmark {
                    h.raw(" · ").text(b);
                }
                h.raw("</h2><p>Ran at ").time(r.ran_at).raw(": ");
                if let Some(p) = r.totals.pass {
                    h.num(p).raw(" pass, ");
                }
                h.num(r.totals.fail)
                    .raw(" fail, ")
                    .num(r.totals.warn)
                    .raw(" warn, ")
                    .num(r.totals.info)
                    .raw(" info.</p>");
                let mut fs: Vec<&bulwark_types::Finding> = r.findings.iter().collect();
                fs.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
                h.raw("<table class=\"filterable\"><caption>Failing and warning checks, most severe first</caption>")
                .head(&["Check", "State", "Severity", "Title", "Details", "Remediation"])
                .raw("<tbody>");
                for f in fs.iter().take(LIST_LIMIT) {
                    let prop = |k: &str| f.property(k).and_then(serde_json::Value::as_str);
                    h.raw("<tr><th scope=\"row\">")
                        .text(prop("checkId").unwrap_or(&f.id))
                        .raw("</th><td>")
                        .opt(prop("state"))
                        .raw("</td><td>");
                    sev_badge(h, f.severity);
                    h.raw("</td><td>")
                        .text(&f.title)
                        .raw("</td><td>")
                        .text(&f.message)
                        .raw("</td><td>")
                        .opt(prop("remediation"))
                        .raw("</td></tr>");
                }
                h.raw("</tbody></table>");
                if fs.len() > LIST_LIMIT {
                    h.raw("<p class=\"none\">")
                    .num((fs.len() - LIST_LIMIT) as i64)
                    .raw(" more not shown: <code>GET /api/v1/nodes/NODE</code> has them all.</p>");
                }
                if fs.is_empty() {
                    h.raw("<p class=\"none\">No failing or warning checks.</p>");
                }
                h.raw("</section>");
            }
        },
    );
    Ok(h)
}

// -------------------------------------------------------------------------------------------------- results

/// The severities a result's counts are shown by, most severe first.
const RESULT_SEVS: [Severity; 6] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
    Severity::Unknown,
];

/// Consolidated results (`bulwark report push --results NAME`): per team and source, the counts per tool and
/// severity, then the findings, most severe first; filtered by team.
fn results(ctx: &Ctx<'_>, query: &Query) -> Result<Html, PageError> {
    let team = q(query, "team").filter(|v| !v.is_empty());
    if let Some(t) = team
        && !bulwark_store::valid_label(t)
    {
        return Err(PageError::Bad(
            "the team filter must be a team name (a DNS-1123 label)".to_owned(),
        ));
    }
    let all = ctx.store.result_summaries(None)?;
    let mut teams: Vec<String> = all.iter().filter_map(|r| r.team.clone()).collect();
    teams.dedup();
    let results = ctx.store.results(team)?;
    let mut h = Html::default();
    layout(
        &mut h,
        "Results",
        Some((ctx.who, &ctx.csrf)),
        "/results",
        |h| {
            h.raw("<p>The latest consolidated report of each team and source: other tools' results merged with <code>bulwark report merge</code> and pushed with <code>bulwark report push --results NAME</code> by a team's token.</p>");
            h.raw("<form method=\"get\" action=\"/results\" class=\"filters\">");
            select(h, "team", "Team", &teams, team);
            h.raw("<button type=\"submit\">Filter</button></form>");
            h.raw("<table class=\"filterable\" id=\"results\"><caption>Findings per source and tool</caption>")
            .head(&[
                "Team", "Source", "Tool", "Critical", "High", "Medium", "Low", "Info", "Unknown", "Stored",
            ])
            .raw("<tbody>");
            for r in &results {
                let s = &r.summary;
                for (tool, counts) in &s.counts {
                    h.raw("<tr><td>")
                        .opt(s.team.as_deref())
                        .raw("</td><th scope=\"row\"><a href=\"#")
                        .text(&format!(
                            "src-{}-{}",
                            s.team.as_deref().unwrap_or(""),
                            s.source
                        ))
                        .raw("\">")
                        .text(&s.source)
                        .raw("</a></th><td>")
                        .text(tool)
                        .raw("</td>");
                    for sev in RESULT_SEVS {
                        let n = counts.get(&sev.to_string()).copied().unwrap_or(0);
                        h.raw("<td class=\"num\" data-k=\"")
                            .text(&sev.to_string().to_ascii_lowercase())
                            .raw("\">")
                            .num(n)
                            .raw("</td>");
                    }
                    h.raw("<td>").time(s.stored_at).raw("</td></tr>");
                }
            }
            h.raw("</tbody></table>");
            if results.is_empty() {
                h.raw("<p class=\"none\">No results yet: merge your tools' outputs with <code>bulwark report merge</code> and push the JSON with <code>bulwark report push --results NAME</code>.</p>");
            }
            for r in &results {
                let s = &r.summary;
                h.raw("<section id=\"")
                    .text(&format!(
                        "src-{}-{}",
                        s.team.as_deref().unwrap_or(""),
                        s.source
                    ))
                    .raw("\"><h2>")
                    .text(&s.source);
                if let Some(t) = &s.team {
                    h.raw(" · team ").text(t);
                }
                h.raw("</h2><p>")
                    .text(&s.target)
                    .raw(": ")
                    .num(s.finding_count)
                    .raw(" findings, pushed by token ")
                    .text(&s.token)
                    .raw(" at ")
                    .time(s.stored_at)
                    .raw(".</p>");
                let mut fs: Vec<&bulwark_types::Finding> = r.findings.iter().collect();
                fs.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
                h.raw("<table class=\"filterable\"><caption>Findings, most severe first</caption>")
                    .head(&[
                        "Finding", "Tool", "Severity", "Title", "Location", "Details",
                    ])
                    .raw("<tbody>");
                for f in fs.iter().take(LIST_LIMIT) {
                    h.raw("<tr><th scope=\"row\">")
                        .text(&f.id)
                        .raw("</th><td>")
                        .text(&bulwark_store::finding_tool(f))
                        .raw("</td><td>");
                    sev_badge(h, f.severity);
                    h.raw("</td><td>")
                        .text(&f.title)
                        .raw("</td><td>")
                        .text(&f.location.to_string())
                        .raw("</td><td>")
                        .text(&f.message)
                        .raw("</td></tr>");
                }
                h.raw("</tbody></table>");
                if fs.len() > LIST_LIMIT {
                    h.raw("<p class=\"none\">")
                    .num((fs.len() - LIST_LIMIT) as i64)
                    .raw(" more not shown: <code>GET /api/v1/results?includeFindings=true</code> has them all.</p>");
                }
                h.raw("</section>");
            }
        },
    );
    Ok(h)
}
