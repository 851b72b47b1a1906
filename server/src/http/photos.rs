//! `/api/v1/products/{id}/photo`: a product's photo (商品写真).
//!
//! Read with a session, like the rest of the API (tills are signed in; `<img>` sends the
//! cookie). Its URL names its content (`?v=`), so under the current version it is cached for
//! good (`private`: it is behind a session, no shared cache may keep it), and otherwise
//! revalidated by its ETag.

use super::auth::Caller;
use super::extract::{Body, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::photos;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use selpos_domain::photos::{MAX_UPLOAD_BYTES, ProductPhoto, etag, if_none_match};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The photo's URL names its content: kept by the browser for a year, never asked again.
const IMMUTABLE: &str = "private, max-age=31536000, immutable";
/// Asked for without (or with an old) version: asked again next time, answered 304 if unchanged.
const REVALIDATE: &str = "private, no-cache";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_photo, put_photo, delete_photo))
        // A phone's photo is larger than the API's other bodies.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// The photo's bytes as served.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct PhotoBytes(Vec<u8>);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    /// The version the URL names (from the catalogue or the product): when it is the current
    /// one, the answer may be cached for good.
    v: Option<String>,
}

/// A product's photo: a JPEG within 320 × 320. Whoever may see the product may read it.
#[utoipa::path(get, operation_id = "getProductPhoto", path = "/products/{id}/photo", tag = "products",
    params(("id" = i64, Path), PhotoQuery),
    responses((status = 200, description = "The photo (`ETag`; cached for good under its current `v`)",
            content((PhotoBytes = "image/jpeg"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such product, or it has no photo")))]
async fn get_photo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Query(query): Query<PhotoQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let photo = photos::get(&state.db, &actor, id).await?;
    let cache = if query.v.as_deref() == Some(photo.version.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let tag = HeaderValue::from_str(&etag(&photo.version)).map_err(|e| internal(&e))?;
    let kept = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| if_none_match(sent, &photo.version));
    let common = [
        (header::ETAG, tag),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
    ];
    if kept {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let content_type = HeaderValue::from_str(&photo.content_type).map_err(|e| internal(&e))?;
    Ok((common, [(header::CONTENT_TYPE, content_type)], photo.data).into_response())
}

fn internal(error: &dyn std::fmt::Display) -> super::error::ApiError {
    crate::error::Error::Internal(error.to_string()).into()
}

/// Uploads a product's photo (JPEG, PNG or WebP, up to 8 MiB and 40 megapixels), replacing the
/// one it had: shrunk by the server to fit 320 × 320 and stored as JPEG. Council users and the
/// product's facility staff. Refused uploads (not an image, broken, too many pixels) are 422
/// with the field `photo`, and write nothing.
#[utoipa::path(put, operation_id = "putProductPhoto", path = "/products/{id}/photo", tag = "products",
    params(("id" = i64, Path)),
    request_body(content((PhotoBytes = "image/jpeg"), (PhotoBytes = "image/png"), (PhotoBytes = "image/webp"))),
    responses((status = 200, body = ProductPhoto), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Not a JPEG, PNG or WebP image, broken, or too many pixels (`validation`, field `photo`)")))]
async fn put_photo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<super::extract::Json<ProductPhoto>> {
    Ok(super::extract::Json(
        photos::put(&state.db, &actor, id, body).await?,
    ))
}

/// Removes a product's photo (done also when it had none). Council users and the product's
/// facility staff.
#[utoipa::path(delete, operation_id = "deleteProductPhoto", path = "/products/{id}/photo", tag = "products",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_photo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    photos::remove(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
