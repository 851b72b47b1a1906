//! `/api/v1/facilities`

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::facilities::{self, FacilityFilter};
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::facilities::{Facility, FacilityInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only active (true) or inactive (false) facilities.
    active: Option<bool>,
    /// Part of the name or kana.
    q: Option<String>,
}

/// Lists facilities by number.
#[utoipa::path(get, operation_id = "listFacilities", path = "/facilities", tag = "facilities", params(ListQuery),
    responses((status = 200, body = [Facility]), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<Facility>>> {
    let filter = FacilityFilter {
        active: query.active,
        text: query.q.filter(|q| !q.trim().is_empty()),
    };
    Ok(Json(facilities::list(&state.db, &actor, &filter).await?))
}

/// Creates a facility.
#[utoipa::path(post, operation_id = "createFacility", path = "/facilities", tag = "facilities", request_body = FacilityInput,
    responses((status = 201, body = Facility), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<FacilityInput>,
) -> ApiResult<(StatusCode, Json<Facility>)> {
    Ok((
        StatusCode::CREATED,
        Json(facilities::create(&state.db, &actor, &input).await?),
    ))
}

/// One facility.
#[utoipa::path(get, operation_id = "getFacility", path = "/facilities/{id}", tag = "facilities", params(("id" = i64, Path)),
    responses((status = 200, body = Facility), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Facility>> {
    Ok(Json(facilities::get(&state.db, &actor, id).await?))
}

/// Replaces a facility's data; `"active": false` deactivates it.
#[utoipa::path(put, operation_id = "updateFacility", path = "/facilities/{id}", tag = "facilities", params(("id" = i64, Path)),
    request_body = FacilityInput,
    responses((status = 200, body = Facility), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<FacilityInput>,
) -> ApiResult<Json<Facility>> {
    Ok(Json(facilities::update(&state.db, &actor, id, &input).await?))
}
