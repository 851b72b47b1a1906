//! Manager approval (責任者承認): voids, refunds, price overrides and stock adjustments asked
//! for by a cashier need a council user's PIN on the spot. The approval is recorded, valid for
//! a few minutes, and used once by the action it names.

use crate::db::{self, Db, Tx};
use crate::error::{Error, Result};
use crate::usecases::audit;
use chrono::{Duration, Utc};
use selpos_domain::access::Principal;
use selpos_domain::approvals::{Approval, ApprovalAction, ApprovalInput};

pub const VALID_MINUTES: i64 = 5;

/// Checks the approver's PIN and grants an approval to the caller.
pub async fn grant(db: &Db, caller: &Principal, input: &ApprovalInput) -> Result<Approval> {
    let record =
        super::sessions::check_secret(db, &input.approver_login, &input.pin, caller.register_id, |r| {
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

/// Uses an approval inside the transaction of the action it approves; refuses one that is
/// missing, expired, already used, for another action, or granted to someone else.
pub async fn consume(
    tx: &mut Tx,
    caller: &Principal,
    approval_id: uuid::Uuid,
    action: ApprovalAction,
) -> Result<i64> {
    db::approvals::consume(
        tx,
        &approval_id.to_string(),
        action.code(),
        caller.user_id,
        Utc::now(),
    )
    .await?
    .ok_or_else(|| {
        Error::Conflict(format!(
            "{}の承認がないか、期限が切れています。責任者のPINをもう一度入力してください",
            action.label_ja()
        ))
    })
}
