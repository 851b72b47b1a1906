//! The tablet's client of the JSON API under `/api/v1`. Every page loads and saves through it,
//! in the browser; on the server these calls are never made (pages render their shell there).
//!
//! Past 600 lines on purpose: the transport (errors, CSRF, timeouts) and one thin function per
//! endpoint, in the order of the server's `http/` files, read best as one list.

use selpos_domain::approvals::{Approval, ApprovalInput};

use selpos_domain::audit::AuditEntry;

use selpos_domain::sales::batch::{SaleBatchInput, SaleBatchReplies, SaleBatchReply};
use selpos_domain::sales::{Catalog, Sale, SaleInput, VoidInput};

use selpos_domain::council::{Council, CouncilInput};
use selpos_domain::customer_display::{DisplayLink, DisplayLinkInput, DisplayState, DisplayView};

use selpos_domain::devices::{Device, DeviceInput, DeviceStatus};

use selpos_domain::validation::ErrorDetail;

use selpos_domain::events::{Event, EventInput};

use selpos_domain::facilities::{Facility, FacilityInput};

use selpos_domain::users::{LoginInput, PinLoginInput, SessionInfo, User, UserInput};

use selpos_domain::products::{Product, ProductInput};
use selpos_domain::validation::FieldError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed, with the server's Japanese message (or one of ours for network trouble).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub code: String,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiFailure {
    fn network() -> Self {
        ApiFailure {
            code: "network".into(),
            message: "サーバーに接続できません。通信状態を確認してください".into(),
            fields: vec![],
        }
    }

    /// The message for one input field, if the server named it.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.clone())
    }
}

impl From<ErrorDetail> for ApiFailure {
    fn from(d: ErrorDetail) -> Self {
        ApiFailure {
            code: d.code,
            message: d.message,
            fields: d.fields,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiFailure>;

/// How long a call may take before the tablet gives up on it (and says it cannot reach the
/// server): a server that accepts connections but never answers must not hang a page.
#[cfg(feature = "browser")]
const CALL_TIMEOUT_MS: i32 = 20_000;
/// The session is asked first on every page load: a till that cannot have it quickly opens
/// with the register it remembers and sells offline.
const SESSION_TIMEOUT_MS: i32 = 2_500;
/// A CSV import may be large and slow to check.
#[cfg(feature = "browser")]
const UPLOAD_TIMEOUT_MS: i32 = 120_000;

/// A signal that aborts a request after `timeout_ms`.
#[cfg(feature = "browser")]
fn abort_after(timeout_ms: i32) -> Option<web_sys::AbortSignal> {
    use wasm_bindgen::JsCast;
    let controller = web_sys::AbortController::new().ok()?;
    let window = web_sys::window()?;
    let signal = controller.signal();
    let abort = wasm_bindgen::closure::Closure::once_into_js(move || controller.abort());
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), timeout_ms);
    Some(signal)
}

#[cfg(feature = "browser")]
fn request_builder(method: &str, path: &str, timeout_ms: i32) -> gloo_net::http::RequestBuilder {
    use gloo_net::http::{Method, RequestBuilder};
    let method = match method {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let signal = abort_after(timeout_ms);
    let mut builder = RequestBuilder::new(&format!("/api/v1{path}"))
        .method(method.clone())
        .abort_signal(signal.as_ref());
    if method != Method::GET
        && let Some(token) = csrf_token()
    {
        builder = builder.header("X-CSRF-Token", &token);
    }
    builder
}

#[cfg(feature = "browser")]
async fn call<O: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> ApiResult<O> {
    call_within(method, path, body, CALL_TIMEOUT_MS).await
}

#[cfg(feature = "browser")]
async fn call_within<O: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
    timeout_ms: i32,
) -> ApiResult<O> {
    let builder = request_builder(method, path, timeout_ms);
    let request = match body {
        Some(body) => builder.header("Content-Type", "application/json").body(body),
        None => builder.build(),
    }
    .map_err(|_| ApiFailure::network())?;
    answer(path, request).await
}

/// POSTs a file as it is (a CSV may be Shift_JIS: never re-encoded on the way).
#[cfg(feature = "browser")]
async fn post_bytes<O: DeserializeOwned>(path: &str, content_type: &str, bytes: &[u8]) -> ApiResult<O> {
    send_bytes("POST", path, content_type, bytes).await
}

/// Sends a file as it is with `method`.
#[cfg(feature = "browser")]
async fn send_bytes<O: DeserializeOwned>(
    method: &str,
    path: &str,
    content_type: &str,
    bytes: &[u8],
) -> ApiResult<O> {
    let request = request_builder(method, path, UPLOAD_TIMEOUT_MS)
        .header("Content-Type", content_type)
        .body(js_sys::Uint8Array::from(bytes))
        .map_err(|_| ApiFailure::network())?;
    answer(path, request).await
}

#[cfg(not(feature = "browser"))]
async fn post_bytes<O: DeserializeOwned>(_path: &str, _content_type: &str, _bytes: &[u8]) -> ApiResult<O> {
    Err(ApiFailure::network())
}

#[cfg(not(feature = "browser"))]
async fn send_bytes<O: DeserializeOwned>(
    _method: &str,
    _path: &str,
    _content_type: &str,
    _bytes: &[u8],
) -> ApiResult<O> {
    Err(ApiFailure::network())
}

/// Sends the request and reads the answer: the JSON on success, the error shape otherwise.
#[cfg(feature = "browser")]
async fn answer<O: DeserializeOwned>(path: &str, request: gloo_net::http::Request) -> ApiResult<O> {
    let response = request.send().await.map_err(|_| ApiFailure::network())?;
    read_answer(path, response).await
}

/// The JSON of a successful answer, the error shape otherwise.
#[cfg(feature = "browser")]
async fn read_answer<O: DeserializeOwned>(path: &str, response: gloo_net::http::Response) -> ApiResult<O> {
    use selpos_domain::validation::ErrorBody;
    let text = response.text().await.map_err(|_| ApiFailure::network())?;
    if response.status() == 204 {
        return serde_json::from_str("null").map_err(|_| ApiFailure::network());
    }
    if response.ok() {
        serde_json::from_str(&text).map_err(|e| ApiFailure {
            code: "bad_response".into(),
            message: format!("サーバーの応答を読み取れません: {e}"),
            fields: vec![],
        })
    } else {
        match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) if body.error.code == "unauthenticated" && !path.starts_with("/session") => {
                go_to_login();
                Err(body.error.into())
            }
            Ok(body) => Err(body.error.into()),
            Err(_) => Err(ApiFailure {
                code: "http".into(),
                message: format!("サーバーエラー ({})", response.status()),
                fields: vec![],
            }),
        }
    }
}

