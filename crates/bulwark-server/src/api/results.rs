//! Consolidated results (issue #20): `POST /api/v1/results?source=NAME` stores a Bulwark JSON report (from
//! `bulwark report merge`, or any scan's `-f json`) as the latest result of the pushing token's team and the
//! source NAME (a DNS-1123 label such as `ci-payments`); `GET /api/v1/results[?team=T]` lists them with their
//! counts per tool and severity (`includeFindings=true`: with the findings).

use bulwark_store::Store;
use serde_json::{Value, json};

use super::{ApiError, ApiResponse, Params, store_error};

/// Largest report accepted (a merged report of a monorepo's tools is a few MiB).
pub(crate) const MAX_RESULT_REPORT_BYTES: usize = 64 << 20;

fn check_label(what: &str, v: &str) -> Result<(), ApiError> {
    if bulwark_store::valid_label(v) {
        return Ok(());
    }
    let shown: String = bulwark_types::escape_control(v).chars().take(80).collect();
    Err(ApiError::bad(format!(
        "query parameter `{what}`: \"{shown}\" is not a DNS-1123 label (1 to {} lower-case letters, digits and \
         '-', starting and ending with a letter or digit)",
        bulwark_store::MAX_SOURCE_NAME
    ))
    .with("parameter", what))
}

/// `POST /api/v1/results?source=NAME`; `team` is the token's team.
pub(super) fn push(
    store: &Store,
    token: &str,
    team: Option<&str>,
    req: &super::ApiRequest<'_>,
    now: i64,
) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(req.query, &["source"])?;
    let Some(source) = p.one("source")? else {
        return Err(ApiError::bad(
            "query parameter `source` is required: a DNS-1123 label naming where the results come from \
             (ci-payments)",
        )
        .with("parameter", "source"));
    };
    check_label("source", source)?;
    if req.body.len() > MAX_RESULT_REPORT_BYTES {
        return Err(ApiError::new(
            413,
            format!(
                "a report of {} bytes; at most {MAX_RESULT_REPORT_BYTES}",
                req.body.len()
            ),
        ));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad(
            "the request body is empty: send a Bulwark JSON report (`bulwark report merge … -f json`, or a \
             scan's `-f json`)",
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
    let stored = store
        .put_result(
            team,
            source,
            token,
            &report.target.name,
            &report.findings,
            now,
        )
        .map_err(|e| match &e {
            bulwark_store::Error::Invalid { .. } => ApiError::new(413, e.to_string()),
            _ => store_error(&e),
        })?;
    Ok(ApiResponse::json(201, &json!(stored)))
}

/// `GET /api/v1/results[?team=T][&includeFindings=true]`.
pub(super) fn list(store: &Store, query: &str) -> Result<ApiResponse, ApiError> {
    let p = Params::parse(query, &["team", "includeFindings"])?;
    let team = p.one("team")?;
    if let Some(t) = team {
        check_label("team", t)?;
    }
    let items: Vec<Value> = if p.flag("includeFindings")? {
        store
            .results(team)
            .map_err(|e| store_error(&e))?
            .into_iter()
            .map(|r| json!(r))
            .collect()
    } else {
        store
            .result_summaries(team)
            .map_err(|e| store_error(&e))?
            .into_iter()
            .map(|r| json!(r))
            .collect()
    };
    Ok(ApiResponse::json(200, &json!({"items": items})))
}
