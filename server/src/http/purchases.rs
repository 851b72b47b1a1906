//! `/api/v1/purchases…`: 共同購入 — rounds, the facilities' quantities, the close, bills,
//! payments, the unpaid list and the council's invoices to each facility.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::purchases;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selpos_domain::orders::PaymentInput;
use selpos_domain::purchases::{
    Bill, BillInput, CancelInput, OrdersInput, PurchaseInvoice, Round, RoundInput, UnpaidList,
};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(put_orders))
        .routes(routes!(close))
        .routes(routes!(cancel))
        .routes(routes!(bill))
        .routes(routes!(invoice))
        .routes(routes!(bills))
        .routes(routes!(add_payment))
        .routes(routes!(unpaid))
        .routes(routes!(statement))
}

/// The rounds, latest deadline first (facility staff: open rounds and those they ordered in,
/// with only their own part).
#[utoipa::path(get, operation_id = "listPurchaseRounds", path = "/purchases", tag = "purchases",
    responses((status = 200, body = [Round]), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Round>>> {
    Ok(Json(purchases::list(&state.db, &actor).await?))
}

/// A new round (council): item, tax-included unit price, rate, deadline.
#[utoipa::path(post, operation_id = "createPurchaseRound", path = "/purchases", tag = "purchases",
    request_body = RoundInput,
    responses((status = 201, body = Round), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<RoundInput>,
) -> ApiResult<(StatusCode, Json<Round>)> {
    Ok((
        StatusCode::CREATED,
        Json(purchases::create(&state.db, &actor, &input).await?),
    ))
}

/// One round with its orders, the total to order from the supplier, its bills and payments.
#[utoipa::path(get, operation_id = "getPurchaseRound", path = "/purchases/{id}", tag = "purchases",
    params(("id" = i64, Path)),
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::get(&state.db, &actor, id).await?))
}

/// Changes an open round (council); a later deadline keeps it taking orders until then.
#[utoipa::path(put, operation_id = "updatePurchaseRound", path = "/purchases/{id}", tag = "purchases",
    params(("id" = i64, Path)), request_body = RoundInput,
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<RoundInput>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::update(&state.db, &actor, id, &input).await?))
}

/// Facilities' quantities (0 withdraws) until the deadline; facility staff their own only.
/// After the deadline or the close: 409 `round_closed`.
#[utoipa::path(put, operation_id = "putPurchaseOrders", path = "/purchases/{id}/orders", tag = "purchases",
    params(("id" = i64, Path)), request_body = OrdersInput,
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_orders(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<OrdersInput>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::put_orders(&state.db, &actor, id, &input).await?))
}

/// 締切 by hand (council); again answers the round.
#[utoipa::path(post, operation_id = "closePurchaseRound", path = "/purchases/{id}/close", tag = "purchases",
    params(("id" = i64, Path)),
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn close(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::close(&state.db, &actor, id).await?))
}

/// 中止 with a reason (council), before billing.
#[utoipa::path(post, operation_id = "cancelPurchaseRound", path = "/purchases/{id}/cancel", tag = "purchases",
    params(("id" = i64, Path)), request_body = CancelInput,
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<CancelInput>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::cancel(&state.db, &actor, id, &input).await?))
}

/// 請求 (council): one bill per facility that ordered, once closed; again answers the round.
#[utoipa::path(post, operation_id = "billPurchaseRound", path = "/purchases/{id}/bill", tag = "purchases",
    params(("id" = i64, Path)), request_body = BillInput,
    responses((status = 200, body = Round), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bill(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<BillInput>,
) -> ApiResult<Json<Round>> {
    Ok(Json(purchases::bill(&state.db, &actor, id, &input).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvoiceQuery {
    /// The facility billed.
    facility_id: i64,
}

/// 請求書: the round's bill to one facility as a qualified invoice from the council.
#[utoipa::path(get, operation_id = "getPurchaseInvoice", path = "/purchases/{id}/invoice", tag = "purchases",
    params(("id" = i64, Path), InvoiceQuery),
    responses((status = 200, body = PurchaseInvoice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn invoice(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<InvoiceQuery>,
) -> ApiResult<Json<PurchaseInvoice>> {
    Ok(Json(
        purchases::invoice(&state.db, &actor, id, q.facility_id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BillsQuery {
    /// Only this facility's (facility staff: always their own).
    facility_id: Option<i64>,
}

/// The bills with their payments (facility staff: their own).
#[utoipa::path(get, operation_id = "listPurchaseBills", path = "/purchases/bills", tag = "purchases", params(BillsQuery),
    responses((status = 200, body = [Bill]), (status = 403, body = ErrorBody)))]
async fn bills(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<BillsQuery>,
) -> ApiResult<Json<Vec<Bill>>> {
    Ok(Json(purchases::bills(&state.db, &actor, q.facility_id).await?))
}

/// 入金 on a bill (council): partial allowed, never above the balance; retried by its `id`.
#[utoipa::path(post, operation_id = "addPurchasePayment", path = "/purchases/bills/{id}/payments", tag = "purchases",
    params(("id" = i64, Path)), request_body = PaymentInput,
    responses((status = 201, body = Bill), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_payment(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<PaymentInput>,
) -> ApiResult<(StatusCode, Json<Bill>)> {
    Ok((
        StatusCode::CREATED,
        Json(purchases::add_payment(&state.db, &actor, id, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnpaidQuery {
    /// Only this facility's (facility staff: always their own).
    facility_id: Option<i64>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// 未収一覧: billed less paid per facility, and the unpaid bills.
#[utoipa::path(get, operation_id = "getPurchaseUnpaid", path = "/purchases/unpaid", tag = "purchases", params(UnpaidQuery),
    responses((status = 200, description = "The list; with `format=csv` as CSV (UTF-8 with BOM)",
        content((UnpaidList = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody)))]
async fn unpaid(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<UnpaidQuery>,
) -> ApiResult<Response> {
    let list = purchases::unpaid(&state.db, &actor, q.facility_id).await?;
    Ok(match q.format {
        Format::Json => Json(list).into_response(),
        Format::Csv => csv_response(purchases::unpaid_csv(&list)?, "purchase-unpaid.csv"),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    facility_id: i64,
    /// `YYYY-MM`: the month the bills were issued.
    month: String,
}

/// 月次請求書: a facility's bills of a month as one invoice, tax once per rate.
#[utoipa::path(get, operation_id = "getPurchaseStatement", path = "/purchases/statement", tag = "purchases",
    params(StatementQuery),
    responses((status = 200, body = PurchaseInvoice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn statement(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<StatementQuery>,
) -> ApiResult<Json<PurchaseInvoice>> {
    Ok(Json(
        purchases::statement(&state.db, &actor, q.facility_id, &q.month).await?,
    ))
}