/// The session's CSRF token, from the cookie the server set at sign-in (double submit).
#[cfg(feature = "browser")]
fn csrf_token() -> Option<String> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?
        .document()?
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?;
    let cookies = document.cookie().ok()?;
    cookies
        .split(';')
        .find_map(|c| c.trim().strip_prefix("selpos_csrf=").map(String::from))
}

/// Sends the browser to the sign-in page, to come back here afterwards.
#[cfg(feature = "browser")]
fn go_to_login() {
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        let path = location.pathname().unwrap_or_default();
        if path != "/login" {
            let here = format!("{path}{}", location.search().unwrap_or_default());
            let _ = location.set_href(&format!("/login?next={}", encode(&here)));
        }
    }
}

#[cfg(not(feature = "browser"))]
async fn call<O: DeserializeOwned>(_method: &str, _path: &str, _body: Option<String>) -> ApiResult<O> {
    Err(ApiFailure::network())
}

#[cfg(not(feature = "browser"))]
async fn call_within<O: DeserializeOwned>(
    _method: &str,
    _path: &str,
    _body: Option<String>,
    _timeout_ms: i32,
) -> ApiResult<O> {
    Err(ApiFailure::network())
}

async fn get<O: DeserializeOwned>(path: &str) -> ApiResult<O> {
    call("GET", path, None).await
}

async fn send<I: Serialize, O: DeserializeOwned>(method: &str, path: &str, input: &I) -> ApiResult<O> {
    let body = serde_json::to_string(input).map_err(|e| ApiFailure {
        code: "bad_request".into(),
        message: e.to_string(),
        fields: vec![],
    })?;
    call(method, path, Some(body)).await
}

/// `POST path` for a new record, `PUT path/{id}` for an existing one.
async fn save<I: Serialize, O: DeserializeOwned>(path: &str, id: Option<i64>, input: &I) -> ApiResult<O> {
    match id {
        None => send("POST", path, input).await,
        Some(id) => send("PUT", &format!("{path}/{id}"), input).await,
    }
}

/// `?a=1&b=x` from the pairs whose value is present, URL-encoded.
fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn facilities(include_inactive: bool, text: Option<String>) -> ApiResult<Vec<Facility>> {
    let active = (!include_inactive).then(|| "true".to_string());
    get(&format!(
        "/facilities{}",
        query(&[("active", active), ("q", text)])
    ))
    .await
}

pub async fn save_facility(id: Option<i64>, input: &FacilityInput) -> ApiResult<Facility> {
    save("/facilities", id, input).await
}

pub async fn products(
    facility_id: Option<i64>,
    include_inactive: bool,
    text: Option<String>,
) -> ApiResult<Vec<Product>> {
    let active = (!include_inactive).then(|| "true".to_string());
    let facility = facility_id.map(|id| id.to_string());
    get(&format!(
        "/products{}",
        query(&[("facility_id", facility), ("active", active), ("q", text)])
    ))
    .await
}

pub async fn save_product(id: Option<i64>, input: &ProductInput) -> ApiResult<Product> {
    save("/products", id, input).await
}

/// Uploads a product's photo (JPEG, PNG or WebP as chosen; the server shrinks it).
pub async fn put_product_photo(
    product_id: i64,
    content_type: &str,
    bytes: &[u8],
) -> ApiResult<selpos_domain::photos::ProductPhoto> {
    send_bytes(
        "PUT",
        &format!("/products/{product_id}/photo"),
        content_type,
        bytes,
    )
    .await
}

