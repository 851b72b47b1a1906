//! SQL for the audit log. There is deliberately no update or delete here (and the database
//! refuses both, by trigger).

use super::Tx;
use crate::on_tx;
use chrono::{DateTime, Utc};
use selpos_domain::audit::AuditEntry;

/// One change to record.
pub struct NewEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor_login: &'a str,
    pub register_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn insert(tx: &mut Tx, e: &NewEntry<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO audit_log (at, actor_id, actor_login, register_id, action, entity, entity_id, before, after)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    let before = e.before.as_ref().map(serde_json::Value::to_string);
    let after = e.after.as_ref().map(serde_json::Value::to_string);
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(now)
        .bind(e.actor_id)
        .bind(e.actor_login)
        .bind(e.register_id)
        .bind(e.action)
        .bind(e.entity)
        .bind(&e.entity_id)
        .bind(&before)
        .bind(&after)
        .execute(&mut *conn)
        .await
        .map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    at: DateTime<Utc>,
    actor_login: String,
    register_id: Option<i64>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// Filters of the audit log; every field narrows it.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor_login: Option<String>,
    pub entity: Option<String>,
    /// A prefix of the action (`product` matches `product.update`).
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

pub async fn list(tx: &mut Tx, f: &AuditFilter) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let sql =
        "SELECT id, at, actor_login, register_id, action, entity, entity_id, before, after FROM audit_log
               WHERE ($1 IS NULL OR actor_login = $1) AND ($2 IS NULL OR entity = $2)
                 AND ($3 IS NULL OR action LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)
               ORDER BY id DESC LIMIT $6";
    let action = f.action.as_deref().map(|a| {
        format!(
            "{}%",
            a.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        )
    });
    let rows: Vec<EntryRow> = on_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(&f.actor_login)
        .bind(&f.entity)
        .bind(&action)
        .bind(f.from)
        .bind(f.until)
        .bind(f.limit)
        .fetch_all(&mut *conn)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor_login: r.actor_login,
            register_id: r.register_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before.and_then(|s| serde_json::from_str(&s).ok()),
            after: r.after.and_then(|s| serde_json::from_str(&s).ok()),
        })
        .collect())
}
