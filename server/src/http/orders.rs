//! `/api/v1/orders…`: 共同受注窓口 — orders, allocation and its suggestion, the facilities'
//! answers, payments, payout and adjustments, the invoice's data, payout statements, the
//! prefecture's yearly report and declared capacities.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::orders;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selpos_domain::orders::{
    AllocationInput, AnswerInput, Capacity, CapacityInput, FeeInput, InvoiceDocument, ItemSuggestion, Order,
    OrderInput, PaymentInput, PayoutInput, PayoutStatement, ProcurementReport, StatusInput,
};
use selpos_domain::settlement::AdjustmentInput;
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(set_fee))
        .routes(routes!(set_status))
        .routes(routes!(allocate))
        .routes(routes!(suggestion))
        .routes(routes!(answer))
        .routes(routes!(add_payment))
        .routes(routes!(payout))
        .routes(routes!(adjust))
        .routes(routes!(invoice))
        .routes(routes!(payout_statement))
        .routes(routes!(report))
        .routes(routes!(capacities, declare_capacity))
}

/// Joint orders, newest first: all for the council; for facility staff only orders with a
/// share of theirs, showing only their shares.
#[utoipa::path(get, operation_id = "listOrders", path = "/orders", tag = "orders", responses((status = 200, body = [Order]), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Order>>> {
    Ok(Json(orders::list(&state.db, &actor).await?))
}

/// 引合い: records a new order (buyer, items, deliveries, fee).
#[utoipa::path(post, operation_id = "createOrder", path = "/orders", tag = "orders", request_body = OrderInput,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<OrderInput>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    Ok((
        StatusCode::CREATED,
        Json(orders::create(&state.db, &actor, &input).await?),
    ))
}

/// One order (facility staff: only one with a share of theirs, showing only their shares).
#[utoipa::path(get, operation_id = "getOrder", path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::get(&state.db, &actor, id).await?))
}

/// Replaces an order's contents before 受注; items sent with their `id` keep their shares.
#[utoipa::path(put, operation_id = "updateOrder", path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)), request_body = OrderInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<OrderInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::update(&state.db, &actor, id, &input).await?))
}

/// Changes the council's fee and the per-facility overrides (until the order is paid out).
#[utoipa::path(put, operation_id = "setOrderFee", path = "/orders/{id}/fee", tag = "orders", params(("id" = i64, Path)), request_body = FeeInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_fee(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<FeeInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::set_fee(&state.db, &actor, id, &input).await?))
}

/// Moves the order: 見積, 受注 (allocation complete), 納品済 (every share confirmed), 請求済,
/// 失注 / 取消 (with a reason). 入金済 follows payments, 支払済 the payout.
#[utoipa::path(post, operation_id = "setOrderStatus", path = "/orders/{id}/status", tag = "orders", params(("id" = i64, Path)), request_body = StatusInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_status(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<StatusInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::set_status(&state.db, &actor, id, &input).await?))
}

/// 割り振り: replaces the allocation (one row per item and facility).
#[utoipa::path(put, operation_id = "allocateOrder", path = "/orders/{id}/shares", tag = "orders", params(("id" = i64, Path)), request_body = AllocationInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn allocate(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<AllocationInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::allocate(&state.db, &actor, id, &input).await?))
}

/// A suggested allocation per item from declared capacity and past shares, with its explanation.
#[utoipa::path(get, operation_id = "suggestAllocation", path = "/orders/{id}/suggestion", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = [ItemSuggestion]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn suggestion(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<ItemSuggestion>>> {
    Ok(Json(orders::suggestion(&state.db, &actor, id).await?))
}

/// A facility confirms or declines its share; a declined share goes back to the desk.
#[utoipa::path(post, operation_id = "answerShare", path = "/orders/{id}/shares/{share_id}/answer", tag = "orders",
    params(("id" = i64, Path), ("share_id" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn answer(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, share_id)): Path<(i64, i64)>,
    Json(input): Json<AnswerInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(
        orders::answer(&state.db, &actor, id, share_id, &input).await?,
    ))
}

