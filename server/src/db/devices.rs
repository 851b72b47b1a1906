//! SQL for registered tablets (devices): a tablet holds a token that makes it the till of one
//! register.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::events::RegisterRef;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub register_id: i64,
    pub register_code: String,
    pub register_name: String,
    pub event_id: i64,
    pub event_code: String,
    pub event_name: String,
    pub registered_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

impl DeviceRow {
    pub fn register(&self) -> RegisterRef {
        RegisterRef {
            register_id: self.register_id,
            register_code: self.register_code.clone(),
            register_name: self.register_name.clone(),
            event_id: self.event_id,
            event_code: self.event_code.clone(),
            event_name: self.event_name.clone(),
        }
    }
}

const DEVICE_SELECT: &str = "SELECT d.id, d.name, r.id AS register_id, r.code AS register_code,
           r.name AS register_name, e.id AS event_id, e.code AS event_code, e.name AS event_name,
           u.login AS registered_by, d.created_at, d.revoked_at IS NOT NULL AS revoked
    FROM devices d JOIN registers r ON r.id = d.register_id JOIN events e ON e.id = r.event_id
    JOIN users u ON u.id = d.registered_by";

/// The live (not revoked) device holding this token.
pub async fn by_token(tx: &mut Tx, token_hash: &str) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("{DEVICE_SELECT} WHERE d.token_hash = $1 AND d.revoked_at IS NULL");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await)
}

pub async fn by_id(tx: &mut Tx, id: i64) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("{DEVICE_SELECT} WHERE d.id = $1");
    on_tx!(tx, |conn| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)
}

pub async fn list(tx: &mut Tx) -> Result<Vec<DeviceRow>, sqlx::Error> {
    let sql = format!("{DEVICE_SELECT} ORDER BY d.id DESC");
    on_tx!(tx, |conn| sqlx::query_as(&sql).fetch_all(&mut *conn).await)
}

pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    name: &str,
    register_id: i64,
    registered_by: i64,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO devices (token_hash, name, register_id, registered_by, created_at)
               VALUES ($1, $2, $3, $4, $5) RETURNING id";
    on_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(token_hash)
        .bind(name)
        .bind(register_id)
        .bind(registered_by)
        .bind(now)
        .fetch_one(&mut *conn)
        .await)
}

/// Revokes a device and ends the sessions opened on it.
pub async fn revoke(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let affected = on_tx!(tx, |conn| {
        let r = sqlx::query("UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE device_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        r.rows_affected()
    });
    Ok(affected == 1)
}

/// The register with its event, to register a tablet to it.
pub async fn register_exists(tx: &mut Tx, register_id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = on_tx!(tx, |conn| sqlx::query_scalar(
        "SELECT id FROM registers WHERE id = $1"
    )
    .bind(register_id)
    .fetch_optional(&mut *conn)
    .await)?;
    Ok(found.is_some())
}
