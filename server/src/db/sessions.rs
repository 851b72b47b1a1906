//! SQL for sign-in sessions: a hashed token, its user, the tablet it was opened on and its
//! CSRF token.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub device_id: Option<i64>,
    pub csrf_token: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, s: &NewSession<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO sessions (token_hash, user_id, device_id, csrf_token, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.device_id)
        .bind(s.csrf_token)
        .bind(now)
        .bind(s.expires_at)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// A live session: its user, tablet and CSRF token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub device_id: Option<i64>,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn live(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = "SELECT s.user_id, s.device_id, s.csrf_token, s.expires_at FROM sessions s
               JOIN users u ON u.id = s.user_id
               LEFT JOIN devices d ON d.id = s.device_id
               WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active
                 AND (s.device_id IS NULL OR d.revoked_at IS NULL)";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await)
}

pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}

/// Ends every session of a user (password changed, account disabled).
pub async fn delete_for_user(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

pub async fn delete_expired(tx: &mut Tx, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1"
    )
    .bind(now)
    .execute(&mut *conn)
    .await
    .map(|_| ()))
}