pub async fn delete_product_photo(product_id: i64) -> ApiResult<()> {
    call("DELETE", &format!("/products/{product_id}/photo"), None).await
}

pub async fn events() -> ApiResult<Vec<Event>> {
    get("/events").await
}

pub async fn save_event(id: Option<i64>, input: &EventInput) -> ApiResult<Event> {
    save("/events", id, input).await
}

pub async fn event_sales(event_id: i64) -> ApiResult<selpos_domain::sales::EventSales> {
    get(&format!("/events/{event_id}/sales")).await
}

/// An event's dashboard: sales by hour, facility and tender, and the best sellers.
pub async fn event_dashboard(event_id: i64) -> ApiResult<selpos_domain::dashboard::EventDashboard> {
    get(&format!("/events/{event_id}/dashboard")).await
}

pub async fn event_stock(
    event_id: i64,
    facility_id: Option<i64>,
) -> ApiResult<selpos_domain::stock::EventStock> {
    get(&format!(
        "/events/{event_id}/stock{}",
        query(&[("facility_id", facility_id.map(|f| f.to_string()))])
    ))
    .await
}

pub async fn record_stock(
    event_id: i64,
    input: &selpos_domain::stock::StockOperationInput,
) -> ApiResult<selpos_domain::stock::EventStock> {
    send("POST", &format!("/events/{event_id}/stock"), input).await
}

/// 搬入 from a CSV; `id` makes a resend harmless.
pub async fn import_intake(
    event_id: i64,
    facility_id: i64,
    id: uuid::Uuid,
    bytes: &[u8],
) -> ApiResult<selpos_domain::stock::EventStock> {
    post_bytes(
        &format!("/events/{event_id}/stock/import?facility_id={facility_id}&id={id}"),
        "text/csv",
        bytes,
    )
    .await
}

/// A facility's products from a CSV: all rows or none; each row added, updated or unchanged.
pub async fn import_products(
    facility_id: i64,
    bytes: &[u8],
) -> ApiResult<selpos_domain::products::import::ProductImport> {
    post_bytes(
        &format!("/facilities/{facility_id}/products/import"),
        "text/csv",
        bytes,
    )
    .await
}

pub async fn count_stock(
    event_id: i64,
    input: &selpos_domain::stock::StockCountInput,
) -> ApiResult<Vec<selpos_domain::stock::CountLine>> {
    send("POST", &format!("/events/{event_id}/stock/count"), input).await
}

pub async fn council() -> ApiResult<Council> {
    get("/council").await
}

pub async fn save_council(input: &CouncilInput) -> ApiResult<Council> {
    send("PUT", "/council", input).await
}

pub async fn session() -> ApiResult<SessionInfo> {
    call_within("GET", "/session", None, SESSION_TIMEOUT_MS).await
}

pub async fn login(input: &LoginInput) -> ApiResult<SessionInfo> {
    send("POST", "/session", input).await
}

pub async fn pin_login(input: &PinLoginInput) -> ApiResult<SessionInfo> {
    send("POST", "/session/pin", input).await
}

pub async fn logout() -> ApiResult<()> {
    call("DELETE", "/session", None).await
}

pub async fn device_status() -> ApiResult<DeviceStatus> {
    get("/device").await
}

pub async fn users() -> ApiResult<Vec<User>> {
    get("/users").await
}

pub async fn save_user(id: Option<i64>, input: &UserInput) -> ApiResult<User> {
    save("/users", id, input).await
}

pub async fn devices() -> ApiResult<Vec<Device>> {
    get("/devices").await
}

pub async fn register_device(input: &DeviceInput) -> ApiResult<Device> {
    send("POST", "/devices", input).await
}

pub async fn revoke_device(id: i64) -> ApiResult<Device> {
    send("POST", &format!("/devices/{id}/revoke"), &serde_json::json!({})).await
}

/// The filters of the audit log (blank: all): a login, a kind (`register.float`) or its group
/// (`register`), and the first and last day (`2026-11-28`, in Japan).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from_date: Option<String>,
    pub until_date: Option<String>,
}

pub async fn audit(q: AuditQuery) -> ApiResult<Vec<AuditEntry>> {
    get(&format!(
        "/audit{}",
        query(&[
            ("actor", q.actor),
            ("action", q.action),
            ("from_date", q.from_date),
            ("until_date", q.until_date),
        ])
    ))
    .await
}

/// What a register sells, for offline use; `None` when it is still the version the till holds
/// (the server answered 304).
#[cfg(feature = "browser")]
pub async fn register_catalog(register_id: i64, held_version: Option<&str>) -> ApiResult<Option<Catalog>> {
    let path = format!("/registers/{register_id}/catalog");
    let mut builder = request_builder("GET", &path, CALL_TIMEOUT_MS);
    if let Some(version) = held_version.filter(|v| !v.is_empty()) {
        builder = builder.header("If-None-Match", &format!("\"{version}\""));
    }
    let request = builder.build().map_err(|_| ApiFailure::network())?;
    let response = request.send().await.map_err(|_| ApiFailure::network())?;
    if response.status() == 304 {
        return Ok(None);
    }
    read_answer(&path, response).await.map(Some)
}

