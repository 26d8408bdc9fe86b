//! The REST API under `/api/v1` (issue #15).

use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request as HttpRequest, Response as HttpResponse, StatusCode};

use crate::State;

/// The API's settings.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {}

/// Answers a request under `/api/v1`.
pub(crate) async fn route(
    state: &Arc<State>,
    req: HttpRequest<Incoming>,
) -> HttpResponse<Full<Bytes>> {
    crate::discard_body(state, req).await;
    crate::text(StatusCode::NOT_FOUND, "not found\n")
}
