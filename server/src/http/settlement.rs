//! `/api/v1/events/{id}/settlement|settle|adjustments|dashboard`: 精算 and its statements.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::settlement;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use selpos_domain::dashboard::EventDashboard;
use selpos_domain::settlement::{AdjustmentInput, EventSettlement, FacilityStatement};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(facility))
        .routes(routes!(settle))
        .routes(routes!(adjust))
        .routes(routes!(dashboard))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    /// UTF-8 with BOM, for Excel.
    Csv,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    pub(super) format: Format,
}

pub(super) fn csv_response(bytes: Vec<u8>, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The event summary: every facility's settlement, totals, tenders and cash over/short.
/// A preview until the event is settled.
#[utoipa::path(get, operation_id = "getSettlement", path = "/events/{id}/settlement", tag = "settlement", params(("id" = i64, Path), FormatQuery),
    responses((status = 200, description = "The settlement; with `format=csv` the facilities' lines and the totals as CSV (UTF-8 with BOM)",
        content((EventSettlement = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let s = settlement::event_settlement(&state.db, &actor, id).await?;
    Ok(match q.format {
        Format::Json => Json(s).into_response(),
        Format::Csv => {
            let file = format!("settlement-{}.csv", s.event_code);
            csv_response(
                settlement::to_csv(&s.facilities, Some(&s.totals), &settlement::csv_notes())?,
                &file,
            )
        }
    })
}

/// One facility's 精算書: the council, or the facility's own staff.
#[utoipa::path(get, operation_id = "getFacilityStatement", path = "/events/{id}/settlement/facilities/{facility_id}", tag = "settlement",
    params(("id" = i64, Path), ("facility_id" = i64, Path), FormatQuery),
    responses((status = 200, description = "The statement; with `format=csv` its line and notes as CSV (UTF-8 with BOM)",
        content((FacilityStatement = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn facility(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, facility_id)): Path<(i64, i64)>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let statement = settlement::facility_statement(&state.db, &actor, id, facility_id).await?;
    Ok(match q.format {
        Format::Json => Json(statement).into_response(),
        Format::Csv => {
            let file = format!(
                "settlement-{}-{}.csv",
                statement.event_code, statement.facility.facility_number
            );
            csv_response(
                settlement::to_csv(
                    std::slice::from_ref(&statement.facility),
                    None,
                    &settlement::statement_csv_notes(&statement),
                )?,
                &file,
            )
        }
    })
}

/// Settles a closed event whose registers are all closed, and locks it.
#[utoipa::path(post, operation_id = "settleEvent", path = "/events/{id}/settle", tag = "settlement", params(("id" = i64, Path)),
    responses((status = 200, body = EventSettlement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn settle(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<EventSettlement>> {
    Ok(Json(settlement::settle(&state.db, &actor, id).await?))
}

/// 精算後の調整: a correction to a facility's payable after settlement, with a reason.
#[utoipa::path(post, operation_id = "createAdjustment", path = "/events/{id}/adjustments", tag = "settlement", params(("id" = i64, Path)),
    request_body = AdjustmentInput,
    responses((status = 201, body = FacilityStatement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn adjust(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<AdjustmentInput>,
) -> ApiResult<(StatusCode, Json<FacilityStatement>)> {
    Ok((
        StatusCode::CREATED,
        Json(settlement::adjust(&state.db, &actor, id, &input).await?),
    ))
}

/// Sales by hour, facility and tender, and best sellers.
#[utoipa::path(get, operation_id = "getDashboard", path = "/events/{id}/dashboard", tag = "settlement", params(("id" = i64, Path)),
    responses((status = 200, body = EventDashboard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<EventDashboard>> {
    Ok(Json(settlement::dashboard(&state.db, &actor, id).await?))
}
