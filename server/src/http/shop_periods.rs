//! `/api/v1/events/{id}/periods`: 期間精算 of a standing shop (the SELP SHOP), period by period.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::settlement::{Format, FormatQuery, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::{settlement, shop_periods};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use selpos_domain::settlement::AdjustmentInput;
use selpos_domain::shop_periods::{PeriodInput, PeriodSettlement, PeriodStatement, ShopPeriods};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, settle))
        .routes(routes!(preview))
        .routes(routes!(period))
        .routes(routes!(facility))
        .routes(routes!(adjust))
}

/// The shop's settled periods, newest first, and where the open one begins.
#[utoipa::path(get, operation_id = "listShopPeriods", path = "/events/{id}/periods", tag = "settlement", params(("id" = i64, Path)),
    responses((status = 200, body = ShopPeriods), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ShopPeriods>> {
    Ok(Json(shop_periods::list(&state.db, &actor, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ThroughQuery {
    /// The period's last day (`YYYY-MM-DD`, a Japanese date).
    through: NaiveDate,
}

/// The open period through a day, as it would settle now.
#[utoipa::path(get, operation_id = "previewShopPeriod", path = "/events/{id}/periods/preview", tag = "settlement",
    params(("id" = i64, Path), ThroughQuery),
    responses((status = 200, body = PeriodSettlement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<ThroughQuery>,
) -> ApiResult<Json<PeriodSettlement>> {
    Ok(Json(
        shop_periods::preview(&state.db, &actor, id, q.through).await?,
    ))
}

/// Settles the open period through a day that is over: its records are booked and locked,
/// the shop keeps selling. Settling through the same day again answers that period.
#[utoipa::path(post, operation_id = "settleShopPeriod", path = "/events/{id}/periods", tag = "settlement", params(("id" = i64, Path)),
    request_body = PeriodInput,
    responses((status = 200, body = PeriodSettlement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn settle(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<PeriodInput>,
) -> ApiResult<Json<PeriodSettlement>> {
    Ok(Json(shop_periods::settle(&state.db, &actor, id, &input).await?))
}

/// A settled period: every facility's settlement, late records and stock.
#[utoipa::path(get, operation_id = "getShopPeriod", path = "/events/{id}/periods/{period_id}", tag = "settlement",
    params(("id" = i64, Path), ("period_id" = i64, Path), FormatQuery),
    responses((status = 200, description = "The period; with `format=csv` the facilities' lines and the totals as CSV (UTF-8 with BOM)",
        content((PeriodSettlement = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn period(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, period_id)): Path<(i64, i64)>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let p = shop_periods::period(&state.db, &actor, id, period_id).await?;
    Ok(match q.format {
        Format::Json => Json(p).into_response(),
        Format::Csv => {
            let s = &p.settlement;
            let file = format!("settlement-{}-{}-{}.csv", s.event_code, p.starts_on, p.ends_on);
            csv_response(
                settlement::to_csv(&s.facilities, Some(&s.totals), &settlement::csv_notes())?,
                &file,
            )
        }
    })
}

/// One facility's statement for a settled period: the council, or the facility's own staff.
#[utoipa::path(get, operation_id = "getShopPeriodStatement", path = "/events/{id}/periods/{period_id}/facilities/{facility_id}",
    tag = "settlement", params(("id" = i64, Path), ("period_id" = i64, Path), ("facility_id" = i64, Path), FormatQuery),
    responses((status = 200, description = "The statement; with `format=csv` its line and notes as CSV (UTF-8 with BOM)",
        content((PeriodStatement = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn facility(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, period_id, facility_id)): Path<(i64, i64, i64)>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let p = shop_periods::facility_statement(&state.db, &actor, id, period_id, facility_id).await?;
    Ok(match q.format {
        Format::Json => Json(p).into_response(),
        Format::Csv => {
            let s = &p.statement;
            let file = format!(
                "settlement-{}-{}-{}-{}.csv",
                s.event_code, p.starts_on, p.ends_on, s.facility.facility_number
            );
            csv_response(
                settlement::to_csv(
                    std::slice::from_ref(&s.facility),
                    None,
                    &settlement::statement_csv_notes(s),
                )?,
                &file,
            )
        }
    })
}

/// 精算後の調整 of a settled period: a correction to a facility's payable, with a reason.
#[utoipa::path(post, operation_id = "createShopPeriodAdjustment", path = "/events/{id}/periods/{period_id}/adjustments",
    tag = "settlement", params(("id" = i64, Path), ("period_id" = i64, Path)), request_body = AdjustmentInput,
    responses((status = 201, body = PeriodStatement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn adjust(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, period_id)): Path<(i64, i64)>,
    Json(input): Json<AdjustmentInput>,
) -> ApiResult<(StatusCode, Json<PeriodStatement>)> {
    Ok((
        StatusCode::CREATED,
        Json(shop_periods::adjust(&state.db, &actor, id, period_id, &input).await?),
    ))
}
