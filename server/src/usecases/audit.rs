//! The audit trail: every change to money, stock, prices, users and event state is recorded
//! with who, when, from which register, and the record before and after — in the same
//! transaction as the change itself.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use chrono::Utc;
use selpos_domain::access::Principal;
use selpos_domain::audit::AuditEntry;
use serde::Serialize;

pub use db::audit::AuditFilter;

/// Records `action` on `entity` by `actor`. `before`/`after` are the record as the API shows it.
pub async fn record<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    actor: &Principal,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    record_as(
        tx,
        (actor.user_id > 0).then_some(actor.user_id),
        &actor.login,
        actor.register_id,
        action,
        entity,
        Some(entity_id.to_string()),
        before,
        after,
    )
    .await
}

/// Records `action` like [`record`], then commits the transaction that made the change: the
/// change and its audit record land together or not at all. Answers `after`, what the change
/// produced, so a use case ends with this call.
pub async fn commit<B: Serialize, A: Serialize>(
    mut tx: Tx,
    actor: &Principal,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: A,
) -> Result<A> {
    record(&mut tx, actor, action, entity, entity_id, before, Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Like [`record`], for events without a signed-in actor (a failed sign-in, the CLI).
#[allow(clippy::too_many_arguments)]
pub async fn record_as<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    actor_id: Option<i64>,
    actor_login: &str,
    register_id: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let entry = db::audit::NewEntry {
        actor_id,
        actor_login,
        register_id,
        action,
        entity,
        entity_id,
        before: before.map(json),
        after: after.map(json),
    };
    db::audit::insert(tx, &entry, Utc::now()).await?;
    Ok(())
}

/// A record as JSON; one that cannot be serialized is noted, not lost.
fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| serde_json::json!({ "unserializable": e.to_string() }))
}

/// The newest entries first; council admins only.
pub async fn list(db: &Db, actor: &Principal, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    if !actor.may_administer() {
        return Err(Error::Forbidden);
    }
    let mut tx = db.report().await?;
    Ok(db::audit::list(&mut tx, filter).await?)
}
