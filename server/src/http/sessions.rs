//! `/api/v1/session` (sign in and out) and `/api/v1/device` (a registered tablet's status).

use super::auth::{CSRF_COOKIE, DEVICE_COOKIE, SESSION_COOKIE, cookie, expired};
use super::extract::{ClientAddr, Json};
use super::{ApiResult, AppState};
use crate::error::Error;
use crate::usecases::sessions;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::cookie::CookieJar;
use selpos_domain::devices::DeviceStatus;
use selpos_domain::users::{LoginInput, PinLoginInput, SessionInfo};
use selpos_domain::validation::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current, login, logout))
        .routes(routes!(pin_login))
        .routes(routes!(device))
}

fn signed_in(
    state: &AppState,
    jar: CookieJar,
    session: sessions::NewSession,
) -> (CookieJar, Json<SessionInfo>) {
    let lifetime = time::Duration::seconds(
        (session.info.expires_at - chrono::Utc::now())
            .num_seconds()
            .max(0),
    );
    let secure = state.secure_cookies;
    let jar = jar
        .add(cookie(SESSION_COOKIE, session.token, lifetime, true, secure))
        .add(cookie(
            CSRF_COOKIE,
            session.info.csrf_token.clone(),
            lifetime,
            false,
            secure,
        ));
    (jar, Json(session.info))
}

/// A sign-in on a browser that was signed in ends its previous session: the old token (a copy
/// of the cookie, a tab left open by the last shift) is worth nothing from now on.
async fn revoke_previous(state: &AppState, jar: &CookieJar) -> Result<(), Error> {
    if let Some(old) = jar.get(SESSION_COOKIE) {
        sessions::logout(&state.db, old.value()).await?;
    }
    Ok(())
}

/// Who is signed in, with the CSRF token to send as `X-CSRF-Token`.
#[utoipa::path(get, operation_id = "getSession", path = "/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
async fn current(State(state): State<AppState>, jar: CookieJar) -> ApiResult<Json<SessionInfo>> {
    let token = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .ok_or(Error::Unauthenticated)?;
    Ok(Json(sessions::session_info(&state.db, &token).await?))
}

/// Staff sign in with their id and password; sets the session cookies. Rate limited per
/// client address and per login (429 with `Retry-After`); login and password are length-limited
/// (422).
#[utoipa::path(post, operation_id = "signIn", path = "/session", tag = "session", request_body = LoginInput,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    jar: CookieJar,
    Json(input): Json<LoginInput>,
) -> ApiResult<(CookieJar, Json<SessionInfo>)> {
    let device = jar.get(DEVICE_COOKIE).map(|c| c.value().to_string());
    let session = sessions::login(&state.db, state.origin(address), &input, device.as_deref()).await?;
    revoke_previous(&state, &jar).await?;
    Ok(signed_in(&state, jar, session))
}

/// A cashier signs in with their PIN, on a tablet registered as a till.
#[utoipa::path(post, operation_id = "signInWithPin", path = "/session/pin", tag = "session", request_body = PinLoginInput,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn pin_login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    jar: CookieJar,
    Json(input): Json<PinLoginInput>,
) -> ApiResult<(CookieJar, Json<SessionInfo>)> {
    let device = jar.get(DEVICE_COOKIE).map(|c| c.value().to_string());
    let session = sessions::pin_login(&state.db, state.origin(address), &input, device.as_deref()).await?;
    revoke_previous(&state, &jar).await?;
    Ok(signed_in(&state, jar, session))
}

/// Signs out: ends the session and clears its cookies (the tablet stays registered).
#[utoipa::path(delete, operation_id = "signOut", path = "/session", tag = "session", responses((status = 204)))]
async fn logout(State(state): State<AppState>, jar: CookieJar) -> ApiResult<(StatusCode, CookieJar)> {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        sessions::logout(&state.db, &token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        jar.add(expired(SESSION_COOKIE)).add(expired(CSRF_COOKIE)),
    ))
}

/// The register this tablet is registered to, and the cashiers who may sign in on it.
#[utoipa::path(get, operation_id = "getDevice", path = "/device", tag = "session",
    responses((status = 200, body = DeviceStatus), (status = 404, body = ErrorBody)))]
async fn device(State(state): State<AppState>, jar: CookieJar) -> ApiResult<Json<DeviceStatus>> {
    let token = jar.get(DEVICE_COOKIE).map(|c| c.value().to_string());
    Ok(Json(
        crate::usecases::devices::status(&state.db, token.as_deref()).await?,
    ))
}
