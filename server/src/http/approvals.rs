//! `/api/v1/approvals`: a manager's PIN on the spot.

use super::auth::Caller;
use super::extract::Json;
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

/// A council user approves an action on the caller's tablet with their PIN.
#[utoipa::path(post, path = "/approvals", tag = "users", request_body = ApprovalInput,
    responses((status = 201, body = Approval), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn grant_approval(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<ApprovalInput>,
) -> ApiResult<(StatusCode, Json<Approval>)> {
    Ok((
        StatusCode::CREATED,
        Json(approvals::grant(&state.db, &actor, &input).await?),
    ))
}
