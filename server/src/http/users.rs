//! `/api/v1/users`: staff and cashiers (council admins).

use super::auth::Caller;
use super::extract::{Json, Path};
use super::{ApiResult, AppState};
use crate::usecases::users;
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::users::{User, UserInput};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
}

/// All users (council admins).
#[utoipa::path(get, operation_id = "listUsers", path = "/users", tag = "users",
    responses((status = 200, body = [User]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(users::list(&state.db, &actor).await?))
}

/// Creates a user (council admins).
#[utoipa::path(post, operation_id = "createUser", path = "/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<UserInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(users::create(&state.db, &actor, &input).await?),
    ))
}

/// One user (council admins, or the user themself).
#[utoipa::path(get, operation_id = "getUser", path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::get(&state.db, &actor, id).await?))
}

/// Changes a user; a blank password or PIN keeps the current one. Ends the user's sessions
/// when a secret changes or the user is deactivated.
#[utoipa::path(put, operation_id = "updateUser", path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserInput,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<UserInput>,
) -> ApiResult<Json<User>> {
    Ok(Json(users::update(&state.db, &actor, id, &input).await?))
}
