//! `/api/v1/audit`: the audit trail (council admins).

use super::auth::Caller;
use super::extract::{Json, Query};
use super::{ApiResult, AppState};
use crate::error::Error;
use crate::usecases::audit::{self, AuditFilter};
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use selpos_domain::audit::{AuditEntry, check_kind_filter};
use selpos_domain::events::tokyo_day_start;
use selpos_domain::validation::{ErrorBody, FieldErrors};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only changes by this login.
    actor: Option<String>,
    /// Only this kind of record: `product`, `user`, `event`, …
    entity: Option<String>,
    /// Only this kind of entry (`register.float`, `product.update`, …) or its group (`product`):
    /// one of the kinds the log knows, else 422.
    action: Option<String>,
    /// From this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Until this time, exclusive (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// From the start of this day in Japan (`2026-11-28`).
    from_date: Option<NaiveDate>,
    /// To the end of this day in Japan, inclusive (`2026-11-29`).
    until_date: Option<NaiveDate>,
    /// At most this many entries (default 200, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// The audit log, newest first (council admins). It has no route to change or delete entries.
#[utoipa::path(get, operation_id = "listAudit", path = "/audit", tag = "users", params(AuditQuery),
    responses((status = 200, body = [AuditEntry]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let filter = filter_of(q)?;
    Ok(Json(audit::list(&state.db, &actor, &filter).await?))
}

/// The query's filters, checked: a known kind, one way to give each end of the period, and a
/// period that does not end before it starts.
fn filter_of(q: AuditQuery) -> Result<AuditFilter, Error> {
    let blank = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let mut errors = FieldErrors::default();
    let action = blank(q.action);
    if let Some(Err(message)) = action.as_deref().map(check_kind_filter) {
        errors.add("action", "unknown", message);
    }
    let both = "日時と日付のどちらか一方で指定してください";
    if q.from.is_some() && q.from_date.is_some() {
        errors.add("from_date", "conflict", both);
    }
    if q.until.is_some() && q.until_date.is_some() {
        errors.add("until_date", "conflict", both);
    }
    let from = q.from.or(q.from_date.map(tokyo_day_start));
    let until = q
        .until
        .or(q.until_date.and_then(|d| d.succ_opt()).map(tokyo_day_start));
    if let (Some(from), Some(until)) = (from, until)
        && until <= from
    {
        let field = if q.until_date.is_some() {
            "until_date"
        } else {
            "until"
        };
        errors.add(
            field,
            "before_start",
            "終わりの日付は始まりの日付以降にしてください",
        );
    }
    let limit = super::extract::page_limit(q.limit, 200)?;
    errors.into_result(()).map_err(Error::Validation)?;
    Ok(AuditFilter {
        actor_login: blank(q.actor),
        entity: blank(q.entity),
        action,
        from,
        until,
        limit,
    })
}
