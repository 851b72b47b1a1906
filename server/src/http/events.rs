//! `/api/v1/events`

use super::auth::Caller;
use super::extract::{Json, Path};
use super::{ApiResult, AppState};
use crate::usecases::events;
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::events::{Event, EventInput};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}

/// Lists events and channels, newest first.
#[utoipa::path(get, operation_id = "listEvents", path = "/events", tag = "events", responses((status = 200, body = [Event])))]
async fn list(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(events::list(&state.db, &actor).await?))
}

/// Creates an event with its participating facilities and registers.
#[utoipa::path(post, operation_id = "createEvent", path = "/events", tag = "events", request_body = EventInput,
    responses((status = 201, body = Event), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<EventInput>,
) -> ApiResult<(StatusCode, Json<Event>)> {
    Ok((
        StatusCode::CREATED,
        Json(events::create(&state.db, &actor, &input, state.printers.allow_loopback()).await?),
    ))
}

/// One event.
#[utoipa::path(get, operation_id = "getEvent", path = "/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = Event), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Event>> {
    Ok(Json(events::get(&state.db, &actor, id).await?))
}

/// Replaces an event's data, participants and registers; the state may only move forward
/// (planned → open → closed → settled, or closed → open).
#[utoipa::path(put, operation_id = "updateEvent", path = "/events/{id}", tag = "events", params(("id" = i64, Path)), request_body = EventInput,
    responses((status = 200, body = Event), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<EventInput>,
) -> ApiResult<Json<Event>> {
    Ok(Json(
        events::update(&state.db, &actor, id, &input, state.printers.allow_loopback()).await?,
    ))
}
