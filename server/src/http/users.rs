//! `/api/v1/users`, `/api/v1/devices`, `/api/v1/approvals`, `/api/v1/audit`: accounts and the
//! audit trail.

use super::auth::{Caller, DEVICE_COOKIE, cookie};
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::accounts;
use crate::audit::{self, AuditFilter};
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use selpos_domain::approvals::{Approval, ApprovalInput};
use selpos_domain::audit::AuditEntry;
use selpos_domain::devices::{Device, DeviceInput};
use selpos_domain::users::{User, UserInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(list_devices, register_device))
        .routes(routes!(revoke_device))
        .routes(routes!(grant_approval))
        .routes(routes!(list_audit))
}

/// All users (council admins).
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, body = [User]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(accounts::users::list(&state.db, &actor).await?))
}

/// Creates a user (council admins).
#[utoipa::path(post, path = "/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<UserInput>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(accounts::users::create(&state.db, &actor, &input).await?),
    ))
}

/// One user (council admins, or the user themself).
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(accounts::users::get(&state.db, &actor, id).await?))
}

/// Changes a user; a blank password or PIN keeps the current one. Ends the user's sessions
/// when a secret changes or the user is deactivated.
#[utoipa::path(put, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserInput,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<UserInput>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        accounts::users::update(&state.db, &actor, id, &input).await?,
    ))
}

/// Registered tablets (council users).
#[utoipa::path(get, path = "/devices", tag = "users",
    responses((status = 200, body = [Device]), (status = 403, body = ErrorBody)))]
async fn list_devices(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Device>>> {
    Ok(Json(accounts::devices::list(&state.db, &actor).await?))
}

/// Registers this browser as a till of a register (council users); sets the device cookie.
#[utoipa::path(post, path = "/devices", tag = "users", request_body = DeviceInput,
    responses((status = 201, body = Device), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_device(
    State(state): State<AppState>,
    Caller(actor): Caller,
    jar: CookieJar,
    Json(input): Json<DeviceInput>,
) -> ApiResult<(StatusCode, CookieJar, Json<Device>)> {
    let (device, token) = accounts::devices::register(&state.db, &actor, &input).await?;
    let jar = jar.add(cookie(
        DEVICE_COOKIE,
        token,
        time::Duration::days(365),
        true,
        state.secure_cookies,
    ));
    Ok((StatusCode::CREATED, jar, Json(device)))
}

/// Revokes a tablet: its cookie stops working and its sessions end (council users).
#[utoipa::path(post, path = "/devices/{id}/revoke", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = Device), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_device(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Device>> {
    Ok(Json(accounts::devices::revoke(&state.db, &actor, id).await?))
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
        Json(accounts::approvals::grant(&state.db, &actor, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only changes by this login.
    actor: Option<String>,
    /// Only this kind of record: `product`, `user`, `event`, …
    entity: Option<String>,
    /// Only actions starting with this: `product.update`, `session`, …
    action: Option<String>,
    /// From this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Until this time, exclusive (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// At most this many entries (default 200, at most 1000).
    limit: Option<i64>,
}

/// The audit log, newest first (council admins). It has no route to change or delete entries.
#[utoipa::path(get, path = "/audit", tag = "users", params(AuditQuery),
    responses((status = 200, body = [AuditEntry]), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let blank = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        actor_login: blank(q.actor),
        entity: blank(q.entity),
        action: blank(q.action),
        from: q.from,
        until: q.until,
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
    };
    Ok(Json(audit::list(&state.db, &actor, &filter).await?))
}
