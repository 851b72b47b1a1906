//! `/api/v1/audit`: the audit trail (council admins).

use super::auth::Caller;
use super::extract::{Json, Query};
use super::{ApiResult, AppState};
use crate::usecases::audit::{self, AuditFilter};
use axum::extract::State;
use chrono::{DateTime, Utc};
use selpos_domain::audit::AuditEntry;
use selpos_domain::validation::ErrorBody;
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
    /// Only actions starting with this: `product.update`, `session`, …
    action: Option<String>,
    /// From this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Until this time, exclusive (RFC 3339).
    until: Option<DateTime<Utc>>,
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
    let blank = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        actor_login: blank(q.actor),
        entity: blank(q.entity),
        action: blank(q.action),
        from: q.from,
        until: q.until,
        limit: super::extract::page_limit(q.limit, 200)?,
    };
    Ok(Json(audit::list(&state.db, &actor, &filter).await?))
}
