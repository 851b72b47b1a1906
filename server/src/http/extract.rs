//! Extractors whose rejections are [`ApiError`]s, so a bad request gets the API's error shape.

use super::error::ApiError;
use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};

/// A JSON body. Unknown fields are rejected by the input types themselves.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A raw body (CSV uploads), limited like every body.
#[derive(Debug)]
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(request, state)
            .await
            .map(Body)
            .map_err(ApiError::from)
    }
}

/// The address of the client's connection (what sign-in is rate limited by). Forwarded-for
/// headers are not believed: anyone on the venue Wi-Fi can send them. Without connection info
/// (a router called in process) it is the unspecified address.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, ApiError> {
        use axum::extract::ConnectInfo;
        use std::net::{IpAddr, Ipv4Addr, SocketAddr};
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip()),
        ))
    }
}

/// The most entries one list answer holds.
pub const MAX_PAGE: i64 = 1000;

/// A list's `limit` query parameter: `default` when absent; outside `1..=`[`MAX_PAGE`] it is
/// refused (422), never quietly clamped, so a client learns the bound.
pub fn page_limit(limit: Option<i64>, default: i64) -> Result<i64, crate::error::Error> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(crate::error::Error::field(
            "limit",
            "out_of_range",
            format!("件数は1から{MAX_PAGE}までで指定してください"),
        )),
    }
}
