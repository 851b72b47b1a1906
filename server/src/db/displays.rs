//! SQL for the お客様画面: each register's screen link (its token's hash) and last state.

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};

/// Gives the register's screen a new link: the token's hash replaces the last one (whose
/// screen stops following), the state stays.
pub async fn set_token(tx: &mut Tx, register_id: i64, token_hash: &str) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO register_displays (register_id, token_hash) VALUES ($1, $2)
               ON CONFLICT (register_id) DO UPDATE SET token_hash = excluded.token_hash";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(register_id)
        .bind(token_hash)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

/// Keeps `state` (JSON) as the register's screen state when `seq` is newer than the kept one,
/// in one statement, so two publishes racing keep the newer. Answers whether it was kept; a
/// register without a screen link keeps nothing.
pub async fn publish(
    tx: &mut Tx,
    register_id: i64,
    seq: i64,
    state: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE register_displays SET seq = $2, state = $3, updated_at = $4
               WHERE register_id = $1 AND (seq IS NULL OR seq < $2)";
    let affected = on_tx!(tx, |conn| sqlx::query(sql)
        .bind(register_id)
        .bind(seq)
        .bind(state)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(affected == 1)
}

/// A screen as its link finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisplayRow {
    pub register_id: i64,
    pub register_name: String,
    pub event_name: String,
    pub state: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn by_token_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<DisplayRow>, sqlx::Error> {
    let sql = "SELECT d.register_id, r.name AS register_name, e.name AS event_name, d.state, d.updated_at
               FROM register_displays d
               JOIN registers r ON r.id = d.register_id
               JOIN events e ON e.id = r.event_id
               WHERE d.token_hash = $1";
    on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await)
}