#[cfg(not(feature = "browser"))]
pub async fn register_catalog(_register_id: i64, _held_version: Option<&str>) -> ApiResult<Option<Catalog>> {
    Err(ApiFailure::network())
}

/// お客様画面: a new link (and QR code) for the register's customer screen.
pub async fn new_display_link(register_id: i64, origin: &str) -> ApiResult<DisplayLink> {
    let input = DisplayLinkInput {
        origin: origin.to_string(),
    };
    send("POST", &format!("/registers/{register_id}/display-link"), &input).await
}

/// What the till shows now, for its customer screen.
pub async fn publish_display(register_id: i64, state: &DisplayState) -> ApiResult<()> {
    send("PUT", &format!("/registers/{register_id}/display"), state).await
}

/// The customer screen's view and its ETag; `None` while it is the one held (304).
#[cfg(feature = "browser")]
pub async fn display_view(token: &str, held: Option<&str>) -> ApiResult<Option<(DisplayView, String)>> {
    let path = format!("/display/{}", encode(token));
    let mut builder = request_builder("GET", &path, CALL_TIMEOUT_MS);
    if let Some(etag) = held {
        builder = builder.header("If-None-Match", etag);
    }
    let request = builder.build().map_err(|_| ApiFailure::network())?;
    let response = request.send().await.map_err(|_| ApiFailure::network())?;
    if response.status() == 304 {
        return Ok(None);
    }
    let etag = response.headers().get("etag").unwrap_or_default();
    read_answer(&path, response).await.map(|view| Some((view, etag)))
}

#[cfg(not(feature = "browser"))]
pub async fn display_view(_token: &str, _held: Option<&str>) -> ApiResult<Option<(DisplayView, String)>> {
    Err(ApiFailure::network())
}

/// A council user's approval, typed on the cashier's tablet.
pub async fn approve(input: &ApprovalInput) -> ApiResult<Approval> {
    send("POST", "/approvals", input).await
}

/// A sale by its receipt number (`HB2026A-R1-0001`) or, as a receipt's QR code holds, its id.
pub async fn find_sale(text: &str) -> ApiResult<Option<Sale>> {
    let text = text.trim();
    if let Ok(id) = text.parse::<uuid::Uuid>() {
        return get(&format!("/sales/{id}")).await.map(Some);
    }
    let found: Vec<Sale> = get(&format!(
        "/sales{}",
        query(&[("receipt_number", Some(text.to_string()))])
    ))
    .await?;
    Ok(found.into_iter().next())
}

/// The sales journal searched (receipt number, sold from / to, exact total, kind), one page.
pub async fn search_sales(search: &selpos_domain::sales::search::SaleSearchInput) -> ApiResult<Vec<Sale>> {
    get(&format!(
        "/sales{}",
        query(&[
            ("receipt_number", search.receipt_number.clone()),
            ("from", search.from.clone()),
            ("to", search.to.clone()),
            ("total", search.total.map(|t| t.to_string())),
            ("kind", search.kind.clone()),
            ("limit", search.limit.map(|l| l.to_string())),
            ("offset", search.offset.map(|o| o.to_string())),
        ])
    ))
    .await
}

pub async fn refund_sale(sale_id: uuid::Uuid, input: &selpos_domain::sales::RefundInput) -> ApiResult<Sale> {
    send("POST", &format!("/sales/{sale_id}/refund"), input).await
}

pub async fn void_sale(sale_id: uuid::Uuid, input: &VoidInput) -> ApiResult<Sale> {
    send("POST", &format!("/sales/{sale_id}/void"), input).await
}

/// The answer to a request whose caller decides by the status itself (the offline queue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// `None`: no answer at all (offline, or no answer in time).
    pub status: Option<u16>,
    pub body: ApiResult<T>,
}

impl Answer<Sale> {
    /// One sale's reply in a batch, as the answer `POST /sales` would have given it alone;
    /// `None` when the reply does not hold what its status says.
    pub fn of_reply(reply: SaleBatchReply) -> Option<Answer<Sale>> {
        let (status, body) = reply.into_single()?;
        Some(Answer {
            status: Some(status),
            body: body.map_err(ApiFailure::from),
        })
    }
}

/// How long the queue waits for the server before trying again later: long enough for a slow
/// venue Wi-Fi, short enough that a dead connection does not hold up the queue.
pub const SYNC_TIMEOUT_MS: i32 = 20_000;

/// Sends a completed sale. Unlike the other calls, a 401 does not leave the page: the sale
/// stays queued until the cashier signs in again.
pub async fn post_sale(input: &SaleInput) -> Answer<Sale> {
    post_queued("/sales", input).await
}

/// Sends queued sales in one request (`POST /api/v1/sales/batch`); each comes back with its own
/// answer. Like [`post_sale`], a 401 leaves the page where it is.
pub async fn post_sales(batch: &SaleBatchInput) -> Answer<SaleBatchReplies> {
    post_queued("/sales/batch", batch).await
}

