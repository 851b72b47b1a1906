//! `/api/v1/approvals`: a manager's PIN on the spot.

use super::auth::Caller;
use super::extract::{ClientAddr, Json};
use super::{ApiResult, AppState};
use crate::usecases::approvals;
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::approvals::{Approval, ApprovalInput};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(grant_approval))
}

/// A council user approves an action on the caller's tablet with their PIN. Asked from a
/// registered tablet or by a council user only (403 otherwise); rate limited per client
/// address and per approver (429 with `Retry-After`).
#[utoipa::path(post, operation_id = "grantApproval", path = "/approvals", tag = "users", request_body = ApprovalInput,
    responses((status = 201, body = Approval), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn grant_approval(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    Caller(actor): Caller,
    Json(input): Json<ApprovalInput>,
) -> ApiResult<(StatusCode, Json<Approval>)> {
    Ok((
        StatusCode::CREATED,
        Json(approvals::grant(&state.db, state.origin(address), &actor, &input).await?),
    ))
}
