//! `/api/v1/facilities/{id}/wages…`, `/api/v1/wages/table`, `/api/v1/wages/import`: 工賃.

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::wages;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use selpos_domain::validation::ErrorBody;
use selpos_domain::wages::{
    CorrectionDecisionInput, CorrectionStatus, FacilityWageYear, WageCorrection, WageImportReport,
    WageMonthInput, WageTable, WageTargetInput,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(facility_year))
        .routes(routes!(put_month))
        .routes(routes!(put_target))
        .routes(routes!(table))
        .routes(routes!(import))
        .routes(routes!(corrections))
        .routes(routes!(decide))
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
    /// Create the facilities of the file that selpos does not know (`facilities` of the dry
    /// run's report with status `new`). Without it such a file is refused (422
    /// `facility_unconfirmed`).
    #[serde(default)]
    create_facilities: bool,
    /// Comma-separated facility numbers (`71,72`) whose rows go to selpos's facility of that
    /// number although the names differ (status `name_differs` in the dry run's report).
    #[serde(default)]
    #[param(max_length = 2000, example = "71,72")]
    confirm_names: Option<String>,
}

/// `71,72` → [71, 72]; anything else is a 422 on `confirm_names`.
fn numbers(text: Option<&str>) -> Result<Vec<i64>, crate::error::Error> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let bad = || {
        crate::error::Error::field(
            "confirm_names",
            "format",
            "事業所の番号をカンマで区切って指定してください(例: 71,72)",
        )
    };
    if text.len() > 2000 {
        return Err(bad());
    }
    text.split(',')
        .map(|n| n.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad))
        .collect()
}

/// Imports the prefecture's table (CSV as published: UTF-8 or Shift_JIS, thousands
/// separators, blank cells). All rows or none. Published values are kept as published; for each
/// figure that disagrees with the others a correction is proposed (pending until the council
/// decides). Facilities are matched by number and name: a renamed or renumbered facility is
/// reported (422 on a real import unless confirmed), and new ones are created only with
/// `create_facilities`.
#[utoipa::path(post, operation_id = "importWages", path = "/wages/import", tag = "wages", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = WageImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<WageImportReport>> {
    let options = wages::ImportOptions {
        dry_run: q.dry_run,
        create_facilities: q.create_facilities,
        confirm_names: numbers(q.confirm_names.as_deref())?,
    };
    Ok(Json(wages::import(&state.db, &actor, &body, &options).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CorrectionsQuery {
    /// Only the corrections of this fiscal year (by its first calendar year).
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: Option<i32>,
    /// Only those with this status.
    #[param(inline)]
    status: Option<CorrectionStatus>,
}

/// The corrections proposed for the prefecture's table, with their status and the value the
/// table uses (the council's).
#[utoipa::path(get, operation_id = "listWageCorrections", path = "/wages/corrections", tag = "wages", params(CorrectionsQuery),
    responses((status = 200, body = Vec<WageCorrection>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn corrections(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<CorrectionsQuery>,
) -> ApiResult<Json<Vec<WageCorrection>>> {
    Ok(Json(
        wages::corrections(&state.db, &actor, q.fiscal_year, q.status).await?,
    ))
}

/// Accepts a correction (the table uses the corrected value), rejects it (the published value
/// stands) or sets it back to pending. Audited (`wages.correction`). A correction without a
/// proposed value cannot be accepted (409 `no_proposed_value`).
#[utoipa::path(put, operation_id = "decideWageCorrection", path = "/wages/corrections/{id}", tag = "wages",
    params(("id" = i64, Path)), request_body = CorrectionDecisionInput,
    responses((status = 200, body = WageCorrection), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<CorrectionDecisionInput>,
) -> ApiResult<Json<WageCorrection>> {
    Ok(Json(wages::decide(&state.db, &actor, id, &input).await?))
}