/// What the queue sends, answered with the status as it is, within [`SYNC_TIMEOUT_MS`].
async fn post_queued<I: Serialize, O: DeserializeOwned>(path: &str, input: &I) -> Answer<O> {
    match serde_json::to_string(input) {
        Ok(body) => post_for_answer(path, body, SYNC_TIMEOUT_MS).await,
        Err(e) => Answer {
            status: None,
            body: Err(ApiFailure {
                code: "bad_request".into(),
                message: e.to_string(),
                fields: vec![],
            }),
        },
    }
}

/// `POST path` with a JSON body, abandoned after `timeout_ms`; answers the status as it is.
#[cfg(feature = "browser")]
async fn post_for_answer<O: DeserializeOwned>(path: &str, body: String, timeout_ms: i32) -> Answer<O> {
    use gloo_net::http::{Method, RequestBuilder};
    use selpos_domain::validation::ErrorBody;
    let no_answer = || Answer {
        status: None,
        body: Err(ApiFailure::network()),
    };
    let signal = abort_after(timeout_ms);
    let mut builder = RequestBuilder::new(&format!("/api/v1{path}"))
        .method(Method::POST)
        .abort_signal(signal.as_ref())
        .header("Content-Type", "application/json");
    if let Some(token) = csrf_token() {
        builder = builder.header("X-CSRF-Token", &token);
    }
    let Ok(request) = builder.body(body) else {
        return no_answer();
    };
    let Ok(response) = request.send().await else {
        return no_answer();
    };
    let status = response.status();
    let Ok(text) = response.text().await else {
        return no_answer();
    };
    let body = if response.ok() {
        serde_json::from_str(&text).map_err(|e| ApiFailure {
            code: "bad_response".into(),
            message: format!("サーバーの応答を読み取れません: {e}"),
            fields: vec![],
        })
    } else {
        Err(serde_json::from_str::<ErrorBody>(&text).map_or_else(
            |_| ApiFailure {
                code: "http".into(),
                message: format!("サーバーエラー ({status})"),
                fields: vec![],
            },
            |b| b.error.into(),
        ))
    };
    Answer {
        status: Some(status),
        body,
    }
}

#[cfg(not(feature = "browser"))]
async fn post_for_answer<O: DeserializeOwned>(_path: &str, _body: String, _timeout_ms: i32) -> Answer<O> {
    Answer {
        status: None,
        body: Err(ApiFailure::network()),
    }
}

/// A sale's receipt: the data and the paper's lines for `columns` (the register's paper when
/// `None`).
pub async fn sale_receipt(
    sale_id: &str,
    columns: Option<i64>,
) -> ApiResult<selpos_domain::receipts::SaleReceipt> {
    get(&format!(
        "/sales/{}/receipt{}",
        encode(sale_id),
        query(&[("columns", columns.map(|c| c.to_string()))])
    ))
    .await
}

/// What a 領収書 of a sale states: the sale less its refunds, with the issuer as it was (409 for
/// a voided sale, one refunded in full, or a void or refund record).
pub async fn formal_receipt(sale_id: &str) -> ApiResult<selpos_domain::receipts::formal::FormalReceipt> {
    get(&format!("/sales/{}/formal-receipt", encode(sale_id))).await
}

/// Prints a sale's receipt on its register's printer; a `reprint` is marked 再発行 and leaves
/// the cash drawer shut.
pub async fn print_receipt(sale_id: &str, reprint: bool) -> ApiResult<selpos_domain::printers::PrintOutcome> {
    call(
        "POST",
        &format!("/sales/{}/print?reprint={reprint}", encode(sale_id)),
        None,
    )
    .await
}

/// Whether a register's printer answers now.
pub async fn printer_status(register_id: i64) -> ApiResult<selpos_domain::printers::PrinterStatus> {
    get(&format!("/registers/{register_id}/printer")).await
}

/// A register's session: レジ開け, 出金 and レジ締め (`selpos_domain::register_sessions`).
pub mod register_sessions {
    use super::{ApiResult, get, send};
    use selpos_domain::register_sessions::{
        PayoutInput, RegisterCloseInput, RegisterFloatInput, RegisterOpenInput, RegisterReport,
        RegisterState, RegisterStatus,
    };

    /// Whether a register is open, without its figures: all the till itself needs to know.
    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    pub struct RegisterBrief {
        pub state: RegisterState,
        /// The open session, or the last closed one.
        #[serde(default)]
        pub report: Option<BriefReport>,
    }

    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    pub struct BriefReport {
        pub session: BriefSession,
    }

    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    pub struct BriefSession {
        pub id: String,
    }

    impl RegisterBrief {
        /// The session this answer is about (`""` when the register was never opened).
        pub fn session_id(&self) -> &str {
            self.report.as_ref().map_or("", |r| r.session.id.as_str())
        }
    }

    /// The register's state from its session report (the rest of the report is not read).
    pub async fn register_state(register_id: i64) -> ApiResult<RegisterBrief> {
        get(&format!("/registers/{register_id}/session")).await
    }

    pub async fn register_status(register_id: i64) -> ApiResult<RegisterStatus> {
        get(&format!("/registers/{register_id}/session")).await
    }

    pub async fn open_register(register_id: i64, input: &RegisterOpenInput) -> ApiResult<RegisterStatus> {
        send("POST", &format!("/registers/{register_id}/open"), input).await
    }

