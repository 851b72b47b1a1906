//! Manager approval (責任者承認): voids, refunds, price overrides and stock adjustments asked
//! for by a cashier need a council user's PIN on the spot. The approval is recorded, valid for
//! a few minutes, and used once by the action it names, on the sale it names, at the register
//! it was granted at, by the cashier it was granted to.

use crate::db::users::Secret;
use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::throttle::Gate;
use crate::usecases::audit;
use crate::usecases::sessions::{Attempt, Origin, check_secret};
use chrono::{DateTime, Duration, Utc};
use selpos_domain::access::Principal;
use selpos_domain::approvals::{Approval, ApprovalAction, ApprovalInput, ApprovalUse, check_use};

pub const VALID_MINUTES: i64 = 5;

/// Checks the approver's PIN and grants an approval to the caller. Only a session on a
/// registered tablet (where approvals are given, on the spot) or a council user may ask: the
/// PIN screen is no oracle for facility staff at home (403).
pub async fn grant(
    db: &Db,
    origin: Origin<'_>,
    caller: &Principal,
    input: &ApprovalInput,
) -> Result<Approval> {
    if caller.register_id.is_none() && !caller.role.is_council() {
        return Err(Error::Forbidden);
    }
    input.validated()?;
    let attempt = Attempt {
        gate: Gate::Approval,
        secret: Secret::Pin,
        login: &input.approver_login,
        given: &input.pin,
        register_id: caller.register_id,
    };
    let record = check_secret(db, origin, attempt, |r| {
        if r.user.role.is_council() {
            r.pin_hash.as_deref()
        } else {
            None
        }
    })
    .await?;
    let approver = record.user;
    let now = Utc::now();
    let approval = Approval {
        id: uuid::Uuid::now_v7(),
        action: input.action,
        approver_login: approver.login.clone(),
        sale_id: input.sale_id,
        amount: input.amount,
        expires_at: now + Duration::minutes(VALID_MINUTES),
    };
    let mut tx = db.write().await?;
    let id = approval.id.to_string();
    db::approvals::insert(
        &mut tx,
        &db::approvals::NewApproval {
            id: &id,
            action: input.action.code(),
            approver_id: approver.id,
            requested_by: caller.user_id,
            register_id: caller.register_id,
            sale_id: input.sale_id.map(|s| s.to_string()),
            amount: input.amount.map(|a| a.0),
            reason: input.reason.trim(),
            expires_at: approval.expires_at,
        },
        now,
    )
    .await?;
    let after = serde_json::json!({ "approval": &approval, "reason": input.reason.trim() });
    audit::commit(tx, caller, "approval.grant", "approval", &id, None::<&()>, &after).await?;
    Ok(approval)
}

/// What an action presents an approval for: its action, the sale it acts on (voids, refunds,
/// price overrides) and the moment it counts from (now, or when an offline sale was made).
pub struct Wanted {
    pub action: ApprovalAction,
    pub sale_id: Option<uuid::Uuid>,
    /// The amount the action moves (a payout's).
    pub amount: Option<selpos_domain::Yen>,
    pub at: DateTime<Utc>,
}

/// Uses an approval inside the transaction of the action it approves; refuses (409, saying
/// why) one that is missing, expired, already used, for another action or sale, or granted to
/// someone else or at another register. Returns the approver's id.
pub async fn consume(
    tx: &mut Tx,
    caller: &Principal,
    approval_id: uuid::Uuid,
    wanted: Wanted,
) -> Result<i64> {
    let id = approval_id.to_string();
    let found = db::approvals::get(tx, &id).await?;
    let asked = ApprovalUse {
        action: wanted.action,
        user_id: caller.user_id,
        register_id: caller.register_id,
        sale_id: wanted.sale_id,
        amount: wanted.amount,
        at: wanted.at,
    };
    check_use(found.as_ref().map(|(g, _)| g), &asked)?;
    if !db::approvals::mark_used(tx, &id, Utc::now()).await? {
        return Err(selpos_domain::approvals::ApprovalRefusal::Used.into());
    }
    Ok(found.map_or(0, |(_, approver)| approver))
}
