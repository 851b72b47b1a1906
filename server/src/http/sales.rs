//! `/api/v1/sales`, `/api/v1/sales/batch`, `/api/v1/registers/{id}/catalog`,
//! `/api/v1/events/{id}/sales`: the till.

use super::auth::Caller;
use super::error::{ApiError, invalid_body};
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::sales::{self, BatchAnswer, SaleFilter};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use selpos_domain::sales::batch::{SaleBatchAnswer, SaleBatchInput, SaleBatchResult, check_batch_len};
use selpos_domain::sales::{Catalog, EventSales, RefundInput, Sale, SaleInput, VoidInput};
use selpos_domain::validation::{ErrorBody, ErrorDetail};
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The largest batch body: 500 sales of about 4 KiB each (a sale alone may be up to the
/// 256 KiB of every other body; a till sends a large one in a batch of its own).
pub const MAX_BATCH_BODY_BYTES: usize = 2 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog))
        .routes(routes!(list, record))
        .routes(routes!(get))
        .routes(routes!(void))
        .routes(routes!(refund))
        .routes(routes!(event_sales))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(record_batch))
                // Inside the API's own limit, so that it wins for this route.
                .layer(DefaultBodyLimit::max(MAX_BATCH_BODY_BYTES)),
        )
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

/// A batch as it arrives: each sale is read on its own, so one that does not parse is refused
/// alone and the others are still recorded.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    sales: Vec<Box<RawValue>>,
}

/// Records up to 500 queued sales of the caller's register, each answered on its own.
///
/// A till catching up after an outage sends its queue in one request. Each sale is what `POST /sales` takes and is recorded once by its id, all
/// or nothing on its own; the answer (200) has one result per sale, in the request's order:
/// `recorded` (201 alone), `replay` (200 alone: recorded before, or a copy of an earlier sale
/// of this batch), `refused` (its 4xx and error; nothing written) or `failed` (5xx: send it
/// again). Sales are written in the request's order, so their receipt numbers follow it. The
/// request is refused as a whole only when it is no batch (422 `sales`: none, or more than
/// 500) or the caller is no register's tablet (403). Bodies up to 2 MiB.
#[utoipa::path(post, operation_id = "recordSaleBatch", path = "/sales/batch", tag = "sales", request_body = SaleBatchInput,
    responses((status = 200, body = SaleBatchAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_batch(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<BatchBody>,
) -> ApiResult<Json<SaleBatchAnswer>> {
    check_batch_len(body.sales.len()).map_err(crate::error::Error::Validation)?;
    // Parsed sales go to the use case; `parsed[k]` is the position of its k-th sale.
    let mut inputs = Vec::with_capacity(body.sales.len());
    let mut parsed = Vec::with_capacity(body.sales.len());
    let mut results: Vec<Option<SaleBatchResult>> = Vec::with_capacity(body.sales.len());
    for (i, raw) in body.sales.iter().enumerate() {
        let mut reader = serde_json::Deserializer::from_str(raw.get());
        match serde_path_to_error::deserialize::<_, SaleInput>(&mut reader) {
            Ok(input) => {
                inputs.push(input);
                parsed.push(i);
                results.push(None);
            }
            Err(e) => results.push(Some(refusal(readable_id(raw), invalid_body(&e)))),
        }
    }
    let answers = sales::record_batch(&state.db, &actor, &inputs).await?;
    for (k, answer) in answers.into_iter().enumerate() {
        let result = match answer {
            BatchAnswer::Own(Ok((sale, created))) => SaleBatchResult::recorded(sale, created),
            BatchAnswer::Own(Err(e)) => refusal(Some(inputs[k].id), ApiError::from(e)),
            // Always an earlier sale of the batch, answered already.
            BatchAnswer::SharedWith(j) => match &results[parsed[j]] {
                Some(first) => first.shared_with(Some(inputs[k].id)),
                None => refusal(
                    Some(inputs[k].id),
                    ApiError::from(crate::error::Error::Internal(
                        "a batch answer out of order".into(),
                    )),
                ),
            },
        };
        results[parsed[k]] = Some(result);
    }
    Ok(Json(SaleBatchAnswer {
        results: results.into_iter().flatten().collect(),
    }))
}

/// A sale of a batch the server did not record, answered as `POST /sales` would have.
fn refusal(id: Option<uuid::Uuid>, error: ApiError) -> SaleBatchResult {
    SaleBatchResult::not_recorded(
        id,
        error.status.as_u16(),
        ErrorDetail {
            code: error.code.into(),
            message: error.message,
            fields: error.fields,
        },
    )
}

/// The id of an entry that is no readable sale, if it has one.
fn readable_id(raw: &RawValue) -> Option<uuid::Uuid> {
    #[derive(Deserialize)]
    struct JustTheId {
        id: uuid::Uuid,
    }
    serde_json::from_str::<JustTheId>(raw.get()).ok().map(|s| s.id)
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
