//! `/api/v1/sales`, `/api/v1/registers/{id}/catalog`, `/api/v1/events/{id}/sales`: the till.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::sales::{self, SaleFilter};
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::sales::{Catalog, EventSales, RefundInput, Sale, SaleInput, VoidInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog))
        .routes(routes!(list, record))
        .routes(routes!(get))
        .routes(routes!(void))
        .routes(routes!(refund))
        .routes(routes!(event_sales))
}

/// What a register sells: the products of the event's facilities, for offline use.
#[utoipa::path(get, operation_id = "getCatalog", path = "/registers/{id}/catalog", tag = "sales", params(("id" = i64, Path)),
    responses((status = 200, body = Catalog), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn catalog(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Catalog>> {
    Ok(Json(sales::catalog(&state.db, &actor, id).await?))
}

/// Records a sale made on the caller's register. The sale's id is the idempotency key: the
/// first request answers 201, every retry 200 with the same sale.
#[utoipa::path(post, operation_id = "recordSale", path = "/sales", tag = "sales", request_body = SaleInput,
    responses((status = 201, body = Sale), (status = 200, body = Sale), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<SaleInput>,
) -> ApiResult<(StatusCode, Json<Sale>)> {
    let (sale, created) = sales::record(&state.db, &actor, &input).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(sale),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    event_id: Option<i64>,
    register_id: Option<i64>,
    /// A whole receipt number, e.g. `HB2026A-R1-0001` (to find a sale for a return).
    receipt_number: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// The sales journal, newest first: council users, or a cashier for their own register.
#[utoipa::path(get, operation_id = "listSales", path = "/sales", tag = "sales", params(ListQuery),
    responses((status = 200, body = [Sale]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<Sale>>> {
    let filter = SaleFilter {
        event_id: q.event_id,
        register_id: q.register_id,
        receipt_number: q
            .receipt_number
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty()),
        limit: super::extract::page_limit(q.limit, 100)?,
    };
    Ok(Json(sales::list(&state.db, &actor, &filter).await?))
}

/// One sale, void or refund.
#[utoipa::path(get, operation_id = "getSale", path = "/sales/{id}", tag = "sales", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Sale), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<Json<Sale>> {
    Ok(Json(sales::get(&state.db, &actor, id).await?))
}

/// 取消: reverses a whole sale; a cashier needs a manager approval for `void`.
#[utoipa::path(post, operation_id = "voidSale", path = "/sales/{id}/void", tag = "sales", params(("id" = uuid::Uuid, Path)), request_body = VoidInput,
    responses((status = 201, body = Sale), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn void(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
    Json(input): Json<VoidInput>,
) -> ApiResult<(StatusCode, Json<Sale>)> {
    Ok((
        StatusCode::CREATED,
        Json(sales::void(&state.db, &actor, id, &input).await?),
    ))
}

/// 返品: refunds some items of a sale in cash; a cashier needs a manager approval for `refund`.
#[utoipa::path(post, operation_id = "refundSale", path = "/sales/{id}/refund", tag = "sales", params(("id" = uuid::Uuid, Path)), request_body = RefundInput,
    responses((status = 201, body = Sale), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn refund(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
    Json(input): Json<RefundInput>,
) -> ApiResult<(StatusCode, Json<Sale>)> {
    Ok((
        StatusCode::CREATED,
        Json(sales::refund(&state.db, &actor, id, &input).await?),
    ))
}

/// The live view of an event: net sales per facility and product (facility staff: their own).
#[utoipa::path(get, operation_id = "getEventSales", path = "/events/{id}/sales", tag = "sales", params(("id" = i64, Path)),
    responses((status = 200, body = EventSales), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn event_sales(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<EventSales>> {
    Ok(Json(sales::event_sales(&state.db, &actor, id).await?))
}
