//! `/api/v1/sales/{id}/print`, `/api/v1/sales/{id}/receipt`, `/api/v1/registers/{id}/printer`:
//! receipts of recorded sales on paper and on screen, and whether a register's printer answers.

use super::auth::Caller;
use super::extract::{Json, Path, Query};
use super::{ApiResult, AppState};
use crate::usecases::receipts;
use axum::extract::State;
use selpos_domain::printers::{PrintOutcome, PrinterStatus};
use selpos_domain::receipts::SaleReceipt;
use selpos_domain::receipts::formal::FormalReceipt;
use selpos_domain::validation::ErrorBody;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(print))
        .routes(routes!(receipt))
        .routes(routes!(formal_receipt))
        .routes(routes!(printer_status))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PrintQuery {
    /// A copy printed later (再発行): marked as such, and the cash drawer stays shut.
    reprint: Option<bool>,
}

/// Prints a sale's receipt on its register's printer (council users, or the cashier of that
/// register); a cash sale opens the drawer. The sale stays recorded whatever happens: a 503
/// (printer unreachable or silent) or 502 (connection broken mid-job) means "print again".
#[utoipa::path(post, operation_id = "printReceipt", path = "/sales/{id}/print", tag = "receipts", params(("id" = uuid::Uuid, Path), PrintQuery),
    responses((status = 200, body = PrintOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The register has no printer"),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn print(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
    Query(q): Query<PrintQuery>,
) -> ApiResult<Json<PrintOutcome>> {
    let reprint = q.reprint.unwrap_or(false);
    Ok(Json(
        receipts::print(&state.db, &state.printers, &actor, id, reprint).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptQuery {
    /// 48 (80 mm) or 32 (58 mm); the register's paper when not given.
    #[param(minimum = 32, maximum = 48)]
    columns: Option<i64>,
}

/// A sale's receipt as data and as the lines of the paper: the preview shows what prints.
#[utoipa::path(get, operation_id = "getReceipt", path = "/sales/{id}/receipt", tag = "receipts", params(("id" = uuid::Uuid, Path), ReceiptQuery),
    responses((status = 200, body = SaleReceipt), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn receipt(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
    Query(q): Query<ReceiptQuery>,
) -> ApiResult<Json<SaleReceipt>> {
    Ok(Json(receipts::text(&state.db, &actor, id, q.columns).await?))
}

/// What a 領収書 (formal receipt) of the sale states: the sale less its refunds (amount, lines,
/// and per rate the stored totals and tax less the refunds'), with the issuer as it was at the
/// sale. A voided sale, one refunded in full, or a void or refund record gets none (409).
#[utoipa::path(get, operation_id = "getFormalReceipt", path = "/sales/{id}/formal-receipt", tag = "receipts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = FormalReceipt), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Voided, refunded in full, or not a sale")))]
async fn formal_receipt(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<Json<FormalReceipt>> {
    Ok(Json(receipts::formal(&state.db, &actor, id).await?))
}

/// Whether the register's printer accepts a connection now (a short TCP connect; nothing is
/// printed): staff see at once when a printer is off or has changed its address.
#[utoipa::path(get, operation_id = "getPrinterStatus", path = "/registers/{id}/printer", tag = "receipts", params(("id" = i64, Path)),
    responses((status = 200, body = PrinterStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn printer_status(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PrinterStatus>> {
    Ok(Json(
        receipts::printer_status(&state.db, &state.printers, &actor, id).await?,
    ))
}
