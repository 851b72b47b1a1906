//! `/api/v1/vending`: セルプ自販機 — machines and their months.

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::vending::{self, VendingImport};
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::validation::ErrorBody;
use selpos_domain::vending::{VendingMachine, VendingMachineInput, VendingMonth, VendingMonthInput};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_machines, create_machine))
        .routes(routes!(update_machine))
        .routes(routes!(list_months, record_month))
        .routes(routes!(import_months))
}

/// The machines by code (facility staff: those supporting their facility).
#[utoipa::path(get, operation_id = "listVendingMachines", path = "/vending/machines", tag = "vending",
    responses((status = 200, body = [VendingMachine]), (status = 403, body = ErrorBody)))]
async fn list_machines(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<Vec<VendingMachine>>> {
    Ok(Json(vending::list_machines(&state.db, &actor).await?))
}

/// Registers a machine (council).
#[utoipa::path(post, operation_id = "createVendingMachine", path = "/vending/machines", tag = "vending",
    request_body = VendingMachineInput,
    responses((status = 201, body = VendingMachine), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_machine(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<VendingMachineInput>,
) -> ApiResult<(StatusCode, Json<VendingMachine>)> {
    Ok((
        StatusCode::CREATED,
        Json(vending::create_machine(&state.db, &actor, &input).await?),
    ))
}

/// Changes a machine (council); `"active": false` when it is taken away.
#[utoipa::path(put, operation_id = "updateVendingMachine", path = "/vending/machines/{id}", tag = "vending",
    params(("id" = i64, Path)), request_body = VendingMachineInput,
    responses((status = 200, body = VendingMachine), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_machine(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<VendingMachineInput>,
) -> ApiResult<Json<VendingMachine>> {
    Ok(Json(
        vending::update_machine(&state.db, &actor, id, &input).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthsQuery {
    /// The fiscal year by its first calendar year: 2026 = 令和8年度 (April 2026 – March 2027).
    #[param(minimum = 2000, maximum = 2100)]
    fiscal_year: i32,
    /// Only this facility's machines.
    facility_id: Option<i64>,
}

/// The months recorded in a fiscal year, with each month's income.
#[utoipa::path(get, operation_id = "listVendingMonths", path = "/vending/months", tag = "vending", params(MonthsQuery),
    responses((status = 200, body = [VendingMonth]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_months(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<MonthsQuery>,
) -> ApiResult<Json<Vec<VendingMonth>>> {
    Ok(Json(
        vending::months(&state.db, &actor, q.facility_id, q.fiscal_year).await?,
    ))
}

/// Records a machine's month from the operator's statement (council); a second time for the
/// same month replaces the figures (a corrected statement).
#[utoipa::path(post, operation_id = "recordVendingMonth", path = "/vending/months", tag = "vending",
    request_body = VendingMonthInput,
    responses((status = 200, body = VendingMonth), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn record_month(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<VendingMonthInput>,
) -> ApiResult<Json<VendingMonth>> {
    Ok(Json(vending::record_month(&state.db, &actor, &input).await?))
}

/// The months of an operator's statement as a CSV (自販機コード, 年月, 販売本数, 売上; UTF-8 or
/// Shift_JIS): every row checked first, nothing recorded if any is wrong.
#[utoipa::path(post, operation_id = "importVendingMonths", path = "/vending/months/import", tag = "vending",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = VendingImport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_months(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Body(body): Body,
) -> ApiResult<Json<VendingImport>> {
    Ok(Json(vending::import_months(&state.db, &actor, &body).await?))
}
