//! `/api/v1/products`

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::masterdata::{self, ProductFilter};
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::products::{Product, ProductInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this facility's products.
    facility_id: Option<i64>,
    /// Only active (true) or inactive (false) products.
    active: Option<bool>,
    /// Part of the name or kana, or a whole JAN code.
    q: Option<String>,
}

/// Lists products by facility and category.
#[utoipa::path(get, path = "/products", tag = "products", params(ListQuery),
    responses((status = 200, body = [Product]), (status = 400, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Vec<Product>>> {
    let filter = ProductFilter {
        facility_id: query.facility_id,
        active: query.active,
        text: query.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
    };
    Ok(Json(masterdata::list_products(&state.db, &actor, &filter).await?))
}

/// Creates a product of a facility.
#[utoipa::path(post, path = "/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = Product), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<ProductInput>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    Ok((
        StatusCode::CREATED,
        Json(masterdata::create_product(&state.db, &actor, &input).await?),
    ))
}

/// One product.
#[utoipa::path(get, path = "/products/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = Product), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Product>> {
    Ok(Json(masterdata::get_product(&state.db, &actor, id).await?))
}

/// Replaces a product's data; `"active": false` deactivates it. Past sales keep their prices.
#[utoipa::path(put, path = "/products/{id}", tag = "products", params(("id" = i64, Path)), request_body = ProductInput,
    responses((status = 200, body = Product), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<ProductInput>,
) -> ApiResult<Json<Product>> {
    Ok(Json(
        masterdata::update_product(&state.db, &actor, id, &input).await?,
    ))
}
