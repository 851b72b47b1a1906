//! `/api/v1/gifts`: ギフト (中元・歳暮) — seasons and their catalogues, orders, recipients
//! cancelled, and at the close the supplier's order list, the commission per taker and each
//! facility's statement.

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::gifts::{self, Encoding};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use selpos_domain::gifts::{
    CatalogueImport, GiftOrder, GiftOrderInput, GiftSeason, GiftSeasonInput, GiftStatement, SeasonCatalogue,
    SeasonCommission,
};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_seasons, create_season))
        .routes(routes!(get_season, update_season))
        .routes(routes!(close_season))
        .routes(routes!(import_catalogue))
        .routes(routes!(list_orders))
        .routes(routes!(export_orders))
        .routes(routes!(commission))
        .routes(routes!(statement))
        .routes(routes!(create_order))
        .routes(routes!(get_order))
        .routes(routes!(cancel_recipient))
}

/// The seasons, the newest first (everyone who takes orders: the council, facility staff, a
/// cashier on a till).
#[utoipa::path(get, operation_id = "listGiftSeasons", path = "/gifts/seasons", tag = "gifts",
    responses((status = 200, body = [GiftSeason]), (status = 403, body = ErrorBody)))]
async fn list_seasons(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<Vec<GiftSeason>>> {
    Ok(Json(gifts::seasons(&state.db, &actor).await?))
}

/// Opens a season (council).
#[utoipa::path(post, operation_id = "createGiftSeason", path = "/gifts/seasons", tag = "gifts",
    request_body = GiftSeasonInput,
    responses((status = 201, body = GiftSeason), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_season(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<GiftSeasonInput>,
) -> ApiResult<(StatusCode, Json<GiftSeason>)> {
    Ok((
        StatusCode::CREATED,
        Json(gifts::create_season(&state.db, &actor, &input).await?),
    ))
}

/// A season with its catalogue.
#[utoipa::path(get, operation_id = "getGiftSeason", path = "/gifts/seasons/{id}", tag = "gifts",
    params(("id" = i64, Path)),
    responses((status = 200, body = SeasonCatalogue), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_season(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<SeasonCatalogue>> {
    Ok(Json(gifts::season(&state.db, &actor, id).await?))
}

/// Changes a season while it is open (council).
#[utoipa::path(put, operation_id = "updateGiftSeason", path = "/gifts/seasons/{id}", tag = "gifts",
    params(("id" = i64, Path)), request_body = GiftSeasonInput,
    responses((status = 200, body = GiftSeason), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_season(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<GiftSeasonInput>,
) -> ApiResult<Json<GiftSeason>> {
    Ok(Json(gifts::update_season(&state.db, &actor, id, &input).await?))
}

/// 締切 (council): no more orders or cancellations; the order list may be exported.
#[utoipa::path(post, operation_id = "closeGiftSeason", path = "/gifts/seasons/{id}/close", tag = "gifts",
    params(("id" = i64, Path)),
    responses((status = 200, body = GiftSeason), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn close_season(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<GiftSeason>> {
    Ok(Json(gifts::close_season(&state.db, &actor, id).await?))
}

/// The supplier's catalogue as a CSV (商品コード, 商品名, 価格, 税率, お届け開始日, お届け終了日;
/// UTF-8 or Shift_JIS): every row checked first, nothing recorded if any is wrong (422 with
/// each wrong row named `rows[<line>].<column>`); an item of a code already listed is replaced.
#[utoipa::path(post, operation_id = "importGiftCatalogue", path = "/gifts/seasons/{id}/catalogue", tag = "gifts",
    params(("id" = i64, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CatalogueImport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_catalogue(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<CatalogueImport>> {
    Ok(Json(gifts::import_catalogue(&state.db, &actor, id, &body).await?))
}

/// A season's orders by 受付番号 (facility staff: those their facility took).
#[utoipa::path(get, operation_id = "listGiftOrders", path = "/gifts/seasons/{id}/orders", tag = "gifts",
    params(("id" = i64, Path)),
    responses((status = 200, body = [GiftOrder]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_orders(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<GiftOrder>>> {
    Ok(Json(gifts::orders(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `utf8` (default, with a BOM) or `sjis` (Shift_JIS).
    #[serde(default)]
    #[param(inline)]
    encoding: Encoding,
}

/// The supplier's order list of a closed season (council): one row per recipient not
/// cancelled (受付番号, 受付日, 取扱者, 依頼主…, お届け先…, 商品コード, 商品名, 数量, 単価, 金額,
/// のし表書き, 名入れ, お届け希望日, 支払方法). 409 while the season is open, or (Shift_JIS) when a
/// cell has a character Shift_JIS cannot write.
#[utoipa::path(get, operation_id = "exportGiftOrders", path = "/gifts/seasons/{id}/export", tag = "gifts",
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "The order list as CSV", content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn export_orders(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let (_, bytes) = gifts::export(&state.db, &actor, id, q.encoding).await?;
    let charset = match q.encoding {
        Encoding::Utf8 => "utf-8",
        Encoding::Sjis => "shift_jis",
    };
    Ok((
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"gift-orders-{id}.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CommissionQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// The commission per taker (facility or 協議会), provisional until the season is closed;
/// facility staff see their own line.
#[utoipa::path(get, operation_id = "getGiftCommission", path = "/gifts/seasons/{id}/commission", tag = "gifts",
    params(("id" = i64, Path), CommissionQuery),
    responses((status = 200, description = "The commission; with `format=csv` as CSV (UTF-8 with BOM)",
        content((SeasonCommission = "application/json"), (String = "text/csv"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn commission(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<CommissionQuery>,
) -> ApiResult<Response> {
    let c = gifts::commission(&state.db, &actor, id).await?;
    Ok(match q.format {
        Format::Json => Json(c).into_response(),
        Format::Csv => csv_response(gifts::commission_csv(&c)?, &format!("gift-commission-{id}.csv")),
    })
}

/// A facility's statement for a season: its orders, sales and commission (the council, or the
/// facility's own staff).
#[utoipa::path(get, operation_id = "getGiftStatement", path = "/gifts/seasons/{id}/statements/{facility_id}",
    tag = "gifts", params(("id" = i64, Path), ("facility_id" = i64, Path)),
    responses((status = 200, body = GiftStatement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn statement(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, facility_id)): Path<(i64, i64)>,
) -> ApiResult<Json<GiftStatement>> {
    Ok(Json(gifts::statement(&state.db, &actor, id, facility_id).await?))
}

/// Takes an order. Its id is the client's idempotency key: the first request answers 201,
/// every retry 200 with the same order. Paid at a till (`payment.kind = till`, a cashier or
/// council user on the register): recorded as a sale of the register under the same id, with
/// its tenders and receipt number, in the same transaction. On invoice: the council, or
/// facility staff for their own facility.
#[utoipa::path(post, operation_id = "createGiftOrder", path = "/gifts/orders", tag = "gifts",
    request_body = GiftOrderInput,
    responses((status = 201, body = GiftOrder), (status = 200, body = GiftOrder), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<GiftOrderInput>,
) -> ApiResult<(StatusCode, Json<GiftOrder>)> {
    let (order, created) = gifts::create_order(&state.db, &actor, &input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(order)))
}

#[utoipa::path(get, operation_id = "getGiftOrder", path = "/gifts/orders/{id}", tag = "gifts",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = GiftOrder), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<Json<GiftOrder>> {
    Ok(Json(gifts::order(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why (住所不明, お客様のご都合, …).
    reason: String,
}

/// Cancels one recipient while the season is open (409 once it is closed: the list has gone
/// to the supplier). A till order's money is paid back at the till as a 返品 of the sale's line.
#[utoipa::path(post, operation_id = "cancelGiftRecipient", path = "/gifts/orders/{id}/recipients/{no}/cancel",
    tag = "gifts", params(("id" = uuid::Uuid, Path), ("no" = i64, Path)), request_body = CancelInput,
    responses((status = 200, body = GiftOrder), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel_recipient(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, no)): Path<(uuid::Uuid, i64)>,
    Json(input): Json<CancelInput>,
) -> ApiResult<Json<GiftOrder>> {
    Ok(Json(
        gifts::cancel_recipient(&state.db, &actor, id, no, &input.reason).await?,
    ))
}