/// 入金: a payment received (partial payments add up; 入金済 once fully paid). Retried with
/// the same `id`, the same payment.
#[utoipa::path(post, operation_id = "addOrderPayment", path = "/orders/{id}/payments", tag = "orders", params(("id" = i64, Path)), request_body = PaymentInput,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_payment(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<PaymentInput>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    Ok((
        StatusCode::CREATED,
        Json(orders::add_payment(&state.db, &actor, id, &input).await?),
    ))
}

/// 支払: the facilities are paid; the order is locked (支払済).
#[utoipa::path(post, operation_id = "payOutOrder", path = "/orders/{id}/payout", tag = "orders", params(("id" = i64, Path)), request_body = PayoutInput,
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn payout(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<PayoutInput>,
) -> ApiResult<Json<Order>> {
    Ok(Json(orders::payout(&state.db, &actor, id, &input).await?))
}

/// 支払後の調整: a correction to a facility's payable on a paid-out order, with a reason.
#[utoipa::path(post, operation_id = "adjustOrder", path = "/orders/{id}/adjustments", tag = "orders", params(("id" = i64, Path)), request_body = AdjustmentInput,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn adjust(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<AdjustmentInput>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    Ok((
        StatusCode::CREATED,
        Json(orders::adjust(&state.db, &actor, id, &input).await?),
    ))
}

/// The invoice's data (請求書; also 見積書・納品書): lines per facility share, per-rate totals
/// with tax rounded once per rate, facilities that are not registered issuers apart.
#[utoipa::path(get, operation_id = "getOrderInvoice", path = "/orders/{id}/invoice", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = InvoiceDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn invoice(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<InvoiceDocument>> {
    Ok(Json(orders::invoice(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PayoutQuery {
    facility_id: i64,
    /// `YYYY-MM`: the month of payout.
    month: String,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// 支払明細: every order paid out to a facility in a month, with the council's fee and its tax.
#[utoipa::path(get, operation_id = "getOrderPayoutStatement", path = "/orders/payouts", tag = "orders", params(PayoutQuery),
    responses((status = 200, description = "The statement; with `format=csv` as CSV (UTF-8 with BOM)",
        content((PayoutStatement = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn payout_statement(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<PayoutQuery>,
) -> ApiResult<Response> {
    let (year, month) = orders::parse_month(&q.month)?;
    let s = orders::payout_statement(&state.db, &actor, q.facility_id, year, month).await?;
    Ok(match q.format {
        Format::Json => Json(s).into_response(),
        Format::Csv => {
            let file = format!("order-payouts-{}-{year}{month:02}.csv", s.facility_number);
            csv_response(orders::payout_csv(&s)?, &file)
        }
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The fiscal year by its first calendar year: 2025 = 令和7年度.
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: i64,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// The prefecture's yearly report: orders received through the desk per facility and in
/// total, government and private apart.
#[utoipa::path(get, operation_id = "getOrderReport", path = "/orders/report", tag = "orders", params(ReportQuery),
    responses((status = 200, description = "The report; with `format=csv` as CSV (UTF-8 with BOM)",
        content((ProcurementReport = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let r = orders::report(&state.db, &actor, q.fiscal_year).await?;
    Ok(match q.format {
        Format::Json => Json(r).into_response(),
        Format::Csv => {
            let file = format!("joint-orders-{}.csv", r.fiscal_year);
            csv_response(orders::report_csv(&r)?, &file)
        }
    })
}

/// Declared capacities (the council: all; facility staff: their own).
#[utoipa::path(get, operation_id = "listCapacities", path = "/orders/capacities", tag = "orders",
    responses((status = 200, body = [Capacity]), (status = 403, body = ErrorBody)))]
async fn capacities(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Capacity>>> {
    Ok(Json(orders::capacities(&state.db, &actor).await?))
}

/// 能力の申告: what a facility can make of a product or work in a period.
#[utoipa::path(post, operation_id = "declareCapacity", path = "/orders/capacities", tag = "orders", request_body = CapacityInput,
    responses((status = 201, body = [Capacity]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn declare_capacity(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<CapacityInput>,
) -> ApiResult<(StatusCode, Json<Vec<Capacity>>)> {
    Ok((
        StatusCode::CREATED,
        Json(orders::declare_capacity(&state.db, &actor, &input).await?),
    ))
}