    pub async fn payout(register_id: i64, input: &PayoutInput) -> ApiResult<RegisterStatus> {
        send("POST", &format!("/registers/{register_id}/payouts"), input).await
    }

    pub async fn close_register(register_id: i64, input: &RegisterCloseInput) -> ApiResult<RegisterReport> {
        send("POST", &format!("/registers/{register_id}/close"), input).await
    }

    /// A council user enters (or corrects) the float of an open session.
    pub async fn set_float(session_id: &str, input: &RegisterFloatInput) -> ApiResult<RegisterReport> {
        send("PUT", &format!("/register-sessions/{session_id}/float"), input).await
    }
}

/// 期間精算: a standing shop's periods (`selpos_domain::shop_periods`).
pub mod periods {
    use super::{ApiResult, get, send};
    use chrono::NaiveDate;
    use selpos_domain::shop_periods::{PeriodInput, PeriodSettlement, PeriodStatement, ShopPeriods};

    pub async fn list(event_id: i64) -> ApiResult<ShopPeriods> {
        get(&format!("/events/{event_id}/periods")).await
    }

    pub async fn preview(event_id: i64, through: NaiveDate) -> ApiResult<PeriodSettlement> {
        get(&format!("/events/{event_id}/periods/preview?through={through}")).await
    }

    pub async fn period(event_id: i64, period_id: i64) -> ApiResult<PeriodSettlement> {
        get(&format!("/events/{event_id}/periods/{period_id}")).await
    }

    pub async fn settle(event_id: i64, through: NaiveDate) -> ApiResult<PeriodSettlement> {
        send(
            "POST",
            &format!("/events/{event_id}/periods"),
            &PeriodInput { through },
        )
        .await
    }

    pub async fn statement(event_id: i64, period_id: i64, facility_id: i64) -> ApiResult<PeriodStatement> {
        get(&format!(
            "/events/{event_id}/periods/{period_id}/facilities/{facility_id}"
        ))
        .await
    }

    pub async fn adjust(
        event_id: i64,
        period_id: i64,
        input: &selpos_domain::settlement::AdjustmentInput,
    ) -> ApiResult<PeriodStatement> {
        send(
            "POST",
            &format!("/events/{event_id}/periods/{period_id}/adjustments"),
            input,
        )
        .await
    }
}

/// 精算: an event's settlement and each facility's statement (`selpos_domain::settlement`).
pub mod settlement {
    use super::{ApiResult, get, send};
    use selpos_domain::settlement::{AdjustmentInput, EventSettlement, FacilityStatement};

    pub async fn settlement(event_id: i64) -> ApiResult<EventSettlement> {
        get(&format!("/events/{event_id}/settlement")).await
    }

    pub async fn statement(event_id: i64, facility_id: i64) -> ApiResult<FacilityStatement> {
        get(&format!("/events/{event_id}/settlement/facilities/{facility_id}")).await
    }

