//! HTTP: the JSON API under `/api/v1`, its OpenAPI document, health, and the Leptos pages.
//! Handlers parse, call one use case, and answer; no SQL here.

mod approvals;
mod audit;
pub mod auth;
mod council;
mod devices;
mod displays;
pub mod error;
mod events;
pub mod extract;
mod facilities;
mod gifts;
mod income;
mod openapi;
mod orders;
mod photos;
mod products;
mod receipts;
mod register_sessions;
mod sales;
mod sessions;
mod settlement;
mod setup;
mod shop_periods;
mod stock;
mod users;
mod vending;
// 共同購入
mod purchases;
mod wages;

use crate::db::Db;
use crate::printing::PrinterQueues;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use error::ApiError;
use extract::Json;
use leptos::nonce::use_nonce;
use leptos::prelude::{IntoView, LeptosOptions, provide_context, use_context};
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use selpos_app::{App, SiteAssets, shell};
use selpos_domain::health::Health;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub type ApiResult<T> = Result<T, ApiError>;

/// Browser features no page of selpos uses (the barcode scanners type like keyboards).
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()";

/// HTTPS for a year, sent only over HTTPS.
const HSTS: &str = "max-age=31536000";

/// The largest request body accepted: master data and sales are small.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    /// Mark cookies `Secure` (when selpos is served over HTTPS).
    pub secure_cookies: bool,
    /// Served over HTTPS by selpos itself: HSTS is sent.
    pub https: bool,
    /// selpos's own certificate authority, when it made the server's certificate (`/ca.crt`).
    pub local_ca: Option<std::sync::Arc<crate::tls::CaInfo>>,
    /// The receipt printers: one queue per printer, shared by every register.
    pub printers: PrinterQueues,
    /// Rate limits of sign-in and approvals, and the failure summaries.
    pub throttle: crate::throttle::Throttle,
    /// The built site: bundles, style sheet, service worker.
    pub site: std::sync::Arc<crate::site::Site>,
}

impl AppState {
    /// A sign-in or approval attempt from `address`, under this server's limits.
    pub fn origin(&self, address: std::net::IpAddr) -> crate::usecases::sessions::Origin<'_> {
        crate::usecases::sessions::Origin {
            throttle: &self.throttle,
            address,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "selpos API", description = "Point of sale and inventory for the joint sales events of a SELP council."),
    tags(
        (name = "facilities", description = "事業所: member facilities"),
        (name = "products", description = "自主製品: products of a facility"),
        (name = "events", description = "Events and sales channels with their participants and registers"),
        (name = "council", description = "The council, issuer of receipts"),
        (name = "session", description = "Signing in and out; registered tablets"),
        (name = "users", description = "Users, tablets, manager approvals and the audit log"),
        (name = "stock", description = "Consignment stock: intake, returns, transfers, losses, counts"),
        (name = "sales", description = "The till: catalogue, sales, voids, refunds, live sales"),
        (name = "receipts", description = "Receipts: printing on the register's printer, text previews, printer status"),
        (name = "orders", description = "共同受注窓口: joint orders split across facilities, invoiced, paid and paid out"),
        (name = "vending", description = "セルプ自販機: vending machines supporting facilities and their monthly commission"),
        (name = "income", description = "協議会からの収入: each facility's income through the council per month and channel"),
        (name = "purchases", description = "共同購入: purchase rounds for the facilities, bills, payments and who still owes"),
        (name = "gifts", description = "ギフト (中元・歳暮): gift seasons, the supplier's catalogue, orders, the order list and the commission per taker"),
    )
)]
struct ApiDoc;

/// The API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(facilities::routes())
        .merge(products::routes())
        .merge(photos::routes())
        .merge(events::routes())
        .merge(council::routes())
        .merge(sessions::routes())
        .merge(users::routes())
        .merge(devices::routes())
        .merge(approvals::routes())
        .merge(audit::routes())
        .merge(sales::routes())
        .merge(receipts::routes())
        .merge(stock::routes())
        .merge(register_sessions::routes())
        .merge(displays::routes())
        .merge(settlement::routes())
        .merge(wages::routes())
        .merge(orders::routes())
        .merge(vending::routes())
        .merge(income::routes())
        .merge(purchases::routes())
        // Gift pre-orders (issue 24).
        .merge(gifts::routes())
        // 期間精算 of a standing shop (issue 24).
        .merge(shop_periods::routes());
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .split_for_parts();
    utoipa::Modify::modify(&openapi::Common, &mut doc);
    (router, doc)
}

/// The whole application: API, health, OpenAPI document, pages and static files.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = std::sync::Arc::new(openapi);
    let api = api
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::not_found_route() }),
        )
        // A known route with a method it does not take: 405 in the error shape (axum keeps
        // the `Allow` header it sets).
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // API answers are not kept, unless a route says otherwise (a product photo, named by
        // its content).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));

    let pages = generate_route_list(App);
    let https = state.https;
    let assets = state.site.assets();
    Router::new()
        .route("/healthz", get(health))
        .merge(setup::routes())
        .merge(api)
        .leptos_routes(&state, pages, {
            let (options, assets) = (state.leptos_options.clone(), assets.clone());
            move || page(options.clone(), assets.clone())
        })
        .fallback(move |state: State<AppState>, request: Request| {
            file_or_not_found(state, request, assets.clone())
        })
        // Pages and API answers compressed on the fly; the site's files come precompressed
        // (a response with a Content-Encoding is passed as it is).
        .layer(CompressionLayer::new())
        // Pages are revalidated (the API says no-store, the site's files say their own).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        // Only when selpos itself speaks HTTPS: a browser would otherwise keep refusing the
        // plain-HTTP address of a server that once answered over HTTPS.
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &Response| https.then(|| HeaderValue::from_static(HSTS)),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// One of the site's files, else the app's "not found" page with a 404.
async fn file_or_not_found(State(state): State<AppState>, request: Request, assets: SiteAssets) -> Response {
    let path = request.uri().path().to_string();
    if let Some(file) = state.site.serve(request.method(), &path, request.headers()).await {
        return file;
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(state.clone()),
        move || page(options.clone(), assets.clone()),
    );
    let mut response = render(request).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// A page: the app's shell, with a Content-Security-Policy that allows exactly the inline
/// hydration script (by its nonce), our own files and the WASM module.
fn page(options: LeptosOptions, assets: SiteAssets) -> impl IntoView {
    if let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(value) = HeaderValue::from_str(&policy) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    shell(options, assets)
}

/// A panic in a handler is a bug; the client still gets the error shape and the server stays up.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "サーバーでエラーが発生しました",
    )
    .into_response()
}

/// `GET /healthz`: 200 with the database kind and schema version when the database answers.
async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let schema_version = state
        .db
        .schema_version()
        .await
        .map_err(crate::error::Error::from)?;
    Ok(Json(Health {
        status: "ok".into(),
        database: state.db.kind().into(),
        schema_version,
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
