//! `/api/v1/products`

use super::auth::Caller;
use super::extract::{Body, Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::products::{self, ProductFilter};
use axum::extract::State;
use axum::http::StatusCode;
use selpos_domain::products::import::ProductImport;
use selpos_domain::products::{Product, ProductInput};
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(import_products))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
#[utoipa::path(get, operation_id = "listProducts", path = "/products", tag = "products", params(ListQuery),
    responses((status = 200, body = [Product]), (status = 403, body = ErrorBody)))]
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
    Ok(Json(products::list(&state.db, &actor, &filter).await?))
}

/// Creates a product of a facility.
#[utoipa::path(post, operation_id = "createProduct", path = "/products", tag = "products", request_body = ProductInput,
    responses((status = 201, body = Product), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Json(input): Json<ProductInput>,
) -> ApiResult<(StatusCode, Json<Product>)> {
    Ok((
        StatusCode::CREATED,
        Json(products::create(&state.db, &actor, &input).await?),
    ))
}

/// One product.
#[utoipa::path(get, operation_id = "getProduct", path = "/products/{id}", tag = "products", params(("id" = i64, Path)),
    responses((status = 200, body = Product), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Product>> {
    Ok(Json(products::get(&state.db, &actor, id).await?))
}

/// Replaces a product's data; `"active": false` deactivates it. Past sales keep their prices.
#[utoipa::path(put, operation_id = "updateProduct", path = "/products/{id}", tag = "products", params(("id" = i64, Path)), request_body = ProductInput,
    responses((status = 200, body = Product), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Json(input): Json<ProductInput>,
) -> ApiResult<Json<Product>> {
    Ok(Json(products::update(&state.db, &actor, id, &input).await?))
}

/// A facility's products from a CSV (商品名, ふりがな, 価格, 税率, JAN, 分類; UTF-8 or Shift_JIS).
/// Each row adds a product or updates the facility's product it matches (by JAN, else by name):
/// the same file uploaded twice changes nothing the second time. Every row is checked first;
/// nothing is imported if any row is wrong. 201 when a product was added, else 200.
#[utoipa::path(post, operation_id = "importProducts", path = "/facilities/{id}/products/import", tag = "products", params(("id" = i64, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ProductImport, description = "Some rows were added"),
        (status = 200, body = ProductImport, description = "Every row updated or unchanged"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_products(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ProductImport>)> {
    let answer = crate::usecases::imports::import_products(&state.db, &actor, id, &body).await?;
    let status = if answer.added > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)))
}
