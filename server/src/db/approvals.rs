//! SQL for manager approvals: granted by a council user's PIN, used once.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::approvals::{ApprovalAction, GrantedApproval};

pub struct NewApproval<'a> {
    pub id: &'a str,
    pub action: &'a str,
    pub approver_id: i64,
    pub requested_by: i64,
    pub register_id: Option<i64>,
    pub sale_id: Option<String>,
    pub amount: Option<i64>,
    pub reason: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, a: &NewApproval<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO approvals (id, action, approver_id, requested_by, register_id, sale_id, amount, reason, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(a.id)
        .bind(a.action)
        .bind(a.approver_id)
        .bind(a.requested_by)
        .bind(a.register_id)
        .bind(&a.sale_id)
        .bind(a.amount)
        .bind(a.reason)
        .bind(now)
        .bind(a.expires_at)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    action: String,
    requested_by: i64,
    register_id: Option<i64>,
    sale_id: Option<String>,
    amount: Option<i64>,
    expires_at: DateTime<Utc>,
    used: bool,
    approver_id: i64,
}

/// The approval `id` as stored, with its approver; `None` when there is none (or its stored
/// action or sale is not one this version knows, which no approval it granted can be).
pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<(GrantedApproval, i64)>, sqlx::Error> {
    let sql = "SELECT action, requested_by, register_id, sale_id, amount, expires_at, used_at IS NOT NULL AS used, approver_id
               FROM approvals WHERE id = $1";
    let row: Option<ApprovalRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(row.and_then(|r| {
        let sale_id = match r.sale_id {
            Some(s) => Some(s.parse().ok()?),
            None => None,
        };
        Some((
            GrantedApproval {
                action: ApprovalAction::from_code(&r.action)?,
                requested_by: r.requested_by,
                register_id: r.register_id,
                sale_id,
                amount: r.amount.map(selpos_domain::Yen),
                expires_at: r.expires_at,
                used: r.used,
            },
            r.approver_id,
        ))
    }))
}

/// Marks approval `id` as used; false when it was used in the meantime (a concurrent action
/// presenting the same approval: on PostgreSQL the later one waits for the first's row lock,
/// then finds `used_at` set).
pub async fn mark_used(tx: &mut Tx, id: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE approvals SET used_at = $1 WHERE id = $2 AND used_at IS NULL";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected() == 1))
}
