//! `/api/v1/devices`: tablets registered as the till of a register.

use super::auth::{Caller, DEVICE_COOKIE, cookie};
use super::extract::{Json, Path};
use super::{ApiResult, AppState};
use crate::usecases::devices;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::cookie::CookieJar;
use selpos_domain::devices::{Device, DeviceInput};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, register_device))
        .routes(routes!(revoke_device))
}

/// Registered tablets (council users).
#[utoipa::path(get, operation_id = "listDevices", path = "/devices", tag = "users",
    responses((status = 200, body = [Device]), (status = 403, body = ErrorBody)))]
async fn list_devices(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<Device>>> {
    Ok(Json(devices::list(&state.db, &actor).await?))
}

/// Registers this browser as a till of a register (council users); sets the device cookie.
#[utoipa::path(post, operation_id = "registerDevice", path = "/devices", tag = "users", request_body = DeviceInput,
    responses((status = 201, body = Device), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_device(
    State(state): State<AppState>,
    Caller(actor): Caller,
    jar: CookieJar,
    Json(input): Json<DeviceInput>,
) -> ApiResult<(StatusCode, CookieJar, Json<Device>)> {
    let (device, token) = devices::register(&state.db, &actor, &input).await?;
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
#[utoipa::path(post, operation_id = "revokeDevice", path = "/devices/{id}/revoke", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = Device), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_device(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Device>> {
    Ok(Json(devices::revoke(&state.db, &actor, id).await?))
}
