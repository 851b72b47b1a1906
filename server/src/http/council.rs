//! `/api/v1/council`

use super::auth::Caller;
use super::extract::Json;
use super::{ApiResult, AppState};
use crate::usecases::council;
use axum::extract::State;
use selpos_domain::council::{Council, CouncilInput};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get, update))
}

/// The council: the issuer named on receipts.
#[utoipa::path(get, operation_id = "getCouncil", path = "/council", tag = "council", responses((status = 200, body = Council)))]
async fn get(State(state): State<AppState>, Caller(_signed_in): Caller) -> ApiResult<Json<Council>> {
    Ok(Json(council::get(&state.db).await?))
}

/// Replaces the council's data.
#[utoipa::path(put, operation_id = "updateCouncil", path = "/council", tag = "council", request_body = CouncilInput,
    responses((status = 200, body = Council), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<CouncilInput>,
) -> ApiResult<Json<Council>> {
    Ok(Json(council::update(&state.db, &actor, &input).await?))
}
