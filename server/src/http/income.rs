//! `/api/v1/income`: 協議会からの収入 — each facility's income through the council per month
//! and channel, as JSON or CSV.

use super::auth::Caller;
use super::extract::{Json, Query};
use super::settlement::{Format, csv_response};
use super::{ApiResult, AppState};
use crate::usecases::income;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use selpos_domain::income::IncomeReport;
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IncomeQuery {
    /// The fiscal year by its first calendar year: 2025 = 令和7年度.
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: i64,
    /// One facility (facility staff: only their own, which is the default for them).
    #[serde(default)]
    facility_id: Option<i64>,
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(inline)]
    format: Format,
}

/// Per facility and month of the fiscal year: events, SELP SHOP, joint orders, gift commission
/// and vending, with each facility's year and the total.
#[utoipa::path(get, operation_id = "getIncome", path = "/income", tag = "income", params(IncomeQuery),
    responses((status = 200, description = "The report; with `format=csv` as CSV (UTF-8 with BOM)",
        content((IncomeReport = "application/json"), (String = "text/csv"))), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<IncomeQuery>,
) -> ApiResult<Response> {
    let r = income::report(&state.db, &actor, q.fiscal_year, q.facility_id).await?;
    Ok(match q.format {
        Format::Json => Json(r).into_response(),
        Format::Csv => {
            let file = format!("council-income-{}.csv", r.fiscal_year.0);
            csv_response(income::report_csv(&r)?, &file)
        }
    })
}
