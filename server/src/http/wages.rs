//! `/api/v1/facilities/{id}/wages…`, `/api/v1/wages/table`, `/api/v1/wages/import`: 工賃.

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::wages;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use selpos_domain::validation::ErrorBody;
use selpos_domain::wages::{FacilityWageYear, WageImportReport, WageMonthInput, WageTable, WageTargetInput};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(facility_year))
        .routes(routes!(put_month))
        .routes(routes!(put_target))
        .routes(routes!(table))
        .routes(routes!(import))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The fiscal year by its first calendar year: 2025 = 令和7年度 (April 2025 – March 2026).
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: i32,
}

/// A facility's fiscal year: months, both average formulas, band, target, council sales.
#[utoipa::path(get, operation_id = "getFacilityWages", path = "/facilities/{id}/wages", tag = "wages", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = FacilityWageYear), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn facility_year(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<FacilityWageYear>> {
    Ok(Json(
        wages::facility_year(&state.db, &actor, id, q.fiscal_year).await?,
    ))
}

/// Enters or corrects one month of a facility's wage figures.
#[utoipa::path(put, operation_id = "putWageMonth", path = "/facilities/{id}/wages", tag = "wages", params(("id" = i64, Path)),
    request_body = WageMonthInput,
    responses((status = 200, body = FacilityWageYear), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_month(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<WageMonthInput>,
) -> ApiResult<Json<FacilityWageYear>> {
    Ok(Json(wages::put_month(&state.db, &actor, id, &input).await?))
}

/// Sets the facility's target wage (目標工賃, monthly) for a fiscal year.
#[utoipa::path(put, operation_id = "putWageTarget", path = "/facilities/{id}/wage-target", tag = "wages", params(("id" = i64, Path), YearQuery),
    request_body = WageTargetInput,
    responses((status = 200, body = FacilityWageYear), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn put_target(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
    Json(input): Json<WageTargetInput>,
) -> ApiResult<Json<FacilityWageYear>> {
    Ok(Json(
        wages::put_target(&state.db, &actor, id, q.fiscal_year, &input).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TableQuery {
    /// The fiscal year by its first calendar year.
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: i32,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// The prefecture's table for a fiscal year and the one before, with totals and averages.
#[utoipa::path(get, operation_id = "getWageTable", path = "/wages/table", tag = "wages", params(TableQuery),
    responses((status = 200, description = "The table; with `format=csv` as CSV (UTF-8 with BOM)",
        content((WageTable = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn table(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<TableQuery>,
) -> ApiResult<Response> {
    let t = wages::table(&state.db, &actor, q.fiscal_year).await?;
    Ok(match q.format {
        Format::Json => Json(t).into_response(),
        Format::Csv => {
            let file = format!("wages-{}.csv", t.fiscal_year.0);
            csv_response(wages::table_csv(&t)?, &file)
        }
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check and report only; write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Imports the prefecture's table (CSV as published: UTF-8 or Shift_JIS, thousands
/// separators, blank cells). All rows or none; figures that disagree are reported.
#[utoipa::path(post, operation_id = "importWages", path = "/wages/import", tag = "wages", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = WageImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<WageImportReport>> {
    Ok(Json(wages::import(&state.db, &actor, &body, q.dry_run).await?))
}
