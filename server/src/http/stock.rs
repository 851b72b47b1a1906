//! `/api/v1/events/{id}/stock`: consignment stock of an event.

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::stock;
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::stock::{CountLine, EventStock, StockCountInput, StockOperationInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, record))
        .routes(routes!(count))
        .routes(routes!(import_intake))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StockQuery {
    /// Only this facility's goods (facility staff always see only their own).
    facility_id: Option<i64>,
}

/// What each product brought, sold, refunded, took out and has left; low, sold out, negative.
#[utoipa::path(get, operation_id = "getStock", path = "/events/{id}/stock", tag = "stock", params(("id" = i64, Path), StockQuery),
    responses((status = 200, body = EventStock), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<StockQuery>,
) -> ApiResult<Json<EventStock>> {
    Ok(Json(
        stock::event_stock(&state.db, &actor, id, q.facility_id).await?,
    ))
}

/// 搬入, 搬出, transfer, loss or adjustment of a facility's goods at the event.
#[utoipa::path(post, operation_id = "recordStockOperation", path = "/events/{id}/stock", tag = "stock", params(("id" = i64, Path)),
    request_body = StockOperationInput,
    responses((status = 201, body = EventStock), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn record(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<StockOperationInput>,
) -> ApiResult<(StatusCode, Json<EventStock>)> {
    Ok((
        StatusCode::CREATED,
        Json(stock::record(&state.db, &actor, id, &input).await?),
    ))
}

/// 棚卸: records what was counted; the variance becomes a count movement.
#[utoipa::path(post, operation_id = "countStock", path = "/events/{id}/stock/count", tag = "stock", params(("id" = i64, Path)),
    request_body = StockCountInput,
    responses((status = 201, body = [CountLine]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn count(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<StockCountInput>,
) -> ApiResult<(StatusCode, Json<Vec<CountLine>>)> {
    Ok((
        StatusCode::CREATED,
        Json(stock::count(&state.db, &actor, id, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IntakeImportQuery {
    facility_id: i64,
    /// The operation's id (idempotency key), made by the client.
    id: uuid::Uuid,
}

/// 搬入 from a CSV (columns JAN or 商品名, 数量; UTF-8 or Shift_JIS). All rows or none.
#[utoipa::path(post, operation_id = "importIntake", path = "/events/{id}/stock/import", tag = "stock", params(("id" = i64, Path), IntakeImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = EventStock), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_intake(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<IntakeImportQuery>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<EventStock>)> {
    let stock =
        crate::usecases::imports::import_intake(&state.db, &actor, id, q.facility_id, q.id, &body).await?;
    Ok((StatusCode::CREATED, Json(stock)))
}
