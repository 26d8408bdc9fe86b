//! Node results (issue #19): `POST /api/v1/nodes/{node}/results?kind=…` stores the Bulwark JSON report of a
//! node benchmark (`bulwark bench node`), a host benchmark (`bulwark bench host`) or an exposure probe
//! (`bulwark probe`) as the node's latest run of that kind; `GET /api/v1/nodes` lists the nodes with their
//! runs' totals and `GET /api/v1/nodes/{node}` gives one node's runs with their findings (none when it has no
//! stored run).
//!
//! The totals are the report's top-level `totals` object (`{"pass": N, "fail": N, "warn": N, "info": N}`) when
//! it has one; otherwise they are counted from the findings' `state` property (FAIL, WARN, INFO; a finding
//! without one, a probe's exposure, counts as FAIL), and the number of passing checks is unknown.

use bulwark_store::{NODE_RESULT_KINDS, NodeResult, NodeTotals, Store};
use serde_json::{Value, json};

use super::{ApiError, ApiResponse, Params, store_error};

/// Largest report accepted (a full CIS node run with every remediation is a few hundred KiB).
pub(crate) const MAX_NODE_REPORT_BYTES: usize = 16 << 20;

fn check_node(node: &str) -> Result<(), ApiError> {
    if bulwark_store::valid_node_name(node) {
        return Ok(());
    }
    let shown: String = bulwark_types::escape_control(node)
        .chars()
        .take(80)
        .collect();
    Err(ApiError::bad(format!(
        "node name \"{shown}\" is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most {} \
         characters, each label starting and ending with a letter or digit)",
        bulwark_store::MAX_NODE_NAME
    ))
    .with("parameter", "node"))
}

/// The totals of a report: its `totals` object, else counted from the findings.
fn totals(raw: &Value, findings: &[bulwark_types::Finding]) -> Result<NodeTotals, ApiError> {
    if let Some(t) = raw.get("totals").filter(|t| !t.is_null()) {
        let field = |k: &str| -> Result<i64, ApiError> {
            t.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(|| {
                    ApiError::bad(format!(
                        "request body: `totals.{k}` must be a whole number (totals are {{\"pass\", \"fail\", \
                         \"warn\", \"info\"}})"
                    ))
                    .with("pointer", format!("/totals/{k}"))
                })
        };
        return Ok(NodeTotals {
            pass: Some(field("pass")?),
            fail: field("fail")?,
            warn: field("warn")?,
            info: field("info")?,
        });
    }
    let mut t = NodeTotals::default();
    for f in findings {
        match f.property("state").and_then(Value::as_str) {
            Some(s) if s.eq_ignore_ascii_case("WARN") => t.warn += 1,
            Some(s) if s.eq_ignore_ascii_case("INFO") => t.info += 1,
            Some(s) if s.eq_ignore_ascii_case("PASS") => {}
            _ => t.fail += 1,
        }
    }
    Ok(t)
}

/// `POST /api/v1/nodes/{node}/results?kind=bench-node|bench-host|probe`.
pub(super) fn push(
    store: &Store,
    node: &str,
    req: &super::ApiRequest<'_>,
    now: i64,
) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(req.query, &["kind"])?;
    check_node(node)?;
    let Some(kind) = p.one("kind")? else {
        return Err(ApiError::bad(format!(
            "query parameter `kind` is required: one of {}",
            NODE_RESULT_KINDS.join(", ")
        ))
        .with("parameter", "kind"));
    };
    if !NODE_RESULT_KINDS.contains(&kind) {
        let shown: String = bulwark_types::escape_control(kind)
            .chars()
            .take(80)
            .collect();
        return Err(ApiError::bad(format!(
            "query parameter `kind`: unknown kind \"{shown}\" (one of {})",
            NODE_RESULT_KINDS.join(", ")
        ))
        .with("parameter", "kind"));
    }
    if req.body.len() > MAX_NODE_REPORT_BYTES {
        return Err(ApiError::new(
            413,
            format!(
                "a node report of {} bytes; at most {MAX_NODE_REPORT_BYTES}",
                req.body.len()
            ),
        ));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad(
            "the request body is empty: send the Bulwark JSON report of `bulwark bench node|host -f json` or \
             `bulwark probe -f json`",
        ));
    }
    let report = bulwark_report::read_report(req.body, "request body").map_err(|e| {
        let mut err = ApiError::bad(format!("not a Bulwark JSON report: {e}"));
        if let bulwark_report::ReadError::Json { source, .. } = &e {
            err = err
                .with("line", source.line())
                .with("column", source.column());
        }
        err
    })?;
    if report.target.kind != bulwark_report::TargetKind::Node {
        let kind_name = serde_json::to_value(report.target.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(ApiError::bad(format!(
            "request body: a report of target kind `{kind_name}`, not `node` (the report of `bulwark bench node`, \
             `bulwark bench host` or `bulwark probe`)"
        ))
        .with("pointer", "/target/kind"));
    }
    let Some(ran_at) = bulwark_types::time::parse_rfc3339(&report.created_at) else {
        let shown: String = bulwark_types::escape_control(&report.created_at)
            .chars()
            .take(80)
            .collect();
        return Err(ApiError::bad(format!(
            "request body: `createdAt` \"{shown}\" is not an RFC 3339 time"
        ))
        .with("pointer", "/createdAt"));
    };
    // The report's own text only, as sent (serde_json's nesting limit has bounded it already).
    let raw: Value = serde_json::from_slice(req.body).unwrap_or(Value::Null);
    let totals = totals(&raw, &report.findings)?;
    let benchmark = report
        .findings
        .iter()
        .find_map(|f| f.property("benchmark").and_then(Value::as_str))
        .map(|b| b.chars().take(64).collect::<String>());
    let result = NodeResult {
        node: node.to_owned(),
        kind: kind.to_owned(),
        benchmark,
        ran_at,
        totals,
        findings: report.findings,
    };
    let stored = store.put_node_result(&result, now).map_err(|e| match &e {
        bulwark_store::Error::Invalid { .. } => ApiError::new(413, e.to_string()),
        _ => store_error(&e),
    })?;
    Ok(ApiResponse::json(
        if stored { 201 } else { 200 },
        &json!({
            "node": node,
            "kind": kind,
            "ranAt": ran_at,
            "totals": totals,
            "findings": result.findings.len(),
            "stored": stored,
            "reason": if stored { Value::Null } else {
                "a run of this node and kind that ran later is stored already".into()
            },
        }),
    ))
}

/// `GET /api/v1/nodes`: every node with its runs (kind, benchmark, ranAt, totals), by name.
pub(super) fn list(store: &Store) -> Result<ApiResponse, ApiError> {
    let rows = store.node_summaries().map_err(|e| store_error(&e))?;
    let mut items: Vec<Value> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let node = &rows[i].node;
        let n = rows[i..].iter().take_while(|r| r.node == *node).count();
        items.push(json!({"node": node, "results": &rows[i..i + n]}));
        i += n;
    }
    Ok(ApiResponse::json(200, &json!({"items": items})))
}

/// `GET /api/v1/nodes/{node}`: the node's runs with their findings; none for a node without a stored run (a node
/// of the cluster that was not benchmarked yet is no error).
pub(super) fn one(store: &Store, node: &str) -> Result<ApiResponse, ApiError> {
    check_node(node)?;
    let results = store
        .node_results(Some(node))
        .map_err(|e| store_error(&e))?;
    Ok(ApiResponse::json(
        200,
        &json!({"node": node, "results": results}),
    ))
}
