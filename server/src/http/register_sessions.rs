//! `/api/v1/registers/{id}/session|open|payouts|close`, `/api/v1/register-sessions/{id}(/float)`:
//! レジ開け, 出金, レジ締め, and a float entered late or corrected.

use super::auth::Caller;
use super::extract::{Json, Path};
use super::{ApiResult, AppState};
use crate::usecases::register_sessions;
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::register_sessions::{
    PayoutInput, RegisterCloseInput, RegisterFloatInput, RegisterOpenInput, RegisterReport, RegisterStatus,
};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(open))
        .routes(routes!(payout))
        .routes(routes!(close))
        .routes(routes!(session_report))
        .routes(routes!(set_float))
        .routes(routes!(event_sessions))
}

/// Whether the register is open, with the running figures of its session.
#[utoipa::path(get, operation_id = "getRegisterStatus", path = "/registers/{id}/session", tag = "registers", params(("id" = i64, Path)),
    responses((status = 200, body = RegisterStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn status(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RegisterStatus>> {
    Ok(Json(register_sessions::status(&state.db, &actor, id).await?))
}

/// レジ開け: opens the register with its change float (釣銭準備金) counted by denomination.
#[utoipa::path(post, operation_id = "openRegister", path = "/registers/{id}/open", tag = "registers", params(("id" = i64, Path)),
    request_body = RegisterOpenInput,
    responses((status = 201, body = RegisterStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn open(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<RegisterOpenInput>,
) -> ApiResult<(StatusCode, Json<RegisterStatus>)> {
    Ok((
        StatusCode::CREATED,
        Json(register_sessions::open(&state.db, &actor, id, &input).await?),
    ))
}

/// 出金: cash taken out of the open drawer.
#[utoipa::path(post, operation_id = "recordPayout", path = "/registers/{id}/payouts", tag = "registers", params(("id" = i64, Path)),
    request_body = PayoutInput,
    responses((status = 201, body = RegisterStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn payout(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<PayoutInput>,
) -> ApiResult<(StatusCode, Json<RegisterStatus>)> {
    Ok((
        StatusCode::CREATED,
        Json(register_sessions::payout(&state.db, &actor, id, &input).await?),
    ))
}

/// レジ締め: the cash count by denomination; a difference needs a note.
#[utoipa::path(post, operation_id = "closeRegister", path = "/registers/{id}/close", tag = "registers", params(("id" = i64, Path)),
    request_body = RegisterCloseInput,
    responses((status = 200, body = RegisterReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn close(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<RegisterCloseInput>,
) -> ApiResult<Json<RegisterReport>> {
    Ok(Json(
        register_sessions::close(&state.db, &actor, id, &input).await?,
    ))
}

/// One register session's report (締めレポート).
#[utoipa::path(get, operation_id = "getRegisterSessionReport", path = "/register-sessions/{id}", tag = "registers", params(("id" = String, Path)),
    responses((status = 200, body = RegisterReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn session_report(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RegisterReport>> {
    Ok(Json(
        register_sessions::session_report(&state.db, &actor, &id).await?,
    ))
}

/// 釣銭準備金の後入力・訂正: a council user enters or corrects the float of an open session
/// (audited; the close uses it). A closed session is refused (409); a retry with the same id
/// is applied once.
#[utoipa::path(put, operation_id = "setRegisterSessionFloat", path = "/register-sessions/{id}/float", tag = "registers",
    params(("id" = String, Path)), request_body = RegisterFloatInput,
    responses((status = 200, body = RegisterReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_float(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    Json(input): Json<RegisterFloatInput>,
) -> ApiResult<Json<RegisterReport>> {
    Ok(Json(
        register_sessions::set_float(&state.db, &actor, &id, &input).await?,
    ))
}

/// Every register session of an event with its cash figures.
#[utoipa::path(get, operation_id = "listEventRegisterSessions", path = "/events/{id}/register-sessions", tag = "registers", params(("id" = i64, Path)),
    responses((status = 200, body = [RegisterReport]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn event_sessions(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<RegisterReport>>> {
    Ok(Json(
        register_sessions::event_reports(&state.db, &actor, id).await?,
    ))
}