    pub async fn settle(event_id: i64) -> ApiResult<EventSettlement> {
        send(
            "POST",
            &format!("/events/{event_id}/settle"),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn adjust(event_id: i64, input: &AdjustmentInput) -> ApiResult<FacilityStatement> {
        send("POST", &format!("/events/{event_id}/adjustments"), input).await
    }
}

/// 工賃.
pub mod wages {
    use super::{ApiResult, get, post_bytes, send};
    use selpos_domain::wages::{
        CorrectionDecisionInput, CorrectionStatus, FacilityWageYear, WageCorrection, WageImportReport,
        WageMonthInput, WageTable, WageTargetInput,
    };

    pub async fn facility_year(facility_id: i64, fiscal_year: i32) -> ApiResult<FacilityWageYear> {
        get(&format!(
            "/facilities/{facility_id}/wages?fiscal_year={fiscal_year}"
        ))
        .await
    }

    pub async fn put_month(facility_id: i64, input: &WageMonthInput) -> ApiResult<FacilityWageYear> {
        send("PUT", &format!("/facilities/{facility_id}/wages"), input).await
    }

    pub async fn put_target(
        facility_id: i64,
        fiscal_year: i32,
        input: &WageTargetInput,
    ) -> ApiResult<FacilityWageYear> {
        send(
            "PUT",
            &format!("/facilities/{facility_id}/wage-target?fiscal_year={fiscal_year}"),
            input,
        )
        .await
    }

    pub async fn table(fiscal_year: i32) -> ApiResult<WageTable> {
        get(&format!("/wages/table?fiscal_year={fiscal_year}")).await
    }

    /// The import; `confirm_names` are the facility numbers whose different names the council
    /// confirmed.
    pub async fn import(
        bytes: &[u8],
        dry_run: bool,
        create_facilities: bool,
        confirm_names: &[i64],
    ) -> ApiResult<WageImportReport> {
        let names: Vec<String> = confirm_names.iter().map(ToString::to_string).collect();
        post_bytes(
            &format!(
                "/wages/import?dry_run={dry_run}&create_facilities={create_facilities}&confirm_names={}",
                names.join(",")
            ),
            "text/csv",
            bytes,
        )
        .await
    }

    /// Accepts, rejects or reopens a correction of the published table.
    pub async fn decide(id: i64, status: CorrectionStatus) -> ApiResult<WageCorrection> {
        send(
            "PUT",
            &format!("/wages/corrections/{id}"),
            &CorrectionDecisionInput { status },
        )
        .await
    }
}

/// 共同受注窓口: joint orders, their allocation, answers, payments and documents
/// (`selpos_domain::orders`).
pub mod orders {
    use super::{ApiResult, get, save, send};
    use selpos_domain::orders::{
        AllocationInput, AnswerInput, Capacity, CapacityInput, FeeInput, InvoiceDocument, ItemSuggestion,
        Order, OrderInput, PaymentInput, PayoutInput, PayoutStatement, ProcurementReport, StatusInput,
    };

    pub async fn list() -> ApiResult<Vec<Order>> {
        get("/orders").await
    }

    pub async fn get_order(id: i64) -> ApiResult<Order> {
        get(&format!("/orders/{id}")).await
    }

    pub async fn save_order(id: Option<i64>, input: &OrderInput) -> ApiResult<Order> {
        save("/orders", id, input).await
    }

    pub async fn set_fee(id: i64, input: &FeeInput) -> ApiResult<Order> {
        send("PUT", &format!("/orders/{id}/fee"), input).await
    }

    pub async fn adjust(id: i64, input: &selpos_domain::settlement::AdjustmentInput) -> ApiResult<Order> {
        send("POST", &format!("/orders/{id}/adjustments"), input).await
    }

    pub async fn set_status(id: i64, input: &StatusInput) -> ApiResult<Order> {
        send("POST", &format!("/orders/{id}/status"), input).await
    }

    pub async fn allocate(id: i64, input: &AllocationInput) -> ApiResult<Order> {
        send("PUT", &format!("/orders/{id}/shares"), input).await
    }

    pub async fn suggestion(id: i64) -> ApiResult<Vec<ItemSuggestion>> {
        get(&format!("/orders/{id}/suggestion")).await
    }

    pub async fn answer(id: i64, share_id: i64, input: &AnswerInput) -> ApiResult<Order> {
        send("POST", &format!("/orders/{id}/shares/{share_id}/answer"), input).await
    }

    pub async fn add_payment(id: i64, input: &PaymentInput) -> ApiResult<Order> {
        send("POST", &format!("/orders/{id}/payments"), input).await
    }

    pub async fn payout(id: i64, input: &PayoutInput) -> ApiResult<Order> {
        send("POST", &format!("/orders/{id}/payout"), input).await
    }

    pub async fn invoice(id: i64) -> ApiResult<InvoiceDocument> {
        get(&format!("/orders/{id}/invoice")).await
    }

    /// `month`: `YYYY-MM`.
    pub async fn payout_statement(facility_id: i64, month: &str) -> ApiResult<PayoutStatement> {
        get(&format!(
            "/orders/payouts?facility_id={facility_id}&month={}",
            super::encode(month)
        ))
        .await
    }

    pub async fn report(fiscal_year: i32) -> ApiResult<ProcurementReport> {
        get(&format!("/orders/report?fiscal_year={fiscal_year}")).await
    }

    /// 能力の申告 (the council: every facility's; facility staff: their own).
    pub async fn capacities() -> ApiResult<Vec<Capacity>> {
        get("/orders/capacities").await
    }

    /// Declares a capacity; answers the facility's declarations.
    pub async fn declare_capacity(input: &CapacityInput) -> ApiResult<Vec<Capacity>> {
        send("POST", "/orders/capacities", input).await
    }
}

/// セルプ自販機 (`selpos_domain::vending`): machines and their months.
pub mod vending {
    use super::{ApiResult, get, post_bytes, save, send};
    use selpos_domain::vending::{VendingMachine, VendingMachineInput, VendingMonth, VendingMonthInput};
    use serde::Deserialize;

    /// What an import recorded (the server's answer also lists the months).
    #[derive(Debug, Clone, Deserialize)]
    pub struct Imported {
        pub added: usize,
        pub replaced: usize,
    }

    pub async fn machines() -> ApiResult<Vec<VendingMachine>> {
        get("/vending/machines").await
    }

    pub async fn save_machine(id: Option<i64>, input: &VendingMachineInput) -> ApiResult<VendingMachine> {
        save("/vending/machines", id, input).await
    }

    pub async fn months(fiscal_year: i32) -> ApiResult<Vec<VendingMonth>> {
        get(&format!("/vending/months?fiscal_year={fiscal_year}")).await
    }

    pub async fn record_month(input: &VendingMonthInput) -> ApiResult<VendingMonth> {
        send("POST", "/vending/months", input).await
    }

    pub async fn import(bytes: &[u8]) -> ApiResult<Imported> {
        post_bytes("/vending/months/import", "text/csv", bytes).await
    }
}

/// 協議会からの収入 (`selpos_domain::income`): the council every facility's, staff their own.
pub mod income {
    use super::{ApiResult, get};
    use selpos_domain::income::IncomeReport;

    pub async fn report(fiscal_year: i32, facility: Option<i64>) -> ApiResult<IncomeReport> {
        let facility = facility.map(|f| format!("&facility_id={f}")).unwrap_or_default();
        get(&format!("/income?fiscal_year={fiscal_year}{facility}")).await
    }
}

/// 共同購入: the council's purchase rounds, the facilities' quantities, bills, payments and the
/// unpaid list (`selpos_domain::purchases`).
pub mod purchases {
    use super::{ApiResult, get, save, send};
    use selpos_domain::orders::PaymentInput;
    use selpos_domain::purchases::{
        Bill, BillInput, CancelInput, OrdersInput, PurchaseInvoice, Round, RoundInput, UnpaidList,
    };

    pub async fn list() -> ApiResult<Vec<Round>> {
        get("/purchases").await
    }

    pub async fn get_round(id: i64) -> ApiResult<Round> {
        get(&format!("/purchases/{id}")).await
    }

    pub async fn save_round(id: Option<i64>, input: &RoundInput) -> ApiResult<Round> {
        save("/purchases", id, input).await
    }

    pub async fn put_orders(id: i64, input: &OrdersInput) -> ApiResult<Round> {
        send("PUT", &format!("/purchases/{id}/orders"), input).await
    }

    pub async fn close(id: i64) -> ApiResult<Round> {
        send("POST", &format!("/purchases/{id}/close"), &serde_json::json!({})).await
    }

    pub async fn cancel(id: i64, input: &CancelInput) -> ApiResult<Round> {
        send("POST", &format!("/purchases/{id}/cancel"), input).await
    }

    pub async fn bill(id: i64, input: &BillInput) -> ApiResult<Round> {
        send("POST", &format!("/purchases/{id}/bill"), input).await
    }

    pub async fn add_payment(bill_id: i64, input: &PaymentInput) -> ApiResult<Bill> {
        send("POST", &format!("/purchases/bills/{bill_id}/payments"), input).await
    }

    pub async fn invoice(id: i64, facility_id: i64) -> ApiResult<PurchaseInvoice> {
        get(&format!("/purchases/{id}/invoice?facility_id={facility_id}")).await
    }

    pub async fn unpaid() -> ApiResult<UnpaidList> {
        get("/purchases/unpaid").await
    }

    /// `month`: `YYYY-MM`.
    pub async fn statement(facility_id: i64, month: &str) -> ApiResult<PurchaseInvoice> {
        get(&format!(
            "/purchases/statement?facility_id={facility_id}&month={}",
            super::encode(month)
        ))
        .await
    }
}

/// ギフト (中元・歳暮): seasons, catalogues, orders and the season's figures
/// (`selpos_domain::gifts`).
pub mod gifts {
    use super::{ApiResult, get, post_bytes, save, send};
    use selpos_domain::gifts::{
        CatalogueImport, GiftOrder, GiftOrderInput, GiftSeason, GiftSeasonInput, GiftStatement,
        SeasonCatalogue, SeasonCommission,
    };

    pub async fn seasons() -> ApiResult<Vec<GiftSeason>> {
        get("/gifts/seasons").await
    }

    pub async fn season(id: i64) -> ApiResult<SeasonCatalogue> {
        get(&format!("/gifts/seasons/{id}")).await
    }

    pub async fn save_season(id: Option<i64>, input: &GiftSeasonInput) -> ApiResult<GiftSeason> {
        save("/gifts/seasons", id, input).await
    }

    pub async fn close(id: i64) -> ApiResult<GiftSeason> {
        send(
            "POST",
            &format!("/gifts/seasons/{id}/close"),
            &serde_json::json!({}),
        )
        .await
    }

    /// The supplier's catalogue CSV as chosen (UTF-8 or Shift_JIS).
    pub async fn import_catalogue(id: i64, csv: &[u8]) -> ApiResult<CatalogueImport> {
        post_bytes(&format!("/gifts/seasons/{id}/catalogue"), "text/csv", csv).await
    }

    pub async fn orders(season: i64) -> ApiResult<Vec<GiftOrder>> {
        get(&format!("/gifts/seasons/{season}/orders")).await
    }

    pub async fn create_order(input: &GiftOrderInput) -> ApiResult<GiftOrder> {
        send("POST", "/gifts/orders", input).await
    }

    pub async fn cancel(order: uuid::Uuid, no: i64, reason: &str) -> ApiResult<GiftOrder> {
        send(
            "POST",
            &format!("/gifts/orders/{order}/recipients/{no}/cancel"),
            &serde_json::json!({"reason": reason}),
        )
        .await
    }

    pub async fn commission(season: i64) -> ApiResult<SeasonCommission> {
        get(&format!("/gifts/seasons/{season}/commission")).await
    }

    pub async fn statement(season: i64, facility: i64) -> ApiResult<GiftStatement> {
        get(&format!("/gifts/seasons/{season}/statements/{facility}")).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded() {
        assert_eq!(
            query(&[("active", Some("true".into())), ("q", None)]),
            "?active=true"
        );
        assert_eq!(
            query(&[("q", Some("クッキー & 50%".into()))]),
            "?q=%E3%82%AF%E3%83%83%E3%82%AD%E3%83%BC%20%26%2050%25"
        );
        assert_eq!(query(&[]), "");
    }
}
