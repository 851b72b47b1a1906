//! SQL for manager approvals: granted by a council user's PIN, used once.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};

pub struct NewApproval<'a> {
    pub id: &'a str,
    pub action: &'a str,
    pub approver_id: i64,
    pub requested_by: i64,
    pub register_id: Option<i64>,
    pub reason: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, a: &NewApproval<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO approvals (id, action, approver_id, requested_by, register_id, reason, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(a.id)
        .bind(a.action)
        .bind(a.approver_id)
        .bind(a.requested_by)
        .bind(a.register_id)
        .bind(a.reason)
        .bind(now)
        .bind(a.expires_at)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// Marks an unused, unexpired approval of `action` requested by `requested_by` as used.
/// Returns the approver's id, or `None` when there is no such approval.
pub async fn consume(
    tx: &mut Tx,
    id: &str,
    action: &str,
    requested_by: i64,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = "UPDATE approvals SET used_at = $1
               WHERE id = $2 AND action = $3 AND requested_by = $4 AND used_at IS NULL AND expires_at > $1
               RETURNING approver_id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(now)
        .bind(id)
        .bind(action)
        .bind(requested_by)
        .fetch_optional(&mut *conn)
        .await)
}
