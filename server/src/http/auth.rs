//! Who is calling: the session cookie becomes a [`Caller`] on every protected route, and every
//! state-changing request must carry the session's CSRF token in `X-CSRF-Token`.

use super::AppState;
use super::error::ApiError;
use crate::error::Error;
use crate::usecases::sessions;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use selpos_domain::access::Principal;

/// HttpOnly: the session token never reaches scripts.
pub const SESSION_COOKIE: &str = "selpos_session";
/// Readable by the app, which echoes it in `X-CSRF-Token` (double submit).
pub const CSRF_COOKIE: &str = "selpos_csrf";
/// HttpOnly, long-lived: marks this browser as a registered till.
pub const DEVICE_COOKIE: &str = "selpos_device";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .ok_or(Error::Unauthenticated)?;
        let caller = sessions::caller(&state.db, &token)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), caller.csrf_token.as_bytes()) {
                return Err(Error::CsrfMismatch.into());
            }
        }
        Ok(Caller(caller.principal))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Builds the cookies of the app: path `/`, SameSite=Strict, `Secure` when served over HTTPS.
pub fn cookie(
    name: &'static str,
    value: String,
    max_age: time::Duration,
    http_only: bool,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(max_age)
        .build()
}

/// A cookie that tells the browser to forget `name`.
pub fn expired(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path("/")
        .max_age(time::Duration::ZERO)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
