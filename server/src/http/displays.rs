//! `/api/v1/registers/{id}/display-link`, `/api/v1/registers/{id}/display`,
//! `/api/v1/display/{token}`: the お客様画面 (the customer's screen following the till).

use super::auth::Caller;
use super::extract::{Json, Path};
use super::{ApiResult, AppState};
use crate::usecases::displays;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use selpos_domain::customer_display::{DisplayLink, DisplayLinkInput, DisplayState, DisplayView};
use selpos_domain::validation::ErrorBody;
use sha2::{Digest, Sha256};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_link))
        .routes(routes!(publish))
        .routes(routes!(show))
}

/// A new link (and QR code) for the register's customer screen; the last link stops working.
#[utoipa::path(post, operation_id = "newDisplayLink", path = "/registers/{id}/display-link", tag = "registers",
    params(("id" = i64, Path)), request_body = DisplayLinkInput,
    responses((status = 201, body = DisplayLink), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn new_link(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<DisplayLinkInput>,
) -> ApiResult<(StatusCode, Json<DisplayLink>)> {
    Ok((
        StatusCode::CREATED,
        Json(displays::new_link(&state.db, &actor, id, &input).await?),
    ))
}

/// What the till shows now, for its customer screen (a stale state is ignored).
#[utoipa::path(put, operation_id = "publishDisplay", path = "/registers/{id}/display", tag = "registers",
    params(("id" = i64, Path)), request_body = DisplayState,
    responses((status = 204, description = "Kept (or older than the kept state)"), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn publish(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<DisplayState>,
) -> ApiResult<StatusCode> {
    displays::publish(&state.db, &actor, id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The customer screen's view, by its link's token (no sign-in: the link is the key). Asked
/// every second with `If-None-Match`: unchanged costs a 304.
#[utoipa::path(get, operation_id = "getDisplay", path = "/display/{token}", tag = "registers",
    params(("token" = String, Path), ("If-None-Match" = Option<String>, Header, description = "The view the screen holds")),
    responses((status = 200, body = DisplayView), (status = 304, description = "Unchanged"), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let view = displays::show(&state.db, &token).await?;
    let body = serde_json::to_vec(&view).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", hex_prefix(&digest));
    let unchanged = crate::site::if_none_match(&headers, &etag);
    let etag = HeaderValue::from_str(&etag).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ],
        body,
    )
        .into_response())
}

/// The first 16 bytes of a digest in hex: enough to tell two views apart.
fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
