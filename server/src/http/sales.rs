//! `/api/v1/sales`, `/api/v1/sales/batch`, `/api/v1/registers/{id}/catalog`,
//! `/api/v1/events/{id}/sales`: the till.

use super::auth::Caller;
use super::error::{ApiError, invalid_body};
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::sales::{self, BatchAnswer, SaleFilter};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use selpos_domain::sales::batch::{
    MAX_BATCH_SALES, SaleBatchAnswer, SaleBatchInput, SaleBatchResult, check_batch_len,
};
use selpos_domain::sales::search::SaleSearchInput;
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

/// What a register sells: the products of the event's facilities, for offline use. Its
/// `version` is also its `ETag`: a till that sends it as `If-None-Match` gets a 304 while the
/// catalogue is unchanged.
#[utoipa::path(get, operation_id = "getCatalog", path = "/registers/{id}/catalog", tag = "sales",
    params(("id" = i64, Path), ("If-None-Match" = Option<String>, Header, description = "The version the till holds, quoted")),
    responses((status = 200, body = Catalog), (status = 304, description = "The till's copy is current"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn catalog(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let catalog = sales::catalog(&state.db, &actor, id).await?;
    let etag = format!("\"{}\"", catalog.version);
    let unchanged = crate::site::if_none_match(&headers, &etag);
    let etag = HeaderValue::from_str(&etag).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok(([(header::ETAG, etag)], Json(catalog)).into_response())
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
    #[serde(deserialize_with = "at_most_one_too_many")]
    sales: Vec<Box<RawValue>>,
}

/// The entries of the `sales` array, but no more than one past [`MAX_BATCH_SALES`] (the rest are
/// skipped unread): that many is refused anyway, and two megabytes of `1,1,1,…` are not a
/// million allocations.
fn at_most_one_too_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Box<RawValue>>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<Box<RawValue>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of sales")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while entries.len() <= MAX_BATCH_SALES {
                match seq.next_element()? {
                    Some(entry) => entries.push(entry),
                    None => return Ok(entries),
                }
            }
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(entries)
        }
    }
    d.deserialize_seq(Entries)
}

/// Records up to 500 queued sales of the caller's register, each answered on its own.
///
/// A till catching up after an outage sends its queue in one request. Each sale is what
/// `POST /sales` takes and is recorded once by its id, all or nothing on its own; the answer
/// (200) has one result per sale, in the request's order: `recorded` (201 alone), `replay`
/// (200 alone: recorded before, or a copy of an earlier sale of this batch), `refused` (its
/// 4xx and error; nothing written) or `failed` (5xx: send it again). Sales are written in the
/// request's order, so their receipt numbers follow it. The request is refused as a whole only
/// when it is no batch (422 `sales`: none, or more than 500) or the caller is no register's
/// tablet (403). Bodies up to 2 MiB.
#[utoipa::path(post, operation_id = "recordSaleBatch", path = "/sales/batch", tag = "sales", request_body = SaleBatchInput,
    responses((status = 200, body = SaleBatchAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_batch(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(body): Json<BatchBody>,
) -> ApiResult<Json<SaleBatchAnswer>> {
    check_batch_len(body.sales.len()).map_err(crate::error::Error::Validation)?;
    let read = ReadSales::of(&body.sales);
    let answers = sales::record_batch(&state.db, &actor, &read.inputs).await?;
    Ok(Json(read.answered(answers)))
}

/// The sales of a batch as read: those that parse, for the use case, and an answer already for
/// each entry that does not.
struct ReadSales {
    inputs: Vec<SaleInput>,
    /// `positions[k]`: the place in the batch of `inputs[k]`.
    positions: Vec<usize>,
    results: Vec<Option<SaleBatchResult>>,
}

impl ReadSales {
    fn of(entries: &[Box<RawValue>]) -> ReadSales {
        let mut read = ReadSales {
            inputs: Vec::with_capacity(entries.len()),
            positions: Vec::with_capacity(entries.len()),
            results: Vec::with_capacity(entries.len()),
        };
        for (i, raw) in entries.iter().enumerate() {
            let mut reader = serde_json::Deserializer::from_str(raw.get());
            match serde_path_to_error::deserialize::<_, SaleInput>(&mut reader) {
                Ok(input) => {
                    read.inputs.push(input);
                    read.positions.push(i);
                    read.results.push(None);
                }
                Err(e) => read
                    .results
                    .push(Some(refusal(readable_id(raw), invalid_body(&e)))),
            }
        }
        read
    }

    /// The batch's answer, with the use case's `answers` for the sales that parsed.
    fn answered(mut self, answers: Vec<BatchAnswer>) -> SaleBatchAnswer {
        for (k, answer) in answers.into_iter().enumerate() {
            let id = Some(self.inputs[k].id);
            let result = match answer {
                BatchAnswer::Own(own) => match *own {
                    Ok((sale, created)) => SaleBatchResult::recorded(sale, created),
                    Err(e) => refusal(id, ApiError::from(e)),
                },
                // Always an earlier sale of the batch, answered already.
                BatchAnswer::SharedWith(j) => match &self.results[self.positions[j]] {
                    Some(first) => first.shared_with(id),
                    None => refusal(id, unanswered()),
                },
            };
            self.results[self.positions[k]] = Some(result);
        }
        SaleBatchAnswer {
            results: self
                .results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| refusal(None, unanswered())))
                .collect(),
        }
    }
}

fn unanswered() -> ApiError {
    ApiError::from(crate::error::Error::Internal(
        "a sale of a batch was left unanswered".into(),
    ))
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
    /// A whole receipt number, e.g. `HB2026A-R1-0001` (to find a sale for a return or a
    /// 領収書); full-width characters and either case are accepted.
    receipt_number: Option<String>,
    /// Sold at or after: RFC 3339, a time in Japan (`2026-11-28T11:00`), or a day (`2026-11-28`).
    from: Option<String>,
    /// Sold before: as `from`; a day counts whole.
    to: Option<String>,
    /// The exact total in yen (negative for voids and refunds).
    total: Option<i64>,
    /// `sale`, `void` or `refund`.
    kind: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Skip this many (the next page: `offset` + `limit`).
    #[param(minimum = 0, maximum = 1000000)]
    offset: Option<i64>,
}

/// The sales journal, newest first, searched by receipt number, time and exact total, page by
/// page: council users, or a cashier for their own register.
#[utoipa::path(get, operation_id = "listSales", path = "/sales", tag = "sales", params(ListQuery),
    responses((status = 200, body = [Sale]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<Sale>>> {
    let search = SaleSearchInput {
        receipt_number: q.receipt_number,
        from: q.from,
        to: q.to,
        total: q.total,
        kind: q.kind,
        limit: q.limit,
        offset: q.offset,
    }
    .validated()
    .map_err(crate::error::Error::Validation)?;
    let filter = SaleFilter {
        event_id: q.event_id,
        register_id: q.register_id,
        receipt_number: search.receipt_number,
        sold_from: search.from,
        sold_to: search.to,
        total: search.total,
        kind: search.kind,
        limit: search.limit,
        offset: search.offset,
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
